/*
 * src/kernels/ternary.c - elementwise loops with three inputs: where, lerp and
 * clamp with tensor bounds. Operand 0 is the output; strides are in bytes.
 */
#include <math.h>

#include "pointwise.h"

/* out, x (type TX), y, z (type T): a contiguous fast path, then the strided one. */
#define LOOP3(NAME, TX, T, OP)                                                          \
    static void NAME(char **d, const int64_t *s, int64_t n, void *ctx) {                \
        (void)ctx;                                                                      \
        if (s[0] == sizeof(T) && s[1] == sizeof(TX) && s[2] == sizeof(T) &&             \
            s[3] == sizeof(T)) {                                                        \
            T *restrict o = (T *)(void *)d[0];                                          \
            const TX *restrict x = (const TX *)(void *)d[1];                            \
            const T *restrict y = (const T *)(void *)d[2];                              \
            const T *restrict z = (const T *)(void *)d[3];                              \
            for (int64_t i = 0; i < n; i++) o[i] = OP(x[i], y[i], z[i]);                \
        } else {                                                                        \
            char *o = d[0];                                                             \
            const char *x = d[1], *y = d[2], *z = d[3];                                 \
            for (int64_t i = 0; i < n; i++, o += s[0], x += s[1], y += s[2], z += s[3]) \
                *(T *)(void *)o = OP(*(const TX *)(const void *)x,                      \
                                     *(const T *)(const void *)y,                       \
                                     *(const T *)(const void *)z);                      \
        }                                                                               \
    }

/* The condition is bool or (deprecated) uint8: any non-zero byte selects a. */
#define WHERE_OPS(T, S)                                                                 \
    static inline T S##_where(uint8_t c, T a, T b) { return c ? a : b; }                \
    LOOP3(S##_where_loop, uint8_t, T, S##_where)

/*
 * PyTorch's lerp: one fused multiply-add from whichever end is nearer, so
 * weight 0 gives start and weight 1 gives end exactly.
 *   weight < 0.5:  start + weight * (end - start)
 *   otherwise:     end - (end - start) * (1 - weight)
 * Clamp: a NaN anywhere gives NaN (PyTorch's clamp with tensor bounds).
 */
#define FLOAT_OPS(T, S, FM)                                                             \
    static inline T S##_lerp(T start, T end, T w) {                                     \
        return w < (T)0.5 ? fma##FM(w, end - start, start)                              \
                          : fma##FM(w - (T)1, end - start, end);                        \
    }                                                                                   \
    static inline T S##_clamp(T x, T lo, T hi) {                                        \
        if (x != x || lo != lo || hi != hi) return (T)NAN;                              \
        T r = x < lo ? lo : x;                                                          \
        return hi < r ? hi : r;                                                         \
    }                                                                                   \
    LOOP3(S##_lerp_loop, T, T, S##_lerp)                                                \
    LOOP3(S##_clamp_loop, T, T, S##_clamp)                                              \
    WHERE_OPS(T, S)

#define INT_OPS(T, S)                                                                   \
    static inline T S##_clamp(T x, T lo, T hi) {                                        \
        T r = x < lo ? lo : x;                                                          \
        return hi < r ? hi : r;                                                         \
    }                                                                                   \
    LOOP3(S##_clamp_loop, T, T, S##_clamp)                                              \
    WHERE_OPS(T, S)

FLOAT_OPS(float, f32, f)
FLOAT_OPS(double, f64, )
INT_OPS(int32_t, i32)
INT_OPS(int64_t, i64)
INT_OPS(uint8_t, u8)
WHERE_OPS(bool, b8)

static const ct_iter_loop table[CT_NUM_DTYPES][CT_TOP_COUNT] = {
    [CT_F32] = {[CT_TOP_WHERE] = f32_where_loop, [CT_TOP_LERP] = f32_lerp_loop,
                [CT_TOP_CLAMP] = f32_clamp_loop},
    [CT_F64] = {[CT_TOP_WHERE] = f64_where_loop, [CT_TOP_LERP] = f64_lerp_loop,
                [CT_TOP_CLAMP] = f64_clamp_loop},
    [CT_I32] = {[CT_TOP_WHERE] = i32_where_loop, [CT_TOP_CLAMP] = i32_clamp_loop},
    [CT_I64] = {[CT_TOP_WHERE] = i64_where_loop, [CT_TOP_CLAMP] = i64_clamp_loop},
    [CT_U8] = {[CT_TOP_WHERE] = u8_where_loop, [CT_TOP_CLAMP] = u8_clamp_loop},
    [CT_BOOL] = {[CT_TOP_WHERE] = b8_where_loop},
};

ct_iter_loop ct__ternary_loop(ct_ternary_op op, ct_dtype dtype) {
    if (!ct__dtype_valid(dtype) || op < 0 || op >= CT_TOP_COUNT) return NULL;
    return table[dtype][op];
}
