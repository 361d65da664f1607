/*
 * src/autograd/node.c - creating, linking and freeing graph nodes, and the
 * tensors they save.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void meta_of(ct_meta *m, const ct_tensor *t) {
    m->ndim = t->ndim;
    for (int i = 0; i < t->ndim; i++) m->shape[i] = t->shape[i];
    m->dtype = t->dtype;
}

bool ct__should_record(int n, ct_tensor *const *inputs) {
    /* The inputs first: most calls on plain data stop there without reading the grad mode. */
    for (int i = 0; i < n; i++)
        if (inputs[i] && inputs[i]->requires_grad) return ct_is_grad_enabled();
    return false;
}

void ct__node_incref(ct_node *n) { atomic_fetch_add_explicit(&n->refcount, 1, memory_order_relaxed); }

static void release_saved(ct_node *n) {
    for (int i = 0; i < n->num_saved; i++) {
        if (n->saved[i].t) ct__tensor_decref(n->saved[i].t);
        n->saved[i].t = NULL;
    }
}

/*
 * Frees nodes iteratively: a long chain of nodes (an RNN unrolled over many
 * steps) would otherwise recurse once per node and overflow the stack.
 */
void ct__node_decref(ct_node *first) {
    if (!first || !ct__drop_ref(&first->refcount)) return;
    ct_node **stack = NULL;
    size_t len = 0, cap = 0;
    ct_node *n = first;
    for (;;) {
        release_saved(n);
        for (ct_hook_entry *h = n->pre_hooks; h;) {
            ct_hook_entry *next = h->next;
            free(h);
            h = next;
        }
        if (n->leaf) {
            struct ct_autograd_meta *m = n->leaf->autograd;
            if (m && m->accumulator == n) m->accumulator = NULL;
            ct__tensor_decref(n->leaf);
        }
        for (int i = 0; i < n->num_inputs; i++) {
            ct_node *c = n->next[i].node;
            if (c && ct__drop_ref(&c->refcount)) {
                if (len == cap) {
                    size_t ncap = cap ? cap * 2 : 16;
                    ct_node **p = realloc(stack, ncap * sizeof *p);
                    if (!p) abort(); /* cannot free the graph safely without memory */
                    stack = p;
                    cap = ncap;
                }
                stack[len++] = c;
            }
        }
        ct__block_free(n, n->alloc_size);
        if (len == 0) break;
        n = stack[--len];
    }
    free(stack);
}

/* One allocation (from the thread's free lists) holds the node, its arrays and its ctx. */
static ct_node *node_alloc(const ct_node_type *type, int nin, int nout, int nsaved, size_t ctx_size) {
    size_t size = sizeof(ct_node) + sizeof(ct_edge) * (size_t)nin + sizeof(ct_meta) * (size_t)nin +
                  sizeof(ct_meta) * (size_t)nout + sizeof(ct_saved) * (size_t)nsaved +
                  sizeof(ct_tensor *) * (size_t)nout + 16 + ctx_size;
    ct_node *n = ct__block_alloc(size);
    if (!n) return NULL;
    /* Every field is set here (no memset of the whole block: a meta's shape is read only up
     * to its ndim, and zeroing it all is a measurable share of recording an op). */
    char *p = (char *)(n + 1);
    n->next = (ct_edge *)(void *)p;
    p += sizeof(ct_edge) * (size_t)nin;
    n->in_meta = (ct_meta *)(void *)p;
    p += sizeof(ct_meta) * (size_t)nin;
    n->out_meta = (ct_meta *)(void *)p;
    p += sizeof(ct_meta) * (size_t)nout;
    n->saved = (ct_saved *)(void *)p;
    p += sizeof(ct_saved) * (size_t)nsaved;
    n->buffer = (ct_tensor **)(void *)p;
    p += sizeof(ct_tensor *) * (size_t)nout;
    p = (char *)(((uintptr_t)p + 15) & ~(uintptr_t)15);
    n->ctx = ctx_size ? p : NULL;
    for (int i = 0; i < nin; i++) {
        n->next[i] = (ct_edge){NULL, 0};
        n->in_meta[i].ndim = 0;
        n->in_meta[i].dtype = CT_DTYPE_UNSET;
    }
    for (int k = 0; k < nout; k++) {
        n->out_meta[k].ndim = 0;
        n->out_meta[k].dtype = CT_DTYPE_UNSET;
        n->buffer[k] = NULL;
    }
    for (int i = 0; i < nsaved; i++) n->saved[i] = (ct_saved){NULL, 0, false, 0};
    if (ctx_size) memset(n->ctx, 0, ctx_size);
    n->alloc_size = size;
    atomic_init(&n->refcount, 1);
    n->type = type;
    n->seq = ct__next_seq();
    n->num_inputs = nin;
    n->num_outputs = nout;
    n->num_saved = nsaved;
    n->released = false;
    n->leaf = NULL;
    n->pre_hooks = NULL;
    n->stamp = 0;
    n->deps = 0;
    n->needed = false;
    return n;
}

static const ct_node_type accumulate_type = {"AccumulateGrad", NULL};

/* The leaf's AccumulateGrad node (a new reference), created on first use. */
static ct_node *accumulator_of(ct_tensor *leaf) {
    struct ct_autograd_meta *m = ct__meta(leaf);
    if (!m) return NULL;
    if (m->accumulator) {
        ct__node_incref(m->accumulator);
        return m->accumulator;
    }
    ct_node *n = node_alloc(&accumulate_type, 0, 1, 0, 0);
    if (!n) return NULL;
    meta_of(&n->out_meta[0], leaf);
    ct__tensor_incref(leaf);
    n->leaf = leaf;
    m->accumulator = n; /* weak; the caller's reference keeps it alive */
    return n;
}

ct_edge ct__gradient_edge(ct_tensor *t) {
    ct_edge e = {NULL, 0};
    if (!t || !t->requires_grad) return e;
    struct ct_autograd_meta *m = t->autograd;
    if (m && m->grad_fn) {
        ct__node_incref(m->grad_fn);
        e.node = m->grad_fn;
        e.input_nr = m->output_nr;
        return e;
    }
    e.node = accumulator_of(t);
    return e;
}

/* Makes `out` the k-th output of node n; with adopt, out takes over the caller's reference. */
static bool set_output(ct_node *n, ct_tensor *out, int k, bool adopt) {
    struct ct_autograd_meta *m = ct__meta(out);
    if (!m) return false;
    if (m->grad_fn) ct__node_decref(m->grad_fn);
    if (!adopt) ct__node_incref(n);
    m->grad_fn = n;
    m->output_nr = k;
    out->requires_grad = true;
    meta_of(&n->out_meta[k], out);
    return true;
}

ct_node *ct__record_multi(const ct_node_type *type, int nout, ct_tensor *const *outs, int n,
                          ct_tensor *const *inputs, int num_saved, size_t ctx_size) {
    if (!ct__should_record(n, inputs)) return NULL;
    ct_node *node = node_alloc(type, n, nout, num_saved, ctx_size);
    if (!node) {
        ct__error(CT_ERR_OOM, type->name, "out of memory while recording the graph");
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        if (!inputs[i]) continue;
        node->next[i] = ct__gradient_edge(inputs[i]);
        meta_of(&node->in_meta[i], inputs[i]);
    }
    /* The outputs hold the node: the first takes the creator's reference. */
    bool held = true;
    for (int k = 0; k < nout; k++) {
        if (!outs[k]) continue;
        if (!set_output(node, outs[k], k, held)) {
            if (held) ct__node_decref(node);
            ct__error(CT_ERR_OOM, type->name, "out of memory while recording the graph");
            return NULL;
        }
        held = false;
    }
    ct_node *ret = node;
    if (held) ct__node_decref(node);
    return ret;
}

ct_node *ct__record(const ct_node_type *type, ct_tensor *out, int n, ct_tensor *const *inputs,
                    int num_saved, size_t ctx_size) {
    return ct__record_multi(type, 1, &out, n, inputs, num_saved, ctx_size);
}

ct_tensor *ct__grad_pass(ct_tensor *g) {
    if (!g) return NULL;
    ct__tensor_incref(g);
    ct__scope_register(g);
    return g;
}

void ct__save(ct_node *n, int i, ct_tensor *t) {
    if (!n || !t || i >= n->num_saved) return;
    ct__tensor_incref(t);
    n->saved[i].t = t;
    n->saved[i].version = atomic_load(&t->storage->version);
    n->saved[i].is_output = false;
}

void ct__save_output(ct_node *n, int i, ct_tensor *out, int k) {
    if (!n || !out || i >= n->num_saved) return;
    /* An alias without autograd meta, so the node does not keep itself alive. */
    ct_tensor *v = ct__tensor_view(out, out->ndim, out->shape, out->strides, out->offset,
                                   n->type->name);
    if (!v) return; /* ct__saved will report it missing */
    n->saved[i].t = ct_retain(v);
    ct_free(v); /* drops the scope's reference: the node holds the only one */
    n->saved[i].version = atomic_load(&out->storage->version);
    n->saved[i].is_output = true;
    n->saved[i].output_nr = k;
}


ct_tensor *ct__saved(ct_node *n, int i) {
    if (n->released) {
        ct__error(CT_ERR_RUNTIME, "ct_backward",
                  "Trying to backward through the graph a second time (or directly access saved "
                  "tensors after they have already been freed). Saved intermediate values of the "
                  "graph are freed when you call .backward() or autograd.grad(). Specify "
                  "retain_graph=True if you need to backward through the graph a second time or if "
                  "you need to access saved tensors after calling backward.");
        return NULL;
    }
    ct_saved *s = &n->saved[i];
    if (!s->t) {
        ct__error(CT_ERR_RUNTIME, n->type->name, "saved tensor %d is missing", i);
        return NULL;
    }
    int64_t now = atomic_load(&s->t->storage->version);
    if (now != s->version) {
        char shape[128];
        ct_tensor *t = s->t;
        const char *producer = "a leaf";
        if (s->is_output) producer = n->type->name;
        else if (t->autograd && t->autograd->grad_fn) producer = t->autograd->grad_fn->type->name;
        int out_nr = s->is_output ? s->output_nr : (t->autograd ? t->autograd->output_nr : 0);
        if ((t->autograd && t->autograd->grad_fn) || s->is_output)
            ct__error(CT_ERR_RUNTIME, "ct_backward",
                      "one of the variables needed for gradient computation has been modified by an "
                      "inplace operation: [torch.%sTensor %s], which is output %d of %s, is at "
                      "version %lld; expected version %lld instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
                      "torch.autograd.set_detect_anomaly(True).",
                      ct__scalar_type_name(t->dtype), ct__shape_str(t->ndim, t->shape, shape, sizeof shape),
                      out_nr, producer, (long long)now, (long long)s->version);
        else
            ct__error(CT_ERR_RUNTIME, "ct_backward",
                      "one of the variables needed for gradient computation has been modified by an "
                      "inplace operation: [torch.%sTensor %s] is at version %lld; expected version "
                      "%lld instead.",
                      ct__scalar_type_name(t->dtype), ct__shape_str(t->ndim, t->shape, shape, sizeof shape),
                      (long long)now, (long long)s->version);
        return NULL;
    }
    if (s->is_output && ct_is_grad_enabled()) {
        /* create_graph: the output must lead back to this node again. */
        ct_tensor *a = ct__tensor_view(s->t, s->t->ndim, s->t->shape, s->t->strides, s->t->offset,
                                       n->type->name);
        struct ct_autograd_meta *m = a ? ct__meta(a) : NULL;
        if (!m) return NULL;
        ct__node_incref(n);
        m->grad_fn = n;
        m->output_nr = s->output_nr;
        a->requires_grad = true;
        return a;
    }
    return s->t;
}
