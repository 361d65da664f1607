/*
 * ctorch/cnn_layers.h - the convolutional network modules (torch.nn.Conv2d,
 * MaxPool2d, ...): thin modules over the functional ops of ctorch/conv.h,
 * with PyTorch's parameter names and shapes, default init and print(model)
 * strings. BatchNorm2d, Dropout2d and ReLU(inplace=True) are in
 * ctorch/layers.h.
 *
 * Options follow the layers.h convention: designated initializers whose zero
 * value is PyTorch's default. Per-dim options (kernel_size, stride, padding,
 * ...) are a ct_shape as in conv.h: CT_DIMS(3) is Python's 3, CT_DIMS(3, 5)
 * the tuple (3, 5), an empty shape the default:
 *
 *     ct_nn_conv2d(1, 32, CT_DIMS(3), .padding = CT_DIMS(1))
 *     ct_nn_conv2d(16, 16, CT_DIMS(3), .padding_str = "same", .groups = 16, .no_bias = true)
 *     ct_nn_max_pool2d(CT_DIMS(2))
 *     ct_nn_avg_pool2d(CT_DIMS(3), .stride = CT_DIMS(2), .padding = CT_DIMS(1))
 *     ct_nn_upsample(.scale_factor = {2}, .mode = CT_INTERP_BILINEAR)
 *
 * Each constructor returns a new module you own (NULL on error); free it with
 * ct_module_free or hand it to a parent.
 */
#ifndef CTORCH_CNN_LAYERS_H
#define CTORCH_CNN_LAYERS_H

#include "conv.h"
#include "module.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ convolution */

/** Arguments of ct_nn_conv1d / ct_nn_conv2d; use the macros. */
typedef struct ct_nn_conv_args {
    int ct__;
    int64_t in_channels, out_channels;
    ct_shape kernel_size;         /**< required */
    ct_shape stride;              /**< default 1 */
    ct_shape padding;             /**< default 0 */
    const char *padding_str;      /**< "same" or "valid" instead of numbers; NULL: use padding */
    ct_shape dilation;            /**< default 1 */
    int64_t groups;               /**< 0 means 1 */
    bool no_bias;                 /**< bias=False */
    ct_padding_mode padding_mode; /**< default CT_PADDING_ZEROS */
} ct_nn_conv_args;

/**
 * nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0,
 * dilation=1, groups=1, bias=True, padding_mode='zeros'): parameters
 * "weight" (out, in / groups, kH, kW) and "bias" (out), initialized as
 * PyTorch's reset_parameters does (kaiming_uniform_(a = sqrt(5)), then bias
 * uniform on +-1/sqrt(fan_in)) from the default generator, so after
 * ct_manual_seed(s) they equal torch.manual_seed(s); nn.Conv2d(...) bit for
 * bit. The forward is ct_conv2d with these options. Errors as PyTorch's
 * constructor words them: "groups must be a positive integer",
 * "in_channels must be divisible by groups", "Invalid padding string 'foo',
 * should be one of {'same', 'valid'}", "padding='same' is not supported for
 * strided convolutions". Prints as
 * "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))".
 */
#define ct_nn_conv2d(...) ct_nn_conv2d_((ct_nn_conv_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_conv2d_(ct_nn_conv_args a);

/** nn.Conv1d: as ct_nn_conv2d with one spatial dim; weight (out, in / groups, k). */
#define ct_nn_conv1d(...) ct_nn_conv1d_((ct_nn_conv_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_conv1d_(ct_nn_conv_args a);

/** Arguments of ct_nn_conv_transpose2d; use the macro. */
typedef struct ct_nn_conv_transpose_args {
    int ct__;
    int64_t in_channels, out_channels;
    ct_shape kernel_size;         /**< required */
    ct_shape stride;              /**< default 1 */
    ct_shape padding;             /**< default 0 */
    ct_shape output_padding;      /**< default 0 */
    int64_t groups;               /**< 0 means 1 */
    bool no_bias;                 /**< bias=False */
    ct_shape dilation;            /**< default 1 */
    ct_padding_mode padding_mode; /**< only zeros is supported, as in PyTorch */
} ct_nn_conv_transpose_args;

/**
 * nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride=1,
 * padding=0, output_padding=0, groups=1, bias=True, dilation=1): parameters
 * "weight" (in, out / groups, kH, kW) and "bias" (out) with PyTorch's
 * default init (as ct_nn_conv2d; fan_in is weight.size(1) kH kW). The
 * forward is ct_conv_transpose2d. 'Only "zeros" padding mode is supported
 * for ConvTranspose2d'.
 */
#define ct_nn_conv_transpose2d(...)                                                          \
    ct_nn_conv_transpose2d_((ct_nn_conv_transpose_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_conv_transpose2d_(ct_nn_conv_transpose_args a);

/* ---------------------------------------------------------------- pooling */

/** Arguments of ct_nn_max_pool2d; use the macro. */
typedef struct ct_nn_max_pool_args {
    int ct__;
    ct_shape kernel_size; /**< required */
    ct_shape stride;      /**< default: kernel_size */
    ct_shape padding;     /**< default 0 */
    ct_shape dilation;    /**< default 1 */
    bool return_indices;  /**< see ct_nn_forward_with_indices */
    bool ceil_mode;
} ct_nn_max_pool_args;

/**
 * nn.MaxPool2d(kernel_size, stride=None, padding=0, dilation=1,
 * return_indices=False, ceil_mode=False): ct_max_pool2d. Prints as
 * "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
 * (each value as given: an int or a tuple). ct_forward returns the pooled
 * tensor; with return_indices, ct_nn_forward_with_indices also gives the
 * indices (Python's tuple).
 */
#define ct_nn_max_pool2d(...) ct_nn_max_pool2d_((ct_nn_max_pool_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_max_pool2d_(ct_nn_max_pool_args a);

/** Arguments of ct_nn_avg_pool2d; use the macro. */
typedef struct ct_nn_avg_pool_args {
    int ct__;
    ct_shape kernel_size;     /**< required */
    ct_shape stride;          /**< default: kernel_size */
    ct_shape padding;         /**< default 0 */
    bool ceil_mode;
    bool exclude_pad;         /**< count_include_pad=False */
    int64_t divisor_override; /**< 0 means None */
} ct_nn_avg_pool_args;

/**
 * nn.AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False,
 * count_include_pad=True, divisor_override=None): ct_avg_pool2d. Prints as
 * "AvgPool2d(kernel_size=2, stride=2, padding=0)".
 */
#define ct_nn_avg_pool2d(...) ct_nn_avg_pool2d_((ct_nn_avg_pool_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_avg_pool2d_(ct_nn_avg_pool_args a);

/**
 * nn.AdaptiveAvgPool2d(output_size): ct_adaptive_avg_pool2d. output_size
 * is CT_DIMS(7) (Python's 7) or CT_DIMS(7, 7); an entry of -1 is None.
 * Prints as "AdaptiveAvgPool2d(output_size=(7, 7))".
 */
ct_module *ct_nn_adaptive_avg_pool2d(ct_shape output_size);

/**
 * nn.AdaptiveMaxPool2d(output_size, return_indices): ct_adaptive_max_pool2d;
 * the indices through ct_nn_forward_with_indices. Prints as
 * "AdaptiveMaxPool2d(output_size=4)".
 */
ct_module *ct_nn_adaptive_max_pool2d(ct_shape output_size, bool return_indices);

/**
 * The forward of a MaxPool2d or AdaptiveMaxPool2d module made with
 * return_indices: returns the output and writes the int64 indices (a new
 * reference) to *indices. Any other module: an error.
 */
ct_tensor *ct_nn_forward_with_indices(ct_module *m, ct_tensor *x, ct_tensor **indices);

/**
 * nn.MaxUnpool2d(kernel_size, stride=None, padding=0). It takes two inputs,
 * so it is called with ct_nn_max_unpool2d_forward (ct_forward fails for it).
 * Prints as "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))".
 */
ct_module *ct_nn_max_unpool2d(ct_shape kernel_size, ct_shape stride, ct_shape padding);

/**
 * MaxUnpool2d.forward(x, indices, output_size): ct_max_unpool2d with the
 * module's options; output_size (H, W) or empty.
 */
ct_tensor *ct_nn_max_unpool2d_forward(ct_module *m, ct_tensor *x, ct_tensor *indices, ct_shape output_size);

/* ------------------------------------------------------------- resampling */

/** Arguments of ct_nn_upsample: give one of size and scale_factor. */
typedef struct ct_nn_upsample_args {
    int ct__;
    ct_shape size;          /**< output size: CT_DIMS(4) or CT_DIMS(4, 5) */
    double scale_factor[2]; /**< {2} is Python's 2.0; {2, 3} the tuple (2.0, 3.0) */
    ct_interpolation mode;  /**< CT_INTERP_NEAREST (default) or CT_INTERP_BILINEAR */
    bool align_corners;
} ct_nn_upsample_args;

/**
 * nn.Upsample(size=None, scale_factor=None, mode='nearest',
 * align_corners=None): ct_interpolate. Prints as
 * "Upsample(scale_factor=2.0, mode=nearest)". Giving both or neither of size
 * and scale_factor: "only one of size or scale_factor should be defined"
 * (raised at construction; PyTorch raises it at the forward).
 */
#define ct_nn_upsample(...) ct_nn_upsample_((ct_nn_upsample_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_upsample_(ct_nn_upsample_args a);

/** nn.PixelShuffle(upscale_factor): ct_pixel_shuffle. Prints as "PixelShuffle(upscale_factor=2)". */
ct_module *ct_nn_pixel_shuffle(int64_t upscale_factor);

/* ---------------------------------------------------------- normalization */

/** Arguments of ct_nn_group_norm: eps 0 means 1e-5. */
typedef struct ct_nn_group_norm_args {
    int ct__;
    int64_t num_groups, num_channels;
    double eps;
    bool no_affine; /**< affine=False */
} ct_nn_group_norm_args;

/**
 * nn.GroupNorm(num_groups, num_channels, eps=1e-5, affine=True): parameters
 * "weight" (ones) and "bias" (zeros) of (num_channels); the forward is
 * ct_group_norm. "num_channels must be divisible by num_groups". Prints as
 * "GroupNorm(2, 4, eps=1e-05, affine=True)".
 */
#define ct_nn_group_norm(...) ct_nn_group_norm_((ct_nn_group_norm_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_group_norm_(ct_nn_group_norm_args a);

#ifdef __cplusplus
}
#endif
#endif
