/*
 * src/data/transform.c - the transform object, Compose, the generator
 * random transforms draw from, and the split of a transform into the parts
 * that run per sample and the parts that run once per batch.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "internal.h"

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

static bool is_compose(const ct_transform *t) { return t->fn == compose_apply; }

ct_transform *dt_transform_set_batch(ct_transform *t, dt_batch_fn fn) {
    if (t) t->batch = fn;
    return t;
}

int dt_transform_head(const ct_transform *t) {
    if (!t) return 0;
    if (!is_compose(t)) return t->batch ? 0 : 1;
    int head = t->nparts;
    while (head > 0 && t->parts[head - 1]->batch) head--;
    return head;
}

int dt_transform_nparts(const ct_transform *t) { return !t ? 0 : is_compose(t) ? t->nparts : 1; }

ct_tensor *dt_transform_apply_parts(ct_transform *t, int from, int to, ct_tensor *x) {
    int n = dt_transform_nparts(t);
    if (to > n) to = n;
    if (from < 0) from = 0;
    if (from >= to) return ct_alias(x);
    if (!is_compose(t)) return ct_transform_apply(t, x);
    ct_tensor *cur = ct_transform_apply(t->parts[from], x);
    for (int i = from + 1; i < to && cur; i++) {
        ct_tensor *next = ct_transform_apply(t->parts[i], cur);
        ct_free(cur);
        cur = next;
    }
    return cur;
}

int dt_transform_apply_tail(ct_transform *t, int head, ct_tensor *batch, ct_tensor **out) {
    *out = NULL;
    int nparts = dt_transform_nparts(t);
    if (head >= nparts) {
        *out = ct_alias(batch);
        return *out ? 1 : (int)ct_last_error_code();
    }
    if (!is_compose(t)) return t->batch(batch, t->ctx, out);
    ct_tensor *cur = batch;
    for (int i = head; i < nparts; i++) {
        ct_tensor *next = NULL;
        /* ToTensor then Normalize: one pass over the bytes */
        int rc = i + 1 < nparts ? dt_batch_to_tensor_normalize(t->parts[i], t->parts[i + 1], cur, &next) : 0;
        if (rc > 0) i++;
        else if (rc == 0) rc = t->parts[i]->batch(cur, t->parts[i]->ctx, &next);
        if (cur != batch) ct_free(cur);
        if (rc <= 0) return rc;
        cur = next;
    }
    *out = cur;
    return 1;
}

/* Compose's own batch form, when every part has one (a Compose inside a Compose). */
static int compose_batch(ct_tensor *batch, void *ctx, ct_tensor **out) {
    return dt_transform_apply_tail(ctx, 0, batch, out);
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
    if (dt_transform_head(t) == 0) t->batch = compose_batch;
    return t;
}

/* The end of ct_compose's argument list, which its macro appends. */
static const char compose_end_mark;
ct_transform *const ct__compose_end = (ct_transform *)(void *)&compose_end_mark;

ct_transform *ct_compose_(ct_transform *first, ...) {
    ct_transform *list[64];
    int n = 0, nulls = 0;
    bool too_many = false, last_null = false;
    va_list ap;
    va_start(ap, first);
    /*
     * A NULL is a constructor that failed (its error is already recorded),
     * except a NULL right before the end, the terminator the documented calls
     * write. Only these decide: an error recorded before ct_compose was
     * called, by something else, is not ours.
     */
    for (ct_transform *t = first; t != ct__compose_end; t = va_arg(ap, ct_transform *)) {
        last_null = t == NULL;
        if (!t) {
            nulls++;
        } else if (n == 64) {
            too_many = true;
            ct_transform_free(t);
        } else {
            list[n++] = t;
        }
    }
    va_end(ap);
    if (last_null) nulls--;
    if (too_many || nulls > 0) {
        for (int i = 0; i < n; i++) ct_transform_free(list[i]);
        if (too_many) ct_set_error(CT_ERR_VALUE, "ct_compose", "at most 64 transforms");
        else if (ct_last_error_code() == CT_OK)
            ct_set_error(CT_ERR_NULL, "ct_compose", "a transform is NULL");
        return NULL;
    }
    return ct_compose_list(list, n);
}
