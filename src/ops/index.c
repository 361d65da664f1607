/*
 * src/ops/index.c - ops that read or write elements chosen by index tensors
 * or masks: index_select, gather, take, masked_select, masked_fill, nonzero,
 * and advanced indexing t[idx] / index_put_ (the scatter family is in
 * scatter.c).
 *
 * Every index is checked before anything is read or written, so a bad index
 * is an error with PyTorch's message, never an access outside a tensor.
 * Backward formulas will sit beside each forward here (autograd issue).
 */
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

bool ct__check_dim_indices(const ct_tensor *index, int dim, int64_t size, const char *fn) {
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

void ct__restricted_view(ct_tensor *v, const ct_tensor *t, const ct_tensor *index, int dim) {
    int64_t strides[CT_MAX_DIMS];
    for (int i = 0; i < index->ndim; i++) strides[i] = i == dim ? 0 : ct__stride_or0(t, i);
    ct__stack_view(v, t, index->ndim, index->shape, strides, t->offset);
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
    int64_t size = ct__size_or1(t, d);
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

/* ------------------------------------------------------------------ gather */

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
    if (ct__ndim_or1(index) != ct__ndim_or1(t)) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Index tensor must have the same number of dimensions as input tensor");
        return NULL;
    }
    int64_t ts[CT_MAX_DIMS], is[CT_MAX_DIMS];
    ct__sizes_or1(t, ts);
    ct__sizes_or1(index, is);
    /* An empty index reads nothing: PyTorch skips the size check then. */
    bool empty = ct__numel(index->ndim, index->shape) == 0;
    for (int i = 0; i < ct__ndim_or1(t) && !empty; i++) {
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
    if (!ct__check_dim_indices(index, d, ts[d], fn)) return NULL;
    ct_tensor *out = ct__tensor_empty(index->ndim, index->shape, t->dtype, t->storage->device, fn);
    if (!out) return NULL;
    ct_tensor self_v;
    ct__restricted_view(&self_v, t, index, d);
    ct_dim_gather_ctx ctx = {ct__stride_or0(t, d) * (int64_t)ct_dtype_size(t->dtype),
                             ct_dtype_size(t->dtype)};
    ct_tensor *ops[3] = {out, index, &self_v};
    ct_iter it;
    ct__iter_init(&it, index->ndim, index->shape, 3, ops);
    ct__iter_run(&it, ct__dim_gather_loop, &ctx);
    return record_indexed(&gather_type, out, t, d, index);
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
