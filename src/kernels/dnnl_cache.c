/*
 * src/kernels/dnnl_cache.c - the prepared oneDNN convolutions, kept so a
 * training loop does not build its primitives again every step (building
 * one JIT-compiles its kernel: ~0.1-1 ms). A small table under one mutex,
 * least recently used out first. An entry is reference counted: the table
 * holds one reference and every call running it one more, so evicting or
 * clearing never pulls a primitive from under a running call.
 */
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "dnnl.h"

#ifdef CT_HAVE_DNNL

/* ResNet-18 trains on ~35 prepared convolutions per thread count. */
#define CACHE_SLOTS 128

static ct_dnnl_prim *g_slots[CACHE_SLOTS];
static int g_n;
static uint64_t g_clock;
static const ct_dnnl_api *g_api; /* to destroy entries with; set on the first get */
static mtx_t g_lock;
static once_flag g_once = ONCE_FLAG_INIT;

static void init_lock(void) { mtx_init(&g_lock, mtx_plain); }

/* Drops one reference under the lock; true when it was the last (the caller destroys). */
static bool unref_locked(ct_dnnl_prim *p) { return --p->refs == 0; }

static int find_locked(const ct_dnnl_key *key) {
    for (int i = 0; i < g_n; i++)
        if (memcmp(&g_slots[i]->key, key, sizeof *key) == 0) return i;
    return -1;
}

/* Takes slot i out of the table; returns its entry when nothing else holds it. */
static ct_dnnl_prim *remove_locked(int i) {
    ct_dnnl_prim *p = g_slots[i];
    g_slots[i] = g_slots[--g_n];
    return unref_locked(p) ? p : NULL;
}

/* A reference to the entry at slot i, or NULL for a remembered refusal. */
static ct_dnnl_prim *use_locked(int i) {
    ct_dnnl_prim *p = g_slots[i];
    p->last_use = ++g_clock;
    if (!p->conv) return NULL;
    p->refs++;
    return p;
}

ct_dnnl_prim *ct__dnnl_cache_get(const ct_dnnl_api *api, const ct_dnnl_key *key) {
    call_once(&g_once, init_lock);
    mtx_lock(&g_lock);
    g_api = api;
    int i = find_locked(key);
    if (i >= 0) {
        ct_dnnl_prim *p = use_locked(i);
        mtx_unlock(&g_lock);
        return p;
    }
    mtx_unlock(&g_lock);

    /* Built outside the lock: other threads' convolutions need not wait for the JIT. */
    ct_dnnl_prim *made = ct__dnnl_prim_create(api, key);
    if (!made) { /* remember the refusal as an entry without a primitive */
        made = calloc(1, sizeof *made);
        if (!made) return NULL;
        made->key = *key;
    }
    made->refs = 1;

    ct_dnnl_prim *evicted = NULL, *dup = NULL, *res;
    mtx_lock(&g_lock);
    i = find_locked(key);
    if (i >= 0) { /* another thread made it meanwhile: use that one */
        dup = made;
        res = use_locked(i);
    } else {
        if (g_n == CACHE_SLOTS) {
            int lru = 0;
            for (int k = 1; k < g_n; k++)
                if (g_slots[k]->last_use < g_slots[lru]->last_use) lru = k;
            evicted = remove_locked(lru);
        }
        g_slots[g_n++] = made;
        res = use_locked(g_n - 1);
    }
    mtx_unlock(&g_lock);
    if (dup) ct__dnnl_prim_destroy(api, dup);
    if (evicted) ct__dnnl_prim_destroy(api, evicted);
    return res;
}

void ct__dnnl_cache_release(const ct_dnnl_api *api, ct_dnnl_prim *p) {
    if (!p) return;
    mtx_lock(&g_lock);
    bool last = unref_locked(p);
    mtx_unlock(&g_lock);
    if (last) ct__dnnl_prim_destroy(api, p);
}

void ct__dnnl_cache_clear(void) {
    call_once(&g_once, init_lock);
    ct_dnnl_prim *dead[CACHE_SLOTS];
    int nd = 0;
    mtx_lock(&g_lock);
    while (g_n > 0) {
        ct_dnnl_prim *p = remove_locked(g_n - 1);
        if (p) dead[nd++] = p;
    }
    const ct_dnnl_api *api = g_api;
    mtx_unlock(&g_lock);
    for (int i = 0; i < nd; i++) ct__dnnl_prim_destroy(api, dead[i]);
}

#else
void ct__dnnl_cache_clear(void) {}
#endif
