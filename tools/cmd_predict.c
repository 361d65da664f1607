/*
 * tools/cmd_predict.c - `ctorch predict CHECKPOINT IMAGE...`: the class and
 * probability a trained model gives each PNG or JPEG image.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void print_help(void) {
    printf("usage: ctorch predict CHECKPOINT IMAGE... [--top K]\n"
           "\n"
           "Classifies PNG or JPEG images with a checkpoint written by 'ctorch train'.\n"
           "Each image is converted to the model's channels (gray or RGB), resized to\n"
           "its input size and normalized as in training; one line per image:\n"
           "\n"
           "  shoe.png: Sneaker 97.1%%\n"
           "\n"
           "  --top K     also list the K most likely classes (default 1)\n"
           "  --threads N compute threads\n");
}

/* Prints the prediction for one image; false after printing why. */
static bool predict_one(ct_module *m, const data_info *info, const char *const *names, const char *path, int top) {
    bool ok = false;
    CT_SCOPE {
        ct_tensor *img = ct_image_read(path, info->channels == 1 ? CT_IMAGE_GRAY : CT_IMAGE_RGB);
        ct_tensor *x = img ? data_prepare_image(img, info) : NULL;
        ct_tensor *probs = NULL;
        if (x) {
            CT_NO_GRAD { probs = ct_contiguous(ct_softmax(ct_forward(m, x), 1)); }
        }
        if (!probs) {
            fprintf(stderr, "ctorch predict: %s: %s\n", path, ct_last_error());
        } else {
            const float *p = ct_data_f32(probs);
            int n = info->num_classes, order[64];
            for (int i = 0; i < n && i < 64; i++) order[i] = i;
            for (int i = 0; i < top; i++) /* partial selection sort: the top K first */
                for (int j = i + 1; j < n; j++)
                    if (p[order[j]] > p[order[i]]) {
                        int t = order[i];
                        order[i] = order[j];
                        order[j] = t;
                    }
            printf("%s: %s %.1f%%", path, names[order[0]], 100.0 * p[order[0]]);
            for (int i = 1; i < top; i++) printf("%s %s %.1f%%", i == 1 ? "  (then" : ",", names[order[i]], 100.0 * p[order[i]]);
            printf("%s\n", top > 1 ? ")" : "");
            ok = true;
        }
    }
    return ok;
}

int cmd_predict(int argc, char **argv) {
    const char *ckpt = NULL;
    const char **images = calloc((size_t)argc, sizeof *images);
    int nimages = 0, top = 1, status = 2;
    ct_module *m = NULL;
    if (!images) return 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int64_t n;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            print_help();
            status = 0;
            goto done;
        }
        if (!strcmp(a, "--top") || !strcmp(a, "--threads")) {
            if (i + 1 >= argc) {
                usage_error("predict", "%s needs a value", a);
                goto done;
            }
            if (!arg_int(a, argv[++i], 1, a[2] == 't' && a[3] == 'o' ? 10 : 1024, &n)) goto done;
            if (a[3] == 'o') top = (int)n;
            else ct_set_num_threads((int)n);
        } else if (a[0] == '-' && a[1]) {
            usage_error("predict", "unknown option '%s'", a);
            goto done;
        } else if (!ckpt) {
            ckpt = a;
        } else {
            images[nimages++] = a;
        }
    }
    if (!ckpt || nimages == 0) {
        usage_error("predict", "give a checkpoint and at least one image (ctorch predict CHECKPOINT IMAGE...)");
        goto done;
    }
    status = 1;
    ct_tensor_dict *ck = checkpoint_read(ckpt);
    if (!ck) goto done;
    static train_config cfg;
    data_info info;
    bool ok = checkpoint_config(ck, &cfg);
    m = ok ? checkpoint_model(ck, &info) : NULL;
    ct_tensor_dict_free(ck);
    if (!m) goto done;
    ct_module_eval(m);
    int n;
    const char *const *names = data_class_names(cfg.dataset, &n);
    if (top > info.num_classes) top = info.num_classes;
    status = 0;
    for (int i = 0; i < nimages; i++)
        if (!predict_one(m, &info, names, images[i], top)) status = 1;
done:
    ct_module_free(m);
    free(images);
    return status;
}
