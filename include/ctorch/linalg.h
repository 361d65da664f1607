/*
 * ctorch/linalg.h - matrix products: mm, bmm, matmul, dot, mv, outer, addmm,
 * baddbmm, einsum.
 *
 * Conventions are those of every op header (see ctorch/pointwise.h), with
 * PyTorch's stricter dtype rule for products: both operands of a matrix
 * product must have the same dtype ("expected scalar type Float but found
 * Double"); there is no promotion. float32, float64, int32, int64 and uint8
 * are supported (integer products wrap around on overflow, as in PyTorch);
 * bool is an error, except for outer and the einsum forms that only multiply.
 * Float products run on CBLAS (OpenBLAS) when the build found it, otherwise on
 * ctorch's own blocked GEMM; either way they use ct_set_num_threads threads.
 * A contraction over an empty dim (K = 0) gives zeros; an empty M or N gives
 * an empty result.
 * Every product is differentiable, to any order, with PyTorch's formulas and
 * node names (MmBackward0, BmmBackward0, DotBackward0, MvBackward0,
 * AddmmBackward0, BaddbmmBackward0; matmul, outer and einsum record the
 * products and views they are made of, as in PyTorch).
 */
#ifndef CTORCH_LINALG_H
#define CTORCH_LINALG_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * torch.mm(a, b): a (n x m) @ b (m x p) -> (n x p). Both must be 2-D
 * ("self must be a matrix") with matching inner sizes ("mat1 and mat2 shapes
 * cannot be multiplied (4x3 and 4x5)").
 */
ct_tensor *ct_mm(ct_tensor *a, ct_tensor *b);

/**
 * torch.bmm(a, b): batched a (B x n x m) @ b (B x m x p) -> (B x n x p); no
 * broadcasting of the batch dim (use ct_matmul for that).
 */
ct_tensor *ct_bmm(ct_tensor *a, ct_tensor *b);

/**
 * torch.matmul(a, b) (Python's a @ b), by the ranks of a and b:
 *   1-d, 1-d   dot product, a 0-d result;
 *   2-d, 1-d   matrix-vector product;
 *   1-d, 2-d   a is taken as a 1 x m matrix, and that dim removed again;
 *   2-d, 2-d   matrix product;
 *   N-d        batched matrix product; batch dims broadcast (a 1-d operand
 *              gets a dim prepended/appended and removed again).
 * 0-d operands are an error.
 */
ct_tensor *ct_matmul(ct_tensor *a, ct_tensor *b);

/** torch.dot(a, b): the inner product of two 1-d tensors of the same size and dtype (0-d result). */
ct_tensor *ct_dot(ct_tensor *a, ct_tensor *b);

/** torch.mv(mat, vec): mat (n x m) @ vec (m) -> (n). */
ct_tensor *ct_mv(ct_tensor *mat, ct_tensor *vec);

/**
 * torch.outer(a, b): a[i] * b[j] for 1-d a and b -> (len(a) x len(b)). Unlike
 * the other products it promotes dtypes (it is a broadcast multiply).
 */
ct_tensor *ct_outer(ct_tensor *a, ct_tensor *b);

/**
 * torch.addmm(self, mat1, mat2, beta=beta, alpha=alpha):
 * beta * self + alpha * (mat1 @ mat2), with self broadcast to the product's
 * shape. beta == 0 ignores self's values (NaN in self does not propagate).
 * For integer dtypes alpha and beta are converted to integers (truncated),
 * as PyTorch does. ct_addmm is the beta = alpha = 1 form; ct_addmm_scaled
 * takes C numbers, ct_addmm_sc ct_scalars.
 */
ct_tensor *ct_addmm_sc(ct_tensor *self, ct_tensor *mat1, ct_tensor *mat2, ct_scalar beta,
                       ct_scalar alpha);
#define ct_addmm(self, mat1, mat2) ct_addmm_sc((self), (mat1), (mat2), CT_SCALAR(1), CT_SCALAR(1))
#define ct_addmm_scaled(self, mat1, mat2, beta, alpha)                                    \
    ct_addmm_sc((self), (mat1), (mat2), CT_SCALAR(beta), CT_SCALAR(alpha))

/**
 * torch.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha):
 * beta * self + alpha * bmm(batch1, batch2), self broadcast to (B x n x p).
 * As in PyTorch 1.13 the result has batch1's dtype (self is converted).
 */
ct_tensor *ct_baddbmm_sc(ct_tensor *self, ct_tensor *batch1, ct_tensor *batch2, ct_scalar beta,
                         ct_scalar alpha);
#define ct_baddbmm(self, b1, b2) ct_baddbmm_sc((self), (b1), (b2), CT_SCALAR(1), CT_SCALAR(1))
#define ct_baddbmm_scaled(self, b1, b2, beta, alpha)                                      \
    ct_baddbmm_sc((self), (b1), (b2), CT_SCALAR(beta), CT_SCALAR(alpha))

/**
 * torch.einsum(equation, *operands) over the n tensors ops[0..n-1]:
 *
 *     ct_tensor *c = ct_einsum("bij,bjk->bik", (ct_tensor *[]){a, b}, 2);
 *
 * Subscripts are letters [a-zA-Z]; spaces are ignored; "..." stands for
 * broadcast dims; without "->" the output is the ellipsis followed by the
 * letters used once, in alphabetical order. A letter repeated in one operand
 * takes the diagonal ("ii->i"); letters missing from the output are summed.
 * Products go through bmm, so operands that are contracted together must
 * share a dtype; sums over one operand follow torch.sum's dtype rule
 * (integers and bool give int64). Malformed equations get PyTorch's message,
 * e.g. "einsum(): invalid subscript given at index 1 in the equation string,
 * subscripts must be in [a-zA-Z]". As in PyTorch, the result may be a view of
 * an operand (e.g. "ij->ji").
 */
ct_tensor *ct_einsum(const char *equation, ct_tensor *const *ops, int n);

#ifdef __cplusplus
}
#endif
#endif
