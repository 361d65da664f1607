/*
 * tools/cmd_train.c - `ctorch train`: reads the options into a train_config
 * and hands it to run_training (train_loop.c).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The default run: the CNN of the study notes on Fashion-MNIST. */
static void cfg_defaults(train_config *c) {
    memset(c, 0, sizeof *c);
    strcpy(c->model, "cnn");
    strcpy(c->dataset, "fashion-mnist");
    c->epochs = 4;
    c->batch_size = 128;
    strcpy(c->optimizer, "adam");
    c->weight_decay = -1;
    c->momentum = -1;
    strcpy(c->schedule, "cosine");
    c->gamma = 0.1;
    strcpy(c->augment, "none");
    c->val_split = 5000;
    c->workers = 0;
}

static void print_help(void) {
    printf(
        "usage: ctorch train [OPTIONS]\n"
        "\n"
        "Trains an image classifier, shows progress, and writes curves, a confusion\n"
        "matrix, a grid of test predictions, metrics and a resumable checkpoint.\n"
        "Without options: the default CNN on Fashion-MNIST (Adam lr 1e-3, batch 128,\n"
        "4 epochs with cosine decay, 5000 training images held out for validation).\n"
        "\n"
        "model and data:\n"
        "  --model NAME|FILE     mlp, cnn (default), lenet5, resnet18, or a model file\n"
        "                        (one layer per line; 'ctorch train --help-model-file')\n"
        "  --dataset NAME        fashion-mnist (default), mnist, cifar10\n"
        "  --root DIR            folder with the data files (default: ./data, then\n"
        "                        /usr/share/datasets/<name>, from Debian's packages)\n"
        "  --augment KIND        none (default), flip-crop (CIFAR-10: random crop with\n"
        "                        4-pixel padding and horizontal flips), affine (light\n"
        "                        random rotation and shift, for MNIST-like data), auto\n"
        "                        (the one that suits the data set)\n"
        "  --val-split N         training images held out for validation (default 5000;\n"
        "                        0: none)\n"
        "\n"
        "optimization:\n"
        "  --epochs N            epochs to train (default 4)\n"
        "  --batch-size N        (default 128)\n"
        "  --optimizer NAME      sgd, adam (default), adamw, rmsprop\n"
        "  --lr X                learning rate (default: sgd 0.01, adam/adamw 1e-3,\n"
        "                        rmsprop 1e-2)\n"
        "  --momentum X          sgd/rmsprop momentum (default: sgd 0.9, rmsprop 0)\n"
        "  --weight-decay X      (default: the optimizer's, 0; adamw 0.01)\n"
        "  --schedule NAME       none, step, cosine (default), plateau\n"
        "  --step-size N         step: decay every N epochs (default: epochs - 1)\n"
        "  --gamma X             step/plateau: factor of each decay (default 0.1)\n"
        "  --patience N          stop when the validation loss has not improved for N\n"
        "                        epochs (default 0: never)\n"
        "\n"
        "run:\n"
        "  --seed N              seed of every random choice (default 0)\n"
        "  --threads N           compute threads (default: all cores)\n"
        "  --workers N           data loading threads (default 0: load between steps,\n"
        "                        which leaves every core to the compute threads)\n"
        "  --out DIR             output folder (default out/<dataset>-<model>)\n"
        "  --resume CHECKPOINT   continue a run from its checkpoint.safetensors, writing\n"
        "                        next to it; the run's options come from the checkpoint\n"
        "                        (--epochs, --out, --threads, --workers, --root,\n"
        "                        --patience, --max-batches, --max-test, --stop-after\n"
        "                        and --quiet may change). With the same --threads the\n"
        "                        result is bit for bit the uninterrupted run's.\n"
        "  --max-batches N       stop each epoch after N batches (for quick checks)\n"
        "  --max-test N          evaluate on the first N test images only\n"
        "  --stop-after N        end the run after epoch N as if interrupted (the\n"
        "                        checkpoint resumes it; the schedule still spans --epochs)\n"
        "  --quick               --epochs 1 --max-batches 20 --max-test 1000\n"
        "                        --val-split 1000: a smoke test in seconds\n"
        "  --quiet               no progress bars\n"
        "\n"
        "example:\n"
        "  ctorch train --model mlp --optimizer sgd --lr 0.01 --epochs 3\n"
        "  ctorch train --resume out/fashion-mnist-cnn/checkpoint.safetensors --epochs 6\n");
}

static void print_model_file_help(void) {
    printf(
        "A model file describes a network one layer per line, in order; shapes flow\n"
        "from the data set's images, so only output sizes are written. '#' starts a\n"
        "comment. Layers:\n"
        "\n"
        "  conv OUT K [stride=S] [pad=P] [bias=0]   Conv2d(in, OUT, K, S, P)\n"
        "  maxpool K [stride=S]                     MaxPool2d(K, S (default K))\n"
        "  avgpool K [stride=S]                     AvgPool2d(K, S (default K))\n"
        "  adaptiveavgpool H [W]                    AdaptiveAvgPool2d((H, W))\n"
        "  batchnorm                                BatchNorm2d / BatchNorm1d (by shape)\n"
        "  relu | tanh | sigmoid | gelu | silu      activations\n"
        "  leakyrelu [SLOPE]                        LeakyReLU(SLOPE (default 0.01))\n"
        "  dropout P                                Dropout(P)\n"
        "  flatten                                  Flatten()\n"
        "  linear OUT                               Linear(in, OUT); OUT may be 'classes'\n"
        "\n"
        "The default CNN as a file:\n"
        "\n"
        "  conv 32 3 pad=1\n  batchnorm\n  relu\n  maxpool 2\n"
        "  conv 64 3 pad=1\n  batchnorm\n  relu\n  maxpool 2\n"
        "  flatten\n  linear 128\n  relu\n  dropout 0.25\n  linear classes\n");
}

static const char *const models_hint[] = {"mlp", "cnn", "lenet5", "resnet18", NULL};
static const char *const datasets[] = {"fashion-mnist", "mnist", "cifar10", NULL};
static const char *const optimizers[] = {"sgd", "adam", "adamw", "rmsprop", NULL};
static const char *const schedules[] = {"none", "step", "cosine", "plateau", NULL};
static const char *const augments[] = {"none", "flip-crop", "affine", "auto", NULL};
/* Options that may change when a run is resumed. */
static const char *const resumable[] = {"--epochs", "--out", "--threads", "--workers", "--root",
                                        "--patience", "--max-batches", "--max-test", "--stop-after", "--quick",
                                        "--quiet", "--resume", NULL};

static bool is_one_of(const char *s, const char *const *list) {
    for (int i = 0; list[i]; i++)
        if (!strcmp(s, list[i])) return true;
    return false;
}

/* Applies one option (name, value); value is NULL for flags. */
static bool apply(train_config *c, const char *name, const char *v) {
    int64_t n;
    double x;
#define INT_OPT(opt, field, type, lo, hi)                                                     \
    if (!strcmp(name, opt)) {                                                           \
        if (!arg_int(opt, v, lo, hi, &n)) return false;                                 \
        c->field = (type)n;                                             \
        return true;                                                                    \
    }
    if (!strcmp(name, "--model")) {
        if (!arg_copy(name, v, c->model, sizeof c->model)) return false;
        c->model_text[0] = 0;
        if (!is_one_of(v, models_hint)) return model_file_read(v, c->model_text, sizeof c->model_text);
        return true;
    }
    if (!strcmp(name, "--dataset")) return arg_choice(name, v, datasets) && arg_copy(name, v, c->dataset, sizeof c->dataset);
    if (!strcmp(name, "--root")) return arg_copy(name, v, c->root, sizeof c->root);
    if (!strcmp(name, "--out")) return arg_copy(name, v, c->out, sizeof c->out);
    if (!strcmp(name, "--resume")) return arg_copy(name, v, c->resume, sizeof c->resume);
    if (!strcmp(name, "--optimizer")) return arg_choice(name, v, optimizers) && arg_copy(name, v, c->optimizer, sizeof c->optimizer);
    if (!strcmp(name, "--schedule")) return arg_choice(name, v, schedules) && arg_copy(name, v, c->schedule, sizeof c->schedule);
    if (!strcmp(name, "--augment")) return arg_choice(name, v, augments) && arg_copy(name, v, c->augment, sizeof c->augment);
    INT_OPT("--epochs", epochs, int, 1, 100000)
    INT_OPT("--batch-size", batch_size, int, 1, 1000000)
    INT_OPT("--step-size", step_size, int, 1, 100000)
    INT_OPT("--val-split", val_split, int, 0, 100000000)
    INT_OPT("--patience", patience, int, 0, 100000)
    INT_OPT("--threads", threads, int, 1, 1024)
    INT_OPT("--workers", workers, int, 0, 64)
    INT_OPT("--max-batches", max_batches, int64_t, 1, INT64_MAX)
    INT_OPT("--max-test", max_test, int64_t, 1, INT64_MAX)
    INT_OPT("--stop-after", stop_after, int, 1, 100000)
    if (!strcmp(name, "--seed")) {
        if (!arg_int(name, v, 0, INT64_MAX, &n)) return false;
        c->seed = (uint64_t)n;
        return true;
    }
    if (!strcmp(name, "--lr")) {
        if (!arg_double(name, v, 0, &x)) return false;
        if (x <= 0) {
            fprintf(stderr, "ctorch: --lr must be positive, got '%s'\n", v);
            return false;
        }
        c->lr = x;
        return true;
    }
    if (!strcmp(name, "--momentum")) return arg_double(name, v, 0, &c->momentum);
    if (!strcmp(name, "--weight-decay")) return arg_double(name, v, 0, &c->weight_decay);
    if (!strcmp(name, "--gamma")) {
        if (!arg_double(name, v, 0, &x)) return false;
        if (x <= 0 || x >= 1) {
            fprintf(stderr, "ctorch: --gamma must be between 0 and 1 (exclusive), got '%s'\n", v);
            return false;
        }
        c->gamma = x;
        return true;
    }
    if (!strcmp(name, "--quick")) {
        c->epochs = 1;
        c->max_batches = 20;
        c->max_test = 1000;
        if (c->val_split > 1000) c->val_split = 1000;
        return true;
    }
    if (!strcmp(name, "--quiet")) {
        c->quiet = true;
        return true;
    }
#undef INT_OPT
    return false; /* not reached: names are checked by the caller */
}

static const char *const flags[] = {"--quick", "--quiet", NULL};
static const char *const valued[] = {
    "--model", "--dataset", "--root", "--epochs", "--batch-size", "--optimizer", "--lr",
    "--momentum", "--weight-decay", "--schedule", "--step-size", "--gamma", "--augment",
    "--val-split", "--patience", "--seed", "--threads", "--workers", "--out", "--resume",
    "--max-batches", "--max-test", "--stop-after", NULL};

/*
 * Walks argv. Pass 0 only reads --resume; pass 1 checks that a resumed run
 * is given only options that may change; pass 2 applies every option.
 */
static bool parse(int argc, char **argv, train_config *c, int pass, bool resuming) {
    for (int i = 1; i < argc; i++) {
        char name[64];
        const char *arg = argv[i], *value = NULL;
        const char *eq = strchr(arg, '=');
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        if (strncmp(arg, "--", 2) != 0 || len >= sizeof name) {
            usage_error("train", "unexpected argument '%s'", arg);
            return false;
        }
        memcpy(name, arg, len);
        name[len] = 0;
        bool is_flag = is_one_of(name, flags);
        if (!is_flag && !is_one_of(name, valued)) {
            usage_error("train", "unknown option '%s'", name);
            return false;
        }
        if (is_flag && eq) {
            usage_error("train", "%s takes no value", name);
            return false;
        }
        if (!is_flag) {
            if (eq) value = eq + 1;
            else if (i + 1 < argc) value = argv[++i];
            else {
                usage_error("train", "%s needs a value", name);
                return false;
            }
        }
        if (pass == 0) {
            if (!strcmp(name, "--resume") && !apply(c, name, value)) return false;
            continue;
        }
        if (pass == 1 && resuming && !is_one_of(name, resumable)) {
            usage_error("train", "%s cannot change when resuming (the checkpoint's value is used)", name);
            return false;
        }
        if (pass == 1) continue;
        if (!apply(c, name, value)) return false;
    }
    return true;
}

int cmd_train(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            print_help();
            return 0;
        }
        if (!strcmp(argv[i], "--help-model-file")) {
            print_model_file_help();
            return 0;
        }
    }
    static train_config cfg;
    cfg_defaults(&cfg);
    if (!parse(argc, argv, &cfg, 0, false)) return 2;
    bool resuming = cfg.resume[0] != 0;
    if (resuming && !parse(argc, argv, &cfg, 1, true)) return 2;
    if (resuming) {
        char resume[sizeof cfg.resume];
        strcpy(resume, cfg.resume);
        ct_tensor_dict *ck = checkpoint_read(resume);
        if (!ck) return 1;
        bool ok = checkpoint_config(ck, &cfg);
        ct_tensor_dict_free(ck);
        if (!ok) return 1;
        strcpy(cfg.resume, resume);
    }
    if (!parse(argc, argv, &cfg, 2, resuming)) return 2;
    if (resuming && !cfg.out[0]) { /* a resumed run writes next to its checkpoint */
        snprintf(cfg.out, sizeof cfg.out, "%s", cfg.resume);
        char *slash = strrchr(cfg.out, '/');
        if (slash) *slash = 0;
        else strcpy(cfg.out, ".");
    }
    if (cfg.step_size == 0) cfg.step_size = cfg.epochs > 1 ? cfg.epochs - 1 : 1;
    if (!cfg.out[0]) {
        const char *base = strrchr(cfg.model, '/');
        base = base ? base + 1 : cfg.model;
        char name[128];
        snprintf(name, sizeof name, "%.100s", base);
        char *dot = strrchr(name, '.');
        if (dot && dot != name) *dot = 0;
        snprintf(cfg.out, sizeof cfg.out, "out/%s-%s", cfg.dataset, name);
    }
    return run_training(&cfg);
}
