/*
 * src/data/subset.c - Subset(dataset, indices) and random_split.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct {
    ct_dataset *base;
    int64_t *indices;
    int64_t n;
} subset_ds;

static int64_t ss_len(void *ctx) { return ((subset_ds *)ctx)->n; }

static int ss_get(void *ctx, int64_t index, ct_sample *out) {
    subset_ds *d = ctx;
    return ct_dataset_get(d->base, d->indices[index], out);
}

/*
 * A batch of samples: the base dataset's batch at the mapped indices, when
 * the base gathers too and runs all its transforms on whole batches (so its
 * samples have one shape and dtype, and stacking them changes nothing).
 */
static int ss_gather(ct_dataset *ds, const int64_t *idx, int64_t n, ct_sample *out) {
    subset_ds *d = ds->ctx;
    if (!d->base->gather || dt_transform_head(d->base->transform) > 0 ||
        dt_transform_head(d->base->target_transform) > 0)
        return 1;
    int64_t *mapped = malloc((size_t)n * sizeof *mapped);
    if (!mapped) return ct_set_error(CT_ERR_OOM, "ct_loader_next", "out of memory");
    for (int64_t i = 0; i < n; i++) mapped[i] = d->indices[idx[i]];
    int rc = dt_dataset_get_batch(d->base, mapped, n, out);
    free(mapped);
    return rc;
}

static void ss_free(void *ctx) {
    subset_ds *d = ctx;
    ct_dataset_free(d->base);
    free(d->indices);
    free(d);
}

static const ct_dataset_vtable ss_vtable = {"Subset", ss_len, ss_get, ss_free};

ct_dataset *ct_subset(ct_dataset *ds, const int64_t *indices, int64_t n) {
    const char *fn = "ct_subset";
    if (!ds || (!indices && n > 0)) {
        ct_set_error(CT_ERR_NULL, fn, "argument '%s' is NULL", ds ? "indices" : "dataset");
        return NULL;
    }
    if (n < 0) {
        ct_set_error(CT_ERR_VALUE, fn, "number of indices must be non-negative, got %lld", (long long)n);
        return NULL;
    }
    int64_t len = ct_dataset_len(ds);
    for (int64_t i = 0; i < n; i++) {
        if (indices[i] < 0 || indices[i] >= len) {
            ct_set_error(CT_ERR_INDEX, fn, "index %lld is out of range for dataset of size %lld",
                         (long long)indices[i], (long long)len);
            return NULL;
        }
    }
    subset_ds *d = calloc(1, sizeof *d);
    int64_t *copy = malloc((size_t)(n > 0 ? n : 1) * sizeof *copy);
    if (!d || !copy) {
        free(d);
        free(copy);
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    if (n > 0) memcpy(copy, indices, (size_t)n * sizeof *copy);
    d->base = ct_dataset_retain(ds);
    d->indices = copy;
    d->n = n;
    ct_dataset *sub = ct_dataset_new(&ss_vtable, d);
    if (!sub) ss_free(d);
    else sub->gather = ss_gather;
    return sub;
}

const int64_t *ct_subset_indices(const ct_dataset *subset, int64_t *n) {
    if (!subset || subset->vt != &ss_vtable) {
        if (n) *n = 0;
        return NULL;
    }
    subset_ds *d = subset->ctx;
    if (n) *n = d->n;
    return d->indices;
}

int ct_random_split(ct_dataset *ds, const int64_t *lengths, int n, ct_generator *g,
                    ct_dataset **out) {
    const char *fn = "ct_random_split";
    if (!ds || !lengths || !out)
        return ct_set_error(CT_ERR_NULL, fn, "argument '%s' is NULL",
                            !ds ? "dataset" : !lengths ? "lengths" : "out");
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        if (lengths[i] < 0)
            return ct_set_error(CT_ERR_VALUE, fn, "length at index %d is negative (%lld)", i,
                                (long long)lengths[i]);
        total += lengths[i];
    }
    if (n < 1 || total != ct_dataset_len(ds))
        return ct_set_error(CT_ERR_VALUE, fn,
                            "Sum of input lengths does not equal the length of the input dataset!");
    ct_tensor *perm = ct_randperm(total, .generator = g);
    if (!perm) return (int)ct_last_error_code();
    const int64_t *p = ct_data_i64(perm);
    int64_t offset = 0;
    int made = 0;
    for (; made < n; made++) {
        out[made] = ct_subset(ds, p + offset, lengths[made]);
        if (!out[made]) break;
        offset += lengths[made];
    }
    ct_free(perm);
    if (made == n) return 0;
    for (int i = 0; i < made; i++) ct_dataset_free(out[i]);
    return (int)ct_last_error_code();
}

int ct_random_split_fractions(ct_dataset *ds, const double *fractions, int n, ct_generator *g,
                              ct_dataset **out) {
    const char *fn = "ct_random_split";
    if (!ds || !fractions || !out)
        return ct_set_error(CT_ERR_NULL, fn, "argument '%s' is NULL",
                            !ds ? "dataset" : !fractions ? "fractions" : "out");
    if (n < 1 || n > 4096) return ct_set_error(CT_ERR_VALUE, fn, "expected 1 to 4096 fractions, got %d", n);
    double sum = 0;
    for (int i = 0; i < n; i++) sum += fractions[i];
    /* math.isclose(sum, 1) with its default rel_tol 1e-9, and sum <= 1 */
    if (!(fabs(sum - 1.0) <= 1e-9 * fmax(fabs(sum), 1.0) && sum <= 1.0))
        return ct_set_error(CT_ERR_VALUE, fn, "fractions must sum to 1 (got %g)", sum);
    int64_t len = ct_dataset_len(ds);
    int64_t lengths[4096];
    int64_t assigned = 0;
    for (int i = 0; i < n; i++) {
        if (fractions[i] < 0 || fractions[i] > 1)
            return ct_set_error(CT_ERR_VALUE, fn, "Fraction at index %d is not between 0 and 1", i);
        lengths[i] = (int64_t)floor((double)len * fractions[i]);
        assigned += lengths[i];
    }
    for (int64_t i = 0; i < len - assigned; i++) lengths[i % n] += 1;
    return ct_random_split(ds, lengths, n, g, out);
}
