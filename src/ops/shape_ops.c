/*
 * src/ops/shape_ops.c - ops that rearrange a tensor's data into a new
 * tensor: repeat, tile, flip, roll, tril, triu, meshgrid (views), one_hot,
 * diag, pad. Most are a table gather (src/kernels/index.c): each output dim
 * gets a table of source offsets, and the kernel sums them per element.
 * Backward formulas will sit beside each forward here (autograd issue).
 */
#include <stdlib.h>
#include <string.h>

#include "index_internal.h"

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
    /* autograd: RepeatBackward0 (grad summed over the repeats) */
    return gather_and_free(t, r.ndim, shape, tabs, buf, fn);
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
    /* autograd: FlipBackward0 (grad flipped along the same dims) */
    return gather_and_free(t, t->ndim, t->shape, tabs, buf, fn);
}

/* Python's a mod n, for n > 0. */
static int64_t pos_mod(int64_t a, int64_t n) {
    int64_t r = a % n;
    return r < 0 ? r + n : r;
}

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
        return out;
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
    /* autograd: RollBackward0 (grad rolled by -shifts) */
    return gather_and_free(t, t->ndim, t->shape, tabs, buf, fn);
}

/* --------------------------------------------------------------- tril, triu */

static bool check_matrix_dims(const ct_tensor *t, const char *fn) {
    if (t->ndim == 0) {
        ct__error(CT_ERR_INDEX, fn, "Dimension specified as -2 but tensor has no dimensions");
        return false;
    }
    return ct__wrap_dim(-2, t->ndim, fn) >= 0;
}

static ct_tensor *triangle(ct_tensor *t, int64_t k, bool lower, bool in_place, const char *fn) {
    CT_CHECK_ARG(t, fn, "self");
    if (!check_matrix_dims(t, fn)) return NULL;
    ct_tensor *out = in_place ? t : ct_clone(t);
    if (!out) return NULL;
    ct__triangle_zero(out, k, lower);
    if (in_place) ct__bump_version(t);
    /* autograd: TrilBackward0 / TriuBackward0 (grad.tril(k) / grad.triu(k)) */
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
    for (int i = 0; i < n; i++) {
        int64_t strides[CT_MAX_DIMS] = {0};
        strides[pos[i]] = ts[i]->ndim ? ts[i]->strides[0] : 0;
        out[i] = ct__tensor_view(ts[i], n, shape, strides, ts[i]->offset, fn);
        if (!out[i]) {
            for (int j = 0; j < i; j++) ct_free(out[j]);
            return CT_ERR_OOM;
        }
        out[i]->requires_grad = ts[i]->requires_grad;
    }
    /* autograd: each grid is an expand of a view: ExpandBackward0 (sum back) */
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
        /* autograd: DiagBackward0 (grad's diagonal) */
        return out;
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
    return out;
}

/* ---------------------------------------------------------------------- pad */

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
    /* autograd: ConstantPadNdBackward0 (grad narrowed back, negative pads padded) */
    return out;
}

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
    for (int p = 0; p < k; p++) {
        int d = t->ndim - 1 - p;
        int64_t before = pad.d[2 * p], n = t->shape[d];
        for (int64_t j = 0; j < shape[d]; j++) {
            int64_t i = j - before;
            if (reflect) {
                if (i < 0) i = -i;
                if (i >= n) i = 2 * (n - 1) - i;
            } else {
                i = i < 0 ? 0 : i >= n ? n - 1 : i;
            }
            tabs[d][j] = i * t->strides[d];
        }
    }
    /* autograd: ReflectionPad*Backward / ReplicationPad*Backward (grad folded back onto the edges) */
    return gather_and_free(t, t->ndim, shape, tabs, buf, fn);
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
