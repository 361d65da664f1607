/*
 * src/kernels/pool.h - pooling and resampling kernels over contiguous planes:
 * x is (P, H, W) with P = N C planes, outputs (P, OH, OW). Planes run in
 * parallel with OpenMP above the grain size. No kernel here allocates: the
 * callers own every buffer (indices, tap tables).
 */
#ifndef CT_KERNELS_POOL_H
#define CT_KERNELS_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/internal.h"

/* A pooling window geometry along both axes. */
typedef struct ct_pool_geom {
    int64_t P, H, W, OH, OW;
    int64_t kh, kw, sh, sw, ph, pw, dh, dw;
} ct_pool_geom;

/*
 * Max pooling: y = max over each dilated window, idx = the flat plane index
 * (h W + w) of the max (NaN wins; ties keep the first). Windows clipped to
 * the input; every window holds at least one input element.
 */
void ct__max_pool2d_fwd(ct_dtype dt, const ct_pool_geom *g, const void *x, void *y, int64_t *idx);
/*
 * MaxPool2d(2) (kernel 2, stride 2, no padding or dilation; a last odd row
 * or column is left out) has a fast path, and a compact form of its indices
 * for the backward: code = the max's place in its window, 0..3 row-major,
 * one byte per output instead of an int64 plane index. The compact
 * backward writes every element of gx (P, H, W) once; _indices turns codes
 * into plane indices (for a differentiable backward).
 */
bool ct__max_pool2x2_applies(const ct_pool_geom *g);
void ct__max_pool2x2_fwd_compact(ct_dtype dt, const ct_pool_geom *g, const void *x, void *y, uint8_t *code);
void ct__max_pool2x2_bwd_compact(ct_dtype dt, const ct_pool_geom *g, const void *gy, const uint8_t *code,
                                 void *gx);
void ct__max_pool2x2_indices(const ct_pool_geom *g, const uint8_t *code, int64_t *idx);
/* gx (P, H, W) = 0, then gx[p, idx] += gy over each plane. */
void ct__max_pool2d_bwd(ct_dtype dt, int64_t P, int64_t HW, int64_t OHW, const void *gy,
                        const int64_t *idx, void *gx);
/* Adaptive max pooling: window i spans [floor(i H / OH), ceil((i + 1) H / OH)). */
void ct__adaptive_max_pool2d_fwd(ct_dtype dt, int64_t P, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                 const void *x, void *y, int64_t *idx);
/* The plain reference of max pooling (one loop nest, no threads), for tests. */
void ct__max_pool2d_fwd_ref(ct_dtype dt, const ct_pool_geom *g, const void *x, void *y, int64_t *idx);

/*
 * Separable linear resampling (average pooling, adaptive average pooling,
 * nearest and bilinear interpolation): each output index o along an axis
 * reads the inputs idx[off[o] .. off[o+1]) with weights wt[...], and
 *   y[i, j] = sum_a sum_b wh[i, a] ww[j, b] x[a, b].
 * The transposed map (its gradient) adds wh ww gy into gx, which it zeroes.
 */
typedef struct ct_taps {
    int64_t n_out;
    const int64_t *off; /* n_out + 1 */
    const int64_t *idx;
    const double *wt;
} ct_taps;

void ct__sep_linear(ct_dtype dt, int64_t P, int64_t H, int64_t W, const ct_taps *th, const ct_taps *tw,
                    const void *x, void *y);
void ct__sep_linear_t(ct_dtype dt, int64_t P, int64_t H, int64_t W, const ct_taps *th, const ct_taps *tw,
                      const void *gy, void *gx);

#endif
