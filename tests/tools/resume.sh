# `ctorch train --resume` continues exactly: a run stopped after epoch 1 and
# resumed ends with the same weights, optimizer, scheduler and generator
# states, bit for bit, as the same run without a stop (same seed and threads).
. "$(dirname "$0")/common.inc"
need_data

# the checkpoint's state tensors and the scheduler state, with checksums
state() { "$CTORCH" info "$1" | grep -E '^  (model|optim|rng)\.|^  sched\.' ; }

check_resume() {
    name=$1
    shift
    "$CTORCH" train "$@" --epochs 2 --out "$TMP/$name-full" > "$TMP/$name-full.log" 2>&1 ||
        { fail "$name: the uninterrupted run failed"; cat "$TMP/$name-full.log"; return; }
    "$CTORCH" train "$@" --epochs 2 --stop-after 1 --out "$TMP/$name-part" > "$TMP/$name-part.log" 2>&1 ||
        { fail "$name: the first half failed"; cat "$TMP/$name-part.log"; return; }
    grep -q "stopped after epoch 1 of 2" "$TMP/$name-part.log" || fail "$name: --stop-after 1 did not stop"
    "$CTORCH" info "$TMP/$name-part/checkpoint.safetensors" | grep -q '^  epoch: 1$' ||
        fail "$name: the stopped checkpoint is not at epoch 1"
    "$CTORCH" train --resume "$TMP/$name-part/checkpoint.safetensors" > "$TMP/$name-resume.log" 2>&1 ||
        { fail "$name: the resumed run failed"; cat "$TMP/$name-resume.log"; return; }
    grep -q "resume .* after epoch 1" "$TMP/$name-resume.log" || fail "$name: the resumed run did not say so"
    state "$TMP/$name-full/checkpoint.safetensors" > "$TMP/a"
    state "$TMP/$name-part/checkpoint.safetensors" > "$TMP/b"
    [ "$(grep -c 'model\.' "$TMP/a")" -ge 2 ] || fail "$name: no model tensors in the checkpoint"
    if ! diff "$TMP/a" "$TMP/b" > "$TMP/diff"; then
        fail "$name: resumed state differs from the uninterrupted run's"
        sed 's/^/    | /' "$TMP/diff" | head -20
    fi
    # the same test accuracy line, and the history of both epochs in the metrics
    t1=$(grep '^test' "$TMP/$name-full.log") t2=$(grep '^test' "$TMP/$name-resume.log")
    [ "$t1" = "$t2" ] || fail "$name: test results differ: '$t1' vs '$t2'"
    [ "$(wc -l < "$TMP/$name-part/metrics.csv")" -eq 3 ] || fail "$name: metrics.csv should hold 2 epochs after resuming"
}

common="--max-batches 3 --max-test 200 --val-split 200 --threads 2 --quiet --seed 7"
# the MLP with Adam and a cosine schedule
check_resume mlp --model mlp $common
# a small CNN with BatchNorm (running statistics) and Dropout (the default
# generator), SGD with momentum, a step schedule, random augmentation drawn by
# the loader, and a loader thread; its second convolution (16 -> 16, 3x3)
# runs on Winograd's algorithm where oneDNN is there
printf 'conv 16 3 pad=1\nbatchnorm\nrelu\nconv 16 3 pad=1\nrelu\nmaxpool 2\nflatten\ndropout 0.3\nlinear classes\n' > "$TMP/small.model"
check_resume cnn --model "$TMP/small.model" --optimizer sgd --lr 0.05 --schedule step --step-size 1 \
    --augment affine --workers 1 $common

finish
