/*
 * src/ops/view.c - views: new tensor meta over the same storage.
 */
#include "../core/internal.h"

ct_tensor *ct_alias(ct_tensor *t) {
    CT_CHECK_ARG(t, "ct_alias", "self");
    ct_tensor *v = ct__tensor_view(t, t->ndim, t->shape, t->strides, t->offset, "ct_alias");
    if (v) v->requires_grad = t->requires_grad;
    return v;
}
