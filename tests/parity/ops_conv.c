/* tests/parity/ops_conv.c - parity adapters for include/ctorch/conv.h. */
#include <string.h>

#include "parity.h"

static ct_tensor *opt(const parity_arg *a) { return a->kind == 't' ? a->t : NULL; }
static ct_shape dims(const parity_arg *a) { return a->kind == 'd' ? a->dims : CT_SHAPE0; }

static ct_padding_mode pad_mode(const char *s) {
    return !strcmp(s, "reflect") ? CT_PADDING_REFLECT
           : !strcmp(s, "replicate") ? CT_PADDING_REPLICATE
           : !strcmp(s, "circular") ? CT_PADDING_CIRCULAR : CT_PADDING_ZEROS;
}

/* conv2d(x, w, b, stride, padding (dims or "same"/"valid"), dilation, groups, padding_mode) */
PARITY_OP(conv2d) {
    RET1(ct_conv2d(A(0), A(1), opt(&args[2]), .stride = dims(&args[3]), .padding = dims(&args[4]),
                   .padding_str = args[4].kind == 's' ? S(4) : NULL, .dilation = dims(&args[5]),
                   .groups = I(6), .padding_mode = pad_mode(S(7))));
}
PARITY_OP(conv1d) {
    RET1(ct_conv1d(A(0), A(1), opt(&args[2]), .stride = dims(&args[3]), .padding = dims(&args[4]),
                   .padding_str = args[4].kind == 's' ? S(4) : NULL, .dilation = dims(&args[5]),
                   .groups = I(6), .padding_mode = pad_mode(S(7))));
}
/* conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation) */
PARITY_OP(conv_transpose2d) {
    RET1(ct_conv_transpose2d(A(0), A(1), opt(&args[2]), .stride = dims(&args[3]), .padding = dims(&args[4]),
                             .output_padding = dims(&args[5]), .groups = I(6), .dilation = dims(&args[7])));
}

/* max_pool2d(x, kernel, stride|None, padding, dilation, ceil_mode, return_indices) */
PARITY_OP(max_pool2d) {
    ct_tensor *idx = NULL;
    out[0] = ct_max_pool2d_with_indices(A(0), dims(&args[1]), I(6) ? &idx : NULL, .stride = dims(&args[2]),
                                        .padding = dims(&args[3]), .dilation = dims(&args[4]), .ceil_mode = I(5));
    if (!out[0]) return -1;
    if (!I(6)) return 1;
    out[1] = idx;
    return 2;
}
/* avg_pool2d(x, kernel, stride|None, padding, ceil_mode, count_include_pad, divisor_override|None) */
PARITY_OP(avg_pool2d) {
    RET1(ct_avg_pool2d(A(0), dims(&args[1]), .stride = dims(&args[2]), .padding = dims(&args[3]),
                       .ceil_mode = I(4), .exclude_pad = !I(5), .divisor_override = args[6].kind == 'i' ? I(6) : 0));
}
/* max_unpool2d(x, indices, kernel, stride|None, padding, output_size|None) */
PARITY_OP(max_unpool2d) {
    RET1(ct_max_unpool2d(A(0), A(1), dims(&args[2]), dims(&args[3]), dims(&args[4]), dims(&args[5])));
}
PARITY_OP(adaptive_avg_pool2d) { RET1(ct_adaptive_avg_pool2d(A(0), dims(&args[1]))); }
PARITY_OP(adaptive_max_pool2d) {
    ct_tensor *idx = NULL;
    out[0] = ct_adaptive_max_pool2d(A(0), dims(&args[1]), &idx);
    if (!out[0]) return -1;
    out[1] = idx;
    return 2;
}
/* interpolate(x, size|None, scale_factor (float or [h, w] as two floats)|None, mode, align_corners) */
PARITY_OP(interpolate) {
    double sh = args[2].kind == 'f' ? F(2) : 0.0, sw = args[3].kind == 'f' ? F(3) : 0.0;
    RET1(ct_interpolate(A(0), .size = dims(&args[1]), .scale_factor = {sh, sw},
                        .mode = !strcmp(S(4), "bilinear") ? CT_INTERP_BILINEAR : CT_INTERP_NEAREST,
                        .align_corners = I(5)));
}
PARITY_OP(pixel_shuffle) { RET1(ct_pixel_shuffle(A(0), I(1))); }
PARITY_OP(group_norm) { RET1(ct_group_norm(A(0), I(1), opt(&args[2]), opt(&args[3]), F(4))); }
