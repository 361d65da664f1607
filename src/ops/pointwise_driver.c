/*
 * src/ops/pointwise_driver.c - the one path every elementwise op takes:
 * check arguments, broadcast, promote, allocate (or check the destination),
 * convert inputs to the compute dtype when they differ, run the kernel.
 */
#include <string.h>

#include "internal.h"

bool ct__can_cast(ct_dtype from, ct_dtype to) {
    /* Floating results don't go into integers, nor non-bool into bool. */
    if (ct_dtype_is_floating(from) && ct_dtype_is_integral(to, true)) return false;
    if (from != CT_BOOL && to == CT_BOOL) return false;
    return true;
}


/* Checks a given destination (in-place or out) against the result shape and dtype. */
static bool check_dst(const char *fn, const ct_tensor *dst, int ndim, const int64_t *shape,
                      ct_dtype result, bool in_place) {
    /* An expanded destination would get several results in one element (PyTorch refuses). */
    for (int i = 0; i < dst->ndim; i++) {
        if (dst->strides[i] == 0 && dst->shape[i] > 1) {
            ct__error(CT_ERR_RUNTIME, fn,
                      "unsupported operation: more than one element of the written-to tensor "
                      "refers to a single memory location. Please clone() the tensor before "
                      "performing the operation.");
            return false;
        }
    }
    bool same = dst->ndim == ndim;
    for (int i = 0; same && i < ndim; i++) same = dst->shape[i] == shape[i];
    if (!same) {
        char a[128], b[128];
        ct__error(CT_ERR_RUNTIME, fn, "output with shape %s doesn't match the broadcast shape %s",
                  ct__shape_str(dst->ndim, dst->shape, a, sizeof a),
                  ct__shape_str(ndim, shape, b, sizeof b));
        return false;
    }
    if (in_place ? !ct__can_cast(result, dst->dtype) : false) {
        ct__error(CT_ERR_RUNTIME, fn, "result type %s can't be cast to the desired output type %s",
                  ct__scalar_type_name(result), ct__scalar_type_name(dst->dtype));
        return false;
    }
    return true;
}

/* t itself when it already has dtype d, else a converted copy (freed by the caller). */
static ct_tensor *as_dtype(ct_tensor *t, ct_dtype d, bool *owned, const char *fn) {
    *owned = false;
    if (t->dtype == d) return t;
    ct_tensor *c = ct__tensor_empty(t->ndim, t->shape, d, t->storage->device, fn);
    if (!c) return NULL;
    if (ct__copy_into(c, t, fn) != 0) {
        ct_free(c);
        return NULL;
    }
    *owned = true;
    return c;
}

/* Runs `loop` over (out, a, b) of broadcast shape. */
static void run3(ct_tensor *out, ct_tensor *a, ct_tensor *b, ct_iter_loop loop, void *ctx) {
    ct_iter it;
    ct_tensor *ops[3] = {out, a, b};
    ct__iter_init(&it, out->ndim, out->shape, 3, ops);
    ct__iter_run(&it, loop, ctx);
}

/* Overlap between the destination and an input would make results depend on loop order. */
static bool partial_overlap(const ct_tensor *dst, const ct_tensor *in) {
    if (dst->storage != in->storage) return false;
    if (dst == in) return false;
    bool same_layout = dst->offset == in->offset && dst->ndim == in->ndim;
    for (int i = 0; same_layout && i < dst->ndim; i++)
        same_layout = dst->strides[i] == in->strides[i] || dst->shape[i] <= 1;
    return !same_layout;
}

/* Both operands contiguous, of one dtype and one shape: nothing to broadcast, cast or iterate. */
static bool simple_case(const ct_tensor *a, const ct_tensor *b, ct_dtype compute) {
    if (a->dtype != b->dtype || (compute != CT_DTYPE_UNSET && compute != a->dtype)) return false;
    if (a->ndim != b->ndim || a->storage->device.type != b->storage->device.type) return false;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return false;
    return ct__is_contiguous(a) && ct__is_contiguous(b);
}

/*
 * The fast path of ct__binary for a fresh output (the common eager case: x + y,
 * g * w). Sets *handled when it produced the result or an error; otherwise the
 * general path takes over (parallel sizes, float results of integer inputs,
 * missing kernels, whose messages the general path words).
 */
static ct_tensor *binary_simple(ct_binary_call *call, ct_tensor *a, ct_tensor *b, bool *handled) {
    *handled = false;
    ct_dtype compute = a->dtype, result = compute;
    if (call->rule == CT_OUT_PREDICATE) result = CT_BOOL;
    else if (call->rule == CT_OUT_TO_FLOAT && !ct_dtype_is_floating(compute)) return NULL;
    ct_iter_loop loop = ct__binary_loop(call->op, compute);
    int64_t n = ct__numel(a->ndim, a->shape);
    if (!loop || n >= CT_GRAIN_SIZE) return NULL;
    *handled = true;
    ct_tensor *out = ct__tensor_empty(a->ndim, a->shape, result, a->storage->device, call->fn);
    if (!out) return NULL;
    char *ptrs[3] = {ct__data(out), ct__data(a), ct__data(b)};
    int64_t strides[3] = {(int64_t)ct_dtype_size(result), (int64_t)ct_dtype_size(compute),
                          (int64_t)ct_dtype_size(compute)};
    atomic_store_explicit(&call->ctx.div_zero, 0, memory_order_relaxed);
    loop(ptrs, strides, n, &call->ctx);
    if (atomic_load_explicit(&call->ctx.div_zero, memory_order_relaxed)) {
        ct_free(out);
        ct__error(CT_ERR_RUNTIME, call->fn, "ZeroDivisionError");
        return NULL;
    }
    return out;
}

ct_tensor *ct__binary(ct_binary_call *call, ct_tensor *dst, ct_tensor *a, ct_tensor *b,
                      ct_dtype compute) {
    const char *fn = call->fn;
    CT_CHECK_ARG(a, fn, "input");
    CT_CHECK_ARG(b, fn, "other");
    if (!dst && simple_case(a, b, compute)) {
        bool handled;
        ct_tensor *out = binary_simple(call, a, b, &handled);
        if (handled) return out;
    }
    if (!ct__check_same_device(a, b, fn)) return NULL;
    int ndim;
    int64_t shape[CT_MAX_DIMS];
    if (!ct__broadcast_shapes(a->ndim, a->shape, b->ndim, b->shape, &ndim, shape, fn)) return NULL;
    if (compute == CT_DTYPE_UNSET) compute = ct_result_type(a, b);
    ct_dtype result = compute;
    if (call->rule == CT_OUT_PREDICATE) result = CT_BOOL;
    else if (call->rule == CT_OUT_TO_FLOAT && !ct_dtype_is_floating(compute))
        result = compute = ct_get_default_dtype();

    /* Shapes and the destination are checked before the dtype has to have a kernel,
     * in PyTorch's order (TensorIterator's build, then the dispatch). */
    bool in_place = dst != NULL && dst == a;
    if (dst && !check_dst(fn, dst, ndim, shape, result, in_place)) return NULL;
    if (dst && !in_place && !ct__can_cast(result, dst->dtype) && dst->dtype != result) {
        ct__error(CT_ERR_RUNTIME, fn, "result type %s can't be cast to the desired output type %s",
                  ct__scalar_type_name(result), ct__scalar_type_name(dst->dtype));
        return NULL;
    }
    ct_iter_loop loop = ct__binary_loop(call->op, compute);
    if (!loop) {
        ct__error(CT_ERR_TYPE, fn, "\"%s\" not implemented for '%s'", fn + 3,
                  ct__scalar_type_name(compute));
        return NULL;
    }

    bool own_a, own_b;
    ct_tensor *ca = as_dtype(a, compute, &own_a, fn);
    ct_tensor *cb = ca ? as_dtype(b, compute, &own_b, fn) : NULL;
    ct_tensor *out = NULL;
    if (!ca || !cb) goto done;

    /* Write straight into dst when it has the result dtype and no partial overlap. */
    bool direct = dst && dst->dtype == result && !partial_overlap(dst, ca) &&
                  !partial_overlap(dst, cb);
    ct_tensor *target = direct ? dst
                               : ct__tensor_empty(ndim, shape, result, a->storage->device, fn);
    if (!target) goto done;
    atomic_store(&call->ctx.div_zero, 0);
    run3(target, ca, cb, loop, &call->ctx);
    if (atomic_load(&call->ctx.div_zero)) {
        if (target != dst) ct_free(target);
        ct__error(CT_ERR_RUNTIME, fn, "ZeroDivisionError");
        goto done;
    }
    if (dst) {
        if (target != dst) {
            ct__copy_into(dst, target, fn);
            ct_free(target);
        }
        ct__bump_version(dst);
        out = dst;
    } else {
        out = target;
    }
done:
    if (own_a && ca) ct_free(ca);
    if (ca && own_b && cb) ct_free(cb);
    return out;
}

ct_tensor *ct__scalar_holder(ct_scalar_holder *h, ct_scalar s, ct_dtype d) {
    memset(h, 0, sizeof *h);
    h->st.data = h->v.bytes;
    h->st.nbytes = sizeof h->v;
    h->st.device = CT_CPU;
    h->t.storage = &h->st;
    h->t.dtype = d;
    h->t.ndim = 0;
    ct__store_scalar(h->v.bytes, d, s);
    return &h->t;
}

ct_tensor *ct__binary_scalar(ct_binary_call *call, ct_tensor *dst, ct_tensor *a, ct_scalar s,
                             bool scalar_first) {
    CT_CHECK_ARG(a, call->fn, "input");
    ct_dtype compute = ct_result_type_scalar(a, s);
    ct_scalar_holder h;
    ct_tensor *st = ct__scalar_holder(&h, s, compute);
    return scalar_first ? ct__binary(call, dst, st, a, compute)
                        : ct__binary(call, dst, a, st, compute);
}

ct_tensor *ct__unary(const char *fn, ct_unary_op op, const ct_unary_ctx *ctx, ct_tensor *dst,
                     ct_tensor *a, ct_dtype out_dtype) {
    CT_CHECK_ARG(a, fn, "input");
    ct_dtype compute = ct__unary_op_is_predicate(op) ? a->dtype : out_dtype;
    bool in_place = dst != NULL && dst == a;
    if (dst && !check_dst(fn, dst, a->ndim, a->shape, out_dtype, in_place)) return NULL;
    ct_iter_loop loop = ct__unary_loop(op, compute);
    if (!loop) {
        ct__error(CT_ERR_TYPE, fn, "\"%s\" not implemented for '%s'", fn + 3,
                  ct__scalar_type_name(compute));
        return NULL;
    }
    bool own;
    ct_tensor *ca = as_dtype(a, compute, &own, fn);
    if (!ca) return NULL;
    bool direct = dst && dst->dtype == out_dtype && !partial_overlap(dst, ca);
    ct_tensor *target = direct ? dst
                               : ct__tensor_empty(a->ndim, a->shape, out_dtype, a->storage->device, fn);
    ct_tensor *out = NULL;
    if (target) {
        ct_iter it;
        ct_tensor *ops[2] = {target, ca};
        ct__iter_init(&it, target->ndim, target->shape, 2, ops);
        ct_unary_ctx zero = {0};
        ct__iter_run(&it, loop, (void *)(ctx ? ctx : &zero));
        if (dst) {
            if (target != dst) {
                ct__copy_into(dst, target, fn);
                ct_free(target);
            }
            ct__bump_version(dst);
            out = dst;
        } else {
            out = target;
        }
    }
    if (own) ct_free(ca);
    return out;
}

ct_tensor *ct__ternary(const char *fn, ct_ternary_op op, ct_tensor *dst, ct_tensor *x,
                       ct_tensor *y, ct_tensor *z, ct_dtype compute, bool keep_x) {
    if (!ct__check_same_device(x, y, fn) || !ct__check_same_device(x, z, fn)) return NULL;
    int nxy, ndim;
    int64_t sxy[CT_MAX_DIMS], shape[CT_MAX_DIMS];
    if (!ct__broadcast_shapes(x->ndim, x->shape, y->ndim, y->shape, &nxy, sxy, fn) ||
        !ct__broadcast_shapes(nxy, sxy, z->ndim, z->shape, &ndim, shape, fn))
        return NULL;
    bool in_place = dst != NULL && dst == x;
    if (dst && !check_dst(fn, dst, ndim, shape, compute, in_place)) return NULL;
    ct_iter_loop loop = ct__ternary_loop(op, compute);
    if (!loop) {
        ct__error(CT_ERR_TYPE, fn, "\"%s\" not implemented for '%s'", fn + 3,
                  ct__scalar_type_name(compute));
        return NULL;
    }

    ct_tensor *in[3] = {x, y, z}, *conv[3] = {NULL, NULL, NULL};
    ct_tensor *out = NULL;
    for (int k = 0; k < 3; k++) {
        bool own = false;
        if (k > 0 || !keep_x) in[k] = as_dtype(in[k], compute, &own, fn);
        if (!in[k]) goto done;
        if (own) conv[k] = in[k];
    }
    bool direct = dst && dst->dtype == compute && !partial_overlap(dst, in[0]) &&
                  !partial_overlap(dst, in[1]) && !partial_overlap(dst, in[2]);
    ct_tensor *target = direct ? dst
                               : ct__tensor_empty(ndim, shape, compute, x->storage->device, fn);
    if (!target) goto done;
    ct_iter it;
    ct_tensor *ops[4] = {target, in[0], in[1], in[2]};
    ct__iter_init(&it, ndim, shape, 4, ops);
    ct__iter_run(&it, loop, NULL);
    if (dst) {
        if (target != dst) {
            ct__copy_into(dst, target, fn);
            ct_free(target);
        }
        ct__bump_version(dst);
        out = dst;
    } else {
        out = target;
    }
done:
    for (int k = 0; k < 3; k++)
        if (conv[k]) ct_free(conv[k]);
    return out;
}
