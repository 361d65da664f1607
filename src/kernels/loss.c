/*
 * src/kernels/loss.c - loops of the loss functions (see loss.h). Values are
 * read and computed in double whatever the storage dtype (float or double),
 * so one plain loop serves both; sums accumulate in double.
 */
#include "loss.h"

#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static inline double ld(const void *p, int64_t i, bool f32) {
    return f32 ? (double)((const float *)p)[i] : ((const double *)p)[i];
}
static inline void st(void *p, int64_t i, bool f32, double v) {
    if (f32) ((float *)p)[i] = (float)v;
    else ((double *)p)[i] = v;
}

/* ------------------------------------------------------ pointwise losses */

static inline double sign_of(double d) { return d > 0 ? 1.0 : d < 0 ? -1.0 : d; }

/* log(sigmoid(z)), stably: -(max(-z, 0) + log1p(exp(-|z|))). */
static inline double log_sigmoid(double z) { return -(fmax(-z, 0.0) + log1p(exp(-fabs(z)))); }

/* xlogy(t, t) as torch.xlogy: 0 at t == 0, NaN for NaN (and for t < 0 through log). */
static inline double t_log_t(double t) { return isnan(t) ? t : t == 0 ? 0.0 : t * log(t); }

/* One loss value. w and pw are 1 when absent. */
static inline double loss_value(const ct_loss_fn *f, double x, double t, double w, double pw,
                                bool has_pw) {
    double d = x - t, z = fabs(d), p = f->param;
    switch (f->kind) {
    case CT_LOSS_MSE: return d * d;
    case CT_LOSS_L1: return z;
    case CT_LOSS_SMOOTH_L1: return p == 0 ? z : z < p ? 0.5 * z * z / p : z - 0.5 * p;
    case CT_LOSS_HUBER: return z < p ? 0.5 * z * z : p * (z - 0.5 * p);
    case CT_LOSS_KL: return t_log_t(t) - t * x;
    case CT_LOSS_KL_LOG: return exp(t) * (t - x);
    case CT_LOSS_BCE:
        return w * ((t - 1) * fmax(log1p(-x), -100.0) - t * fmax(log(x), -100.0));
    case CT_LOSS_BCE_LOGITS: {
        /* PyTorch's form: (1 - t) x + lw (log(exp(-m) + exp(-x - m)) + m), m = max(-x, 0). */
        double m = fmax(-x, 0.0), lw = has_pw ? (pw - 1) * t + 1 : 1.0;
        return w * ((1 - t) * x + lw * (log(exp(-m) + exp(-x - m)) + m));
    }
    }
    return NAN;
}

/* d loss / dx and d loss / dt (PyTorch's backward formulas, derivatives.yaml). */
static inline void loss_grad(const ct_loss_fn *f, double x, double t, double w, double pw,
                             bool has_pw, double *dx, double *dt) {
    double d = x - t, p = f->param;
    switch (f->kind) {
    case CT_LOSS_MSE: *dx = 2 * d; *dt = -*dx; return;
    case CT_LOSS_L1: *dx = sign_of(d); *dt = -*dx; return;
    case CT_LOSS_SMOOTH_L1:
        *dx = p == 0 ? sign_of(d) : d < -p ? -1.0 : d > p ? 1.0 : d / p;
        *dt = -*dx;
        return;
    case CT_LOSS_HUBER: *dx = d < -p ? -p : d > p ? p : d; *dt = -*dx; return;
    case CT_LOSS_KL: /* xlogy(t, t): d/dt = xlogy(t != 0, t) + t / t */
        *dx = -t;
        *dt = (t != 0 ? log(t) : 0.0) + t / t - x;
        return;
    case CT_LOSS_KL_LOG: *dx = -exp(t); *dt = exp(t) * (t - x + 1); return;
    case CT_LOSS_BCE:
        *dx = w * d / fmax((1 - x) * x, 1e-12);
        *dt = -w * log(x / (1 - x));
        return;
    case CT_LOSS_BCE_LOGITS: {
        double sig = 1.0 / (1.0 + exp(-x));
        if (has_pw) {
            *dx = w * ((pw * t + 1 - t) * sig - pw * t);
            *dt = w * (log_sigmoid(-x) - pw * log_sigmoid(x));
        } else {
            *dx = w * (sig - t);
            *dt = -w * x;
        }
        return;
    }
    }
    *dx = *dt = NAN;
}

double ct__loss_pointwise_forward(const ct_loss_fn *f, ct_dtype dt, int64_t n, const void *x,
                                  const void *t, const void *w, const void *pw, void *out) {
    bool f32 = dt == CT_F32;
    double sum = 0;
#ifdef _OPENMP
#pragma omp parallel for reduction(+ : sum) if (n >= CT_GRAIN_SIZE && !omp_in_parallel())
#endif
    for (int64_t i = 0; i < n; i++) {
        double v = loss_value(f, ld(x, i, f32), ld(t, i, f32), w ? ld(w, i, f32) : 1.0,
                              pw ? ld(pw, i, f32) : 1.0, pw != NULL);
        if (out) st(out, i, f32, v);
        sum += v;
    }
    return sum;
}

void ct__loss_pointwise_backward(const ct_loss_fn *f, ct_dtype dt, int64_t n, const void *x,
                                 const void *t, const void *w, const void *pw, const void *g,
                                 double scale, void *gx, void *gt) {
    bool f32 = dt == CT_F32;
#ifdef _OPENMP
#pragma omp parallel for if (n >= CT_GRAIN_SIZE && !omp_in_parallel())
#endif
    for (int64_t i = 0; i < n; i++) {
        double dx, dtg, s = g ? ld(g, i, f32) * scale : scale;
        loss_grad(f, ld(x, i, f32), ld(t, i, f32), w ? ld(w, i, f32) : 1.0,
                  pw ? ld(pw, i, f32) : 1.0, pw != NULL, &dx, &dtg);
        if (gx) st(gx, i, f32, s * dx);
        if (gt) st(gt, i, f32, s * dtg);
    }
}

/* --------------------------------------------------------- class losses */

/*
 * exp in the data's precision: float32 data takes expf (2-3x faster than
 * exp; PyTorch's float32 softmax family computes in float32 too), float64
 * data exp.
 */
static inline double exp_in(double v, bool f32) { return f32 ? (double)expf((float)v) : exp(v); }

/* log(sum_c exp(x[c * S])) over C entries with stride S, max subtracted first. */
static double row_lse(const void *x, int64_t base, int64_t C, int64_t S, bool f32) {
    double mx = -INFINITY;
    for (int64_t c = 0; c < C; c++) mx = fmax(mx, ld(x, base + c * S, f32));
    if (isinf(mx)) return mx; /* all -inf: -inf; any +inf: +inf (the loss is then NaN, as in PyTorch) */
    double s = 0;
    for (int64_t c = 0; c < C; c++) s += exp_in(ld(x, base + c * S, f32) - mx, f32);
    return mx + log(s);
}

static double weight_sum(const ct_nll_plan *p, bool f32) {
    if (!p->weight) return (double)p->C;
    double W = 0;
    for (int64_t c = 0; c < p->C; c++) W += ld(p->weight, c, f32);
    return W;
}

bool ct__nll_forward(const ct_nll_plan *p, ct_dtype dt, const void *x, void *lse, void *out,
                     double c_nll, double c_smooth, ct_nll_totals *tot) {
    bool f32 = dt == CT_F32;
    int64_t N = p->N, C = p->C, S = p->S, M = N * S;
    *tot = (ct_nll_totals){0};
    for (int64_t i = 0; i < M; i++) { /* validate first, so the main loop can run in parallel */
        int64_t y = p->target[i];
        if (y != p->ignore_index && (y < 0 || y >= C)) {
            tot->bad = y;
            tot->has_bad = true;
            return false;
        }
    }
    double s_nll = 0, s_smooth = 0, s_w = 0;
#ifdef _OPENMP
#pragma omp parallel for reduction(+ : s_nll, s_smooth, s_w) if (M * C >= CT_GRAIN_SIZE && !omp_in_parallel())
#endif
    for (int64_t i = 0; i < M; i++) {
        int64_t n = i / S, s = i % S, y = p->target[i];
        int64_t base = n * C * S + s;
        if (y == p->ignore_index) {
            if (lse) st(lse, i, f32, 0.0);
            if (out) st(out, i, f32, 0.0);
            continue;
        }
        double l = p->logits ? row_lse(x, base, C, S, f32) : 0.0;
        if (lse) st(lse, i, f32, l);
        double wy = p->weight ? ld(p->weight, y, f32) : 1.0;
        double nll = -wy * (ld(x, base + y * S, f32) - l), sm = 0;
        if (p->smooth)
            for (int64_t c = 0; c < C; c++)
                sm -= (p->weight ? ld(p->weight, c, f32) : 1.0) * (ld(x, base + c * S, f32) - l);
        if (out) st(out, i, f32, p->smooth ? c_nll * nll + c_smooth * sm : nll);
        s_nll += nll;
        s_smooth += sm;
        s_w += wy;
    }
    tot->nll = s_nll;
    tot->smooth = s_smooth;
    tot->wsum = s_w;
    return true;
}

void ct__nll_backward(const ct_nll_plan *p, ct_dtype dt, const void *x, const void *lse,
                      const void *g, double c_nll, double c_smooth, void *gx, void *alpha,
                      void *dist) {
    bool f32 = dt == CT_F32;
    int64_t N = p->N, C = p->C, S = p->S, M = N * S;
    double W = p->smooth ? weight_sum(p, f32) : 0.0;
    void *dst = dist ? dist : gx;
#ifdef _OPENMP
#pragma omp parallel for if (M * C >= CT_GRAIN_SIZE && !omp_in_parallel())
#endif
    for (int64_t i = 0; i < M; i++) {
        int64_t n = i / S, s = i % S, y = p->target[i];
        int64_t base = n * C * S + s;
        if (y == p->ignore_index) {
            for (int64_t c = 0; c < C; c++) st(dst, base + c * S, f32, 0.0);
            if (alpha) st(alpha, i, f32, 0.0);
            continue;
        }
        double wy = p->weight ? ld(p->weight, y, f32) : 1.0, a = c_nll * wy;
        if (dist) {
            if (alpha) st(alpha, i, f32, a + c_smooth * W);
            for (int64_t c = 0; c < C; c++) {
                double wc = p->weight ? ld(p->weight, c, f32) : 1.0;
                st(dist, base + c * S, f32, (c == y ? a : 0.0) + (p->smooth ? c_smooth * wc : 0.0));
            }
            continue;
        }
        double si = g ? ld(g, i, f32) : 1.0;
        if (!p->logits) {
            for (int64_t c = 0; c < C; c++) st(gx, base + c * S, f32, c == y ? -si * a : 0.0);
            continue;
        }
        double l = ld(lse, i, f32);
        for (int64_t c = 0; c < C; c++) {
            double pc = exp_in(ld(x, base + c * S, f32) - l, f32);
            double v = a * (pc - (c == y ? 1.0 : 0.0));
            if (p->smooth) v += c_smooth * (pc * W - (p->weight ? ld(p->weight, c, f32) : 1.0));
            st(gx, base + c * S, f32, si * v);
        }
    }
}

double ct__prob_ce_forward(int64_t N, int64_t C, int64_t S, ct_dtype dt, const void *x,
                           const void *t, const void *weight, double eps, void *lse, void *out) {
    bool f32 = dt == CT_F32;
    int64_t M = N * S;
    double total = 0;
#ifdef _OPENMP
#pragma omp parallel for reduction(+ : total) if (M * C >= CT_GRAIN_SIZE && !omp_in_parallel())
#endif
    for (int64_t i = 0; i < M; i++) {
        int64_t base = (i / S) * C * S + i % S;
        double l = row_lse(x, base, C, S, f32), v = 0;
        for (int64_t c = 0; c < C; c++) {
            double tc = ld(t, base + c * S, f32), wc = weight ? ld(weight, c, f32) : 1.0;
            if (eps > 0) tc = tc * (1 - eps) + eps / (double)C;
            v -= wc * tc * (ld(x, base + c * S, f32) - l);
        }
        st(lse, i, f32, l);
        if (out) st(out, i, f32, v);
        total += v;
    }
    return total;
}

void ct__prob_ce_backward(int64_t N, int64_t C, int64_t S, ct_dtype dt, const void *x,
                          const void *t, const void *weight, double eps, const void *lse,
                          const void *g, double scale, void *gx, void *gt) {
    bool f32 = dt == CT_F32;
    int64_t M = N * S;
    double keep = eps > 0 ? 1 - eps : 1.0;
#ifdef _OPENMP
#pragma omp parallel for if (M * C >= CT_GRAIN_SIZE && !omp_in_parallel())
#endif
    for (int64_t i = 0; i < M; i++) {
        int64_t base = (i / S) * C * S + i % S;
        double l = ld(lse, i, f32), si = g ? ld(g, i, f32) * scale : scale, A = 0;
        for (int64_t c = 0; c < C; c++) {
            double tc = ld(t, base + c * S, f32), wc = weight ? ld(weight, c, f32) : 1.0;
            if (eps > 0) tc = tc * (1 - eps) + eps / (double)C;
            A += wc * tc;
        }
        for (int64_t c = 0; c < C; c++) {
            int64_t k = base + c * S;
            double tc = ld(t, k, f32), wc = weight ? ld(weight, c, f32) : 1.0;
            double xc = ld(x, k, f32);
            if (eps > 0) tc = tc * (1 - eps) + eps / (double)C;
            if (gx) st(gx, k, f32, si * (exp_in(xc - l, f32) * A - wc * tc));
            if (gt) st(gt, k, f32, -si * wc * keep * (xc - l));
        }
    }
}
