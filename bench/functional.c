/*
 * bench/functional.c - forward + backward time of the layers a training loop
 * spends its time in: batch_norm on [128, 32, 28, 28] and linear
 * [512, 784] x [256, 784]^T + bias, best of several runs; and, in the same
 * run, the same calls in PyTorch through /usr/bin/python3 when it is there.
 * A benchmark: it prints, it never fails.
 *
 *     ./bench_functional                       # ctorch and PyTorch
 *     CT_BENCH_NO_TORCH=1 ./bench_functional   # ctorch only
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <ctorch.h>

#define RUNS 20

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

enum { BN, LINEAR, NWORK };
static const char *const names[NWORK] = {"batch_norm [128,32,28,28] fwd+bwd", "linear [512,784]x[256,784] fwd+bwd"};

/* One forward + backward of workload w; returns seconds. */
static double step(int w, ct_tensor *x, ct_tensor *p1, ct_tensor *p2, ct_tensor *rm, ct_tensor *rv) {
    double t0 = now();
    CT_SCOPE {
        ct_tensor *y = w == BN ? ct_batch_norm(x, rm, rv, p1, p2, true, 0.1, 1e-5) : ct_linear(x, p1, p2);
        ct_backward(y, .gradient = ct_ones_like(y));
    }
    double t = now() - t0;
    ct_set_grad(x, NULL);
    ct_set_grad(p1, NULL);
    ct_set_grad(p2, NULL);
    return t;
}

static double bench_ct(int w) {
    double best = 1e30;
    ct_manual_seed(0);
    ct_tensor *x = w == BN ? ct_randn(CT_SHAPE(128, 32, 28, 28), .requires_grad = true)
                           : ct_randn(CT_SHAPE(512, 784), .requires_grad = true);
    ct_tensor *p1 = w == BN ? ct_ones(CT_SHAPE(32), .requires_grad = true) : ct_randn(CT_SHAPE(256, 784), .requires_grad = true);
    ct_tensor *p2 = w == BN ? ct_zeros(CT_SHAPE(32), .requires_grad = true) : ct_zeros(CT_SHAPE(256), .requires_grad = true);
    ct_tensor *rm = ct_zeros(CT_SHAPE(32)), *rv = ct_ones(CT_SHAPE(32));
    step(w, x, p1, p2, rm, rv); /* warm up */
    for (int r = 0; r < RUNS; r++) {
        double t = step(w, x, p1, p2, rm, rv);
        if (t < best) best = t;
    }
    ct_tensor *all[] = {x, p1, p2, rm, rv};
    for (int i = 0; i < 5; i++) ct_free(all[i]);
    return best;
}

static const char *torch_script =
    "import time, torch, torch.nn.functional as F\n"
    "torch.manual_seed(0)\n"
    "def best(f):\n"
    "    f(); b = 1e30\n"
    "    for _ in range(20):\n"
    "        t = time.perf_counter(); f(); b = min(b, time.perf_counter() - t)\n"
    "    return b\n"
    "x = torch.randn(128, 32, 28, 28, requires_grad=True)\n"
    "w = torch.ones(32, requires_grad=True); b = torch.zeros(32, requires_grad=True)\n"
    "rm, rv = torch.zeros(32), torch.ones(32)\n"
    "def bn():\n"
    "    y = F.batch_norm(x, rm, rv, w, b, True, 0.1, 1e-5); y.backward(torch.ones_like(y))\n"
    "    x.grad = w.grad = b.grad = None\n"
    "print(best(bn))\n"
    "xl = torch.randn(512, 784, requires_grad=True)\n"
    "wl = torch.randn(256, 784, requires_grad=True); bl = torch.zeros(256, requires_grad=True)\n"
    "def lin():\n"
    "    y = F.linear(xl, wl, bl); y.backward(torch.ones_like(y))\n"
    "    xl.grad = wl.grad = bl.grad = None\n"
    "print(best(lin))\n";

/* PyTorch's times for the workloads, or false when python/torch is missing. */
static bool bench_torch(double *out, int threads) {
    if (getenv("CT_BENCH_NO_TORCH")) return false;
    FILE *f = fopen("/tmp/ct_bench_functional.py", "w");
    if (!f) return false;
    fputs(torch_script, f);
    fclose(f);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=%d /usr/bin/python3 -c \"import torch; torch.set_num_threads(%d); "
             "exec(open('/tmp/ct_bench_functional.py').read())\" 2>/dev/null", threads, threads);
    FILE *p = popen(cmd, "r");
    if (!p) return false;
    bool ok = true;
    for (int w = 0; w < NWORK; w++) ok = ok && fscanf(p, "%lf", &out[w]) == 1;
    pclose(p);
    remove("/tmp/ct_bench_functional.py");
    return ok;
}

int main(void) {
    int threads[] = {1, 2};
    for (int k = 0; k < 2; k++) {
        ct_set_num_threads(threads[k]);
        double ct[NWORK], pt[NWORK];
        for (int w = 0; w < NWORK; w++) ct[w] = bench_ct(w);
        bool have = bench_torch(pt, threads[k]);
        printf("threads=%d\n", threads[k]);
        for (int w = 0; w < NWORK; w++) {
            if (have)
                printf("  %-38s ctorch %8.3f ms   pytorch %8.3f ms   ratio %.2f\n", names[w], ct[w] * 1e3,
                       pt[w] * 1e3, ct[w] / pt[w]);
            else
                printf("  %-38s ctorch %8.3f ms\n", names[w], ct[w] * 1e3);
        }
    }
    return 0;
}
