/*
 * src/kernels/reduce.c - reduction, arg-reduction, scan and sort loops.
 *
 * A reduction is defined by five pieces (see the op table below): the
 * accumulator's start value INIT, STEP(acc, x, center) taking one element,
 * MERGE(acc, acc) combining two partial results, FINAL(acc, n, center)
 * producing the output, and the accumulator type. DEFINE_REDUCE turns them
 * into three loops:
 *   - a contiguous run: 8 independent lanes (the compiler vectorizes them),
 *     split in halves above BLOCK elements, so float sums are pairwise
 *     (cascade) sums whose error grows like log(n), as PyTorch's do;
 *   - a strided walk over the inner dims, one run at a time;
 *   - "columns": when the reduced dims are outer dims (sum over dim 0 of a
 *     [N, C] tensor) it walks whole rows, accumulating a tile of contiguous
 *     columns at once, instead of striding down each column.
 * Threads: over outputs when there are enough, else over chunks of the
 * reduced elements with partial results merged in order.
 */
#ifdef _OPENMP
#include <omp.h>
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reduce.h"

/* ------------------------------------------------------------------ plan */

void ct__reduce_plan_init(ct_reduce_plan *p, const ct_tensor *in, const bool *reduce,
                          const int64_t *out_strides, bool reorder) {
    memset(p, 0, sizeof *p);
    p->in = ct__data(in);
    p->dtype = in->dtype;
    int nd = in->ndim;

    /* Outer: kept dims in C order, with the output's strides. */
    int64_t kept_stride = 1;
    int64_t cstride[CT_MAX_DIMS];
    for (int d = nd - 1; d >= 0; d--) {
        if (reduce[d]) continue;
        cstride[d] = kept_stride;
        kept_stride *= in->shape[d];
    }
    p->n_out = 1;
    p->n_inner = 1;
    int no = 0;
    for (int d = 0; d < nd; d++) {
        if (reduce[d]) {
            p->n_inner *= in->shape[d];
            continue;
        }
        p->n_out *= in->shape[d];
        if (in->shape[d] == 1) continue;
        int64_t os = out_strides ? out_strides[d] : cstride[d];
        if (no > 0 && p->outer_in[no - 1] == in->shape[d] * in->strides[d] &&
            p->outer_out[no - 1] == in->shape[d] * os) {
            p->outer_shape[no - 1] *= in->shape[d];
            p->outer_in[no - 1] = in->strides[d];
            p->outer_out[no - 1] = os;
            continue;
        }
        p->outer_shape[no] = in->shape[d];
        p->outer_in[no] = in->strides[d];
        p->outer_out[no] = os;
        no++;
    }
    p->outer_ndim = no;

    /* Inner: reduced dims, innermost first. */
    int ni = 0;
    for (int d = nd - 1; d >= 0; d--) {
        if (!reduce[d]) continue;
        if (out_strides) p->inner_out = out_strides[d];
        if (in->shape[d] == 1) continue;
        p->inner_shape[ni] = in->shape[d];
        p->inner_in[ni] = in->strides[d];
        ni++;
    }
    if (reorder && ni > 1) {
        /* Insertion sort by |stride|, then merge neighbours that are one run. */
        for (int i = 1; i < ni; i++) {
            int64_t sh = p->inner_shape[i], st = p->inner_in[i];
            int j = i;
            while (j > 0 && llabs(p->inner_in[j - 1]) > llabs(st)) {
                p->inner_shape[j] = p->inner_shape[j - 1];
                p->inner_in[j] = p->inner_in[j - 1];
                j--;
            }
            p->inner_shape[j] = sh;
            p->inner_in[j] = st;
        }
        int m = 0;
        for (int i = 1; i < ni; i++) {
            if (p->inner_in[i] == p->inner_shape[m] * p->inner_in[m]) {
                p->inner_shape[m] *= p->inner_shape[i];
            } else {
                m++;
                p->inner_shape[m] = p->inner_shape[i];
                p->inner_in[m] = p->inner_in[i];
            }
        }
        ni = m + 1;
    }
    if (ni == 0) { /* one element per output */
        p->inner_shape[0] = 1;
        p->inner_in[0] = 1;
        ni = 1;
    }
    p->inner_ndim = ni;
}

/* Offsets of output o's first input element and of its output element. */
static void outer_offsets(const ct_reduce_plan *p, int64_t o, int64_t *in_off, int64_t *out_off) {
    int64_t a = 0, b = 0;
    for (int d = p->outer_ndim - 1; d >= 0; d--) {
        int64_t i = o % p->outer_shape[d];
        o /= p->outer_shape[d];
        a += i * p->outer_in[d];
        b += i * p->outer_out[d];
    }
    *in_off = a;
    if (out_off) *out_off = b;
}

/* Offset of inner position k; idx gets its multi-index (dims innermost first). */
static int64_t inner_unravel(const ct_reduce_plan *p, int64_t k, int first, int64_t *idx) {
    int64_t off = 0;
    for (int d = first; d < p->inner_ndim; d++) {
        idx[d] = k % p->inner_shape[d];
        k /= p->inner_shape[d];
        off += idx[d] * p->inner_in[d];
    }
    return off;
}

/* Steps the multi-index over dims first.. by one; returns the new offset. */
static inline int64_t inner_next(const ct_reduce_plan *p, int first, int64_t *idx, int64_t off) {
    for (int d = first; d < p->inner_ndim; d++) {
        off += p->inner_in[d];
        if (++idx[d] < p->inner_shape[d]) break;
        off -= idx[d] * p->inner_in[d];
        idx[d] = 0;
    }
    return off;
}

/* ---------------------------------------------------------------- threads */

/* Threads worth using for `work` elements (1 below the grain size). */
static int threads_for(int64_t work) {
#ifdef _OPENMP
    if (work < CT_GRAIN_SIZE || omp_in_parallel()) return 1;
    int n = omp_get_max_threads();
    int64_t cap = work / CT_GRAIN_SIZE;
    if (cap < n) n = (int)cap;
    return n < 1 ? 1 : n;
#else
    (void)work;
    return 1;
#endif
}

/* Calls fn(begin, end, thread, ctx) on nth contiguous parts of [0, n). */
typedef void (*range_fn)(int64_t b, int64_t e, int tid, void *ctx);
static void parallel_range(int64_t n, int nth, range_fn fn, void *ctx) {
#ifdef _OPENMP
    if (nth > 1) {
#pragma omp parallel num_threads(nth)
        {
            int64_t t = omp_get_thread_num(), c = omp_get_num_threads();
            fn(n * t / c, n * (t + 1) / c, (int)t, ctx);
        }
        return;
    }
#endif
    fn(0, n, 0, ctx);
}

/* --------------------------------------------------------- reduction loops */

#define LANES 8
#define BLOCK 1024 /* elements per pairwise leaf */
#define COLS 2048  /* columns per tile in the column path: long contiguous row reads */
#define ROWS 64    /* rows summed per block before merging (column path) */

typedef struct {
    const ct_reduce_plan *p;
    void *out;
    const ct_reduce_args *a;
    void *partial;  /* per-thread partial accumulators */
    int64_t o;      /* the output being split (few-outputs path) */
    int64_t tiles;  /* column path */
} rctx;

#define CENTER(A, o) ((A)->center ? (A)->center[o] : 0.0)

#define DEFINE_REDUCE(NAME, T, ACC, OUT, INIT, STEP, MERGE, FINAL, FAST)                \
    /* n elements x[0], x[s], ...: lanes, pairwise above BLOCK. */                      \
    static ACC NAME##_run(const T *x, int64_t n, int64_t s, double c,                   \
                          const ct_reduce_args *A) {                                    \
        if (s == 1 && FAST) return FAST##_run(x, n);                                    \
        if (n > BLOCK) {                                                                \
            int64_t h = (n / 2) & ~(int64_t)(LANES - 1);                                \
            ACC l = NAME##_run(x, h, s, c, A);                                          \
            ACC r = NAME##_run(x + h * s, n - h, s, c, A);                              \
            return MERGE(l, r);                                                         \
        }                                                                               \
        ACC l[LANES];                                                                   \
        for (int j = 0; j < LANES; j++) l[j] = INIT;                                    \
        int64_t i = 0;                                                                  \
        if (s == 1) {                                                                   \
            for (; i + LANES <= n; i += LANES)                                          \
                for (int j = 0; j < LANES; j++) l[j] = STEP(l[j], x[i + j], c);         \
        } else {                                                                        \
            for (; i + LANES <= n; i += LANES)                                          \
                for (int j = 0; j < LANES; j++) l[j] = STEP(l[j], x[(i + j) * s], c);   \
        }                                                                               \
        for (; i < n; i++) l[0] = STEP(l[0], x[i * s], c);                              \
        for (int w = LANES / 2; w > 0; w /= 2)                                          \
            for (int j = 0; j < w; j++) l[j] = MERGE(l[j], l[j + w]);                   \
        return l[0];                                                                    \
    }                                                                                   \
    /* Inner positions [b, e) of one output whose elements start at base. */            \
    static ACC NAME##_range(const ct_reduce_plan *p, const T *base, int64_t b, int64_t e, \
                            double c, const ct_reduce_args *A) {                        \
        ACC acc = INIT;                                                                 \
        if (b >= e) return acc;                                                         \
        int64_t idx[CT_MAX_DIMS] = {0};                                                 \
        int64_t n0 = p->inner_shape[0], s0 = p->inner_in[0];                            \
        int64_t col = b % n0, off = inner_unravel(p, b / n0, 1, idx);                   \
        for (int64_t pos = b; pos < e;) {                                               \
            int64_t n = n0 - col < e - pos ? n0 - col : e - pos;                        \
            ACC r = NAME##_run(base + off + col * s0, n, s0, c, A);                     \
            acc = MERGE(acc, r);                                                        \
            pos += n;                                                                   \
            col = 0;                                                                    \
            off = inner_next(p, 1, idx, off);                                           \
        }                                                                               \
        return acc;                                                                     \
    }                                                                                   \
    /* Outputs [b, e), each over all its inner elements. */                             \
    static void NAME##_outputs(int64_t b, int64_t e, int tid, void *vc) {               \
        const rctx *x = vc;                                                             \
        const ct_reduce_plan *p = x->p;                                                 \
        const ct_reduce_args *A = x->a;                                                 \
        OUT *out = x->out;                                                              \
        for (int64_t o = b; o < e; o++) {                                               \
            int64_t off;                                                                \
            outer_offsets(p, o, &off, NULL);                                            \
            double c = CENTER(A, o);                                                    \
            ACC acc = NAME##_range(p, (const T *)(const void *)p->in + off, 0, p->n_inner, \
                                   c, A);                                               \
            out[o] = (OUT)(FINAL(acc, p->n_inner, c));                                  \
        }                                                                               \
    }                                                                                   \
    /* One output's inner chunk [b, e) into its thread's partial. */                    \
    static void NAME##_chunk(int64_t b, int64_t e, int tid, void *vc) {                 \
        const rctx *x = vc;                                                             \
        int64_t off;                                                                    \
        outer_offsets(x->p, x->o, &off, NULL);                                          \
        ((ACC *)x->partial)[tid] = NAME##_range(                                        \
            x->p, (const T *)(const void *)x->p->in + off, b, e, CENTER(x->a, x->o), x->a); \
    }                                                                                   \
    /* Rows [rb, re) of w columns starting at output o0 (input base), into acc[]. */    \
    static void NAME##_cols(const ct_reduce_plan *p, const T *base, int64_t o0, int64_t w, \
                            int64_t rb, int64_t re, ACC *acc, const ct_reduce_args *A) { \
        ACC blk[COLS];                                                                  \
        int64_t idx[CT_MAX_DIMS] = {0};                                                 \
        int64_t off = inner_unravel(p, rb, 0, idx);                                     \
        for (int64_t pos = rb; pos < re;) {                                             \
            int64_t stop = pos + ROWS < re ? pos + ROWS : re;                           \
            for (int64_t j = 0; j < w; j++) blk[j] = INIT;                              \
            for (; pos < stop; pos++) {                                                 \
                const T *row = base + off;                                              \
                for (int64_t j = 0; j < w; j++)                                         \
                    blk[j] = STEP(blk[j], row[j], CENTER(A, o0 + j));                   \
                off = inner_next(p, 0, idx, off);                                       \
            }                                                                           \
            for (int64_t j = 0; j < w; j++) acc[j] = MERGE(acc[j], blk[j]);             \
        }                                                                               \
    }                                                                                   \
    /* Column tiles [b, e): each over all rows. */                                      \
    static void NAME##_tiles(int64_t b, int64_t e, int tid, void *vc) {                 \
        const rctx *x = vc;                                                             \
        const ct_reduce_plan *p = x->p;                                                 \
        const ct_reduce_args *A = x->a;                                                 \
        OUT *out = x->out;                                                              \
        int64_t C = p->outer_shape[p->outer_ndim - 1];                                  \
        for (int64_t t = b; t < e; t++) {                                               \
            int64_t o0 = (t / x->tiles) * C + (t % x->tiles) * COLS, off;               \
            int64_t w = C - (t % x->tiles) * COLS < COLS ? C - (t % x->tiles) * COLS : COLS; \
            outer_offsets(p, o0, &off, NULL);                                           \
            ACC acc[COLS];                                                              \
            for (int64_t j = 0; j < w; j++) acc[j] = INIT;                              \
            NAME##_cols(p, (const T *)(const void *)p->in + off, o0, w, 0, p->n_inner, acc, A); \
            for (int64_t j = 0; j < w; j++)                                             \
                out[o0 + j] = (OUT)(FINAL(acc[j], p->n_inner, CENTER(A, o0 + j)));      \
        }                                                                               \
    }                                                                                   \
    /* One tile's rows [b, e) into this thread's partial row of COLS accumulators. */   \
    static void NAME##_tile_rows(int64_t b, int64_t e, int tid, void *vc) {             \
        const rctx *x = vc;                                                             \
        const ct_reduce_plan *p = x->p;                                                 \
        int64_t C = p->outer_shape[p->outer_ndim - 1], t = x->o, off;                   \
        int64_t o0 = (t / x->tiles) * C + (t % x->tiles) * COLS;                        \
        int64_t w = C - (t % x->tiles) * COLS < COLS ? C - (t % x->tiles) * COLS : COLS; \
        outer_offsets(p, o0, &off, NULL);                                               \
        NAME##_cols(p, (const T *)(const void *)p->in + off, o0, w, b, e,               \
                    (ACC *)x->partial + (int64_t)tid * COLS, x->a);                     \
    }                                                                                   \
    static bool NAME(const ct_reduce_plan *p, void *vout, const ct_reduce_args *A) {    \
        OUT *out = vout;                                                                \
        int64_t M = p->n_out, R = p->n_inner;                                           \
        if (M == 0) return true;                                                        \
        int nth = threads_for(M * (R > 0 ? R : 1));                                     \
        rctx x = {p, vout, A, NULL, 0, 0};                                              \
        ACC part[64];                                                                   \
        bool cols = M > 1 && R > 1 && p->outer_ndim > 0 &&                              \
                    p->outer_in[p->outer_ndim - 1] == 1 && p->inner_in[0] != 1;         \
        if (nth > 64) nth = 64;                                                         \
        if (cols) {                                                                     \
            int64_t C = p->outer_shape[p->outer_ndim - 1];                              \
            x.tiles = (C + COLS - 1) / COLS;                                            \
            int64_t tasks = (M / C) * x.tiles;                                          \
            if (tasks >= nth) {                                                         \
                parallel_range(tasks, nth, NAME##_tiles, &x);                           \
                return true;                                                            \
            }                                                                           \
            ACC *rows = malloc(sizeof(ACC) * COLS * (size_t)nth);                       \
            if (!rows) return false;                                                    \
            x.partial = rows;                                                           \
            for (int64_t t = 0; t < tasks; t++) {                                       \
                int64_t o0 = (t / x.tiles) * C + (t % x.tiles) * COLS;                  \
                int64_t w = C - (t % x.tiles) * COLS < COLS ? C - (t % x.tiles) * COLS : COLS; \
                for (int64_t j = 0; j < COLS * nth; j++) rows[j] = INIT;                \
                x.o = t;                                                                \
                parallel_range(R, nth, NAME##_tile_rows, &x);                           \
                for (int64_t j = 0; j < w; j++) {                                       \
                    ACC acc = rows[j];                                                  \
                    for (int k = 1; k < nth; k++) acc = MERGE(acc, rows[k * COLS + j]); \
                    out[o0 + j] = (OUT)(FINAL(acc, R, CENTER(A, o0 + j)));              \
                }                                                                       \
            }                                                                           \
            free(rows);                                                                 \
            return true;                                                                \
        }                                                                               \
        if (nth == 1 || M >= nth) {                                                     \
            parallel_range(M, nth, NAME##_outputs, &x);                                 \
            return true;                                                                \
        }                                                                               \
        x.partial = part;                                                               \
        for (int64_t o = 0; o < M; o++) {                                               \
            for (int k = 0; k < nth; k++) part[k] = INIT;                               \
            x.o = o;                                                                    \
            parallel_range(R, nth, NAME##_chunk, &x);                                   \
            ACC acc = part[0];                                                          \
            for (int k = 1; k < nth; k++) acc = MERGE(acc, part[k]);                    \
            out[o] = (OUT)(FINAL(acc, R, CENTER(A, o)));                                \
        }                                                                               \
        return true;                                                                    \
    }

/*
 * amax/amin of contiguous floats. gcc does not vectorize a NaN-propagating
 * select, so on x86 these use SSE2 max/min directly (4 or 2 lanes, two
 * accumulators) and track NaNs aside: any NaN makes the result NaN, as in
 * PyTorch. The generic lanes loop is the fallback elsewhere. VMAX_f32 etc.
 * are 1 where a fast version exists (the macro tests it), 0 otherwise.
 */
#if defined(__SSE2__)
#include <emmintrin.h>
#define VEXT(NAME, T, V, SET1, LOAD, OP, UNORD, OR, MASK, STORE, W, PICK)               \
    static T NAME##_run(const T *x, int64_t n) {                                        \
        V a = SET1(PICK), b = a, bad = VZERO_##V();                                    \
        int64_t i = 0;                                                                  \
        for (; i + 2 * W <= n; i += 2 * W) {                                            \
            V u = LOAD(x + i), v = LOAD(x + i + W);                                     \
            a = OP(a, u);                                                               \
            b = OP(b, v);                                                               \
            bad = OR(bad, OR(UNORD(u, u), UNORD(v, v)));                                \
        }                                                                               \
        T buf[2 * W], r = PICK;                                                         \
        STORE(buf, a);                                                                  \
        STORE(buf + W, b);                                                              \
        bool has_nan = MASK(bad) != 0;                                                  \
        for (int j = 0; j < 2 * W; j++) r = (buf[j] OPC r) ? buf[j] : r;                \
        for (; i < n; i++) {                                                            \
            if (x[i] != x[i]) has_nan = true;                                           \
            else if (x[i] OPC r) r = x[i];                                              \
        }                                                                               \
        return has_nan ? (T)NAN : r;                                                    \
    }
#define VZERO_V4 _mm_setzero_ps
#define VZERO_V2 _mm_setzero_pd
typedef __m128 V4;
typedef __m128d V2;
#define OPC >
VEXT(VMAX_f32, float, V4, _mm_set1_ps, _mm_loadu_ps, _mm_max_ps, _mm_cmpunord_ps, _mm_or_ps,
     _mm_movemask_ps, _mm_storeu_ps, 4, -INFINITY)
VEXT(VMAX_f64, double, V2, _mm_set1_pd, _mm_loadu_pd, _mm_max_pd, _mm_cmpunord_pd, _mm_or_pd,
     _mm_movemask_pd, _mm_storeu_pd, 2, -INFINITY)
#undef OPC
#define OPC <
VEXT(VMIN_f32, float, V4, _mm_set1_ps, _mm_loadu_ps, _mm_min_ps, _mm_cmpunord_ps, _mm_or_ps,
     _mm_movemask_ps, _mm_storeu_ps, 4, INFINITY)
VEXT(VMIN_f64, double, V2, _mm_set1_pd, _mm_loadu_pd, _mm_min_pd, _mm_cmpunord_pd, _mm_or_pd,
     _mm_movemask_pd, _mm_storeu_pd, 2, INFINITY)
#undef OPC
#define VMAX_f32 1
#define VMAX_f64 1
#define VMIN_f32 1
#define VMIN_f64 1
#else
#define VMAX_f32 0
#define VMAX_f64 0
#define VMIN_f32 0
#define VMIN_f64 0
static float VMAX_f32_run(const float *x, int64_t n) { (void)x; (void)n; return 0; }
static double VMAX_f64_run(const double *x, int64_t n) { (void)x; (void)n; return 0; }
static float VMIN_f32_run(const float *x, int64_t n) { (void)x; (void)n; return 0; }
static double VMIN_f64_run(const double *x, int64_t n) { (void)x; (void)n; return 0; }
#endif

/*
 * Sums of contiguous floats: the same pairwise scheme as DEFINE_REDUCE's
 * lanes loop, with 32 lanes instead of 8, so the vector adds do not wait on
 * one another (8 float lanes are two SSE registers: latency-bound at about
 * half the speed of memory).
 */
#define WIDE 32
#define VSUM(NAME, T)                                                                   \
    static T NAME##_run(const T *x, int64_t n) {                                        \
        if (n > BLOCK) {                                                                \
            int64_t h = (n / 2) & ~(int64_t)(WIDE - 1);                                 \
            T l = NAME##_run(x, h);                                                     \
            return l + NAME##_run(x + h, n - h);                                        \
        }                                                                               \
        T l[WIDE] = {0};                                                                \
        int64_t i = 0;                                                                  \
        for (; i + WIDE <= n; i += WIDE)                                                \
            for (int j = 0; j < WIDE; j++) l[j] += x[i + j];                            \
        for (; i < n; i++) l[0] += x[i];                                                \
        for (int w = WIDE / 2; w > 0; w /= 2)                                           \
            for (int j = 0; j < w; j++) l[j] += l[j + w];                               \
        return l[0];                                                                    \
    }
VSUM(VSUM_f32, float)
VSUM(VSUM_f64, double)
#define VSUM_f32 1
#define VSUM_f64 1

/* No fast contiguous version: DEFINE_REDUCE's lanes loop does the work. */
#define NOFAST 0
#define NOFAST_run(x, n) 0

/* ------------------------------------------------------------- the op table */

/*
 * max/min where a NaN wins and stays: once a is NaN it is kept; else v
 * replaces a unless v <= a (true for no NaN v). Written as two selects,
 * which gcc turns into vector compares and masks (a || form stays branchy).
 */
#define MAX_NAN(a, v) ((a) == (a) ? (!((v) <= (a)) ? (v) : (a)) : (a))
#define MIN_NAN(a, v) ((a) == (a) ? (!((v) >= (a)) ? (v) : (a)) : (a))
static inline double max_nan(double a, double v) { return MAX_NAN(a, v); }
static inline double min_nan(double a, double v) { return MIN_NAN(a, v); }

#define ADD(a, b) ((a) + (b))
#define MUL(a, b) ((a) * (b))
#define AND(a, b) ((uint8_t)((a) & (b)))
#define OR(a, b) ((uint8_t)((a) | (b)))
#define SUM_STEP(a, x, c) ((a) + (x))
#define PROD_STEP(a, x, c) ((a) * (x))
#define AMAX_F(a, x, c) MAX_NAN(a, x)
#define AMIN_F(a, x, c) MIN_NAN(a, x)
#define AMAX_I(a, x, c) ((x) > (a) ? (x) : (a))
#define AMIN_I(a, x, c) ((x) < (a) ? (x) : (a))
#define AMAX_F2(a, b) AMAX_F(a, b, 0)
#define AMIN_F2(a, b) AMIN_F(a, b, 0)
#define AMAX_I2(a, b) AMAX_I(a, b, 0)
#define AMIN_I2(a, b) AMIN_I(a, b, 0)
#define ALL_STEP(a, x, c) ((uint8_t)((a) & ((x) != 0)))
#define ANY_STEP(a, x, c) ((uint8_t)((a) | ((x) != 0)))
#define NZ_STEP(a, x, c) ((a) + ((x) != 0))
#define NORM1_STEP(a, x, c) ((a) + fabs((double)(x)))
#define NORM2_STEP(a, x, c) ((a) + (double)(x) * (double)(x))
#define NORMP_STEP(a, x, c) ((a) + pow(fabs((double)(x)), A->p))
#define NORMINF_STEP(a, x, c) max_nan((a), fabs((double)(x)))
#define NORMNEG_STEP(a, x, c) min_nan((a), fabs((double)(x)))
#define MAXN(a, b) max_nan((a), (b))
#define MINN(a, b) min_nan((a), (b))
#define VAR_STEP(a, x, c) ((a) + ((double)(x) - (c)) * ((double)(x) - (c)))
#define LSE_STEP(a, x, c) ((a) + exp((double)(x) - (c)))

#define FIN_ID(a, n, c) (a)
#define FIN_MEAN(a, n, c) ((a) / (n))
#define FIN_NORMP(a, n, c) ((n) == 0 ? 0.0 : pow((a), 1.0 / A->p)) /* PyTorch: 0 when empty */
#define FIN_SQRT(a, n, c) sqrt(a)
#define FIN_NEG(a, n, c) ((n) == 0 ? 0.0 : (a))
#define FIN_VAR(a, n, c) ((a) / (double)((n) > A->correction ? (n) - A->correction : 0))
#define FIN_STD(a, n, c) sqrt(FIN_VAR(a, n, c))
#define FIN_LSE(a, n, c) (log(a) + (c))

#define LOWEST_i32 INT32_MIN
#define LOWEST_i64 INT64_MIN
#define LOWEST_u8 0
#define LOWEST_b8 false
#define HIGHEST_i32 INT32_MAX
#define HIGHEST_i64 INT64_MAX
#define HIGHEST_u8 UINT8_MAX
#define HIGHEST_b8 true

#define FLOAT_TYPES(X) X(f32, float) X(f64, double)
#define INT_TYPES(X) X(i32, int32_t) X(i64, int64_t) X(u8, uint8_t) X(b8, bool)
#define ALL_TYPES(X) FLOAT_TYPES(X) INT_TYPES(X)

/* Any dtype. Integer sums wrap like PyTorch's (computed in uint64_t). */
#define FOR_ANY(S, T)                                                                   \
    DEFINE_REDUCE(all_##S, T, uint8_t, uint8_t, 1, ALL_STEP, AND, FIN_ID, NOFAST)               \
    DEFINE_REDUCE(any_##S, T, uint8_t, uint8_t, 0, ANY_STEP, OR, FIN_ID, NOFAST)                \
    DEFINE_REDUCE(count_nz_##S, T, int64_t, int64_t, 0, NZ_STEP, ADD, FIN_ID, NOFAST)
#define FOR_FLOAT(S, T)                                                                 \
    DEFINE_REDUCE(sum_##S, T, T, T, 0, SUM_STEP, ADD, FIN_ID, VSUM_##S)                         \
    DEFINE_REDUCE(mean_##S, T, T, T, 0, SUM_STEP, ADD, FIN_MEAN, VSUM_##S)                      \
    DEFINE_REDUCE(prod_##S, T, T, T, 1, PROD_STEP, MUL, FIN_ID, NOFAST)                         \
    DEFINE_REDUCE(amax_##S, T, T, T, -INFINITY, AMAX_F, AMAX_F2, FIN_ID, VMAX_##S)                \
    DEFINE_REDUCE(amin_##S, T, T, T, INFINITY, AMIN_F, AMIN_F2, FIN_ID, VMIN_##S)                 \
    DEFINE_REDUCE(norm_p_##S, T, double, T, 0, NORMP_STEP, ADD, FIN_NORMP, NOFAST)              \
    DEFINE_REDUCE(norm_0_##S, T, double, T, 0, NZ_STEP, ADD, FIN_ID, NOFAST)                    \
    DEFINE_REDUCE(norm_1_##S, T, double, T, 0, NORM1_STEP, ADD, FIN_ID, NOFAST)                 \
    DEFINE_REDUCE(norm_2_##S, T, double, T, 0, NORM2_STEP, ADD, FIN_SQRT, NOFAST)               \
    DEFINE_REDUCE(norm_inf_##S, T, double, T, 0, NORMINF_STEP, MAXN, FIN_ID, NOFAST)            \
    DEFINE_REDUCE(norm_neginf_##S, T, double, T, INFINITY, NORMNEG_STEP, MINN, FIN_NEG, NOFAST) \
    DEFINE_REDUCE(var_##S, T, double, T, 0, VAR_STEP, ADD, FIN_VAR, NOFAST)                     \
    DEFINE_REDUCE(std_##S, T, double, T, 0, VAR_STEP, ADD, FIN_STD, NOFAST)                     \
    DEFINE_REDUCE(lse_##S, T, double, T, 0, LSE_STEP, ADD, FIN_LSE, NOFAST)                     \
    FOR_ANY(S, T)
#define FOR_INT(S, T)                                                                   \
    DEFINE_REDUCE(sum_##S, T, uint64_t, int64_t, 0, SUM_STEP, ADD, FIN_ID, NOFAST)              \
    DEFINE_REDUCE(prod_##S, T, uint64_t, int64_t, 1, PROD_STEP, MUL, FIN_ID, NOFAST)            \
    DEFINE_REDUCE(amax_##S, T, T, T, LOWEST_##S, AMAX_I, AMAX_I2, FIN_ID, NOFAST)               \
    DEFINE_REDUCE(amin_##S, T, T, T, HIGHEST_##S, AMIN_I, AMIN_I2, FIN_ID, NOFAST)              \
    FOR_ANY(S, T)

FLOAT_TYPES(FOR_FLOAT)
INT_TYPES(FOR_INT)

typedef bool (*reduce_fn)(const ct_reduce_plan *, void *, const ct_reduce_args *);

#define ENTRY_ANY(S, D)                                                                 \
    [CT_ROP_ALL][D] = all_##S, [CT_ROP_ANY][D] = any_##S, [CT_ROP_COUNT_NZ][D] = count_nz_##S,
#define ENTRY_FLOAT(S, D)                                                               \
    [CT_ROP_SUM][D] = sum_##S, [CT_ROP_MEAN][D] = mean_##S, [CT_ROP_PROD][D] = prod_##S,  \
    [CT_ROP_AMAX][D] = amax_##S, [CT_ROP_AMIN][D] = amin_##S,                           \
    [CT_ROP_NORM_P][D] = norm_p_##S, [CT_ROP_NORM_0][D] = norm_0_##S,                   \
    [CT_ROP_NORM_1][D] = norm_1_##S, [CT_ROP_NORM_2][D] = norm_2_##S,                   \
    [CT_ROP_NORM_INF][D] = norm_inf_##S, [CT_ROP_NORM_NEGINF][D] = norm_neginf_##S,     \
    [CT_ROP_VAR][D] = var_##S, [CT_ROP_STD][D] = std_##S, [CT_ROP_LSE][D] = lse_##S,    \
    ENTRY_ANY(S, D)
#define ENTRY_INT(S, D)                                                                 \
    [CT_ROP_SUM][D] = sum_##S, [CT_ROP_PROD][D] = prod_##S, [CT_ROP_AMAX][D] = amax_##S, \
    [CT_ROP_AMIN][D] = amin_##S, ENTRY_ANY(S, D)

static const reduce_fn reduce_table[CT_ROP_COUNT][CT_NUM_DTYPES] = {
    ENTRY_FLOAT(f32, CT_F32) ENTRY_FLOAT(f64, CT_F64) ENTRY_INT(i32, CT_I32)
    ENTRY_INT(i64, CT_I64) ENTRY_INT(u8, CT_U8) ENTRY_INT(b8, CT_BOOL)
};

ct_dtype ct__reduce_out_dtype(ct_reduce_op op, ct_dtype in) {
    if (op < 0 || op >= CT_ROP_COUNT || !ct__dtype_valid(in) || !reduce_table[op][in])
        return CT_DTYPE_UNSET;
    switch (op) {
    case CT_ROP_SUM:
    case CT_ROP_PROD: return ct_dtype_is_floating(in) ? in : CT_I64;
    case CT_ROP_ALL:
    case CT_ROP_ANY: return in == CT_U8 ? CT_U8 : CT_BOOL;
    case CT_ROP_COUNT_NZ: return CT_I64;
    default: return in;
    }
}

bool ct__reduce(ct_reduce_op op, const ct_reduce_plan *p, void *out, const ct_reduce_args *args) {
    if (ct__reduce_out_dtype(op, p->dtype) == CT_DTYPE_UNSET) return false;
    ct_reduce_args none = {0};
    return reduce_table[op][p->dtype](p, out, args ? args : &none);
}

/* ------------------------------------------------------- reference version */

bool ct__reduce_ref(ct_reduce_op op, const ct_reduce_plan *p, void *out,
                    const ct_reduce_args *args) {
    ct_dtype od = ct__reduce_out_dtype(op, p->dtype);
    if (od == CT_DTYPE_UNSET) return false;
    ct_reduce_args none = {0};
    const ct_reduce_args *a = args ? args : &none;
    size_t es = ct_dtype_size(p->dtype), os = ct_dtype_size(od);
    bool is_int = !ct_dtype_is_floating(p->dtype);
    for (int64_t o = 0; o < p->n_out; o++) {
        int64_t base;
        outer_offsets(p, o, &base, NULL);
        double c = CENTER(a, o), acc;
        uint64_t iacc = op == CT_ROP_PROD ? 1 : 0;
        switch (op) {
        case CT_ROP_PROD: case CT_ROP_ALL: acc = 1; break;
        case CT_ROP_AMAX: acc = -INFINITY; break;
        case CT_ROP_AMIN: case CT_ROP_NORM_NEGINF: acc = INFINITY; break;
        default: acc = 0;
        }
        int64_t idx[CT_MAX_DIMS] = {0}, off = 0;
        for (int64_t k = 0; k < p->n_inner; k++, off = inner_next(p, 0, idx, off)) {
            const char *e = p->in + (base + off) * (int64_t)es;
            double x = ct__load_f64(e, p->dtype);
            int64_t xi = ct__load_i64(e, p->dtype);
            switch (op) {
            case CT_ROP_SUM: case CT_ROP_MEAN: acc += x; iacc += (uint64_t)xi; break;
            case CT_ROP_PROD: acc *= x; iacc *= (uint64_t)xi; break;
            case CT_ROP_AMAX: acc = max_nan(acc, x); break;
            case CT_ROP_AMIN: acc = min_nan(acc, x); break;
            case CT_ROP_ALL: acc = acc && x != 0; break;
            case CT_ROP_ANY: acc = acc || x != 0; break;
            case CT_ROP_COUNT_NZ: case CT_ROP_NORM_0: acc += x != 0; break;
            case CT_ROP_NORM_P: acc += pow(fabs(x), a->p); break;
            case CT_ROP_NORM_1: acc += fabs(x); break;
            case CT_ROP_NORM_2: acc += x * x; break;
            case CT_ROP_NORM_INF: acc = max_nan(acc, fabs(x)); break;
            case CT_ROP_NORM_NEGINF: acc = min_nan(acc, fabs(x)); break;
            case CT_ROP_VAR: case CT_ROP_STD: acc += (x - c) * (x - c); break;
            case CT_ROP_LSE: acc += exp(x - c); break;
            default: break;
            }
        }
        int64_t n = p->n_inner;
        double div = (double)(n > a->correction ? n - a->correction : 0);
        switch (op) {
        case CT_ROP_MEAN: acc /= (double)n; break;
        case CT_ROP_NORM_P: acc = n == 0 ? 0 : pow(acc, 1.0 / a->p); break;
        case CT_ROP_NORM_2: acc = sqrt(acc); break;
        case CT_ROP_NORM_NEGINF: acc = n == 0 ? 0 : acc; break;
        case CT_ROP_VAR: acc /= div; break;
        case CT_ROP_STD: acc = sqrt(acc / div); break;
        case CT_ROP_LSE: acc = log(acc) + c; break;
        default: break;
        }
        char *dst = (char *)out + o * (int64_t)os;
        if (is_int && (op == CT_ROP_SUM || op == CT_ROP_PROD))
            ct__store_i64(dst, od, (int64_t)iacc);
        else if (is_int && (op == CT_ROP_AMAX || op == CT_ROP_AMIN))
            ct__store_i64(dst, od, (int64_t)acc); /* exact below 2^53: test-sized values */
        else
            ct__store_f64(dst, od, acc);
    }
    return true;
}

/* ----------------------------------------------------------- arg reductions */

typedef struct {
    const ct_reduce_plan *p;
    void *values;
    int64_t *indices;
    int64_t o;
    int64_t part_i[64]; /* per-thread best position, -1 for none */
} actx;

#define DEFINE_ARG(S, T, ISNAN)                                                         \
    /* Best of x[b*s .. e*s): index and value; first on ties, first NaN wins. */        \
    static int64_t arg_##S##_run(const T *x, int64_t b, int64_t e, int64_t s, bool mx, \
                                 T *best) {                                             \
        T v0 = x[b * s];                                                                \
        int64_t bi = b;                                                                 \
        if (!(ISNAN(v0))) {                                                             \
            for (int64_t i = b + 1; i < e; i++) {                                       \
                T v = x[i * s];                                                         \
                if (ISNAN(v)) { v0 = v; bi = i; break; }                                \
                if (mx ? v > v0 : v < v0) { v0 = v; bi = i; }                           \
            }                                                                           \
        }                                                                               \
        *best = v0;                                                                     \
        return bi;                                                                      \
    }                                                                                   \
    static void arg_##S##_outputs(int64_t b, int64_t e, int mx, void *vc) {             \
        actx *c = vc;                                                                   \
        const ct_reduce_plan *p = c->p;                                                 \
        for (int64_t o = b; o < e; o++) {                                               \
            int64_t off;                                                                \
            T best;                                                                     \
            outer_offsets(p, o, &off, NULL);                                            \
            int64_t i = arg_##S##_run((const T *)(const void *)p->in + off, 0, p->n_inner, \
                                      p->inner_in[0], mx & 1, &best);                   \
            if (c->values) ((T *)c->values)[o] = best;                                  \
            c->indices[o] = i;                                                          \
        }                                                                               \
    }                                                                                   \
    static void arg_##S##_max_outputs(int64_t b, int64_t e, int t, void *vc) {          \
        arg_##S##_outputs(b, e, 1, vc);                                                 \
    }                                                                                   \
    static void arg_##S##_min_outputs(int64_t b, int64_t e, int t, void *vc) {          \
        arg_##S##_outputs(b, e, 0, vc);                                                 \
    }                                                                                   \
    static void arg_##S##_chunk(int64_t b, int64_t e, int t, void *vc, bool mx) {       \
        actx *c = vc;                                                                   \
        int64_t off;                                                                    \
        T best;                                                                         \
        outer_offsets(c->p, c->o, &off, NULL);                                          \
        c->part_i[t] = -1;                                                              \
        if (b >= e) return;                                                             \
        c->part_i[t] = arg_##S##_run((const T *)(const void *)c->p->in + off, b, e,     \
                                     c->p->inner_in[0], mx, &best);                     \
    }                                                                                   \
    static void arg_##S##_max_chunk(int64_t b, int64_t e, int t, void *vc) {            \
        arg_##S##_chunk(b, e, t, vc, true);                                             \
    }                                                                                   \
    static void arg_##S##_min_chunk(int64_t b, int64_t e, int t, void *vc) {            \
        arg_##S##_chunk(b, e, t, vc, false);                                            \
    }                                                                                   \
    static void arg_##S(const ct_reduce_plan *p, void *values, int64_t *indices, bool mx) { \
        actx c = {.p = p, .values = values, .indices = indices};                        \
        int64_t M = p->n_out, R = p->n_inner;                                           \
        int nth = threads_for(M * R);                                                   \
        if (nth > 64) nth = 64;                                                         \
        if (nth == 1 || M >= nth) {                                                     \
            parallel_range(M, nth, mx ? arg_##S##_max_outputs : arg_##S##_min_outputs, &c); \
            return;                                                                     \
        }                                                                               \
        for (int64_t o = 0; o < M; o++) {                                               \
            c.o = o;                                                                    \
            for (int k = 0; k < nth; k++) c.part_i[k] = -1;                             \
            parallel_range(R, nth, mx ? arg_##S##_max_chunk : arg_##S##_min_chunk, &c); \
            int64_t off;                                                                \
            outer_offsets(p, o, &off, NULL);                                            \
            const T *base = (const T *)(const void *)p->in + off;                       \
            int64_t bi = -1;                                                            \
            T bv = 0;                                                                   \
            for (int k = 0; k < nth; k++) {                                             \
                if (c.part_i[k] < 0) continue;                                          \
                T v = base[c.part_i[k] * p->inner_in[0]];                               \
                if (bi >= 0 && (ISNAN(bv))) break;                                      \
                if (bi < 0 || (ISNAN(v)) || (mx ? v > bv : v < bv)) { bv = v; bi = c.part_i[k]; } \
            }                                                                           \
            if (values) ((T *)values)[o] = bv;                                          \
            indices[o] = bi;                                                            \
        }                                                                               \
    }

#define ISNAN_F(v) ((v) != (v))
#define ISNAN_I(v) 0
#define ARG_FLOAT(S, T) DEFINE_ARG(S, T, ISNAN_F)
#define ARG_INT(S, T) DEFINE_ARG(S, T, ISNAN_I)
FLOAT_TYPES(ARG_FLOAT)
INT_TYPES(ARG_INT)

bool ct__arg_reduce(bool is_max, const ct_reduce_plan *p, void *values, int64_t *indices) {
    if (p->n_out == 0) return true;
    switch (p->dtype) {
#define X(D, T, S)                                                                      \
    case D: arg_##S(p, values, indices, is_max); return true;
        CT_FOR_EACH_DTYPE(X)
#undef X
    default: return false;
    }
}

/* -------------------------------------------------------------------- scans */

typedef struct {
    const ct_reduce_plan *p;
    void *out;
} sctx;

#define DEFINE_SCAN(NAME, T, ACC, OUT)                                                  \
    static void NAME##_lines(int64_t b, int64_t e, int prod, void *vc) {                \
        const sctx *c = vc;                                                             \
        const ct_reduce_plan *p = c->p;                                                 \
        int64_t n = p->n_inner, s = p->inner_in[0], os = p->inner_out;                  \
        for (int64_t o = b; o < e; o++) {                                               \
            int64_t ioff, ooff;                                                         \
            outer_offsets(p, o, &ioff, &ooff);                                          \
            const T *x = (const T *)(const void *)p->in + ioff;                         \
            OUT *y = (OUT *)c->out + ooff;                                              \
            ACC acc = prod ? 1 : 0;                                                     \
            for (int64_t i = 0; i < n; i++) {                                           \
                acc = prod ? (ACC)(acc * (ACC)x[i * s]) : (ACC)(acc + (ACC)x[i * s]);   \
                y[i * os] = (OUT)acc;                                                   \
            }                                                                           \
        }                                                                               \
    }                                                                                   \
    static void NAME##_sum(int64_t b, int64_t e, int t, void *vc) { NAME##_lines(b, e, 0, vc); } \
    static void NAME##_prod(int64_t b, int64_t e, int t, void *vc) { NAME##_lines(b, e, 1, vc); }

#define SCAN_FLOAT(S, T) DEFINE_SCAN(scan_##S, T, double, T)
#define SCAN_INT(S, T) DEFINE_SCAN(scan_##S, T, uint64_t, T) DEFINE_SCAN(scan_##S##_long, T, uint64_t, int64_t)
FLOAT_TYPES(SCAN_FLOAT)
INT_TYPES(SCAN_INT)

bool ct__scan(bool is_prod, const ct_reduce_plan *p, void *out, ct_dtype out_dtype) {
    range_fn fn = NULL;
    bool to_long = out_dtype == CT_I64 && p->dtype != CT_I64;
    switch (p->dtype) {
    case CT_F32: fn = is_prod ? scan_f32_prod : scan_f32_sum; break;
    case CT_F64: fn = is_prod ? scan_f64_prod : scan_f64_sum; break;
#define X(D, S)                                                                         \
    case D:                                                                             \
        fn = to_long ? (is_prod ? scan_##S##_long_prod : scan_##S##_long_sum)            \
                     : (is_prod ? scan_##S##_prod : scan_##S##_sum);                    \
        break;
        X(CT_I32, i32) X(CT_I64, i64) X(CT_U8, u8) X(CT_BOOL, b8)
#undef X
    default: return false;
    }
    if (out_dtype != p->dtype && !to_long) return false;
    sctx c = {p, out};
    parallel_range(p->n_out, threads_for(p->n_out * p->n_inner), fn, &c);
    return true;
}

/* -------------------------------------------------------------------- sorts */

typedef struct {
    const ct_reduce_plan *p;
    void *values;
    int64_t *indices;
    bool descending;
    atomic_int oom;
} sortctx;

/*
 * Stable merge sort of positions perm[0..n) by the values v[]; BEFORE(a, b)
 * says value a must come before value b. tmp has room for n positions.
 */
#define DEFINE_SORT(S, T, ISNAN)                                                        \
    static inline bool S##_before(T a, T b, bool desc) {                                \
        if (desc) return ISNAN(a) ? !(ISNAN(b)) : (!(ISNAN(b)) && a > b);               \
        return !(ISNAN(a)) && ((ISNAN(b)) || a < b);                                    \
    }                                                                                   \
    static void S##_msort(const T *v, int64_t *perm, int64_t *tmp, int64_t n, bool desc) { \
        for (int64_t w = 1; w < n; w *= 2) {                                            \
            for (int64_t lo = 0; lo < n; lo += 2 * w) {                                 \
                int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n; \
                int64_t i = lo, j = mid, k = lo;                                        \
                while (i < mid && j < hi)                                               \
                    tmp[k++] = S##_before(v[perm[j]], v[perm[i]], desc) ? perm[j++] : perm[i++]; \
                while (i < mid) tmp[k++] = perm[i++];                                   \
                while (j < hi) tmp[k++] = perm[j++];                                    \
            }                                                                           \
            memcpy(perm, tmp, sizeof(int64_t) * (size_t)n);                             \
        }                                                                               \
    }                                                                                   \
    static void S##_sort_lines(int64_t b, int64_t e, int t, void *vc) {                 \
        sortctx *c = vc;                                                                \
        const ct_reduce_plan *p = c->p;                                                 \
        int64_t n = p->n_inner, s = p->inner_in[0], os = p->inner_out;                  \
        if (b >= e || n == 0) return;                                                   \
        T *v = malloc(sizeof(T) * (size_t)n);                                           \
        int64_t *perm = malloc(sizeof(int64_t) * (size_t)n);                            \
        int64_t *tmp = malloc(sizeof(int64_t) * (size_t)n);                             \
        if (!v || !perm || !tmp) {                                                      \
            atomic_store(&c->oom, 1);                                                   \
        } else {                                                                        \
            for (int64_t o = b; o < e; o++) {                                           \
                int64_t ioff, ooff;                                                     \
                outer_offsets(p, o, &ioff, &ooff);                                      \
                const T *x = (const T *)(const void *)p->in + ioff;                     \
                for (int64_t i = 0; i < n; i++) { v[i] = x[i * s]; perm[i] = i; }       \
                S##_msort(v, perm, tmp, n, c->descending);                              \
                T *y = (T *)c->values + ooff;                                           \
                int64_t *yi = c->indices + ooff;                                        \
                for (int64_t i = 0; i < n; i++) {                                       \
                    y[i * os] = v[perm[i]];                                             \
                    yi[i * os] = perm[i];                                               \
                }                                                                       \
            }                                                                           \
        }                                                                               \
        free(v);                                                                        \
        free(perm);                                                                     \
        free(tmp);                                                                      \
    }

#define SORT_FLOAT(S, T) DEFINE_SORT(S, T, ISNAN_F)
#define SORT_INT(S, T) DEFINE_SORT(S, T, ISNAN_I)
FLOAT_TYPES(SORT_FLOAT)
INT_TYPES(SORT_INT)

bool ct__sort_lines(const ct_reduce_plan *p, void *values, int64_t *indices, bool descending) {
    sortctx c = {.p = p, .values = values, .indices = indices, .descending = descending};
    atomic_init(&c.oom, 0);
    range_fn fn = NULL;
    switch (p->dtype) {
#define X(D, T, S) case D: fn = S##_sort_lines; break;
        CT_FOR_EACH_DTYPE(X)
#undef X
    default: return false;
    }
    int64_t work = p->n_out * p->n_inner * 8; /* n log n: weigh it above a copy */
    int nth = threads_for(work);
    if (nth > p->n_out) nth = (int)(p->n_out > 0 ? p->n_out : 1);
    parallel_range(p->n_out, nth, fn, &c);
    return !atomic_load(&c.oom);
}
