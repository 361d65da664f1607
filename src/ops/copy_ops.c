/*
 * src/ops/copy_ops.c - the differentiable faces of the core's copies:
 * clone, contiguous, to(dtype), copy_, fill_, zero_.
 */
#include "../autograd/internal.h"
#include "internal.h"

/* Identity gradient: the engine converts it to the input's dtype and sums it to its shape. */
static int pass_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    for (int i = 0; i < n->num_inputs; i++)
        if (ct__needs_grad(n, i)) {
            gi[i] = ct__grad_pass(g[0]);
            if (!gi[i]) return ct_last_error_code();
        }
    return 0;
}
static const ct_node_type clone_type = {"CloneBackward0", pass_backward};
static const ct_node_type to_type = {"ToCopyBackward0", pass_backward};

static ct_tensor *record_pass(const ct_node_type *type, ct_tensor *out, ct_tensor *in) {
    if (out && out != in && ct_dtype_is_floating(out->dtype)) ct__record(type, out, 1, &in, 0, 0);
    return out;
}

ct_tensor *ct_clone(ct_tensor *t) { return record_pass(&clone_type, ct__clone(t), t); }

ct_tensor *ct_contiguous(ct_tensor *t) {
    CT_CHECK_ARG(t, "ct_contiguous", "self");
    if (ct__is_contiguous(t)) return ct_alias(t);
    return record_pass(&clone_type, ct__clone(t), t);
}

ct_tensor *ct_to_dtype(ct_tensor *t, ct_dtype dtype) {
    CT_CHECK_ARG(t, "ct_to_dtype", "self");
    if (t->dtype == dtype) return ct_alias(t);
    return record_pass(&to_type, ct__to_dtype(t, dtype), t);
}

/* dst.copy_(src): dst's old value gets no gradient, src gets all of it. */
static int copy_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    if (ct__needs_grad(n, 0) && !(gi[0] = ct_zeros_like(g[0]))) return ct_last_error_code();
    if (ct__needs_grad(n, 1) && !(gi[1] = ct__grad_pass(g[0]))) return ct_last_error_code();
    return 0;
}
static const ct_node_type copy_type = {"CopyBackwards", copy_backward};

/* fill_ / zero_: the old value gets no gradient. */
static int fill_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    if (ct__needs_grad(n, 0) && !(gi[0] = ct_zeros_like(g[0]))) return ct_last_error_code();
    return 0;
}
static const ct_node_type fill_type = {"FillBackward0", fill_backward};

/* Writes through a tensor whose elements share memory would depend on the order of the loop. */
static bool check_no_internal_overlap(const ct_tensor *t, const char *fn) {
    for (int i = 0; i < t->ndim; i++)
        if (t->strides[i] == 0 && t->shape[i] > 1) {
            ct__error(CT_ERR_RUNTIME, fn,
                      "unsupported operation: more than one element of the written-to tensor "
                      "refers to a single memory location. Please clone() the tensor before "
                      "performing the operation.");
            return false;
        }
    return true;
}

ct_tensor *ct_copy_(ct_tensor *dst, const ct_tensor *src) {
    const char *fn = "ct_copy_";
    CT_CHECK_ARG(dst, fn, "self");
    CT_CHECK_ARG(src, fn, "src");
    if (!check_no_internal_overlap(dst, fn) || !ct__check_inplace(dst, fn)) return NULL;
    ct_tensor *ins[2] = {dst, (ct_tensor *)src};
    bool rec = ct__should_record(2, ins) && ct_dtype_is_floating(dst->dtype);
    if (!ct__copy_(dst, src)) return NULL;
    if (rec) ct__record(&copy_type, dst, 2, ins, 0, 0);
    return dst;
}

static ct_tensor *fill_recorded(ct_tensor *dst, double value, const char *fn) {
    CT_CHECK_ARG(dst, fn, "self");
    /* Filling an expanded tensor is fine (every write is the same value), as in PyTorch. */
    if (!ct__check_inplace(dst, fn)) return NULL;
    bool rec = ct__should_record(1, &dst);
    if (!ct__fill_(dst, value)) return NULL;
    if (rec) ct__record(&fill_type, dst, 1, &dst, 0, 0);
    return dst;
}

ct_tensor *ct_fill_(ct_tensor *dst, double value) { return fill_recorded(dst, value, "ct_fill_"); }
ct_tensor *ct_zero_(ct_tensor *dst) { return fill_recorded(dst, 0.0, "ct_zero_"); }
