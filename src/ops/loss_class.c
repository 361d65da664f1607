/*
 * src/ops/loss_class.c - nll_loss and cross_entropy (class-index and
 * class-probability targets, weight, ignore_index, label_smoothing), with
 * their backward.
 *
 * Shapes: input (N, C, d1, ...), (N, C) or unbatched (C); the kernels see it
 * as (N, C, S) with S = d1 * ..., targets as (N, S). Cross entropy fuses
 * log_softmax into the loss (each row's max subtracted before exp) and saves
 * the rows' log-sum-exp for the backward.
 *
 * PyTorch's formulas (aten/src/ATen/native/LossNLL.cpp), with eps the label
 * smoothing and w the class weights (1 without weight):
 *   class index: loss = (1 - eps) nll + eps / C * smooth, where per sample
 *     nll = -w[y] logp[y] and smooth = -sum_c w[c] logp[c] (0 when ignored);
 *     mean divides both by the sum of w[y] over the non-ignored samples (their
 *     count without weight).
 *   probabilities: loss = -sum_c w[c] t'[c] logp[c], t' = t (1 - eps) + eps / C;
 *     mean divides by the number of samples N * S.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ctorch/functional.h"
#include "loss_internal.h"

/* --------------------------------------------------------- shape checks */

typedef struct {
    int cdim;        /* the class dim: 1, or 0 for unbatched input */
    int64_t N, C, S;
} class_layout;

static class_layout layout_of(const ct_tensor *x) {
    class_layout l = {x->ndim == 1 ? 0 : 1, x->ndim == 1 ? 1 : x->shape[0], x->shape[x->ndim == 1 ? 0 : 1], 1};
    for (int d = 2; d < x->ndim; d++) l.S *= x->shape[d];
    return l;
}

/*
 * PyTorch's nll_loss_nd checks: batch sizes, then nll_loss (input up to
 * 2-d), nll_loss2d (4-d) or the reshaped 3-d / 5+-d form.
 */
static bool check_class_shapes(const ct_tensor *x, const ct_tensor *y, const ct_tensor *w,
                               const char *fn) {
    char a[160], b[160];
    if (x->ndim < 1) {
        ct__error(CT_ERR_VALUE, fn, "Expected 1 or more dimensions (got %d)", x->ndim);
        return false;
    }
    int64_t ybatch = y->ndim ? y->shape[0] : 0;
    if (x->ndim != 1 && x->shape[0] != ybatch) {
        ct__error(CT_ERR_VALUE, fn, "Expected input batch_size (%lld) to match target batch_size (%lld).",
                  (long long)x->shape[0], (long long)ybatch);
        return false;
    }
    int64_t C = x->shape[x->ndim == 1 ? 0 : 1];
    if (x->ndim <= 2) {
        if (y->ndim > 1) {
            ct__error(CT_ERR_RUNTIME, fn, "0D or 1D target tensor expected, multi-target not supported");
            return false;
        }
        bool no_batch = x->ndim == 1 && y->ndim == 0;
        if (!no_batch && (y->ndim == 0 || x->ndim == 1 || x->shape[0] != y->shape[0])) {
            ct__error(CT_ERR_RUNTIME, fn, "size mismatch (got input: %s, target: %s)",
                      ct__shape_str(x->ndim, x->shape, a, sizeof a),
                      ct__shape_str(y->ndim, y->shape, b, sizeof b));
            return false;
        }
        if (w && (w->ndim != 1 || w->shape[0] != C)) {
            ct__error(CT_ERR_RUNTIME, fn,
                      "weight tensor should be defined either for all %lld classes or no classes "
                      "but got weight tensor of shape: %s",
                      (long long)C, ct__shape_str(w->ndim, w->shape, a, sizeof a));
            return false;
        }
        return true;
    }
    if (x->ndim == 4) {
        if (y->ndim != 3) {
            ct__error(CT_ERR_RUNTIME, fn,
                      "only batches of spatial targets supported (3D tensors) but got targets of "
                      "dimension: %d", y->ndim);
            return false;
        }
        if (y->shape[1] != x->shape[2] || y->shape[2] != x->shape[3]) {
            ct__error(CT_ERR_RUNTIME, fn, "size mismatch (got input: %s , target: %s",
                      ct__shape_str(x->ndim, x->shape, a, sizeof a),
                      ct__shape_str(y->ndim, y->shape, b, sizeof b));
            return false;
        }
    } else {
        bool same = y->ndim == x->ndim - 1;
        for (int d = 1; same && d < y->ndim; d++) same = y->shape[d] == x->shape[d + 1];
        if (!same) {
            int64_t want[CT_MAX_DIMS];
            want[0] = x->shape[0];
            for (int d = 2; d < x->ndim; d++) want[d - 1] = x->shape[d];
            ct__error(CT_ERR_RUNTIME, fn, "Expected target size %s, got %s",
                      ct__shape_str(x->ndim - 1, want, a, sizeof a),
                      ct__shape_str(y->ndim, y->shape, b, sizeof b));
            return false;
        }
    }
    if (w && ct_numel(w) != C) {
        ct__error(CT_ERR_RUNTIME, fn, "weight tensor should be defined either for all or no classes");
        return false;
    }
    return true;
}

/* Target Long, weight of input's dtype: the kernel's dtype checks. */
static bool check_class_dtypes(const ct_tensor *x, const ct_tensor *y, const ct_tensor *w,
                               const char *fn) {
    if (y->dtype != CT_I64) {
        ct__error(CT_ERR_RUNTIME, fn, "expected scalar type Long but found %s", ct__scalar_type_name(y->dtype));
        return false;
    }
    if (w && w->dtype != x->dtype) {
        ct__error(CT_ERR_RUNTIME, fn, "expected scalar type %s but found %s",
                  ct__scalar_type_name(x->dtype), ct__scalar_type_name(w->dtype));
        return false;
    }
    return true;
}

static int64_t effective_ignore_index(const ct_cross_entropy_args *a) {
    return (a->ignore_index != 0 || a->has_ignore_index) ? a->ignore_index : CT_DEFAULT_IGNORE_INDEX;
}

/* -------------------------------------------------- class-index targets */

typedef struct {
    bool logits;          /* cross entropy (input holds logits) */
    double eps;           /* label smoothing (> 0) or 0 */
    int64_t ignore_index;
    ct_reduction red;
    double c_nll, c_smooth; /* the reduction's coefficients of nll and smooth */
    bool has_w;
} nll_ctx;

enum { NS_X, NS_Y, NS_W, NS_LSE, NS_COUNT };

static ct_nll_plan plan_of(const nll_ctx *c, const ct_tensor *x, ct_tensor *y, ct_tensor *w) {
    class_layout l = layout_of(x);
    return (ct_nll_plan){.N = l.N, .C = l.C, .S = l.S, .target = ct__data(y),
                         .weight = w ? ct__data(w) : NULL, .ignore_index = c->ignore_index,
                         .logits = c->logits, .smooth = c->eps > 0};
}

/* (ndim, shape) of x with the class dim reduced to 1 (keepdim). */
static void keepdim_shape(const ct_tensor *x, int *ndim, int64_t *shape) {
    *ndim = x->ndim;
    memcpy(shape, x->shape, sizeof(int64_t) * (size_t)x->ndim);
    shape[x->ndim == 1 ? 0 : 1] = 1;
}

/* The output gradient with a size-1 class dim, to broadcast against x. */
static ct_tensor *grad_keepdim(ct_tensor *g, const ct_tensor *x, ct_reduction red) {
    if (red != CT_REDUCTION_NONE || x->ndim == 1) return g;
    return ct_unsqueeze(g, 1);
}

static int nll_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const nll_ctx *c = n->ctx;
    const char *fn = n->type->name;
    ct_tensor *x = ct__saved(n, NS_X), *y = ct__saved(n, NS_Y);
    ct_tensor *w = c->has_w ? ct__saved(n, NS_W) : NULL, *lse = c->logits ? ct__saved(n, NS_LSE) : NULL;
    if (!x || !y || (c->has_w && !w) || (c->logits && !lse)) return ct_last_error_code();
    ct_tensor *X = ct__contiguous(x), *Y = ct__contiguous(y), *W = w ? ct__contiguous(w) : NULL;
    if (!X || !Y || (w && !W)) return ct_last_error_code();
    ct_nll_plan p = plan_of(c, x, Y, W);
    bool none = c->red == CT_REDUCTION_NONE;

    if (ct_is_grad_enabled()) { /* create_graph: gx = g (softmax(x) alpha - dist) from public ops */
        int kd;
        int64_t kshape[CT_MAX_DIMS];
        keepdim_shape(x, &kd, kshape);
        ct_tensor *alpha = ct__tensor_empty(kd, kshape, x->dtype, CT_CPU, fn);
        ct_tensor *dist = ct__tensor_empty(x->ndim, x->shape, x->dtype, CT_CPU, fn);
        if (!alpha || !dist) return ct_last_error_code();
        ct__nll_backward(&p, x->dtype, NULL, NULL, NULL, c->c_nll, c->c_smooth, NULL, ct__data(alpha),
                         ct__data(dist));
        ct_tensor *gk = grad_keepdim(g[0], x, c->red);
        if (c->logits) {
            ct_tensor *sm = ct_softmax(x, x->ndim == 1 ? 0 : 1);
            gi[0] = ct_mul(gk, ct_sub(ct_mul(sm, alpha), dist));
        } else {
            gi[0] = ct_neg(ct_mul(gk, dist));
        }
        return gi[0] ? 0 : ct_last_error_code();
    }
    ct_tensor *G = none ? ct__contiguous(g[0]) : NULL;
    if (none && !G) return ct_last_error_code();
    double s = none ? 1.0 : ct_item(g[0]);
    gi[0] = ct__tensor_empty(x->ndim, x->shape, x->dtype, CT_CPU, fn);
    if (!gi[0]) return ct_last_error_code();
    ct__nll_backward(&p, x->dtype, ct__data(X), lse ? ct__data(lse) : NULL, G ? ct__data(G) : NULL,
                     c->c_nll * s, c->c_smooth * s, ct__data(gi[0]), NULL, NULL);
    return 0;
}

static const ct_node_type nll_type = {"NllLossBackward0", nll_backward};
static const ct_node_type smoothed_type = {"AddBackward0", nll_backward};

/*
 * The fused class-index loss. Arguments are checked; x is floating, y int64,
 * w NULL or x's dtype with C entries.
 */
static ct_tensor *class_index_loss(const char *fn, bool logits, double eps, ct_tensor *x,
                                   ct_tensor *y, ct_tensor *w, int64_t ignore_index,
                                   ct_reduction red) {
    nll_ctx c = {.logits = logits, .eps = eps > 0 ? eps : 0, .ignore_index = ignore_index, .red = red,
                 .has_w = w != NULL};
    ct_tensor *X = ct__contiguous(x), *Y = ct__contiguous(y), *W = w ? ct__contiguous(w) : NULL;
    ct_tensor *lse = NULL, *out = NULL;
    if (!X || !Y || (w && !W)) goto fail;
    ct_nll_plan p = plan_of(&c, x, Y, W);
    c.c_nll = c.eps > 0 ? 1 - c.eps : 1.0;
    c.c_smooth = c.eps > 0 ? c.eps / (double)p.C : 0.0;
    if (logits) {
        lse = ct__tensor_empty(y->ndim, y->shape, x->dtype, CT_CPU, fn);
        if (!lse) goto fail;
    }
    if (red == CT_REDUCTION_NONE) {
        out = ct__tensor_empty(y->ndim, y->shape, x->dtype, CT_CPU, fn);
        if (!out) goto fail;
    }
    ct_nll_totals tot;
    if (!ct__nll_forward(&p, x->dtype, ct__data(X), lse ? ct__data(lse) : NULL,
                         out ? ct__data(out) : NULL, c.c_nll, c.c_smooth, &tot)) {
        ct__error(CT_ERR_INDEX, fn, "Target %lld is out of bounds.", (long long)tot.bad);
        goto fail;
    }
    if (red != CT_REDUCTION_NONE) {
        if (red == CT_REDUCTION_MEAN) { /* fold the denominators into the coefficients */
            c.c_nll /= tot.wsum;
            c.c_smooth /= tot.wsum;
        }
        double v = c.c_nll * tot.nll + (c.eps > 0 ? c.c_smooth * tot.smooth : 0.0);
        out = ct__loss_scalar(v, x->dtype, fn);
        if (!out) goto fail;
    }
    ct_node *node = ct__record(c.eps > 0 ? &smoothed_type : &nll_type, out, 1, &x, NS_COUNT, sizeof c);
    if (node) {
        *(nll_ctx *)node->ctx = c;
        ct__save(node, NS_X, x);
        ct__save(node, NS_Y, y);
        if (w) ct__save(node, NS_W, w);
        if (lse) ct__save(node, NS_LSE, lse);
    }
    ct_free(X);
    ct_free(Y);
    ct_free(W);
    ct_free(lse);
    return out;
fail:
    ct_free(X);
    ct_free(Y);
    ct_free(W);
    ct_free(lse);
    ct_free(out);
    return NULL;
}

ct_tensor *ct_nll_loss_(ct_nll_loss_args a) {
    const char *fn = "ct_nll_loss";
    ct_tensor *x = a.input, *y = a.target, *w = a.weight;
    CT_CHECK_ARG(x, fn, "input");
    CT_CHECK_ARG(y, fn, "target");
    if (!ct__loss_check_reduction(a.reduction, false, fn) || !ct__check_same_device(x, y, fn) ||
        (w && !ct__check_same_device(x, w, fn)))
        return NULL;
    if (a.label_smoothing != 0) {
        ct__error(CT_ERR_VALUE, fn, "label_smoothing is an option of ct_cross_entropy, not of nll_loss");
        return NULL;
    }
    if (!check_class_shapes(x, y, w, fn)) return NULL;
    if (!ct_dtype_is_floating(x->dtype)) {
        ct__error(CT_ERR_RUNTIME, fn, "\"nll_loss_out_frame\" not implemented for '%s'",
                  ct__scalar_type_name(x->dtype));
        return NULL;
    }
    if (!check_class_dtypes(x, y, w, fn) || !ct__loss_check_no_grad(w, "nll_loss_forward", "weight", fn))
        return NULL;
    return class_index_loss(fn, false, 0.0, x, y, w, effective_ignore_index(&a), a.reduction);
}

/* ------------------------------------------------ probability targets */

typedef struct {
    double eps, div; /* div: N * S for mean, else 1 */
    ct_reduction red;
    bool has_w;
} prob_ctx;

enum { PS_X, PS_T, PS_W, PS_LSE, PS_COUNT };

static int prob_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const prob_ctx *c = n->ctx;
    const char *fn = n->type->name;
    ct_tensor *x = ct__saved(n, PS_X), *t = ct__saved(n, PS_T);
    ct_tensor *w = c->has_w ? ct__saved(n, PS_W) : NULL, *lse = ct__saved(n, PS_LSE);
    if (!x || !t || (c->has_w && !w) || !lse) return ct_last_error_code();
    bool gx_needed = ct__needs_grad(n, 0), gt_needed = ct__needs_grad(n, 1);
    class_layout l = layout_of(x);

    if (ct_is_grad_enabled()) { /* create_graph */
        ct_tensor *logp = ct_log_softmax(x, l.cdim);
        ct_tensor *tt = c->eps > 0 ? ct_add_scalar(ct_mul_scalar(t, 1 - c->eps), c->eps / (double)l.C) : t;
        ct_tensor *wv = NULL;
        if (w) {
            int64_t ws[CT_MAX_DIMS];
            for (int d = 0; d < x->ndim - l.cdim; d++) ws[d] = d == 0 ? l.C : 1;
            ct_shape s = {.ndim = x->ndim - l.cdim};
            memcpy(s.d, ws, sizeof(int64_t) * (size_t)s.ndim);
            wv = ct_reshape(w, s);
        }
        ct_tensor *q = wv ? ct_mul(tt, wv) : tt;
        ct_tensor *gk = grad_keepdim(g[0], x, c->red);
        if (c->div != 1.0) gk = ct_div_scalar(gk, c->div);
        if (gx_needed) {
            /* A = sum of q over the class dim (keepdim), as a product with ones so that
             * it stays differentiable whatever the reductions support. */
            ct_tensor *ones = ct_ones(CT_SHAPE(l.C, 1), .dtype = x->dtype);
            int last = x->ndim - 1;
            ct_tensor *A = x->ndim == 1 ? ct_matmul(q, ones)
                                        : ct_transpose(ct_matmul(ct_transpose(q, l.cdim, last), ones), l.cdim, last);
            gi[0] = ct_mul(gk, ct_sub(ct_mul(ct_softmax(x, l.cdim), A), q));
        }
        if (gt_needed) {
            ct_tensor *f = ct_mul_scalar(logp, -(c->eps > 0 ? 1 - c->eps : 1.0));
            gi[1] = ct_mul(gk, wv ? ct_mul(f, wv) : f);
        }
    } else {
        ct_tensor *X = ct__contiguous(x), *T = ct__contiguous(t), *W = w ? ct__contiguous(w) : NULL;
        bool none = c->red == CT_REDUCTION_NONE;
        ct_tensor *G = none ? ct__contiguous(g[0]) : NULL;
        if (!X || !T || (w && !W) || (none && !G)) return ct_last_error_code();
        double scale = none ? 1.0 : ct_item(g[0]) / c->div;
        if (gx_needed) gi[0] = ct__tensor_empty(x->ndim, x->shape, x->dtype, CT_CPU, fn);
        if (gt_needed) gi[1] = ct__tensor_empty(x->ndim, x->shape, x->dtype, CT_CPU, fn);
        if ((gx_needed && !gi[0]) || (gt_needed && !gi[1])) return ct_last_error_code();
        ct__prob_ce_backward(l.N, l.C, l.S, x->dtype, ct__data(X), ct__data(T), W ? ct__data(W) : NULL,
                             c->eps, ct__data(lse), G ? ct__data(G) : NULL, scale,
                             gx_needed ? ct__data(gi[0]) : NULL, gt_needed ? ct__data(gi[1]) : NULL);
    }
    if ((gx_needed && !gi[0]) || (gt_needed && !gi[1])) return ct_last_error_code();
    return 0;
}

static const ct_node_type prob_mean_type = {"DivBackward1", prob_backward};
static const ct_node_type prob_type = {"NegBackward0", prob_backward};

static ct_tensor *prob_target_loss(const char *fn, ct_tensor *x, ct_tensor *t, ct_tensor *w,
                                   double eps, ct_reduction red) {
    class_layout l = layout_of(x);
    int64_t M = l.N * l.S;
    prob_ctx c = {.eps = eps > 0 ? eps : 0, .div = 1.0, .red = red, .has_w = w != NULL};
    if (red == CT_REDUCTION_MEAN) c.div = (double)M; /* M == 0: the mean is NaN, as in PyTorch */
    int od = 0;
    int64_t oshape[CT_MAX_DIMS];
    for (int d = 0; d < x->ndim; d++)
        if (d != l.cdim) oshape[od++] = x->shape[d];
    ct_tensor *X = ct__contiguous(x), *T = ct__contiguous(t), *W = w ? ct__contiguous(w) : NULL;
    ct_tensor *lse = ct__tensor_empty(od, oshape, x->dtype, CT_CPU, fn), *out = NULL;
    if (!X || !T || (w && !W) || !lse) goto done;
    if (red == CT_REDUCTION_NONE) {
        out = ct__tensor_empty(od, oshape, x->dtype, CT_CPU, fn);
        if (!out) goto done;
    }
    double total = ct__prob_ce_forward(l.N, l.C, l.S, x->dtype, ct__data(X), ct__data(T),
                                       W ? ct__data(W) : NULL, c.eps, ct__data(lse),
                                       out ? ct__data(out) : NULL);
    if (!out) {
        out = ct__loss_scalar(total / c.div, x->dtype, fn);
        if (!out) goto done;
    }
    ct_node *node = ct__record(red == CT_REDUCTION_MEAN ? &prob_mean_type : &prob_type, out, 2,
                               (ct_tensor *[]){x, t}, PS_COUNT, sizeof c);
    if (node) {
        *(prob_ctx *)node->ctx = c;
        ct__save(node, PS_X, x);
        ct__save(node, PS_T, t);
        if (w) ct__save(node, PS_W, w);
        ct__save(node, PS_LSE, lse);
    }
done:
    ct_free(X);
    ct_free(T);
    ct_free(W);
    ct_free(lse);
    return out;
}

static ct_tensor *cross_entropy_prob(const char *fn, ct_cross_entropy_args *a) {
    ct_tensor *x = a->input, *t = a->target, *w = a->weight;
    if (x->ndim == 0) {
        ct__error(CT_ERR_INDEX, fn, "Dimension specified as 1 but tensor has no dimensions");
        return NULL;
    }
    if (!ct_dtype_is_floating(t->dtype)) {
        ct__error(CT_ERR_RUNTIME, fn, "Expected floating point type for target with class probabilities, got %s",
                  ct__scalar_type_name(t->dtype));
        return NULL;
    }
    if (effective_ignore_index(a) >= 0) {
        ct__error(CT_ERR_RUNTIME, fn, "ignore_index is not supported for floating point target");
        return NULL;
    }
    class_layout l = layout_of(x);
    if (w && (w->ndim != 1 || w->shape[0] != l.C)) {
        char b[160];
        ct__error(CT_ERR_RUNTIME, fn,
                  "cross_entropy: weight tensor should be defined either for all %lld classes or "
                  "no classes but got weight tensor of shape: %s",
                  (long long)l.C, ct__shape_str(w->ndim, w->shape, b, sizeof b));
        return NULL;
    }
    /* PyTorch's composite formula promotes input, target and weight together. */
    ct_dtype dt = ct_promote_types(x->dtype, t->dtype);
    if (w) dt = ct_promote_types(dt, w->dtype);
    ct_tensor *xc = ct_to_dtype(x, dt), *tc = ct_to_dtype(t, dt), *wc = w ? ct__to_dtype(w, dt) : NULL;
    ct_tensor *out = NULL;
    if (xc && tc && (!w || wc)) out = prob_target_loss(fn, xc, tc, wc, a->label_smoothing, a->reduction);
    ct_free(xc);
    ct_free(tc);
    ct_free(wc);
    return out;
}

ct_tensor *ct_cross_entropy_(ct_cross_entropy_args a) {
    const char *fn = "ct_cross_entropy";
    ct_tensor *x = a.input, *y = a.target, *w = a.weight;
    CT_CHECK_ARG(x, fn, "input");
    CT_CHECK_ARG(y, fn, "target");
    if (!ct__loss_check_reduction(a.reduction, false, fn) || !ct__check_same_device(x, y, fn) ||
        (w && !ct__check_same_device(x, w, fn)))
        return NULL;
    if (a.label_smoothing > 1.0) {
        ct__error(CT_ERR_RUNTIME, fn, "label_smoothing must be between 0.0 and 1.0. Got: %g", a.label_smoothing);
        return NULL;
    }
    if (!ct_dtype_is_floating(x->dtype)) {
        ct__error(CT_ERR_RUNTIME, fn, "\"log_softmax_lastdim_kernel_impl\" not implemented for '%s'",
                  ct__scalar_type_name(x->dtype));
        return NULL;
    }
    if (!ct__loss_check_no_grad(w, "nll_loss_forward", "weight", fn)) return NULL;
    bool same = x->ndim == y->ndim;
    for (int d = 0; same && d < x->ndim; d++) same = x->shape[d] == y->shape[d];
    if (same) return cross_entropy_prob(fn, &a);
    if (!check_class_shapes(x, y, w, fn) || !check_class_dtypes(x, y, w, fn)) return NULL;
    return class_index_loss(fn, true, a.label_smoothing, x, y, w, effective_ignore_index(&a),
                            a.reduction);
}
