/* src/ops/loss_common.c - argument helpers shared by the losses (loss_internal.h). */
#include <stdio.h>
#include <string.h>

#include "loss_internal.h"

bool ct__loss_check_reduction(ct_reduction r, bool batchmean_ok, const char *fn) {
    static const char *names[] = {"mean", "sum", "none", "batchmean"};
    if (r == CT_REDUCTION_MEAN || r == CT_REDUCTION_SUM || r == CT_REDUCTION_NONE) return true;
    if (r == CT_REDUCTION_BATCHMEAN && batchmean_ok) return true;
    if (r == CT_REDUCTION_BATCHMEAN)
        ct__error(CT_ERR_VALUE, fn, "%s is not a valid value for reduction", names[r]);
    else
        ct__error(CT_ERR_VALUE, fn, "%d is not a valid value for reduction", (int)r);
    return false;
}

ct_tensor *ct__loss_dense(ct_tensor *t, int ndim, const int64_t *shape, const char *fn) {
    bool same = t->ndim == ndim;
    for (int d = 0; same && d < ndim; d++) same = t->shape[d] == shape[d];
    if (same) return ct__contiguous(t);
    int64_t strides[CT_MAX_DIMS];
    for (int d = 0; d < ndim; d++) {
        int k = d - (ndim - t->ndim);
        strides[d] = (k < 0 || (t->shape[k] == 1 && shape[d] != 1)) ? 0 : t->strides[k];
    }
    ct_tensor *v = ct__tensor_view(t, ndim, shape, strides, t->offset, fn);
    if (!v) return NULL;
    ct_tensor *c = ct__contiguous(v);
    ct_free(v);
    return c;
}

ct_tensor *ct__loss_scalar(double v, ct_dtype dt, const char *fn) {
    ct_tensor *out = ct__tensor_empty(0, NULL, dt, CT_CPU, fn);
    if (out) ct__store_f64(ct__data(out), dt, v);
    return out;
}

bool ct__loss_check_no_grad(const ct_tensor *t, const char *torch_fn, const char *arg,
                            const char *fn) {
    if (!ct_requires_grad(t) || !ct_is_grad_enabled()) return true;
    ct__error(CT_ERR_RUNTIME, fn,
              "The function '%s' is not differentiable with respect to argument '%s'. This "
              "input cannot have requires_grad True.",
              torch_fn, arg);
    return false;
}

const char *ct__loss_size_str(const ct_tensor *t, char *buf, size_t size) {
    char dims[160];
    ct__shape_str(t->ndim, t->shape, dims, sizeof dims);
    snprintf(buf, size, "torch.Size(%s)", dims);
    return buf;
}
