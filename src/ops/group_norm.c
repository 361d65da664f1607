/*
 * src/ops/group_norm.c - F.group_norm, written with differentiable public
 * ops (reshape to (N, G, -1), mean, biased variance, affine), so its
 * gradients of every order come from those ops' backward formulas.
 */
#include "conv_internal.h"

ct_tensor *ct_group_norm(ct_tensor *x, int64_t num_groups, ct_tensor *weight, ct_tensor *bias, double eps) {
    const char *fn = "ct_group_norm";
    CT_CHECK_ARG(x, fn, "input");
    char b1[128], b2[128];
    if (x->ndim < 2) {
        ct__error(CT_ERR_INDEX, fn, "Dimension out of range (expected to be in range of [-1, 0], but got 1)");
        return NULL;
    }
    int64_t N = x->shape[0], C = x->shape[1];
    if (num_groups <= 0 || C % num_groups != 0) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Expected number of channels in input to be divisible by num_groups, but got input of shape %s and "
                  "num_groups=%lld",
                  ct__shape_str(x->ndim, x->shape, b1, sizeof b1), (long long)num_groups);
        return NULL;
    }
    ct_tensor *ab[2] = {weight, bias};
    const char *names[2] = {"weight", "bias"};
    for (int i = 0; i < 2; i++)
        if (ab[i] && (ab[i]->ndim != 1 || ab[i]->shape[0] != C)) {
            ct__error(CT_ERR_RUNTIME, fn,
                      "Expected %s to be a vector of size equal to the number of channels in input, but got %s of "
                      "shape %s and input of shape %s",
                      names[i], names[i], ct__shape_str(ab[i]->ndim, ab[i]->shape, b1, sizeof b1),
                      ct__shape_str(x->ndim, x->shape, b2, sizeof b2));
            return NULL;
        }
    if (!ct__fn_require_float(x, fn, "native_group_norm")) return NULL;
    ct_tensor *res = NULL;
    CT_SCOPE {
        ct_tensor *g = ct_reshape(x, CT_SHAPE(N, num_groups, -1));
        ct_tensor *mean = ct_mean_dims(g, CT_DIMS(2), true);
        ct_tensor *cen = ct_sub(g, mean);
        ct_tensor *var = ct_mean_dims(ct_mul(cen, cen), CT_DIMS(2), true);
        ct_tensor *y = ct_reshape(ct_mul(cen, ct_rsqrt(ct_add_sc(var, CT_SCALAR(eps)))), ct_shape_of(x));
        ct_shape cs = {.ndim = x->ndim};
        for (int i = 0; i < x->ndim; i++) cs.d[i] = i == 1 ? C : 1;
        if (y && weight) y = ct_mul(y, ct_reshape(weight, cs));
        if (y && bias) y = ct_add(y, ct_reshape(bias, cs));
        res = y ? ct_keep(y) : NULL;
    }
    return res;
}
