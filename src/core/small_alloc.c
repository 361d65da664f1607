/*
 * src/core/small_alloc.c - per-thread free lists for the small blocks every
 * eager op needs: a tensor's struct, its storage with small data inline, and
 * (by size class) the graph node and autograd meta of a recorded op.
 * Creating and freeing a one-element tensor is then a few list operations
 * instead of malloc/free pairs, which is most of an eager op's overhead.
 * A block may be freed on another thread than the one that made it: it then
 * joins that thread's list. A thread's lists are freed when the thread exits.
 */
#include <stdlib.h>
#include <threads.h>

#include "internal.h"

#define CACHE_MAX 256
#define CLASS_MIN_SHIFT 6 /* 64 bytes */
#define NCLASSES 6        /* 64, 128, ..., 2048 bytes */
#define NLISTS (CT_SMALL_KINDS + NCLASSES)

typedef struct {
    void *items[NLISTS][CACHE_MAX];
    int n[NLISTS];
    bool registered;
} small_cache;

static _Thread_local small_cache tl_cache;
static tss_t g_key;
static once_flag g_once = ONCE_FLAG_INIT;

static const size_t kind_size[CT_SMALL_KINDS] = {
    [CT_SMALL_TENSOR] = sizeof(ct_tensor),
    [CT_SMALL_STORAGE] = CT_INLINE_OFFSET + CT_INLINE_MAX,
};

static void cache_dtor(void *p) {
    small_cache *c = p;
    for (int k = 0; k < NLISTS; k++) {
        while (c->n[k] > 0) free(c->items[k][--c->n[k]]);
    }
    c->registered = false;
}

static void key_init(void) { tss_create(&g_key, cache_dtor); }

/* Keeps p in list k of this thread's cache; false when the list is full. */
static inline bool cache_put(int k, void *p) {
    small_cache *c = &tl_cache;
    if (c->n[k] >= CACHE_MAX) return false;
    if (!c->registered) {
        call_once(&g_once, key_init);
        tss_set(g_key, c);
        c->registered = true;
    }
    c->items[k][c->n[k]++] = p;
    return true;
}

void *ct__small_alloc(ct_small_kind kind) {
    small_cache *c = &tl_cache;
    if (c->n[kind] > 0) return c->items[kind][--c->n[kind]];
    return aligned_alloc(64, (kind_size[kind] + 63) & ~(size_t)63);
}

void ct__small_free(ct_small_kind kind, void *p) {
    if (!cache_put(kind, p)) free(p);
}

/* The size class of nbytes (its list is CT_SMALL_KINDS + class), or -1 above the largest. */
static inline int size_class(size_t nbytes) {
    int k = 0;
    while (k < NCLASSES && nbytes > ((size_t)1 << (CLASS_MIN_SHIFT + k))) k++;
    return k < NCLASSES ? k : -1;
}

void *ct__block_alloc(size_t nbytes) {
    int k = size_class(nbytes);
    if (k < 0) return malloc(nbytes);
    small_cache *c = &tl_cache;
    int list = CT_SMALL_KINDS + k;
    if (c->n[list] > 0) return c->items[list][--c->n[list]];
    return malloc((size_t)1 << (CLASS_MIN_SHIFT + k));
}

void ct__block_free(void *p, size_t nbytes) {
    if (!p) return;
    int k = size_class(nbytes);
    if (k < 0 || !cache_put(CT_SMALL_KINDS + k, p)) free(p);
}
