/*
 * src/optim/adagrad.c - torch.optim.Adagrad (PyTorch 1.13's _single_tensor_adagrad):
 *
 *     (at construction) sum = full_like(param, initial_accumulator_value); step = 0
 *     step += 1                                            (a float32 counter)
 *     grad = -grad if maximize else grad
 *     grad = grad + weight_decay * param                   (weight_decay != 0)
 *     clr = lr / (1 + (step - 1) * lr_decay)               (double)
 *     sum = sum + grad * grad
 *     param = param + (-clr) * grad / (sqrt(sum) + eps)
 *
 * computed elementwise in the parameter's dtype, in PyTorch's order.
 */
#include <math.h>

#include "optim/internal.h"

#define DEFINE_ADAGRAD(T, SUF, SQRT)                                                    \
    static void adagrad_##SUF(T *p, const T *g, T *sum, int64_t n, double clr,          \
                              const ct_optim_opts *o) {                                 \
        const T wd = (T)o->weight_decay, eps = (T)o->eps, neg_clr = (T)(-clr);          \
        const bool decay = o->weight_decay != 0, maximize = o->maximize;                \
        CT_OPTIM_LOOP(n, i, {                                                           \
            T gi = maximize ? -g[i] : g[i];                                             \
            if (decay) gi = gi + wd * p[i];                                             \
            T s = sum[i] + gi * gi;                                                     \
            sum[i] = s;                                                                 \
            T std = SQRT(s) + eps;                                                      \
            p[i] = p[i] + neg_clr * gi / std;                                           \
        })                                                                              \
    }
DEFINE_ADAGRAD(float, f32, sqrtf)
DEFINE_ADAGRAD(double, f64, sqrt)

static int adagrad_init(optim_state *st, ct_tensor *p, const ct_optim_opts *o) {
    st->buf[0] = ct__optim_state_tensor(p, o->initial_accumulator_value);
    if (!st->buf[0]) return (int)ct_last_error_code();
    st->step = 0;
    st->init = true;
    return 0;
}

static int adagrad_update(optim_state *st, ct_tensor *p, ct_tensor *g, const ct_optim_opts *o) {
    if (!st->buf[0] && adagrad_init(st, p, o) < 0) return (int)ct_last_error_code();
    st->step = (double)(float)(st->step + 1.0);
    double clr = o->lr / (1 + (st->step - 1) * o->lr_decay);
    int64_t n = ct_numel(p);
    if (ct_dtype_of(p) == CT_F32)
        adagrad_f32(ct_data_ptr(p), ct_data_ptr(g), ct_data_ptr(st->buf[0]), n, clr, o);
    else
        adagrad_f64(ct_data_ptr(p), ct_data_ptr(g), ct_data_ptr(st->buf[0]), n, clr, o);
    return 0;
}

static int adagrad_validate(const ct_optim_opts *o, const char *fn) {
    char b[40];
    if (!(o->lr >= 0.0)) return ct_set_error(CT_ERR_VALUE, fn, "Invalid learning rate: %s", ct__py_float(o->lr, b, sizeof b));
    if (!(o->lr_decay >= 0.0))
        return ct_set_error(CT_ERR_VALUE, fn, "Invalid lr_decay value: %s", ct__py_float(o->lr_decay, b, sizeof b));
    if (!(o->weight_decay >= 0.0))
        return ct_set_error(CT_ERR_VALUE, fn, "Invalid weight_decay value: %s",
                        ct__py_float(o->weight_decay, b, sizeof b));
    if (!(o->initial_accumulator_value >= 0.0))
        return ct_set_error(CT_ERR_VALUE, fn, "Invalid initial_accumulator_value value: %s",
                        ct__py_float(o->initial_accumulator_value, b, sizeof b));
    if (!(o->eps >= 0.0)) return ct_set_error(CT_ERR_VALUE, fn, "Invalid epsilon value: %s", ct__py_float(o->eps, b, sizeof b));
    return 0;
}

const optim_kind ct__optim_adagrad = {
    .name = "Adagrad",
    .fn = "ct_adagrad",
    .accepts = OPT_LR | OPT_LR_DECAY | OPT_WEIGHT_DECAY | OPT_INITIAL_ACC | OPT_EPS | OPT_MAXIMIZE,
    .defaults = {.lr = 1e-2, .eps = 1e-10},
    .validate = adagrad_validate,
    .init_state = adagrad_init,
    .update = adagrad_update,
    .state_names = {"sum", NULL, NULL},
    .step_kind = STEP_TENSOR,
};

ct_optimizer *ct_adagrad_(ct_optim_opts opts) { return ct__optim_new(&ct__optim_adagrad, opts); }
