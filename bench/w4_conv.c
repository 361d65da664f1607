/*
 * bench/w4_conv.c - workload W4's convolution rows of `make bench`: Conv2d on
 * input [64, 64, 32, 32] with weight [64, 64, 3, 3], bias, padding 1.
 *
 *   conv_fwd_ms: the forward alone, under no-grad;
 *   conv_fwdbwd_ms: forward, then backward of a given all-ones gradient into
 *     the input, the weight and the bias (all three require grad; their
 *     gradients are cleared, set to None, before each run).
 *
 * Milliseconds per call, best of 5 (after one untimed call). W4's other rows
 * (mm, add, sum) come from bench_ops. The PyTorch side is bench/w4_conv.py.
 * A benchmark: it prints, it never fails.
 *
 *     ./bench_w4_conv [--threads 1,2] [--raw]
 */
#include "bench_common.h"

static const bench_metric metrics[] = {
    {"conv_fwd_ms", "Conv2d fwd [64,64,32,32]x[64,64,3,3]", "ms", false},
    {"conv_fwdbwd_ms", "Conv2d fwd+bwd, same shapes", "ms", false},
};

int main(int argc, char **argv) {
    bench_opts o;
    bench_setup(argc, argv, &o);
    bench_values ct;
    ct.n = 0;
    ct_manual_seed(0);
    ct_tensor *x = ct_randn(CT_SHAPE(64, 64, 32, 32), .requires_grad = true);
    ct_tensor *w = ct_randn(CT_SHAPE(64, 64, 3, 3), .requires_grad = true);
    ct_tensor *b = ct_randn(CT_SHAPE(64), .requires_grad = true);
    ct_tensor *g = ct_ones(CT_SHAPE(64, 64, 32, 32));
    for (int i = 0; i < o.nthreads; i++) {
        ct_set_num_threads(o.threads[i]);
        double fwd = 1e30, fb = 1e30;
        for (int r = -1; r < 5; r++) {
            double t0 = bench_now();
            CT_NO_GRAD { ct_free(ct_conv2d(x, w, b, .padding = CT_SHAPE(1, 1))); }
            double t = bench_now() - t0;
            if (r >= 0 && t < fwd) fwd = t;
        }
        for (int r = -1; r < 5; r++) {
            ct_clear_grad(x);
            ct_clear_grad(w);
            ct_clear_grad(b);
            double t0 = bench_now();
            CT_SCOPE { ct_backward_with(ct_conv2d(x, w, b, .padding = CT_SHAPE(1, 1)), g); }
            double t = bench_now() - t0;
            if (r >= 0 && t < fb) fb = t;
        }
        bench_result(&o, &ct, o.threads[i], "conv_fwd_ms", fwd * 1e3);
        bench_result(&o, &ct, o.threads[i], "conv_fwdbwd_ms", fb * 1e3);
    }
    ct_free(x);
    ct_free(w);
    ct_free(b);
    ct_free(g);
    bench_finish(&o, "w4_conv.py", NULL, metrics, 2, &ct);
    return 0;
}
