/*
 * src/nn/dropout.c - nn.Dropout and nn.Dropout2d: the functional dropout
 * driven by the module's training flag.
 */
#include <stdio.h>

#include "nn_internal.h"

typedef struct {
    ct_module base;
    double p;
    bool inplace, channels; /* channels: Dropout2d */
} dropout_module;

static ct_tensor *dropout_forward(ct_module *m, ct_tensor *x) {
    dropout_module *d = (dropout_module *)m;
    bool training = ct_module_is_training(m);
    if (d->inplace) {
        ct_tensor *r = d->channels ? ct_dropout2d_(x, d->p, training, NULL) : ct_dropout_(x, d->p, training, NULL);
        return r ? ct__nn_new_ref(r) : NULL;
    }
    return d->channels ? ct_dropout2d(x, d->p, training, NULL) : ct_dropout(x, d->p, training, NULL);
}

static void dropout_repr(const ct_module *m, char *buf, size_t size) {
    const dropout_module *d = (const dropout_module *)m;
    char p[40];
    snprintf(buf, size, "p=%s, inplace=%s", ct__nn_py_float(d->p, p, sizeof p), d->inplace ? "True" : "False");
}

static const ct_module_type dropout_type = {.name = "Dropout", .forward = dropout_forward,
                                            .extra_repr = dropout_repr};
static const ct_module_type dropout2d_type = {.name = "Dropout2d", .forward = dropout_forward,
                                              .extra_repr = dropout_repr};

static ct_module *make(const ct_module_type *type, ct_nn_dropout_args a, bool channels, const char *fn) {
    if (!(a.p >= 0 && a.p <= 1)) {
        char p[40];
        ct_set_error(CT_ERR_VALUE, fn, "dropout probability has to be between 0 and 1, but got %s",
                 ct__nn_py_float(a.p, p, sizeof p));
        return NULL;
    }
    dropout_module *d = (dropout_module *)ct_module_new(type, sizeof(dropout_module));
    if (!d) return NULL;
    d->p = a.p;
    d->inplace = a.inplace;
    d->channels = channels;
    return &d->base;
}

ct_module *ct_nn_dropout_(ct_nn_dropout_args a) { return make(&dropout_type, a, false, "ct_nn_dropout"); }
ct_module *ct_nn_dropout2d_(ct_nn_dropout_args a) { return make(&dropout2d_type, a, true, "ct_nn_dropout2d"); }
