/*
 * src/nn/module.c - the module tree: registration, walking with dotted names,
 * train/eval, zero_grad, printing like PyTorch's Module.__repr__.
 * Uses the public API only.
 */
#include <stdlib.h>
#include <string.h>

#include "ctorch.h"
#include "nn_internal.h"

typedef struct {
    char *name;
    ct_tensor *t;
    bool is_param;
    bool persistent;
} entry;

typedef struct {
    char *name;
    ct_module *m;
} child;

struct ct_module_impl {
    bool training;
    entry *entries;
    int nent, capent;
    child *children;
    int nchild, capchild;
    /* Results of the last walk, returned borrowed (rebuilt on each call). */
    ct_tensor **params;
    ct_named_tensor *named;
    ct_named_module *mods;
    char **names;
    int nnames;
};

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static void free_walk(struct ct_module_impl *im) {
    for (int i = 0; i < im->nnames; i++) free(im->names[i]);
    free(im->names);
    free(im->params);
    free(im->named);
    free(im->mods);
    im->names = NULL;
    im->params = NULL;
    im->named = NULL;
    im->mods = NULL;
    im->nnames = 0;
}

ct_module *ct_module_new(const ct_module_type *type, size_t size) {
    if (!type) return NULL;
    if (size < sizeof(ct_module)) size = sizeof(ct_module);
    ct_module *m = calloc(1, size);
    struct ct_module_impl *im = calloc(1, sizeof *im);
    if (!m || !im) {
        free(m);
        free(im);
        ct_set_error(CT_ERR_OOM, "ct_module_new", "out of memory");
        return NULL;
    }
    im->training = true;
    m->type = type;
    m->impl = im;
    return m;
}

void ct_module_free(ct_module *m) {
    if (!m) return;
    struct ct_module_impl *im = m->impl;
    if (m->type && m->type->destroy) m->type->destroy(m);
    for (int i = 0; i < im->nchild; i++) {
        ct_module_free(im->children[i].m);
        free(im->children[i].name);
    }
    for (int i = 0; i < im->nent; i++) {
        ct_release(im->entries[i].t);
        free(im->entries[i].name);
    }
    free(im->children);
    free(im->entries);
    free_walk(im);
    free(im);
    free(m);
}

ct_tensor *ct_forward(ct_module *m, ct_tensor *x) {
    if (!m || !m->type || !m->type->forward || !x) return NULL; /* errors set by whoever made them NULL */
    return m->type->forward(m, x);
}

static bool name_taken(const struct ct_module_impl *im, const char *name) {
    for (int i = 0; i < im->nent; i++)
        if (!strcmp(im->entries[i].name, name)) return true;
    for (int i = 0; i < im->nchild; i++)
        if (!strcmp(im->children[i].name, name)) return true;
    return false;
}

static bool valid_name(const char *name) { return name && name[0] && !strchr(name, '.'); }

ct_module *ct_module_add(ct_module *m, const char *name, ct_module *c) {
    if (!m || !c) return NULL;
    struct ct_module_impl *im = m->impl;
    if (!valid_name(name) || name_taken(im, name)) {
        ct_set_error(CT_ERR_VALUE, "ct_module_add", "module name \"%s\" is empty, contains \".\" or is already used",
                 name ? name : "(null)");
        ct_module_free(c);
        return NULL;
    }
    if (im->nchild == im->capchild) {
        int cap = im->capchild ? im->capchild * 2 : 4;
        child *p = realloc(im->children, sizeof *p * (size_t)cap);
        if (!p) {
            ct_module_free(c);
            return NULL;
        }
        im->children = p;
        im->capchild = cap;
    }
    char *nm = dup_str(name);
    if (!nm) {
        ct_module_free(c);
        return NULL;
    }
    im->children[im->nchild++] = (child){nm, c};
    c->impl->training = im->training;
    return c;
}

static ct_tensor *add_entry(ct_module *m, const char *name, ct_tensor *t, bool is_param,
                            bool persistent) {
    if (!m || !t) return NULL;
    struct ct_module_impl *im = m->impl;
    /* The module takes the reference t was returned with (a scope's or the caller's). */
    ct_tensor *owned = ct_own(t);
    if (!valid_name(name) || name_taken(im, name)) {
        ct_set_error(CT_ERR_VALUE, is_param ? "ct_module_param" : "ct_module_buffer",
                 "attribute \"%s\" is empty, contains \".\" or is already used", name ? name : "(null)");
        ct_release(owned);
        return NULL;
    }
    if (im->nent == im->capent) {
        int cap = im->capent ? im->capent * 2 : 4;
        entry *p = realloc(im->entries, sizeof *p * (size_t)cap);
        if (!p) {
            ct_release(owned);
            return NULL;
        }
        im->entries = p;
        im->capent = cap;
    }
    char *nm = dup_str(name);
    if (!nm) {
        ct_release(owned);
        return NULL;
    }
    if (is_param) ct_requires_grad_(owned, true);
    im->entries[im->nent++] = (entry){nm, owned, is_param, persistent};
    return owned;
}

ct_tensor *ct_module_param(ct_module *m, const char *name, ct_tensor *t) {
    return add_entry(m, name, t, true, true);
}

ct_tensor *ct_module_buffer(ct_module *m, const char *name, ct_tensor *t, bool persistent) {
    return add_entry(m, name, t, false, persistent);
}

ct_tensor *ct_module_set(ct_module *m, const char *name, ct_tensor *t) {
    if (!m || !t || !name) return NULL;
    struct ct_module_impl *im = m->impl;
    for (int i = 0; i < im->nent; i++)
        if (!strcmp(im->entries[i].name, name)) {
            ct_tensor *owned = ct_own(t);
            if (im->entries[i].is_param) ct_requires_grad_(owned, true);
            ct_release(im->entries[i].t);
            im->entries[i].t = owned;
            return owned;
        }
    return NULL;
}

ct_tensor *ct_module_get(const ct_module *m, const char *name) {
    if (!m || !name) return NULL;
    const struct ct_module_impl *im = m->impl;
    for (int i = 0; i < im->nent; i++)
        if (!strcmp(im->entries[i].name, name)) return im->entries[i].t;
    return NULL;
}

ct_module *ct_module_child(const ct_module *m, const char *name) {
    if (!m || !name) return NULL;
    const struct ct_module_impl *im = m->impl;
    for (int i = 0; i < im->nchild; i++)
        if (!strcmp(im->children[i].name, name)) return im->children[i].m;
    return NULL;
}

bool ct_module_entry_at(const ct_module *m, int i, ct_module_entry *out) {
    if (!m || !out || i < 0 || i >= m->impl->nent) return false;
    const entry *e = &m->impl->entries[i];
    *out = (ct_module_entry){e->name, e->t, e->is_param, e->is_param || e->persistent};
    return true;
}

/* ------------------------------------------------------------------ walking */

typedef struct {
    struct ct_module_impl *root;
    int want; /* 0 params, 1 buffers (persistent or not), 2 modules */
    int n, cap;
    bool oom;
} walk;

static char *join_name(const char *prefix, const char *name) {
    size_t a = strlen(prefix), b = strlen(name);
    char *s = malloc(a + b + 2);
    if (!s) return NULL;
    if (a) {
        memcpy(s, prefix, a);
        s[a] = '.';
        memcpy(s + a + 1, name, b + 1);
    } else {
        memcpy(s, name, b + 1);
    }
    return s;
}

/* Appends one result, keeping its name alive in the root's name list. */
static bool push(walk *w, char *name, ct_tensor *t, ct_module *mod) {
    struct ct_module_impl *r = w->root;
    if (w->n == w->cap) {
        int cap = w->cap ? w->cap * 2 : 16;
        ct_named_tensor *a = realloc(r->named, sizeof *a * (size_t)cap);
        if (a) r->named = a;
        ct_named_module *b = realloc(r->mods, sizeof *b * (size_t)cap);
        if (b) r->mods = b;
        ct_tensor **c = realloc(r->params, sizeof *c * (size_t)cap);
        if (c) r->params = c;
        char **d = realloc(r->names, sizeof *d * (size_t)cap);
        if (d) r->names = d;
        if (!a || !b || !c || !d) {
            free(name);
            w->oom = true;
            return false;
        }
        w->cap = cap;
    }
    r->names[w->n] = name;
    r->nnames = w->n + 1;
    r->named[w->n] = (ct_named_tensor){name, t};
    r->mods[w->n] = (ct_named_module){name, mod};
    r->params[w->n] = t;
    w->n++;
    return true;
}

static bool seen_tensor(const walk *w, const ct_tensor *t) {
    for (int i = 0; i < w->n; i++)
        if (w->root->params[i] == t) return true;
    return false;
}

static void walk_tree(walk *w, ct_module *m, const char *prefix, bool recurse) {
    struct ct_module_impl *im = m->impl;
    if (w->want == 2) {
        if (!push(w, join_name("", prefix), NULL, m)) return;
    } else {
        for (int i = 0; i < im->nent && !w->oom; i++) {
            entry *e = &im->entries[i];
            if (e->is_param != (w->want == 0)) continue;
            if (seen_tensor(w, e->t)) continue;
            push(w, join_name(prefix, e->name), e->t, NULL);
        }
    }
    for (int i = 0; i < im->nchild && !w->oom; i++) {
        char *p = join_name(prefix, im->children[i].name);
        if (!p) {
            w->oom = true;
            return;
        }
        if (recurse) walk_tree(w, im->children[i].m, p, true);
        else push(w, join_name("", p), NULL, im->children[i].m);
        free(p);
    }
}

static int run_walk(ct_module *m, int want, bool recurse) {
    if (!m) return 0;
    struct ct_module_impl *im = m->impl;
    free_walk(im);
    walk w = {.root = im, .want = want};
    if (want == 2 && !recurse) {
        /* children only: skip the module itself */
        for (int i = 0; i < im->nchild && !w.oom; i++)
            push(&w, join_name("", im->children[i].name), NULL, im->children[i].m);
    } else {
        walk_tree(&w, m, "", recurse);
    }
    return w.oom ? -1 : w.n;
}

ct_tensor_list ct_parameters(ct_module *m) {
    int n = run_walk(m, 0, true);
    ct_tensor_list l = {NULL, 0};
    if (n > 0) {
        l.items = m->impl->params;
        l.n = n;
    }
    return l;
}

int ct_named_parameters(ct_module *m, const ct_named_tensor **out) {
    int n = run_walk(m, 0, true);
    if (out) *out = m ? m->impl->named : NULL;
    return n;
}

int ct_named_buffers(ct_module *m, const ct_named_tensor **out) {
    int n = run_walk(m, 1, true);
    if (out) *out = m ? m->impl->named : NULL;
    return n;
}

int ct_named_modules(ct_module *m, const ct_named_module **out) {
    int n = run_walk(m, 2, true);
    if (out) *out = m ? m->impl->mods : NULL;
    return n;
}

int ct__module_num_children(const ct_module *m) { return m ? m->impl->nchild : 0; }

ct_module *ct__module_child_at(const ct_module *m, int i) {
    return m && i >= 0 && i < m->impl->nchild ? m->impl->children[i].m : NULL;
}

int ct_named_children(ct_module *m, const ct_named_module **out) {
    int n = run_walk(m, 2, false);
    if (out) *out = m ? m->impl->mods : NULL;
    return n;
}

int64_t ct_num_parameters(ct_module *m, bool trainable_only) {
    ct_tensor_list l = ct_parameters(m);
    int64_t total = 0;
    for (int i = 0; i < l.n; i++)
        if (!trainable_only || ct_requires_grad(l.items[i])) total += ct_numel(l.items[i]);
    return total;
}

void ct_module_apply(ct_module *m, void (*fn)(ct_module *, void *), void *ctx) {
    if (!m || !fn) return;
    struct ct_module_impl *im = m->impl;
    for (int i = 0; i < im->nchild; i++) ct_module_apply(im->children[i].m, fn, ctx);
    fn(m, ctx);
}

/* ---------------------------------------------------------------- train/eval */

void ct_module_train(ct_module *m, bool training) {
    if (!m) return;
    struct ct_module_impl *im = m->impl;
    im->training = training;
    for (int i = 0; i < im->nchild; i++) ct_module_train(im->children[i].m, training);
    if (m->type->on_train) m->type->on_train(m, training);
}

void ct_module_eval(ct_module *m) { ct_module_train(m, false); }

bool ct_module_is_training(const ct_module *m) { return m && m->impl->training; }

/*
 * Calls fn on every parameter of the tree (a shared one once per place it is
 * registered, harmless for the idempotent uses below) without touching the
 * root's walk results, so a list from ct_parameters stays valid across
 * zero_grad and requires_grad_.
 */
static void each_param(ct_module *m, void (*fn)(ct_tensor *, bool), bool flag) {
    struct ct_module_impl *im = m->impl;
    for (int i = 0; i < im->nent; i++)
        if (im->entries[i].is_param) fn(im->entries[i].t, flag);
    for (int i = 0; i < im->nchild; i++) each_param(im->children[i].m, fn, flag);
}

static void zero_one_grad(ct_tensor *p, bool set_to_none) {
    if (set_to_none) {
        ct_clear_grad(p);
        return;
    }
    CT_SCOPE {
        ct_tensor *g = ct_grad_of(p);
        if (g) {
            bool was = ct_set_grad_enabled(false);
            ct_zero_(g);
            ct_set_grad_enabled(was);
        }
    }
}

static void set_requires_grad(ct_tensor *p, bool flag) { ct_requires_grad_(p, flag); }

void ct_module_zero_grad(ct_module *m, bool set_to_none) {
    if (m) each_param(m, zero_one_grad, set_to_none);
}

void ct_module_requires_grad_(ct_module *m, bool flag) {
    if (m) each_param(m, set_requires_grad, flag);
}

/* ------------------------------------------------------------------ printing */

typedef struct {
    char *s;
    size_t len, cap;
} sbuf;

static void put(sbuf *b, const char *s) {
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 256) + n;
        char *p = realloc(b->s, cap);
        if (!p) return;
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

/* Appends s with every line after the first indented by two spaces (PyTorch's _addindent). */
static void put_indented(sbuf *b, const char *s) {
    for (const char *p = s; *p; p++) {
        char c[2] = {*p, 0};
        put(b, c);
        if (*p == '\n') put(b, "  ");
    }
}

static void repr(const ct_module *m, sbuf *b) {
    const struct ct_module_impl *im = m->impl;
    char extra[1024] = "";
    if (m->type->extra_repr) m->type->extra_repr(m, extra, sizeof extra);
    put(b, m->type->name);
    put(b, "(");
    bool has_extra = extra[0] != 0;
    if (im->nchild == 0) {
        /* A one-line extra_repr stays on the same line; a multi-line one is indented. */
        if (has_extra && !strchr(extra, '\n')) {
            put(b, extra);
        } else if (has_extra) {
            put(b, "\n  ");
            put_indented(b, extra);
            put(b, "\n");
        }
    } else {
        if (has_extra) {
            put(b, "\n  ");
            put_indented(b, extra);
        }
        for (int i = 0; i < im->nchild; i++) {
            sbuf cb = {0};
            repr(im->children[i].m, &cb);
            put(b, "\n  (");
            put(b, im->children[i].name);
            put(b, "): ");
            if (cb.s) put_indented(b, cb.s);
            free(cb.s);
        }
        put(b, "\n");
    }
    put(b, ")");
}

char *ct_module_to_string(const ct_module *m) {
    if (!m) return NULL;
    sbuf b = {0};
    repr(m, &b);
    return b.s;
}

void ct_module_print(const ct_module *m) {
    char *s = ct_module_to_string(m);
    if (s) puts(s);
    free(s);
}

const char *ct_module_type_name(const ct_module *m) { return m && m->type ? m->type->name : NULL; }
