/*
 * src/ops/shape_ops.c - ops that rearrange a tensor's data into a new
 * tensor: repeat, tile, flip, roll, tril, triu, meshgrid (views), one_hot,
 * diag, pad. Most are a table gather (src/kernels/index.c): each output dim
 * gets a table of source offsets, and the kernel sums them per element.
 * Each differentiable op records its PyTorch node; the backward formulas sit
 * beside the forwards and use public ops, so they are differentiable again.
 */
#include <stdlib.h>
#include <string.h>

#include "index_internal.h"

/* ctx of this file's nodes: up to two int lists (dims, shifts, repeats, pads), a k and a flag. */
typedef struct {
    ct_shape a, b;
    int64_t k;
    bool flag;
} shape_op_ctx;

/* Records node `type` on out (input t) with ctx c when t needs a gradient; frees out on failure. */
static ct_tensor *record1(const ct_node_type *type, ct_tensor *out, ct_tensor *t, const shape_op_ctx *c) {
    if (!out || out == t || !ct_dtype_is_floating(out->dtype) || !ct__should_record(1, &t)) return out;
    ct_node *n = ct__record(type, out, 1, &t, 0, sizeof *c);
    if (!n) {
        ct_free(out);
        return NULL;
    }
    memcpy(n->ctx, c, sizeof *c);
    return out;
}

/* Gathers t into a new tensor of `shape` through tables, then frees them. */
static ct_tensor *gather_and_free(ct_tensor *t, int ndim, const int64_t *shape, int64_t **tabs,
                                  int64_t *buf, const char *fn) {
    ct_tensor *out = ct__gather_new(t, ndim, shape, (const int64_t *const *)tabs, fn);
    free(buf);
    return out;
}

static int64_t *tables_or_error(int ndim, const int64_t *shape, const int64_t *strides,
                                int64_t **tabs, const char *fn) {
    int64_t *buf = ct__tables_new(ndim, shape, strides, tabs);
    if (!buf) ct__error(CT_ERR_OOM, fn, "out of memory");
    return buf;
}

/* ------------------------------------------------------------ repeat, tile */

/*
 * RepeatBackward0: grad summed over the copies. Dim by dim, grad is seen as
 * [before, repeats, size, after] and summed over the repeats, so the rank
 * never grows by more than one dim at a time.
 */
static int repeat_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const shape_op_ctx *c = n->ctx;
    const ct_meta *m = &n->in_meta[0];
    int lead = c->a.ndim - m->ndim;
    ct_tensor *x = g[0];
    for (int d = 0; x && d < c->a.ndim; d++) {
        int64_t rep = c->a.d[d], size = d < lead ? 1 : m->shape[d - lead];
        if (rep == 1) continue;
        ct_shape back = ct_shape_of(x);
        back.d[d] = size;
        int64_t before = ct__numel(d, x->shape), after = ct__numel(x->ndim - d - 1, x->shape + d + 1);
        x = ct_reshape(ct_sum_dims(ct_reshape(x, CT_SHAPE(before, rep, size, after)), CT_DIMS(1), false),
                       back);
    }
    gi[0] = ct_reshape(x, ct__meta_shape(m));
    return gi[0] ? 0 : ct_last_error_code();
}
static const ct_node_type repeat_type = {"RepeatBackward0", repeat_backward};

static ct_tensor *repeat_impl(ct_tensor *t, ct_shape r, const char *fn) {
    if (r.ndim < t->ndim) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Number of dimensions of repeat dims can not be smaller than number of "
                  "dimensions of tensor");
        return NULL;
    }
    if (r.ndim > CT_MAX_DIMS) {
        ct__error(CT_ERR_VALUE, fn, "number of dimensions %d is not supported (at most %d)", r.ndim, CT_MAX_DIMS);
        return NULL;
    }
    int lead = r.ndim - t->ndim;
    int64_t shape[CT_MAX_DIMS] = {0}, src_size[CT_MAX_DIMS] = {0}, strides[CT_MAX_DIMS] = {0};
    for (int i = 0; i < r.ndim; i++) {
        src_size[i] = i < lead ? 1 : t->shape[i - lead];
        strides[i] = i < lead ? 0 : t->strides[i - lead];
        shape[i] = src_size[i] * r.d[i];
    }
    for (int i = 0; i < r.ndim; i++) {
        if (shape[i] < 0) {
            char buf[160];
            ct__error(CT_ERR_RUNTIME, fn, "Trying to create tensor with negative dimension %lld: %s",
                      (long long)shape[i], ct__shape_str(r.ndim, shape, buf, sizeof buf));
            return NULL;
        }
    }
    int64_t *tabs[CT_MAX_DIMS];
    int64_t *buf = tables_or_error(r.ndim, shape, strides, tabs, fn);
    if (!buf) return NULL;
    /* Output position i reads source position i mod size. */
    for (int d = 0; d < r.ndim; d++)
        for (int64_t i = 0; i < shape[d]; i++) tabs[d][i] = (i % src_size[d]) * strides[d];
    shape_op_ctx c = {.a = r};
    return record1(&repeat_type, gather_and_free(t, r.ndim, shape, tabs, buf, fn), t, &c);
}

ct_tensor *ct_repeat(ct_tensor *t, ct_shape repeats) {
    CT_CHECK_ARG(t, "ct_repeat", "self");
    return repeat_impl(t, repeats, "ct_repeat");
}

ct_tensor *ct_tile(ct_tensor *t, ct_shape dims) {
    CT_CHECK_ARG(t, "ct_tile", "self");
    if (dims.ndim < t->ndim) {
        /* Fewer reps than dims: pad with 1s in front (torch.tile's rule). */
        int pad = t->ndim - dims.ndim;
        ct_shape r = {.ndim = t->ndim};
        for (int i = 0; i < t->ndim; i++) r.d[i] = i < pad ? 1 : dims.d[i - pad];
        dims = r;
    }
    return repeat_impl(t, dims, "ct_tile");
}

/* --------------------------------------------------------------- flip, roll */

/* Wraps a list of dims, rejecting repeats; false and an error otherwise. */
static bool wrap_dims_unique(ct_shape dims, int ndim, int *out, const char *fn) {
    bool seen[CT_MAX_DIMS] = {false};
    for (int i = 0; i < dims.ndim; i++) {
        int d = ct__wrap_dim((int)dims.d[i], ndim, fn);
        if (d < 0) return false;
        if (seen[d]) {
            ct__error(CT_ERR_RUNTIME, fn, "dim %d appears multiple times in the list of dims", d);
            return false;
        }
        seen[d] = true;
        out[i] = d;
    }
    return true;
}

/* FlipBackward0: grad flipped along the same dims. */
static int flip_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    gi[0] = ct_flip(g[0], ((const shape_op_ctx *)n->ctx)->a);
    return gi[0] ? 0 : ct_last_error_code();
}
static const ct_node_type flip_type = {"FlipBackward0", flip_backward};

ct_tensor *ct_flip(ct_tensor *t, ct_shape dims) {
    const char *fn = "ct_flip";
    CT_CHECK_ARG(t, fn, "self");
    int wd[CT_MAX_DIMS];
    if (dims.ndim > CT_MAX_DIMS || !wrap_dims_unique(dims, t->ndim, wd, fn)) {
        if (dims.ndim > CT_MAX_DIMS) ct__error(CT_ERR_VALUE, fn, "too many dims");
        return NULL;
    }
    if (t->ndim == 0) return ct_clone(t);
    int64_t *tabs[CT_MAX_DIMS];
    int64_t *buf = tables_or_error(t->ndim, t->shape, t->strides, tabs, fn);
    if (!buf) return NULL;
    for (int k = 0; k < dims.ndim; k++) {
        int d = wd[k];
        int64_t n = t->shape[d];
        for (int64_t i = 0; i < n; i++) tabs[d][i] = (n - 1 - i) * t->strides[d];
    }
    shape_op_ctx c = {.a = dims};
    return record1(&flip_type, gather_and_free(t, t->ndim, t->shape, tabs, buf, fn), t, &c);
}

/* Python's a mod n, for n > 0. */
static int64_t pos_mod(int64_t a, int64_t n) {
    int64_t r = a % n;
    return r < 0 ? r + n : r;
}

/* RollBackward0: grad rolled back by -shifts. */
static int roll_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const shape_op_ctx *c = n->ctx;
    ct_shape back = c->a;
    for (int i = 0; i < back.ndim; i++) back.d[i] = -back.d[i];
    gi[0] = ct_roll(g[0], back, c->b);
    return gi[0] ? 0 : ct_last_error_code();
}
static const ct_node_type roll_type = {"RollBackward0", roll_backward};

ct_tensor *ct_roll(ct_tensor *t, ct_shape shifts, ct_shape dims) {
    const char *fn = "ct_roll";
    CT_CHECK_ARG(t, fn, "self");
    if (shifts.ndim == 0) {
        ct__error(CT_ERR_RUNTIME, fn, "`shifts` required");
        return NULL;
    }
    if (dims.ndim == 0 && shifts.ndim == 1) {
        /* Roll the flattened tensor: output element j (C order) reads element j - shift. */
        int64_t numel = ct__numel(t->ndim, t->shape);
        if (numel == 0 || t->ndim == 0) return ct_clone(t);
        int64_t *tab = malloc(sizeof(int64_t) * (size_t)numel);
        if (!tab) {
            ct__error(CT_ERR_OOM, fn, "out of memory");
            return NULL;
        }
        for (int64_t j = 0; j < numel; j++) {
            int64_t lin = pos_mod(j - shifts.d[0], numel), off = 0;
            for (int d = t->ndim - 1; d >= 0; d--) {
                off += (lin % t->shape[d]) * t->strides[d];
                lin /= t->shape[d];
            }
            tab[j] = off;
        }
        ct_tensor *out = ct__tensor_empty(t->ndim, t->shape, t->dtype, t->storage->device, fn);
        const int64_t *tabs[1] = {tab};
        if (out) ct__gather_tables(ct__data(out), ct__data(t), ct_dtype_size(t->dtype), 1, &numel, tabs);
        free(tab);
        shape_op_ctx c = {.a = shifts, .b = dims};
        return record1(&roll_type, out, t, &c);
    }
    if (shifts.ndim != dims.ndim) {
        ct__error(CT_ERR_RUNTIME, fn, "shifts and dimensions must align. shifts: %d, dims:%d",
                  shifts.ndim, dims.ndim);
        return NULL;
    }
    if (t->ndim == 0) {
        ct__error(CT_ERR_INDEX, fn, "Dimension specified as %lld but tensor has no dimensions",
                  (long long)dims.d[0]);
        return NULL;
    }
    int wd[CT_MAX_DIMS];
    for (int k = 0; k < dims.ndim; k++) {
        wd[k] = ct__wrap_dim((int)dims.d[k], t->ndim, fn);
        if (wd[k] < 0) return NULL;
    }
    if (ct__numel(t->ndim, t->shape) == 0) return ct_clone(t);
    int64_t *tabs[CT_MAX_DIMS];
    int64_t *buf = tables_or_error(t->ndim, t->shape, t->strides, tabs, fn);
    if (!buf) return NULL;
    /* A dim listed twice rolls twice: accumulate the shifts per dim first. */
    int64_t shift[CT_MAX_DIMS] = {0};
    for (int k = 0; k < dims.ndim; k++) shift[wd[k]] += pos_mod(shifts.d[k], t->shape[wd[k]]);
    for (int d = 0; d < t->ndim; d++) {
        int64_t n = t->shape[d];
        for (int64_t i = 0; i < n; i++) tabs[d][i] = pos_mod(i - shift[d], n) * t->strides[d];
    }
    shape_op_ctx c = {.a = shifts, .b = dims};
    return record1(&roll_type, gather_and_free(t, t->ndim, t->shape, tabs, buf, fn), t, &c);
}

/* --------------------------------------------------------------- tril, triu */

static bool check_matrix_dims(const ct_tensor *t, const char *fn) {
    if (t->ndim == 0) {
        ct__error(CT_ERR_INDEX, fn, "Dimension specified as -2 but tensor has no dimensions");
        return false;
    }
    return ct__wrap_dim(-2, t->ndim, fn) >= 0;
}

/* TrilBackward0 / TriuBackward0: grad.tril(k) / grad.triu(k). */
static int triangle_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const shape_op_ctx *c = n->ctx;
    gi[0] = c->flag ? ct_tril(g[0], c->k) : ct_triu(g[0], c->k);
    return gi[0] ? 0 : ct_last_error_code();
}
static const ct_node_type tril_type = {"TrilBackward0", triangle_backward};
static const ct_node_type triu_type = {"TriuBackward0", triangle_backward};

static ct_tensor *triangle(ct_tensor *t, int64_t k, bool lower, bool in_place, const char *fn) {
    CT_CHECK_ARG(t, fn, "self");
    if (!check_matrix_dims(t, fn)) return NULL;
    if (in_place && !ct__check_inplace(t, fn)) return NULL;
    bool rec = ct_dtype_is_floating(t->dtype) && ct__should_record(1, &t);
    ct_tensor *out = in_place ? t : ct__clone(t);
    if (!out) return NULL;
    ct__triangle_zero(out, k, lower);
    if (in_place) ct__bump_version(t);
    if (rec) {
        ct_node *n = ct__record(lower ? &tril_type : &triu_type, out, 1, &t, 0, sizeof(shape_op_ctx));
        if (!n) {
            if (!in_place) ct_free(out);
            return NULL;
        }
        shape_op_ctx *c = n->ctx;
        c->k = k;
        c->flag = lower;
    }
    return out;
}

ct_tensor *ct_tril(ct_tensor *t, int64_t diagonal) { return triangle(t, diagonal, true, false, "ct_tril"); }
ct_tensor *ct_triu(ct_tensor *t, int64_t diagonal) { return triangle(t, diagonal, false, false, "ct_triu"); }
ct_tensor *ct_tril_(ct_tensor *t, int64_t diagonal) { return triangle(t, diagonal, true, true, "ct_tril_"); }
ct_tensor *ct_triu_(ct_tensor *t, int64_t diagonal) { return triangle(t, diagonal, false, true, "ct_triu_"); }

/* ----------------------------------------------------------------- meshgrid */

int ct_meshgrid(ct_tensor *const *ts, int n, ct_meshgrid_indexing indexing, ct_tensor **out,
                int cap) {
    const char *fn = "ct_meshgrid";
    if (!ts || n <= 0) {
        ct__error(CT_ERR_RUNTIME, fn, "meshgrid expects a non-empty TensorList");
        return CT_ERR_RUNTIME;
    }
    if (indexing != CT_MESHGRID_IJ && indexing != CT_MESHGRID_XY) {
        ct__error(CT_ERR_VALUE, fn, "torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: %d",
                  (int)indexing);
        return CT_ERR_VALUE;
    }
    for (int i = 0; i < n; i++) CT_CHECK_ARG_RET(ts[i], fn, "tensors", CT_ERR_NULL);
    if (n > CT_MAX_DIMS) {
        ct__error(CT_ERR_VALUE, fn, "number of dimensions %d is not supported (at most %d)", n, CT_MAX_DIMS);
        return CT_ERR_VALUE;
    }
    for (int i = 0; i < n; i++) {
        if (ts[i]->ndim > 1) {
            char buf[128];
            ct__error(CT_ERR_RUNTIME, fn,
                      "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a tensor "
                      "of shape %s",
                      ct__shape_str(ts[i]->ndim, ts[i]->shape, buf, sizeof buf));
            return CT_ERR_RUNTIME;
        }
        if (ts[i]->dtype != ts[0]->dtype) {
            ct__error(CT_ERR_RUNTIME, fn, "meshgrid expects all tensors to have the same dtype");
            return CT_ERR_RUNTIME;
        }
        if (!ct__check_same_device(ts[0], ts[i], fn)) return CT_ERR_DEVICE;
    }
    if (out && n > cap) {
        ct__error(CT_ERR_VALUE, fn, "the result has %d tensors but the output array holds %d", n, cap);
        return CT_ERR_VALUE;
    }
    if (!out) return n;
    /* "xy" puts input 0 along dim 1 and input 1 along dim 0. */
    bool swap = indexing == CT_MESHGRID_XY && n >= 2;
    int pos[CT_MAX_DIMS];
    int64_t shape[CT_MAX_DIMS];
    for (int i = 0; i < n; i++) pos[i] = swap && i < 2 ? 1 - i : i;
    for (int i = 0; i < n; i++) shape[pos[i]] = ts[i]->ndim ? ts[i]->shape[0] : 1;
    /* Each grid is input i seen with its length along pos[i] (a view), then expanded. */
    for (int i = 0; i < n; i++) {
        ct_shape line = {.ndim = n};
        for (int k = 0; k < n; k++) line.d[k] = k == pos[i] ? shape[k] : 1;
        ct_shape grid = {.ndim = n};
        memcpy(grid.d, shape, sizeof(int64_t) * (size_t)n);
        ct_tensor *v = ct_reshape(ts[i], line);
        out[i] = v ? ct_expand(v, grid) : NULL;
        if (v) ct_free(v);
        if (!out[i]) {
            for (int j = 0; j < i; j++) ct_free(out[j]);
            return ct_last_error_code() ? ct_last_error_code() : CT_ERR_RUNTIME;
        }
    }
    return n;
}

/* ------------------------------------------------------------------ one_hot */

ct_tensor *ct_one_hot(ct_tensor *t, int64_t num_classes) {
    const char *fn = "ct_one_hot";
    CT_CHECK_ARG(t, fn, "self");
    if (t->dtype != CT_I64) {
        ct__error(CT_ERR_RUNTIME, fn, "one_hot is only applicable to index tensor.");
        return NULL;
    }
    if (t->ndim + 1 > CT_MAX_DIMS) {
        ct__error(CT_ERR_VALUE, fn, "number of dimensions %d is not supported (at most %d)",
                  t->ndim + 1, CT_MAX_DIMS);
        return NULL;
    }
    int64_t numel = ct__numel(t->ndim, t->shape);
    int64_t shape[CT_MAX_DIMS];
    memcpy(shape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
    if (numel == 0) {
        if (num_classes <= 0) {
            ct__error(CT_ERR_RUNTIME, fn, "Can not infer total number of classes from empty tensor.");
            return NULL;
        }
        shape[t->ndim] = num_classes;
        return ct__tensor_empty(t->ndim + 1, shape, CT_I64, t->storage->device, fn);
    }
    int64_t *v = malloc(sizeof(int64_t) * (size_t)numel);
    if (!v) {
        ct__error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    ct_copy_to_buffer(t, v, CT_I64, (size_t)numel);
    int64_t n = numel;
    int64_t lo = v[0], hi = v[0];
    for (int64_t i = 1; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    if (lo < 0) {
        free(v);
        ct__error(CT_ERR_RUNTIME, fn, "Class values must be non-negative.");
        return NULL;
    }
    if (num_classes == -1) num_classes = hi + 1;
    if (hi >= num_classes) {
        free(v);
        ct__error(CT_ERR_RUNTIME, fn, "Class values must be smaller than num_classes.");
        return NULL;
    }
    shape[t->ndim] = num_classes;
    ct_tensor *out = ct__tensor_empty(t->ndim + 1, shape, CT_I64, t->storage->device, fn);
    if (out) {
        int64_t *o = ct__data(out);
        memset(o, 0, sizeof(int64_t) * (size_t)(n * num_classes));
        for (int64_t i = 0; i < n; i++) o[i * num_classes + v[i]] = 1;
    }
    free(v);
    return out;
}

/* --------------------------------------------------------------------- diag */

/*
 * DiagBackward0. From a vector: grad's k-th diagonal. From a matrix: grad laid
 * on the k-th diagonal of a square matrix (diag again), then cut or
 * zero-padded at the end to the input's rows and cols.
 */
static int diag_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const shape_op_ctx *c = n->ctx;
    const ct_meta *m = &n->in_meta[0];
    if (m->ndim == 1) {
        gi[0] = ct_diag(g[0], c->k);
    } else {
        ct_tensor *sq = ct_diag(g[0], c->k);
        if (!sq) return ct_last_error_code();
        int64_t side = sq->shape[0];
        gi[0] = ct_pad(sq, CT_DIMS(0, m->shape[1] - side, 0, m->shape[0] - side), CT_PAD_CONSTANT, 0.0);
    }
    return gi[0] ? 0 : ct_last_error_code();
}
static const ct_node_type diag_type = {"DiagBackward0", diag_backward};

ct_tensor *ct_diag(ct_tensor *t, int64_t diagonal) {
    const char *fn = "ct_diag";
    CT_CHECK_ARG(t, fn, "self");
    if (t->ndim == 1) {
        /* A vector goes onto the diagonal of a zero square matrix. */
        int64_t len = t->shape[0], k = diagonal < 0 ? -diagonal : diagonal;
        int64_t shape[2] = {len + k, len + k};
        ct_tensor *out = ct__tensor_empty(2, shape, t->dtype, t->storage->device, fn);
        if (!out) return NULL;
        memset(ct__data(out), 0, (size_t)(shape[0] * shape[1]) * ct_dtype_size(t->dtype));
        int64_t off = diagonal >= 0 ? diagonal : -diagonal * shape[1], stride = shape[1] + 1;
        ct_tensor dv;
        ct__stack_view(&dv, out, 1, &len, &stride, off);
        ct__copy_into(&dv, t, fn);
        shape_op_ctx c = {.k = diagonal};
        return record1(&diag_type, out, t, &c);
    }
    if (t->ndim != 2) {
        ct__error(CT_ERR_RUNTIME, fn, "matrix or a vector expected");
        return NULL;
    }
    int64_t rows = t->shape[0], cols = t->shape[1], len, off;
    if (diagonal >= 0) {
        len = rows < cols - diagonal ? rows : cols - diagonal;
        off = t->offset + diagonal * t->strides[1];
    } else {
        len = rows + diagonal < cols ? rows + diagonal : cols;
        off = t->offset - diagonal * t->strides[0];
    }
    if (len < 0) {
        /* PyTorch 1.13's own wording for an offset past the matrix. */
        ct__error(CT_ERR_RUNTIME, fn, "numel: integer multiplication overflow");
        return NULL;
    }
    int64_t stride = t->strides[0] + t->strides[1];
    ct_tensor dv;
    ct__stack_view(&dv, t, 1, &len, &stride, len > 0 ? off : t->offset);
    ct_tensor *out = ct__tensor_empty(1, &len, t->dtype, t->storage->device, fn);
    if (out) ct__copy_into(out, &dv, fn);
    shape_op_ctx c = {.k = diagonal};
    return record1(&diag_type, out, t, &c);
}

/* ---------------------------------------------------------------------- pad */

/* ConstantPadNdBackward0: grad padded by the opposite amounts (cropping what was added). */
static int pad_constant_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    ct_shape back = ((const shape_op_ctx *)n->ctx)->a;
    for (int i = 0; i < back.ndim; i++) back.d[i] = -back.d[i];
    gi[0] = ct_pad(g[0], back, CT_PAD_CONSTANT, 0.0);
    return gi[0] ? 0 : ct_last_error_code();
}
static const ct_node_type pad_constant_type = {"ConstantPadNdBackward0", pad_constant_backward};

static ct_tensor *pad_constant(ct_tensor *t, ct_shape pad, double value, const char *fn) {
    int64_t shape[CT_MAX_DIMS];
    int64_t src_start[CT_MAX_DIMS] = {0}, dst_start[CT_MAX_DIMS] = {0}, len[CT_MAX_DIMS];
    for (int d = 0; d < t->ndim; d++) {
        shape[d] = len[d] = t->shape[d];
    }
    bool any = true;
    for (int p = 0; p < pad.ndim / 2; p++) {
        int d = t->ndim - 1 - p;
        int64_t before = pad.d[2 * p], after = pad.d[2 * p + 1];
        shape[d] = t->shape[d] + before + after;
        if (shape[d] < 0) {
            ct__error(CT_ERR_RUNTIME, fn,
                      "The input size %lld, plus negative padding %lld and %lld resulted in a "
                      "negative output size, which is invalid. Check dimension %d of your input.",
                      (long long)t->shape[d], (long long)before, (long long)after, d);
            return NULL;
        }
        /* The part of the input that survives negative padding, and where it lands. */
        src_start[d] = before < 0 ? -before : 0;
        dst_start[d] = before > 0 ? before : 0;
        len[d] = t->shape[d] - src_start[d] - (after < 0 ? -after : 0);
        if (len[d] <= 0) any = false;
    }
    ct_tensor *out = ct__tensor_empty(t->ndim, shape, t->dtype, t->storage->device, fn);
    if (!out) return NULL;
    ct_fill_(out, value);
    if (any) {
        int64_t so = t->offset, dof = out->offset;
        for (int d = 0; d < t->ndim; d++) {
            so += src_start[d] * t->strides[d];
            dof += dst_start[d] * out->strides[d];
        }
        ct_tensor sv, dv;
        ct__stack_view(&sv, t, t->ndim, len, t->strides, so);
        ct__stack_view(&dv, out, t->ndim, len, out->strides, dof);
        ct__copy_into(&dv, &sv, fn);
    }
    shape_op_ctx c = {.a = pad};
    return record1(&pad_constant_type, out, t, &c);
}

/*
 * Overwrites the tables of the k = pad.ndim / 2 padded (last) dims: output
 * position j along dim d reads input position i (reflected about, or clamped
 * to, the edges), at offset i * strides[d].
 */
static void edge_tables(int ndim, const int64_t *in_shape, const int64_t *out_shape,
                        const int64_t *strides, ct_shape pad, bool reflect, int64_t **tabs) {
    for (int p = 0; p < pad.ndim / 2; p++) {
        int d = ndim - 1 - p;
        int64_t before = pad.d[2 * p], n = in_shape[d];
        for (int64_t j = 0; j < out_shape[d]; j++) {
            int64_t i = j - before;
            if (reflect) {
                if (i < 0) i = -i;
                if (i >= n) i = 2 * (n - 1) - i;
            } else {
                i = i < 0 ? 0 : i >= n ? n - 1 : i;
            }
            tabs[d][j] = i * strides[d];
        }
    }
}

/* Node names by mode and number of padded dims (1 to 3). */
static const ct_node_type reflect_types[3], replicate_types[3];
static const ct_node_type reflect_back_types[3], replicate_back_types[3];

/*
 * The backward of reflect / replicate padding: zeros of the input's shape
 * with each element of g added into the input element it was read from, so
 * the edges collect the gradient of every copy of them. Recorded itself (its
 * own gradient is padding again), so second order works.
 */
static ct_tensor *pad_fold(ct_tensor *g, const ct_meta *in, const shape_op_ctx *c) {
    const char *fn = "pad_backward";
    ct_tensor *gc = NULL, *dst = NULL;
    CT_NO_GRAD {
        gc = ct_contiguous(g);
        dst = ct_zeros(ct__meta_shape(in), .dtype = g->dtype);
    }
    if (!gc || !dst) {
        if (gc) ct_free(gc);
        if (dst) ct_free(dst);
        return NULL;
    }
    int64_t strides[CT_MAX_DIMS], *tabs[CT_MAX_DIMS];
    ct__contiguous_strides(in->ndim, in->shape, strides);
    int64_t *buf = tables_or_error(g->ndim, g->shape, strides, tabs, fn);
    if (buf) {
        edge_tables(g->ndim, in->shape, g->shape, strides, c->a, c->flag, tabs);
        if (ct__numel(g->ndim, g->shape) > 0)
            ct__scatter_tables(ct__data(dst), ct__data(gc), g->dtype, g->ndim, g->shape,
                               (const int64_t *const *)tabs, true);
        free(buf);
    }
    ct_free(gc);
    if (!buf) {
        ct_free(dst);
        return NULL;
    }
    int k = c->a.ndim / 2 - 1;
    return record1(c->flag ? &reflect_back_types[k] : &replicate_back_types[k], dst, g, c);
}

/* ReflectionPad{1,2,3}DBackward0 / ReplicationPad{1,2,3}DBackward0. */
static int pad_edges_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    gi[0] = pad_fold(g[0], &n->in_meta[0], n->ctx);
    return gi[0] ? 0 : ct_last_error_code();
}

/* The fold's own backward: grad padded the same way again. */
static int pad_fold_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const shape_op_ctx *c = n->ctx;
    gi[0] = ct_pad(g[0], c->a, c->flag ? CT_PAD_REFLECT : CT_PAD_REPLICATE, 0.0);
    return gi[0] ? 0 : ct_last_error_code();
}

static const ct_node_type reflect_types[3] = {{"ReflectionPad1DBackward0", pad_edges_backward},
                                              {"ReflectionPad2DBackward0", pad_edges_backward},
                                              {"ReflectionPad3DBackward0", pad_edges_backward}};
static const ct_node_type replicate_types[3] = {{"ReplicationPad1DBackward0", pad_edges_backward},
                                                {"ReplicationPad2DBackward0", pad_edges_backward},
                                                {"ReplicationPad3DBackward0", pad_edges_backward}};
static const ct_node_type reflect_back_types[3] = {
    {"ReflectionPad1DBackwardBackward0", pad_fold_backward},
    {"ReflectionPad2DBackwardBackward0", pad_fold_backward},
    {"ReflectionPad3DBackwardBackward0", pad_fold_backward}};
static const ct_node_type replicate_back_types[3] = {
    {"ReplicationPad1DBackwardBackward0", pad_fold_backward},
    {"ReplicationPad2DBackwardBackward0", pad_fold_backward},
    {"ReplicationPad3DBackwardBackward0", pad_fold_backward}};

static ct_tensor *pad_edges(ct_tensor *t, ct_shape pad, bool reflect, const char *fn) {
    int k = pad.ndim / 2;
    if (k < 1 || k > 3 || (t->ndim != k + 1 && t->ndim != k + 2)) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now");
        return NULL;
    }
    if (!ct_dtype_is_floating(t->dtype)) {
        ct__error(CT_ERR_TYPE, fn, reflect ? "\"reflection_pad%dd%s\" not implemented for '%s'"
                                           : "\"replication_pad%dd%s\" not implemented for '%s'",
                  k, (reflect && k < 3) ? "" : "_cpu", ct__scalar_type_name(t->dtype));
        return NULL;
    }
    /* Every dim but the batch dim must be non-empty. */
    for (int d = t->ndim == k + 2 ? 1 : 0; d < t->ndim; d++) {
        if (t->shape[d] == 0) {
            char buf[128];
            ct__error(CT_ERR_RUNTIME, fn,
                      "Expected %dD or %dD (batch mode) tensor with possibly 0 batch size and other "
                      "non-zero dimensions for input, but got: %s",
                      k + 1, k + 2, ct__shape_str(t->ndim, t->shape, buf, sizeof buf));
            return NULL;
        }
    }
    static const char dim_names[] = {'W', 'H', 'D'};
    int64_t shape[CT_MAX_DIMS];
    memcpy(shape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
    for (int p = 0; p < k; p++) {
        int d = t->ndim - 1 - p;
        int64_t before = pad.d[2 * p], after = pad.d[2 * p + 1], n = t->shape[d];
        if (reflect && (before >= n || after >= n)) {
            char buf[128];
            ct__error(CT_ERR_RUNTIME, fn,
                      "Argument #%d: Padding size should be less than the corresponding input "
                      "dimension, but got: padding (%lld, %lld) at dimension %d of input %s",
                      4 + 2 * p, (long long)before, (long long)after, d,
                      ct__shape_str(t->ndim, t->shape, buf, sizeof buf));
            return NULL;
        }
        shape[d] = n + before + after;
    }
    /* PyTorch rejects a negative output size, or padded dims all emptied. */
    bool some_left = false;
    int bad = -1;
    for (int p = 0; p < k; p++) {
        int64_t o = shape[t->ndim - 1 - p];
        some_left = some_left || o >= 1;
        if (o < 0 && bad < 0) bad = p;
    }
    if (bad >= 0 || !some_left) {
        int p = bad >= 0 ? bad : 0, d = t->ndim - 1 - p;
        ct__error(CT_ERR_RUNTIME, fn, "input (%c: %lld) is too small. Calculated output %c: %lld",
                  dim_names[p], (long long)t->shape[d], dim_names[p], (long long)shape[d]);
        return NULL;
    }
    int64_t *tabs[CT_MAX_DIMS];
    int64_t *buf = tables_or_error(t->ndim, shape, t->strides, tabs, fn);
    if (!buf) return NULL;
    edge_tables(t->ndim, t->shape, shape, t->strides, pad, reflect, tabs);
    shape_op_ctx c = {.a = pad, .flag = reflect};
    return record1(reflect ? &reflect_types[k - 1] : &replicate_types[k - 1],
                   gather_and_free(t, t->ndim, shape, tabs, buf, fn), t, &c);
}

ct_tensor *ct_pad(ct_tensor *t, ct_shape pad, ct_pad_mode mode, double value) {
    const char *fn = "ct_pad";
    CT_CHECK_ARG(t, fn, "self");
    if (pad.ndim % 2 != 0) {
        ct__error(CT_ERR_RUNTIME, fn, "Padding length must be divisible by 2");
        return NULL;
    }
    if (pad.ndim / 2 > t->ndim) {
        ct__error(CT_ERR_RUNTIME, fn, "Padding length too large");
        return NULL;
    }
    switch (mode) {
    case CT_PAD_CONSTANT: return pad_constant(t, pad, value, fn);
    case CT_PAD_REFLECT: return pad_edges(t, pad, true, fn);
    case CT_PAD_REPLICATE: return pad_edges(t, pad, false, fn);
    }
    ct__error(CT_ERR_VALUE, fn, "Unrecognised padding mode %d", (int)mode);
    return NULL;
}
