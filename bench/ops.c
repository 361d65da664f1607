/*
 * bench/ops.c - tensor operation throughput beside PyTorch (issue 3), in the
 * same run, threads 1 and 2:
 *
 *   add of two 16M-element float32 tensors, GB/s (12 bytes moved per
 *     element): into an existing output (ct_add_out / torch.add(out=)) and
 *     with a new output each call (ct_add / a + b);
 *   sum of 16M floats, GB/s (4 bytes per element);
 *   mm of n x n float32 matrices at n = 256, 1024, 2048, GFLOP/s (2 n^3);
 *   one eager 1-element add, ns per call (ct_add + ct_free vs a + b).
 *
 * Best of several runs each. The PyTorch side is bench/ops.py.
 * A benchmark: it prints, it never fails.
 *
 *     ./bench_ops                     # ctorch, PyTorch, table with ratios
 *     ./bench_ops --raw --threads 1   # ctorch's result lines only
 */
#include "bench_common.h"

#define BIG (16LL * 1024 * 1024)

static const bench_metric metrics[] = {
    {"add_out_gbs", "add 16M floats, into existing out", "GB/s", true},
    {"add_new_gbs", "add 16M floats, new output", "GB/s", true},
    {"sum_gbs", "sum 16M floats", "GB/s", true},
    {"mm256_gflops", "mm n=256", "GFLOP/s", true},
    {"mm1024_gflops", "mm n=1024", "GFLOP/s", true},
    {"mm2048_gflops", "mm n=2048", "GFLOP/s", true},
    {"add1_ns", "1-element add (eager call)", "ns", false},
};
#define NMETRICS ((int)(sizeof metrics / sizeof metrics[0]))

/* The best time of `runs` calls of body (after one untimed call). */
#define BEST_OF(runs, best, body)                                                       \
    do {                                                                                \
        body;                                                                           \
        best = 1e30;                                                                    \
        for (int r_ = 0; r_ < (runs); r_++) {                                           \
            double t0_ = bench_now();                                                   \
            body;                                                                       \
            double t_ = bench_now() - t0_;                                              \
            if (t_ < best) best = t_;                                                   \
        }                                                                               \
    } while (0)

static void bench_threads(const bench_opts *o, bench_values *vs, int th) {
    ct_set_num_threads(th);
    double t;
    CT_SCOPE {
        ct_tensor *a = ct_randn(CT_SHAPE(BIG)), *b = ct_randn(CT_SHAPE(BIG)), *out = ct_empty(CT_SHAPE(BIG));
        BEST_OF(10, t, ct_add_out(out, a, b));
        bench_result(o, vs, th, "add_out_gbs", 12.0 * (double)BIG / t / 1e9);
        BEST_OF(10, t, ct_free(ct_add(a, b)));
        bench_result(o, vs, th, "add_new_gbs", 12.0 * (double)BIG / t / 1e9);
        BEST_OF(10, t, ct_free(ct_sum(a)));
        bench_result(o, vs, th, "sum_gbs", 4.0 * (double)BIG / t / 1e9);
    }
    const int64_t sizes[3] = {256, 1024, 2048};
    const int runs[3] = {50, 8, 4};
    const char *keys[3] = {"mm256_gflops", "mm1024_gflops", "mm2048_gflops"};
    for (int i = 0; i < 3; i++) {
        int64_t n = sizes[i];
        CT_SCOPE {
            ct_tensor *a = ct_randn(CT_SHAPE(n, n)), *b = ct_randn(CT_SHAPE(n, n));
            BEST_OF(runs[i], t, ct_free(ct_mm(a, b)));
        }
        bench_result(o, vs, th, keys[i], 2.0 * (double)n * (double)n * (double)n / t / 1e9);
    }
    CT_SCOPE {
        ct_tensor *a = ct_ones(CT_SHAPE(1)), *b = ct_ones(CT_SHAPE(1));
        const int calls = 200000;
        BEST_OF(5, t, for (int i = 0; i < calls; i++) ct_free(ct_add(a, b)));
        bench_result(o, vs, th, "add1_ns", t / calls * 1e9);
    }
}

int main(int argc, char **argv) {
    bench_opts o;
    bench_setup(argc, argv, &o);
    ct_manual_seed(0);
    bench_values ct;
    ct.n = 0;
    for (int i = 0; i < o.nthreads; i++) bench_threads(&o, &ct, o.threads[i]);
    bench_finish(&o, "ops.py", NULL, metrics, NMETRICS, &ct);
    return 0;
}
