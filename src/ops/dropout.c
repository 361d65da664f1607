/*
 * src/ops/dropout.c - dropout and channel-wise (feature) dropout, written as
 * PyTorch 1.13's CPU _dropout_impl is: noise = bernoulli_(1 - p) on an empty
 * tensor like the input (or one value per (N, C) for feature dropout), then
 * noise /= (1 - p), then x * noise. Built from public ops, so the graph is
 * the MulBackward0 PyTorch records and the same seed draws the same mask.
 */
#include "functional_internal.h"

static bool check_p(const char *fn, double p) {
    if (p >= 0 && p <= 1) return true;
    ct__error(CT_ERR_VALUE, fn, "dropout probability has to be between 0 and 1, but got %g", p);
    return false;
}

/* The noise shape: x's, or (x0, x1, 1, ..., 1) for feature dropout. */
static ct_tensor *make_noise(const char *fn, ct_tensor *x, bool feature) {
    int64_t shape[CT_MAX_DIMS];
    if (feature && x->ndim < 2) {
        ct__error(CT_ERR_RUNTIME, fn, "Feature dropout requires at least 2 dimensions in the input");
        return NULL;
    }
    for (int i = 0; i < x->ndim; i++) shape[i] = (feature && i >= 2) ? 1 : x->shape[i];
    return ct__tensor_empty(x->ndim, shape, x->dtype, CT_CPU, fn);
}

static ct_tensor *dropout_impl(const char *fn, ct_tensor *x, double p, bool training,
                               ct_generator *g, bool inplace, bool feature) {
    CT_CHECK_ARG(x, fn, "input");
    if (!check_p(fn, p)) return NULL;
    if (p == 0 || !training || ct_numel(x) == 0) return inplace ? x : ct__fn_same(x);
    ct_tensor *noise;
    if (p == 1) {
        noise = ct_zeros(CT_SHAPE0, .dtype = x->dtype);
    } else {
        noise = make_noise(fn, x, feature);
        if (noise && (!ct_bernoulli_(noise, 1 - p, g) || !ct_div_sc_(noise, ct_scalar_float(1 - p)))) {
            ct_free(noise);
            return NULL;
        }
    }
    if (!noise) return NULL;
    ct_tensor *out = inplace ? ct_mul_(x, noise) : ct_mul(x, noise);
    ct_free(noise);
    return out;
}

ct_tensor *ct_dropout(ct_tensor *x, double p, bool training, ct_generator *g) {
    return dropout_impl("ct_dropout", x, p, training, g, false, false);
}

ct_tensor *ct_dropout_(ct_tensor *x, double p, bool training, ct_generator *g) {
    return dropout_impl("ct_dropout_", x, p, training, g, true, false);
}

ct_tensor *ct_dropout2d(ct_tensor *x, double p, bool training, ct_generator *g) {
    return dropout_impl("ct_dropout2d", x, p, training, g, false, true);
}

ct_tensor *ct_dropout2d_(ct_tensor *x, double p, bool training, ct_generator *g) {
    return dropout_impl("ct_dropout2d_", x, p, training, g, true, true);
}
