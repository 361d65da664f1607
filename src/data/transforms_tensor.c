/*
 * src/data/transforms_tensor.c - ToTensor and Normalize, the two transforms
 * every training loop runs on every sample: plain fast loops, with batch
 * forms for the loader (batch.c), ToTensor + Normalize fused into one
 * table lookup per byte.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * What ToTensor (and Normalize after it) give for each byte value, computed
 * with the very float operations the unfused path does: v / 255, then
 * (that - mean) / std when normalizing.
 */
static void byte_table(float table[256], float mean, float std, bool normalize) {
    for (int v = 0; v < 256; v++) {
        float x = (float)v / 255.0f;
        table[v] = normalize ? (x - mean) / std : x;
    }
}

#if defined(__GNUC__) && defined(__x86_64__)
/*
 * With AVX2 the arithmetic itself, 8 bytes at a time, is faster than a table
 * lookup (about 1.5x here); IEEE division and subtraction give exactly the
 * table's values, and no multiply-add can be contracted in this expression.
 */
__attribute__((target("avx2"))) static void gray_avx2(const uint8_t *restrict s, float *restrict d, int64_t n,
                                                      float mean, float std) {
    for (int64_t p = 0; p < n; p++) d[p] = ((float)s[p] / 255.0f - mean) / std;
}

static bool have_avx2(void) {
    static atomic_int known; /* 0 unknown, 1 no, 2 yes */
    int k = atomic_load_explicit(&known, memory_order_relaxed);
    if (k == 0) {
        __builtin_cpu_init();
        k = __builtin_cpu_supports("avx2") ? 2 : 1;
        atomic_store_explicit(&known, k, memory_order_relaxed);
    }
    return k == 2;
}
#endif

/*
 * images [B, H*W, C] bytes -> [B, C, H*W] floats through per-channel tables
 * (lut + k * lut_stride is channel k's; stride 0: one table for all). For
 * one channel, mean and std are what the table was made with (0 and 1 for
 * plain ToTensor: x - 0 and x / 1 are x exactly).
 */
static void to_tensor_kernel(const uint8_t *restrict s, float *restrict d, int64_t images, int64_t hw,
                             int64_t c, const float *lut, int64_t lut_stride, float mean, float std) {
    if (c == 1) {
#if defined(__GNUC__) && defined(__x86_64__)
        if (have_avx2()) {
            gray_avx2(s, d, images * hw, mean, std);
            return;
        }
#endif
        for (int64_t p = 0; p < images * hw; p++) d[p] = lut[s[p]];
        return;
    }
    for (int64_t b = 0; b < images; b++, s += hw * c, d += hw * c)
        for (int64_t k = 0; k < c; k++) {
            const float *t = lut + k * lut_stride;
            float *dk = d + k * hw;
            for (int64_t p = 0; p < hw; p++) dk[p] = t[s[p * c + k]];
        }
}

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
    /* built once: a per-image call should not pay 256 divisions */
    static float lut[256];
    static atomic_int ready;
    if (!atomic_load_explicit(&ready, memory_order_acquire)) {
        byte_table(lut, 0.0f, 1.0f, false);
        atomic_store_explicit(&ready, 1, memory_order_release);
    }
    to_tensor_kernel(ct_data_u8(src), ct_data_f32(out), 1, h * w, c, lut, 0, 0.0f, 1.0f);
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

/*
 * ToTensor (+ Normalize, when mean and std are given) of a batch of images
 * [B,H,W] or [B,H,W,C] uint8 -> [B,C,H,W] float32, the stack of the
 * per-image results. 0 (no error) for other input or a channel count that
 * does not fit n.
 */
static int to_tensor_batch_with(ct_tensor *batch, const double *mean, const double *std, int n,
                                ct_tensor **out) {
    int nd = ct_dim(batch);
    if (ct_dtype_of(batch) != CT_U8 || (nd != 3 && nd != 4)) return 0;
    int64_t b = ct_size(batch, 0), h = ct_size(batch, 1), w = ct_size(batch, 2);
    int64_t c = nd == 4 ? ct_size(batch, 3) : 1;
    if (mean && n != 1 && n != c) return 0;
    for (int i = 0; mean && i < n; i++)
        if ((float)std[i] == 0.0f) return 0;
    float stack_lut[4 * 256], *lut = c <= 4 ? stack_lut : malloc((size_t)c * 256 * sizeof *lut);
    if (!lut) return ct_set_error(CT_ERR_OOM, "ct_to_tensor", "out of memory");
    int64_t tables = mean && n > 1 ? c : 1;
    for (int64_t k = 0; k < tables; k++)
        byte_table(lut + 256 * k, mean ? (float)mean[k] : 0.0f, mean ? (float)std[k] : 1.0f, mean != NULL);
    *out = ct_empty(CT_SHAPE(b, c, h, w));
    ct_tensor *src = *out ? ct_contiguous(batch) : NULL;
    if (src)
        to_tensor_kernel(ct_data_u8(src), ct_data_f32(*out), b, h * w, c, lut, tables > 1 ? 256 : 0,
                         mean ? (float)mean[0] : 0.0f, mean ? (float)std[0] : 1.0f);
    ct_free(src);
    if (lut != stack_lut) free(lut);
    if (!src) {
        ct_free(*out);
        *out = NULL;
        return (int)ct_last_error_code();
    }
    return 1;
}

static int to_tensor_batch(ct_tensor *batch, void *ctx, ct_tensor **out) {
    return to_tensor_batch_with(batch, NULL, NULL, 0, out);
}

ct_transform *ct_to_tensor(void) {
    return dt_transform_set_batch(ct_transform_new("ToTensor", to_tensor_apply, NULL, NULL), to_tensor_batch);
}

typedef struct {
    int n;
    double *mean, *std;
} normalize_ctx;

static ct_tensor *normalize_apply(ct_tensor *x, void *ctx, ct_generator *g) {
    normalize_ctx *c = ctx;
    return ct_tf_normalize(x, c->mean, c->std, c->n);
}

/* Normalize of a batch of [..., C, H, W] float images: what it gives each of them. */
static int normalize_batch(ct_tensor *batch, void *ctx, ct_tensor **out) {
    normalize_ctx *c = ctx;
    ct_dtype dt = ct_dtype_of(batch);
    if ((dt != CT_F32 && dt != CT_F64) || ct_dim(batch) < 4) return 0;
    int64_t channels = ct_size(batch, -3);
    if (c->n != 1 && c->n != channels) return 0;
    for (int i = 0; i < c->n; i++)
        if ((dt == CT_F32 && (float)c->std[i] == 0.0f) || c->std[i] == 0.0) return 0;
    *out = ct_tf_normalize(batch, c->mean, c->std, c->n);
    return *out ? 1 : (int)ct_last_error_code();
}

int dt_batch_to_tensor_normalize(const ct_transform *a, const ct_transform *b, ct_tensor *batch,
                                 ct_tensor **out) {
    if (a->fn != to_tensor_apply || b->fn != normalize_apply) return 0;
    const normalize_ctx *c = b->ctx;
    return to_tensor_batch_with(batch, c->mean, c->std, c->n, out);
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
    return dt_transform_set_batch(ct_transform_new("Normalize", normalize_apply, c, normalize_free),
                                  normalize_batch);
}

ct_transform *ct_normalize(double mean, double std) { return ct_normalize_channels(&mean, &std, 1); }
