/*
 * bench/w4_conv.c - workload W4's convolution rows of `make bench` (issue 7's
 * two shapes): Conv2d on input [64, 64, 32, 32] with weight [64, 64, 3, 3],
 * and the Fashion-MNIST CNN's first layer, input [128, 1, 28, 28] with
 * weight [32, 1, 3, 3]; bias, padding 1.
 *
 *   conv_fwd_ms, conv1_fwd_ms: the forward alone, under no-grad;
 *   conv_fwdbwd_ms, conv1_fwdbwd_ms: forward, then backward of a given
 *     all-ones gradient into the weight, the bias and (the first shape only;
 *     a network's input needs none) the input; gradients are cleared, set to
 *     None, before each run.
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
    {"conv1_fwd_ms", "Conv2d fwd [128,1,28,28]x[32,1,3,3] (CNN's first layer)", "ms", false},
    {"conv1_fwdbwd_ms", "first layer fwd+bwd (weight, bias)", "ms", false},
};

typedef struct {
    const char *fwd_key, *fwdbwd_key;
    int64_t n, c, hw, o;
    bool input_grad; /* a network's input needs no gradient */
} conv_case;

static const conv_case cases[] = {
    {"conv_fwd_ms", "conv_fwdbwd_ms", 64, 64, 32, 64, true},
    {"conv1_fwd_ms", "conv1_fwdbwd_ms", 128, 1, 28, 32, false},
};

/* Best-of-5 forward and forward+backward milliseconds of one case at the current thread count. */
static void run_case(const conv_case *cc, double *fwd_ms, double *fwdbwd_ms) {
    ct_manual_seed(0);
    ct_tensor *x = ct_randn(CT_SHAPE(cc->n, cc->c, cc->hw, cc->hw), .requires_grad = cc->input_grad);
    ct_tensor *w = ct_randn(CT_SHAPE(cc->o, cc->c, 3, 3), .requires_grad = true);
    ct_tensor *b = ct_randn(CT_SHAPE(cc->o), .requires_grad = true);
    ct_tensor *g = ct_ones(CT_SHAPE(cc->n, cc->o, cc->hw, cc->hw));
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
    *fwd_ms = fwd * 1e3;
    *fwdbwd_ms = fb * 1e3;
    ct_free(x);
    ct_free(w);
    ct_free(b);
    ct_free(g);
}

int main(int argc, char **argv) {
    bench_opts o;
    bench_setup(argc, argv, &o);
    bench_values ct;
    ct.n = 0;
    for (int i = 0; i < o.nthreads; i++) {
        ct_set_num_threads(o.threads[i]);
        for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
            double fwd, fb;
            run_case(&cases[k], &fwd, &fb);
            bench_result(&o, &ct, o.threads[i], cases[k].fwd_key, fwd);
            bench_result(&o, &ct, o.threads[i], cases[k].fwdbwd_key, fb);
        }
    }
    bench_finish(&o, "w4_conv.py", NULL, metrics, 4, &ct);
    return 0;
}
