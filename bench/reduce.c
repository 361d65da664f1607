/*
 * bench/reduce.c - GB/s (input bytes read per second) of reductions on 16M
 * float32 elements, with 1 and 2 threads, best of several runs; and, in the
 * same run, the same calls in PyTorch through /usr/bin/python3 when it is
 * there, with the ratio ctorch / PyTorch. A benchmark: it prints, it never fails.
 *
 *     ./bench_reduce                       # ctorch and PyTorch
 *     CT_BENCH_NO_TORCH=1 ./bench_reduce   # ctorch only
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ctorch.h>

#define N (1 << 24) /* 16M elements, 64 MB */
#define RUNS 10

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The workloads, in the order the python script prints them. */
enum { SUM_ALL, SUM_DIM0, SUM_DIM1, AMAX_ALL, ARGMAX_ALL, MEAN_DIM1, VAR_ALL, NWORK };
static const char *const names[NWORK] = {
    "sum(x)", "sum(x[4096,4096], 0)", "sum(x[4096,4096], 1)", "amax(x)", "argmax(x)",
    "mean(x[4096,4096], 1)", "var(x)"};

static ct_tensor *run(int w, ct_tensor *x, ct_tensor *m) {
    switch (w) {
    case SUM_ALL: return ct_sum(x);
    case SUM_DIM0: return ct_sum_dims(m, CT_DIMS(0), false);
    case SUM_DIM1: return ct_sum_dims(m, CT_DIMS(1), false);
    case AMAX_ALL: return ct_amax(x, CT_SHAPE0, false);
    case ARGMAX_ALL: return ct_argmax(x);
    case MEAN_DIM1: return ct_mean_dims(m, CT_DIMS(1), false);
    default: return ct_var(x);
    }
}

/* Best GB/s of workload w. */
static double bench_ct(int w, ct_tensor *x, ct_tensor *m) {
    double best = 1e30;
    ct_free(run(w, x, m)); /* warm up */
    for (int r = 0; r < RUNS; r++) {
        double t0 = now();
        ct_tensor *y = run(w, x, m);
        double t = now() - t0;
        ct_free(y);
        if (t < best) best = t;
    }
    return 4.0 * N / best / 1e9;
}

/* PyTorch's GB/s for the same workloads; false when python3 or torch is missing. */
static bool bench_torch(double gbs[2][NWORK]) {
    if (getenv("CT_BENCH_NO_TORCH")) return false;
    const char *script =
        "/usr/bin/python3 -c '\n"
        "import time, torch\n"
        "x = torch.rand(1 << 24); m = x.view(4096, 4096)\n"
        "work = [lambda: x.sum(), lambda: m.sum(0), lambda: m.sum(1), lambda: x.amax(),\n"
        "        lambda: x.argmax(), lambda: m.mean(1), lambda: x.var()]\n"
        "for th in (1, 2):\n"
        "    torch.set_num_threads(th)\n"
        "    for i, f in enumerate(work):\n"
        "        f(); best = 1e30\n"
        "        for _ in range(10):\n"
        "            t0 = time.perf_counter(); f(); best = min(best, time.perf_counter() - t0)\n"
        "        print(th, i, 4 * (1 << 24) / best / 1e9)\n"
        "' 2>/dev/null";
    FILE *p = popen(script, "r");
    if (!p) return false;
    int got = 0, th, i;
    double g;
    while (fscanf(p, "%d %d %lf", &th, &i, &g) == 3)
        if ((th == 1 || th == 2) && i >= 0 && i < NWORK) {
            gbs[th - 1][i] = g;
            got++;
        }
    pclose(p);
    return got == 2 * NWORK;
}

int main(void) {
    double ct[2][NWORK] = {{0}}, torch[2][NWORK] = {{0}};
    CT_SCOPE {
        ct_tensor *x = ct_rand(CT_SHAPE(N));
        ct_tensor *m = ct_view(x, CT_SHAPE(4096, 4096));
        for (int th = 1; th <= 2; th++) {
            ct_set_num_threads(th);
            for (int w = 0; w < NWORK; w++) ct[th - 1][w] = bench_ct(w, x, m);
        }
    }
    bool have_torch = bench_torch(torch);
    printf("float32, 16M elements; GB/s of input read (best of %d)\n", RUNS);
    printf("%-8s %-24s %12s %12s %8s\n", "threads", "op", "ctorch GB/s", "torch GB/s", "ratio");
    for (int th = 1; th <= 2; th++)
        for (int w = 0; w < NWORK; w++) {
            if (have_torch)
                printf("%-8d %-24s %12.1f %12.1f %8.2f\n", th, names[w], ct[th - 1][w],
                       torch[th - 1][w], ct[th - 1][w] / torch[th - 1][w]);
            else
                printf("%-8d %-24s %12.1f %12s %8s\n", th, names[w], ct[th - 1][w], "-", "-");
        }
    return 0;
}
