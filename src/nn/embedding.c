/*
 * src/nn/embedding.c - nn.Embedding(num_embeddings, embedding_dim, padding_idx).
 */
#include <stdio.h>

#include "nn_internal.h"

typedef struct {
    ct_module base;
    int64_t num, dim, padding_idx; /* CT_NO_PADDING for None */
} emb_module;

static ct_tensor *emb_forward(ct_module *m, ct_tensor *idx) {
    emb_module *e = (emb_module *)m;
    return ct_embedding(idx, ct_module_get(m, "weight"), e->padding_idx);
}

static void emb_repr(const ct_module *m, char *buf, size_t size) {
    const emb_module *e = (const emb_module *)m;
    snprintf(buf, size, "%lld, %lld", (long long)e->num, (long long)e->dim);
    if (e->padding_idx != CT_NO_PADDING) ct__nn_append(buf, size, ", padding_idx=%lld", (long long)e->padding_idx);
}

static const ct_module_type emb_type = {.name = "Embedding", .forward = emb_forward, .extra_repr = emb_repr};

ct_module *ct_nn_embedding_(ct_nn_embedding_args a) {
    int64_t pad = CT_NO_PADDING;
    if (a.has_padding_idx) {
        if (a.padding_idx >= a.num_embeddings || a.padding_idx < -a.num_embeddings) {
            ct_set_error(CT_ERR_VALUE, "ct_nn_embedding", "Padding_idx must be within num_embeddings");
            return NULL;
        }
        pad = a.padding_idx < 0 ? a.padding_idx + a.num_embeddings : a.padding_idx;
    }
    if (a.num_embeddings < 0 || a.embedding_dim < 0) {
        ct_set_error(CT_ERR_RUNTIME, "ct_nn_embedding", "Trying to create tensor with negative dimension");
        return NULL;
    }
    emb_module *e = (emb_module *)ct_module_new(&emb_type, sizeof(emb_module));
    if (!e) return NULL;
    e->num = a.num_embeddings;
    e->dim = a.embedding_dim;
    e->padding_idx = pad;
    ct_module *m = &e->base;
    ct_tensor *w = ct_module_param(m, "weight", ct_empty(CT_SHAPE(a.num_embeddings, a.embedding_dim)));
    /* Embedding.reset_parameters(): normal_(weight), then the padding row zeroed. */
    bool ok = w && ct_init_normal_(w, 0.0, 1.0);
    if (ok && pad != CT_NO_PADDING) {
        ct_tensor *row = NULL;
        bool was = ct_set_grad_enabled(false);
        CT_SCOPE {
            row = ct_select(w, 0, pad);
            ok = row && ct_init_zeros_(row);
        }
        ct_set_grad_enabled(was);
    }
    if (!ok) {
        ct_module_free(m);
        return NULL;
    }
    return m;
}
