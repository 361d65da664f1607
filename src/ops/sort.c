/*
 * src/ops/sort.c - sorting and selection: sort, argsort, topk, kthvalue,
 * unique. sort runs the stable line sort of src/kernels/reduce.c; topk and
 * kthvalue take slices of a sort; unique groups equal neighbours of a sort.
 * The values of sort, topk and kthvalue are differentiable: their gradient
 * goes back through the returned indices (ct__select_backward in reduce.c).
 */
#include <string.h>

#include "../autograd/internal.h"
#include "../kernels/reduce.h"
#include "internal.h"

static const ct_node_type sort_type = {"SortBackward0", ct__select_backward};
static const ct_node_type topk_type = {"TopkBackward0", ct__select_backward};
static const ct_node_type kthvalue_type = {"KthvalueBackward0", ct__select_backward};

/* Size of dim w as the sort sees it (a 0-d tensor is one element). */
static int64_t dim_size(const ct_tensor *t, int w) { return t->ndim > 0 ? t->shape[w] : 1; }

ct_tensor *ct_sort(ct_tensor *t, int dim, bool descending, bool stable, ct_tensor **indices) {
    const char *fn = "ct_sort";
    (void)stable; /* always stable */
    if (indices) *indices = NULL;
    CT_CHECK_ARG(t, fn, "input");
    int w = ct__wrap_dim(dim, t->ndim, fn);
    if (w < 0) return NULL;
    ct_device dev = t->storage->device;
    ct_tensor *values = ct__tensor_empty(t->ndim, t->shape, t->dtype, dev, fn);
    ct_tensor *idx = values ? ct__tensor_empty(t->ndim, t->shape, CT_I64, dev, fn) : NULL;
    if (!idx) {
        if (values) ct_free(values);
        return NULL;
    }
    bool mask[CT_MAX_DIMS] = {false};
    if (t->ndim > 0) mask[w] = true;
    ct_reduce_plan p;
    ct__reduce_plan_init(&p, t, mask, values->strides, false);
    if (!ct__sort_lines(&p, ct__data(values), ct__data(idx), descending)) {
        ct_free(values);
        ct_free(idx);
        ct__error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    ct__record_select(&sort_type, values, idx, t, t->ndim ? w : 0, true);
    if (indices) *indices = idx;
    else ct_free(idx);
    return values;
}

ct_tensor *ct_argsort(ct_tensor *t, int dim, bool descending) {
    ct_tensor *idx = NULL, *values = NULL;
    CT_NO_GRAD { values = ct_sort(t, dim, descending, true, &idx); }
    if (values) ct_free(values);
    return idx;
}

/* A contiguous copy of positions [start, start + len) of t along dim w; frees t. */
static ct_tensor *take_slice(ct_tensor *t, int w, int64_t start, int64_t len, bool squeeze) {
    if (!t) return NULL;
    if (t->ndim == 0) return t;
    ct_tensor *v = squeeze ? ct_select(t, w, start) : ct_narrow(t, w, start, len);
    ct_free(t);
    if (!v) return NULL;
    ct_tensor *c = ct_contiguous(v);
    ct_free(v);
    return c;
}

/* PyTorch has no bool topk/kthvalue kernel (a 0-d tensor never reaches one). */
static bool reject_bool(const char *fn, const char *kernel, const ct_tensor *t) {
    if (t->dtype != CT_BOOL || t->ndim == 0) return false;
    ct__error(CT_ERR_RUNTIME, fn, "\"%s\" not implemented for 'Bool'", kernel);
    return true;
}

ct_tensor *ct_topk(ct_tensor *t, int64_t k, int dim, bool largest, bool sorted,
                   ct_tensor **indices) {
    const char *fn = "ct_topk";
    (void)sorted; /* results are always sorted */
    if (indices) *indices = NULL;
    CT_CHECK_ARG(t, fn, "input");
    int w = ct__wrap_dim(dim, t->ndim, fn);
    if (w < 0) return NULL;
    if (k < 0 || k > dim_size(t, w)) {
        ct__error(CT_ERR_RUNTIME, fn, "selected index k out of range");
        return NULL;
    }
    if (reject_bool(fn, "topk_cpu", t)) return NULL;
    ct_tensor *idx = NULL, *values = NULL;
    CT_NO_GRAD { /* the slices of the sort are internal: one TopkBackward0 node */
        values = ct_sort(t, w, largest, true, &idx);
        if (values) {
            values = take_slice(values, w, 0, k, false);
            idx = take_slice(idx, w, 0, k, false);
        }
    }
    if (!values || !idx) {
        if (values) ct_free(values);
        if (idx) ct_free(idx);
        return NULL;
    }
    ct__record_select(&topk_type, values, idx, t, t->ndim ? w : 0, true);
    if (indices) *indices = idx;
    else ct_free(idx);
    return values;
}

ct_tensor *ct_kthvalue(ct_tensor *t, int64_t k, int dim, bool keepdim, ct_tensor **indices) {
    const char *fn = "ct_kthvalue";
    if (indices) *indices = NULL;
    CT_CHECK_ARG(t, fn, "input");
    int w = ct__wrap_dim(dim, t->ndim, fn);
    if (w < 0) return NULL;
    if (reject_bool(fn, "kthvalue_cpu", t)) return NULL;
    if (dim_size(t, w) == 0) {
        ct__error(CT_ERR_INDEX, fn, "kthvalue(): Expected reduction dim %d to have non-zero size.",
                  w);
        return NULL;
    }
    if (k < 1 || k > dim_size(t, w)) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "kthvalue(): selected number k out of range for dimension %d", w);
        return NULL;
    }
    ct_tensor *idx = NULL, *values = NULL;
    CT_NO_GRAD {
        values = ct_sort(t, w, false, true, &idx);
        if (values) {
            values = take_slice(values, w, k - 1, 1, !keepdim);
            idx = take_slice(idx, w, k - 1, 1, !keepdim);
        }
    }
    if (!values || !idx) {
        if (values) ct_free(values);
        if (idx) ct_free(idx);
        return NULL;
    }
    ct__record_select(&kthvalue_type, values, idx, t, t->ndim ? w : 0, keepdim);
    if (indices) *indices = idx;
    else ct_free(idx);
    return values;
}

/* Equal as values of dtype d (so 0.0 == -0.0 and NaN differs from itself). */
static bool same_value(const char *a, const char *b, ct_dtype d) {
    if (ct_dtype_is_floating(d)) return ct__load_f64(a, d) == ct__load_f64(b, d);
    return ct__load_i64(a, d) == ct__load_i64(b, d);
}

ct_tensor *ct_unique(ct_tensor *t, bool sorted, ct_tensor **inverse, ct_tensor **counts) {
    const char *fn = "ct_unique";
    (void)sorted; /* always sorted */
    if (inverse) *inverse = NULL;
    if (counts) *counts = NULL;
    CT_CHECK_ARG(t, fn, "input");
    int64_t n = ct__numel(t->ndim, t->shape), one = 1;
    ct_tensor *si = NULL, *sv = NULL;
    CT_NO_GRAD { /* unique is not differentiable */
        ct_tensor *c = ct_contiguous(t);
        ct_tensor *flat = c ? ct__tensor_view(c, 1, &n, &one, c->offset, fn) : NULL;
        if (c) ct_free(c);
        sv = flat ? ct_sort(flat, 0, false, true, &si) : NULL;
        if (flat) ct_free(flat);
    }
    if (!sv) return NULL;

    size_t es = ct_dtype_size(t->dtype);
    const char *v = ct__data(sv);
    const int64_t *order = ct__data(si);
    int64_t u = 0;
    for (int64_t i = 0; i < n; i++)
        if (i == 0 || !same_value(v + i * es, v + (i - 1) * es, t->dtype)) u++;

    ct_device dev = t->storage->device;
    ct_tensor *vals = ct__tensor_empty(1, &u, t->dtype, dev, fn);
    ct_tensor *cnt = vals ? ct__tensor_empty(1, &u, CT_I64, dev, fn) : NULL;
    ct_tensor *inv = cnt ? ct__tensor_empty(t->ndim, t->shape, CT_I64, dev, fn) : NULL;
    if (inv) {
        char *ov = ct__data(vals);
        int64_t *oc = ct__data(cnt), *oi = ct__data(inv), g = -1;
        for (int64_t i = 0; i < n; i++) {
            if (i == 0 || !same_value(v + i * es, v + (i - 1) * es, t->dtype)) {
                g++;
                memcpy(ov + g * (int64_t)es, v + i * es, es);
                oc[g] = 0;
            }
            oc[g]++;
            oi[order[i]] = g;
        }
    }
    ct_free(sv);
    ct_free(si);
    if (!inv) {
        if (vals) ct_free(vals);
        if (cnt) ct_free(cnt);
        return NULL;
    }
    if (inverse) *inverse = inv;
    else ct_free(inv);
    if (counts) *counts = cnt;
    else ct_free(cnt);
    return vals;
}
