/*
 * src/optim/clip_grad.c - torch.nn.utils.clip_grad_norm_ and clip_grad_value_
 * (PyTorch 1.13), built on the public ops.
 */
#include <math.h>
#include <stdlib.h>

#include "optim/internal.h"

/* The gradients of params (new references owned by the caller's scope); returns how many. */
static int collect_grads(ct_tensor_list params, ct_tensor **grads) {
    int n = 0;
    for (int i = 0; i < params.n; i++) {
        ct_tensor *g = params.items[i] ? ct_grad_of(params.items[i]) : NULL;
        if (g) grads[n++] = g;
    }
    return n;
}

double ct_clip_grad_norm_opts_(ct_clip_grad_norm_opts o) {
    const char *fn = "ct_clip_grad_norm_";
    if (o.params.n < 0 || (o.params.n > 0 && !o.params.items))
        return ct_set_error(CT_ERR_NULL, fn, "parameters must be a list of tensors");
    double p = o.norm_type == 0.0 && !signbit(o.norm_type) ? 2.0 : o.norm_type + 0.0;
    ct_tensor **grads = malloc((size_t)(o.params.n + 1) * sizeof *grads);
    if (!grads) return ct_set_error(CT_ERR_OOM, fn, "out of memory");

    double result = 0.0;
    bool prev = ct_set_grad_enabled(false);
    int depth = ct_scope_begin(); /* frees every temporary below */
    int n = collect_grads(o.params, grads);
    if (n > 0) {
        /* total = norm(stack([norm(g, p) for g in grads]), p), or the max of max|g| for inf */
        ct_tensor **norms = malloc((size_t)n * sizeof *norms);
        ct_tensor *total = NULL;
        if (norms) {
            for (int i = 0; i < n; i++)
                norms[i] = isinf(p) && p > 0 ? ct_max(ct_abs(grads[i])) : ct_norm(grads[i], p);
            ct_tensor *stacked = n == 1 ? norms[0] : ct_stack(norms, n, 0);
            if (isinf(p) && p > 0)
                total = n == 1 ? norms[0] : ct_max(stacked);
            else
                total = ct_norm(stacked, p);
            free(norms);
        } else {
            ct_set_error(CT_ERR_OOM, fn, "out of memory");
        }
        if (!total) {
            result = ct_last_error_code();
        } else {
            double t = ct_item(total);
            char pb[40];
            if (o.error_if_nonfinite && !isfinite(t)) {
                result = ct_set_error(CT_ERR_RUNTIME, fn,
                                  "The total norm of order %s for gradients from `parameters` is "
                                  "non-finite, so it cannot be clipped. To disable this error and "
                                  "scale the gradients by the non-finite norm anyway, set "
                                  "`error_if_nonfinite=False`",
                                  ct__py_float(p, pb, sizeof pb));
            } else {
                /*
                 * clip_coef = max_norm / (total + 1e-6), clamped to 1, in the
                 * norm's dtype; Python's scalar / tensor is
                 * tensor.reciprocal() * scalar.
                 */
                double coef;
                if (ct_dtype_of(total) == CT_F32) {
                    float c = 1.0f / ((float)t + (float)1e-6) * (float)o.max_norm;
                    coef = c > 1.0f ? 1.0 : (double)c;
                } else {
                    double c = 1.0 / (t + 1e-6) * o.max_norm;
                    coef = c > 1.0 ? 1.0 : c;
                }
                for (int i = 0; i < n; i++)
                    if (!ct_mul_sc_(grads[i], ct_scalar_float(coef))) result = ct_last_error_code();
                if (result == 0.0) result = t;
            }
        }
    }
    ct_scope_end(depth);
    ct_set_grad_enabled(prev);
    free(grads);
    return result;
}

int ct_clip_grad_value_(ct_tensor_list params, double clip_value) {
    const char *fn = "ct_clip_grad_value_";
    if (params.n < 0 || (params.n > 0 && !params.items))
        return ct_set_error(CT_ERR_NULL, fn, "parameters must be a list of tensors");
    int rc = 0;
    bool prev = ct_set_grad_enabled(false);
    for (int i = 0; i < params.n && rc == 0; i++) {
        ct_tensor *g = params.items[i] ? ct_grad_of(params.items[i]) : NULL;
        if (!g) continue;
        if (!ct_clamp_sc_(g, ct_scalar_float(-clip_value), ct_scalar_float(clip_value)))
            rc = (int)ct_last_error_code();
        ct_free(g);
    }
    ct_set_grad_enabled(prev);
    return rc;
}
