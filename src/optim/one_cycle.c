/*
 * src/optim/one_cycle.c - OneCycleLR (PyTorch 1.13): the lr rises from
 * max_lr / div_factor to max_lr over pct_start of the cycle and anneals down
 * to initial_lr / final_div_factor (three_phase: back to initial_lr first),
 * while momentum (or Adam's beta1) moves the opposite way.
 */
#include <math.h>
#include <string.h>

#include "optim/sched_internal.h"

static const double PI = 3.141592653589793; /* math.pi */

/* Per-group values live in s->extra: initial_lr, max_lr, min_lr, max_momentum, base_momentum. */
enum { X_INITIAL, X_MAX, X_MIN, X_MAX_MOM, X_BASE_MOM };
static double *xval(ct_scheduler *s, int group, int which) { return &s->extra[5 * group + which]; }

void ct__one_cycle_phases(ct_scheduler *s) {
    double total = s->total_steps, pct = s->pct_start;
    if (s->three_phase) {
        s->phases[0] = (oc_phase){pct * total - 1, OC_INITIAL, OC_MAX, OC_MAX_MOM, OC_BASE_MOM};
        s->phases[1] = (oc_phase){2 * pct * total - 2, OC_MAX, OC_INITIAL, OC_BASE_MOM, OC_MAX_MOM};
        s->phases[2] = (oc_phase){total - 1, OC_INITIAL, OC_MIN, OC_MAX_MOM, OC_MAX_MOM};
        s->nphases = 3;
    } else {
        s->phases[0] = (oc_phase){pct * total - 1, OC_INITIAL, OC_MAX, OC_MAX_MOM, OC_BASE_MOM};
        s->phases[1] = (oc_phase){total - 1, OC_MAX, OC_MIN, OC_BASE_MOM, OC_MAX_MOM};
        s->nphases = 2;
    }
}

static double anneal(const ct_scheduler *s, double start, double end, double pct) {
    if (s->anneal == CT_ANNEAL_LINEAR) return (end - start) * pct + start;
    double cos_out = cos(PI * pct) + 1;
    return end + (start - end) / 2.0 * cos_out;
}

static double lr_value(ct_scheduler *s, int g, oc_lr_key k) {
    return *xval(s, g, k == OC_INITIAL ? X_INITIAL : k == OC_MAX ? X_MAX : X_MIN);
}
static double mom_value(ct_scheduler *s, int g, oc_mom_key k) {
    return *xval(s, g, k == OC_MAX_MOM ? X_MAX_MOM : X_BASE_MOM);
}

static int set_momentum(ct_scheduler *s, int g, double m) {
    return ct_optimizer_group_set(s->opt, g, s->use_beta1 ? "beta1" : "momentum", m);
}

static int one_cycle_get_lr(ct_scheduler *s, double *lrs) {
    int step_num = s->last_epoch;
    if (step_num > s->total_steps)
        return ct_set_error(CT_ERR_VALUE, "ct_scheduler_step",
                        "Tried to step %d times. The specified number of total steps is %d",
                        step_num + 1, s->total_steps);
    int n = ct_optimizer_num_groups(s->opt);
    if (n > s->ngroups) n = s->ngroups;
    for (int g = 0; g < n; g++) {
        double start_step = 0, lr = 0, mom = 0;
        for (int i = 0; i < s->nphases; i++) {
            const oc_phase *ph = &s->phases[i];
            if (step_num <= ph->end_step || i == s->nphases - 1) {
                if (ph->end_step - start_step == 0)
                    return ct_set_error(CT_ERR_VALUE, "ct_scheduler_step",
                                    "ZeroDivisionError: float division by zero");
                double pct = (step_num - start_step) / (ph->end_step - start_step);
                lr = anneal(s, lr_value(s, g, ph->start_lr), lr_value(s, g, ph->end_lr), pct);
                if (s->cycle_momentum)
                    mom = anneal(s, mom_value(s, g, ph->start_mom), mom_value(s, g, ph->end_mom), pct);
                break;
            }
            start_step = ph->end_step;
        }
        lrs[g] = lr;
        if (s->cycle_momentum) set_momentum(s, g, mom);
    }
    return 0;
}

const sched_kind ct__sched_one_cycle = {"OneCycleLR", one_cycle_get_lr, NULL};

ct_scheduler *ct_one_cycle_lr_(ct_one_cycle_lr_opts o) {
    const char *fn = "ct_one_cycle_lr";
    ct_scheduler *s = ct__sched_alloc(&ct__sched_one_cycle, o.optimizer, fn);
    if (!s) return NULL;
    if (o.total_steps == 0 && o.epochs == 0 && o.steps_per_epoch == 0) {
        ct_set_error(CT_ERR_VALUE, fn, "You must define either total_steps OR (epochs AND steps_per_epoch)");
        goto fail;
    } else if (o.total_steps != 0) {
        if (o.total_steps <= 0) {
            ct_set_error(CT_ERR_VALUE, fn, "Expected positive integer total_steps, but got %d", o.total_steps);
            goto fail;
        }
        s->total_steps = o.total_steps;
    } else {
        if (o.epochs <= 0) {
            ct_set_error(CT_ERR_VALUE, fn, "Expected positive integer epochs, but got %d", o.epochs);
            goto fail;
        }
        if (o.steps_per_epoch <= 0) {
            ct_set_error(CT_ERR_VALUE, fn, "Expected positive integer steps_per_epoch, but got %d",
                     o.steps_per_epoch);
            goto fail;
        }
        s->total_steps = o.epochs * o.steps_per_epoch;
    }
    s->pct_start = ct__sched_opt(o.pct_start, 0.3);
    s->three_phase = o.three_phase;
    ct__one_cycle_phases(s);
    if (!(s->pct_start >= 0 && s->pct_start <= 1)) {
        char b[40];
        ct_set_error(CT_ERR_VALUE, fn, "Expected float between 0 and 1 pct_start, but got %s",
                 ct__py_float(s->pct_start, b, sizeof b));
        goto fail;
    }
    if (o.anneal_strategy != CT_ANNEAL_COS && o.anneal_strategy != CT_ANNEAL_LINEAR) {
        ct_set_error(CT_ERR_VALUE, fn, "anneal_strategy must by one of 'cos' or 'linear', instead got %d",
                 (int)o.anneal_strategy);
        goto fail;
    }
    s->anneal = o.anneal_strategy;
    s->max_lr = o.max_lr + 0.0;
    s->div_factor = ct__sched_opt(o.div_factor, 25.0);
    s->final_div_factor = ct__sched_opt(o.final_div_factor, 1e4);
    s->cycle_momentum = !o.no_cycle_momentum;
    s->max_momentum = ct__sched_opt(o.max_momentum, 0.95);
    s->base_momentum = ct__sched_opt(o.base_momentum, 0.85);
    bool fresh = o.last_epoch <= 0;
    for (int g = 0; g < s->ngroups; g++) {
        *xval(s, g, X_INITIAL) = s->max_lr / s->div_factor;
        *xval(s, g, X_MAX) = s->max_lr;
        *xval(s, g, X_MIN) = *xval(s, g, X_INITIAL) / s->final_div_factor;
        *xval(s, g, X_MAX_MOM) = s->max_momentum;
        *xval(s, g, X_BASE_MOM) = s->base_momentum;
        if (fresh) ct_optimizer_group_set(s->opt, g, "initial_lr", *xval(s, g, X_INITIAL));
    }
    if (s->cycle_momentum) {
        bool has_mom = ct_optimizer_group_has(s->opt, 0, "momentum");
        bool has_betas = ct_optimizer_group_has(s->opt, 0, "beta1");
        if (!has_mom && !has_betas) {
            ct_set_error(CT_ERR_VALUE, fn, "optimizer must support momentum with `cycle_momentum` option enabled");
            goto fail;
        }
        s->use_beta1 = has_betas;
        if (fresh)
            for (int g = 0; g < s->ngroups; g++) set_momentum(s, g, s->max_momentum);
    }
    return ct__sched_start(s, o.last_epoch, fn);
fail:
    ct_scheduler_free(s);
    return NULL;
}
