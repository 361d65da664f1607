/*
 * src/data/tensor_dataset.c - TensorDataset: sample i is row i of each tensor.
 */
#include <stdlib.h>

#include "internal.h"

typedef struct {
    int n;
    ct_tensor *t[CT_SAMPLE_MAX];
} tensor_ds;

static int64_t td_len(void *ctx) {
    tensor_ds *d = ctx;
    return ct_size(d->t[0], 0);
}

static int td_get(void *ctx, int64_t index, ct_sample *out) {
    tensor_ds *d = ctx;
    out->n = d->n;
    for (int i = 0; i < d->n; i++) {
        out->t[i] = ct_select(d->t[i], 0, index);
        if (!out->t[i]) return (int)ct_last_error_code();
    }
    return 0;
}

/* A batch of raw samples: the rows of each tensor. */
static int td_gather(ct_dataset *ds, const int64_t *idx, int64_t n, ct_sample *out) {
    tensor_ds *d = ds->ctx;
    out->n = d->n;
    for (int i = 0; i < d->n; i++) {
        out->t[i] = dt_gather_rows(d->t[i], idx, n, NULL);
        if (!out->t[i]) {
            out->n = i;
            dt_release_sample(out);
            return (int)ct_last_error_code();
        }
    }
    return 0;
}

static void td_free(void *ctx) {
    tensor_ds *d = ctx;
    dt_free_all(d->t, d->n);
    free(d);
}

static const ct_dataset_vtable td_vtable = {"TensorDataset", td_len, td_get, td_free};

ct_dataset *ct_tensor_dataset(ct_tensor *const *tensors, int n) {
    const char *fn = "ct_tensor_dataset";
    if (!tensors) {
        ct_set_error(CT_ERR_NULL, fn, "argument 'tensors' is NULL");
        return NULL;
    }
    if (n < 1 || n > CT_SAMPLE_MAX) {
        ct_set_error(CT_ERR_VALUE, fn, "expected 1 to %d tensors, got %d", CT_SAMPLE_MAX, n);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        if (!tensors[i]) {
            if (ct_last_error_code() == CT_OK)
                ct_set_error(CT_ERR_NULL, fn, "argument 'tensors[%d]' is NULL", i);
            return NULL;
        }
        if (ct_dim(tensors[i]) < 1 || ct_size(tensors[i], 0) != ct_size(tensors[0], 0)) {
            ct_set_error(CT_ERR_VALUE, fn, "Size mismatch between tensors");
            return NULL;
        }
    }
    tensor_ds *d = calloc(1, sizeof *d);
    if (!d) {
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    d->n = n;
    /* private views: a reference of our own that no user scope can drop */
    for (int i = 0; i < n; i++) d->t[i] = dt_own(ct_alias(tensors[i]));
    ct_dataset *ds = ct_dataset_new(&td_vtable, d);
    if (!ds) td_free(d);
    else ds->gather = td_gather;
    return ds;
}
