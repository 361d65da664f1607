/*
 * ctorch/functional.h - the functional forms of the nn layers
 * (torch.nn.functional): linear, activations, softmax, dropout, batch and
 * layer normalization, embedding. The modules of ctorch/module.h (ct_nn_*)
 * are thin wrappers over these.
 *
 * Conventions are those of every op header (see ctorch/pointwise.h). The
 * activations, softmax and the normalizations take floating tensors only
 * (float32, float64), as PyTorch's CPU kernels do; integer inputs fail with
 * PyTorch's message ("\"silu_cpu\" not implemented for 'Long'"). Every op
 * records PyTorch's backward node (GeluBackward0, SoftmaxBackward0,
 * NativeBatchNormBackward0, ...) with a fused backward kernel; with
 * create_graph the backward is written with differentiable ops, so
 * second-order gradients work.
 */
#ifndef CTORCH_FUNCTIONAL_H
#define CTORCH_FUNCTIONAL_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ linear */

/**
 * F.linear(x, weight, bias): x @ weight^T + bias. x is (*, in_features) of
 * rank >= 1, weight (out_features, in_features), bias (out_features) or NULL.
 * The result is (*, out_features) (a 1-d x gives a 1-d result). All three
 * must share one dtype ("expected scalar type Float but found Double").
 */
ct_tensor *ct_linear(ct_tensor *x, ct_tensor *weight, ct_tensor *bias);

/* ------------------------------------------------------------- activations */

/** F.leaky_relu(x, negative_slope): x if x > 0 else negative_slope * x (PyTorch's default slope is 0.01). */
ct_tensor *ct_leaky_relu(ct_tensor *x, double negative_slope);
/**
 * In place (F.leaky_relu_); returns x. As in PyTorch, its backward refuses a
 * negative slope ("In-place leakyReLu backward calculation is triggered with a
 * negative slope which is not supported...").
 */
ct_tensor *ct_leaky_relu_(ct_tensor *x, double negative_slope);

/** F.elu(x, alpha): x if x > 0 else alpha * (exp(x) - 1) (default alpha 1.0). */
ct_tensor *ct_elu(ct_tensor *x, double alpha);
/** In place (F.elu_); returns x. Its backward refuses a negative alpha, as PyTorch's does. */
ct_tensor *ct_elu_(ct_tensor *x, double alpha);

/** How F.gelu computes the Gaussian CDF. */
typedef enum ct_gelu_approx {
    CT_GELU_NONE = 0, /**< exact: x * Phi(x) with erf (approximate="none", the default) */
    CT_GELU_TANH      /**< 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (approximate="tanh") */
} ct_gelu_approx;
/** F.gelu(x, approximate=...). */
ct_tensor *ct_gelu(ct_tensor *x, ct_gelu_approx approximate);
/**
 * F.gelu with the approximation named as in Python: "none" or "tanh"
 * (anything else: "approximate argument must be either none or tanh.").
 */
ct_tensor *ct_gelu_str(ct_tensor *x, const char *approximate);

/** F.silu(x) (swish): x * sigmoid(x). */
ct_tensor *ct_silu(ct_tensor *x);

/**
 * F.softplus(x, beta, threshold): log(1 + exp(beta x)) / beta, and x itself
 * where beta x > threshold (PyTorch's defaults: beta 1, threshold 20).
 */
ct_tensor *ct_softplus(ct_tensor *x, double beta, double threshold);

/**
 * F.hardtanh(x, min_val, max_val): x clamped to [min_val, max_val] (defaults
 * -1, 1); the gradient is zero outside the open interval. Integer tensors
 * are clamped too (no gradient).
 */
ct_tensor *ct_hardtanh(ct_tensor *x, double min_val, double max_val);

/**
 * F.softmax(x, dim): exp(x) / sum(exp(x)) along dim, computed stably (the max
 * along dim is subtracted first). x must be floating.
 */
ct_tensor *ct_softmax(ct_tensor *x, int dim);
/** F.softmax(x, dim, dtype=dtype): x is converted to dtype first (so integer inputs work). */
ct_tensor *ct_softmax_dtype(ct_tensor *x, int dim, ct_dtype dtype);
/** F.log_softmax(x, dim): x - logsumexp(x, dim), computed stably. */
ct_tensor *ct_log_softmax(ct_tensor *x, int dim);
/** F.log_softmax(x, dim, dtype=dtype). */
ct_tensor *ct_log_softmax_dtype(ct_tensor *x, int dim, ct_dtype dtype);

/* ----------------------------------------------------------------- dropout */

/**
 * F.dropout(x, p, training): in training mode each element is zeroed with
 * probability p and the rest are scaled by 1 / (1 - p); the mask is drawn
 * with bernoulli_(1 - p) from g (NULL: the default generator), exactly as
 * PyTorch's CPU dropout draws it, so the same seed gives the same mask. p = 1
 * gives zeros. training = false returns x itself (a new reference to the same
 * tensor), as PyTorch returns its input. p outside [0, 1]: "dropout
 * probability has to be between 0 and 1, but got 1.5".
 */
ct_tensor *ct_dropout(ct_tensor *x, double p, bool training, ct_generator *g);
/** In place (F.dropout(..., inplace=True)); returns x. */
ct_tensor *ct_dropout_(ct_tensor *x, double p, bool training, ct_generator *g);

/**
 * F.dropout2d(x, p, training): zeroes whole channels. x is (N, C, H, W) or
 * (C, H, W) (a 3-d input is read as (N, C, L) like PyTorch 1.13 does); the
 * mask has one value per (N, C) entry. x needs at least 2 dims ("Feature
 * dropout requires at least 2 dimensions in the input").
 */
ct_tensor *ct_dropout2d(ct_tensor *x, double p, bool training, ct_generator *g);
/** In place form of ct_dropout2d; returns x. */
ct_tensor *ct_dropout2d_(ct_tensor *x, double p, bool training, ct_generator *g);

/* ----------------------------------------------------------- normalization */

/**
 * F.batch_norm(x, running_mean, running_var, weight, bias, training,
 * momentum, eps) for x of shape (N, C) or (N, C, *): normalizes each channel
 * c by (x - mean_c) / sqrt(var_c + eps), then scales by weight[c] and adds
 * bias[c] (either may be NULL).
 *   training = true: mean and (biased) variance of the batch; the running
 *     buffers, when given, are updated in place (outside autograd):
 *     running = (1 - momentum) * running + momentum * stat, with the unbiased
 *     variance for running_var. Needs more than one value per channel
 *     ("Expected more than 1 value per channel when training, got input size
 *     [1, 3]").
 *   training = false: running_mean and running_var are used (both required).
 * PyTorch's defaults: momentum 0.1, eps 1e-5.
 */
ct_tensor *ct_batch_norm(ct_tensor *x, ct_tensor *running_mean, ct_tensor *running_var,
                         ct_tensor *weight, ct_tensor *bias, bool training, double momentum,
                         double eps);

/**
 * F.layer_norm(x, normalized_shape, weight, bias, eps): normalizes over the
 * last normalized_shape.ndim dims of x (which must equal normalized_shape),
 * with the biased variance, then applies weight and bias of shape
 * normalized_shape (either may be NULL). PyTorch's default eps is 1e-5.
 */
ct_tensor *ct_layer_norm(ct_tensor *x, ct_shape normalized_shape, ct_tensor *weight,
                         ct_tensor *bias, double eps);

/* --------------------------------------------------------------- embedding */

/**
 * F.embedding(indices, weight, padding_idx): the rows weight[indices]; the
 * result has shape indices.shape + (embedding_dim). indices are int64 or
 * int32; every index must be in [0, num_embeddings) ("index out of range in
 * self"). padding_idx (negative counts from the end; CT_NO_PADDING for none)
 * names a row whose gradient stays zero.
 */
ct_tensor *ct_embedding(ct_tensor *indices, ct_tensor *weight, int64_t padding_idx);
/** ct_embedding's padding_idx meaning "no padding row" (Python's None). */
#define CT_NO_PADDING INT64_MIN

#ifdef __cplusplus
}
#endif
#endif
