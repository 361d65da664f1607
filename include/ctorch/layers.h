/*
 * ctorch/layers.h - built-in modules (torch.nn.*). Each constructor returns a
 * new module you own (free with ct_module_free, or hand it to a container or
 * parent with ct_module_add); NULL on error.
 *
 * Options are designated initializers: ct_nn_batch_norm2d(32, .momentum = 0.01).
 * A field left out (zero) always means PyTorch's default, so numeric options
 * document "0 means <default>", and switches whose PyTorch default is True are
 * named for the other way round (.no_bias = true is bias=False).
 */
#ifndef CTORCH_LAYERS_H
#define CTORCH_LAYERS_H

#include "functional.h"
#include "loss.h"
#include "module.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------- containers */

/**
 * nn.Sequential(m0, m1, ...): runs the modules in order; they are named "0",
 * "1", ... The list ends with NULL. If any argument is NULL before the end (a
 * constructor failed), use ct_nn_sequential_n with a count instead.
 */
ct_module *ct_nn_sequential(ct_module *first, ...);
/** nn.Sequential from an array of n modules (takes them all, even on error). */
ct_module *ct_nn_sequential_n(ct_module *const *modules, int n);
/** nn.ModuleList(): a list of modules with no forward of its own. */
ct_module *ct_nn_module_list(void);
/** ModuleList.append / Sequential.append: adds m under the next index; returns m. */
ct_module *ct_module_list_append(ct_module *list, ct_module *m);
/** len(ModuleList) / len(Sequential). */
int ct_module_list_len(const ct_module *list);
/** ModuleList[i] (negative i counts from the end); borrowed. */
ct_module *ct_module_list_get(const ct_module *list, int i);

/* ------------------------------------------------------------ plumbing */

/** nn.Identity(). */
ct_module *ct_nn_identity(void);
/** nn.Flatten(): flattens dims 1..-1 (PyTorch's defaults). */
ct_module *ct_nn_flatten(void);
/** nn.Flatten(start_dim, end_dim). */
ct_module *ct_nn_flatten_dims(int start_dim, int end_dim);
/** nn.Unflatten(dim, unflattened_size): ct_nn_unflatten(1, CT_SHAPE(1, 28, 28)). */
ct_module *ct_nn_unflatten(int dim, ct_shape sizes);

/* ------------------------------------------------------------------ linear */

/** Arguments of ct_nn_linear; use the macro. */
typedef struct ct_nn_linear_args {
    int ct__;
    int64_t in_features, out_features;
    bool no_bias; /**< bias=False */
} ct_nn_linear_args;

/**
 * nn.Linear(in_features, out_features, bias=True): y = x W^T + b with
 * parameters "weight" (out, in) and "bias" (out), in the default float dtype.
 * PyTorch's init from the default generator: weight by kaiming_uniform_(a =
 * sqrt(5)), i.e. uniform on +-1/sqrt(in), then bias uniform on
 * +-1/sqrt(in) (0 when in is 0), so after ct_manual_seed(s) the weights equal
 * torch.manual_seed(s); nn.Linear(in, out) bit for bit.
 *     ct_nn_linear(784, 256)   ct_nn_linear(256, 10, .no_bias = true)
 * Prints as "Linear(in_features=784, out_features=256, bias=True)".
 */
#define ct_nn_linear(...) ct_nn_linear_((ct_nn_linear_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_linear_(ct_nn_linear_args a);

/* ------------------------------------------------------------- activations */

/** Arguments of the activation modules with an inplace switch. */
typedef struct ct_nn_inplace_args {
    int ct__;
    bool inplace; /**< overwrite the input (returns it) */
} ct_nn_inplace_args;

/** nn.ReLU(inplace=False): ct_nn_relu() or ct_nn_relu(.inplace = true). */
#define ct_nn_relu(...) ct_nn_relu_((ct_nn_inplace_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_relu_(ct_nn_inplace_args a);

/** Arguments of ct_nn_leaky_relu: negative_slope 0 means PyTorch's 0.01 (a slope of exactly 0 is ct_nn_relu). */
typedef struct ct_nn_leaky_relu_args {
    int ct__;
    double negative_slope;
    bool inplace;
} ct_nn_leaky_relu_args;
/** nn.LeakyReLU(negative_slope=0.01, inplace=False): ct_nn_leaky_relu(), ct_nn_leaky_relu(0.2). */
#define ct_nn_leaky_relu(...) ct_nn_leaky_relu_((ct_nn_leaky_relu_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_leaky_relu_(ct_nn_leaky_relu_args a);

/** Arguments of ct_nn_elu: alpha 0 means PyTorch's 1.0. */
typedef struct ct_nn_elu_args {
    int ct__;
    double alpha;
    bool inplace;
} ct_nn_elu_args;
/** nn.ELU(alpha=1.0, inplace=False). */
#define ct_nn_elu(...) ct_nn_elu_((ct_nn_elu_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_elu_(ct_nn_elu_args a);

/** Arguments of ct_nn_gelu. */
typedef struct ct_nn_gelu_args {
    int ct__;
    ct_gelu_approx approximate; /**< CT_GELU_NONE (default) or CT_GELU_TANH */
} ct_nn_gelu_args;
/** nn.GELU(approximate='none'): ct_nn_gelu() or ct_nn_gelu(.approximate = CT_GELU_TANH). */
#define ct_nn_gelu(...) ct_nn_gelu_((ct_nn_gelu_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_gelu_(ct_nn_gelu_args a);

/** nn.SiLU(). */
ct_module *ct_nn_silu(void);
/** nn.Sigmoid(). */
ct_module *ct_nn_sigmoid(void);
/** nn.Tanh(). */
ct_module *ct_nn_tanh(void);

/**
 * Arguments of ct_nn_softplus: beta 0 means PyTorch's 1, threshold 0 means
 * its 20. Printed as Python prints them: the defaults as the ints PyTorch
 * uses ("Softplus(beta=1, threshold=20)"), other values as floats.
 */
typedef struct ct_nn_softplus_args {
    int ct__;
    double beta, threshold;
} ct_nn_softplus_args;
/** nn.Softplus(beta=1, threshold=20). */
#define ct_nn_softplus(...) ct_nn_softplus_((ct_nn_softplus_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_softplus_(ct_nn_softplus_args a);

/** nn.Softmax(dim): dim is required (PyTorch's dim=None guess is deprecated). */
ct_module *ct_nn_softmax(int dim);
/** nn.LogSoftmax(dim). */
ct_module *ct_nn_log_softmax(int dim);

/* ----------------------------------------------------------------- dropout */

/**
 * Arguments of ct_nn_dropout and ct_nn_dropout2d. p is the drop probability
 * and, unlike the other options, is taken as given: it has no "zero means
 * default" rule, so write ct_nn_dropout(0.5) for PyTorch's Dropout().
 */
typedef struct ct_nn_dropout_args {
    int ct__;
    double p;
    bool inplace;
} ct_nn_dropout_args;

/**
 * nn.Dropout(p, inplace=False): ct_dropout in training mode (the module's
 * flag: ct_module_train / ct_module_eval), the identity in eval mode. The
 * mask comes from the default generator. p outside [0, 1]: "dropout
 * probability has to be between 0 and 1, but got 1.5".
 */
#define ct_nn_dropout(...) ct_nn_dropout_((ct_nn_dropout_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_dropout_(ct_nn_dropout_args a);
/** nn.Dropout2d(p, inplace=False): whole channels (see ct_dropout2d). */
#define ct_nn_dropout2d(...) ct_nn_dropout2d_((ct_nn_dropout_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_dropout2d_(ct_nn_dropout_args a);

/* ----------------------------------------------------------- normalization */

/**
 * Arguments of ct_nn_batch_norm1d / 2d. eps 0 means 1e-5, momentum 0 means
 * 0.1; .cumulative = true is momentum=None (a cumulative moving average:
 * factor 1 / num_batches_tracked).
 */
typedef struct ct_nn_batch_norm_args {
    int ct__;
    int64_t num_features;
    double eps, momentum;
    bool cumulative;             /**< momentum=None */
    bool no_affine;              /**< affine=False: no weight and bias */
    bool no_track_running_stats; /**< track_running_stats=False: no running buffers, batch statistics always */
} ct_nn_batch_norm_args;

/**
 * nn.BatchNorm1d(num_features, eps=1e-5, momentum=0.1, affine=True,
 * track_running_stats=True), for (N, C) or (N, C, L) input ("expected 2D or
 * 3D input (got 4D input)"). Parameters "weight" (ones) and "bias" (zeros);
 * buffers "running_mean" (zeros), "running_var" (ones) and
 * "num_batches_tracked" (int64, 0-d), named and typed as PyTorch's. In
 * training mode the batch statistics normalize and the running ones are
 * updated (num_batches_tracked += 1 each call); in eval mode the running
 * statistics are used.
 */
#define ct_nn_batch_norm1d(...) ct_nn_batch_norm1d_((ct_nn_batch_norm_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_batch_norm1d_(ct_nn_batch_norm_args a);
/** nn.BatchNorm2d: as ct_nn_batch_norm1d for (N, C, H, W) input ("expected 4D input (got 2D input)"). */
#define ct_nn_batch_norm2d(...) ct_nn_batch_norm2d_((ct_nn_batch_norm_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_batch_norm2d_(ct_nn_batch_norm_args a);

/** Arguments of ct_nn_layer_norm: eps 0 means 1e-5. */
typedef struct ct_nn_layer_norm_args {
    int ct__;
    ct_shape normalized_shape;
    double eps;
    bool no_elementwise_affine; /**< elementwise_affine=False */
} ct_nn_layer_norm_args;

/**
 * nn.LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True):
 * ct_nn_layer_norm(CT_SHAPE(64)). Parameters "weight" (ones) and "bias"
 * (zeros) of normalized_shape.
 */
#define ct_nn_layer_norm(...) ct_nn_layer_norm_((ct_nn_layer_norm_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_layer_norm_(ct_nn_layer_norm_args a);

/* --------------------------------------------------------------- embedding */

/**
 * Arguments of ct_nn_embedding. Python's padding_idx=None is the default;
 * to name a padding row set .padding_idx and .has_padding_idx = true
 * (needed because row 0 is a valid choice). A negative index counts from the
 * end and is stored (and printed) normalized, as PyTorch does.
 */
typedef struct ct_nn_embedding_args {
    int ct__;
    int64_t num_embeddings, embedding_dim;
    int64_t padding_idx;
    bool has_padding_idx;
} ct_nn_embedding_args;

/**
 * nn.Embedding(num_embeddings, embedding_dim, padding_idx=None): parameter
 * "weight" (num, dim) drawn from normal(0, 1) with the default generator
 * (PyTorch's init), the padding row zeroed. Its input is a tensor of int64
 * (or int32) indices; see ct_embedding.
 *     ct_nn_embedding(1000, 64)   ct_nn_embedding(10, 3, .padding_idx = 0, .has_padding_idx = true)
 */
#define ct_nn_embedding(...) ct_nn_embedding_((ct_nn_embedding_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_embedding_(ct_nn_embedding_args a);

/* -------------------------------------------------------------------- losses */

/**
 * A loss module takes two tensors, so it is called with ct_loss_forward
 * rather than ct_forward (which fails for it with a message saying so):
 *
 *     ct_module *crit = ct_nn_cross_entropy_loss(.label_smoothing = 0.1);
 *     ct_tensor *loss = ct_loss_forward(crit, ct_forward(net, x), y);
 *
 * Each wraps the function of ctorch/loss.h with the options given at
 * construction (same names and defaults). Weight tensors (weight,
 * pos_weight) are registered as buffers "weight" / "pos_weight" as PyTorch
 * does (so they are in the state dict); the module takes its own reference,
 * the caller keeps theirs. Loss modules print as "CrossEntropyLoss()".
 */
ct_tensor *ct_loss_forward(ct_module *loss, ct_tensor *input, ct_tensor *target);

/** Arguments of ct_nn_mse_loss, ct_nn_l1_loss. */
typedef struct ct_nn_loss_args {
    int ct__;
    ct_reduction reduction;
} ct_nn_loss_args;
/** nn.MSELoss(reduction='mean'). */
#define ct_nn_mse_loss(...) ct_nn_mse_loss_((ct_nn_loss_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_mse_loss_(ct_nn_loss_args a);
/** nn.L1Loss(reduction='mean'). */
#define ct_nn_l1_loss(...) ct_nn_l1_loss_((ct_nn_loss_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_l1_loss_(ct_nn_loss_args a);

/** Arguments of ct_nn_smooth_l1_loss (beta as in ct_smooth_l1_loss: 0 means 1.0 unless has_beta). */
typedef struct ct_nn_smooth_l1_loss_args {
    int ct__;
    ct_reduction reduction;
    double beta;
    bool has_beta;
} ct_nn_smooth_l1_loss_args;
/** nn.SmoothL1Loss(reduction='mean', beta=1.0). */
#define ct_nn_smooth_l1_loss(...) ct_nn_smooth_l1_loss_((ct_nn_smooth_l1_loss_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_smooth_l1_loss_(ct_nn_smooth_l1_loss_args a);

/** Arguments of ct_nn_huber_loss (delta 0 means 1.0). */
typedef struct ct_nn_huber_loss_args {
    int ct__;
    ct_reduction reduction;
    double delta;
} ct_nn_huber_loss_args;
/** nn.HuberLoss(reduction='mean', delta=1.0). */
#define ct_nn_huber_loss(...) ct_nn_huber_loss_((ct_nn_huber_loss_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_huber_loss_(ct_nn_huber_loss_args a);

/** Arguments of ct_nn_cross_entropy_loss and ct_nn_nll_loss (see ct_cross_entropy_args). */
typedef struct ct_nn_cross_entropy_loss_args {
    int ct__;
    ct_tensor *weight;
    int64_t ignore_index; /**< 0 means -100 unless has_ignore_index */
    bool has_ignore_index;
    ct_reduction reduction;
    double label_smoothing; /**< cross entropy only */
} ct_nn_cross_entropy_loss_args;
/** nn.CrossEntropyLoss(weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0). */
#define ct_nn_cross_entropy_loss(...)                                                       \
    ct_nn_cross_entropy_loss_((ct_nn_cross_entropy_loss_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_cross_entropy_loss_(ct_nn_cross_entropy_loss_args a);
/** nn.NLLLoss(weight=None, ignore_index=-100, reduction='mean'). */
#define ct_nn_nll_loss(...) ct_nn_nll_loss_((ct_nn_cross_entropy_loss_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_nll_loss_(ct_nn_cross_entropy_loss_args a);

/** Arguments of ct_nn_bce_loss. */
typedef struct ct_nn_bce_loss_args {
    int ct__;
    ct_tensor *weight;
    ct_reduction reduction;
} ct_nn_bce_loss_args;
/** nn.BCELoss(weight=None, reduction='mean'). */
#define ct_nn_bce_loss(...) ct_nn_bce_loss_((ct_nn_bce_loss_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_bce_loss_(ct_nn_bce_loss_args a);

/** Arguments of ct_nn_bce_with_logits_loss. */
typedef struct ct_nn_bce_with_logits_loss_args {
    int ct__;
    ct_tensor *weight;
    ct_reduction reduction;
    ct_tensor *pos_weight;
} ct_nn_bce_with_logits_loss_args;
/** nn.BCEWithLogitsLoss(weight=None, reduction='mean', pos_weight=None). */
#define ct_nn_bce_with_logits_loss(...)                                                     \
    ct_nn_bce_with_logits_loss_((ct_nn_bce_with_logits_loss_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_bce_with_logits_loss_(ct_nn_bce_with_logits_loss_args a);

/** Arguments of ct_nn_kl_div_loss. */
typedef struct ct_nn_kl_div_loss_args {
    int ct__;
    ct_reduction reduction; /**< CT_REDUCTION_BATCHMEAN allowed */
    bool log_target;
} ct_nn_kl_div_loss_args;
/** nn.KLDivLoss(reduction='mean', log_target=False). */
#define ct_nn_kl_div_loss(...) ct_nn_kl_div_loss_((ct_nn_kl_div_loss_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_nn_kl_div_loss_(ct_nn_kl_div_loss_args a);

#ifdef __cplusplus
}
#endif
#endif
