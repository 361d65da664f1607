/*
 * ctorch/loss.h - loss functions (torch.nn.functional's losses), each one
 * fused op with its own backward node named as PyTorch names it.
 *
 * Every loss takes its input and target first, then options as designated
 * initializers that default to PyTorch's values (see ctorch/tensor.h):
 *
 *     ct_tensor *l = ct_cross_entropy(logits, labels);              // mean
 *     ct_tensor *m = ct_mse_loss(out, one_hot, .reduction = CT_REDUCTION_SUM);
 *     ct_tensor *c = ct_cross_entropy(logits, y, .label_smoothing = 0.1,
 *                                     .ignore_index = 3);
 *
 * Shared rules:
 *   - reduction: CT_REDUCTION_MEAN (the default, value 0), CT_REDUCTION_SUM or
 *     CT_REDUCTION_NONE (per element, no reduction); CT_REDUCTION_BATCHMEAN is
 *     accepted by ct_kl_div only. A mean over zero elements is NaN, a sum 0.
 *   - The result dtype follows PyTorch: the regression losses, kl_div,
 *     binary_cross_entropy_with_logits and probability-target cross_entropy
 *     promote input and target (float32 with float64 gives float64); nll_loss,
 *     class-index cross_entropy and binary_cross_entropy want the exact dtypes
 *     PyTorch wants and fail with its message otherwise. Inputs are floating.
 *   - Where PyTorch broadcasts input against target (mse, l1, smooth_l1,
 *     huber, kl_div) we broadcast too, without PyTorch's warning.
 *   - Gradients flow to the input and, where PyTorch differentiates it, to
 *     the target (regression losses, kl_div, the binary cross entropies and
 *     probability targets); class-index targets are integers and are not
 *     differentiable. A `weight` or `pos_weight` that requires grad is an error
 *     while grad mode is on, as in PyTorch. The backward is one fused kernel;
 *     under create_graph it is built from differentiable ops, so second order
 *     gradients work.
 *   - Options whose PyTorch default is not zero are encoded so that leaving
 *     them out (zero) means PyTorch's default; each option says how.
 */
#ifndef CTORCH_LOSS_H
#define CTORCH_LOSS_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How a loss reduces its per-element values (PyTorch's reduction="..."). */
typedef enum ct_reduction {
    CT_REDUCTION_MEAN = 0,  /**< "mean" (default) */
    CT_REDUCTION_SUM,       /**< "sum" */
    CT_REDUCTION_NONE,      /**< "none": one value per element (per sample for class losses) */
    CT_REDUCTION_BATCHMEAN  /**< "batchmean": sum / input.size(0); ct_kl_div only */
} ct_reduction;

/** PyTorch's default ignore_index. */
#define CT_DEFAULT_IGNORE_INDEX (-100)

/* ------------------------------------------------------------ regression */

/** Arguments of ct_mse_loss and ct_l1_loss; use the macros. */
typedef struct ct_loss_args {
    int ct__;
    ct_tensor *input, *target;
    ct_reduction reduction;
} ct_loss_args;

/**
 * F.mse_loss(input, target): (input - target)^2, reduced. Node MseLossBackward0.
 *     ct_mse_loss(out, one_hot)  ct_mse_loss(out, y, .reduction = CT_REDUCTION_NONE)
 */
#define ct_mse_loss(...) ct_mse_loss_((ct_loss_args){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_mse_loss_(ct_loss_args a);

/** F.l1_loss(input, target): |input - target|, reduced (gradient sign(input - target), 0 at 0). */
#define ct_l1_loss(...) ct_l1_loss_((ct_loss_args){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_l1_loss_(ct_loss_args a);

/**
 * Arguments of ct_smooth_l1_loss. beta = 0 means PyTorch's default 1.0; for a
 * real beta of 0 (which is the L1 loss) set .has_beta = true as well. A
 * negative beta is an error.
 */
typedef struct ct_smooth_l1_loss_args {
    int ct__;
    ct_tensor *input, *target;
    ct_reduction reduction;
    double beta;
    bool has_beta;
} ct_smooth_l1_loss_args;

/**
 * F.smooth_l1_loss(input, target, beta=1.0): with z = |input - target|,
 * 0.5 z^2 / beta where z < beta, else z - 0.5 beta. Node SmoothL1LossBackward0.
 */
#define ct_smooth_l1_loss(...) ct_smooth_l1_loss_((ct_smooth_l1_loss_args){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_smooth_l1_loss_(ct_smooth_l1_loss_args a);

/** Arguments of ct_huber_loss. delta = 0 means PyTorch's default 1.0 (delta must be > 0). */
typedef struct ct_huber_loss_args {
    int ct__;
    ct_tensor *input, *target;
    ct_reduction reduction;
    double delta;
} ct_huber_loss_args;

/**
 * F.huber_loss(input, target, delta=1.0): with z = |input - target|,
 * 0.5 z^2 where z < delta, else delta (z - 0.5 delta). Node HuberLossBackward0.
 */
#define ct_huber_loss(...) ct_huber_loss_((ct_huber_loss_args){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_huber_loss_(ct_huber_loss_args a);

/* -------------------------------------------------------- classification */

/**
 * Arguments of ct_cross_entropy and ct_nll_loss.
 *   weight: NULL, or a 1-d tensor of C class weights (input's dtype).
 *   ignore_index: targets equal to it add nothing to the loss, the gradient
 *     or the mean's denominator. Left at 0 it means PyTorch's default -100;
 *     any other value is used as given. To ignore class 0 itself write
 *     .ignore_index = 0, .has_ignore_index = true.
 *   label_smoothing (cross_entropy only): in [0, 1] (above 1 is an error;
 *     like PyTorch, a value <= 0 means none).
 */
typedef struct ct_cross_entropy_args {
    int ct__;
    ct_tensor *input, *target;
    ct_tensor *weight;
    int64_t ignore_index;
    bool has_ignore_index;
    ct_reduction reduction;
    double label_smoothing;
} ct_cross_entropy_args;
typedef ct_cross_entropy_args ct_nll_loss_args;

/**
 * F.cross_entropy(input, target): log_softmax over the class dim then the
 * negative log likelihood, fused and computed stably (each row's max is
 * subtracted before exp).
 *   input: (N, C), (N, C, d1, ...) or unbatched (C) logits, floating.
 *   target: class indices, int64 of shape (N), (N, d1, ...) or () with
 *     values in [0, C) or ignore_index ("Target 10 is out of bounds.");
 *     or class probabilities of the input's shape (floating; ignore_index
 *     must then be left unset).
 * Mean reduction divides class-index losses by the sum of the weights of the
 * non-ignored targets (their count without weight), probability losses by
 * N * d1 * ...; label smoothing follows PyTorch's formula exactly. The
 * gradient goes to input, and to a probability target.
 * Node NllLossBackward0 (AddBackward0 with label smoothing; DivBackward1 or
 * NegBackward0 for probability targets, as PyTorch's graph ends).
 */
#define ct_cross_entropy(...) ct_cross_entropy_((ct_cross_entropy_args){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_cross_entropy_(ct_cross_entropy_args a);

/**
 * F.nll_loss(input, target): -input[n, target[n]] * weight[target[n]],
 * reduced; input holds log-probabilities with the same shapes and target
 * rules as class-index ct_cross_entropy (label_smoothing must be 0).
 * Node NllLossBackward0.
 */
#define ct_nll_loss(...) ct_nll_loss_((ct_nll_loss_args){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_nll_loss_(ct_nll_loss_args a);

/** Arguments of ct_binary_cross_entropy: weight NULL or broadcastable to the input. */
typedef struct ct_bce_args {
    int ct__;
    ct_tensor *input, *target;
    ct_tensor *weight;
    ct_reduction reduction;
} ct_bce_args;

/**
 * F.binary_cross_entropy(input, target, weight): -w (t log x + (1 - t) log(1 - x))
 * with each log clamped to >= -100 like PyTorch. input in [0, 1] ("all
 * elements of input should be between 0 and 1"); target of input's shape
 * and dtype. Node BinaryCrossEntropyBackward0.
 */
#define ct_binary_cross_entropy(...) ct_binary_cross_entropy_((ct_bce_args){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_binary_cross_entropy_(ct_bce_args a);

/**
 * Arguments of ct_binary_cross_entropy_with_logits: weight and pos_weight
 * NULL or broadcastable to the input (pos_weight usually has C entries, one
 * per class of the last dim).
 */
typedef struct ct_bce_with_logits_args {
    int ct__;
    ct_tensor *input, *target;
    ct_tensor *weight, *pos_weight;
    ct_reduction reduction;
} ct_bce_with_logits_args;

/**
 * F.binary_cross_entropy_with_logits(x, t, weight, pos_weight): sigmoid and
 * binary cross entropy in one stable formula,
 * w ((1 - t) x + (1 + (pw - 1) t) (log1p(exp(-|x|)) + max(-x, 0))).
 * target of input's shape. Node BinaryCrossEntropyWithLogitsBackward0.
 */
#define ct_binary_cross_entropy_with_logits(...)                                        \
    ct_binary_cross_entropy_with_logits_((ct_bce_with_logits_args){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_binary_cross_entropy_with_logits_(ct_bce_with_logits_args a);

/** Arguments of ct_kl_div. */
typedef struct ct_kl_div_args {
    int ct__;
    ct_tensor *input, *target;
    ct_reduction reduction;
    bool log_target;
} ct_kl_div_args;

/**
 * F.kl_div(input, target): input holds log-probabilities; pointwise
 * target (log target - input), or exp(target) (target - input) when
 * .log_target. CT_REDUCTION_BATCHMEAN divides the sum by input.size(0) (the
 * mathematically right KL divergence); the default mean divides by every
 * element, as PyTorch 1.13 still does.
 */
#define ct_kl_div(...) ct_kl_div_((ct_kl_div_args){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_kl_div_(ct_kl_div_args a);

#ifdef __cplusplus
}
#endif
#endif
