/*
 * src/kernels/im2col.c - unfolding convolution windows into columns and
 * folding them back (see conv.h). One row of col per (channel, kernel row,
 * kernel column), one column per output position, so the convolution of a
 * group is one GEMM: y (Og, OH OW) = w (Og, Cg KH KW) @ col.
 */
#include <string.h>

#include "conv.h"

/* The range [lo, hi) of output columns j whose input column j sw - pw + off lies in [0, W). */
static void valid_cols(const ct_conv_geom *g, int64_t off, int64_t *lo, int64_t *hi) {
    int64_t a = 0, b = g->OW;
    while (a < b && a * g->sw - g->pw + off < 0) a++;
    while (b > a && (b - 1) * g->sw - g->pw + off >= g->W) b--;
    *lo = a;
    *hi = b;
}

/* x (Cg, H, W) -> col (Cg KH KW, OH OW). */
#define CT_DEF_IM2COL(T, name)                                                          \
    static void name(const ct_conv_geom *g, int64_t Cg, const T *x, T *col) {           \
        int64_t OHW = g->OH * g->OW;                                                    \
        for (int64_t c = 0; c < Cg; c++)                                                \
            for (int64_t a = 0; a < g->KH; a++)                                         \
                for (int64_t b = 0; b < g->KW; b++) {                                   \
                    T *row = col + ((c * g->KH + a) * g->KW + b) * OHW;                 \
                    int64_t off = b * g->dw, lo, hi;                                    \
                    valid_cols(g, off, &lo, &hi);                                       \
                    for (int64_t i = 0; i < g->OH; i++) {                               \
                        T *r = row + i * g->OW;                                         \
                        int64_t ih = i * g->sh - g->ph + a * g->dh;                     \
                        if (ih < 0 || ih >= g->H) {                                     \
                            memset(r, 0, (size_t)g->OW * sizeof(T));                    \
                            continue;                                                   \
                        }                                                               \
                        const T *src = x + (c * g->H + ih) * g->W - g->pw + off;        \
                        for (int64_t j = 0; j < lo; j++) r[j] = 0;                      \
                        if (g->sw == 1)                                                 \
                            memcpy(r + lo, src + lo, (size_t)(hi - lo) * sizeof(T));    \
                        else                                                            \
                            for (int64_t j = lo; j < hi; j++) r[j] = src[j * g->sw];    \
                        for (int64_t j = hi; j < g->OW; j++) r[j] = 0;                  \
                    }                                                                   \
                }                                                                       \
    }

/* x (Cg, H, W) += col (Cg KH KW, OH OW) folded back. */
#define CT_DEF_COL2IM(T, name)                                                          \
    static void name(const ct_conv_geom *g, int64_t Cg, const T *col, T *x) {           \
        int64_t OHW = g->OH * g->OW;                                                    \
        for (int64_t c = 0; c < Cg; c++)                                                \
            for (int64_t a = 0; a < g->KH; a++)                                         \
                for (int64_t b = 0; b < g->KW; b++) {                                   \
                    const T *row = col + ((c * g->KH + a) * g->KW + b) * OHW;           \
                    int64_t off = b * g->dw, lo, hi;                                    \
                    valid_cols(g, off, &lo, &hi);                                       \
                    for (int64_t i = 0; i < g->OH; i++) {                               \
                        int64_t ih = i * g->sh - g->ph + a * g->dh;                     \
                        if (ih < 0 || ih >= g->H) continue;                             \
                        const T *r = row + i * g->OW;                                   \
                        T *dst = x + (c * g->H + ih) * g->W - g->pw + off;              \
                        if (g->sw == 1)                                                 \
                            for (int64_t j = lo; j < hi; j++) dst[j] += r[j];           \
                        else                                                            \
                            for (int64_t j = lo; j < hi; j++) dst[j * g->sw] += r[j];   \
                    }                                                                   \
                }                                                                       \
    }

CT_DEF_IM2COL(float, im2col_f32)
CT_DEF_IM2COL(double, im2col_f64)
CT_DEF_COL2IM(float, col2im_f32)
CT_DEF_COL2IM(double, col2im_f64)

void ct__im2col(ct_dtype dt, const ct_conv_geom *g, int64_t Cg, const void *x, void *col) {
    if (dt == CT_F32) im2col_f32(g, Cg, x, col);
    else im2col_f64(g, Cg, x, col);
}

void ct__col2im(ct_dtype dt, const ct_conv_geom *g, int64_t Cg, const void *col, void *x) {
    if (dt == CT_F32) col2im_f32(g, Cg, col, x);
    else col2im_f64(g, Cg, col, x);
}
