/*
 * tests/parity/ops_cnn.c - parity adapters for the CNN modules
 * (include/ctorch/cnn_layers.h): each builds the ctorch module with the
 * case's options, makes the argument tensors its parameters (so the runner's
 * gradients reach them) and runs it; see tests/parity/cases/cnn.py.
 */
#include <string.h>

#include "parity.h"

static ct_tensor *opt(const parity_arg *a) { return a->kind == 't' ? a->t : NULL; }
static ct_shape dims(const parity_arg *a) { return a->kind == 'd' ? a->dims : CT_SHAPE0; }

static ct_padding_mode pad_mode(const char *s) {
    return !strcmp(s, "reflect") ? CT_PADDING_REFLECT
           : !strcmp(s, "replicate") ? CT_PADDING_REPLICATE
           : !strcmp(s, "circular") ? CT_PADDING_CIRCULAR : CT_PADDING_ZEROS;
}

/* Runs m on x with weight w and bias b as its parameters, then frees m. */
static int run_with(ct_module *m, ct_tensor *w, ct_tensor *b, ct_tensor *x, ct_tensor **out) {
    if (!m) return -1;
    bool ok = (!w || ct_module_set(m, "weight", ct_retain(w))) && (!b || ct_module_set(m, "bias", ct_retain(b)));
    out[0] = ok ? ct_forward(m, x) : NULL;
    ct_module_free(m);
    return out[0] ? 1 : -1;
}

/* A module without parameters: one output. */
static int run(ct_module *m, ct_tensor *x, ct_tensor **out) { return run_with(m, NULL, NULL, x, out); }

/* nn_conv2d / nn_conv1d(x, w, b, stride, padding (dims or "same"/"valid"), dilation, groups, padding_mode) */
static int conv(int nd, const parity_arg *args, ct_tensor **out) {
    ct_tensor *w = A(1), *b = opt(&args[2]);
    int64_t groups = I(6);
    ct_shape k = {.ndim = nd};
    for (int i = 0; i < nd; i++) k.d[i] = ct_size(w, 2 + i);
    ct_nn_conv_args a = {.in_channels = ct_size(w, 1) * groups, .out_channels = ct_size(w, 0), .kernel_size = k,
                         .stride = dims(&args[3]), .padding = dims(&args[4]),
                         .padding_str = args[4].kind == 's' ? S(4) : NULL, .dilation = dims(&args[5]),
                         .groups = groups, .no_bias = b == NULL, .padding_mode = pad_mode(S(7))};
    return run_with(nd == 1 ? ct_nn_conv1d_(a) : ct_nn_conv2d_(a), w, b, A(0), out);
}
PARITY_OP(nn_conv2d) { return conv(2, args, out); }
PARITY_OP(nn_conv1d) { return conv(1, args, out); }

/* nn_conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation) */
PARITY_OP(nn_conv_transpose2d) {
    ct_tensor *w = A(1), *b = opt(&args[2]);
    int64_t groups = I(6);
    ct_module *m = ct_nn_conv_transpose2d(ct_size(w, 0), ct_size(w, 1) * groups, CT_DIMS(ct_size(w, 2), ct_size(w, 3)),
                                          .stride = dims(&args[3]), .padding = dims(&args[4]),
                                          .output_padding = dims(&args[5]), .groups = groups, .no_bias = b == NULL,
                                          .dilation = dims(&args[7]));
    return run_with(m, w, b, A(0), out);
}

/* nn_max_pool2d(x, kernel, stride|None, padding, dilation, ceil_mode, return_indices) */
PARITY_OP(nn_max_pool2d) {
    ct_module *m = ct_nn_max_pool2d(dims(&args[1]), .stride = dims(&args[2]), .padding = dims(&args[3]),
                                    .dilation = dims(&args[4]), .ceil_mode = I(5), .return_indices = I(6));
    if (!m) return -1;
    if (!I(6)) return run(m, A(0), out);
    out[0] = ct_nn_forward_with_indices(m, A(0), &out[1]);
    ct_module_free(m);
    return out[0] ? 2 : -1;
}

/* nn_avg_pool2d(x, kernel, stride|None, padding, ceil_mode, count_include_pad, divisor_override|None) */
PARITY_OP(nn_avg_pool2d) {
    return run(ct_nn_avg_pool2d(dims(&args[1]), .stride = dims(&args[2]), .padding = dims(&args[3]),
                                .ceil_mode = I(4), .exclude_pad = !I(5),
                                .divisor_override = args[6].kind == 'i' ? I(6) : 0),
               A(0), out);
}

PARITY_OP(nn_adaptive_avg_pool2d) { return run(ct_nn_adaptive_avg_pool2d(dims(&args[1])), A(0), out); }

PARITY_OP(nn_adaptive_max_pool2d) {
    ct_module *m = ct_nn_adaptive_max_pool2d(dims(&args[1]), true);
    if (!m) return -1;
    out[0] = ct_nn_forward_with_indices(m, A(0), &out[1]);
    ct_module_free(m);
    return out[0] ? 2 : -1;
}

/* nn_max_unpool2d(x, kernel, stride|None, padding, output_size|None): unpools a MaxPool2d's output. */
PARITY_OP(nn_max_unpool2d) {
    ct_module *pool = ct_nn_max_pool2d(dims(&args[1]), .stride = dims(&args[2]), .padding = dims(&args[3]),
                                       .return_indices = true);
    ct_module *unpool = ct_nn_max_unpool2d(dims(&args[1]), dims(&args[2]), dims(&args[3]));
    ct_tensor *idx = NULL;
    ct_tensor *y = pool && unpool ? ct_nn_forward_with_indices(pool, A(0), &idx) : NULL;
    out[0] = y ? ct_nn_max_unpool2d_forward(unpool, y, idx, dims(&args[4])) : NULL;
    ct_free(y);
    ct_free(idx);
    ct_module_free(pool);
    ct_module_free(unpool);
    return out[0] ? 1 : -1;
}

/* nn_upsample(x, size|None, scale|None, scale_w|None, mode, align_corners) */
PARITY_OP(nn_upsample) {
    ct_nn_upsample_args a = {.size = dims(&args[1]),
                             .scale_factor = {args[2].kind == 'f' ? F(2) : 0, args[3].kind == 'f' ? F(3) : 0},
                             .mode = strcmp(S(4), "bilinear") ? CT_INTERP_NEAREST : CT_INTERP_BILINEAR,
                             .align_corners = I(5)};
    return run(ct_nn_upsample_(a), A(0), out);
}

PARITY_OP(nn_pixel_shuffle) { return run(ct_nn_pixel_shuffle(I(1)), A(0), out); }

/* nn_group_norm(x, groups, w|None, b|None, eps) */
PARITY_OP(nn_group_norm) {
    ct_tensor *w = opt(&args[2]), *b = opt(&args[3]);
    ct_module *m = ct_nn_group_norm(I(1), ct_size(A(0), 1), .eps = F(4), .no_affine = w == NULL);
    return run_with(m, w, b, A(0), out);
}
