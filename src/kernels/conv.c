/*
 * src/kernels/conv.c - convolution by im2col + GEMM (see conv.h), and the
 * dispatch between the oneDNN (dnnl.h), im2col and reference paths.
 *
 * Per image n and group: col = im2col(x[n, group]) (Cg KH KW, OH OW), then
 *   forward          y[n, group] (Og, OHW)  = w_g (Og, Kc) @ col
 *   grad of input    col = w_g^T @ gy[n, group];  gx[n, group] = col2im(col)
 *   grad of weight   gw_g (Og, Kc) += gy[n, group] @ col^T
 * A 1x1 convolution with stride 1 and no padding needs no im2col: col is x.
 * Images run in parallel (one column buffer per thread, single-threaded
 * GEMMs) when the batch has at least as many images as threads; otherwise
 * the GEMMs themselves are threaded. The weight gradient (and the bias
 * gradient, summed from each image's gy while the GEMM has it in cache) is
 * accumulated per thread and summed at the end.
 */
#include <string.h>

#include "conv.h"
#include "dnnl.h"
#include "gemm.h"

static int64_t kc_of(const ct_conv_geom *g) { return g->C / g->groups * g->KH * g->KW; }

/* True when col would just be a copy of x. */
static bool is_pointwise(const ct_conv_geom *g) {
    return g->KH == 1 && g->KW == 1 && g->sh == 1 && g->sw == 1 && g->ph == 0 && g->pw == 0 &&
           g->OH == g->H && g->OW == g->W;
}

/* Threads to run images on: all of them when the batch can feed them, else 1. */
static int image_threads(const ct_conv_geom *g) {
    int nt = ct__conv_threads();
    return g->N >= nt ? nt : 1;
}

/* A column buffer per thread (NULL size when no im2col is needed). */
typedef struct {
    void *base;
    size_t cap, per_thread; /* per_thread in bytes */
} col_buffers;

static bool cols_alloc(col_buffers *b, const ct_conv_geom *g, ct_dtype dt, int nt, bool need,
                       size_t extra_per_thread, const char *fn) {
    size_t es = ct_dtype_size(dt);
    b->per_thread = (need ? (size_t)(kc_of(g) * g->OH * g->OW) * es : 0) + extra_per_thread;
    b->per_thread = (b->per_thread + 63) & ~(size_t)63;
    b->base = NULL;
    b->cap = 0;
    if (b->per_thread == 0) return true;
    b->base = ct__alloc(b->per_thread * (size_t)nt, &b->cap);
    if (!b->base) ct__error(CT_ERR_OOM, fn, "out of memory allocating the im2col buffer");
    return b->base != NULL;
}

static void *col_of(const col_buffers *b, int tid) {
    return b->base ? (char *)b->base + b->per_thread * (size_t)tid : NULL;
}

static void cols_free(col_buffers *b) {
    if (b->base) ct__dealloc(b->base, b->cap);
}

/* ------------------------------------------------------------- forward */

static void add_bias(ct_dtype dt, const void *bias, void *y, int64_t O, int64_t HW) {
    if (dt == CT_F32) {
        const float *b = bias;
        float *p = y;
        for (int64_t o = 0; o < O; o++)
            for (int64_t k = 0; k < HW; k++) p[o * HW + k] += b[o];
    } else {
        const double *b = bias;
        double *p = y;
        for (int64_t o = 0; o < O; o++)
            for (int64_t k = 0; k < HW; k++) p[o * HW + k] += b[o];
    }
}

static int forward_image(ct_dtype dt, const ct_conv_geom *g, const char *x, const char *w,
                         const void *bias, char *y, void *col, const char *fn) {
    size_t es = ct_dtype_size(dt);
    int64_t Cg = g->C / g->groups, Og = g->O / g->groups, Kc = kc_of(g), OHW = g->OH * g->OW;
    for (int64_t gi = 0; gi < g->groups; gi++) {
        const char *xg = x + (size_t)(gi * Cg * g->H * g->W) * es;
        const void *B = xg;
        if (col) {
            ct__im2col(dt, g, Cg, xg, col);
            B = col;
        }
        if (ct__gemm(dt, false, false, Og, OHW, Kc, CT_GEMM_ONE, w + (size_t)(gi * Og * Kc) * es, Kc, B,
                     OHW, CT_GEMM_ZERO, y + (size_t)(gi * Og * OHW) * es, OHW, fn))
            return -1;
    }
    if (bias) add_bias(dt, bias, y, g->O, OHW);
    return 0;
}

static int im2col_forward(ct_dtype dt, const ct_conv_geom *g, const char *x, const char *w,
                          const void *bias, char *y, const char *fn) {
    size_t es = ct_dtype_size(dt);
    int nt = image_threads(g);
    col_buffers cb;
    if (!cols_alloc(&cb, g, dt, nt, !is_pointwise(g), 0, fn)) return -1;
    size_t xs = (size_t)(g->C * g->H * g->W) * es, ys = (size_t)(g->O * g->OH * g->OW) * es;
    int rc = 0;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
#endif
    for (int64_t n = 0; n < g->N; n++)
        if (forward_image(dt, g, x + (size_t)n * xs, w, bias, y + (size_t)n * ys, col_of(&cb, ct__conv_thread_id()), fn))
            rc = -1;
    cols_free(&cb);
    return rc;
}

/* ------------------------------------------------------ grad of input */

static int input_image(ct_dtype dt, const ct_conv_geom *g, const char *gy, const char *w, char *gx,
                       void *col, const char *fn) {
    size_t es = ct_dtype_size(dt);
    int64_t Cg = g->C / g->groups, Og = g->O / g->groups, Kc = kc_of(g), OHW = g->OH * g->OW;
    if (col) memset(gx, 0, (size_t)(g->C * g->H * g->W) * es);
    for (int64_t gi = 0; gi < g->groups; gi++) {
        char *gxg = gx + (size_t)(gi * Cg * g->H * g->W) * es;
        void *C = col ? col : gxg;
        if (ct__gemm(dt, true, false, Kc, OHW, Og, CT_GEMM_ONE, w + (size_t)(gi * Og * Kc) * es, Kc,
                     gy + (size_t)(gi * Og * OHW) * es, OHW, CT_GEMM_ZERO, C, OHW, fn))
            return -1;
        if (col) ct__col2im(dt, g, Cg, col, gxg);
    }
    return 0;
}

static int im2col_backward_input(ct_dtype dt, const ct_conv_geom *g, const char *gy, const char *w,
                                 char *gx, const char *fn) {
    size_t es = ct_dtype_size(dt);
    int nt = image_threads(g);
    col_buffers cb;
    if (!cols_alloc(&cb, g, dt, nt, !is_pointwise(g), 0, fn)) return -1;
    size_t xs = (size_t)(g->C * g->H * g->W) * es, ys = (size_t)(g->O * g->OH * g->OW) * es;
    int rc = 0;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
#endif
    for (int64_t n = 0; n < g->N; n++)
        if (input_image(dt, g, gy + (size_t)n * ys, w, gx + (size_t)n * xs, col_of(&cb, ct__conv_thread_id()), fn))
            rc = -1;
    cols_free(&cb);
    return rc;
}

/* ----------------------------------------------------- grad of weight */

/*
 * The sum of p[0..n) in double, over 8 independent partial sums so the loop
 * vectorizes (one running sum would wait on each add in turn).
 */
#define CT_DEF_ROW_SUM(T, name)                                                         \
    static double name(const T *p, int64_t n) {                                         \
        double part[8] = {0, 0, 0, 0, 0, 0, 0, 0}, sum = 0;                             \
        int64_t k = 0;                                                                  \
        for (; k + 8 <= n; k += 8)                                                      \
            for (int l = 0; l < 8; l++) part[l] += (double)p[k + l];                    \
        for (; k < n; k++) sum += (double)p[k];                                         \
        for (int l = 0; l < 8; l++) sum += part[l];                                     \
        return sum;                                                                     \
    }
CT_DEF_ROW_SUM(float, row_sum_f32)
CT_DEF_ROW_SUM(double, row_sum_f64)

/* acc[o] += sum of gy[o, :] for one image's gy (O, HW). */
static void add_channel_sums(ct_dtype dt, const void *gy, void *acc, int64_t O, int64_t HW) {
    for (int64_t o = 0; o < O; o++) {
        if (dt == CT_F32) ((float *)acc)[o] += (float)row_sum_f32((const float *)gy + o * HW, HW);
        else ((double *)acc)[o] += row_sum_f64((const double *)gy + o * HW, HW);
    }
}

/* One image's terms of gw into acc and (bacc not NULL) of the bias gradient into bacc, while gy is in cache. */
static int weight_image(ct_dtype dt, const ct_conv_geom *g, const char *x, const char *gy, char *acc,
                        char *bacc, void *col, const char *fn) {
    size_t es = ct_dtype_size(dt);
    int64_t Cg = g->C / g->groups, Og = g->O / g->groups, Kc = kc_of(g), OHW = g->OH * g->OW;
    for (int64_t gi = 0; gi < g->groups; gi++) {
        const char *xg = x + (size_t)(gi * Cg * g->H * g->W) * es;
        const void *B = xg;
        if (col) {
            ct__im2col(dt, g, Cg, xg, col);
            B = col;
        }
        if (ct__gemm(dt, false, true, Og, Kc, OHW, CT_GEMM_ONE, gy + (size_t)(gi * Og * OHW) * es, OHW, B,
                     OHW, CT_GEMM_ONE, acc + (size_t)(gi * Og * Kc) * es, Kc, fn))
            return -1;
    }
    if (bacc) add_channel_sums(dt, gy, bacc, g->O, OHW);
    return 0;
}

/* dst[0..n) += src[0..n) */
static void add_into(ct_dtype dt, void *dst, const void *src, int64_t n) {
    if (dt == CT_F32)
        for (int64_t k = 0; k < n; k++) ((float *)dst)[k] += ((const float *)src)[k];
    else
        for (int64_t k = 0; k < n; k++) ((double *)dst)[k] += ((const double *)src)[k];
}

static int im2col_backward_weight(ct_dtype dt, const ct_conv_geom *g, const char *x, const char *gy,
                                  char *gw, char *gb, const char *fn) {
    size_t es = ct_dtype_size(dt);
    int nt = image_threads(g);
    size_t wbytes = (size_t)(g->O * kc_of(g)) * es, bbytes = gb ? (size_t)g->O * es : 0;
    col_buffers cb;
    /* each thread's buffer: its column matrix, then (threads > 1) its weight and bias accumulators */
    if (!cols_alloc(&cb, g, dt, nt, !is_pointwise(g), nt > 1 ? wbytes + bbytes : 0, fn)) return -1;
    size_t col_bytes = is_pointwise(g) ? 0 : (size_t)(kc_of(g) * g->OH * g->OW) * es;
    size_t xs = (size_t)(g->C * g->H * g->W) * es, ys = (size_t)(g->O * g->OH * g->OW) * es;
    memset(gw, 0, wbytes);
    if (gb) memset(gb, 0, bbytes);
    int rc = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
#endif
    {
        int tid = ct__conv_thread_id();
        char *buf = col_of(&cb, tid);
        void *col = col_bytes ? buf : NULL;
        char *acc = nt > 1 ? buf + col_bytes : gw;
        char *bacc = !gb ? NULL : nt > 1 ? acc + wbytes : gb;
        if (nt > 1) memset(acc, 0, wbytes + bbytes);
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
        for (int64_t n = 0; n < g->N; n++)
            if (weight_image(dt, g, x + (size_t)n * xs, gy + (size_t)n * ys, acc, bacc, col, fn)) rc = -1;
    }
    if (nt > 1) /* sum the per-thread accumulators */
        for (int t = 0; t < nt; t++) {
            const char *acc = (const char *)col_of(&cb, t) + col_bytes;
            add_into(dt, gw, acc, (int64_t)(wbytes / es));
            if (gb) add_into(dt, gb, acc + wbytes, g->O);
        }
    cols_free(&cb);
    return rc;
}

/* ------------------------------------------------------------ dispatch */

/*
 * Where im2col + GEMM beats oneDNN: ungrouped convolutions whose windows hold
 * fewer than 16 values (one input channel, 3x3: a Fashion-MNIST CNN's first
 * layer). Their work is mostly writing the output; im2col's small column
 * buffer stays in cache, while oneDNN's kernels want a blocked output and a
 * reorder pass (measured: forward 1.1-1.2x, weight gradient 1.5x faster).
 */
static bool gemm_is_better(const ct_conv_geom *g) {
    return g->groups == 1 && g->C * g->KH * g->KW < 16;
}

/* AUTO and DIRECT run float32 forward and weight gradients of one-input-channel groups at stride 1 directly. */
static bool use_direct(ct_dtype dt, ct_conv_impl impl, const ct_conv_geom *g) {
    return (impl == CT_CONV_AUTO || impl == CT_CONV_DIRECT) && dt == CT_F32 && ct__conv_direct_takes(g);
}

/* AUTO (and DIRECT, where the direct kernels do not apply) offers float32 problems to oneDNN (dnnl.h). */
static bool offer_dnnl(ct_dtype dt, ct_conv_impl impl, const ct_conv_geom *g) {
    return (impl == CT_CONV_AUTO || impl == CT_CONV_DIRECT) && dt == CT_F32 && !gemm_is_better(g);
}

/* One product on oneDNN when offered and taken: 0 / -1 done, 1 not taken. */
static int try_dnnl(ct_dtype dt, ct_conv_impl impl, ct_dnnl_kind kind, const ct_conv_geom *g, const void *a,
                    const void *b, const void *bias, void *out, void *bias_grad, const char *fn) {
    return offer_dnnl(dt, impl, g) ? ct__dnnl_conv2d(kind, g, a, b, bias, out, bias_grad, fn) : 1;
}

static bool empty_geom(const ct_conv_geom *g) {
    return g->N == 0 || g->O == 0 || g->C == 0 || g->OH == 0 || g->OW == 0;
}

int ct__conv2d_forward(ct_dtype dt, const ct_conv_geom *g, const void *x, const void *w,
                       const void *bias, void *y, ct_conv_impl impl, const char *fn) {
    if (impl == CT_CONV_REFERENCE || empty_geom(g)) {
        ct__conv2d_forward_ref(dt, g, x, w, bias, y);
        return 0;
    }
    if (use_direct(dt, impl, g)) return ct__conv_direct_forward(g, x, w, bias, y, fn);
    int rc = try_dnnl(dt, impl, CT_DNNL_FORWARD, g, x, w, bias, y, NULL, fn);
    if (rc != 1) return rc;
    return im2col_forward(dt, g, x, w, bias, y, fn);
}

int ct__conv2d_backward_input(ct_dtype dt, const ct_conv_geom *g, const void *gy, const void *w,
                              void *gx, ct_conv_impl impl, const char *fn) {
    if (impl == CT_CONV_REFERENCE || empty_geom(g)) {
        ct__conv2d_backward_input_ref(dt, g, gy, w, gx);
        return 0;
    }
    int rc = try_dnnl(dt, impl, CT_DNNL_BACKWARD_DATA, g, gy, w, NULL, gx, NULL, fn);
    if (rc != 1) return rc;
    return im2col_backward_input(dt, g, gy, w, gx, fn);
}

int ct__conv2d_backward_weight_bias(ct_dtype dt, const ct_conv_geom *g, const void *x, const void *gy,
                                    void *gw, void *gb, ct_conv_impl impl, const char *fn) {
    if (impl == CT_CONV_REFERENCE || empty_geom(g)) {
        ct__conv2d_backward_weight_ref(dt, g, x, gy, gw);
        if (gb) ct__conv2d_backward_bias_ref(dt, g, gy, gb);
        return 0;
    }
    if (use_direct(dt, impl, g)) {
        int rc = ct__conv_direct_backward_weight(g, x, gy, gw, gb, fn);
        if (rc != 1) return rc;
    }
    int rc = try_dnnl(dt, impl, CT_DNNL_BACKWARD_WEIGHTS, g, x, gy, NULL, gw, gb, fn);
    if (rc != 1) return rc;
    return im2col_backward_weight(dt, g, x, gy, gw, gb, fn);
}

int ct__conv2d_backward_weight(ct_dtype dt, const ct_conv_geom *g, const void *x, const void *gy,
                               void *gw, ct_conv_impl impl, const char *fn) {
    return ct__conv2d_backward_weight_bias(dt, g, x, gy, gw, NULL, impl, fn);
}

int ct__conv2d_backward(ct_dtype dt, const ct_conv_geom *g, const void *x, const void *w, const void *gy,
                        void *gx, void *gw, void *gb, ct_conv_impl impl, const char *fn) {
    if (impl != CT_CONV_REFERENCE && !empty_geom(g) && !use_direct(dt, impl, g)) {
        int rc = offer_dnnl(dt, impl, g) ? ct__dnnl_conv2d_backward(g, x, w, gy, gx, gw, gb, fn) : 1;
        if (rc != 1) return rc;
    }
    int rc = ct__conv2d_backward_input(dt, g, gy, w, gx, impl, fn);
    return rc ? rc : ct__conv2d_backward_weight_bias(dt, g, x, gy, gw, gb, impl, fn);
}
