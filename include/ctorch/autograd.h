/*
 * ctorch/autograd.h - the dynamic graph: requires_grad, backward, grad.
 *
 * As in PyTorch, running ops on tensors that require grad records a graph of
 * backward nodes; ct_backward(loss) walks it from the loss, accumulating
 * gradients into the .grad of every leaf that requires grad, and then frees
 * the graph (unless .retain_graph = true). Gradients accumulate across calls
 * until zeroed (ct_zero_grad_ or an optimizer's zero_grad).
 *
 *     ct_tensor *w = ct_randn(CT_SHAPE(3), .requires_grad = true);
 *     CT_SCOPE {
 *         ct_tensor *loss = ct_sum(ct_mul(w, w));
 *         ct_backward(loss);                       // w.grad = 2 * w
 *         CT_NO_GRAD { ct_sub_(w, ct_mul_scalar(ct_grad_of(w), 0.1)); }
 *     }
 */
#ifndef CTORCH_AUTOGRAD_H
#define CTORCH_AUTOGRAD_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* -------------------------------------------------------------- grad mode */

/** torch.is_grad_enabled() for the calling thread. */
bool ct_is_grad_enabled(void);
/** torch.set_grad_enabled(flag) for the calling thread; returns the previous mode. */
bool ct_set_grad_enabled(bool enabled);

/** `with torch.no_grad():` - ops in the block record no graph. break/continue leave it. */
#define CT_NO_GRAD CT__GRAD_MODE_BLOCK(false)
/** `with torch.enable_grad():` */
#define CT_ENABLE_GRAD CT__GRAD_MODE_BLOCK(true)
#define CT__GRAD_MODE_AT(mode, p, o, i)                                                 \
    for (bool p = ct_set_grad_enabled(mode), o = 1; o; o = 0, ct_set_grad_enabled(p))   \
        for (int i = 1; i; i = 0)
#define CT__GRAD_MODE_BLOCK(mode)                                                       \
    CT__GRAD_MODE_AT(mode, CT__CAT(ct__gm_p, __LINE__), CT__CAT(ct__gm_o, __LINE__),    \
                     CT__CAT(ct__gm_i, __LINE__))

/* ---------------------------------------------------------- tensor state */

/** tensor.is_leaf: no grad_fn (made by the user, or not requiring grad). */
bool ct_is_leaf(const ct_tensor *t);
/** tensor.grad: a new reference to the accumulated gradient, or NULL when there is none. */
ct_tensor *ct_grad_of(const ct_tensor *t);
/** tensor.grad = g (g may be NULL); g must match t's shape and dtype. Returns 0 or an error. */
int ct_set_grad(ct_tensor *t, ct_tensor *g);
/** tensor.grad = None. */
void ct_clear_grad(ct_tensor *t);
/** tensor.grad_fn.name(): "AddBackward0", "AccumulateGrad" is never returned; NULL for leaves. */
const char *ct_grad_fn_name(const ct_tensor *t);
/** tensor.retain_grad(): a non-leaf keeps its .grad after backward. Returns 0 or an error. */
int ct_retain_grad(ct_tensor *t);
/** tensor.detach(): a new tensor sharing storage, cut from the graph. */
ct_tensor *ct_detach(ct_tensor *t);
/** tensor.detach_(): cuts t itself from the graph; returns t. */
ct_tensor *ct_detach_(ct_tensor *t);

/**
 * tensor.register_hook(fn): fn(grad, ctx) runs when t's gradient is computed.
 * It may return NULL to keep grad, or a new tensor (a new reference, same
 * shape) to use instead. Returns a handle >= 0 for ct_remove_hook, or an error.
 */
typedef ct_tensor *(*ct_grad_hook)(ct_tensor *grad, void *ctx);
int ct_register_hook(ct_tensor *t, ct_grad_hook fn, void *ctx);
/** Removes a hook registered on t. */
void ct_remove_hook(ct_tensor *t, int handle);

/* ---------------------------------------------------------------- backward */

/** A list of tensors as two arguments (array, count): ct_grad(CT_TENSORS(y), CT_TENSORS(w1, w2), grads). */
#define CT_TENSORS(...)                                                                 \
    (ct_tensor *const[]){__VA_ARGS__},                                                  \
        (int)(sizeof((ct_tensor *const[]){__VA_ARGS__}) / sizeof(ct_tensor *))

typedef struct ct_backward_args {
    int ct__;
    ct_tensor *tensor;    /**< what to differentiate (a scalar unless .gradient is given) */
    ct_tensor *gradient;  /**< d(something)/d(tensor); NULL means 1 for a one-element tensor */
    bool retain_graph;    /**< keep the graph for another backward (default: false) */
    bool create_graph;    /**< record the backward itself, for higher-order gradients */
} ct_backward_args;

/**
 * tensor.backward(gradient=None, retain_graph=None, create_graph=False):
 * ct_backward(loss), ct_backward(y, .gradient = g, .retain_graph = true).
 * Returns 0, or a negative error code with a message (e.g. "grad can be
 * implicitly created only for scalar outputs").
 */
#define ct_backward(...) ct_backward_((ct_backward_args){.ct__ = 0, __VA_ARGS__})
int ct_backward_(ct_backward_args a);
/** tensor.backward(gradient). */
#define ct_backward_with(t, g) ct_backward((t), .gradient = (g))

typedef struct ct_grad_args {
    int ct__;
    ct_tensor *const *outputs;
    int noutputs;
    ct_tensor *const *inputs;
    int ninputs;
    ct_tensor **grads;              /**< receives ninputs new references (NULL where unused) */
    ct_tensor *const *grad_outputs; /**< noutputs gradients, or NULL for scalar outputs */
    bool retain_graph;              /**< defaults to create_graph, as in PyTorch */
    bool create_graph;
    bool allow_unused;              /**< an input the outputs don't depend on gives NULL, not an error */
} ct_grad_args;

/**
 * torch.autograd.grad(outputs, inputs, grad_outputs, retain_graph,
 * create_graph, allow_unused): the gradients of outputs with respect to
 * inputs, returned in grads[] without touching any .grad:
 *
 *     ct_tensor *g[2];
 *     ct_grad(CT_TENSORS(y), CT_TENSORS(w1, w2), g, .retain_graph = true);
 *
 * Returns 0 or a negative error code.
 */
#define ct_grad(...) ct_grad_((ct_grad_args){.ct__ = 0, __VA_ARGS__})
int ct_grad_(ct_grad_args a);

/* --------------------------------------------------------------- gradcheck */

/** A function of n tensors returning one tensor (new reference), for ct_gradcheck. */
typedef ct_tensor *(*ct_gradcheck_fn)(ct_tensor *const *inputs, int n, void *ctx);

typedef struct ct_gradcheck_args {
    int ct__;
    ct_gradcheck_fn fn;
    void *ctx;
    ct_tensor *const *inputs;
    int ninputs;
    double eps;   /**< finite-difference step (default 1e-6) */
    double atol;  /**< default 1e-5 */
    double rtol;  /**< default 1e-3 */
    bool second_order; /**< also check the gradient of the gradient (gradgradcheck) */
} ct_gradcheck_args;

/**
 * torch.autograd.gradcheck: compares the analytical gradient of fn (through
 * ct_grad) with float64 central differences, for every input that requires
 * grad. Returns 0 when they agree; otherwise a negative error code, with a
 * report of the first mismatch in ct_last_error() (input, element, numerical
 * and analytical values). Inputs should be float64.
 */
#define ct_gradcheck(...) ct_gradcheck_((ct_gradcheck_args){.ct__ = 0, __VA_ARGS__})
int ct_gradcheck_(ct_gradcheck_args a);

#ifdef __cplusplus
}
#endif
#endif
