/*
 * src/core/create.c - tensors made from shapes, values, ranges and C arrays.
 * (Random creation lives in random.c.)
 */
#include <math.h>
#include <string.h>

#include "internal.h"

ct_tensor *ct__finish_created(ct_tensor *t, bool requires_grad, const char *fn) {
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
    ct_dtype d = ct__opts_dtype(dtype, ct_get_default_dtype());
    if (ct__dtype_valid(d) && !ct__check_value_fits(value, d, fn)) return NULL;
    ct_tensor *t = empty_opts(shape, dtype, device, ct_get_default_dtype(), fn);
    if (!t) return NULL;
    if (value == 0.0) memset(t->storage->data, 0, t->storage->nbytes);
    else ct__fill_(t, value);
    return ct__finish_created(t, requires_grad, fn);
}

ct_tensor *ct_empty_(ct_shape_args a) {
    return ct__finish_created(empty_opts(a.shape, a.dtype, a.device, ct_get_default_dtype(), "ct_empty"),
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
    return ct__finish_created(t, a.requires_grad, fn);
}

/*
 * arange and linspace reproduce PyTorch 1.13's CPU kernels value for value
 * (RangeFactoriesKernel.cpp, AVX2 build): each element is start + step * i
 * computed with one rounding (the kernels are built with FMA contraction),
 * except inside the vectorized part, where runs of V = 32 / sizeof(T) elements
 * start from a rounded base and add j * step (two roundings). The vectorized
 * part covers the first nvec = floor(n / 2V) * 2V elements (the kernel stores
 * two vectors per pass); the rest is scalar. (With more than 32768 elements
 * PyTorch splits the range over its threads, which moves these boundaries; we
 * match its single-chunk result.)
 * This file is compiled as ISO C, where GCC does not contract a * b + c, so
 * the two-rounding lines below stay two roundings.
 */
static int64_t vec_width(ct_dtype d) { return 32 / (int64_t)ct_dtype_size(d); }

/* A Python-style scalar converted to an integer dtype's value (wrapping like a C++ cast). */
static bool scalar_to_int(ct_scalar v, ct_dtype dtype, int64_t *out, const char *fn) {
    int64_t x;
    if (v.kind == CT_SCALAR_FLOAT) {
        if (!(fabs(v.v.f) < 0x1p63)) {
            ct__error(CT_ERR_RUNTIME, fn, "value cannot be converted to type int64_t without overflow");
            return false;
        }
        x = (int64_t)v.v.f;
    } else {
        x = v.v.i;
    }
    union { int64_t i64; int32_t i32; uint8_t u8; } buf;
    ct__store_i64(&buf, dtype, x);
    *out = ct__load_i64(&buf, dtype);
    return true;
}

static void arange_fill(char *p, ct_dtype dtype, double s, double st, int64_t n) {
    int64_t V = vec_width(dtype), nvec = n / (2 * V) * (2 * V), i = 0;
    if (dtype == CT_F32) {
        float *f = (float *)(void *)p;
        for (; i < nvec; i += V) {
            double base = (float)fma(st, (double)i, s);
            for (int64_t j = 0; j < V; j++) f[i + j] = (float)fma((double)j, st, base);
        }
        for (; i < n; i++) f[i] = (float)fma(st, (double)i, s);
    } else {
        double *f = (double *)(void *)p;
        for (; i < nvec; i += V) {
            double base = fma(st, (double)i, s);
            for (int64_t j = 0; j < V; j++) f[i + j] = fma((double)j, st, base);
        }
        for (; i < n; i++) f[i] = fma(st, (double)i, s);
    }
}

ct_tensor *ct_arange_(ct_scalar start, ct_scalar end, ct_scalar step, ct_opts o) {
    const char *fn = "ct_arange";
    bool all_int = start.kind != CT_SCALAR_FLOAT && end.kind != CT_SCALAR_FLOAT &&
                   step.kind != CT_SCALAR_FLOAT;
    ct_dtype dtype = ct__opts_dtype(o.dtype, all_int ? CT_I64 : ct_get_default_dtype());
    if (!ct__dtype_valid(dtype)) {
        ct__error(CT_ERR_TYPE, fn, "invalid dtype %d", (int)dtype);
        return NULL;
    }
    if (dtype == CT_BOOL) {
        ct__error(CT_ERR_RUNTIME, fn, "\"arange_cpu\" not implemented for 'Bool'");
        return NULL;
    }
    /* PyTorch checks in the dtype's accumulate type: int64 for integer dtypes, double else. */
    bool integral = ct_dtype_is_integral(dtype, false);
    int64_t xs = 0, xe = 0, xst = 0;
    double s = ct_scalar_to_double(start), e = ct_scalar_to_double(end),
           st = ct_scalar_to_double(step);
    if (integral) {
        ct_scalar as = start, ae = end, ast = step;
        /* The accumulate type is int64 whatever the integer dtype. */
        if (!scalar_to_int(as, CT_I64, &xs, fn) || !scalar_to_int(ae, CT_I64, &xe, fn) ||
            !scalar_to_int(ast, CT_I64, &xst, fn))
            return NULL;
    }
    if (integral ? xst == 0 : !(st > 0 || st < 0)) {
        ct__error(CT_ERR_RUNTIME, fn, "step must be nonzero");
        return NULL;
    }
    if (!isfinite(s) || !isfinite(e)) {
        ct__error(CT_ERR_RUNTIME, fn, "unsupported range: %g -> %g", s, e);
        return NULL;
    }
    bool consistent = integral ? (xst > 0 && xe >= xs) || (xst < 0 && xe <= xs)
                               : (st > 0 && e >= s) || (st < 0 && e <= s);
    if (!consistent) {
        ct__error(CT_ERR_RUNTIME, fn, "upper bound and larger bound inconsistent with step sign");
        return NULL;
    }
    double size_d;
    if (dtype == CT_I64) {
        /* int64 is more precise than double: PyTorch counts in integers here,
         * ceil(|end - start| / |step|), done in uint64 so it cannot overflow. */
        uint64_t diff = xst > 0 ? (uint64_t)xe - (uint64_t)xs : (uint64_t)xs - (uint64_t)xe;
        uint64_t ast = xst > 0 ? (uint64_t)xst : (uint64_t)(-(xst + 1)) + 1;
        size_d = (double)(diff / ast + (diff % ast != 0));
    } else {
        size_d = ceil((e - s) / st);
    }
    if (!(size_d >= 0 && size_d <= (double)INT64_MAX)) {
        ct__error(CT_ERR_RUNTIME, fn, "invalid size, possible overflow?");
        return NULL;
    }
    int64_t n = (int64_t)size_d;
    ct_tensor *t = ct__tensor_empty(1, &n, dtype, o.device, fn);
    if (!t) return NULL;
    char *p = ct__data(t);
    size_t es = ct_dtype_size(dtype);
    if (integral) {
        for (int64_t i = 0; i < n; i++)
            ct__store_i64(p + (size_t)i * es, dtype, (int64_t)((uint64_t)xs + (uint64_t)xst * (uint64_t)i));
    } else {
        arange_fill(p, dtype, s, st, n);
    }
    return ct__finish_created(t, o.requires_grad, fn);
}

static void linspace_f32(float *f, float s, float e, int64_t n) {
    float step = (e - s) / (float)(n - 1);
    int64_t half = n / 2, V = 8, nvec = n / (2 * V) * (2 * V), i = 0;
#define AT(k) ((k) < half ? fmaf(step, (float)(k), s) : fmaf(-step, (float)(n - (k) - 1), e))
    for (; i < nvec; i += V) {
        float base = AT(i);
        for (int64_t j = 0; j < V; j++) {
            float jstep = (float)j * step;
            f[i + j] = base + jstep;
        }
    }
    for (; i < n; i++) f[i] = AT(i);
#undef AT
}

/* float64 and the integer dtypes: the step is a double (s and e already in the dtype). */
static void linspace_f64(char *p, ct_dtype dtype, double s, double e, int64_t n) {
    double step = (e - s) / (double)(n - 1);
    int64_t half = n / 2, V = vec_width(dtype), nvec = n / (2 * V) * (2 * V), i = 0;
    size_t es = ct_dtype_size(dtype);
    bool integral = dtype != CT_F64;
#define AT(k) ((k) < half ? fma(step, (double)(k), s) : fma(-step, (double)(n - (k) - 1), e))
    for (; i < nvec; i += V) {
        double base = AT(i);
        if (integral) base = trunc(base); /* the kernel's base is already a scalar_t */
        for (int64_t j = 0; j < V; j++) {
            double jstep = (double)j * step;
            ct__store_f64(p + (size_t)(i + j) * es, dtype, base + jstep);
        }
    }
    for (; i < n; i++) ct__store_f64(p + (size_t)i * es, dtype, AT(i));
#undef AT
}

ct_tensor *ct_linspace_(ct_linspace_args a) {
    const char *fn = "ct_linspace";
    if (a.steps < 0) {
        ct__error(CT_ERR_RUNTIME, fn, "number of steps must be non-negative");
        return NULL;
    }
    ct_dtype dtype = ct__opts_dtype(a.dtype, ct_get_default_dtype());
    if (dtype == CT_BOOL) {
        ct__error(CT_ERR_RUNTIME, fn, "\"linspace_cpu\" not implemented for 'Bool'");
        return NULL;
    }
    double s = a.start, e = a.end;
    if (ct_dtype_is_integral(dtype, false)) {
        int64_t xs, xe;
        if (!scalar_to_int(ct_scalar_float(s), dtype, &xs, fn) ||
            !scalar_to_int(ct_scalar_float(e), dtype, &xe, fn))
            return NULL;
        s = (double)xs;
        e = (double)xe;
    }
    ct_tensor *t = ct__tensor_empty(1, &a.steps, dtype, a.device, fn);
    if (!t) return NULL;
    char *p = ct__data(t);
    int64_t n = a.steps;
    if (n == 1) ct__store_f64(p, dtype, s);
    else if (n > 1 && dtype == CT_F32) linspace_f32((float *)(void *)p, (float)s, (float)e, n);
    else if (n > 1) linspace_f64(p, dtype, s, e, n);
    return ct__finish_created(t, a.requires_grad, fn);
}

/* ------------------------------------------------------------------- *_like */

static ct_tensor *like(const ct_tensor *t, ct_dtype dtype, ct_device device, const char *fn) {
    (void)device; /* zero-initialized means "same device", and only the cpu exists */
    return ct__tensor_empty(t->ndim, t->shape, ct__opts_dtype(dtype, t->dtype), t->storage->device,
                            fn);
}

ct_tensor *ct_empty_like_(ct_like_args a) {
    CT_CHECK_ARG(a.like, "ct_empty_like", "self");
    return ct__finish_created(like(a.like, a.dtype, a.device, "ct_empty_like"), a.requires_grad,
                              "ct_empty_like");
}

static ct_tensor *full_like(const ct_tensor *src, double v, ct_dtype dtype, ct_device dev,
                            bool rg, const char *fn) {
    CT_CHECK_ARG(src, fn, "self");
    if (!ct__check_value_fits(v, ct__opts_dtype(dtype, src->dtype), fn)) return NULL;
    ct_tensor *t = like(src, dtype, dev, fn);
    if (!t) return NULL;
    if (v == 0.0) memset(t->storage->data, 0, t->storage->nbytes);
    else ct__fill_(t, v);
    return ct__finish_created(t, rg, fn);
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
                  "only Tensors of floating point dtype can require gradients");
        return NULL;
    }
    t->requires_grad = flag;
    return t;
}
