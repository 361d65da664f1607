/*
 * bench/autograd.c - the cost of one training step of a tiny network beside
 * PyTorch (issue 4), in the same run, threads 1 and 2: microseconds per
 * iteration of forward + loss + zero_grad + backward + a manual SGD step
 * under no-grad (p -= lr * p.grad for every parameter) for
 * Linear(4,8)-ReLU-Linear(8,1) on a batch of 4 with an MSE loss. At this
 * size the time is all per-op overhead: graph building, dispatch, allocation.
 * Best of 3 runs. The PyTorch side is bench/autograd.py.
 * A benchmark: it prints, it never fails.
 *
 *     ./bench_autograd                     # ctorch, PyTorch, table with ratios
 *     ./bench_autograd --raw --threads 1   # ctorch's result lines only
 */
#include "bench_common.h"

static const bench_metric metrics[] = {
    {"tiny_mlp_us", "tiny MLP step (fwd+bwd+SGD)", "us", false},
};

/* One run of `iters` steps; returns the seconds it took. */
static double run(int iters) {
    ct_manual_seed(0);
    ct_module *net = ct_nn_sequential(ct_nn_linear(4, 8), ct_nn_relu(), ct_nn_linear(8, 1), NULL);
    /* the module's parameters (copied: the list ct_parameters returns is valid only until the next walk) */
    ct_tensor_list list = ct_parameters(net);
    ct_tensor *params[4];
    const int np = list.n < 4 ? list.n : 4;
    for (int p = 0; p < np; p++) params[p] = list.items[p];
    ct_tensor *x = ct_randn(CT_SHAPE(4, 4)), *y = ct_randn(CT_SHAPE(4, 1));
    const double lr = 0.01;
    double t0 = bench_now();
    for (int i = 0; i < iters; i++) {
        CT_SCOPE {
            ct_tensor *loss = ct_mse_loss(ct_forward(net, x), y);
            ct_module_zero_grad(net, true);
            ct_backward(loss);
            CT_NO_GRAD {
                for (int p = 0; p < np; p++) ct_sub_(params[p], ct_mul_scalar(ct_grad_of(params[p]), lr));
            }
        }
    }
    double t = bench_now() - t0;
    ct_free(x);
    ct_free(y);
    ct_module_free(net);
    return t;
}

int main(int argc, char **argv) {
    bench_opts o;
    bench_setup(argc, argv, &o);
    bench_values ct;
    ct.n = 0;
    const int iters = 20000;
    for (int i = 0; i < o.nthreads; i++) {
        ct_set_num_threads(o.threads[i]);
        run(iters / 10); /* warm up */
        double best = 1e30;
        for (int r = 0; r < 3; r++) {
            double t = run(iters);
            if (t < best) best = t;
        }
        bench_result(&o, &ct, o.threads[i], "tiny_mlp_us", best / iters * 1e6);
    }
    bench_finish(&o, "autograd.py", NULL, metrics, 1, &ct);
    return 0;
}
