/*
 * tests/parity/ops_nn.c - parity adapters for the nn modules
 * (include/ctorch/layers.h): each builds the ctorch module, gives it the
 * case's tensors (parameters are the argument tensors themselves, so the
 * runner's gradients reach them; buffers are copies) and runs it.
 */
#include <string.h>

#include "parity.h"

static ct_tensor *opt(const parity_arg *a) { return a->kind == 't' ? a->t : NULL; }

/* Makes the argument tensor t the module's parameter (or buffer copy) `name`. */
static bool use_param(ct_module *m, const char *name, ct_tensor *t) {
    return !t || ct_module_set(m, name, ct_retain(t)) != NULL;
}
static bool use_buffer(ct_module *m, const char *name, ct_tensor *t) {
    if (!t) return true;
    ct_tensor *d = ct_detach(t), *c = d ? ct_clone(d) : NULL;
    ct_free(d);
    return c && ct_module_set(m, name, c) != NULL;
}

/* Runs m on x and frees m; returns the number of outputs (1) or -1. */
static int run(ct_module *m, ct_tensor *x, bool training, ct_tensor **out) {
    if (!m) return -1;
    ct_module_train(m, training);
    out[0] = ct_forward(m, x);
    ct_module_free(m);
    return out[0] ? 1 : -1;
}

PARITY_OP(nn_linear) {
    ct_tensor *w = A(1), *b = opt(&args[2]);
    ct_module *m = ct_nn_linear(ct_size(w, 1), ct_size(w, 0), .no_bias = b == NULL);
    if (m && !(use_param(m, "weight", w) && use_param(m, "bias", b))) {
        ct_module_free(m);
        return -1;
    }
    return run(m, A(0), true, out);
}

PARITY_OP(nn_act) {
    const char *n = S(1);
    ct_module *m = NULL;
    if (!strcmp(n, "relu")) m = ct_nn_relu();
    else if (!strcmp(n, "leaky_relu")) m = ct_nn_leaky_relu(F(2));
    else if (!strcmp(n, "elu")) m = ct_nn_elu(F(2));
    else if (!strcmp(n, "gelu")) m = ct_nn_gelu(.approximate = strcmp(S(2), "tanh") ? CT_GELU_NONE : CT_GELU_TANH);
    else if (!strcmp(n, "silu")) m = ct_nn_silu();
    else if (!strcmp(n, "sigmoid")) m = ct_nn_sigmoid();
    else if (!strcmp(n, "tanh")) m = ct_nn_tanh();
    else if (!strcmp(n, "softplus")) m = ct_nn_softplus(F(2), F(3));
    else if (!strcmp(n, "softmax")) m = ct_nn_softmax((int)I(2));
    else if (!strcmp(n, "log_softmax")) m = ct_nn_log_softmax((int)I(2));
    return run(m, A(0), true, out);
}

PARITY_OP(nn_dropout) {
    ct_nn_dropout_args o = {.p = F(1)};
    ct_module *m = args[4].i ? ct_nn_dropout2d_(o) : ct_nn_dropout_(o);
    ct_manual_seed((uint64_t)I(2));
    return run(m, A(0), args[3].i != 0, out);
}

/* batch_norm(x, w, b, rm, rv, training, momentum (< 0: None), eps, steps, dims) */
PARITY_OP(nn_batch_norm) {
    ct_tensor *x = A(0), *w = opt(&args[1]), *b = opt(&args[2]), *rm = opt(&args[3]), *rv = opt(&args[4]);
    bool training = args[5].i != 0;
    int steps = (int)I(8);
    ct_nn_batch_norm_args o = {.num_features = ct_dim(x) > 1 ? ct_size(x, 1) : 0, .eps = F(7),
                               .momentum = F(6) < 0 ? 0 : F(6), .cumulative = F(6) < 0,
                               .no_affine = w == NULL, .no_track_running_stats = rm == NULL};
    ct_module *m = I(9) == 1 ? ct_nn_batch_norm1d_(o) : ct_nn_batch_norm2d_(o);
    if (!m) return -1;
    int nout = -1;
    CT_SCOPE {
        if (!use_param(m, "weight", w) || !use_param(m, "bias", b) || !use_buffer(m, "running_mean", rm) ||
            !use_buffer(m, "running_var", rv))
            break;
        ct_module_train(m, training);
        ct_tensor *chunks[8], *ys[8];
        int n = ct_chunk(x, steps, 0, chunks, 8);
        bool ok = n > 0;
        for (int i = 0; ok && i < n; i++) ok = (ys[i] = ct_forward(m, chunks[i])) != NULL;
        if (!ok) break;
        out[0] = ct_keep(ct_cat(ys, n, 0));
        nout = 1;
        if (rm) {
            out[1] = ct_keep(ct_clone(ct_module_get(m, "running_mean")));
            out[2] = ct_keep(ct_clone(ct_module_get(m, "running_var")));
            out[3] = ct_keep(ct_clone(ct_module_get(m, "num_batches_tracked")));
            nout = 4;
        }
    }
    ct_module_free(m);
    return nout;
}

PARITY_OP(nn_layer_norm) {
    ct_tensor *w = opt(&args[2]), *b = opt(&args[3]);
    ct_module *m = ct_nn_layer_norm(args[1].dims, .eps = F(4), .no_elementwise_affine = w == NULL);
    if (m && !(use_param(m, "weight", w) && use_param(m, "bias", b))) {
        ct_module_free(m);
        return -1;
    }
    return run(m, A(0), true, out);
}

PARITY_OP(nn_embedding) {
    ct_tensor *w = A(1);
    bool pad = args[2].kind == 'i';
    ct_module *m = ct_nn_embedding(ct_size(w, 0), ct_size(w, 1), .padding_idx = pad ? I(2) : 0,
                                   .has_padding_idx = pad);
    if (m && !use_param(m, "weight", w)) {
        ct_module_free(m);
        return -1;
    }
    return run(m, A(0), true, out);
}

PARITY_OP(nn_mlp) {
    ct_module *m = ct_nn_sequential(ct_nn_linear(ct_size(A(1), 1), ct_size(A(1), 0)), ct_nn_batch_norm1d(ct_size(A(1), 0)),
                                    ct_nn_gelu(), ct_nn_linear(ct_size(A(5), 1), ct_size(A(5), 0)), ct_nn_log_softmax(1),
                                    NULL);
    if (!m) return -1;
    bool ok = true;
    /* load the weights by their state-dict names, the way a checkpoint would */
    const char *names[] = {"0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"};
    ct_tensor_dict *d = ct_state_dict(m);
    for (int i = 0; i < 6 && ok; i++) {
        ct_tensor *cur = ct_tensor_dict_get(d, names[i]);
        ok = cur != NULL;
        ct_free(cur);
        char child[2] = {names[i][0], 0};
        ok = ok && use_param(ct_module_child(m, child), names[i] + 2, A(1 + i));
    }
    ct_tensor_dict_free(d);
    if (!ok) {
        ct_module_free(m);
        return -1;
    }
    return run(m, A(0), args[7].i != 0, out);
}

/* loss(name, input, target, weight) */
PARITY_OP(nn_loss) {
    const char *n = S(0);
    ct_tensor *w = opt(&args[3]), *wd = w ? ct_detach(w) : NULL;
    ct_module *m = NULL;
    if (!strcmp(n, "mse")) m = ct_nn_mse_loss();
    else if (!strcmp(n, "l1")) m = ct_nn_l1_loss();
    else if (!strcmp(n, "smooth_l1")) m = ct_nn_smooth_l1_loss();
    else if (!strcmp(n, "huber")) m = ct_nn_huber_loss();
    else if (!strcmp(n, "ce")) m = ct_nn_cross_entropy_loss(.weight = wd);
    else if (!strcmp(n, "nll")) m = ct_nn_nll_loss(.weight = wd);
    else if (!strcmp(n, "bce")) m = ct_nn_bce_loss(.weight = wd);
    else if (!strcmp(n, "bce_logits")) m = ct_nn_bce_with_logits_loss(.weight = wd);
    else if (!strcmp(n, "kl_div")) m = ct_nn_kl_div_loss();
    ct_free(wd);
    if (!m) return -1;
    out[0] = ct_loss_forward(m, A(1), A(2));
    ct_module_free(m);
    return out[0] ? 1 : -1;
}
