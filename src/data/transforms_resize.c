/*
 * src/data/transforms_resize.c - Resize: bilinear, align_corners=False, no
 * antialias, as torchvision's tensor path (F.interpolate) computes it. The
 * source coordinates are computed in float32 for float32 and uint8 images,
 * as PyTorch does, so the weights are the same.
 */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

typedef struct {
    int64_t i0, i1;
    double w0, w1;
} tap;

/* area_pixel_compute_source_index for linear modes, in float or double. */
static void taps(int64_t in, int64_t out, bool single, tap *t) {
    for (int64_t o = 0; o < out; o++) {
        double src;
        if (single) {
            float scale = (float)in / (float)out;
            float s = scale * ((float)o + 0.5f) - 0.5f;
            src = s < 0 ? 0 : s;
        } else {
            double scale = (double)in / (double)out;
            double s = scale * ((double)o + 0.5) - 0.5;
            src = s < 0 ? 0 : s;
        }
        int64_t i0 = (int64_t)src;
        double l1 = single ? (double)((float)src - (float)i0) : src - (double)i0;
        t[o].i0 = i0;
        t[o].i1 = i0 + (i0 < in - 1 ? 1 : 0);
        t[o].w1 = l1;
        t[o].w0 = single ? (double)(1.0f - (float)l1) : 1.0 - l1;
    }
}

ct_tensor *ct_tf_resize(ct_tensor *img, int64_t oh, int64_t ow) {
    const char *fn = "ct_resize";
    if (oh <= 0 || ow <= 0) {
        ct_set_error(CT_ERR_VALUE, fn, "Input and output sizes should be greater than 0, but got output (%lld, %lld)",
                     (long long)oh, (long long)ow);
        return NULL;
    }
    dt_layout layout;
    ct_tensor *x = dt_image_chw(img, &layout, fn);
    if (!x) return NULL;
    ct_dtype dt = ct_dtype_of(x);
    if (dt != CT_U8 && dt != CT_F32 && dt != CT_F64) {
        ct_free(x);
        ct_set_error(CT_ERR_TYPE, fn, "resize supports uint8, float32 and float64 images, got %s", ct_dtype_torch_name(dt));
        return NULL;
    }
    int64_t h = ct_size(x, -2), w = ct_size(x, -1);
    if (h == 0 || w == 0) {
        ct_free(x);
        ct_set_error(CT_ERR_VALUE, fn, "Input and output sizes should be greater than 0, but got input (%lld, %lld)",
                     (long long)h, (long long)w);
        return NULL;
    }
    ct_tensor *src = dt_float_work(x);
    ct_free(x);
    if (!src) return NULL;
    ct_shape s = ct_shape_of(src);
    s.d[s.ndim - 2] = oh;
    s.d[s.ndim - 1] = ow;
    ct_tensor *out = ct_empty(s, .dtype = CT_F64);
    tap *th = malloc((size_t)oh * sizeof *th), *tw = malloc((size_t)ow * sizeof *tw);
    if (!out || !th || !tw) {
        free(th);
        free(tw);
        ct_free(src);
        ct_free(out);
        if (ct_last_error_code() == CT_OK) ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    bool single = dt != CT_F64;
    taps(h, oh, single, th);
    taps(w, ow, single, tw);
    int64_t planes = ct_numel(src) / (h * w);
    const double *sp = ct_data_f64(src);
    double *dp = ct_data_f64(out);
    /* out = (row0 interpolated) * wh0 + (row1 interpolated) * wh1, in float for float images as PyTorch does */
    for (int64_t p = 0; p < planes; p++, sp += h * w, dp += oh * ow)
        for (int64_t y = 0; y < oh; y++) {
            const double *r0 = sp + th[y].i0 * w, *r1 = sp + th[y].i1 * w;
            for (int64_t xo = 0; xo < ow; xo++) {
                const tap *t = &tw[xo];
                if (single) {
                    float w0 = (float)t->w0, w1 = (float)t->w1;
                    /* PyTorch's AVX2 kernel accumulates with fused multiply-adds */
                    float top = fmaf((float)r0[t->i1], w1, (float)r0[t->i0] * w0);
                    float bot = fmaf((float)r1[t->i1], w1, (float)r1[t->i0] * w0);
                    dp[y * ow + xo] = (double)fmaf(bot, (float)th[y].w1, top * (float)th[y].w0);
                } else {
                    double top = r0[t->i0] * t->w0 + r0[t->i1] * t->w1;
                    double bot = r1[t->i0] * t->w0 + r1[t->i1] * t->w1;
                    dp[y * ow + xo] = top * th[y].w0 + bot * th[y].w1;
                }
            }
        }
    free(th);
    free(tw);
    ct_free(src);
    return dt_image_restore(dt_from_float_work(out, dt, true), layout);
}

typedef struct {
    int64_t h, w; /* w == 0: h is the size of the smaller edge */
} resize_ctx;

static ct_tensor *resize_apply(ct_tensor *x, void *ctx, ct_generator *g) {
    resize_ctx *c = ctx;
    if (c->w) return ct_tf_resize(x, c->h, c->w);
    if (!x || ct_dim(x) < 2) return ct_tf_resize(x, c->h, c->h); /* reports the error */
    bool hwc = ct_dim(x) == 3 && ct_dtype_of(x) == CT_U8;
    int64_t h = ct_size(x, hwc ? 0 : -2), w = ct_size(x, hwc ? 1 : -1);
    int64_t shortest = w <= h ? w : h, longest = w <= h ? h : w;
    if (shortest == c->h) return ct_alias(x); /* torchvision returns the image unchanged */
    int64_t nl = (int64_t)((double)c->h * (double)longest / (double)shortest);
    return w <= h ? ct_tf_resize(x, nl, c->h) : ct_tf_resize(x, c->h, nl);
}

static ct_transform *make_resize(int64_t h, int64_t w) {
    if (h <= 0 || w < 0) {
        ct_set_error(CT_ERR_VALUE, "ct_resize", "size must be positive, got (%lld, %lld)", (long long)h, (long long)w);
        return NULL;
    }
    resize_ctx *c = malloc(sizeof *c);
    if (!c) {
        ct_set_error(CT_ERR_OOM, "ct_resize", "out of memory");
        return NULL;
    }
    c->h = h;
    c->w = w;
    return ct_transform_new("Resize", resize_apply, c, free);
}

ct_transform *ct_resize(int64_t height, int64_t width) {
    if (width <= 0) {
        ct_set_error(CT_ERR_VALUE, "ct_resize", "size must be positive, got (%lld, %lld)", (long long)height,
                     (long long)width);
        return NULL;
    }
    return make_resize(height, width);
}

ct_transform *ct_resize_short(int64_t size) { return make_resize(size, 0); }
