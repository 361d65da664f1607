/*
 * src/optim/plateau.c - ReduceLROnPlateau (PyTorch 1.13): multiplies every
 * group's lr by factor once the metric has not improved for more than
 * `patience` epochs, then waits `cooldown` epochs before counting again.
 */
#include <math.h>

#include "optim/sched_internal.h"

static int plateau_get_lr(ct_scheduler *s, double *lrs) {
    (void)lrs;
    return ct_set_error(CT_ERR_TYPE, "ct_scheduler_step", "ReduceLROnPlateau has no get_lr");
}

const sched_kind ct__sched_plateau = {"ReduceLROnPlateau", plateau_get_lr, NULL};

ct_scheduler *ct_reduce_lr_on_plateau_(ct_plateau_opts o) {
    const char *fn = "ct_reduce_lr_on_plateau";
    double factor = ct__sched_opt(o.factor, 0.1);
    if (o.optimizer && factor >= 1.0) {
        ct_set_error(CT_ERR_VALUE, fn, "Factor should be < 1.0.");
        return NULL;
    }
    if (o.optimizer && o.mode != CT_MODE_MIN && o.mode != CT_MODE_MAX) {
        ct_set_error(CT_ERR_VALUE, fn, "mode %d is unknown!", (int)o.mode);
        return NULL;
    }
    if (o.optimizer && o.threshold_mode != CT_THRESHOLD_REL && o.threshold_mode != CT_THRESHOLD_ABS) {
        ct_set_error(CT_ERR_VALUE, fn, "threshold mode %d is unknown!", (int)o.threshold_mode);
        return NULL;
    }
    ct_scheduler *s = ct__sched_alloc(&ct__sched_plateau, o.optimizer, fn);
    if (!s) return NULL;
    s->plateau = true;
    s->factor = factor;
    s->patience = ct__sched_opt(o.patience, 10);
    s->threshold = ct__sched_opt(o.threshold, 1e-4);
    s->mode = o.mode;
    s->threshold_mode = o.threshold_mode;
    s->cooldown = o.cooldown;
    s->min_lr = o.min_lr + 0.0;
    s->eps = ct__sched_opt(o.eps, 1e-8);
    s->last_epoch = 0;
    /* _reset() */
    s->best = s->mode == CT_MODE_MIN ? INFINITY : -INFINITY;
    s->cooldown_counter = 0;
    s->num_bad_epochs = 0;
    return s;
}

static bool is_better(const ct_scheduler *s, double a, double best) {
    if (s->mode == CT_MODE_MIN && s->threshold_mode == CT_THRESHOLD_REL) return a < best * (1. - s->threshold);
    if (s->mode == CT_MODE_MIN) return a < best - s->threshold;
    if (s->threshold_mode == CT_THRESHOLD_REL) return a > best * (s->threshold + 1.);
    return a > best + s->threshold;
}

static void reduce_lr(ct_scheduler *s) {
    int n = ct_optimizer_num_groups(s->opt);
    for (int i = 0; i < n && i < s->ngroups; i++) {
        double old_lr = ct_optimizer_group_lr(s->opt, i);
        double cand = old_lr * s->factor;
        double new_lr = s->min_lr > cand ? s->min_lr : cand; /* Python's max(cand, min_lr) */
        if (old_lr - new_lr > s->eps) ct_optimizer_set_group_lr(s->opt, i, new_lr);
    }
}

int ct_scheduler_step_metric(ct_scheduler *s, double current) {
    const char *fn = "ct_scheduler_step_metric";
    if (!s) return ct_set_error(CT_ERR_NULL, fn, "scheduler is NULL");
    if (!s->plateau)
        return ct_set_error(CT_ERR_TYPE, fn, "%s.step() takes no metric (use ct_scheduler_step)", s->kind->name);
    s->last_epoch += 1;
    if (is_better(s, current, s->best)) {
        s->best = current;
        s->num_bad_epochs = 0;
    } else {
        s->num_bad_epochs += 1;
    }
    if (s->cooldown_counter > 0) {
        s->cooldown_counter -= 1;
        s->num_bad_epochs = 0; /* ignore any bad epochs in cooldown */
    }
    if (s->num_bad_epochs > s->patience) {
        reduce_lr(s);
        s->cooldown_counter = s->cooldown;
        s->num_bad_epochs = 0;
    }
    int n = ct_optimizer_num_groups(s->opt);
    for (int i = 0; i < n && i < s->ngroups; i++) s->last_lrs[i] = ct_optimizer_group_lr(s->opt, i);
    return 0;
}
