/*
 * tests/kernels/conv_check.h - what the convolution kernel tests share: a
 * seeded random source, float buffers and their float64 copies, the error
 * of a float32 result against a float64 reference in units of its
 * tolerance, and the verdict on a geometry (with its description when it
 * fails).
 */
#ifndef CT_TESTS_CONV_CHECK_H
#define CT_TESTS_CONV_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../src/kernels/conv.h"

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint64_t next_u64(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static int64_t irand(int64_t lo, int64_t hi) { return lo + (int64_t)(next_u64() % (uint64_t)(hi - lo + 1)); }
static float frand(void) { return (float)((double)(next_u64() >> 11) / 4503599627370496.0 - 1.0); }

static float *rand_f32(int64_t n) {
    float *p = malloc((size_t)(n > 0 ? n : 1) * sizeof *p);
    for (int64_t i = 0; i < n; i++) p[i] = frand();
    return p;
}

static double *to_f64(const float *p, int64_t n) {
    double *d = malloc((size_t)(n > 0 ? n : 1) * sizeof *d);
    for (int64_t i = 0; i < n; i++) d[i] = p[i];
    return d;
}

/* Largest |a - ref| over n elements over the tolerance of a sum of `terms` products of values in [-1, 1]. */
static double err_ratio(const float *a, const double *ref, int64_t n, int64_t terms) {
    double tol = 4e-7 * (double)(terms + 8), worst = 0;
    for (int64_t i = 0; i < n; i++) {
        double e = fabs((double)a[i] - ref[i]) / tol;
        if (!(e <= worst)) worst = isnan(e) ? INFINITY : e;
    }
    return worst;
}

static void describe(const ct_conv_geom *g, char *buf, size_t n) {
    snprintf(buf, n, "N%lld C%lld %lldx%lld O%lld k%lldx%lld s%lld,%lld p%lld,%lld d%lld,%lld g%lld -> %lldx%lld",
             (long long)g->N, (long long)g->C, (long long)g->H, (long long)g->W, (long long)g->O, (long long)g->KH,
             (long long)g->KW, (long long)g->sh, (long long)g->sw, (long long)g->ph, (long long)g->pw,
             (long long)g->dh, (long long)g->dw, (long long)g->groups, (long long)g->OH, (long long)g->OW);
}

/* True when the paths ran and stayed within tolerance; otherwise says which geometry failed, and how. */
static bool geom_ok(const ct_conv_geom *g, bool ran, double worst) {
    if (ran && worst <= 1) return true;
    char d[256];
    describe(g, d, sizeof d);
    fprintf(stderr, "  %s: %s (error / tolerance %.3g)\n", d, ran ? "mismatch" : "a call failed", worst);
    return false;
}

#endif
