/*
 * src/autograd/meta.c - a tensor's autograd state: .grad, grad_fn, hooks,
 * retain_grad, detach.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void meta_free(struct ct_autograd_meta *m) {
    if (m->grad) ct__tensor_decref(m->grad);
    for (ct_hook_entry *h = m->hooks; h;) {
        ct_hook_entry *next = h->next;
        free(h);
        h = next;
    }
    ct__node_decref(m->grad_fn);
    ct__block_free(m, sizeof *m);
}

/* A tensor being freed: forget retain_grad entries that point at it, then free its meta. */
static void meta_free_hook(struct ct_autograd_meta *m) {
    if (m->grad_fn) {
        for (ct_hook_entry *h = m->grad_fn->pre_hooks; h; h = h->next)
            if (h->retain_target && h->retain_target->autograd == m) h->retain_target = NULL;
    }
    meta_free(m);
}

struct ct_autograd_meta *ct__meta(ct_tensor *t) {
    if (t->autograd) return t->autograd;
    struct ct_autograd_meta *m = ct__block_alloc(sizeof *m);
    if (!m) {
        ct__error(CT_ERR_OOM, "autograd", "out of memory");
        return NULL;
    }
    memset(m, 0, sizeof *m);
    ct__autograd_meta_free = meta_free_hook;
    t->autograd = m;
    return m;
}

bool ct_is_leaf(const ct_tensor *t) { return !t || !t->autograd || !t->autograd->grad_fn; }

ct_tensor *ct_grad_of(const ct_tensor *t) {
    if (!t || !t->autograd || !t->autograd->grad) return NULL;
    ct_tensor *g = t->autograd->grad;
    ct__tensor_incref(g);
    ct__scope_register(g);
    return g;
}

int ct_set_grad(ct_tensor *t, ct_tensor *g) {
    const char *fn = "ct_set_grad";
    CT_CHECK_ARG_RET(t, fn, "self", CT_ERR_NULL);
    if (g) {
        bool same = g->ndim == t->ndim && g->dtype == t->dtype;
        for (int i = 0; same && i < t->ndim; i++) same = g->shape[i] == t->shape[i];
        if (!same) {
            ct__error(CT_ERR_RUNTIME, fn, "assigned grad has data of a different size or type");
            return CT_ERR_RUNTIME;
        }
    }
    struct ct_autograd_meta *m = ct__meta(t);
    if (!m) return CT_ERR_OOM;
    if (g) ct__tensor_incref(g);
    if (m->grad) ct__tensor_decref(m->grad);
    m->grad = g;
    return 0;
}

void ct_clear_grad(ct_tensor *t) {
    if (t && t->autograd && t->autograd->grad) {
        ct__tensor_decref(t->autograd->grad);
        t->autograd->grad = NULL;
    }
}

const char *ct_grad_fn_name(const ct_tensor *t) {
    if (!t || !t->autograd || !t->autograd->grad_fn) return NULL;
    return t->autograd->grad_fn->type->name;
}

static ct_hook_entry *new_hook(struct ct_autograd_meta *m) {
    ct_hook_entry *h = calloc(1, sizeof *h);
    if (!h) {
        ct__error(CT_ERR_OOM, "ct_register_hook", "out of memory");
        return NULL;
    }
    h->handle = m->next_handle++;
    return h;
}

int ct_retain_grad(ct_tensor *t) {
    const char *fn = "ct_retain_grad";
    CT_CHECK_ARG_RET(t, fn, "self", CT_ERR_NULL);
    if (!t->requires_grad) {
        ct__error(CT_ERR_RUNTIME, fn, "can't retain_grad on Tensor that has requires_grad=False");
        return CT_ERR_RUNTIME;
    }
    if (ct_is_leaf(t)) return 0; /* leaves keep their grad anyway */
    struct ct_autograd_meta *m = t->autograd;
    if (m->retains_grad) return 0;
    ct_hook_entry *h = new_hook(m);
    if (!h) return CT_ERR_OOM;
    h->output_nr = m->output_nr;
    h->retain_target = t;
    /* Runs after the user's hooks, like PyTorch's retains_grad hook: append. */
    ct_hook_entry **p = &m->grad_fn->pre_hooks;
    while (*p) p = &(*p)->next;
    *p = h;
    m->retains_grad = true;
    return 0;
}

int ct_register_hook(ct_tensor *t, ct_grad_hook fn, void *ctx) {
    const char *name = "ct_register_hook";
    CT_CHECK_ARG_RET(t, name, "self", CT_ERR_NULL);
    CT_CHECK_ARG_RET(fn, name, "hook", CT_ERR_NULL);
    if (!t->requires_grad) {
        ct__error(CT_ERR_RUNTIME, name,
                  "cannot register a hook on a tensor that doesn't require gradient");
        return CT_ERR_RUNTIME;
    }
    struct ct_autograd_meta *m = ct__meta(t);
    if (!m) return CT_ERR_OOM;
    ct_hook_entry *h = new_hook(m);
    if (!h) return CT_ERR_OOM;
    h->fn = fn;
    h->ctx = ctx;
    h->output_nr = m->output_nr;
    ct_hook_entry **list = m->grad_fn ? &m->grad_fn->pre_hooks : &m->hooks;
    /* Before any retain_grad entry, in registration order. */
    while (*list && !(*list)->retain_target) list = &(*list)->next;
    h->next = *list;
    *list = h;
    return h->handle;
}

void ct_remove_hook(ct_tensor *t, int handle) {
    if (!t || !t->autograd) return;
    struct ct_autograd_meta *m = t->autograd;
    ct_hook_entry **list = m->grad_fn ? &m->grad_fn->pre_hooks : &m->hooks;
    for (; *list; list = &(*list)->next)
        if ((*list)->handle == handle && !(*list)->retain_target) {
            ct_hook_entry *h = *list;
            *list = h->next;
            free(h);
            return;
        }
}

ct_tensor *ct_detach(ct_tensor *t) {
    CT_CHECK_ARG(t, "ct_detach", "self");
    /* A plain view: no meta, no requires_grad, same storage (and version counter). */
    return ct__tensor_view(t, t->ndim, t->shape, t->strides, t->offset, "ct_detach");
}

ct_tensor *ct_detach_(ct_tensor *t) {
    CT_CHECK_ARG(t, "ct_detach_", "self");
    if (t->autograd) {
        ct__node_decref(t->autograd->grad_fn);
        t->autograd->grad_fn = NULL;
        t->autograd->output_nr = 0;
    }
    t->requires_grad = false;
    return t;
}

bool ct__check_inplace(ct_tensor *self, const char *fn) {
    if (!ct_is_grad_enabled() || !self->requires_grad) return true;
    if (ct_is_leaf(self)) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "a leaf Variable that requires grad is being used in an in-place operation.");
        return false;
    }
    if (self->autograd && self->autograd->is_view) {
        /* PyTorch rewrites the base's history here (CopySlices); ctorch refuses rather than
         * compute a wrong gradient. */
        ct__error(CT_ERR_RUNTIME, fn,
                  "in-place operations on a view of a tensor that requires grad are not supported "
                  "by ctorch yet; apply the operation out of place (or on a ct_clone of the view)");
        return false;
    }
    return true;
}
