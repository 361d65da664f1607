/*
 * src/kernels/activation.h - elementwise activation loops (forward and fused
 * backward) and the softmax / log_softmax loops along one dim.
 */
#ifndef CT_KERNELS_ACTIVATION_H
#define CT_KERNELS_ACTIVATION_H

#include "../core/internal.h"

/* An OpenMP pragma usable inside macros; nothing when OpenMP is off. */
#ifdef _OPENMP
#define CT__KPRAGMA(x) _Pragma(#x)
#define CT_KOMP(...) CT__KPRAGMA(omp __VA_ARGS__)
#else
#define CT_KOMP(...)
#endif

typedef enum {
    CT_ACT_LEAKY_RELU, /* a = negative slope */
    CT_ACT_ELU,        /* a = alpha */
    CT_ACT_GELU,       /* exact (erf) */
    CT_ACT_GELU_TANH,  /* tanh approximation */
    CT_ACT_SILU,
    CT_ACT_SOFTPLUS,   /* a = beta, b = threshold */
    CT_ACT_HARDTANH,   /* a = min, b = max */
    CT_ACT_NORMAL_CDF, /* Phi(x) = 0.5 (1 + erf(x / sqrt 2)): a helper for gelu's double backward */
    CT_ACT_RELU,       /* backward only (threshold_backward): v is the result, g passes where v > 0 or NaN */
    CT_ACT_COUNT
} ct_act_kind;

typedef struct {
    ct_act_kind kind;
    double a, b;
    bool from_result; /* backward: operand 2 is the forward's result, not its input (in-place forms) */
} ct_act_params;

/* Forward loop for ct_iter: operands (out, x). ctx is a ct_act_params. NULL unless f32/f64. */
ct_iter_loop ct__act_forward_loop(ct_dtype dtype);
/* Fused backward loop: operands (grad_in, grad_out, x or result): grad_in = grad_out * f'(x). */
ct_iter_loop ct__act_backward_loop(ct_dtype dtype);

/*
 * Softmax along the middle dim of a contiguous (outer, n, inner) block.
 *   forward:  y = softmax(x) or log_softmax(x)
 *   backward: gi = y * (g - sum(g * y))       (softmax; y is the output)
 *             gi = g - exp(y) * sum(g)        (log_softmax)
 * All pointers are contiguous (outer, n, inner) arrays of dtype (f32/f64).
 */
void ct__softmax_forward(ct_dtype dtype, bool log, const void *x, void *y, int64_t outer,
                         int64_t n, int64_t inner);
void ct__softmax_backward(ct_dtype dtype, bool log, const void *g, const void *y, void *gi,
                          int64_t outer, int64_t n, int64_t inner);

#endif
