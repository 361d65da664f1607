/*
 * ctorch/view.h - views: new tensors that share their input's storage.
 *
 * None of these copies data except ct_reshape / ct_flatten when the layout
 * does not allow a view (as in PyTorch). Writes through a view are seen by the
 * base and by every other view of the same storage. Dims may be negative
 * (counting from the end). Each returns a new reference, or NULL on error.
 */
#ifndef CTORCH_VIEW_H
#define CTORCH_VIEW_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Stop value meaning "to the end of the dim" for ct_slice. */
#define CT_END INT64_MAX

/**
 * tensor.view(shape): same data, new shape; one entry may be -1. Fails with
 * PyTorch's message when the strides do not allow it: use ct_reshape then.
 */
ct_tensor *ct_view(ct_tensor *t, ct_shape shape);
/** tensor.reshape(shape): a view when possible, otherwise a contiguous copy. */
ct_tensor *ct_reshape(ct_tensor *t, ct_shape shape);
/** tensor.view_as(other) / reshape_as(other). */
ct_tensor *ct_view_as(ct_tensor *t, const ct_tensor *other);
ct_tensor *ct_reshape_as(ct_tensor *t, const ct_tensor *other);
/** tensor.flatten(start_dim, end_dim): ct_flatten(t, 0, -1) flattens everything. */
ct_tensor *ct_flatten(ct_tensor *t, int start_dim, int end_dim);
/** tensor.squeeze(): drops every size-1 dim. */
ct_tensor *ct_squeeze(ct_tensor *t);
/** tensor.squeeze(dim): drops dim if its size is 1, else returns an alias. */
ct_tensor *ct_squeeze_dim(ct_tensor *t, int dim);
/** tensor.unsqueeze(dim): inserts a size-1 dim; dim in [-ndim-1, ndim]. */
ct_tensor *ct_unsqueeze(ct_tensor *t, int dim);
/** tensor.expand(shape): broadcasts size-1 dims (stride 0); -1 keeps a size; new leading dims allowed. */
ct_tensor *ct_expand(ct_tensor *t, ct_shape shape);
/** tensor.expand_as(other). */
ct_tensor *ct_expand_as(ct_tensor *t, const ct_tensor *other);
/** tensor.transpose(dim0, dim1). */
ct_tensor *ct_transpose(ct_tensor *t, int dim0, int dim1);
/** tensor.t(): transpose of a tensor with at most 2 dims. */
ct_tensor *ct_t(ct_tensor *t);
/** tensor.permute(dims): ct_permute(x, CT_DIMS(0, 2, 3, 1)). */
ct_tensor *ct_permute(ct_tensor *t, ct_shape dims);
/** tensor.narrow(dim, start, length). */
ct_tensor *ct_narrow(ct_tensor *t, int dim, int64_t start, int64_t length);
/** tensor.select(dim, index): removes dim, taking element `index` (negative counts from the end). */
ct_tensor *ct_select(ct_tensor *t, int dim, int64_t index);
/**
 * t[..., start:stop:step, ...] on one dim, with Python's rules: negative start
 * and stop count from the end, out-of-range values are clamped, CT_END means
 * "to the end"; step must be positive (as in PyTorch).
 */
ct_tensor *ct_slice(ct_tensor *t, int dim, int64_t start, int64_t stop, int64_t step);
/** A view that aliases t entirely (tensor.view_as(tensor) / tensor[...]). */
ct_tensor *ct_alias(ct_tensor *t);
/** torch.as_strided(t, shape, strides, offset): a raw view; checked against the storage bounds. */
ct_tensor *ct_as_strided(ct_tensor *t, ct_shape shape, const int64_t *strides, int64_t storage_offset);

/**
 * Python-style indexing: ct_index(a, "0, :2, ..., ::2") returns the view
 * PyTorch returns for a[0, :2, ..., ::2]. Items are separated by commas:
 * an integer (negative counts from the end), a slice start:stop:step with any
 * part omitted, "..." (at most once), or "None" for a new size-1 axis.
 */
ct_tensor *ct_index(ct_tensor *t, const char *index);
/** ct_index with printf formatting: ct_indexf(a, "%d, :, %d", i, j). */
ct_tensor *ct_indexf(ct_tensor *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#ifdef __cplusplus
}
#endif
#endif
