/*
 * src/kernels/conv_direct.c - direct float32 convolution for one input
 * channel per group at stride 1 (see conv.h): the first layer of a CNN on
 * one-channel images, and depthwise layers.
 *
 * Such a layer's work is mostly writing its output: a 3x3 window has only 9
 * taps, so im2col's column matrix is as big as the output and GEMM runs at
 * a fraction of its speed on a 9-deep product. Here each input plane is
 * copied once into a zero-bordered buffer whose rows are the padded width
 * PW. In that layout a stride-1 convolution is a one-dimensional one over
 * the flat buffer: output k = i PW + j reads P[k + a dh PW + b dw] for tap
 * (a, b), the positions with j >= OW computing throw-away values. So every
 * loop below runs over contiguous floats in blocks of LANES, and four
 * output channels share each load of the input:
 *
 *   forward       Y[q][k] = bias[q] + sum_t w[q][t] P[k + off[t]]
 *   weight grad   gw[q][t] += sum_k G[q][k] P[k + off[t]],   gb[q] += sum_k G[q][k]
 *
 * where G holds gy's rows at the same PW stride, zero in the throw-away
 * columns. The work is split over (image, group, block of four output
 * channels); each thread keeps its plane while consecutive tasks share it,
 * and sums its weight gradient in double, the threads' sums added in a
 * fixed order at the end.
 */
#include <string.h>

#include "conv.h"
#include "vec.h"

#define LANES CT_VLANES /* floats per step of the flat loops (one AVX-512 register, two AVX2 ones) */
#define QB 4     /* output channels per block */

typedef struct {
    int64_t PH, PW; /* the padded plane */
    int64_t n;      /* flat outputs computed per plane: OH PW rounded up to LANES */
    int64_t plen;   /* floats in a plane buffer: every read P[k + off[t]], k < n, is inside */
    int64_t T;      /* window taps, KH KW */
    int64_t Og, nblk;
    int64_t off[CT_CONV_DIRECT_MAX_TAPS];
} plan;

static int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

bool ct__conv_direct_takes(const ct_conv_geom *g) {
    return g->C == g->groups && g->sh == 1 && g->sw == 1 && g->KH * g->KW <= CT_CONV_DIRECT_MAX_TAPS &&
           g->OH > 0 && g->OW > 0 && g->O % g->groups == 0;
}

static void make_plan(const ct_conv_geom *g, plan *p) {
    p->PH = g->OH + (g->KH - 1) * g->dh;
    p->PW = g->OW + (g->KW - 1) * g->dw;
    p->n = round_up(g->OH * p->PW, LANES);
    p->T = g->KH * g->KW;
    for (int64_t a = 0; a < g->KH; a++)
        for (int64_t b = 0; b < g->KW; b++) p->off[a * g->KW + b] = a * g->dh * p->PW + b * g->dw;
    p->plen = round_up(p->n + p->off[p->T - 1], LANES);
    p->Og = g->O / g->groups;
    p->nblk = (p->Og + QB - 1) / QB;
}

static int64_t num_tasks(const ct_conv_geom *g, const plan *p) { return g->N * g->groups * p->nblk; }

/* Threads worth starting: one below 8 grains of multiply-adds, else at most one per task. */
static int max_threads(const ct_conv_geom *g, const plan *p) {
    int nt = ct__conv_threads();
    if (g->N * g->O * p->T * p->n < 8 * CT_GRAIN_SIZE) return 1;
    return num_tasks(g, p) < nt ? (int)num_tasks(g, p) : nt;
}

/*
 * Per-thread scratch, zeroed once: the plane (plen floats), QB flat output
 * or gradient planes (n floats each), then `extra` bytes. The plane's
 * border and G's throw-away columns are never written, so they stay zero.
 */
typedef struct {
    char *base;
    size_t cap, per_thread;
} scratch;

static bool scratch_alloc(scratch *s, const plan *p, int nt, size_t extra, const char *fn) {
    s->per_thread = round_up((int64_t)((size_t)(p->plen + QB * p->n) * sizeof(float) + extra), 64);
    s->base = ct__alloc(s->per_thread * (size_t)nt, &s->cap);
    if (!s->base) {
        ct__error(CT_ERR_OOM, fn, "out of memory allocating the convolution's plane buffers");
        return false;
    }
    memset(s->base, 0, s->per_thread * (size_t)nt);
    return true;
}

static float *plane_of(const scratch *s, int tid) { return (float *)(s->base + s->per_thread * (size_t)tid); }

/* Copies plane x (H, W) into P's interior: P[r][c] = x[r - ph][c - pw] where that is inside x. */
static void fill_plane(const ct_conv_geom *g, const plan *p, const float *x, float *P) {
    int64_t c0 = g->pw > 0 ? g->pw : 0, s0 = c0 - g->pw;    /* first column written, and its source */
    int64_t c1 = g->pw + g->W < p->PW ? g->pw + g->W : p->PW; /* one past the last */
    if (c1 <= c0) return;
    for (int64_t r = 0; r < p->PH; r++) {
        int64_t sr = r - g->ph;
        if (sr < 0 || sr >= g->H) continue;
        memcpy(P + r * p->PW + c0, x + sr * g->W + s0, (size_t)(c1 - c0) * sizeof(float));
    }
}

/*
 * The inner loops, on GCC/Clang vectors of LANES floats (vec.h; the compiler
 * would otherwise vectorize across the output channels and shuffle), with
 * a plain-C version for other compilers.
 */
#if CT_HAVE_VEC
/* Y[q][k] = b4[q] + sum_t wt[t][q] P[k + off[t]] for k < n, q < QB. */
CT_KERNEL_CLONES CT_KERNEL_FMA static void correlate_block(const float *restrict P, const int64_t *restrict off,
                                                           int64_t T, const float *restrict wt,
                                                           const float *restrict b4, float *restrict Y,
                                                           int64_t n) {
    for (int64_t k = 0; k < n; k += LANES) {
        ct_vf a0 = (ct_vf){0} + b4[0], a1 = (ct_vf){0} + b4[1], a2 = (ct_vf){0} + b4[2], a3 = (ct_vf){0} + b4[3];
        for (int64_t t = 0; t < T; t++) {
            ct_vf v;
            CT_VLOAD(v, P + k + off[t]);
            const float *w = wt + t * QB;
            a0 += w[0] * v;
            a1 += w[1] * v;
            a2 += w[2] * v;
            a3 += w[3] * v;
        }
        memcpy(Y + k, &a0, sizeof a0);
        memcpy(Y + n + k, &a1, sizeof a1);
        memcpy(Y + 2 * n + k, &a2, sizeof a2);
        memcpy(Y + 3 * n + k, &a3, sizeof a3);
    }
}

/* The same for one output channel (wt[t] = its tap t, QB apart), two steps of k at a time. */
CT_KERNEL_CLONES CT_KERNEL_FMA static void correlate_one(const float *restrict P, const int64_t *restrict off,
                                                         int64_t T, const float *restrict wt, float b,
                                                         float *restrict Y, int64_t n) {
    int64_t k = 0;
    for (; k + 2 * LANES <= n; k += 2 * LANES) {
        ct_vf a0 = (ct_vf){0} + b, a1 = a0;
        for (int64_t t = 0; t < T; t++) {
            ct_vf u, v;
            CT_VLOAD(u, P + k + off[t]);
            CT_VLOAD(v, P + k + LANES + off[t]);
            a0 += wt[t * QB] * u;
            a1 += wt[t * QB] * v;
        }
        memcpy(Y + k, &a0, sizeof a0);
        memcpy(Y + k + LANES, &a1, sizeof a1);
    }
    for (; k < n; k += LANES) {
        ct_vf a0 = (ct_vf){0} + b;
        for (int64_t t = 0; t < T; t++) {
            ct_vf u;
            CT_VLOAD(u, P + k + off[t]);
            a0 += wt[t * QB] * u;
        }
        memcpy(Y + k, &a0, sizeof a0);
    }
}

/* acc[q] (LANES lane sums) += sum_k G[q][k] pt[k] for k < len, q < nq (G's planes gs floats apart). */
CT_KERNEL_CLONES CT_KERNEL_FMA static void dot_block(const float *restrict pt, const float *restrict G, int64_t gs,
                                                     int64_t len, int64_t nq, float acc[QB][LANES]) {
    if (nq == 1) { /* two partial sums over k instead of four planes */
        ct_vf a0, a1 = {0};
        memcpy(&a0, acc[0], sizeof a0);
        int64_t k = 0;
        for (; k + 2 * LANES <= len; k += 2 * LANES) {
            ct_vf u, v, g, h;
            CT_VLOAD(u, pt + k);
            CT_VLOAD(v, pt + k + LANES);
            CT_VLOAD(g, G + k);
            CT_VLOAD(h, G + k + LANES);
            a0 += g * u;
            a1 += h * v;
        }
        for (; k < len; k += LANES) {
            ct_vf u, g;
            CT_VLOAD(u, pt + k);
            CT_VLOAD(g, G + k);
            a0 += g * u;
        }
        a0 += a1;
        memcpy(acc[0], &a0, sizeof a0);
        return;
    }
    ct_vf a0, a1, a2, a3;
    memcpy(&a0, acc[0], sizeof a0);
    memcpy(&a1, acc[1], sizeof a1);
    memcpy(&a2, acc[2], sizeof a2);
    memcpy(&a3, acc[3], sizeof a3);
    for (int64_t k = 0; k < len; k += LANES) {
        ct_vf v, g0, g1, g2, g3;
        CT_VLOAD(v, pt + k);
        CT_VLOAD(g0, G + k);
        CT_VLOAD(g1, G + gs + k);
        CT_VLOAD(g2, G + 2 * gs + k);
        CT_VLOAD(g3, G + 3 * gs + k);
        a0 += g0 * v;
        a1 += g1 * v;
        a2 += g2 * v;
        a3 += g3 * v;
    }
    memcpy(acc[0], &a0, sizeof a0);
    memcpy(acc[1], &a1, sizeof a1);
    memcpy(acc[2], &a2, sizeof a2);
    memcpy(acc[3], &a3, sizeof a3);
}

/* False when p[0..n) holds an infinity or a NaN (then some p[k] * 0 is a NaN). */
CT_KERNEL_CLONES static bool all_finite(const float *restrict p, int64_t n) {
    ct_vf a = {0};
    int64_t k = 0;
    for (; k + LANES <= n; k += LANES) {
        ct_vf u;
        CT_VLOAD(u, p + k);
        a += u * 0.0f;
    }
    float z = 0;
    for (; k < n; k++) z += p[k] * 0.0f;
    for (int l = 0; l < LANES; l++) z += a[l];
    return z == 0;
}
#else
static void correlate_block(const float *restrict P, const int64_t *restrict off, int64_t T,
                            const float *restrict wt, const float *restrict b4, float *restrict Y, int64_t n) {
    for (int q = 0; q < QB; q++)
        for (int64_t k = 0; k < n; k++) {
            float a = b4[q];
            for (int64_t t = 0; t < T; t++) a += wt[t * QB + q] * P[k + off[t]];
            Y[q * n + k] = a;
        }
}

static void correlate_one(const float *restrict P, const int64_t *restrict off, int64_t T,
                          const float *restrict wt, float b, float *restrict Y, int64_t n) {
    for (int64_t k = 0; k < n; k++) {
        float a = b;
        for (int64_t t = 0; t < T; t++) a += wt[t * QB] * P[k + off[t]];
        Y[k] = a;
    }
}

static void dot_block(const float *restrict pt, const float *restrict G, int64_t gs, int64_t len, int64_t nq,
                      float acc[QB][LANES]) {
    for (int64_t q = 0; q < nq; q++)
        for (int64_t k = 0; k < len; k++) acc[q][k % LANES] += G[q * gs + k] * pt[k];
}

static bool all_finite(const float *restrict p, int64_t n) {
    float z = 0;
    for (int64_t k = 0; k < n; k++) z += p[k] * 0.0f;
    return z == 0;
}
#endif

/*
 * dw[q][t] += sum_k G[q][k] P[k + off[t]] for k < n, q < nq. k runs in
 * chunks that keep G's planes in the level-1 cache across the taps; each
 * tap's lane sums are finished in double at the end.
 */
#define KCHUNK 1024
static void weight_block(const float *P, const int64_t *off, int64_t T, const float *G, int64_t n, int64_t nq,
                         double *dw) {
    float acc[CT_CONV_DIRECT_MAX_TAPS][QB][LANES];
    memset(acc, 0, (size_t)T * sizeof acc[0]);
    for (int64_t k0 = 0; k0 < n; k0 += KCHUNK) {
        int64_t len = n - k0 < KCHUNK ? n - k0 : KCHUNK;
        for (int64_t t = 0; t < T; t++) dot_block(P + off[t] + k0, G + k0, n, len, nq, acc[t]);
    }
    for (int64_t t = 0; t < T; t++)
        for (int64_t q = 0; q < nq; q++) {
            double s = 0;
            for (int l = 0; l < LANES; l++) s += (double)acc[t][q][l];
            dw[q * T + t] += s;
        }
}

/* Task -> (image n, group gi, first output channel o0 of the block, channels nq in it). */
typedef struct {
    int64_t n, gi, o0, nq;
} task;

static task task_at(const ct_conv_geom *g, const plan *p, int64_t id) {
    task t;
    int64_t blk = id % p->nblk, ng = id / p->nblk;
    t.n = ng / g->groups;
    t.gi = ng % g->groups;
    t.o0 = t.gi * p->Og + blk * QB;
    t.nq = p->Og - blk * QB < QB ? p->Og - blk * QB : QB;
    return t;
}

/* The input plane of task t into P, unless P already holds it. */
static void ensure_plane(const ct_conv_geom *g, const plan *p, const float *x, const task *t, float *P,
                         int64_t *held) {
    int64_t id = t->n * g->groups + t->gi;
    if (*held == id) return;
    fill_plane(g, p, x + id * g->H * g->W, P);
    *held = id;
}

int ct__conv_direct_forward(const ct_conv_geom *g, const float *x, const float *w, const float *bias, float *y,
                            const char *fn) {
    plan p;
    make_plan(g, &p);
    int nt = max_threads(g, &p);
    scratch s;
    if (!scratch_alloc(&s, &p, nt, 0, fn)) return -1;
    int64_t ntask = num_tasks(g, &p), OHW = g->OH * g->OW;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
#endif
    {
        float *P = plane_of(&s, ct__conv_thread_id()), *Y = P + p.plen;
        int64_t held = -1;
        float wt[CT_CONV_DIRECT_MAX_TAPS * QB], b4[QB];
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
        for (int64_t id = 0; id < ntask; id++) {
            task t = task_at(g, &p, id);
            ensure_plane(g, &p, x, &t, P, &held);
            for (int q = 0; q < QB; q++) {
                b4[q] = q < t.nq && bias ? bias[t.o0 + q] : 0.0f;
                for (int64_t k = 0; k < p.T; k++) wt[k * QB + q] = q < t.nq ? w[(t.o0 + q) * p.T + k] : 0.0f;
            }
            if (t.nq == 1) correlate_one(P, p.off, p.T, wt, b4[0], Y, p.n);
            else correlate_block(P, p.off, p.T, wt, b4, Y, p.n);
            for (int64_t q = 0; q < t.nq; q++) {
                float *yo = y + (t.n * g->O + t.o0 + q) * OHW;
                for (int64_t i = 0; i < g->OH; i++)
                    memcpy(yo + i * g->OW, Y + q * p.n + i * p.PW, (size_t)g->OW * sizeof(float));
            }
        }
    }
    ct__dealloc(s.base, s.cap);
    return 0;
}

/* Copies gy's planes of task t into G at stride PW, and adds each plane's sum to bsum[q]. */
static void fill_grad_planes(const ct_conv_geom *g, const plan *p, const float *gy, const task *t, float *G,
                             double *bsum) {
    int64_t OHW = g->OH * g->OW;
    for (int64_t q = 0; q < t->nq; q++) {
        const float *src = gy + (t->n * g->O + t->o0 + q) * OHW;
        for (int64_t i = 0; i < g->OH; i++)
            memcpy(G + q * p->n + i * p->PW, src + i * g->OW, (size_t)g->OW * sizeof(float));
        bsum[q] += ct__vsum_f32(G + q * p->n, p->n); /* the throw-away columns hold zeros */
    }
}

int ct__conv_direct_backward_weight(const ct_conv_geom *g, const float *x, const float *gy, float *gw, float *gb,
                                    const char *fn) {
    /*
     * The throw-away columns multiply G's zeros by real input values; an
     * infinite or NaN input would turn those products into NaNs that the
     * other paths never form, so such inputs go there.
     */
    if (!all_finite(x, g->N * g->C * g->H * g->W)) return 1;
    plan p;
    make_plan(g, &p);
    int nt = max_threads(g, &p);
    size_t acc_len = (size_t)(g->O * p.T + g->O + QB * p.T); /* weight sums, bias sums, one block's sums */
    scratch s;
    if (!scratch_alloc(&s, &p, nt, acc_len * sizeof(double), fn)) return -1;
    int64_t ntask = num_tasks(g, &p);
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
#endif
    {
        float *P = plane_of(&s, ct__conv_thread_id()), *G = P + p.plen;
        double *wacc = (double *)(G + QB * p.n), *bacc = wacc + g->O * p.T, *blk = bacc + g->O;
        int64_t held = -1;
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
        for (int64_t id = 0; id < ntask; id++) {
            task t = task_at(g, &p, id);
            ensure_plane(g, &p, x, &t, P, &held);
            fill_grad_planes(g, &p, gy, &t, G, bacc + t.o0);
            memset(blk, 0, QB * (size_t)p.T * sizeof(double));
            weight_block(P, p.off, p.T, G, p.n, t.nq, blk);
            for (int64_t k = 0; k < t.nq * p.T; k++) wacc[t.o0 * p.T + k] += blk[k];
        }
    }
    /* the threads' sums, in thread order */
    for (int64_t k = 0; k < g->O * p.T + (gb ? g->O : 0); k++) {
        double sum = 0;
        for (int tid = 0; tid < nt; tid++) {
            float *P = plane_of(&s, tid);
            sum += ((double *)(P + p.plen + QB * p.n))[k];
        }
        if (k < g->O * p.T) gw[k] = (float)sum;
        else gb[k - g->O * p.T] = (float)sum;
    }
    ct__dealloc(s.base, s.cap);
    return 0;
}
