/*
 * src/kernels/norm.c - batch norm and layer norm loops (see norm.h). Batch
 * norm runs channels in parallel; layer norm runs rows in parallel. Batch
 * norm's per-plane sums run in vector lanes and fold into double (see
 * NORM_PLANE_SUMS; float32's planes and rows on explicit vectors compiled
 * per instruction set, vec.h); layer norm accumulates in double.
 */
#include <math.h>
#include <stdlib.h>

#include "activation.h" /* CT_KOMP */
#include "norm.h"
#include "vec.h"

/*
 * Per-plane sums in CT_NORM_LANES independent lanes of T (the compiler
 * vectorizes them), folded into double once per plane: a BN plane is a few
 * hundred to a few thousand elements, so float lanes lose nothing that
 * matters and run 8-16x faster than a sequential double sum.
 */
#define CT_NORM_LANES 16
#define NORM_PLANE_SUMS(T)                                                              \
    static inline double plane_sum_##T(const T *p, int64_t S) {                         \
        T acc[CT_NORM_LANES] = {0};                                                     \
        int64_t k = 0;                                                                  \
        for (; k + CT_NORM_LANES <= S; k += CT_NORM_LANES)                              \
            for (int l = 0; l < CT_NORM_LANES; l++) acc[l] += p[k + l];                 \
        double s = 0;                                                                   \
        for (int l = 0; l < CT_NORM_LANES; l++) s += (double)acc[l];                    \
        for (; k < S; k++) s += (double)p[k];                                           \
        return s;                                                                       \
    }                                                                                   \
    /* sum (p - m)^2 */                                                                 \
    static inline double plane_sqdev_##T(const T *p, int64_t S, double m) {             \
        T acc[CT_NORM_LANES] = {0}, mt = (T)m;                                          \
        int64_t k = 0;                                                                  \
        for (; k + CT_NORM_LANES <= S; k += CT_NORM_LANES)                              \
            for (int l = 0; l < CT_NORM_LANES; l++) {                                   \
                T d = p[k + l] - mt;                                                    \
                acc[l] += d * d;                                                        \
            }                                                                           \
        double s = 0;                                                                   \
        for (int l = 0; l < CT_NORM_LANES; l++) s += (double)acc[l];                    \
        for (; k < S; k++) {                                                            \
            double d = (double)p[k] - m;                                                \
            s += d * d;                                                                 \
        }                                                                               \
        return s;                                                                       \
    }                                                                                   \
    /* *sg += sum g, *sgx += sum g (p - m) */                                           \
    static inline void plane_gsums_##T(const T *g, const T *p, int64_t S, double m,     \
                                       double *sg, double *sgx) {                       \
        T a[CT_NORM_LANES] = {0}, b[CT_NORM_LANES] = {0}, mt = (T)m;                    \
        int64_t k = 0;                                                                  \
        for (; k + CT_NORM_LANES <= S; k += CT_NORM_LANES)                              \
            for (int l = 0; l < CT_NORM_LANES; l++) {                                   \
                a[l] += g[k + l];                                                       \
                b[l] += g[k + l] * (p[k + l] - mt);                                     \
            }                                                                           \
        double x = 0, y = 0;                                                            \
        for (int l = 0; l < CT_NORM_LANES; l++) {                                       \
            x += (double)a[l];                                                          \
            y += (double)b[l];                                                          \
        }                                                                               \
        for (; k < S; k++) {                                                            \
            x += (double)g[k];                                                          \
            y += (double)g[k] * ((double)p[k] - m);                                     \
        }                                                                               \
        *sg += x;                                                                       \
        *sgx += y;                                                                      \
    }

/* dst[k] = src[k] * a + b */
#define NORM_ROWS(T)                                                                    \
    static inline void row_affine_##T(const T *src, T *dst, int64_t S, T a, T b) {      \
        for (int64_t k = 0; k < S; k++) dst[k] = src[k] * a + b;                        \
    }                                                                                   \
    /* o[k] = g[k] * k1 + p[k] * k2 + k3 (batch norm's input gradient) */               \
    static inline void row_bn_dx_##T(const T *g, const T *p, T *o, int64_t S, T k1, T k2, T k3) { \
        for (int64_t k = 0; k < S; k++) o[k] = g[k] * k1 + p[k] * k2 + k3;              \
    }

#if CT_HAVE_VEC
/*
 * float32 planes on explicit vectors, compiled per instruction set: two
 * accumulators of CT_VLANES lanes, folded into double per plane.
 */
#define VL CT_VLANES
static double plane_sum_float(const float *p, int64_t S) { return ct__vsum_f32(p, S); }

/* sum (p - m)^2 */
CT_KERNEL_CLONES CT_KERNEL_FMA static double plane_sqdev_float(const float *p, int64_t S, double m) {
    ct_vf a = {0}, b = {0};
    float mt = (float)m;
    int64_t k = 0;
    for (; k + 2 * VL <= S; k += 2 * VL) {
        ct_vf u, v;
        CT_VLOAD(u, p + k);
        CT_VLOAD(v, p + k + VL);
        u -= mt;
        v -= mt;
        a += u * u;
        b += v * v;
    }
    for (; k + VL <= S; k += VL) {
        ct_vf u;
        CT_VLOAD(u, p + k);
        u -= mt;
        a += u * u;
    }
    a += b;
    double s;
    CT_VSUM_D(a, s);
    for (; k < S; k++) {
        double d = (double)p[k] - m;
        s += d * d;
    }
    return s;
}

/* *sg += sum g, *sgx += sum g (p - m) */
CT_KERNEL_CLONES CT_KERNEL_FMA static void plane_gsums_float(const float *g, const float *p, int64_t S, double m,
                                                             double *sg, double *sgx) {
    ct_vf a = {0}, b = {0};
    float mt = (float)m;
    int64_t k = 0;
    for (; k + VL <= S; k += VL) {
        ct_vf u, v;
        CT_VLOAD(u, g + k);
        CT_VLOAD(v, p + k);
        a += u;
        b += u * (v - mt);
    }
    double x, y;
    CT_VSUM_D(a, x);
    CT_VSUM_D(b, y);
    for (; k < S; k++) {
        x += (double)g[k];
        y += (double)g[k] * ((double)p[k] - m);
    }
    *sg += x;
    *sgx += y;
}

CT_KERNEL_CLONES CT_KERNEL_FMA static void row_affine_float(const float *src, float *dst, int64_t S, float a,
                                                            float b) {
    int64_t k = 0;
    for (; k + VL <= S; k += VL) {
        ct_vf u;
        CT_VLOAD(u, src + k);
        u = u * a + b;
        CT_VSTORE(dst + k, u);
    }
    for (; k < S; k++) dst[k] = src[k] * a + b;
}

CT_KERNEL_CLONES CT_KERNEL_FMA static void row_bn_dx_float(const float *g, const float *p, float *o, int64_t S,
                                                           float k1, float k2, float k3) {
    int64_t k = 0;
    for (; k + VL <= S; k += VL) {
        ct_vf u, v;
        CT_VLOAD(u, g + k);
        CT_VLOAD(v, p + k);
        u = u * k1 + v * k2 + k3;
        CT_VSTORE(o + k, u);
    }
    for (; k < S; k++) o[k] = g[k] * k1 + p[k] * k2 + k3;
}
#undef VL
#else
NORM_PLANE_SUMS(float)
NORM_ROWS(float)
#endif
NORM_PLANE_SUMS(double)
NORM_ROWS(double)

/*
 * Batch norm's passes over big planes go in memory order: a channel's
 * planes lie C planes apart, and reading a channel at a time from memory
 * runs 2.5-4x slower than streaming (measured on [128, 32, 28, 28] and
 * [128, 64, 14, 14]: 8-10 against 24-29 GB/s). The per-plane results are
 * added up per channel afterwards, in a fixed order. Small planes (or one
 * image) keep the channel loops; so does a failed scratch allocation.
 */
static bool bn_streams(int64_t N, int64_t C, int64_t S) { return S >= 64 && N > 1 && C > 0; }

/*
 * mean[c] and the biased var[c] from per-plane sums and sums of squares
 * about the plane means (ps, see bn_plane_moments), merged plane by plane
 * in n order (Chan et al.'s pairwise update: no cancellation).
 */
static void bn_merge_moments(const double *ps, int64_t N, int64_t C, int64_t S, double *mean, double *var) {
    for (int64_t c = 0; c < C; c++) {
        double cnt = 0, m = 0, m2 = 0;
        for (int64_t n = 0; n < N; n++) {
            const double *q = ps + 2 * (n * C + c);
            double mb = q[0] / (double)S, tot = cnt + (double)S, d = mb - m;
            m += d * (double)S / tot;
            m2 += q[1] + d * d * cnt * (double)S / tot;
            cnt = tot;
        }
        mean[c] = m;
        var[c] = m2 / cnt;
    }
}

#define NORM_LOOPS(T)                                                                   \
    /* per plane (in memory order, one streaming pass): ps[2 nc] = sum, ps[2 nc + 1] =  \
       sum of squares about the plane's own mean (the plane is in L1 for the second) */ \
    static void bn_plane_moments_##T(const T *x, int64_t NC, int64_t S, double *ps) {  \
        CT_KOMP(parallel for if (NC * S > CT_GRAIN_SIZE && NC > 1))                     \
        for (int64_t nc = 0; nc < NC; nc++) {                                           \
            const T *p = x + nc * S;                                                    \
            double s = plane_sum_##T(p, S);                                             \
            ps[2 * nc] = s;                                                             \
            ps[2 * nc + 1] = plane_sqdev_##T(p, S, s / (double)S);                      \
        }                                                                               \
    }                                                                                   \
    static void bn_stats_##T(const T *x, int64_t N, int64_t C, int64_t S, double *mean, \
                             double *var) {                                             \
        double *ps = bn_streams(N, C, S) ? malloc((size_t)(N * C) * 2 * sizeof *ps) : NULL; \
        if (ps) {                                                                       \
            bn_plane_moments_##T(x, N * C, S, ps);                                      \
            bn_merge_moments(ps, N, C, S, mean, var);                                   \
            free(ps);                                                                   \
            return;                                                                     \
        }                                                                               \
        CT_KOMP(parallel for if (N * C * S > CT_GRAIN_SIZE && C > 1))                   \
        for (int64_t c = 0; c < C; c++) {                                               \
            double s = 0;                                                               \
            for (int64_t n = 0; n < N; n++) s += plane_sum_##T(x + (n * C + c) * S, S);    \
            double m = s / (double)(N * S), v = 0;                                      \
            for (int64_t n = 0; n < N; n++) v += plane_sqdev_##T(x + (n * C + c) * S, S, m); \
            mean[c] = m;                                                                \
            var[c] = v / (double)(N * S);                                               \
        }                                                                               \
    }                                                                                   \
    static void bn_apply_##T(const T *x, T *y, int64_t N, int64_t C, int64_t S,         \
                             const double *alpha, const double *beta) {                 \
        CT_KOMP(parallel for if (N * C * S > CT_GRAIN_SIZE && N * C > 1))               \
        for (int64_t nc = 0; nc < N * C; nc++) {                                        \
            T a = (T)alpha[nc % C], b = (T)beta[nc % C];                                \
            const T *p = x + nc * S;                                                    \
            T *q = y + nc * S;                                                          \
            row_affine_##T(p, q, S, a, b);                                              \
        }                                                                               \
    }                                                                                   \
    static void bn_backward_##T(const T *dy, const T *x, int64_t N, int64_t C,          \
                                int64_t S, const double *mean, const double *invstd,    \
                                const double *w, bool training, T *dx, double *gw,      \
                                double *gb) {                                           \
        double M = (double)(N * S);                                                     \
        /* big planes: the sums in one streaming pass, per plane, added up per channel  \
           in a fixed order (the same bits at any thread count) */                      \
        double *ps = bn_streams(N, C, S) ? calloc((size_t)(N * C) * 2, sizeof *ps) : NULL; \
        if (ps) {                                                                       \
            CT_KOMP(parallel for if (N * C * S > CT_GRAIN_SIZE && N * C > 1))           \
            for (int64_t nc = 0; nc < N * C; nc++)                                      \
                plane_gsums_##T(dy + nc * S, x + nc * S, S, mean[nc % C], &ps[2 * nc], &ps[2 * nc + 1]); \
        }                                                                               \
        double *k = dx && ps ? malloc((size_t)C * 3 * sizeof *k) : NULL;                \
        CT_KOMP(parallel for if (N * C * S > CT_GRAIN_SIZE && C > 1 && !ps))            \
        for (int64_t c = 0; c < C; c++) {                                               \
            double m = mean[c], is = invstd[c], sdy = 0, sdyx = 0; /* sdyx: sum dy (x - mean) */ \
            for (int64_t n = 0; n < N; n++) {                                           \
                if (ps) {                                                               \
                    sdy += ps[2 * (n * C + c)];                                         \
                    sdyx += ps[2 * (n * C + c) + 1];                                    \
                } else {                                                                \
                    plane_gsums_##T(dy + (n * C + c) * S, x + (n * C + c) * S, S, m, &sdy, &sdyx); \
                }                                                                       \
            }                                                                           \
            if (gb) gb[c] = sdy;                                                        \
            if (gw) gw[c] = sdyx * is;                                                  \
            if (!dx) continue;                                                          \
            double scale = is * (w ? w[c] : 1.0);                                       \
            /* dx = dy * k1 + x * k2 + k3 (training) or dy * scale (eval) */            \
            T k1 = (T)scale, k2 = 0, k3 = 0;                                            \
            if (training) {                                                             \
                double proj = sdyx * is * is / M;                                       \
                k2 = (T)(-proj * scale);                                                \
                k3 = (T)((m * proj - sdy / M) * scale);                                 \
            }                                                                           \
            if (k) { /* the input gradient in a second streaming pass, below */         \
                k[3 * c] = (double)k1, k[3 * c + 1] = (double)k2, k[3 * c + 2] = (double)k3; \
                continue;                                                               \
            }                                                                           \
            for (int64_t n = 0; n < N; n++) {                                           \
                const T *p = x + (n * C + c) * S, *g = dy + (n * C + c) * S;            \
                T *o = dx + (n * C + c) * S;                                            \
                row_bn_dx_##T(g, p, o, S, k1, k2, k3);                                  \
            }                                                                           \
        }                                                                               \
        if (k) {                                                                        \
            CT_KOMP(parallel for if (N * C * S > CT_GRAIN_SIZE && N * C > 1))           \
            for (int64_t nc = 0; nc < N * C; nc++) {                                    \
                const double *kc = k + 3 * (nc % C);                                    \
                row_bn_dx_##T(dy + nc * S, x + nc * S, dx + nc * S, S, (T)kc[0], (T)kc[1], (T)kc[2]); \
            }                                                                           \
        }                                                                               \
        free(k);                                                                        \
        free(ps);                                                                       \
    }                                                                                   \
    static void ln_forward_##T(const T *x, const T *w, const T *b, T *y, int64_t M,     \
                               int64_t N, double eps, double *mean, double *rstd) {     \
        CT_KOMP(parallel for if (M * N > CT_GRAIN_SIZE && M > 1))                       \
        for (int64_t i = 0; i < M; i++) {                                               \
            const T *p = x + i * N;                                                     \
            T *q = y + i * N;                                                           \
            double s = 0, v = 0;                                                        \
            for (int64_t j = 0; j < N; j++) s += (double)p[j];                          \
            double m = N > 0 ? s / (double)N : 0;                                       \
            for (int64_t j = 0; j < N; j++) {                                           \
                double d = (double)p[j] - m;                                            \
                v += d * d;                                                             \
            }                                                                           \
            double r = 1.0 / sqrt((N > 0 ? v / (double)N : 0) + eps);                   \
            mean[i] = m;                                                                \
            rstd[i] = r;                                                                \
            T mt = (T)m, rt = (T)r;                                                     \
            for (int64_t j = 0; j < N; j++) {                                           \
                T h = (p[j] - mt) * rt;                                                 \
                q[j] = h * (w ? w[j] : (T)1) + (b ? b[j] : (T)0);                       \
            }                                                                           \
        }                                                                               \
    }                                                                                   \
    static void ln_backward_##T(const T *dy, const T *x, const T *w, int64_t M,         \
                                int64_t N, const double *mean, const double *rstd,      \
                                T *dx, double *gw, double *gb) {                        \
        if (dx) {                                                                       \
            CT_KOMP(parallel for if (M * N > CT_GRAIN_SIZE && M > 1))                   \
            for (int64_t i = 0; i < M; i++) {                                           \
                const T *p = x + i * N, *g = dy + i * N;                                \
                T *o = dx + i * N;                                                      \
                double m = mean[i], r = rstd[i], a = 0, b = 0;                          \
                for (int64_t j = 0; j < N; j++) {                                       \
                    double dh = (double)g[j] * (w ? (double)w[j] : 1.0);                \
                    a += dh;                                                            \
                    b += dh * ((double)p[j] - m) * r;                                   \
                }                                                                       \
                a /= (double)N;                                                         \
                b /= (double)N;                                                         \
                for (int64_t j = 0; j < N; j++) {                                       \
                    double dh = (double)g[j] * (w ? (double)w[j] : 1.0);                \
                    double h = ((double)p[j] - m) * r;                                  \
                    o[j] = (T)(r * (dh - a - h * b));                                   \
                }                                                                       \
            }                                                                           \
        }                                                                               \
        if (!gw && !gb) return;                                                         \
        for (int64_t j = 0; j < N; j++) {                                               \
            if (gw) gw[j] = 0;                                                          \
            if (gb) gb[j] = 0;                                                          \
        }                                                                               \
        for (int64_t i = 0; i < M; i++) {                                               \
            const T *p = x + i * N, *g = dy + i * N;                                    \
            double m = mean[i], r = rstd[i];                                            \
            if (gw)                                                                     \
                for (int64_t j = 0; j < N; j++) gw[j] += (double)g[j] * ((double)p[j] - m) * r; \
            if (gb)                                                                     \
                for (int64_t j = 0; j < N; j++) gb[j] += (double)g[j];                  \
        }                                                                               \
    }

NORM_LOOPS(float)
NORM_LOOPS(double)

void ct__batch_norm_stats(ct_dtype dtype, const void *x, int64_t N, int64_t C, int64_t S,
                          double *mean, double *var) {
    if (dtype == CT_F32) bn_stats_float(x, N, C, S, mean, var);
    else bn_stats_double(x, N, C, S, mean, var);
}

void ct__batch_norm_apply(ct_dtype dtype, const void *x, void *y, int64_t N, int64_t C, int64_t S,
                          const double *alpha, const double *beta) {
    if (dtype == CT_F32) bn_apply_float(x, y, N, C, S, alpha, beta);
    else bn_apply_double(x, y, N, C, S, alpha, beta);
}

void ct__batch_norm_backward(ct_dtype dtype, const void *dy, const void *x, int64_t N, int64_t C,
                             int64_t S, const double *mean, const double *invstd, const double *w,
                             bool training, void *dx, double *gw, double *gb) {
    if (dtype == CT_F32) bn_backward_float(dy, x, N, C, S, mean, invstd, w, training, dx, gw, gb);
    else bn_backward_double(dy, x, N, C, S, mean, invstd, w, training, dx, gw, gb);
}

void ct__layer_norm_forward(ct_dtype dtype, const void *x, const void *w, const void *b, void *y,
                            int64_t M, int64_t N, double eps, double *mean, double *rstd) {
    if (dtype == CT_F32) ln_forward_float(x, w, b, y, M, N, eps, mean, rstd);
    else ln_forward_double(x, w, b, y, M, N, eps, mean, rstd);
}

void ct__layer_norm_backward(ct_dtype dtype, const void *dy, const void *x, const void *w,
                             int64_t M, int64_t N, const double *mean, const double *rstd,
                             void *dx, double *gw, double *gb) {
    if (dtype == CT_F32) ln_backward_float(dy, x, w, M, N, mean, rstd, dx, gw, gb);
    else ln_backward_double(dy, x, w, M, N, mean, rstd, dx, gw, gb);
}
