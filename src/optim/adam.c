/*
 * src/optim/adam.c - torch.optim.Adam and AdamW (PyTorch 1.13's
 * _single_tensor_adam / _single_tensor_adamw, the non-capturable branch):
 *
 *     step += 1                                      (a float32 counter, as PyTorch's tensor)
 *     grad = -grad if maximize else grad
 *     Adam:  grad = grad + weight_decay * param      (weight_decay != 0)
 *     AdamW: param = param * (1 - lr * weight_decay)
 *     exp_avg    = exp_avg * beta1 + (1 - beta1) * grad
 *     exp_avg_sq = exp_avg_sq * beta2 + (1 - beta2) * grad * grad
 *     bias_correction1 = 1 - beta1 ** step;  bias_correction2 = 1 - beta2 ** step
 *     step_size = lr / bias_correction1                                  (double)
 *     max_exp_avg_sq = maximum(max_exp_avg_sq, exp_avg_sq)               (amsgrad)
 *     denom = sqrt(exp_avg_sq or max_exp_avg_sq) / sqrt(bias_correction2) + eps
 *     param = param + (-step_size) * exp_avg / denom
 *
 * computed elementwise in the parameter's dtype, in PyTorch's order.
 */
#include <math.h>

#include "kernels/simd.h"
#include "optim/internal.h"

typedef struct {
    double b1, omb1, b2, omb2, wd, decay, bc2_sqrt, eps, neg_step;
    bool decoupled, maximize;
} adam_consts;

#define DEFINE_ADAM(T, SUF, SQRT)                                                       \
    static void adam_##SUF(T *p, const T *g, T *m, T *v, T *vmax, int64_t n,            \
                           const adam_consts *c) {                                      \
        const T b1 = (T)c->b1, omb1 = (T)c->omb1, b2 = (T)c->b2, omb2 = (T)c->omb2;     \
        const T wd = (T)c->wd, decay = (T)c->decay, bc2s = (T)c->bc2_sqrt;              \
        const T eps = (T)c->eps, neg_step = (T)c->neg_step;                             \
        const bool l2 = !c->decoupled && c->wd != 0;                                    \
        CT_OPTIM_LOOP(n, i, {                                                           \
            T gi = c->maximize ? -g[i] : g[i];                                          \
            if (c->decoupled) p[i] = p[i] * decay;                                      \
            if (l2) gi = gi + wd * p[i];                                                \
            T mi = m[i] * b1 + omb1 * gi;                                               \
            T vi = v[i] * b2 + omb2 * gi * gi;                                          \
            m[i] = mi;                                                                  \
            v[i] = vi;                                                                  \
            if (vmax) { /* torch.maximum: NaN propagates */                             \
                T a = vmax[i];                                                          \
                vi = (a > vi || a != a) ? a : vi;                                       \
                vmax[i] = vi;                                                           \
            }                                                                           \
            T denom = SQRT(vi) / bc2s + eps;                                            \
            p[i] = p[i] + neg_step * mi / denom;                                        \
        })                                                                              \
    }
DEFINE_ADAM(float, f32, sqrtf)
DEFINE_ADAM(double, f64, sqrt)

/*
 * float32 Adam's common case (no weight decay, maximize or amsgrad) on
 * elements [lo, hi): the same operations in the same order as adam_f32,
 * without its per-element option tests, compiled per instruction set so the
 * square roots and divisions run 16 wide (sqrt and / round exactly and no
 * contraction is allowed, so every lane gives adam_f32's bits).
 */
CT_KERNEL_CLONES static void adam_plain_f32(float *restrict p, const float *restrict g, float *restrict m,
                                            float *restrict v, int64_t lo, int64_t hi, const adam_consts *c) {
    const float b1 = (float)c->b1, omb1 = (float)c->omb1, b2 = (float)c->b2, omb2 = (float)c->omb2;
    const float bc2s = (float)c->bc2_sqrt, eps = (float)c->eps, neg_step = (float)c->neg_step;
    for (int64_t i = lo; i < hi; i++) {
        float gi = g[i];
        float mi = m[i] * b1 + omb1 * gi;
        float vi = v[i] * b2 + omb2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        float denom = sqrtf(vi) / bc2s + eps;
        p[i] = p[i] + neg_step * mi / denom;
    }
}

/* adam_plain_f32 over n elements, split over the OpenMP threads above the grain size. */
static void adam_plain(float *p, const float *g, float *m, float *v, int64_t n, const adam_consts *c) {
    CT_OPTIM_SPLIT(n, lo, hi, { adam_plain_f32(p, g, m, v, lo, hi, c); })
}

static int adam_update_impl(optim_state *st, ct_tensor *p, ct_tensor *g, const ct_optim_opts *o,
                            bool decoupled) {
    for (int k = 0; k < 2; k++)
        if (!st->buf[k] && !(st->buf[k] = ct__optim_state_tensor(p, 0.0)))
            return (int)ct_last_error_code();
    if (o->amsgrad && !st->buf[2] && !(st->buf[2] = ct__optim_state_tensor(p, 0.0)))
        return (int)ct_last_error_code();
    st->init = true;
    st->step = (double)(float)(st->step + 1.0); /* step_t += 1 on a float32 tensor */

    double lr = o->lr, b1 = o->betas[0], b2 = o->betas[1];
    double bias_correction1 = 1 - pow(b1, st->step);
    double bias_correction2 = 1 - pow(b2, st->step);
    adam_consts c = {
        .b1 = b1, .omb1 = 1 - b1, .b2 = b2, .omb2 = 1 - b2, .wd = o->weight_decay,
        .decay = 1 - lr * o->weight_decay, .bc2_sqrt = sqrt(bias_correction2), .eps = o->eps,
        .neg_step = -(lr / bias_correction1), .decoupled = decoupled, .maximize = o->maximize,
    };
    void *vmax = o->amsgrad ? ct_data_ptr(st->buf[2]) : NULL;
    int64_t n = ct_numel(p);
    if (ct_dtype_of(p) == CT_F32 && !vmax && !decoupled && !o->maximize && o->weight_decay == 0)
        adam_plain(ct_data_ptr(p), ct_data_ptr(g), ct_data_ptr(st->buf[0]), ct_data_ptr(st->buf[1]), n, &c);
    else if (ct_dtype_of(p) == CT_F32)
        adam_f32(ct_data_ptr(p), ct_data_ptr(g), ct_data_ptr(st->buf[0]), ct_data_ptr(st->buf[1]),
                 vmax, n, &c);
    else
        adam_f64(ct_data_ptr(p), ct_data_ptr(g), ct_data_ptr(st->buf[0]), ct_data_ptr(st->buf[1]),
                 vmax, n, &c);
    return 0;
}

static int adam_update(optim_state *st, ct_tensor *p, ct_tensor *g, const ct_optim_opts *o) {
    return adam_update_impl(st, p, g, o, false);
}
static int adamw_update(optim_state *st, ct_tensor *p, ct_tensor *g, const ct_optim_opts *o) {
    return adam_update_impl(st, p, g, o, true);
}

static int adam_validate(const ct_optim_opts *o, const char *fn) {
    char b[40];
    if (!(o->lr >= 0.0)) return ct_set_error(CT_ERR_VALUE, fn, "Invalid learning rate: %s", ct__py_float(o->lr, b, sizeof b));
    if (!(o->eps >= 0.0)) return ct_set_error(CT_ERR_VALUE, fn, "Invalid epsilon value: %s", ct__py_float(o->eps, b, sizeof b));
    for (int i = 0; i < 2; i++)
        if (!(o->betas[i] >= 0.0 && o->betas[i] < 1.0))
            return ct_set_error(CT_ERR_VALUE, fn, "Invalid beta parameter at index %d: %s", i,
                            ct__py_float(o->betas[i], b, sizeof b));
    if (!(o->weight_decay >= 0.0))
        return ct_set_error(CT_ERR_VALUE, fn, "Invalid weight_decay value: %s",
                        ct__py_float(o->weight_decay, b, sizeof b));
    return 0;
}

#define ADAM_OPTS (OPT_LR | OPT_BETAS | OPT_EPS | OPT_WEIGHT_DECAY | OPT_AMSGRAD | OPT_MAXIMIZE)

const optim_kind ct__optim_adam = {
    .name = "Adam",
    .fn = "ct_adam",
    .accepts = ADAM_OPTS,
    .defaults = {.lr = 1e-3, .betas = {0.9, 0.999}, .eps = 1e-8},
    .validate = adam_validate,
    .update = adam_update,
    .state_names = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
    .step_kind = STEP_TENSOR,
};

const optim_kind ct__optim_adamw = {
    .name = "AdamW",
    .fn = "ct_adamw",
    .accepts = ADAM_OPTS,
    .defaults = {.lr = 1e-3, .betas = {0.9, 0.999}, .eps = 1e-8, .weight_decay = 1e-2},
    .validate = adam_validate,
    .update = adamw_update,
    .state_names = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
    .step_kind = STEP_TENSOR,
};

ct_optimizer *ct_adam_(ct_optim_opts opts) { return ct__optim_new(&ct__optim_adam, opts); }
ct_optimizer *ct_adamw_(ct_optim_opts opts) { return ct__optim_new(&ct__optim_adamw, opts); }
