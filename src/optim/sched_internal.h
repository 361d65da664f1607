/*
 * src/optim/sched_internal.h - what the LR scheduler files share: the
 * scheduler struct (base fields of _LRScheduler plus each class's options),
 * the per-class table, and the base-class steps.
 */
#ifndef CT_SCHED_INTERNAL_H
#define CT_SCHED_INTERNAL_H

#include "optim/internal.h"

typedef struct sched_kind {
    const char *name;
    /* get_lr(): the chainable form, into lrs[ngroups]; 0 or an error. */
    int (*get_lr)(ct_scheduler *s, double *lrs);
    /* _get_closed_form_lr(), for step(epoch); NULL when the class has none. */
    int (*closed_form)(ct_scheduler *s, double *lrs);
} sched_kind;

/* One phase of OneCycleLR: where it ends and which values it anneals between. */
typedef enum { OC_INITIAL, OC_MAX, OC_MIN } oc_lr_key;
typedef enum { OC_MAX_MOM, OC_BASE_MOM } oc_mom_key;
typedef struct {
    double end_step;
    oc_lr_key start_lr, end_lr;
    oc_mom_key start_mom, end_mom;
} oc_phase;

struct ct_scheduler {
    const sched_kind *kind;
    ct_optimizer *opt; /* borrowed */
    int ngroups;
    double *base_lrs;  /* ngroups */
    double *last_lrs;  /* ngroups */
    double *extra;     /* 5 * ngroups per-group values (OneCycle, plateau min_lrs) */
    int last_epoch;
    int step_count;

    /* StepLR, MultiStepLR, ExponentialLR */
    int step_size;
    double gamma;
    int *milestones, n_milestones;
    /* CosineAnnealingLR */
    int t_max;
    double eta_min;
    /* LinearLR */
    double start_factor, end_factor;
    int total_iters;
    /* OneCycleLR */
    int total_steps;
    double max_lr, pct_start, div_factor, final_div_factor, base_momentum, max_momentum;
    int anneal;          /* ct_anneal_strategy */
    bool cycle_momentum, three_phase, use_beta1;
    oc_phase phases[3];
    int nphases;
    /* ReduceLROnPlateau */
    bool plateau;
    int mode, threshold_mode, cooldown, cooldown_counter, num_bad_epochs;
    double factor, patience, threshold, min_lr, eps, best;
};

extern const sched_kind ct__sched_one_cycle, ct__sched_plateau;

/* Allocates a scheduler of kind for opt (base_lrs etc. unset). NULL and an error on failure. */
ct_scheduler *ct__sched_alloc(const sched_kind *kind, ct_optimizer *opt, const char *fn);

/*
 * _LRScheduler.__init__ after the class's own fields are set: records
 * initial_lr (fresh start) or requires it (resume), sets base_lrs and
 * performs the initial step. Frees s and returns NULL on error.
 */
ct_scheduler *ct__sched_start(ct_scheduler *s, int last_epoch, const char *fn);

/* OneCycleLR's phase table from its options. */
void ct__one_cycle_phases(ct_scheduler *s);

/* Option resolution shared by the constructors: zero -> default, CT_ZERO -> 0. */
static inline double ct__sched_opt(double v, double dflt) {
    if (v == 0.0) return signbit(v) ? 0.0 : dflt;
    return v;
}

#endif
