/*
 * src/ops/normalization.c - batch_norm and layer_norm with their fused
 * backward (NativeBatchNormBackward0, NativeLayerNormBackward0).
 *
 * The forward saves x, the weight and the statistics it used (mean and
 * 1/std per channel or row, in double). Without create_graph the backward
 * is one fused kernel (src/kernels/norm.c); with create_graph it recomputes
 * the statistics from x with public ops, so second-order gradients are right.
 */
#include <math.h>

#include "../kernels/norm.h"
#include "functional_internal.h"

enum { SAVED_X, SAVED_W, SAVED_MEAN, SAVED_INVSTD, NUM_SAVED };

typedef struct {
    bool training;
    double eps;
    int k; /* layer norm: how many trailing dims are normalized */
} norm_ctx;

/* A 1-d float64 tensor of n elements (its data is the double array the kernels use). */
static ct_tensor *f64_vec(int64_t n, const char *fn) { return ct__tensor_empty(1, &n, CT_F64, CT_CPU, fn); }

static double *dptr(ct_tensor *t) { return t ? (double *)ct__data(t) : NULL; }

/* Reads a 1-d tensor of any layout into doubles. */
static void read_vec(const ct_tensor *t, double *out) {
    int64_t st = t->ndim ? t->strides[0] : 0, n = ct_numel(t);
    size_t es = ct_dtype_size(t->dtype);
    for (int64_t i = 0; i < n; i++) out[i] = ct__load_f64((const char *)ct__data(t) + i * st * (int64_t)es, t->dtype);
}

/* A gradient held in doubles, as a tensor of dtype d and the given shape (no autograd). */
static ct_tensor *grad_from(ct_tensor *acc, ct_dtype d, int ndim, const int64_t *shape, const char *fn) {
    int64_t strides[CT_MAX_DIMS];
    ct__contiguous_strides(ndim, shape, strides);
    ct_tensor *v = ct__tensor_view(acc, ndim, shape, strides, acc->offset, fn);
    return v ? ct__to_dtype(v, d) : NULL;
}

/* The contiguous gradient of dtype d. */
static ct_tensor *contig_grad(ct_tensor *g, ct_dtype d) {
    ct_tensor *gt = g->dtype == d ? g : ct__to_dtype(g, d);
    return gt ? ct__fn_contig(gt) : NULL;
}

/* ============================================================ batch norm */

static int64_t bn_spatial(const ct_tensor *x) {
    int64_t s = 1;
    for (int i = 2; i < x->ndim; i++) s *= x->shape[i];
    return s;
}

/* The reduction dims (all but 1) and the (1, C, 1, ...) shape of a per-channel tensor. */
static ct_shape bn_dims(const ct_tensor *x, ct_shape *bshape) {
    ct_shape d = {.ndim = 0};
    bshape->ndim = x->ndim;
    for (int i = 0; i < x->ndim; i++) {
        bshape->d[i] = i == 1 ? x->shape[1] : 1;
        if (i != 1) d.d[d.ndim++] = i;
    }
    return d;
}

static int bn_fused_backward(ct_node *n, const norm_ctx *c, ct_tensor *g, ct_tensor *x, ct_tensor *w,
                             ct_tensor *mean, ct_tensor *invstd, ct_tensor **gi) {
    const char *fn = n->type->name;
    int64_t N = x->shape[0], C = x->shape[1], S = bn_spatial(x);
    ct_tensor *gc = contig_grad(g, x->dtype), *xc = gc ? ct__fn_contig(x) : NULL;
    if (!xc) return ct_last_error_code();
    ct_tensor *wd = w ? f64_vec(C, fn) : NULL;
    ct_tensor *gw = ct__needs_grad(n, 1) ? f64_vec(C, fn) : NULL;
    ct_tensor *gb = ct__needs_grad(n, 2) ? f64_vec(C, fn) : NULL;
    if (ct__needs_grad(n, 0)) gi[0] = ct__tensor_empty(x->ndim, x->shape, x->dtype, CT_CPU, fn);
    if ((w && !wd) || (ct__needs_grad(n, 1) && !gw) || (ct__needs_grad(n, 2) && !gb) ||
        (ct__needs_grad(n, 0) && !gi[0]))
        return ct_last_error_code();
    if (wd) read_vec(w, dptr(wd));
    ct__batch_norm_backward(x->dtype, ct__data(gc), ct__data(xc), N, C, S, dptr(mean), dptr(invstd),
                            dptr(wd), c->training, gi[0] ? ct__data(gi[0]) : NULL, dptr(gw), dptr(gb));
    if (gw && !(gi[1] = grad_from(gw, x->dtype, 1, &C, fn))) return ct_last_error_code();
    if (gb && !(gi[2] = grad_from(gb, x->dtype, 1, &C, fn))) return ct_last_error_code();
    return 0;
}

static int bn_composite_backward(ct_node *n, const norm_ctx *c, ct_tensor *g, ct_tensor *x, ct_tensor *w,
                                 ct_tensor *mean, ct_tensor *invstd, ct_tensor **gi) {
    ct_shape bshape;
    ct_shape dims = bn_dims(x, &bshape);
    ct_tensor *m, *is;
    if (c->training) { /* statistics as functions of x */
        m = ct_mean_dims(x, dims, true);
        ct_tensor *xmu = ct_sub(x, m);
        is = ct_rsqrt(ct_add_sc(ct_mean_dims(ct_square(xmu), dims, true), ct_scalar_float(c->eps)));
    } else { /* running statistics: constants */
        m = ct_view(ct_to_dtype(mean, x->dtype), bshape);
        is = ct_view(ct_to_dtype(invstd, x->dtype), bshape);
    }
    ct_tensor *xmu = ct_sub(x, m);
    ct_tensor *scale = w ? ct_mul(is, ct_view(w, bshape)) : is;
    if (ct__needs_grad(n, 0)) {
        if (c->training) {
            ct_tensor *proj = ct_mul(ct_mean_dims(ct_mul(g, xmu), dims, true), ct_square(is));
            gi[0] = ct_mul(ct_sub(ct_sub(g, ct_mean_dims(g, dims, true)), ct_mul(xmu, proj)), scale);
        } else {
            gi[0] = ct_mul(g, scale);
        }
    }
    if (ct__needs_grad(n, 1)) gi[1] = ct_sum_dims(ct_mul(ct_mul(g, xmu), is), dims, false);
    if (ct__needs_grad(n, 2)) gi[2] = ct_sum_dims(g, dims, false);
    for (int i = 0; i < 3; i++)
        if (ct__needs_grad(n, i) && !gi[i]) return ct_last_error_code();
    return 0;
}

static int bn_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const norm_ctx *c = n->ctx;
    ct_tensor *x = ct__saved(n, SAVED_X), *mean = ct__saved(n, SAVED_MEAN), *invstd = ct__saved(n, SAVED_INVSTD);
    ct_tensor *w = n->saved[SAVED_W].t ? ct__saved(n, SAVED_W) : NULL;
    if (!x || !mean || !invstd || (n->saved[SAVED_W].t && !w)) return ct_last_error_code();
    return ct_is_grad_enabled() ? bn_composite_backward(n, c, g[0], x, w, mean, invstd, gi)
                                : bn_fused_backward(n, c, g[0], x, w, mean, invstd, gi);
}

static const ct_node_type bn_type = {"NativeBatchNormBackward0", bn_backward};

/* A per-channel tensor must have C elements and x's dtype. */
static bool check_param(const char *fn, const char *what, const ct_tensor *p, const ct_tensor *x, int64_t C) {
    if (!p) return true;
    if (ct_numel(p) != C) {
        ct__error(CT_ERR_RUNTIME, fn, "%s should contain %lld elements not %lld", what, (long long)C,
                  (long long)ct_numel(p));
        return false;
    }
    if (p->ndim > 1) {
        ct__error(CT_ERR_RUNTIME, fn, "%s must be 1-D (got %dD)", what, p->ndim);
        return false;
    }
    if (p->dtype != x->dtype) {
        ct__error(CT_ERR_TYPE, fn, "mixed dtype (CPU): expect parameter to have scalar type of %s",
                  ct__scalar_type_name(x->dtype));
        return false;
    }
    return ct__check_same_device(x, p, fn);
}

static bool bn_check(const char *fn, ct_tensor *x, ct_tensor *rm, ct_tensor *rv, ct_tensor *w, ct_tensor *b,
                     bool training) {
    if (!ct__fn_require_float(x, fn, "batch_norm")) return false;
    if (x->ndim < 2) {
        ct__error(CT_ERR_INDEX, fn, "Dimension out of range (expected to be in range of [-%d, %d], but got 1)",
                  x->ndim ? x->ndim : 1, x->ndim ? x->ndim - 1 : 0);
        return false;
    }
    int64_t C = x->shape[1];
    if (!check_param(fn, "running_mean", rm, x, C) || !check_param(fn, "running_var", rv, x, C) ||
        !check_param(fn, "weight", w, x, C) || !check_param(fn, "bias", b, x, C))
        return false;
    if (!training && (!rm || !rv)) {
        ct__error(CT_ERR_RUNTIME, fn, "running_%s must be defined in evaluation mode", rm ? "var" : "mean");
        return false;
    }
    if (training && ct_numel(x) / (C ? C : 1) == 1) {
        char s[128];
        ct__error(CT_ERR_VALUE, fn, "Expected more than 1 value per channel when training, got input size %s",
                  ct__shape_str(x->ndim, x->shape, s, sizeof s));
        return false;
    }
    return true;
}

/* running = (1 - momentum) * running + momentum * stat, outside autograd. */
static void update_running(ct_tensor *r, const double *stat, double scale, double momentum) {
    int64_t n = ct_numel(r), st = r->ndim ? r->strides[0] : 0;
    size_t es = ct_dtype_size(r->dtype);
    for (int64_t i = 0; i < n; i++) {
        char *p = (char *)ct__data(r) + i * st * (int64_t)es;
        ct__store_f64(p, r->dtype, (1 - momentum) * ct__load_f64(p, r->dtype) + momentum * stat[i] * scale);
    }
    ct__bump_version(r);
}

ct_tensor *ct_batch_norm(ct_tensor *x, ct_tensor *running_mean, ct_tensor *running_var, ct_tensor *weight,
                         ct_tensor *bias, bool training, double momentum, double eps) {
    const char *fn = "ct_batch_norm";
    CT_CHECK_ARG(x, fn, "input");
    if (!bn_check(fn, x, running_mean, running_var, weight, bias, training)) return NULL;
    int64_t N = x->shape[0], C = x->shape[1], S = bn_spatial(x), M = N * S;
    ct_tensor *mean = f64_vec(C, fn), *invstd = f64_vec(C, fn), *alpha = f64_vec(C, fn), *beta = f64_vec(C, fn);
    ct_tensor *xc = ct__fn_contig(x);
    ct_tensor *out = ct__tensor_empty(x->ndim, x->shape, x->dtype, CT_CPU, fn);
    ct_tensor *tmp[] = {mean, invstd, alpha, beta, xc};
    if (mean && invstd && alpha && beta && xc && out) {
        double *mv = dptr(mean), *iv = dptr(invstd), *a = dptr(alpha), *bv = dptr(beta);
        if (training) {
            ct__batch_norm_stats(x->dtype, ct__data(xc), N, C, S, mv, iv); /* iv holds var for now */
            if (running_mean) update_running(running_mean, mv, 1.0, momentum);
            if (running_var) update_running(running_var, iv, M > 1 ? (double)M / (double)(M - 1) : NAN, momentum);
        } else {
            read_vec(running_mean, mv);
            read_vec(running_var, iv);
        }
        for (int64_t c = 0; c < C; c++) iv[c] = 1.0 / sqrt(iv[c] + eps);
        if (weight) read_vec(weight, a);
        else for (int64_t c = 0; c < C; c++) a[c] = 1;
        if (bias) read_vec(bias, bv);
        else for (int64_t c = 0; c < C; c++) bv[c] = 0;
        for (int64_t c = 0; c < C; c++) {
            a[c] *= iv[c];
            bv[c] -= mv[c] * a[c];
        }
        ct__batch_norm_apply(x->dtype, ct__data(xc), ct__data(out), N, C, S, a, bv);
        ct_tensor *ins[3] = {x, weight, bias};
        ct_node *n = ct__record(&bn_type, out, 3, ins, NUM_SAVED, sizeof(norm_ctx));
        if (n) {
            norm_ctx *c = n->ctx;
            c->training = training;
            c->eps = eps;
            ct__save(n, SAVED_X, x);
            if (weight) ct__save(n, SAVED_W, weight);
            ct__save(n, SAVED_MEAN, mean);
            ct__save(n, SAVED_INVSTD, invstd);
        }
    } else {
        ct_free(out);
        out = NULL;
    }
    for (size_t i = 0; i < sizeof tmp / sizeof *tmp; i++) ct_free(tmp[i]);
    return out;
}

/* ============================================================ layer norm */

static int ln_fused_backward(ct_node *n, const norm_ctx *c, ct_tensor *g, ct_tensor *x, ct_tensor *w,
                             ct_tensor *mean, ct_tensor *rstd, ct_tensor **gi) {
    const char *fn = n->type->name;
    int64_t M = ct_numel(mean), N = M ? ct_numel(x) / M : 0;
    const int64_t *wshape = x->shape + x->ndim - c->k;
    ct_tensor *gc = contig_grad(g, x->dtype), *xc = gc ? ct__fn_contig(x) : NULL;
    ct_tensor *wc = w && xc ? ct__fn_contig(w) : NULL;
    if (!xc || (w && !wc)) return ct_last_error_code();
    ct_tensor *gw = ct__needs_grad(n, 1) ? f64_vec(N, fn) : NULL;
    ct_tensor *gb = ct__needs_grad(n, 2) ? f64_vec(N, fn) : NULL;
    if (ct__needs_grad(n, 0)) gi[0] = ct__tensor_empty(x->ndim, x->shape, x->dtype, CT_CPU, fn);
    if ((ct__needs_grad(n, 1) && !gw) || (ct__needs_grad(n, 2) && !gb) || (ct__needs_grad(n, 0) && !gi[0]))
        return ct_last_error_code();
    if (ct_numel(x) > 0)
        ct__layer_norm_backward(x->dtype, ct__data(gc), ct__data(xc), wc ? ct__data(wc) : NULL, M, N, dptr(mean),
                                dptr(rstd), gi[0] ? ct__data(gi[0]) : NULL, dptr(gw), dptr(gb));
    else if (gw || gb) {
        if (gw) ct__zero_(gw);
        if (gb) ct__zero_(gb);
    }
    if (gw && !(gi[1] = grad_from(gw, x->dtype, c->k, wshape, fn))) return ct_last_error_code();
    if (gb && !(gi[2] = grad_from(gb, x->dtype, c->k, wshape, fn))) return ct_last_error_code();
    return 0;
}

static int ln_composite_backward(ct_node *n, const norm_ctx *c, ct_tensor *g, ct_tensor *x, ct_tensor *w,
                                 ct_tensor **gi) {
    ct_shape dims = {.ndim = c->k}, lead = {.ndim = x->ndim - c->k};
    for (int i = 0; i < c->k; i++) dims.d[i] = x->ndim - c->k + i;
    for (int i = 0; i < lead.ndim; i++) lead.d[i] = i;
    ct_tensor *xmu = ct_sub(x, ct_mean_dims(x, dims, true));
    ct_tensor *rstd = ct_rsqrt(ct_add_sc(ct_mean_dims(ct_square(xmu), dims, true), ct_scalar_float(c->eps)));
    ct_tensor *xhat = ct_mul(xmu, rstd);
    if (ct__needs_grad(n, 0)) {
        ct_tensor *dh = w ? ct_mul(g, w) : g;
        ct_tensor *a = ct_mean_dims(dh, dims, true), *b = ct_mean_dims(ct_mul(dh, xhat), dims, true);
        gi[0] = ct_mul(rstd, ct_sub(ct_sub(dh, a), ct_mul(xhat, b)));
    }
    if (ct__needs_grad(n, 1)) {
        ct_tensor *p = ct_mul(g, xhat);
        gi[1] = lead.ndim ? ct_sum_dims(p, lead, false) : p;
    }
    if (ct__needs_grad(n, 2)) gi[2] = lead.ndim ? ct_sum_dims(g, lead, false) : ct_alias(g);
    for (int i = 0; i < 3; i++)
        if (ct__needs_grad(n, i) && !gi[i]) return ct_last_error_code();
    return 0;
}

static int ln_backward_entry(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const norm_ctx *c = n->ctx;
    ct_tensor *x = ct__saved(n, SAVED_X), *mean = ct__saved(n, SAVED_MEAN), *rstd = ct__saved(n, SAVED_INVSTD);
    ct_tensor *w = n->saved[SAVED_W].t ? ct__saved(n, SAVED_W) : NULL;
    if (!x || !mean || !rstd || (n->saved[SAVED_W].t && !w)) return ct_last_error_code();
    return ct_is_grad_enabled() ? ln_composite_backward(n, c, g[0], x, w, gi)
                                : ln_fused_backward(n, c, g[0], x, w, mean, rstd, gi);
}

static const ct_node_type ln_type = {"NativeLayerNormBackward0", ln_backward_entry};

static bool ln_check(const char *fn, ct_tensor *x, ct_shape ns, ct_tensor *w, ct_tensor *b) {
    char s1[128], s2[128];
    if (!ct__fn_require_float(x, fn, "LayerNormKernelImpl")) return false;
    if (ns.ndim < 1) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                  "element, but got normalized_shape = []");
        return false;
    }
    bool ok = x->ndim >= ns.ndim;
    for (int i = 0; ok && i < ns.ndim; i++) ok = x->shape[x->ndim - ns.ndim + i] == ns.d[i];
    if (!ok) {
        char s3[140];
        ct__shape_str(ns.ndim, ns.d, s1, sizeof s1);
        snprintf(s3, sizeof s3, "[*, %s", s1 + 1);
        ct__error(CT_ERR_RUNTIME, fn, "Given normalized_shape=%s, expected input with shape %s, but got input of size%s",
                  s1, s3, ct__shape_str(x->ndim, x->shape, s2, sizeof s2));
        return false;
    }
    const ct_tensor *ps[2] = {w, b};
    const char *names[2] = {"weight", "bias"};
    for (int k = 0; k < 2; k++) {
        const ct_tensor *p = ps[k];
        if (!p) continue;
        bool same = p->ndim == ns.ndim;
        for (int i = 0; same && i < ns.ndim; i++) same = p->shape[i] == ns.d[i];
        if (!same) {
            ct__error(CT_ERR_RUNTIME, fn,
                      "Expected %s to be of same shape as normalized_shape, but got %s of shape %s and "
                      "normalized_shape = %s",
                      names[k], names[k], ct__shape_str(p->ndim, p->shape, s1, sizeof s1),
                      ct__shape_str(ns.ndim, ns.d, s2, sizeof s2));
            return false;
        }
        if (p->dtype != x->dtype) {
            ct__error(CT_ERR_TYPE, fn, "expected scalar type %s but found %s", ct__scalar_type_name(x->dtype),
                      ct__scalar_type_name(p->dtype));
            return false;
        }
        if (!ct__check_same_device(x, p, fn)) return false;
    }
    return true;
}

ct_tensor *ct_layer_norm(ct_tensor *x, ct_shape normalized_shape, ct_tensor *weight, ct_tensor *bias,
                         double eps) {
    const char *fn = "ct_layer_norm";
    CT_CHECK_ARG(x, fn, "input");
    if (!ln_check(fn, x, normalized_shape, weight, bias)) return NULL;
    int64_t N = ct__numel(normalized_shape.ndim, normalized_shape.d);
    int64_t M = ct__numel(x->ndim - normalized_shape.ndim, x->shape);
    ct_tensor *mean = f64_vec(M, fn), *rstd = f64_vec(M, fn), *xc = ct__fn_contig(x);
    ct_tensor *wc = weight ? ct__fn_contig(weight) : NULL, *bc = bias ? ct__fn_contig(bias) : NULL;
    ct_tensor *out = ct__tensor_empty(x->ndim, x->shape, x->dtype, CT_CPU, fn);
    ct_tensor *tmp[] = {mean, rstd, xc, wc, bc};
    if (mean && rstd && xc && out && (!weight || wc) && (!bias || bc)) {
        if (M > 0 && N > 0)
            ct__layer_norm_forward(x->dtype, ct__data(xc), wc ? ct__data(wc) : NULL, bc ? ct__data(bc) : NULL,
                                   ct__data(out), M, N, eps, dptr(mean), dptr(rstd));
        else
            for (int64_t i = 0; i < M; i++) dptr(mean)[i] = 0, dptr(rstd)[i] = 1 / sqrt(eps);
        ct_tensor *ins[3] = {x, weight, bias};
        ct_node *n = ct__record(&ln_type, out, 3, ins, NUM_SAVED, sizeof(norm_ctx));
        if (n) {
            norm_ctx *c = n->ctx;
            c->eps = eps;
            c->k = normalized_shape.ndim;
            ct__save(n, SAVED_X, x);
            if (weight) ct__save(n, SAVED_W, weight);
            ct__save(n, SAVED_MEAN, mean);
            ct__save(n, SAVED_INVSTD, rstd);
        }
    } else {
        ct_free(out);
        out = NULL;
    }
    for (size_t i = 0; i < sizeof tmp / sizeof *tmp; i++) ct_free(tmp[i]);
    return out;
}
