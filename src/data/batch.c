/*
 * src/data/batch.c - a loader batch in as few passes as possible. The batch
 * must be exactly what ct_default_collate makes of ct_dataset_get(ds, i) for
 * each index, but sample by sample that is several small tensors and two
 * kernel calls per image. Instead:
 *
 *   1. the transforms are split (dt_transform_head): the leading parts that
 *      must run per sample (random ones, user functions) and a tail of
 *      deterministic parts with a batch form (ToTensor, Normalize, ...);
 *   2. the samples as the per-sample parts leave them are stacked: for an
 *      in-memory dataset with nothing to run per sample, that is one gather of
 *      rows (ds->gather), with no per-sample tensor at all;
 *   3. the tail runs once on the stacked batch (ToTensor + Normalize fused into
 *      one table lookup per byte).
 *
 * Random parts draw in the same order as before (sample by sample, and the
 * tail draws nothing), so batches are bit-identical to the per-sample path.
 * Whenever a shortcut cannot take its input (samples of different shapes, a
 * dtype a batch form does not handle), the batch is redone the per-sample way,
 * which also gives the per-sample error message. One difference remains:
 * when two samples of one batch fail differently, a per-sample failure of a
 * tail part may be reported after a later sample's loading error.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

ct_tensor *dt_gather_rows(ct_tensor *a, const int64_t *idx, int64_t n, const ct_shape *row_shape) {
    ct_shape s = {.ndim = 1, .d = {n}};
    if (row_shape) {
        for (int d = 0; d < row_shape->ndim; d++) s.d[d + 1] = row_shape->d[d];
        s.ndim = row_shape->ndim + 1;
    } else {
        s = ct_shape_of(a);
        s.d[0] = n;
    }
    ct_tensor *out = dt_own(ct_empty(s, .dtype = ct_dtype_of(a)));
    if (!out || n == 0) return out;
    int64_t rows = ct_size(a, 0), per = rows ? ct_numel(a) / rows : 0;
    if (ct_is_contiguous(a)) {
        size_t bytes = (size_t)per * ct_element_size(a);
        const char *src = ct_data_ptr(a);
        char *dst = ct_data_ptr(out);
        /* Rows of a shuffled epoch are scattered over the whole dataset: ask for
         * the lines of a row a few rows ahead, so the copies do not wait on memory. */
        enum { AHEAD = 4 };
        for (int64_t i = 0; i < n; i++, dst += bytes) {
            if (i + AHEAD < n) {
                const char *next = src + (size_t)idx[i + AHEAD] * bytes;
                for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(next + off);
            }
            memcpy(dst, src + (size_t)idx[i] * bytes, bytes);
        }
        return out;
    }
    bool ok = true;
    for (int64_t i = 0; i < n && ok; i++) CT_SCOPE {
            ct_tensor *row = ct_reshape(ct_select(a, 0, idx[i]), ct_shape_of(ct_select(out, 0, i)));
            ok = row && ct_copy_(ct_select(out, 0, i), row);
        }
    if (!ok) {
        ct_release(out);
        return NULL;
    }
    return out;
}

static bool has_tail(const ct_transform *t, int head) { return head < dt_transform_nparts(t); }

/* Drops n samples (references as ops return them) and the array. */
static void free_samples(ct_sample *s, int64_t n) {
    for (int64_t i = 0; i < n; i++) ct_sample_free(&s[i]);
    free(s);
}

/* Puts the owned reference of r in place of *slot. */
static void replace(ct_tensor **slot, ct_tensor *r) {
    ct_release(*slot);
    *slot = dt_own(r);
}

/*
 * Runs the tails of the transform (on t[0]) and the target transform (on
 * t[1]) on a stacked batch, in place. 1 done, 0 a batch form could not take
 * its input (b unchanged), or a negative error.
 */
static int apply_tails(ct_dataset *ds, int h0, int h1, ct_sample *b) {
    ct_tensor *x = NULL, *y = NULL;
    int rc = 1;
    if (has_tail(ds->transform, h0)) rc = dt_transform_apply_tail(ds->transform, h0, b->t[0], &x);
    if (rc > 0 && b->n > 1 && has_tail(ds->target_transform, h1))
        rc = dt_transform_apply_tail(ds->target_transform, h1, b->t[1], &y);
    if (rc <= 0) {
        ct_free(x);
        return rc;
    }
    if (x) replace(&b->t[0], x);
    if (y) replace(&b->t[1], y);
    return 1;
}

/* The plain way: ct_dataset_get for each index, then ct_default_collate. */
static int per_sample(ct_dataset *ds, const int64_t *idx, int64_t n, ct_sample *out) {
    ct_sample *s = calloc(n > 0 ? (size_t)n : 1, sizeof *s);
    if (!s) return ct_set_error(CT_ERR_OOM, "ct_loader_next", "out of memory");
    int rc = 0;
    int64_t got = 0;
    for (; got < n && rc == 0; got++) rc = ct_dataset_get(ds, idx[got], &s[got]);
    if (rc == 0) rc = ct_default_collate(s, n, out, NULL);
    free_samples(s, got);
    return rc;
}

/* Applies parts [from, ...) of tf to *t in place (per sample); 0 or a negative error. */
static int apply_parts(ct_transform *tf, int from, int to, ct_tensor **t) {
    if (!tf || from >= to || from >= dt_transform_nparts(tf)) return 0;
    ct_tensor *r = dt_transform_apply_parts(tf, from, to, *t);
    ct_free(*t);
    *t = r;
    if (r) return 0;
    if (ct_last_error_code() != CT_OK) return (int)ct_last_error_code();
    return ct_set_error(CT_ERR_VALUE, "ct_dataset_get", "transform '%s' returned NULL", ct_transform_name(tf));
}

/* Whether field k of every sample has sample 0's dtype and shape (so stacking is a plain copy). */
static bool uniform_field(const ct_sample *s, int64_t n, int k) {
    const ct_tensor *a = s[0].t[k];
    for (int64_t i = 1; i < n; i++) {
        const ct_tensor *b = s[i].t[k];
        if (s[i].n != s[0].n || ct_dtype_of(b) != ct_dtype_of(a) || ct_dim(b) != ct_dim(a)) return false;
        for (int d = 0; d < ct_dim(a); d++)
            if (ct_sizes(b)[d] != ct_sizes(a)[d]) return false;
    }
    return true;
}

/* Samples fetched one by one with the per-sample parts applied, stacked, then the tails. */
static int with_heads(ct_dataset *ds, const int64_t *idx, int64_t n, int h0, int h1, ct_sample *out) {
    ct_sample *s = calloc((size_t)n, sizeof *s);
    if (!s) return ct_set_error(CT_ERR_OOM, "ct_loader_next", "out of memory");
    int rc = 0;
    int64_t got = 0;
    for (; got < n && rc == 0; got++) {
        rc = dt_dataset_get_raw(ds, idx[got], &s[got]);
        if (rc == 0) rc = apply_parts(ds->transform, 0, h0, &s[got].t[0]);
        if (rc == 0 && s[got].n > 1) rc = apply_parts(ds->target_transform, 0, h1, &s[got].t[1]);
    }
    bool tail0 = has_tail(ds->transform, h0), tail1 = has_tail(ds->target_transform, h1);
    if (rc == 0 && (!tail0 || uniform_field(s, n, 0)) && (!tail1 || s[0].n < 2 || uniform_field(s, n, 1))) {
        rc = ct_default_collate(s, n, out, NULL);
        int done = rc == 0 ? apply_tails(ds, h0, h1, out) : 1;
        if (done > 0 || done < 0) {
            if (done < 0) {
                dt_release_sample(out);
                rc = done;
            }
            free_samples(s, got);
            return rc;
        }
        dt_release_sample(out);
    }
    /* the tails sample by sample, then the usual collation (and its messages) */
    for (int64_t i = 0; rc == 0 && i < n; i++) {
        rc = apply_parts(ds->transform, h0, dt_transform_nparts(ds->transform), &s[i].t[0]);
        if (rc == 0 && s[i].n > 1)
            rc = apply_parts(ds->target_transform, h1, dt_transform_nparts(ds->target_transform), &s[i].t[1]);
    }
    if (rc == 0) rc = ct_default_collate(s, n, out, NULL);
    free_samples(s, got);
    return rc;
}

int dt_dataset_get_batch(ct_dataset *ds, const int64_t *idx, int64_t n, ct_sample *out) {
    out->n = 0;
    if (!ds || n < 1) return per_sample(ds, idx, n, out);
    int h0 = dt_transform_head(ds->transform), h1 = dt_transform_head(ds->target_transform);
    if (!ds->gather || h0 > 0 || h1 > 0) return with_heads(ds, idx, n, h0, h1, out);
    int64_t len = ds->vt->len(ds->ctx);
    for (int64_t i = 0; i < n; i++)
        if (idx[i] < 0 || idx[i] >= len)
            return ct_set_error(CT_ERR_INDEX, "ct_dataset_get", "index %lld is out of range for dataset of size %lld",
                                (long long)idx[i], (long long)len);
    int rc = ds->gather(ds, idx, n, out);
    if (rc > 0) return with_heads(ds, idx, n, h0, h1, out);
    if (rc != 0) return rc;
    int done = apply_tails(ds, 0, 0, out);
    if (done > 0) return 0;
    dt_release_sample(out);
    return done < 0 ? done : per_sample(ds, idx, n, out);
}
