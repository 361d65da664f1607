/*
 * src/data/concat.c - ConcatDataset: the samples of several datasets in turn.
 */
#include <stdlib.h>

#include "internal.h"

typedef struct {
    int n;
    ct_dataset **parts;
    int64_t *ends; /* cumulative sizes, like ConcatDataset.cumulative_sizes */
} concat_ds;

static int64_t cc_len(void *ctx) {
    concat_ds *d = ctx;
    return d->n ? d->ends[d->n - 1] : 0;
}

static int cc_get(void *ctx, int64_t index, ct_sample *out) {
    concat_ds *d = ctx;
    int lo = 0, hi = d->n - 1; /* first part whose end is above index (bisect_right) */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (d->ends[mid] > index) hi = mid;
        else lo = mid + 1;
    }
    int64_t start = lo ? d->ends[lo - 1] : 0;
    return ct_dataset_get(d->parts[lo], index - start, out);
}

static void cc_free(void *ctx) {
    concat_ds *d = ctx;
    for (int i = 0; i < d->n; i++) ct_dataset_free(d->parts[i]);
    free(d->parts);
    free(d->ends);
    free(d);
}

static const ct_dataset_vtable cc_vtable = {"ConcatDataset", cc_len, cc_get, cc_free};

ct_dataset *ct_concat_dataset(ct_dataset *const *datasets, int n) {
    const char *fn = "ct_concat_dataset";
    if (!datasets) {
        ct_set_error(CT_ERR_NULL, fn, "argument 'datasets' is NULL");
        return NULL;
    }
    if (n < 1) {
        ct_set_error(CT_ERR_VALUE, fn, "datasets should not be an empty iterable");
        return NULL;
    }
    for (int i = 0; i < n; i++)
        if (!datasets[i]) {
            if (ct_last_error_code() == CT_OK)
                ct_set_error(CT_ERR_NULL, fn, "argument 'datasets[%d]' is NULL", i);
            return NULL;
        }
    concat_ds *d = calloc(1, sizeof *d);
    if (d) {
        d->parts = calloc((size_t)n, sizeof *d->parts);
        d->ends = calloc((size_t)n, sizeof *d->ends);
    }
    if (!d || !d->parts || !d->ends) {
        if (d) {
            free(d->parts);
            free(d->ends);
        }
        free(d);
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        d->parts[i] = ct_dataset_retain(datasets[i]);
        total += ct_dataset_len(datasets[i]);
        d->ends[i] = total;
    }
    d->n = n;
    ct_dataset *ds = ct_dataset_new(&cc_vtable, d);
    if (!ds) cc_free(d);
    return ds;
}
