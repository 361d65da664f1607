/*
 * src/ops/conv_op.c - the convolution products (forward, gradient of the
 * input, gradient of the weight) as recorded ops. They are closed under
 * differentiation: each one's backward is made of the other two (all are
 * bilinear), so the backward of conv2d runs on the fast kernels and is
 * itself differentiable, with no separate "double backward" code.
 *
 *   y  = F(x, w):   dx = I(G, w),   dw = W(x, G),   db = sum G
 *   gx = I(gy, w):  dgy = F(G, w),  dw = W(G, gy),  db = sum G
 *   gw = W(x, gy):  dx = I(gy, G),  dgy = F(x, G)
 *
 * A backward that is not itself recorded (no create_graph) takes dw and db
 * of y = F(x, w) + b from one kernel call, in one pass over G.
 */
#include <string.h>

#include "conv_internal.h"

bool ct__conv_expand_arg(ct_shape s, int nd, int64_t def, const char *what, int64_t *out,
                         const char *fn) {
    if (s.ndim == 0) {
        for (int i = 0; i < nd; i++) out[i] = def;
        return true;
    }
    if (s.ndim == 1 || s.ndim == nd) {
        for (int i = 0; i < nd; i++) out[i] = s.d[s.ndim == 1 ? 0 : i];
        return true;
    }
    char buf[128];
    ct__error(CT_ERR_RUNTIME, fn,
              "expected %s to be a single integer value or a list of %d values to match the "
              "convolution dimensions, but got %s=%s",
              what, nd, what, ct__shape_str(s.ndim, s.d, buf, sizeof buf));
    return false;
}

static const char *tensor_type_name(ct_dtype d) {
    return d == CT_F32 ? "torch.FloatTensor" : d == CT_F64 ? "torch.DoubleTensor" : "torch.LongTensor";
}

bool ct__conv_check_types(ct_tensor *x, ct_tensor *w, ct_tensor *b, const char *fn) {
    if (!ct__check_same_device(x, w, fn) || (b && !ct__check_same_device(x, b, fn))) return false;
    if (x->dtype != w->dtype) {
        if (x->dtype == CT_F32 || !ct_dtype_is_floating(x->dtype))
            ct__error(CT_ERR_RUNTIME, fn,
                      "Input type (%s) and weight type (%s) should be the same or input should be a "
                      "MKLDNN tensor and weight is a dense tensor",
                      tensor_type_name(x->dtype), tensor_type_name(w->dtype));
        else
            ct__error(CT_ERR_RUNTIME, fn, "expected scalar type %s but found %s",
                      ct__scalar_type_name(x->dtype), ct__scalar_type_name(w->dtype));
        return false;
    }
    if (b && b->dtype != x->dtype) {
        ct__error(CT_ERR_RUNTIME, fn, "Input type (%s) and bias type (%s) should be the same",
                  x->dtype == CT_F32 ? "float" : "double", b->dtype == CT_F64 ? "double" : "float");
        return false;
    }
    /* PyTorch 1.13 also has a slow integer convolution; ctorch's kernels are floating only. */
    return ct__fn_require_float(x, fn, "slow_conv2d_cpu");
}

typedef struct {
    ct_conv_geom g;
    ct_conv_kind kind;
} conv_ctx;

/*
 * The weight and bias gradients of y = F(x, w) + b in one pass over G
 * (gw, gb: new tensors). Only where the backward is not itself recorded:
 * a recorded gw is the differentiable product W(x, G).
 */
static int weight_and_bias_grads(ct_tensor *x, ct_tensor *G, const ct_conv_geom *g, ct_tensor **gw,
                                 ct_tensor **gb, const char *fn) {
    int64_t wshape[4] = {g->O, g->C / g->groups, g->KH, g->KW};
    ct_tensor *xc = ct__fn_contig(x), *Gc = xc ? ct__fn_contig(G) : NULL;
    *gw = Gc ? ct__tensor_empty(4, wshape, x->dtype, CT_CPU, fn) : NULL;
    *gb = *gw ? ct__tensor_empty(1, &g->O, x->dtype, CT_CPU, fn) : NULL; /* the bias has x's dtype (checked) */
    int rc = *gb ? ct__conv2d_backward_weight_bias(x->dtype, g, ct__data(xc), ct__data(Gc), ct__data(*gw),
                                                   ct__data(*gb), CT_CONV_AUTO, fn)
                 : -1;
    ct_free(xc);
    ct_free(Gc);
    return rc;
}

/*
 * All gradients of y = F(x, w) (+ b) from one kernel call (gx, gw and, with
 * a bias, gb: new tensors), so the kernel can share work between them (oneDNN
 * reorders G once). Only where the backward is not itself recorded.
 */
static int all_grads(ct_tensor *x, ct_tensor *w, ct_tensor *G, const ct_conv_geom *g, bool bias, ct_tensor **gi,
                     const char *fn) {
    int64_t wshape[4] = {g->O, g->C / g->groups, g->KH, g->KW}, xshape[4] = {g->N, g->C, g->H, g->W};
    ct_tensor *xc = ct__fn_contig(x), *wc = xc ? ct__fn_contig(w) : NULL, *Gc = wc ? ct__fn_contig(G) : NULL;
    gi[0] = Gc ? ct__tensor_empty(4, xshape, x->dtype, CT_CPU, fn) : NULL;
    gi[1] = gi[0] ? ct__tensor_empty(4, wshape, x->dtype, CT_CPU, fn) : NULL;
    gi[2] = gi[1] && bias ? ct__tensor_empty(1, &g->O, x->dtype, CT_CPU, fn) : NULL;
    int rc = gi[1] && (!bias || gi[2]) ? ct__conv2d_backward(x->dtype, g, ct__data(xc), ct__data(wc), ct__data(Gc),
                                                           ct__data(gi[0]), ct__data(gi[1]),
                                                           bias ? ct__data(gi[2]) : NULL, CT_CONV_AUTO, fn)
                                       : -1;
    ct_free(xc);
    ct_free(wc);
    ct_free(Gc);
    return rc;
}

static int conv_backward(ct_node *n, ct_tensor *const *gr, ct_tensor **gi) {
    const conv_ctx *c = n->ctx;
    const char *fn = n->type->name;
    ct_tensor *a = ct__saved(n, 0), *b = ct__saved(n, 1), *G = gr[0];
    if (!a || !b) return ct_last_error_code();
    switch (c->kind) {
    case CT_CONV_KIND_FORWARD:
        if (ct__needs_grad(n, 0) && ct__needs_grad(n, 1) && (n->num_inputs < 3 || ct__needs_grad(n, 2)) &&
            !ct_is_grad_enabled()) {
            if (all_grads(a, b, G, &c->g, n->num_inputs > 2, gi, fn) != 0) return ct_last_error_code();
            break;
        }
        if (ct__needs_grad(n, 0)) gi[0] = ct__conv_op(CT_CONV_KIND_INPUT, G, b, NULL, &c->g, fn);
        if (ct__needs_grad(n, 1) && ct__needs_grad(n, 2) && !ct_is_grad_enabled()) {
            if (weight_and_bias_grads(a, G, &c->g, &gi[1], &gi[2], fn) != 0) return ct_last_error_code();
        } else if (ct__needs_grad(n, 1)) {
            gi[1] = ct__conv_op(CT_CONV_KIND_WEIGHT, a, G, NULL, &c->g, fn);
        }
        break;
    case CT_CONV_KIND_INPUT:
        if (ct__needs_grad(n, 0)) gi[0] = ct__conv_op(CT_CONV_KIND_FORWARD, G, b, NULL, &c->g, fn);
        if (ct__needs_grad(n, 1)) gi[1] = ct__conv_op(CT_CONV_KIND_WEIGHT, G, a, NULL, &c->g, fn);
        break;
    case CT_CONV_KIND_WEIGHT:
        if (ct__needs_grad(n, 0)) gi[0] = ct__conv_op(CT_CONV_KIND_INPUT, b, G, NULL, &c->g, fn);
        if (ct__needs_grad(n, 1)) gi[1] = ct__conv_op(CT_CONV_KIND_FORWARD, a, G, NULL, &c->g, fn);
        break;
    }
    if (ct__needs_grad(n, 2) && !gi[2]) gi[2] = ct_sum_dims(G, CT_DIMS(0, 2, 3), false);
    for (int i = 0; i < n->num_inputs; i++)
        if (ct__needs_grad(n, i) && !gi[i]) return ct_last_error_code();
    return 0;
}

static const ct_node_type conv_type = {"ConvolutionBackward0", conv_backward};
static const ct_node_type conv_bwd_type = {"ConvolutionBackwardBackward0", conv_backward};

/* out[:, c] += bias[c] for out (N, C, H, W) contiguous. */
static void add_channel_bias(ct_tensor *out, ct_tensor *bias) {
    int64_t N = out->shape[0], C = out->shape[1], HW = out->shape[2] * out->shape[3];
    size_t bes = ct_dtype_size(bias->dtype);
    for (int64_t n = 0; n < N; n++)
        for (int64_t c = 0; c < C; c++) {
            double bv = ct__load_f64((char *)ct__data(bias) + (size_t)(c * bias->strides[0]) * bes, bias->dtype);
            if (out->dtype == CT_F32) {
                float *p = (float *)ct__data(out) + (n * C + c) * HW;
                for (int64_t k = 0; k < HW; k++) p[k] += (float)bv;
            } else {
                double *p = (double *)ct__data(out) + (n * C + c) * HW;
                for (int64_t k = 0; k < HW; k++) p[k] += bv;
            }
        }
}

static int run_kernel(ct_conv_kind kind, ct_tensor *ac, ct_tensor *bc, ct_tensor *bias, ct_tensor *out,
                      const ct_conv_geom *g, const char *fn) {
    ct_dtype dt = out->dtype;
    if (kind == CT_CONV_KIND_INPUT) {
        if (ct__conv2d_backward_input(dt, g, ct__data(ac), ct__data(bc), ct__data(out), CT_CONV_AUTO, fn)) return -1;
        if (bias) add_channel_bias(out, bias);
        return 0;
    }
    if (kind == CT_CONV_KIND_WEIGHT)
        return ct__conv2d_backward_weight(dt, g, ct__data(ac), ct__data(bc), ct__data(out), CT_CONV_AUTO, fn);
    ct_tensor *biasc = bias ? ct__fn_contig(bias) : NULL;
    if (bias && !biasc) return -1;
    int rc = ct__conv2d_forward(dt, g, ct__data(ac), ct__data(bc), biasc ? ct__data(biasc) : NULL,
                                ct__data(out), CT_CONV_AUTO, fn);
    ct_free(biasc);
    return rc;
}

ct_tensor *ct__conv_op(ct_conv_kind kind, ct_tensor *a, ct_tensor *b, ct_tensor *bias,
                       const ct_conv_geom *g, const char *fn) {
    CT_CHECK_ARG(a, fn, "input");
    CT_CHECK_ARG(b, fn, "weight");
    int64_t shape[4];
    if (kind == CT_CONV_KIND_FORWARD) memcpy(shape, (int64_t[]){g->N, g->O, g->OH, g->OW}, sizeof shape);
    else if (kind == CT_CONV_KIND_INPUT) memcpy(shape, (int64_t[]){g->N, g->C, g->H, g->W}, sizeof shape);
    else memcpy(shape, (int64_t[]){g->O, g->C / g->groups, g->KH, g->KW}, sizeof shape);
    ct_tensor *ac = ct__fn_contig(a), *bc = ac ? ct__fn_contig(b) : NULL;
    ct_tensor *out = bc ? ct__tensor_empty(4, shape, a->dtype, CT_CPU, fn) : NULL;
    int rc = out ? run_kernel(kind, ac, bc, bias, out, g, fn) : -1;
    ct_free(ac);
    ct_free(bc);
    if (rc != 0) {
        ct_free(out);
        return NULL;
    }
    ct_tensor *ins[3] = {a, b, bias};
    bool top = kind != CT_CONV_KIND_WEIGHT && strncmp(fn, "ct_", 3) == 0;
    ct_node *n = ct__record(top ? &conv_type : &conv_bwd_type, out, bias ? 3 : 2, ins, 2, sizeof(conv_ctx));
    if (n) {
        conv_ctx *c = n->ctx;
        c->g = *g;
        c->kind = kind;
        ct__save(n, 0, a);
        ct__save(n, 1, b);
    }
    return out;
}
