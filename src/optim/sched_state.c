/*
 * src/optim/sched_state.c - scheduler.state_dict() / load_state_dict(): the
 * scheduler's fields (everything but the optimizer, as in PyTorch) as
 * metadata of a ct_tensor_dict, numbers printed so that they read back exactly.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optim/sched_internal.h"

/* A scalar field of the scheduler: exactly one of d, i, b is set. */
typedef struct {
    const char *name;
    double *d;
    int *i;
    bool *b;
} sfield;

/* The fields a scheduler of s's class saves; returns how many (at most 24). */
static int fields_of(ct_scheduler *s, sfield *f) {
    int n = 0;
#define D(nm, field) f[n++] = (sfield){nm, &s->field, NULL, NULL}
#define I(nm, field) f[n++] = (sfield){nm, NULL, &s->field, NULL}
#define B(nm, field) f[n++] = (sfield){nm, NULL, NULL, &s->field}
    I("last_epoch", last_epoch);
    const char *k = s->kind->name;
    if (s->plateau) {
        D("factor", factor); D("patience", patience); D("threshold", threshold);
        I("mode", mode); I("threshold_mode", threshold_mode); I("cooldown", cooldown);
        I("cooldown_counter", cooldown_counter); I("num_bad_epochs", num_bad_epochs);
        D("min_lr", min_lr); D("eps", eps); D("best", best);
        return n;
    }
    I("_step_count", step_count);
    if (strcmp(k, "StepLR") == 0) { I("step_size", step_size); D("gamma", gamma); }
    else if (strcmp(k, "MultiStepLR") == 0 || strcmp(k, "ExponentialLR") == 0) { D("gamma", gamma); }
    else if (strcmp(k, "CosineAnnealingLR") == 0) { I("T_max", t_max); D("eta_min", eta_min); }
    else if (strcmp(k, "LinearLR") == 0) {
        D("start_factor", start_factor); D("end_factor", end_factor); I("total_iters", total_iters);
    } else if (strcmp(k, "OneCycleLR") == 0) {
        I("total_steps", total_steps); D("max_lr", max_lr); D("pct_start", pct_start);
        D("div_factor", div_factor); D("final_div_factor", final_div_factor);
        D("base_momentum", base_momentum); D("max_momentum", max_momentum);
        I("anneal_strategy", anneal); B("cycle_momentum", cycle_momentum);
        B("three_phase", three_phase); B("use_beta1", use_beta1);
    }
#undef D
#undef I
#undef B
    return n;
}

static void fmt_num(char *buf, size_t size, double v) {
    if (isnan(v)) snprintf(buf, size, "nan");
    else if (isinf(v)) snprintf(buf, size, v > 0 ? "inf" : "-inf");
    else snprintf(buf, size, "%.17g", v);
}

/* "a,b,c" for n doubles; malloc'd. */
static char *fmt_list(const double *v, int n) {
    char *out = malloc((size_t)n * 26 + 1);
    if (!out) return NULL;
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        char b[32];
        fmt_num(b, sizeof b, v[i]);
        len += (size_t)sprintf(out + len, i ? ",%s" : "%s", b);
    }
    return out;
}

ct_tensor_dict *ct_scheduler_state_dict(const ct_scheduler *cs) {
    const char *fn = "ct_scheduler_state_dict";
    if (!cs) {
        ct_set_error(CT_ERR_NULL, fn, "scheduler is NULL");
        return NULL;
    }
    ct_scheduler *s = (ct_scheduler *)cs;
    ct_tensor_dict *d = ct_tensor_dict_new();
    if (!d) return NULL;
    int rc = ct_tensor_dict_set_meta(d, "scheduler", s->kind->name);
    sfield f[24];
    int n = fields_of(s, f);
    char b[32];
    for (int k = 0; k < n && rc == 0; k++) {
        if (f[k].d) fmt_num(b, sizeof b, *f[k].d);
        else snprintf(b, sizeof b, "%d", f[k].i ? *f[k].i : (int)*f[k].b);
        rc = ct_tensor_dict_set_meta(d, f[k].name, b);
    }
    struct { const char *name; double *v; int n; } lists[] = {
        {"base_lrs", s->base_lrs, s->plateau ? 0 : s->ngroups},
        {"_last_lr", s->last_lrs, s->ngroups},
        {"_group_values", s->extra, strcmp(s->kind->name, "OneCycleLR") == 0 ? 5 * s->ngroups : 0},
    };
    for (int k = 0; k < 3 && rc == 0; k++) {
        if (lists[k].n == 0 && k != 1) continue;
        char *l = fmt_list(lists[k].v, lists[k].n);
        rc = l ? ct_tensor_dict_set_meta(d, lists[k].name, l) : ct_set_error(CT_ERR_OOM, fn, "out of memory");
        free(l);
    }
    if (rc == 0 && s->milestones) {
        char *l = malloc((size_t)s->n_milestones * 12 + 1);
        if (!l) rc = ct_set_error(CT_ERR_OOM, fn, "out of memory");
        else {
            size_t len = 0;
            l[0] = '\0';
            for (int i = 0; i < s->n_milestones; i++)
                len += (size_t)sprintf(l + len, i ? ",%d" : "%d", s->milestones[i]);
            rc = ct_tensor_dict_set_meta(d, "milestones", l);
            free(l);
        }
    }
    if (rc != 0) {
        ct_tensor_dict_free(d);
        return NULL;
    }
    return d;
}

/* Parses "a,b,c" into exactly n doubles. */
static bool parse_list(const char *s, double *out, int n) {
    if (!s) return false;
    for (int i = 0; i < n; i++) {
        char *end;
        out[i] = strtod(s, &end);
        if (end == s || (*end != ',' && *end != '\0') || (*end == '\0' && i != n - 1)) return false;
        s = *end ? end + 1 : end;
    }
    return *s == '\0';
}

int ct_scheduler_load_state_dict(ct_scheduler *s, const ct_tensor_dict *sd) {
    const char *fn = "ct_scheduler_load_state_dict";
    if (!s) return ct_set_error(CT_ERR_NULL, fn, "scheduler is NULL");
    if (!sd) return ct_set_error(CT_ERR_NULL, fn, "state_dict is NULL");
    const char *cls = ct_tensor_dict_get_meta(sd, "scheduler");
    if (!cls || strcmp(cls, s->kind->name) != 0)
        return ct_set_error(CT_ERR_VALUE, fn, "the state dict is for %s, not %s",
                        cls ? cls : "an unknown scheduler", s->kind->name);
    /* Parse everything into a copy first, so a bad dict changes nothing. */
    ct_scheduler t = *s;
    sfield f[24];
    int n = fields_of(&t, f);
    for (int k = 0; k < n; k++) {
        const char *v = ct_tensor_dict_get_meta(sd, f[k].name);
        char *end = NULL;
        double x = v ? strtod(v, &end) : 0;
        if (!v || end == v || *end != '\0')
            return ct_set_error(CT_ERR_VALUE, fn, "the state dict has no valid '%s' entry", f[k].name);
        if (f[k].d) *f[k].d = x;
        else if (f[k].i) *f[k].i = (int)x;
        else *f[k].b = x != 0;
    }
    int ng = s->ngroups;
    double *tmp = calloc(7 * (size_t)ng + 1, sizeof *tmp);
    if (!tmp) return ct_set_error(CT_ERR_OOM, fn, "out of memory");
    bool one_cycle = strcmp(s->kind->name, "OneCycleLR") == 0;
    bool ok = (s->plateau || parse_list(ct_tensor_dict_get_meta(sd, "base_lrs"), tmp, ng)) &&
              parse_list(ct_tensor_dict_get_meta(sd, "_last_lr"), tmp + ng, ng) &&
              (!one_cycle || parse_list(ct_tensor_dict_get_meta(sd, "_group_values"), tmp + 2 * ng, 5 * ng));
    int *ms = NULL, nms = 0;
    if (ok && s->milestones) {
        const char *m = ct_tensor_dict_get_meta(sd, "milestones");
        ok = m != NULL;
        if (ok) {
            nms = *m ? 1 : 0;
            for (const char *c = m; *c; c++) nms += *c == ',';
            ms = malloc((size_t)nms * sizeof *ms + 1);
            ok = ms != NULL;
            for (int i = 0; ok && i < nms; i++) {
                char *end;
                long v = strtol(m, &end, 10);
                ok = end != m && (*end == ',' || *end == '\0');
                ms[i] = (int)v;
                m = *end ? end + 1 : end;
            }
        }
    }
    if (!ok) {
        free(tmp);
        free(ms);
        return ct_set_error(CT_ERR_VALUE, fn, "the state dict's lr lists do not match the %d parameter groups", ng);
    }
    /* commit */
    double *base = s->base_lrs, *last = s->last_lrs, *extra = s->extra;
    int *old_ms = s->milestones;
    *s = t;
    s->base_lrs = base;
    s->last_lrs = last;
    s->extra = extra;
    if (!s->plateau) memcpy(base, tmp, (size_t)ng * sizeof *tmp);
    memcpy(last, tmp + ng, (size_t)ng * sizeof *tmp);
    if (one_cycle) {
        memcpy(extra, tmp + 2 * ng, 5 * (size_t)ng * sizeof *tmp);
        ct__one_cycle_phases(s);
    }
    if (old_ms) {
        free(old_ms);
        s->milestones = ms;
        s->n_milestones = nms;
    }
    free(tmp);
    return 0;
}
