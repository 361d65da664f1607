/*
 * src/ops/join.c - joining tensors (cat, stack) and splitting them into
 * views (split, split_sizes, chunk, unbind).
 * cat and stack record CatBackward0 / StackBackward0; the pieces of split,
 * chunk and unbind are narrow / select views, differentiable through the
 * view machinery (src/ops/view.c).
 */
#include <stdlib.h>
#include <string.h>

#include "index_internal.h"

/* --------------------------------------------------------------------- cat */

/* PyTorch's legacy rule: a 1-d tensor of shape [0] is left out of cat. */
static bool cat_skipped(const ct_tensor *t) { return t->ndim == 1 && t->shape[0] == 0; }

/*
 * cat of tensors already checked for NULL; shared by ct_cat and ct_stack.
 * *dim_out gets the wrapped dim, -1 when every input was skipped.
 */
static ct_tensor *cat_impl(ct_tensor *const *ts, int n, int dim, int *dim_out, const char *fn) {
    *dim_out = -1;
    const ct_tensor *ref = NULL;
    ct_dtype dtype = ts[0]->dtype;
    for (int i = 0; i < n; i++) {
        if (ts[i]->ndim == 0) {
            ct__error(CT_ERR_RUNTIME, fn, "zero-dimensional tensor (at position %d) cannot be concatenated", i);
            return NULL;
        }
        if (!ct__check_same_device(ts[0], ts[i], fn)) return NULL;
        dtype = ct_promote_types(dtype, ts[i]->dtype);
        if (!ref && !cat_skipped(ts[i])) {
            ref = ts[i];
        }
    }
    if (!ref) {
        /* Everything was skipped: the result is an empty 1-d tensor, whatever dim says. */
        int64_t zero = 0;
        return ct__tensor_empty(1, &zero, dtype, ts[0]->storage->device, fn);
    }
    int d = ct__wrap_dim(dim, ref->ndim, fn);
    if (d < 0) return NULL;
    *dim_out = d;
    int64_t shape[CT_MAX_DIMS];
    memcpy(shape, ref->shape, sizeof(int64_t) * (size_t)ref->ndim);
    shape[d] = 0;
    for (int i = 0; i < n; i++) {
        const ct_tensor *t = ts[i];
        if (cat_skipped(t)) continue;
        if (t->ndim != ref->ndim) {
            ct__error(CT_ERR_RUNTIME, fn, "Tensors must have same number of dimensions: got %d and %d",
                      ref->ndim, t->ndim);
            return NULL;
        }
        for (int k = 0; k < t->ndim; k++) {
            if (k != d && t->shape[k] != ref->shape[k]) {
                ct__error(CT_ERR_RUNTIME, fn,
                          "Sizes of tensors must match except in dimension %d. Expected size %lld "
                          "but got size %lld for tensor number %d in the list.",
                          d, (long long)ref->shape[k], (long long)t->shape[k], i);
                return NULL;
            }
        }
        shape[d] += t->shape[d];
    }
    ct_tensor *out = ct__tensor_empty(ref->ndim, shape, dtype, ref->storage->device, fn);
    if (!out) return NULL;
    /* Each input is copied into its slab of the output (memcpy per contiguous run). */
    int64_t at = 0;
    for (int i = 0; i < n; i++) {
        if (cat_skipped(ts[i])) continue;
        ct_tensor slab;
        int64_t sshape[CT_MAX_DIMS];
        memcpy(sshape, shape, sizeof sshape);
        sshape[d] = ts[i]->shape[d];
        ct__stack_view(&slab, out, out->ndim, sshape, out->strides, at * out->strides[d]);
        if (ct__numel(out->ndim, sshape) > 0) ct__copy_into(&slab, ts[i], fn);
        at += sshape[d];
    }
    return out;
}

/* ctx of CatBackward0 / StackBackward0: the dim, and each input's size along it (-1: skipped). */
typedef struct {
    int dim;
    int64_t sizes[];
} join_ctx;

/* CatBackward0: each input gets its slab of grad back (a skipped [0] input gets an empty grad). */
static int cat_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const join_ctx *c = n->ctx;
    int64_t at = 0;
    for (int i = 0; i < n->num_inputs; i++) {
        int64_t size = c->sizes[i];
        if (ct__needs_grad(n, i)) {
            gi[i] = size < 0 ? ct_zeros(CT_SHAPE(0), .dtype = g[0]->dtype) : ct_narrow(g[0], c->dim, at, size);
            if (!gi[i]) return ct_last_error_code();
        }
        if (size > 0) at += size;
    }
    return 0;
}
static const ct_node_type cat_type = {"CatBackward0", cat_backward};

/* StackBackward0: input i gets grad.select(dim, i). */
static int stack_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const join_ctx *c = n->ctx;
    for (int i = 0; i < n->num_inputs; i++)
        if (ct__needs_grad(n, i) && !(gi[i] = ct_select(g[0], c->dim, i))) return ct_last_error_code();
    return 0;
}
static const ct_node_type stack_type = {"StackBackward0", stack_backward};

/* Records cat's or stack's node on out (inputs ts[0..n)); frees out on failure. */
static ct_tensor *join_record(const ct_node_type *type, ct_tensor *out, ct_tensor *const *ts, int n,
                              int d, bool stack) {
    if (!out || !ct_dtype_is_floating(out->dtype) || !ct__should_record(n, ts)) return out;
    ct_node *node = ct__record(type, out, n, ts, 0, sizeof(join_ctx) + sizeof(int64_t) * (size_t)n);
    if (!node) {
        ct_free(out);
        return NULL;
    }
    join_ctx *c = node->ctx;
    c->dim = d;
    for (int i = 0; i < n; i++)
        c->sizes[i] = stack ? 1 : (d < 0 || cat_skipped(ts[i])) ? -1 : ts[i]->shape[d];
    return out;
}

ct_tensor *ct_cat(ct_tensor *const *ts, int n, int dim) {
    const char *fn = "ct_cat";
    if (!ts || n <= 0) {
        ct__error(CT_ERR_RUNTIME, fn, "torch.cat(): expected a non-empty list of Tensors");
        return NULL;
    }
    for (int i = 0; i < n; i++) CT_CHECK_ARG(ts[i], fn, "tensors");
    int d;
    ct_tensor *out = cat_impl(ts, n, dim, &d, fn);
    return join_record(&cat_type, out, ts, n, d, false);
}

ct_tensor *ct_stack(ct_tensor *const *ts, int n, int dim) {
    const char *fn = "ct_stack";
    if (!ts || n <= 0) {
        ct__error(CT_ERR_RUNTIME, fn, "stack expects a non-empty TensorList");
        return NULL;
    }
    for (int i = 0; i < n; i++) CT_CHECK_ARG(ts[i], fn, "tensors");
    const ct_tensor *t0 = ts[0];
    for (int i = 1; i < n; i++) {
        bool same = ts[i]->ndim == t0->ndim;
        for (int k = 0; same && k < t0->ndim; k++) same = ts[i]->shape[k] == t0->shape[k];
        if (!same) {
            char a[128], b[128];
            ct__error(CT_ERR_RUNTIME, fn,
                      "stack expects each tensor to be equal size, but got %s at entry 0 and %s at "
                      "entry %d",
                      ct__shape_str(t0->ndim, t0->shape, a, sizeof a),
                      ct__shape_str(ts[i]->ndim, ts[i]->shape, b, sizeof b), i);
            return NULL;
        }
    }
    int d = ct__wrap_dim(dim, t0->ndim + 1, fn);
    if (d < 0) return NULL;
    if (t0->ndim + 1 > CT_MAX_DIMS) {
        ct__error(CT_ERR_VALUE, fn, "number of dimensions %d is not supported (at most %d)",
                  t0->ndim + 1, CT_MAX_DIMS);
        return NULL;
    }
    /* Each input seen with a size-1 dim inserted at d, then concatenated along it. */
    ct_tensor *views = malloc(sizeof(ct_tensor) * (size_t)n);
    ct_tensor **ptrs = malloc(sizeof(ct_tensor *) * (size_t)n);
    if (!views || !ptrs) {
        free(views);
        free(ptrs);
        ct__error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        const ct_tensor *t = ts[i];
        int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
        for (int k = 0, j = 0; k <= t->ndim; k++) {
            if (k == d) {
                shape[k] = 1;
                strides[k] = 1;
                continue;
            }
            shape[k] = t->shape[j];
            strides[k] = t->strides[j++];
        }
        ct__stack_view(&views[i], t, t->ndim + 1, shape, strides, t->offset);
        ptrs[i] = &views[i];
    }
    int cat_dim;
    ct_tensor *out = cat_impl(ptrs, n, d, &cat_dim, fn);
    free(views);
    free(ptrs);
    return join_record(&stack_type, out, ts, n, d, true);
}

/* ----------------------------------------------------------- split family */

/* Checks that `count` results fit the caller's array (out == NULL only asks for the count). */
static int check_cap(int64_t count, ct_tensor **out, int cap, const char *fn) {
    if (count > INT32_MAX) {
        ct__error(CT_ERR_VALUE, fn, "too many pieces (%lld)", (long long)count);
        return CT_ERR_VALUE;
    }
    if (out && count > cap) {
        ct__error(CT_ERR_VALUE, fn, "the result has %lld tensors but the output array holds %d",
                  (long long)count, cap);
        return CT_ERR_VALUE;
    }
    return 0;
}

/* Writes the narrow views of sizes[i] along d into out; frees them all on failure. */
static int narrow_pieces(ct_tensor *t, int d, const int64_t *sizes, int64_t count, ct_tensor **out) {
    int64_t start = 0;
    for (int64_t i = 0; i < count; i++) {
        out[i] = ct_narrow(t, d, start, sizes[i]);
        if (!out[i]) {
            for (int64_t j = 0; j < i; j++) ct_free(out[j]);
            return ct_last_error_code() ? ct_last_error_code() : CT_ERR_RUNTIME;
        }
        start += sizes[i];
    }
    return (int)count;
}

/* Splits into pieces of split_size (the last smaller); shared by split and chunk. */
static int split_impl(ct_tensor *t, int64_t split_size, int d, ct_tensor **out, int cap,
                      const char *fn) {
    int64_t size = t->shape[d];
    int64_t count = size == 0 ? 1 : (size + split_size - 1) / split_size;
    int rc = check_cap(count, out, cap, fn);
    if (rc != 0 || !out) return rc != 0 ? rc : (int)count;
    int64_t *sizes = malloc(sizeof(int64_t) * (size_t)count);
    if (!sizes) {
        ct__error(CT_ERR_OOM, fn, "out of memory");
        return CT_ERR_OOM;
    }
    for (int64_t i = 0; i < count; i++) {
        int64_t left = size - i * split_size;
        sizes[i] = left < split_size ? left : split_size;
    }
    rc = narrow_pieces(t, d, sizes, count, out);
    free(sizes);
    return rc;
}

int ct_split(ct_tensor *t, int64_t split_size, int dim, ct_tensor **out, int cap) {
    const char *fn = "ct_split";
    CT_CHECK_ARG_RET(t, fn, "self", CT_ERR_NULL);
    if (t->ndim == 0) {
        ct__error(CT_ERR_RUNTIME, fn, "split expects at least a 1-dimensional tensor");
        return CT_ERR_RUNTIME;
    }
    int d = ct__wrap_dim(dim, t->ndim, fn);
    if (d < 0) return CT_ERR_INDEX;
    if (split_size < 0) {
        ct__error(CT_ERR_RUNTIME, fn, "split expects split_size be non-negative, but got split_size=%lld",
                  (long long)split_size);
        return CT_ERR_RUNTIME;
    }
    if (split_size == 0 && t->shape[d] != 0) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "split_size can only be 0 if dimension size is 0, but got dimension size of %lld",
                  (long long)t->shape[d]);
        return CT_ERR_RUNTIME;
    }
    return split_impl(t, split_size > 0 ? split_size : 1, d, out, cap, fn);
}

int ct_split_sizes(ct_tensor *t, const int64_t *sizes, int nsizes, int dim, ct_tensor **out,
                   int cap) {
    const char *fn = "ct_split_sizes";
    CT_CHECK_ARG_RET(t, fn, "self", CT_ERR_NULL);
    if (nsizes > 0) CT_CHECK_ARG_RET(sizes, fn, "split_sizes", CT_ERR_NULL);
    if (t->ndim == 0) {
        ct__error(CT_ERR_RUNTIME, fn, "split expects at least a 1-dimensional tensor");
        return CT_ERR_RUNTIME;
    }
    int d = ct__wrap_dim(dim, t->ndim, fn);
    if (d < 0) return CT_ERR_INDEX;
    char buf[256];
    int64_t sum = 0;
    bool negative = false;
    for (int i = 0; i < nsizes; i++) {
        negative = negative || sizes[i] < 0;
        sum += sizes[i];
    }
    if (negative) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "split_with_sizes expects split_sizes have only non-negative entries, but got "
                  "split_sizes=%s",
                  ct__shape_str(nsizes, sizes, buf, sizeof buf));
        return CT_ERR_RUNTIME;
    }
    if (sum != t->shape[d]) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "split_with_sizes expects split_sizes to sum exactly to %lld (input tensor's size "
                  "at dimension %d), but got split_sizes=%s",
                  (long long)t->shape[d], d, ct__shape_str(nsizes, sizes, buf, sizeof buf));
        return CT_ERR_RUNTIME;
    }
    int rc = check_cap(nsizes, out, cap, fn);
    if (rc != 0 || !out) return rc != 0 ? rc : nsizes;
    return narrow_pieces(t, d, sizes, nsizes, out);
}

int ct_chunk(ct_tensor *t, int chunks, int dim, ct_tensor **out, int cap) {
    const char *fn = "ct_chunk";
    CT_CHECK_ARG_RET(t, fn, "self", CT_ERR_NULL);
    if (t->ndim == 0) {
        ct__error(CT_ERR_RUNTIME, fn, "chunk expects at least a 1-dimensional tensor");
        return CT_ERR_RUNTIME;
    }
    if (chunks <= 0) {
        ct__error(CT_ERR_RUNTIME, fn, "chunk expects `chunks` to be greater than 0, got: %d", chunks);
        return CT_ERR_RUNTIME;
    }
    int d = ct__wrap_dim(dim, t->ndim, fn);
    if (d < 0) return CT_ERR_INDEX;
    int64_t size = t->shape[d];
    if (size == 0) {
        /* PyTorch gives `chunks` empty pieces of an empty dim. */
        int rc = check_cap(chunks, out, cap, fn);
        if (rc != 0 || !out) return rc != 0 ? rc : chunks;
        int64_t *zeros = calloc((size_t)chunks, sizeof(int64_t));
        if (!zeros) {
            ct__error(CT_ERR_OOM, fn, "out of memory");
            return CT_ERR_OOM;
        }
        rc = narrow_pieces(t, d, zeros, chunks, out);
        free(zeros);
        return rc;
    }
    return split_impl(t, (size + chunks - 1) / chunks, d, out, cap, fn);
}

int ct_unbind(ct_tensor *t, int dim, ct_tensor **out, int cap) {
    const char *fn = "ct_unbind";
    CT_CHECK_ARG_RET(t, fn, "self", CT_ERR_NULL);
    if (t->ndim == 0) {
        ct__error(CT_ERR_INDEX, fn, "Dimension specified as %d but tensor has no dimensions", dim);
        return CT_ERR_INDEX;
    }
    int d = ct__wrap_dim(dim, t->ndim, fn);
    if (d < 0) return CT_ERR_INDEX;
    int64_t count = t->shape[d];
    int rc = check_cap(count, out, cap, fn);
    if (rc != 0 || !out) return rc != 0 ? rc : (int)count;
    for (int64_t i = 0; i < count; i++) {
        out[i] = ct_select(t, d, i);
        if (!out[i]) {
            for (int64_t j = 0; j < i; j++) ct_free(out[j]);
            return CT_ERR_RUNTIME;
        }
    }
    return (int)count;
}
