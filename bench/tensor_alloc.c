/*
 * bench/tensor_alloc.c - the cost of making and releasing a small tensor:
 * ns per ct_zeros(CT_SHAPE(1)) + release, inside a scope (the scope releases
 * it at the end of each iteration) and outside one (ct_free). This is the
 * per-op overhead every small op pays on top of its arithmetic; the goal is
 * under 200 ns. A benchmark, not a test: it prints and never fails.
 *
 * Usage: bench_tensor_alloc [iterations]   (default 4,000,000; best of 5)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ctorch.h"

#define REPS 5

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double in_scope(long n) {
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        CT_SCOPE { ct_zeros(CT_SHAPE(1)); }
    }
    return (now_ns() - t0) / (double)n;
}

static double one_scope_many_tensors(long n) {
    /* One scope around a batch of 1000: the scope's entry array grows, then closes at once. */
    double t0 = now_ns();
    for (long i = 0; i < n; i += 1000) {
        CT_SCOPE {
            for (int k = 0; k < 1000; k++) ct_zeros(CT_SHAPE(1));
        }
    }
    return (now_ns() - t0) / (double)(n / 1000 * 1000);
}

static double no_scope(long n) {
    double t0 = now_ns();
    for (long i = 0; i < n; i++) ct_free(ct_zeros(CT_SHAPE(1)));
    return (now_ns() - t0) / (double)n;
}

static double empty_no_scope(long n) {
    double t0 = now_ns();
    for (long i = 0; i < n; i++) ct_free(ct_empty(CT_SHAPE(1)));
    return (now_ns() - t0) / (double)n;
}

static double best(double (*fn)(long), long n) {
    double b = 1e30;
    for (int r = 0; r < REPS; r++) {
        double t = fn(n);
        if (t < b) b = t;
    }
    return b;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 4000000;
    if (n < 1000) n = 1000;
    printf("tensor_alloc: create + release a 1-element float32 tensor, %ld iterations, best of %d\n",
           n, REPS);
    printf("  %-44s %7.1f ns\n", "CT_SCOPE { ct_zeros(CT_SHAPE(1)); }", best(in_scope, n));
    printf("  %-44s %7.1f ns\n", "one scope, 1000 x ct_zeros per scope", best(one_scope_many_tensors, n));
    printf("  %-44s %7.1f ns\n", "ct_free(ct_zeros(CT_SHAPE(1)))", best(no_scope, n));
    printf("  %-44s %7.1f ns\n", "ct_free(ct_empty(CT_SHAPE(1)))", best(empty_no_scope, n));
    printf("  target: under 200 ns per create/free pair; live tensors at exit: %ld\n",
           ct_live_tensors());
    return 0;
}
