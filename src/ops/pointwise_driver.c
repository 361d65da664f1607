/*
 * src/ops/pointwise_driver.c - the one path every elementwise op takes:
 * check arguments, broadcast, promote, allocate (or check the destination),
 * convert inputs to the compute dtype when they differ, run the kernel.
 */
#include <string.h>

#include "internal.h"
#include "../kernels/stream.h"

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

/*
 * The result of an op computed into target: dst itself (target copied into
 * it first when it was computed elsewhere, then freed) with its version
 * bumped, or target when there is no dst.
 */
static ct_tensor *deliver(ct_tensor *dst, ct_tensor *target, const char *fn) {
    if (!dst) return target;
    if (target != dst) {
        ct__copy_into(dst, target, fn);
        ct_free(target);
    }
    ct__bump_version(dst);
    return dst;
}

/*
 * How operand t steps through the n elements of a result with `same_shape`
 * as its shape: es bytes when t is contiguous with that shape, 0 when all of
 * t's elements are one (a single element, or one expanded with stride 0), -1
 * when it needs the general iterator.
 */
static int64_t flat_stride(const ct_tensor *t, bool same_shape, int64_t es) {
    if (same_shape && ct__is_contiguous(t)) return es;
    for (int i = 0; i < t->ndim; i++)
        if (t->shape[i] > 1 && t->strides[i] != 0) return -1;
    return 0;
}

/*
 * The fast path of ct__binary for small operands of one dtype (the common
 * eager case: x + y, w * x, g * 2, p -= lr * g): each operand is contiguous
 * with the result's shape or stands for a single value (one element, or one
 * expanded), so there is nothing to broadcast, convert or iterate. dst is NULL
 * (a fresh output) or a itself (in place), and then must be contiguous with
 * the result's shape and dtype and must not share memory with b unless b is
 * a. Sets *handled when it produced the result or an error; otherwise the
 * general path takes over (other broadcasts, promotions, casts, parallel
 * sizes, overlaps, missing kernels, whose messages it words).
 */
static ct_tensor *binary_simple(ct_binary_call *call, ct_tensor *dst, ct_tensor *a, ct_tensor *b,
                                ct_dtype compute, bool *handled) {
    *handled = false;
    ct_dtype dt = a->dtype;
    if (b->dtype != dt || (compute != CT_DTYPE_UNSET && compute != dt)) return NULL;
    if (a->storage->device.type != b->storage->device.type) return NULL;
    /* The operand whose shape the result has: a when the shapes are equal, else the one
     * that is not a single element. */
    const ct_tensor *full = a;
    bool same = a->ndim == b->ndim;
    for (int i = 0; same && i < a->ndim; i++) same = a->shape[i] == b->shape[i];
    int64_t n = ct__numel(a->ndim, a->shape);
    if (!same) {
        int64_t nb = ct__numel(b->ndim, b->shape);
        if (nb == 1 && b->ndim <= a->ndim) full = a;
        else if (n == 1 && a->ndim <= b->ndim) full = b, n = nb;
        else return NULL;
    }
    if (n >= CT_GRAIN_SIZE || n == 0) return NULL;
    int64_t es = (int64_t)ct_dtype_size(dt);
    int64_t sa = flat_stride(a, full == a, es), sb = flat_stride(b, same || full == b, es);
    if (sa < 0 || sb < 0) return NULL;
    ct_dtype result = dt;
    if (call->rule == CT_OUT_PREDICATE) result = CT_BOOL;
    else if (call->rule == CT_OUT_TO_FLOAT && !ct_dtype_is_floating(dt)) return NULL;
    if (dst) {
        /* In place: a must be contiguous with the result's shape and dtype, b apart from it. */
        if (dst != a || full != a || sa != es || result != dt) return NULL;
        if (b != a && b->storage == a->storage) return NULL;
    }
    ct_iter_loop loop = ct__binary_loop(call->op, dt);
    if (!loop) return NULL;
    *handled = true;
    ct_tensor *out = dst ? dst
                         : ct__tensor_empty(full->ndim, full->shape, result, a->storage->device,
                                            call->fn);
    if (!out) return NULL;
    char *ptrs[3] = {ct__data(out), ct__data(a), ct__data(b)};
    int64_t strides[3] = {result == dt ? es : (int64_t)ct_dtype_size(result), sa, sb};
    atomic_store_explicit(&call->ctx.div_zero, 0, memory_order_relaxed);
    loop(ptrs, strides, n, &call->ctx);
    if (atomic_load_explicit(&call->ctx.div_zero, memory_order_relaxed)) {
        if (!dst) ct_free(out);
        ct__error(CT_ERR_RUNTIME, call->fn, "ZeroDivisionError");
        return NULL;
    }
    if (dst) ct__bump_version(dst);
    return out;
}

ct_tensor *ct__binary(ct_binary_call *call, ct_tensor *dst, ct_tensor *a, ct_tensor *b,
                      ct_dtype compute) {
    const char *fn = call->fn;
    CT_CHECK_ARG(a, fn, "input");
    CT_CHECK_ARG(b, fn, "other");
    bool handled;
    ct_tensor *fast = binary_simple(call, dst, a, b, compute, &handled);
    if (handled) return fast;
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
    /* an output bigger than the cache, apart from the inputs, is streamed (kernels/stream.h) */
    int64_t out_bytes = ct__numel(target->ndim, target->shape) * (int64_t)ct_dtype_size(result);
    call->ctx.stream = out_bytes >= CT_STREAM_MIN_BYTES && target->storage != ca->storage &&
                       target->storage != cb->storage;
    run3(target, ca, cb, loop, &call->ctx);
    if (atomic_load(&call->ctx.div_zero)) {
        if (target != dst) ct_free(target);
        ct__error(CT_ERR_RUNTIME, fn, "ZeroDivisionError");
        goto done;
    }
    out = deliver(dst, target, fn);
done:
    if (own_a && ca) ct_free(ca);
    if (ca && own_b && cb) ct_free(cb);
    return out;
}

ct_tensor *ct__scalar_holder(ct_scalar_holder *h, ct_scalar s, ct_dtype d) {
    /* Field by field: a 0-d tensor never reads its shape and stride arrays. */
    memset(&h->st, 0, sizeof h->st);
    h->v.i = 0;
    h->st.data = h->v.bytes;
    h->st.nbytes = sizeof h->v;
    h->st.device = CT_CPU;
    atomic_init(&h->st.refcount, 1);
    atomic_init(&h->t.refcount, 1);
    atomic_init(&h->t.scope_refs, 0);
    h->t.storage = &h->st;
    h->t.offset = 0;
    h->t.ndim = 0;
    h->t.dtype = d;
    h->t.requires_grad = false;
    h->t.autograd = NULL;
    ct__store_scalar(h->v.bytes, d, s);
    return &h->t;
}

/* A floating tensor to the power 2 (an int or a float 2): the result dtype is the tensor's. */
static bool is_square(const ct_binary_call *call, const ct_tensor *a, ct_scalar s,
                      bool scalar_first) {
    if (call->op != CT_BOP_POW || scalar_first || !ct_dtype_is_floating(a->dtype)) return false;
    return (s.kind == CT_SCALAR_INT && s.v.i == 2) || (s.kind == CT_SCALAR_FLOAT && s.v.f == 2.0);
}

ct_tensor *ct__binary_scalar(ct_binary_call *call, ct_tensor *dst, ct_tensor *a, ct_scalar s,
                             bool scalar_first) {
    CT_CHECK_ARG(a, call->fn, "input");
    if (is_square(call, a, s, scalar_first)) {
        /* a ** 2 as a * a, as PyTorch computes it: exact, and no call to pow. */
        ct_binary_call sq = {.fn = call->fn, .op = CT_BOP_MUL, .rule = CT_OUT_SAME};
        return ct__binary(&sq, dst, a, a, CT_DTYPE_UNSET);
    }
    ct_dtype compute = ct_result_type_scalar(a, s);
    ct_scalar_holder h;
    ct_tensor *st = ct__scalar_holder(&h, s, compute);
    return scalar_first ? ct__binary(call, dst, st, a, compute)
                        : ct__binary(call, dst, a, st, compute);
}

/* Runs `loop` over (out, in) of one shape: a single call when both are small and contiguous. */
static void run2(ct_tensor *out, ct_tensor *in, ct_iter_loop loop, void *ctx) {
    int64_t n = ct__numel(out->ndim, out->shape);
    if (n > 0 && n < CT_GRAIN_SIZE && ct__is_contiguous(out) && ct__is_contiguous(in)) {
        char *ptrs[2] = {ct__data(out), ct__data(in)};
        int64_t strides[2] = {(int64_t)ct_dtype_size(out->dtype),
                              (int64_t)ct_dtype_size(in->dtype)};
        loop(ptrs, strides, n, ctx);
        return;
    }
    ct_iter it;
    ct_tensor *ops[2] = {out, in};
    ct__iter_init(&it, out->ndim, out->shape, 2, ops);
    ct__iter_run(&it, loop, ctx);
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
        ct_unary_ctx zero = {0};
        run2(target, ca, loop, (void *)(ctx ? ctx : &zero));
        out = deliver(dst, target, fn);
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
    out = deliver(dst, target, fn);
done:
    for (int k = 0; k < 3; k++)
        if (conv[k]) ct_free(conv[k]);
    return out;
}
