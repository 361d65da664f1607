/*
 * src/kernels/conv_reference.c - the convolution kernels as plain loops over
 * the definition in conv.h: what the im2col + GEMM and oneDNN paths are
 * tested against. Slow; used by tests only.
 */
#include "conv.h"

/* Visits every (n, o, i, j, c, a, b) term of the convolution whose input element lies inside x. */
#define CT_CONV_TERMS(g, BODY)                                                          \
    do {                                                                                \
        int64_t Cg = (g)->C / (g)->groups, Og = (g)->O / (g)->groups;                  \
        for (int64_t n = 0; n < (g)->N; n++)                                            \
            for (int64_t o = 0; o < (g)->O; o++)                                        \
                for (int64_t i = 0; i < (g)->OH; i++)                                   \
                    for (int64_t j = 0; j < (g)->OW; j++)                               \
                        for (int64_t cc = 0; cc < Cg; cc++)                             \
                            for (int64_t a = 0; a < (g)->KH; a++)                       \
                                for (int64_t b = 0; b < (g)->KW; b++) {                 \
                                    int64_t c = (o / Og) * Cg + cc;                     \
                                    int64_t ih = i * (g)->sh - (g)->ph + a * (g)->dh;   \
                                    int64_t iw = j * (g)->sw - (g)->pw + b * (g)->dw;   \
                                    if (ih < 0 || ih >= (g)->H || iw < 0 || iw >= (g)->W) \
                                        continue;                                       \
                                    int64_t yi = ((n * (g)->O + o) * (g)->OH + i) * (g)->OW + j; \
                                    int64_t xi = ((n * (g)->C + c) * (g)->H + ih) * (g)->W + iw; \
                                    int64_t wi = ((o * Cg + cc) * (g)->KH + a) * (g)->KW + b; \
                                    BODY;                                               \
                                }                                                       \
    } while (0)

#define CT_DEF_REF(T, sfx)                                                              \
    static void fwd_##sfx(const ct_conv_geom *g, const T *x, const T *w, const T *bias, T *y) { \
        int64_t ny = g->N * g->O * g->OH * g->OW;                                       \
        for (int64_t k = 0; k < ny; k++)                                                \
            y[k] = bias ? bias[(k / (g->OH * g->OW)) % g->O] : (T)0;                    \
        CT_CONV_TERMS(g, y[yi] += w[wi] * x[xi]);                                       \
    }                                                                                   \
    static void bwi_##sfx(const ct_conv_geom *g, const T *gy, const T *w, T *gx) {      \
        int64_t nx = g->N * g->C * g->H * g->W;                                         \
        for (int64_t k = 0; k < nx; k++) gx[k] = 0;                                     \
        CT_CONV_TERMS(g, gx[xi] += w[wi] * gy[yi]);                                     \
    }                                                                                   \
    static void bww_##sfx(const ct_conv_geom *g, const T *x, const T *gy, T *gw) {      \
        int64_t nw = g->O * (g->C / g->groups) * g->KH * g->KW;                         \
        for (int64_t k = 0; k < nw; k++) gw[k] = 0;                                     \
        CT_CONV_TERMS(g, gw[wi] += x[xi] * gy[yi]);                                     \
    }                                                                                   \
    static void bwb_##sfx(const ct_conv_geom *g, const T *gy, T *gb) {                  \
        int64_t hw = g->OH * g->OW;                                                     \
        for (int64_t o = 0; o < g->O; o++) gb[o] = 0;                                   \
        for (int64_t k = 0; k < g->N * g->O * hw; k++) gb[(k / hw) % g->O] += gy[k];   \
    }

CT_DEF_REF(float, f32)
CT_DEF_REF(double, f64)

void ct__conv2d_forward_ref(ct_dtype dt, const ct_conv_geom *g, const void *x, const void *w,
                            const void *bias, void *y) {
    if (dt == CT_F32) fwd_f32(g, x, w, bias, y);
    else fwd_f64(g, x, w, bias, y);
}

void ct__conv2d_backward_input_ref(ct_dtype dt, const ct_conv_geom *g, const void *gy,
                                   const void *w, void *gx) {
    if (dt == CT_F32) bwi_f32(g, gy, w, gx);
    else bwi_f64(g, gy, w, gx);
}

void ct__conv2d_backward_weight_ref(ct_dtype dt, const ct_conv_geom *g, const void *x,
                                    const void *gy, void *gw) {
    if (dt == CT_F32) bww_f32(g, x, gy, gw);
    else bww_f64(g, x, gy, gw);
}

void ct__conv2d_backward_bias_ref(ct_dtype dt, const ct_conv_geom *g, const void *gy, void *gb) {
    if (dt == CT_F32) bwb_f32(g, gy, gb);
    else bwb_f64(g, gy, gb);
}
