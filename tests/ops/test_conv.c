/*
 * tests/ops/test_conv.c - include/ctorch/conv.h: the im2col + GEMM
 * convolution kernels (forward, input and weight gradients; float32 and
 * float64; one and two threads) and the max pooling kernel against their
 * plain reference loops; small cases whose values come from PyTorch 1.13;
 * error messages; NULL arguments. Wider value and gradient parity with
 * PyTorch lives in tests/parity/cases/conv.py.
 */
#include <stdlib.h>

#include "../../src/kernels/conv.h"
#include "../../src/kernels/pool.h"
#include "test.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static double urand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

static void *rand_buf(ct_dtype dt, int64_t n) {
    void *p = malloc((size_t)(n > 0 ? n : 1) * ct_dtype_size(dt));
    for (int64_t i = 0; i < n; i++) {
        if (dt == CT_F32) ((float *)p)[i] = (float)urand();
        else ((double *)p)[i] = urand();
    }
    return p;
}

static double max_diff(ct_dtype dt, const void *a, const void *b, int64_t n) {
    double m = 0;
    for (int64_t i = 0; i < n; i++) {
        double x = dt == CT_F32 ? ((const float *)a)[i] : ((const double *)a)[i];
        double y = dt == CT_F32 ? ((const float *)b)[i] : ((const double *)b)[i];
        if (fabs(x - y) > m || x != x || y != y) m = x != x || y != y ? INFINITY : fabs(x - y);
    }
    return m;
}

/* One geometry: all three kernels, im2col path vs the reference loops. */
static void compare_geom(ct_dtype dt, ct_conv_geom g) {
    int64_t nx = g.N * g.C * g.H * g.W, ny = g.N * g.O * g.OH * g.OW, nw = g.O * (g.C / g.groups) * g.KH * g.KW;
    void *x = rand_buf(dt, nx), *w = rand_buf(dt, nw), *b = rand_buf(dt, g.O), *gy = rand_buf(dt, ny);
    void *y1 = rand_buf(dt, ny), *y2 = rand_buf(dt, ny), *gx1 = rand_buf(dt, nx), *gx2 = rand_buf(dt, nx);
    void *gw1 = rand_buf(dt, nw), *gw2 = rand_buf(dt, nw);
    double tol = dt == CT_F32 ? 1e-4 : 1e-11;
    CHECK_EQ_INT(ct__conv2d_forward(dt, &g, x, w, b, y1, CT_CONV_IM2COL, "test"), 0);
    ct__conv2d_forward_ref(dt, &g, x, w, b, y2);
    CHECK(max_diff(dt, y1, y2, ny) < tol);
    CHECK_EQ_INT(ct__conv2d_backward_input(dt, &g, gy, w, gx1, CT_CONV_IM2COL, "test"), 0);
    ct__conv2d_backward_input_ref(dt, &g, gy, w, gx2);
    CHECK(max_diff(dt, gx1, gx2, nx) < tol);
    CHECK_EQ_INT(ct__conv2d_backward_weight(dt, &g, x, gy, gw1, CT_CONV_IM2COL, "test"), 0);
    ct__conv2d_backward_weight_ref(dt, &g, x, gy, gw2);
    CHECK(max_diff(dt, gw1, gw2, nw) < tol * 10);
    /* with the bias gradient taken in the same pass */
    void *gb1 = rand_buf(dt, g.O), *gb2 = rand_buf(dt, g.O);
    CHECK_EQ_INT(ct__conv2d_backward_weight_bias(dt, &g, x, gy, gw1, gb1, CT_CONV_IM2COL, "test"), 0);
    ct__conv2d_backward_bias_ref(dt, &g, gy, gb2);
    CHECK(max_diff(dt, gw1, gw2, nw) < tol * 10);
    CHECK(max_diff(dt, gb1, gb2, g.O) < tol * 10);
    /* the default path agrees too (no bias this time) */
    CHECK_EQ_INT(ct__conv2d_forward(dt, &g, x, w, NULL, y1, CT_CONV_AUTO, "test"), 0);
    ct__conv2d_forward_ref(dt, &g, x, w, NULL, y2);
    CHECK(max_diff(dt, y1, y2, ny) < tol);
    void *bufs[] = {x, w, b, gy, y1, y2, gx1, gx2, gw1, gw2, gb1, gb2};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
}

/* Geometry with the output size implied by symmetric padding (ph, pw). */
static ct_conv_geom geom(int64_t N, int64_t C, int64_t H, int64_t W, int64_t O, int64_t KH, int64_t KW, int64_t sh,
                         int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw, int64_t groups) {
    ct_conv_geom g = {N, C, H, W, O, KH, KW, 0, 0, sh, sw, ph, pw, dh, dw, groups};
    g.OH = (H + 2 * ph - dh * (KH - 1) - 1) / sh + 1;
    g.OW = (W + 2 * pw - dw * (KW - 1) - 1) / sw + 1;
    return g;
}

TEST(conv_kernels_match_reference) {
    const ct_conv_geom gs[] = {
        geom(2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1),
        geom(3, 2, 9, 11, 4, 3, 2, 2, 3, 2, 1, 2, 1, 1),
        geom(2, 4, 8, 7, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2),
        geom(3, 4, 8, 7, 4, 3, 3, 2, 2, 1, 1, 1, 1, 4),  /* depthwise */
        geom(2, 6, 5, 5, 4, 1, 1, 1, 1, 0, 0, 1, 1, 1),  /* pointwise: no im2col */
        geom(5, 1, 28, 28, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1), /* a first layer */
        geom(1, 3, 5, 4, 2, 5, 4, 1, 1, 0, 0, 1, 1, 1),  /* kernel = input */
    };
    for (int th = 1; th <= 2; th++) {
        ct_set_num_threads(th);
        for (size_t i = 0; i < sizeof gs / sizeof *gs; i++) {
            compare_geom(CT_F32, gs[i]);
            compare_geom(CT_F64, gs[i]);
        }
    }
    /* asymmetric ("same" with an even kernel): bottom/right pad one more */
    ct_conv_geom a = geom(2, 2, 6, 7, 3, 2, 4, 1, 1, 0, 1, 1, 1, 1);
    a.OH = 6, a.OW = 7;
    compare_geom(CT_F64, a);
    ct_set_num_threads(2);
}

TEST(max_pool_kernel_matches_reference) {
    ct_pool_geom g = {6, 9, 10, 0, 0, 3, 2, 2, 1, 1, 1, 2, 1};
    g.OH = (9 + 2 - 2 * 2 - 1 + 1) / 2 + 1; /* ceil mode */
    g.OW = (10 + 2 - 1 * 1 - 1) / 1 + 1;
    void *x = rand_buf(CT_F32, 6 * 90);
    float y1[6 * 5 * 11], y2[6 * 5 * 11];
    int64_t i1[6 * 5 * 11], i2[6 * 5 * 11];
    ct__max_pool2d_fwd(CT_F32, &g, x, y1, i1);
    ct__max_pool2d_fwd_ref(CT_F32, &g, x, y2, i2);
    int bad = 0;
    for (int64_t k = 0; k < g.P * g.OH * g.OW; k++) bad += y1[k] != y2[k] || i1[k] != i2[k];
    CHECK_EQ_INT(bad, 0);
    free(x);
}

/* The MaxPool2d(2) fast path: ties keep the first index, any NaN wins (the last one), -inf windows. */
TEST(max_pool_2x2_fast_path_matches_reference) {
    enum { P = 3, H = 9, W = 8, OH = 4, OW = 4 };
    ct_pool_geom g = {P, H, W, OH, OW, 2, 2, 2, 2, 0, 0, 1, 1};
    float x[P * H * W], y1[P * OH * OW], y2[P * OH * OW];
    int64_t i1[P * OH * OW], i2[P * OH * OW];
    for (int k = 0; k < P * H * W; k++) x[k] = (float)((k * 7) % 5); /* many ties */
    x[3] = x[10] = NAN;                                                 /* two NaNs in one window */
    x[W + 4] = NAN;
    x[2 * W + 0] = x[2 * W + 1] = x[3 * W + 0] = x[3 * W + 1] = -INFINITY;
    ct__max_pool2d_fwd(CT_F32, &g, x, y1, i1);
    ct__max_pool2d_fwd_ref(CT_F32, &g, x, y2, i2);
    int bad = 0;
    for (int k = 0; k < P * OH * OW; k++) bad += !(y1[k] == y2[k] || (isnan(y1[k]) && isnan(y2[k]))) || i1[k] != i2[k];
    CHECK_EQ_INT(bad, 0);
    CHECK(isnan(y1[1]) && i1[1] == 10);  /* the window's last NaN, as PyTorch */
    CHECK(isnan(y1[2]) && i1[2] == W + 4);
    CHECK(y1[OW] == -INFINITY && i1[OW] == 2 * W); /* all -inf: the first index */
}

TEST(conv_values_from_torch) {
    CT_SCOPE {
        ct_tensor *x = ct_reshape(ct_arange(0.0, 20.0, 1.0), CT_SHAPE(1, 1, 4, 5));
        ct_tensor *w = ct_from_floats(CT_SHAPE(1, 1, 2, 2), 1, -1, 2, 0.5);
        ct_tensor *y = ct_conv2d(x, w, ct_from_floats(CT_SHAPE(1), 0.5), .stride = CT_DIMS(1, 2), .padding = CT_DIMS(1));
        CHECK_SHAPE(y, 1, 1, 5, 3);
        CHECK_VALUES(y, 1e-5, 0.5, 3.5, 8.5, 3.0, 15.0, 20.0, 0.5, 27.5, 32.5, -2.0, 40.0, 45.0, -14.5, -0.5, -0.5);
        ct_tensor *t = ct_conv_transpose2d(ct_from_floats(CT_SHAPE(1, 1, 2, 2), 1, 2, 3, 4), w, .stride = CT_DIMS(2));
        CHECK_VALUES(t, 1e-6, 1.0, -1.0, 2.0, -2.0, 2.0, 0.5, 4.0, 1.0, 3.0, -3.0, 4.0, -4.0, 6.0, 1.5, 8.0, 2.0);
        ct_tensor *idx = NULL;
        ct_tensor *m = ct_max_pool2d_with_indices(x, CT_DIMS(3), &idx, .stride = CT_DIMS(2), .padding = CT_DIMS(1),
                                                  .ceil_mode = true);
        CHECK_SHAPE(m, 1, 1, 3, 3);
        CHECK_VALUES(m, 0, 6.0, 8.0, 9.0, 16.0, 18.0, 19.0, 16.0, 18.0, 19.0);
        REQUIRE(idx != NULL);
        CHECK(ct_dtype_of(idx) == CT_I64);
        CHECK_VALUES(idx, 0, 6, 8, 9, 16, 18, 19, 16, 18, 19);
        ct_free(idx);
        CHECK_VALUES(ct_avg_pool2d(x, CT_DIMS(3), .stride = CT_DIMS(2), .padding = CT_DIMS(1), .ceil_mode = true,
                                   .exclude_pad = true),
                     1e-5, 3.0, 4.5, 6.0, 10.5, 12.0, 13.5, 15.5, 17.0, 18.5);
        CHECK_VALUES(ct_avg_pool2d(x, CT_DIMS(3), .stride = CT_DIMS(2), .padding = CT_DIMS(1), .ceil_mode = true),
                     1e-5, 1.3333334, 3.0, 2.6666667, 7.0, 12.0, 9.0, 5.1666665, 8.5, 6.1666665);
        CHECK_VALUES(ct_interpolate(x, .size = CT_DIMS(2, 3), .mode = CT_INTERP_BILINEAR), 1e-5, 2.8333333, 4.5,
                     6.1666667, 12.833333, 14.5, 16.166666);
        CHECK_VALUES(ct_interpolate(x, .size = CT_DIMS(2, 3), .mode = CT_INTERP_BILINEAR, .align_corners = true), 1e-5,
                     0.0, 2.0, 4.0, 15.0, 17.0, 19.0);
        ct_tensor *n = ct_interpolate(x, .scale_factor = {0.6});
        CHECK_SHAPE(n, 1, 1, 2, 3);
        CHECK_VALUES(n, 0, 0.0, 1.0, 3.0, 5.0, 6.0, 8.0);
    }
}

TEST(conv_errors) {
    CT_SCOPE {
        ct_tensor *x = ct_randn(CT_SHAPE(2, 3, 5, 5)), *w = ct_randn(CT_SHAPE(4, 3, 3, 3));
        CHECK_FAILS(ct_conv2d(ct_randn(CT_SHAPE(2, 3)), w),
                    "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [2, 3]");
        CHECK_FAILS(ct_conv2d(ct_randn(CT_SHAPE(1, 1, 5, 5)), w),
                    "Given groups=1, weight of size [4, 3, 3, 3], expected input[1, 1, 5, 5] to have 3 channels, but got 1 channels instead");
        CHECK_FAILS(ct_conv2d(x, w, ct_randn(CT_SHAPE(3))),
                    "expected bias to be 1-dimensional with 4 elements, but got bias of size [3] instead");
        CHECK_FAILS(ct_conv2d(x, w, .padding_str = "same", .stride = CT_DIMS(2)),
                    "padding='same' is not supported for strided convolutions");
        CHECK_FAILS(ct_conv2d(x, ct_randn(CT_SHAPE(4, 3, 6, 6))), "Kernel size can't be greater than actual input size");
        CHECK_FAILS(ct_conv2d(ct_to_dtype(x, CT_I64), ct_to_dtype(w, CT_I64)), "not implemented for 'Long'");
        CHECK_FAILS(ct_conv2d(x, NULL), "weight");
        CHECK_FAILS(ct_conv_transpose2d(x, ct_randn(CT_SHAPE(3, 2, 3, 3)), .output_padding = CT_DIMS(1)),
                    "output padding must be smaller than either stride or dilation");
        CHECK_FAILS(ct_max_pool2d(x, CT_DIMS(3), .padding = CT_DIMS(2)),
                    "pad should be at most half of kernel size, but got pad=2 and kernel_size=3");
        CHECK_FAILS(ct_max_pool2d(ct_randn(CT_SHAPE(3, 2, 2)), CT_DIMS(3)),
                    "Given input size: (3x2x2). Calculated output size: (3x0x0). Output size is too small");
        CHECK_FAILS(ct_avg_pool2d(ct_randn(CT_SHAPE(2, 3)), CT_DIMS(2)), "non-empty 3D or 4D (batch mode) tensor expected");
        CHECK_FAILS(ct_adaptive_avg_pool2d(ct_randn(CT_SHAPE(2, 3)), CT_DIMS(2)),
                    "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [2, 3]");
        CHECK_FAILS(ct_interpolate(x, .size = CT_DIMS(3), .scale_factor = {2.0}),
                    "only one of size or scale_factor should be defined");
        CHECK_FAILS(ct_pixel_shuffle(x, 2), "is not divisible by 4");
        CHECK_FAILS(ct_group_norm(ct_randn(CT_SHAPE(2, 6, 4)), 4, NULL, NULL, 1e-5),
                    "Expected number of channels in input to be divisible by num_groups");
        CHECK_FAILS(ct_max_pool2d(NULL, CT_DIMS(2)), "input");
    }
}

/* MaxPool2d(2)'s compact indices (one byte per output) against the int64 ones, odd sizes left out. */
TEST(max_pool_2x2_compact_indices_match_plane_indices) {
    enum { P = 4, H = 9, W = 11, OH = 4, OW = 5 };
    ct_pool_geom g = {P, H, W, OH, OW, 2, 2, 2, 2, 0, 0, 1, 1};
    CHECK(ct__max_pool2x2_applies(&g));
    float x[P * H * W], y1[P * OH * OW], y2[P * OH * OW], gy[P * OH * OW], gx1[P * H * W], gx2[P * H * W];
    int64_t i1[P * OH * OW], i2[P * OH * OW];
    uint8_t code[P * OH * OW];
    for (int k = 0; k < P * H * W; k++) x[k] = (float)((k * 7) % 5), gx2[k] = NAN;
    x[3] = x[W + 2] = NAN;
    for (int k = 0; k < P * OH * OW; k++) gy[k] = (float)(k + 1);
    ct__max_pool2d_fwd(CT_F32, &g, x, y1, i1);
    ct__max_pool2x2_fwd_compact(CT_F32, &g, x, y2, code);
    ct__max_pool2x2_indices(&g, code, i2);
    int bad = 0;
    for (int k = 0; k < P * OH * OW; k++) bad += !(y1[k] == y2[k] || (isnan(y1[k]) && isnan(y2[k]))) || i1[k] != i2[k];
    CHECK_EQ_INT(bad, 0);
    ct__max_pool2d_bwd(CT_F32, P, H * W, OH * OW, gy, i1, gx1);
    ct__max_pool2x2_bwd_compact(CT_F32, &g, gy, code, gx2); /* every element written: the NaNs go */
    bad = 0;
    for (int k = 0; k < P * H * W; k++) bad += gx1[k] != gx2[k];
    CHECK_EQ_INT(bad, 0);
}

/* Without return_indices the op keeps compact indices: same gradients, also differentiated twice. */
TEST(max_pool2d_without_indices_has_the_same_gradients) {
    CT_SCOPE {
        ct_tensor *x = ct_randn(CT_SHAPE(2, 3, 7, 9), .requires_grad = true, .dtype = CT_F64);
        ct_tensor *idx = NULL;
        ct_tensor *w = ct_randn(CT_SHAPE(2, 3, 3, 4), .dtype = CT_F64);
        ct_tensor *g1[1], *g2[1];
        CHECK(ct_grad(CT_TENSORS(ct_sum(ct_mul(ct_max_pool2d_with_indices(x, CT_DIMS(2), &idx), w))), CT_TENSORS(x), g1) == 0);
        CHECK(ct_grad(CT_TENSORS(ct_sum(ct_mul(ct_max_pool2d(x, CT_DIMS(2)), w))), CT_TENSORS(x), g2) == 0);
        CHECK(idx && ct_dtype_of(idx) == CT_I64);
        CHECK(g1[0] && g2[0] && ct_equal(g1[0], g2[0]));
        /* create_graph: the gradient of sum(grad * grad) with respect to w */
        ct_tensor *wr = ct_randn(CT_SHAPE(2, 3, 3, 4), .dtype = CT_F64, .requires_grad = true);
        ct_tensor *gg[1], *gw[1];
        CHECK(ct_grad(CT_TENSORS(ct_sum(ct_mul(ct_max_pool2d(x, CT_DIMS(2)), wr))), CT_TENSORS(x), gg,
                      .create_graph = true) == 0);
        CHECK(gg[0] && ct_grad(CT_TENSORS(ct_sum(ct_mul(gg[0], gg[0]))), CT_TENSORS(wr), gw) == 0);
        CHECK(gw[0] && ct_allclose(gw[0], ct_mul_scalar(wr, 2.0), 1e-12, 1e-12, false));
        for (int k = 0; k < 2; k++) ct_free(k ? g2[0] : g1[0]);
        ct_free(gg[0]);
        ct_free(gw[0]);
    }
}
