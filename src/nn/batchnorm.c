/*
 * src/nn/batchnorm.c - nn.BatchNorm1d / BatchNorm2d: parameters, running
 * buffers named and typed as PyTorch's, and _BatchNorm.forward's logic
 * (momentum or cumulative average, batch statistics in training, running
 * ones in eval).
 */
#include <stdio.h>

#include "nn_internal.h"

typedef struct {
    ct_module base;
    int64_t num_features;
    double eps, momentum;
    bool cumulative, affine, track;
    bool two_d; /* BatchNorm2d */
} bn_module;

static ct_tensor *bn_forward(ct_module *m, ct_tensor *x) {
    bn_module *bn = (bn_module *)m;
    int nd = ct_dim(x);
    if (nd < 0) return NULL;
    if (bn->two_d ? nd != 4 : (nd != 2 && nd != 3)) {
        ct_set_error(CT_ERR_VALUE, m->type->name, bn->two_d ? "expected 4D input (got %dD input)"
                                                         : "expected 2D or 3D input (got %dD input)", nd);
        return NULL;
    }
    bool training = ct_module_is_training(m);
    double factor = bn->cumulative ? 0.0 : bn->momentum;
    ct_tensor *rm = ct_module_get(m, "running_mean"), *rv = ct_module_get(m, "running_var");
    ct_tensor *count = ct_module_get(m, "num_batches_tracked");
    if (training && bn->track && count) {
        bool was = ct_set_grad_enabled(false);
        ct_add_scalar_(count, 1);
        ct_set_grad_enabled(was);
        if (bn->cumulative) factor = 1.0 / (double)ct_item_int(count);
    }
    /* Batch statistics in training, and in eval when there are no running buffers. */
    bool use_batch = training || (!rm && !rv);
    bool pass_running = !training || bn->track;
    return ct_batch_norm(x, pass_running ? rm : NULL, pass_running ? rv : NULL, ct_module_get(m, "weight"),
                         ct_module_get(m, "bias"), use_batch, factor, bn->eps);
}

static void bn_repr(const ct_module *m, char *buf, size_t size) {
    const bn_module *bn = (const bn_module *)m;
    char eps[40], mom[40];
    if (bn->cumulative) snprintf(mom, sizeof mom, "None");
    else ct__nn_py_float(bn->momentum, mom, sizeof mom);
    snprintf(buf, size, "%lld, eps=%s, momentum=%s, affine=%s, track_running_stats=%s", (long long)bn->num_features,
             ct__nn_py_float(bn->eps, eps, sizeof eps), mom, bn->affine ? "True" : "False",
             bn->track ? "True" : "False");
}

static const ct_module_type bn1d_type = {.name = "BatchNorm1d", .forward = bn_forward, .extra_repr = bn_repr};
static const ct_module_type bn2d_type = {.name = "BatchNorm2d", .forward = bn_forward, .extra_repr = bn_repr};

static ct_module *bn_new(const ct_module_type *type, ct_nn_batch_norm_args a, bool two_d) {
    if (a.num_features < 0) {
        ct_set_error(CT_ERR_RUNTIME, type->name, "Trying to create tensor with negative dimension %lld: [%lld]",
                 (long long)a.num_features, (long long)a.num_features);
        return NULL;
    }
    bn_module *bn = (bn_module *)ct_module_new(type, sizeof(bn_module));
    if (!bn) return NULL;
    bn->num_features = a.num_features;
    bn->eps = a.eps == 0 ? 1e-5 : a.eps;
    bn->momentum = a.momentum == 0 ? 0.1 : a.momentum;
    bn->cumulative = a.cumulative;
    bn->affine = !a.no_affine;
    bn->track = !a.no_track_running_stats;
    bn->two_d = two_d;
    ct_module *m = &bn->base;
    ct_shape c = CT_SHAPE(a.num_features);
    bool ok = true;
    if (bn->affine) {
        ok = ct_module_param(m, "weight", ct_ones(c)) && ct_module_param(m, "bias", ct_zeros(c));
    }
    if (ok && bn->track) {
        ok = ct_module_buffer(m, "running_mean", ct_zeros(c), true) &&
             ct_module_buffer(m, "running_var", ct_ones(c), true) &&
             ct_module_buffer(m, "num_batches_tracked", ct_zeros(CT_SHAPE0, .dtype = CT_I64), true);
    }
    if (!ok) {
        ct_module_free(m);
        return NULL;
    }
    return m;
}

ct_module *ct_nn_batch_norm1d_(ct_nn_batch_norm_args a) { return bn_new(&bn1d_type, a, false); }
ct_module *ct_nn_batch_norm2d_(ct_nn_batch_norm_args a) { return bn_new(&bn2d_type, a, true); }
