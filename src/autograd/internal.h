/*
 * src/autograd/internal.h - graph nodes, saved tensors and the recording API
 * that ops use.
 *
 * A node is one backward function: it has an edge to the node of each forward
 * input (that input's grad_fn, or the AccumulateGrad node of a leaf), the
 * tensors it saved, and the metadata (shape, dtype) of its inputs and outputs.
 *
 * How an op records itself (see src/ops/binary.c for real ones):
 *
 *     static int mul_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
 *         if (ct__needs_grad(n, 0)) gi[0] = ct_mul(g[0], ct__saved(n, 1));
 *         if (ct__needs_grad(n, 1)) gi[1] = ct_mul(g[0], ct__saved(n, 0));
 *         return 0;
 *     }
 *     static const ct_node_type mul_type = {"MulBackward0", mul_backward};
 *
 *     out = <forward>;
 *     ct_node *n = ct__record(&mul_type, out, 2, (ct_tensor *[]){a, b}, 2, 0);
 *     if (n) { ct__save(n, 0, a); ct__save(n, 1, b); }
 *
 * Backward functions compute with public ops, so with create_graph they are
 * recorded themselves and higher-order gradients come for free. They run
 * inside a scope: temporaries are freed, the gi[] results are kept by the engine.
 * Gradients returned may have the output's (broadcast) shape: the engine sums
 * them down to the input's shape and converts them to its dtype.
 */
#ifndef CT_AUTOGRAD_INTERNAL_H
#define CT_AUTOGRAD_INTERNAL_H

#include "../core/internal.h"
#include "ctorch/autograd.h"

typedef struct ct_node ct_node;

/*
 * Computes the gradients of the node's inputs (gi[i], new references; leave
 * NULL where !ct__needs_grad(n, i)) from the gradients of its outputs (g[k]:
 * the engine fills zeros for differentiable outputs that got none; outputs
 * recorded as NULL, like indices, stay NULL). Returns 0, or a negative error
 * (with a message set).
 */
typedef int (*ct_backward_fn)(ct_node *n, ct_tensor *const *g, ct_tensor **gi);

typedef struct ct_node_type {
    const char *name;      /* "MulBackward0", as PyTorch names it */
    ct_backward_fn backward;
} ct_node_type;

typedef struct {
    ct_node *node; /* strong reference; NULL when the input needs no gradient */
    int input_nr;  /* which output of `node` this input was */
} ct_edge;

typedef struct {
    int ndim;
    int64_t shape[CT_MAX_DIMS];
    ct_dtype dtype;
} ct_meta;

typedef struct {
    ct_tensor *t;      /* strong reference (a detached alias when is_output) */
    int64_t version;   /* the storage's version when saved */
    bool is_output;    /* an output of this node: saved without its grad_fn to avoid a cycle */
    int output_nr;
} ct_saved;

typedef struct ct_hook_entry {
    int handle;
    int output_nr;            /* for pre-hooks on a non-leaf's grad_fn */
    ct_grad_hook fn;
    void *ctx;
    ct_tensor *retain_target; /* weak: retain_grad() writes the grad here */
    struct ct_hook_entry *next;
} ct_hook_entry;

struct ct_node {
    atomic_long refcount;
    const ct_node_type *type;
    uint64_t seq;             /* creation order: the engine runs later nodes first */
    int num_inputs, num_outputs, num_saved;
    ct_edge *next;            /* num_inputs */
    ct_meta *in_meta;         /* num_inputs */
    ct_meta *out_meta;        /* num_outputs */
    ct_saved *saved;          /* num_saved */
    void *ctx;                /* op-specific data (dims, scalars), zeroed */
    bool released;            /* saved tensors freed after a backward */
    ct_tensor *leaf;          /* AccumulateGrad only: the leaf (strong) */
    ct_hook_entry *pre_hooks; /* hooks of the tensors this node produced */
    size_t alloc_size;        /* bytes of the node's one block (ct__block_free) */
    /* engine scratch, valid during one backward */
    uint64_t stamp;
    int deps;
    bool needed;
    ct_tensor **buffer;       /* num_outputs accumulated gradients; all NULL between backwards */
};

/* ------------------------------------------------------------- recording */

/* True when grad mode is on and some input requires grad: the op must record. */
bool ct__should_record(int n, ct_tensor *const *inputs);

/*
 * Creates the node for an op whose output is `out` and whose inputs are
 * inputs[0..n): edges to each input's gradient function, the inputs' meta,
 * room for `num_saved` saved tensors and `ctx_size` bytes of ctx. Makes out
 * (output 0) a non-leaf with grad_fn = node. Returns NULL (recording nothing)
 * when ct__should_record is false; on out of memory sets an error, returns NULL.
 */
ct_node *ct__record(const ct_node_type *type, ct_tensor *out, int n, ct_tensor *const *inputs,
                    int num_saved, size_t ctx_size);
/* As ct__record, for ops with several outputs (outs may contain NULL for non-differentiable ones). */
ct_node *ct__record_multi(const ct_node_type *type, int nout, ct_tensor *const *outs, int n,
                          ct_tensor *const *inputs, int num_saved, size_t ctx_size);

/* Saves t (an input or other tensor) in slot i; remembers its version. */
void ct__save(ct_node *n, int i, ct_tensor *t);
/* Saves output k of this node (out) in slot i without creating a reference cycle. */
void ct__save_output(ct_node *n, int i, ct_tensor *out, int k);
/*
 * The tensor saved in slot i, valid during backward (borrowed). Checks that it
 * was not modified in place since it was saved and that the graph was not
 * freed; on failure sets PyTorch's error and returns NULL.
 */
ct_tensor *ct__saved(ct_node *n, int i);

/* True if input i of the node needs a gradient. */
static inline bool ct__needs_grad(const ct_node *n, int i) {
    return i < n->num_inputs && n->next[i].node != NULL;
}

/*
 * A gradient handed on unchanged (add's, sub's, an identity's): a new
 * reference to g itself, owned by the current scope like an op's result. No
 * view is made: PyTorch's formulas return grad itself too.
 */
ct_tensor *ct__grad_pass(ct_tensor *g);

/* Node references. */
void ct__node_incref(ct_node *n);
void ct__node_decref(ct_node *n);

/* The tensor's autograd meta, created on demand (NULL on out of memory). */
struct ct_autograd_meta {
    ct_tensor *grad;         /* strong */
    ct_node *grad_fn;        /* strong; NULL for leaves */
    int output_nr;
    ct_node *accumulator;    /* weak: the leaf's AccumulateGrad node while it lives */
    bool retains_grad;
    bool is_view;            /* made by a differentiable view op: in-place on it is refused */
    ct_hook_entry *hooks;    /* leaf hooks (non-leaf hooks live on grad_fn) */
    int next_handle;
};
struct ct_autograd_meta *ct__meta(ct_tensor *t);

/* The gradient edge of a tensor: (grad_fn, output_nr), or the leaf's accumulator. */
ct_edge ct__gradient_edge(ct_tensor *t);

/*
 * In-place op on `self` that needs a graph: checks the leaf rule ("a leaf
 * Variable that requires grad is being used in an in-place operation.") and
 * returns false with an error when it is violated. Call before modifying self.
 */
bool ct__check_inplace(ct_tensor *self, const char *fn);

/*
 * Sums a gradient of a broadcast shape down to `shape` (the reverse of
 * broadcasting). Returns a new reference, or g itself (new reference) when the
 * shapes already match. Defined by the ops layer (reductions).
 */
ct_tensor *ct__sum_to(ct_tensor *g, int ndim, const int64_t *shape);

/* Sequence counter for new nodes. */
uint64_t ct__next_seq(void);

#endif
