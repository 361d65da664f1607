/*
 * src/ops/scatter.c - the scatter family: scatter, scatter with a value,
 * scatter_add and scatter_reduce (sum, prod, mean, amax, amin; with or
 * without self's values), out of place and in place, and their backward
 * (ScatterBackward0/1, ScatterAddBackward0, ScatterReduceBackward0).
 *
 * Every index is checked before anything is written, so a bad index is an
 * error with PyTorch's message, never an access outside a tensor.
 */
#include <math.h>
#include <string.h>

#include "index_internal.h"

/* ----------------------------------------------------------------- scatter */

/* Checks scatter's arguments (src may be NULL for the value forms). */
static bool check_scatter(const ct_tensor *t, int d, const ct_tensor *index, const ct_tensor *src,
                          const char *fn) {
    if (index->dtype != CT_I64) {
        ct__error(CT_ERR_RUNTIME, fn, "scatter(): Expected dtype int64 for index");
        return false;
    }
    if (src && src->dtype != t->dtype) {
        ct__error(CT_ERR_RUNTIME, fn, "scatter(): Expected self.dtype to be equal to src.dtype");
        return false;
    }
    if (ct__ndim_or1(index) != ct__ndim_or1(t)) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Index tensor must have the same number of dimensions as self tensor");
        return false;
    }
    if (src && ct__ndim_or1(index) != ct__ndim_or1(src)) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Index tensor must have the same number of dimensions as src tensor");
        return false;
    }
    int64_t ts[CT_MAX_DIMS], is[CT_MAX_DIMS], ss[CT_MAX_DIMS];
    ct__sizes_or1(t, ts);
    ct__sizes_or1(index, is);
    if (src) ct__sizes_or1(src, ss);
    /* An empty index writes nothing: PyTorch skips the size check then. */
    bool empty = ct__numel(index->ndim, index->shape) == 0;
    for (int i = 0; i < ct__ndim_or1(t) && !empty; i++) {
        bool bad = (i != d && is[i] > ts[i]) || (src && is[i] > ss[i]);
        if (!bad) continue;
        char a[128], b[128], c[128];
        ct__shape_str(index->ndim, index->shape, a, sizeof a);
        ct__shape_str(t->ndim, t->shape, b, sizeof b);
        if (src)
            ct__error(CT_ERR_RUNTIME, fn,
                      "Expected index %s to be smaller than self %s apart from dimension %d and to "
                      "be smaller size than src %s",
                      a, b, d, ct__shape_str(src->ndim, src->shape, c, sizeof c));
        else
            ct__error(CT_ERR_RUNTIME, fn,
                      "Expected index %s to be smaller than self %s apart from dimension %d", a, b, d);
        return false;
    }
    return ct__check_dim_indices(index, d, ts[d], fn);
}

/* Runs one dim-wise scatter pass of `op` into dst (serially: repeated indices share a place). */
static void scatter_pass(ct_tensor *dst, int d, ct_tensor *index, ct_tensor *src, ct_scat_op op) {
    ct_tensor dst_v, src_v;
    ct__restricted_view(&dst_v, dst, index, d);
    ct_tensor *s = src;
    if (src->ndim > 0) {
        /* src restricted to index's shape, keeping its own strides. */
        int64_t strides[CT_MAX_DIMS];
        for (int i = 0; i < index->ndim; i++) strides[i] = ct__stride_or0(src, i);
        ct__stack_view(&src_v, src, index->ndim, index->shape, strides, src->offset);
        s = &src_v;
    }
    ct_dim_gather_ctx ctx = {ct__stride_or0(dst, d) * (int64_t)ct_dtype_size(dst->dtype),
                             ct_dtype_size(dst->dtype)};
    ct_tensor *ops[3] = {&dst_v, index, s};
    ct_iter it;
    ct__iter_init(&it, index->ndim, index->shape, 3, ops);
    ct__iter_run_range(&it, ct__dim_scatter_loop(op, dst->dtype), &ctx, 0, it.numel);
}

/* The value no element beats under a reduction (for include_self = false). */
static ct_scalar reduction_identity(ct_scatter_reduction r, ct_dtype d) {
    bool fl = ct_dtype_is_floating(d);
    switch (r) {
    case CT_SCATTER_PROD: return ct_scalar_int(1);
    case CT_SCATTER_AMAX:
        if (fl) return ct_scalar_float(-INFINITY);
        return ct_scalar_int(d == CT_I32 ? INT32_MIN : d == CT_I64 ? INT64_MIN : 0);
    case CT_SCATTER_AMIN:
        if (fl) return ct_scalar_float(INFINITY);
        return ct_scalar_int(d == CT_I32 ? INT32_MAX : d == CT_I64 ? INT64_MAX : d == CT_U8 ? 255 : 1);
    default: return ct_scalar_int(0);
    }
}

/* out /= max(count, 1), rounding toward -inf for integers (PyTorch's "mean"). */
static void mean_divide_loop(char **data, const int64_t *strides, int64_t n, void *ctx) {
    ct_dtype d = *(const ct_dtype *)ctx;
    for (int64_t i = 0; i < n; i++) {
        char *o = data[0] + i * strides[0];
        int64_t c = *(const int64_t *)(const void *)(data[1] + i * strides[1]);
        if (c <= 1) continue;
        if (ct_dtype_is_floating(d)) {
            ct__store_f64(o, d, ct__load_f64(o, d) / (double)c);
        } else {
            int64_t v = ct__load_i64(o, d), q = v / c;
            if ((v % c != 0) && ((v < 0) != (c < 0))) q--;
            ct__store_i64(o, d, q);
        }
    }
}

/* Divides out's scattered sums by the number of values that went into each. */
static int scatter_mean_finish(ct_tensor *out, int d, ct_tensor *index, bool include_self,
                               const char *fn) {
    ct_tensor *count = ct__tensor_empty(out->ndim, out->shape, CT_I64, out->storage->device, fn);
    if (!count) return -1;
    ct_fill_(count, include_self ? 1.0 : 0.0);
    ct_scalar_holder one;
    scatter_pass(count, d, index, ct__scalar_holder(&one, ct_scalar_int(1), CT_I64), CT_SCAT_ADD);
    ct_dtype dt = out->dtype;
    ct_tensor *ops[2] = {out, count};
    ct_iter it;
    ct__iter_init(&it, out->ndim, out->shape, 2, ops);
    ct__iter_run(&it, mean_divide_loop, &dt);
    ct_free(count);
    return 0;
}

static const char *const reduction_names[] = {"sum", "prod", "mean", "amax", "amin"};

int ct_scatter_reduction_from_name(const char *name) {
    for (int i = 0; name && i < 5; i++)
        if (strcmp(name, reduction_names[i]) == 0) return i;
    ct__error(CT_ERR_RUNTIME, "ct_scatter_reduction_from_name",
              "reduce argument must be either sum, prod, mean, amax or amin.");
    return -1;
}

/* ------------------------------------------------------- scatter backward */

/* Which PyTorch node a scatter records. */
typedef enum { SCAT_ASSIGN_SRC, SCAT_ASSIGN_VALUE, SCAT_ADD_SRC, SCAT_REDUCE } scat_kind;

typedef struct {
    int dim;
    scat_kind kind;
    ct_scatter_reduction reduce;
    bool include_self;
} scat_ctx;

/* Saved slots: the index always; self (before the op), src and the result for amax/amin/prod. */
enum { SCAT_INDEX, SCAT_SELF, SCAT_SRC, SCAT_RESULT, SCAT_NUM_SAVED };

/*
 * r (index's shape) zero-padded at the end of each dim up to src's shape:
 * src may be larger than index, and its elements outside index's extent took
 * no part in the op. (PyTorch 1.13 fails on that case instead.)
 */
static ct_tensor *pad_to_input(ct_tensor *r, const ct_meta *m) {
    if (!r) return NULL;
    if (r->ndim != m->ndim) {
        /* 0-d against one dim of size 1 (or the reverse): one element either way. */
        ct_shape ones = {.ndim = m->ndim};
        for (int i = 0; i < m->ndim; i++) ones.d[i] = 1;
        r = ct_reshape(r, ones);
        if (!r) return NULL;
    }
    ct_shape pad = {.ndim = 2 * m->ndim};
    bool needed = false;
    for (int p = 0; p < m->ndim; p++) {
        int d = m->ndim - 1 - p;
        pad.d[2 * p] = 0;
        pad.d[2 * p + 1] = m->shape[d] - r->shape[d];
        needed = needed || pad.d[2 * p + 1] != 0;
    }
    return needed ? ct_pad(r, pad, CT_PAD_CONSTANT, 0.0) : ct_alias(r);
}

/* t narrowed to index's extent in every dim (the part of src a scatter reads). */
static ct_tensor *restrict_to_index(ct_tensor *t, const ct_tensor *index) {
    if (t->ndim != index->ndim) return ct_reshape(t, ct_shape_of(index)); /* one element */
    ct_tensor *r = ct_alias(t);
    for (int d = 0; r && d < t->ndim; d++)
        if (index->shape[d] < t->shape[d]) r = ct_narrow(r, d, 0, index->shape[d]);
    return r;
}

/*
 * ScatterReduceBackward0, PyTorch's formulas: sum passes grad; mean divides
 * it by the count of values combined at each place; amax/amin share it evenly
 * among the values (self's and src's) equal to the result; prod gives each
 * value the product of the others. With include_self false, self's scattered
 * places get nothing.
 */
static int scatter_reduce_backward(ct_node *n, const scat_ctx *c, ct_tensor *index, ct_tensor *grad,
                                   ct_tensor **gi) {
    ct_tensor *gself = NULL, *gsrc = NULL;
    int dim = c->dim;
    switch (c->reduce) {
    case CT_SCATTER_SUM:
        gself = ct_alias(grad);
        gsrc = ct_gather(grad, dim, index);
        break;
    case CT_SCATTER_MEAN: {
        ct_tensor *count = c->include_self ? ct_ones_like(grad) : ct_zeros_like(grad);
        count = ct_scatter_add(count, dim, index, ct_ones(ct_shape_of(index), .dtype = grad->dtype));
        count = ct_masked_fill(count, ct_eq_sc(count, ct_scalar_int(0)), 1);
        gself = ct_div(grad, count);
        gsrc = ct_div(ct_gather(grad, dim, index), ct_gather(count, dim, index));
        break;
    }
    case CT_SCATTER_AMAX:
    case CT_SCATTER_AMIN: {
        ct_tensor *self = ct__saved(n, SCAT_SELF), *src = ct__saved(n, SCAT_SRC);
        ct_tensor *result = ct__saved(n, SCAT_RESULT);
        if (!self || !src || !result) return ct_last_error_code();
        ct_tensor *value = ct_gather(result, dim, index);
        ct_tensor *self_is = ct_to_dtype(ct_eq(self, result), grad->dtype);
        ct_tensor *src_is = ct_to_dtype(ct_eq(restrict_to_index(src, index), value), grad->dtype);
        ct_tensor *share = ct_div(grad, ct_scatter_add(self_is, dim, index, src_is));
        gself = ct_mul(self_is, share);
        gsrc = ct_mul(src_is, ct_gather(share, dim, index));
        break;
    }
    case CT_SCATTER_PROD: {
        /*
         * Exclusive products without dividing by zero: self's zeros count as 1
         * for self's gradient; a src value that is the only zero at its place
         * gets the product of the others there; with two zeros, 0.
         */
        ct_tensor *self = ct__saved(n, SCAT_SELF), *src = ct__saved(n, SCAT_SRC);
        ct_tensor *result = ct__saved(n, SCAT_RESULT);
        if (!self || !src || !result) return ct_last_error_code();
        src = restrict_to_index(src, index);
        ct_scatter_reduction r = CT_SCATTER_PROD;
        ct_tensor *self1 = ct_masked_fill(self, ct_eq_sc(self, ct_scalar_int(0)), 1);
        gself = ct_div(ct_mul(grad, ct_scatter_reduce(self1, dim, index, src, r, c->include_self)), self1);
        ct_tensor *src_zero = ct_eq_sc(src, ct_scalar_int(0));
        ct_tensor *zeros_there =
            ct_gather(ct_scatter_add(ct_zeros_like(self), dim, index, ct_to_dtype(src_zero, grad->dtype)), dim, index);
        ct_tensor *single = ct_logical_and(src_zero, ct_eq_sc(zeros_there, ct_scalar_int(1)));
        ct_tensor *others = ct_scatter_reduce(self, dim, index, ct_masked_fill(src, single, 1), r, c->include_self);
        gsrc = ct_where(single, ct_gather(ct_mul(grad, others), dim, index),
                        ct_div(ct_gather(ct_mul(grad, result), dim, index), ct_masked_fill(src, src_zero, 1)));
        break;
    }
    }
    if (!c->include_self && gself) gself = ct_scatter_value(gself, dim, index, 0);
    if (ct__needs_grad(n, 0) && !(gi[0] = gself)) return ct_last_error_code();
    if (ct__needs_grad(n, 1) && !(gi[1] = pad_to_input(gsrc, &n->in_meta[1])))
        return ct_last_error_code();
    return 0;
}

/*
 * ScatterBackward0/1, ScatterAddBackward0: self's gradient is grad with the
 * overwritten places zeroed (scatter) or grad itself (scatter_add); src's is
 * grad read back at the index (gather).
 */
static int scatter_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const scat_ctx *c = n->ctx;
    ct_tensor *index = ct__saved(n, SCAT_INDEX);
    if (!index) return ct_last_error_code();
    if (c->kind == SCAT_REDUCE) return scatter_reduce_backward(n, c, index, g[0], gi);
    if (ct__needs_grad(n, 0)) {
        gi[0] = c->kind == SCAT_ADD_SRC ? ct_alias(g[0]) : ct_scatter_value(g[0], c->dim, index, 0);
        if (!gi[0]) return ct_last_error_code();
    }
    if (c->kind != SCAT_ASSIGN_VALUE && ct__needs_grad(n, 1)) {
        gi[1] = pad_to_input(ct_gather(g[0], c->dim, index), &n->in_meta[1]);
        if (!gi[1]) return ct_last_error_code();
    }
    return 0;
}
static const ct_node_type scatter_type = {"ScatterBackward0", scatter_backward};
static const ct_node_type scatter_value_type = {"ScatterBackward1", scatter_backward};
static const ct_node_type scatter_add_type = {"ScatterAddBackward0", scatter_backward};
static const ct_node_type scatter_reduce_type = {"ScatterReduceBackward0", scatter_backward};

/* amax, amin and prod: the backward reads self's old value, src and the result. */
static bool reduce_reads_values(scat_kind kind, int reduce) {
    return kind == SCAT_REDUCE &&
           (reduce == CT_SCATTER_AMAX || reduce == CT_SCATTER_AMIN || reduce == CT_SCATTER_PROD);
}

/* Records the scatter node of out (= t when in place); self_old is t's value before an in-place op. */
static bool scatter_record(ct_tensor *out, ct_tensor *t, ct_tensor *self_old, int d, ct_tensor *index,
                           ct_tensor *src, scat_kind kind, int reduce, bool include_self) {
    static const ct_node_type *const types[] = {&scatter_type, &scatter_value_type, &scatter_add_type,
                                                &scatter_reduce_type};
    ct_tensor *ins[2] = {t, src};
    ct_node *n = ct__record(types[kind], out, src ? 2 : 1, ins, SCAT_NUM_SAVED, sizeof(scat_ctx));
    if (!n) return false;
    scat_ctx *c = n->ctx;
    c->dim = d;
    c->kind = kind;
    c->reduce = (ct_scatter_reduction)(reduce < 0 ? 0 : reduce);
    c->include_self = include_self;
    ct__save(n, SCAT_INDEX, index);
    if (reduce_reads_values(kind, reduce)) {
        ct__save(n, SCAT_SELF, self_old ? self_old : t);
        if (src == out) ct__save_output(n, SCAT_SRC, out, 0);
        else ct__save(n, SCAT_SRC, src);
        ct__save_output(n, SCAT_RESULT, out, 0);
    }
    return true;
}

/*
 * The whole scatter family: checks, then (on t itself, or on a clone) an
 * optional identity pass for include_self = false, the reduction pass, and
 * the mean's division. value is used when src is NULL.
 */
static ct_tensor *scatter_impl(const char *fn, ct_tensor *t, int dim, ct_tensor *index,
                               ct_tensor *src, ct_scalar value, ct_scat_op op, int mean_or_reduce,
                               bool include_self, bool in_place) {
    CT_CHECK_ARG(t, fn, "self");
    CT_CHECK_ARG(index, fn, "index");
    if (!ct__check_same_device(t, index, fn)) return NULL;
    if (src && !ct__check_same_device(t, src, fn)) return NULL;
    int d = ct__wrap_dim(dim, t->ndim, fn);
    if (d < 0) return NULL;
    bool mean = mean_or_reduce == CT_SCATTER_MEAN;
    if (mean && t->dtype == CT_BOOL) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "\"scatter_gather_tensor_cpu_reduce_mean\" not implemented for 'Bool'");
        return NULL;
    }
    if (!check_scatter(t, d, index, src, fn)) return NULL;
    scat_kind kind = mean_or_reduce >= 0 ? SCAT_REDUCE
                     : op == CT_SCAT_ADD ? SCAT_ADD_SRC
                     : src               ? SCAT_ASSIGN_SRC
                                         : SCAT_ASSIGN_VALUE;
    ct_tensor *ins[2] = {t, src};
    bool rec = ct_dtype_is_floating(t->dtype) && ct__should_record(src ? 2 : 1, ins);
    if (in_place && !ct__check_inplace(t, fn)) return NULL;
    /* amax/amin/prod's backward reads self's old values. */
    ct_tensor *self_old = NULL;
    if (rec && in_place && reduce_reads_values(kind, mean_or_reduce) && !(self_old = ct__clone(t)))
        return NULL;
    ct_tensor *user_src = src;
    ct_tensor *out = in_place ? t : ct__clone(t);
    if (!out) {
        if (self_old) ct_free(self_old);
        return NULL;
    }
    ct_scalar_holder h;
    if (!src) src = ct__scalar_holder(&h, value, t->dtype);
    if (!include_self) {
        ct_scalar_holder id;
        ct_tensor *idt = ct__scalar_holder(
            &id, reduction_identity((ct_scatter_reduction)mean_or_reduce, t->dtype), t->dtype);
        scatter_pass(out, d, index, idt, CT_SCAT_ASSIGN);
    }
    scatter_pass(out, d, index, src, op);
    bool ok = !(mean && scatter_mean_finish(out, d, index, include_self, fn) != 0);
    if (ok && in_place) ct__bump_version(t);
    if (ok && rec)
        ok = scatter_record(out, t, self_old, d, index, user_src, kind, mean_or_reduce, include_self);
    if (self_old) ct_free(self_old);
    if (!ok && !in_place) ct_free(out);
    return ok ? out : NULL;
}

ct_tensor *ct_scatter(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src) {
    CT_CHECK_ARG(src, "ct_scatter", "src");
    return scatter_impl("ct_scatter", t, dim, index, src, ct_scalar_int(0), CT_SCAT_ASSIGN, -1,
                        true, false);
}

ct_tensor *ct_scatter_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src) {
    CT_CHECK_ARG(src, "ct_scatter_", "src");
    return scatter_impl("ct_scatter_", t, dim, index, src, ct_scalar_int(0), CT_SCAT_ASSIGN, -1,
                        true, true);
}

ct_tensor *ct_scatter_value_sc(ct_tensor *t, int dim, ct_tensor *index, ct_scalar value) {
    return scatter_impl("ct_scatter_value", t, dim, index, NULL, value, CT_SCAT_ASSIGN, -1, true,
                        false);
}

ct_tensor *ct_scatter_value_sc_(ct_tensor *t, int dim, ct_tensor *index, ct_scalar value) {
    return scatter_impl("ct_scatter_value_", t, dim, index, NULL, value, CT_SCAT_ASSIGN, -1, true,
                        true);
}

ct_tensor *ct_scatter_add(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src) {
    CT_CHECK_ARG(src, "ct_scatter_add", "src");
    return scatter_impl("ct_scatter_add", t, dim, index, src, ct_scalar_int(0), CT_SCAT_ADD, -1,
                        true, false);
}

ct_tensor *ct_scatter_add_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src) {
    CT_CHECK_ARG(src, "ct_scatter_add_", "src");
    return scatter_impl("ct_scatter_add_", t, dim, index, src, ct_scalar_int(0), CT_SCAT_ADD, -1,
                        true, true);
}

static ct_tensor *scatter_reduce_impl(const char *fn, ct_tensor *t, int dim, ct_tensor *index,
                                      ct_tensor *src, ct_scatter_reduction reduce,
                                      bool include_self, bool in_place) {
    CT_CHECK_ARG(src, fn, "src");
    static const ct_scat_op ops[] = {CT_SCAT_ADD, CT_SCAT_MUL, CT_SCAT_ADD, CT_SCAT_MAX,
                                     CT_SCAT_MIN};
    if ((int)reduce < 0 || (int)reduce > CT_SCATTER_AMIN) {
        ct__error(CT_ERR_RUNTIME, fn, "reduce argument must be either sum, prod, mean, amax or amin.");
        return NULL;
    }
    return scatter_impl(fn, t, dim, index, src, ct_scalar_int(0), ops[reduce], (int)reduce,
                        include_self, in_place);
}

ct_tensor *ct_scatter_reduce(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src,
                             ct_scatter_reduction reduce, bool include_self) {
    return scatter_reduce_impl("ct_scatter_reduce", t, dim, index, src, reduce, include_self, false);
}

ct_tensor *ct_scatter_reduce_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src,
                              ct_scatter_reduction reduce, bool include_self) {
    return scatter_reduce_impl("ct_scatter_reduce_", t, dim, index, src, reduce, include_self, true);
}
