/*
 * src/data/dataset.c - the dataset object: a vtable and a context, reference
 * counted, with an optional transform and target transform applied on get.
 */
#include <stdlib.h>

#include "internal.h"

void ct_sample_free(ct_sample *s) {
    if (!s) return;
    for (int i = 0; i < s->n && i < CT_SAMPLE_MAX; i++) {
        ct_free(s->t[i]);
        s->t[i] = NULL;
    }
    s->n = 0;
}

ct_dataset *ct_dataset_new(const ct_dataset_vtable *vt, void *ctx) {
    const char *fn = "ct_dataset_new";
    if (!vt) {
        ct_set_error(CT_ERR_NULL, fn, "argument 'vtable' is NULL");
        return NULL;
    }
    if (!vt->len || !vt->get) {
        ct_set_error(CT_ERR_VALUE, fn, "a dataset needs len and get functions");
        return NULL;
    }
    ct_dataset *ds = calloc(1, sizeof *ds);
    if (!ds) {
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    ds->vt = vt;
    ds->ctx = ctx;
    atomic_init(&ds->refs, 1);
    return ds;
}

ct_dataset *ct_dataset_retain(ct_dataset *ds) {
    if (ds) atomic_fetch_add(&ds->refs, 1);
    return ds;
}

void ct_dataset_free(ct_dataset *ds) {
    if (!ds || atomic_fetch_sub(&ds->refs, 1) != 1) return;
    ct_transform_free(ds->transform);
    ct_transform_free(ds->target_transform);
    if (ds->vt->free) ds->vt->free(ds->ctx);
    free(ds);
}

int64_t ct_dataset_len(ct_dataset *ds) {
    if (!ds) {
        ct_set_error(CT_ERR_NULL, "ct_dataset_len", "argument 'dataset' is NULL");
        return -1;
    }
    return ds->vt->len(ds->ctx);
}

const char *ct_dataset_name(const ct_dataset *ds) {
    return ds && ds->vt->name ? ds->vt->name : "Dataset";
}

void *ct_dataset_ctx(const ct_dataset *ds) { return ds ? ds->ctx : NULL; }

/* Applies tf to *t in place of it (tf may be NULL); 0 or a negative error. */
static int apply(ct_transform *tf, ct_tensor **t) {
    if (!tf || !*t) return 0;
    ct_tensor *r = ct_transform_apply(tf, *t);
    ct_free(*t);
    *t = r;
    if (r) return 0;
    if (ct_last_error_code() != CT_OK) return (int)ct_last_error_code();
    return ct_set_error(CT_ERR_VALUE, "ct_dataset_get", "transform '%s' returned NULL", ct_transform_name(tf));
}

/* Drops whatever a failed get left in *out. */
static void clear_sample(ct_sample *out) {
    for (int i = 0; i < CT_SAMPLE_MAX; i++) {
        ct_free(out->t[i]);
        out->t[i] = NULL;
    }
    out->n = 0;
}

int dt_dataset_get_raw(ct_dataset *ds, int64_t index, ct_sample *out) {
    const char *fn = "ct_dataset_get";
    if (!out) return ct_set_error(CT_ERR_NULL, fn, "argument 'out' is NULL");
    out->n = 0;
    for (int i = 0; i < CT_SAMPLE_MAX; i++) out->t[i] = NULL;
    if (!ds) return ct_set_error(CT_ERR_NULL, fn, "argument 'dataset' is NULL");
    int64_t n = ds->vt->len(ds->ctx);
    if (index < 0 || index >= n)
        return ct_set_error(CT_ERR_INDEX, fn, "index %lld is out of range for dataset of size %lld",
                            (long long)index, (long long)n);
    int rc = ds->vt->get(ds->ctx, index, out);
    if (rc == 0 && (out->n < 1 || out->n > CT_SAMPLE_MAX))
        rc = ct_set_error(CT_ERR_VALUE, fn, "%s returned a sample of %d tensors (expected 1 to %d)",
                          ct_dataset_name(ds), out->n, CT_SAMPLE_MAX);
    for (int i = 0; rc == 0 && i < out->n; i++)
        if (!out->t[i])
            rc = ct_last_error_code() != CT_OK
                     ? (int)ct_last_error_code()
                     : ct_set_error(CT_ERR_VALUE, fn, "%s returned a NULL tensor",
                                    ct_dataset_name(ds));
    if (rc != 0) {
        if (rc > 0) rc = CT_ERR_RUNTIME;
        clear_sample(out);
    }
    return rc;
}

int ct_dataset_get(ct_dataset *ds, int64_t index, ct_sample *out) {
    int rc = dt_dataset_get_raw(ds, index, out);
    if (rc != 0) return rc;
    rc = apply(ds->transform, &out->t[0]);
    if (rc == 0 && out->n > 1) rc = apply(ds->target_transform, &out->t[1]);
    if (rc != 0) clear_sample(out);
    return rc;
}

int ct_dataset_set_transform(ct_dataset *ds, ct_transform *transform) {
    if (!ds) return ct_set_error(CT_ERR_NULL, "ct_dataset_set_transform", "argument 'dataset' is NULL");
    if (ds->transform != transform) ct_transform_free(ds->transform);
    ds->transform = transform;
    return 0;
}

int ct_dataset_set_target_transform(ct_dataset *ds, ct_transform *target_transform) {
    if (!ds)
        return ct_set_error(CT_ERR_NULL, "ct_dataset_set_target_transform", "argument 'dataset' is NULL");
    if (ds->target_transform != target_transform) ct_transform_free(ds->target_transform);
    ds->target_transform = target_transform;
    return 0;
}

const char *const *ct_dataset_classes(const ct_dataset *ds, int *n) {
    if (n) *n = ds && ds->classes ? ds->nclasses : 0;
    return ds ? ds->classes : NULL;
}

ct_tensor *ct_dataset_data(const ct_dataset *ds) {
    if (!ds || !ds->data) {
        ct_set_error(CT_ERR_VALUE, "ct_dataset_data", "'%s' object has no attribute 'data'",
                     ct_dataset_name(ds));
        return NULL;
    }
    return ds->data;
}

ct_tensor *ct_dataset_targets(const ct_dataset *ds) {
    if (!ds || !ds->targets) {
        ct_set_error(CT_ERR_VALUE, "ct_dataset_targets", "'%s' object has no attribute 'targets'",
                     ct_dataset_name(ds));
        return NULL;
    }
    return ds->targets;
}

ct_dataset *dt_vision_finish(ct_dataset *ds, ct_vision_args a) {
    if (!ds) {
        ct_transform_free(a.transform);
        ct_transform_free(a.target_transform);
        return NULL;
    }
    ct_dataset_set_transform(ds, a.transform);
    ct_dataset_set_target_transform(ds, a.target_transform);
    return ds;
}
