/*
 * tests/ops/test_reduce.c - reductions and scans against PyTorch 1.13:
 * sum, mean, prod, max/min (with indices), amax/amin, argmax/argmin,
 * var/std, norm, logsumexp, all/any, count_nonzero, cumsum/cumprod.
 * The fixture cases (tests/fixtures/reduce_cases.py) cover every dtype,
 * transposed / step-sliced / expanded inputs, 0-d and empty tensors,
 * negative dims, keepdim, NaN, ties and every error PyTorch raises. The
 * other tests check the fast kernels against the plain reference kernel on
 * inputs large enough to take the threaded and column paths, and float32
 * accuracy on 17M elements.
 */
#include <stdlib.h>

#include "../../src/kernels/reduce.h"
#include "../fixtures/reduce_cases.h"
#include "test.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ----------------------------------------------------------- fixture replay */

static ct_tensor *make_input(const reduce_case *c) {
    ct_shape s = {.ndim = c->base.ndim};
    for (int i = 0; i < s.ndim; i++) s.d[i] = c->base.shape[i];
    ct_tensor *b = ct_to_dtype(ct_from_data(c->base.v, CT_F64, s), (ct_dtype)c->base.dtype);
    switch (c->view) {
    case 1: return ct_transpose(b, (int)c->va[0], (int)c->va[1]);
    case 2: return ct_slice(b, (int)c->va[0], c->va[1], c->va[2], c->va[3]);
    case 3: {
        ct_shape e = {.ndim = c->va_n};
        for (int i = 0; i < e.ndim; i++) e.d[i] = c->va[i];
        return ct_expand(b, e);
    }
    default: return b;
    }
}

static ct_shape case_dims(const reduce_case *c) {
    ct_shape d = {.ndim = c->all_dims ? 0 : c->ndims};
    for (int i = 0; i < d.ndim; i++) d.d[i] = c->dims[i];
    return d;
}

/* Runs a reduction case; out[] gets the results. False when the op is not ours. */
static bool call_reduce(const reduce_case *c, ct_tensor *x, ct_tensor **out) {
    ct_shape dims = case_dims(c);
    bool all = c->all_dims, keep = c->keepdim;
    ct_dtype dt = (ct_dtype)c->dtype_arg;
    switch (c->op) {
    case ROP_SUM: out[0] = ct_sum_dtype(x, dims, keep, dt); break;
    case ROP_MEAN: out[0] = dt ? ct_mean_dtype(x, dims, keep, dt)
                         : all ? ct_mean(x) : ct_mean_dims(x, dims, keep); break;
    case ROP_PROD: out[0] = ct_prod(x); break;
    case ROP_PROD_DIM: out[0] = ct_prod_dim(x, c->dim, keep); break;
    case ROP_MAX: out[0] = ct_max(x); break;
    case ROP_MIN: out[0] = ct_min(x); break;
    case ROP_MAX_DIM: out[0] = ct_max_dim(x, c->dim, keep, &out[1]); break;
    case ROP_MIN_DIM: out[0] = ct_min_dim(x, c->dim, keep, &out[1]); break;
    case ROP_AMAX: out[0] = ct_amax(x, dims, keep); break;
    case ROP_AMIN: out[0] = ct_amin(x, dims, keep); break;
    case ROP_ARGMAX: out[0] = ct_argmax(x); break;
    case ROP_ARGMIN: out[0] = ct_argmin(x); break;
    case ROP_ARGMAX_DIM: out[0] = ct_argmax_dim(x, c->dim, keep); break;
    case ROP_ARGMIN_DIM: out[0] = ct_argmin_dim(x, c->dim, keep); break;
    case ROP_VAR: out[0] = all && c->correction == 1 ? ct_var(x)
                         : ct_var_dims(x, dims, c->correction, keep); break;
    case ROP_STD: out[0] = all && c->correction == 1 ? ct_std(x)
                         : ct_std_dims(x, dims, c->correction, keep); break;
    case ROP_NORM: out[0] = all ? ct_norm(x, c->p) : ct_norm_dims(x, c->p, dims, keep); break;
    case ROP_LOGSUMEXP: out[0] = ct_logsumexp(x, dims, keep); break;
    case ROP_ALL: out[0] = all ? ct_all(x) : ct_all_dims(x, dims, keep); break;
    case ROP_ANY: out[0] = all ? ct_any(x) : ct_any_dims(x, dims, keep); break;
    case ROP_COUNT_NONZERO: out[0] = all ? ct_count_nonzero(x) : ct_count_nonzero_dims(x, dims); break;
    case ROP_CUMSUM: out[0] = dt ? ct_cumsum_dtype(x, c->dim, dt) : ct_cumsum(x, c->dim); break;
    case ROP_CUMPROD: out[0] = dt ? ct_cumprod_dtype(x, c->dim, dt) : ct_cumprod(x, c->dim); break;
    default: return false;
    }
    return true;
}

/* Shape, dtype and values of got against PyTorch's, with a tolerance for the dtype. */
static bool same_tensor(const ct_tensor *got, const rc_tensor *want, const char *name, int k) {
    if (!got) {
        fprintf(stderr, "  %s: output %d is NULL (%s)\n", name, k, ct_last_error());
        return false;
    }
    bool ok = ct_dim(got) == want->ndim && (int)ct_dtype_of(got) == want->dtype;
    for (int i = 0; ok && i < want->ndim; i++) ok = ct_sizes(got)[i] == want->shape[i];
    if (!ok) {
        char buf[64];
        ct_shape s = ct_shape_of(got);
        snprintf(buf, sizeof buf, "ndim %d dtype %d", s.ndim, (int)ct_dtype_of(got));
        fprintf(stderr, "  %s: output %d has %s, PyTorch: ndim %d dtype %d\n", name, k, buf,
                want->ndim, want->dtype);
        return false;
    }
    int64_t n = want->n;
    double *g = malloc(sizeof(double) * (size_t)(n ? n : 1));
    ct_copy_to_buffer(got, g, CT_F64, (size_t)n);
    double rtol = want->dtype == CT_F32 ? 2e-5 : want->dtype == CT_F64 ? 1e-12 : 0;
    double atol = want->dtype == CT_F32 ? 1e-5 : want->dtype == CT_F64 ? 1e-12 : 0;
    for (int64_t i = 0; ok && i < n; i++) {
        double a = g[i], b = want->v[i];
        bool same = (isnan(a) && isnan(b)) || a == b ||
                    (isfinite(b) && fabs(a - b) <= atol + rtol * fabs(b));
        if (!same) {
            fprintf(stderr, "  %s: output %d element %lld is %.17g, PyTorch gives %.17g\n", name, k,
                    (long long)i, a, b);
            ok = false;
        }
    }
    free(g);
    return ok;
}

/* Replays every fixture case whose op call_fn knows; returns how many ran. */
static int replay(bool (*call_fn)(const reduce_case *, ct_tensor *, ct_tensor **)) {
    int ran = 0;
    for (int i = 0; i < COUNT(reduce_cases); i++) {
        const reduce_case *c = &reduce_cases[i];
        CT_SCOPE {
            ct_tensor *x = make_input(c);
            ct_tensor *out[3] = {NULL, NULL, NULL};
            ct_clear_error();
            if (!x) {
                ct_test_fail(__FILE__, __LINE__, "%s: could not build input (%s)", c->name,
                             ct_last_error());
            } else if (call_fn(c, x, out)) {
                ran++;
                if (!c->ok) {
                    if (out[0] != NULL)
                        ct_test_fail(__FILE__, __LINE__, "%s: expected an error \"%s\"", c->name,
                                     c->error);
                    else if (!strstr(ct_last_error(), c->error))
                        ct_test_fail(__FILE__, __LINE__, "%s: error \"%s\", PyTorch says \"%s\"",
                                     c->name, ct_last_error(), c->error);
                } else {
                    for (int k = 0; k < c->nout; k++) {
                        if (k > 0 && !c->check_idx) continue;
                        if (!same_tensor(out[k], &c->out[k], c->name, k))
                            ct_test_fail(__FILE__, __LINE__, "%s differs from PyTorch", c->name);
                    }
                }
            }
            ct_clear_error();
        }
    }
    return ran;
}

TEST(reduce_fixtures) {
    int ran = replay(call_reduce);
    CHECK(ran > 1000);
}

/* ------------------------------------------------------- kernel vs reference */

/* Compares ct__reduce with ct__reduce_ref for op over x's dims in mask. */
static void compare_kernels(ct_reduce_op op, ct_tensor *x, const bool *mask, double p,
                            const char *what) {
    ct_reduce_plan plan;
    ct__reduce_plan_init(&plan, x, mask, NULL, true);
    ct_dtype od = ct__reduce_out_dtype(op, ct_dtype_of(x));
    REQUIRE(od != CT_DTYPE_UNSET);
    size_t n = (size_t)plan.n_out, es = ct_dtype_size(od);
    char *fast = calloc(n + 1, es), *ref = calloc(n + 1, es);
    double *centers = malloc(sizeof(double) * (n + 1));
    for (size_t i = 0; i < n; i++) centers[i] = 0.25 * (double)(i % 3);
    ct_reduce_args a = {.p = p, .correction = 1, .center = centers};
    CHECK(ct__reduce(op, &plan, fast, &a));
    CHECK(ct__reduce_ref(op, &plan, ref, &a));
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        double f = ct__load_f64(fast + i * es, od), r = ct__load_f64(ref + i * es, od);
        /* float32 products of 10^5..10^6 factors drift by ~sqrt(n) roundings from a double one */
        double rel = od == CT_F32 ? (op == CT_ROP_PROD ? 3e-3 : 1e-4) : 1e-9;
        double tol = ct_dtype_is_floating(od) ? rel * (1 + fabs(r)) : 0;
        if (!((isnan(f) && isnan(r)) || f == r || fabs(f - r) <= tol)) {
            ct_test_fail(__FILE__, __LINE__, "%s op %d output %zu: fast %.17g, reference %.17g",
                         what, (int)op, i, f, r);
            ok = false;
        }
    }
    free(fast);
    free(ref);
    free(centers);
}

TEST(kernels_match_reference_on_large_inputs) {
    const ct_reduce_op ops[] = {CT_ROP_SUM, CT_ROP_MEAN, CT_ROP_PROD, CT_ROP_AMAX, CT_ROP_AMIN,
                                CT_ROP_ALL, CT_ROP_ANY, CT_ROP_COUNT_NZ, CT_ROP_NORM_P,
                                CT_ROP_NORM_1, CT_ROP_NORM_2, CT_ROP_NORM_INF,
                                CT_ROP_NORM_NEGINF, CT_ROP_NORM_0, CT_ROP_VAR, CT_ROP_STD,
                                CT_ROP_LSE};
    const ct_dtype dtypes[] = {CT_F32, CT_F64, CT_I32, CT_I64, CT_U8, CT_BOOL};
    /* Each just above the grain size: outputs, column tiles, rows split, chunks split.
     * (Kept small: the suite also runs under AddressSanitizer in CI.) */
    const int64_t shapes[][2] = {{33000, 2}, {2, 33000}, {130, 257}};
    for (int threads = 3; threads <= 3; threads += 2) { /* more threads than cores: uneven splits */
        ct_set_num_threads(threads);
        for (int s = 0; s < COUNT(shapes); s++) {
            for (int d = 0; d < COUNT(dtypes); d++) {
                CT_SCOPE {
                    /* Values near 1 keep products finite; a few NaNs go in the float ones. */
                    ct_tensor *r = ct_rand(CT_SHAPE(shapes[s][0], shapes[s][1]), .dtype = CT_F64);
                    ct_tensor *v = ct_add_scalar(ct_mul_scalar(r, 0.002), 0.999);
                    if (dtypes[d] == CT_F32 || dtypes[d] == CT_F64) {
                        if (s == 2) ct_set(v, (int64_t[]){7, 5}, NAN);
                    } else {
                        v = ct_mul_scalar(r, dtypes[d] == CT_BOOL ? 1.9 : 7.0);
                    }
                    ct_tensor *x = ct_to_dtype(v, dtypes[d]);
                    ct_tensor *xt = ct_transpose(x, 0, 1);
                    const bool masks[4][CT_MAX_DIMS] = {{true, false}, {false, true}, {true, true}};
                    for (int o = 0; o < COUNT(ops); o++) {
                        if (ct__reduce_out_dtype(ops[o], dtypes[d]) == CT_DTYPE_UNSET) continue;
                        for (int m = 0; m < 3; m++) {
                            compare_kernels(ops[o], x, masks[m], 3.0, "contiguous");
                            compare_kernels(ops[o], xt, masks[m], 3.0, "transposed");
                        }
                    }
                }
            }
        }
    }
    ct_set_num_threads(2);
}

TEST(float32_sum_of_17M_is_pairwise_accurate) {
    CT_SCOPE {
        /* A running float sum of ones sticks at 2^24 = 16777216. */
        ct_tensor *x = ct_ones(CT_SHAPE(17000000));
        CHECK_NEAR(ct_item(ct_sum(x)), 17000000.0, 0);
        CHECK_NEAR(ct_item(ct_mean(x)), 1.0, 0);
        /* Same through the column path: [17000000/100, 100] summed over dim 0. */
        ct_tensor *cols = ct_sum_dims(ct_view(x, CT_SHAPE(170000, 100)), CT_DIMS(0), false);
        CHECK_NEAR(ct_item(ct_amin(cols, CT_SHAPE0, false)), 170000.0, 0);
        /* Random values: error against a double sum stays near float epsilon. */
        ct_tensor *r = ct_rand(CT_SHAPE(4000000));
        double exact = ct_item(ct_sum(ct_to_dtype(r, CT_F64)));
        CHECK(fabs(ct_item(ct_sum(r)) - exact) / exact < 1e-6);
    }
}

TEST(arg_reductions_split_across_threads_keep_first_index) {
    CT_SCOPE {
        ct_tensor *x = ct_zeros(CT_SHAPE(200000));
        ct_set(x, (int64_t[]){150000}, 5);
        ct_set(x, (int64_t[]){30000}, 5);
        ct_set(x, (int64_t[]){170000}, -5);
        ct_set(x, (int64_t[]){60000}, -5);
        CHECK_EQ_INT(ct_item_int(ct_argmax(x)), 30000);
        CHECK_EQ_INT(ct_item_int(ct_argmin(x)), 60000);
        ct_set(x, (int64_t[]){190000}, NAN);
        ct_set(x, (int64_t[]){120000}, NAN);
        CHECK_EQ_INT(ct_item_int(ct_argmax(x)), 120000);
        CHECK_EQ_INT(ct_item_int(ct_argmin(x)), 120000);
        CHECK(isnan(ct_item(ct_max(x))));
        ct_tensor *idx = NULL;
        ct_tensor *v = ct_max_dim(ct_view(x, CT_SHAPE(2, 100000)), 1, false, &idx);
        CHECK_VALUES(idx, 0, 30000, 20000);
        CHECK_VALUES(v, 0, 5, NAN);
        /* Integers of more than 53 bits compare exactly. */
        ct_tensor *big = ct_full(CT_SHAPE(100000), .value = 0, .dtype = CT_I64);
        int64_t *d = ct_data_i64(big);
        d[10] = ((int64_t)1 << 60) + 1;
        d[90000] = ((int64_t)1 << 60) + 2;
        CHECK_EQ_INT(ct_item_int(ct_argmax(big)), 90000);
    }
}

TEST(amax_amin_find_a_nan_anywhere_in_a_run) {
    /* The vector path handles 8 floats (4 doubles) at a time plus a tail. */
    const ct_dtype dts[2] = {CT_F32, CT_F64};
    for (int d = 0; d < 2; d++) {
        CT_SCOPE {
            ct_tensor *x = ct_to_dtype(ct_arange(0, 37, 1), dts[d]);
            CHECK_NEAR(ct_item(ct_amax(x, CT_SHAPE0, false)), 36, 0);
            CHECK_NEAR(ct_item(ct_amin(x, CT_SHAPE0, false)), 0, 0);
            ct_set(x, (int64_t[]){20}, -INFINITY);
            ct_set(x, (int64_t[]){3}, INFINITY);
            CHECK(ct_item(ct_amax(x, CT_SHAPE0, false)) == INFINITY);
            CHECK(ct_item(ct_amin(x, CT_SHAPE0, false)) == -INFINITY);
            for (int64_t pos = 0; pos < 37; pos++) {
                ct_tensor *y = ct_clone(x);
                ct_set(y, &pos, NAN);
                if (!isnan(ct_item(ct_amax(y, CT_SHAPE0, false))) ||
                    !isnan(ct_item(ct_amin(y, CT_SHAPE0, false))))
                    ct_test_fail(__FILE__, __LINE__, "NaN at %lld missed (dtype %d)",
                                 (long long)pos, (int)dts[d]);
            }
        }
    }
}

TEST(integer_sums_wrap_and_promote) {
    CT_SCOPE {
        ct_tensor *x = ct_from_ints(CT_SHAPE(3), 2147483647, 1, 1);
        ct_tensor *s = ct_sum(x);
        CHECK_EQ_INT(ct_dtype_of(s), CT_I64);
        CHECK_EQ_INT(ct_item_int(s), 2147483649LL);
        ct_tensor *s32 = ct_sum_dtype(x, CT_SHAPE0, false, CT_I32);
        CHECK_EQ_INT(ct_dtype_of(s32), CT_I32);
        CHECK_EQ_INT(ct_item_int(s32), -2147483647LL); /* torch.sum(x, dtype=torch.int32) */
        ct_tensor *l = ct_from_longs(CT_SHAPE(2), INT64_MAX, 1);
        CHECK_EQ_INT(ct_item_int(ct_sum(l)), INT64_MIN);
        ct_tensor *cs = ct_cumsum(l, 0);
        CHECK_EQ_INT(ct_data_i64(cs)[0], INT64_MAX);
        CHECK_EQ_INT(ct_data_i64(cs)[1], INT64_MIN);
    }
}

TEST(null_and_bad_arguments) {
    CHECK_FAILS(ct_sum(NULL), "input");
    CHECK_FAILS(ct_max_dim(NULL, 0, false, NULL), "input");
    CHECK_FAILS(ct_sort(NULL, 0, false, false, NULL), "input");
    CT_SCOPE {
        ct_tensor *x = ct_zeros(CT_SHAPE(2, 3));
        ct_tensor *idx = (ct_tensor *)x; /* must be reset to NULL on error */
        CHECK_FAILS(ct_max_dim(x, 5, false, &idx), "Dimension out of range");
        CHECK(idx == NULL);
        ct_shape nine = {.ndim = 9};
        CHECK_FAILS(ct_sum_dims(x, nine, false), "at most 8 dims");
        CHECK_FAILS(ct_sum_dtype(x, CT_SHAPE0, false, (ct_dtype)42), "invalid dtype");
        CHECK_FAILS(ct_sum_dims(x, CT_DIMS(0, -2), false),
                    "dim 0 appears multiple times in the list of dims");
    }
}

static void mean_of_long_aborts(void) {
    ct_tensor *x = ct_zeros(CT_SHAPE(3), .dtype = CT_I64);
    ct_mean(x);
}

TEST(errors_abort_in_default_mode) {
    CHECK_ABORTS(mean_of_long_aborts,
                 "mean(): could not infer output dtype. Input dtype must be either a floating "
                 "point or complex dtype. Got: Long");
}
