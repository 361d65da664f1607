/*
 * src/kernels/activation.c - elementwise activation loops: forward and fused
 * backward (grad_out * f'(x) in one pass), in float and double, following the
 * formulas of PyTorch 1.13's CPU kernels (Activation.cpp).
 */
#include <math.h>

#include "activation.h"
#include "simd.h"

#define SQRT1_2 0.70710678118654752440  /* 1 / sqrt(2) */
#define INV_SQRT_2PI 0.39894228040143267794 /* 1 / sqrt(2 pi) */
#define SQRT_2_PI 0.79788456080286535588 /* sqrt(2 / pi) */
#define GELU_KAPPA 0.044715

/* The forward of one element; FM is the libm suffix (f or empty). */
#define ACT_FORWARD(T, FM)                                                              \
    static inline T act_fwd_##T(ct_act_kind k, T x, T a, T b) {                         \
        switch (k) {                                                                    \
        case CT_ACT_LEAKY_RELU: return x > 0 ? x : x * a;                               \
        case CT_ACT_ELU: return x > 0 ? x : expm1##FM(x) * a;                           \
        case CT_ACT_GELU: return x * (T)0.5 * ((T)1 + erf##FM(x * (T)SQRT1_2));         \
        case CT_ACT_GELU_TANH: {                                                        \
            T inner = (T)SQRT_2_PI * (x + (T)GELU_KAPPA * x * x * x);                   \
            return (T)0.5 * x * ((T)1 + tanh##FM(inner));                               \
        }                                                                               \
        case CT_ACT_SILU: return x / ((T)1 + exp##FM(-x));                              \
        case CT_ACT_SOFTPLUS:                                                           \
            return x * a > b ? x : log1p##FM(exp##FM(x * a)) / a;                       \
        case CT_ACT_HARDTANH: return x != x ? x : (x < a ? a : (x > b ? b : x));        \
        case CT_ACT_NORMAL_CDF: return (T)0.5 * ((T)1 + erf##FM(x * (T)SQRT1_2));       \
        default: return x;                                                              \
        }                                                                               \
    }

/* f'(x) times g; v is x, or the forward's result when from_result. */
#define ACT_BACKWARD(T, FM)                                                             \
    static inline T act_bwd_##T(ct_act_kind k, bool res, T g, T v, T a, T b) {          \
        switch (k) {                                                                    \
        case CT_ACT_LEAKY_RELU: return v > 0 ? g : g * a;                               \
        case CT_ACT_ELU:                                                                \
            if (v > 0) return g;                                                        \
            return res ? g * (v + a) : g * a * exp##FM(v);                              \
        case CT_ACT_GELU: {                                                             \
            T cdf = (T)0.5 * ((T)1 + erf##FM(v * (T)SQRT1_2));                          \
            T pdf = exp##FM((T)-0.5 * v * v) * (T)INV_SQRT_2PI;                         \
            return g * (cdf + v * pdf);                                                 \
        }                                                                               \
        case CT_ACT_GELU_TANH: {                                                        \
            T inner = (T)SQRT_2_PI * (v + (T)GELU_KAPPA * v * v * v);                   \
            T th = tanh##FM(inner);                                                     \
            T left_d = (T)0.5 * ((T)1 + th);                                            \
            T right_d = (T)0.5 * v * ((T)1 - th * th) * (T)SQRT_2_PI *                 \
                        ((T)1 + (T)(3 * GELU_KAPPA) * v * v);                           \
            return g * (left_d + right_d);                                              \
        }                                                                               \
        case CT_ACT_SILU: {                                                             \
            T s = (T)1 / ((T)1 + exp##FM(-v));                                          \
            return g * s * ((T)1 + v * ((T)1 - s));                                     \
        }                                                                               \
        case CT_ACT_SOFTPLUS: {                                                         \
            T z = exp##FM(v * a);                                                       \
            return v * a > b ? g : g * z / (z + (T)1);                                  \
        }                                                                               \
        case CT_ACT_HARDTANH: return (v <= a || v >= b) ? (T)0 : g;                     \
        case CT_ACT_NORMAL_CDF: return g * exp##FM((T)-0.5 * v * v) * (T)INV_SQRT_2PI;  \
        case CT_ACT_RELU: return v <= 0 ? (T)0 : g;                                     \
        default: return g;                                                              \
        }                                                                               \
    }

/*
 * ReLU's backward on contiguous data, its own loop: both loads first, then a
 * blend, compiled per instruction set (it runs on every hidden layer).
 */
#define RELU_BWD(T)                                                                     \
    CT_KERNEL_CLONES static void relu_bwd_##T(T *restrict o, const T *restrict g,       \
                                              const T *restrict v, int64_t n) {         \
        for (int64_t i = 0; i < n; i++) {                                               \
            T gi = g[i], vi = v[i];                                                     \
            o[i] = vi <= 0 ? (T)0 : gi;                                                 \
        }                                                                               \
    }

#define ACT_LOOPS(T, FM)                                                                \
    ACT_FORWARD(T, FM)                                                                  \
    ACT_BACKWARD(T, FM)                                                                 \
    RELU_BWD(T)                                                                         \
    static void fwd_loop_##T(char **d, const int64_t *s, int64_t n, void *vctx) {       \
        const ct_act_params *p = vctx;                                                  \
        ct_act_kind k = p->kind;                                                        \
        T a = (T)p->a, b = (T)p->b;                                                     \
        if (s[0] == sizeof(T) && s[1] == sizeof(T)) {                                   \
            T *restrict o = (T *)(void *)d[0];                                          \
            const T *restrict x = (const T *)(const void *)d[1];                        \
            for (int64_t i = 0; i < n; i++) o[i] = act_fwd_##T(k, x[i], a, b);          \
        } else {                                                                        \
            for (int64_t i = 0; i < n; i++)                                             \
                *(T *)(void *)(d[0] + i * s[0]) =                                       \
                    act_fwd_##T(k, *(const T *)(const void *)(d[1] + i * s[1]), a, b);  \
        }                                                                               \
    }                                                                                   \
    static void bwd_loop_##T(char **d, const int64_t *s, int64_t n, void *vctx) {       \
        const ct_act_params *p = vctx;                                                  \
        ct_act_kind k = p->kind;                                                        \
        bool res = p->from_result;                                                      \
        T a = (T)p->a, b = (T)p->b;                                                     \
        if (s[0] == sizeof(T) && s[1] == sizeof(T) && s[2] == sizeof(T)) {              \
            T *restrict o = (T *)(void *)d[0];                                          \
            const T *restrict g = (const T *)(const void *)d[1];                        \
            const T *restrict v = (const T *)(const void *)d[2];                        \
            if (k == CT_ACT_RELU)                                                       \
                relu_bwd_##T(o, g, v, n);                                               \
            else                                                                        \
                for (int64_t i = 0; i < n; i++) o[i] = act_bwd_##T(k, res, g[i], v[i], a, b); \
        } else {                                                                        \
            for (int64_t i = 0; i < n; i++)                                             \
                *(T *)(void *)(d[0] + i * s[0]) =                                       \
                    act_bwd_##T(k, res, *(const T *)(const void *)(d[1] + i * s[1]),    \
                                *(const T *)(const void *)(d[2] + i * s[2]), a, b);     \
        }                                                                               \
    }

ACT_LOOPS(float, f)
ACT_LOOPS(double, )

ct_iter_loop ct__act_forward_loop(ct_dtype dtype) {
    return dtype == CT_F32 ? fwd_loop_float : dtype == CT_F64 ? fwd_loop_double : NULL;
}

ct_iter_loop ct__act_backward_loop(ct_dtype dtype) {
    return dtype == CT_F32 ? bwd_loop_float : dtype == CT_F64 ? bwd_loop_double : NULL;
}
