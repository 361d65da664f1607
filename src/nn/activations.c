/*
 * src/nn/activations.c - the activation modules (ReLU, LeakyReLU, ELU, GELU,
 * SiLU, Sigmoid, Tanh, Softplus, Softmax, LogSoftmax): thin wrappers over the
 * functional forms, printed as PyTorch prints them.
 */
#include <stdio.h>

#include "nn_internal.h"

typedef enum { RELU, LEAKY_RELU, ELU, GELU, SILU, SIGMOID, TANH, SOFTPLUS, SOFTMAX, LOG_SOFTMAX } act_kind;

typedef struct {
    ct_module base;
    act_kind kind;
    double p1, p2; /* negative_slope / alpha / beta; threshold */
    bool inplace;
    int dim;
    ct_gelu_approx approximate;
} act_module;

/* In-place forms return their argument; a forward returns a new reference. */
static ct_tensor *inplace_result(ct_tensor *r) { return r ? ct__nn_new_ref(r) : NULL; }

static ct_tensor *act_forward(ct_module *m, ct_tensor *x) {
    act_module *a = (act_module *)m;
    switch (a->kind) {
    case RELU: return a->inplace ? inplace_result(ct_relu_(x)) : ct_relu(x);
    case LEAKY_RELU: return a->inplace ? inplace_result(ct_leaky_relu_(x, a->p1)) : ct_leaky_relu(x, a->p1);
    case ELU: return a->inplace ? inplace_result(ct_elu_(x, a->p1)) : ct_elu(x, a->p1);
    case GELU: return ct_gelu(x, a->approximate);
    case SILU: return ct_silu(x);
    case SIGMOID: return ct_sigmoid(x);
    case TANH: return ct_tanh(x);
    case SOFTPLUS: return ct_softplus(x, a->p1, a->p2);
    case SOFTMAX: return ct_softmax(x, a->dim);
    case LOG_SOFTMAX: return ct_log_softmax(x, a->dim);
    }
    return NULL;
}

static void act_repr(const ct_module *m, char *buf, size_t size) {
    const act_module *a = (const act_module *)m;
    char f1[40], f2[40];
    buf[0] = '\0';
    switch (a->kind) {
    case RELU:
        if (a->inplace) snprintf(buf, size, "inplace=True");
        return;
    case LEAKY_RELU:
        snprintf(buf, size, "negative_slope=%s%s", ct__nn_py_float(a->p1, f1, sizeof f1),
                 a->inplace ? ", inplace=True" : "");
        return;
    case ELU:
        snprintf(buf, size, "alpha=%s%s", ct__nn_py_float(a->p1, f1, sizeof f1), a->inplace ? ", inplace=True" : "");
        return;
    case GELU:
        snprintf(buf, size, "approximate='%s'", a->approximate == CT_GELU_TANH ? "tanh" : "none");
        return;
    case SOFTPLUS:
        /* PyTorch's defaults are the ints 1 and 20 and print so. */
        if (a->p1 == 1) snprintf(f1, sizeof f1, "1");
        else ct__nn_py_float(a->p1, f1, sizeof f1);
        if (a->p2 == 20) snprintf(f2, sizeof f2, "20");
        else ct__nn_py_float(a->p2, f2, sizeof f2);
        snprintf(buf, size, "beta=%s, threshold=%s", f1, f2);
        return;
    case SOFTMAX:
    case LOG_SOFTMAX: snprintf(buf, size, "dim=%d", a->dim); return;
    case SILU:
    case SIGMOID:
    case TANH: return;
    }
}

#define ACT_TYPE(var, str) static const ct_module_type var = {.name = str, .forward = act_forward, .extra_repr = act_repr}
ACT_TYPE(relu_type, "ReLU");
ACT_TYPE(leaky_relu_type, "LeakyReLU");
ACT_TYPE(elu_type, "ELU");
ACT_TYPE(gelu_type, "GELU");
ACT_TYPE(silu_type, "SiLU");
ACT_TYPE(sigmoid_type, "Sigmoid");
ACT_TYPE(tanh_type, "Tanh");
ACT_TYPE(softplus_type, "Softplus");
ACT_TYPE(softmax_type, "Softmax");
ACT_TYPE(log_softmax_type, "LogSoftmax");

static act_module *act_new(const ct_module_type *type, act_kind kind) {
    act_module *a = (act_module *)ct_module_new(type, sizeof(act_module));
    if (a) a->kind = kind;
    return a;
}

ct_module *ct_nn_relu_(ct_nn_inplace_args o) {
    act_module *a = act_new(&relu_type, RELU);
    if (!a) return NULL;
    a->inplace = o.inplace;
    return &a->base;
}

ct_module *ct_nn_leaky_relu_(ct_nn_leaky_relu_args o) {
    act_module *a = act_new(&leaky_relu_type, LEAKY_RELU);
    if (!a) return NULL;
    a->p1 = o.negative_slope == 0 ? 0.01 : o.negative_slope;
    a->inplace = o.inplace;
    return &a->base;
}

ct_module *ct_nn_elu_(ct_nn_elu_args o) {
    act_module *a = act_new(&elu_type, ELU);
    if (!a) return NULL;
    a->p1 = o.alpha == 0 ? 1.0 : o.alpha;
    a->inplace = o.inplace;
    return &a->base;
}

ct_module *ct_nn_gelu_(ct_nn_gelu_args o) {
    if (o.approximate != CT_GELU_NONE && o.approximate != CT_GELU_TANH) {
        ct_set_error(CT_ERR_VALUE, "ct_nn_gelu", "approximate argument must be either none or tanh.");
        return NULL;
    }
    act_module *a = act_new(&gelu_type, GELU);
    if (!a) return NULL;
    a->approximate = o.approximate;
    return &a->base;
}

ct_module *ct_nn_silu(void) {
    act_module *a = act_new(&silu_type, SILU);
    return a ? &a->base : NULL;
}

ct_module *ct_nn_sigmoid(void) {
    act_module *a = act_new(&sigmoid_type, SIGMOID);
    return a ? &a->base : NULL;
}

ct_module *ct_nn_tanh(void) {
    act_module *a = act_new(&tanh_type, TANH);
    return a ? &a->base : NULL;
}

ct_module *ct_nn_softplus_(ct_nn_softplus_args o) {
    act_module *a = act_new(&softplus_type, SOFTPLUS);
    if (!a) return NULL;
    a->p1 = o.beta == 0 ? 1 : o.beta;
    a->p2 = o.threshold == 0 ? 20 : o.threshold;
    return &a->base;
}

ct_module *ct_nn_softmax(int dim) {
    act_module *a = act_new(&softmax_type, SOFTMAX);
    if (!a) return NULL;
    a->dim = dim;
    return &a->base;
}

ct_module *ct_nn_log_softmax(int dim) {
    act_module *a = act_new(&log_softmax_type, LOG_SOFTMAX);
    if (!a) return NULL;
    a->dim = dim;
    return &a->base;
}
