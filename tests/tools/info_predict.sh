# `ctorch info` on a checkpoint, `ctorch predict` on PNG and JPEG files written
# here from Fashion-MNIST test images, and `ctorch eval` agreeing with train.
. "$(dirname "$0")/common.inc"
need_data

"$CTORCH" train --model mlp --epochs 1 --max-batches 150 --val-split 0 --max-test 2000 --threads 2 --quiet \
    --out "$TMP/run" > "$TMP/train.log" 2>&1 || { cat "$TMP/train.log"; fail "training failed"; finish; }
CK="$TMP/run/checkpoint.safetensors"

# info: metadata, names, dtypes, shapes of model, optimizer and generator state
expect 0 "format: ctorch-train-checkpoint/1" "$CTORCH" info "$CK"
expect 0 "cfg.model: mlp" "$CTORCH" info "$CK"
expect 0 "model\.1\.weight +F32 +\[256, 784\] +200704 " "$CTORCH" info "$CK"
expect 0 "model\.5\.bias +F32 +\[10\] +10 " "$CTORCH" info "$CK"
expect 0 "optim\.state\.0\.exp_avg_sq +F32 +\[256, 784\]" "$CTORCH" info "$CK"
expect 0 "rng\.default +U8 +\[5056\]" "$CTORCH" info "$CK"
expect 0 "optim.optimizer: Adam" "$CTORCH" info "$CK"

# predict: test image 0 is an ankle boot, 1 a pullover, 2 a trouser
"$WRITE_IMAGE" 0 "$TMP/boot.png" > "$TMP/label0" || fail "cannot write a PNG"
"$WRITE_IMAGE" 2 "$TMP/trouser.jpg" > "$TMP/label2" || fail "cannot write a JPEG"
[ "$(cat "$TMP/label0")" = "Ankle boot" ] || fail "test image 0 should be an ankle boot, got $(cat "$TMP/label0")"
expect 0 "boot.png: Ankle boot [0-9.]+%" "$CTORCH" predict "$CK" "$TMP/boot.png"
expect 0 "trouser.jpg: Trouser [0-9.]+%" "$CTORCH" predict "$CK" "$TMP/trouser.jpg"
"$CTORCH" predict "$CK" "$TMP/boot.png" --top 10 > "$TMP/top" 2>&1 || fail "predict --top 10 failed"
# ten classes listed, probabilities summing to 100%
n=$(grep -o '[0-9.]*%' "$TMP/top" | wc -l)
[ "$n" -eq 10 ] || fail "--top 10 listed $n classes: $(cat "$TMP/top")"
sum=$(grep -o '[0-9.]*%' "$TMP/top" | tr -d '%' | awk '{s += $1} END {printf "%.0f", s}')
[ "$sum" -ge 99 ] && [ "$sum" -le 101 ] || fail "--top 10 probabilities sum to $sum%"
expect 1 "nothere.png" "$CTORCH" predict "$CK" "$TMP/nothere.png"
printf 'junk' > "$TMP/junk.png"
expect 1 "junk.png: " "$CTORCH" predict "$CK" "$TMP/junk.png"

# eval gives the accuracy train printed, and writes its pictures on request
acc=$(grep '^test' "$TMP/train.log" | grep -o 'accuracy [0-9.]*%')
expect 0 "test loss [0-9.]+  $acc \(2000 images\)" "$CTORCH" eval "$CK" --max-test 2000 --out "$TMP/ev"
[ -s "$TMP/ev/confusion_matrix.svg" ] && [ -s "$TMP/ev/predictions.png" ] || fail "eval --out wrote no pictures"
expect 0 "Trouser +[0-9.]+%  \([0-9]+ of [0-9]+\)" "$CTORCH" eval "$CK" --max-test 1000

# a damaged setting in the metadata (same length, so the header stays valid) is an error, not a cast of NaN
LC_ALL=C sed 's/"cfg.batch_size":"128"/"cfg.batch_size":"nan"/' "$CK" > "$TMP/damaged.safetensors"
cmp -s "$CK" "$TMP/damaged.safetensors" && fail "the damaged copy of the checkpoint is unchanged"
expect 1 "the checkpoint's settings are damaged: .*\"cfg.batch_size\" is not a whole number from 1 to 1000000" \
    "$CTORCH" eval "$TMP/damaged.safetensors"

finish
