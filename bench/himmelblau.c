/*
 * bench/himmelblau.c - the notes' himmelblau loop: x from (0, 0), Adam lr
 * 1e-3, 20,000 steps of forward + zero_grad + backward + step, timed in
 * ctorch and, in the same run, in PyTorch (bench/himmelblau.py through
 * /usr/bin/python3), best of 3 runs each, one thread. A benchmark: it prints,
 * it never fails.
 *
 *     ./bench_himmelblau                       # ctorch and PyTorch
 *     CT_BENCH_NO_TORCH=1 ./bench_himmelblau   # ctorch only
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ctorch.h>

#define STEPS 20000
#define RUNS 3

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2, as the notes write it */
static ct_tensor *himmelblau(ct_tensor *x) {
    ct_tensor *x0 = ct_select(x, 0, 0), *x1 = ct_select(x, 0, 1);
    ct_tensor *a = ct_sub_scalar(ct_add(ct_pow_scalar(x0, 2), x1), 11);
    ct_tensor *b = ct_sub_scalar(ct_add(x0, ct_pow_scalar(x1, 2)), 7);
    return ct_add(ct_pow_scalar(a, 2), ct_pow_scalar(b, 2));
}

/* One 20,000-step run; returns its time and leaves x and f(x) in out[0..2]. */
static double run(double out[3]) {
    ct_tensor *x = ct_zeros(CT_SHAPE(2), .requires_grad = true);
    ct_optimizer *opt = ct_adam(CT_PARAMS(x), .lr = 1e-3);
    double t0 = now();
    for (int step = 0; step < STEPS; step++) {
        CT_SCOPE {
            ct_tensor *pred = himmelblau(x);
            ct_zero_grad(opt);
            ct_backward(pred);
            ct_step(opt);
        }
    }
    double t = now() - t0;
    CT_SCOPE {
        out[0] = ct_get(x, (int64_t[]){0});
        out[1] = ct_get(x, (int64_t[]){1});
        out[2] = ct_item(himmelblau(x));
    }
    ct_optimizer_free(opt);
    ct_free(x);
    return t;
}

/* PyTorch's best time (and its x, f) from bench/himmelblau.py; false when unavailable. */
static bool run_torch(double *t, double out[3]) {
    if (getenv("CT_BENCH_NO_TORCH")) return false;
    /* the script sits beside this file (CMake compiles it by its absolute path) */
    char dir[768];
    snprintf(dir, sizeof dir, "%s", __FILE__);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    else snprintf(dir, sizeof dir, "bench");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/himmelblau.py' %d 2>/dev/null", dir, RUNS);
    FILE *p = popen(cmd, "r");
    if (!p) return false;
    int got = fscanf(p, "%lf %lf %lf %lf", t, &out[0], &out[1], &out[2]);
    pclose(p);
    return got == 4;
}

int main(void) {
    ct_set_num_threads(1);
    double best = 1e30, res[3] = {0}, tres[3] = {0}, tt = 0;
    for (int r = 0; r < RUNS; r++) {
        double t = run(res);
        if (t < best) best = t;
    }
    bool have_torch = run_torch(&tt, tres);
    printf("himmelblau, Adam lr 1e-3, %d steps (forward + zero_grad + backward + step), best of %d\n",
           STEPS, RUNS);
    printf("%-8s %10s %14s %14s %12s\n", "", "seconds", "x0", "x1", "f(x)");
    printf("%-8s %10.4f %14.9g %14.9g %12.3g\n", "ctorch", best, res[0], res[1], res[2]);
    if (have_torch) {
        printf("%-8s %10.4f %14.9g %14.9g %12.3g\n", "pytorch", tt, tres[0], tres[1], tres[2]);
        printf("ctorch is %.1fx faster (%.2f us per step vs %.2f us)\n", tt / best,
               1e6 * best / STEPS, 1e6 * tt / STEPS);
    } else {
        printf("%-8s %10s\n", "pytorch", "-");
    }
    return 0;
}
