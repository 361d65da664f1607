/*
 * src/kernels/pool.c - max pooling (forward with indices, backward by
 * index), adaptive max pooling, and the separable linear resampling kernel
 * behind average pooling and interpolation (see pool.h).
 */
#include <math.h>
#include <string.h>

#include "pool.h"
#include "simd.h"

#ifdef _OPENMP
#define CT__POOL_PRAGMA(x) _Pragma(#x)
#define CT_POOL_OMP(work) CT__POOL_PRAGMA(omp parallel for if ((work) > CT_GRAIN_SIZE))
#else
#define CT_POOL_OMP(work)
#endif

/* Keeps (v, i) as the running max when v beats it; NaN always wins, as in PyTorch. */
#define CT_POOL_TAKE(v, i, best, bi)                                                    \
    if ((bi) < 0 || (v) > (best) || isnan(v)) {                                         \
        (best) = (v);                                                                   \
        (bi) = (i);                                                                     \
    }

/* The same rule without branches, for a running max that starts at the window's first element. */
#define CT_POOL_STEP(T, v, i, best, bi)                                                    \
    {                                                                                   \
        T v_ = (v);                                                                     \
        bool t_ = v_ > (best) || v_ != v_;                                              \
        (best) = t_ ? v_ : (best);                                                      \
        (bi) = t_ ? (i) : (bi);                                                         \
    }

#define CT_DEF_MAXPOOL(T, U, sfx)                                                          \
    static void maxpool_##sfx(const ct_pool_geom *g, const T *x, T *y, int64_t *idx) {  \
        int64_t OHW = g->OH * g->OW;                                                    \
        CT_POOL_OMP(g->P * OHW * g->kh * g->kw)                                         \
        for (int64_t p = 0; p < g->P; p++) {                                            \
            const T *xp = x + p * g->H * g->W;                                          \
            for (int64_t i = 0; i < g->OH; i++) {                                       \
                int64_t h0 = i * g->sh - g->ph;                                         \
                int64_t a0 = 0, a1 = g->kh; /* window rows inside the input */          \
                while (a0 < a1 && h0 + a0 * g->dh < 0) a0++;                            \
                while (a1 > a0 && h0 + (a1 - 1) * g->dh >= g->H) a1--;                  \
                for (int64_t j = 0; j < g->OW; j++) {                                   \
                    int64_t w0 = j * g->sw - g->pw, b0 = 0, b1 = g->kw;                 \
                    while (b0 < b1 && w0 + b0 * g->dw < 0) b0++;                        \
                    while (b1 > b0 && w0 + (b1 - 1) * g->dw >= g->W) b1--;              \
                    /* the window's first element starts the max (re-taking it is harmless) */ \
                    int64_t bi = (h0 + a0 * g->dh) * g->W + w0 + b0 * g->dw;            \
                    T best = xp[bi];                                                    \
                    for (int64_t a = a0; a < a1; a++) {                                 \
                        int64_t r = (h0 + a * g->dh) * g->W;                            \
                        for (int64_t b = b0; b < b1; b++) {                             \
                            int64_t k = r + w0 + b * g->dw;                             \
                            CT_POOL_STEP(T, xp[k], k, best, bi)                            \
                        }                                                               \
                    }                                                                   \
                    y[p * OHW + i * g->OW + j] = best;                                  \
                    idx[p * OHW + i * g->OW + j] = bi;                                  \
                }                                                                       \
            }                                                                           \
        }                                                                               \
    }                                                                                   \
    /*                                                                                  \
     * MaxPool2d(2): 2x2 windows, stride 2, no padding or dilation, all inside. One     \
     * output row at a time, written so the compiler vectorizes it: selects, not        \
     * branches, and the winner's place in the window as 0..3 (row-major). It goes      \
     * out as a plane index (ip) or as that code (op, the compact form).                \
     */                                                                                 \
    /* the window's max and its place (0..3) from the four values */                  \
    static inline T maxpool2x2_pick_##sfx(T a, T b, T c, T d, int *place) {           \
        bool t = b > a || b != b;                                                       \
        T m = t ? b : a;                                                                \
        int o = t ? 1 : 0;                                                              \
        t = c > m || c != c;                                                            \
        m = t ? c : m;                                                                  \
        o = t ? 2 : o;                                                                  \
        t = d > m || d != d;                                                            \
        *place = t ? 3 : o;                                                             \
        return t ? d : m;                                                               \
    }                                                                                   \
    static void maxpool2x2_row_##sfx(const T *restrict r0, const T *restrict r1, \
                                                      T *restrict y, int64_t *restrict ip, \
                                                      int64_t OW, int64_t k0, int W) {  \
        for (int64_t j = 0; j < OW; j++) {                                              \
            int o;                                                                      \
            y[j] = maxpool2x2_pick_##sfx(r0[2 * j], r0[2 * j + 1], r1[2 * j], r1[2 * j + 1], &o); \
            ip[j] = k0 + 2 * j + (o >> 1) * W + (o & 1);                                \
        }                                                                               \
    }                                                                                   \
    /* (the codes go through an int array: a byte store in the loop would make the   \
     * compiler's vector step 16 outputs, longer than most rows) */                     \
    static void maxpool2x2_code_row_##sfx(const T *restrict r0, const T *restrict r1,  \
                                          T *restrict y, uint8_t *restrict op, int64_t OW) { \
        int place[64];                                                                  \
        for (int64_t j0 = 0; j0 < OW; j0 += 64) {                                       \
            int64_t n = OW - j0 < 64 ? OW - j0 : 64;                                    \
            for (int64_t j = 0; j < n; j++) {                                           \
                int64_t c = 2 * (j0 + j);                                               \
                y[j0 + j] = maxpool2x2_pick_##sfx(r0[c], r0[c + 1], r1[c], r1[c + 1], &place[j]); \
            }                                                                           \
            for (int64_t j = 0; j < n; j++) op[j0 + j] = (uint8_t)place[j];             \
        }                                                                               \
    }                                                                                   \
    /* one output row's gradient into the two input rows under it, from the codes */    \
    CT_KERNEL_CLONES static void maxpool2x2_bwd_row_##sfx(const T *restrict gr, const uint8_t *restrict cr, \
                                                          T *restrict r0, T *restrict r1, int64_t OW) { \
        /* on the bits (and-masks, no branches, so it vectorizes; NaN and inf pass unchanged) */ \
        typedef U CT_MAY_ALIAS bits;                                                    \
        bits *restrict u0 = (bits *)(void *)r0, *restrict u1 = (bits *)(void *)r1;      \
        const bits *restrict ug = (const bits *)(const void *)gr;                       \
        for (int64_t j = 0; j < OW; j++) {                                              \
            U v = ug[j], o = cr[j];                                                     \
            u0[2 * j] = v & ((U)0 - (U)(o == 0));                                       \
            u0[2 * j + 1] = v & ((U)0 - (U)(o == 1));                                   \
            u1[2 * j] = v & ((U)0 - (U)(o == 2));                                       \
            u1[2 * j + 1] = v & ((U)0 - (U)(o == 3));                                   \
        }                                                                               \
    }                                                                                   \
    static void maxpool2x2_##sfx(const ct_pool_geom *g, const T *x, T *y, int64_t *idx, \
                                 uint8_t *code) {                                       \
        int64_t OH = g->OH, OW = g->OW, W = g->W, OHW = OH * OW;                        \
        CT_POOL_OMP(g->P * OHW * 4)                                                     \
        for (int64_t p = 0; p < g->P; p++) {                                            \
            const T *xp = x + p * g->H * W;                                             \
            for (int64_t i = 0; i < OH; i++) {                                          \
                const T *r0 = xp + 2 * i * W, *r1 = r0 + W;                             \
                if (code) maxpool2x2_code_row_##sfx(r0, r1, y + p * OHW + i * OW, code + p * OHW + i * OW, OW); \
                else maxpool2x2_row_##sfx(r0, r1, y + p * OHW + i * OW, idx + p * OHW + i * OW, OW, \
                                          2 * i * W, (int)W);                           \
            }                                                                           \
        }                                                                               \
    }                                                                                   \
    /* The compact form's gradient: every element of gx written once (no zeroing pass). */ \
    static void maxpool2x2_bwd_##sfx(const ct_pool_geom *g, const T *gy, const uint8_t *code, T *gx) { \
        int64_t OH = g->OH, OW = g->OW, H = g->H, W = g->W, OHW = OH * OW;              \
        CT_POOL_OMP(g->P * H * W)                                                       \
        for (int64_t p = 0; p < g->P; p++) {                                            \
            T *gp = gx + p * H * W;                                                     \
            for (int64_t i = 0; i < OH; i++) {                                          \
                T *r0 = gp + 2 * i * W, *r1 = r0 + W;                                   \
                maxpool2x2_bwd_row_##sfx(gy + p * OHW + i * OW, code + p * OHW + i * OW, r0, r1, OW); \
                for (int64_t k = 2 * OW; k < W; k++) r0[k] = r1[k] = 0; /* a last odd column */ \
            }                                                                           \
            if (2 * OH < H) memset(gp + 2 * OH * W, 0, (size_t)((H - 2 * OH) * W) * sizeof(T)); \
        }                                                                               \
    }                                                                                   \
    static void maxpool_ref_##sfx(const ct_pool_geom *g, const T *x, T *y, int64_t *idx) { \
        for (int64_t p = 0; p < g->P; p++)                                              \
            for (int64_t i = 0; i < g->OH; i++)                                         \
                for (int64_t j = 0; j < g->OW; j++) {                                   \
                    T best = (T)-INFINITY;                                              \
                    int64_t bi = -1;                                                    \
                    for (int64_t a = 0; a < g->kh; a++)                                 \
                        for (int64_t b = 0; b < g->kw; b++) {                           \
                            int64_t h = i * g->sh - g->ph + a * g->dh;                  \
                            int64_t w = j * g->sw - g->pw + b * g->dw;                  \
                            if (h < 0 || h >= g->H || w < 0 || w >= g->W) continue;     \
                            T v = x[(p * g->H + h) * g->W + w];                         \
                            CT_POOL_TAKE(v, h * g->W + w, best, bi)                     \
                        }                                                               \
                    y[(p * g->OH + i) * g->OW + j] = best;                              \
                    idx[(p * g->OH + i) * g->OW + j] = bi < 0 ? 0 : bi;                 \
                }                                                                       \
    }                                                                                   \
    static void maxpool_bwd_##sfx(int64_t P, int64_t HW, int64_t OHW, const T *gy,      \
                                  const int64_t *idx, T *gx) {                          \
        CT_POOL_OMP(P * (HW + OHW))                                                     \
        for (int64_t p = 0; p < P; p++) {                                               \
            T *gp = gx + p * HW;                                                        \
            memset(gp, 0, (size_t)HW * sizeof(T));                                      \
            for (int64_t k = 0; k < OHW; k++) gp[idx[p * OHW + k]] += gy[p * OHW + k];  \
        }                                                                               \
    }                                                                                   \
    static void adamax_##sfx(int64_t P, int64_t H, int64_t W, int64_t OH, int64_t OW,   \
                             const T *x, T *y, int64_t *idx) {                          \
        CT_POOL_OMP(P * H * W)                                                          \
        for (int64_t p = 0; p < P; p++)                                                 \
            for (int64_t i = 0; i < OH; i++) {                                          \
                int64_t h0 = i * H / OH, h1 = ((i + 1) * H + OH - 1) / OH;              \
                for (int64_t j = 0; j < OW; j++) {                                      \
                    int64_t w0 = j * W / OW, w1 = ((j + 1) * W + OW - 1) / OW;          \
                    T best = (T)-INFINITY;                                              \
                    int64_t bi = -1;                                                    \
                    for (int64_t h = h0; h < h1; h++)                                   \
                        for (int64_t w = w0; w < w1; w++) {                             \
                            T v = x[(p * H + h) * W + w];                               \
                            CT_POOL_TAKE(v, h * W + w, best, bi)                        \
                        }                                                               \
                    y[(p * OH + i) * OW + j] = best;                                    \
                    idx[(p * OH + i) * OW + j] = bi < 0 ? 0 : bi;                       \
                }                                                                       \
            }                                                                           \
    }

CT_DEF_MAXPOOL(float, uint32_t, f32)
CT_DEF_MAXPOOL(double, uint64_t, f64)

bool ct__max_pool2x2_applies(const ct_pool_geom *g) {
    return g->kh == 2 && g->kw == 2 && g->sh == 2 && g->sw == 2 && g->ph == 0 && g->pw == 0 && g->dh == 1 &&
           g->dw == 1 && 2 * g->OH <= g->H && 2 * g->OW <= g->W && g->W < INT32_MAX;
}

void ct__max_pool2d_fwd(ct_dtype dt, const ct_pool_geom *g, const void *x, void *y, int64_t *idx) {
    bool two = ct__max_pool2x2_applies(g);
    if (dt == CT_F32) two ? maxpool2x2_f32(g, x, y, idx, NULL) : maxpool_f32(g, x, y, idx);
    else two ? maxpool2x2_f64(g, x, y, idx, NULL) : maxpool_f64(g, x, y, idx);
}

void ct__max_pool2x2_fwd_compact(ct_dtype dt, const ct_pool_geom *g, const void *x, void *y, uint8_t *code) {
    if (dt == CT_F32) maxpool2x2_f32(g, x, y, NULL, code);
    else maxpool2x2_f64(g, x, y, NULL, code);
}

void ct__max_pool2x2_bwd_compact(ct_dtype dt, const ct_pool_geom *g, const void *gy, const uint8_t *code,
                                 void *gx) {
    if (dt == CT_F32) maxpool2x2_bwd_f32(g, gy, code, gx);
    else maxpool2x2_bwd_f64(g, gy, code, gx);
}

void ct__max_pool2x2_indices(const ct_pool_geom *g, const uint8_t *code, int64_t *idx) {
    int64_t OHW = g->OH * g->OW;
    for (int64_t p = 0; p < g->P; p++)
        for (int64_t i = 0; i < g->OH; i++)
            for (int64_t j = 0; j < g->OW; j++) {
                int64_t k = p * OHW + i * g->OW + j, o = code[k];
                idx[k] = (2 * i + (o >> 1)) * g->W + 2 * j + (o & 1);
            }
}

void ct__max_pool2d_fwd_ref(ct_dtype dt, const ct_pool_geom *g, const void *x, void *y, int64_t *idx) {
    if (dt == CT_F32) maxpool_ref_f32(g, x, y, idx);
    else maxpool_ref_f64(g, x, y, idx);
}

void ct__max_pool2d_bwd(ct_dtype dt, int64_t P, int64_t HW, int64_t OHW, const void *gy,
                        const int64_t *idx, void *gx) {
    if (dt == CT_F32) maxpool_bwd_f32(P, HW, OHW, gy, idx, gx);
    else maxpool_bwd_f64(P, HW, OHW, gy, idx, gx);
}

void ct__adaptive_max_pool2d_fwd(ct_dtype dt, int64_t P, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                 const void *x, void *y, int64_t *idx) {
    if (dt == CT_F32) adamax_f32(P, H, W, OH, OW, x, y, idx);
    else adamax_f64(P, H, W, OH, OW, x, y, idx);
}

/* ------------------------------------------------ separable linear maps */

#define CT_DEF_SEPLIN(T, sfx)                                                           \
    static void seplin_##sfx(int64_t P, int64_t H, int64_t W, const ct_taps *th,        \
                             const ct_taps *tw, const T *x, T *y) {                     \
        int64_t OH = th->n_out, OW = tw->n_out;                                         \
        CT_POOL_OMP(P * OH * OW * 4)                                                    \
        for (int64_t p = 0; p < P; p++) {                                               \
            const T *xp = x + p * H * W;                                                \
            for (int64_t i = 0; i < OH; i++)                                            \
                for (int64_t j = 0; j < OW; j++) {                                      \
                    double s = 0;                                                       \
                    for (int64_t u = th->off[i]; u < th->off[i + 1]; u++) {            \
                        const T *row = xp + th->idx[u] * W;                             \
                        double r = 0;                                                   \
                        for (int64_t v = tw->off[j]; v < tw->off[j + 1]; v++)           \
                            r += tw->wt[v] * (double)row[tw->idx[v]];                   \
                        s += th->wt[u] * r;                                             \
                    }                                                                   \
                    y[(p * OH + i) * OW + j] = (T)s;                                    \
                }                                                                       \
        }                                                                               \
    }                                                                                   \
    static void seplin_t_##sfx(int64_t P, int64_t H, int64_t W, const ct_taps *th,      \
                               const ct_taps *tw, const T *gy, T *gx) {                 \
        int64_t OH = th->n_out, OW = tw->n_out;                                         \
        CT_POOL_OMP(P * OH * OW * 4)                                                    \
        for (int64_t p = 0; p < P; p++) {                                               \
            T *gp = gx + p * H * W;                                                     \
            memset(gp, 0, (size_t)(H * W) * sizeof(T));                                 \
            for (int64_t i = 0; i < OH; i++)                                            \
                for (int64_t j = 0; j < OW; j++) {                                      \
                    double gv = (double)gy[(p * OH + i) * OW + j];                      \
                    for (int64_t u = th->off[i]; u < th->off[i + 1]; u++) {            \
                        T *row = gp + th->idx[u] * W;                                   \
                        double gu = gv * th->wt[u];                                     \
                        for (int64_t v = tw->off[j]; v < tw->off[j + 1]; v++)           \
                            row[tw->idx[v]] += (T)(gu * tw->wt[v]);                     \
                    }                                                                   \
                }                                                                       \
        }                                                                               \
    }

CT_DEF_SEPLIN(float, f32)
CT_DEF_SEPLIN(double, f64)

void ct__sep_linear(ct_dtype dt, int64_t P, int64_t H, int64_t W, const ct_taps *th, const ct_taps *tw,
                    const void *x, void *y) {
    if (dt == CT_F32) seplin_f32(P, H, W, th, tw, x, y);
    else seplin_f64(P, H, W, th, tw, x, y);
}

void ct__sep_linear_t(ct_dtype dt, int64_t P, int64_t H, int64_t W, const ct_taps *th, const ct_taps *tw,
                      const void *gy, void *gx) {
    if (dt == CT_F32) seplin_t_f32(P, H, W, th, tw, gy, gx);
    else seplin_t_f64(P, H, W, th, tw, gy, gx);
}
