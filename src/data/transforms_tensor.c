/*
 * src/data/transforms_tensor.c - ToTensor and Normalize, the two transforms
 * every training loop runs on every sample (so they are plain fast loops).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

ct_tensor *ct_tf_to_tensor(ct_tensor *img) {
    const char *fn = "ct_to_tensor";
    if (!img) {
        if (ct_last_error_code() == CT_OK) ct_set_error(CT_ERR_NULL, fn, "argument 'pic' is NULL");
        return NULL;
    }
    int nd = ct_dim(img);
    if (ct_dtype_of(img) != CT_U8 || (nd != 2 && nd != 3)) {
        ct_set_error(CT_ERR_TYPE, fn,
                     "pic should be a uint8 image [H,W] or [H,W,C]. Got %s with %d dims",
                     ct_dtype_torch_name(ct_dtype_of(img)), nd);
        return NULL;
    }
    int64_t h = ct_size(img, 0), w = ct_size(img, 1), c = nd == 3 ? ct_size(img, 2) : 1;
    ct_tensor *out = ct_empty(CT_SHAPE(c, h, w));
    ct_tensor *src = out ? ct_contiguous(img) : NULL;
    if (!src) {
        ct_free(out);
        return NULL;
    }
    /* x / 255 in float32 for each of the 256 byte values (exactly what a division gives) */
    static float table[256];
    static atomic_int ready;
    if (!atomic_load_explicit(&ready, memory_order_acquire)) {
        for (int v = 0; v < 256; v++) table[v] = (float)v / 255.0f;
        atomic_store_explicit(&ready, 1, memory_order_release);
    }
    const uint8_t *restrict s = ct_data_u8(src);
    float *restrict d = ct_data_f32(out);
    int64_t hw = h * w;
    if (c == 1) {
        for (int64_t p = 0; p < hw; p++) d[p] = table[s[p]];
    } else {
        for (int64_t p = 0; p < hw; p++)
            for (int64_t k = 0; k < c; k++) d[k * hw + p] = table[s[p * c + k]];
    }
    ct_free(src);
    return out;
}

ct_tensor *ct_tf_normalize(ct_tensor *x, const double *mean, const double *std, int n) {
    const char *fn = "ct_normalize";
    if (!x || !mean || !std) {
        if (ct_last_error_code() == CT_OK) ct_set_error(CT_ERR_NULL, fn, "argument '%s' is NULL", !x ? "tensor" : "mean/std");
        return NULL;
    }
    ct_dtype dt = ct_dtype_of(x);
    if (dt != CT_F32 && dt != CT_F64) {
        ct_set_error(CT_ERR_TYPE, fn, "Input tensor should be a float tensor. Got %s.", ct_dtype_torch_name(dt));
        return NULL;
    }
    if (ct_dim(x) < 3) {
        ct_set_error(CT_ERR_VALUE, fn,
                     "Expected tensor to be a tensor image of size (..., C, H, W). Got tensor with %d dims.",
                     ct_dim(x));
        return NULL;
    }
    int64_t c = ct_size(x, -3), hw = ct_size(x, -2) * ct_size(x, -1);
    if (n != 1 && n != c) {
        ct_set_error(CT_ERR_RUNTIME, fn,
                     "The size of tensor a (%lld) must match the size of tensor b (%d) at non-singleton dimension 0",
                     (long long)c, n);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        if ((dt == CT_F32 && (float)std[i] == 0.0f) || std[i] == 0.0) {
            ct_set_error(CT_ERR_VALUE, fn, "std evaluated to zero after conversion to %s, leading to division by zero.",
                         ct_dtype_torch_name(dt));
            return NULL;
        }
    ct_tensor *src = ct_contiguous(x);
    ct_tensor *out = src ? ct_empty_like(src) : NULL;
    if (!out) {
        ct_free(src);
        return NULL;
    }
    int64_t images = c ? ct_numel(x) / (c * (hw ? hw : 1)) : 0;
    for (int64_t b = 0; b < images; b++)
        for (int64_t k = 0; k < c; k++) {
            int64_t off = (b * c + k) * hw;
            int i = n == 1 ? 0 : (int)k;
            if (dt == CT_F32) {
                const float *restrict s = ct_data_f32(src) + off;
                float *restrict d = ct_data_f32(out) + off;
                float m = (float)mean[i], sd = (float)std[i];
                for (int64_t p = 0; p < hw; p++) d[p] = (s[p] - m) / sd;
            } else {
                const double *restrict s = ct_data_f64(src) + off;
                double *restrict d = ct_data_f64(out) + off;
                for (int64_t p = 0; p < hw; p++) d[p] = (s[p] - mean[i]) / std[i];
            }
        }
    ct_free(src);
    return out;
}

static ct_tensor *to_tensor_apply(ct_tensor *x, void *ctx, ct_generator *g) { return ct_tf_to_tensor(x); }

ct_transform *ct_to_tensor(void) { return ct_transform_new("ToTensor", to_tensor_apply, NULL, NULL); }

typedef struct {
    int n;
    double *mean, *std;
} normalize_ctx;

static ct_tensor *normalize_apply(ct_tensor *x, void *ctx, ct_generator *g) {
    normalize_ctx *c = ctx;
    return ct_tf_normalize(x, c->mean, c->std, c->n);
}

static void normalize_free(void *ctx) {
    normalize_ctx *c = ctx;
    free(c->mean);
    free(c);
}

ct_transform *ct_normalize_channels(const double *mean, const double *std, int n) {
    const char *fn = "ct_normalize";
    if (!mean || !std || n < 1) {
        ct_set_error(CT_ERR_VALUE, fn, "mean and std need at least one value each");
        return NULL;
    }
    normalize_ctx *c = malloc(sizeof *c);
    double *vals = malloc(2 * (size_t)n * sizeof *vals);
    if (!c || !vals) {
        free(c);
        free(vals);
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    memcpy(vals, mean, (size_t)n * sizeof *vals);
    memcpy(vals + n, std, (size_t)n * sizeof *vals);
    c->n = n;
    c->mean = vals;
    c->std = vals + n;
    return ct_transform_new("Normalize", normalize_apply, c, normalize_free);
}

ct_transform *ct_normalize(double mean, double std) { return ct_normalize_channels(&mean, &std, 1); }
