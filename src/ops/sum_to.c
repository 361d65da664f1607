/*
 * src/ops/sum_to.c - sums a tensor down to a shape it was broadcast from: the
 * gradient of broadcasting (PyTorch's at::sum_to). It runs for every
 * broadcast input in a backward (a Linear's bias, for one), so it uses the
 * parallel reduction kernel through ct_sum_dtype; being made of sum and
 * view, it is differentiable (SumBackward1, ViewBackward0), as in PyTorch.
 */
#include <string.h>

#include "../autograd/internal.h"
#include "internal.h"

ct_tensor *ct__sum_to(ct_tensor *g, int ndim, const int64_t *shape) {
    const char *fn = "sum_to_size";
    CT_CHECK_ARG(g, fn, "self");
    /* shape must be expandable to g's shape. */
    bool ok = ndim >= 0 && ndim <= g->ndim;
    for (int i = 0; ok && i < ndim; i++) {
        int64_t gs = g->shape[g->ndim - ndim + i];
        ok = shape[i] == gs || shape[i] == 1;
    }
    if (!ok) {
        char a[128], b[128];
        ct__error(CT_ERR_RUNTIME, fn, "size {%s} is not expandable to size {%s}.",
                  ct__shape_str(ndim, shape, a, sizeof a), ct__shape_str(g->ndim, g->shape, b, sizeof b));
        return NULL;
    }
    /* The leading dims g has in front of shape, and the dims shape has as 1 but g does not. */
    int lead = g->ndim - ndim;
    ct_shape dims = {.ndim = 0};
    for (int d = 0; d < g->ndim; d++)
        if (d < lead || (shape[d - lead] == 1 && g->shape[d] != 1)) dims.d[dims.ndim++] = d;
    if (dims.ndim == 0 && lead == 0) return ct_alias(g);
    if (ct_dtype_is_floating(g->dtype) && !(g->requires_grad && ct_is_grad_enabled())) {
        /* No graph to record (a backward without create_graph): sum straight into the shape. */
        bool mask[CT_MAX_DIMS] = {false};
        for (int i = 0; i < dims.ndim; i++) mask[dims.d[i]] = true;
        return ct__sum_as(g, mask, ndim, shape, fn);
    }
    ct_tensor *r = dims.ndim ? ct_sum_dtype(g, dims, true, g->dtype) : g;
    if (!r || lead == 0) return r;
    ct_shape s = {.ndim = ndim};
    memcpy(s.d, shape, sizeof(int64_t) * (size_t)ndim);
    ct_tensor *v = ct_reshape(r, s);
    if (r != g) ct_free(r);
    return v;
}
