/*
 * src/core/small_alloc.c - per-thread free lists for the two small blocks
 * every tensor needs (its struct, and its storage with small data inline).
 * Creating and freeing a one-element tensor is then two list operations
 * instead of two malloc/free pairs, which is most of an eager op's overhead.
 * A thread's lists are freed when the thread exits.
 */
#include <stdlib.h>
#include <threads.h>

#include "internal.h"

#define CACHE_MAX 256

typedef struct {
    void *items[CT_SMALL_KINDS][CACHE_MAX];
    int n[CT_SMALL_KINDS];
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
    for (int k = 0; k < CT_SMALL_KINDS; k++) {
        while (c->n[k] > 0) free(c->items[k][--c->n[k]]);
    }
    c->registered = false;
}

static void key_init(void) { tss_create(&g_key, cache_dtor); }

void *ct__small_alloc(ct_small_kind kind) {
    small_cache *c = &tl_cache;
    if (c->n[kind] > 0) return c->items[kind][--c->n[kind]];
    return aligned_alloc(64, (kind_size[kind] + 63) & ~(size_t)63);
}

void ct__small_free(ct_small_kind kind, void *p) {
    small_cache *c = &tl_cache;
    if (c->n[kind] < CACHE_MAX) {
        if (!c->registered) {
            call_once(&g_once, key_init);
            tss_set(g_key, c);
            c->registered = true;
        }
        c->items[kind][c->n[kind]++] = p;
        return;
    }
    free(p);
}
