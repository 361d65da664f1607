/*
 * ctorch/indexing.h - reading and writing elements chosen by index tensors
 * or boolean masks: index_select, gather, scatter (and its reductions), take,
 * masked_select / masked_fill, nonzero, and advanced indexing t[idx] /
 * t[mask] with its assignment form index_put_.
 *
 * Conventions are those of ctorch/pointwise.h: out-of-place ops return a new
 * tensor; in-place ops end in '_', write into their first argument, bump its
 * version counter and return it (not a new reference). Dims may be negative.
 * An index out of range is an error (PyTorch's message), never a read or
 * write outside the tensor: every index is checked before anything is written.
 */
#ifndef CTORCH_INDEXING_H
#define CTORCH_INDEXING_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * torch.index_select(t, dim, index): the entries of t at positions `index`
 * (int64 or int32, 1-d or 0-d) along dim. The result has t's shape with
 * dim's size replaced by index's length. No negative indices (as in PyTorch).
 */
ct_tensor *ct_index_select(ct_tensor *t, int dim, ct_tensor *index);

/**
 * torch.gather(t, dim, index): out[i][j][k] = t[index[i][j][k]][j][k] for
 * dim 0 (likewise for other dims). index is int64 with t's number of dims and
 * no larger than t in every dim but `dim`; the result has index's shape.
 */
ct_tensor *ct_gather(ct_tensor *t, int dim, ct_tensor *index);

/**
 * torch.scatter(t, dim, index, src): a copy of t with t[index[i][j]][j] =
 * src[i][j] (dim 0). index is int64 with t's number of dims, no larger than
 * src in any dim and than t in every dim but `dim`; src has t's dtype. Where
 * index repeats a position, which value lands there is unspecified (as in
 * PyTorch); use ct_scatter_add or ct_scatter_reduce to combine them.
 */
ct_tensor *ct_scatter(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src);
/** tensor.scatter_(dim, index, src): ct_scatter in place. Returns t. */
ct_tensor *ct_scatter_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src);
/** torch.scatter(t, dim, index, value): writes one number (converted to t's dtype). */
ct_tensor *ct_scatter_value_sc(ct_tensor *t, int dim, ct_tensor *index, ct_scalar value);
/** tensor.scatter_(dim, index, value). Returns t. */
ct_tensor *ct_scatter_value_sc_(ct_tensor *t, int dim, ct_tensor *index, ct_scalar value);
#define ct_scatter_value(t, dim, index, value) ct_scatter_value_sc((t), (dim), (index), CT_SCALAR(value))
#define ct_scatter_value_(t, dim, index, value) ct_scatter_value_sc_((t), (dim), (index), CT_SCALAR(value))

/** torch.scatter_add(t, dim, index, src): like ct_scatter, but repeated positions add up. */
ct_tensor *ct_scatter_add(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src);
/** tensor.scatter_add_(dim, index, src). Returns t. */
ct_tensor *ct_scatter_add_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src);

/** The reductions of ct_scatter_reduce (PyTorch's reduce="sum", "prod", "mean", "amax", "amin"). */
typedef enum ct_scatter_reduction {
    CT_SCATTER_SUM = 0,
    CT_SCATTER_PROD,
    CT_SCATTER_MEAN,
    CT_SCATTER_AMAX,
    CT_SCATTER_AMIN
} ct_scatter_reduction;

/**
 * torch.scatter_reduce(t, dim, index, src, reduce, include_self=...): every
 * src value is combined into t at its scattered position with `reduce`. With
 * include_self false, the values t held at scattered positions take no part
 * (positions nothing scatters to keep their value). "mean" divides by the
 * count of values combined, rounding toward -inf for integer dtypes; it is
 * not defined for bool.
 */
ct_tensor *ct_scatter_reduce(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src,
                             ct_scatter_reduction reduce, bool include_self);
/** tensor.scatter_reduce_(...). Returns t. */
ct_tensor *ct_scatter_reduce_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src,
                              ct_scatter_reduction reduce, bool include_self);
/**
 * The reduction named by PyTorch's string ("sum", "prod", "mean", "amax",
 * "amin"); -1 and PyTorch's error for any other name.
 */
int ct_scatter_reduction_from_name(const char *name);

/**
 * torch.take(t, index): the elements of t read as if flattened (C order), at
 * the int64 positions in index (negative count from the end). The result has
 * index's shape.
 */
ct_tensor *ct_take(ct_tensor *t, ct_tensor *index);

/**
 * torch.masked_select(t, mask): the elements of t where mask (bool, or uint8
 * as PyTorch still accepts) is true, after broadcasting the two, as a 1-d
 * tensor in C order.
 */
ct_tensor *ct_masked_select(ct_tensor *t, ct_tensor *mask);

/**
 * torch.masked_fill(t, mask, value): t with value (converted to t's dtype)
 * wherever mask is true. t and mask broadcast; the result has their
 * broadcast shape and t's dtype.
 */
ct_tensor *ct_masked_fill_sc(ct_tensor *t, ct_tensor *mask, ct_scalar value);
/** tensor.masked_fill_(mask, value): mask must broadcast to t's shape. Returns t. */
ct_tensor *ct_masked_fill_sc_(ct_tensor *t, ct_tensor *mask, ct_scalar value);
/** masked_fill with a 0-d tensor as the value (any dtype; converted to t's). */
ct_tensor *ct_masked_fill_tensor(ct_tensor *t, ct_tensor *mask, ct_tensor *value);
/** masked_fill_ with a 0-d tensor value. Returns t. */
ct_tensor *ct_masked_fill_tensor_(ct_tensor *t, ct_tensor *mask, ct_tensor *value);
#define ct_masked_fill(t, mask, value) ct_masked_fill_sc((t), (mask), CT_SCALAR(value))
#define ct_masked_fill_(t, mask, value) ct_masked_fill_sc_((t), (mask), CT_SCALAR(value))

/**
 * torch.nonzero(t): the indices of the non-zero elements (NaN counts as
 * non-zero), as an int64 tensor of shape [n, ndim], in C order.
 */
ct_tensor *ct_nonzero(ct_tensor *t);

/**
 * Advanced indexing with one index tensor placed at dim: in Python,
 * t[(slice(None),) * dim + (index,)].
 *   - index int64 (any shape; PyTorch rejects int32 here): the result has shape
 *     t.shape[:dim] + index.shape + t.shape[dim+1:]; negative indices count
 *     from the end.
 *   - index bool or uint8 (a mask over k dims): its shape must equal
 *     t.shape[dim:dim+k]; the result has shape t.shape[:dim] + [n] +
 *     t.shape[dim+k:], n being the number of true entries. ct_index_tensor(t,
 *     0, mask) with mask of t's shape is t[mask], a 1-d tensor.
 * The result is a copy, as in PyTorch.
 */
ct_tensor *ct_index_tensor(ct_tensor *t, int dim, ct_tensor *index);

/**
 * t[(slice(None),) * dim + (index,)] = values, in place (torch's index_put_
 * with that index): index as for ct_index_tensor; values has t's dtype and
 * broadcasts to the shape ct_index_tensor would return. With accumulate,
 * values add into t and repeated indices add up; without it, which of the
 * values for a repeated index lands is unspecified. Returns t.
 */
ct_tensor *ct_index_put_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *values,
                         bool accumulate);
/** ct_index_put_ on a copy of t: returns the new tensor (torch.index_put). */
ct_tensor *ct_index_put(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *values,
                        bool accumulate);
/** t[...index...] = value for a number (converted to t's dtype), in place. Returns t. */
ct_tensor *ct_index_put_sc_(ct_tensor *t, int dim, ct_tensor *index, ct_scalar value);
#define ct_index_put_value_(t, dim, index, value) ct_index_put_sc_((t), (dim), (index), CT_SCALAR(value))

#ifdef __cplusplus
}
#endif
#endif
