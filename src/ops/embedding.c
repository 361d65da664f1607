/*
 * src/ops/embedding.c - F.embedding: rows of a weight table picked by
 * integer indices, and its backward (EmbeddingBackward0): the output
 * gradient's rows added into a zero weight gradient at the indices, except
 * the padding row, whose gradient stays zero.
 */
#include <string.h>

#include "functional_internal.h"

typedef struct {
    int64_t padding_idx; /* wrapped to [0, num); -1 for none */
} emb_ctx;

/* The index at element i of a contiguous int32/int64 tensor. */
static int64_t index_at(const ct_tensor *idx, int64_t i) {
    return idx->dtype == CT_I64 ? ((const int64_t *)ct__data(idx))[i] : ((const int32_t *)ct__data(idx))[i];
}

/* ------------------------------------------------------------- backward */

static ct_tensor *fused_backward(ct_node *n, ct_tensor *g, ct_tensor *idx, const emb_ctx *c) {
    const ct_meta *wm = &n->in_meta[0];
    int64_t num = wm->shape[0], D = wm->shape[1], K = ct_numel(idx);
    ct_tensor *gt = g->dtype == wm->dtype ? g : ct__to_dtype(g, wm->dtype);
    ct_tensor *gc = gt ? ct__fn_contig(gt) : NULL;
    ct_tensor *ic = gc ? ct__fn_contig(idx) : NULL;
    ct_tensor *gw = ic ? ct__tensor_empty(2, wm->shape, wm->dtype, CT_CPU, n->type->name) : NULL;
    if (!gw) return NULL;
    ct__zero_(gw);
    (void)num;
    for (int64_t k = 0; k < K; k++) {
        int64_t r = index_at(ic, k);
        if (r == c->padding_idx) continue;
        if (wm->dtype == CT_F32) {
            float *dst = (float *)ct__data(gw) + r * D;
            const float *src = (const float *)ct__data(gc) + k * D;
            for (int64_t j = 0; j < D; j++) dst[j] += src[j];
        } else {
            double *dst = (double *)ct__data(gw) + r * D;
            const double *src = (const double *)ct__data(gc) + k * D;
            for (int64_t j = 0; j < D; j++) dst[j] += src[j];
        }
    }
    return gw;
}

/* The same with public ops (index_put with accumulate), for create_graph. */
static ct_tensor *composite_backward(ct_node *n, ct_tensor *g, ct_tensor *idx, const emb_ctx *c) {
    const ct_meta *wm = &n->in_meta[0];
    int64_t D = wm->shape[1];
    ct_tensor *flat = ct_reshape(ct_to_dtype(idx, CT_I64), CT_SHAPE(-1));
    ct_tensor *rows = ct_reshape(g, CT_SHAPE(-1, D));
    if (c->padding_idx >= 0)
        rows = ct_mul(rows, ct_unsqueeze(ct_to_dtype(ct_ne_sc(flat, ct_scalar_int(c->padding_idx)), wm->dtype), 1));
    ct_tensor *zeros = ct_zeros(CT_SHAPE(wm->shape[0], D), .dtype = wm->dtype);
    return ct_index_put(zeros, 0, flat, rows, true);
}

static int embedding_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    ct_tensor *idx = ct__saved(n, 0);
    if (!idx) return ct_last_error_code();
    if (!ct__needs_grad(n, 0)) return 0;
    const emb_ctx *c = n->ctx;
    gi[0] = ct_is_grad_enabled() ? composite_backward(n, g[0], idx, c) : fused_backward(n, g[0], idx, c);
    return gi[0] ? 0 : ct_last_error_code();
}

static const ct_node_type embedding_type = {"EmbeddingBackward0", embedding_backward};

/* --------------------------------------------------------------- forward */

static const char *legacy_type_name(ct_dtype d) {
    static const char *const names[CT_NUM_DTYPES] = {"Undefined", "torch.FloatTensor", "torch.DoubleTensor",
                                                     "torch.IntTensor", "torch.LongTensor", "torch.ByteTensor",
                                                     "torch.BoolTensor"};
    return ct__dtype_valid(d) ? names[d] : "Undefined";
}

ct_tensor *ct_embedding(ct_tensor *indices, ct_tensor *weight, int64_t padding_idx) {
    const char *fn = "ct_embedding";
    CT_CHECK_ARG(indices, fn, "input");
    CT_CHECK_ARG(weight, fn, "weight");
    if (weight->ndim != 2) {
        ct__error(CT_ERR_RUNTIME, fn, "'weight' must be 2-D");
        return NULL;
    }
    if (indices->dtype != CT_I64 && indices->dtype != CT_I32) {
        ct__error(CT_ERR_TYPE, fn,
                  "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                  "Long, Int; but got %s instead (while checking arguments for embedding)",
                  legacy_type_name(indices->dtype));
        return NULL;
    }
    if (!ct__check_same_device(indices, weight, fn)) return NULL;
    int64_t num = weight->shape[0], D = weight->shape[1];
    if (padding_idx != CT_NO_PADDING) {
        if (padding_idx >= num || padding_idx < -num) {
            ct__error(CT_ERR_VALUE, fn, "Padding_idx must be within num_embeddings");
            return NULL;
        }
        if (padding_idx < 0) padding_idx += num;
    } else {
        padding_idx = -1;
    }
    int64_t K = ct_numel(indices);
    int64_t shape[CT_MAX_DIMS + 1];
    if (indices->ndim + 1 > CT_MAX_DIMS) {
        ct__error(CT_ERR_RUNTIME, fn, "the result would have more than %d dims", CT_MAX_DIMS);
        return NULL;
    }
    memcpy(shape, indices->shape, sizeof(int64_t) * (size_t)indices->ndim);
    shape[indices->ndim] = D;
    ct_tensor *ic = ct__fn_contig(indices);
    ct_tensor *wc = ic ? ct__fn_contig(weight) : NULL;
    ct_tensor *out = wc ? ct__tensor_empty(indices->ndim + 1, shape, weight->dtype, CT_CPU, fn) : NULL;
    bool ok = out != NULL;
    for (int64_t k = 0; ok && k < K; k++) {
        int64_t r = index_at(ic, k);
        if (r < 0 || r >= num) {
            ct__error(CT_ERR_INDEX, fn, "index out of range in self");
            ok = false;
            break;
        }
    }
    if (ok && D > 0) {
        size_t row = (size_t)D * ct_dtype_size(weight->dtype);
        CT_KOMP_FOR(K * D)
        for (int64_t k = 0; k < K; k++)
            memcpy((char *)ct__data(out) + (size_t)k * row, (const char *)ct__data(wc) + (size_t)index_at(ic, k) * row,
                   row);
    }
    ct_free(ic);
    ct_free(wc);
    if (!ok) {
        ct_free(out);
        return NULL;
    }
    ct_node *n = ct__record(&embedding_type, out, 1, &weight, 1, sizeof(emb_ctx));
    if (n) {
        ((emb_ctx *)n->ctx)->padding_idx = padding_idx;
        ct__save(n, 0, indices);
    }
    return out;
}
