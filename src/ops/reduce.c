/*
 * src/ops/reduce.c - reductions over all dims or a list of dims: sum, mean,
 * prod, max/min (with indices), amax/amin, argmax/argmin, var/std, norm,
 * logsumexp, all/any, count_nonzero; and the scans cumsum/cumprod.
 *
 * Each op checks its arguments with PyTorch's rules and messages, picks the
 * result dtype, allocates the result and runs a kernel of
 * src/kernels/reduce.c. The backward formulas (PyTorch 1.13's, from
 * derivatives.yaml) sit beside each forward and are written with public
 * differentiable ops, so gradients of gradients work.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../autograd/internal.h"
#include "../kernels/reduce.h"
#include "internal.h"

/* PyTorch's ScalarType names, as its messages print them. */

/* ------------------------------------------------------------ dims and meta */

/* The reduced dims of a call and the result's shape. */
typedef struct {
    bool mask[CT_MAX_DIMS]; /* input dims reduced */
    bool all;               /* no dims given: every dim */
    int ndim;               /* result */
    int64_t shape[CT_MAX_DIMS];
} rdims;

static int clamp_dim(int64_t d) { return d > INT_MAX ? INT_MAX : d < INT_MIN ? INT_MIN : (int)d; }

/* Wraps and checks dims (an empty list is every dim) and computes the result shape. */
static bool parse_dims(const char *fn, const ct_tensor *t, ct_shape dims, bool keepdim,
                       rdims *r) {
    memset(r, 0, sizeof *r);
    if (dims.ndim < 0 || dims.ndim > CT_MAX_DIMS) {
        ct__error(CT_ERR_VALUE, fn, "expected a list of at most %d dims, got %d", CT_MAX_DIMS,
                  dims.ndim);
        return false;
    }
    bool seen[CT_MAX_DIMS] = {false};
    r->all = dims.ndim == 0;
    for (int d = 0; r->all && d < t->ndim; d++) r->mask[d] = true;
    for (int i = 0; i < dims.ndim; i++) {
        int w = ct__wrap_dim(clamp_dim(dims.d[i]), t->ndim, fn);
        if (w < 0) return false;
        if (seen[w]) {
            ct__error(CT_ERR_RUNTIME, fn, "dim %d appears multiple times in the list of dims", w);
            return false;
        }
        seen[w] = true;
        if (t->ndim > 0) r->mask[w] = true;
    }
    for (int d = 0; d < t->ndim; d++) {
        if (!r->mask[d]) r->shape[r->ndim++] = t->shape[d];
        else if (keepdim) r->shape[r->ndim++] = 1;
    }
    return true;
}

/* t itself when it has dtype d, else a converted copy the caller frees. */
static ct_tensor *cast(ct_tensor *t, ct_dtype d, const char *fn) {
    if (t->dtype == d) return t;
    ct_tensor *c = ct__tensor_empty(t->ndim, t->shape, d, t->storage->device, fn);
    if (c && ct__copy_into(c, t, fn) != 0) {
        ct_free(c);
        return NULL;
    }
    return c;
}

static void drop(ct_tensor *tmp, const ct_tensor *orig) {
    if (tmp && tmp != orig) ct_free(tmp);
}

/* r converted to dtype d (r is freed when a copy is made). */
static ct_tensor *finish_dtype(ct_tensor *r, ct_dtype d, const char *fn) {
    if (!r || d == CT_DTYPE_UNSET || r->dtype == d) return r;
    ct_tensor *c = cast(r, d, fn);
    ct_free(r);
    return c;
}

static bool check_dtype_arg(ct_dtype d, const char *fn) {
    if (d == CT_DTYPE_UNSET || ct__dtype_valid(d)) return true;
    ct__error(CT_ERR_VALUE, fn, "invalid dtype %d", (int)d);
    return false;
}

/* Runs reduction op of `in` over r into a new tensor. */
static ct_tensor *reduce_new(const char *fn, ct_reduce_op op, ct_tensor *in, const rdims *r,
                             const ct_reduce_args *a) {
    ct_dtype od = ct__reduce_out_dtype(op, in->dtype);
    if (od == CT_DTYPE_UNSET) {
        ct__error(CT_ERR_TYPE, fn, "\"%s\" not implemented for '%s'", fn + 3,
                  ct__scalar_type_name(in->dtype));
        return NULL;
    }
    ct_tensor *out = ct__tensor_empty(r->ndim, r->shape, od, in->storage->device, fn);
    if (!out) return NULL;
    ct_reduce_plan p;
    ct__reduce_plan_init(&p, in, r->mask, NULL, true);
    if (!ct__reduce(op, &p, ct__data(out), a)) {
        ct_free(out);
        ct__error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    return out;
}

ct_tensor *ct__sum_as(ct_tensor *in, const bool *mask, int ndim, const int64_t *shape,
                      const char *fn) {
    ct_dtype od = ct__reduce_out_dtype(CT_ROP_SUM, in->dtype);
    ct_tensor *out = ct__tensor_empty(ndim, shape, od, in->storage->device, fn);
    if (!out) return NULL;
    ct_reduce_plan p;
    ct__reduce_plan_init(&p, in, mask, NULL, true);
    if (!ct__reduce(CT_ROP_SUM, &p, ct__data(out), NULL)) {
        ct_free(out);
        ct__error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    return out;
}

/* ---------------------------------------------------------------- autograd */

/* What a reduction's backward needs besides its saved tensors. */
typedef struct {
    bool mask[CT_MAX_DIMS]; /* input dims reduced */
    bool keepdim;
    bool all;               /* no dims given (PyTorch's dim=None) */
    int dim;                /* single-dim ops, wrapped */
    int64_t correction;     /* var, std */
    double p;               /* norm */
} red_ctx;

/*
 * Records a one-input reduction node for out = op(in) when in is floating and
 * requires grad (an integer result is not differentiable). Returns the node
 * (ctx filled from r and keepdim) or NULL when nothing is recorded.
 */
static ct_node *record_red(const ct_node_type *type, ct_tensor *out, ct_tensor *in, int nsaved,
                           const rdims *r, bool keepdim) {
    if (!out || !ct_dtype_is_floating(out->dtype) || !ct_dtype_is_floating(in->dtype)) return NULL;
    ct_node *n = ct__record(type, out, 1, &in, nsaved, sizeof(red_ctx));
    if (!n) return NULL;
    red_ctx *c = n->ctx;
    if (r) {
        memcpy(c->mask, r->mask, sizeof c->mask);
        c->all = r->all;
    }
    c->keepdim = keepdim;
    return n;
}

/* The input's shape as a ct_shape (from the node's meta). */
static ct_shape in_shape(const ct_node *n) {
    ct_shape s = {.ndim = n->in_meta[0].ndim};
    memcpy(s.d, n->in_meta[0].shape, sizeof(int64_t) * (size_t)s.ndim);
    return s;
}

/* The reduced dims as a list (empty for a 0-d input, which reduces to itself). */
static ct_shape reduced_dims(const red_ctx *c, int ndim) {
    ct_shape s = {.ndim = 0};
    for (int d = 0; d < ndim; d++)
        if (c->mask[d]) s.d[s.ndim++] = d;
    return s;
}

/* Number of elements each output reduced (product of the reduced sizes). */
static int64_t reduced_count(const ct_node *n, const red_ctx *c) {
    int64_t k = 1;
    for (int d = 0; d < n->in_meta[0].ndim; d++)
        if (c->mask[d]) k *= n->in_meta[0].shape[d];
    return k;
}

/* PyTorch's unsqueeze_multiple: puts the reduced dims back (size 1) unless keepdim kept them. */
static ct_tensor *restore_dims(ct_tensor *g, const red_ctx *c, int ndim) {
    if (c->keepdim || !g) return g;
    /* Every dim reduced: g is 0-d, which expands to any shape as it is. */
    if (g->ndim == 0) return g;
    ct_tensor *r = g;
    for (int d = 0; d < ndim && r; d++)
        if (c->mask[d]) r = ct_unsqueeze(r, d);
    return r;
}

/* Backward functions return this: 0, or the error of the op that failed. */
static int done(const ct_node *n, ct_tensor *const *gi) {
    for (int i = 0; i < n->num_inputs; i++)
        if (ct__needs_grad(n, i) && !gi[i]) return ct_last_error_code() ? ct_last_error_code() : CT_ERR_RUNTIME;
    return 0;
}

/*
 * PyTorch's value_selecting_reduction_backward: the gradient of values picked
 * along `dim` at `indices` (max/min with dim, sort, topk, kthvalue) goes back
 * to those positions; everything else gets zero.
 */
static ct_tensor *select_backward(const ct_node *n, ct_tensor *g, int dim, ct_tensor *indices,
                                  bool keepdim) {
    ct_shape s = in_shape(n);
    if (s.ndim == 0) return ct_alias(g);
    if (!indices) return NULL;
    if (!keepdim) {
        g = ct_unsqueeze(g, dim);
        indices = ct_unsqueeze(indices, dim);
    }
    return ct_scatter(ct_zeros(s, .dtype = g ? g->dtype : CT_F64), dim, indices, g);
}

/* ----------------------------------------------------------------- sum, mean */

/* sum: the gradient expanded back over the reduced dims. */
static int sum_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const red_ctx *c = n->ctx;
    gi[0] = ct_expand(restore_dims(g[0], c, n->in_meta[0].ndim), in_shape(n));
    return done(n, gi);
}
static const ct_node_type sum_all_type = {"SumBackward0", sum_backward};
static const ct_node_type sum_dims_type = {"SumBackward1", sum_backward};

ct_tensor *ct_sum_dtype(ct_tensor *t, ct_shape dims, bool keepdim, ct_dtype dtype) {
    const char *fn = "ct_sum";
    CT_CHECK_ARG(t, fn, "input");
    rdims r;
    if (!check_dtype_arg(dtype, fn) || !parse_dims(fn, t, dims, keepdim, &r)) return NULL;
    ct_tensor *src = cast(t, dtype ? dtype : t->dtype, fn);
    if (!src) return NULL;
    ct_tensor *out = reduce_new(fn, CT_ROP_SUM, src, &r, NULL);
    drop(src, t);
    out = finish_dtype(out, dtype, fn);
    record_red(r.all ? &sum_all_type : &sum_dims_type, out, t, 0, &r, keepdim);
    return out;
}

ct_tensor *ct_sum_dims(ct_tensor *t, ct_shape dims, bool keepdim) {
    return ct_sum_dtype(t, dims, keepdim, CT_DTYPE_UNSET);
}

ct_tensor *ct_sum(ct_tensor *t) { return ct_sum_dtype(t, CT_SHAPE0, false, CT_DTYPE_UNSET); }

/* mean: the gradient divided by the number of elements averaged, expanded back. */
static int mean_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const red_ctx *c = n->ctx;
    ct_tensor *scaled = ct_div_scalar(g[0], (double)reduced_count(n, c));
    gi[0] = ct_expand(restore_dims(scaled, c, n->in_meta[0].ndim), in_shape(n));
    return done(n, gi);
}
static const ct_node_type mean_all_type = {"MeanBackward0", mean_backward};
static const ct_node_type mean_dims_type = {"MeanBackward1", mean_backward};

ct_tensor *ct_mean_dtype(ct_tensor *t, ct_shape dims, bool keepdim, ct_dtype dtype) {
    const char *fn = "ct_mean";
    CT_CHECK_ARG(t, fn, "input");
    if (!check_dtype_arg(dtype, fn)) return NULL;
    if (dtype != CT_DTYPE_UNSET && !ct_dtype_is_floating(dtype)) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "mean(): could not infer output dtype. Optional dtype must be either a "
                  "floating point or complex dtype. Got: %s", ct__scalar_type_name(dtype));
        return NULL;
    }
    if (dtype == CT_DTYPE_UNSET && !ct_dtype_is_floating(t->dtype)) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "mean(): could not infer output dtype. Input dtype must be either a floating "
                  "point or complex dtype. Got: %s", ct__scalar_type_name(t->dtype));
        return NULL;
    }
    rdims r;
    if (!parse_dims(fn, t, dims, keepdim, &r)) return NULL;
    ct_tensor *src = cast(t, dtype ? dtype : t->dtype, fn);
    if (!src) return NULL;
    ct_tensor *out = reduce_new(fn, CT_ROP_MEAN, src, &r, NULL);
    drop(src, t);
    record_red(r.all ? &mean_all_type : &mean_dims_type, out, t, 0, &r, keepdim);
    return out;
}

ct_tensor *ct_mean_dims(ct_tensor *t, ct_shape dims, bool keepdim) {
    return ct_mean_dtype(t, dims, keepdim, CT_DTYPE_UNSET);
}

ct_tensor *ct_mean(ct_tensor *t) { return ct_mean_dtype(t, CT_SHAPE0, false, CT_DTYPE_UNSET); }

/* ---------------------------------------------------------------------- prod */

/*
 * PyTorch's prod_safe_zeros_backward: the product of every other element
 * along dim, as an exclusive cumprod from the front times one from the back,
 * so zeros need no division.
 */
static ct_tensor *prod_without_each(ct_tensor *g, ct_tensor *x, int dim) {
    if (ct_numel(x) == 0) return ct_expand(g, ct_shape_of(x));
    int64_t len = x->shape[dim];
    ct_shape os = ct_shape_of(x);
    os.d[dim] = 1;
    ct_tensor *ones = ct_ones(os, .dtype = g->dtype);
    ct_tensor *front = ct_cumprod(ct_cat((ct_tensor *[]){ones, ct_narrow(x, dim, 0, len - 1)}, 2, dim), dim);
    ct_tensor *rev = ct_flip(ct_narrow(x, dim, 1, len - 1), CT_DIMS(dim));
    ct_tensor *back = ct_flip(ct_cumprod(ct_cat((ct_tensor *[]){ones, rev}, 2, dim), dim), CT_DIMS(dim));
    return ct_mul(g, ct_mul(front, back));
}

/* How many zeros x has, or -1 on error (read under no-grad: it only picks a formula). */
static int64_t count_zeros(ct_tensor *x) {
    bool was = ct_set_grad_enabled(false);
    ct_tensor *k = ct_count_nonzero(ct_eq_scalar(x, 0));
    int64_t v = k ? ct_item_int(k) : -1;
    ct_set_grad_enabled(was);
    return v;
}

/*
 * prod: grad * prod / x without zeros; with zeros, the products of the
 * others. A whole-tensor prod with several zeros has a zero gradient, which
 * PyTorch 1.13 returns as a constant (so its second order is zero too).
 */
static int prod_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const red_ctx *c = n->ctx;
    ct_tensor *x = ct__saved(n, 0), *out = ct__saved(n, 1), *gr = g[0];
    if (!x || !out) return ct_last_error_code();
    if (x->ndim == 0) {
        gi[0] = ct_alias(gr);
        return done(n, gi);
    }
    int64_t z = count_zeros(x);
    if (z < 0) return ct_last_error_code();
    bool whole = c->all; /* ct_prod: all elements (ProdBackward0) */
    if (!whole && !c->keepdim && x->ndim != 1) {
        gr = ct_unsqueeze(gr, c->dim);
        out = ct_unsqueeze(out, c->dim);
    }
    if (!z) gi[0] = ct_mul(gr, ct_div(out, x));
    else if (!whole) gi[0] = prod_without_each(gr, x, c->dim);
    else if (z > 1) gi[0] = ct_zeros_like(x, .dtype = gr->dtype); /* PyTorch 1.13: a constant, even under create_graph */
    else {
        ct_tensor *flat = ct_reshape(x, CT_SHAPE(ct_numel(x)));
        gi[0] = ct_reshape(prod_without_each(gr, flat, 0), ct_shape_of(x));
    }
    return done(n, gi);
}
static const ct_node_type prod_all_type = {"ProdBackward0", prod_backward};
static const ct_node_type prod_dim_type = {"ProdBackward1", prod_backward};

static ct_tensor *prod_impl(ct_tensor *t, ct_shape dims, bool keepdim, bool whole) {
    CT_CHECK_ARG(t, "ct_prod", "input");
    rdims r;
    if (!parse_dims("ct_prod", t, dims, keepdim, &r)) return NULL;
    ct_tensor *out = reduce_new("ct_prod", CT_ROP_PROD, t, &r, NULL);
    ct_node *n = record_red(whole ? &prod_all_type : &prod_dim_type, out, t, 2, &r, keepdim);
    if (n) {
        ((red_ctx *)n->ctx)->dim = whole || t->ndim == 0 ? 0 : ct__wrap_dim((int)dims.d[0], t->ndim, "ct_prod");
        ct__save(n, 0, t);
        ct__save_output(n, 1, out, 0);
    }
    return out;
}

ct_tensor *ct_prod(ct_tensor *t) { return prod_impl(t, CT_SHAPE0, false, true); }

ct_tensor *ct_prod_dim(ct_tensor *t, int dim, bool keepdim) {
    return prod_impl(t, CT_DIMS(dim), keepdim, false);
}

/* ---------------------------------------------------------------- max, min */

/* PyTorch refuses a max-like reduction with nothing to pick from. */
static bool check_nonempty(const char *fn, const char *name, const ct_tensor *t, const rdims *r,
                           bool index_error) {
    if (r->all && ct__numel(t->ndim, t->shape) == 0) {
        if (index_error)
            ct__error(CT_ERR_INDEX, fn,
                      "%s(): Expected reduction dim to be specified for input.numel() == 0.", name);
        else
            ct__error(CT_ERR_RUNTIME, fn,
                      "%s(): Expected reduction dim to be specified for input.numel() == 0. "
                      "Specify the reduction dim with the 'dim' argument.", name);
        return false;
    }
    for (int d = 0; d < t->ndim; d++) {
        if (r->mask[d] && t->shape[d] == 0) {
            ct__error(CT_ERR_INDEX, fn, "%s(): Expected reduction dim %d to have non-zero size.",
                      name, d);
            return false;
        }
    }
    return true;
}

/*
 * max()/min() of the whole tensor (PyTorch's evenly_distribute_backward): the
 * gradient is shared evenly by every element equal to the result (every NaN
 * when the result is NaN).
 */
static int evenly_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    ct_tensor *x = ct__saved(n, 0), *out = ct__saved(n, 1);
    if (!x || !out) return ct_last_error_code();
    ct_tensor *mask = isnan(ct_item(out)) ? ct_isnan(x) : ct_eq(x, out);
    gi[0] = ct_mul(mask, ct_div(g[0], ct_sum(mask)));
    return done(n, gi);
}
static const ct_node_type max_all_type = {"MaxBackward1", evenly_backward};
static const ct_node_type min_all_type = {"MinBackward1", evenly_backward};

/* amax/amin (scale_grad_by_count): split evenly among the elements equal to their result. */
static int amax_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const red_ctx *c = n->ctx;
    int nd = n->in_meta[0].ndim;
    ct_tensor *x = ct__saved(n, 0), *out = ct__saved(n, 1);
    if (!x || !out) return ct_last_error_code();
    ct_tensor *mask = ct_eq(restore_dims(out, c, nd), x);
    ct_tensor *count = ct_sum_dims(mask, reduced_dims(c, nd), true);
    gi[0] = ct_mul(ct_div(restore_dims(g[0], c, nd), count), mask);
    return done(n, gi);
}
static const ct_node_type amax_type = {"AmaxBackward0", amax_backward};
static const ct_node_type amin_type = {"AminBackward0", amax_backward};

static ct_tensor *extreme(const char *fn, const char *name, ct_reduce_op op, ct_tensor *t,
                          ct_shape dims, bool keepdim, const ct_node_type *type) {
    CT_CHECK_ARG(t, fn, "input");
    rdims r;
    if (!parse_dims(fn, t, dims, keepdim, &r) || !check_nonempty(fn, name, t, &r, false))
        return NULL;
    ct_tensor *out = reduce_new(fn, op, t, &r, NULL);
    ct_node *n = record_red(type, out, t, 2, &r, keepdim);
    if (n) {
        ct__save(n, 0, t);
        ct__save_output(n, 1, out, 0);
    }
    return out;
}

ct_tensor *ct_max(ct_tensor *t) {
    return extreme("ct_max", "max", CT_ROP_AMAX, t, CT_SHAPE0, false, &max_all_type);
}
ct_tensor *ct_min(ct_tensor *t) {
    return extreme("ct_min", "min", CT_ROP_AMIN, t, CT_SHAPE0, false, &min_all_type);
}

ct_tensor *ct_amax(ct_tensor *t, ct_shape dims, bool keepdim) {
    return extreme("ct_amax", "amax", CT_ROP_AMAX, t, dims, keepdim, &amax_type);
}

ct_tensor *ct_amin(ct_tensor *t, ct_shape dims, bool keepdim) {
    return extreme("ct_amin", "amin", CT_ROP_AMIN, t, dims, keepdim, &amin_type);
}

/*
 * Values and/or indices of the max (min) along one dim of `in`; `whole` means
 * the flattened tensor (argmax without dim). values may be NULL.
 */
static ct_tensor *arg_extreme(const char *fn, const char *name, bool is_max, ct_tensor *t,
                              int dim, bool whole, bool keepdim, ct_tensor **values) {
    if (values) *values = NULL;
    CT_CHECK_ARG(t, fn, "input");
    rdims r;
    if (!parse_dims(fn, t, whole ? CT_SHAPE0 : CT_DIMS(dim), keepdim, &r) ||
        !check_nonempty(fn, name, t, &r, whole))
        return NULL;
    if (!values && t->dtype == CT_BOOL && ct__numel(r.ndim, r.shape) > 0) {
        /* PyTorch has max/min kernels for bool, but no argmax/argmin one. */
        ct__error(CT_ERR_RUNTIME, fn, "\"%s_cpu\" not implemented for 'Bool'", name);
        return NULL;
    }
    ct_tensor *src = t;
    if (whole) { /* flat positions: reduce a contiguous 1-d view */
        bool was = ct_set_grad_enabled(false); /* indices are not differentiable */
        ct_tensor *c = ct_contiguous(t);
        ct_set_grad_enabled(was);
        if (!c) return NULL;
        int64_t n = ct__numel(t->ndim, t->shape), one = 1;
        src = ct__tensor_view(c, 1, &n, &one, c->offset, fn);
        ct_free(c);
        if (!src) return NULL;
        r.mask[0] = true;
    }
    ct_device dev = t->storage->device;
    ct_tensor *idx = ct__tensor_empty(r.ndim, r.shape, CT_I64, dev, fn);
    ct_tensor *val = values && idx ? ct__tensor_empty(r.ndim, r.shape, t->dtype, dev, fn) : NULL;
    if (idx && (!values || val)) {
        ct_reduce_plan p;
        ct__reduce_plan_init(&p, src, r.mask, NULL, false);
        ct__arg_reduce(is_max, &p, val ? ct__data(val) : NULL, ct__data(idx));
    } else {
        if (idx) ct_free(idx);
        idx = NULL;
    }
    drop(src, t);
    if (values) *values = val;
    return idx;
}

/* max/min with a dim, sort, topk, kthvalue: the gradient goes to the returned indices. */
int ct__select_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const red_ctx *c = n->ctx;
    ct_tensor *idx = ct__saved(n, 0);
    if (!idx) return ct_last_error_code();
    gi[0] = select_backward(n, g[0], c->dim, idx, c->keepdim);
    return done(n, gi);
}
static const ct_node_type max_dim_type = {"MaxBackward0", ct__select_backward};
static const ct_node_type min_dim_type = {"MinBackward0", ct__select_backward};

void ct__record_select(const ct_node_type *type, ct_tensor *values, ct_tensor *idx,
                          ct_tensor *t, int w, bool keepdim) {
    if (!values || !idx || !ct_dtype_is_floating(t->dtype)) return;
    /* The indices are not differentiable: the node has the values as its only output. */
    ct_node *n = ct__record(type, values, 1, &t, 1, sizeof(red_ctx));
    if (!n) return;
    red_ctx *c = n->ctx;
    c->dim = w;
    c->keepdim = keepdim;
    ct__save(n, 0, idx);
}

/* max/min with a dim: values returned, indices through the pointer. */
static ct_tensor *extreme_dim(const char *fn, const char *name, bool is_max, ct_tensor *t, int dim,
                              bool keepdim, ct_tensor **indices) {
    ct_tensor *values = NULL;
    ct_tensor *idx = arg_extreme(fn, name, is_max, t, dim, false, keepdim, &values);
    if (values)
        ct__record_select(is_max ? &max_dim_type : &min_dim_type, values, idx, t,
                      t->ndim ? ct__wrap_dim(dim, t->ndim, fn) : 0, keepdim);
    if (indices) *indices = idx;
    else if (idx) ct_free(idx);
    return values;
}

ct_tensor *ct_max_dim(ct_tensor *t, int dim, bool keepdim, ct_tensor **indices) {
    return extreme_dim("ct_max", "max", true, t, dim, keepdim, indices);
}

ct_tensor *ct_min_dim(ct_tensor *t, int dim, bool keepdim, ct_tensor **indices) {
    return extreme_dim("ct_min", "min", false, t, dim, keepdim, indices);
}

ct_tensor *ct_argmax(ct_tensor *t) { return arg_extreme("ct_argmax", "argmax", true, t, 0, true, false, NULL); }
ct_tensor *ct_argmin(ct_tensor *t) { return arg_extreme("ct_argmin", "argmin", false, t, 0, true, false, NULL); }

ct_tensor *ct_argmax_dim(ct_tensor *t, int dim, bool keepdim) {
    return arg_extreme("ct_argmax", "argmax", true, t, dim, false, keepdim, NULL);
}

ct_tensor *ct_argmin_dim(ct_tensor *t, int dim, bool keepdim) {
    return arg_extreme("ct_argmin", "argmin", false, t, dim, false, keepdim, NULL);
}

/* ------------------------------------------------------------ var, std, norm */

/*
 * Reduction that needs one value per output first (the mean for var/std,
 * the max for logsumexp): `centers` is a result of the same shape, converted
 * to double here.
 */
static ct_tensor *centered(const char *fn, ct_reduce_op op, ct_tensor *t, const rdims *r,
                           ct_tensor *centers, ct_reduce_args *a, bool zero_infinite) {
    if (!centers) return NULL;
    ct_tensor *c = cast(centers, CT_F64, fn);
    if (c != centers) ct_free(centers);
    if (!c) return NULL;
    double *cv = ct__data(c);
    int64_t n = ct__numel(c->ndim, c->shape);
    for (int64_t i = 0; zero_infinite && i < n; i++)
        if (isinf(cv[i])) cv[i] = 0; /* logsumexp: an infinite max is not subtracted */
    a->center = cv;
    ct_tensor *out = reduce_new(fn, op, t, r, a);
    ct_free(c);
    return out;
}

/*
 * PyTorch's var_backward: 2 / (N - correction) * grad * (x - mean). Over all
 * elements (no dims, or a 0-d input) a non-positive N - correction gives
 * grad * inf everywhere, as PyTorch 1.13 computes it.
 */
static ct_tensor *var_grad(const ct_node *n, const red_ctx *c, ct_tensor *gr, ct_tensor *x) {
    if (x->ndim == 0 || c->all) {
        int64_t dof = ct_numel(x) - c->correction;
        if (dof <= 0) return ct_expand(ct_mul_scalar(gr, INFINITY), ct_shape_of(x));
        return ct_mul(ct_mul_scalar(gr, 2.0 / (double)dof), ct_sub(x, ct_mean(x)));
    }
    int64_t dof = reduced_count(n, c) - c->correction;
    ct_tensor *mean = ct_mean_dims(x, reduced_dims(c, x->ndim), true);
    return ct_mul(ct_mul_scalar(restore_dims(gr, c, x->ndim), 2.0 / (double)dof), ct_sub(x, mean));
}

static int var_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    ct_tensor *x = ct__saved(n, 0);
    if (!x) return ct_last_error_code();
    gi[0] = var_grad(n, n->ctx, g[0], x);
    return done(n, gi);
}

/* std: the var gradient of grad / (2 std), with 0 where std is 0. */
static int std_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    ct_tensor *x = ct__saved(n, 0), *out = ct__saved(n, 1);
    if (!x || !out) return ct_last_error_code();
    ct_tensor *gv = ct_masked_fill(ct_div(g[0], ct_mul_scalar(out, 2)), ct_eq_scalar(out, 0), 0.0);
    gi[0] = var_grad(n, n->ctx, gv, x);
    return done(n, gi);
}
static const ct_node_type var_type = {"VarBackward0", var_backward};
static const ct_node_type std_type = {"StdBackward0", std_backward};

static ct_tensor *var_std(const char *fn, ct_reduce_op op, ct_tensor *t, ct_shape dims,
                          int64_t correction, bool keepdim) {
    CT_CHECK_ARG(t, fn, "input");
    if (!ct_dtype_is_floating(t->dtype)) {
        ct__error(CT_ERR_RUNTIME, fn, "std and var only support floating point and complex dtypes");
        return NULL;
    }
    rdims r;
    if (!parse_dims(fn, t, dims, keepdim, &r)) return NULL;
    ct_reduce_args a = {.correction = correction};
    ct_tensor *out = centered(fn, op, t, &r, reduce_new(fn, CT_ROP_MEAN, t, &r, NULL), &a, false);
    bool is_std = op == CT_ROP_STD;
    ct_node *n = record_red(is_std ? &std_type : &var_type, out, t, is_std ? 2 : 1, &r, keepdim);
    if (n) {
        ((red_ctx *)n->ctx)->correction = correction;
        ct__save(n, 0, t);
        if (is_std) ct__save_output(n, 1, out, 0);
    }
    return out;
}

ct_tensor *ct_var_dims(ct_tensor *t, ct_shape dims, int64_t correction, bool keepdim) {
    return var_std("ct_var", CT_ROP_VAR, t, dims, correction, keepdim);
}
ct_tensor *ct_std_dims(ct_tensor *t, ct_shape dims, int64_t correction, bool keepdim) {
    return var_std("ct_std", CT_ROP_STD, t, dims, correction, keepdim);
}
ct_tensor *ct_var(ct_tensor *t) { return ct_var_dims(t, CT_SHAPE0, 1, false); }
ct_tensor *ct_std(ct_tensor *t) { return ct_std_dims(t, CT_SHAPE0, 1, false); }

/* PyTorch's norm_backward for each p (0 where the norm is 0, for p >= 1). */
static int norm_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const red_ctx *c = n->ctx;
    ct_tensor *x = ct__saved(n, 0), *out = ct__saved(n, 1);
    if (!x || !out) return ct_last_error_code();
    int nd = x->ndim;
    ct_tensor *gr = restore_dims(g[0], c, nd), *norm = restore_dims(out, c, nd);
    double p = c->p;
    if (p == 0) {
        gi[0] = ct_zeros_like(x, .dtype = g[0]->dtype);
    } else if (p == 1) {
        gi[0] = ct_mul(ct_sign(x), gr);
    } else if (p == 2) {
        gi[0] = ct_mul(gr, ct_masked_fill(ct_div(x, norm), ct_eq_scalar(norm, 0), 0.0));
    } else if (isinf(p)) { /* amax/amin of |x|, NaNs included */
        ct_tensor *ax = ct_abs(x);
        ct_tensor *mask = ct_logical_or(ct_eq(ax, norm), ct_isnan(ax));
        ct_tensor *count = ct_sum_dims(mask, reduced_dims(c, nd), true);
        gi[0] = ct_mul(ct_sign(x), ct_mul(ct_div(gr, count), mask));
    } else if (p < 1) {
        ct_tensor *scaled = ct_mul(ct_sign(x), ct_masked_fill(ct_pow_scalar(ct_abs(x), p - 1),
                                                              ct_eq_scalar(x, 0), 0.0));
        gi[0] = ct_mul(ct_mul(scaled, gr), ct_pow_scalar(norm, 1 - p));
    } else {
        ct_tensor *scaled = p < 2 ? ct_mul(ct_sign(x), ct_pow_scalar(ct_abs(x), p - 1))
                                  : ct_mul(x, ct_pow_scalar(ct_abs(x), p - 2));
        ct_tensor *scale = ct_masked_fill(ct_div(gr, ct_pow_scalar(norm, p - 1)),
                                          ct_eq_scalar(norm, 0), 0.0);
        gi[0] = ct_mul(scaled, scale);
    }
    return done(n, gi);
}
static const ct_node_type norm_type = {"NormBackward1", norm_backward};

ct_tensor *ct_norm_dims(ct_tensor *t, double p, ct_shape dims, bool keepdim) {
    const char *fn = "ct_norm";
    CT_CHECK_ARG(t, fn, "input");
    if (!ct_dtype_is_floating(t->dtype)) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "norm(): input dtype should be either floating point or complex. Got %s instead.",
                  ct__scalar_type_name(t->dtype));
        return NULL;
    }
    rdims r;
    if (!parse_dims(fn, t, dims, keepdim, &r)) return NULL;
    ct_reduce_op op = p == 2 ? CT_ROP_NORM_2 : p == 1 ? CT_ROP_NORM_1 : p == 0 ? CT_ROP_NORM_0
                    : p == INFINITY ? CT_ROP_NORM_INF : p == -INFINITY ? CT_ROP_NORM_NEGINF
                    : CT_ROP_NORM_P;
    ct_reduce_args a = {.p = p};
    ct_tensor *out = reduce_new(fn, op, t, &r, &a);
    ct_node *n = record_red(&norm_type, out, t, 2, &r, keepdim);
    if (n) {
        ((red_ctx *)n->ctx)->p = p;
        ct__save(n, 0, t);
        ct__save_output(n, 1, out, 0);
    }
    return out;
}

ct_tensor *ct_norm(ct_tensor *t, double p) { return ct_norm_dims(t, p, CT_SHAPE0, false); }

/* ------------------------------------------------------------------ logsumexp */

/* logsumexp: grad * exp(x - result). */
static int logsumexp_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const red_ctx *c = n->ctx;
    ct_tensor *x = ct__saved(n, 0), *out = ct__saved(n, 1);
    if (!x || !out) return ct_last_error_code();
    int nd = x->ndim;
    gi[0] = ct_mul(restore_dims(g[0], c, nd), ct_exp(ct_sub(x, restore_dims(out, c, nd))));
    return done(n, gi);
}
static const ct_node_type logsumexp_type = {"LogsumexpBackward0", logsumexp_backward};

ct_tensor *ct_logsumexp(ct_tensor *t, ct_shape dims, bool keepdim) {
    const char *fn = "ct_logsumexp";
    CT_CHECK_ARG(t, fn, "input");
    rdims r;
    if (!parse_dims(fn, t, dims, keepdim, &r)) return NULL;
    ct_tensor *src = cast(t, ct_dtype_is_floating(t->dtype) ? t->dtype : ct_get_default_dtype(), fn);
    if (!src) return NULL;
    ct_reduce_args a = {0};
    ct_tensor *out = centered(fn, CT_ROP_LSE, src, &r, reduce_new(fn, CT_ROP_AMAX, src, &r, NULL),
                              &a, true);
    drop(src, t);
    ct_node *n = record_red(&logsumexp_type, out, t, 2, &r, keepdim);
    if (n) {
        ct__save(n, 0, t);
        ct__save_output(n, 1, out, 0);
    }
    return out;
}

/* ---------------------------------------------------------------- all, any */

static ct_tensor *simple(const char *fn, ct_reduce_op op, ct_tensor *t, ct_shape dims,
                         bool keepdim) {
    CT_CHECK_ARG(t, fn, "input");
    rdims r;
    if (!parse_dims(fn, t, dims, keepdim, &r)) return NULL;
    return reduce_new(fn, op, t, &r, NULL);
}

ct_tensor *ct_all(ct_tensor *t) { return simple("ct_all", CT_ROP_ALL, t, CT_SHAPE0, false); }
ct_tensor *ct_any(ct_tensor *t) { return simple("ct_any", CT_ROP_ANY, t, CT_SHAPE0, false); }
ct_tensor *ct_all_dims(ct_tensor *t, ct_shape dims, bool keepdim) {
    return simple("ct_all", CT_ROP_ALL, t, dims, keepdim);
}
ct_tensor *ct_any_dims(ct_tensor *t, ct_shape dims, bool keepdim) {
    return simple("ct_any", CT_ROP_ANY, t, dims, keepdim);
}
ct_tensor *ct_count_nonzero(ct_tensor *t) {
    return simple("ct_count_nonzero", CT_ROP_COUNT_NZ, t, CT_SHAPE0, false);
}
ct_tensor *ct_count_nonzero_dims(ct_tensor *t, ct_shape dims) {
    return simple("ct_count_nonzero", CT_ROP_COUNT_NZ, t, dims, false);
}

/* ---------------------------------------------------------------------- scans */

/* PyTorch's reversed_cumsum: sums from the end along dim. */
static ct_tensor *reversed_cumsum(ct_tensor *w, int dim) {
    return ct_flip(ct_cumsum(ct_flip(w, CT_DIMS(dim)), dim), CT_DIMS(dim));
}

/* cumsum: the gradient summed from the end. */
static int cumsum_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const red_ctx *c = n->ctx;
    ct_tensor *gr = ct_to_dtype(g[0], n->in_meta[0].dtype);
    if (!gr) return ct_last_error_code();
    if (ct_numel(gr) <= 1 || gr->shape[c->dim] == 1) gi[0] = ct_alias(gr);
    else gi[0] = reversed_cumsum(gr, c->dim);
    return done(n, gi);
}

/*
 * cumprod with zeros: input k's gradient is sum over j >= k of
 * grad[j] * prod(x[0..k)) * prod(x(k..j]), built with differentiable ops
 * (O(n^2) in the length of dim, as PyTorch does under create_graph).
 */
static ct_tensor *cumprod_grad_zeros(ct_tensor *gr, ct_tensor *x, int dim) {
    int64_t len = x->shape[dim];
    ct_tensor **cols = malloc(sizeof(ct_tensor *) * (size_t)len);
    if (!cols) {
        ct__error(CT_ERR_OOM, "CumprodBackward0", "out of memory");
        return NULL;
    }
    ct_shape os = ct_shape_of(x);
    os.d[dim] = 1;
    ct_tensor *ones = ct_ones(os, .dtype = gr->dtype), *res = NULL;
    bool ok = ones != NULL;
    for (int64_t k = 0; ok && k < len; k++) {
        ct_tensor *omitted; /* prod(x[0..k)) * prod(x(k..j]) for j = k..len-1 */
        if (k == 0) {
            omitted = ct_cat((ct_tensor *[]){ones, ct_cumprod(ct_narrow(x, dim, 1, len - 1), dim)}, 2, dim);
        } else if (k == len - 1) {
            omitted = ct_prod_dim(ct_narrow(x, dim, 0, k), dim, true);
        } else {
            ct_tensor *until = ct_prod_dim(ct_narrow(x, dim, 0, k), dim, true);
            ct_tensor *from = ct_cumprod(ct_narrow(x, dim, k + 1, len - k - 1), dim);
            omitted = ct_cat((ct_tensor *[]){until, ct_mul(until, from)}, 2, dim);
        }
        cols[k] = ct_sum_dims(ct_mul(ct_narrow(gr, dim, k, len - k), omitted), CT_DIMS(dim), false);
        ok = cols[k] != NULL;
    }
    if (ok) res = ct_stack(cols, (int)len, dim);
    free(cols);
    return res;
}

/* cumprod (PyTorch's cumprod_backward): reversed cumsum of grad * out / x without zeros. */
static int cumprod_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const red_ctx *c = n->ctx;
    ct_tensor *x = ct__saved(n, 0), *out = ct__saved(n, 1);
    ct_tensor *gr = ct_to_dtype(g[0], n->in_meta[0].dtype);
    if (!x || !out || !gr) return ct_last_error_code();
    int64_t z = ct_numel(x) <= 1 || x->shape[c->dim] == 1 ? 0 : count_zeros(x);
    if (z < 0) return ct_last_error_code();
    if (ct_numel(x) <= 1 || x->shape[c->dim] == 1) gi[0] = ct_alias(gr);
    else if (!z) gi[0] = ct_div(reversed_cumsum(ct_mul(out, gr), c->dim), x);
    else gi[0] = cumprod_grad_zeros(gr, x, c->dim);
    return done(n, gi);
}
static const ct_node_type cumsum_type = {"CumsumBackward0", cumsum_backward};
static const ct_node_type cumprod_type = {"CumprodBackward0", cumprod_backward};

static ct_tensor *scan(const char *fn, bool is_prod, ct_tensor *t, int dim, ct_dtype dtype) {
    CT_CHECK_ARG(t, fn, "input");
    if (!check_dtype_arg(dtype, fn)) return NULL;
    int w = ct__wrap_dim(dim, t->ndim, fn);
    if (w < 0) return NULL;
    ct_dtype od = dtype ? dtype : ct_dtype_is_floating(t->dtype) ? t->dtype : CT_I64;
    ct_tensor *src = cast(t, dtype ? dtype : t->dtype, fn);
    if (!src) return NULL;
    ct_tensor *out = ct__tensor_empty(t->ndim, t->shape, od, t->storage->device, fn);
    if (out) {
        bool mask[CT_MAX_DIMS] = {false};
        if (t->ndim > 0) mask[w] = true;
        ct_reduce_plan p;
        ct__reduce_plan_init(&p, src, mask, out->strides, false);
        ct__scan(is_prod, &p, ct__data(out), od);
    }
    drop(src, t);
    ct_node *n = record_red(is_prod ? &cumprod_type : &cumsum_type, out, t, is_prod ? 2 : 0, NULL, false);
    if (n) {
        ((red_ctx *)n->ctx)->dim = t->ndim ? w : 0;
        if (is_prod) {
            ct__save(n, 0, t);
            ct__save_output(n, 1, out, 0);
        }
    }
    return out;
}

ct_tensor *ct_cumsum(ct_tensor *t, int dim) { return scan("ct_cumsum", false, t, dim, CT_DTYPE_UNSET); }
ct_tensor *ct_cumsum_dtype(ct_tensor *t, int dim, ct_dtype dtype) {
    return scan("ct_cumsum", false, t, dim, dtype);
}
ct_tensor *ct_cumprod(ct_tensor *t, int dim) { return scan("ct_cumprod", true, t, dim, CT_DTYPE_UNSET); }
ct_tensor *ct_cumprod_dtype(ct_tensor *t, int dim, ct_dtype dtype) {
    return scan("ct_cumprod", true, t, dim, dtype);
}
