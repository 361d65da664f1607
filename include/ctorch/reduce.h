/*
 * ctorch/reduce.h - reductions (sum, mean, max, norm, ...), cumulative sums,
 * sorting and selection (sort, topk, kthvalue, unique).
 *
 * Conventions (besides those of ctorch/pointwise.h):
 *   - `dims` is a list of dims built with CT_DIMS(0, -1); negative dims count
 *     from the end; a dim listed twice is an error. An empty list
 *     (CT_SHAPE0) means every dim, as dim=[] does in PyTorch 1.13.
 *   - keepdim keeps each reduced dim with size 1.
 *   - A 0-d tensor accepts dim 0 and -1 and reduces to a 0-d tensor.
 *   - Ops with a second result (indices, counts) write it through a pointer
 *     argument as a new reference; the pointer may be NULL when the result is
 *     not wanted, and is set to NULL on error.
 *   - Result dtypes are PyTorch's: sums and products of integers and bools
 *     are int64, indices are int64, mean/var/std/norm need floating inputs.
 */
#ifndef CTORCH_REDUCE_H
#define CTORCH_REDUCE_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ sums, means */

/** torch.sum(t): all elements, a 0-d tensor (int64 for integer and bool inputs). */
ct_tensor *ct_sum(ct_tensor *t);
/** torch.sum(t, dims, keepdim). */
ct_tensor *ct_sum_dims(ct_tensor *t, ct_shape dims, bool keepdim);
/**
 * torch.sum(t, dims, keepdim, dtype=dtype): t is converted to dtype first and
 * the result has that dtype. CT_DTYPE_UNSET means PyTorch's default.
 */
ct_tensor *ct_sum_dtype(ct_tensor *t, ct_shape dims, bool keepdim, ct_dtype dtype);

/** torch.mean(t): floating inputs only, like PyTorch. NaN for an empty tensor. */
ct_tensor *ct_mean(ct_tensor *t);
/** torch.mean(t, dims, keepdim). */
ct_tensor *ct_mean_dims(ct_tensor *t, ct_shape dims, bool keepdim);
/** torch.mean(t, dims, keepdim, dtype=dtype): dtype must be floating. */
ct_tensor *ct_mean_dtype(ct_tensor *t, ct_shape dims, bool keepdim, ct_dtype dtype);

/** torch.prod(t): product of all elements (1 for an empty tensor; int64 for integers). */
ct_tensor *ct_prod(ct_tensor *t);
/** torch.prod(t, dim, keepdim). */
ct_tensor *ct_prod_dim(ct_tensor *t, int dim, bool keepdim);

/* ----------------------------------------------------------- max and min */

/** torch.max(t): the largest element as a 0-d tensor; NaN if any is NaN. Error if empty. */
ct_tensor *ct_max(ct_tensor *t);
/** torch.min(t). */
ct_tensor *ct_min(ct_tensor *t);
/**
 * torch.max(t, dim, keepdim): the values; their positions along dim (int64)
 * go to *indices when it is not NULL. Ties give the first position; a NaN is
 * the maximum (the first NaN), as on PyTorch's CPU.
 */
ct_tensor *ct_max_dim(ct_tensor *t, int dim, bool keepdim, ct_tensor **indices);
/** torch.min(t, dim, keepdim) with indices, like ct_max_dim. */
ct_tensor *ct_min_dim(ct_tensor *t, int dim, bool keepdim, ct_tensor **indices);
/** torch.amax(t, dims, keepdim): max over several dims, no indices; NaN propagates. */
ct_tensor *ct_amax(ct_tensor *t, ct_shape dims, bool keepdim);
/** torch.amin(t, dims, keepdim). */
ct_tensor *ct_amin(ct_tensor *t, ct_shape dims, bool keepdim);
/** torch.argmax(t): position of the max in the flattened tensor, a 0-d int64. */
ct_tensor *ct_argmax(ct_tensor *t);
/** torch.argmax(t, dim, keepdim). */
ct_tensor *ct_argmax_dim(ct_tensor *t, int dim, bool keepdim);
/** torch.argmin(t). */
ct_tensor *ct_argmin(ct_tensor *t);
/** torch.argmin(t, dim, keepdim). */
ct_tensor *ct_argmin_dim(ct_tensor *t, int dim, bool keepdim);

/* ------------------------------------------------------------- statistics */

/** torch.var(t): unbiased variance (correction 1) of all elements. */
ct_tensor *ct_var(ct_tensor *t);
/**
 * torch.var(t, dims, correction=correction, keepdim): sum((x - mean)^2)
 * divided by max(N - correction, 0), so N <= correction gives nan or inf like
 * PyTorch. Floating inputs only.
 */
ct_tensor *ct_var_dims(ct_tensor *t, ct_shape dims, int64_t correction, bool keepdim);
/** torch.std(t): sqrt of ct_var(t). */
ct_tensor *ct_std(ct_tensor *t);
/** torch.std(t, dims, correction=correction, keepdim). */
ct_tensor *ct_std_dims(ct_tensor *t, ct_shape dims, int64_t correction, bool keepdim);

/**
 * torch.norm(t, p): the vector p-norm of all elements, (sum |x|^p)^(1/p).
 * p = INFINITY is max |x|, -INFINITY min |x|, 0 counts non-zeros, and 2 is
 * also PyTorch's "fro" (CT_NORM_FRO). Floating inputs only. 0 for an empty tensor.
 */
ct_tensor *ct_norm(ct_tensor *t, double p);
/** torch.norm(t, p, dims, keepdim): the vector norm over the given dims. */
ct_tensor *ct_norm_dims(ct_tensor *t, double p, ct_shape dims, bool keepdim);
/** p for the Frobenius norm ("fro"), which over any dims is the 2-norm. */
#define CT_NORM_FRO 2.0

/**
 * torch.logsumexp(t, dims, keepdim): log(sum(exp(x))), computed stably as
 * max + log(sum(exp(x - max))) (a max of +-inf is not subtracted). Integer
 * inputs give the default float dtype. -inf over an empty dim.
 */
ct_tensor *ct_logsumexp(ct_tensor *t, ct_shape dims, bool keepdim);

/* ------------------------------------------------------------------ logic */

/** torch.all(t): whether every element is non-zero (bool; uint8 for uint8 input). */
ct_tensor *ct_all(ct_tensor *t);
/** torch.all over the given dims (PyTorch 1.13 takes one dim; a list reduces each). */
ct_tensor *ct_all_dims(ct_tensor *t, ct_shape dims, bool keepdim);
/** torch.any(t): whether some element is non-zero. */
ct_tensor *ct_any(ct_tensor *t);
/** torch.any over the given dims. */
ct_tensor *ct_any_dims(ct_tensor *t, ct_shape dims, bool keepdim);
/** torch.count_nonzero(t): number of non-zero elements, int64 (NaN counts). */
ct_tensor *ct_count_nonzero(ct_tensor *t);
/** torch.count_nonzero(t, dims). */
ct_tensor *ct_count_nonzero_dims(ct_tensor *t, ct_shape dims);

/* ------------------------------------------------------------------ scans */

/** torch.cumsum(t, dim): running sums along dim; integers and bools give int64. */
ct_tensor *ct_cumsum(ct_tensor *t, int dim);
/** torch.cumsum(t, dim, dtype=dtype): t converted to dtype first. */
ct_tensor *ct_cumsum_dtype(ct_tensor *t, int dim, ct_dtype dtype);
/** torch.cumprod(t, dim): running products; integers and bools give int64. */
ct_tensor *ct_cumprod(ct_tensor *t, int dim);
/** torch.cumprod(t, dim, dtype=dtype). */
ct_tensor *ct_cumprod_dtype(ct_tensor *t, int dim, ct_dtype dtype);

/* ----------------------------------------------------- sorting, selection */

/**
 * torch.sort(t, dim, descending, stable): the sorted values; the positions
 * they came from (int64) go to *indices. NaN sorts as larger than every
 * number. The sort is always stable (equal elements keep their order), which
 * is one of the orders PyTorch allows when stable is false.
 */
ct_tensor *ct_sort(ct_tensor *t, int dim, bool descending, bool stable, ct_tensor **indices);
/** torch.argsort(t, dim, descending): the indices of ct_sort. */
ct_tensor *ct_argsort(ct_tensor *t, int dim, bool descending);
/**
 * torch.topk(t, k, dim, largest, sorted): the k largest (or smallest)
 * elements along dim and their indices. Error "selected index k out of
 * range" unless 0 <= k <= size of dim. Results are always sorted.
 */
ct_tensor *ct_topk(ct_tensor *t, int64_t k, int dim, bool largest, bool sorted,
                   ct_tensor **indices);
/** torch.kthvalue(t, k, dim, keepdim): the k-th smallest element (k from 1) along dim. */
ct_tensor *ct_kthvalue(ct_tensor *t, int64_t k, int dim, bool keepdim, ct_tensor **indices);
/**
 * torch.unique(t, sorted, return_inverse, return_counts) without dim: the
 * distinct elements of the flattened tensor in ascending order (always sorted;
 * PyTorch's unsorted order is unspecified). *inverse (t's shape, int64) maps
 * each element to its position in the result; *counts (int64) counts each
 * value. Either pointer may be NULL.
 */
ct_tensor *ct_unique(ct_tensor *t, bool sorted, ct_tensor **inverse, ct_tensor **counts);

#ifdef __cplusplus
}
#endif
#endif
