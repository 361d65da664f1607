/*
 * src/optim/optim_state.c - optimizer.state_dict() / load_state_dict() as a
 * ct_tensor_dict: state tensors under "state.<i>.<name>", group options as
 * metadata under "param_groups.<g>.<option>".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optim/internal.h"

static const char *fn_save = "ct_optimizer_state_dict";
static const char *fn_load = "ct_optimizer_load_state_dict";

/* The options of a group in the order they are written, with their PyTorch names. */
typedef struct {
    const char *name;
    unsigned bit;
} opt_name;
static const opt_name group_opts[] = {
    {"lr", OPT_LR},           {"momentum", OPT_MOMENTUM},
    {"dampening", OPT_DAMPENING}, {"weight_decay", OPT_WEIGHT_DECAY},
    {"nesterov", OPT_NESTEROV}, {"maximize", OPT_MAXIMIZE},
    {"beta1", OPT_BETAS},     {"beta2", OPT_BETAS},
    {"eps", OPT_EPS},         {"amsgrad", OPT_AMSGRAD},
    {"alpha", OPT_ALPHA},     {"centered", OPT_CENTERED},
    {"lr_decay", OPT_LR_DECAY}, {"initial_accumulator_value", OPT_INITIAL_ACC},
};
#define NGROUP_OPTS ((int)(sizeof group_opts / sizeof group_opts[0]))

static int set_meta_num(ct_tensor_dict *d, const char *key, double v) {
    char buf[40];
    if (isnan(v)) snprintf(buf, sizeof buf, "nan");
    else if (isinf(v)) snprintf(buf, sizeof buf, v > 0 ? "inf" : "-inf");
    else snprintf(buf, sizeof buf, "%.17g", v); /* reads back exactly */
    return ct_tensor_dict_set_meta(d, key, buf);
}

/* "state.<i>.step" as PyTorch keeps it: a float32 tensor, or an int for RMSprop. */
static ct_tensor *step_tensor(const ct_optimizer *opt, double step) {
    ct_tensor *t = opt->kind->step_kind == STEP_INT ? ct_scalar_tensor(step, .dtype = CT_I64)
                                                    : ct_scalar_tensor(step, .dtype = CT_F32);
    return t;
}

ct_tensor_dict *ct_optimizer_state_dict(const ct_optimizer *opt) {
    if (!opt) {
        ct_set_error(CT_ERR_NULL, fn_save, "optimizer is NULL");
        return NULL;
    }
    ct_tensor_dict *d = ct_tensor_dict_new();
    if (!d) return NULL;
    char key[128];
    int rc = ct_tensor_dict_set_meta(d, "optimizer", opt->kind->name);
    for (int i = 0; i < opt->nparams && rc == 0; i++) {
        const optim_state *st = &opt->state[i];
        if (!st->init) continue;
        if (opt->kind->step_kind != STEP_NONE) {
            ct_tensor *t = step_tensor(opt, st->step);
            snprintf(key, sizeof key, "state.%d.step", i);
            rc = t ? ct_tensor_dict_set(d, key, t) : -1;
            ct_free(t);
        }
        for (int k = 0; k < OPTIM_MAX_BUFS && rc == 0; k++) {
            if (!st->buf[k]) continue;
            snprintf(key, sizeof key, "state.%d.%s", i, opt->kind->state_names[k]);
            rc = ct_tensor_dict_set(d, key, st->buf[k]);
        }
    }
    if (rc == 0) rc = set_meta_num(d, "param_groups", opt->ngroups);
    for (int gi = 0; gi < opt->ngroups && rc == 0; gi++) {
        const optim_group *g = &opt->groups[gi];
        /* params: "0,1,2" */
        size_t cap = (size_t)g->n * 12 + 1, len = 0;
        char *list = malloc(cap);
        if (!list) {
            rc = ct_set_error(CT_ERR_OOM, fn_save, "out of memory");
            break;
        }
        list[0] = '\0';
        for (int k = 0; k < g->n; k++)
            len += (size_t)snprintf(list + len, cap - len, k ? ",%d" : "%d", g->first + k);
        snprintf(key, sizeof key, "param_groups.%d.params", gi);
        rc = ct_tensor_dict_set_meta(d, key, list);
        free(list);
        for (int k = 0; k < NGROUP_OPTS && rc == 0; k++) {
            if (!(opt->kind->accepts & group_opts[k].bit)) continue;
            snprintf(key, sizeof key, "param_groups.%d.%s", gi, group_opts[k].name);
            rc = set_meta_num(d, key, ct_optimizer_group_get(opt, gi, group_opts[k].name));
        }
        if (rc == 0 && !isnan(g->initial_lr)) {
            snprintf(key, sizeof key, "param_groups.%d.initial_lr", gi);
            rc = set_meta_num(d, key, g->initial_lr);
        }
    }
    if (rc != 0) {
        ct_tensor_dict_free(d);
        return NULL;
    }
    return d;
}

/* ------------------------------------------------------------------ load */

static bool parse_num(const char *s, double *out) {
    if (!s || !*s) return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0') return false;
    *out = v;
    return true;
}

/* Which state slot a name is: 0..2 for buffers, 3 for "step", -1 for none. */
static int slot_of(const ct_optimizer *opt, const char *name) {
    if (strcmp(name, "step") == 0 && opt->kind->step_kind != STEP_NONE) return OPTIM_MAX_BUFS;
    for (int k = 0; k < OPTIM_MAX_BUFS; k++)
        if (opt->kind->state_names[k] && strcmp(opt->kind->state_names[k], name) == 0) return k;
    return -1;
}

static bool same_shape(const ct_tensor *a, const ct_tensor *b) {
    if (ct_dim(a) != ct_dim(b)) return false;
    for (int i = 0; i < ct_dim(a); i++)
        if (ct_sizes(a)[i] != ct_sizes(b)[i]) return false;
    return true;
}

/*
 * Maps the saved parameter ids of sd to this optimizer's parameters (map[id]
 * = index, -1 when unused), checking the groups line up. 0 or an error.
 */
static int map_params(const ct_optimizer *opt, const ct_tensor_dict *sd, int **map_out,
                      long *nmap_out) {
    char key[96];
    double ng;
    if (!parse_num(ct_tensor_dict_get_meta(sd, "param_groups"), &ng))
        return ct_set_error(CT_ERR_VALUE, fn_load, "the state dict has no valid 'param_groups' entry");
    if ((int)ng != opt->ngroups)
        return ct_set_error(CT_ERR_VALUE, fn_load,
                        "loaded state dict has a different number of parameter groups");
    long nmap = opt->nparams;
    int *map = NULL;
    /* first pass: sizes, and the largest id */
    for (int gi = 0; gi < opt->ngroups; gi++) {
        snprintf(key, sizeof key, "param_groups.%d.params", gi);
        const char *s = ct_tensor_dict_get_meta(sd, key);
        if (!s) return ct_set_error(CT_ERR_VALUE, fn_load, "the state dict has no '%s' entry", key);
        int count = 0;
        for (const char *c = s; *c; c++) count += *c == ',';
        count += *s ? 1 : 0;
        if (count != opt->groups[gi].n)
            return ct_set_error(CT_ERR_VALUE, fn_load,
                            "loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
    }
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            map = malloc((size_t)(nmap + 1) * sizeof *map);
            if (!map) return ct_set_error(CT_ERR_OOM, fn_load, "out of memory");
            for (long i = 0; i <= nmap; i++) map[i] = -1;
        }
        for (int gi = 0; gi < opt->ngroups; gi++) {
            snprintf(key, sizeof key, "param_groups.%d.params", gi);
            const char *s = ct_tensor_dict_get_meta(sd, key);
            int k = 0;
            while (*s) {
                char *end;
                long id = strtol(s, &end, 10);
                if (end == s || id < 0 || id > 1000000000L || (*end != ',' && *end != '\0')) {
                    free(map);
                    return ct_set_error(CT_ERR_VALUE, fn_load, "bad parameter list in '%s'", key);
                }
                if (pass == 0 && id + 1 > nmap) nmap = id + 1;
                if (pass == 1) {
                    if (map[id] != -1) {
                        free(map);
                        return ct_set_error(CT_ERR_VALUE, fn_load, "parameter %ld is listed twice", id);
                    }
                    map[id] = opt->groups[gi].first + k;
                }
                k++;
                s = *end ? end + 1 : end;
            }
        }
    }
    *map_out = map;
    *nmap_out = nmap;
    return 0;
}

/* Splits "state.<id>.<name>" (name borrowed from key). */
static bool parse_state_key(const char *key, long *id, const char **name) {
    if (strncmp(key, "state.", 6) != 0) return false;
    char *end;
    errno = 0;
    long v = strtol(key + 6, &end, 10);
    if (end == key + 6 || *end != '.' || errno || v < 0) return false;
    *id = v;
    *name = end + 1;
    return true;
}

int ct_optimizer_load_state_dict(ct_optimizer *opt, const ct_tensor_dict *sd) {
    if (!opt) return ct_set_error(CT_ERR_NULL, fn_load, "optimizer is NULL");
    if (!sd) return ct_set_error(CT_ERR_NULL, fn_load, "state_dict is NULL");
    const char *cls = ct_tensor_dict_get_meta(sd, "optimizer");
    if (!cls || strcmp(cls, opt->kind->name) != 0)
        return ct_set_error(CT_ERR_VALUE, fn_load, "the state dict is for %s, not %s",
                        cls ? cls : "an unknown optimizer", opt->kind->name);
    int *map = NULL;
    long nmap = 0;
    int rc = map_params(opt, sd, &map, &nmap);
    if (rc < 0) return rc;

    /* Check every entry before changing anything. */
    char key[128];
    size_t n = ct_tensor_dict_len(sd);
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *k = ct_tensor_dict_name(sd, i);
        long id = 0;
        const char *name = "";
        if (!parse_state_key(k, &id, &name) || slot_of(opt, name) < 0) {
            rc = ct_set_error(CT_ERR_VALUE, fn_load, "unexpected key '%s' in the state dict", k);
            break;
        }
        if (id >= nmap || map[id] < 0) {
            rc = ct_set_error(CT_ERR_VALUE, fn_load, "state for parameter %ld, which no group lists", id);
            break;
        }
        ct_tensor *t = ct_tensor_dict_tensor(sd, i);
        ct_tensor *p = opt->params[map[id]];
        bool ok = slot_of(opt, name) == OPTIM_MAX_BUFS ? ct_numel(t) == 1 : same_shape(t, p);
        if (!ok) {
            char a[64], b[64];
            snprintf(a, sizeof a, "%d dims, %lld elements", ct_dim(t), (long long)ct_numel(t));
            snprintf(b, sizeof b, "%d dims, %lld elements", ct_dim(p), (long long)ct_numel(p));
            rc = ct_set_error(CT_ERR_RUNTIME, fn_load, "'%s' has a different shape (%s) from its parameter (%s)",
                          k, a, b);
        }
        ct_free(t);
    }
    ct_optim_opts *newopts = malloc((size_t)opt->ngroups * sizeof *newopts);
    double *initial = malloc((size_t)opt->ngroups * sizeof *initial);
    if (rc == 0 && (!newopts || !initial)) rc = ct_set_error(CT_ERR_OOM, fn_load, "out of memory");
    for (int gi = 0; gi < opt->ngroups && rc == 0; gi++) {
        ct_optimizer tmp = *opt; /* parse into a scratch copy of the group */
        optim_group g = opt->groups[gi];
        tmp.groups = &g;
        for (int k = 0; k < NGROUP_OPTS && rc == 0; k++) {
            if (!(opt->kind->accepts & group_opts[k].bit)) continue;
            snprintf(key, sizeof key, "param_groups.%d.%s", gi, group_opts[k].name);
            double v;
            if (!parse_num(ct_tensor_dict_get_meta(sd, key), &v))
                rc = ct_set_error(CT_ERR_VALUE, fn_load, "the state dict has no valid '%s' entry", key);
            else
                rc = ct_optimizer_group_set(&tmp, 0, group_opts[k].name, v);
        }
        snprintf(key, sizeof key, "param_groups.%d.initial_lr", gi);
        const char *il = ct_tensor_dict_get_meta(sd, key);
        initial[gi] = NAN;
        if (il && !parse_num(il, &initial[gi]))
            rc = ct_set_error(CT_ERR_VALUE, fn_load, "the state dict has no valid '%s' entry", key);
        newopts[gi] = g.o;
    }
    if (rc < 0) {
        free(map);
        free(newopts);
        free(initial);
        return rc;
    }

    /* Apply: drop the old state, copy the new one in. */
    for (int i = 0; i < opt->nparams; i++) {
        optim_state *st = &opt->state[i];
        for (int k = 0; k < OPTIM_MAX_BUFS; k++) ct_release(st->buf[k]);
        memset(st, 0, sizeof *st);
    }
    for (int gi = 0; gi < opt->ngroups; gi++) {
        opt->groups[gi].o = newopts[gi];
        opt->groups[gi].initial_lr = initial[gi];
    }
    bool prev = ct_set_grad_enabled(false);
    for (size_t i = 0; i < n && rc == 0; i++) {
        long id = 0;
        const char *name = "";
        parse_state_key(ct_tensor_dict_name(sd, i), &id, &name);
        int slot = slot_of(opt, name);
        optim_state *st = &opt->state[map[id]];
        ct_tensor *t = ct_tensor_dict_tensor(sd, i);
        st->init = true;
        if (slot == OPTIM_MAX_BUFS) {
            st->step = ct_item(t);
        } else {
            st->buf[slot] = ct__optim_state_tensor(opt->params[map[id]], 0.0);
            if (!st->buf[slot] || !ct_copy_(st->buf[slot], t)) rc = (int)ct_last_error_code();
        }
        ct_free(t);
    }
    ct_set_grad_enabled(prev);
    free(map);
    free(newopts);
    free(initial);
    return rc < 0 ? rc : 0;
}
