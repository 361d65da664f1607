/*
 * src/ops/softmax.c - softmax and log_softmax along a dim, with their
 * backward (SoftmaxBackward0 / LogSoftmaxBackward0, which save the output):
 *   softmax:     grad_x = y * (g - sum(g * y, dim))
 *   log_softmax: grad_x = g - exp(y) * sum(g, dim)
 * One fused pass without create_graph (src/kernels/softmax.c); public ops with it.
 */
#include "../kernels/activation.h"
#include "functional_internal.h"

typedef struct {
    int dim;
    bool log;
} softmax_ctx;

/* (outer, n, inner) around dim d of a tensor's shape; a 0-d tensor is one element. */
static void split_dims(const ct_tensor *t, int d, int64_t *outer, int64_t *n, int64_t *inner) {
    *outer = *n = *inner = 1;
    for (int i = 0; i < t->ndim; i++) {
        if (i < d) *outer *= t->shape[i];
        else if (i == d) *n = t->shape[i];
        else *inner *= t->shape[i];
    }
}

static ct_tensor *fused_backward(const softmax_ctx *c, ct_tensor *g, ct_tensor *y) {
    ct_tensor *gt = g->dtype == y->dtype ? g : ct__to_dtype(g, y->dtype);
    ct_tensor *gc = gt ? ct__fn_contig(gt) : NULL;
    ct_tensor *gi = gc ? ct__tensor_empty(y->ndim, y->shape, y->dtype, CT_CPU, "backward") : NULL;
    if (!gi) return NULL;
    int64_t outer, n, inner;
    split_dims(y, c->dim, &outer, &n, &inner);
    if (ct_numel(y) > 0)
        ct__softmax_backward(y->dtype, c->log, ct__data(gc), ct__data(y), ct__data(gi), outer, n, inner);
    return gi;
}

static ct_tensor *composite_backward(const softmax_ctx *c, ct_tensor *g, ct_tensor *y) {
    ct_shape dims = CT_DIMS(c->dim);
    if (c->log) return ct_sub(g, ct_mul(ct_exp(y), ct_sum_dims(g, dims, true)));
    return ct_mul(y, ct_sub(g, ct_sum_dims(ct_mul(g, y), dims, true)));
}

static int softmax_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const softmax_ctx *c = n->ctx;
    ct_tensor *y = ct__saved(n, 0);
    if (!y) return ct_last_error_code();
    if (!ct__needs_grad(n, 0)) return 0;
    /* The saved output is contiguous: the forward allocated it. */
    gi[0] = ct_is_grad_enabled() ? composite_backward(c, g[0], y) : fused_backward(c, g[0], y);
    return gi[0] ? 0 : ct_last_error_code();
}

static const ct_node_type softmax_type = {"SoftmaxBackward0", softmax_backward};
static const ct_node_type log_softmax_type = {"LogSoftmaxBackward0", softmax_backward};

static ct_tensor *softmax_impl(const char *fn, ct_tensor *x, int dim, bool log) {
    CT_CHECK_ARG(x, fn, "input");
    int d = ct__wrap_dim(dim, x->ndim > 0 ? x->ndim : 1, fn);
    if (d < 0) return NULL;
    bool last = x->ndim == 0 || d == x->ndim - 1;
    const char *kernel = log ? (last ? "log_softmax_lastdim_kernel_impl" : "log_softmax_kernel_impl")
                             : (last ? "softmax_lastdim_kernel_impl" : "softmax_kernel_impl");
    if (!ct__fn_require_float(x, fn, kernel)) return NULL;
    ct_tensor *xc = ct__fn_contig(x);
    ct_tensor *out = xc ? ct__tensor_empty(x->ndim, x->shape, x->dtype, CT_CPU, fn) : NULL;
    if (out && ct_numel(x) > 0) {
        int64_t outer, n, inner;
        split_dims(x, d, &outer, &n, &inner);
        ct__softmax_forward(x->dtype, log, ct__data(xc), ct__data(out), outer, n, inner);
    }
    ct_free(xc);
    if (!out) return NULL;
    ct_node *n = ct__record(log ? &log_softmax_type : &softmax_type, out, 1, &x, 1, sizeof(softmax_ctx));
    if (n) {
        softmax_ctx *c = n->ctx;
        c->dim = d;
        c->log = log;
        ct__save_output(n, 0, out, 0);
    }
    return out;
}

/* dtype= converts first (a differentiable copy), as F.softmax(x, dim, dtype=...) does. */
static ct_tensor *softmax_dtype(const char *fn, ct_tensor *x, int dim, ct_dtype dtype, bool log) {
    CT_CHECK_ARG(x, fn, "input");
    if (dtype == CT_DTYPE_UNSET || dtype == x->dtype) return softmax_impl(fn, x, dim, log);
    ct_tensor *xd = ct_to_dtype(x, dtype);
    if (!xd) return NULL;
    ct_tensor *out = softmax_impl(fn, xd, dim, log);
    ct_free(xd);
    return out;
}

ct_tensor *ct_softmax(ct_tensor *x, int dim) { return softmax_impl("ct_softmax", x, dim, false); }
ct_tensor *ct_log_softmax(ct_tensor *x, int dim) { return softmax_impl("ct_log_softmax", x, dim, true); }

ct_tensor *ct_softmax_dtype(ct_tensor *x, int dim, ct_dtype dtype) {
    return softmax_dtype("ct_softmax", x, dim, dtype, false);
}

ct_tensor *ct_log_softmax_dtype(ct_tensor *x, int dim, ct_dtype dtype) {
    return softmax_dtype("ct_log_softmax", x, dim, dtype, true);
}
