/*
 * src/core/create.c - tensors made from shapes, values, ranges and C arrays.
 * (Random creation lives in random.c.)
 */
#include <math.h>
#include <string.h>

#include "internal.h"

/* Applies .requires_grad after creation, with PyTorch's dtype rule. */
static ct_tensor *finish(ct_tensor *t, bool requires_grad, const char *fn) {
    if (!t || !requires_grad) return t;
    if (!ct_dtype_is_floating(t->dtype)) {
        ct_free(t);
        ct__error(CT_ERR_RUNTIME, fn,
                  "Only Tensors of floating point and complex dtype can require gradients");
        return NULL;
    }
    t->requires_grad = true;
    return t;
}

static ct_tensor *empty_opts(ct_shape shape, ct_dtype dtype, ct_device device, ct_dtype fallback,
                             const char *fn) {
    return ct__tensor_empty(shape.ndim, shape.d, ct__opts_dtype(dtype, fallback), device, fn);
}

static ct_tensor *filled(ct_shape shape, double value, ct_dtype dtype, ct_device device,
                         bool requires_grad, const char *fn) {
    ct_tensor *t = empty_opts(shape, dtype, device, ct_get_default_dtype(), fn);
    if (!t) return NULL;
    if (value == 0.0) memset(t->storage->data, 0, t->storage->nbytes);
    else ct_fill_(t, value);
    return finish(t, requires_grad, fn);
}

ct_tensor *ct_empty_(ct_shape_args a) {
    return finish(empty_opts(a.shape, a.dtype, a.device, ct_get_default_dtype(), "ct_empty"),
                  a.requires_grad, "ct_empty");
}

ct_tensor *ct_zeros_(ct_shape_args a) {
    return filled(a.shape, 0.0, a.dtype, a.device, a.requires_grad, "ct_zeros");
}

ct_tensor *ct_ones_(ct_shape_args a) {
    return filled(a.shape, 1.0, a.dtype, a.device, a.requires_grad, "ct_ones");
}

ct_tensor *ct_full_(ct_full_args a) {
    return filled(a.shape, a.value, a.dtype, a.device, a.requires_grad, "ct_full");
}

ct_tensor *ct_scalar_tensor_(ct_value_args a) {
    return filled(CT_SHAPE0, a.value, a.dtype, a.device, a.requires_grad, "ct_scalar_tensor");
}

ct_tensor *ct_eye_(ct_eye_args a) {
    const char *fn = "ct_eye";
    if (a.n < 0) {
        ct__error(CT_ERR_RUNTIME, fn, "n must be greater or equal to 0, got %lld", (long long)a.n);
        return NULL;
    }
    if (a.m < 0) {
        ct__error(CT_ERR_RUNTIME, fn, "m must be greater or equal to 0, got %lld", (long long)a.m);
        return NULL;
    }
    int64_t m = a.m == 0 ? a.n : a.m;
    ct_tensor *t = filled(CT_SHAPE(a.n, m), 0.0, a.dtype, a.device, false, fn);
    if (!t) return NULL;
    char *p = ct__data(t);
    size_t es = ct_dtype_size(t->dtype);
    for (int64_t i = 0; i < a.n && i < m; i++) ct__store_f64(p + (size_t)(i * m + i) * es, t->dtype, 1.0);
    return finish(t, a.requires_grad, fn);
}

ct_tensor *ct_arange_(ct_scalar start, ct_scalar end, ct_scalar step, ct_opts o) {
    const char *fn = "ct_arange";
    bool all_int = start.kind != CT_SCALAR_FLOAT && end.kind != CT_SCALAR_FLOAT &&
                   step.kind != CT_SCALAR_FLOAT;
    ct_dtype dtype = ct__opts_dtype(o.dtype, all_int ? CT_I64 : ct_get_default_dtype());
    double s = ct_scalar_to_double(start), e = ct_scalar_to_double(end),
           st = ct_scalar_to_double(step);
    if (!isfinite(s) || !isfinite(e)) {
        ct__error(CT_ERR_RUNTIME, fn, "unsupported range: %g -> %g", s, e);
        return NULL;
    }
    if (st == 0) {
        ct__error(CT_ERR_RUNTIME, fn, "step must be nonzero");
        return NULL;
    }
    if ((st > 0 && e < s) || (st < 0 && e > s)) {
        ct__error(CT_ERR_RUNTIME, fn, "upper bound and larger bound inconsistent with step sign");
        return NULL;
    }
    double size_d;
    if (all_int && start.kind == CT_SCALAR_INT && end.kind == CT_SCALAR_INT)
        size_d = ceil((double)(end.v.i - start.v.i) / st);
    else
        size_d = ceil((e - s) / st);
    if (!(size_d >= 0 && size_d <= (double)INT64_MAX / 2)) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "invalid size, possible overflow? (size is %g)", size_d);
        return NULL;
    }
    int64_t n = (int64_t)size_d;
    ct_tensor *t = ct__tensor_empty(1, &n, dtype, o.device, fn);
    if (!t) return NULL;
    char *p = ct__data(t);
    size_t es = ct_dtype_size(dtype);
    if (ct_dtype_is_floating(dtype) || !all_int) {
        for (int64_t i = 0; i < n; i++) ct__store_f64(p + (size_t)i * es, dtype, s + st * (double)i);
    } else {
        int64_t s0 = start.v.i, k = step.kind == CT_SCALAR_FLOAT ? (int64_t)st : step.v.i;
        for (int64_t i = 0; i < n; i++) ct__store_i64(p + (size_t)i * es, dtype, s0 + k * i);
    }
    return finish(t, o.requires_grad, fn);
}

ct_tensor *ct_linspace_(ct_linspace_args a) {
    const char *fn = "ct_linspace";
    if (a.steps < 0) {
        ct__error(CT_ERR_RUNTIME, fn, "number of steps must be non-negative");
        return NULL;
    }
    ct_dtype dtype = ct__opts_dtype(a.dtype, ct_get_default_dtype());
    ct_tensor *t = ct__tensor_empty(1, &a.steps, dtype, a.device, fn);
    if (!t) return NULL;
    char *p = ct__data(t);
    size_t es = ct_dtype_size(dtype);
    int64_t n = a.steps, half = n / 2;
    /* PyTorch fills the first half from start and the second from end, in the dtype's precision. */
    if (dtype == CT_F32) {
        float s = (float)a.start, e = (float)a.end, step = n > 1 ? (e - s) / (float)(n - 1) : 0;
        float *f = (float *)(void *)p;
        for (int64_t i = 0; i < n; i++)
            f[i] = i < half ? s + step * (float)i : e - step * (float)(n - i - 1);
    } else {
        double s = a.start, e = a.end;
        if (dtype != CT_F64) { s = (double)(int64_t)s; e = (double)(int64_t)e; }
        double step = n > 1 ? (e - s) / (double)(n - 1) : 0;
        for (int64_t i = 0; i < n; i++)
            ct__store_f64(p + (size_t)i * es, dtype,
                          i < half ? s + step * (double)i : e - step * (double)(n - i - 1));
    }
    if (n == 1) ct__store_f64(p, dtype, a.start);
    return finish(t, a.requires_grad, fn);
}

/* ------------------------------------------------------------------- *_like */

static ct_tensor *like(const ct_tensor *t, ct_dtype dtype, ct_device device, const char *fn) {
    (void)device; /* zero-initialized means "same device", and only the cpu exists */
    return ct__tensor_empty(t->ndim, t->shape, ct__opts_dtype(dtype, t->dtype), t->storage->device,
                            fn);
}

ct_tensor *ct_empty_like_(ct_like_args a) {
    CT_CHECK_ARG(a.like, "ct_empty_like", "self");
    return finish(like(a.like, a.dtype, a.device, "ct_empty_like"), a.requires_grad, "ct_empty_like");
}

static ct_tensor *full_like(const ct_tensor *src, double v, ct_dtype dtype, ct_device dev,
                            bool rg, const char *fn) {
    CT_CHECK_ARG(src, fn, "self");
    ct_tensor *t = like(src, dtype, dev, fn);
    if (!t) return NULL;
    if (v == 0.0) memset(t->storage->data, 0, t->storage->nbytes);
    else ct_fill_(t, v);
    return finish(t, rg, fn);
}

ct_tensor *ct_zeros_like_(ct_like_args a) {
    return full_like(a.like, 0.0, a.dtype, a.device, a.requires_grad, "ct_zeros_like");
}

ct_tensor *ct_ones_like_(ct_like_args a) {
    return full_like(a.like, 1.0, a.dtype, a.device, a.requires_grad, "ct_ones_like");
}

ct_tensor *ct_full_like_(ct_full_like_args a) {
    return full_like(a.like, a.value, a.dtype, a.device, a.requires_grad, "ct_full_like");
}

/* ----------------------------------------------------------- from C arrays */

ct_tensor *ct_from_data(const void *data, ct_dtype dtype, ct_shape shape) {
    CT_CHECK_ARG(data, "ct_from_data", "data");
    ct_tensor *t = ct__tensor_empty(shape.ndim, shape.d, dtype, CT_CPU, "ct_from_data");
    if (!t) return NULL;
    memcpy(t->storage->data, data, t->storage->nbytes);
    return t;
}

ct_tensor *ct_from_values(const void *data, size_t count, ct_dtype dtype, ct_shape shape) {
    const char *fn = "ct_from_values";
    CT_CHECK_ARG(data, fn, "data");
    if (!ct__check_shape(shape.ndim, shape.d, fn)) return NULL;
    int64_t n = ct__numel(shape.ndim, shape.d);
    if ((uint64_t)n != count) {
        char buf[128];
        ct__error(CT_ERR_RUNTIME, fn, "shape '%s' is invalid for input of size %zu",
                  ct__shape_str(shape.ndim, shape.d, buf, sizeof buf), count);
        return NULL;
    }
    return ct_from_data(data, dtype, shape);
}

ct_tensor *ct_from_blob_strided(void *data, ct_dtype dtype, ct_shape shape, const int64_t *strides,
                                void (*deleter)(void *, void *), void *ctx) {
    const char *fn = "ct_from_blob";
    CT_CHECK_ARG(data, fn, "data");
    if (!ct__dtype_valid(dtype)) {
        ct__error(CT_ERR_TYPE, fn, "invalid dtype %d", (int)dtype);
        return NULL;
    }
    if (!ct__check_shape(shape.ndim, shape.d, fn)) return NULL;
    int64_t st[CT_MAX_DIMS];
    if (strides) memcpy(st, strides, sizeof(int64_t) * (size_t)shape.ndim);
    else ct__contiguous_strides(shape.ndim, shape.d, st);
    /* The extent the strides reach, so the storage knows its size. */
    int64_t extent = 1;
    for (int i = 0; i < shape.ndim; i++) {
        if (shape.d[i] == 0) { extent = 0; break; }
        if (st[i] < 0) {
            ct__error(CT_ERR_RUNTIME, fn, "negative strides are not supported");
            return NULL;
        }
        extent += (shape.d[i] - 1) * st[i];
    }
    ct_storage *s = ct__storage_wrap(data, (size_t)extent * ct_dtype_size(dtype), deleter, ctx, fn);
    if (!s) return NULL;
    ct_tensor *t = ct__tensor_make(s, dtype, shape.ndim, shape.d, st, 0, fn);
    ct__storage_release(s);
    return t;
}

ct_tensor *ct_from_blob(void *data, ct_dtype dtype, ct_shape shape) {
    return ct_from_blob_strided(data, dtype, shape, NULL, NULL, NULL);
}

ct_tensor *ct_requires_grad_(ct_tensor *t, bool flag) {
    CT_CHECK_ARG(t, "ct_requires_grad_", "self");
    if (flag && !ct_dtype_is_floating(t->dtype)) {
        ct__error(CT_ERR_RUNTIME, "ct_requires_grad_",
                  "only Tensors of floating point and complex dtype can require gradients");
        return NULL;
    }
    t->requires_grad = flag;
    return t;
}
