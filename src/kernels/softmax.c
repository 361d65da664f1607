/*
 * src/kernels/softmax.c - softmax and log_softmax along the middle dim of a
 * contiguous (outer, n, inner) block, forward and backward. Each of the
 * outer * inner lines is independent; lines run in parallel above the grain
 * size. Sums accumulate in double.
 */
#include <math.h>

#include "activation.h"

#define SOFTMAX_LOOPS(T, FM)                                                            \
    /* x, y: one line of n elements, `st` apart. */                                     \
    static void fwd_line_##T(bool is_log, const T *x, T *y, int64_t n, int64_t st) {       \
        T mx = -INFINITY;                                                               \
        for (int64_t k = 0; k < n; k++) {                                               \
            T v = x[k * st];                                                            \
            if (v > mx || v != v) mx = v;                                               \
            if (mx != mx) break;                                                        \
        }                                                                               \
        if (mx == -INFINITY) mx = 0; /* all -inf: exp gives 0, as PyTorch (NaN out) */  \
        double sum = 0;                                                                 \
        if (is_log) {                                                                      \
            for (int64_t k = 0; k < n; k++) sum += (double)exp##FM(x[k * st] - mx);     \
            T lse = (T)log(sum);                                                        \
            for (int64_t k = 0; k < n; k++) y[k * st] = x[k * st] - mx - lse;           \
        } else {                                                                        \
            for (int64_t k = 0; k < n; k++) {                                           \
                T e = exp##FM(x[k * st] - mx);                                          \
                y[k * st] = e;                                                          \
                sum += (double)e;                                                       \
            }                                                                           \
            T inv = (T)(1.0 / sum);                                                     \
            for (int64_t k = 0; k < n; k++) y[k * st] *= inv;                           \
        }                                                                               \
    }                                                                                   \
    static void bwd_line_##T(bool is_log, const T *g, const T *y, T *gi, int64_t n,        \
                             int64_t st) {                                              \
        double sum = 0;                                                                 \
        if (is_log) {                                                                      \
            for (int64_t k = 0; k < n; k++) sum += (double)g[k * st];                   \
            T s = (T)sum;                                                               \
            for (int64_t k = 0; k < n; k++)                                             \
                gi[k * st] = g[k * st] - exp##FM(y[k * st]) * s;                        \
        } else {                                                                        \
            for (int64_t k = 0; k < n; k++) sum += (double)g[k * st] * (double)y[k * st]; \
            T s = (T)sum;                                                               \
            for (int64_t k = 0; k < n; k++) gi[k * st] = y[k * st] * (g[k * st] - s);   \
        }                                                                               \
    }                                                                                   \
    static void fwd_##T(bool is_log, const T *x, T *y, int64_t outer, int64_t n,           \
                        int64_t inner) {                                                \
        int64_t lines = outer * inner;                                                  \
        CT_KOMP(parallel for if (lines * n > CT_GRAIN_SIZE && lines > 1))          \
        for (int64_t l = 0; l < lines; l++) {                                           \
            int64_t o = l / inner, i = l % inner, base = o * n * inner + i;             \
            fwd_line_##T(is_log, x + base, y + base, n, inner);                            \
        }                                                                               \
    }                                                                                   \
    static void bwd_##T(bool is_log, const T *g, const T *y, T *gi, int64_t outer,         \
                        int64_t n, int64_t inner) {                                     \
        int64_t lines = outer * inner;                                                  \
        CT_KOMP(parallel for if (lines * n > CT_GRAIN_SIZE && lines > 1))          \
        for (int64_t l = 0; l < lines; l++) {                                           \
            int64_t o = l / inner, i = l % inner, base = o * n * inner + i;             \
            bwd_line_##T(is_log, g + base, y + base, gi + base, n, inner);                 \
        }                                                                               \
    }

SOFTMAX_LOOPS(float, f)
SOFTMAX_LOOPS(double, )

void ct__softmax_forward(ct_dtype dtype, bool is_log, const void *x, void *y, int64_t outer,
                         int64_t n, int64_t inner) {
    if (dtype == CT_F32) fwd_float(is_log, x, y, outer, n, inner);
    else fwd_double(is_log, x, y, outer, n, inner);
}

void ct__softmax_backward(ct_dtype dtype, bool is_log, const void *g, const void *y, void *gi,
                          int64_t outer, int64_t n, int64_t inner) {
    if (dtype == CT_F32) bwd_float(is_log, g, y, gi, outer, n, inner);
    else bwd_double(is_log, g, y, gi, outer, n, inner);
}
