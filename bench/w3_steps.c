/*
 * bench/w3_steps.c - workload W3 of `make bench` (per-step overhead), the two
 * whole programs of the notes that do many tiny steps:
 *
 *   himmelblau_s: the notes' himmelblau minimization, x from (0, 0), Adam lr
 *     1e-3, 20,000 steps of forward + zero_grad + backward + step;
 *   linreg_s: the notes' thermometer linear regression t_c = w * t_u + b,
 *     5,000 epochs of forward + MSE + backward + a manual update under no-grad.
 *
 * Seconds per whole run, best of 3. (W3's other two rows, the 1-element add
 * and the tiny MLP step, come from bench_ops and bench_autograd.) The PyTorch
 * side is bench/w3_steps.py. A benchmark: it prints, it never fails.
 *
 *     ./bench_w3_steps [--threads 1,2] [--raw]
 */
#include "bench_common.h"

static const bench_metric metrics[] = {
    {"himmelblau_s", "himmelblau, 20,000 Adam steps", "s", false},
    {"linreg_s", "linear regression, 5,000 epochs", "s", false},
};

/* (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2 */
static ct_tensor *himmelblau(ct_tensor *x) {
    ct_tensor *x0 = ct_select(x, 0, 0), *x1 = ct_select(x, 0, 1);
    ct_tensor *a = ct_sub_scalar(ct_add(ct_pow_scalar(x0, 2), x1), 11);
    ct_tensor *b = ct_sub_scalar(ct_add(x0, ct_pow_scalar(x1, 2)), 7);
    return ct_add(ct_pow_scalar(a, 2), ct_pow_scalar(b, 2));
}

static double run_himmelblau(void) {
    ct_tensor *x = ct_zeros(CT_SHAPE(2), .requires_grad = true);
    ct_optimizer *opt = ct_adam(CT_PARAMS(x), .lr = 1e-3);
    double t0 = bench_now();
    for (int step = 0; step < 20000; step++) {
        CT_SCOPE {
            ct_tensor *pred = himmelblau(x);
            ct_zero_grad(opt);
            ct_backward(pred);
            ct_step(opt);
        }
    }
    double t = bench_now() - t0;
    ct_optimizer_free(opt);
    ct_free(x);
    return t;
}

static double run_linreg(void) {
    ct_tensor *t_c = ct_from_floats(CT_SHAPE(11), 0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0);
    ct_tensor *t_u = ct_from_floats(CT_SHAPE(11), 35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4);
    ct_tensor *t_un = ct_mul_scalar(t_u, 0.1);
    ct_tensor *params = ct_from_floats(CT_SHAPE(2), 1.0, 0.0);
    ct_requires_grad_(params, true);
    double t0 = bench_now();
    for (int epoch = 1; epoch <= 5000; epoch++) {
        CT_SCOPE {
            ct_tensor *grad = ct_grad_of(params);
            if (grad) ct_zero_(grad);
            ct_tensor *t_p = ct_add(ct_mul(ct_select(params, 0, 0), t_un), ct_select(params, 0, 1));
            ct_tensor *loss = ct_mean(ct_pow_scalar(ct_sub(t_p, t_c), 2));
            ct_backward(loss);
            CT_NO_GRAD { ct_sub_(params, ct_mul_scalar(ct_grad_of(params), 1e-2)); }
        }
    }
    double t = bench_now() - t0;
    ct_free(params);
    ct_free(t_un);
    ct_free(t_u);
    ct_free(t_c);
    return t;
}

int main(int argc, char **argv) {
    bench_opts o;
    bench_setup(argc, argv, &o);
    bench_values ct;
    ct.n = 0;
    for (int i = 0; i < o.nthreads; i++) {
        ct_set_num_threads(o.threads[i]);
        double h = 1e30, l = 1e30;
        for (int r = 0; r < 3; r++) {
            double t = run_himmelblau();
            if (t < h) h = t;
            t = run_linreg();
            if (t < l) l = t;
        }
        bench_result(&o, &ct, o.threads[i], "himmelblau_s", h);
        bench_result(&o, &ct, o.threads[i], "linreg_s", l);
    }
    bench_finish(&o, "w3_steps.py", NULL, metrics, 2, &ct);
    return 0;
}
