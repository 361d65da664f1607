/*
 * src/core/storage.c - refcounted buffers behind tensors.
 */
#include <stdlib.h>

#include "internal.h"

enum {
    KIND_INLINE = 0, /* data follows the struct in the same allocation */
    KIND_HEAP = 1,   /* data from ct__alloc */
    KIND_WRAPPED = 2 /* caller's memory (ct_from_blob) */
};


ct_storage *ct__storage_new(size_t nbytes, const char *fn) {
    ct_storage *s;
    if (nbytes <= CT_INLINE_MAX) {
        /* Small buffers live in the storage's own block, from the thread's free list. */
        s = ct__small_alloc(CT_SMALL_STORAGE);
        if (!s) goto oom;
        s->data = (char *)s + CT_INLINE_OFFSET;
        s->kind = KIND_INLINE;
        s->capacity = CT_INLINE_MAX;
    } else {
        s = malloc(sizeof *s);
        if (!s) goto oom;
        s->data = ct__alloc(nbytes, &s->capacity);
        if (!s->data) {
            free(s);
            goto oom;
        }
        s->kind = KIND_HEAP;
    }
    atomic_init(&s->refcount, 1);
    atomic_init(&s->version, 0);
    s->nbytes = nbytes;
    s->device = CT_CPU;
    s->deleter = NULL;
    s->deleter_ctx = NULL;
    return s;
oom:
    ct__error(CT_ERR_OOM, fn, "can't allocate memory: you tried to allocate %zu bytes", nbytes);
    return NULL;
}

ct_storage *ct__storage_wrap(void *data, size_t nbytes, void (*deleter)(void *, void *),
                             void *ctx, const char *fn) {
    ct_storage *s = malloc(sizeof *s);
    if (!s) {
        ct__error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    atomic_init(&s->refcount, 1);
    atomic_init(&s->version, 0);
    s->data = data;
    s->nbytes = nbytes;
    s->capacity = nbytes;
    s->device = CT_CPU;
    s->deleter = deleter;
    s->deleter_ctx = ctx;
    s->kind = KIND_WRAPPED;
    return s;
}

void ct__storage_retain(ct_storage *s) { atomic_fetch_add_explicit(&s->refcount, 1, memory_order_relaxed); }

void ct__storage_release(ct_storage *s) {
    if (!s || !ct__drop_ref(&s->refcount)) return;
    switch (s->kind) {
    case KIND_INLINE: ct__small_free(CT_SMALL_STORAGE, s); return;
    case KIND_HEAP: ct__dealloc(s->data, s->capacity); break;
    case KIND_WRAPPED:
        if (s->deleter) s->deleter(s->data, s->deleter_ctx);
        break;
    default: break;
    }
    free(s);
}
