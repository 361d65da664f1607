/*
 * src/optim/rmsprop.c - torch.optim.RMSprop (PyTorch 1.13's _single_tensor_rmsprop):
 *
 *     grad = -grad if maximize else grad
 *     grad = grad + weight_decay * param                      (weight_decay != 0)
 *     square_avg = square_avg * alpha + (1 - alpha) * grad * grad
 *     centered: grad_avg = grad_avg * alpha + (1 - alpha) * grad
 *               avg = sqrt(square_avg - grad_avg * grad_avg)
 *     else:     avg = sqrt(square_avg)
 *     avg = avg + eps
 *     momentum > 0: buf = buf * momentum + grad / avg;  param = param - lr * buf
 *     else:         param = param + (-lr) * grad / avg
 *
 * computed elementwise in the parameter's dtype, in PyTorch's order.
 */
#include <math.h>

#include "optim/internal.h"

#define DEFINE_RMSPROP(T, SUF, SQRT)                                                    \
    static void rmsprop_##SUF(T *p, const T *g, T *sq, T *buf, T *ga, int64_t n,        \
                              const ct_optim_opts *o) {                                 \
        const T alpha = (T)o->alpha, oma = (T)(1 - o->alpha), wd = (T)o->weight_decay;  \
        const T eps = (T)o->eps, mom = (T)o->momentum, neg_lr = (T)(-o->lr);            \
        const bool decay = o->weight_decay != 0, maximize = o->maximize;                \
        CT_OPTIM_LOOP(n, i, {                                                           \
            T gi = maximize ? -g[i] : g[i];                                             \
            if (decay) gi = gi + wd * p[i];                                             \
            T s = sq[i] * alpha + oma * gi * gi;                                        \
            sq[i] = s;                                                                  \
            T avg;                                                                      \
            if (ga) {                                                                   \
                T a = ga[i] * alpha + oma * gi;                                         \
                ga[i] = a;                                                              \
                avg = SQRT(s + (-a) * a); /* addcmul(grad_avg, grad_avg, value=-1) */    \
            } else {                                                                    \
                avg = SQRT(s);                                                          \
            }                                                                           \
            avg = avg + eps;                                                            \
            if (buf) {                                                                  \
                T b = buf[i] * mom + gi / avg;                                          \
                buf[i] = b;                                                             \
                p[i] = p[i] + neg_lr * b;                                               \
            } else {                                                                    \
                p[i] = p[i] + neg_lr * gi / avg;                                        \
            }                                                                           \
        })                                                                              \
    }
DEFINE_RMSPROP(float, f32, sqrtf)
DEFINE_RMSPROP(double, f64, sqrt)

static int rmsprop_update(optim_state *st, ct_tensor *p, ct_tensor *g, const ct_optim_opts *o) {
    /* state_names: square_avg, momentum_buffer, grad_avg */
    bool need[3] = {true, o->momentum > 0, o->centered};
    for (int k = 0; k < 3; k++)
        if (need[k] && !st->buf[k] && !(st->buf[k] = ct__optim_state_tensor(p, 0.0)))
            return (int)ct_last_error_code();
    st->init = true;
    st->step += 1;
    void *buf = need[1] ? ct_data_ptr(st->buf[1]) : NULL;
    void *ga = need[2] ? ct_data_ptr(st->buf[2]) : NULL;
    int64_t n = ct_numel(p);
    if (ct_dtype_of(p) == CT_F32)
        rmsprop_f32(ct_data_ptr(p), ct_data_ptr(g), ct_data_ptr(st->buf[0]), buf, ga, n, o);
    else
        rmsprop_f64(ct_data_ptr(p), ct_data_ptr(g), ct_data_ptr(st->buf[0]), buf, ga, n, o);
    return 0;
}

static int rmsprop_validate(const ct_optim_opts *o, const char *fn) {
    char b[40];
    if (!(o->lr >= 0.0)) return ct_set_error(CT_ERR_VALUE, fn, "Invalid learning rate: %s", ct__py_float(o->lr, b, sizeof b));
    if (!(o->eps >= 0.0)) return ct_set_error(CT_ERR_VALUE, fn, "Invalid epsilon value: %s", ct__py_float(o->eps, b, sizeof b));
    if (!(o->momentum >= 0.0))
        return ct_set_error(CT_ERR_VALUE, fn, "Invalid momentum value: %s", ct__py_float(o->momentum, b, sizeof b));
    if (!(o->weight_decay >= 0.0))
        return ct_set_error(CT_ERR_VALUE, fn, "Invalid weight_decay value: %s",
                        ct__py_float(o->weight_decay, b, sizeof b));
    if (!(o->alpha >= 0.0)) return ct_set_error(CT_ERR_VALUE, fn, "Invalid alpha value: %s", ct__py_float(o->alpha, b, sizeof b));
    return 0;
}

const optim_kind ct__optim_rmsprop = {
    .name = "RMSprop",
    .fn = "ct_rmsprop",
    .accepts = OPT_LR | OPT_ALPHA | OPT_EPS | OPT_WEIGHT_DECAY | OPT_MOMENTUM | OPT_CENTERED |
               OPT_MAXIMIZE,
    .defaults = {.lr = 1e-2, .alpha = 0.99, .eps = 1e-8},
    .validate = rmsprop_validate,
    .update = rmsprop_update,
    .state_names = {"square_avg", "momentum_buffer", "grad_avg"},
    .step_kind = STEP_INT,
};

ct_optimizer *ct_rmsprop_(ct_optim_opts opts) { return ct__optim_new(&ct__optim_rmsprop, opts); }
