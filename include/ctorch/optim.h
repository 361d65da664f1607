/*
 * ctorch/optim.h - optimizers (torch.optim) and gradient clipping
 * (torch.nn.utils.clip_grad_norm_ / clip_grad_value_).
 *
 *     ct_optimizer *opt = ct_sgd(ct_parameters(net), .lr = 0.01, .momentum = 0.9);
 *     for (...) {
 *         CT_SCOPE {
 *             ct_tensor *loss = ct_cross_entropy(ct_forward(net, x), y);
 *             ct_zero_grad(opt);
 *             ct_backward(loss);
 *             ct_step(opt);
 *         }
 *     }
 *     ct_optimizer_free(opt);
 *
 * A list of loose tensors is passed with CT_PARAMS:
 *
 *     ct_tensor *x = ct_zeros(CT_SHAPE(2), .requires_grad = true);
 *     ct_optimizer *opt = ct_adam(CT_PARAMS(x), .lr = 1e-3);
 *
 * UPDATE RULES are PyTorch 1.13's single-tensor implementations, computed in
 * the parameter's dtype with the same order of operations (float32 math for
 * float32 parameters), so trajectories agree with PyTorch's to float32
 * rounding. Parameters without a gradient are skipped, as in PyTorch. A step
 * bumps each updated parameter's version counter like any in-place op, so a
 * graph that saved a parameter before the step refuses to backward through it.
 *
 * OPTIONS are designated initializers in one struct shared by all optimizers
 * (ct_optim_opts). A field left out (zero) takes PyTorch's default for that
 * optimizer; where PyTorch's default is not zero (Adam's betas, eps, AdamW's
 * weight_decay, ...) write CT_ZERO to ask for an actual zero:
 *
 *     ct_adamw(params, .lr = 3e-4, .weight_decay = CT_ZERO);   // no decay
 *
 * Passing an option the optimizer does not have (.betas to ct_sgd) is an
 * error, like an unexpected keyword argument in Python.
 *
 * OWNERSHIP. The optimizer takes its own reference to every parameter
 * (the list passed in is borrowed and may be freed or change afterwards) and
 * owns its state tensors; ct_optimizer_free drops all of them. The parameters
 * stay usable after the optimizer is freed.
 *
 * PARAMETER GROUPS. The constructor makes group 0 from its parameters and
 * options; ct_optimizer_add_param_group adds another group whose options
 * default to the constructor's (PyTorch's param_group.setdefault). Groups are
 * numbered in order, and parameters are numbered across groups in order (the
 * numbers used by the state dict, like PyTorch's).
 */
#ifndef CTORCH_OPTIM_H
#define CTORCH_OPTIM_H

#include "types.h"
#include "module.h"
#include "io.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An optimizer (SGD, Adam, ...): parameters in groups with options, plus per-parameter state. */
typedef struct ct_optimizer ct_optimizer;

/** A ct_tensor_list of loose tensors for an optimizer or a clip function: CT_PARAMS(w, b). */
#define CT_PARAMS(...)                                                                  \
    ((ct_tensor_list){(ct_tensor *[]){__VA_ARGS__},                                     \
                      (int)(sizeof((ct_tensor *[]){__VA_ARGS__}) / sizeof(ct_tensor *))})

/**
 * An explicit zero for an option whose zero-initialized value means
 * "PyTorch's default" (negative zero, which the option parser tells apart
 * from a field left out; as a number it is exactly 0).
 */
#define CT_ZERO (-0.0)

/**
 * Options of every optimizer; each constructor reads the fields its PyTorch
 * class has. Defaults (a field left zero):
 *
 *   field                     SGD     Adam    AdamW   RMSprop  Adagrad
 *   lr                        (required) 1e-3 1e-3    1e-2     1e-2
 *   momentum                  0       -       -       0        -
 *   dampening                 0       -       -       -        -
 *   nesterov                  false   -       -       -        -
 *   weight_decay              0       0       1e-2    0        0
 *   betas                     -       (0.9, 0.999)    -        -
 *   eps                       -       1e-8    1e-8    1e-8     1e-10
 *   amsgrad                   -       false   false   -        -
 *   alpha                     -       -       -       0.99     -
 *   centered                  -       -       -       false    -
 *   lr_decay                  -       -       -       -        0
 *   initial_accumulator_value -       -       -       -        0
 *   maximize                  false   false   false   false    false
 *
 * SGD's lr has no default in PyTorch 1.13 and none here: leaving it out is an
 * error (use CT_ZERO for a zero learning rate). In a parameter group a field
 * left zero takes the optimizer's value; a bool left false likewise.
 */
typedef struct ct_optim_opts {
    int ct__;            /* keeps the option idiom free of empty initializers; ignore */
    ct_tensor_list params; /**< the parameters (first, positional argument; borrowed) */
    double lr;           /**< learning rate */
    double momentum;     /**< SGD / RMSprop momentum factor */
    double dampening;    /**< SGD: dampening for momentum */
    double weight_decay; /**< L2 penalty (AdamW: decoupled decay) */
    bool nesterov;       /**< SGD: Nesterov momentum (needs momentum > 0 and dampening 0) */
    bool maximize;       /**< maximize the objective instead of minimizing it */
    double betas[2];     /**< Adam/AdamW: running average coefficients; each entry defaults on its own */
    double eps;          /**< term added to the denominator for stability */
    bool amsgrad;        /**< Adam/AdamW: use the AMSGrad variant */
    double alpha;        /**< RMSprop: smoothing constant */
    bool centered;       /**< RMSprop: normalize by the estimated variance of the gradient */
    double lr_decay;     /**< Adagrad: learning rate decay */
    double initial_accumulator_value; /**< Adagrad: starting value of the sum of squares */
} ct_optim_opts;

/** torch.optim.SGD(params, lr, momentum, dampening, weight_decay, nesterov, maximize). */
#define ct_sgd(...) ct_sgd_((ct_optim_opts){.ct__ = 0, __VA_ARGS__})
/** torch.optim.Adam(params, lr, betas, eps, weight_decay, amsgrad, maximize). */
#define ct_adam(...) ct_adam_((ct_optim_opts){.ct__ = 0, __VA_ARGS__})
/** torch.optim.AdamW: Adam with decoupled weight decay (param *= 1 - lr * weight_decay). */
#define ct_adamw(...) ct_adamw_((ct_optim_opts){.ct__ = 0, __VA_ARGS__})
/** torch.optim.RMSprop(params, lr, alpha, eps, weight_decay, momentum, centered, maximize). */
#define ct_rmsprop(...) ct_rmsprop_((ct_optim_opts){.ct__ = 0, __VA_ARGS__})
/** torch.optim.Adagrad(params, lr, lr_decay, weight_decay, initial_accumulator_value, eps, maximize). */
#define ct_adagrad(...) ct_adagrad_((ct_optim_opts){.ct__ = 0, __VA_ARGS__})

/*
 * The constructors behind the macros: the first (positional) argument is the
 * parameter list, the rest are options. Each returns a new optimizer (free with
 * ct_optimizer_free), or NULL and an error with PyTorch's message
 * ("Invalid learning rate: -1.0", "Nesterov momentum requires a momentum and
 * zero dampening", "optimizer got an empty parameter list", ...).
 */
ct_optimizer *ct_sgd_(ct_optim_opts opts);
ct_optimizer *ct_adam_(ct_optim_opts opts);
ct_optimizer *ct_adamw_(ct_optim_opts opts);
ct_optimizer *ct_rmsprop_(ct_optim_opts opts);
ct_optimizer *ct_adagrad_(ct_optim_opts opts);

/** Frees the optimizer, its state and its references to the parameters. NULL is ignored. */
void ct_optimizer_free(ct_optimizer *opt);

/**
 * optimizer.step(): one update of every parameter that has a gradient.
 * Runs without recording a graph. Returns 0 or a negative error.
 */
int ct_step(ct_optimizer *opt);

/**
 * optimizer.zero_grad(): sets every parameter's .grad to None, as PyTorch 2's
 * default set_to_none=True does (PyTorch 1.13 zero-filled by default): no
 * memory is touched, the next backward allocates fresh gradients, and a
 * parameter that receives none is skipped by the next step.
 */
void ct_zero_grad(ct_optimizer *opt);

/** optimizer.zero_grad(set_to_none): false fills existing gradients with zeros (PyTorch 1.x's default). */
void ct_optimizer_zero_grad(ct_optimizer *opt, bool set_to_none);

/** The optimizer's class name: "SGD", "Adam", "AdamW", "RMSprop", "Adagrad". */
const char *ct_optimizer_name(const ct_optimizer *opt);

/**
 * optimizer.add_param_group({'params': params, **opts}):
 *
 *     ct_optimizer_add_param_group(opt, ct_parameters(head), .lr = 1e-2);
 *
 * Options left out take the optimizer's (constructor's) values. A parameter
 * already in another group is an error ("some parameters appear in more than
 * one parameter group"). Returns the new group's index or a negative error.
 */
#define ct_optimizer_add_param_group(opt, ...)                                          \
    ct_optimizer_add_param_group_((opt), (ct_optim_opts){.ct__ = 0, __VA_ARGS__})
int ct_optimizer_add_param_group_(ct_optimizer *opt, ct_optim_opts opts);

/** len(optimizer.param_groups). */
int ct_optimizer_num_groups(const ct_optimizer *opt);
/** The parameters of group g (borrowed; valid until the optimizer changes). n = 0 if g is out of range. */
ct_tensor_list ct_optimizer_group_params(const ct_optimizer *opt, int group);

/** optimizer.param_groups[g]['lr']; NaN (and an IndexError) if g is out of range. */
double ct_optimizer_group_lr(const ct_optimizer *opt, int group);
/** optimizer.param_groups[g]['lr'] = lr. Returns 0 or a negative error. */
int ct_optimizer_set_group_lr(ct_optimizer *opt, int group, double lr);

/**
 * Any option of group g by its PyTorch name: "lr", "momentum", "dampening",
 * "weight_decay", "beta1", "beta2" (the two betas), "eps", "alpha",
 * "lr_decay", "initial_accumulator_value", "initial_lr" (set by schedulers),
 * and the flags "nesterov", "maximize", "amsgrad", "centered" as 0 or 1.
 * NaN and an error when the optimizer has no such option (or "initial_lr"
 * was never set).
 */
double ct_optimizer_group_get(const ct_optimizer *opt, int group, const char *name);
/** Sets an option of group g by name (as ct_optimizer_group_get). Returns 0 or a negative error. */
int ct_optimizer_group_set(ct_optimizer *opt, int group, const char *name, double value);
/** True when group g has option `name` ("initial_lr" only once it was set). */
bool ct_optimizer_group_has(const ct_optimizer *opt, int group, const char *name);

/**
 * optimizer.state_dict(): the state tensors as "state.<i>.<name>" (i numbers
 * the parameters across groups; names are PyTorch's: momentum_buffer;
 * step, exp_avg, exp_avg_sq, max_exp_avg_sq; step, square_avg,
 * momentum_buffer, grad_avg; step, sum) and the groups as metadata:
 * "optimizer" -> "Adam", "param_groups" -> "2", "param_groups.<g>.params"
 * -> "0,1,2", "param_groups.<g>.<option>" -> the value (printed so that it
 * reads back exactly). "step" is a 0-d float32 tensor (int64 for RMSprop), as
 * in PyTorch. Like PyTorch's, the dict shares the state tensors (later steps
 * change them); save it or copy it to keep a snapshot. NULL on error; free
 * with ct_tensor_dict_free.
 */
ct_tensor_dict *ct_optimizer_state_dict(const ct_optimizer *opt);

/**
 * optimizer.load_state_dict(sd): copies the state and the group options from
 * a dict made by ct_optimizer_state_dict (directly or read back from a file)
 * into an optimizer of the same class with groups of the same sizes, so that
 * training resumes exactly. State tensors are copied and cast to their
 * parameter's dtype (except "step"). Errors (nothing is changed): a different
 * class, "loaded state dict has a different number of parameter groups",
 * "loaded state dict contains a parameter group that doesn't match the size
 * of optimizer's group", a state tensor whose shape differs from its
 * parameter's. Returns 0 or a negative error.
 */
int ct_optimizer_load_state_dict(ct_optimizer *opt, const ct_tensor_dict *sd);

/* -------------------------------------------------------- gradient clipping */

typedef struct ct_clip_grad_norm_opts {
    int ct__;
    ct_tensor_list params;   /**< first positional argument (borrowed) */
    double max_norm;         /**< second positional argument */
    double norm_type;        /**< p of the p-norm (default 2; INFINITY for the max norm; CT_ZERO for 0) */
    bool error_if_nonfinite; /**< fail instead of scaling by a NaN or infinite norm (default false) */
} ct_clip_grad_norm_opts;

/**
 * torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=2,
 * error_if_nonfinite=False): the norm of all gradients together (as if
 * concatenated), computed as PyTorch does (the norm of the per-gradient
 * norms); if it exceeds max_norm every gradient is scaled in place by
 * max_norm / (total_norm + 1e-6) (the coefficient is clamped to 1, so
 * gradients are never scaled up). Parameters without a gradient are skipped.
 *
 *     double total = ct_clip_grad_norm_(ct_parameters(net), 1.0);
 *     ct_clip_grad_norm_(params, 5.0, .norm_type = INFINITY);
 *
 * Returns the total norm (0 when no parameter has a gradient), or a negative
 * error code: with error_if_nonfinite a NaN or infinite total norm is
 * "The total norm of order 2.0 for gradients from `parameters` is
 * non-finite, so it cannot be clipped. ...".
 */
#define ct_clip_grad_norm_(...)                                                         \
    ct_clip_grad_norm_opts_((ct_clip_grad_norm_opts){.ct__ = 0, __VA_ARGS__})
double ct_clip_grad_norm_opts_(ct_clip_grad_norm_opts opts);

/**
 * torch.nn.utils.clip_grad_value_(params, clip_value): clamps every gradient
 * in place to [-clip_value, clip_value]. Returns 0 or a negative error.
 */
int ct_clip_grad_value_(ct_tensor_list params, double clip_value);

#ifdef __cplusplus
}
#endif
#endif
