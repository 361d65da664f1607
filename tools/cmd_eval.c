/*
 * tools/cmd_eval.c - `ctorch eval CHECKPOINT`: test loss, accuracy, per-class
 * accuracy and (with --out) the confusion matrix and prediction grid.
 */
#include <string.h>

#include "cli.h"

static void print_help(void) {
    printf("usage: ctorch eval CHECKPOINT [OPTIONS]\n"
           "\n"
           "Evaluates a checkpoint written by 'ctorch train' on its data set's test split.\n"
           "\n"
           "  --root DIR       folder with the data files (default: as 'ctorch train')\n"
           "  --out DIR        also write confusion_matrix.svg and predictions.png there\n"
           "  --max-test N     evaluate the first N test images only\n"
           "  --threads N      compute threads\n");
}

int cmd_eval(int argc, char **argv) {
    const char *ckpt = NULL, *out = NULL;
    static train_config cfg;
    memset(&cfg, 0, sizeof cfg);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            print_help();
            return 0;
        }
        bool valued = !strcmp(a, "--root") || !strcmp(a, "--out") || !strcmp(a, "--max-test") ||
                      !strcmp(a, "--threads");
        if (valued && i + 1 >= argc) {
            usage_error("eval", "%s needs a value", a);
            return 2;
        }
        int64_t n;
        if (!strcmp(a, "--root")) {
            if (!arg_copy(a, argv[++i], cfg.root, sizeof cfg.root)) return 2;
        } else if (!strcmp(a, "--out")) {
            out = argv[++i];
        } else if (!strcmp(a, "--max-test")) {
            if (!arg_int(a, argv[++i], 1, INT64_MAX, &n)) return 2;
            cfg.max_test = n;
        } else if (!strcmp(a, "--threads")) {
            if (!arg_int(a, argv[++i], 1, 1024, &n)) return 2;
            ct_set_num_threads((int)n);
        } else if (a[0] == '-') {
            usage_error("eval", "unknown option '%s'", a);
            return 2;
        } else if (ckpt) {
            usage_error("eval", "expected one CHECKPOINT, got '%s' and '%s'", ckpt, a);
            return 2;
        } else {
            ckpt = a;
        }
    }
    if (!ckpt) {
        usage_error("eval", "which checkpoint? (ctorch eval out/fashion-mnist-cnn/checkpoint.safetensors)");
        return 2;
    }
    ct_tensor_dict *ck = checkpoint_read(ckpt);
    if (!ck) return 1;
    data_info info;
    char root[sizeof cfg.root];
    strcpy(root, cfg.root);
    int64_t max_test = cfg.max_test;
    bool ok = checkpoint_config(ck, &cfg);
    strcpy(cfg.root, root);
    ct_module *m = ok ? checkpoint_model(ck, &info) : NULL;
    ct_tensor_dict_free(ck);
    if (!m) return 1;
    ct_dataset *test = data_open(&cfg, CT_TEST, false);
    eval_result r;
    int64_t max_batches = max_test > 0 ? (max_test + 999) / 1000 : 0;
    ok = test && evaluate(m, test, info.num_classes, max_test > 0 && max_test < 1000 ? max_test : 1000,
                          max_batches, 32, &r);
    if (ok) {
        int n;
        const char *const *names = data_class_names(cfg.dataset, &n);
        printf("%s: %s on %s\n", ckpt, model_label(cfg.model), cfg.dataset);
        printf("test loss %.4f  accuracy %.2f%% (%lld images)\n", r.loss, 100 * r.acc, (long long)r.n);
        printf("per class:\n");
        for (int i = 0; i < r.num_classes; i++) {
            int64_t row = 0;
            for (int j = 0; j < r.num_classes; j++) row += r.confusion[i * r.num_classes + j];
            printf("  %-12s %6.2f%%  (%lld of %lld)\n", names[i],
                   row ? 100.0 * (double)r.confusion[i * r.num_classes + i] / (double)row : 0.0,
                   (long long)r.confusion[i * r.num_classes + i], (long long)row);
        }
        if (out) {
            char path[1200], title[300];
            snprintf(title, sizeof title, "%.200s on %.30s", model_label(cfg.model), cfg.dataset);
            ok = make_dirs(out) &&
                 report_confusion_svg(path_join(path, sizeof path, out, "confusion_matrix.svg"), &r, names, title) &&
                 report_prediction_grid(path_join(path, sizeof path, out, "predictions.png"), &r, &info, names);
            if (ok) printf("wrote %s/confusion_matrix.svg and %s/predictions.png\n", out, out);
            else fprintf(stderr, "ctorch eval: cannot write to '%s'\n", out);
        }
        eval_result_free(&r);
    }
    ct_dataset_free(test);
    ct_module_free(m);
    return ok ? 0 : 1;
}
