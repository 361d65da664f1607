/*
 * src/ops/loss_pointwise.c - the elementwise losses: mse_loss, l1_loss,
 * smooth_l1_loss, huber_loss, kl_div, binary_cross_entropy and
 * binary_cross_entropy_with_logits, with their backward.
 *
 * Each is one pass of a fused kernel (src/kernels/loss.c) over the input and
 * target broadcast together, reduced to a sum in double. The backward is the
 * matching fused kernel; under create_graph (grad mode on during backward) it
 * is built from differentiable public ops instead, so second-order gradients
 * work.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "loss_internal.h"

typedef struct {
    ct_loss_fn f;
    ct_reduction red;
    double div;                  /* mean: numel; batchmean: input.size(0); else 1 */
    int ndim;                    /* the loss's (broadcast) shape */
    int64_t shape[CT_MAX_DIMS];
    bool has_w, has_pw;
} pw_ctx;

enum { SV_X, SV_T, SV_W, SV_PW, SV_COUNT };

/* ------------------------------------------------------------- backward */

/* log(sigmoid(z)) = -(relu(-z) + log1p(exp(-|z|))), from differentiable ops. */
static ct_tensor *log_sigmoid_ops(ct_tensor *z) {
    return ct_neg(ct_add(ct_relu(ct_neg(z)), ct_log1p(ct_exp(ct_neg(ct_abs(z))))));
}

/*
 * d loss / dx and d loss / dt from public ops (so the result is itself
 * differentiable); the same formulas as loss_grad in src/kernels/loss.c.
 */
static void composite_grads(const pw_ctx *c, ct_tensor *x, ct_tensor *t, ct_tensor *w,
                            ct_tensor *pw, ct_tensor **dx, ct_tensor **dt) {
    double p = c->f.param;
    ct_tensor *d = ct_sub(x, t);
    switch (c->f.kind) {
    case CT_LOSS_MSE: *dx = ct_mul_scalar(d, 2.0); break;
    case CT_LOSS_L1: *dx = ct_sign(d); break;
    case CT_LOSS_SMOOTH_L1: *dx = p == 0 ? ct_sign(d) : ct_clamp(ct_div_scalar(d, p), -1.0, 1.0); break;
    case CT_LOSS_HUBER: *dx = ct_clamp(d, -p, p); break;
    case CT_LOSS_KL: {
        ct_tensor *nz = ct_ne_scalar(t, 0);
        ct_tensor *lg = ct_where(nz, ct_log(ct_where_scalar_other(nz, t, 1.0)), ct_zeros_like(t));
        *dx = ct_neg(t);
        *dt = ct_sub(ct_add(lg, ct_div(t, t)), x);
        return;
    }
    case CT_LOSS_KL_LOG:
        *dx = ct_neg(ct_exp(t));
        *dt = ct_mul(ct_exp(t), ct_add_scalar(ct_sub(t, x), 1.0));
        return;
    case CT_LOSS_BCE: {
        ct_tensor *den = ct_clamp_min(ct_mul(ct_rsub_scalar(x, 1.0), x), 1e-12);
        *dx = ct_div(d, den);
        *dt = ct_neg(ct_log(ct_div(x, ct_rsub_scalar(x, 1.0))));
        break;
    }
    case CT_LOSS_BCE_LOGITS: {
        ct_tensor *sig = ct_sigmoid(x);
        if (pw) {
            ct_tensor *pt = ct_mul(pw, t);
            *dx = ct_sub(ct_mul(ct_sub(ct_add_scalar(pt, 1.0), t), sig), pt);
            *dt = ct_sub(log_sigmoid_ops(ct_neg(x)), ct_mul(pw, log_sigmoid_ops(x)));
        } else {
            *dx = ct_sub(sig, t);
            *dt = ct_neg(x);
        }
        break;
    }
    }
    if (c->f.kind == CT_LOSS_BCE || c->f.kind == CT_LOSS_BCE_LOGITS) {
        if (w) {
            *dx = ct_mul(*dx, w);
            *dt = ct_mul(*dt, w);
        }
        return;
    }
    *dt = ct_neg(*dx);
}

static int pointwise_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const pw_ctx *c = n->ctx;
    ct_tensor *x = ct__saved(n, SV_X), *t = ct__saved(n, SV_T);
    ct_tensor *w = c->has_w ? ct__saved(n, SV_W) : NULL, *pw = c->has_pw ? ct__saved(n, SV_PW) : NULL;
    if (!x || !t || (c->has_w && !w) || (c->has_pw && !pw)) return ct_last_error_code();
    bool gx_needed = ct__needs_grad(n, 0), gt_needed = ct__needs_grad(n, 1);
    const char *fn = n->type->name;

    if (ct_is_grad_enabled()) { /* create_graph: differentiable formulas */
        ct_tensor *dx = NULL, *dt = NULL;
        composite_grads(c, x, t, w, pw, &dx, &dt);
        ct_tensor *s = c->div == 1.0 ? g[0] : ct_div_scalar(g[0], c->div);
        if (gx_needed) gi[0] = ct_mul(s, dx);
        if (gt_needed) gi[1] = ct_mul(s, dt);
    } else {
        ct_tensor *X = ct__loss_dense(x, c->ndim, c->shape, fn);
        ct_tensor *T = ct__loss_dense(t, c->ndim, c->shape, fn);
        ct_tensor *W = w ? ct__loss_dense(w, c->ndim, c->shape, fn) : NULL;
        ct_tensor *PW = pw ? ct__loss_dense(pw, c->ndim, c->shape, fn) : NULL;
        ct_tensor *G = c->red == CT_REDUCTION_NONE ? ct__loss_dense(g[0], c->ndim, c->shape, fn) : NULL;
        if (!X || !T || (w && !W) || (pw && !PW) || (c->red == CT_REDUCTION_NONE && !G))
            return ct_last_error_code();
        double scale = G ? 1.0 : ct_item(g[0]) / c->div;
        if (gx_needed) gi[0] = ct__tensor_empty(c->ndim, c->shape, x->dtype, CT_CPU, fn);
        if (gt_needed) gi[1] = ct__tensor_empty(c->ndim, c->shape, x->dtype, CT_CPU, fn);
        if ((gx_needed && !gi[0]) || (gt_needed && !gi[1])) return ct_last_error_code();
        ct__loss_pointwise_backward(&c->f, x->dtype, ct__numel(c->ndim, c->shape), ct__data(X),
                                    ct__data(T), W ? ct__data(W) : NULL, PW ? ct__data(PW) : NULL,
                                    G ? ct__data(G) : NULL, scale,
                                    gx_needed ? ct__data(gi[0]) : NULL,
                                    gt_needed ? ct__data(gi[1]) : NULL);
    }
    if ((gx_needed && !gi[0]) || (gt_needed && !gi[1])) return ct_last_error_code();
    return 0;
}

/* PyTorch names the node after the last op of its formula. */
static const ct_node_type mse_type = {"MseLossBackward0", pointwise_backward};
static const ct_node_type smooth_l1_type = {"SmoothL1LossBackward0", pointwise_backward};
static const ct_node_type huber_type = {"HuberLossBackward0", pointwise_backward};
static const ct_node_type bce_type = {"BinaryCrossEntropyBackward0", pointwise_backward};
static const ct_node_type bce_logits_type = {"BinaryCrossEntropyWithLogitsBackward0", pointwise_backward};
static const ct_node_type mean_type = {"MeanBackward0", pointwise_backward};
static const ct_node_type sum_type = {"SumBackward0", pointwise_backward};
static const ct_node_type abs_type = {"AbsBackward0", pointwise_backward};
static const ct_node_type sub_type = {"SubBackward0", pointwise_backward};
static const ct_node_type mul_type = {"MulBackward0", pointwise_backward};
static const ct_node_type div_type = {"DivBackward0", pointwise_backward};

/* ------------------------------------------------------------- forward */

/*
 * Runs a pointwise loss on x, t (and w, pw when not NULL), all of one
 * floating dtype and broadcastable to (ndim, shape). `type` NULL picks the
 * composite op's name for the reduction (l1_loss, kl_div).
 */
static ct_tensor *run_pointwise(const char *fn, const ct_node_type *type, ct_loss_fn f,
                                ct_reduction red, double div, ct_tensor *x, ct_tensor *t,
                                ct_tensor *w, ct_tensor *pw, int ndim, const int64_t *shape) {
    ct_tensor *X = ct__loss_dense(x, ndim, shape, fn), *T = ct__loss_dense(t, ndim, shape, fn);
    ct_tensor *W = w ? ct__loss_dense(w, ndim, shape, fn) : NULL;
    ct_tensor *PW = pw ? ct__loss_dense(pw, ndim, shape, fn) : NULL;
    ct_tensor *out = NULL;
    int64_t n = ct__numel(ndim, shape);
    if (!X || !T || (w && !W) || (pw && !PW)) goto done;
    if (f.kind == CT_LOSS_BCE) {
        const void *xd = ct__data(X);
        for (int64_t i = 0; i < n; i++) {
            double v = ct__load_f64((const char *)xd + i * (int64_t)ct_dtype_size(X->dtype), X->dtype);
            if (!(v >= 0 && v <= 1)) {
                ct__error(CT_ERR_RUNTIME, fn, "all elements of input should be between 0 and 1");
                goto done;
            }
        }
    }
    if (red == CT_REDUCTION_NONE) {
        out = ct__tensor_empty(ndim, shape, x->dtype, CT_CPU, fn);
        if (!out) goto done;
        ct__loss_pointwise_forward(&f, x->dtype, n, ct__data(X), ct__data(T), W ? ct__data(W) : NULL,
                                   PW ? ct__data(PW) : NULL, ct__data(out));
    } else {
        double sum = ct__loss_pointwise_forward(&f, x->dtype, n, ct__data(X), ct__data(T),
                                                W ? ct__data(W) : NULL, PW ? ct__data(PW) : NULL, NULL);
        out = ct__loss_scalar(sum / div, x->dtype, fn);
        if (!out) goto done;
    }
    if (!type) {
        bool kl = f.kind == CT_LOSS_KL || f.kind == CT_LOSS_KL_LOG;
        switch (red) {
        case CT_REDUCTION_MEAN: type = &mean_type; break;
        case CT_REDUCTION_SUM: type = &sum_type; break;
        case CT_REDUCTION_BATCHMEAN: type = x->ndim ? &div_type : &sum_type; break;
        default: type = kl ? (f.kind == CT_LOSS_KL_LOG ? &mul_type : &sub_type) : &abs_type; break;
        }
    }
    ct_node *node = ct__record(type, out, 2, (ct_tensor *[]){x, t}, SV_COUNT, sizeof(pw_ctx));
    if (node) {
        pw_ctx *c = node->ctx;
        c->f = f;
        c->red = red;
        c->div = div;
        c->ndim = ndim;
        memcpy(c->shape, shape, sizeof(int64_t) * (size_t)ndim);
        c->has_w = w != NULL;
        c->has_pw = pw != NULL;
        ct__save(node, SV_X, x);
        ct__save(node, SV_T, t);
        if (w) ct__save(node, SV_W, w);
        if (pw) ct__save(node, SV_PW, pw);
    }
done:
    ct_free(X);
    ct_free(T);
    ct_free(W);
    ct_free(PW);
    return out;
}

/* The mean's or batchmean's divisor (the sum's is 1). */
static double divisor(ct_reduction red, int64_t numel, const ct_tensor *input) {
    if (red == CT_REDUCTION_MEAN) return (double)numel;
    if (red == CT_REDUCTION_BATCHMEAN && input->ndim > 0) return (double)input->shape[0];
    return 1.0;
}

/*
 * The regression losses and kl_div: input and target broadcast together and
 * promote to their result type, which must be floating (`int_msg` words the
 * error, with the dtype name as its one %s).
 */
static ct_tensor *regression(const char *fn, const ct_node_type *type, ct_loss_fn f,
                             ct_reduction red, bool batchmean_ok, const char *int_msg,
                             ct_tensor *x, ct_tensor *t) {
    CT_CHECK_ARG(x, fn, "input");
    CT_CHECK_ARG(t, fn, "target");
    if (!ct__loss_check_reduction(red, batchmean_ok, fn) || !ct__check_same_device(x, t, fn))
        return NULL;
    int ndim;
    int64_t shape[CT_MAX_DIMS];
    if (!ct__broadcast_shapes(x->ndim, x->shape, t->ndim, t->shape, &ndim, shape, fn)) return NULL;
    ct_dtype dt = ct_result_type(x, t);
    if (!ct_dtype_is_floating(dt)) {
        ct__error(CT_ERR_RUNTIME, fn, int_msg, ct__scalar_type_name(dt));
        return NULL;
    }
    /* Promotion through ct_to_dtype keeps the graph (ToCopyBackward0), as PyTorch's does. */
    ct_tensor *xc = ct_to_dtype(x, dt), *tc = ct_to_dtype(t, dt), *out = NULL;
    if (xc && tc)
        out = run_pointwise(fn, type, f, red, divisor(red, ct__numel(ndim, shape), x), xc, tc, NULL,
                            NULL, ndim, shape);
    ct_free(xc);
    ct_free(tc);
    return out;
}

ct_tensor *ct_mse_loss_(ct_loss_args a) {
    return regression("ct_mse_loss", &mse_type, (ct_loss_fn){CT_LOSS_MSE, 0}, a.reduction, false,
                      "\"mse_cpu\" not implemented for '%s'", a.input, a.target);
}

ct_tensor *ct_l1_loss_(ct_loss_args a) {
    return regression("ct_l1_loss", NULL, (ct_loss_fn){CT_LOSS_L1, 0}, a.reduction, false,
                      "mean(): could not infer output dtype. Input dtype must be either a floating "
                      "point or complex dtype. Got: %s",
                      a.input, a.target);
}

ct_tensor *ct_smooth_l1_loss_(ct_smooth_l1_loss_args a) {
    double beta = (a.beta == 0 && !a.has_beta) ? 1.0 : a.beta;
    if (beta < 0) {
        ct__error(CT_ERR_RUNTIME, "ct_smooth_l1_loss", "smooth_l1_loss does not support negative values for beta.");
        return NULL;
    }
    return regression("ct_smooth_l1_loss", &smooth_l1_type, (ct_loss_fn){CT_LOSS_SMOOTH_L1, beta},
                      a.reduction, false, "\"smooth_l1_cpu\" not implemented for '%s'", a.input,
                      a.target);
}

ct_tensor *ct_huber_loss_(ct_huber_loss_args a) {
    double delta = a.delta == 0 ? 1.0 : a.delta;
    if (!(delta > 0)) {
        ct__error(CT_ERR_RUNTIME, "ct_huber_loss", "huber_loss does not support non-positive values for delta.");
        return NULL;
    }
    return regression("ct_huber_loss", &huber_type, (ct_loss_fn){CT_LOSS_HUBER, delta}, a.reduction,
                      false, "\"huber_cpu\" not implemented for '%s'", a.input, a.target);
}

ct_tensor *ct_kl_div_(ct_kl_div_args a) {
    const char *fn = "ct_kl_div";
    CT_CHECK_ARG(a.input, fn, "input");
    CT_CHECK_ARG(a.target, fn, "target");
    if (ct_dtype_is_integral(a.input->dtype, true) || ct_dtype_is_integral(a.target->dtype, true)) {
        ct__error(CT_ERR_RUNTIME, fn, "Integral inputs not supported.");
        return NULL;
    }
    ct_loss_fn f = {a.log_target ? CT_LOSS_KL_LOG : CT_LOSS_KL, 0};
    return regression(fn, NULL, f, a.reduction, true, "Integral inputs not supported (%s).",
                      a.input, a.target);
}

/* ----------------------------------------------------- binary cross entropy */

/*
 * A weight-like tensor must broadcast into the loss's shape (PyTorch applies
 * it in place): "output with shape [3, 1] doesn't match the broadcast shape [3, 3]".
 * `first` is the operand PyTorch names "a" in a broadcast error.
 */
static bool fits_loss_shape(ct_tensor *first, ct_tensor *second, const ct_tensor *input,
                            const char *fn) {
    int ndim;
    int64_t shape[CT_MAX_DIMS];
    if (!ct__broadcast_shapes(first->ndim, first->shape, second->ndim, second->shape, &ndim, shape, fn))
        return false;
    bool same = ndim == input->ndim;
    for (int d = 0; same && d < ndim; d++) same = shape[d] == input->shape[d];
    if (!same) {
        char a[160], b[160];
        ct__error(CT_ERR_RUNTIME, fn, "output with shape %s doesn't match the broadcast shape %s",
                  ct__shape_str(input->ndim, input->shape, a, sizeof a),
                  ct__shape_str(ndim, shape, b, sizeof b));
    }
    return same;
}

static bool same_shape(const ct_tensor *a, const ct_tensor *b) {
    if (a->ndim != b->ndim) return false;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d]) return false;
    return true;
}

ct_tensor *ct_binary_cross_entropy_(ct_bce_args a) {
    const char *fn = "ct_binary_cross_entropy";
    ct_tensor *x = a.input, *t = a.target, *w = a.weight;
    CT_CHECK_ARG(x, fn, "input");
    CT_CHECK_ARG(t, fn, "target");
    if (!ct__loss_check_reduction(a.reduction, false, fn) || !ct__check_same_device(x, t, fn) ||
        (w && !ct__check_same_device(x, w, fn)))
        return NULL;
    if (!same_shape(x, t)) {
        char sx[200], st[200];
        ct__error(CT_ERR_VALUE, fn,
                  "Using a target size (%s) that is different to the input size (%s) is "
                  "deprecated. Please ensure they have the same size.",
                  ct__loss_size_str(t, st, sizeof st), ct__loss_size_str(x, sx, sizeof sx));
        return NULL;
    }
    if (!ct_dtype_is_floating(x->dtype)) {
        ct__error(CT_ERR_RUNTIME, fn, "\"binary_cross_entropy\" not implemented for '%s'",
                  ct__scalar_type_name(x->dtype));
        return NULL;
    }
    if (t->dtype != x->dtype) {
        ct__error(CT_ERR_RUNTIME, fn, "Found dtype %s but expected %s", ct__scalar_type_name(t->dtype),
                  ct__scalar_type_name(x->dtype));
        return NULL;
    }
    if (w && (!fits_loss_shape(x, w, x, fn) ||
              !ct__loss_check_no_grad(w, "binary_cross_entropy", "weight", fn)))
        return NULL;
    /* A weight of another dtype is converted, as PyTorch does. */
    ct_tensor *wc = w ? ct__to_dtype(w, x->dtype) : NULL, *out = NULL;
    if (!w || wc)
        out = run_pointwise(fn, &bce_type, (ct_loss_fn){CT_LOSS_BCE, 0}, a.reduction,
                            divisor(a.reduction, ct_numel(x), x), x, t, wc, NULL, x->ndim, x->shape);
    ct_free(wc);
    return out;
}

ct_tensor *ct_binary_cross_entropy_with_logits_(ct_bce_with_logits_args a) {
    const char *fn = "ct_binary_cross_entropy_with_logits";
    ct_tensor *x = a.input, *t = a.target, *w = a.weight, *pw = a.pos_weight;
    CT_CHECK_ARG(x, fn, "input");
    CT_CHECK_ARG(t, fn, "target");
    if (!ct__loss_check_reduction(a.reduction, false, fn) || !ct__check_same_device(x, t, fn) ||
        (w && !ct__check_same_device(x, w, fn)) || (pw && !ct__check_same_device(x, pw, fn)))
        return NULL;
    if (!same_shape(x, t)) {
        char sx[200], st[200];
        ct__error(CT_ERR_VALUE, fn, "Target size (%s) must be the same as input size (%s)",
                  ct__loss_size_str(t, st, sizeof st), ct__loss_size_str(x, sx, sizeof sx));
        return NULL;
    }
    /* PyTorch's composite formula promotes all operands together. */
    ct_dtype dt = ct_result_type(x, t);
    if (w) dt = ct_promote_types(dt, w->dtype);
    if (pw) dt = ct_promote_types(dt, pw->dtype);
    if (!ct_dtype_is_floating(x->dtype) || !ct_dtype_is_floating(dt)) {
        ct__error(CT_ERR_RUNTIME, fn, "result type %s can't be cast to the desired output type %s",
                  ct__scalar_type_name(ct_dtype_is_floating(dt) ? dt : ct_get_default_dtype()),
                  ct__scalar_type_name(x->dtype));
        return NULL;
    }
    if ((pw && !fits_loss_shape(pw, t, x, fn)) || (w && !fits_loss_shape(x, w, x, fn)) ||
        !ct__loss_check_no_grad(w, "binary_cross_entropy_with_logits", "weight", fn) ||
        !ct__loss_check_no_grad(pw, "binary_cross_entropy_with_logits", "pos_weight", fn))
        return NULL;
    ct_tensor *xc = ct_to_dtype(x, dt), *tc = ct_to_dtype(t, dt);
    ct_tensor *wc = w ? ct_to_dtype(w, dt) : NULL, *pwc = pw ? ct_to_dtype(pw, dt) : NULL, *out = NULL;
    if (xc && tc && (!w || wc) && (!pw || pwc))
        out = run_pointwise(fn, &bce_logits_type, (ct_loss_fn){CT_LOSS_BCE_LOGITS, 0}, a.reduction,
                            divisor(a.reduction, ct_numel(x), x), xc, tc, wc, pwc, x->ndim, x->shape);
    ct_free(xc);
    ct_free(tc);
    ct_free(wc);
    ct_free(pwc);
    return out;
}
