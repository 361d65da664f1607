/*
 * src/nn/layernorm.c - nn.LayerNorm(normalized_shape, eps, elementwise_affine).
 */
#include <stdio.h>

#include "nn_internal.h"

typedef struct {
    ct_module base;
    ct_shape shape;
    double eps;
} ln_module;

static ct_tensor *ln_forward(ct_module *m, ct_tensor *x) {
    ln_module *ln = (ln_module *)m;
    return ct_layer_norm(x, ln->shape, ct_module_get(m, "weight"), ct_module_get(m, "bias"), ln->eps);
}

static void ln_repr(const ct_module *m, char *buf, size_t size) {
    const ln_module *ln = (const ln_module *)m;
    char eps[40];
    snprintf(buf, size, "(");
    for (int i = 0; i < ln->shape.ndim; i++) ct__nn_append(buf, size, i ? ", %lld" : "%lld", (long long)ln->shape.d[i]);
    ct__nn_append(buf, size, "%s, eps=%s, elementwise_affine=%s", ln->shape.ndim == 1 ? ",)" : ")",
                  ct__nn_py_float(ln->eps, eps, sizeof eps), ct_module_get(m, "weight") ? "True" : "False");
}

static const ct_module_type ln_type = {.name = "LayerNorm", .forward = ln_forward, .extra_repr = ln_repr};

ct_module *ct_nn_layer_norm_(ct_nn_layer_norm_args a) {
    for (int i = 0; i < a.normalized_shape.ndim; i++)
        if (a.normalized_shape.d[i] < 0) {
            ct_set_error(CT_ERR_RUNTIME, "ct_nn_layer_norm", "Trying to create tensor with negative dimension %lld",
                     (long long)a.normalized_shape.d[i]);
            return NULL;
        }
    ln_module *ln = (ln_module *)ct_module_new(&ln_type, sizeof(ln_module));
    if (!ln) return NULL;
    ln->shape = a.normalized_shape;
    ln->eps = a.eps == 0 ? 1e-5 : a.eps;
    ct_module *m = &ln->base;
    if (!a.no_elementwise_affine &&
        !(ct_module_param(m, "weight", ct_ones(a.normalized_shape)) &&
          ct_module_param(m, "bias", ct_zeros(a.normalized_shape)))) {
        ct_module_free(m);
        return NULL;
    }
    return m;
}
