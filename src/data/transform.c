/*
 * src/data/transform.c - the transform object, Compose, and the generator
 * random transforms draw from.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "internal.h"

struct ct_transform {
    const char *name;
    ct_transform_fn fn;
    void *ctx;
    void (*free_ctx)(void *ctx);
    ct_generator *generator;
    ct_transform **parts; /* Compose's transforms */
    int nparts;
};

static _Thread_local ct_generator *tl_loader_generator;

ct_generator *dt_thread_generator(void) { return tl_loader_generator; }
void dt_set_thread_generator(ct_generator *g) { tl_loader_generator = g; }

ct_transform *ct_transform_new(const char *name, ct_transform_fn fn, void *ctx,
                               void (*free_ctx)(void *ctx)) {
    if (!fn) {
        ct_set_error(CT_ERR_NULL, "ct_transform_new", "argument 'fn' is NULL");
        if (free_ctx) free_ctx(ctx);
        return NULL;
    }
    ct_transform *t = calloc(1, sizeof *t);
    if (!t) {
        ct_set_error(CT_ERR_OOM, "ct_transform_new", "out of memory");
        if (free_ctx) free_ctx(ctx);
        return NULL;
    }
    t->name = name ? name : "Transform";
    t->fn = fn;
    t->ctx = ctx;
    t->free_ctx = free_ctx;
    return t;
}

ct_tensor *ct_transform_apply(ct_transform *t, ct_tensor *x) {
    if (!t || !x) {
        if (ct_last_error_code() == CT_OK)
            ct_set_error(CT_ERR_NULL, "ct_transform_apply", "argument '%s' is NULL",
                         t ? "input" : "transform");
        return NULL;
    }
    ct_generator *g = tl_loader_generator ? tl_loader_generator : t->generator;
    return t->fn(x, t->ctx, g);
}

const char *ct_transform_name(const ct_transform *t) { return t ? t->name : "(null)"; }

void ct_transform_set_generator(ct_transform *t, ct_generator *g) {
    if (!t) return;
    t->generator = g;
    for (int i = 0; i < t->nparts; i++) ct_transform_set_generator(t->parts[i], g);
}

void ct_transform_free(ct_transform *t) {
    if (!t) return;
    for (int i = 0; i < t->nparts; i++) ct_transform_free(t->parts[i]);
    free(t->parts);
    if (t->free_ctx) t->free_ctx(t->ctx);
    free(t);
}

/* Compose: each part in turn; intermediate results are freed as we go. */
static ct_tensor *compose_apply(ct_tensor *x, void *ctx, ct_generator *g) {
    ct_transform *self = ctx;
    if (self->nparts == 0) return ct_alias(x);
    ct_tensor *cur = ct_transform_apply(self->parts[0], x);
    for (int i = 1; i < self->nparts && cur; i++) {
        ct_tensor *next = ct_transform_apply(self->parts[i], cur);
        ct_free(cur);
        cur = next;
    }
    return cur;
}

ct_transform *ct_compose_list(ct_transform *const *ts, int n) {
    const char *fn = "ct_compose";
    bool ok = ts != NULL && n >= 0;
    for (int i = 0; ok && i < n; i++) ok = ts[i] != NULL;
    if (!ok) {
        for (int i = 0; ts && i < n; i++) ct_transform_free(ts[i]);
        if (ct_last_error_code() == CT_OK) ct_set_error(CT_ERR_NULL, fn, "a transform is NULL");
        return NULL;
    }
    ct_transform *t = calloc(1, sizeof *t);
    ct_transform **parts = calloc((size_t)(n > 0 ? n : 1), sizeof *parts);
    if (!t || !parts) {
        free(t);
        free(parts);
        for (int i = 0; i < n; i++) ct_transform_free(ts[i]);
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    for (int i = 0; i < n; i++) parts[i] = ts[i];
    t->name = "Compose";
    t->fn = compose_apply;
    t->ctx = t;
    t->parts = parts;
    t->nparts = n;
    return t;
}

ct_transform *ct_compose(ct_transform *first, ...) {
    ct_transform *list[64];
    int n = 0;
    bool failed = false;
    va_list ap;
    va_start(ap, first);
    /* A NULL among the arguments ends the list; a failed constructor also
     * returns NULL, so its error (if any) is reported. */
    for (ct_transform *t = first; t; t = va_arg(ap, ct_transform *)) {
        if (n == 64) {
            failed = true;
            ct_transform_free(t);
            continue;
        }
        list[n++] = t;
    }
    va_end(ap);
    if (failed || ct_last_error_code() != CT_OK) {
        for (int i = 0; i < n; i++) ct_transform_free(list[i]);
        if (failed) ct_set_error(CT_ERR_VALUE, "ct_compose", "at most 64 transforms");
        return NULL;
    }
    return ct_compose_list(list, n);
}
