/*
 * src/nn/containers.c - Sequential, ModuleList, Identity, Flatten, Unflatten.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctorch.h"
#include "nn_internal.h"

/*
 * Runs the children in order; intermediate results are freed as soon as they
 * are used. Children are looked up by name, not through the walk functions,
 * so a parameter list the caller holds from ct_parameters stays valid.
 */
static ct_tensor *sequential_forward(ct_module *m, ct_tensor *x) {
    /* every child in the order added, as Sequential runs self._modules.values() */
    int n = ct__module_num_children(m);
    ct_tensor *cur = ct_alias(x);
    for (int i = 0; i < n && cur; i++) {
        ct_tensor *next = ct_forward(ct__module_child_at(m, i), cur);
        ct_free(cur);
        cur = next;
    }
    return cur;
}

static const ct_module_type sequential_type = {.name = "Sequential", .forward = sequential_forward};

static ct_tensor *list_forward(ct_module *m, ct_tensor *x) {
    (void)m;
    (void)x;
    ct_set_error(CT_ERR_RUNTIME, "ModuleList", "ModuleList has no forward: call its modules yourself");
    return NULL;
}
static const ct_module_type module_list_type = {.name = "ModuleList", .forward = list_forward};

ct_module *ct_module_list_append(ct_module *list, ct_module *m) {
    if (!list || !m) {
        ct_module_free(m);
        return NULL;
    }
    char name[24];
    snprintf(name, sizeof name, "%d", ct_module_list_len(list));
    return ct_module_add(list, name, m);
}

int ct_module_list_len(const ct_module *list) {
    int n = 0;
    char name[24];
    for (;; n++) {
        snprintf(name, sizeof name, "%d", n);
        if (!ct_module_child(list, name)) return n;
    }
}

ct_module *ct_module_list_get(const ct_module *list, int i) {
    int n = ct_module_list_len(list);
    if (i < -n || i >= n) {
        ct_set_error(CT_ERR_INDEX, "ct_module_list_get", "index %d is out of range", i);
        return NULL;
    }
    char name[24];
    snprintf(name, sizeof name, "%d", i < 0 ? i + n : i);
    return ct_module_child(list, name);
}

ct_module *ct_nn_sequential_n(ct_module *const *modules, int n) {
    ct_module *s = ct_module_new(&sequential_type, sizeof(ct_module));
    bool ok = s != NULL;
    for (int i = 0; i < n; i++) {
        if (!modules[i]) ok = false;
        if (ok) ok = ct_module_list_append(s, modules[i]) != NULL;
        else ct_module_free(modules[i]);
    }
    if (!ok) {
        ct_module_free(s);
        return NULL;
    }
    return s;
}

ct_module *ct_nn_sequential(ct_module *first, ...) {
    ct_module *mods[256];
    int n = 0;
    va_list ap;
    va_start(ap, first);
    for (ct_module *m = first; m && n < 256; m = va_arg(ap, ct_module *)) mods[n++] = m;
    va_end(ap);
    return ct_nn_sequential_n(mods, n);
}

ct_module *ct_nn_module_list(void) { return ct_module_new(&module_list_type, sizeof(ct_module)); }

/* ------------------------------------------------------------------ Identity */

static ct_tensor *identity_forward(ct_module *m, ct_tensor *x) {
    (void)m;
    return ct_alias(x);
}
static const ct_module_type identity_type = {.name = "Identity", .forward = identity_forward};
ct_module *ct_nn_identity(void) { return ct_module_new(&identity_type, sizeof(ct_module)); }

/* ------------------------------------------------------------------- Flatten */

typedef struct {
    ct_module base;
    int start_dim, end_dim;
} flatten_module;

static ct_tensor *flatten_forward(ct_module *m, ct_tensor *x) {
    flatten_module *f = (flatten_module *)m;
    return ct_flatten(x, f->start_dim, f->end_dim);
}

static void flatten_repr(const ct_module *m, char *buf, size_t size) {
    const flatten_module *f = (const flatten_module *)m;
    snprintf(buf, size, "start_dim=%d, end_dim=%d", f->start_dim, f->end_dim);
}

static const ct_module_type flatten_type = {.name = "Flatten", .forward = flatten_forward,
                                            .extra_repr = flatten_repr};

ct_module *ct_nn_flatten_dims(int start_dim, int end_dim) {
    flatten_module *f = (flatten_module *)ct_module_new(&flatten_type, sizeof(flatten_module));
    if (!f) return NULL;
    f->start_dim = start_dim;
    f->end_dim = end_dim;
    return &f->base;
}

ct_module *ct_nn_flatten(void) { return ct_nn_flatten_dims(1, -1); }

/* ----------------------------------------------------------------- Unflatten */

typedef struct {
    ct_module base;
    int dim;
    ct_shape sizes;
} unflatten_module;

static ct_tensor *unflatten_forward(ct_module *m, ct_tensor *x) {
    unflatten_module *u = (unflatten_module *)m;
    int nd = ct_dim(x);
    if (nd < 0) return NULL;
    int d = u->dim < 0 ? u->dim + nd : u->dim;
    if (d < 0 || d >= nd) {
        ct_set_error(CT_ERR_INDEX, "Unflatten",
                 "Dimension out of range (expected to be in range of [%d, %d], but got %d)", -nd,
                 nd - 1, u->dim);
        return NULL;
    }
    if (nd - 1 + u->sizes.ndim > CT_MAX_DIMS) {
        ct_set_error(CT_ERR_VALUE, "Unflatten", "too many dimensions");
        return NULL;
    }
    ct_shape s = {.ndim = 0};
    for (int i = 0; i < d; i++) s.d[s.ndim++] = ct_size(x, i);
    for (int i = 0; i < u->sizes.ndim; i++) s.d[s.ndim++] = u->sizes.d[i];
    for (int i = d + 1; i < nd; i++) s.d[s.ndim++] = ct_size(x, i);
    return ct_view(x, s);
}

static void unflatten_repr(const ct_module *m, char *buf, size_t size) {
    const unflatten_module *u = (const unflatten_module *)m;
    int k = snprintf(buf, size, "dim=%d, unflattened_size=(", u->dim);
    for (int i = 0; i < u->sizes.ndim && k > 0 && (size_t)k < size; i++)
        k += snprintf(buf + k, size - (size_t)k, i ? ", %lld" : "%lld", (long long)u->sizes.d[i]);
    if (k > 0 && (size_t)k < size)
        snprintf(buf + k, size - (size_t)k, u->sizes.ndim == 1 ? ",)" : ")");
}

static const ct_module_type unflatten_type = {.name = "Unflatten", .forward = unflatten_forward,
                                              .extra_repr = unflatten_repr};

ct_module *ct_nn_unflatten(int dim, ct_shape sizes) {
    unflatten_module *u = (unflatten_module *)ct_module_new(&unflatten_type, sizeof(unflatten_module));
    if (!u) return NULL;
    u->dim = dim;
    u->sizes = sizes;
    return &u->base;
}
