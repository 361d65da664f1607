/*
 * src/kernels/norm.h - batch norm and layer norm loops over contiguous data.
 * Per-channel / per-row statistics are double arrays; tensors are f32 or f64.
 */
#ifndef CT_KERNELS_NORM_H
#define CT_KERNELS_NORM_H

#include "../core/internal.h"

/*
 * Batch norm over x: (N, C, S) contiguous (S = product of the spatial dims).
 * stats:    mean[c] and biased var[c] over (N, S), two passes in double.
 * apply:    y = x * alpha[c] + beta[c].
 * backward: with mean[c], invstd[c] and the per-channel scale w[c] (NULL: 1):
 *   gb[c] = sum dy,  gw[c] = sum dy * (x - mean) * invstd  (either may be NULL)
 *   dx (NULL: not wanted) = training ? (dy - sum_dy / M - (x - mean) * invstd^2 * sum_dy_xmu / M) * invstd * w
 *                                    : dy * invstd * w          (M = N * S)
 */
void ct__batch_norm_stats(ct_dtype dtype, const void *x, int64_t N, int64_t C, int64_t S,
                          double *mean, double *var);
void ct__batch_norm_apply(ct_dtype dtype, const void *x, void *y, int64_t N, int64_t C, int64_t S,
                          const double *alpha, const double *beta);
void ct__batch_norm_backward(ct_dtype dtype, const void *dy, const void *x, int64_t N, int64_t C,
                             int64_t S, const double *mean, const double *invstd, const double *w,
                             bool training, void *dx, double *gw, double *gb);

/*
 * Layer norm over the rows of x: (M, N) contiguous; w and b are N elements of
 * x's dtype or NULL.
 * forward:  mean[i], rstd[i] = 1 / sqrt(biased var + eps); y = (x - mean) * rstd * w + b.
 * backward: xhat = (x - mean) * rstd, dxhat = dy * w;
 *           dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))  (dx NULL: not wanted)
 *           gw[j] = sum_i dy * xhat, gb[j] = sum_i dy  (double arrays; NULL: not wanted)
 */
void ct__layer_norm_forward(ct_dtype dtype, const void *x, const void *w, const void *b, void *y,
                            int64_t M, int64_t N, double eps, double *mean, double *rstd);
void ct__layer_norm_backward(ct_dtype dtype, const void *dy, const void *x, const void *w,
                             int64_t M, int64_t N, const double *mean, const double *rstd,
                             void *dx, double *gw, double *gb);

#endif
