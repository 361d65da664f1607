/*
 * src/core/scope.c - scopes: per-thread stacks of owned references.
 *
 * All open scopes of a thread share one array of entries; each scope is a
 * mark (the index where its entries start). Creating a tensor appends an
 * entry; closing a scope releases the entries above its mark. ct_keep moves
 * an entry below the mark (into the enclosing scope) by swapping it with the
 * scope's first entry; ct_free of an owned tensor clears its entry.
 */
#include <stdlib.h>
#include <threads.h>

#include "internal.h"

typedef struct {
    ct_tensor **items;
    size_t len, cap;
    size_t *marks; /* marks[i]: first entry of scope i+1 */
    int depth, mark_cap;
} scope_stack;

static _Thread_local scope_stack tl_stack;
static tss_t g_key;
static once_flag g_key_once = ONCE_FLAG_INIT;

/* Frees a thread's arrays when the thread exits (its scopes should be closed by then). */
static void stack_dtor(void *p) {
    scope_stack *st = p;
    if (!st) return;
    if (st->depth > 0) ct_scope_end(1);
    free(st->items);
    free(st->marks);
    st->items = NULL;
    st->marks = NULL;
    st->len = st->cap = 0;
    st->mark_cap = 0;
}

static void key_init(void) { tss_create(&g_key, stack_dtor); }

static bool grow(void **arr, size_t *cap, size_t elem) {
    size_t ncap = *cap ? *cap * 2 : 64;
    void *p = realloc(*arr, ncap * elem);
    if (!p) return false;
    *arr = p;
    *cap = ncap;
    return true;
}

int ct_scope_begin(void) {
    scope_stack *st = &tl_stack;
    if (st->depth == st->mark_cap) {
        size_t cap = (size_t)st->mark_cap;
        if (!grow((void **)&st->marks, &cap, sizeof(size_t))) {
            ct__error(CT_ERR_OOM, "ct_scope_begin", "out of memory");
            return 0;
        }
        st->mark_cap = (int)cap;
        if (!st->items) {
            call_once(&g_key_once, key_init);
            tss_set(g_key, st);
        }
    }
    st->marks[st->depth++] = st->len;
    return st->depth;
}

void ct_scope_end(int depth) {
    scope_stack *st = &tl_stack;
    if (depth < 1 || depth > st->depth) return; /* already closed by an outer scope */
    size_t mark = st->marks[depth - 1];
    /* Release newest first: views before their bases is not required, but it is natural. */
    while (st->len > mark) {
        ct_tensor *t = st->items[--st->len];
        if (t) {
            /* A tensor this entry holds the last reference of is freed: its count can stay. */
            if (atomic_load_explicit(&t->refcount, memory_order_acquire) != 1)
                atomic_fetch_sub_explicit(&t->scope_refs, 1, memory_order_relaxed);
            ct__tensor_decref(t);
        }
    }
    st->depth = depth - 1;
}

int ct_scope_depth(void) { return tl_stack.depth; }

/* Appends t to the innermost scope; false when there is none (or no memory for the entry). */
static inline bool push_entry(ct_tensor *t) {
    scope_stack *st = &tl_stack;
    if (st->depth == 0) return false;
    if (st->len == st->cap && !grow((void **)&st->items, &st->cap, sizeof(ct_tensor *))) {
        /* Cannot record ownership: leak rather than free a tensor the caller uses. */
        return false;
    }
    st->items[st->len++] = t;
    return true;
}

void ct__scope_register(ct_tensor *t) {
    if (push_entry(t)) atomic_fetch_add_explicit(&t->scope_refs, 1, memory_order_relaxed);
}

void ct__scope_register_new(ct_tensor *t) {
    /* No other thread can see t yet: a plain store instead of a locked add. */
    if (push_entry(t)) atomic_store_explicit(&t->scope_refs, 1, memory_order_relaxed);
}

/* Index of the newest entry for t at or above `from`, or -1. */
static ptrdiff_t find_entry(const scope_stack *st, const ct_tensor *t, size_t from) {
    for (size_t i = st->len; i > from; i--)
        if (st->items[i - 1] == t) return (ptrdiff_t)(i - 1);
    return -1;
}

ct_tensor *ct_keep(ct_tensor *t) {
    if (!t) return NULL;
    scope_stack *st = &tl_stack;
    if (st->depth == 0) return t; /* no scope: the caller already owns it */
    size_t mark = st->marks[st->depth - 1];
    ptrdiff_t i = atomic_load(&t->scope_refs) ? find_entry(st, t, mark) : -1;
    if (i < 0) {
        /* Not owned by this scope: take a new reference for the enclosing owner. */
        ct__tensor_incref(t);
        if (st->depth == 1) return t;
        /* Appended inside this scope; moved below the mark just after. */
        ct__scope_register(t);
        i = (ptrdiff_t)st->len - 1;
    }
    if (st->depth == 1) {
        /* Leaving the outermost scope: the caller owns the reference now. */
        st->items[i] = NULL;
        if ((size_t)i == st->len - 1) st->len--;
        atomic_fetch_sub_explicit(&t->scope_refs, 1, memory_order_relaxed);
        return t;
    }
    ct_tensor *first = st->items[mark];
    st->items[mark] = t;
    st->items[i] = first;
    st->marks[st->depth - 1] = mark + 1;
    return t;
}

ct_tensor *ct_retain(ct_tensor *t) {
    if (t) ct__tensor_incref(t);
    return t;
}

/* Removes one scope entry for t (the newest), if any scope of this thread owns it. */
static void forget_scope_entry(ct_tensor *t) {
    if (atomic_load_explicit(&t->scope_refs, memory_order_relaxed) == 0) return;
    scope_stack *st = &tl_stack;
    ptrdiff_t i = find_entry(st, t, 0);
    if (i < 0) return;
    st->items[i] = NULL;
    if ((size_t)i == st->len - 1) st->len--;
    atomic_fetch_sub_explicit(&t->scope_refs, 1, memory_order_relaxed);
}

void ct_free(ct_tensor *t) {
    if (!t) return;
    forget_scope_entry(t);
    ct__tensor_decref(t);
}

void ct_release(ct_tensor *t) {
    if (t) ct__tensor_decref(t);
}

ct_tensor *ct_own(ct_tensor *t) {
    if (t) forget_scope_entry(t);
    return t;
}

long ct_refcount(const ct_tensor *t) { return t ? atomic_load(&((ct_tensor *)t)->refcount) : 0; }
