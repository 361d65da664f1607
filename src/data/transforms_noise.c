/*
 * src/data/transforms_noise.c - GaussianNoise and RandomErasing (with F.erase).
 */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

typedef struct {
    double mean, sigma;
    bool clip;
} noise_ctx;

/* torchvision.transforms.v2.GaussianNoise: x + (mean + randn_like(x) * sigma), clamped to [0, 1]. */
static ct_tensor *noise_apply(ct_tensor *x, void *ctx, ct_generator *g) {
    noise_ctx *c = ctx;
    const char *fn = "ct_gaussian_noise";
    if (!x) return NULL;
    ct_dtype dt = ct_dtype_of(x);
    if (dt != CT_F32 && dt != CT_F64) {
        ct_set_error(CT_ERR_VALUE, fn, "Input tensor is expected to be in float dtype, got dtype=%s",
                     ct_dtype_torch_name(dt));
        return NULL;
    }
    ct_tensor *out = ct_randn_like(x, .generator = g);
    ct_tensor *src = out ? ct_contiguous(x) : NULL;
    if (!src) {
        ct_free(out);
        return NULL;
    }
    int64_t n = ct_numel(x);
    if (dt == CT_F32) {
        float *o = ct_data_f32(out);
        const float *s = ct_data_f32(src);
        for (int64_t i = 0; i < n; i++) {
            float v = s[i] + ((float)c->mean + o[i] * (float)c->sigma);
            o[i] = c->clip ? fminf(fmaxf(v, 0.0f), 1.0f) : v;
        }
    } else {
        double *o = ct_data_f64(out);
        const double *s = ct_data_f64(src);
        for (int64_t i = 0; i < n; i++) {
            double v = s[i] + (c->mean + o[i] * c->sigma);
            o[i] = c->clip ? fmin(fmax(v, 0.0), 1.0) : v;
        }
    }
    ct_free(src);
    return out;
}

ct_transform *ct_gaussian_noise(double mean, double sigma, bool clip) {
    if (!(sigma >= 0)) {
        ct_set_error(CT_ERR_VALUE, "ct_gaussian_noise", "sigma shouldn't be negative. Got %g", sigma);
        return NULL;
    }
    noise_ctx *c = malloc(sizeof *c);
    if (!c) {
        ct_set_error(CT_ERR_OOM, "ct_gaussian_noise", "out of memory");
        return NULL;
    }
    c->mean = mean;
    c->sigma = sigma;
    c->clip = clip;
    return ct_transform_new("GaussianNoise", noise_apply, c, free);
}

ct_tensor *ct_tf_erase(ct_tensor *x, int64_t top, int64_t left, int64_t h, int64_t w, ct_tensor *v) {
    const char *fn = "ct_erase";
    if (!x || !v) {
        if (ct_last_error_code() == CT_OK) ct_set_error(CT_ERR_NULL, fn, "argument '%s' is NULL", x ? "v" : "img");
        return NULL;
    }
    int nd = ct_dim(x);
    if (nd < 3) {
        ct_set_error(CT_ERR_VALUE, fn, "img should be a [..., C, H, W] tensor, got %d dims", nd);
        return NULL;
    }
    if (top < 0 || left < 0 || h < 0 || w < 0 || top + h > ct_size(x, -2) || left + w > ct_size(x, -1)) {
        ct_set_error(CT_ERR_INDEX, fn, "the erased box (%lld, %lld, %lld, %lld) is outside the image",
                     (long long)top, (long long)left, (long long)h, (long long)w);
        return NULL;
    }
    ct_tensor *out = ct_clone(x);
    ct_tensor *rows = out ? ct_narrow(out, nd - 2, top, h) : NULL;
    ct_tensor *box = rows ? ct_narrow(rows, nd - 1, left, w) : NULL;
    bool ok = box && ct_copy_(box, v);
    ct_free(box);
    ct_free(rows);
    if (!ok) {
        ct_free(out);
        return NULL;
    }
    return out;
}

/* RandomErasing.get_params + F.erase (value None means random normal values). */
static ct_tensor *erasing_apply(ct_tensor *x, void *ctx, ct_generator *g) {
    ct_random_erasing_args *a = ctx;
    const char *fn = "ct_random_erasing";
    if (!x) return NULL;
    if (ct_dim(x) < 3 || (ct_dtype_of(x) != CT_F32 && ct_dtype_of(x) != CT_F64)) {
        ct_set_error(CT_ERR_TYPE, fn, "img should be a float tensor [..., C, H, W]. Got %s with %d dims",
                     ct_dtype_torch_name(ct_dtype_of(x)), ct_dim(x));
        return NULL;
    }
    double u = dt_rand1(g);
    if (u != u) return NULL;
    if (!(u < a->p)) return ct_alias(x);
    int64_t c = ct_size(x, -3), ih = ct_size(x, -2), iw = ct_size(x, -1);
    double area = (double)(ih * iw);
    /* log_ratio = torch.log(torch.tensor(ratio)) in float32, correctly rounded as PyTorch's is */
    double lr0 = (double)(float)log((double)(float)a->ratio_min);
    double lr1 = (double)(float)log((double)(float)a->ratio_max);
    for (int attempt = 0; attempt < 10; attempt++) {
        double s = dt_uniform1(g, a->scale_min, a->scale_max);
        double e = dt_uniform1(g, lr0, lr1);
        if (s != s || e != e) return NULL;
        double erase_area = area * s;
        double aspect = (double)(float)exp(e);
        int64_t h = (int64_t)nearbyint(sqrt(erase_area * aspect));
        int64_t w = (int64_t)nearbyint(sqrt(erase_area / aspect));
        if (!(h < ih && w < iw)) continue;
        ct_tensor *v = a->random_value ? ct_randn(CT_SHAPE(c, h, w), .generator = g)
                                       : ct_full(CT_SHAPE(1, 1, 1), a->value);
        if (!v) return NULL;
        int64_t i = dt_randint1(g, 0, ih - h + 1);
        int64_t j = i >= 0 ? dt_randint1(g, 0, iw - w + 1) : -1;
        ct_tensor *r = i >= 0 && j >= 0 ? ct_tf_erase(x, i, j, h, w, v) : NULL;
        ct_free(v);
        return r;
    }
    return ct_clone(x);
}

ct_transform *ct_random_erasing_(ct_random_erasing_args a) {
    const char *fn = "ct_random_erasing";
    if (a.scale_min == 0 && a.scale_max == 0) {
        a.scale_min = 0.02;
        a.scale_max = 0.33;
    }
    if (a.ratio_min == 0 && a.ratio_max == 0) {
        a.ratio_min = 0.3;
        a.ratio_max = 3.3;
    }
    const char *bad = NULL;
    if (!(a.p >= 0 && a.p <= 1)) bad = "Random erasing probability should be between 0 and 1";
    else if (a.scale_min < 0 || a.scale_max > 1) bad = "Scale should be between 0 and 1";
    else if (a.scale_min > a.scale_max || a.ratio_min > a.ratio_max || a.ratio_min <= 0)
        bad = "Scale and ratio should be of kind (min, max)";
    if (bad) {
        ct_set_error(CT_ERR_VALUE, fn, "%s", bad);
        return NULL;
    }
    ct_random_erasing_args *c = malloc(sizeof *c);
    if (!c) {
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    *c = a;
    return ct_transform_new("RandomErasing", erasing_apply, c, free);
}
