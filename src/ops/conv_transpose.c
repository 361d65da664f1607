/*
 * src/ops/conv_transpose.c - F.conv_transpose2d: the gradient of a conv2d
 * with respect to its input, run as that convolution product (conv_op.c)
 * with the roles of input and output swapped.
 */
#include "conv_internal.h"

static bool read_args(const ct_conv_transpose_opts *o, int64_t s[2], int64_t p[2], int64_t op[2],
                      int64_t d[2], const char *fn) {
    if (!ct__conv_expand_arg(o->stride, 2, 1, "stride", s, fn) ||
        !ct__conv_expand_arg(o->padding, 2, 0, "padding", p, fn) ||
        !ct__conv_expand_arg(o->output_padding, 2, 0, "output_padding", op, fn) ||
        !ct__conv_expand_arg(o->dilation, 2, 1, "dilation", d, fn))
        return false;
    for (int i = 0; i < 2; i++) {
        const char *bad = s[i] <= 0 ? "non-positive stride is not supported"
                          : p[i] < 0 ? "negative padding is not supported"
                          : op[i] < 0 ? "negative output_padding is not supported"
                          : d[i] <= 0 ? "non-positive dilation is not supported" : NULL;
        if (bad) {
            ct__error(CT_ERR_RUNTIME, fn, "%s", bad);
            return false;
        }
    }
    if (o->groups < 0) {
        ct__error(CT_ERR_RUNTIME, fn, "non-positive groups is not supported");
        return false;
    }
    if ((op[0] >= s[0] && op[0] >= d[0]) || (op[1] >= s[1] && op[1] >= d[1])) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "output padding must be smaller than either stride or dilation, but got "
                  "output_padding_height: %lld output_padding_width: %lld stride_height: %lld "
                  "stride_width: %lld dilation_height: %lld dilation_width: %lld",
                  (long long)op[0], (long long)op[1], (long long)s[0], (long long)s[1], (long long)d[0],
                  (long long)d[1]);
        return false;
    }
    return true;
}

static bool check_shapes(ct_tensor *x, ct_tensor *w, ct_tensor *b, int64_t groups, const char *fn) {
    char s1[128], s2[128];
    if (x->ndim != 3 && x->ndim != 4) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of size: %s",
                  ct__shape_str(x->ndim, x->shape, s1, sizeof s1));
        return false;
    }
    if (w->ndim != 4) {
        int64_t ones[2] = {1, 1};
        ct__error(CT_ERR_RUNTIME, fn,
                  "expected stride to be a single integer value or a list of %d values to match the "
                  "convolution dimensions, but got stride=%s",
                  w->ndim - 2 > 0 ? w->ndim - 2 : 0, ct__shape_str(2, ones, s1, sizeof s1));
        return false;
    }
    int64_t xb[4];
    for (int i = 0; i < 4; i++) xb[i] = x->ndim == 4 ? x->shape[i] : i == 0 ? 1 : x->shape[i - 1];
    if (w->shape[0] % groups != 0) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Given groups=%lld, expected weight to be divisible by %lld at dimension 0, but got "
                  "weight of size %s instead",
                  (long long)groups, (long long)groups, ct__shape_str(4, w->shape, s1, sizeof s1));
        return false;
    }
    if (xb[1] != w->shape[0]) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Given transposed=1, weight of size %s, expected input%s to have %lld channels, but got "
                  "%lld channels instead",
                  ct__shape_str(4, w->shape, s1, sizeof s1), ct__shape_str(4, xb, s2, sizeof s2),
                  (long long)w->shape[0], (long long)xb[1]);
        return false;
    }
    if (b && (b->ndim != 1 || b->shape[0] != w->shape[1] * groups)) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Given transposed=1, weight of size %s, expected bias to be 1-dimensional with %lld "
                  "elements, but got bias of size %s instead",
                  ct__shape_str(4, w->shape, s1, sizeof s1), (long long)(w->shape[1] * groups),
                  ct__shape_str(b->ndim, b->shape, s2, sizeof s2));
        return false;
    }
    return true;
}

ct_tensor *ct_conv_transpose2d_(ct_tensor *x, ct_conv_transpose_opts o) {
    const char *fn = "ct_conv_transpose2d";
    ct_tensor *w = o.weight, *b = o.bias;
    CT_CHECK_ARG(x, fn, "input");
    CT_CHECK_ARG(w, fn, "weight");
    int64_t s[2], p[2], op[2], d[2];
    int64_t groups = o.groups > 0 ? o.groups : 1;
    if (!read_args(&o, s, p, op, d, fn) || !check_shapes(x, w, b, groups, fn) ||
        !ct__conv_check_types(x, w, b, fn))
        return NULL;
    bool batched = x->ndim == 4;
    int64_t H = x->shape[x->ndim - 2], W = x->shape[x->ndim - 1];
    /* the convolution whose input gradient this is: its input is our output */
    ct_conv_geom g = {
        .N = batched ? x->shape[0] : 1, .C = w->shape[1] * groups, .O = w->shape[0],
        .KH = w->shape[2], .KW = w->shape[3], .OH = H, .OW = W,
        .sh = s[0], .sw = s[1], .ph = p[0], .pw = p[1], .dh = d[0], .dw = d[1], .groups = groups,
    };
    g.H = (H - 1) * s[0] - 2 * p[0] + d[0] * (g.KH - 1) + op[0] + 1;
    g.W = (W - 1) * s[1] - 2 * p[1] + d[1] * (g.KW - 1) + op[1] + 1;
    if (g.H <= 0 || g.W <= 0) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Given input size per channel: (%lld x %lld). Calculated output size per channel: "
                  "(%lld x %lld). Output size is too small",
                  (long long)H, (long long)W, (long long)g.H, (long long)g.W);
        return NULL;
    }
    ct_tensor *res = NULL;
    CT_SCOPE {
        ct_tensor *x4 = batched ? x : ct_unsqueeze(x, 0);
        ct_tensor *y = ct__conv_op(CT_CONV_KIND_INPUT, x4, w, b, &g, fn);
        if (y && !batched) y = ct_squeeze_dim(y, 0);
        res = y ? ct_keep(y) : NULL;
    }
    return res;
}
