/*
 * src/ops/index_internal.h - helpers shared by the indexing, scattering,
 * joining and data-rearranging ops (index.c, scatter.c, join.c, shape_ops.c).
 */
#ifndef CT_OPS_INDEX_INTERNAL_H
#define CT_OPS_INDEX_INTERNAL_H

#include "../autograd/internal.h"
#include "../kernels/index.h"
#include "internal.h"

/* The shape an autograd node recorded for one of its inputs, as a ct_shape. */
static inline ct_shape ct__meta_shape(const ct_meta *m) {
    ct_shape s = {.ndim = m->ndim};
    for (int i = 0; i < m->ndim; i++) s.d[i] = m->shape[i];
    return s;
}

/* Zeros of input i's recorded shape, in dtype (for backward functions). */
static inline ct_tensor *ct__zeros_of_input(const ct_node *n, int i, ct_dtype dtype) {
    return ct_zeros(ct__meta_shape(&n->in_meta[i]), .dtype = dtype);
}

/*
 * A new contiguous tensor of `shape` and src's dtype whose element at
 * (i0, ...) is src's element at storage offset src->offset + sum_d
 * tables[d][i_d] (see ct__gather_tables). ndim 0 copies src's first element.
 */
ct_tensor *ct__gather_new(ct_tensor *src, int ndim, const int64_t *shape,
                          const int64_t *const *tables, const char *fn);

/*
 * Fills *v as an unregistered stack view of t's storage with the given meta
 * (for iterator operands that never escape the calling function).
 */
void ct__stack_view(ct_tensor *v, const ct_tensor *t, int ndim, const int64_t *shape,
                    const int64_t *strides, int64_t offset);

/* Size of dim d, treating a 0-d tensor as having one dim of size 1 (PyTorch's rule). */
static inline int64_t ct__size_or1(const ct_tensor *t, int d) { return t->ndim == 0 ? 1 : t->shape[d]; }
static inline int64_t ct__stride_or0(const ct_tensor *t, int d) { return d < t->ndim ? t->strides[d] : 0; }
static inline int ct__ndim_or1(const ct_tensor *t) { return t->ndim > 0 ? t->ndim : 1; }

/* A dim-indexed op treats a 0-d tensor as 1-d: its sizes as an array. */
static inline void ct__sizes_or1(const ct_tensor *t, int64_t *s) {
    if (t->ndim == 0) s[0] = 1;
    for (int i = 0; i < t->ndim; i++) s[i] = t->shape[i];
}

/* Every index in [0, size) (gather, scatter); else PyTorch's message naming the first bad one. */
bool ct__check_dim_indices(const ct_tensor *index, int dim, int64_t size, const char *fn);

/*
 * A stack view of t restricted to index's shape, with stride 0 along dim (the
 * dim-wise gather and scatter loops add index * dim_stride themselves).
 */
void ct__restricted_view(ct_tensor *v, const ct_tensor *t, const ct_tensor *index, int dim);

#endif
