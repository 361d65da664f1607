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

/*
 * Sequence numbers increase along each thread's nodes (the engine runs later
 * nodes first), like PyTorch's thread-local sequence_nr. A thread takes them
 * from the shared counter in blocks, so making a node needs no locked add.
 */
#define SEQ_BLOCK 4096
static _Thread_local uint64_t tl_seq_next, tl_seq_end;

uint64_t ct__next_seq(void) {
    if (tl_seq_next == tl_seq_end) {
        tl_seq_next = atomic_fetch_add_explicit(&g_seq, SEQ_BLOCK, memory_order_relaxed);
        tl_seq_end = tl_seq_next + SEQ_BLOCK;
    }
    return ++tl_seq_next;
}
