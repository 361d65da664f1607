/*
 * ctorch/lr_scheduler.h - learning-rate schedulers (torch.optim.lr_scheduler).
 *
 *     ct_optimizer *opt = ct_sgd(params, .lr = 0.1, .momentum = 0.9);
 *     ct_scheduler *sched = ct_step_lr(opt, 30, .gamma = 0.1);
 *     for (int epoch = 0; epoch < 100; epoch++) {
 *         train(...);                  // ct_step(opt) inside
 *         ct_scheduler_step(sched);    // after the optimizer's steps, as in PyTorch
 *     }
 *
 *     ct_scheduler *plateau = ct_reduce_lr_on_plateau(opt, .patience = 5);
 *     ...  ct_scheduler_step_metric(plateau, val_loss);
 *
 * Semantics are PyTorch 1.13's: constructing a scheduler records each group's
 * 'initial_lr' (when the group has none) and performs the first step
 * (last_epoch becomes 0); ct_scheduler_step uses the chainable forms of
 * get_lr (each new lr computed from the group's current lr, so changes made
 * by other code or other schedulers compose), including CosineAnnealingLR's
 * recursive form. ct_scheduler_step_epoch(s, epoch) is the deprecated
 * step(epoch), which uses the closed form where PyTorch has one.
 *
 * A scheduler borrows its optimizer: free the scheduler (ct_scheduler_free)
 * before the optimizer. Options follow the library's rule: a field left out
 * takes PyTorch's default; CT_ZERO (ctorch/optim.h) asks for an actual zero
 * where PyTorch's default is not zero.
 *
 * .last_epoch: 0 or -1 (the default) starts fresh; a positive value resumes
 * at that epoch, like PyTorch's last_epoch argument (the optimizer's groups
 * must then have 'initial_lr', e.g. from a loaded optimizer state dict).
 * Resuming exactly is best done with the scheduler state dict.
 */
#ifndef CTORCH_LR_SCHEDULER_H
#define CTORCH_LR_SCHEDULER_H

#include "types.h"
#include "io.h"
#include "optim.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A learning-rate scheduler attached to one optimizer. */
typedef struct ct_scheduler ct_scheduler;

/** Milestones for ct_multistep_lr as two arguments (array, count): CT_MILESTONES(30, 80). */
#define CT_MILESTONES(...)                                                              \
    (const int[]){__VA_ARGS__}, (int)(sizeof((const int[]){__VA_ARGS__}) / sizeof(int))

/*
 * Every constructor is a macro over an options struct whose first fields are
 * the positional arguments (the optimizer first), as in Python:
 * ct_step_lr(opt, 30), ct_step_lr(opt, 30, .gamma = 0.5). Each returns a new
 * scheduler (free with ct_scheduler_free) or NULL and an error.
 */

typedef struct ct_step_lr_opts {
    int ct__;
    ct_optimizer *optimizer;
    int step_size;  /**< period of the decay, in epochs (required, > 0) */
    double gamma;   /**< multiplicative decay (default 0.1) */
    int last_epoch; /**< see the header comment (default -1) */
} ct_step_lr_opts;

/** StepLR(optimizer, step_size, gamma=0.1): lr *= gamma every step_size epochs. */
#define ct_step_lr(...) ct_step_lr_((ct_step_lr_opts){.ct__ = 0, __VA_ARGS__})
ct_scheduler *ct_step_lr_(ct_step_lr_opts o);

typedef struct ct_multistep_lr_opts {
    int ct__;
    ct_optimizer *optimizer;
    const int *milestones; /**< epoch indices (CT_MILESTONES fills this and the count) */
    int n_milestones;
    double gamma;   /**< multiplicative decay (default 0.1) */
    int last_epoch;
} ct_multistep_lr_opts;

/**
 * MultiStepLR(optimizer, milestones, gamma=0.1): lr *= gamma at each
 * milestone epoch (a milestone listed k times multiplies by gamma^k):
 * ct_multistep_lr(opt, CT_MILESTONES(30, 80), .gamma = 0.5).
 */
#define ct_multistep_lr(...) ct_multistep_lr_((ct_multistep_lr_opts){.ct__ = 0, __VA_ARGS__})
ct_scheduler *ct_multistep_lr_(ct_multistep_lr_opts o);

typedef struct ct_exponential_lr_opts {
    int ct__;
    ct_optimizer *optimizer;
    double gamma;   /**< multiplicative decay per epoch (required; CT_ZERO for 0) */
    int last_epoch;
} ct_exponential_lr_opts;

/** ExponentialLR(optimizer, gamma): lr *= gamma every epoch. */
#define ct_exponential_lr(...) ct_exponential_lr_((ct_exponential_lr_opts){.ct__ = 0, __VA_ARGS__})
ct_scheduler *ct_exponential_lr_(ct_exponential_lr_opts o);

typedef struct ct_cosine_annealing_lr_opts {
    int ct__;
    ct_optimizer *optimizer;
    int t_max;      /**< half period, in epochs (required, > 0) */
    double eta_min; /**< minimum learning rate (default 0) */
    int last_epoch;
} ct_cosine_annealing_lr_opts;

/**
 * CosineAnnealingLR(optimizer, T_max, eta_min=0): anneals each group's lr
 * from its initial lr to eta_min over T_max epochs along a cosine, in
 * PyTorch's recursive (chainable) form, and back up after T_max.
 */
#define ct_cosine_annealing_lr(...)                                                     \
    ct_cosine_annealing_lr_((ct_cosine_annealing_lr_opts){.ct__ = 0, __VA_ARGS__})
ct_scheduler *ct_cosine_annealing_lr_(ct_cosine_annealing_lr_opts o);

typedef struct ct_linear_lr_opts {
    int ct__;
    ct_optimizer *optimizer;
    double start_factor; /**< factor at epoch 0 (default 1/3; must be in [0, 1]) */
    double end_factor;   /**< factor from total_iters on (default 1.0; in [0, 1]) */
    int total_iters;     /**< epochs of the ramp (default 5) */
    int last_epoch;
} ct_linear_lr_opts;

/** LinearLR(optimizer, start_factor=1/3, end_factor=1.0, total_iters=5). */
#define ct_linear_lr(...) ct_linear_lr_((ct_linear_lr_opts){.ct__ = 0, __VA_ARGS__})
ct_scheduler *ct_linear_lr_(ct_linear_lr_opts o);

/** OneCycleLR's anneal_strategy. */
typedef enum ct_anneal_strategy { CT_ANNEAL_COS = 0, CT_ANNEAL_LINEAR = 1 } ct_anneal_strategy;

typedef struct ct_one_cycle_lr_opts {
    int ct__;
    ct_optimizer *optimizer;
    double max_lr;         /**< the peak lr (required) */
    int total_steps;       /**< steps in the cycle; or give epochs and steps_per_epoch */
    int epochs;
    int steps_per_epoch;
    double pct_start;      /**< fraction of the cycle spent increasing the lr (default 0.3) */
    ct_anneal_strategy anneal_strategy; /**< default CT_ANNEAL_COS */
    bool no_cycle_momentum; /**< PyTorch's cycle_momentum=False (cycling is on by default) */
    double base_momentum;  /**< default 0.85 */
    double max_momentum;   /**< default 0.95 */
    double div_factor;     /**< initial_lr = max_lr / div_factor (default 25) */
    double final_div_factor; /**< min_lr = initial_lr / final_div_factor (default 1e4) */
    bool three_phase;      /**< the fast.ai three-phase schedule (default false) */
    int last_epoch;
} ct_one_cycle_lr_opts;

/**
 * OneCycleLR(optimizer, max_lr, total_steps | epochs & steps_per_epoch, ...):
 * the 1cycle policy, stepped once per batch:
 * ct_one_cycle_lr(opt, 0.1, .total_steps = 1000). With momentum cycling (the
 * default) it also sets each group's momentum (SGD, RMSprop) or beta1 (Adam,
 * AdamW) between max_momentum and base_momentum, inversely to the lr.
 */
#define ct_one_cycle_lr(...) ct_one_cycle_lr_((ct_one_cycle_lr_opts){.ct__ = 0, __VA_ARGS__})
ct_scheduler *ct_one_cycle_lr_(ct_one_cycle_lr_opts o);

/** ReduceLROnPlateau's mode. */
typedef enum ct_plateau_mode { CT_MODE_MIN = 0, CT_MODE_MAX = 1 } ct_plateau_mode;
/** ReduceLROnPlateau's threshold_mode. */
typedef enum ct_threshold_mode { CT_THRESHOLD_REL = 0, CT_THRESHOLD_ABS = 1 } ct_threshold_mode;

typedef struct ct_plateau_opts {
    int ct__;
    ct_optimizer *optimizer;
    ct_plateau_mode mode;           /**< CT_MODE_MIN (default): lower metric is better */
    double factor;                  /**< new_lr = lr * factor (default 0.1; must be < 1) */
    double patience;                /**< bad epochs tolerated (default 10; CT_ZERO for none) */
    double threshold;               /**< what counts as better (default 1e-4) */
    ct_threshold_mode threshold_mode; /**< CT_THRESHOLD_REL (default) or CT_THRESHOLD_ABS */
    int cooldown;                   /**< epochs to wait after a reduction (default 0) */
    double min_lr;                  /**< lower bound of every group's lr (default 0) */
    double eps;                     /**< smaller lr changes are ignored (default 1e-8) */
} ct_plateau_opts;

/**
 * ReduceLROnPlateau(optimizer, mode, factor, patience, threshold,
 * threshold_mode, cooldown, min_lr, eps): multiplies the lr by factor when
 * the metric passed to ct_scheduler_step_metric has not improved for more
 * than `patience` epochs: ct_reduce_lr_on_plateau(opt, .patience = 2).
 */
#define ct_reduce_lr_on_plateau(...)                                                    \
    ct_reduce_lr_on_plateau_((ct_plateau_opts){.ct__ = 0, __VA_ARGS__})
ct_scheduler *ct_reduce_lr_on_plateau_(ct_plateau_opts o);

/** Frees the scheduler (not its optimizer). NULL is ignored. */
void ct_scheduler_free(ct_scheduler *s);

/**
 * scheduler.step(): advances one epoch (or batch, for OneCycleLR) and writes
 * the new lr into every group. For ReduceLROnPlateau use
 * ct_scheduler_step_metric. Returns 0 or a negative error (e.g. OneCycleLR
 * stepped past total_steps: "Tried to step 101 times. The specified number
 * of total steps is 100").
 */
int ct_scheduler_step(ct_scheduler *s);

/** scheduler.step(epoch) (deprecated in PyTorch): jumps to `epoch` using the closed form where there is one. */
int ct_scheduler_step_epoch(ct_scheduler *s, int epoch);

/** ReduceLROnPlateau.step(metrics). Other schedulers reject it. Returns 0 or a negative error. */
int ct_scheduler_step_metric(ct_scheduler *s, double metric);

/** scheduler.get_last_lr()[group]; NaN (and an error) when out of range. */
double ct_scheduler_last_lr(const ct_scheduler *s, int group);

/** scheduler.last_epoch. */
int ct_scheduler_last_epoch(const ct_scheduler *s);

/** The scheduler's class name ("StepLR", "ReduceLROnPlateau", ...). */
const char *ct_scheduler_name(const ct_scheduler *s);

/**
 * scheduler.state_dict(): everything but the optimizer, as metadata
 * ("scheduler" -> "StepLR", "last_epoch", "_step_count", "base_lrs",
 * "_last_lr", and the class's own fields such as "best", "num_bad_epochs",
 * "cooldown_counter"), numbers printed so they read back exactly. NULL on
 * error; free with ct_tensor_dict_free.
 */
ct_tensor_dict *ct_scheduler_state_dict(const ct_scheduler *s);

/**
 * scheduler.load_state_dict(sd): restores a state from
 * ct_scheduler_state_dict into a scheduler of the same class (its options
 * included). Returns 0 or a negative error.
 */
int ct_scheduler_load_state_dict(ct_scheduler *s, const ct_tensor_dict *sd);

#ifdef __cplusplus
}
#endif
#endif
