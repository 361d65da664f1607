/*
 * src/kernels/unary.c - elementwise unary loops for every (op, dtype).
 * Floating ops use the C library's functions of the matching precision.
 */
#include <math.h>

#include "pointwise.h"
#include "simd.h"

#define LOOP_WITH(ATTR, NAME, T, OUT_T, OP)                                             \
    ATTR static void NAME(char **d, const int64_t *s, int64_t n, void *vctx) {          \
        const ct_unary_ctx *ctx = vctx;                                                 \
        (void)ctx;                                                                      \
        if (s[0] == sizeof(OUT_T) && s[1] == sizeof(T)) {                               \
            OUT_T *restrict o = (OUT_T *)(void *)d[0];                                  \
            const T *restrict a = (const T *)(void *)d[1];                              \
            for (int64_t i = 0; i < n; i++) o[i] = OP(a[i], ctx);                       \
        } else {                                                                        \
            char *o = d[0];                                                             \
            const char *a = d[1];                                                       \
            for (int64_t i = 0; i < n; i++, o += s[0], a += s[1])                       \
                *(OUT_T *)(void *)o = OP(*(const T *)(const void *)a, ctx);             \
        }                                                                               \
    }

#define LOOP(NAME, T, OUT_T, OP) LOOP_WITH(, NAME, T, OUT_T, OP)
/* The cheap float ops every model runs, compiled per instruction set (simd.h). */
#define FAST_LOOP(NAME, T, OUT_T, OP) LOOP_WITH(CT_KERNEL_CLONES, NAME, T, OUT_T, OP)

/* Predicates and clamp: shared by all numeric dtypes. */
#define COMMON_OPS(T, S)                                                                \
    static inline bool S##_isnan(T x, const ct_unary_ctx *c) { (void)c; return x != x; } \
    static inline bool S##_isinf(T x, const ct_unary_ctx *c) {                          \
        (void)c;                                                                        \
        return x == x && (double)x - (double)x != 0;                                    \
    }                                                                                   \
    static inline bool S##_isfinite(T x, const ct_unary_ctx *c) {                       \
        (void)c;                                                                        \
        return (double)x - (double)x == 0;                                              \
    }                                                                                   \
    static inline bool S##_lnot(T x, const ct_unary_ctx *c) { (void)c; return !x; }     \
    LOOP(S##_isnan_loop, T, bool, S##_isnan)                                            \
    LOOP(S##_isinf_loop, T, bool, S##_isinf)                                            \
    LOOP(S##_isfinite_loop, T, bool, S##_isfinite)                                      \
    LOOP(S##_lnot_loop, T, bool, S##_lnot)

#define FLOAT_OPS(T, S, FM)                                                             \
    static inline T S##_neg(T x, const ct_unary_ctx *c) { (void)c; return -x; }         \
    static inline T S##_abs(T x, const ct_unary_ctx *c) { (void)c; return fabs##FM(x); } \
    /* PyTorch: (0 < x) - (x < 0), so NaN and -0.0 give +0. */                       \
    static inline T S##_sign(T x, const ct_unary_ctx *c) {                              \
        (void)c;                                                                        \
        return (T)((0 < x) - (x < 0));                                                  \
    }                                                                                   \
    static inline T S##_sqrt(T x, const ct_unary_ctx *c) { (void)c; return sqrt##FM(x); } \
    static inline T S##_rsqrt(T x, const ct_unary_ctx *c) { (void)c; return 1 / sqrt##FM(x); } \
    static inline T S##_exp(T x, const ct_unary_ctx *c) { (void)c; return exp##FM(x); } \
    static inline T S##_exp2(T x, const ct_unary_ctx *c) { (void)c; return exp2##FM(x); } \
    static inline T S##_log(T x, const ct_unary_ctx *c) { (void)c; return log##FM(x); } \
    static inline T S##_log2(T x, const ct_unary_ctx *c) { (void)c; return log2##FM(x); } \
    static inline T S##_log10(T x, const ct_unary_ctx *c) { (void)c; return log10##FM(x); } \
    static inline T S##_log1p(T x, const ct_unary_ctx *c) { (void)c; return log1p##FM(x); } \
    static inline T S##_expm1(T x, const ct_unary_ctx *c) { (void)c; return expm1##FM(x); } \
    static inline T S##_sin(T x, const ct_unary_ctx *c) { (void)c; return sin##FM(x); } \
    static inline T S##_cos(T x, const ct_unary_ctx *c) { (void)c; return cos##FM(x); } \
    static inline T S##_tan(T x, const ct_unary_ctx *c) { (void)c; return tan##FM(x); } \
    static inline T S##_tanh(T x, const ct_unary_ctx *c) { (void)c; return tanh##FM(x); } \
    static inline T S##_sigmoid(T x, const ct_unary_ctx *c) { (void)c; return 1 / (1 + exp##FM(-x)); } \
    /* relu is clamp_min(0) in PyTorch: NaN stays NaN. */                               \
    static inline T S##_relu(T x, const ct_unary_ctx *c) { (void)c; return x < 0 ? 0 : x; } \
    static inline T S##_floor(T x, const ct_unary_ctx *c) { (void)c; return floor##FM(x); } \
    static inline T S##_ceil(T x, const ct_unary_ctx *c) { (void)c; return ceil##FM(x); } \
    static inline T S##_trunc(T x, const ct_unary_ctx *c) { (void)c; return trunc##FM(x); } \
    static inline T S##_frac(T x, const ct_unary_ctx *c) { (void)c; return x - trunc##FM(x); } \
    /* Half to even, like PyTorch (nearbyint in the default rounding mode). */          \
    static inline T S##_round(T x, const ct_unary_ctx *c) { (void)c; return nearbyint##FM(x); } \
    static inline T S##_reciprocal(T x, const ct_unary_ctx *c) { (void)c; return 1 / x; } \
    static inline T S##_square(T x, const ct_unary_ctx *c) { (void)c; return x * x; }   \
    /*                                                                                  \
     * PyTorch's clamp / clamp_min / clamp_max with numbers: min(max(x, lo), hi); a NaN \
     * x stays NaN and a NaN bound makes every element NaN.                            \
     */                                                                                 \
    static inline T S##_clamp(T x, const ct_unary_ctx *c) {                             \
        if ((c->has_lo && c->lo != c->lo) || (c->has_hi && c->hi != c->hi)) return (T)NAN; \
        T r = x;                                                                        \
        if (c->has_lo && r < (T)c->lo) r = (T)c->lo;                                    \
        if (c->has_hi && (T)c->hi < r) r = (T)c->hi;                                    \
        return r;                                                                       \
    }                                                                                   \
    static inline T S##_nan_to_num(T x, const ct_unary_ctx *c) {                        \
        if (x != x) return (T)c->nan;                                                   \
        if (x == (T)INFINITY) return (T)c->posinf;                                      \
        if (x == -(T)INFINITY) return (T)c->neginf;                                     \
        return x;                                                                       \
    }                                                                                   \
    FAST_LOOP(S##_neg_loop, T, T, S##_neg)                                              \
    FAST_LOOP(S##_abs_loop, T, T, S##_abs)                                              \
    LOOP(S##_sign_loop, T, T, S##_sign)                                                 \
    LOOP(S##_sqrt_loop, T, T, S##_sqrt)                                                 \
    LOOP(S##_rsqrt_loop, T, T, S##_rsqrt)                                               \
    LOOP(S##_exp_loop, T, T, S##_exp)                                                   \
    LOOP(S##_exp2_loop, T, T, S##_exp2)                                                 \
    LOOP(S##_log_loop, T, T, S##_log)                                                   \
    LOOP(S##_log2_loop, T, T, S##_log2)                                                 \
    LOOP(S##_log10_loop, T, T, S##_log10)                                               \
    LOOP(S##_log1p_loop, T, T, S##_log1p)                                               \
    LOOP(S##_expm1_loop, T, T, S##_expm1)                                               \
    LOOP(S##_sin_loop, T, T, S##_sin)                                                   \
    LOOP(S##_cos_loop, T, T, S##_cos)                                                   \
    LOOP(S##_tan_loop, T, T, S##_tan)                                                   \
    LOOP(S##_tanh_loop, T, T, S##_tanh)                                                 \
    LOOP(S##_sigmoid_loop, T, T, S##_sigmoid)                                           \
    FAST_LOOP(S##_relu_loop, T, T, S##_relu)                                            \
    LOOP(S##_floor_loop, T, T, S##_floor)                                               \
    LOOP(S##_ceil_loop, T, T, S##_ceil)                                                 \
    LOOP(S##_trunc_loop, T, T, S##_trunc)                                               \
    LOOP(S##_frac_loop, T, T, S##_frac)                                                 \
    LOOP(S##_round_loop, T, T, S##_round)                                               \
    LOOP(S##_reciprocal_loop, T, T, S##_reciprocal)                                     \
    LOOP(S##_square_loop, T, T, S##_square)                                             \
    LOOP(S##_clamp_loop, T, T, S##_clamp)                                               \
    LOOP(S##_nan_to_num_loop, T, T, S##_nan_to_num)                                     \
    COMMON_OPS(T, S)

static inline bool is_neg(int64_t v) { return v < 0; }
#define W(T, expr) ((T)(uint64_t)(expr))
#define INT_OPS(T, S)                                                                   \
    static inline T S##_neg(T x, const ct_unary_ctx *c) { (void)c; return W(T, 0 - (uint64_t)x); } \
    static inline T S##_abs(T x, const ct_unary_ctx *c) {                               \
        (void)c;                                                                        \
        return is_neg((int64_t)x) ? W(T, 0 - (uint64_t)x) : x;                          \
    }                                                                                   \
    static inline T S##_sign(T x, const ct_unary_ctx *c) {                              \
        (void)c;                                                                        \
        return (T)(is_neg((int64_t)x) ? -1 : x > 0 ? 1 : 0);                            \
    }                                                                                   \
    static inline T S##_relu(T x, const ct_unary_ctx *c) { (void)c; return is_neg((int64_t)x) ? 0 : x; } \
    static inline T S##_same(T x, const ct_unary_ctx *c) { (void)c; return x; }         \
    static inline T S##_square(T x, const ct_unary_ctx *c) { (void)c; return W(T, (uint64_t)x * (uint64_t)x); } \
    static inline T S##_clamp(T x, const ct_unary_ctx *c) {                             \
        /* Bounds compare as values of T, as in PyTorch (-1 is 255 for uint8). */      \
        T r = x;                                                                        \
        if (c->has_lo && r < W(T, c->lo_i)) r = W(T, c->lo_i);                          \
        if (c->has_hi && W(T, c->hi_i) < r) r = W(T, c->hi_i);                          \
        return r;                                                                       \
    }                                                                                   \
    LOOP(S##_neg_loop, T, T, S##_neg)                                                   \
    LOOP(S##_abs_loop, T, T, S##_abs)                                                   \
    LOOP(S##_sign_loop, T, T, S##_sign)                                                 \
    LOOP(S##_relu_loop, T, T, S##_relu)                                                 \
    LOOP(S##_same_loop, T, T, S##_same)                                                 \
    LOOP(S##_square_loop, T, T, S##_square)                                             \
    LOOP(S##_clamp_loop, T, T, S##_clamp)                                               \
    COMMON_OPS(T, S)

FLOAT_OPS(float, f32, f)
FLOAT_OPS(double, f64, )
INT_OPS(int32_t, i32)
INT_OPS(int64_t, i64)
INT_OPS(uint8_t, u8)
COMMON_OPS(bool, b8)
/* sign of a bool, or a bool without its NaNs, is the bool itself. */
static inline bool b8_same(bool x, const ct_unary_ctx *c) { (void)c; return x; }
LOOP(b8_same_loop, bool, bool, b8_same)

#define FLOAT_ENTRIES(S)                                                                \
    [CT_UOP_NEG] = S##_neg_loop, [CT_UOP_ABS] = S##_abs_loop, [CT_UOP_SIGN] = S##_sign_loop, \
    [CT_UOP_SQRT] = S##_sqrt_loop, [CT_UOP_RSQRT] = S##_rsqrt_loop,                     \
    [CT_UOP_EXP] = S##_exp_loop, [CT_UOP_EXP2] = S##_exp2_loop, [CT_UOP_LOG] = S##_log_loop, \
    [CT_UOP_LOG2] = S##_log2_loop, [CT_UOP_LOG10] = S##_log10_loop,                     \
    [CT_UOP_LOG1P] = S##_log1p_loop, [CT_UOP_EXPM1] = S##_expm1_loop,                   \
    [CT_UOP_SIN] = S##_sin_loop, [CT_UOP_COS] = S##_cos_loop, [CT_UOP_TAN] = S##_tan_loop, \
    [CT_UOP_TANH] = S##_tanh_loop, [CT_UOP_SIGMOID] = S##_sigmoid_loop,                 \
    [CT_UOP_RELU] = S##_relu_loop, [CT_UOP_FLOOR] = S##_floor_loop,                     \
    [CT_UOP_CEIL] = S##_ceil_loop, [CT_UOP_TRUNC] = S##_trunc_loop,                     \
    [CT_UOP_FRAC] = S##_frac_loop, [CT_UOP_ROUND] = S##_round_loop,                     \
    [CT_UOP_RECIPROCAL] = S##_reciprocal_loop, [CT_UOP_SQUARE] = S##_square_loop,       \
    [CT_UOP_CLAMP] = S##_clamp_loop, [CT_UOP_NAN_TO_NUM] = S##_nan_to_num_loop,         \
    COMMON_ENTRIES(S)
#define COMMON_ENTRIES(S)                                                               \
    [CT_UOP_ISNAN] = S##_isnan_loop, [CT_UOP_ISINF] = S##_isinf_loop,                   \
    [CT_UOP_ISFINITE] = S##_isfinite_loop, [CT_UOP_LOGICAL_NOT] = S##_lnot_loop
/* Rounding an integer, or replacing its NaNs, leaves it as it is. */
#define INT_ENTRIES(S)                                                                  \
    [CT_UOP_NEG] = S##_neg_loop, [CT_UOP_ABS] = S##_abs_loop, [CT_UOP_SIGN] = S##_sign_loop, \
    [CT_UOP_RELU] = S##_relu_loop, [CT_UOP_FLOOR] = S##_same_loop,                      \
    [CT_UOP_CEIL] = S##_same_loop, [CT_UOP_TRUNC] = S##_same_loop,                      \
    [CT_UOP_ROUND] = S##_same_loop, [CT_UOP_NAN_TO_NUM] = S##_same_loop,                \
    [CT_UOP_SQUARE] = S##_square_loop, [CT_UOP_CLAMP] = S##_clamp_loop, COMMON_ENTRIES(S)

static const ct_iter_loop table[CT_NUM_DTYPES][CT_UOP_COUNT] = {
    [CT_F32] = {FLOAT_ENTRIES(f32)}, [CT_F64] = {FLOAT_ENTRIES(f64)},
    [CT_I32] = {INT_ENTRIES(i32)},   [CT_I64] = {INT_ENTRIES(i64)},
    [CT_U8] = {INT_ENTRIES(u8)},
    [CT_BOOL] = {[CT_UOP_SIGN] = b8_same_loop, [CT_UOP_NAN_TO_NUM] = b8_same_loop,
                 COMMON_ENTRIES(b8)},
};

ct_iter_loop ct__unary_loop(ct_unary_op op, ct_dtype dtype) {
    if (!ct__dtype_valid(dtype) || op < 0 || op >= CT_UOP_COUNT) return NULL;
    return table[dtype][op];
}
