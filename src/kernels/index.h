/*
 * src/kernels/index.h - loops that move elements chosen by indices: gathers
 * and scatters through per-dim offset tables, the dim-wise gather/scatter
 * loops run on ct_iter, and triangle masking. No allocation, no argument
 * checks: the ops in src/ops/ validate every index before calling these.
 */
#ifndef CT_KERNELS_INDEX_H
#define CT_KERNELS_INDEX_H

#include "../core/internal.h"

/*
 * Table gather: out is contiguous of `shape` (ndim >= 1, C order); the element
 * at multi-index (i0, ..., in-1) is read from src + es * sum_d tables[d][i_d]
 * (offsets in elements, any sign). Runs in parallel above the grain size.
 * Flip, roll, repeat, index_select, t[idx] and pad all reduce to this.
 */
void ct__gather_tables(char *out, const char *src, size_t es, int ndim, const int64_t *shape,
                       const int64_t *const *tables);
/* The same loop kept plain (one element at a time, no threads), for tests. */
void ct__gather_tables_ref(char *out, const char *src, size_t es, int ndim, const int64_t *shape,
                           const int64_t *const *tables);

/*
 * Table scatter, the reverse: src is contiguous of `shape`; its element at
 * (i0, ...) is written to dst + es * sum_d tables[d][i_d], or added there
 * when accumulate (bool: or). Serial, so repeated positions accumulate
 * deterministically.
 */
void ct__scatter_tables(char *dst, const char *src, ct_dtype dtype, int ndim,
                        const int64_t *shape, const int64_t *const *tables, bool accumulate);

/*
 * Scratch for per-dim offset tables: one malloc'd block holding, for each of
 * ndim dims, shape[d] offsets initialized to i * strides[d]; tabs[d] points
 * at dim d's table. NULL when out of memory; free() the block.
 */
int64_t *ct__tables_new(int ndim, const int64_t *shape, const int64_t *strides, int64_t **tabs);

/* How a dim-wise scatter combines a value with what the destination holds. */
typedef enum { CT_SCAT_ASSIGN, CT_SCAT_ADD, CT_SCAT_MUL, CT_SCAT_MAX, CT_SCAT_MIN } ct_scat_op;

/* Context of the dim-wise loops: the indexed dim's stride in bytes, element size. */
typedef struct {
    int64_t dim_stride; /* bytes between neighbours along the indexed dim */
    size_t es;
} ct_dim_gather_ctx;

/*
 * ct_iter loop for gather, operands (out, index int64, self): self is a view
 * of self restricted to index's shape with stride 0 along dim, so the source
 * element is self_ptr + index * dim_stride.
 */
void ct__dim_gather_loop(char **data, const int64_t *strides, int64_t n, void *ctx);

/*
 * The ct_iter loop for scatter of `op` on dtype, operands (self view, index
 * int64, src), self laid out as for gather. NULL when op is not defined for
 * dtype. Run it serially (repeated indices write one place).
 */
ct_iter_loop ct__dim_scatter_loop(ct_scat_op op, ct_dtype dtype);

/*
 * Zeroes, in each matrix of t's last two dims, the elements outside the
 * triangle: lower keeps j <= i + k (tril), upper keeps j >= i + k (triu).
 */
void ct__triangle_zero(ct_tensor *t, int64_t k, bool lower);

/* Number of non-zero elements of t (NaN counts), any layout. */
int64_t ct__count_nonzero(const ct_tensor *t);
/*
 * Writes the multi-indices of t's non-zero elements in C order into out
 * (count rows of t->ndim int64), as torch.nonzero does.
 */
void ct__nonzero_indices(const ct_tensor *t, int64_t *out);

#endif
