/*
 * tools/model_file.c - builds an nn.Sequential from a model description: one
 * layer per line, output sizes only (input sizes flow from the images).
 * The format is printed by 'ctorch train --help-model-file':
 *
 *     # the default CNN
 *     conv 32 3 pad=1
 *     batchnorm
 *     relu
 *     maxpool 2
 *     flatten
 *     linear classes
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_TOKENS 8
#define MAX_LAYERS 256
/* Limits that keep a hostile description (a model file, or the text in a
 * checkpoint) from asking for absurd memory: values per sample flowing
 * between layers, and parameters in all. */
#define MAX_FLOW ((int64_t)1 << 31)
#define MAX_PARAMS ((double)(1 << 28))

/* The shape flowing through the network: [C, H, W] images or [F] features. */
typedef struct flow {
    bool flat;
    int64_t c, h, w, f;
} flow;

typedef struct line_ctx {
    const char *origin;
    int lineno;
} line_ctx;

static void bad(const line_ctx *lc, const char *fmt, const char *a, const char *b) {
    fprintf(stderr, "ctorch: %s, line %d: ", lc->origin, lc->lineno);
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, "\n(run 'ctorch train --help-model-file' for the format)\n");
}

/* A positive whole number; "classes" means num_classes when allowed. */
static bool whole(const line_ctx *lc, const char *s, int64_t classes, int64_t *out) {
    if (classes > 0 && !strcmp(s, "classes")) {
        *out = classes;
        return true;
    }
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v <= 0 || v > 1000000) {
        bad(lc, "expected a positive whole number, got '%s'%s", s, "");
        return false;
    }
    *out = v;
    return true;
}

/* key=value options after the positional arguments (stride=, pad=, bias=). */
static bool option(const line_ctx *lc, char **tok, int ntok, int first, const char *key, int64_t *val) {
    size_t klen = strlen(key);
    for (int i = first; i < ntok; i++) {
        if (!strncmp(tok[i], key, klen) && tok[i][klen] == '=') {
            char *end;
            long long v = strtoll(tok[i] + klen + 1, &end, 10);
            if (!tok[i][klen + 1] || *end || v < 0 || v > 1000000) {
                bad(lc, "bad value in '%s'%s", tok[i], "");
                return false;
            }
            *val = v;
        }
    }
    return true;
}

/* Checks that every token from `first` on is one of the given key=value options. */
static bool only_options(const line_ctx *lc, char **tok, int ntok, int first, const char *const *keys) {
    for (int i = first; i < ntok; i++) {
        bool ok = false;
        for (int k = 0; keys[k] && !ok; k++) {
            size_t n = strlen(keys[k]);
            ok = !strncmp(tok[i], keys[k], n) && tok[i][n] == '=';
        }
        if (!ok) {
            bad(lc, "unexpected '%s' after '%s'", tok[i], tok[0]);
            return false;
        }
    }
    return true;
}

static bool need_image(const line_ctx *lc, const flow *f, const char *layer) {
    if (f->flat) bad(lc, "'%s' needs images [C,H,W], but the input here is flat (after flatten%s)", layer, "");
    return !f->flat;
}

/* Sets the image size to h x w after checking c*h*w values per sample stay within MAX_FLOW. */
static bool resized(const line_ctx *lc, flow *f, int64_t h, int64_t w) {
    if (h > MAX_FLOW || w > MAX_FLOW / h || f->c > MAX_FLOW / (h * w)) {
        bad(lc, "this layer's output is too large (more than 2^31 values per image%s%s)", "", "");
        return false;
    }
    f->h = h;
    f->w = w;
    return true;
}

static bool pooled(const line_ctx *lc, flow *f, int64_t k, int64_t s, int64_t pad) {
    int64_t h = (f->h + 2 * pad - k) / s + 1, w = (f->w + 2 * pad - k) / s + 1;
    if (f->h + 2 * pad < k || f->w + 2 * pad < k || h <= 0 || w <= 0) {
        bad(lc, "the window is larger than the %s input%s", "image", "");
        return false;
    }
    return resized(lc, f, h, w);
}

/*
 * One line: checks it against the flow f (printing why not and returning
 * false), updates f, adds the layer's parameter count to *params, and with
 * out not NULL builds the module into *out (false when that fails).
 */
#define BUILT(expr) return !out || (*out = (expr)) != NULL
static bool layer(const line_ctx *lc, char **tok, int ntok, flow *f, int64_t classes, double *params,
                  ct_module **out) {
    const char *op = tok[0];
    int64_t a = 0, b = 0;
    if (!strcmp(op, "conv")) {
        static const char *const keys[] = {"stride", "pad", "bias", NULL};
        int64_t stride = 1, pad = 0, bias = 1;
        if (ntok < 3 || !need_image(lc, f, op) || !whole(lc, tok[1], 0, &a) || !whole(lc, tok[2], 0, &b) ||
            !only_options(lc, tok, ntok, 3, keys) || !option(lc, tok, ntok, 3, "stride", &stride) ||
            !option(lc, tok, ntok, 3, "pad", &pad) || !option(lc, tok, ntok, 3, "bias", &bias)) {
            if (ntok < 3) bad(lc, "'conv' needs OUT and K: conv 32 3 [stride=1] [pad=0]%s%s", "", "");
            return false;
        }
        if (stride < 1) stride = 1;
        int64_t in = f->c;
        f->c = a;
        if (!pooled(lc, f, b, stride, pad)) return false;
        *params += (double)in * (double)a * (double)b * (double)b + (bias ? (double)a : 0);
        BUILT(ct_nn_conv2d(in, a, CT_DIMS(b), .stride = CT_DIMS(stride), .padding = CT_DIMS(pad),
                           .no_bias = bias == 0));
    }
    if (!strcmp(op, "maxpool") || !strcmp(op, "avgpool")) {
        static const char *const keys[] = {"stride", NULL};
        if (ntok < 2 || !need_image(lc, f, op) || !whole(lc, tok[1], 0, &a) ||
            !only_options(lc, tok, ntok, 2, keys)) {
            if (ntok < 2) bad(lc, "'%s' needs a window size: %s 2", op, op);
            return false;
        }
        int64_t stride = a;
        if (!option(lc, tok, ntok, 2, "stride", &stride) || !pooled(lc, f, a, stride ? stride : a, 0))
            return false;
        if (op[0] == 'm') BUILT(ct_nn_max_pool2d(CT_DIMS(a), .stride = CT_DIMS(stride ? stride : a)));
        BUILT(ct_nn_avg_pool2d(CT_DIMS(a), .stride = CT_DIMS(stride ? stride : a)));
    }
    if (!strcmp(op, "adaptiveavgpool")) {
        if (ntok < 2 || ntok > 3 || !need_image(lc, f, op) || !whole(lc, tok[1], 0, &a) ||
            (ntok == 3 && !whole(lc, tok[2], 0, &b))) {
            if (ntok < 2 || ntok > 3) bad(lc, "'%s' needs H [W]: %s 1", op, op);
            return false;
        }
        if (!resized(lc, f, a, ntok == 3 ? b : a)) return false;
        BUILT(ct_nn_adaptive_avg_pool2d(CT_DIMS(f->h, f->w)));
    }
    if (!strcmp(op, "linear")) {
        if (ntok != 2 || !whole(lc, tok[1], classes, &a)) {
            if (ntok != 2) bad(lc, "'linear' needs OUT (a number or 'classes'): linear 128%s%s", "", "");
            return false;
        }
        if (!f->flat) {
            bad(lc, "'linear' needs flat input: add a 'flatten' line before it%s%s", "", "");
            return false;
        }
        int64_t in = f->f;
        f->f = a;
        *params += (double)in * (double)a + (double)a;
        BUILT(ct_nn_linear(in, a));
    }
    if (!strcmp(op, "dropout")) {
        char *end = NULL;
        double p = ntok == 2 ? strtod(tok[1], &end) : -1;
        if (ntok != 2 || *end || p < 0 || p >= 1) {
            bad(lc, "'dropout' needs a probability in [0, 1): dropout 0.25%s%s", "", "");
            return false;
        }
        BUILT(ct_nn_dropout(p));
    }
    if (!strcmp(op, "leakyrelu")) {
        double slope = 0.01;
        char *end = NULL;
        if (ntok > 2 || (ntok == 2 && ((slope = strtod(tok[1], &end)), *end))) {
            bad(lc, "'leakyrelu' takes one optional slope: leakyrelu 0.1%s%s", "", "");
            return false;
        }
        BUILT(ct_nn_leaky_relu(slope));
    }
    static const char *const plain[] = {"flatten", "batchnorm", "relu", "tanh", "sigmoid", "gelu", "silu", NULL};
    bool known = false;
    for (int i = 0; plain[i]; i++) known = known || !strcmp(op, plain[i]);
    if (!known) {
        bad(lc, "unknown layer '%s'%s", op, "");
        return false;
    }
    if (ntok != 1) {
        bad(lc, "'%s' takes no arguments (got '%s')", op, tok[1]);
        return false;
    }
    if (!strcmp(op, "flatten")) {
        if (!f->flat) f->f = f->c * f->h * f->w; /* at most MAX_FLOW (resized) */
        f->flat = true;
        BUILT(ct_nn_flatten());
    }
    if (!strcmp(op, "batchnorm")) {
        *params += 2.0 * (double)(f->flat ? f->f : f->c);
        BUILT(f->flat ? ct_nn_batch_norm1d(f->f) : ct_nn_batch_norm2d(f->c));
    }
    if (!strcmp(op, "relu")) BUILT(ct_nn_relu());
    if (!strcmp(op, "tanh")) BUILT(ct_nn_tanh());
    if (!strcmp(op, "sigmoid")) BUILT(ct_nn_sigmoid());
    if (!strcmp(op, "gelu")) BUILT(ct_nn_gelu());
    BUILT(ct_nn_silu());
}
#undef BUILT

/*
 * Runs each line of text through layer(): with layers NULL only checking
 * (the flow and the parameter count), else also building into layers.
 * Returns the number of layers, or -1 after printing why not.
 */
static int walk(const char *text, const char *origin, const data_info *info, flow *f, double *params,
                ct_module **layers) {
    int n = 0;
    line_ctx lc = {origin, 0};
    for (const char *p = text; *p;) {
        char line[512];
        size_t len = strcspn(p, "\n");
        lc.lineno++;
        if (len >= sizeof line) {
            bad(&lc, "line too long%s%s", "", "");
            return -1;
        }
        memcpy(line, p, len);
        line[len] = 0;
        p += len + (p[len] == '\n');
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        char *tok[MAX_TOKENS];
        int ntok = 0;
        for (char *t = strtok(line, " \t\r"); t; t = strtok(NULL, " \t\r")) {
            if (ntok == MAX_TOKENS) {
                bad(&lc, "too many words on one line%s%s", "", "");
                return -1;
            }
            for (char *c = t; *c; c++) *c = (char)tolower((unsigned char)*c);
            tok[ntok++] = t;
        }
        if (ntok == 0) continue;
        if (n == MAX_LAYERS) {
            bad(&lc, "too many layers (at most 256)%s%s", "", "");
            return -1;
        }
        if (!layer(&lc, tok, ntok, f, info->num_classes, params, layers ? &layers[n] : NULL)) {
            if (ct_last_error_code() != CT_OK) fprintf(stderr, "  %s\n", ct_last_error());
            while (layers && n > 0) ct_module_free(layers[--n]);
            return -1;
        }
        n++;
    }
    return n;
}

ct_module *model_from_text(const char *text, const char *origin, const data_info *info) {
    /* the whole description is checked before anything is built or allocated */
    const flow input = {.flat = false, .c = info->channels, .h = info->height, .w = info->width};
    flow f = input;
    double params = 0;
    int n = walk(text, origin, info, &f, &params, NULL);
    if (n < 0) return NULL;
    if (n == 0) {
        fprintf(stderr, "ctorch: %s describes no layers (run 'ctorch train --help-model-file')\n", origin);
        return NULL;
    }
    if (!f.flat || f.f != info->num_classes) {
        fprintf(stderr,
                "ctorch: %s: the last layer must give %d class scores (end with 'flatten' and "
                "'linear classes')\n",
                origin, info->num_classes);
        return NULL;
    }
    if (params > MAX_PARAMS) {
        fprintf(stderr, "ctorch: %s describes %.0f parameters, more than the %.0f this tool trains\n", origin,
                params, MAX_PARAMS);
        return NULL;
    }
    ct_module *layers[MAX_LAYERS];
    f = input;
    params = 0;
    if (walk(text, origin, info, &f, &params, layers) != n) return NULL;
    return ct_nn_sequential_n(layers, n);
}

bool model_file_read(const char *path, char *buf, size_t size) {
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr,
                "ctorch: --model '%s' is not a built-in model (mlp, cnn, lenet5, resnet18) and "
                "cannot be read as a model file: %s\n",
                path, strerror(errno));
        return false;
    }
    size_t n = fread(buf, 1, size - 1, fp);
    bool too_big = n == size - 1 && fgetc(fp) != EOF;
    fclose(fp);
    if (too_big) {
        fprintf(stderr, "ctorch: model file '%s' is too large (at most %zu bytes)\n", path, size - 1);
        return false;
    }
    buf[n] = 0;
    return true;
}
