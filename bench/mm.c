/*
 * bench/mm.c - GFLOP/s of ct_mm on square float32 matrices (n = 256, 1024,
 * 2048) with 1 and 2 threads, best of several runs; and, in the same run,
 * torch.mm on the same sizes through /usr/bin/python3 when PyTorch is there,
 * with the ratio ctorch / PyTorch. A benchmark: it prints, it never fails.
 *
 *     ./bench_mm                         # ctorch and PyTorch
 *     CT_BENCH_NO_TORCH=1 ./bench_mm     # ctorch only
 *     OPENBLAS_CORETYPE=SkylakeX ./bench_mm   # both use that OpenBLAS core
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ctorch.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Runs per size: enough that the best run is stable, few enough to stay quick. */
static int runs_for(int64_t n) { return n <= 256 ? 50 : n <= 1024 ? 8 : 4; }

/* Best GFLOP/s of ct_mm(a, b) for n x n float32 matrices. */
static double bench_ct(int64_t n) {
    double best = 1e30;
    CT_SCOPE {
        ct_tensor *a = ct_randn(CT_SHAPE(n, n)), *b = ct_randn(CT_SHAPE(n, n));
        ct_free(ct_mm(a, b)); /* warm up: thread pool, allocator cache */
        for (int r = 0; r < runs_for(n); r++) {
            double t0 = now();
            ct_tensor *c = ct_mm(a, b);
            double t = now() - t0;
            ct_free(c);
            if (t < best) best = t;
        }
    }
    return 2.0 * (double)n * (double)n * (double)n / best / 1e9;
}

/*
 * The same measurement in PyTorch; fills gflops[threads-1][size] and returns
 * false when python3 or torch is missing.
 */
static bool bench_torch(const int64_t *sizes, int nsizes, double gflops[2][3]) {
    if (getenv("CT_BENCH_NO_TORCH")) return false;
    const char *script =
        "/usr/bin/python3 -c '\n"
        "import time, torch\n"
        "for th in (1, 2):\n"
        "    torch.set_num_threads(th)\n"
        "    for n, runs in ((256, 50), (1024, 8), (2048, 4)):\n"
        "        a, b = torch.randn(n, n), torch.randn(n, n)\n"
        "        torch.mm(a, b)\n"
        "        best = 1e30\n"
        "        for _ in range(runs):\n"
        "            t0 = time.perf_counter(); torch.mm(a, b); best = min(best, time.perf_counter() - t0)\n"
        "        print(th, n, 2 * n ** 3 / best / 1e9)\n"
        "' 2>/dev/null";
    FILE *p = popen(script, "r");
    if (!p) return false;
    int got = 0, th;
    long long n;
    double g;
    while (fscanf(p, "%d %lld %lf", &th, &n, &g) == 3)
        for (int i = 0; i < nsizes; i++)
            if (sizes[i] == n && (th == 1 || th == 2)) {
                gflops[th - 1][i] = g;
                got++;
            }
    pclose(p);
    return got == 2 * nsizes;
}

int main(void) {
    const int64_t sizes[3] = {256, 1024, 2048};
    const char *core = getenv("OPENBLAS_CORETYPE");
    printf("%s\n", ct_build_info());
    printf("OPENBLAS_CORETYPE=%s\n", core ? core : "(unset)");
    double ct[2][3] = {{0}}, torch[2][3] = {{0}};
    for (int th = 1; th <= 2; th++) {
        ct_set_num_threads(th);
        for (int i = 0; i < 3; i++) ct[th - 1][i] = bench_ct(sizes[i]);
    }
    bool have_torch = bench_torch(sizes, 3, torch);
    printf("%-8s %-7s %14s %14s %8s\n", "threads", "n", "ctorch GFLOP/s", "torch GFLOP/s", "ratio");
    for (int th = 1; th <= 2; th++)
        for (int i = 0; i < 3; i++) {
            if (have_torch)
                printf("%-8d %-7lld %14.1f %14.1f %8.2f\n", th, (long long)sizes[i], ct[th - 1][i],
                       torch[th - 1][i], ct[th - 1][i] / torch[th - 1][i]);
            else
                printf("%-8d %-7lld %14.1f %14s %8s\n", th, (long long)sizes[i], ct[th - 1][i], "-",
                       "-");
        }
    return 0;
}
