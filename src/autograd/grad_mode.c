/*
 * src/autograd/grad_mode.c - per-thread grad mode and the node sequence counter.
 */
#include "internal.h"

static _Thread_local bool tl_grad_disabled; /* zero-initialized: grad mode starts on */
static atomic_ullong g_seq;

bool ct_is_grad_enabled(void) { return !tl_grad_disabled; }

bool ct_set_grad_enabled(bool enabled) {
    bool prev = !tl_grad_disabled;
    tl_grad_disabled = !enabled;
    return prev;
}

uint64_t ct__next_seq(void) { return atomic_fetch_add_explicit(&g_seq, 1, memory_order_relaxed) + 1; }
