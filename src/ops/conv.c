/*
 * src/ops/conv.c - F.conv1d and F.conv2d: argument checks with PyTorch's
 * messages, "same"/"valid" padding, nn.Conv2d's padding modes (the input is
 * padded with ct_pad, or wrapped around for circular, then convolved without
 * implicit padding), then one convolution product (conv_op.c). conv1d runs
 * as conv2d over a height of 1.
 */
#include <string.h>

#include "conv_internal.h"

/* x (4-d) padded by (top, bottom, left, right) by wrapping around (padding_mode="circular"). */
static ct_tensor *pad_circular(ct_tensor *x, const int64_t pad[4]) {
    ct_tensor *cur = ct__fn_same(x);
    for (int d = 3; d >= 2 && cur; d--) {
        int64_t before = d == 3 ? pad[2] : pad[0], after = d == 3 ? pad[3] : pad[1];
        int64_t size = cur->shape[d];
        if (before == 0 && after == 0) continue;
        ct_tensor *parts[3];
        int np = 0;
        if (before > 0) parts[np++] = ct_narrow(cur, d, size - before, before);
        parts[np++] = cur;
        if (after > 0) parts[np++] = ct_narrow(cur, d, 0, after);
        bool ok = true;
        for (int i = 0; i < np; i++) ok = ok && parts[i];
        ct_tensor *next = ok ? ct_cat(parts, np, d) : NULL;
        for (int i = 0; i < np; i++)
            if (parts[i] != cur) ct_free(parts[i]);
        ct_free(cur);
        cur = next;
    }
    return cur;
}

/* x padded by (top, bottom, left, right) with a non-zero padding mode. */
static ct_tensor *pad_input(ct_tensor *x, const int64_t pad[4], ct_padding_mode mode) {
    if (mode == CT_PADDING_CIRCULAR) return pad_circular(x, pad);
    return ct_pad(x, CT_DIMS(pad[2], pad[3], pad[0], pad[1]),
                  mode == CT_PADDING_REFLECT ? CT_PAD_REFLECT : CT_PAD_REPLICATE, 0.0);
}

typedef struct {
    int64_t stride[2], dilation[2];
    int64_t pad[4]; /* top, bottom, left, right */
    int64_t groups;
} conv_args;

/* Reads the options for nd spatial dims (the 1-d case fills the height entries with 1 / 0). */
static bool read_opts(const ct_conv_opts *o, int nd, const int64_t *ksize, conv_args *a, const char *fn) {
    int64_t s[2], d[2], p[2] = {0, 0};
    if (!ct__conv_expand_arg(o->stride, nd, 1, "stride", s, fn)) return false;
    if (!o->padding_str && !ct__conv_expand_arg(o->padding, nd, 0, "padding", p, fn)) return false;
    if (!ct__conv_expand_arg(o->dilation, nd, 1, "dilation", d, fn)) return false;
    for (int i = 0; i < nd; i++) {
        const char *bad = s[i] <= 0 ? "non-positive stride is not supported"
                          : p[i] < 0 ? "negative padding is not supported"
                          : d[i] <= 0 ? "non-positive dilation is not supported" : NULL;
        if (bad) {
            ct__error(CT_ERR_RUNTIME, fn, "%s", bad);
            return false;
        }
    }
    a->groups = o->groups ? o->groups : 1;
    int off = 2 - nd; /* 1-d: entry 0 is the (unit) height */
    a->stride[0] = 1;
    a->dilation[0] = 1;
    memset(a->pad, 0, sizeof a->pad);
    for (int i = 0; i < nd; i++) {
        a->stride[off + i] = s[i];
        a->dilation[off + i] = d[i];
        a->pad[2 * (off + i)] = a->pad[2 * (off + i) + 1] = p[i];
    }
    if (!o->padding_str) return true;
    bool same = strcmp(o->padding_str, "same") == 0;
    if (!same && strcmp(o->padding_str, "valid") != 0) {
        ct__error(CT_ERR_RUNTIME, fn, "Invalid padding string: '%s'", o->padding_str);
        return false;
    }
    if (!same) return true;
    for (int i = 0; i < nd; i++)
        if (s[i] != 1) {
            ct__error(CT_ERR_RUNTIME, fn, "padding='same' is not supported for strided convolutions");
            return false;
        }
    for (int i = 0; i < nd; i++) { /* an odd total puts the extra one after, as PyTorch does */
        int64_t total = d[i] * (ksize[i] - 1);
        a->pad[2 * (off + i)] = total / 2;
        a->pad[2 * (off + i) + 1] = total - total / 2;
    }
    return true;
}

static bool check_shapes(const char *name, int nd, ct_tensor *x, ct_tensor *w, ct_tensor *b, int64_t groups,
                         const char *fn) {
    char s1[128], s2[128];
    if (x->ndim != nd + 1 && x->ndim != nd + 2) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Expected %dD (unbatched) or %dD (batched) input to %s, but got input of size: %s",
                  nd + 1, nd + 2, name, ct__shape_str(x->ndim, x->shape, s1, sizeof s1));
        return false;
    }
    if (w->ndim != nd + 2) { /* PyTorch infers the spatial dims from the weight and then trips on stride */
        int64_t ones[CT_MAX_DIMS] = {1, 1, 1, 1, 1, 1, 1, 1};
        ct__error(CT_ERR_RUNTIME, fn,
                  "expected stride to be a single integer value or a list of %d values to match the "
                  "convolution dimensions, but got stride=%s",
                  w->ndim - 2 > 0 ? w->ndim - 2 : 0, ct__shape_str(nd, ones, s1, sizeof s1));
        return false;
    }
    int64_t xb[CT_MAX_DIMS];
    int bnd = nd + 2;
    for (int i = 0; i < bnd; i++) xb[i] = x->ndim == bnd ? x->shape[i] : i == 0 ? 1 : x->shape[i - 1];
    if (w->shape[0] % groups != 0) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Given groups=%lld, expected weight to be divisible by %lld at dimension 0, but got "
                  "weight of size %s instead",
                  (long long)groups, (long long)groups, ct__shape_str(w->ndim, w->shape, s1, sizeof s1));
        return false;
    }
    if (xb[1] != w->shape[1] * groups) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Given groups=%lld, weight of size %s, expected input%s to have %lld channels, but got "
                  "%lld channels instead",
                  (long long)groups, ct__shape_str(w->ndim, w->shape, s1, sizeof s1),
                  ct__shape_str(bnd, xb, s2, sizeof s2), (long long)(w->shape[1] * groups), (long long)xb[1]);
        return false;
    }
    if (b && (b->ndim != 1 || b->shape[0] != w->shape[0])) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Given weight of size %s, expected bias to be 1-dimensional with %lld elements, but got "
                  "bias of size %s instead",
                  ct__shape_str(w->ndim, w->shape, s1, sizeof s1), (long long)w->shape[0],
                  ct__shape_str(b->ndim, b->shape, s2, sizeof s2));
        return false;
    }
    return true;
}

/* The geometry of a 4-d convolution of x by w with a, or false and PyTorch's size error. */
static bool make_geom(int nd, ct_tensor *x, ct_tensor *w, const conv_args *a, ct_conv_geom *g, const char *fn) {
    g->N = x->shape[0], g->C = x->shape[1], g->H = x->shape[2], g->W = x->shape[3];
    g->O = w->shape[0], g->KH = w->shape[2], g->KW = w->shape[3];
    g->sh = a->stride[0], g->sw = a->stride[1], g->dh = a->dilation[0], g->dw = a->dilation[1];
    g->ph = a->pad[0], g->pw = a->pad[2], g->groups = a->groups;
    int64_t ph = g->H + a->pad[0] + a->pad[1], pw = g->W + a->pad[2] + a->pad[3];
    int64_t kh = g->dh * (g->KH - 1) + 1, kw = g->dw * (g->KW - 1) + 1;
    if (ph < kh || pw < kw) {
        if (nd == 1)
            ct__error(CT_ERR_RUNTIME, fn,
                      "Calculated padded input size per channel: (%lld). Kernel size: (%lld). Kernel size "
                      "can't be greater than actual input size",
                      (long long)pw, (long long)kw);
        else
            ct__error(CT_ERR_RUNTIME, fn,
                      "Calculated padded input size per channel: (%lld x %lld). Kernel size: (%lld x %lld). "
                      "Kernel size can't be greater than actual input size",
                      (long long)ph, (long long)pw, (long long)kh, (long long)kw);
        return false;
    }
    g->OH = (ph - kh) / g->sh + 1;
    g->OW = (pw - kw) / g->sw + 1;
    return true;
}

/* The convolution of nd spatial dims (1 or 2), every check included. */
static ct_tensor *conv_nd(const char *name, int nd, ct_tensor *x, ct_tensor *w, ct_tensor *b,
                          const ct_conv_opts *o, const char *fn) {
    CT_CHECK_ARG(x, fn, "input");
    CT_CHECK_ARG(w, fn, "weight");
    if (o->groups < 0) {
        ct__error(CT_ERR_RUNTIME, fn, "non-positive groups is not supported");
        return NULL;
    }
    conv_args a;
    if (!check_shapes(name, nd, x, w, b, o->groups ? o->groups : 1, fn) || !ct__conv_check_types(x, w, b, fn) ||
        !read_opts(o, nd, w->shape + 2, &a, fn))
        return NULL;
    ct_tensor *res = NULL;
    CT_SCOPE {
        bool batched = x->ndim == nd + 2;
        ct_tensor *x4 = batched ? x : ct_unsqueeze(x, 0), *w4 = w;
        if (nd == 1) {
            x4 = x4 ? ct_unsqueeze(x4, 2) : NULL;
            w4 = ct_unsqueeze(w, 2);
        }
        if (x4 && o->padding_mode != CT_PADDING_ZEROS && (a.pad[0] | a.pad[1] | a.pad[2] | a.pad[3])) {
            x4 = pad_input(x4, a.pad, o->padding_mode);
            memset(a.pad, 0, sizeof a.pad);
        }
        ct_conv_geom g;
        if (x4 && w4 && make_geom(nd, x4, w4, &a, &g, fn)) {
            ct_tensor *y = ct__conv_op(CT_CONV_KIND_FORWARD, x4, w4, b, &g, fn);
            if (y && nd == 1) y = ct_squeeze_dim(y, 2);
            if (y && !batched) y = ct_squeeze_dim(y, 0);
            res = y ? ct_keep(y) : NULL;
        }
    }
    return res;
}

ct_tensor *ct_conv2d_(ct_tensor *x, ct_conv_opts opts) {
    return conv_nd("conv2d", 2, x, opts.weight, opts.bias, &opts, "ct_conv2d");
}

ct_tensor *ct_conv1d_(ct_tensor *x, ct_conv_opts opts) {
    return conv_nd("conv1d", 1, x, opts.weight, opts.bias, &opts, "ct_conv1d");
}
