/*
 * src/optim/sgd.c - torch.optim.SGD (PyTorch 1.13's _single_tensor_sgd):
 *
 *     d_p = -grad if maximize else grad
 *     d_p = d_p + weight_decay * param                     (weight_decay != 0)
 *     buf = clone(d_p) on the first step, else buf * momentum + (1 - dampening) * d_p
 *     d_p = d_p + momentum * buf if nesterov else buf      (momentum != 0)
 *     param = param - lr * d_p
 *
 * computed elementwise in the parameter's dtype, in PyTorch's order.
 */
#include <stdint.h>
#include <string.h>

#include "optim/internal.h"

/* True when the n-element arrays at a and b (of elem bytes each) share memory. */
static bool overlap(const void *a, const void *b, int64_t n, size_t elem) {
    uintptr_t x = (uintptr_t)a, y = (uintptr_t)b, len = (uintptr_t)n * elem;
    return x < y + len && y < x + len;
}

/*
 * One loop per dtype; T is float or double. buf is NULL without momentum.
 * The common cases (plain momentum after the first step, and no momentum),
 * with p, g and buf apart, get branch-free loops the compiler vectorizes;
 * they compute the same expressions in the same order as the general loop,
 * so the results are identical.
 */
#define DEFINE_SGD(T, SUF)                                                              \
    static void sgd_momentum_##SUF(T *restrict p, const T *restrict g, T *restrict buf, \
                                   int64_t n, T mom, T damp1, T neg_lr) {               \
        CT_OPTIM_LOOP(n, i, {                                                           \
            T b = buf[i] * mom + damp1 * g[i];                                          \
            buf[i] = b;                                                                 \
            p[i] = p[i] + neg_lr * b;                                                   \
        })                                                                              \
    }                                                                                   \
    static void sgd_plain_##SUF(T *restrict p, const T *restrict g, int64_t n, T neg_lr) { \
        CT_OPTIM_LOOP(n, i, { p[i] = p[i] + neg_lr * g[i]; })                           \
    }                                                                                   \
    static void sgd_##SUF(T *p, const T *g, T *buf, bool first, int64_t n,              \
                          const ct_optim_opts *o) {                                     \
        const T wd = (T)o->weight_decay, mom = (T)o->momentum;                          \
        const T damp1 = (T)(1.0 - o->dampening), neg_lr = (T)(-o->lr);                  \
        const bool decay = o->weight_decay != 0, maximize = o->maximize;                \
        const bool nesterov = o->nesterov;                                              \
        const size_t es = sizeof(T);                                                    \
        const bool apart = !overlap(p, g, n, es) &&                                     \
                           !(buf && (overlap(p, buf, n, es) || overlap(g, buf, n, es)));   \
        if (apart && !decay && !maximize && !nesterov && !first) {                      \
            if (buf) sgd_momentum_##SUF(p, g, buf, n, mom, damp1, neg_lr);              \
            else sgd_plain_##SUF(p, g, n, neg_lr);                                      \
            return;                                                                     \
        }                                                                               \
        CT_OPTIM_LOOP(n, i, {                                                           \
            T d = maximize ? -g[i] : g[i];                                              \
            if (decay) d = d + wd * p[i];                                               \
            if (buf) {                                                                  \
                T b = first ? d : buf[i] * mom + damp1 * d;                             \
                buf[i] = b;                                                             \
                d = nesterov ? d + mom * b : b;                                         \
            }                                                                           \
            p[i] = p[i] + neg_lr * d;                                                   \
        })                                                                              \
    }
DEFINE_SGD(float, f32)
DEFINE_SGD(double, f64)

static int sgd_update(optim_state *st, ct_tensor *p, ct_tensor *g, const ct_optim_opts *o) {
    bool first = false;
    if (o->momentum != 0 && !st->buf[0]) {
        st->buf[0] = ct__optim_state_tensor(p, 0.0);
        if (!st->buf[0]) return (int)ct_last_error_code();
        first = true; /* PyTorch: buf = torch.clone(d_p) */
    }
    void *buf = o->momentum != 0 ? ct_data_ptr(st->buf[0]) : NULL;
    int64_t n = ct_numel(p);
    if (ct_dtype_of(p) == CT_F32)
        sgd_f32(ct_data_ptr(p), ct_data_ptr(g), buf, first, n, o);
    else
        sgd_f64(ct_data_ptr(p), ct_data_ptr(g), buf, first, n, o);
    st->init = true;
    return 0;
}

static int sgd_validate(const ct_optim_opts *o, const char *fn) {
    char b[40];
    if (!(o->lr >= 0.0)) return ct_set_error(CT_ERR_VALUE, fn, "Invalid learning rate: %s", ct__py_float(o->lr, b, sizeof b));
    if (!(o->momentum >= 0.0))
        return ct_set_error(CT_ERR_VALUE, fn, "Invalid momentum value: %s", ct__py_float(o->momentum, b, sizeof b));
    if (!(o->weight_decay >= 0.0))
        return ct_set_error(CT_ERR_VALUE, fn, "Invalid weight_decay value: %s",
                        ct__py_float(o->weight_decay, b, sizeof b));
    if (o->nesterov && (o->momentum <= 0 || o->dampening != 0))
        return ct_set_error(CT_ERR_VALUE, fn, "Nesterov momentum requires a momentum and zero dampening");
    return 0;
}

const optim_kind ct__optim_sgd = {
    .name = "SGD",
    .fn = "ct_sgd",
    .accepts = OPT_LR | OPT_MOMENTUM | OPT_DAMPENING | OPT_WEIGHT_DECAY | OPT_NESTEROV | OPT_MAXIMIZE,
    .defaults = {.lr = NAN}, /* required */
    .validate = sgd_validate,
    .update = sgd_update,
    .state_names = {"momentum_buffer", NULL, NULL},
    .step_kind = STEP_NONE,
};

ct_optimizer *ct_sgd_(ct_optim_opts opts) { return ct__optim_new(&ct__optim_sgd, opts); }
