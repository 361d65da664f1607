/*
 * tests/kernels/test_conv_direct.c - src/kernels/conv_direct.c: the direct
 * float32 convolution (one input channel per group, stride 1) against the
 * float64 reference loops: forward with and without bias, the weight
 * gradient with and without the bias gradient, on random geometries (first
 * layers and depthwise ones, channel multipliers 1 to 9 so the blocks of
 * four come out whole and partial, kernels up to 5x5, dilation, padding
 * larger than the window and asymmetric, outputs smaller than the input,
 * batch 1) and on named ones big enough to run threaded, at one and two
 * threads; which geometries the kernels take, and that the ones they do not
 * take still come out right through CT_CONV_DIRECT; infinite and NaN inputs
 * giving the other paths' result.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../src/kernels/conv.h"
#include "conv_check.h"
#include "test.h"

/* A random stride-1 geometry with C == groups. */
static ct_conv_geom random_direct_geom(void) {
    ct_conv_geom g;
    g.groups = irand(1, 4);
    g.C = g.groups;
    g.O = g.groups * irand(1, 9);
    g.N = irand(1, 3);
    g.KH = irand(1, 5), g.KW = irand(1, 5);
    g.sh = g.sw = 1;
    g.dh = irand(1, 3), g.dw = irand(1, 3);
    g.ph = irand(0, g.KH + 1), g.pw = irand(0, g.KW + 1);
    int64_t bh = irand(0, g.KH + 1), bw = irand(0, g.KW + 1); /* bottom / right padding */
    int64_t span_h = (g.KH - 1) * g.dh + 1, span_w = (g.KW - 1) * g.dw + 1;
    int64_t minh = span_h - g.ph - bh, minw = span_w - g.pw - bw;
    g.H = irand(minh > 1 ? minh : 1, 20);
    g.W = irand(minw > 1 ? minw : 1, 20);
    g.OH = g.H + g.ph + bh - span_h + 1;
    g.OW = g.W + g.pw + bw - span_w + 1;
    return g;
}

/* The direct path (through the dispatch, impl DIRECT) against the float64 reference; false on a mismatch. */
static bool check_direct(const ct_conv_geom *g, bool nonfinite) {
    int64_t nx = g->N * g->C * g->H * g->W, ny = g->N * g->O * g->OH * g->OW;
    int64_t nw = g->O * (g->C / g->groups) * g->KH * g->KW;
    float *x = rand_f32(nx), *w = rand_f32(nw), *b = rand_f32(g->O), *gy = rand_f32(ny);
    if (nonfinite) { /* an infinity and a NaN on the right edge of the first image's first plane */
        x[g->W - 1] = INFINITY;
        if (nx > g->W) x[2 * g->W - 1 < nx ? 2 * g->W - 1 : nx - 1] = NAN;
    }
    float *y = rand_f32(ny), *gw = rand_f32(nw), *gb = rand_f32(g->O);
    double *xd = to_f64(x, nx), *wd = to_f64(w, nw), *bd = to_f64(b, g->O), *gyd = to_f64(gy, ny);
    double *yr = malloc((size_t)ny * sizeof *yr), *y0 = malloc((size_t)ny * sizeof *y0);
    double *gwr = malloc((size_t)nw * sizeof *gwr), *gbr = malloc((size_t)g->O * sizeof *gbr);
    ct__conv2d_forward_ref(CT_F64, g, xd, wd, bd, yr);
    ct__conv2d_forward_ref(CT_F64, g, xd, wd, NULL, y0);
    ct__conv2d_backward_weight_ref(CT_F64, g, xd, gyd, gwr);
    ct__conv2d_backward_bias_ref(CT_F64, g, gyd, gbr);
    int64_t kf = g->KH * g->KW, kw = g->N * g->OH * g->OW;
    double worst = 0;
    bool ran = ct__conv2d_forward(CT_F32, g, x, w, b, y, CT_CONV_DIRECT, "test") == 0;
    worst = fmax(worst, err_ratio(y, yr, ny, kf));
    ran = ran && ct__conv2d_forward(CT_F32, g, x, w, NULL, y, CT_CONV_DIRECT, "test") == 0;
    worst = fmax(worst, err_ratio(y, y0, ny, kf));
    ran = ran && ct__conv2d_backward_weight(CT_F32, g, x, gy, gw, CT_CONV_DIRECT, "test") == 0;
    worst = fmax(worst, err_ratio(gw, gwr, nw, kw));
    ran = ran && ct__conv2d_backward_weight_bias(CT_F32, g, x, gy, gw, gb, CT_CONV_DIRECT, "test") == 0;
    worst = fmax(worst, err_ratio(gw, gwr, nw, kw));
    worst = fmax(worst, err_ratio(gb, gbr, g->O, kw));
    /* err_ratio counts matching NaNs as mismatches: with non-finite inputs compare NaN-ness and the rest */
    if (nonfinite) {
        worst = 0;
        for (int64_t i = 0; i < nw; i++) {
            if (isnan(gw[i]) != isnan(gwr[i]) || (!isnan(gwr[i]) && isinf(gwr[i]) && gw[i] != gwr[i]))
                worst = INFINITY;
            else if (isfinite(gwr[i])) worst = fmax(worst, fabs(gw[i] - gwr[i]) / (4e-7 * (double)(kw + 8)));
        }
    }
    bool ok = geom_ok(g, ran, worst);
    void *bufs[] = {x, w, b, gy, y, gw, gb, xd, wd, bd, gyd, yr, y0, gwr, gbr};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
    return ok;
}

TEST(direct_matches_reference_on_random_geometries) {
    for (int threads = 1; threads <= 2; threads++) {
        ct_set_num_threads(threads);
        int bad = 0;
        for (int i = 0; i < 150; i++) {
            ct_conv_geom g = random_direct_geom();
            CHECK(ct__conv_direct_takes(&g));
            if (!check_direct(&g, false)) bad++;
        }
        CHECK_EQ_INT(bad, 0);
    }
}

TEST(direct_matches_reference_on_named_cases) {
    const ct_conv_geom cases[] = {
        /* N  C  H   W   O  KH KW OH OW sh sw ph pw dh dw groups */
        {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1},        /* everything 1 */
        {128, 1, 28, 28, 32, 3, 3, 28, 28, 1, 1, 1, 1, 1, 1, 1}, /* Fashion-MNIST CNN's first layer: threaded */
        {8, 1, 33, 31, 16, 7, 7, 27, 25, 1, 1, 0, 0, 1, 1, 1},   /* 7x7, no padding: output smaller */
        {4, 16, 30, 30, 16, 3, 3, 30, 30, 1, 1, 2, 2, 2, 2, 16}, /* depthwise, dilated: threaded */
        {3, 8, 17, 19, 24, 5, 5, 17, 19, 1, 1, 2, 2, 1, 1, 8},   /* depthwise with multiplier 3 */
        {2, 1, 9, 40, 5, 1, 8, 9, 33, 1, 1, 0, 0, 1, 1, 1},      /* a row kernel, 8 taps */
        {2, 1, 6, 6, 3, 2, 2, 6, 6, 1, 1, 0, 0, 1, 1, 1},        /* "same" with an even kernel: pad after */
        {1, 2, 5, 5, 2, 8, 8, 4, 4, 1, 1, 3, 3, 1, 1, 2},        /* 64 taps, padding wider than the image */
    };
    for (int threads = 1; threads <= 2; threads++) {
        ct_set_num_threads(threads);
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            CHECK(ct__conv_direct_takes(&cases[i]));
            CHECK(check_direct(&cases[i], false));
        }
    }
}

TEST(direct_declines_other_geometries_which_still_come_out_right) {
    const ct_conv_geom cases[] = {
        /* N  C  H   W   O  KH KW OH OW sh sw ph pw dh dw groups */
        {2, 1, 9, 9, 4, 3, 3, 5, 5, 2, 2, 1, 1, 1, 1, 1},   /* stride 2 */
        {2, 3, 8, 8, 4, 3, 3, 8, 8, 1, 1, 1, 1, 1, 1, 1},   /* three input channels */
        {2, 4, 8, 8, 4, 3, 3, 8, 8, 1, 1, 1, 1, 1, 1, 2},   /* groups of two channels */
        {1, 1, 12, 12, 2, 9, 9, 12, 12, 1, 1, 4, 4, 1, 1, 1}, /* 81 taps */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        CHECK(!ct__conv_direct_takes(&cases[i]));
        CHECK(check_direct(&cases[i], false));
    }
}

TEST(direct_weight_grad_of_nonfinite_input_matches_the_reference) {
    const ct_conv_geom cases[] = {
        {2, 1, 6, 7, 5, 3, 3, 6, 7, 1, 1, 1, 1, 1, 1, 1},
        {1, 3, 5, 9, 3, 1, 3, 5, 9, 1, 1, 0, 1, 1, 1, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) CHECK(check_direct(&cases[i], true));
}
