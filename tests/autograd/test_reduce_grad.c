/*
 * tests/autograd/test_reduce_grad.c - gradients of the reductions, scans and
 * sorting ops (include/ctorch/reduce.h): gradcheck in float64, first and
 * second order, on random, transposed, step-sliced, expanded, 0-d and
 * keepdim/multi-dim inputs; ties (max/min/amax/amin), zeros (prod, cumprod)
 * and zero norms with the exact values PyTorch 1.13 gives (quoted over each
 * check); node names; the non-differentiable ops; broadcast gradients summed
 * by the engine; and a leak check over many passes.
 */
#include <math.h>

#include "test.h"

/* ------------------------------------------------------------ inputs */

typedef enum { CONTIG, TRANSPOSED, STEPPED } layout;
static const layout LAYOUTS[] = {CONTIG, TRANSPOSED, STEPPED};

/* A float64 leaf of shape (r, c), uniform in [lo, hi), laid out as asked. */
static ct_tensor *make2(ct_generator *g, int64_t r, int64_t c, layout l, double lo, double hi) {
    ct_tensor *x = NULL;
    CT_SCOPE {
        ct_shape s = l == TRANSPOSED ? CT_SHAPE(c, r) : l == STEPPED ? CT_SHAPE(2 * r, c) : CT_SHAPE(r, c);
        ct_tensor *base = ct_uniform_(ct_empty(s, .dtype = CT_F64), lo, hi, g);
        x = l == TRANSPOSED ? ct_transpose(base, 0, 1) : l == STEPPED ? ct_slice(base, 0, 0, 2 * r, 2) : base;
        x = ct_keep(ct_detach(x));
    }
    ct_requires_grad_(x, true);
    return x;
}

/* A contiguous float64 leaf of any shape, uniform in [-2, 2). */
static ct_tensor *make(ct_generator *g, ct_shape s) {
    ct_tensor *x = ct_uniform_(ct_empty(s, .dtype = CT_F64), -2, 2, g);
    ct_requires_grad_(x, true);
    return x;
}

/* A float64 leaf with the given values. */
static ct_tensor *leaf(ct_tensor *v) {
    ct_requires_grad_(v, true);
    return v;
}

/* The gradient of sum(y) with respect to x (a new reference, or NULL). */
static ct_tensor *grad_of_sum(ct_tensor *y, ct_tensor *x) {
    ct_tensor *g[1] = {NULL};
    if (!y || ct_grad(CT_TENSORS(y), CT_TENSORS(x), g, .grad_outputs = (ct_tensor *[]){ct_ones_like(y)}) != 0)
        return NULL;
    return g[0];
}

/* ------------------------------------------------------------ wrapped ops */

typedef struct {
    ct_shape dims;
    int dim;
    bool keepdim;
    int64_t k;    /* correction, topk's k, kthvalue's k */
    double p;
    bool flag;    /* descending / largest */
} args;

#define WRAP(name, expr)                                                                \
    static ct_tensor *name(ct_tensor *const *in, int n, void *ctx) {                    \
        (void)n;                                                                        \
        const args *a = ctx;                                                            \
        (void)a;                                                                        \
        return expr;                                                                    \
    }

WRAP(f_sum, ct_sum(in[0]))
WRAP(f_sum_dims, ct_sum_dims(in[0], a->dims, a->keepdim))
WRAP(f_mean, ct_mean(in[0]))
WRAP(f_mean_dims, ct_mean_dims(in[0], a->dims, a->keepdim))
WRAP(f_prod, ct_prod(in[0]))
WRAP(f_prod_dim, ct_prod_dim(in[0], a->dim, a->keepdim))
WRAP(f_max, ct_max(in[0]))
WRAP(f_min, ct_min(in[0]))
WRAP(f_max_dim, ct_max_dim(in[0], a->dim, a->keepdim, NULL))
WRAP(f_min_dim, ct_min_dim(in[0], a->dim, a->keepdim, NULL))
WRAP(f_amax, ct_amax(in[0], a->dims, a->keepdim))
WRAP(f_amin, ct_amin(in[0], a->dims, a->keepdim))
WRAP(f_var, ct_var_dims(in[0], a->dims, a->k, a->keepdim))
WRAP(f_std, ct_std_dims(in[0], a->dims, a->k, a->keepdim))
WRAP(f_norm, ct_norm_dims(in[0], a->p, a->dims, a->keepdim))
WRAP(f_logsumexp, ct_logsumexp(in[0], a->dims, a->keepdim))
WRAP(f_cumsum, ct_cumsum(in[0], a->dim))
WRAP(f_cumprod, ct_cumprod(in[0], a->dim))
WRAP(f_sort, ct_sort(in[0], a->dim, a->flag, true, NULL))
WRAP(f_topk, ct_topk(in[0], a->k, a->dim, a->flag, true, NULL))
WRAP(f_kthvalue, ct_kthvalue(in[0], a->k, a->dim, a->keepdim, NULL))
/* An expanded (stride-0) input: a (1, 4) leaf seen as (3, 4). */
WRAP(f_sum_expanded, ct_sum_dims(ct_expand(in[0], CT_SHAPE(3, 4)), a->dims, a->keepdim))
WRAP(f_var_expanded, ct_var_dims(ct_expand(in[0], CT_SHAPE(3, 4)), a->dims, a->k, a->keepdim))
/* x + b with b broadcast: the engine sums b's gradient (ct__sum_to). */
WRAP(f_bias, ct_mul(ct_add(in[0], in[1]), ct_add(in[0], in[1])))

#define GC(fn, a, ...) CHECK(ct_gradcheck(fn, (void *)(a), CT_TENSORS(__VA_ARGS__)) == 0)
#define GC2(fn, a, ...) \
    CHECK(ct_gradcheck(fn, (void *)(a), CT_TENSORS(__VA_ARGS__), .second_order = true) == 0)

/* Dim lists tried on a 2-d input: every dim, one, the other (negative), both listed. */
static const ct_shape *dim_lists(void) {
    static ct_shape d[4];
    d[0] = CT_SHAPE0;
    d[1] = CT_DIMS(0);
    d[2] = CT_DIMS(-1);
    d[3] = CT_DIMS(1, 0);
    return d;
}

/* ------------------------------------------------------------ sum, mean */

TEST(sum_mean_gradcheck_first_and_second_order) {
    ct_generator *g = ct_generator_new(1);
    CT_SCOPE {
        const ct_shape *dl = dim_lists();
        for (int l = 0; l < 3; l++) {
            ct_tensor *x = make2(g, 3, 4, LAYOUTS[l], -2, 2);
            GC2(f_sum, NULL, x);
            GC2(f_mean, NULL, x);
            for (int i = 0; i < 4; i++)
                for (int kd = 0; kd < 2; kd++) {
                    args a = {.dims = dl[i], .keepdim = kd};
                    GC2(f_sum_dims, &a, x);
                    GC2(f_mean_dims, &a, x);
                }
            ct_free(x);
        }
        ct_tensor *x3 = make(g, CT_SHAPE(2, 3, 4));
        args a = {.dims = CT_DIMS(0, 2), .keepdim = false};
        GC2(f_sum_dims, &a, x3);
        GC2(f_mean_dims, &a, x3);
        a.keepdim = true;
        GC2(f_mean_dims, &a, x3);
        ct_tensor *s = make(g, CT_SHAPE0);
        GC2(f_sum, NULL, s);
        a = (args){.dims = CT_DIMS(0)};
        GC2(f_mean_dims, &a, s);
        ct_tensor *row = make(g, CT_SHAPE(1, 4));
        a = (args){.dims = CT_DIMS(0)};
        GC2(f_sum_expanded, &a, row);
        ct_free(x3);
        ct_free(s);
        ct_free(row);
    }
    ct_generator_free(g);
}

TEST(sum_mean_values_names_and_dtypes) {
    ct_tensor *x = leaf(ct_from_doubles(CT_SHAPE(2, 3), 1, 2, 3, 4, 5, 6));
    CT_SCOPE {
        ct_tensor *y = ct_sum(x);
        CHECK_STR(ct_grad_fn_name(y), "SumBackward0");
        CHECK_STR(ct_grad_fn_name(ct_sum_dims(x, CT_DIMS(1), false)), "SumBackward1");
        CHECK_STR(ct_grad_fn_name(ct_mean(x)), "MeanBackward0");
        CHECK_STR(ct_grad_fn_name(ct_mean_dims(x, CT_DIMS(0), true)), "MeanBackward1");
        /* torch: x.mean(1).sum() -> grad 1/3 everywhere */
        CHECK_VALUES(grad_of_sum(ct_mean_dims(x, CT_DIMS(1), false), x), 1e-15, 1. / 3, 1. / 3, 1. / 3,
                     1. / 3, 1. / 3, 1. / 3);
        /* sum(dtype=float32) of a float64 input: the gradient comes back as float64 */
        ct_tensor *gd = grad_of_sum(ct_sum_dtype(x, CT_DIMS(0), false, CT_F32), x);
        REQUIRE(gd != NULL);
        CHECK(ct_dtype_of(gd) == CT_F64);
        CHECK_VALUES(gd, 0, 1, 1, 1, 1, 1, 1);
        /* an integer result is not differentiable */
        CHECK(!ct_requires_grad(ct_sum_dtype(x, CT_SHAPE0, false, CT_I64)));
        CHECK(!ct_requires_grad(ct_sum(ct_from_longs(CT_SHAPE(2), 1, 2))));
    }
    ct_free(x);
}

/* ------------------------------------------------------------ prod */

TEST(prod_gradcheck_random_and_with_zeros) {
    ct_generator *g = ct_generator_new(2);
    CT_SCOPE {
        for (int l = 0; l < 3; l++) {
            ct_tensor *x = make2(g, 3, 4, LAYOUTS[l], 0.5, 1.5);
            GC2(f_prod, NULL, x);
            for (int d = -1; d < 2; d++)
                for (int kd = 0; kd < 2; kd++) {
                    args a = {.dim = d, .keepdim = kd};
                    GC2(f_prod_dim, &a, x);
                }
            ct_free(x);
        }
        /* one zero, and two zeros (in one row, and in one column) */
        ct_tensor *z1 = leaf(ct_from_doubles(CT_SHAPE(2, 3), 0.5, 0, 1.5, 2, -1, 0.7));
        ct_tensor *z2 = leaf(ct_from_doubles(CT_SHAPE(3, 3), 2, 0, 3, 0, 0, 5, 1, 2, 4));
        GC2(f_prod, NULL, z1);
        GC(f_prod, NULL, z2);
        for (int d = 0; d < 2; d++) {
            args a = {.dim = d};
            GC2(f_prod_dim, &a, z1);
            GC2(f_prod_dim, &a, z2);
        }
        ct_tensor *v = leaf(ct_from_doubles(CT_SHAPE(3), 2, 0, 0.5));
        args a = {.dim = 0};
        GC2(f_prod_dim, &a, v);
        ct_tensor *s = make(g, CT_SHAPE0);
        GC2(f_prod, NULL, s);
        GC2(f_prod_dim, &a, s);
        ct_free(z1);
        ct_free(z2);
        ct_free(v);
        ct_free(s);
    }
    ct_generator_free(g);
}

TEST(prod_zeros_match_pytorch) {
    ct_tensor *p = leaf(ct_from_doubles(CT_SHAPE(3, 3), 2, 0, 3, 0, 0, 5, 1, 2, 4));
    ct_tensor *q = leaf(ct_from_doubles(CT_SHAPE(2, 3), 2, 0, 3, 1, 2, 4));
    CT_SCOPE {
        CHECK_STR(ct_grad_fn_name(ct_prod(p)), "ProdBackward0");
        CHECK_STR(ct_grad_fn_name(ct_prod_dim(p, 1, false)), "ProdBackward1");
        /* torch: p.prod() with several zeros -> all zeros */
        CHECK_VALUES(grad_of_sum(ct_prod(p), p), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        /* torch: p.prod(1) -> [0,6,0, 0,0,0, 8,4,2]; p.prod(0) -> [0,0,20, 2,0,12, 0,0,15] */
        CHECK_VALUES(grad_of_sum(ct_prod_dim(p, 1, false), p), 0, 0, 6, 0, 0, 0, 0, 8, 4, 2);
        CHECK_VALUES(grad_of_sum(ct_prod_dim(p, 0, true), p), 0, 0, 0, 20, 2, 0, 12, 0, 0, 15);
        /* torch: q.prod() with exactly one zero -> [0,48,0,0,0,0] */
        CHECK_VALUES(grad_of_sum(ct_prod(q), q), 0, 0, 48, 0, 0, 0, 0);
    }
    ct_free(p);
    ct_free(q);
}

/* ------------------------------------------------------------ max, min, amax, amin */

TEST(max_min_gradcheck_without_ties) {
    ct_generator *g = ct_generator_new(3);
    CT_SCOPE {
        for (int l = 0; l < 3; l++) {
            ct_tensor *x = make2(g, 3, 4, LAYOUTS[l], -2, 2);
            GC2(f_max, NULL, x);
            GC2(f_min, NULL, x);
            const ct_shape *dl = dim_lists();
            for (int d = -1; d < 2; d++)
                for (int kd = 0; kd < 2; kd++) {
                    args a = {.dim = d, .keepdim = kd, .dims = dl[d + 1]};
                    GC2(f_max_dim, &a, x);
                    GC2(f_min_dim, &a, x);
                    GC2(f_amax, &a, x);
                    GC2(f_amin, &a, x);
                }
            ct_free(x);
        }
        ct_tensor *s = make(g, CT_SHAPE0);
        args a = {.dim = 0};
        GC2(f_max_dim, &a, s);
        GC2(f_amin, &a, s);
        ct_free(s);
    }
    ct_generator_free(g);
}

TEST(max_min_ties_match_pytorch) {
    ct_tensor *x = leaf(ct_from_doubles(CT_SHAPE(2, 3), 1, 3, 3, 0, 3, -1));
    CT_SCOPE {
        ct_tensor *idx = NULL;
        ct_tensor *y = ct_max(x);
        CHECK_STR(ct_grad_fn_name(y), "MaxBackward1");
        CHECK_STR(ct_grad_fn_name(ct_min(x)), "MinBackward1");
        CHECK_STR(ct_grad_fn_name(ct_amax(x, CT_DIMS(1), false)), "AmaxBackward0");
        CHECK_STR(ct_grad_fn_name(ct_amin(x, CT_SHAPE0, false)), "AminBackward0");
        CHECK_STR(ct_grad_fn_name(ct_max_dim(x, 1, false, &idx)), "MaxBackward0");
        CHECK(!ct_requires_grad(idx));
        CHECK_STR(ct_grad_fn_name(ct_min_dim(x, 0, true, NULL)), "MinBackward0");
        /* torch: x.max() -> [0,1/3,1/3, 0,1/3,0] (shared by the three 3s) */
        CHECK_VALUES(grad_of_sum(y, x), 1e-15, 0, 1. / 3, 1. / 3, 0, 1. / 3, 0);
        /* torch: x.min() -> [0,0,0, 0,0,1] */
        CHECK_VALUES(grad_of_sum(ct_min(x), x), 0, 0, 0, 0, 0, 0, 1);
        /* torch: x.amax(1) -> [0,.5,.5, 0,1,0]; x.amax(0) -> [1,.5,1, 0,.5,0] */
        CHECK_VALUES(grad_of_sum(ct_amax(x, CT_DIMS(1), false), x), 0, 0, .5, .5, 0, 1, 0);
        CHECK_VALUES(grad_of_sum(ct_amax(x, CT_DIMS(0), true), x), 0, 1, .5, 1, 0, .5, 0);
        /* torch: x.amin((0,1)) -> [0,0,0, 0,0,1] */
        CHECK_VALUES(grad_of_sum(ct_amin(x, CT_DIMS(0, 1), false), x), 0, 0, 0, 0, 0, 0, 1);
        /* torch: x.max(1)[0] -> [0,1,0, 0,1,0] (the first maximal index); x.min(0)[0] -> [0,1,0, 1,0,1] */
        CHECK_VALUES(grad_of_sum(ct_max_dim(x, 1, false, NULL), x), 0, 0, 1, 0, 0, 1, 0);
        CHECK_VALUES(grad_of_sum(ct_min_dim(x, 0, false, NULL), x), 0, 0, 1, 0, 1, 0, 1);
    }
    ct_free(x);
}

TEST(max_with_nan_routes_to_the_nans) {
    ct_tensor *x = leaf(ct_from_doubles(CT_SHAPE(4), 1, NAN, 2, NAN));
    CT_SCOPE {
        /* torch: x.max() is nan; its gradient is shared by the NaNs -> [0, .5, 0, .5] */
        CHECK_VALUES(grad_of_sum(ct_max(x), x), 0, 0, .5, 0, .5);
        /* torch: x.amax(0): nothing equals nan -> grad/0 * 0 = nan everywhere */
        CHECK_VALUES(grad_of_sum(ct_amax(x, CT_DIMS(0), false), x), 0, NAN, NAN, NAN, NAN);
    }
    ct_free(x);
}

/* ------------------------------------------------------------ var, std, norm, logsumexp */

TEST(var_std_gradcheck_with_corrections) {
    ct_generator *g = ct_generator_new(4);
    CT_SCOPE {
        const ct_shape *dl = dim_lists();
        for (int l = 0; l < 3; l++) {
            ct_tensor *x = make2(g, 3, 4, LAYOUTS[l], -2, 2);
            for (int i = 0; i < 4; i++)
                for (int64_t c = 0; c < 3; c++) {
                    args a = {.dims = dl[i], .k = c, .keepdim = (c == 1)};
                    GC2(f_var, &a, x);
                    GC2(f_std, &a, x);
                }
            ct_free(x);
        }
        ct_tensor *x3 = make(g, CT_SHAPE(2, 3, 4));
        args a = {.dims = CT_DIMS(-1, 0), .k = 1};
        GC2(f_var, &a, x3);
        GC2(f_std, &a, x3);
        ct_tensor *row = make(g, CT_SHAPE(1, 4));
        a = (args){.dims = CT_DIMS(1), .k = 1};
        GC2(f_var_expanded, &a, row);
        ct_free(x3);
        ct_free(row);
    }
    ct_generator_free(g);
}

TEST(var_std_edge_values_match_pytorch) {
    ct_tensor *x = leaf(ct_from_doubles(CT_SHAPE(2, 2), 1, 2, 3, 5));
    ct_tensor *z = leaf(ct_zeros(CT_SHAPE(2, 3), .dtype = CT_F64));
    ct_tensor *s = leaf(ct_scalar_tensor(2, .dtype = CT_F64));
    CT_SCOPE {
        CHECK_STR(ct_grad_fn_name(ct_var(x)), "VarBackward0");
        CHECK_STR(ct_grad_fn_name(ct_std_dims(x, CT_DIMS(0), 0, false)), "StdBackward0");
        /* torch: x.var((0,1), correction=4) -> [[-inf,-inf],[inf,inf]]; correction=5 -> [[3.5,1.5],[-.5,-4.5]] */
        CHECK_VALUES(grad_of_sum(ct_var_dims(x, CT_DIMS(0, 1), 4, false), x), 0, -INFINITY, -INFINITY,
                     INFINITY, INFINITY);
        CHECK_VALUES(grad_of_sum(ct_var_dims(x, CT_DIMS(0, 1), 5, false), x), 1e-14, 3.5, 1.5, -.5, -4.5);
        /* torch: zeros.std() and zeros.std(1) -> gradient 0 (where std is 0) */
        CHECK_VALUES(grad_of_sum(ct_std(z), z), 0, 0, 0, 0, 0, 0, 0);
        CHECK_VALUES(grad_of_sum(ct_std_dims(z, CT_DIMS(1), 1, false), z), 0, 0, 0, 0, 0, 0, 0);
        /* torch: tensor(2.).var(0, correction=1) -> grad inf; correction=0 -> 0; std(0) -> nan */
        CHECK_VALUES(grad_of_sum(ct_var_dims(s, CT_DIMS(0), 1, false), s), 0, INFINITY);
        CHECK_VALUES(grad_of_sum(ct_var_dims(s, CT_DIMS(0), 0, false), s), 0, 0);
        CHECK_VALUES(grad_of_sum(ct_std_dims(s, CT_DIMS(0), 1, false), s), 0, NAN);
    }
    ct_free(x);
    ct_free(z);
    ct_free(s);
}

TEST(norm_gradcheck_every_p) {
    ct_generator *g = ct_generator_new(5);
    CT_SCOPE {
        const double ps[] = {2, 1, INFINITY, -INFINITY, 0, 3, 1.5, 0.5, 4.25};
        const ct_shape *dl = dim_lists();
        for (int l = 0; l < 3; l++) {
            ct_tensor *x = make2(g, 3, 4, LAYOUTS[l], 0.2, 2); /* keep |x| off the kink at 0 */
            CT_NO_GRAD { ct_mul_(x, ct_sign(ct_sub_scalar(ct_rand_like(x, .generator = g), 0.5))); }
            for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
                for (int d = 0; d < 4; d++) {
                    args a = {.p = ps[i], .dims = dl[d], .keepdim = d == 2};
                    if (ps[i] == 1 || isinf(ps[i]) || ps[i] == 0) GC(f_norm, &a, x);
                    else GC2(f_norm, &a, x);
                }
            ct_free(x);
        }
    }
    ct_generator_free(g);
}

TEST(norm_at_zero_and_names_match_pytorch) {
    ct_tensor *z = leaf(ct_zeros(CT_SHAPE(2, 3), .dtype = CT_F64));
    ct_tensor *x = leaf(ct_from_doubles(CT_SHAPE(4), 3, -4, 0, 4));
    CT_SCOPE {
        CHECK_STR(ct_grad_fn_name(ct_norm(z, 2)), "NormBackward1");
        CHECK_STR(ct_grad_fn_name(ct_norm_dims(z, 1, CT_DIMS(0), true)), "NormBackward1");
        /* torch: zeros.norm(p) -> gradient 0 for p = 2, 1, 3, 0.5, inf */
        const double ps[] = {2, 1, 3, 0.5, INFINITY};
        for (int i = 0; i < 5; i++) CHECK_VALUES(grad_of_sum(ct_norm(z, ps[i]), z), 0, 0, 0, 0, 0, 0, 0);
        /* torch: [3,-4,0,4].norm(inf) -> [0,-.5,0,.5]; .norm(1) -> [1,-1,0,1]; .norm(0) -> zeros */
        CHECK_VALUES(grad_of_sum(ct_norm(x, INFINITY), x), 0, 0, -.5, 0, .5);
        CHECK_VALUES(grad_of_sum(ct_norm(x, 1), x), 0, 1, -1, 0, 1);
        CHECK_VALUES(grad_of_sum(ct_norm(x, 0), x), 0, 0, 0, 0, 0);
    }
    ct_free(z);
    ct_free(x);
}

TEST(logsumexp_gradcheck) {
    ct_generator *g = ct_generator_new(6);
    CT_SCOPE {
        const ct_shape *dl = dim_lists();
        for (int l = 0; l < 3; l++) {
            ct_tensor *x = make2(g, 3, 4, LAYOUTS[l], -3, 3);
            for (int d = 0; d < 4; d++)
                for (int kd = 0; kd < 2; kd++) {
                    args a = {.dims = dl[d], .keepdim = kd};
                    GC2(f_logsumexp, &a, x);
                }
            ct_free(x);
        }
        ct_tensor *x = leaf(ct_from_doubles(CT_SHAPE(2), 0, 0));
        CHECK_STR(ct_grad_fn_name(ct_logsumexp(x, CT_DIMS(0), false)), "LogsumexpBackward0");
        /* torch: logsumexp([0, 0]) -> softmax = [.5, .5] */
        CHECK_VALUES(grad_of_sum(ct_logsumexp(x, CT_DIMS(0), false), x), 1e-15, .5, .5);
        ct_free(x);
    }
    ct_generator_free(g);
}

/* ------------------------------------------------------------ scans */

TEST(cumsum_cumprod_gradcheck) {
    ct_generator *g = ct_generator_new(7);
    CT_SCOPE {
        for (int l = 0; l < 3; l++) {
            ct_tensor *x = make2(g, 3, 4, LAYOUTS[l], 0.5, 1.5);
            for (int d = -1; d < 2; d++) {
                args a = {.dim = d};
                GC2(f_cumsum, &a, x);
                GC2(f_cumprod, &a, x);
            }
            ct_free(x);
        }
        /* zeros: one, two in a row, and a zero at the end */
        ct_tensor *z = leaf(ct_from_doubles(CT_SHAPE(3, 4), 2, 0, 3, 0.5, 0, 0, 5, 1.5, 1, 2, 4, 0));
        for (int d = 0; d < 2; d++) {
            args a = {.dim = d};
            GC2(f_cumprod, &a, z);
        }
        ct_tensor *s = make(g, CT_SHAPE0);
        args a = {.dim = 0};
        GC2(f_cumsum, &a, s);
        GC2(f_cumprod, &a, s);
        ct_free(z);
        ct_free(s);
    }
    ct_generator_free(g);
}

TEST(cumprod_zeros_match_pytorch) {
    ct_tensor *p = leaf(ct_from_doubles(CT_SHAPE(3, 3), 2, 0, 3, 0, 0, 5, 1, 2, 4));
    CT_SCOPE {
        CHECK_STR(ct_grad_fn_name(ct_cumsum(p, 0)), "CumsumBackward0");
        CHECK_STR(ct_grad_fn_name(ct_cumprod(p, 0)), "CumprodBackward0");
        /* torch: p.cumprod(1) -> [1,8,0, 1,0,0, 11,5,2]; p.cumprod(0) -> [1,1,26, 4,0,15, 0,0,15] */
        CHECK_VALUES(grad_of_sum(ct_cumprod(p, 1), p), 0, 1, 8, 0, 1, 0, 0, 11, 5, 2);
        CHECK_VALUES(grad_of_sum(ct_cumprod(p, 0), p), 0, 1, 1, 26, 4, 0, 15, 0, 0, 15);
        /* torch: p.cumsum(1) -> [3,2,1, ...] */
        CHECK_VALUES(grad_of_sum(ct_cumsum(p, 1), p), 0, 3, 2, 1, 3, 2, 1, 3, 2, 1);
    }
    ct_free(p);
}

/* ------------------------------------------------------------ sort, topk, kthvalue */

TEST(sort_topk_kthvalue_gradcheck) {
    ct_generator *g = ct_generator_new(8);
    CT_SCOPE {
        for (int l = 0; l < 3; l++) {
            ct_tensor *x = make2(g, 3, 4, LAYOUTS[l], -2, 2);
            for (int d = -1; d < 2; d++)
                for (int f = 0; f < 2; f++) {
                    args a = {.dim = d, .flag = f, .k = 2, .keepdim = f};
                    GC2(f_sort, &a, x);
                    GC2(f_topk, &a, x);
                    GC2(f_kthvalue, &a, x);
                }
            ct_free(x);
        }
        ct_tensor *s = make(g, CT_SHAPE0);
        args a = {.dim = 0, .k = 1};
        GC2(f_sort, &a, s);
        GC2(f_topk, &a, s);
        GC2(f_kthvalue, &a, s);
        ct_free(s);
    }
    ct_generator_free(g);
}

TEST(sort_family_routes_through_indices) {
    ct_tensor *x = leaf(ct_from_doubles(CT_SHAPE(2, 3), 3, 1, 2, 0, 5, 4));
    CT_SCOPE {
        ct_tensor *idx = NULL;
        ct_tensor *y = ct_sort(x, 1, false, true, &idx);
        CHECK_STR(ct_grad_fn_name(y), "SortBackward0");
        CHECK(!ct_requires_grad(idx));
        CHECK_STR(ct_grad_fn_name(ct_topk(x, 2, 1, true, true, NULL)), "TopkBackward0");
        CHECK_STR(ct_grad_fn_name(ct_kthvalue(x, 2, 0, false, NULL)), "KthvalueBackward0");
        /* weights 1,2,3 on the sorted positions: torch gives [3,1,2, 1,3,2] */
        ct_tensor *w = ct_from_doubles(CT_SHAPE(3), 1, 2, 3);
        CHECK_VALUES(grad_of_sum(ct_mul(y, w), x), 0, 3, 1, 2, 1, 3, 2);
        /* torch: x.topk(2, 1)[0] -> [1,0,1, 0,1,1]; x.kthvalue(2, 1)[0] -> [0,0,1, 0,0,1] */
        CHECK_VALUES(grad_of_sum(ct_topk(x, 2, 1, true, true, NULL), x), 0, 1, 0, 1, 0, 1, 1);
        CHECK_VALUES(grad_of_sum(ct_kthvalue(x, 2, 1, true, NULL), x), 0, 0, 0, 1, 0, 0, 1);
    }
    ct_free(x);
}

TEST(non_differentiable_results_record_nothing) {
    ct_tensor *x = leaf(ct_from_doubles(CT_SHAPE(2, 3), 3, 1, 2, 0, 5, 3));
    CT_SCOPE {
        CHECK(!ct_requires_grad(ct_argmax(x)));
        CHECK(!ct_requires_grad(ct_argmin_dim(x, 1, false)));
        CHECK(!ct_requires_grad(ct_argsort(x, 1, false)));
        CHECK(!ct_requires_grad(ct_all(x)));
        CHECK(!ct_requires_grad(ct_any_dims(x, CT_DIMS(0), false)));
        CHECK(!ct_requires_grad(ct_count_nonzero(x)));
        CHECK(!ct_requires_grad(ct_unique(x, true, NULL, NULL)));
        CHECK(!ct_requires_grad(ct_cumsum_dtype(x, 0, CT_I64)));
        /* topk's internal sort and slices leave one node, not a chain */
        ct_tensor *t = ct_topk(x, 2, 1, true, true, NULL);
        CHECK_STR(ct_grad_fn_name(t), "TopkBackward0");
        /* no recording under no-grad */
        CT_NO_GRAD { CHECK(!ct_requires_grad(ct_sum(x))); }
    }
    ct_free(x);
}

/* ------------------------------------------------------------ broadcast gradients (sum_to) */

TEST(broadcast_gradients_are_summed_differentiably) {
    ct_generator *g = ct_generator_new(9);
    CT_SCOPE {
        ct_tensor *x = make(g, CT_SHAPE(4, 3));
        ct_tensor *b = make(g, CT_SHAPE(3));
        ct_tensor *b2 = make(g, CT_SHAPE(4, 1));
        ct_tensor *b3 = make(g, CT_SHAPE(1, 1, 3));
        GC2(f_bias, NULL, x, b);
        GC2(f_bias, NULL, x, b2);
        GC2(f_bias, NULL, x, b3);
        /* x + b, sum: b's gradient is the column count 4 */
        ct_tensor *gb = grad_of_sum(ct_add(x, b), b);
        CHECK_SHAPE(gb, 3);
        CHECK_VALUES(gb, 0, 4, 4, 4);
        gb = grad_of_sum(ct_add(x, b3), b3);
        CHECK_SHAPE(gb, 1, 1, 3);
        CHECK_VALUES(gb, 0, 4, 4, 4);
        /* a Linear-sized bias: [512, 256] summed to [256] */
        ct_tensor *big = ct_uniform_(ct_empty(CT_SHAPE(512, 256), .dtype = CT_F32), -1, 1, g);
        ct_tensor *bias = ct_zeros(CT_SHAPE(256), .requires_grad = true);
        ct_tensor *gy = grad_of_sum(ct_mul(ct_add(big, bias), ct_add(big, bias)), bias);
        ct_tensor *expect = ct_mul_scalar(ct_sum_dims(big, CT_DIMS(0), false), 2.0);
        CHECK(ct_item_bool(ct_all(ct_isclose(gy, expect, 1e-5, 1e-4, false))));
        ct_free(x);
        ct_free(b);
        ct_free(b2);
        ct_free(b3);
        ct_free(bias);
    }
    ct_generator_free(g);
}

/* ------------------------------------------------------------ memory */

TEST(forward_backward_loop_keeps_live_tensors_flat) {
    ct_generator *g = ct_generator_new(10);
    ct_tensor *x = make(g, CT_SHAPE(4, 5));
    ct_tensor *z = leaf(ct_from_doubles(CT_SHAPE(2, 3), 2, 0, 3, 0, 1, 5));
    long before = ct_live_tensors();
    for (int it = 0; it < 200; it++) {
        CT_SCOPE {
            ct_tensor *idx = NULL;
            ct_tensor *parts[] = {
                ct_sum(x), ct_mean_dims(x, CT_DIMS(1), true), ct_prod_dim(z, 1, false), ct_prod(z),
                ct_max(x), ct_max_dim(x, 0, false, &idx), ct_amin(x, CT_DIMS(1), false),
                ct_var_dims(x, CT_DIMS(0), 1, false), ct_std(x), ct_norm(x, 3), ct_norm(x, INFINITY),
                ct_logsumexp(x, CT_DIMS(1), false), ct_cumsum(x, 1), ct_cumprod(z, 1),
                ct_sort(x, 1, true, true, NULL), ct_topk(x, 2, 0, true, true, NULL),
                ct_kthvalue(x, 2, 1, false, NULL)};
            ct_tensor *loss = ct_zeros(CT_SHAPE0, .dtype = CT_F64);
            for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) loss = ct_add(loss, ct_sum(parts[i]));
            ct_tensor *gs[2] = {NULL, NULL};
            CHECK(ct_grad(CT_TENSORS(loss), CT_TENSORS(x, z), gs, .create_graph = true) == 0);
            ct_tensor *gg = ct_add(ct_sum(ct_mul(gs[0], gs[0])), ct_sum(ct_mul(gs[1], gs[1])));
            ct_tensor *g2[2] = {NULL, NULL};
            CHECK(ct_grad(CT_TENSORS(gg), CT_TENSORS(x, z), g2) == 0);
            ct_free(gs[0]);
            ct_free(gs[1]);
            ct_free(g2[0]);
            ct_free(g2[1]);
        }
    }
    CHECK_EQ_INT(ct_live_tensors(), before);
    ct_free(x);
    ct_free(z);
    ct_generator_free(g);
}
