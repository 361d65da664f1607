/*
 * src/ops/index.c - ops that read or write elements chosen by index tensors
 * or masks: index_select, gather, the scatter family, take, masked_select,
 * masked_fill, nonzero, and advanced indexing t[idx] / index_put_.
 *
 * Every index is checked before anything is read or written, so a bad index
 * is an error with PyTorch's message, never an access outside a tensor.
 * Backward formulas will sit beside each forward here (autograd issue).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "index_internal.h"

/* ------------------------------------------------------------ shared bits */

void ct__stack_view(ct_tensor *v, const ct_tensor *t, int ndim, const int64_t *shape,
                    const int64_t *strides, int64_t offset) {
    memset(v, 0, sizeof *v);
    v->storage = t->storage;
    v->dtype = t->dtype;
    v->offset = offset;
    v->ndim = ndim;
    for (int i = 0; i < ndim; i++) {
        v->shape[i] = shape[i];
        v->strides[i] = strides[i];
    }
}

ct_tensor *ct__gather_new(ct_tensor *src, int ndim, const int64_t *shape,
                          const int64_t *const *tables, const char *fn) {
    ct_tensor *out = ct__tensor_empty(ndim, shape, src->dtype, src->storage->device, fn);
    if (!out) return NULL;
    size_t es = ct_dtype_size(src->dtype);
    if (ndim == 0) memcpy(ct__data(out), ct__data(src), es);
    else ct__gather_tables(ct__data(out), ct__data(src), es, ndim, shape, tables);
    return out;
}

/* The index values as a malloc'd int64 array in C order (index is int32 or int64). */
static int64_t *index_values(const ct_tensor *index, int64_t *n, const char *fn) {
    *n = ct__numel(index->ndim, index->shape);
    int64_t *v = malloc(sizeof(int64_t) * (size_t)(*n > 0 ? *n : 1));
    if (!v) {
        ct__error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    if (ct_copy_to_buffer(index, v, CT_I64, (size_t)*n) != 0) {
        free(v);
        return NULL;
    }
    return v;
}

/* Size of dim d, treating a 0-d tensor as having one dim of size 1 (PyTorch's rule). */
static int64_t size_or1(const ct_tensor *t, int d) { return t->ndim == 0 ? 1 : t->shape[d]; }
static int64_t stride_or0(const ct_tensor *t, int d) { return d < t->ndim ? t->strides[d] : 0; }
static int ndim_or1(const ct_tensor *t) { return t->ndim > 0 ? t->ndim : 1; }

/* A dim-indexed op treats a 0-d tensor as 1-d: its sizes as an array. */
static void sizes_or1(const ct_tensor *t, int64_t *s) {
    if (t->ndim == 0) s[0] = 1;
    for (int i = 0; i < t->ndim; i++) s[i] = t->shape[i];
}

/* ------------------------------------------------------------ index_select */

/* ctx of the nodes that only need a dim (their index tensor is saved in slot 0). */
typedef struct {
    int dim;
} dim_ctx;

/* The saved index as a 1-d int64 tensor (index_select takes int32 and 0-d ones too). */
static ct_tensor *index_as_long_vector(ct_tensor *index) {
    ct_shape flat = {.ndim = 1, .d = {ct__numel(index->ndim, index->shape)}};
    return ct_reshape(ct_to_dtype(index, CT_I64), flat);
}

/* IndexSelectBackward0: zeros of self's shape with grad added at the index along dim (index_add). */
static int index_select_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const dim_ctx *c = n->ctx;
    ct_tensor *index = ct__saved(n, 0);
    if (!index) return ct_last_error_code();
    if (n->in_meta[0].ndim == 0) gi[0] = ct_alias(g[0]); /* a 0-d self read itself */
    else
        gi[0] = ct_index_put(ct__zeros_of_input(n, 0, g[0]->dtype), c->dim,
                             index_as_long_vector(index), g[0], true);
    return gi[0] ? 0 : ct_last_error_code();
}
static const ct_node_type index_select_type = {"IndexSelectBackward0", index_select_backward};

/* Records a node whose backward needs the index (slot 0) and a dim. */
static ct_tensor *record_indexed(const ct_node_type *type, ct_tensor *out, ct_tensor *t, int dim,
                                 ct_tensor *index) {
    if (!out || !ct_dtype_is_floating(out->dtype) || !ct__should_record(1, &t)) return out;
    ct_node *n = ct__record(type, out, 1, &t, 1, sizeof(dim_ctx));
    if (!n) { /* out of memory */
        ct_free(out);
        return NULL;
    }
    ((dim_ctx *)n->ctx)->dim = dim;
    ct__save(n, 0, index);
    return out;
}

ct_tensor *ct_index_select(ct_tensor *t, int dim, ct_tensor *index) {
    const char *fn = "ct_index_select";
    CT_CHECK_ARG(t, fn, "self");
    CT_CHECK_ARG(index, fn, "index");
    if (!ct__check_same_device(t, index, fn)) return NULL;
    int d = ct__wrap_dim(dim, t->ndim, fn);
    if (d < 0) return NULL;
    if (index->dtype != CT_I64 && index->dtype != CT_I32) {
        ct__error(CT_ERR_RUNTIME, fn, "index_select(): Expected dtype int32 or int64 for index");
        return NULL;
    }
    if (index->ndim > 1) {
        ct__error(CT_ERR_INDEX, fn, "index_select(): Index is supposed to be a vector");
        return NULL;
    }
    int64_t n;
    int64_t *idx = index_values(index, &n, fn);
    if (!idx) return NULL;
    int64_t size = size_or1(t, d);
    if (size == 0 && n > 0) {
        free(idx);
        ct__error(CT_ERR_RUNTIME, fn, "index_select(): self indexing axis dim should be positive");
        return NULL;
    }
    for (int64_t j = 0; j < n; j++) {
        if (idx[j] < 0 || idx[j] >= size) {
            free(idx);
            ct__error(CT_ERR_INDEX, fn, "index out of range in self");
            return NULL;
        }
    }
    ct_tensor *out = NULL;
    if (t->ndim == 0) {
        /* A 0-d input stays 0-d whatever the (valid) index holds, as in PyTorch. */
        out = ct__gather_new(t, 0, NULL, NULL, fn);
    } else {
        int64_t shape[CT_MAX_DIMS], *tabs[CT_MAX_DIMS];
        memcpy(shape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
        shape[d] = n;
        int64_t *buf = ct__tables_new(t->ndim, shape, t->strides, tabs);
        if (buf) {
            for (int64_t j = 0; j < n; j++) tabs[d][j] = idx[j] * t->strides[d];
            out = ct__gather_new(t, t->ndim, shape, (const int64_t *const *)tabs, fn);
            free(buf);
        } else {
            ct__error(CT_ERR_OOM, fn, "out of memory");
        }
    }
    free(idx);
    return record_indexed(&index_select_type, out, t, d, index);
}

/* ----------------------------------------------------------- gather/scatter */

/* Every index in [0, size); else PyTorch's message naming the first bad one. */
static bool check_dim_indices(const ct_tensor *index, int dim, int64_t size, const char *fn) {
    int64_t n;
    int64_t *idx = index_values(index, &n, fn);
    if (!idx) return false;
    for (int64_t j = 0; j < n; j++) {
        if (idx[j] < 0 || idx[j] >= size) {
            ct__error(CT_ERR_RUNTIME, fn, "index %lld is out of bounds for dimension %d with size %lld",
                      (long long)idx[j], dim, (long long)size);
            free(idx);
            return false;
        }
    }
    free(idx);
    return true;
}

/*
 * A stack view of t restricted to index's shape, with stride 0 along dim (the
 * dim-wise loops add index * dim_stride themselves).
 */
static void restricted_view(ct_tensor *v, const ct_tensor *t, const ct_tensor *index, int dim) {
    int64_t strides[CT_MAX_DIMS];
    for (int i = 0; i < index->ndim; i++) strides[i] = i == dim ? 0 : stride_or0(t, i);
    ct__stack_view(v, t, index->ndim, index->shape, strides, t->offset);
}

/* GatherBackward0: grad scattered (added) back into zeros of self's shape. */
static int gather_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const dim_ctx *c = n->ctx;
    ct_tensor *index = ct__saved(n, 0);
    if (!index) return ct_last_error_code();
    gi[0] = ct_scatter_add(ct__zeros_of_input(n, 0, g[0]->dtype), c->dim, index, g[0]);
    return gi[0] ? 0 : ct_last_error_code();
}
static const ct_node_type gather_type = {"GatherBackward0", gather_backward};

ct_tensor *ct_gather(ct_tensor *t, int dim, ct_tensor *index) {
    const char *fn = "ct_gather";
    CT_CHECK_ARG(t, fn, "self");
    CT_CHECK_ARG(index, fn, "index");
    if (!ct__check_same_device(t, index, fn)) return NULL;
    int d = ct__wrap_dim(dim, t->ndim, fn);
    if (d < 0) return NULL;
    if (index->dtype != CT_I64) {
        ct__error(CT_ERR_RUNTIME, fn, "gather(): Expected dtype int64 for index");
        return NULL;
    }
    if (ndim_or1(index) != ndim_or1(t)) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Index tensor must have the same number of dimensions as input tensor");
        return NULL;
    }
    int64_t ts[CT_MAX_DIMS], is[CT_MAX_DIMS];
    sizes_or1(t, ts);
    sizes_or1(index, is);
    /* An empty index reads nothing: PyTorch skips the size check then. */
    bool empty = ct__numel(index->ndim, index->shape) == 0;
    for (int i = 0; i < ndim_or1(t) && !empty; i++) {
        if (i != d && is[i] > ts[i]) {
            char a[128], b[128];
            ct__error(CT_ERR_RUNTIME, fn,
                      "Size does not match at dimension %d expected index %s to be smaller than "
                      "self %s apart from dimension %d",
                      i, ct__shape_str(index->ndim, index->shape, a, sizeof a),
                      ct__shape_str(t->ndim, t->shape, b, sizeof b), d);
            return NULL;
        }
    }
    if (!check_dim_indices(index, d, ts[d], fn)) return NULL;
    ct_tensor *out = ct__tensor_empty(index->ndim, index->shape, t->dtype, t->storage->device, fn);
    if (!out) return NULL;
    ct_tensor self_v;
    restricted_view(&self_v, t, index, d);
    ct_dim_gather_ctx ctx = {stride_or0(t, d) * (int64_t)ct_dtype_size(t->dtype),
                             ct_dtype_size(t->dtype)};
    ct_tensor *ops[3] = {out, index, &self_v};
    ct_iter it;
    ct__iter_init(&it, index->ndim, index->shape, 3, ops);
    ct__iter_run(&it, ct__dim_gather_loop, &ctx);
    return record_indexed(&gather_type, out, t, d, index);
}

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
    if (ndim_or1(index) != ndim_or1(t)) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Index tensor must have the same number of dimensions as self tensor");
        return false;
    }
    if (src && ndim_or1(index) != ndim_or1(src)) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Index tensor must have the same number of dimensions as src tensor");
        return false;
    }
    int64_t ts[CT_MAX_DIMS], is[CT_MAX_DIMS], ss[CT_MAX_DIMS];
    sizes_or1(t, ts);
    sizes_or1(index, is);
    if (src) sizes_or1(src, ss);
    /* An empty index writes nothing: PyTorch skips the size check then. */
    bool empty = ct__numel(index->ndim, index->shape) == 0;
    for (int i = 0; i < ndim_or1(t) && !empty; i++) {
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
    return check_dim_indices(index, d, ts[d], fn);
}

/* Runs one dim-wise scatter pass of `op` into dst (serially: repeated indices share a place). */
static void scatter_pass(ct_tensor *dst, int d, ct_tensor *index, ct_tensor *src, ct_scat_op op) {
    ct_tensor dst_v, src_v;
    restricted_view(&dst_v, dst, index, d);
    ct_tensor *s = src;
    if (src->ndim > 0) {
        /* src restricted to index's shape, keeping its own strides. */
        int64_t strides[CT_MAX_DIMS];
        for (int i = 0; i < index->ndim; i++) strides[i] = stride_or0(src, i);
        ct__stack_view(&src_v, src, index->ndim, index->shape, strides, src->offset);
        s = &src_v;
    }
    ct_dim_gather_ctx ctx = {stride_or0(dst, d) * (int64_t)ct_dtype_size(dst->dtype),
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

/* -------------------------------------------------------------------- take */

/* TakeBackward0: grad added (put_ with accumulate) into zeros of self's shape, as if flattened. */
static int take_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    ct_tensor *index = ct__saved(n, 0);
    if (!index) return ct_last_error_code();
    const ct_meta *m = &n->in_meta[0];
    ct_shape flat = {.ndim = 1, .d = {ct__numel(m->ndim, m->shape)}};
    ct_shape gflat = {.ndim = 1, .d = {ct__numel(g[0]->ndim, g[0]->shape)}};
    ct_tensor *acc = ct_index_put(ct_zeros(flat, .dtype = g[0]->dtype), 0, ct_reshape(index, gflat),
                                  ct_reshape(g[0], gflat), true);
    gi[0] = ct_reshape(acc, ct__meta_shape(m));
    return gi[0] ? 0 : ct_last_error_code();
}
static const ct_node_type take_type = {"TakeBackward0", take_backward};

ct_tensor *ct_take(ct_tensor *t, ct_tensor *index) {
    const char *fn = "ct_take";
    CT_CHECK_ARG(t, fn, "self");
    CT_CHECK_ARG(index, fn, "index");
    if (!ct__check_same_device(t, index, fn)) return NULL;
    if (index->dtype != CT_I64) {
        ct__error(CT_ERR_RUNTIME, fn, "take(): Expected a long tensor for index, but got %s",
                  ct__scalar_type_name(index->dtype));
        return NULL;
    }
    int64_t n;
    int64_t *idx = index_values(index, &n, fn);
    if (!idx) return NULL;
    int64_t numel = ct__numel(t->ndim, t->shape);
    if (numel == 0 && n > 0) {
        free(idx);
        ct__error(CT_ERR_INDEX, fn, "take(): tried to take from an empty tensor");
        return NULL;
    }
    for (int64_t j = 0; j < n; j++) {
        if (idx[j] < -numel || idx[j] >= numel) {
            ct__error(CT_ERR_INDEX, fn, "out of range: tried to access index %lld on a tensor of %lld elements.",
                      (long long)idx[j], (long long)numel);
            free(idx);
            return NULL;
        }
        /* The linear index becomes a storage offset through t's strides. */
        int64_t lin = idx[j] < 0 ? idx[j] + numel : idx[j], off = 0;
        for (int d = t->ndim - 1; d >= 0; d--) {
            off += (lin % t->shape[d]) * t->strides[d];
            lin /= t->shape[d];
        }
        idx[j] = off;
    }
    ct_tensor *out = ct__tensor_empty(index->ndim, index->shape, t->dtype, t->storage->device, fn);
    if (out && n > 0) {
        const int64_t *tabs[1] = {idx};
        ct__gather_tables(ct__data(out), ct__data(t), ct_dtype_size(t->dtype), 1, &n, tabs);
    }
    free(idx);
    return record_indexed(&take_type, out, t, 0, index);
}

/* -------------------------------------------------- masked_select and fill */

static bool check_mask_dtype(const ct_tensor *mask, const char *fn, bool select) {
    if (mask->dtype == CT_BOOL || mask->dtype == CT_U8) return true;
    if (select)
        ct__error(CT_ERR_RUNTIME, fn, "masked_select: expected BoolTensor or ByteTensor for mask");
    else
        ct__error(CT_ERR_RUNTIME, fn,
                  "masked_fill_ only supports boolean masks, but got mask with dtype %s",
                  ct_dtype_name(mask->dtype));
    return false;
}

static void count_true_loop(char **data, const int64_t *strides, int64_t n, void *ctx) {
    int64_t *count = ctx;
    for (int64_t i = 0; i < n; i++) *count += data[0][i * strides[0]] != 0;
}

typedef struct {
    char *out;
    size_t es;
} select_ctx;

/* Operands (self, mask): appends self's element wherever mask is set (serial, C order). */
static void select_loop(char **data, const int64_t *strides, int64_t n, void *ctx) {
    select_ctx *c = ctx;
    for (int64_t i = 0; i < n; i++) {
        if (data[1][i * strides[1]] == 0) continue;
        memcpy(c->out, data[0] + i * strides[0], c->es);
        c->out += c->es;
    }
}

/* ctx of MaskedSelectBackward0: the broadcast shape of self and mask. */
typedef struct {
    ct_shape shape;
} shape_ctx;

/*
 * MaskedSelectBackward0: grad placed back where the (broadcast) mask is set,
 * zeros elsewhere (masked_scatter); the engine sums it to self's shape.
 */
static int masked_select_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const shape_ctx *c = n->ctx;
    ct_tensor *mask = ct__saved(n, 0);
    if (!mask) return ct_last_error_code();
    gi[0] = ct_index_put(ct_zeros(c->shape, .dtype = g[0]->dtype), 0, ct_expand(mask, c->shape), g[0],
                         false);
    return gi[0] ? 0 : ct_last_error_code();
}
static const ct_node_type masked_select_type = {"MaskedSelectBackward0", masked_select_backward};

ct_tensor *ct_masked_select(ct_tensor *t, ct_tensor *mask) {
    const char *fn = "ct_masked_select";
    CT_CHECK_ARG(t, fn, "self");
    CT_CHECK_ARG(mask, fn, "mask");
    if (!ct__check_same_device(t, mask, fn)) return NULL;
    if (!check_mask_dtype(mask, fn, true)) return NULL;
    int nd;
    int64_t shape[CT_MAX_DIMS];
    /* PyTorch names the mask "a" and self "b" in its broadcast message. */
    if (!ct__broadcast_shapes(mask->ndim, mask->shape, t->ndim, t->shape, &nd, shape, fn))
        return NULL;
    ct_tensor *ops[2] = {t, mask};
    ct_iter it;
    ct__iter_init(&it, nd, shape, 1, &ops[1]);
    int64_t count = 0;
    ct__iter_run_range(&it, count_true_loop, &count, 0, it.numel);
    ct_tensor *out = ct__tensor_empty(1, &count, t->dtype, t->storage->device, fn);
    if (!out) return NULL;
    select_ctx c = {ct__data(out), ct_dtype_size(t->dtype)};
    ct__iter_init(&it, nd, shape, 2, ops);
    ct__iter_run_range(&it, select_loop, &c, 0, it.numel);
    if (ct_dtype_is_floating(out->dtype) && ct__should_record(1, &t)) {
        ct_node *n = ct__record(&masked_select_type, out, 1, &t, 1, sizeof(shape_ctx));
        if (!n) {
            ct_free(out);
            return NULL;
        }
        shape_ctx *sc = n->ctx;
        sc->shape.ndim = nd;
        memcpy(sc->shape.d, shape, sizeof(int64_t) * (size_t)nd);
        ct__save(n, 0, mask);
    }
    return out;
}

typedef struct {
    char value[8];
    size_t es;
} fill_ctx;

/* Operands (self, mask): writes the value wherever mask is set. */
static void masked_fill_loop(char **data, const int64_t *strides, int64_t n, void *ctx) {
    const fill_ctx *c = ctx;
    for (int64_t i = 0; i < n; i++)
        if (data[1][i * strides[1]] != 0) memcpy(data[0] + i * strides[0], c->value, c->es);
}

/* The scalar a 0-d value tensor holds, keeping its kind (int, float or bool). */
static ct_scalar scalar_of(const ct_tensor *v) {
    const void *p = ct__data(v);
    if (ct_dtype_is_floating(v->dtype)) return ct_scalar_float(ct__load_f64(p, v->dtype));
    if (v->dtype == CT_BOOL) return ct_scalar_bool(ct__load_i64(p, v->dtype) != 0);
    return ct_scalar_int(ct__load_i64(p, v->dtype));
}

/*
 * PyTorch's check that a fill value fits the dtype. A float going into uint8
 * must lie in [0, 256) (an int in (-256, 256) wraps instead).
 */
static bool fill_value_fits(ct_scalar value, ct_dtype d, const char *fn) {
    double v = ct_scalar_to_double(value);
    if (d == CT_U8 && value.kind == CT_SCALAR_FLOAT && !(v >= 0 && v < 256)) {
        ct__error(CT_ERR_RUNTIME, fn, "value cannot be converted to type uint8_t without overflow");
        return false;
    }
    return ct__check_value_fits(v, d, fn);
}

/*
 * MaskedFillBackward0/1: self gets grad with the filled places zeroed; a
 * tensor value gets the sum of grad over them.
 */
static int masked_fill_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    ct_tensor *mask = ct__saved(n, 0);
    if (!mask) return ct_last_error_code();
    if (ct__needs_grad(n, 0) && !(gi[0] = ct_masked_fill(g[0], mask, 0))) return ct_last_error_code();
    if (ct__needs_grad(n, 1) && !(gi[1] = ct_sum(ct_masked_select(g[0], mask))))
        return ct_last_error_code();
    return 0;
}
static const ct_node_type masked_fill_type = {"MaskedFillBackward0", masked_fill_backward};
static const ct_node_type masked_fill_tensor_type = {"MaskedFillBackward1", masked_fill_backward};

/* value_t: the 0-d value tensor of the tensor forms (NULL for a number), an input of the node. */
static ct_tensor *masked_fill_impl(const char *fn, ct_tensor *t, ct_tensor *mask, ct_scalar value,
                                   ct_tensor *value_t, bool in_place) {
    CT_CHECK_ARG(t, fn, "self");
    CT_CHECK_ARG(mask, fn, "mask");
    if (!ct__check_same_device(t, mask, fn)) return NULL;
    if (!check_mask_dtype(mask, fn, false)) return NULL;
    int nd;
    int64_t shape[CT_MAX_DIMS];
    if (!ct__broadcast_shapes(t->ndim, t->shape, mask->ndim, mask->shape, &nd, shape, fn))
        return NULL;
    if (!fill_value_fits(value, t->dtype, fn)) return NULL;
    ct_tensor *ins[2] = {t, value_t};
    int nin = value_t ? 2 : 1;
    bool rec = ct_dtype_is_floating(t->dtype) && ct__should_record(nin, ins);
    ct_tensor *out = t;
    if (in_place) {
        bool same = nd == t->ndim;
        for (int i = 0; same && i < nd; i++) same = shape[i] == t->shape[i];
        if (!same) {
            char a[128], b[128];
            ct__error(CT_ERR_RUNTIME, fn, "output with shape %s doesn't match the broadcast shape %s",
                      ct__shape_str(t->ndim, t->shape, a, sizeof a),
                      ct__shape_str(nd, shape, b, sizeof b));
            return NULL;
        }
        if (!ct__check_inplace(t, fn)) return NULL;
    } else {
        out = ct__tensor_empty(nd, shape, t->dtype, t->storage->device, fn);
        if (!out) return NULL;
        ct__copy_into(out, t, fn);
    }
    fill_ctx c;
    c.es = ct_dtype_size(t->dtype);
    ct__store_scalar(c.value, t->dtype, value);
    ct_tensor *ops[2] = {out, mask};
    ct_iter it;
    ct__iter_init(&it, nd, shape, 2, ops);
    ct__iter_run(&it, masked_fill_loop, &c);
    if (in_place) ct__bump_version(t);
    if (rec) {
        ct_node *n = ct__record(value_t ? &masked_fill_tensor_type : &masked_fill_type, out, nin, ins, 1, 0);
        if (!n) {
            if (!in_place) ct_free(out);
            return NULL;
        }
        ct__save(n, 0, mask);
    }
    return out;
}

static bool check_fill_value(const ct_tensor *value, const char *fn) {
    if (value->ndim == 0) return true;
    ct__error(CT_ERR_RUNTIME, fn,
              "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with %d "
              "dimension(s).",
              value->ndim);
    return false;
}

ct_tensor *ct_masked_fill_sc(ct_tensor *t, ct_tensor *mask, ct_scalar value) {
    return masked_fill_impl("ct_masked_fill", t, mask, value, NULL, false);
}

ct_tensor *ct_masked_fill_sc_(ct_tensor *t, ct_tensor *mask, ct_scalar value) {
    return masked_fill_impl("ct_masked_fill_", t, mask, value, NULL, true);
}

ct_tensor *ct_masked_fill_tensor(ct_tensor *t, ct_tensor *mask, ct_tensor *value) {
    CT_CHECK_ARG(value, "ct_masked_fill", "value");
    if (!check_fill_value(value, "ct_masked_fill")) return NULL;
    return masked_fill_impl("ct_masked_fill", t, mask, scalar_of(value), value, false);
}

ct_tensor *ct_masked_fill_tensor_(ct_tensor *t, ct_tensor *mask, ct_tensor *value) {
    CT_CHECK_ARG(value, "ct_masked_fill_", "value");
    if (!check_fill_value(value, "ct_masked_fill_")) return NULL;
    return masked_fill_impl("ct_masked_fill_", t, mask, scalar_of(value), value, true);
}

/* ----------------------------------------------------------------- nonzero */

ct_tensor *ct_nonzero(ct_tensor *t) {
    const char *fn = "ct_nonzero";
    CT_CHECK_ARG(t, fn, "self");
    int64_t shape[2] = {ct__count_nonzero(t), t->ndim};
    ct_tensor *out = ct__tensor_empty(2, shape, CT_I64, t->storage->device, fn);
    if (!out) return NULL;
    ct__nonzero_indices(t, ct__data(out));
    return out;
}

/* ------------------------------------------------------ advanced indexing */

/*
 * How t[(slice(None),) * dim + (index,)] reads t: gather (or scatter) dims
 * t[:dim] + [J] + t[dim+k:] through offset tables, J being the index's
 * entries (the true entries of a mask over k dims), then viewed as `shape`.
 */
typedef struct {
    int ndim;                 /* gather dims */
    int64_t gshape[CT_MAX_DIMS + 1];
    int64_t *tabs[CT_MAX_DIMS + 1];
    int64_t *buf;             /* tables, malloc'd */
    int rndim;                /* result dims */
    int64_t rshape[CT_MAX_DIMS];
} index_plan;

static bool plan_error_dims(int n, const char *fn) {
    if (n <= CT_MAX_DIMS) return true;
    ct__error(CT_ERR_VALUE, fn, "number of dimensions %d is not supported (at most %d)", n, CT_MAX_DIMS);
    return false;
}

/* Fills the plan's tables: identity outside the index part, `entries` (offsets) inside. */
static bool plan_tables(index_plan *p, const ct_tensor *t, int d, int k, const int64_t *entries,
                        const char *fn) {
    int64_t strides[CT_MAX_DIMS + 1];
    for (int i = 0; i < d; i++) strides[i] = t->strides[i];
    strides[d] = 0;
    for (int i = d + k; i < t->ndim; i++) strides[i - k + 1] = t->strides[i];
    p->buf = ct__tables_new(p->ndim, p->gshape, strides, p->tabs);
    if (!p->buf) {
        ct__error(CT_ERR_OOM, fn, "out of memory");
        return false;
    }
    memcpy(p->tabs[d], entries, sizeof(int64_t) * (size_t)p->gshape[d]);
    return true;
}

static bool plan_index(index_plan *p, ct_tensor *t, int dim, ct_tensor *index, const char *fn) {
    memset(p, 0, sizeof *p);
    if (index->dtype != CT_I64 && index->dtype != CT_BOOL && index->dtype != CT_U8) {
        ct__error(CT_ERR_INDEX, fn, "tensors used as indices must be long, byte or bool tensors");
        return false;
    }
    bool mask = index->dtype != CT_I64;
    int k = mask ? index->ndim : 1;
    if (dim < 0 || dim + k > t->ndim) {
        if (dim < 0 || dim > t->ndim || (!mask && t->ndim == 0)) {
            if (ct__wrap_dim(dim, t->ndim, fn) < 0) return false;
        }
        if (dim + k > t->ndim) {
            ct__error(CT_ERR_INDEX, fn, "too many indices for tensor of dimension %d", t->ndim);
            return false;
        }
    }
    int64_t n;
    int64_t *entries;
    if (mask) {
        for (int m = 0; m < k; m++) {
            if (index->shape[m] != t->shape[dim + m]) {
                char a[128], b[128];
                ct__error(CT_ERR_INDEX, fn,
                          "The shape of the mask %s at index %d does not match the shape of the "
                          "indexed tensor %s at index %d",
                          ct__shape_str(index->ndim, index->shape, a, sizeof a), m,
                          ct__shape_str(t->ndim, t->shape, b, sizeof b), dim + m);
                return false;
            }
        }
        /* The true entries' coordinates become offsets through t's strides. */
        n = ct__count_nonzero(index);
        entries = malloc(sizeof(int64_t) * (size_t)(n * (k > 0 ? k : 1) + 1));
        if (!entries) {
            ct__error(CT_ERR_OOM, fn, "out of memory");
            return false;
        }
        ct__nonzero_indices(index, entries);
        for (int64_t j = 0; j < n; j++) {
            int64_t off = 0;
            for (int m = 0; m < k; m++) off += entries[j * k + m] * t->strides[dim + m];
            entries[j] = off;
        }
    } else {
        entries = index_values(index, &n, fn);
        if (!entries) return false;
        int64_t size = t->shape[dim];
        for (int64_t j = 0; j < n; j++) {
            if (entries[j] < -size || entries[j] >= size) {
                ct__error(CT_ERR_INDEX, fn, "index %lld is out of bounds for dimension 0 with size %lld",
                          (long long)entries[j], (long long)size);
                free(entries);
                return false;
            }
            entries[j] = (entries[j] < 0 ? entries[j] + size : entries[j]) * t->strides[dim];
        }
    }
    /* Gather dims and result dims. */
    p->ndim = t->ndim - k + 1;
    p->rndim = mask ? p->ndim : t->ndim - 1 + index->ndim;
    if (!plan_error_dims(p->rndim, fn) || !plan_error_dims(p->ndim, fn)) {
        free(entries);
        return false;
    }
    for (int i = 0; i < dim; i++) p->gshape[i] = p->rshape[i] = t->shape[i];
    p->gshape[dim] = n;
    int r = dim;
    if (mask) p->rshape[r++] = n;
    else
        for (int i = 0; i < index->ndim; i++) p->rshape[r++] = index->shape[i];
    for (int i = dim + k; i < t->ndim; i++) {
        p->gshape[i - k + 1] = t->shape[i];
        p->rshape[r++] = t->shape[i];
    }
    bool ok = plan_tables(p, t, dim, k, entries, fn);
    free(entries);
    return ok;
}

/* IndexBackward0: grad added (index_put_ with accumulate) into zeros of self's shape. */
static int index_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const dim_ctx *c = n->ctx;
    ct_tensor *index = ct__saved(n, 0);
    if (!index) return ct_last_error_code();
    gi[0] = ct_index_put(ct__zeros_of_input(n, 0, g[0]->dtype), c->dim, index, g[0], true);
    return gi[0] ? 0 : ct_last_error_code();
}
static const ct_node_type index_type = {"IndexBackward0", index_backward};

ct_tensor *ct_index_tensor(ct_tensor *t, int dim, ct_tensor *index) {
    const char *fn = "ct_index_tensor";
    CT_CHECK_ARG(t, fn, "self");
    CT_CHECK_ARG(index, fn, "index");
    if (!ct__check_same_device(t, index, fn)) return NULL;
    index_plan p;
    if (!plan_index(&p, t, dim, index, fn)) return NULL;
    ct_tensor *out = ct__tensor_empty(p.rndim, p.rshape, t->dtype, t->storage->device, fn);
    if (out && ct__numel(p.ndim, p.gshape) > 0)
        ct__gather_tables(ct__data(out), ct__data(t), ct_dtype_size(t->dtype), p.ndim, p.gshape,
                          (const int64_t *const *)p.tabs);
    free(p.buf);
    return record_indexed(&index_type, out, t, dim, index);
}

typedef struct {
    int dim;
    bool accumulate;
} index_put_ctx;

/*
 * IndexPutBackward0: self keeps grad where its values survived (all of it
 * with accumulate); values get grad read at the index, summed by the engine
 * to values' shape when they were broadcast.
 */
static int index_put_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const index_put_ctx *c = n->ctx;
    ct_tensor *index = ct__saved(n, 0);
    if (!index) return ct_last_error_code();
    if (ct__needs_grad(n, 0)) {
        gi[0] = c->accumulate ? ct_alias(g[0])
                              : ct_index_put(g[0], c->dim, index,
                                             ct_zeros(CT_SHAPE0, .dtype = g[0]->dtype), false);
        if (!gi[0]) return ct_last_error_code();
    }
    if (ct__needs_grad(n, 1) && !(gi[1] = ct_index_tensor(g[0], c->dim, index)))
        return ct_last_error_code();
    return 0;
}
static const ct_node_type index_put_type = {"IndexPutBackward0", index_put_backward};

/*
 * Writes values into dst at the index. dst is self (in place) or a fresh copy
 * of it (ct_index_put); the node, if any, has inputs (self, values), values
 * being NULL for the number form.
 */
static ct_tensor *index_put_impl(const char *fn, ct_tensor *dst, ct_tensor *self, int dim,
                                 ct_tensor *index, ct_tensor *values, ct_tensor *values_in,
                                 bool accumulate) {
    ct_tensor *t = dst;
    CT_CHECK_ARG(t, fn, "self");
    CT_CHECK_ARG(index, fn, "index");
    CT_CHECK_ARG(values, fn, "values");
    if (!ct__check_same_device(t, index, fn) || !ct__check_same_device(t, values, fn)) return NULL;
    if (values->dtype != t->dtype) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Index put requires the source and destination dtypes match, got %s for the "
                  "destination and %s for the source.",
                  ct__scalar_type_name(t->dtype), ct__scalar_type_name(values->dtype));
        return NULL;
    }
    ct_tensor *ins[2] = {self, values_in};
    int nin = values_in ? 2 : 1;
    bool rec = ct_dtype_is_floating(t->dtype) && ct__should_record(nin, ins);
    if (dst == self && !ct__check_inplace(dst, fn)) return NULL;
    index_plan p;
    if (!plan_index(&p, t, dim, index, fn)) return NULL;
    /* values must broadcast to the result's shape (not the other way round). */
    bool fits = values->ndim <= p.rndim;
    for (int i = 0; fits && i < values->ndim; i++) {
        int64_t v = values->shape[values->ndim - 1 - i], r = p.rshape[p.rndim - 1 - i];
        fits = v == r || v == 1;
    }
    if (!fits) {
        char a[128], b[128];
        ct__error(CT_ERR_RUNTIME, fn,
                  "shape mismatch: value tensor of shape %s cannot be broadcast to indexing result "
                  "of shape %s",
                  ct__shape_str(values->ndim, values->shape, a, sizeof a),
                  ct__shape_str(p.rndim, p.rshape, b, sizeof b));
        free(p.buf);
        return NULL;
    }
    /* The values laid out densely in the result's shape (this also breaks any aliasing with t). */
    ct_tensor *dense = ct__tensor_empty(p.rndim, p.rshape, t->dtype, t->storage->device, fn);
    if (!dense) {
        free(p.buf);
        return NULL;
    }
    ct__copy_into(dense, values, fn);
    ct__scatter_tables(ct__data(t), ct__data(dense), t->dtype, p.ndim, p.gshape,
                       (const int64_t *const *)p.tabs, accumulate);
    ct_free(dense);
    free(p.buf);
    ct__bump_version(t);
    if (rec) {
        ct_node *n = ct__record(&index_put_type, t, nin, ins, 1, sizeof(index_put_ctx));
        if (!n) return NULL;
        index_put_ctx *c = n->ctx;
        c->dim = dim;
        c->accumulate = accumulate;
        ct__save(n, 0, index);
    }
    return t;
}

ct_tensor *ct_index_put_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *values,
                         bool accumulate) {
    return index_put_impl("ct_index_put_", t, t, dim, index, values, values, accumulate);
}

ct_tensor *ct_index_put(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *values,
                        bool accumulate) {
    CT_CHECK_ARG(t, "ct_index_put", "self");
    ct_tensor *out = ct__clone(t);
    if (!out) return NULL;
    if (!index_put_impl("ct_index_put", out, t, dim, index, values, values, accumulate)) {
        ct_free(out);
        return NULL;
    }
    return out;
}

ct_tensor *ct_index_put_sc_(ct_tensor *t, int dim, ct_tensor *index, ct_scalar value) {
    CT_CHECK_ARG(t, "ct_index_put_sc_", "self");
    ct_scalar_holder h;
    return index_put_impl("ct_index_put_sc_", t, t, dim, index,
                          ct__scalar_holder(&h, value, t->dtype), NULL, false);
}
