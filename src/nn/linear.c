/*
 * src/nn/linear.c - nn.Linear: y = x W^T + b, with PyTorch's default init.
 */
#include <math.h>
#include <stdio.h>

#include "ctorch.h"

typedef struct {
    ct_module base;
    int64_t in_features, out_features;
} linear_module;

static ct_tensor *linear_forward(ct_module *m, ct_tensor *x) {
    return ct_linear(x, ct_module_get(m, "weight"), ct_module_get(m, "bias"));
}

static void linear_repr(const ct_module *m, char *buf, size_t size) {
    const linear_module *l = (const linear_module *)m;
    snprintf(buf, size, "in_features=%lld, out_features=%lld, bias=%s", (long long)l->in_features,
             (long long)l->out_features, ct_module_get(m, "bias") ? "True" : "False");
}

static const ct_module_type linear_type = {.name = "Linear", .forward = linear_forward,
                                           .extra_repr = linear_repr};

ct_module *ct_nn_linear_(ct_nn_linear_args a) {
    if (a.in_features < 0 || a.out_features < 0) {
        ct_set_error(CT_ERR_RUNTIME, "ct_nn_linear",
                 "Trying to create tensor with negative dimension %lld: [%lld, %lld]",
                 (long long)(a.out_features < 0 ? a.out_features : a.in_features),
                 (long long)a.out_features, (long long)a.in_features);
        return NULL;
    }
    linear_module *l = (linear_module *)ct_module_new(&linear_type, sizeof(linear_module));
    if (!l) return NULL;
    l->in_features = a.in_features;
    l->out_features = a.out_features;
    ct_module *m = &l->base;
    ct_tensor *w = ct_module_param(m, "weight", ct_empty(CT_SHAPE(a.out_features, a.in_features)));
    ct_tensor *b = NULL;
    if (!a.no_bias) b = ct_module_param(m, "bias", ct_empty(CT_SHAPE(a.out_features)));
    if (!w || (!a.no_bias && !b)) {
        ct_module_free(m);
        return NULL;
    }
    /* Linear.reset_parameters(): the same calls, in the same order, as PyTorch. */
    if (!ct_init_kaiming_uniform_(w, .a = sqrt(5.0))) {
        ct_module_free(m);
        return NULL;
    }
    if (b) {
        double bound = a.in_features > 0 ? 1 / sqrt((double)a.in_features) : 0;
        if (!ct_init_uniform_(b, -bound, bound)) {
            ct_module_free(m);
            return NULL;
        }
    }
    return m;
}
