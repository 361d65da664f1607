# Argument errors and help: every mistake gets a message saying what to do, and exit status 2.
. "$(dirname "$0")/common.inc"

expect 2 "usage: ctorch COMMAND" "$CTORCH"
expect 2 "unknown command 'fly'" "$CTORCH" fly
expect 0 "train +train a model" "$CTORCH" --help
for cmd in train eval predict info; do
    expect 0 "usage: ctorch $cmd" "$CTORCH" $cmd --help
done
expect 0 "conv OUT K" "$CTORCH" train --help-model-file

expect 2 "unknown option '--epoch'" "$CTORCH" train --epoch 3
expect 2 "^Try 'ctorch train --help'" "$CTORCH" train --epoch 3
expect 2 "--epochs expects a whole number from 1 to 100000, got 'three'" "$CTORCH" train --epochs three
expect 2 "--epochs expects a whole number from 1 to 100000, got '0'" "$CTORCH" train --epochs=0
expect 2 "--batch-size needs a value" "$CTORCH" train --batch-size
expect 2 "--optimizer must be one of: sgd adam adamw rmsprop \(got 'lbfgs'\)" "$CTORCH" train --optimizer lbfgs
expect 2 "--schedule must be one of: none step cosine plateau" "$CTORCH" train --schedule linear
expect 2 "--dataset must be one of: fashion-mnist mnist cifar10" "$CTORCH" train --dataset imagenet
expect 2 "--lr expects a number >= 0, got '-1'" "$CTORCH" train --lr -1
expect 2 "--lr must be positive" "$CTORCH" train --lr 0
expect 2 "--gamma must be between 0 and 1" "$CTORCH" train --gamma 2
expect 2 "--quick takes no value" "$CTORCH" train --quick=1
expect 2 "unexpected argument 'fast'" "$CTORCH" train fast
expect 2 "'nosuch.model' is not a built-in model \(mlp, cnn, lenet5, resnet18\)" "$CTORCH" train --model nosuch.model

# model files: the line and the problem are named
printf 'conv 8 3 pad=1\nrelu\nlinear 10\n' > "$TMP/bad1.model"
expect 1 "bad1.model, line 3: 'linear' needs flat input: add a 'flatten' line" \
    "$CTORCH" train --model "$TMP/bad1.model" --out "$TMP/o"
printf '# comment\nconv 8 3 pad=1\nspin 3\n' > "$TMP/bad2.model"
expect 1 "bad2.model, line 3: unknown layer 'spin'" "$CTORCH" train --model "$TMP/bad2.model" --out "$TMP/o"
printf 'flatten\nlinear 32\n' > "$TMP/bad3.model"
expect 1 "the last layer must give 10 class scores" "$CTORCH" train --model "$TMP/bad3.model" --out "$TMP/o"
printf 'conv 8 40\nflatten\nlinear classes\n' > "$TMP/bad4.model"
expect 1 "line 1: the window is larger than the image input" "$CTORCH" train --model "$TMP/bad4.model" --out "$TMP/o"

# hostile sizes (found by fuzzing) are refused from the description, before anything is allocated
printf 'adaptiveavgpool 1000000\nconv 1 1 pad=1000000\nflatten\nlinear classes\n' > "$TMP/bad5.model"
expect 1 "line 1: this layer's output is too large \(more than 2\^31 values per image\)" \
    "$CTORCH" train --model "$TMP/bad5.model" --out "$TMP/o"
printf 'conv 64 3 pad=1128\nflatten\nlinear classes\n' > "$TMP/bad6.model"
expect 1 "describes 3332816010 parameters, more than the 268435456 this tool trains" \
    "$CTORCH" train --model "$TMP/bad6.model" --out "$TMP/o"

# missing data: the error says how to get it
expect 1 "apt-get install dataset-fashion-mnist" "$CTORCH" train --root "$TMP/nodata" --out "$TMP/o"
expect 1 "cifar-10-binary.tar.gz" "$CTORCH" train --dataset cifar10 --root "$TMP/nodata" --out "$TMP/o"

# eval / predict / info argument errors
expect 2 "which checkpoint\?" "$CTORCH" eval
expect 2 "unknown option '--fast'" "$CTORCH" eval x.safetensors --fast
expect 1 "cannot read the checkpoint" "$CTORCH" eval "$TMP/missing.safetensors"
expect 2 "give a checkpoint and at least one image" "$CTORCH" predict "$TMP/x.safetensors"
expect 2 "--top expects a whole number from 1 to 10" "$CTORCH" predict a b --top 0
expect 2 "which file\?" "$CTORCH" info
expect 2 "expected one FILE" "$CTORCH" info a b
expect 1 "ctorch info: .*missing.safetensors" "$CTORCH" info "$TMP/missing.safetensors"
printf 'not a safetensors file at all' > "$TMP/junk.safetensors"
expect 1 "ctorch info: " "$CTORCH" info "$TMP/junk.safetensors"
expect 2 "cannot change when resuming" "$CTORCH" train --resume "$TMP/x" --lr 0.1 --out "$TMP/o"

finish
