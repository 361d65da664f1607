/*
 * src/kernels/pointwise.h - elementwise kernels: one inner loop per (op, dtype),
 * generated from the dtype X-macro list. Loops follow ct_iter_loop: operand 0
 * is the output, then the inputs; strides in bytes.
 */
#ifndef CT_KERNELS_POINTWISE_H
#define CT_KERNELS_POINTWISE_H

#include <stdatomic.h>

#include "../core/internal.h"

/* Binary ops. Inputs share one dtype (the op's compute dtype). */
#define CT_BINARY_OPS(X)                                                                \
    X(ADD) X(SUB) X(MUL) X(DIV) X(DIV_TRUNC) X(DIV_FLOOR) X(REMAINDER) X(FMOD) X(POW)   \
    X(MAXIMUM) X(MINIMUM) X(ADD_ALPHA) X(SUB_ALPHA)                                     \
    X(EQ) X(NE) X(LT) X(LE) X(GT) X(GE) X(LOGICAL_AND) X(LOGICAL_OR) X(LOGICAL_XOR)      \
    X(ISCLOSE)

typedef enum {
#define X(name) CT_BOP_##name,
    CT_BINARY_OPS(X)
#undef X
    CT_BOP_COUNT
} ct_binary_op;

/* Per-call data for a binary loop. */
typedef struct {
    double alpha_f;      /* alpha for ADD_ALPHA/SUB_ALPHA on floating dtypes */
    int64_t alpha_i;     /* alpha on integer dtypes */
    atomic_int div_zero; /* set by integer division/modulo by zero */
    double rtol, atol;   /* ISCLOSE (floating dtypes only) */
    bool equal_nan;      /* ISCLOSE: two NaNs count as close */
    bool stream;         /* write contiguous outputs with streaming stores (a big, separate output) */
} ct_binary_ctx;

/* True for ops whose output is bool whatever the input dtype. */
static inline bool ct__binary_op_is_predicate(ct_binary_op op) {
    return op >= CT_BOP_EQ;
}

/* The loop for op on dtype, or NULL when the pair is not defined. */
ct_iter_loop ct__binary_loop(ct_binary_op op, ct_dtype dtype);

/* Unary ops: output dtype is the input dtype, except predicates (bool out). */
#define CT_UNARY_OPS(X)                                                                 \
    X(NEG) X(ABS) X(SIGN) X(SQRT) X(RSQRT) X(EXP) X(EXP2) X(LOG) X(LOG2) X(LOG10)       \
    X(LOG1P) X(EXPM1) X(SIN) X(COS) X(TAN) X(TANH) X(SIGMOID) X(RELU) X(FLOOR) X(CEIL)  \
    X(TRUNC) X(FRAC) X(ROUND) X(RECIPROCAL) X(SQUARE) X(CLAMP) X(NAN_TO_NUM)            \
    X(ISNAN) X(ISINF) X(ISFINITE) X(LOGICAL_NOT)

typedef enum {
#define X(name) CT_UOP_##name,
    CT_UNARY_OPS(X)
#undef X
    CT_UOP_COUNT
} ct_unary_op;

/* Per-call data for a unary loop (clamp bounds, nan_to_num replacements). */
typedef struct {
    double lo, hi;            /* CLAMP on floating dtypes; NaN in lo/hi means no bound */
    int64_t lo_i, hi_i;       /* CLAMP on integer dtypes */
    bool has_lo, has_hi;
    double nan, posinf, neginf; /* NAN_TO_NUM */
} ct_unary_ctx;

static inline bool ct__unary_op_is_predicate(ct_unary_op op) { return op >= CT_UOP_ISNAN; }

ct_iter_loop ct__unary_loop(ct_unary_op op, ct_dtype dtype);

/*
 * Ternary ops: operand 0 is the output, then three inputs.
 *   WHERE  out = c ? a : b   (c read as bytes, bool or uint8; a, b of the dtype)
 *   LERP   out = lerp(start, end, weight), PyTorch's fused formula (floating only)
 *   CLAMP  out = min(max(x, lo), hi), NaN in any operand gives NaN (no bool)
 */
#define CT_TERNARY_OPS(X) X(WHERE) X(LERP) X(CLAMP)

typedef enum {
#define X(name) CT_TOP_##name,
    CT_TERNARY_OPS(X)
#undef X
    CT_TOP_COUNT
} ct_ternary_op;

/* The loop for op with value dtype `dtype`, or NULL when the pair is not defined. */
ct_iter_loop ct__ternary_loop(ct_ternary_op op, ct_dtype dtype);

#endif
