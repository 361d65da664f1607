/*
 * src/ops/linear.c - F.linear: y = x @ W^T + b over the last dim of x, with a
 * fused backward (one GEMM per gradient, no transposed copies):
 *   grad_x = g @ W,   grad_W = g^T @ x,   grad_b = sum of g over rows,
 * where x and g are flattened to (rows, features). With create_graph the
 * same formulas run through public ops (matmul, mm, sum) instead.
 */
#include "../kernels/gemm.h"
#include "functional_internal.h"

enum { SAVED_X, SAVED_W, NUM_SAVED };

/* Rows of x once flattened to (rows, in_features). */
static int64_t rows_of(const ct_tensor *t) {
    int64_t r = 1;
    for (int i = 0; i + 1 < t->ndim; i++) r *= t->shape[i];
    return r;
}

/* A (rows, cols) matrix view of a contiguous tensor. */
static ct_gemm_mat dense(const ct_tensor *t, int64_t cols) {
    ct_gemm_mat m = {ct__data(t), cols, 1};
    return m;
}

/* W (out, in) read as the (in, out) matrix W^T. */
static ct_gemm_mat weight_t(const ct_tensor *w) {
    ct_gemm_mat m = {ct__data(w), w->strides[1], w->strides[0]};
    return m;
}

/* ------------------------------------------------------------- backward */

/* g flattened to a contiguous (rows, out) tensor of dtype d (no autograd). */
static ct_tensor *flat_grad(ct_tensor *g, ct_dtype d) {
    ct_tensor *gt = g->dtype == d ? g : ct__to_dtype(g, d);
    return gt ? ct__fn_contig(gt) : NULL;
}

static int fused_backward(ct_node *n, ct_tensor *g, ct_tensor *x, ct_tensor *w, ct_tensor **gi) {
    const char *fn = n->type->name;
    int64_t out_f = w->shape[0], in_f = w->shape[1], rows = rows_of(x);
    ct_dtype d = x->dtype;
    ct_tensor *g2 = flat_grad(g, d);
    if (!g2) return ct_last_error_code();
    ct_gemm_out o;
    if (ct__needs_grad(n, 0)) { /* (rows, out) @ (out, in) */
        gi[0] = ct__tensor_empty(x->ndim, x->shape, d, CT_CPU, fn);
        if (!gi[0]) return ct_last_error_code();
        o = (ct_gemm_out){ct__data(gi[0]), in_f, 1};
        ct_gemm_mat wm = {ct__data(w), w->strides[0], w->strides[1]};
        if (out_f == 0) ct__zero_(gi[0]);
        else if (rows > 0 && in_f > 0 &&
                 ct__gemm_strided(d, rows, in_f, out_f, CT_GEMM_ONE, dense(g2, out_f), wm, CT_GEMM_ZERO, o, fn))
            return ct_last_error_code();
    }
    if (ct__needs_grad(n, 1)) { /* (out, rows) @ (rows, in) */
        ct_tensor *xc = ct__fn_contig(x);
        gi[1] = xc ? ct__tensor_empty(2, w->shape, d, CT_CPU, fn) : NULL;
        if (!gi[1]) return ct_last_error_code();
        o = (ct_gemm_out){ct__data(gi[1]), in_f, 1};
        ct_gemm_mat gt = {ct__data(g2), 1, out_f};
        if (rows == 0) ct__zero_(gi[1]);
        else if (out_f > 0 && in_f > 0 &&
                 ct__gemm_strided(d, out_f, in_f, rows, CT_GEMM_ONE, gt, dense(xc, in_f), CT_GEMM_ZERO, o, fn))
            return ct_last_error_code();
    }
    if (n->num_inputs > 2 && ct__needs_grad(n, 2)) { /* column sums of (rows, out) */
        ct_tensor *g2v = ct__tensor_view(g2, 2, (int64_t[]){rows, out_f}, (int64_t[]){out_f, 1}, g2->offset, fn);
        gi[2] = g2v ? ct_sum_dims(g2v, CT_DIMS(0), false) : NULL;
        if (!gi[2]) return ct_last_error_code();
    }
    return 0;
}

static int composite_backward(ct_node *n, ct_tensor *g, ct_tensor *x, ct_tensor *w, ct_tensor **gi) {
    int64_t out_f = w->shape[0], in_f = w->shape[1];
    ct_tensor *g2 = ct_reshape(g, CT_SHAPE(-1, out_f));
    if (ct__needs_grad(n, 0)) gi[0] = ct_reshape(ct_mm(g2, w), ct_shape_of(x));
    if (ct__needs_grad(n, 1)) gi[1] = ct_mm(ct_t(g2), ct_reshape(x, CT_SHAPE(-1, in_f)));
    if (n->num_inputs > 2 && ct__needs_grad(n, 2)) gi[2] = ct_sum_dims(g2, CT_DIMS(0), false);
    for (int i = 0; i < n->num_inputs; i++)
        if (ct__needs_grad(n, i) && !gi[i]) return ct_last_error_code();
    return 0;
}

static int linear_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    ct_tensor *x = ct__saved(n, SAVED_X), *w = ct__saved(n, SAVED_W);
    if (!x || !w) return ct_last_error_code();
    return ct_is_grad_enabled() ? composite_backward(n, g[0], x, w, gi) : fused_backward(n, g[0], x, w, gi);
}

/* Named after the node PyTorch 1.13's F.linear leaves on top for the same call. */
static const ct_node_type addmm_type = {"AddmmBackward0", linear_backward};
static const ct_node_type mm_type = {"MmBackward0", linear_backward};
static const ct_node_type view_type = {"ViewBackward0", linear_backward};
static const ct_node_type unsafe_view_type = {"UnsafeViewBackward0", linear_backward};
static const ct_node_type add_type = {"AddBackward0", linear_backward};
static const ct_node_type squeeze_type = {"SqueezeBackward3", linear_backward};

static const ct_node_type *node_type(int ndim, bool bias) {
    if (ndim == 1) return bias ? &add_type : &squeeze_type;
    if (ndim == 2) return bias ? &addmm_type : &mm_type;
    return bias ? &view_type : &unsafe_view_type;
}

/* --------------------------------------------------------------- forward */

static bool check_args(const char *fn, ct_tensor *x, ct_tensor *w, ct_tensor *b) {
    char s1[64], s2[64];
    if (x->ndim == 0) {
        ct__error(CT_ERR_RUNTIME, fn, "both arguments to matmul need to be at least 1D, but they are 0D and %dD", w->ndim);
        return false;
    }
    if (w->ndim > 2) {
        ct__error(CT_ERR_RUNTIME, fn, "t() expects a tensor with <= 2 dimensions, but self is %dD", w->ndim);
        return false;
    }
    if (w->ndim != 2) {
        ct__error(CT_ERR_RUNTIME, fn, "weight must be 2-D (out_features, in_features), got %dD", w->ndim);
        return false;
    }
    if (!ct__check_same_device(x, w, fn) || (b && !ct__check_same_device(x, b, fn))) return false;
    if (x->dtype != w->dtype) {
        ct__error(CT_ERR_TYPE, fn, "expected scalar type %s but found %s", ct__scalar_type_name(x->dtype),
                  ct__scalar_type_name(w->dtype));
        return false;
    }
    if (!ct__gemm_supports(x->dtype)) {
        ct__error(CT_ERR_TYPE, fn, "\"addmm_impl_cpu_\" not implemented for '%s'", ct__scalar_type_name(x->dtype));
        return false;
    }
    int64_t in_f = x->shape[x->ndim - 1];
    if (in_f != w->shape[1]) {
        ct__error(CT_ERR_RUNTIME, fn, "mat1 and mat2 shapes cannot be multiplied (%lldx%lld and %lldx%lld)",
                  (long long)rows_of(x), (long long)in_f, (long long)w->shape[1], (long long)w->shape[0]);
        return false;
    }
    if (b && b->dtype != x->dtype) {
        ct__error(CT_ERR_TYPE, fn, "self and mat2 must have the same dtype");
        return false;
    }
    if (b && (b->ndim > 1 || (b->ndim == 1 && b->shape[0] != w->shape[0] && b->shape[0] != 1))) {
        int64_t target[2] = {rows_of(x), w->shape[0]};
        ct__error(CT_ERR_RUNTIME, fn,
                  "The expanded size of the tensor (%lld) must match the existing size (%lld) at "
                  "non-singleton dimension %d.  Target sizes: %s.  Tensor sizes: %s",
                  (long long)w->shape[0], (long long)b->shape[b->ndim - 1], b->ndim,
                  ct__shape_str(2, target, s1, sizeof s1), ct__shape_str(b->ndim, b->shape, s2, sizeof s2));
        return false;
    }
    return true;
}

/* out (rows, out_f), contiguous: every row set to b (broadcast), or zeros without b. */
static void fill_bias(ct_tensor *out, ct_tensor *b, int64_t rows, int64_t out_f) {
    if (!b) {
        ct__zero_(out);
        return;
    }
    ct_tensor *o2 = ct__tensor_view(out, 2, (int64_t[]){rows, out_f}, (int64_t[]){out_f, 1}, out->offset, "ct_linear");
    if (!o2) return;
    ct__copy_into(o2, b, "ct_linear");
    ct_free(o2);
}

ct_tensor *ct_linear(ct_tensor *x, ct_tensor *weight, ct_tensor *bias) {
    const char *fn = "ct_linear";
    CT_CHECK_ARG(x, fn, "input");
    CT_CHECK_ARG(weight, fn, "weight");
    if (!check_args(fn, x, weight, bias)) return NULL;
    int64_t rows = rows_of(x), in_f = weight->shape[1], out_f = weight->shape[0];
    int64_t shape[CT_MAX_DIMS];
    for (int i = 0; i + 1 < x->ndim; i++) shape[i] = x->shape[i];
    shape[x->ndim - 1] = out_f;
    ct_tensor *out = ct__tensor_empty(x->ndim, shape, x->dtype, CT_CPU, fn);
    ct_tensor *xc = out ? ct__fn_contig(x) : NULL;
    if (!xc) {
        ct_free(out);
        return NULL;
    }
    if (rows > 0 && out_f > 0) {
        fill_bias(out, bias, rows, out_f);
        ct_gemm_out o = {ct__data(out), out_f, 1};
        int rc = in_f > 0 ? ct__gemm_strided(x->dtype, rows, out_f, in_f, CT_GEMM_ONE, dense(xc, in_f),
                                             weight_t(weight), CT_GEMM_ONE, o, fn)
                          : 0;
        if (rc) {
            ct_free(xc);
            ct_free(out);
            return NULL;
        }
    }
    ct_free(xc);
    ct_tensor *ins[3] = {x, weight, bias};
    ct_node *n = ct__record(node_type(x->ndim, bias != NULL), out, bias ? 3 : 2, ins, NUM_SAVED, 0);
    if (n) {
        ct__save(n, SAVED_X, x);
        ct__save(n, SAVED_W, weight);
    }
    return out;
}
