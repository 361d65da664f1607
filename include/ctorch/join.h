/*
 * ctorch/join.h - joining tensors and splitting them apart, and ops that
 * rearrange a tensor's data: cat, stack, split, chunk, unbind; repeat, tile,
 * flip, roll, tril, triu, meshgrid, one_hot, diag, pad.
 *
 * Lists of input tensors are (ts, n). Ops that produce a variable number of
 * tensors (split, chunk, unbind, meshgrid) write them into the caller's array
 * `out` of capacity `cap` and return how many they wrote, or a negative error
 * code (ctorch/error.h). Pass out = NULL (cap 0) to only ask for the count.
 * Each tensor written into out is a new reference (see ctorch/memory.h).
 * split, chunk, unbind and meshgrid return VIEWS sharing the input's storage,
 * as in PyTorch; every other op here returns a new tensor.
 */
#ifndef CTORCH_JOIN_H
#define CTORCH_JOIN_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------- join and split */

/**
 * torch.cat(ts, dim): the tensors joined along an existing dim. All must have
 * the same number of dims and equal sizes except in dim; the result dtype is
 * the promotion of all of them. As in PyTorch, 1-d tensors of shape [0] are
 * skipped whatever the other tensors' shapes (a legacy rule).
 */
ct_tensor *ct_cat(ct_tensor *const *ts, int n, int dim);

/** torch.stack(ts, dim): the tensors (all of one shape) joined along a new dim. */
ct_tensor *ct_stack(ct_tensor *const *ts, int n, int dim);

/**
 * torch.split(t, split_size, dim): views of consecutive pieces of split_size
 * along dim (the last one smaller when dim's size is not a multiple).
 */
int ct_split(ct_tensor *t, int64_t split_size, int dim, ct_tensor **out, int cap);

/** torch.split(t, [s0, s1, ...], dim): views of the given sizes, which must sum to dim's size. */
int ct_split_sizes(ct_tensor *t, const int64_t *sizes, int nsizes, int dim, ct_tensor **out,
                   int cap);

/**
 * torch.chunk(t, chunks, dim): views of ceil(size / chunks) elements each
 * along dim; there may be fewer than `chunks` of them (PyTorch's rule).
 */
int ct_chunk(ct_tensor *t, int chunks, int dim, ct_tensor **out, int cap);

/** torch.unbind(t, dim): the size(dim) views t.select(dim, i). */
int ct_unbind(ct_tensor *t, int dim, ct_tensor **out, int cap);

/* ----------------------------------------------------- rearranging data */

/**
 * tensor.repeat(repeats): t tiled repeats[i] times along each dim; repeats
 * may have more entries than t has dims (new leading dims), not fewer.
 */
ct_tensor *ct_repeat(ct_tensor *t, ct_shape repeats);

/** torch.tile(t, dims): like ct_repeat, but fewer entries than dims are padded with 1s in front. */
ct_tensor *ct_tile(ct_tensor *t, ct_shape dims);

/** torch.flip(t, dims): the elements in reverse order along each of dims. */
ct_tensor *ct_flip(ct_tensor *t, ct_shape dims);

/**
 * torch.roll(t, shifts, dims): elements shifted by shifts[i] along dims[i],
 * wrapping around. With dims empty (CT_SHAPE0) and one shift, t is rolled as
 * if flattened and then given its shape back.
 */
ct_tensor *ct_roll(ct_tensor *t, ct_shape shifts, ct_shape dims);

/**
 * torch.tril(t, diagonal): the lower triangle of the last two dims (batched),
 * elements above the `diagonal`-th diagonal set to zero (0 is the main
 * diagonal, positive above it, negative below).
 */
ct_tensor *ct_tril(ct_tensor *t, int64_t diagonal);
/** torch.triu(t, diagonal): the upper triangle; elements below the diagonal set to zero. */
ct_tensor *ct_triu(ct_tensor *t, int64_t diagonal);
/** tensor.tril_(diagonal) / triu_(diagonal): in place. Return t. */
ct_tensor *ct_tril_(ct_tensor *t, int64_t diagonal);
ct_tensor *ct_triu_(ct_tensor *t, int64_t diagonal);

/** Indexing convention of ct_meshgrid. */
typedef enum ct_meshgrid_indexing {
    CT_MESHGRID_IJ = 0, /**< "ij": output i varies along dim i */
    CT_MESHGRID_XY = 1  /**< "xy": the first two dims swapped (Cartesian, like NumPy's default) */
} ct_meshgrid_indexing;

/**
 * torch.meshgrid(*ts, indexing=...): n 0-d or 1-d tensors of one dtype give n
 * grids of shape [len(t0), ..., len(tn-1)] ("xy" swaps the first two sizes),
 * each an expanded view of its input.
 */
int ct_meshgrid(ct_tensor *const *ts, int n, ct_meshgrid_indexing indexing, ct_tensor **out,
                int cap);

/**
 * F.one_hot(t, num_classes): int64 class indices of any shape give an int64
 * tensor of shape t.shape + [num_classes] with a 1 at each class. A
 * num_classes of -1 means max(t) + 1.
 */
ct_tensor *ct_one_hot(ct_tensor *t, int64_t num_classes);

/**
 * torch.diag(t, diagonal): a 1-d t gives the square matrix with t on its
 * `diagonal`-th diagonal; a 2-d t gives (a copy of) its `diagonal`-th diagonal.
 */
ct_tensor *ct_diag(ct_tensor *t, int64_t diagonal);

/** Modes of ct_pad (F.pad's mode="constant", "reflect", "replicate"). */
typedef enum ct_pad_mode { CT_PAD_CONSTANT = 0, CT_PAD_REFLECT, CT_PAD_REPLICATE } ct_pad_mode;

/**
 * F.pad(t, pad, mode, value): pad lists (before, after) amounts for the last
 * dim first, then the one before it, and so on: CT_DIMS(1, 1, 2, 0) pads the
 * last dim by 1 on each side and the one before by 2 in front. Constant mode
 * fills with value (converted to t's dtype) and accepts negative amounts
 * (cropping). Reflect and replicate pad the last 1, 2 or 3 dims of a tensor
 * with one or two more dims than that (batch and channel), floating dtypes
 * only; reflect needs each amount smaller than its dim.
 */
ct_tensor *ct_pad(ct_tensor *t, ct_shape pad, ct_pad_mode mode, double value);

#ifdef __cplusplus
}
#endif
#endif
