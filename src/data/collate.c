/*
 * src/data/collate.c - default_collate: field k of every sample stacked
 * along a new first dim (images [B,C,H,W], 0-d labels [B]).
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* "[1, 28, 28]" */
static void shape_str(const ct_tensor *t, char *buf, size_t size) {
    size_t used = (size_t)snprintf(buf, size, "[");
    for (int d = 0; d < ct_dim(t) && used < size; d++)
        used += (size_t)snprintf(buf + used, size - used, "%s%lld", d ? ", " : "", (long long)ct_sizes(t)[d]);
    if (used < size) snprintf(buf + used, size - used, "]");
}

/* Stacks field k of n samples; a new plain reference or NULL. */
static ct_tensor *stack_field(const ct_sample *samples, int64_t n, int k) {
    const char *fn = "ct_default_collate";
    const ct_tensor *first = samples[0].t[k];
    bool same_dtype = true;
    for (int64_t i = 1; i < n; i++) {
        const ct_tensor *t = samples[i].t[k];
        bool same_shape = ct_dim(t) == ct_dim(first);
        for (int d = 0; same_shape && d < ct_dim(t); d++) same_shape = ct_sizes(t)[d] == ct_sizes(first)[d];
        if (!same_shape) {
            char a[128], b[128];
            shape_str(first, a, sizeof a);
            shape_str(t, b, sizeof b);
            ct_set_error(CT_ERR_RUNTIME, fn,
                         "stack expects each tensor to be equal size, but got %s at entry 0 and %s at entry %lld",
                         a, b, (long long)i);
            return NULL;
        }
        same_dtype = same_dtype && ct_dtype_of(t) == ct_dtype_of(first);
    }
    if (!same_dtype) { /* let torch.stack's type promotion decide */
        ct_tensor *list[4096];
        if (n > 4096) {
            ct_set_error(CT_ERR_VALUE, fn, "samples of different dtypes in a batch of more than 4096");
            return NULL;
        }
        for (int64_t i = 0; i < n; i++) list[i] = samples[i].t[k];
        return dt_own(ct_stack(list, (int)n, 0));
    }
    ct_shape shape = {.ndim = ct_dim(first) + 1};
    if (shape.ndim > CT_MAX_DIMS) {
        ct_set_error(CT_ERR_VALUE, fn, "cannot batch tensors of %d dims", ct_dim(first));
        return NULL;
    }
    shape.d[0] = n;
    for (int d = 0; d < ct_dim(first); d++) shape.d[d + 1] = ct_sizes(first)[d];
    ct_tensor *out = dt_own(ct_empty(shape, .dtype = ct_dtype_of(first)));
    if (!out) return NULL;
    size_t bytes = (size_t)ct_numel(first) * ct_element_size(first);
    char *dst = ct_data_ptr(out);
    for (int64_t i = 0; i < n; i++, dst += bytes) {
        ct_tensor *t = samples[i].t[k];
        if (ct_is_contiguous(t)) {
            if (bytes) memcpy(dst, ct_data_ptr(t), bytes);
            continue;
        }
        ct_tensor *dense = ct_contiguous(t);
        if (!dense) {
            ct_free(out);
            return NULL;
        }
        memcpy(dst, ct_data_ptr(dense), bytes);
        ct_free(dense);
    }
    return out;
}

int ct_default_collate(const ct_sample *samples, int64_t n, ct_sample *out, void *ctx) {
    const char *fn = "ct_default_collate";
    if (!samples || !out) return ct_set_error(CT_ERR_NULL, fn, "argument '%s' is NULL", samples ? "out" : "samples");
    out->n = 0;
    if (n < 1) return ct_set_error(CT_ERR_VALUE, fn, "cannot collate an empty batch");
    for (int64_t i = 1; i < n; i++)
        if (samples[i].n != samples[0].n)
            return ct_set_error(CT_ERR_RUNTIME, fn, "each element in list of batch should be of equal size");
    for (int k = 0; k < samples[0].n; k++) {
        out->t[k] = stack_field(samples, n, k);
        if (!out->t[k]) {
            out->n = k;
            ct_sample_free(out);
            return (int)ct_last_error_code();
        }
    }
    out->n = samples[0].n;
    return 0;
}
