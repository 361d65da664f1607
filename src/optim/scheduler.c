/*
 * src/optim/scheduler.c - the _LRScheduler base (initial step, step,
 * step(epoch), get_last_lr) and the simple schedules: StepLR, MultiStepLR,
 * ExponentialLR, CosineAnnealingLR, LinearLR, with PyTorch 1.13's chainable
 * get_lr and closed forms.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optim/sched_internal.h"

/* ------------------------------------------------------------------ base */

ct_scheduler *ct__sched_alloc(const sched_kind *kind, ct_optimizer *opt, const char *fn) {
    if (!opt) {
        ct_set_error(CT_ERR_TYPE, fn, "NoneType is not an Optimizer");
        return NULL;
    }
    ct_scheduler *s = calloc(1, sizeof *s);
    int n = ct_optimizer_num_groups(opt);
    if (s) {
        s->base_lrs = calloc((size_t)n + 1, sizeof(double));
        s->last_lrs = calloc((size_t)n + 1, sizeof(double));
        s->extra = calloc(5 * (size_t)n + 1, sizeof(double));
    }
    if (!s || !s->base_lrs || !s->last_lrs || !s->extra) {
        ct_scheduler_free(s);
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    s->kind = kind;
    s->opt = opt;
    s->ngroups = n;
    for (int i = 0; i < n; i++) s->last_lrs[i] = ct_optimizer_group_lr(opt, i);
    return s;
}

void ct_scheduler_free(ct_scheduler *s) {
    if (!s) return;
    free(s->base_lrs);
    free(s->last_lrs);
    free(s->extra);
    free(s->milestones);
    free(s);
}

/* Groups the scheduler drives: those it knew at construction that still exist (zip()). */
static int ngroups_now(const ct_scheduler *s) {
    int n = ct_optimizer_num_groups(s->opt);
    return n < s->ngroups ? n : s->ngroups;
}

static double group_lr(const ct_scheduler *s, int i) { return ct_optimizer_group_lr(s->opt, i); }

/* Writes lrs into the groups and records them as the last lrs. */
static void apply_lrs(ct_scheduler *s, const double *lrs) {
    int n = ngroups_now(s);
    for (int i = 0; i < n; i++) {
        ct_optimizer_set_group_lr(s->opt, i, lrs[i]);
        s->last_lrs[i] = lrs[i];
    }
}

/* step(epoch=None or epoch): PyTorch's _LRScheduler.step. */
static int do_step(ct_scheduler *s, bool have_epoch, int epoch) {
    s->step_count++;
    double *lrs = calloc((size_t)s->ngroups + 1, sizeof *lrs);
    if (!lrs) return ct_set_error(CT_ERR_OOM, "ct_scheduler_step", "out of memory");
    int rc;
    if (!have_epoch) {
        s->last_epoch++;
        rc = s->kind->get_lr(s, lrs);
    } else {
        s->last_epoch = epoch;
        rc = s->kind->closed_form ? s->kind->closed_form(s, lrs) : s->kind->get_lr(s, lrs);
    }
    if (rc == 0) apply_lrs(s, lrs);
    free(lrs);
    return rc;
}

ct_scheduler *ct__sched_start(ct_scheduler *s, int last_epoch, const char *fn) {
    if (last_epoch <= 0) last_epoch = -1;
    for (int i = 0; i < s->ngroups; i++) {
        if (last_epoch == -1) {
            if (!ct_optimizer_group_has(s->opt, i, "initial_lr"))
                ct_optimizer_group_set(s->opt, i, "initial_lr", ct_optimizer_group_lr(s->opt, i));
        } else if (!ct_optimizer_group_has(s->opt, i, "initial_lr")) {
            ct_set_error(CT_ERR_VALUE, fn,
                     "KeyError: param 'initial_lr' is not specified in param_groups[%d] when resuming an optimizer",
                     i);
            ct_scheduler_free(s);
            return NULL;
        }
        s->base_lrs[i] = ct_optimizer_group_get(s->opt, i, "initial_lr");
    }
    s->last_epoch = last_epoch;
    s->step_count = 0; /* _initial_step */
    if (do_step(s, false, 0) < 0) {
        ct_scheduler_free(s);
        return NULL;
    }
    return s;
}

int ct_scheduler_step(ct_scheduler *s) {
    if (!s) return ct_set_error(CT_ERR_NULL, "ct_scheduler_step", "scheduler is NULL");
    if (s->plateau)
        return ct_set_error(CT_ERR_TYPE, "ct_scheduler_step",
                        "ReduceLROnPlateau.step() missing 1 required positional argument: 'metrics' "
                        "(use ct_scheduler_step_metric)");
    return do_step(s, false, 0);
}

int ct_scheduler_step_epoch(ct_scheduler *s, int epoch) {
    if (!s) return ct_set_error(CT_ERR_NULL, "ct_scheduler_step_epoch", "scheduler is NULL");
    if (s->plateau)
        return ct_set_error(CT_ERR_TYPE, "ct_scheduler_step_epoch",
                        "ReduceLROnPlateau steps with a metric (use ct_scheduler_step_metric)");
    return do_step(s, true, epoch);
}

double ct_scheduler_last_lr(const ct_scheduler *s, int group) {
    if (!s) {
        ct_set_error(CT_ERR_NULL, "ct_scheduler_last_lr", "scheduler is NULL");
        return NAN;
    }
    if (group < 0 || group >= s->ngroups) {
        ct_set_error(CT_ERR_INDEX, "ct_scheduler_last_lr", "list index out of range");
        return NAN;
    }
    return s->last_lrs[group];
}

int ct_scheduler_last_epoch(const ct_scheduler *s) { return s ? s->last_epoch : -1; }

const char *ct_scheduler_name(const ct_scheduler *s) { return s ? s->kind->name : NULL; }

/* ---------------------------------------------------------------- StepLR */

static int step_get_lr(ct_scheduler *s, double *lrs) {
    for (int i = 0; i < ngroups_now(s); i++) {
        double lr = group_lr(s, i);
        lrs[i] = (s->last_epoch == 0 || s->last_epoch % s->step_size != 0) ? lr : lr * s->gamma;
    }
    return 0;
}

/* Python's floor division for a positive divisor. */
static int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

static int step_closed(ct_scheduler *s, double *lrs) {
    for (int i = 0; i < ngroups_now(s); i++)
        lrs[i] = s->base_lrs[i] * pow(s->gamma, floor_div(s->last_epoch, s->step_size));
    return 0;
}

static const sched_kind step_kind = {"StepLR", step_get_lr, step_closed};

ct_scheduler *ct_step_lr_(ct_step_lr_opts o) {
    const char *fn = "ct_step_lr";
    if (o.optimizer && o.step_size <= 0) {
        ct_set_error(CT_ERR_VALUE, fn, "step_size must be a positive integer, got %d", o.step_size);
        return NULL;
    }
    ct_scheduler *s = ct__sched_alloc(&step_kind, o.optimizer, fn);
    if (!s) return NULL;
    s->step_size = o.step_size;
    s->gamma = ct__sched_opt(o.gamma, 0.1);
    return ct__sched_start(s, o.last_epoch, fn);
}

/* ----------------------------------------------------------- MultiStepLR */

static int milestone_count(const ct_scheduler *s, int epoch, bool upto) {
    int c = 0;
    for (int k = 0; k < s->n_milestones; k++)
        c += upto ? s->milestones[k] <= epoch : s->milestones[k] == epoch;
    return c;
}

static int multistep_get_lr(ct_scheduler *s, double *lrs) {
    int c = milestone_count(s, s->last_epoch, false);
    for (int i = 0; i < ngroups_now(s); i++) {
        double lr = group_lr(s, i);
        lrs[i] = c == 0 ? lr : lr * pow(s->gamma, c);
    }
    return 0;
}

static int multistep_closed(ct_scheduler *s, double *lrs) {
    int c = milestone_count(s, s->last_epoch, true); /* bisect_right(sorted milestones, epoch) */
    for (int i = 0; i < ngroups_now(s); i++) lrs[i] = s->base_lrs[i] * pow(s->gamma, c);
    return 0;
}

static const sched_kind multistep_kind = {"MultiStepLR", multistep_get_lr, multistep_closed};

ct_scheduler *ct_multistep_lr_(ct_multistep_lr_opts o) {
    const char *fn = "ct_multistep_lr";
    if (o.optimizer && (o.n_milestones < 0 || (o.n_milestones > 0 && !o.milestones))) {
        ct_set_error(CT_ERR_NULL, fn, "milestones must be a list of epochs");
        return NULL;
    }
    ct_scheduler *s = ct__sched_alloc(&multistep_kind, o.optimizer, fn);
    if (!s) return NULL;
    s->milestones = malloc((size_t)o.n_milestones * sizeof(int) + 1);
    if (!s->milestones) {
        ct_scheduler_free(s);
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    if (o.n_milestones) memcpy(s->milestones, o.milestones, (size_t)o.n_milestones * sizeof(int));
    s->n_milestones = o.n_milestones;
    s->gamma = ct__sched_opt(o.gamma, 0.1);
    return ct__sched_start(s, o.last_epoch, fn);
}

/* --------------------------------------------------------- ExponentialLR */

static int exp_get_lr(ct_scheduler *s, double *lrs) {
    for (int i = 0; i < ngroups_now(s); i++) {
        double lr = group_lr(s, i);
        lrs[i] = s->last_epoch == 0 ? lr : lr * s->gamma;
    }
    return 0;
}

static int exp_closed(ct_scheduler *s, double *lrs) {
    for (int i = 0; i < ngroups_now(s); i++) lrs[i] = s->base_lrs[i] * pow(s->gamma, s->last_epoch);
    return 0;
}

static const sched_kind exp_kind = {"ExponentialLR", exp_get_lr, exp_closed};

ct_scheduler *ct_exponential_lr_(ct_exponential_lr_opts o) {
    const char *fn = "ct_exponential_lr";
    if (o.optimizer && o.gamma == 0.0 && !signbit(o.gamma)) {
        ct_set_error(CT_ERR_TYPE, fn, "missing 1 required positional argument: 'gamma' (CT_ZERO for 0)");
        return NULL;
    }
    ct_scheduler *s = ct__sched_alloc(&exp_kind, o.optimizer, fn);
    if (!s) return NULL;
    s->gamma = o.gamma + 0.0;
    return ct__sched_start(s, o.last_epoch, fn);
}

/* ----------------------------------------------------- CosineAnnealingLR */

static const double PI = 3.141592653589793; /* math.pi */

static int cosine_get_lr(ct_scheduler *s, double *lrs) {
    int e = s->last_epoch, T = s->t_max;
    double eta = s->eta_min;
    for (int i = 0; i < ngroups_now(s); i++) {
        double lr = group_lr(s, i), base = s->base_lrs[i];
        if (e == 0)
            lrs[i] = lr;
        else if (s->step_count == 1 && e > 0)
            lrs[i] = eta + (base - eta) * (1 + cos(e * PI / T)) / 2;
        else if ((e - 1 - T) % (2 * T) == 0)
            lrs[i] = lr + (base - eta) * (1 - cos(PI / T)) / 2;
        else
            lrs[i] = (1 + cos(PI * e / T)) / (1 + cos(PI * (e - 1) / T)) * (lr - eta) + eta;
    }
    return 0;
}

static int cosine_closed(ct_scheduler *s, double *lrs) {
    for (int i = 0; i < ngroups_now(s); i++)
        lrs[i] = s->eta_min +
                 (s->base_lrs[i] - s->eta_min) * (1 + cos(PI * s->last_epoch / s->t_max)) / 2;
    return 0;
}

static const sched_kind cosine_kind = {"CosineAnnealingLR", cosine_get_lr, cosine_closed};

ct_scheduler *ct_cosine_annealing_lr_(ct_cosine_annealing_lr_opts o) {
    const char *fn = "ct_cosine_annealing_lr";
    if (o.optimizer && o.t_max <= 0) {
        ct_set_error(CT_ERR_VALUE, fn, "T_max must be a positive integer, got %d", o.t_max);
        return NULL;
    }
    ct_scheduler *s = ct__sched_alloc(&cosine_kind, o.optimizer, fn);
    if (!s) return NULL;
    s->t_max = o.t_max;
    s->eta_min = o.eta_min + 0.0;
    return ct__sched_start(s, o.last_epoch, fn);
}

/* -------------------------------------------------------------- LinearLR */

static int linear_get_lr(ct_scheduler *s, double *lrs) {
    int e = s->last_epoch;
    double sf = s->start_factor, ef = s->end_factor;
    for (int i = 0; i < ngroups_now(s); i++) {
        double lr = group_lr(s, i);
        if (e == 0)
            lrs[i] = lr * sf;
        else if (e > s->total_iters)
            lrs[i] = lr;
        else {
            double den = s->total_iters * sf + (e - 1) * (ef - sf);
            if (den == 0.0) return ct_set_error(CT_ERR_VALUE, "ct_scheduler_step", "ZeroDivisionError: float division by zero");
            lrs[i] = lr * (1. + (ef - sf) / den);
        }
    }
    return 0;
}

static int linear_closed(ct_scheduler *s, double *lrs) {
    int m = s->total_iters < s->last_epoch ? s->total_iters : s->last_epoch;
    for (int i = 0; i < ngroups_now(s); i++)
        lrs[i] = s->base_lrs[i] *
                 (s->start_factor + (s->end_factor - s->start_factor) * m / s->total_iters);
    return 0;
}

static const sched_kind linear_kind = {"LinearLR", linear_get_lr, linear_closed};

ct_scheduler *ct_linear_lr_(ct_linear_lr_opts o) {
    const char *fn = "ct_linear_lr";
    double sf = ct__sched_opt(o.start_factor, 1.0 / 3), ef = ct__sched_opt(o.end_factor, 1.0);
    if (o.optimizer && (sf > 1.0 || sf < 0)) {
        ct_set_error(CT_ERR_VALUE, fn, "Starting multiplicative factor expected to be between 0 and 1.");
        return NULL;
    }
    if (o.optimizer && (ef > 1.0 || ef < 0)) {
        ct_set_error(CT_ERR_VALUE, fn, "Ending multiplicative factor expected to be between 0 and 1.");
        return NULL;
    }
    ct_scheduler *s = ct__sched_alloc(&linear_kind, o.optimizer, fn);
    if (!s) return NULL;
    s->start_factor = sf;
    s->end_factor = ef;
    s->total_iters = o.total_iters > 0 ? o.total_iters : 5;
    return ct__sched_start(s, o.last_epoch, fn);
}
