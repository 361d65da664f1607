/*
 * tests/kernels/test_dnnl_conv.c - src/kernels/dnnl_conv.c: the oneDNN
 * convolution products (forward with and without bias, gradient of the
 * input, gradient of the weight with and without the bias gradient taken
 * in the same call, and the whole backward in one call) against the
 * im2col + GEMM path and the
 * float64 reference loops, on random geometries with groups, dilation,
 * strides, asymmetric padding, odd sizes and batch 1, on both the plain and
 * the blocked layouts, at one and two threads; the primitive cache past its
 * capacity and under two threads at once; CT_NO_DNNL's switch and
 * ct_set_conv_winograd's. Skipped
 * (with a note) where oneDNN is not available.
 */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "../../src/kernels/conv.h"
#include "../../src/kernels/dnnl.h"
#include "conv_check.h"
#include "test.h"

/* A random geometry: the bottom/right padding (implied by the output size) may differ from the top/left one. */
static ct_conv_geom random_geom(bool wide) {
    ct_conv_geom g;
    g.groups = irand(1, 3);
    int64_t cg = wide ? irand(16, 24) : irand(1, 5), og = wide ? irand(16, 20) : irand(1, 5);
    g.N = irand(1, 3), g.C = cg * g.groups, g.O = og * g.groups;
    g.KH = irand(1, 4), g.KW = irand(1, 4);
    g.sh = irand(1, 3), g.sw = irand(1, 3), g.dh = irand(1, 2), g.dw = irand(1, 2);
    g.ph = irand(0, g.KH - 1), g.pw = irand(0, g.KW - 1);
    int64_t span_h = (g.KH - 1) * g.dh + 1, span_w = (g.KW - 1) * g.dw + 1;
    int64_t bh = irand(0, g.KH - 1), bw = irand(0, g.KW - 1); /* bottom / right padding */
    g.H = irand(span_h - g.ph - bh > 1 ? span_h - g.ph - bh : 1, wide ? 9 : 13);
    g.W = irand(span_w - g.pw - bw > 1 ? span_w - g.pw - bw : 1, wide ? 9 : 13);
    g.OH = (g.H + g.ph + bh - span_h) / g.sh + 1;
    g.OW = (g.W + g.pw + bw - span_w) / g.sw + 1;
    return g;
}

/* oneDNN and im2col + GEMM against the float64 reference on one geometry; false on any mismatch. */
static bool check_geom(const ct_conv_geom *g) {
    int64_t nx = g->N * g->C * g->H * g->W, ny = g->N * g->O * g->OH * g->OW;
    int64_t nw = g->O * (g->C / g->groups) * g->KH * g->KW;
    float *x = rand_f32(nx), *w = rand_f32(nw), *b = rand_f32(g->O), *gy = rand_f32(ny);
    float *out = rand_f32(nx > nw ? (nx > ny ? nx : ny) : (nw > ny ? nw : ny));
    double *xd = to_f64(x, nx), *wd = to_f64(w, nw), *bd = to_f64(b, g->O), *gyd = to_f64(gy, ny);
    double *yr = malloc((size_t)ny * sizeof *yr), *y0 = malloc((size_t)ny * sizeof *y0);
    double *gxr = malloc((size_t)nx * sizeof *gxr), *gwr = malloc((size_t)nw * sizeof *gwr);
    double *gbr = malloc((size_t)g->O * sizeof *gbr);
    float *gb = rand_f32(g->O), *gx = rand_f32(nx);
    ct__conv2d_forward_ref(CT_F64, g, xd, wd, bd, yr);
    ct__conv2d_forward_ref(CT_F64, g, xd, wd, NULL, y0);
    ct__conv2d_backward_input_ref(CT_F64, g, gyd, wd, gxr);
    ct__conv2d_backward_weight_ref(CT_F64, g, xd, gyd, gwr);
    ct__conv2d_backward_bias_ref(CT_F64, g, gyd, gbr);
    int64_t kf = g->C / g->groups * g->KH * g->KW, kd = g->O / g->groups * g->KH * g->KW,
            kw = g->N * g->OH * g->OW;
    double worst = 0;
    bool ran = true;
    for (int path = 0; path < 2; path++) { /* 0: oneDNN, 1: im2col + GEMM */
#define RUN(dnnl_call, im2col_call) (path == 0 ? (dnnl_call) : (im2col_call))
        ran = ran && RUN(ct__dnnl_conv2d(CT_DNNL_FORWARD, g, x, w, b, out, NULL, "test"),
                         ct__conv2d_forward(CT_F32, g, x, w, b, out, CT_CONV_IM2COL, "test")) == 0;
        worst = fmax(worst, err_ratio(out, yr, ny, kf));
        ran = ran && RUN(ct__dnnl_conv2d(CT_DNNL_FORWARD, g, x, w, NULL, out, NULL, "test"),
                         ct__conv2d_forward(CT_F32, g, x, w, NULL, out, CT_CONV_IM2COL, "test")) == 0;
        worst = fmax(worst, err_ratio(out, y0, ny, kf));
        ran = ran && RUN(ct__dnnl_conv2d(CT_DNNL_BACKWARD_DATA, g, gy, w, NULL, out, NULL, "test"),
                         ct__conv2d_backward_input(CT_F32, g, gy, w, out, CT_CONV_IM2COL, "test")) == 0;
        worst = fmax(worst, err_ratio(out, gxr, nx, kd));
        ran = ran && RUN(ct__dnnl_conv2d(CT_DNNL_BACKWARD_WEIGHTS, g, x, gy, NULL, out, NULL, "test"),
                         ct__conv2d_backward_weight(CT_F32, g, x, gy, out, CT_CONV_IM2COL, "test")) == 0;
        worst = fmax(worst, err_ratio(out, gwr, nw, kw));
        /* the weight gradient and, in the same call, the bias gradient */
        ran = ran && RUN(ct__dnnl_conv2d(CT_DNNL_BACKWARD_WEIGHTS, g, x, gy, NULL, out, gb, "test"),
                         ct__conv2d_backward_weight_bias(CT_F32, g, x, gy, out, gb, CT_CONV_IM2COL, "test")) == 0;
        worst = fmax(worst, err_ratio(out, gwr, nw, kw));
        worst = fmax(worst, err_ratio(gb, gbr, g->O, g->N * g->OH * g->OW));
        /* the whole backward in one call (oneDNN reorders gy once for both products), with and without gb */
        for (int with_bias = 0; with_bias < 2; with_bias++) {
            for (int64_t i = 0; i < nx; i++) gx[i] = NAN;
            ran = ran && RUN(ct__dnnl_conv2d_backward(g, x, w, gy, gx, out, with_bias ? gb : NULL, "test"),
                             ct__conv2d_backward(CT_F32, g, x, w, gy, gx, out, with_bias ? gb : NULL,
                                                 CT_CONV_IM2COL, "test")) == 0;
            worst = fmax(worst, err_ratio(gx, gxr, nx, kd));
            worst = fmax(worst, err_ratio(out, gwr, nw, kw));
            if (with_bias) worst = fmax(worst, err_ratio(gb, gbr, g->O, g->N * g->OH * g->OW));
        }
#undef RUN
    }
    /* the dispatcher's choice (oneDNN here) */
    ran = ran && ct__conv2d_backward(CT_F32, g, x, w, gy, gx, out, gb, CT_CONV_AUTO, "test") == 0;
    worst = fmax(worst, err_ratio(gx, gxr, nx, kd));
    worst = fmax(worst, err_ratio(out, gwr, nw, kw));
    worst = fmax(worst, err_ratio(gb, gbr, g->O, g->N * g->OH * g->OW));
    bool ok = geom_ok(g, ran, worst);
    void *bufs[] = {x, w, b, gy, out, gb, gx, xd, wd, bd, gyd, yr, y0, gxr, gwr, gbr};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
    return ok;
}

static bool have_dnnl(void) {
    if (ct__dnnl_enabled()) return true;
    fprintf(stderr, "  (oneDNN not available: nothing to compare)\n");
    return false;
}

TEST(dnnl_matches_reference_on_random_geometries) {
    if (!have_dnnl()) return;
    for (int threads = 1; threads <= 2; threads++) {
        ct_set_num_threads(threads);
        int bad = 0;
        for (int i = 0; i < 60; i++) {
            ct_conv_geom g = random_geom(i % 4 == 3); /* every fourth one on the blocked layouts */
            if (!check_geom(&g)) bad++;
        }
        CHECK_EQ_INT(bad, 0);
    }
}

TEST(dnnl_matches_reference_on_named_cases) {
    if (!have_dnnl()) return;
    const ct_conv_geom cases[] = {
        /* N  C  H   W   O  KH KW OH OW sh sw ph pw dh dw groups */
        {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1},      /* everything 1 */
        {2, 3, 7, 5, 4, 3, 3, 7, 5, 1, 1, 1, 1, 1, 1, 1},      /* "same" */
        {1, 2, 6, 6, 3, 2, 2, 6, 6, 1, 1, 0, 0, 1, 1, 1},      /* "same" with an even kernel: pad after */
        {3, 4, 9, 8, 6, 3, 2, 4, 4, 2, 2, 1, 0, 1, 1, 2},      /* stride 2, groups */
        {2, 6, 11, 9, 6, 3, 3, 7, 5, 1, 1, 0, 0, 2, 2, 6},     /* depthwise, dilated */
        {1, 32, 10, 10, 32, 3, 3, 10, 10, 1, 1, 1, 1, 1, 1, 1}, /* blocked */
        {2, 32, 9, 9, 64, 1, 1, 5, 5, 2, 2, 0, 0, 1, 1, 1},    /* ResNet's strided 1x1 */
        {2, 3, 23, 23, 16, 7, 7, 12, 12, 2, 2, 3, 3, 1, 1, 1}, /* ResNet's stem */
        {4, 1, 28, 28, 32, 3, 3, 28, 28, 1, 1, 1, 1, 1, 1, 1}, /* Fashion-MNIST CNN's first layer */
        {1, 5, 1, 17, 3, 1, 4, 1, 6, 1, 3, 0, 2, 1, 1, 1},     /* conv1d as conv2d */
    };
    for (int threads = 1; threads <= 2; threads++) {
        ct_set_num_threads(threads);
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) CHECK(check_geom(&cases[i]));
    }
}

TEST(dnnl_cache_evicts_past_its_capacity) {
    if (!have_dnnl()) return;
    /* more distinct problems than the cache holds, then the first ones again */
    int bad = 0;
    for (int round = 0; round < 2; round++)
        for (int64_t h = 1; h <= 70; h++) {
            ct_conv_geom g = {1, 2, h, 3, 2, 1, 1, h, 3, 1, 1, 0, 0, 1, 1, 1};
            float x[420], w[4], y[420];
            for (int i = 0; i < 420; i++) x[i] = (float)(i % 7);
            for (int i = 0; i < 4; i++) w[i] = (float)(i + 1);
            if (ct__dnnl_conv2d(CT_DNNL_FORWARD, &g, x, w, NULL, y, NULL, "test") != 0 ||
                ct__dnnl_conv2d(CT_DNNL_BACKWARD_DATA, &g, x, w, NULL, y, NULL, "test") != 0)
                bad++;
            for (int64_t n = 0; n < h * 3; n++) /* y = x (o=0: w 1,2; o=1: w 3,4) after the backward */
                if (y[n] != x[n] * 1 + x[h * 3 + n] * 3 || y[h * 3 + n] != x[n] * 2 + x[h * 3 + n] * 4) {
                    bad++;
                    break;
                }
        }
    CHECK_EQ_INT(bad, 0);
}

typedef struct {
    const ct_conv_geom *g;
    const float *x, *w;
    float *y;
    int rc;
} worker_args;

static int worker(void *arg) {
    worker_args *a = arg;
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 20 && a->rc == 0; i++)
            a->rc = ct__dnnl_conv2d(CT_DNNL_FORWARD, a->g, a->x, a->w, NULL, a->y, NULL, "test");
        if (round == 0) ct__dnnl_cache_clear(); /* racing the other thread's use of the same entries */
    }
    return 0;
}

TEST(dnnl_two_threads_share_the_cache) {
    if (!have_dnnl()) return;
    ct_set_num_threads(1);
    ct_conv_geom g = {2, 16, 8, 8, 16, 3, 3, 8, 8, 1, 1, 1, 1, 1, 1, 1};
    int64_t nx = 2 * 16 * 64, nw = 16 * 16 * 9;
    float *x = rand_f32(nx), *w = rand_f32(nw), *ref = rand_f32(nx), *y1 = rand_f32(nx), *y2 = rand_f32(nx);
    CHECK_EQ_INT(ct__conv2d_forward(CT_F32, &g, x, w, NULL, ref, CT_CONV_IM2COL, "test"), 0);
    worker_args a = {&g, x, w, y1, 0}, b = {&g, x, w, y2, 0};
    thrd_t t1, t2;
    CHECK(thrd_create(&t1, worker, &a) == thrd_success);
    CHECK(thrd_create(&t2, worker, &b) == thrd_success);
    thrd_join(t1, NULL);
    thrd_join(t2, NULL);
    CHECK_EQ_INT(a.rc, 0);
    CHECK_EQ_INT(b.rc, 0);
    double m = 0;
    for (int64_t i = 0; i < nx; i++) m = fmax(m, fmax(fabs(y1[i] - ref[i]), fabs(y2[i] - ref[i])));
    CHECK(m < 1e-4);
    free(x), free(w), free(ref), free(y1), free(y2);
}

TEST(dnnl_switch_turns_the_path_off) {
    if (!have_dnnl()) return;
    ct_conv_geom g = {1, 1, 3, 3, 1, 1, 1, 3, 3, 1, 1, 0, 0, 1, 1, 1};
    float x[9] = {0}, w[1] = {1}, y[9];
    ct__dnnl_set_enabled(false);
    CHECK(!ct__dnnl_enabled());
    /* declined: the caller falls back */
    CHECK_EQ_INT(ct__dnnl_conv2d(CT_DNNL_FORWARD, &g, x, w, NULL, y, NULL, "test"), 1);
    ct__dnnl_set_enabled(true);
    CHECK(ct__dnnl_enabled());
    CHECK_EQ_INT(ct__dnnl_conv2d(CT_DNNL_FORWARD, &g, x, w, NULL, y, NULL, "test"), 0);
    g.N = 0; /* empty problems are left to the caller */
    CHECK_EQ_INT(ct__dnnl_conv2d(CT_DNNL_FORWARD, &g, x, w, NULL, y, NULL, "test"), 1);
}

/*
 * ct_set_conv_winograd: on, a 3x3 stride-1 layer with 16+ channels runs on
 * Winograd's algorithm, off on the direct one. Both are within tolerance of
 * the float64 reference, and their float32 roundings differ (so the switch
 * really changes the algorithm); a 5x5 layer, which has no Winograd form
 * here, gives the same bits either way.
 */
TEST(dnnl_winograd_switch) {
    if (!have_dnnl()) return;
    int old = ct_set_conv_winograd(1);
    CHECK_EQ_INT(ct_set_conv_winograd(1), 1);
    const ct_conv_geom cases[2] = {
        /* N  C   H   W   O   KH KW OH  OW sh sw ph pw dh dw groups */
        {4, 32, 14, 14, 64, 3, 3, 14, 14, 1, 1, 1, 1, 1, 1, 1},
        {2, 16, 9, 9, 16, 5, 5, 9, 9, 1, 1, 2, 2, 1, 1, 1},
    };
    for (int c = 0; c < 2; c++) {
        const ct_conv_geom *g = &cases[c];
        int64_t nx = g->N * g->C * g->H * g->W, ny = g->N * g->O * g->OH * g->OW, nw = g->O * g->C * g->KH * g->KW;
        float *x = rand_f32(nx), *w = rand_f32(nw), *y[2] = {rand_f32(ny), rand_f32(ny)};
        double *xd = to_f64(x, nx), *wd = to_f64(w, nw), *ref = malloc((size_t)ny * sizeof *ref);
        ct__conv2d_forward_ref(CT_F64, g, xd, wd, NULL, ref);
        for (int on = 0; on < 2; on++) {
            CHECK_EQ_INT(ct_set_conv_winograd(on), !on);
            CHECK_EQ_INT(ct__dnnl_conv2d(CT_DNNL_FORWARD, g, x, w, NULL, y[on], NULL, "test"), 0);
            CHECK(err_ratio(y[on], ref, ny, g->C * g->KH * g->KW) <= 1);
        }
        int64_t differ = 0;
        for (int64_t i = 0; i < ny; i++) differ += y[0][i] != y[1][i];
        if (c == 0) CHECK(differ > 0);
        else CHECK_EQ_INT(differ, 0);
        free(x), free(w), free(y[0]), free(y[1]), free(xd), free(wd), free(ref);
        ct_set_conv_winograd(1);
    }
    ct_set_conv_winograd(old);
}

/*
 * A Winograd run whose buffers cannot be had (here: a scratchpad over the
 * limit, the path an allocation failure takes) runs on the direct
 * algorithm instead, with no error: forward and the whole backward give
 * the direct algorithm's bits.
 */
TEST(dnnl_winograd_falls_back_when_its_buffers_cannot_be_had) {
    if (!have_dnnl()) return;
    int old = ct_set_conv_winograd(1);
    const ct_conv_geom g = {2, 32, 10, 10, 32, 3, 3, 10, 10, 1, 1, 1, 1, 1, 1, 1};
    int64_t nx = g.N * g.C * g.H * g.W, ny = g.N * g.O * g.OH * g.OW, nw = g.O * g.C * 9;
    float *x = rand_f32(nx), *w = rand_f32(nw), *gy = rand_f32(ny);
    float *out[2][4]; /* [run][y, gx, gw, gb] */
    for (int r = 0; r < 2; r++) {
        out[r][0] = rand_f32(ny), out[r][1] = rand_f32(nx), out[r][2] = rand_f32(nw), out[r][3] = rand_f32(g.O);
        if (r == 0) ct_set_conv_winograd(0); /* run 0: the direct algorithm, by choice */
        else ct__dnnl_set_winograd_scratch_limit(1); /* run 1: Winograd wanted, its scratchpad refused */
        CHECK_EQ_INT(ct__dnnl_conv2d(CT_DNNL_FORWARD, &g, x, w, NULL, out[r][0], NULL, "test"), 0);
        CHECK_EQ_INT(ct__dnnl_conv2d_backward(&g, x, w, gy, out[r][1], out[r][2], out[r][3], "test"), 0);
        CHECK_EQ_INT(ct_last_error_code(), CT_OK);
        ct_set_conv_winograd(1);
    }
    ct__dnnl_set_winograd_scratch_limit(SIZE_MAX);
    int64_t sizes[4] = {ny, nx, nw, g.O};
    for (int k = 0; k < 4; k++) CHECK(memcmp(out[0][k], out[1][k], (size_t)sizes[k] * sizeof(float)) == 0);
    /* and without the limit the same problem takes Winograd (different roundings) */
    CHECK_EQ_INT(ct__dnnl_conv2d(CT_DNNL_FORWARD, &g, x, w, NULL, out[1][0], NULL, "test"), 0);
    CHECK(memcmp(out[0][0], out[1][0], (size_t)ny * sizeof(float)) != 0);
    for (int r = 0; r < 2; r++)
        for (int k = 0; k < 4; k++) free(out[r][k]);
    free(x), free(w), free(gy);
    ct_set_conv_winograd(old);
}
