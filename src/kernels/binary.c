/*
 * src/kernels/binary.c - elementwise binary loops for every (op, dtype).
 *
 * Each op is a small inline function of two elements; LOOP turns it into an
 * inner loop with fast paths for contiguous operands and for a broadcast
 * (stride-0) operand, which the compiler vectorizes; a contiguous output of
 * CT_STREAM_MIN_BYTES or more is written with streaming stores (stream.h)
 * when the caller asks (ct_binary_ctx.stream). Integer arithmetic wraps
 * like PyTorch's (computed in uint64_t, so there is no signed overflow).
 */
#include <math.h>

#include "pointwise.h"
#include "simd.h"
#include "stream.h"

/* A sign test that stays quiet for unsigned types inside the generic macros. */
static inline bool is_neg(int64_t v) { return v < 0; }

#define LOOP_WITH(ATTR, NAME, T, OUT_T, OP)                                             \
    ATTR static void NAME(char **d, const int64_t *s, int64_t n, void *vctx) {          \
        ct_binary_ctx *ctx = vctx;                                                      \
        (void)ctx;                                                                      \
        if (s[0] == sizeof(OUT_T) && s[1] == sizeof(T) && s[2] == sizeof(T)) {          \
            OUT_T *restrict o = (OUT_T *)(void *)d[0];                                  \
            const T *restrict a = (const T *)(void *)d[1];                              \
            const T *restrict b = (const T *)(void *)d[2];                              \
            if (ctx->stream) { /* a big output: tiles on the stack, streamed out */     \
                enum { TILE = CT_STREAM_TILE_BYTES / sizeof(OUT_T) };                   \
                OUT_T tile[TILE];                                                       \
                for (int64_t i0 = 0; i0 < n; i0 += TILE) {                              \
                    int64_t m = n - i0 < TILE ? n - i0 : TILE;                          \
                    for (int64_t i = 0; i < m; i++) tile[i] = OP(a[i0 + i], b[i0 + i], ctx); \
                    ct__stream_copy(o + i0, tile, (size_t)m * sizeof(OUT_T));           \
                }                                                                       \
                ct__stream_fence();                                                     \
            } else {                                                                    \
                for (int64_t i = 0; i < n; i++) o[i] = OP(a[i], b[i], ctx);             \
            }                                                                           \
        } else if (s[0] == sizeof(OUT_T) && s[1] == sizeof(T) && s[2] == 0) {           \
            OUT_T *restrict o = (OUT_T *)(void *)d[0];                                  \
            const T *restrict a = (const T *)(void *)d[1];                              \
            const T y = *(const T *)(void *)d[2];                                       \
            for (int64_t i = 0; i < n; i++) o[i] = OP(a[i], y, ctx);                    \
        } else if (s[0] == sizeof(OUT_T) && s[1] == 0 && s[2] == sizeof(T)) {           \
            OUT_T *restrict o = (OUT_T *)(void *)d[0];                                  \
            const T x = *(const T *)(void *)d[1];                                       \
            const T *restrict b = (const T *)(void *)d[2];                              \
            for (int64_t i = 0; i < n; i++) o[i] = OP(x, b[i], ctx);                    \
        } else {                                                                        \
            char *o = d[0];                                                             \
            const char *a = d[1], *b = d[2];                                            \
            for (int64_t i = 0; i < n; i++, o += s[0], a += s[1], b += s[2])            \
                *(OUT_T *)(void *)o = OP(*(const T *)(const void *)a,                   \
                                         *(const T *)(const void *)b, ctx);             \
        }                                                                               \
    }

#define LOOP(NAME, T, OUT_T, OP) LOOP_WITH(, NAME, T, OUT_T, OP)
/* The float arithmetic every model runs, compiled per instruction set (simd.h). */
#define FAST_LOOP(NAME, T, OUT_T, OP) LOOP_WITH(CT_KERNEL_CLONES, NAME, T, OUT_T, OP)

/* ------------------------------------------------------ element operations */

/* Comparisons and logic: the same for every dtype. */
#define CMP_OPS(T, S)                                                                   \
    static inline bool S##_eq(T x, T y, ct_binary_ctx *c) { (void)c; return x == y; }   \
    static inline bool S##_ne(T x, T y, ct_binary_ctx *c) { (void)c; return x != y; }   \
    static inline bool S##_lt(T x, T y, ct_binary_ctx *c) { (void)c; return x < y; }    \
    static inline bool S##_le(T x, T y, ct_binary_ctx *c) { (void)c; return x <= y; }   \
    static inline bool S##_gt(T x, T y, ct_binary_ctx *c) { (void)c; return x > y; }    \
    static inline bool S##_ge(T x, T y, ct_binary_ctx *c) { (void)c; return x >= y; }   \
    static inline bool S##_land(T x, T y, ct_binary_ctx *c) { (void)c; return x && y; } \
    static inline bool S##_lor(T x, T y, ct_binary_ctx *c) { (void)c; return x || y; }  \
    static inline bool S##_lxor(T x, T y, ct_binary_ctx *c) { (void)c; return !x != !y; } \
    LOOP(S##_eq_loop, T, bool, S##_eq)                                                  \
    LOOP(S##_ne_loop, T, bool, S##_ne)                                                  \
    LOOP(S##_lt_loop, T, bool, S##_lt)                                                  \
    LOOP(S##_le_loop, T, bool, S##_le)                                                  \
    LOOP(S##_gt_loop, T, bool, S##_gt)                                                  \
    LOOP(S##_ge_loop, T, bool, S##_ge)                                                  \
    LOOP(S##_land_loop, T, bool, S##_land)                                              \
    LOOP(S##_lor_loop, T, bool, S##_lor)                                                \
    LOOP(S##_lxor_loop, T, bool, S##_lxor)

/* Floating point: FM is the math-function suffix (f for float, none for double). */
#define FLOAT_OPS(T, S, FM)                                                             \
    static inline T S##_add(T x, T y, ct_binary_ctx *c) { (void)c; return x + y; }      \
    static inline T S##_sub(T x, T y, ct_binary_ctx *c) { (void)c; return x - y; }      \
    static inline T S##_mul(T x, T y, ct_binary_ctx *c) { (void)c; return x * y; }      \
    static inline T S##_div(T x, T y, ct_binary_ctx *c) { (void)c; return x / y; }      \
    static inline T S##_add_alpha(T x, T y, ct_binary_ctx *c) { return x + (T)c->alpha_f * y; } \
    static inline T S##_sub_alpha(T x, T y, ct_binary_ctx *c) { return x - (T)c->alpha_f * y; } \
    static inline T S##_div_trunc(T x, T y, ct_binary_ctx *c) { (void)c; return trunc##FM(x / y); } \
    static inline T S##_div_floor(T x, T y, ct_binary_ctx *c) {                         \
        (void)c;                                                                        \
        if (y == 0) return x / y;                                                       \
        T mod = fmod##FM(x, y), div = (x - mod) / y;                                    \
        if (mod != 0 && (y < 0) != (mod < 0)) div -= 1;                                 \
        if (div == 0) return copysign##FM(0, x / y);                                    \
        T fl = floor##FM(div);                                                          \
        return div - fl > (T)0.5 ? fl + 1 : fl;                                         \
    }                                                                                   \
    static inline T S##_remainder(T x, T y, ct_binary_ctx *c) {                         \
        (void)c;                                                                        \
        T m = fmod##FM(x, y);                                                           \
        return (m != 0 && (y < 0) != (m < 0)) ? m + y : m;                              \
    }                                                                                   \
    static inline T S##_fmod(T x, T y, ct_binary_ctx *c) { (void)c; return fmod##FM(x, y); } \
    static inline T S##_pow(T x, T y, ct_binary_ctx *c) { (void)c; return pow##FM(x, y); } \
    static inline T S##_maximum(T x, T y, ct_binary_ctx *c) {                           \
        (void)c;                                                                        \
        return x != x ? x : y != y ? y : x > y ? x : y;                                 \
    }                                                                                   \
    static inline T S##_minimum(T x, T y, ct_binary_ctx *c) {                           \
        (void)c;                                                                        \
        return x != x ? x : y != y ? y : x < y ? x : y;                                 \
    }                                                                                   \
    /*                                                                                  \
     * torch.isclose in the floating dtype: a == b, or both NaN when asked, or a finite \
     * |a - b| <= atol + |rtol * b|, each step rounded to T as PyTorch's tensor ops do. \
     */                                                                                 \
    static inline bool S##_isclose(T x, T y, ct_binary_ctx *c) {                       \
        if (x == y) return true;                                                        \
        if (c->equal_nan && x != x && y != y) return true;                              \
        T allowed = (T)c->atol + fabs##FM((T)c->rtol * y);                              \
        T actual = fabs##FM(x - y);                                                     \
        return actual - actual == 0 && actual <= allowed;                               \
    }                                                                                   \
    LOOP(S##_isclose_loop, T, bool, S##_isclose)                                        \
    FAST_LOOP(S##_add_loop, T, T, S##_add)                                              \
    FAST_LOOP(S##_sub_loop, T, T, S##_sub)                                              \
    FAST_LOOP(S##_mul_loop, T, T, S##_mul)                                              \
    FAST_LOOP(S##_div_loop, T, T, S##_div)                                              \
    FAST_LOOP(S##_add_alpha_loop, T, T, S##_add_alpha)                                  \
    FAST_LOOP(S##_sub_alpha_loop, T, T, S##_sub_alpha)                                  \
    LOOP(S##_div_trunc_loop, T, T, S##_div_trunc)                                       \
    LOOP(S##_div_floor_loop, T, T, S##_div_floor)                                       \
    LOOP(S##_remainder_loop, T, T, S##_remainder)                                       \
    LOOP(S##_fmod_loop, T, T, S##_fmod)                                                 \
    LOOP(S##_pow_loop, T, T, S##_pow)                                                   \
    FAST_LOOP(S##_maximum_loop, T, T, S##_maximum)                                      \
    FAST_LOOP(S##_minimum_loop, T, T, S##_minimum)                                      \
    CMP_OPS(T, S)

/* Integers wrap on overflow like PyTorch's (two's complement), computed unsigned. */
#define W(T, expr) ((T)(uint64_t)(expr))
#define INT_OPS(T, S)                                                                   \
    static inline T S##_add(T x, T y, ct_binary_ctx *c) { (void)c; return W(T, (uint64_t)x + (uint64_t)y); } \
    static inline T S##_sub(T x, T y, ct_binary_ctx *c) { (void)c; return W(T, (uint64_t)x - (uint64_t)y); } \
    static inline T S##_mul(T x, T y, ct_binary_ctx *c) { (void)c; return W(T, (uint64_t)x * (uint64_t)y); } \
    static inline T S##_add_alpha(T x, T y, ct_binary_ctx *c) {                         \
        return W(T, (uint64_t)x + (uint64_t)c->alpha_i * (uint64_t)y);                  \
    }                                                                                   \
    static inline T S##_sub_alpha(T x, T y, ct_binary_ctx *c) {                         \
        return W(T, (uint64_t)x - (uint64_t)c->alpha_i * (uint64_t)y);                  \
    }                                                                                   \
    /* Division by zero is reported by the caller (PyTorch raises ZeroDivisionError). */ \
    static inline T S##_div_trunc(T x, T y, ct_binary_ctx *c) {                         \
        if (y == 0) { atomic_store_explicit(&c->div_zero, 1, memory_order_relaxed); return 0; } \
        if ((int64_t)(T)-1 < 0 && y == (T)-1) return W(T, 0 - (uint64_t)x); /* MIN / -1 wraps */  \
        return x / y;                                                                   \
    }                                                                                   \
    static inline T S##_div_floor(T x, T y, ct_binary_ctx *c) {                         \
        if (y == 0) { atomic_store_explicit(&c->div_zero, 1, memory_order_relaxed); return 0; } \
        if ((int64_t)(T)-1 < 0 && y == (T)-1) return W(T, 0 - (uint64_t)x);                      \
        T q = x / y;                                                                    \
        if (x % y != 0 && is_neg((int64_t)x) != is_neg((int64_t)y)) q--;                                      \
        return q;                                                                       \
    }                                                                                   \
    static inline T S##_remainder(T x, T y, ct_binary_ctx *c) {                         \
        if (y == 0) { atomic_store_explicit(&c->div_zero, 1, memory_order_relaxed); return 0; } \
        if ((int64_t)(T)-1 < 0 && y == (T)-1) return 0;                                          \
        T m = x % y;                                                                    \
        return (m != 0 && is_neg((int64_t)y) != is_neg((int64_t)m)) ? (T)(m + y) : m;                         \
    }                                                                                   \
    static inline T S##_fmod(T x, T y, ct_binary_ctx *c) {                              \
        if (y == 0) { atomic_store_explicit(&c->div_zero, 1, memory_order_relaxed); return 0; } \
        if ((int64_t)(T)-1 < 0 && y == (T)-1) return 0;                                          \
        return x % y;                                                                   \
    }                                                                                   \
    /* PyTorch's integer pow: by squaring; negative exponents give 0 except for +-1. */ \
    static inline T S##_pow(T x, T y, ct_binary_ctx *c) {                               \
        (void)c;                                                                        \
        if (is_neg((int64_t)y)) {                                                       \
            if (x == 1) return 1;                                                       \
            if ((int64_t)(T)-1 < 0 && x == (T)-1) return (y & 1) ? (T)-1 : 1;                    \
            return 0;                                                                   \
        }                                                                               \
        uint64_t r = 1, b = (uint64_t)x;                                                \
        for (uint64_t e = (uint64_t)y; e; e >>= 1) {                                    \
            if (e & 1) r *= b;                                                          \
            b *= b;                                                                     \
        }                                                                               \
        return W(T, r);                                                                 \
    }                                                                                   \
    static inline T S##_maximum(T x, T y, ct_binary_ctx *c) { (void)c; return x > y ? x : y; } \
    static inline T S##_minimum(T x, T y, ct_binary_ctx *c) { (void)c; return x < y ? x : y; } \
    LOOP(S##_add_loop, T, T, S##_add)                                                   \
    LOOP(S##_sub_loop, T, T, S##_sub)                                                   \
    LOOP(S##_mul_loop, T, T, S##_mul)                                                   \
    LOOP(S##_add_alpha_loop, T, T, S##_add_alpha)                                       \
    LOOP(S##_sub_alpha_loop, T, T, S##_sub_alpha)                                       \
    LOOP(S##_div_trunc_loop, T, T, S##_div_trunc)                                       \
    LOOP(S##_div_floor_loop, T, T, S##_div_floor)                                       \
    LOOP(S##_remainder_loop, T, T, S##_remainder)                                       \
    LOOP(S##_fmod_loop, T, T, S##_fmod)                                                 \
    LOOP(S##_pow_loop, T, T, S##_pow)                                                   \
    LOOP(S##_maximum_loop, T, T, S##_maximum)                                           \
    LOOP(S##_minimum_loop, T, T, S##_minimum)                                           \
    CMP_OPS(T, S)

/* bool: add is or, mul is and (PyTorch's rules); max/min likewise. */
static inline bool b8_add(bool x, bool y, ct_binary_ctx *c) { (void)c; return x || y; }
static inline bool b8_mul(bool x, bool y, ct_binary_ctx *c) { (void)c; return x && y; }
LOOP(b8_add_loop, bool, bool, b8_add)
LOOP(b8_mul_loop, bool, bool, b8_mul)
CMP_OPS(bool, b8)

FLOAT_OPS(float, f32, f)
FLOAT_OPS(double, f64, )
INT_OPS(int32_t, i32)
INT_OPS(int64_t, i64)
INT_OPS(uint8_t, u8)

/* ------------------------------------------------------------ dispatch table */

#define CMP_ENTRIES(S)                                                                  \
    [CT_BOP_EQ] = S##_eq_loop, [CT_BOP_NE] = S##_ne_loop, [CT_BOP_LT] = S##_lt_loop,    \
    [CT_BOP_LE] = S##_le_loop, [CT_BOP_GT] = S##_gt_loop, [CT_BOP_GE] = S##_ge_loop,    \
    [CT_BOP_LOGICAL_AND] = S##_land_loop, [CT_BOP_LOGICAL_OR] = S##_lor_loop,           \
    [CT_BOP_LOGICAL_XOR] = S##_lxor_loop
#define ARITH_ENTRIES(S)                                                                \
    [CT_BOP_ADD] = S##_add_loop, [CT_BOP_SUB] = S##_sub_loop, [CT_BOP_MUL] = S##_mul_loop, \
    [CT_BOP_ADD_ALPHA] = S##_add_alpha_loop, [CT_BOP_SUB_ALPHA] = S##_sub_alpha_loop,   \
    [CT_BOP_DIV_TRUNC] = S##_div_trunc_loop, [CT_BOP_DIV_FLOOR] = S##_div_floor_loop,   \
    [CT_BOP_REMAINDER] = S##_remainder_loop, [CT_BOP_FMOD] = S##_fmod_loop,             \
    [CT_BOP_POW] = S##_pow_loop, [CT_BOP_MAXIMUM] = S##_maximum_loop,                   \
    [CT_BOP_MINIMUM] = S##_minimum_loop

static const ct_iter_loop table[CT_NUM_DTYPES][CT_BOP_COUNT] = {
    [CT_F32] = {ARITH_ENTRIES(f32), [CT_BOP_DIV] = f32_div_loop, CMP_ENTRIES(f32),
                [CT_BOP_ISCLOSE] = f32_isclose_loop},
    [CT_F64] = {ARITH_ENTRIES(f64), [CT_BOP_DIV] = f64_div_loop, CMP_ENTRIES(f64),
                [CT_BOP_ISCLOSE] = f64_isclose_loop},
    [CT_I32] = {ARITH_ENTRIES(i32), CMP_ENTRIES(i32)},
    [CT_I64] = {ARITH_ENTRIES(i64), CMP_ENTRIES(i64)},
    [CT_U8] = {ARITH_ENTRIES(u8), CMP_ENTRIES(u8)},
    [CT_BOOL] = {[CT_BOP_ADD] = b8_add_loop, [CT_BOP_MUL] = b8_mul_loop,
                 [CT_BOP_MAXIMUM] = b8_add_loop, [CT_BOP_MINIMUM] = b8_mul_loop,
                 CMP_ENTRIES(b8)},
};

ct_iter_loop ct__binary_loop(ct_binary_op op, ct_dtype dtype) {
    if (!ct__dtype_valid(dtype) || op < 0 || op >= CT_BOP_COUNT) return NULL;
    return table[dtype][op];
}
