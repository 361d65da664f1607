/*
 * src/ops/upsample.c - the pooling and resizing ops that are linear and
 * separable: F.avg_pool2d, F.adaptive_avg_pool2d and F.interpolate (nearest,
 * bilinear). Each one is, along each spatial axis, a small table of
 * (input index, weight) taps per output index (kernels/pool.h); the
 * gradient is the transposed map, whose own gradient is the map again, so
 * one recorded op serves every order of differentiation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../kernels/pool.h"
#include "conv_internal.h"

typedef enum { LIN_AVG, LIN_ADAPTIVE, LIN_NEAREST, LIN_BILINEAR } lin_kind;

/* How one axis maps `in` inputs to `out` outputs. */
typedef struct {
    int64_t in, out;
    int64_t k, s, p;   /* avg */
    int64_t fixed_div; /* avg: divide by this (divisor_override on one axis, 1 on the other); 0: none */
    bool exclude_pad;  /* avg: count_include_pad=False */
    double scale;      /* nearest / bilinear: the user's scale factor, 0 when size was given */
    bool align;        /* bilinear: align_corners */
    bool f32;          /* index arithmetic in float, as PyTorch does for float tensors */
} axis_map;

typedef struct {
    lin_kind kind;
    axis_map ax[2]; /* height, width */
    int node;       /* which node type (see node_types) */
    bool transposed;
} lin_ctx;

/* Tap tables of one axis (kernels/pool.h), owned by the caller. */
typedef struct {
    ct_taps t;
    int64_t *off, *idx;
    double *wt;
} tap_buf;

static void taps_free(tap_buf *b) {
    free(b->off);
    free(b->idx);
    free(b->wt);
}

static void add_tap(tap_buf *b, int64_t *n, int64_t i, double w) {
    b->idx[*n] = i;
    b->wt[*n] = w;
    (*n)++;
}

/* PyTorch's area_pixel_compute_scale. */
static double linear_scale(const axis_map *a) {
    if (a->align) return a->out > 1 ? (double)(a->in - 1) / (double)(a->out - 1) : 0.0;
    return a->scale > 0 ? 1.0 / a->scale : (double)a->in / (double)a->out;
}

static void bilinear_taps(const axis_map *a, tap_buf *b, int64_t o, int64_t *n) {
    double sc = linear_scale(a), src;
    if (a->f32) {
        float s = (float)sc, r = a->align ? s * (float)o : s * ((float)o + 0.5f) - 0.5f;
        src = r < 0 && !a->align ? 0.0 : (double)r;
    } else {
        src = a->align ? sc * (double)o : sc * ((double)o + 0.5) - 0.5;
        if (src < 0 && !a->align) src = 0;
    }
    int64_t i0 = (int64_t)src;
    if (i0 > a->in - 1) i0 = a->in - 1;
    int64_t off = i0 < a->in - 1 ? 1 : 0;
    double l1 = src - (double)i0;
    if (a->f32) l1 = (double)((float)src - (float)i0);
    l1 = l1 < 0 ? 0 : l1 > 1 ? 1 : l1;
    add_tap(b, n, i0, 1.0 - l1);
    add_tap(b, n, i0 + off, l1);
}

static int64_t nearest_index(const axis_map *a, int64_t o) {
    int64_t i;
    if (a->f32) {
        float sc = a->scale > 0 ? (float)(1.0 / a->scale) : (float)a->in / (float)a->out;
        i = (int64_t)floorf((float)o * sc);
    } else {
        double sc = a->scale > 0 ? 1.0 / a->scale : (double)a->in / (double)a->out;
        i = (int64_t)floor((double)o * sc);
    }
    return i < a->in - 1 ? i : a->in - 1;
}

/* Builds one axis's taps; false and an out-of-memory error when allocation fails. */
static bool build_taps(lin_kind kind, const axis_map *a, tap_buf *b, const char *fn) {
    int64_t per = kind == LIN_AVG ? a->k : kind == LIN_ADAPTIVE ? a->in / (a->out ? a->out : 1) + 2 : 2;
    size_t cap = (size_t)(a->out * per + 1);
    b->off = malloc(sizeof(int64_t) * (size_t)(a->out + 1));
    b->idx = malloc(sizeof(int64_t) * cap);
    b->wt = malloc(sizeof(double) * cap);
    if (!b->off || !b->idx || !b->wt) {
        taps_free(b);
        ct__error(CT_ERR_OOM, fn, "out of memory");
        return false;
    }
    int64_t n = 0;
    for (int64_t o = 0; o < a->out; o++) {
        b->off[o] = n;
        if (kind == LIN_AVG) {
            int64_t hs = o * a->s - a->p, he = hs + a->k < a->in + a->p ? hs + a->k : a->in + a->p;
            int64_t pool = he - hs;
            hs = hs > 0 ? hs : 0;
            he = he < a->in ? he : a->in;
            int64_t div = a->fixed_div ? a->fixed_div : a->exclude_pad ? he - hs : pool;
            for (int64_t i = hs; i < he; i++) add_tap(b, &n, i, div ? 1.0 / (double)div : 0.0);
        } else if (kind == LIN_ADAPTIVE) {
            int64_t s = o * a->in / a->out, e = ((o + 1) * a->in + a->out - 1) / a->out;
            for (int64_t i = s; i < e; i++) add_tap(b, &n, i, 1.0 / (double)(e - s));
        } else if (kind == LIN_NEAREST) {
            add_tap(b, &n, nearest_index(a, o), 1.0);
        } else {
            bilinear_taps(a, b, o, &n);
        }
    }
    b->off[a->out] = n;
    b->t = (ct_taps){a->out, b->off, b->idx, b->wt};
    return true;
}

static int lin_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi);

static const ct_node_type node_types[][2] = {
    {{"AvgPool2DBackward0", lin_backward}, {"AvgPool2DBackwardBackward0", lin_backward}},
    {{"AdaptiveAvgPool2DBackward0", lin_backward}, {"AdaptiveAvgPool2DBackwardBackward0", lin_backward}},
    {{"UpsampleNearest2DBackward0", lin_backward}, {"UpsampleNearest2DBackwardBackward0", lin_backward}},
    {{"UpsampleBilinear2DBackward0", lin_backward}, {"UpsampleBilinear2DBackwardBackward0", lin_backward}},
};

/*
 * Applies the map (or its transpose) to x (..., H, W) of 3 or 4 dims,
 * giving (..., OH, OW) (or the reverse), and records the node.
 */
static ct_tensor *lin_apply(const lin_ctx *c, ct_tensor *x, bool transposed, const char *fn) {
    CT_CHECK_ARG(x, fn, "input");
    tap_buf th = {0}, tw = {0};
    if (!build_taps(c->kind, &c->ax[0], &th, fn)) return NULL;
    if (!build_taps(c->kind, &c->ax[1], &tw, fn)) {
        taps_free(&th);
        return NULL;
    }
    int nd = x->ndim;
    int64_t shape[CT_MAX_DIMS];
    memcpy(shape, x->shape, sizeof(int64_t) * (size_t)nd);
    shape[nd - 2] = transposed ? c->ax[0].in : c->ax[0].out;
    shape[nd - 1] = transposed ? c->ax[1].in : c->ax[1].out;
    int64_t P = 1;
    for (int i = 0; i < nd - 2; i++) P *= x->shape[i];
    ct_tensor *xc = ct__fn_contig(x);
    ct_tensor *y = xc ? ct__tensor_empty(nd, shape, x->dtype, CT_CPU, fn) : NULL;
    if (y && transposed)
        ct__sep_linear_t(x->dtype, P, c->ax[0].in, c->ax[1].in, &th.t, &tw.t, ct__data(xc), ct__data(y));
    else if (y)
        ct__sep_linear(x->dtype, P, c->ax[0].in, c->ax[1].in, &th.t, &tw.t, ct__data(xc), ct__data(y));
    taps_free(&th);
    taps_free(&tw);
    ct_free(xc);
    if (!y) return NULL;
    ct_node *n = ct__record(&node_types[c->node][transposed], y, 1, &x, 0, sizeof(lin_ctx));
    if (n) {
        *(lin_ctx *)n->ctx = *c;
        ((lin_ctx *)n->ctx)->transposed = transposed;
    }
    return y;
}

static int lin_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const lin_ctx *c = n->ctx;
    gi[0] = lin_apply(c, g[0], !c->transposed, n->type->name);
    return gi[0] ? 0 : ct_last_error_code();
}

/* ------------------------------------------------------------ avg_pool2d */

ct_tensor *ct_avg_pool2d_(ct_tensor *x, ct_pool_opts opts) {
    const char *fn = "ct_avg_pool2d";
    CT_CHECK_ARG(x, fn, "input");
    int64_t k[2], s[2], p[2], d[2], oh, ow;
    opts.dilation = CT_SHAPE0;
    if (!ct__pool_params(opts.kernel_size, &opts, "avg_pool2d", false, k, s, p, d, fn) ||
        !ct__pool_check_input(x, "avg_pool2d", fn) || !ct__pool_out_size(x, k, s, p, d, opts.ceil_mode, &oh, &ow, fn))
        return NULL;
    lin_ctx c = {.kind = LIN_AVG, .node = 0};
    int64_t out[2] = {oh, ow};
    for (int i = 0; i < 2; i++)
        c.ax[i] = (axis_map){.in = x->shape[x->ndim - 2 + i], .out = out[i], .k = k[i], .s = s[i], .p = p[i],
                             .exclude_pad = opts.exclude_pad};
    if (opts.divisor_override) {
        c.ax[0].fixed_div = opts.divisor_override;
        c.ax[1].fixed_div = 1;
    }
    return lin_apply(&c, x, false, fn);
}

/* --------------------------------------------------- adaptive_avg_pool2d */

ct_tensor *ct_adaptive_avg_pool2d(ct_tensor *x, ct_shape output_size) {
    const char *fn = "ct_adaptive_avg_pool2d";
    CT_CHECK_ARG(x, fn, "input");
    int64_t oh, ow;
    if (!ct__adaptive_size(x, output_size, "adaptive_avg_pool2d", &oh, &ow, fn)) return NULL;
    lin_ctx c = {.kind = LIN_ADAPTIVE, .node = 1};
    c.ax[0] = (axis_map){.in = x->shape[x->ndim - 2], .out = oh};
    c.ax[1] = (axis_map){.in = x->shape[x->ndim - 1], .out = ow};
    return lin_apply(&c, x, false, fn);
}

/* ----------------------------------------------------------- interpolate */

static bool interp_sizes(ct_tensor *x, const ct_interp_opts *o, int nsp, int64_t *out, double *scale, const char *fn) {
    bool has_size = o->size.ndim > 0, has_scale = o->scale_factor[0] != 0 || o->scale_factor[1] != 0;
    if (has_size && has_scale) {
        ct__error(CT_ERR_VALUE, fn, "only one of size or scale_factor should be defined");
        return false;
    }
    if (!has_size && !has_scale) {
        ct__error(CT_ERR_VALUE, fn, "either size or scale_factor should be defined");
        return false;
    }
    if (has_size && o->size.ndim != 1 && o->size.ndim != nsp) {
        char b1[64], b2[64];
        ct__error(CT_ERR_VALUE, fn,
                  "Input and output must have the same number of spatial dimensions, but got input with spatial "
                  "dimensions of %s and output size of %s. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                  "format and output size in (o1, o2, ...,oK) format.",
                  ct__shape_str(nsp, x->shape + 2, b1, sizeof b1), ct__shape_str(o->size.ndim, o->size.d, b2, sizeof b2));
        return false;
    }
    for (int i = 0; i < nsp; i++) {
        int64_t in = x->shape[2 + i];
        if (has_size) {
            out[i] = o->size.d[o->size.ndim == 1 ? 0 : i];
            scale[i] = 0;
        } else {
            scale[i] = nsp == 1 || o->scale_factor[1] == 0 ? o->scale_factor[0] : o->scale_factor[i];
            out[i] = (int64_t)floor((double)in * scale[i]);
        }
        if (out[i] <= 0 || in <= 0) {
            char b1[64];
            ct__error(CT_ERR_RUNTIME, fn,
                      "Input and output sizes should be greater than 0, but got input (%s) and output (%lld)",
                      ct__shape_str(nsp, x->shape + 2, b1, sizeof b1), (long long)out[i]);
            return false;
        }
    }
    return true;
}

ct_tensor *ct_interpolate_(ct_tensor *x, ct_interp_opts o) {
    const char *fn = "ct_interpolate";
    CT_CHECK_ARG(x, fn, "input");
    bool bilinear = o.mode == CT_INTERP_BILINEAR;
    if (x->ndim < 3 || x->ndim > 4) {
        ct__error(CT_ERR_RUNTIME, fn, "Input Error: Only 3D and 4D input Tensors supported (got %dD) for the modes: "
                  "nearest | bilinear (got %s)", x->ndim, bilinear ? "bilinear" : "nearest");
        return NULL;
    }
    if (bilinear && x->ndim != 4) {
        ct__error(CT_ERR_RUNTIME, fn, "Got %dD input, but bilinear mode needs 4D input", x->ndim);
        return NULL;
    }
    if (!bilinear && o.align_corners) {
        ct__error(CT_ERR_VALUE, fn, "align_corners option can only be set with the interpolating modes: "
                  "linear | bilinear | bicubic | trilinear");
        return NULL;
    }
    if (!ct__fn_require_float(x, fn, bilinear ? "upsample_bilinear2d_out_frame" : "upsample_nearest2d_out_frame"))
        return NULL;
    int nsp = x->ndim - 2;
    int64_t out[2];
    double scale[2];
    if (!interp_sizes(x, &o, nsp, out, scale, fn)) return NULL;
    lin_ctx c = {.kind = bilinear ? LIN_BILINEAR : LIN_NEAREST, .node = bilinear ? 3 : 2};
    bool f32 = x->dtype == CT_F32;
    if (nsp == 1) { /* (N, C, L) as (N, C, 1, L) */
        c.ax[0] = (axis_map){.in = 1, .out = 1, .scale = 0, .f32 = f32};
        c.ax[1] = (axis_map){.in = x->shape[2], .out = out[0], .scale = scale[0], .f32 = f32};
        ct_tensor *res = NULL;
        CT_SCOPE {
            ct_tensor *y = lin_apply(&c, ct_unsqueeze(x, 2), false, fn);
            y = y ? ct_squeeze_dim(y, 2) : NULL;
            res = y ? ct_keep(y) : NULL;
        }
        return res;
    }
    for (int i = 0; i < 2; i++)
        c.ax[i] = (axis_map){.in = x->shape[2 + i], .out = out[i], .scale = scale[i], .align = o.align_corners, .f32 = f32};
    return lin_apply(&c, x, false, fn);
}

/* --------------------------------------------------------- pixel_shuffle */

ct_tensor *ct_pixel_shuffle(ct_tensor *x, int64_t r) {
    const char *fn = "ct_pixel_shuffle";
    CT_CHECK_ARG(x, fn, "input");
    if (x->ndim < 3) {
        ct__error(CT_ERR_RUNTIME, fn, "pixel_shuffle expects input to have at least 3 dimensions, but got input with %d dimension(s)",
                  x->ndim);
        return NULL;
    }
    if (r <= 0) {
        ct__error(CT_ERR_RUNTIME, fn, "pixel_shuffle expects a positive upscale_factor, but got %lld", (long long)r);
        return NULL;
    }
    int nd = x->ndim;
    int64_t C = x->shape[nd - 3], H = x->shape[nd - 2], W = x->shape[nd - 1];
    if (C % (r * r) != 0) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                  "upscale_factor, but input.size(-3)=%lld is not divisible by %lld",
                  (long long)C, (long long)(r * r));
        return NULL;
    }
    /* (*, C, r, r, H, W) -> (*, C, H, r, W, r) -> (*, C, H r, W r) */
    ct_tensor *res = NULL;
    CT_SCOPE {
        ct_shape s6 = {.ndim = nd + 2}, perm = {.ndim = nd + 2}, so = {.ndim = nd};
        int b = nd - 3;
        for (int i = 0; i < b; i++) s6.d[i] = so.d[i] = x->shape[i], perm.d[i] = i;
        int64_t v6[5] = {C / (r * r), r, r, H, W};
        for (int i = 0; i < 5; i++) s6.d[b + i] = v6[i];
        int64_t p6[5] = {0, 3, 1, 4, 2};
        for (int i = 0; i < 5; i++) perm.d[b + i] = b + p6[i];
        so.d[b] = C / (r * r);
        so.d[b + 1] = H * r;
        so.d[b + 2] = W * r;
        ct_tensor *y = ct_reshape(ct_permute(ct_reshape(x, s6), perm), so);
        res = y ? ct_keep(y) : NULL;
    }
    return res;
}
