/*
 * src/core/copy.c - copying between tensors of any layout and dtype:
 * copy_, to(dtype), clone, contiguous, fill_, zero_.
 */
#include <string.h>

#include "internal.h"

/* One cast loop per (destination, source) dtype pair, generated from the dtype list. */
#define CAST_LOOP(DE, DT, DS, SE, ST, SS)                                               \
    static void cast_##DS##_##SS(char **data, const int64_t *strides, int64_t n, void *ctx) { \
        (void)ctx;                                                                      \
        char *d = data[0];                                                              \
        const char *s = data[1];                                                        \
        if (strides[0] == sizeof(DT) && strides[1] == sizeof(ST)) { /* vectorizable */  \
            DT *dd = (DT *)d;                                                           \
            const ST *ss = (const ST *)s;                                               \
            for (int64_t i = 0; i < n; i++) dd[i] = (DT)ss[i];                          \
            return;                                                                     \
        }                                                                               \
        for (int64_t i = 0; i < n; i++, d += strides[0], s += strides[1])               \
            *(DT *)d = (DT)(*(const ST *)s);                                            \
    }
/* Casts to bool test for non-zero, as PyTorch does (a C cast would too, but say it). */
#define CAST_LOOP_TO_BOOL(SE, ST, SS)                                                   \
    static void cast_b8_##SS(char **data, const int64_t *strides, int64_t n, void *ctx) { \
        (void)ctx;                                                                      \
        char *d = data[0];                                                              \
        const char *s = data[1];                                                        \
        for (int64_t i = 0; i < n; i++, d += strides[0], s += strides[1])               \
            *(bool *)d = *(const ST *)s != 0;                                           \
    }

/*
 * Casts to uint8 go through int64, as PyTorch's do (c10/util/TypeCast.h): a
 * negative float converted straight to an unsigned type is undefined in C,
 * while float -> int64 -> uint8 is defined and wraps like an integer.
 */
#define CAST_LOOP_TO_U8(SE, ST, SS)                                                     \
    static void cast_u8_##SS(char **data, const int64_t *strides, int64_t n, void *ctx) { \
        (void)ctx;                                                                      \
        char *d = data[0];                                                              \
        const char *s = data[1];                                                        \
        for (int64_t i = 0; i < n; i++, d += strides[0], s += strides[1])               \
            *(uint8_t *)d = (uint8_t)(int64_t)(*(const ST *)s);                         \
    }

#define DST_LOOPS(SE, ST, SS)                                                           \
    CAST_LOOP(CT_F32, float, f32, SE, ST, SS)                                           \
    CAST_LOOP(CT_F64, double, f64, SE, ST, SS)                                          \
    CAST_LOOP(CT_I32, int32_t, i32, SE, ST, SS)                                         \
    CAST_LOOP(CT_I64, int64_t, i64, SE, ST, SS)                                         \
    CAST_LOOP_TO_U8(SE, ST, SS)                                                         \
    CAST_LOOP_TO_BOOL(SE, ST, SS)
CT_FOR_EACH_DTYPE(DST_LOOPS)

static ct_iter_loop cast_loop(ct_dtype dst, ct_dtype src) {
#define SRC_CASE(SE, ST, SS)                                                            \
    case SE:                                                                            \
        switch (dst) {                                                                  \
        case CT_F32: return cast_f32_##SS;                                              \
        case CT_F64: return cast_f64_##SS;                                              \
        case CT_I32: return cast_i32_##SS;                                              \
        case CT_I64: return cast_i64_##SS;                                              \
        case CT_U8: return cast_u8_##SS;                                                \
        case CT_BOOL: return cast_b8_##SS;                                            \
        default: return NULL;                                                           \
        }
    switch (src) {
        CT_FOR_EACH_DTYPE(SRC_CASE)
    default: return NULL;
    }
#undef SRC_CASE
}

/*
 * Same-dtype copies move bytes: contiguous runs become memcpy, and a run
 * read from one element (an expanded source, as a sum's gradient is) a
 * fill the compiler vectorizes.
 */
#define MOVE_LOOP(SIZE, T)                                                              \
    static void move_##SIZE(char **data, const int64_t *strides, int64_t n, void *ctx) { \
        (void)ctx;                                                                      \
        if (strides[0] == SIZE && strides[1] == SIZE) {                                 \
            memcpy(data[0], data[1], (size_t)n * SIZE);                                 \
            return;                                                                     \
        }                                                                               \
        char *d = data[0];                                                              \
        const char *s = data[1];                                                        \
        if (strides[0] == SIZE && strides[1] == 0) {                                    \
            T v, *dt = (T *)(void *)d;                                                  \
            memcpy(&v, s, SIZE);                                                        \
            for (int64_t i = 0; i < n; i++) dt[i] = v;                                  \
            return;                                                                     \
        }                                                                               \
        for (int64_t i = 0; i < n; i++, d += strides[0], s += strides[1])               \
            memcpy(d, s, SIZE);                                                         \
    }
MOVE_LOOP(1, uint8_t)
MOVE_LOOP(4, uint32_t)
MOVE_LOOP(8, uint64_t)

int ct__copy_into(ct_tensor *dst, const ct_tensor *src, const char *fn) {
    int nout;
    int64_t out_shape[CT_MAX_DIMS];
    if (!ct__broadcast_shapes(dst->ndim, dst->shape, src->ndim, src->shape, &nout, out_shape, fn))
        return ct_last_error_code();
    if (nout != dst->ndim || ct__numel(nout, out_shape) != ct__numel(dst->ndim, dst->shape)) {
        char a[128], b[128];
        ct__error(CT_ERR_RUNTIME, fn, "output with shape %s doesn't match the broadcast shape %s",
                  ct__shape_str(dst->ndim, dst->shape, a, sizeof a),
                  ct__shape_str(nout, out_shape, b, sizeof b));
        return CT_ERR_RUNTIME;
    }
    if (!ct__check_same_device(dst, src, fn)) return CT_ERR_DEVICE;
    ct_iter it;
    ct_tensor *ops[2] = {dst, (ct_tensor *)src};
    ct__iter_init(&it, dst->ndim, dst->shape, 2, ops);
    ct_iter_loop loop;
    if (dst->dtype == src->dtype) {
        size_t es = ct_dtype_size(dst->dtype);
        loop = es == 1 ? move_1 : es == 4 ? move_4 : move_8;
    } else {
        loop = cast_loop(dst->dtype, src->dtype);
    }
    ct__iter_run(&it, loop, NULL);
    return 0;
}

ct_tensor *ct__copy_(ct_tensor *dst, const ct_tensor *src) {
    CT_CHECK_ARG(dst, "ct_copy_", "self");
    CT_CHECK_ARG(src, "ct_copy_", "src");
    if (ct__copy_into(dst, src, "ct_copy_") != 0) return NULL;
    ct__bump_version(dst);
    return dst;
}

/* A fresh contiguous tensor with t's shape and the given dtype, holding t's values. */
static ct_tensor *copy_as(ct_tensor *t, ct_dtype dtype, const char *fn) {
    ct_tensor *out = ct__tensor_empty(t->ndim, t->shape, dtype, t->storage->device, fn);
    if (!out) return NULL;
    if (ct__copy_into(out, t, fn) != 0) {
        ct_free(out);
        return NULL;
    }
    return out;
}

ct_tensor *ct__to_dtype(ct_tensor *t, ct_dtype dtype) {
    CT_CHECK_ARG(t, "ct_to_dtype", "self");
    if (!ct__dtype_valid(dtype)) {
        ct__error(CT_ERR_TYPE, "ct_to_dtype", "invalid dtype %d", (int)dtype);
        return NULL;
    }
    if (t->dtype == dtype) return ct__tensor_view(t, t->ndim, t->shape, t->strides, t->offset, "ct_to_dtype");
    return copy_as(t, dtype, "ct_to_dtype");
}

ct_tensor *ct__clone(ct_tensor *t) {
    CT_CHECK_ARG(t, "ct_clone", "self");
    return copy_as(t, t->dtype, "ct_clone");
}

ct_tensor *ct__contiguous(ct_tensor *t) {
    CT_CHECK_ARG(t, "ct_contiguous", "self");
    if (ct__is_contiguous(t)) return ct__tensor_view(t, t->ndim, t->shape, t->strides, t->offset, "ct_contiguous");
    return copy_as(t, t->dtype, "ct_contiguous");
}

/* Fills with one element's bytes. */
static void fill_loop(char **data, const int64_t *strides, int64_t n, void *ctx) {
    const ct_tensor *pattern = ctx;
    size_t es = ct_dtype_size(pattern->dtype);
    const void *v = ct__data(pattern);
    char *d = data[0];
    if (es == 4) {
        uint32_t x;
        memcpy(&x, v, 4);
        if (strides[0] == 4) {
            uint32_t *p = (uint32_t *)(void *)d;
            for (int64_t i = 0; i < n; i++) p[i] = x;
            return;
        }
    }
    for (int64_t i = 0; i < n; i++, d += strides[0]) memcpy(d, v, es);
}

ct_tensor *ct__fill_(ct_tensor *dst, double value) {
    CT_CHECK_ARG(dst, "ct_fill_", "self");
    if (!ct__check_value_fits(value, dst->dtype, "ct_fill_")) return NULL;
    /* The value in the destination dtype, as a one-element pattern. */
    union {
        double f64;
        int64_t i64;
        char bytes[8];
    } buf;
    ct__store_f64(&buf, dst->dtype, value);
    int64_t n = ct__numel(dst->ndim, dst->shape);
    if (n < CT_GRAIN_SIZE && ct__is_contiguous(dst)) {
        /* Small and contiguous: one run, zeros by memset. */
        size_t es = ct_dtype_size(dst->dtype);
        char *d = ct__data(dst);
        bool zero = true;
        for (size_t i = 0; i < es; i++) zero = zero && buf.bytes[i] == 0;
        if (zero) memset(d, 0, (size_t)n * es);
        else
            for (int64_t i = 0; i < n; i++) memcpy(d + (size_t)i * es, buf.bytes, es);
        ct__bump_version(dst);
        return dst;
    }
    /* A stack tensor is enough for the loop: only dtype and data are read. */
    ct_storage st = {0};
    st.data = &buf;
    ct_tensor pattern = {0};
    pattern.storage = &st;
    pattern.dtype = dst->dtype;
    ct_iter it;
    ct__iter_init(&it, dst->ndim, dst->shape, 1, &dst);
    ct__iter_run(&it, fill_loop, &pattern);
    ct__bump_version(dst);
    return dst;
}

ct_tensor *ct__zero_(ct_tensor *dst) { return ct__fill_(dst, 0.0); }

int ct_copy_to_buffer(const ct_tensor *t, void *out, ct_dtype dtype, size_t count) {
    const char *fn = "ct_copy_to_buffer";
    CT_CHECK_ARG_RET(t, fn, "self", CT_ERR_NULL);
    CT_CHECK_ARG_RET(out, fn, "out", CT_ERR_NULL);
    if (!ct__dtype_valid(dtype)) {
        ct__error(CT_ERR_TYPE, fn, "invalid dtype %d", (int)dtype);
        return CT_ERR_TYPE;
    }
    int64_t n = ct__numel(t->ndim, t->shape);
    if ((uint64_t)n > count) {
        ct__error(CT_ERR_VALUE, fn, "buffer holds %zu elements but the tensor has %lld", count,
                  (long long)n);
        return CT_ERR_VALUE;
    }
    int64_t strides[CT_MAX_DIMS];
    ct__contiguous_strides(t->ndim, t->shape, strides);
    /* A tensor over the caller's buffer (not registered with any scope). */
    ct_storage st = {0};
    st.data = out;
    st.device = t->storage->device;
    ct_tensor dst = {0};
    dst.storage = &st;
    dst.dtype = dtype;
    dst.ndim = t->ndim;
    memcpy(dst.shape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
    memcpy(dst.strides, strides, sizeof(int64_t) * (size_t)t->ndim);
    return ct__copy_into(&dst, t, fn);
}
