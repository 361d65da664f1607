/*
 * src/ops/sum_to.c - sums a tensor down to a shape it was broadcast from: the
 * gradient of broadcasting. Differentiable: its backward expands back.
 */
#include <string.h>

#include "../autograd/internal.h"
#include "internal.h"

/* out += in, elementwise, out broadcast (stride 0) over the summed dims. Serial: out aliases. */
#define ACC_LOOP(E, T, S)                                                               \
    static void acc_##S(char **d, const int64_t *s, int64_t n, void *ctx) {             \
        (void)ctx;                                                                      \
        char *o = d[0];                                                                 \
        const char *a = d[1];                                                           \
        for (int64_t i = 0; i < n; i++, o += s[0], a += s[1])                           \
            *(T *)(void *)o = (T)(*(T *)(void *)o + *(const T *)(const void *)a);       \
    }
CT_FOR_EACH_DTYPE(ACC_LOOP)

static ct_iter_loop acc_loop(ct_dtype d) {
    switch (d) {
#define X(E, T, S) case E: return acc_##S;
        CT_FOR_EACH_DTYPE(X)
#undef X
    default: return NULL;
    }
}

static int sum_to_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const ct_meta *m = &n->in_meta[0];
    ct_shape s = {.ndim = m->ndim};
    memcpy(s.d, m->shape, sizeof(int64_t) * (size_t)m->ndim);
    gi[0] = ct_expand(g[0], s);
    return gi[0] ? 0 : ct_last_error_code();
}
static const ct_node_type sum_to_type = {"SumToSizeBackward0", sum_to_backward};

ct_tensor *ct__sum_to(ct_tensor *g, int ndim, const int64_t *shape) {
    const char *fn = "sum_to_size";
    CT_CHECK_ARG(g, fn, "self");
    /* shape must be expandable to g's shape. */
    bool ok = ndim <= g->ndim;
    for (int i = 0; ok && i < ndim; i++) {
        int64_t gs = g->shape[g->ndim - ndim + i];
        ok = shape[i] == gs || shape[i] == 1;
    }
    if (!ok) {
        char a[128], b[128];
        ct__error(CT_ERR_RUNTIME, fn, "size {%s} is not expandable to size {%s}.",
                  ct__shape_str(ndim, shape, a, sizeof a), ct__shape_str(g->ndim, g->shape, b, sizeof b));
        return NULL;
    }
    ct_tensor *out = ct__tensor_empty(ndim, shape, g->dtype, g->storage->device, fn);
    if (!out) return NULL;
    ct_zero_(out);
    /* View out with g's shape: stride 0 where it was broadcast. */
    ct_tensor view = *out;
    view.ndim = g->ndim;
    for (int i = 0; i < g->ndim; i++) {
        int k = i - (g->ndim - ndim);
        view.shape[i] = g->shape[i];
        view.strides[i] = (k >= 0 && shape[k] == g->shape[i]) ? out->strides[k] : 0;
    }
    ct_iter it;
    ct_tensor *ops[2] = {&view, g};
    ct__iter_init(&it, view.ndim, view.shape, 2, ops);
    ct__iter_run_range(&it, acc_loop(g->dtype), NULL, 0, it.numel);
    ct__record(&sum_to_type, out, 1, &g, 0, 0);
    return out;
}
