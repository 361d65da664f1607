/*
 * src/ops/index_internal.h - helpers shared by the indexing, joining and
 * data-rearranging ops (index.c, join.c, shape_ops.c).
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

#endif
