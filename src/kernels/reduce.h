/*
 * src/kernels/reduce.h - reductions, scans and sorts along dims.
 *
 * Every kernel here sees its input through a ct_reduce_plan: the input's dims
 * split into OUTER dims (kept; one output per position) and INNER dims (the
 * ones reduced, scanned or sorted). It is the input "permuted so that the
 * reduced dims are innermost", without moving any data: the plan only
 * reorders sizes and strides, drops size-1 dims and merges dims that step
 * through memory as one.
 */
#ifndef CT_KERNELS_REDUCE_H
#define CT_KERNELS_REDUCE_H

#include "../core/internal.h"

typedef struct ct_reduce_plan {
    const char *in;                    /* first element of the input */
    ct_dtype dtype;                    /* the input's dtype */
    int64_t n_out;                     /* outputs (product of outer sizes) */
    int outer_ndim;
    int64_t outer_shape[CT_MAX_DIMS];  /* C order: outermost first */
    int64_t outer_in[CT_MAX_DIMS];     /* input strides, in elements */
    int64_t outer_out[CT_MAX_DIMS];    /* output strides, in elements */
    int64_t n_inner;                   /* elements reduced per output */
    int inner_ndim;                    /* >= 1 */
    int64_t inner_shape[CT_MAX_DIMS];  /* innermost first */
    int64_t inner_in[CT_MAX_DIMS];     /* input strides, in elements */
    int64_t inner_out;                 /* scans and sorts: output stride along the inner dim */
} ct_reduce_plan;

/*
 * Builds the plan for input `in` (ndim dims) where reduce[d] marks the inner
 * dims. out_strides (ndim entries, elements) gives the output's stride for
 * every input dim when the output has the input's shape (scans, sorts);
 * NULL means a contiguous output over the kept dims only (reductions), so
 * output o is element o. With reorder, inner dims are ordered by stride
 * (smallest innermost) and merged, which is right when the order of the
 * reduced elements does not matter; without it they stay in C order (a scan
 * or sort along one dim needs that).
 */
void ct__reduce_plan_init(ct_reduce_plan *p, const ct_tensor *in, const bool *reduce,
                          const int64_t *out_strides, bool reorder);

/* Reductions whose result does not depend on the order of the elements. */
#define CT_REDUCE_OPS(X)                                                                \
    X(SUM) X(MEAN) X(PROD) X(AMAX) X(AMIN) X(ALL) X(ANY) X(COUNT_NZ)                    \
    X(NORM_P) X(NORM_0) X(NORM_1) X(NORM_2) X(NORM_INF) X(NORM_NEGINF)                  \
    X(VAR) X(STD) X(LSE)

typedef enum {
#define X(name) CT_ROP_##name,
    CT_REDUCE_OPS(X)
#undef X
    CT_ROP_COUNT
} ct_reduce_op;

/* Per-call parameters. */
typedef struct {
    double p;              /* NORM_P: the order */
    int64_t correction;    /* VAR, STD: divisor is max(n - correction, 0) */
    const double *center;  /* VAR, STD, LSE: one value per output (mean; max or 0) */
} ct_reduce_args;

/*
 * The output dtype of op on an input of dtype `in`, or CT_DTYPE_UNSET when the
 * kernel does not exist. Sums and products of integers and bools give int64,
 * ALL/ANY give one byte 0/1 (bool, or uint8 for uint8 input), COUNT_NZ int64,
 * the others the input dtype (norms, VAR, STD, LSE: floating inputs only).
 */
ct_dtype ct__reduce_out_dtype(ct_reduce_op op, ct_dtype in);

/*
 * Runs op over the plan (built with out_strides NULL) into out, n_out
 * contiguous elements of ct__reduce_out_dtype. Runs in parallel above the
 * grain size: over outputs, over column tiles for reductions of outer dims,
 * or over chunks of the reduced elements (partials combined in order) when
 * there are few outputs. Returns false for an unsupported dtype.
 */
bool ct__reduce(ct_reduce_op op, const ct_reduce_plan *p, void *out, const ct_reduce_args *args);

/*
 * Plain reference version of ct__reduce: one output at a time, one element at
 * a time, in double / int64, no lanes, no threads. Tests compare the two.
 */
bool ct__reduce_ref(ct_reduce_op op, const ct_reduce_plan *p, void *out,
                    const ct_reduce_args *args);

/*
 * max/min with their positions along the single inner dim: values (n_out
 * elements of the input dtype; may be NULL) and indices (int64). Ties pick the
 * first position, a NaN is selected over any number (the first NaN). Needs
 * n_inner >= 1.
 */
bool ct__arg_reduce(bool is_max, const ct_reduce_plan *p, void *values, int64_t *indices);

/*
 * Running sum (or product) along the single inner dim, into out (strides from
 * the plan's outer_out / inner_out) of dtype out_dtype, which must be the
 * input dtype or int64. Floats accumulate in double, integers in 64 bits
 * (wrapping), as PyTorch's CPU kernels do.
 */
bool ct__scan(bool is_prod, const ct_reduce_plan *p, void *out, ct_dtype out_dtype);

/*
 * Sorts every line along the single inner dim: values (input dtype) and
 * indices (int64) are written with the plan's output strides. The sort is
 * stable; NaN is larger than every number (last ascending, first
 * descending). Returns false on out of memory.
 */
bool ct__sort_lines(const ct_reduce_plan *p, void *values, int64_t *indices, bool descending);

#endif
