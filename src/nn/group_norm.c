/*
 * src/nn/group_norm.c - nn.GroupNorm: per-channel affine parameters over
 * ct_group_norm.
 */
#include <stdio.h>

#include "nn_internal.h"

typedef struct {
    ct_module base;
    int64_t num_groups, num_channels;
    double eps;
} group_norm_module;

static ct_tensor *group_norm_forward(ct_module *m, ct_tensor *x) {
    group_norm_module *g = (group_norm_module *)m;
    return ct_group_norm(x, g->num_groups, ct_module_get(m, "weight"), ct_module_get(m, "bias"), g->eps);
}

static void group_norm_repr(const ct_module *m, char *buf, size_t size) {
    const group_norm_module *g = (const group_norm_module *)m;
    char eps[40];
    snprintf(buf, size, "%lld, %lld, eps=%s, affine=%s", (long long)g->num_groups, (long long)g->num_channels,
             ct__nn_py_float(g->eps, eps, sizeof eps), ct_module_get(m, "weight") ? "True" : "False");
}

static const ct_module_type group_norm_type = {.name = "GroupNorm", .forward = group_norm_forward,
                                               .extra_repr = group_norm_repr};

ct_module *ct_nn_group_norm_(ct_nn_group_norm_args a) {
    const char *fn = "ct_nn_group_norm";
    if (a.num_groups <= 0) {
        ct_set_error(CT_ERR_VALUE, fn, "num_groups must be a positive integer, but got %lld", (long long)a.num_groups);
        return NULL;
    }
    if (a.num_channels % a.num_groups != 0) {
        ct_set_error(CT_ERR_VALUE, fn, "num_channels must be divisible by num_groups");
        return NULL;
    }
    group_norm_module *g = (group_norm_module *)ct_module_new(&group_norm_type, sizeof *g);
    if (!g) return NULL;
    g->num_groups = a.num_groups;
    g->num_channels = a.num_channels;
    g->eps = a.eps == 0 ? 1e-5 : a.eps;
    ct_module *m = &g->base;
    if (!a.no_affine && !(ct_module_param(m, "weight", ct_ones(CT_SHAPE(a.num_channels))) &&
                          ct_module_param(m, "bias", ct_zeros(CT_SHAPE(a.num_channels))))) {
        ct_module_free(m);
        return NULL;
    }
    return m;
}
