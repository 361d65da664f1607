/*
 * tests/ops/test_pointwise.c - the unary functions, clamp, where, lerp and
 * nan_to_num against PyTorch 1.13 (tests/fixtures/pointwise_cases.py): every
 * dtype, contiguous / transposed / step-sliced / expanded / 0-d / empty inputs,
 * broadcasting, promotion, in-place forms and every error PyTorch raises.
 */
#include <float.h>

#include "pw_fixture.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

typedef ct_tensor *(*unary_fn)(ct_tensor *);
static const struct {
    const char *name;
    unary_fn f, f_;
} UNARY[] = {
    {"neg", ct_neg, ct_neg_},       {"abs", ct_abs, ct_abs_},
    {"sign", ct_sign, ct_sign_},    {"sqrt", ct_sqrt, ct_sqrt_},
    {"rsqrt", ct_rsqrt, ct_rsqrt_}, {"exp", ct_exp, ct_exp_},
    {"exp2", ct_exp2, ct_exp2_},    {"log", ct_log, ct_log_},
    {"log2", ct_log2, ct_log2_},    {"log10", ct_log10, ct_log10_},
    {"log1p", ct_log1p, ct_log1p_}, {"expm1", ct_expm1, ct_expm1_},
    {"sin", ct_sin, ct_sin_},       {"cos", ct_cos, ct_cos_},
    {"tan", ct_tan, ct_tan_},       {"tanh", ct_tanh, ct_tanh_},
    {"sigmoid", ct_sigmoid, ct_sigmoid_}, {"relu", ct_relu, ct_relu_},
    {"floor", ct_floor, ct_floor_}, {"ceil", ct_ceil, ct_ceil_},
    {"trunc", ct_trunc, ct_trunc_}, {"frac", ct_frac, ct_frac_},
    {"round", ct_round, ct_round_}, {"reciprocal", ct_reciprocal, ct_reciprocal_},
    {"square", ct_square, ct_square_}, {"isnan", ct_isnan, NULL},
    {"isinf", ct_isinf, NULL},      {"isfinite", ct_isfinite, NULL},
    {"nan_to_num", ct_nan_to_num, ct_nan_to_num_},
};

static bool is(const pw_case *c, const char *name) { return strcmp(c->op, name) == 0; }

/* Unary functions by name, plain or in place ("exp" / "exp_"). */
static bool run_unary(const pw_case *c, ct_tensor **in, const ct_scalar *sc, ct_tensor **out,
                      bool *bool_out) {
    (void)sc, (void)bool_out;
    size_t len = strlen(c->op);
    bool in_place = c->op[len - 1] == '_';
    for (int k = 0; k < COUNT(UNARY); k++) {
        if (strncmp(c->op, UNARY[k].name, len - in_place) || UNARY[k].name[len - in_place])
            continue;
        *out = in_place ? UNARY[k].f_(in[0]) : UNARY[k].f(in[0]);
        return true;
    }
    return false;
}

static bool run_clamp_nan(const pw_case *c, ct_tensor **in, const ct_scalar *sc, ct_tensor **out,
                          bool *bool_out) {
    (void)bool_out;
    double p = ct_scalar_to_double(sc[1]), m = c->nsc > 2 ? ct_scalar_to_double(sc[2]) : 0;
    double nan = ct_scalar_to_double(sc[0]);
    if (is(c, "nan_to_num_opt")) *out = ct_nan_to_num_opt(in[0], nan, &p, &m);
    else if (is(c, "nan_to_num_opt_")) *out = ct_nan_to_num_opt_(in[0], nan, &p, &m);
    else if (is(c, "nan_to_num_posinf")) *out = ct_nan_to_num_opt(in[0], nan, &p, NULL);
    else if (is(c, "clamp")) *out = ct_clamp_sc(in[0], sc[0], sc[1]);
    else if (is(c, "clamp_")) *out = ct_clamp_sc_(in[0], sc[0], sc[1]);
    else if (is(c, "clamp_min")) *out = ct_clamp_min_sc(in[0], sc[0]);
    else if (is(c, "clamp_max")) *out = ct_clamp_max_sc(in[0], sc[0]);
    else if (is(c, "clamp_min_")) *out = ct_clamp_min_sc_(in[0], sc[0]);
    else if (is(c, "clamp_max_")) *out = ct_clamp_max_sc_(in[0], sc[0]);
    else if (is(c, "clamp_tensor")) *out = ct_clamp_tensor(in[0], in[1], in[2]);
    else if (is(c, "clamp_tensor_")) *out = ct_clamp_tensor_(in[0], in[1], in[2]);
    else if (is(c, "clamp_tensor_min")) *out = ct_clamp_tensor(in[0], in[1], NULL);
    else if (is(c, "clamp_tensor_max")) *out = ct_clamp_tensor(in[0], NULL, in[1]);
    else if (is(c, "clamp_tensor_none")) *out = ct_clamp_tensor(in[0], NULL, NULL);
    else return false;
    return true;
}

static bool run_where_lerp(const pw_case *c, ct_tensor **in, const ct_scalar *sc,
                           ct_tensor **out, bool *bool_out) {
    (void)bool_out;
    if (is(c, "where")) *out = ct_where(in[0], in[1], in[2]);
    else if (is(c, "where_sc_other")) *out = ct_where_sc_other(in[0], in[1], sc[0]);
    else if (is(c, "where_sc_self")) *out = ct_where_sc_self(in[0], sc[0], in[1]);
    else if (is(c, "where_sc")) *out = ct_where_sc(in[0], sc[0], sc[1]);
    else if (is(c, "lerp")) *out = ct_lerp(in[0], in[1], in[2]);
    else if (is(c, "lerp_")) *out = ct_lerp_(in[0], in[1], in[2]);
    else if (is(c, "lerp_sc")) *out = ct_lerp_sc(in[0], in[1], sc[0]);
    else if (is(c, "lerp_sc_")) *out = ct_lerp_sc_(in[0], in[1], sc[0]);
    else return false;
    return true;
}

TEST(unary_against_pytorch) {
    int ran = pw_run_cases(run_unary, __FILE__, __LINE__);
    CHECK(ran > 1000);
}

TEST(clamp_and_nan_to_num_against_pytorch) {
    int ran = pw_run_cases(run_clamp_nan, __FILE__, __LINE__);
    CHECK(ran > 500);
}

TEST(where_and_lerp_against_pytorch) {
    int ran = pw_run_cases(run_where_lerp, __FILE__, __LINE__);
    CHECK(ran > 250);
}

/* Larger than the grain size, so the loops run on several threads; the kernels
 * must agree with the C library's functions element by element. */
TEST(large_inputs_match_libm) {
    CT_SCOPE {
        int64_t n = 100003;
        ct_tensor *x = ct_randn(CT_SHAPE(n));
        ct_tensor *e = ct_exp(x), *s = ct_sigmoid(x), *c = ct_clamp(x, -0.5, 0.5);
        ct_tensor *half = ct_full(CT_SHAPE(n), 0.5);
        ct_tensor *l = ct_lerp_scalar(x, half, 0.25);
        const float *px = ct_data_f32(x), *pe = ct_data_f32(e), *ps = ct_data_f32(s);
        const float *pc = ct_data_f32(c), *pl = ct_data_f32(l);
        REQUIRE(px && pe && ps && pc && pl);
        int bad = 0;
        for (int64_t i = 0; i < n; i++) {
            float v = px[i];
            bad += pe[i] != expf(v);
            bad += ps[i] != 1 / (1 + expf(-v));
            bad += pc[i] != (v < -0.5f ? -0.5f : v > 0.5f ? 0.5f : v);
            bad += pl[i] != fmaf(0.25f, 0.5f - v, v);
        }
        CHECK_EQ_INT(bad, 0);
    }
}

TEST(in_place_returns_argument_and_bumps_version) {
    CT_SCOPE {
        ct_tensor *x = ct_from_floats(CT_SHAPE(2, 2), 1, 4, 9, 16);
        ct_tensor *view = ct_transpose(x, 0, 1);
        int64_t v0 = ct_version(x);
        CHECK(ct_sqrt_(view) == view);
        CHECK_EQ_INT(ct_version(x), v0 + 1); /* the counter is shared with the base */
        CHECK_VALUES(x, 0, 1, 2, 3, 4);
        CHECK(ct_clamp_(x, 1.5, 3.5) == x);
        CHECK(ct_clamp_min_(x, 2) == x);
        CHECK(ct_nan_to_num_(x) == x);
        CHECK_EQ_INT(ct_version(x), v0 + 4);
        CHECK_VALUES(x, 0, 2, 2, 3, 3.5);
        ct_tensor *lo = ct_from_floats(CT_SHAPE(2), 2.5, 0);
        CHECK(ct_clamp_tensor_(x, lo, NULL) == x);
        CHECK(ct_lerp_scalar_(x, lo, 1.0) == x);
        CHECK_EQ_INT(ct_version(x), v0 + 6);
        CHECK_VALUES(x, 0, 2.5, 0, 2.5, 0);
        /* a failed in-place call leaves the tensor and its version alone */
        ct_tensor *i = ct_from_longs(CT_SHAPE(2), 3, -4);
        int64_t vi = ct_version(i);
        CHECK_FAILS(ct_exp_(i), "result type Float can't be cast to the desired output type Long");
        CHECK_EQ_INT(ct_version(i), vi);
        CHECK_VALUES(i, 0, 3, -4);
    }
}

TEST(null_arguments) {
    CT_SCOPE {
        ct_tensor *x = ct_ones(CT_SHAPE(2));
        CHECK_FAILS(ct_exp(NULL), "argument 'input' is NULL");
        CHECK_FAILS(ct_neg_(NULL), "argument 'input' is NULL");
        CHECK_FAILS(ct_clamp(NULL, 0, 1), "argument 'input' is NULL");
        CHECK_FAILS(ct_where(NULL, x, x), "argument 'condition' is NULL");
        CHECK_FAILS(ct_where(x, NULL, x), "argument 'input' is NULL");
        CHECK_FAILS(ct_where_scalar(NULL, 1, 0), "argument 'condition' is NULL");
        CHECK_FAILS(ct_lerp(x, x, NULL), "argument 'weight' is NULL");
        CHECK_FAILS(ct_lerp_scalar(x, NULL, 0.5), "argument 'end' is NULL");
        CHECK_FAILS(ct_nan_to_num(NULL), "argument 'input' is NULL");
        /* an earlier error is kept: the chain reports its first failure */
        ct_clear_error();
        ct_tensor *r = ct_exp(ct_log(ct_frac(ct_ones(CT_SHAPE(2), .dtype = CT_I64))));
        CHECK(r == NULL);
        CHECK_ERROR("not implemented for 'Long'");
    }
}

TEST(scalar_forms_promote_like_python_numbers) {
    CT_SCOPE {
        ct_tensor *i = ct_from_longs(CT_SHAPE(3), -5, 0, 5);
        ct_tensor *c = ct_clamp(i, -2, 2); /* int bounds keep int64 */
        CHECK_EQ_INT(ct_dtype_of(c), CT_I64);
        CHECK_VALUES(c, 0, -2, 0, 2);
        ct_tensor *f = ct_clamp(i, -2.5, 2); /* a float bound gives the default float */
        CHECK_EQ_INT(ct_dtype_of(f), CT_F32);
        CHECK_VALUES(f, 0, -2.5, 0, 2);
        ct_set_default_dtype(CT_F64);
        ct_tensor *g = ct_sqrt(i);
        ct_set_default_dtype(CT_F32);
        CHECK_EQ_INT(ct_dtype_of(g), CT_F64);
        ct_tensor *m = ct_from_values((bool[]){true, false}, 2, CT_BOOL, CT_SHAPE(2));
        ct_tensor *w = ct_where_scalar(m, 1, 0.5);
        CHECK_EQ_INT(ct_dtype_of(w), CT_F32);
        CHECK_VALUES(w, 0, 1, 0.5);
        ct_tensor *nn = ct_nan_to_num(ct_from_doubles(CT_SHAPE(3), NAN, INFINITY, -INFINITY));
        CHECK_VALUES(nn, 0, 0, DBL_MAX, -DBL_MAX);
    }
}

static void abort_on_bool_neg(void) {
    ct_tensor *b = ct_from_values((bool[]){true}, 1, CT_BOOL, CT_SHAPE(1));
    ct_neg(b);
}

TEST(abort_mode_reports_pytorch_message) {
    CHECK_ABORTS(abort_on_bool_neg, "ct_neg: Negation, the `-` operator, on a bool tensor");
}
