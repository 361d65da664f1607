/*
 * src/core/view_meta.c - the shape math behind views: inferring a -1 size and
 * finding strides that let a tensor be viewed under a new shape without a copy
 * (PyTorch's infer_size and computeStride rules).
 */
#include <stdio.h>

#include "internal.h"

bool ct__infer_size(int ndim, int64_t *shape, int64_t numel, const char *fn) {
    int infer_dim = -1;
    int64_t known = 1; /* product of the given sizes */
    bool overflow = false;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] == -1) {
            if (infer_dim >= 0) {
                ct__error(CT_ERR_RUNTIME, fn, "only one dimension can be inferred");
                return false;
            }
            infer_dim = i;
        } else if (shape[i] < 0) {
            ct__error(CT_ERR_RUNTIME, fn, "invalid shape dimension %lld", (long long)shape[i]);
            return false;
        } else if (shape[i] != 0 && known > INT64_MAX / shape[i]) {
            overflow = true; /* cannot match any real numel; report it below */
        } else {
            known *= shape[i];
        }
    }
    if (!overflow && infer_dim < 0 && known == numel) return true;
    if (!overflow && infer_dim >= 0) {
        if (known == 0 && numel == 0) {
            char buf[160];
            ct__error(CT_ERR_RUNTIME, fn,
                      "cannot reshape tensor of 0 elements into shape %s because the unspecified "
                      "dimension size -1 can be any value and is ambiguous",
                      ct__shape_str(ndim, shape, buf, sizeof buf));
            return false;
        }
        if (known > 0 && numel % known == 0) {
            shape[infer_dim] = numel / known;
            return true;
        }
    }
    char buf[160];
    ct__error(CT_ERR_RUNTIME, fn, "shape '%s' is invalid for input of size %lld",
              ct__shape_str(ndim, shape, buf, sizeof buf), (long long)numel);
    return false;
}

/*
 * The old dims are split into "chunks": runs of dims that are contiguous with
 * each other (each stride equals the next dim's size times its stride, size-1
 * dims aside). A view is possible exactly when the new dims can be grouped,
 * from the right, so that each group covers one whole chunk; the new strides
 * inside a group are then contiguous strides scaled by the chunk's innermost
 * stride.
 */
bool ct__view_strides(int old_ndim, const int64_t *old_shape, const int64_t *old_strides,
                      int new_ndim, const int64_t *new_shape, int64_t *new_strides) {
    if (old_ndim == 0) {
        for (int i = 0; i < new_ndim; i++) new_strides[i] = 1;
        return true;
    }
    int64_t numel = ct__numel(old_ndim, old_shape);
    if (numel == 0) {
        bool same = old_ndim == new_ndim;
        for (int i = 0; same && i < old_ndim; i++) same = old_shape[i] == new_shape[i];
        if (same) {
            for (int i = 0; i < old_ndim; i++) new_strides[i] = old_strides[i];
        } else {
            ct__contiguous_strides(new_ndim, new_shape, new_strides); /* as a fresh tensor */
        }
        return true;
    }

    int view_d = new_ndim - 1;
    int64_t chunk_base_stride = old_strides[old_ndim - 1];
    int64_t chunk_numel = 1; /* elements of the old chunk seen so far */
    int64_t view_numel = 1;  /* elements of the new dims assigned to it */
    for (int d = old_ndim - 1; d >= 0; d--) {
        chunk_numel *= old_shape[d];
        bool chunk_ends = d == 0 || (old_shape[d - 1] != 1 &&
                                     old_strides[d - 1] != chunk_numel * chunk_base_stride);
        if (!chunk_ends) continue;
        while (view_d >= 0 && (view_numel < chunk_numel || new_shape[view_d] == 1)) {
            new_strides[view_d] = view_numel * chunk_base_stride;
            view_numel *= new_shape[view_d];
            view_d--;
        }
        if (view_numel != chunk_numel) return false;
        if (d > 0) {
            chunk_base_stride = old_strides[d - 1];
            chunk_numel = 1;
            view_numel = 1;
        }
    }
    return view_d == -1;
}

void ct__slice_meta(int64_t size, int64_t stride, int64_t start, int64_t stop, int64_t step,
                    int64_t *out_start, int64_t *out_size, int64_t *out_stride) {
    if (start < 0) start += size;
    if (stop < 0) stop += size;
    start = start < 0 ? 0 : start > size ? size : start;
    stop = stop < start ? start : stop > size ? size : stop;
    int64_t len = stop - start;
    *out_start = start;
    *out_size = len == 0 ? 0 : (len - 1) / step + 1;
    /* A step too large to scale the stride leaves at most one element, whose stride is unused. */
    int64_t mag = stride < 0 ? -stride : stride;
    *out_stride = mag == 0 || step <= INT64_MAX / mag ? stride * step : stride;
}
