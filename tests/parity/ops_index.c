/*
 * tests/parity/ops_index.c - parity adapters for include/ctorch/indexing.h and
 * include/ctorch/join.h (cases in tests/parity/cases/index.py).
 */
#include <string.h>

#include "parity.h"

/* Dims argument k (an int list) as a ct_shape. */
#define DIMS(k) (args[(k)].dims)

PARITY_OP(index_select) { RET1(ct_index_select(A(0), (int)I(1), A(2))); }
PARITY_OP(gather) { RET1(ct_gather(A(0), (int)I(1), A(2))); }
PARITY_OP(scatter) { RET1(ct_scatter(A(0), (int)I(1), A(2), A(3))); }
PARITY_OP(scatter_value) { RET1(ct_scatter_value_sc(A(0), (int)I(1), A(2), parity_scalar(&args[3]))); }
PARITY_OP(scatter_add) { RET1(ct_scatter_add(A(0), (int)I(1), A(2), A(3))); }
PARITY_OP(scatter_reduce) {
    int r = ct_scatter_reduction_from_name(S(4));
    if (r < 0) return -1;
    RET1(ct_scatter_reduce(A(0), (int)I(1), A(2), A(3), (ct_scatter_reduction)r, I(5) != 0));
}
PARITY_OP(take) { RET1(ct_take(A(0), A(1))); }
PARITY_OP(masked_select) { RET1(ct_masked_select(A(0), A(1))); }
PARITY_OP(masked_fill) { RET1(ct_masked_fill_sc(A(0), A(1), parity_scalar(&args[2]))); }
PARITY_OP(masked_fill_t) { RET1(ct_masked_fill_tensor(A(0), A(1), A(2))); }
PARITY_OP(index_tensor) { RET1(ct_index_tensor(A(0), (int)I(1), A(2))); }
PARITY_OP(index_put) { RET1(ct_index_put(A(0), (int)I(1), A(2), A(3), I(4) != 0)); }

INPLACE(scatter_, ct_scatter_(c, (int)I(1), A(2), A(3)))
INPLACE(scatter_add_, ct_scatter_add_(c, (int)I(1), A(2), A(3)))
INPLACE(scatter_reduce_, ct_scatter_reduce_(c, (int)I(1), A(2), A(3),
                                            (ct_scatter_reduction)ct_scatter_reduction_from_name(S(4)),
                                            I(5) != 0))
INPLACE(masked_fill_, ct_masked_fill_sc_(c, A(1), parity_scalar(&args[2])))
INPLACE(masked_fill_t_, ct_masked_fill_tensor_(c, A(1), A(2)))
INPLACE(index_put_, ct_index_put_(c, (int)I(1), A(2), A(3), I(4) != 0))
INPLACE(index_put_value_, ct_index_put_sc_(c, (int)I(1), A(2), parity_scalar(&args[3])))
INPLACE(tril_, ct_tril_(c, I(1)))
INPLACE(triu_, ct_triu_(c, I(1)))

/* cat / stack of separate tensor arguments, so each one gets a gradient. */
PARITY_OP(cat2) { RET1(ct_cat((ct_tensor *[]){A(0), A(1)}, 2, (int)I(2))); }
PARITY_OP(cat3) { RET1(ct_cat((ct_tensor *[]){A(0), A(1), A(2)}, 3, (int)I(3))); }
PARITY_OP(stack2) { RET1(ct_stack((ct_tensor *[]){A(0), A(1)}, 2, (int)I(2))); }
PARITY_OP(stack3) { RET1(ct_stack((ct_tensor *[]){A(0), A(1), A(2)}, 3, (int)I(3))); }

/* Returns the pieces in reverse order joined along d (every piece gets a gradient). */
static int join_reversed(ct_tensor **p, int n, int d, bool stack, ct_tensor **out) {
    if (n < 0) return -1;
    ct_tensor *rev[16];
    for (int i = 0; i < n; i++) rev[i] = p[n - 1 - i];
    out[0] = stack ? ct_stack(rev, n, d) : ct_cat(rev, n, d);
    for (int i = 0; i < n; i++) ct_free(p[i]);
    return out[0] ? 1 : -1;
}

PARITY_OP(split_flip) {
    ct_tensor *p[16];
    return join_reversed(p, ct_split(A(0), I(1), (int)I(2), p, 16), (int)I(2), false, out);
}
PARITY_OP(split_sizes_flip) {
    ct_tensor *p[16];
    return join_reversed(p, ct_split_sizes(A(0), DIMS(1).d, DIMS(1).ndim, (int)I(2), p, 16), (int)I(2),
                         false, out);
}
PARITY_OP(chunk_flip) {
    ct_tensor *p[16];
    return join_reversed(p, ct_chunk(A(0), (int)I(1), (int)I(2), p, 16), (int)I(2), false, out);
}
PARITY_OP(unbind_flip) {
    ct_tensor *p[16];
    return join_reversed(p, ct_unbind(A(0), (int)I(1), p, 16), (int)I(1), true, out);
}
/* The pieces themselves (at most 8 outputs). */
PARITY_OP(split) { return ct_split(A(0), I(1), (int)I(2), out, 8); }
PARITY_OP(chunk) { return ct_chunk(A(0), (int)I(1), (int)I(2), out, 8); }
PARITY_OP(unbind) { return ct_unbind(A(0), (int)I(1), out, 8); }

PARITY_OP(repeat) { RET1(ct_repeat(A(0), DIMS(1))); }
PARITY_OP(tile) { RET1(ct_tile(A(0), DIMS(1))); }
PARITY_OP(flip) { RET1(ct_flip(A(0), DIMS(1))); }
PARITY_OP(roll) { RET1(ct_roll(A(0), DIMS(1), DIMS(2))); }
PARITY_OP(tril) { RET1(ct_tril(A(0), I(1))); }
PARITY_OP(triu) { RET1(ct_triu(A(0), I(1))); }
PARITY_OP(diag) { RET1(ct_diag(A(0), I(1))); }

PARITY_OP(pad) {
    ct_pad_mode mode = !strcmp(S(2), "reflect") ? CT_PAD_REFLECT
                       : !strcmp(S(2), "replicate") ? CT_PAD_REPLICATE
                                                     : CT_PAD_CONSTANT;
    RET1(ct_pad(A(0), DIMS(1), mode, F(3)));
}

/* X * Y + X for the two grids of meshgrid(a, b, indexing). */
PARITY_OP(meshgrid_mix) {
    ct_tensor *g[2];
    ct_meshgrid_indexing ix = !strcmp(S(2), "xy") ? CT_MESHGRID_XY : CT_MESHGRID_IJ;
    if (ct_meshgrid((ct_tensor *[]){A(0), A(1)}, 2, ix, g, 2) != 2) return -1;
    ct_tensor *xy = ct_mul(g[0], g[1]);
    out[0] = ct_add(xy, g[0]);
    ct_free(xy);
    ct_free(g[0]);
    ct_free(g[1]);
    return out[0] ? 1 : -1;
}

PARITY_OP(one_hot) { RET1(ct_one_hot(A(0), I(1))); }
PARITY_OP(nonzero) { RET1(ct_nonzero(A(0))); }
