# A quick end-to-end run of `ctorch train` on a small part of Fashion-MNIST:
# progress lines, a validation line, the test result, and every output file.
. "$(dirname "$0")/common.inc"
need_data

OUT="$TMP/run"
"$CTORCH" train --model mlp --epochs 2 --max-batches 30 --max-test 2000 --val-split 1000 --threads 2 \
    --out "$OUT" > "$TMP/log" 2>&1 || { cat "$TMP/log"; fail "training failed"; finish; }
cat "$TMP/log"
grep -Eq "^data   fashion-mnist: 59000 training, 1000 validation, 10000 test images" "$TMP/log" || fail "no data line"
grep -Eq "^epoch 2/2  batch 30/30  loss [0-9.]+  acc [ 0-9.]+%  +[0-9]+ img/s  took" "$TMP/log" || fail "no progress line"
grep -Eq "^epoch 1/2  train loss [0-9.]+ acc [0-9.]+% \| val loss [0-9.]+ acc [0-9.]+% \(best\) \| lr 0.001 \|" "$TMP/log" ||
    fail "no validation line for epoch 1"
grep -Eq "^test   loss [0-9.]+  accuracy [0-9.]+% \(2000 images\)" "$TMP/log" || fail "no test line"
acc=$(grep '^test' "$TMP/log" | sed 's/.*accuracy \([0-9.]*\)%.*/\1/')
awk -v a="$acc" 'BEGIN {exit !(a > 60)}' || fail "test accuracy $acc% after 60 batches is implausibly low"

for f in curves.svg confusion_matrix.svg predictions.png metrics.csv metrics.json checkpoint.safetensors; do
    [ -s "$OUT/$f" ] || fail "$f is missing"
done
head -c 8 "$OUT/predictions.png" | od -An -c | grep -q "P   N   G" || fail "predictions.png is not a PNG"
# captions are never cut: each of the 8 cells in a row is as wide as the longest caption a class can get,
# "T-shirt/top 100%" (16 glyphs 6 px apart, font drawn at 2x: 190 px), so the PNG (width at bytes 16-19) is wider
width=$(od -An -tu1 -j16 -N4 "$OUT/predictions.png" | awk '{print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4}')
[ "${width:-0}" -ge $((8 * 190)) ] || fail "predictions.png is $width px wide: too narrow for whole captions"
grep -q "^<svg" "$OUT/curves.svg" && grep -q "</svg>" "$OUT/curves.svg" || fail "curves.svg is not an SVG"
grep -q "test accuracy $acc%" "$OUT/curves.svg" || fail "curves.svg does not show the test accuracy"
grep -q ">Ankle boot<" "$OUT/confusion_matrix.svg" || fail "the confusion matrix has no class names"
[ "$(wc -l < "$OUT/metrics.csv")" -eq 3 ] || fail "metrics.csv should have a header and 2 rows"
head -1 "$OUT/metrics.csv" | grep -q "^epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds$" || fail "metrics.csv header"
grep -q "\"accuracy\": $(awk -v a="$acc" 'BEGIN {printf "%.4g", a / 100}')" "$OUT/metrics.json" ||
    fail "metrics.json does not hold the test accuracy"
if command -v python3 > /dev/null; then
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d['epochs']) == 2" "$OUT/metrics.json" ||
        fail "metrics.json is not valid JSON with 2 epochs"
fi

# a model file, the plateau schedule and early stopping run end to end
printf 'conv 4 3 pad=1\nbatchnorm\nrelu\nmaxpool 2\nflatten\nlinear classes\n' > "$TMP/m.model"
expect 0 "model  m.model: 7898 parameters" "$CTORCH" train --model "$TMP/m.model" --epochs 1 --max-batches 3 \
    --max-test 200 --val-split 200 --schedule plateau --patience 1 --threads 2 --quiet --out "$TMP/m"

finish
