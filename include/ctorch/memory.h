/*
 * ctorch/memory.h - who owns a tensor, and when it is freed.
 *
 * OWNERSHIP RULES (read these first)
 *
 * 1. Every function that returns a ct_tensor* returns a NEW REFERENCE.
 * 2. If a scope is open on the calling thread (CT_SCOPE { ... }), the innermost
 *    scope owns that reference and releases it when the scope closes. Do not
 *    free it yourself (ct_free on it is allowed and simply frees it early).
 * 3. If no scope is open, the caller owns the reference and must call
 *    ct_free(t) exactly once.
 * 4. ct_keep(t) makes t outlive the innermost scope: the reference moves to the
 *    enclosing scope, or to the caller when there is none. Use it to return a
 *    tensor made inside a scope:
 *
 *        ct_tensor *make_features(ct_tensor *x) {
 *            ct_tensor *out;
 *            CT_SCOPE {
 *                ct_tensor *h = ct_relu(ct_matmul(x, w));   // freed at scope end
 *                out = ct_keep(ct_add(h, b));               // survives it
 *            }
 *            return out;
 *        }
 *
 * 5. To hold a tensor in your own data structure (a model struct, a cache) take
 *    a reference with ct_retain(t), which no scope owns, and drop it with
 *    ct_release(t) when you are done (not ct_free: see below). To store a
 *    tensor an op just returned to you, ct_own(t) turns that reference into
 *    such a retained one in a single step.
 *    ct_free is for references ops return: if a scope owns t, ct_free drops
 *    the scope's reference (so the scope will not release it again). A
 *    retained reference dropped with ct_free while a scope also owns t would
 *    cancel the scope's release instead, and t would leak.
 * 6. Views (ct_view, ct_transpose, ...) are tensors like any other: they hold
 *    the shared storage alive, so freeing the base before the view is fine.
 * 7. In-place functions (names ending in '_', like ct_add_ or ct_fill_) return
 *    their first argument as it is: no new reference, nothing to free.
 * 8. Modules own their parameters and buffers; optimizers hold references to the
 *    parameters they update; an autograd node holds what it saved until backward.
 *
 * Scopes nest, are per thread, and cost a few nanoseconds. `break` and
 * `continue` inside CT_SCOPE leave the scope (and close it). `return` or `goto`
 * out of a scope leaves it open: its tensors are then released when an
 * enclosing scope closes (closing a scope closes every scope opened inside it).
 * A training loop written as in the examples leaks nothing.
 */
#ifndef CTORCH_MEMORY_H
#define CTORCH_MEMORY_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Opens a scope on the calling thread and returns its depth (1 for the
 * outermost). Prefer the CT_SCOPE block, which pairs this with ct_scope_end.
 */
int ct_scope_begin(void);

/**
 * Closes the scope at `depth` (as returned by ct_scope_begin) and every scope
 * opened inside it, releasing the references they own.
 */
void ct_scope_end(int depth);

/** How many scopes are open on the calling thread. */
int ct_scope_depth(void);

/** Runs the block inside a scope: every tensor made in it is released at its end. */
#define CT__SCOPE_AT(d, o, i)                                                           \
    for (int d = ct_scope_begin(), o = 1; o; o = 0, ct_scope_end(d))                    \
        for (int i = 1; i; i = 0)
#define CT_SCOPE                                                                        \
    CT__SCOPE_AT(CT__CAT(ct__scope_d, __LINE__), CT__CAT(ct__scope_o, __LINE__),         \
                 CT__CAT(ct__scope_i, __LINE__))

/**
 * Makes t outlive the innermost open scope: if that scope owns a reference to
 * t, the reference moves to the enclosing scope (or to the caller when no
 * scope encloses it); otherwise a new reference is taken and given to the
 * enclosing scope or caller. Returns t. NULL passes through.
 */
ct_tensor *ct_keep(ct_tensor *t);

/** Takes a new reference to t that no scope owns; drop it with ct_release. Returns t. */
ct_tensor *ct_retain(ct_tensor *t);

/** Drops a reference taken with ct_retain or ct_own. Never touches scopes. NULL is ignored. */
void ct_release(ct_tensor *t);

/**
 * Takes over the reference an op returned for t (owned by a scope, or by you
 * when no scope is open) as a retained reference no scope owns: the scope
 * forgets it. Drop it later with ct_release. Returns t.
 */
ct_tensor *ct_own(ct_tensor *t);

/**
 * Drops one reference to t; the tensor (and, with its last view, its storage)
 * is freed when none remain. If a scope owns a reference to t, that reference
 * is the one dropped, so the scope will not release it again. NULL is ignored.
 */
void ct_free(ct_tensor *t);

/** Number of tensors alive in the process (for leak checks in tests and debugging). */
long ct_live_tensors(void);

/** Number of references to t (for tests and debugging). */
long ct_refcount(const ct_tensor *t);

/**
 * Returns cached memory blocks to the system. ctorch keeps recently freed large
 * buffers for reuse (as PyTorch's caching allocators do), up to 1 GiB or
 * CT_CACHE_LIMIT_MB from the environment, and one scratch workspace for
 * convolutions (as large as the largest layer needed); this empties the
 * cache and frees the workspace. Buffers of
 * 8 MiB and more are 2 MiB-aligned and, on Linux, advised for transparent huge
 * pages (fewer TLB misses when streaming through them).
 */
void ct_empty_cache(void);

/** Bytes currently allocated for tensor data, and the peak since start or the last reset. */
size_t ct_memory_allocated(void);
size_t ct_memory_peak(void);
void ct_memory_reset_peak(void);

#ifdef __cplusplus
}
#endif
#endif
