/*
 * src/kernels/loss.h - the loops of the loss functions (src/ops/loss_*.c).
 *
 * All operands are contiguous arrays of one floating dtype (float or double,
 * `dt`); sums are accumulated in double. Two families:
 *   - pointwise losses: one value per element of x (input), t (target) and
 *     the optional per-element w (weight) and pw (pos_weight), all of the same
 *     length n (the ops layer broadcasts them first);
 *   - class losses (nll / cross entropy): x viewed as (N, C, S) where S is the
 *     product of the dims after the class dim (1 for (N, C) input), targets
 *     as (N, S).
 */
#ifndef CT_KERNELS_LOSS_H
#define CT_KERNELS_LOSS_H

#include "../core/internal.h"

/* ------------------------------------------------------ pointwise losses */

typedef enum {
    CT_LOSS_MSE,        /* (x - t)^2 */
    CT_LOSS_L1,         /* |x - t| */
    CT_LOSS_SMOOTH_L1,  /* param = beta */
    CT_LOSS_HUBER,      /* param = delta */
    CT_LOSS_KL,         /* xlogy(t, t) - t x */
    CT_LOSS_KL_LOG,     /* exp(t) (t - x) */
    CT_LOSS_BCE,        /* -w (t max(log x, -100) + (1 - t) max(log(1 - x), -100)) */
    CT_LOSS_BCE_LOGITS  /* w ((1 - t) x + (1 + (pw - 1) t) softplus(-x)) */
} ct_loss_kind;

typedef struct {
    ct_loss_kind kind;
    double param;
} ct_loss_fn;

/*
 * Forward: out[i] = loss(x[i], t[i], w[i], pw[i]) when out is not NULL
 * (reduction none); returns the sum of all values (in double).
 */
double ct__loss_pointwise_forward(const ct_loss_fn *f, ct_dtype dt, int64_t n, const void *x,
                                  const void *t, const void *w, const void *pw, void *out);

/*
 * Backward: gx[i] = s_i d loss / dx, gt[i] = s_i d loss / dt (each skipped
 * when NULL), where s_i = g[i] * scale when g is not NULL (reduction none),
 * else scale (the reduced output's gradient, already divided for a mean).
 */
void ct__loss_pointwise_backward(const ct_loss_fn *f, ct_dtype dt, int64_t n, const void *x,
                                 const void *t, const void *w, const void *pw, const void *g,
                                 double scale, void *gx, void *gt);

/* --------------------------------------------------------- class losses */

typedef struct {
    int64_t N, C, S;          /* x: (N, C, S) */
    const int64_t *target;    /* (N, S) class indices */
    const void *weight;       /* (C) or NULL */
    int64_t ignore_index;
    bool logits;              /* x holds logits (cross entropy), not log-probs (nll) */
    bool smooth;              /* also compute the label-smoothing term */
} ct_nll_plan;

typedef struct {
    double nll;      /* sum over samples of -w[y] logp[y] */
    double smooth;   /* sum over samples of -sum_c w[c] logp[c] (when plan.smooth) */
    double wsum;     /* sum of w[y] over non-ignored samples */
    int64_t bad;     /* the first out-of-range target, or ignore_index when none */
    bool has_bad;
} ct_nll_totals;

/*
 * Forward of nll / cross entropy. Per sample (n, s) not ignored: nll_i =
 * -w[y] logp[y] and smooth_i = -sum_c w[c] logp[c], where logp = x (nll) or
 * x - lse (logits; lse[i] written when not NULL). When out is not NULL it
 * gets c_nll * nll_i + c_smooth * smooth_i (0 for ignored samples).
 * Returns false (tot->bad set) when a target is out of [0, C).
 */
bool ct__nll_forward(const ct_nll_plan *p, ct_dtype dt, const void *x, void *lse, void *out,
                     double c_nll, double c_smooth, ct_nll_totals *tot);

/*
 * Backward: gx (N, C, S) = s_i * (c_nll w[y] (p - onehot(y)) + c_smooth (p W - w))
 * for logits (p = exp(x - lse), W = sum of w), s_i * (-c_nll w[y] onehot(y))
 * for log-probs; 0 for ignored samples. s_i = g[i] (g not NULL) or 1.
 * Or, when dist is not NULL, writes instead the constant parts used by the
 * differentiable backward: alpha (N, S) = c_nll w[y] + c_smooth W and
 * dist (N, C, S) = c_nll w[y] onehot(y) + c_smooth w (so gx = s (p alpha - dist)).
 */
void ct__nll_backward(const ct_nll_plan *p, ct_dtype dt, const void *x, const void *lse,
                      const void *g, double c_nll, double c_smooth, void *gx, void *alpha,
                      void *dist);

/*
 * Cross entropy with probability targets t (N, C, S) smoothed as
 * t' = t (1 - eps) + eps / C: loss_i = -sum_c w[c] t'[c] logp[c].
 * Writes lse (N*S) and out (N*S, when not NULL); returns the sum of loss_i.
 */
double ct__prob_ce_forward(int64_t N, int64_t C, int64_t S, ct_dtype dt, const void *x,
                           const void *t, const void *weight, double eps, void *lse, void *out);

/*
 * Its backward with s_i = g[i] * scale (g not NULL) or scale:
 * gx = s_i (p sum_c(w t') - w t'), gt = -s_i w (1 - eps) logp (each when not NULL).
 */
void ct__prob_ce_backward(int64_t N, int64_t C, int64_t S, ct_dtype dt, const void *x,
                          const void *t, const void *weight, double eps, const void *lse,
                          const void *g, double scale, void *gx, void *gt);

#endif
