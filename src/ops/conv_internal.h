/*
 * src/ops/conv_internal.h - helpers shared by the convolution and pooling
 * ops (conv.c, conv_transpose.c, conv_op.c, pool.c, upsample.c).
 */
#ifndef CT_OPS_CONV_INTERNAL_H
#define CT_OPS_CONV_INTERNAL_H

#include "../kernels/conv.h"
#include "functional_internal.h"

/*
 * Reads a per-dim option into out[0..nd): empty gives def, one entry applies
 * to all dims, nd entries are taken as they are; any other count fails with
 * PyTorch's message (`what` names the option, e.g. "stride").
 */
bool ct__conv_expand_arg(ct_shape s, int nd, int64_t def, const char *what, int64_t *out,
                         const char *fn);

/* The three convolution products of kernels/conv.h, as differentiable ops. */
typedef enum {
    CT_CONV_KIND_FORWARD, /* (x, w) -> y  */
    CT_CONV_KIND_INPUT,   /* (gy, w) -> gx: conv_transpose2d */
    CT_CONV_KIND_WEIGHT   /* (x, gy) -> gw */
} ct_conv_kind;

/*
 * Runs one convolution product on 4-d tensors of one floating dtype whose
 * shapes match geometry g, adds bias (per output channel; FORWARD and INPUT
 * only; may be NULL) and records a node whose backward is written with the
 * same three products, so gradients of any order work. fn starting with
 * "ct_" marks a public call (node ConvolutionBackward0); else the call comes
 * from a backward (ConvolutionBackwardBackward0).
 */
ct_tensor *ct__conv_op(ct_conv_kind kind, ct_tensor *a, ct_tensor *b, ct_tensor *bias,
                       const ct_conv_geom *g, const char *fn);

/* Common checks of the convolutions' devices and dtypes (PyTorch's messages). */
bool ct__conv_check_types(ct_tensor *x, ct_tensor *w, ct_tensor *b, const char *fn);

/* ---------------------------------------------------------------- pooling */

/* Checks a pooling input: floating, 3-d or 4-d with non-empty non-batch dims (PyTorch's message). */
bool ct__pool_check_input(ct_tensor *x, const char *kernel, const char *fn);
/*
 * Reads kernel, stride (default: the kernel), padding and (with_dilation)
 * dilation of a 2-d pooling, with PyTorch's checks and messages.
 */
bool ct__pool_params(ct_shape kernel, const ct_pool_opts *o, const char *name, bool with_dilation,
                     int64_t k[2], int64_t s[2], int64_t p[2], int64_t d[2], const char *fn);
/* The output size of a pooling (PyTorch's pooling_output_shape) and its "Output size is too small" check. */
bool ct__pool_out_size(const ct_tensor *x, const int64_t k[2], const int64_t s[2], const int64_t p[2],
                       const int64_t d[2], bool ceil, int64_t *oh, int64_t *ow, const char *fn);
/* Reads an adaptive pooling's output size (-1 keeps the input's size), with PyTorch's checks. */
bool ct__adaptive_size(ct_tensor *x, ct_shape size, const char *name, int64_t *oh, int64_t *ow,
                       const char *fn);

#endif
