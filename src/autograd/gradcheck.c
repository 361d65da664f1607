/*
 * src/autograd/gradcheck.c - torch.autograd.gradcheck: numerical Jacobian by
 * central differences against the analytical one from ct_grad, column by
 * column; and gradgradcheck through a wrapper that differentiates once with
 * create_graph.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Element k (C order) of a tensor of any layout, as a pointer. */
static double *elem(ct_tensor *t, int64_t k) {
    int64_t off = t->offset;
    for (int d = t->ndim - 1; d >= 0; d--) {
        off += (k % t->shape[d]) * t->strides[d];
        k /= t->shape[d];
    }
    return (double *)t->storage->data + off;
}

/* fn(inputs) flattened into out[] (numel values); returns the count or -1. */
static int64_t eval_flat(ct_gradcheck_fn fn, void *ctx, ct_tensor *const *in, int n, double **out) {
    int64_t count = -1;
    CT_SCOPE {
        ct_tensor *y = fn(in, n, ctx);
        if (y) {
            count = ct__numel(y->ndim, y->shape);
            *out = malloc(sizeof(double) * (size_t)(count ? count : 1));
            if (*out) ct_copy_to_buffer(y, *out, CT_F64, (size_t)count);
            else count = -1;
        }
    }
    return count;
}

static int check_first_order(ct_gradcheck_args *a) {
    const char *fn = "ct_gradcheck";
    double eps = a->eps > 0 ? a->eps : 1e-6, atol = a->atol > 0 ? a->atol : 1e-5,
           rtol = a->rtol > 0 ? a->rtol : 1e-3;
    double *y0 = NULL;
    int64_t nout;
    CT_NO_GRAD { nout = eval_flat(a->fn, a->ctx, a->inputs, a->ninputs, &y0); }
    if (nout < 0) return ct_last_error_code() ? ct_last_error_code() : CT_ERR_RUNTIME;
    free(y0);
    int rc = 0;
    for (int i = 0; i < a->ninputs && rc == 0; i++) {
        ct_tensor *x = a->inputs[i];
        if (!x || !x->requires_grad) continue;
        if (x->dtype != CT_F64) {
            ct__error(CT_ERR_TYPE, fn, "input %d is %s: gradcheck needs float64 inputs", i,
                      ct_dtype_torch_name(x->dtype));
            return CT_ERR_TYPE;
        }
        int64_t nin = ct__numel(x->ndim, x->shape);
        /* Numerical Jacobian: column k = (f(x + eps e_k) - f(x - eps e_k)) / 2 eps. */
        size_t cells = (size_t)(nin * nout) + 1;
        double *num = calloc(cells, sizeof(double));
        double *ana = calloc(cells, sizeof(double));
        if (!num || !ana) {
            free(num);
            free(ana);
            return CT_ERR_OOM;
        }
        for (int64_t k = 0; k < nin && rc == 0; k++) {
            double *p = elem(x, k), orig = *p, *yp = NULL, *ym = NULL;
            int64_t c1, c2;
            *p = orig + eps;
            CT_NO_GRAD { c1 = eval_flat(a->fn, a->ctx, a->inputs, a->ninputs, &yp); }
            *p = orig - eps;
            CT_NO_GRAD { c2 = eval_flat(a->fn, a->ctx, a->inputs, a->ninputs, &ym); }
            *p = orig;
            if (c1 != nout || c2 != nout) rc = CT_ERR_RUNTIME;
            for (int64_t j = 0; rc == 0 && j < nout; j++) num[j * nin + k] = (yp[j] - ym[j]) / (2 * eps);
            free(yp);
            free(ym);
        }
        /* Analytical Jacobian: row j = grad of output element j. */
        for (int64_t j = 0; j < nout && rc == 0; j++) {
            CT_SCOPE {
                ct_tensor *y = a->fn(a->inputs, a->ninputs, a->ctx);
                if (!y) {
                    rc = ct_last_error_code();
                } else if (!y->requires_grad) {
                    /* Output does not depend on the inputs: the analytical Jacobian is zero. */
                } else {
                    /* One-hot output gradient e_j. */
                    ct_tensor *v = ct_zeros_like(y);
                    int64_t idx[CT_MAX_DIMS], r = j;
                    for (int d = v->ndim - 1; d >= 0; d--) {
                        idx[d] = r % v->shape[d];
                        r /= v->shape[d];
                    }
                    ct_set(v, idx, 1.0);
                    ct_tensor *g[1] = {NULL};
                    rc = ct_grad(&y, 1, &x, 1, g, .grad_outputs = &v, .allow_unused = true);
                    if (rc == 0 && g[0]) {
                        ct_tensor *gc = ct_to_dtype(g[0], CT_F64);
                        for (int64_t k = 0; k < nin; k++) ana[j * nin + k] = *elem(gc, k);
                    }
                }
            }
        }
        for (int64_t j = 0; j < nout && rc == 0; j++)
            for (int64_t k = 0; k < nin; k++) {
                double nv = num[j * nin + k], av = ana[j * nin + k];
                if (!(fabs(nv - av) <= atol + rtol * fabs(nv))) {
                    ct__error(CT_ERR_RUNTIME, fn,
                              "Jacobian mismatch for output 0 with respect to input %d,\n"
                              "at input element %lld and output element %lld:\n"
                              "numerical:  %.10g\nanalytical: %.10g\n(atol %g, rtol %g, eps %g)",
                              i, (long long)k, (long long)j, nv, av, atol, rtol, eps);
                    rc = CT_ERR_RUNTIME;
                    break;
                }
            }
        free(num);
        free(ana);
    }
    return rc;
}

/* gradgradcheck: the gradient of fn w.r.t. input `which`, for a fixed output gradient v. */
typedef struct {
    ct_gradcheck_fn fn;
    void *ctx;
    int which;
    ct_tensor *v;
} second_ctx;

static ct_tensor *grad_of_fn(ct_tensor *const *in, int n, void *vctx) {
    second_ctx *c = vctx;
    /* The numerical Jacobian evaluates this under no_grad, but the inner gradient needs a graph. */
    bool was = ct_set_grad_enabled(true);
    ct_tensor *y = c->fn(in, n, c->ctx), *g[1] = {NULL}, *r = NULL;
    ct_tensor *x = in[c->which], *v = c->v;
    if (y && !y->requires_grad) r = ct_zeros_like(x);
    else if (y && ct_grad(&y, 1, &x, 1, g, .grad_outputs = &v, .create_graph = true,
                          .allow_unused = true) == 0)
        r = g[0] ? g[0] : ct_zeros_like(x);
    ct_set_grad_enabled(was);
    return r;
}

int ct_gradcheck_(ct_gradcheck_args a) {
    const char *fn = "ct_gradcheck";
    CT_CHECK_ARG_RET(a.fn, fn, "fn", CT_ERR_NULL);
    if (a.ninputs <= 0 || !a.inputs) {
        ct__error(CT_ERR_VALUE, fn, "gradcheck needs at least one input");
        return CT_ERR_VALUE;
    }
    bool any = false;
    for (int i = 0; i < a.ninputs; i++) {
        CT_CHECK_ARG_RET(a.inputs[i], fn, "inputs", CT_ERR_NULL);
        any = any || a.inputs[i]->requires_grad;
    }
    if (!any) {
        ct__error(CT_ERR_VALUE, fn,
                  "gradcheck expects at least one input tensor to require gradient, but none of "
                  "the them have requires_grad=True.");
        return CT_ERR_VALUE;
    }
    bool was = ct_set_grad_enabled(true);
    int rc = check_first_order(&a);
    for (int k = 0; rc == 0 && a.second_order && k < a.ninputs; k++) {
        if (!a.inputs[k]->requires_grad) continue;
        CT_SCOPE {
            /* A fixed random output gradient, as gradgradcheck draws one. */
            ct_tensor *y = NULL;
            CT_NO_GRAD { y = a.fn(a.inputs, a.ninputs, a.ctx); }
            if (!y) {
                rc = ct_last_error_code();
            } else {
                ct_generator *gen = ct_generator_new(1234 + (uint64_t)k);
                ct_tensor *v = ct_randn(ct_shape_of(y), .dtype = CT_F64, .generator = gen);
                ct_generator_free(gen);
                second_ctx sc = {a.fn, a.ctx, k, v};
                ct_gradcheck_args b = a;
                b.fn = grad_of_fn;
                b.ctx = &sc;
                b.second_order = false;
                rc = check_first_order(&b);
                if (rc != 0) {
                    char msg[1024];
                    snprintf(msg, sizeof msg, "%s", ct_last_error());
                    ct__error(CT_ERR_RUNTIME, fn, "second order (gradient of the gradient w.r.t. input %d): %s",
                              k, msg);
                }
            }
        }
    }
    ct_set_grad_enabled(was);
    return rc;
}
