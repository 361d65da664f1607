/*
 * src/ops/activation.c - leaky_relu, elu, gelu, silu, softplus, hardtanh
 * (and the in-place leaky_relu_ / elu_), with their backward.
 *
 * The backward reads the saved input (or, for the in-place forms, the saved
 * result, as PyTorch's LeakyReluBackward1 / EluBackward1 do). Without
 * create_graph it is one fused pass, grad * f'(x) (src/kernels/activation.c);
 * with create_graph it is written with differentiable public ops, so
 * higher-order gradients follow.
 */
#include <math.h>
#include <string.h>

#include "../kernels/activation.h"
#include "functional_internal.h"

#define INV_SQRT_2PI 0.39894228040143267794
#define SQRT_2_PI 0.79788456080286535588
#define GELU_KAPPA 0.044715

static ct_scalar fsc(double v) { return ct_scalar_float(v); }

/* Runs the forward loop: out = f(x); dst is NULL (allocate) or x (in place). */
static ct_tensor *act_run(const char *fn, const ct_act_params *p, ct_tensor *dst, ct_tensor *x) {
    ct_tensor *out = dst ? dst : ct__tensor_empty(x->ndim, x->shape, x->dtype, CT_CPU, fn);
    if (!out) return NULL;
    ct_iter it;
    ct__iter_init(&it, x->ndim, x->shape, 2, (ct_tensor *[]){out, x});
    ct__iter_run(&it, ct__act_forward_loop(x->dtype), (void *)p);
    if (dst) ct__bump_version(dst);
    return out;
}

/* grad * f'(v) in one pass, for a backward without create_graph. */
static ct_tensor *act_grad_fused(const ct_act_params *p, ct_tensor *g, ct_tensor *v) {
    ct_tensor *gc = g->dtype == v->dtype ? g : ct__to_dtype(g, v->dtype);
    if (!gc) return NULL;
    ct_tensor *out = ct__tensor_empty(v->ndim, v->shape, v->dtype, CT_CPU, "backward");
    if (!out) return NULL;
    ct_iter it;
    ct__iter_init(&it, v->ndim, v->shape, 3, (ct_tensor *[]){out, gc, v});
    ct__iter_run(&it, ct__act_backward_loop(v->dtype), (void *)p);
    return out;
}

ct_tensor *ct__threshold_backward(ct_tensor *g, ct_tensor *result) {
    ct_act_params p = {CT_ACT_RELU, 0, 0, true};
    return act_grad_fused(&p, g, result);
}

/* ------------------------------------------------- normal CDF (gelu helper) */

/*
 * Phi(x) as a differentiable op, so that gelu's create_graph backward,
 * g * (Phi(x) + x phi(x)), can be differentiated again: dPhi/dx = phi(x).
 */
static ct_tensor *normal_pdf(ct_tensor *v) {
    return ct_mul_sc(ct_exp(ct_mul_sc(ct_square(v), fsc(-0.5))), fsc(INV_SQRT_2PI));
}

static int normal_cdf_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    ct_tensor *v = ct__saved(n, 0);
    if (!v) return ct_last_error_code();
    if (ct__needs_grad(n, 0)) gi[0] = ct_mul(g[0], normal_pdf(v));
    return 0;
}
static const ct_node_type normal_cdf_type = {"NormalCdfBackward0", normal_cdf_backward};

static ct_tensor *normal_cdf(ct_tensor *x) {
    if (!x) return NULL;
    ct_act_params p = {CT_ACT_NORMAL_CDF, 0, 0, false};
    ct_tensor *out = act_run("ct_gelu", &p, NULL, x);
    if (!out) return NULL;
    ct_node *n = ct__record(&normal_cdf_type, out, 1, &x, 1, 0);
    if (n) ct__save(n, 0, x);
    return out;
}

/* -------------------------------------------------------------- backward */

/* grad * f'(v) with public ops (recorded under create_graph). */
static ct_tensor *act_grad_composite(const ct_act_params *p, ct_tensor *g, ct_tensor *v) {
    switch (p->kind) {
    case CT_ACT_LEAKY_RELU:
        return ct_where(ct_gt_sc(v, fsc(0)), g, ct_mul_sc(g, fsc(p->a)));
    case CT_ACT_ELU: {
        ct_tensor *neg = p->from_result ? ct_add_sc(v, fsc(p->a)) : ct_mul_sc(ct_exp(v), fsc(p->a));
        return ct_where(ct_gt_sc(v, fsc(0)), g, ct_mul(g, neg));
    }
    case CT_ACT_GELU:
        return ct_mul(g, ct_add(normal_cdf(v), ct_mul(v, normal_pdf(v))));
    case CT_ACT_GELU_TANH: {
        ct_tensor *v2 = ct_square(v);
        ct_tensor *inner = ct_mul_sc(ct_add(v, ct_mul_sc(ct_mul(v2, v), fsc(GELU_KAPPA))), fsc(SQRT_2_PI));
        ct_tensor *th = ct_tanh(inner);
        ct_tensor *left = ct_mul_sc(ct_add_sc(th, fsc(1)), fsc(0.5));
        ct_tensor *sech2 = ct_rsub_sc(ct_square(th), fsc(1));
        ct_tensor *dinner = ct_add_sc(ct_mul_sc(v2, fsc(3 * GELU_KAPPA)), fsc(1));
        ct_tensor *right = ct_mul(ct_mul_sc(ct_mul(v, sech2), fsc(0.5 * SQRT_2_PI)), dinner);
        return ct_mul(g, ct_add(left, right));
    }
    case CT_ACT_SILU: {
        ct_tensor *s = ct_sigmoid(v);
        return ct_mul(ct_mul(g, s), ct_add_sc(ct_mul(v, ct_rsub_sc(s, fsc(1))), fsc(1)));
    }
    case CT_ACT_SOFTPLUS: {
        ct_tensor *bx = ct_mul_sc(v, fsc(p->a));
        return ct_where(ct_gt_sc(bx, fsc(p->b)), g, ct_mul(g, ct_sigmoid(bx)));
    }
    case CT_ACT_HARDTANH: {
        ct_tensor *inside = ct_logical_and(ct_gt_sc(v, fsc(p->a)), ct_lt_sc(v, fsc(p->b)));
        return ct_where_sc_other(inside, g, fsc(0));
    }
    default: return NULL;
    }
}

static int act_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const ct_act_params *p = n->ctx;
    if (p->from_result && p->a < 0) { /* PyTorch refuses these: the result does not determine x */
        if (p->kind == CT_ACT_LEAKY_RELU)
            ct__error(CT_ERR_RUNTIME, n->type->name,
                      "In-place leakyReLu backward calculation is triggered with a negative slope "
                      "which is not supported. This is caused by calling in-place forward function "
                      "with a negative slope, please call out-of-place version instead. File an "
                      "issue at https://github.com/pytorch/pytorch if you do require supporting "
                      "in-place leakRelu backward calculation with negative slope");
        else
            ct__error(CT_ERR_RUNTIME, n->type->name,
                      "In-place elu backward calculation is triggered with a negative slope which "
                      "is not supported. This is caused by calling in-place forward function with "
                      "a negative slope, please call out-of-place version instead.");
        return CT_ERR_RUNTIME;
    }
    ct_tensor *v = ct__saved(n, 0);
    if (!v) return ct_last_error_code();
    if (!ct__needs_grad(n, 0)) return 0;
    gi[0] = ct_is_grad_enabled() ? act_grad_composite(p, g[0], v) : act_grad_fused(p, g[0], v);
    return gi[0] ? 0 : ct_last_error_code();
}

static const ct_node_type leaky_type = {"LeakyReluBackward0", act_backward};
static const ct_node_type leaky_inplace_type = {"LeakyReluBackward1", act_backward};
static const ct_node_type elu_type = {"EluBackward0", act_backward};
static const ct_node_type elu_inplace_type = {"EluBackward1", act_backward};
static const ct_node_type gelu_type = {"GeluBackward0", act_backward};
static const ct_node_type silu_type = {"SiluBackward0", act_backward};
static const ct_node_type softplus_type = {"SoftplusBackward0", act_backward};
static const ct_node_type hardtanh_type = {"HardtanhBackward0", act_backward};

/* --------------------------------------------------------------- forward */

/* Out of place: y = f(x), saving x for the backward. */
static ct_tensor *act(const char *fn, const char *kernel, const ct_node_type *type,
                      ct_act_params p, ct_tensor *x) {
    CT_CHECK_ARG(x, fn, "input");
    if (!ct__fn_require_float(x, fn, kernel)) return NULL;
    ct_tensor *out = act_run(fn, &p, NULL, x);
    if (!out) return NULL;
    ct_node *n = ct__record(type, out, 1, &x, 1, sizeof(ct_act_params));
    if (n) {
        *(ct_act_params *)n->ctx = p;
        ct__save(n, 0, x);
    }
    return out;
}

/* In place: x = f(x), saving the result (PyTorch's *Backward1 nodes). Returns x. */
static ct_tensor *act_(const char *fn, const char *kernel, const ct_node_type *type,
                       ct_act_params p, ct_tensor *x) {
    CT_CHECK_ARG(x, fn, "input");
    if (!ct__fn_require_float(x, fn, kernel)) return NULL;
    if (!ct__check_inplace(x, fn)) return NULL;
    if (!act_run(fn, &p, x, x)) return NULL;
    p.from_result = true;
    ct_node *n = ct__record(type, x, 1, &x, 1, sizeof(ct_act_params));
    if (n) {
        *(ct_act_params *)n->ctx = p;
        ct__save_output(n, 0, x, 0);
    }
    return x;
}

ct_tensor *ct_leaky_relu(ct_tensor *x, double negative_slope) {
    ct_act_params p = {CT_ACT_LEAKY_RELU, negative_slope, 0, false};
    return act("ct_leaky_relu", "leaky_relu_cpu", &leaky_type, p, x);
}

ct_tensor *ct_leaky_relu_(ct_tensor *x, double negative_slope) {
    ct_act_params p = {CT_ACT_LEAKY_RELU, negative_slope, 0, false};
    return act_("ct_leaky_relu_", "leaky_relu_cpu", &leaky_inplace_type, p, x);
}

ct_tensor *ct_elu(ct_tensor *x, double alpha) {
    ct_act_params p = {CT_ACT_ELU, alpha, 0, false};
    return act("ct_elu", "elu_cpu", &elu_type, p, x);
}

ct_tensor *ct_elu_(ct_tensor *x, double alpha) {
    ct_act_params p = {CT_ACT_ELU, alpha, 0, false};
    return act_("ct_elu_", "elu_cpu", &elu_inplace_type, p, x);
}

ct_tensor *ct_gelu(ct_tensor *x, ct_gelu_approx approximate) {
    ct_act_params p = {approximate == CT_GELU_TANH ? CT_ACT_GELU_TANH : CT_ACT_GELU, 0, 0, false};
    return act("ct_gelu", "GeluKernelImpl", &gelu_type, p, x);
}

ct_tensor *ct_gelu_str(ct_tensor *x, const char *approximate) {
    CT_CHECK_ARG(approximate, "ct_gelu", "approximate");
    if (strcmp(approximate, "none") == 0) return ct_gelu(x, CT_GELU_NONE);
    if (strcmp(approximate, "tanh") == 0) return ct_gelu(x, CT_GELU_TANH);
    ct__error(CT_ERR_RUNTIME, "ct_gelu", "approximate argument must be either none or tanh.");
    return NULL;
}

ct_tensor *ct_silu(ct_tensor *x) {
    ct_act_params p = {CT_ACT_SILU, 0, 0, false};
    return act("ct_silu", "silu_cpu", &silu_type, p, x);
}

ct_tensor *ct_softplus(ct_tensor *x, double beta, double threshold) {
    ct_act_params p = {CT_ACT_SOFTPLUS, beta, threshold, false};
    return act("ct_softplus", "softplus_cpu", &softplus_type, p, x);
}

ct_tensor *ct_hardtanh(ct_tensor *x, double min_val, double max_val) {
    CT_CHECK_ARG(x, "ct_hardtanh", "input");
    if (!ct_dtype_is_floating(x->dtype)) { /* integers: a plain clamp, as torch.hardtanh does */
        if (x->dtype == CT_BOOL) {
            ct__error(CT_ERR_RUNTIME, "ct_hardtanh", "Bool inputs not supported for hardtanh");
            return NULL;
        }
        return ct_clamp_sc(x, ct_scalar_int((int64_t)min_val), ct_scalar_int((int64_t)max_val));
    }
    ct_act_params p = {CT_ACT_HARDTANH, min_val, max_val, false};
    return act("ct_hardtanh", "hardtanh", &hardtanh_type, p, x);
}
