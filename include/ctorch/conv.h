/*
 * ctorch/conv.h - the functional forms of the convolutional layers
 * (torch.nn.functional): conv1d, conv2d, conv_transpose2d, max/avg/adaptive
 * pooling, max_unpool2d, interpolate (nearest, bilinear), pixel_shuffle and
 * group_norm. The modules (ct_nn_conv2d, ...) are thin wrappers over these.
 *
 * Conventions are those of every op header (see ctorch/pointwise.h). Optional
 * arguments are trailing designated initializers whose zero value is
 * PyTorch's default:
 *
 *     y = ct_conv2d(x, w, b, .padding = CT_DIMS(1));              // padding=1
 *     y = ct_conv2d(x, w, NULL, .padding_str = "same", .dilation = CT_DIMS(2));
 *     y = ct_conv2d(x, w);                                          // no bias
 *     p = ct_max_pool2d(x, CT_DIMS(3, 2), .stride = CT_DIMS(2), .ceil_mode = true);
 *
 * (The leading positional arguments after x, such as weight and bias or the
 * kernel size, are the first fields of the option struct, so a call may stop
 * after any of them, as in Python.)
 *
 * Per-dim arguments (stride, padding, dilation, kernel sizes, ...) are a
 * ct_shape: empty (ndim 0) means the default, one entry applies to every
 * spatial dim (Python's int), otherwise one entry per spatial dim (a tuple).
 * Inputs are batched (N, C, *) or unbatched (C, *) like PyTorch 1.13; the
 * ops take float32 and float64 tensors. Every op is differentiable and
 * records PyTorch's node (ConvolutionBackward0, MaxPool2DWithIndicesBackward0,
 * AvgPool2DBackward0, ...); the convolution's backward runs on the same fast
 * kernels and is itself differentiable, so second order works.
 */
#ifndef CTORCH_CONV_H
#define CTORCH_CONV_H

#include "transforms.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ convolution */

/** nn.Conv2d's padding_mode: how the input is padded before a convolution. */
typedef enum ct_padding_mode {
    CT_PADDING_ZEROS = 0, /**< "zeros" (the default) */
    CT_PADDING_REFLECT,   /**< "reflect" */
    CT_PADDING_REPLICATE, /**< "replicate" */
    CT_PADDING_CIRCULAR   /**< "circular" */
} ct_padding_mode;

/** Options of ct_conv1d / ct_conv2d (F.conv2d's keyword arguments plus nn.Conv2d's padding_mode). */
typedef struct ct_conv_opts {
    int ct__;                     /* keeps the option idiom free of empty initializers; ignore */
    ct_tensor *weight;            /**< positional: (C_out, C_in / groups, kH, kW) */
    ct_tensor *bias;              /**< positional: (C_out) or NULL (the default) */
    ct_shape stride;              /**< default 1 */
    ct_shape padding;             /**< implicit padding on both sides of each dim; default 0 */
    const char *padding_str;      /**< "same" or "valid" (overrides padding); NULL: use padding */
    ct_shape dilation;            /**< default 1 */
    int64_t groups;               /**< default 1 (0 means 1) */
    ct_padding_mode padding_mode; /**< nn.Conv2d's padding_mode; default zeros */
} ct_conv_opts;

/**
 * F.conv2d(x, weight, bias, stride, padding, dilation, groups): x is
 * (N, C_in, H, W) or (C_in, H, W), weight (C_out, C_in / groups, kH, kW),
 * bias (C_out) or NULL. The result is (N, C_out, H_out, W_out) with
 * H_out = (H + 2 padding - dilation (kH - 1) - 1) / stride + 1.
 * padding_str "same" keeps H and W (stride must be 1; an even effective
 * kernel pads one more on the bottom/right, as PyTorch does); "valid" is no
 * padding. A padding_mode other than zeros pads x with that mode first (the
 * way nn.Conv2d does) and convolves without implicit padding.
 * Errors use PyTorch's wording, e.g. "Expected 3D (unbatched) or 4D
 * (batched) input to conv2d, but got input of size: [2, 3]", "Given
 * groups=1, weight of size [4, 3, 3, 3], expected input[1, 1, 5, 5] to have
 * 3 channels, but got 1 channels instead".
 */
#define ct_conv2d(x, ...) ct_conv2d_((x), (ct_conv_opts){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_conv2d_(ct_tensor *x, ct_conv_opts opts);

/**
 * F.conv1d: x is (N, C_in, L) or (C_in, L), weight (C_out, C_in / groups, k);
 * the options as for ct_conv2d with one spatial dim.
 */
#define ct_conv1d(x, ...) ct_conv1d_((x), (ct_conv_opts){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_conv1d_(ct_tensor *x, ct_conv_opts opts);

/** Options of ct_conv_transpose2d (F.conv_transpose2d's keyword arguments). */
typedef struct ct_conv_transpose_opts {
    int ct__;
    ct_tensor *weight;       /**< positional: (C_in, C_out / groups, kH, kW) */
    ct_tensor *bias;         /**< positional: (C_out) or NULL */
    ct_shape stride;         /**< default 1 */
    ct_shape padding;        /**< default 0: removed from both sides of the output */
    ct_shape output_padding; /**< default 0: added to the bottom/right; must be < stride or dilation */
    int64_t groups;          /**< default 1 (0 means 1) */
    ct_shape dilation;       /**< default 1 */
} ct_conv_transpose_opts;

/**
 * F.conv_transpose2d(x, weight, bias, stride, padding, output_padding,
 * groups, dilation): the gradient of conv2d with respect to its input. x is
 * (N, C_in, H, W) or unbatched, weight (C_in, C_out / groups, kH, kW); the
 * output is (N, C_out, H_out, W_out) with H_out = (H - 1) stride - 2 padding
 * + dilation (kH - 1) + output_padding + 1.
 */
#define ct_conv_transpose2d(x, ...)                                                       \
    ct_conv_transpose2d_((x), (ct_conv_transpose_opts){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_conv_transpose2d_(ct_tensor *x, ct_conv_transpose_opts opts);

/* ---------------------------------------------------------------- pooling */

/** Options of ct_max_pool2d and ct_avg_pool2d. */
typedef struct ct_pool_opts {
    int ct__;
    ct_shape kernel_size;   /**< positional: (kH, kW) or one entry for both */
    ct_tensor **indices;    /**< positional, max pooling only: where to write the indices (return_indices=True); may be NULL */
    ct_shape stride;        /**< default: the kernel size */
    ct_shape padding;       /**< implicit padding (-inf for max, 0 for avg); at most half the kernel */
    ct_shape dilation;      /**< max pooling only; default 1 */
    bool ceil_mode;         /**< round the output size up (a window must start inside the input or left padding) */
    bool exclude_pad;       /**< avg: count_include_pad=False (PyTorch's default is True: padded zeros count) */
    int64_t divisor_override; /**< avg: divide by this instead of the window size; 0 means None */
} ct_pool_opts;

/**
 * F.max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode): the
 * max of each window of x (N, C, H, W) or (C, H, W). NaN wins. Errors as in
 * PyTorch: "pad should be at most half of effective kernel size, but got
 * pad=2, kernel_size=3 and dilation=1", "Given input size: (3x2x2).
 * Calculated output size: (3x0x0). Output size is too small".
 */
#define ct_max_pool2d(x, ...) ct_max_pool2d_((x), (ct_pool_opts){.ct__ = 0, __VA_ARGS__})
/**
 * F.max_pool2d(..., return_indices=True), called as
 * ct_max_pool2d_with_indices(x, kernel_size, &indices, ...options): also
 * writes the int64 flat index
 * (h * W + w within its plane) of each maximum into *indices (a new
 * reference) when indices is not NULL.
 */
#define ct_max_pool2d_with_indices(x, ...) ct_max_pool2d_((x), (ct_pool_opts){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_max_pool2d_(ct_tensor *x, ct_pool_opts opts);

/**
 * F.avg_pool2d(x, kernel_size, stride, padding, ceil_mode,
 * count_include_pad, divisor_override): the mean of each window. Windows
 * that run past the padded input (ceil_mode) never count those positions.
 */
#define ct_avg_pool2d(x, ...) ct_avg_pool2d_((x), (ct_pool_opts){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_avg_pool2d_(ct_tensor *x, ct_pool_opts opts);

/**
 * F.max_unpool2d(x, indices, kernel_size, stride, padding, output_size):
 * scatters x into zeros at the flat plane positions of indices (as returned
 * by ct_max_pool2d_with_indices). output_size (H, W) or empty: the size
 * (H - 1) stride - 2 padding + kernel_size. Stride defaults to the kernel.
 */
ct_tensor *ct_max_unpool2d(ct_tensor *x, ct_tensor *indices, ct_shape kernel_size, ct_shape stride,
                           ct_shape padding, ct_shape output_size);

/**
 * F.adaptive_avg_pool2d(x, output_size): output (oH, oW); window i spans
 * [floor(i H / oH), ceil((i + 1) H / oH)). An entry of -1 keeps the input
 * size (Python's None).
 */
ct_tensor *ct_adaptive_avg_pool2d(ct_tensor *x, ct_shape output_size);

/** F.adaptive_max_pool2d(x, output_size, return_indices): indices as for ct_max_pool2d (may be NULL). */
ct_tensor *ct_adaptive_max_pool2d(ct_tensor *x, ct_shape output_size, ct_tensor **indices);

/* --------------------------------------------------------------- resizing */

/* F.interpolate's mode is ct_interpolation (ctorch/transforms.h): CT_INTERP_NEAREST
 * ("nearest", the default) or CT_INTERP_BILINEAR ("bilinear", 4-D input). */

/** Options of ct_interpolate: give exactly one of size and scale_factor. */
typedef struct ct_interp_opts {
    int ct__;
    ct_shape size;          /**< output (H, W) (one entry for all dims) */
    double scale_factor[2]; /**< (sH, sW); a zero sW repeats sH; all zero means "use size" */
    ct_interpolation mode;  /**< CT_INTERP_NEAREST (default) or CT_INTERP_BILINEAR */
    bool align_corners;     /**< bilinear only (PyTorch's default False) */
} ct_interp_opts;

/**
 * F.interpolate(x, size, scale_factor, mode, align_corners) on x (N, C, H, W)
 * (nearest also takes (N, C, L)). With scale_factor the source coordinates
 * use the given scale (recompute_scale_factor=None), as PyTorch 1.13 does.
 */
#define ct_interpolate(x, ...) ct_interpolate_((x), (ct_interp_opts){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_interpolate_(ct_tensor *x, ct_interp_opts opts);

/**
 * F.pixel_shuffle(x, r): (*, C r^2, H, W) -> (*, C, H r, W r), a reshape and
 * permute ("pixel_shuffle expects its input's 'channel' dimension to be
 * divisible by the square of upscale_factor, but input.size(-3)=3 is not
 * divisible by 4").
 */
ct_tensor *ct_pixel_shuffle(ct_tensor *x, int64_t upscale_factor);

/* ---------------------------------------------------------- normalization */

/**
 * F.group_norm(x, num_groups, weight, bias, eps): x (N, C, *) is split into
 * num_groups groups of channels; each (sample, group) is normalized by its
 * mean and biased variance, then weight[c] and bias[c] (either may be NULL)
 * are applied. PyTorch's default eps is 1e-5. "Expected number of channels
 * in input to be divisible by num_groups, but got input of shape [2, 6, 4]
 * and num_groups=4".
 */
ct_tensor *ct_group_norm(ct_tensor *x, int64_t num_groups, ct_tensor *weight, ct_tensor *bias,
                         double eps);

#ifdef __cplusplus
}
#endif
#endif
