/*
 * src/kernels/conv.h - 2-d convolution kernels over contiguous NCHW buffers:
 * forward, the gradient with respect to the input (also conv_transpose2d's
 * forward) and the gradient with respect to the weight.
 *
 *     x  (N, C, H, W)     w  (O, C / groups, KH, KW)     y  (N, O, OH, OW)
 *     y[n, o, i, j] = sum_{c in o's group, a, b} w[o, c, a, b]
 *                     * x[n, c, i sh - ph + a dh, j sw - pw + b dw]
 *
 * (positions outside x read zero). ph/pw are the top/left padding; the
 * bottom/right padding is whatever OH/OW imply, so asymmetric padding
 * ("same" with an even kernel) needs nothing special.
 *
 * float32 runs on direct kernels for one input channel per group at stride 1
 * (conv_direct.c), otherwise on oneDNN when it is there (dnnl.h, dnnl_conv.c); the
 * dependency-free path, and float64's, is im2col + GEMM (im2col.c, conv.c),
 * batched over N with OpenMP; conv_reference.c holds the plain loops both
 * are tested against.
 */
#ifndef CT_KERNELS_CONV_H
#define CT_KERNELS_CONV_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/internal.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* Threads a convolution may start: OpenMP's count, 1 inside a parallel region or without OpenMP. */
static inline int ct__conv_threads(void) {
#ifdef _OPENMP
    return omp_in_parallel() ? 1 : omp_get_max_threads();
#else
    return 1;
#endif
}

/* This thread's number in the convolution's parallel region (0 outside one, or without OpenMP). */
static inline int ct__conv_thread_id(void) {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

typedef struct ct_conv_geom {
    int64_t N, C, H, W;     /* input */
    int64_t O, KH, KW;      /* weight (O, C / groups, KH, KW) */
    int64_t OH, OW;         /* output */
    int64_t sh, sw, ph, pw, dh, dw;
    int64_t groups;
} ct_conv_geom;

/*
 * Which implementation runs: AUTO (float32: the direct kernels where they
 * apply, else oneDNN when available, else im2col + GEMM; float64: im2col +
 * GEMM), im2col + GEMM, the reference loops, or the direct kernels (float32
 * where ct__conv_direct_takes; elsewhere DIRECT means AUTO).
 */
typedef enum { CT_CONV_AUTO = 0, CT_CONV_IM2COL, CT_CONV_REFERENCE, CT_CONV_DIRECT } ct_conv_impl;

/*
 * y = conv(x, w) + bias (bias (O) or NULL). Returns 0, or a negative error
 * (out of memory, reported under fn). dtype is CT_F32 or CT_F64.
 */
int ct__conv2d_forward(ct_dtype dt, const ct_conv_geom *g, const void *x, const void *w,
                       const void *bias, void *y, ct_conv_impl impl, const char *fn);
/* gx (N, C, H, W) = d(sum y * gy)/dx for gy (N, O, OH, OW); gx is overwritten. */
int ct__conv2d_backward_input(ct_dtype dt, const ct_conv_geom *g, const void *gy, const void *w,
                              void *gx, ct_conv_impl impl, const char *fn);
/* gw (O, C / groups, KH, KW) = d(sum y * gy)/dw; gw is overwritten. */
int ct__conv2d_backward_weight(ct_dtype dt, const ct_conv_geom *g, const void *x, const void *gy,
                               void *gw, ct_conv_impl impl, const char *fn);
/*
 * The same, and gb (O) = the bias gradient, gb[o] = sum of gy[:, o], taken
 * in the same pass over gy (gb may be NULL); both are overwritten.
 */
int ct__conv2d_backward_weight_bias(ct_dtype dt, const ct_conv_geom *g, const void *x, const void *gy,
                                    void *gw, void *gb, ct_conv_impl impl, const char *fn);

/*
 * The whole backward of y = conv(x, w) (+ b): gx, gw and gb (gb may be NULL)
 * from x, w and gy, all overwritten. The same results as the calls above,
 * in one call so oneDNN reorders gy for the two products once.
 */
int ct__conv2d_backward(ct_dtype dt, const ct_conv_geom *g, const void *x, const void *w, const void *gy,
                        void *gx, void *gw, void *gb, ct_conv_impl impl, const char *fn);

/*
 * Direct float32 kernels (conv_direct.c) for one input channel per group
 * (C == groups: a first layer on one-channel images, depthwise layers) at
 * stride 1, any padding and dilation, windows of at most
 * CT_CONV_DIRECT_MAX_TAPS taps. Forward and the weight (and bias, gb not
 * NULL) gradient; they return 0, or -1 when out of memory (reported under
 * fn); the weight gradient returns 1, having done nothing, when x holds an
 * infinity or a NaN (see conv_direct.c). The input gradient of such layers
 * runs on the other paths.
 */
#define CT_CONV_DIRECT_MAX_TAPS 64
bool ct__conv_direct_takes(const ct_conv_geom *g);
int ct__conv_direct_forward(const ct_conv_geom *g, const float *x, const float *w, const float *bias, float *y,
                            const char *fn);
int ct__conv_direct_backward_weight(const ct_conv_geom *g, const float *x, const float *gy, float *gw, float *gb,
                                    const char *fn);

/* The plain loops (conv_reference.c). */
void ct__conv2d_forward_ref(ct_dtype dt, const ct_conv_geom *g, const void *x, const void *w,
                            const void *bias, void *y);
void ct__conv2d_backward_input_ref(ct_dtype dt, const ct_conv_geom *g, const void *gy,
                                   const void *w, void *gx);
void ct__conv2d_backward_weight_ref(ct_dtype dt, const ct_conv_geom *g, const void *x,
                                    const void *gy, void *gw);
void ct__conv2d_backward_bias_ref(ct_dtype dt, const ct_conv_geom *g, const void *gy, void *gb);

/*
 * im2col for one image and one group: col (Cg KH KW, OH OW) from x (Cg, H, W)
 * (zeros where the window reads padding); col2im adds col back into x
 * (which the caller zeroed). im2col.c.
 */
void ct__im2col(ct_dtype dt, const ct_conv_geom *g, int64_t Cg, const void *x, void *col);
void ct__col2im(ct_dtype dt, const ct_conv_geom *g, int64_t Cg, const void *col, void *x);


#endif
