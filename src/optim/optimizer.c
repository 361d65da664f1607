/*
 * src/optim/optimizer.c - what every optimizer shares (torch.optim.Optimizer):
 * parameters in groups with options, resolving options against defaults,
 * step (with the contiguous fast path), zero_grad, and group option access.
 * The update rules live in sgd.c, adam.c, rmsprop.c and adagrad.c.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optim/internal.h"

/* ------------------------------------------------------------- options */

/* Every option with its PyTorch name, for error messages and get/set by name. */
typedef struct {
    const char *name;
    unsigned bit;
    size_t off;
    bool is_bool;
} field_desc;

static const field_desc fields[] = {
    {"lr", OPT_LR, offsetof(ct_optim_opts, lr), false},
    {"momentum", OPT_MOMENTUM, offsetof(ct_optim_opts, momentum), false},
    {"dampening", OPT_DAMPENING, offsetof(ct_optim_opts, dampening), false},
    {"weight_decay", OPT_WEIGHT_DECAY, offsetof(ct_optim_opts, weight_decay), false},
    {"nesterov", OPT_NESTEROV, offsetof(ct_optim_opts, nesterov), true},
    {"maximize", OPT_MAXIMIZE, offsetof(ct_optim_opts, maximize), true},
    {"beta1", OPT_BETAS, offsetof(ct_optim_opts, betas), false},
    {"beta2", OPT_BETAS, offsetof(ct_optim_opts, betas) + sizeof(double), false},
    {"eps", OPT_EPS, offsetof(ct_optim_opts, eps), false},
    {"amsgrad", OPT_AMSGRAD, offsetof(ct_optim_opts, amsgrad), true},
    {"alpha", OPT_ALPHA, offsetof(ct_optim_opts, alpha), false},
    {"centered", OPT_CENTERED, offsetof(ct_optim_opts, centered), true},
    {"lr_decay", OPT_LR_DECAY, offsetof(ct_optim_opts, lr_decay), false},
    {"initial_accumulator_value", OPT_INITIAL_ACC,
     offsetof(ct_optim_opts, initial_accumulator_value), false},
};
#define NFIELDS ((int)(sizeof fields / sizeof fields[0]))

static double *dfield(ct_optim_opts *o, const field_desc *f) {
    return (double *)(void *)((char *)o + f->off);
}
static bool *bfield(ct_optim_opts *o, const field_desc *f) {
    return (bool *)(void *)((char *)o + f->off);
}

/* Was the field given at all (non-zero, or CT_ZERO)? */
static bool field_given(const ct_optim_opts *o, const field_desc *f) {
    ct_optim_opts *m = (ct_optim_opts *)o;
    if (f->is_bool) return *bfield(m, f);
    double v = *dfield(m, f);
    return v != 0.0 || signbit(v) || isnan(v);
}

/*
 * The options `user` asked for, with what was left out taken from `base`
 * (PyTorch's defaults for a constructor, the optimizer's options for a
 * group). An option the class does not have is an error.
 */
static int resolve(const optim_kind *kind, const ct_optim_opts *user, const ct_optim_opts *base,
                   const char *fn, ct_optim_opts *out) {
    *out = *base;
    for (int i = 0; i < NFIELDS; i++) {
        const field_desc *f = &fields[i];
        if (!field_given(user, f)) continue;
        if (!(kind->accepts & f->bit)) {
            const char *name = f->bit == OPT_BETAS ? "betas" : f->name;
            return ct_set_error(CT_ERR_TYPE, fn, "%s got an unexpected keyword argument '%s'",
                            kind->name, name);
        }
        if (f->is_bool)
            *bfield(out, f) = true;
        else
            *dfield(out, f) = *dfield((ct_optim_opts *)user, f) + 0.0; /* -0.0 -> 0.0 */
    }
    out->params = (ct_tensor_list){NULL, 0};
    return 0;
}

const char *ct__py_float(double v, char *buf, size_t size) {
    if (isnan(v)) {
        snprintf(buf, size, "nan");
        return buf;
    }
    if (isinf(v)) {
        snprintf(buf, size, v > 0 ? "inf" : "-inf");
        return buf;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    if (!strpbrk(buf, ".e")) {
        size_t n = strlen(buf);
        if (n + 3 <= size) memcpy(buf + n, ".0", 3);
    }
    return buf;
}

/* ---------------------------------------------------------- parameters */

ct_tensor *ct__optim_state_tensor(ct_tensor *p, double value) {
    /* a reference no scope owns: the optimizer keeps it across steps */
    return ct_own(ct_full(ct_shape_of(p), value, .dtype = ct_dtype_of(p)));
}

static int find_param(const ct_optimizer *opt, const ct_tensor *p) {
    for (int i = 0; i < opt->nparams; i++)
        if (opt->params[i] == p) return i;
    return -1;
}

/* Appends a group with resolved options o and the given parameters. */
static int add_group(ct_optimizer *opt, ct_tensor_list params, const ct_optim_opts *o,
                     const char *fn) {
    if (params.n < 0 || (params.n > 0 && !params.items))
        return ct_set_error(CT_ERR_NULL, fn, "params must be a list of tensors");
    for (int i = 0; i < params.n; i++) {
        ct_tensor *p = params.items[i];
        if (!p) return ct_set_error(CT_ERR_NULL, fn, "optimizer can only optimize Tensors, but one of the params is NULL");
        if (!ct_dtype_is_floating(ct_dtype_of(p)))
            return ct_set_error(CT_ERR_TYPE, fn, "can only optimize Tensors of floating point dtype, but one of the params is %s",
                            ct_dtype_torch_name(ct_dtype_of(p)));
        if (!ct_is_leaf(p)) return ct_set_error(CT_ERR_VALUE, fn, "can't optimize a non-leaf Tensor");
        if (find_param(opt, p) >= 0)
            return ct_set_error(CT_ERR_VALUE, fn, "some parameters appear in more than one parameter group");
    }
    optim_group *groups = realloc(opt->groups, (size_t)(opt->ngroups + 1) * sizeof *groups);
    if (!groups) return ct_set_error(CT_ERR_OOM, fn, "out of memory");
    opt->groups = groups;
    ct_tensor **ps = realloc(opt->params, (size_t)(opt->nparams + params.n + 1) * sizeof *ps);
    if (!ps) return ct_set_error(CT_ERR_OOM, fn, "out of memory");
    opt->params = ps;
    optim_state *st = realloc(opt->state, (size_t)(opt->nparams + params.n + 1) * sizeof *st);
    if (!st) return ct_set_error(CT_ERR_OOM, fn, "out of memory");
    opt->state = st;

    int first = opt->nparams;
    for (int i = 0; i < params.n; i++) {
        /* A parameter listed twice in one group is kept once (PyTorch warns). */
        bool dup = false;
        for (int j = first; j < opt->nparams; j++) dup |= opt->params[j] == params.items[i];
        if (dup) continue;
        optim_state *s = &opt->state[opt->nparams];
        memset(s, 0, sizeof *s);
        if (opt->kind->init_state) {
            int rc = opt->kind->init_state(s, params.items[i], o);
            if (rc < 0) {
                for (int k = 0; k < OPTIM_MAX_BUFS; k++) ct_release(s->buf[k]);
                /* roll back this group's parameters */
                for (int j = first; j < opt->nparams; j++) {
                    for (int k = 0; k < OPTIM_MAX_BUFS; k++) ct_release(opt->state[j].buf[k]);
                    ct_release(opt->params[j]);
                }
                opt->nparams = first;
                return rc;
            }
        }
        opt->params[opt->nparams++] = ct_retain(params.items[i]);
    }
    optim_group *g = &opt->groups[opt->ngroups++];
    g->o = *o;
    g->initial_lr = NAN;
    g->first = first;
    g->n = opt->nparams - first;
    return opt->ngroups - 1;
}

ct_optimizer *ct__optim_new(const optim_kind *kind, ct_optim_opts opts) {
    const char *fn = kind->fn;
    ct_optim_opts o;
    if (resolve(kind, &opts, &kind->defaults, fn, &o) < 0) return NULL;
    if (isnan(o.lr)) {
        ct_set_error(CT_ERR_VALUE, fn,
                 "parameter group didn't specify a value of required optimization parameter lr");
        return NULL;
    }
    if (kind->validate(&o, fn) < 0) return NULL;
    if (opts.params.n == 0) {
        ct_set_error(CT_ERR_VALUE, fn, "optimizer got an empty parameter list");
        return NULL;
    }
    ct_optimizer *opt = calloc(1, sizeof *opt);
    if (!opt) {
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    opt->kind = kind;
    opt->defaults = o;
    if (add_group(opt, opts.params, &o, fn) < 0) {
        ct_optimizer_free(opt);
        return NULL;
    }
    return opt;
}

int ct_optimizer_add_param_group_(ct_optimizer *opt, ct_optim_opts opts) {
    const char *fn = "ct_optimizer_add_param_group";
    if (!opt) return ct_set_error(CT_ERR_NULL, fn, "optimizer is NULL");
    ct_optim_opts o;
    int rc = resolve(opt->kind, &opts, &opt->defaults, fn, &o);
    if (rc < 0) return rc;
    if ((rc = opt->kind->validate(&o, fn)) < 0) return rc;
    return add_group(opt, opts.params, &o, fn);
}

void ct_optimizer_free(ct_optimizer *opt) {
    if (!opt) return;
    for (int i = 0; i < opt->nparams; i++) {
        for (int k = 0; k < OPTIM_MAX_BUFS; k++) ct_release(opt->state[i].buf[k]);
        ct_release(opt->params[i]);
    }
    free(opt->state);
    free(opt->params);
    free(opt->groups);
    free(opt);
}

const char *ct_optimizer_name(const ct_optimizer *opt) { return opt ? opt->kind->name : NULL; }

/* ---------------------------------------------------------------- step */

/*
 * Updates one parameter. The update rules run over contiguous memory; a
 * non-contiguous parameter or gradient is updated through contiguous copies
 * that are written back with copy_ (which bumps the version itself).
 */
static int update_one(ct_optimizer *opt, const optim_group *g, int i, ct_tensor *grad) {
    ct_tensor *p = opt->params[i];
    ct_dtype dt = ct_dtype_of(p);
    if (dt != CT_F32 && dt != CT_F64)
        return ct_set_error(CT_ERR_TYPE, "ct_step", "%s supports float32 and float64 parameters, got %s",
                        opt->kind->name, ct_dtype_torch_name(dt));
    if (ct_dtype_of(grad) != dt || ct_numel(grad) != ct_numel(p))
        return ct_set_error(CT_ERR_RUNTIME, "ct_step", "the gradient of parameter %d does not match it", i);
    if (ct_is_contiguous(p) && ct_is_contiguous(grad)) {
        int rc = opt->kind->update(&opt->state[i], p, grad, &g->o);
        ct_bump_version(p);
        return rc;
    }
    ct_tensor *pc = ct_contiguous(p);
    ct_tensor *gc = ct_contiguous(grad);
    int rc = pc && gc ? 0 : (int)ct_last_error_code();
    if (rc == 0) rc = opt->kind->update(&opt->state[i], pc, gc, &g->o);
    if (rc == 0) {
        if (pc != p) {
            if (!ct_copy_(p, pc)) rc = (int)ct_last_error_code();
        } else {
            ct_bump_version(p);
        }
    }
    ct_free(pc);
    ct_free(gc);
    return rc < 0 ? rc : 0;
}

int ct_step(ct_optimizer *opt) {
    if (!opt) return ct_set_error(CT_ERR_NULL, "ct_step", "optimizer is NULL");
    bool prev = ct_set_grad_enabled(false);
    int rc = 0;
    for (int gi = 0; gi < opt->ngroups && rc == 0; gi++) {
        const optim_group *g = &opt->groups[gi];
        for (int i = g->first; i < g->first + g->n && rc == 0; i++) {
            ct_tensor *grad = ct_grad_of(opt->params[i]);
            if (!grad) continue; /* parameters without a gradient are skipped */
            rc = update_one(opt, g, i, grad);
            ct_free(grad);
        }
    }
    ct_set_grad_enabled(prev);
    return rc;
}

void ct_optimizer_zero_grad(ct_optimizer *opt, bool set_to_none) {
    if (!opt) return;
    bool prev = ct_set_grad_enabled(false);
    for (int i = 0; i < opt->nparams; i++) {
        ct_tensor *p = opt->params[i];
        if (set_to_none) {
            ct_clear_grad(p);
            continue;
        }
        ct_tensor *grad = ct_grad_of(p);
        if (!grad) continue;
        if (ct_grad_fn_name(grad)) ct_detach_(grad);
        ct_zero_(grad);
        ct_free(grad);
    }
    ct_set_grad_enabled(prev);
}

void ct_zero_grad(ct_optimizer *opt) { ct_optimizer_zero_grad(opt, true); }

/* -------------------------------------------------------- group access */

int ct_optimizer_num_groups(const ct_optimizer *opt) { return opt ? opt->ngroups : 0; }

static const optim_group *group_at(const ct_optimizer *opt, int group, const char *fn) {
    if (!opt) {
        ct_set_error(CT_ERR_NULL, fn, "optimizer is NULL");
        return NULL;
    }
    if (group < 0 || group >= opt->ngroups) {
        ct_set_error(CT_ERR_INDEX, fn, "list index out of range (group %d of %d)", group, opt->ngroups);
        return NULL;
    }
    return &opt->groups[group];
}

ct_tensor_list ct_optimizer_group_params(const ct_optimizer *opt, int group) {
    const optim_group *g = group_at(opt, group, "ct_optimizer_group_params");
    if (!g) return (ct_tensor_list){NULL, 0};
    return (ct_tensor_list){opt->params + g->first, g->n};
}

double ct_optimizer_group_lr(const ct_optimizer *opt, int group) {
    const optim_group *g = group_at(opt, group, "ct_optimizer_group_lr");
    return g ? g->o.lr : NAN;
}

int ct_optimizer_set_group_lr(ct_optimizer *opt, int group, double lr) {
    optim_group *g = (optim_group *)group_at(opt, group, "ct_optimizer_set_group_lr");
    if (!g) return (int)ct_last_error_code();
    g->o.lr = lr;
    return 0;
}

static const field_desc *field_named(const ct_optimizer *opt, const char *name) {
    if (!name) return NULL;
    for (int i = 0; i < NFIELDS; i++)
        if (strcmp(fields[i].name, name) == 0 && (opt->kind->accepts & fields[i].bit))
            return &fields[i];
    return NULL;
}

bool ct_optimizer_group_has(const ct_optimizer *opt, int group, const char *name) {
    if (!opt || group < 0 || group >= opt->ngroups || !name) return false;
    if (strcmp(name, "initial_lr") == 0) return !isnan(opt->groups[group].initial_lr);
    return field_named(opt, name) != NULL;
}

double ct_optimizer_group_get(const ct_optimizer *opt, int group, const char *name) {
    const char *fn = "ct_optimizer_group_get";
    const optim_group *g = group_at(opt, group, fn);
    if (!g) return NAN;
    if (name && strcmp(name, "initial_lr") == 0) {
        if (isnan(g->initial_lr)) ct_set_error(CT_ERR_VALUE, fn, "KeyError: 'initial_lr'");
        return g->initial_lr;
    }
    const field_desc *f = field_named(opt, name);
    if (!f) {
        ct_set_error(CT_ERR_VALUE, fn, "KeyError: '%s' (%s has no such option)", name ? name : "(null)",
                 opt->kind->name);
        return NAN;
    }
    ct_optim_opts *o = (ct_optim_opts *)&g->o;
    return f->is_bool ? (*bfield(o, f) ? 1.0 : 0.0) : *dfield(o, f);
}

int ct_optimizer_group_set(ct_optimizer *opt, int group, const char *name, double value) {
    const char *fn = "ct_optimizer_group_set";
    optim_group *g = (optim_group *)group_at(opt, group, fn);
    if (!g) return (int)ct_last_error_code();
    if (name && strcmp(name, "initial_lr") == 0) {
        g->initial_lr = value;
        return 0;
    }
    const field_desc *f = field_named(opt, name);
    if (!f)
        return ct_set_error(CT_ERR_VALUE, fn, "KeyError: '%s' (%s has no such option)",
                        name ? name : "(null)", opt->kind->name);
    if (f->is_bool)
        *bfield(&g->o, f) = value != 0.0;
    else
        *dfield(&g->o, f) = value;
    return 0;
}
