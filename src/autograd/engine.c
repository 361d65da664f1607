/*
 * src/autograd/engine.c - runs the graph backward.
 *
 * 1. From the roots, find every reachable node and count, for each, how many
 *    edges point at it (its dependencies).
 * 2. For torch.autograd.grad, mark which nodes lead to a requested input; only
 *    those run, and no .grad is touched.
 * 3. Run nodes in a ready queue ordered by creation (newest first, as PyTorch
 *    does): a node is ready when all its dependencies delivered their gradient.
 *    Gradients for the same (node, output) are summed in the node's buffer.
 * 4. AccumulateGrad nodes add into their leaf's .grad.
 * 5. Without retain_graph, each node's saved tensors are freed after it runs.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static atomic_ullong g_run_stamp;

/* A growable list of nodes; the first VEC_LOCAL live inside it (no malloc for small graphs). */
#define VEC_LOCAL 32
typedef struct {
    ct_node **items;
    size_t len, cap;
    ct_node *local[VEC_LOCAL];
} node_vec;

static void vec_init(node_vec *v) {
    v->items = v->local;
    v->len = 0;
    v->cap = VEC_LOCAL;
}

static void vec_free(node_vec *v) {
    if (v->items != v->local) free(v->items);
}

static bool vec_push(node_vec *v, ct_node *n) {
    if (v->len == v->cap) {
        size_t cap = v->cap * 2;
        ct_node **p = v->items == v->local ? malloc(cap * sizeof *p)
                                           : realloc(v->items, cap * sizeof *p);
        if (!p) return false;
        if (v->items == v->local) memcpy(p, v->local, sizeof v->local);
        v->items = p;
        v->cap = cap;
    }
    v->items[v->len++] = n;
    return true;
}

/* Max-heap on seq: the most recently created ready node runs first. */
static void heap_push(node_vec *h, ct_node *n) {
    if (!vec_push(h, n)) return;
    size_t i = h->len - 1;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h->items[p]->seq >= h->items[i]->seq) break;
        ct_node *t = h->items[p];
        h->items[p] = h->items[i];
        h->items[i] = t;
        i = p;
    }
}

static ct_node *heap_pop(node_vec *h) {
    ct_node *top = h->items[0];
    h->items[0] = h->items[--h->len];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->len && h->items[l]->seq > h->items[m]->seq) m = l;
        if (r < h->len && h->items[r]->seq > h->items[m]->seq) m = r;
        if (m == i) break;
        ct_node *t = h->items[m];
        h->items[m] = h->items[i];
        h->items[i] = t;
        i = m;
    }
    return top;
}

typedef struct {
    bool create_graph, retain_graph;
    /* torch.autograd.grad: capture (node, input_nr) instead of accumulating */
    int ncapture;
    ct_edge *capture;
    ct_tensor **captured;
} run_opts;

/* Adds g (an engine-owned reference) into slot *dst, consuming g. */
static int accumulate_into(ct_tensor **dst, ct_tensor *g) {
    if (!*dst) {
        *dst = g;
        return 0;
    }
    int d = ct_scope_begin();
    ct_tensor *sum = ct_add(*dst, g);
    if (sum) ct__tensor_incref(sum);
    ct_scope_end(d);
    ct__tensor_decref(g);
    if (!sum) return ct_last_error_code();
    ct__tensor_decref(*dst);
    *dst = sum;
    return 0;
}

/* Runs hooks on grad *g (engine-owned); a hook may replace it. */
static int run_hooks(ct_hook_entry *hooks, int output_nr, ct_tensor **g, bool create_graph) {
    for (ct_hook_entry *h = hooks; h; h = h->next) {
        if (h->output_nr != output_nr) continue;
        if (h->retain_target) {
            /* retain_grad: the non-leaf's .grad (a copy when it will be reused). */
            struct ct_autograd_meta *m = h->retain_target->autograd;
            if (!m) continue;
            int d = ct_scope_begin();
            ct_tensor *val = create_graph ? *g : ct_detach(*g);
            ct_tensor *old = m->grad;
            if (old) {
                ct_tensor *sum = ct_add(old, val);
                if (sum) ct__tensor_incref(sum);
                m->grad = sum;
                ct__tensor_decref(old);
            } else if (val) {
                ct_tensor *c = ct_clone(val);
                if (c) ct__tensor_incref(c);
                m->grad = c;
            }
            ct_scope_end(d);
            continue;
        }
        int d = ct_scope_begin();
        ct_tensor *r = h->fn(*g, h->ctx);
        if (r) {
            ct__tensor_incref(r);
            ct__tensor_decref(*g);
            *g = r;
        }
        ct_scope_end(d);
    }
    return 0;
}

/*
 * True when g (engine-owned) can become a leaf's .grad as it is: the engine
 * holds the only reference, no other tensor shares its storage, it is
 * contiguous and it is not part of a graph.
 */
static bool stealable(const ct_tensor *g) {
    return atomic_load(&g->refcount) == 1 && atomic_load(&g->storage->refcount) == 1 &&
           !g->requires_grad && ct__is_contiguous(g) && g->storage->device.type == CT_DEVICE_CPU;
}

/* Adds g into the leaf's .grad, PyTorch's AccumulateGrad. Consumes g. */
static int accumulate_grad(ct_node *n, ct_tensor *g, bool create_graph) {
    ct_tensor *leaf = n->leaf;
    struct ct_autograd_meta *m = ct__meta(leaf);
    if (!m) {
        ct__tensor_decref(g);
        return CT_ERR_OOM;
    }
    run_hooks(m->hooks, 0, &g, create_graph);
    int d = ct_scope_begin();
    int rc = 0;
    if (!m->grad && create_graph) {
        /* The graph continues through the gradient: keep it as it is. */
        ct__tensor_incref(g);
        m->grad = g;
    } else if (!m->grad) {
        /* PyTorch's AccumulateGrad: take g itself when nothing else can see its memory, else
         * a private contiguous copy, so later in-place accumulation touches no one else. */
        ct_tensor *v = NULL;
        if (stealable(g)) {
            ct__tensor_incref(g);
            v = g;
        } else {
            v = ct__clone(g);
            if (v) ct__tensor_incref(v);
        }
        m->grad = v;
        if (!v) rc = ct_last_error_code();
    } else if (!create_graph) {
        bool was = ct_set_grad_enabled(false);
        if (!ct_add_(m->grad, g)) rc = ct_last_error_code();
        ct_set_grad_enabled(was);
    } else {
        ct_tensor *sum = ct_add(m->grad, g);
        if (sum) {
            ct__tensor_incref(sum);
            ct__tensor_decref(m->grad);
            m->grad = sum;
        } else {
            rc = ct_last_error_code();
        }
    }
    ct_scope_end(d);
    ct__tensor_decref(g);
    return rc;
}

/* Brings a computed input gradient to the input's shape and dtype. */
static ct_tensor *conform(ct_node *n, int i, ct_tensor *g) {
    const ct_meta *m = &n->in_meta[i];
    bool same = g->ndim == m->ndim;
    for (int k = 0; same && k < m->ndim; k++) same = g->shape[k] == m->shape[k];
    ct_tensor *r = g;
    if (!same) {
        r = ct__sum_to(g, m->ndim, m->shape);
        if (!r) {
            char a[128], b[128];
            ct__error(CT_ERR_RUNTIME, "ct_backward",
                      "Function %s returned an invalid gradient at index %d - got %s but expected "
                      "shape compatible with %s",
                      n->type->name, i, ct__shape_str(g->ndim, g->shape, a, sizeof a),
                      ct__shape_str(m->ndim, m->shape, b, sizeof b));
            return NULL;
        }
    }
    if (r->dtype != m->dtype) r = ct_to_dtype(r, m->dtype);
    return r;
}

/* True when capture slot j asks for the gradient flowing into output input_nr of n. */
static bool is_capture(const run_opts *o, int j, const ct_node *n, int input_nr) {
    return o->capture[j].node == n && o->capture[j].input_nr == input_nr;
}

/* Runs one node: returns 0 or an error code. Its buffer is consumed. */
static int run_node(ct_node *n, const run_opts *o, node_vec *ready, uint64_t stamp) {
    int rc = 0;
    ct_tensor **g = n->buffer;
    /* Pre-hooks of the tensors this node produced (register_hook, retain_grad). */
    for (int k = 0; k < n->num_outputs; k++)
        if (g[k] && n->pre_hooks) run_hooks(n->pre_hooks, k, &g[k], o->create_graph);
    for (int k = 0; k < n->num_outputs; k++) /* every slot asking for it: an input may be listed twice */
        for (int j = 0; j < o->ncapture && g[k]; j++) {
            if (!is_capture(o, j, n, k)) continue;
            ct__tensor_incref(g[k]);
            if (o->captured[j]) accumulate_into(&o->captured[j], g[k]);
            else o->captured[j] = g[k];
        }
    if (n->leaf) {
        if (o->ncapture == 0 && g[0]) {
            rc = accumulate_grad(n, g[0], o->create_graph);
            g[0] = NULL;
        }
        return rc;
    }
    if (!n->type->backward) return 0;

    ct_tensor *gi_stack[8] = {0};
    ct_tensor **gi = n->num_inputs <= 8 ? gi_stack : calloc((size_t)n->num_inputs, sizeof *gi);
    if (!gi) return CT_ERR_OOM;
    bool was = ct_set_grad_enabled(o->create_graph);
    int d = ct_scope_begin();
    /* Outputs that received no gradient count as zeros; non-differentiable
     * outputs (recorded as NULL, e.g. indices) have no meta and stay NULL. */
    for (int k = 0; k < n->num_outputs; k++) {
        if (g[k]) continue;
        const ct_meta *m = &n->out_meta[k];
        if (!ct__dtype_valid(m->dtype)) continue;
        ct_tensor *z = ct__tensor_empty(m->ndim, m->shape, m->dtype, CT_CPU, n->type->name);
        if (!z) {
            rc = CT_ERR_OOM;
            break;
        }
        ct_zero_(z);
        ct__tensor_incref(z);
        g[k] = z;
    }
    if (rc == 0) rc = n->type->backward(n, g, gi);
    if (rc == 0) {
        for (int i = 0; i < n->num_inputs; i++) {
            if (!gi[i]) continue;
            if (!ct__needs_grad(n, i)) {
                gi[i] = NULL;
                continue;
            }
            ct_tensor *c = conform(n, i, gi[i]);
            if (!c) {
                rc = ct_last_error_code();
                break;
            }
            ct__tensor_incref(c); /* engine-owned beyond this scope */
            gi[i] = c;
        }
    } else {
        for (int i = 0; i < n->num_inputs; i++) gi[i] = NULL;
    }
    ct_scope_end(d);
    ct_set_grad_enabled(was);
    /* The output gradients are used up: free them now rather than at the end of the backward. */
    for (int k = 0; k < n->num_outputs; k++)
        if (g[k]) {
            ct__tensor_decref(g[k]);
            g[k] = NULL;
        }
    if (rc != 0) {
        for (int i = 0; i < n->num_inputs; i++)
            if (gi[i] && ct__needs_grad(n, i)) ct__tensor_decref(gi[i]);
        if (gi != gi_stack) free(gi);
        return rc;
    }
    if (!o->retain_graph) {
        for (int i = 0; i < n->num_saved; i++) {
            if (n->saved[i].t) ct__tensor_decref(n->saved[i].t);
            n->saved[i].t = NULL;
        }
        n->released = true;
    }
    for (int i = 0; i < n->num_inputs; i++) {
        ct_node *next = n->next[i].node;
        if (!next || next->stamp != stamp) {
            if (gi[i]) ct__tensor_decref(gi[i]);
            continue;
        }
        if (gi[i]) {
            if (next->needed) rc = accumulate_into(&next->buffer[n->next[i].input_nr], gi[i]);
            else ct__tensor_decref(gi[i]);
            if (rc) break;
        }
        if (--next->deps == 0 && next->needed) heap_push(ready, next);
    }
    if (gi != gi_stack) free(gi);
    return rc;
}

/* Marks nodes leading to a captured edge as needed (post-order over the DFS list). */
static void mark_needed(node_vec *order, const run_opts *o) {
    for (size_t k = order->len; k-- > 0;) {
        ct_node *n = order->items[k];
        if (o->ncapture == 0) {
            n->needed = true;
            continue;
        }
        bool need = false;
        for (int j = 0; j < o->ncapture && !need; j++) need = o->capture[j].node == n;
        n->needed = need;
    }
    if (o->ncapture == 0) return;
    /* Propagate: a node is needed if any node it points to is needed. Iterate to a fixpoint. */
    bool changed = true;
    while (changed) {
        changed = false;
        for (size_t k = 0; k < order->len; k++) {
            ct_node *n = order->items[k];
            if (n->needed) continue;
            for (int i = 0; i < n->num_inputs; i++)
                if (n->next[i].node && n->next[i].node->needed) {
                    n->needed = true;
                    changed = true;
                    break;
                }
        }
    }
}

static int run_backward(int nroots, ct_edge *roots, ct_tensor **root_grads, run_opts *o) {
    uint64_t stamp = atomic_fetch_add(&g_run_stamp, 1) + 1;
    node_vec order, stack, ready;
    vec_init(&order);
    vec_init(&stack);
    vec_init(&ready);
    int rc = 0;
    /* Discover the graph and count dependencies. */
    for (int r = 0; r < nroots; r++) {
        ct_node *n = roots[r].node;
        if (n && n->stamp != stamp) {
            n->stamp = stamp;
            n->deps = 0;
            if (!vec_push(&stack, n) || !vec_push(&order, n)) rc = CT_ERR_OOM;
        }
    }
    while (rc == 0 && stack.len) {
        ct_node *n = stack.items[--stack.len];
        for (int i = 0; i < n->num_inputs; i++) {
            ct_node *c = n->next[i].node;
            if (!c) continue;
            if (c->stamp != stamp) {
                c->stamp = stamp;
                c->deps = 0;
                if (!vec_push(&stack, c) || !vec_push(&order, c)) rc = CT_ERR_OOM;
            }
            c->deps++;
        }
    }
    if (rc == 0) mark_needed(&order, o);
    for (int r = 0; rc == 0 && r < nroots; r++) {
        ct_node *n = roots[r].node;
        if (!n) continue;
        ct__tensor_incref(root_grads[r]);
        rc = accumulate_into(&n->buffer[roots[r].input_nr], root_grads[r]);
    }
    for (int r = 0; rc == 0 && r < nroots; r++) {
        ct_node *n = roots[r].node;
        if (n && n->deps == 0 && n->needed && !n->leaf) {
            /* Push once even if several roots share the node. */
            bool queued = false;
            for (size_t k = 0; k < ready.len; k++) queued = queued || ready.items[k] == n;
            if (!queued) heap_push(&ready, n);
        } else if (n && n->deps == 0 && n->leaf) {
            heap_push(&ready, n);
        }
    }
    while (rc == 0 && ready.len) {
        ct_node *n = heap_pop(&ready);
        rc = run_node(n, o, &ready, stamp);
    }
    for (size_t k = 0; k < order.len; k++) {
        ct_node *n = order.items[k];
        for (int i = 0; i < n->num_outputs; i++)
            if (n->buffer[i]) {
                ct__tensor_decref(n->buffer[i]);
                n->buffer[i] = NULL;
            }
        n->stamp = 0;
    }
    vec_free(&order);
    vec_free(&stack);
    vec_free(&ready);
    return rc;
}

/* The gradient to start from: the given one (checked) or ones for a one-element root. */
static ct_tensor *root_grad(ct_tensor *t, ct_tensor *given, int index, const char *fn) {
    if (given) {
        bool same = given->ndim == t->ndim;
        for (int i = 0; same && i < t->ndim; i++) same = given->shape[i] == t->shape[i];
        if (!same) {
            char a[128], b[128];
            ct__error(CT_ERR_RUNTIME, fn,
                      "Mismatch in shape: grad_output[%d] has a shape of torch.Size(%s) and "
                      "output[%d] has a shape of torch.Size(%s).",
                      index, ct__shape_str(given->ndim, given->shape, a, sizeof a), index,
                      ct__shape_str(t->ndim, t->shape, b, sizeof b));
            return NULL;
        }
        ct__tensor_incref(given);
        return given;
    }
    if (ct__numel(t->ndim, t->shape) != 1) {
        ct__error(CT_ERR_RUNTIME, fn, "grad can be implicitly created only for scalar outputs");
        return NULL;
    }
    ct_tensor *one = ct__tensor_empty(t->ndim, t->shape, t->dtype, CT_CPU, fn);
    if (!one) return NULL;
    ct__fill_(one, 1.0); /* fresh: nothing to record */
    ct__tensor_incref(one);
    ct_free(one);
    return one;
}

static bool check_root(ct_tensor *t, int index, const char *fn) {
    if (!t->requires_grad) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "element %d of tensors does not require grad and does not have a grad_fn", index);
        return false;
    }
    return true;
}

int ct_backward_(ct_backward_args a) {
    const char *fn = "ct_backward";
    CT_CHECK_ARG_RET(a.tensor, fn, "tensor", CT_ERR_NULL);
    if (!check_root(a.tensor, 0, fn)) return CT_ERR_RUNTIME;
    ct_tensor *g = root_grad(a.tensor, a.gradient, 0, fn);
    if (!g) return ct_last_error_code();
    ct_edge root = ct__gradient_edge(a.tensor);
    run_opts o = {.create_graph = a.create_graph, .retain_graph = a.retain_graph || a.create_graph};
    int rc = run_backward(1, &root, &g, &o);
    ct__node_decref(root.node);
    ct__tensor_decref(g);
    return rc;
}

int ct_grad_(ct_grad_args a) {
    const char *fn = "ct_grad";
    if (a.noutputs <= 0 || a.ninputs <= 0 || !a.outputs || !a.inputs || !a.grads) {
        ct__error(CT_ERR_VALUE, fn, "grad requires non-empty outputs, inputs and a grads array");
        return CT_ERR_VALUE;
    }
    for (int i = 0; i < a.ninputs; i++) a.grads[i] = NULL;
    for (int i = 0; i < a.noutputs; i++) {
        CT_CHECK_ARG_RET(a.outputs[i], fn, "outputs", CT_ERR_NULL);
        if (!check_root(a.outputs[i], i, fn)) return CT_ERR_RUNTIME;
    }
    for (int i = 0; i < a.ninputs; i++) {
        CT_CHECK_ARG_RET(a.inputs[i], fn, "inputs", CT_ERR_NULL);
        if (!a.inputs[i]->requires_grad) {
            ct__error(CT_ERR_RUNTIME, fn, "One of the differentiated Tensors does not require grad");
            return CT_ERR_RUNTIME;
        }
    }
    int rc = 0;
    ct_edge *roots = calloc((size_t)a.noutputs, sizeof *roots);
    ct_tensor **rg = calloc((size_t)a.noutputs, sizeof *rg);
    ct_edge *capture = calloc((size_t)a.ninputs, sizeof *capture);
    ct_tensor **captured = calloc((size_t)a.ninputs, sizeof *captured);
    if (!roots || !rg || !capture || !captured) rc = CT_ERR_OOM;
    for (int i = 0; rc == 0 && i < a.noutputs; i++) {
        rg[i] = root_grad(a.outputs[i], a.grad_outputs ? a.grad_outputs[i] : NULL, i, fn);
        if (!rg[i]) rc = ct_last_error_code();
        roots[i] = ct__gradient_edge(a.outputs[i]);
    }
    for (int i = 0; rc == 0 && i < a.ninputs; i++) capture[i] = ct__gradient_edge(a.inputs[i]);
    if (rc == 0) {
        run_opts o = {.create_graph = a.create_graph,
                      .retain_graph = a.retain_graph || a.create_graph,
                      .ncapture = a.ninputs,
                      .capture = capture,
                      .captured = captured};
        rc = run_backward(a.noutputs, roots, rg, &o);
    }
    for (int i = 0; rc == 0 && i < a.ninputs; i++) {
        if (!captured[i] && !a.allow_unused) {
            ct__error(CT_ERR_RUNTIME, fn,
                      "One of the differentiated Tensors appears to not have been used in the graph. "
                      "Set allow_unused=True if this is the desired behavior.");
            rc = CT_ERR_RUNTIME;
        }
    }
    for (int i = 0; i < a.ninputs; i++) {
        if (rc == 0 && captured[i]) {
            a.grads[i] = captured[i];
            ct__scope_register(captured[i]); /* the caller's scope owns the result */
        } else if (captured[i]) {
            ct__tensor_decref(captured[i]);
        }
        if (capture) ct__node_decref(capture[i].node);
    }
    for (int i = 0; i < a.noutputs; i++) {
        if (roots) ct__node_decref(roots[i].node);
        if (rg && rg[i]) ct__tensor_decref(rg[i]);
    }
    free(roots);
    free(rg);
    free(capture);
    free(captured);
    return rc;
}
