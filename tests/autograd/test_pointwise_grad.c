/*
 * tests/autograd/test_pointwise_grad.c - gradients of the elementwise ops:
 * the unary functions and their in-place forms, clamp, nan_to_num, where,
 * lerp, clamp with tensor bounds, maximum and minimum. gradcheck (first and
 * second order, float64) on random, broadcast and non-contiguous inputs, and
 * PyTorch's conventions at the non-differentiable points (values from
 * PyTorch 1.13: see the comment over each check).
 */
#include "test.h"

/* ------------------------------------------------------------ inputs */

/* y.backward(ones_like(y)): the gradient of sum(y), without needing sum's backward. */
static int backward_ones(ct_tensor *y) { return y ? ct_backward_with(y, ct_ones_like(y)) : -1; }

#define from_bools(shape, ...) CT__FROM_VALUES(bool, CT_BOOL, shape, __VA_ARGS__)
#define from_bytes(shape, ...) CT__FROM_VALUES(uint8_t, CT_U8, shape, __VA_ARGS__)

typedef enum { CONTIG, TRANSPOSED, STEPPED } layout;

/*
 * A float64 leaf requiring grad of shape (r, c) with values uniform in
 * [lo, hi), negated at random when `signed_`, laid out as asked: transposed
 * (a (c, r) tensor's transpose) or step-sliced (every other row of (2r, c)).
 */
static ct_tensor *make(ct_generator *g, int64_t r, int64_t c, double lo, double hi, bool signed_,
                       layout l) {
    ct_tensor *x = NULL;
    CT_SCOPE {
        ct_shape s = l == TRANSPOSED ? CT_SHAPE(c, r) : l == STEPPED ? CT_SHAPE(2 * r, c) : CT_SHAPE(r, c);
        ct_tensor *base = ct_uniform_(ct_empty(s, .dtype = CT_F64), lo, hi, g);
        if (signed_) {
            ct_tensor *flip = ct_uniform_(ct_empty(s, .dtype = CT_F64), 0, 1, g);
            base = ct_where(ct_lt_scalar(flip, 0.5), ct_neg(base), base);
        }
        x = l == TRANSPOSED ? ct_transpose(base, 0, 1) : l == STEPPED ? ct_slice(base, 0, 0, 2 * r, 2) : base;
        x = ct_keep(x);
    }
    ct_requires_grad_(x, true);
    return x;
}

/* --------------------------------------------------------- unary ops */

typedef ct_tensor *(*unary_fn)(ct_tensor *);

typedef struct {
    const char *name;
    unary_fn f, f_;     /* out of place, in place */
    double lo, hi;      /* domain of the random inputs */
    bool signed_;       /* values in +-[lo, hi): keeps them away from a kink at 0 */
} unary_case;

static ct_tensor *clamp_both(ct_tensor *t) { return ct_clamp(t, -1.0, 1.0); }
static ct_tensor *clamp_both_(ct_tensor *t) { return ct_clamp_(t, -1.0, 1.0); }
static ct_tensor *clamp_lo(ct_tensor *t) { return ct_clamp_min(t, 0.5); }
static ct_tensor *clamp_lo_(ct_tensor *t) { return ct_clamp_min_(t, 0.5); }
static ct_tensor *clamp_hi(ct_tensor *t) { return ct_clamp_max(t, -0.5); }
static ct_tensor *clamp_hi_(ct_tensor *t) { return ct_clamp_max_(t, -0.5); }

static const unary_case UNARY[] = {
    {"neg", ct_neg, ct_neg_, -2, 2, false},
    {"abs", ct_abs, ct_abs_, 0.2, 2, true},
    {"sign", ct_sign, ct_sign_, 0.2, 2, true},
    {"sqrt", ct_sqrt, ct_sqrt_, 0.5, 2, false},
    {"rsqrt", ct_rsqrt, ct_rsqrt_, 0.5, 2, false},
    {"exp", ct_exp, ct_exp_, -2, 2, false},
    {"exp2", ct_exp2, ct_exp2_, -2, 2, false},
    {"log", ct_log, ct_log_, 0.5, 2, false},
    {"log2", ct_log2, ct_log2_, 0.5, 2, false},
    {"log10", ct_log10, ct_log10_, 0.5, 2, false},
    {"log1p", ct_log1p, ct_log1p_, -0.5, 2, false},
    {"expm1", ct_expm1, ct_expm1_, -2, 2, false},
    {"sin", ct_sin, ct_sin_, -3, 3, false},
    {"cos", ct_cos, ct_cos_, -3, 3, false},
    {"tan", ct_tan, ct_tan_, -1, 1, false},
    {"tanh", ct_tanh, ct_tanh_, -2, 2, false},
    {"sigmoid", ct_sigmoid, ct_sigmoid_, -3, 3, false},
    {"relu", ct_relu, ct_relu_, 0.2, 2, true},
    {"floor", ct_floor, ct_floor_, 0.1, 0.9, true},
    {"ceil", ct_ceil, ct_ceil_, 0.1, 0.9, true},
    {"trunc", ct_trunc, ct_trunc_, 0.1, 0.9, true},
    {"frac", ct_frac, ct_frac_, 1.1, 1.9, true},
    {"round", ct_round, ct_round_, 0.1, 0.4, true},
    {"reciprocal", ct_reciprocal, ct_reciprocal_, 0.5, 2, true},
    {"square", ct_square, ct_square_, -2, 2, false},
    {"nan_to_num", ct_nan_to_num, ct_nan_to_num_, -2, 2, false},
    {"clamp", clamp_both, clamp_both_, -2, 2, false},
    {"clamp_min", clamp_lo, clamp_lo_, -2, 2, false},
    {"clamp_max", clamp_hi, clamp_hi_, -2, 2, false},
};
#define NUNARY ((int)(sizeof UNARY / sizeof UNARY[0]))

static ct_tensor *call_unary(ct_tensor *const *in, int n, void *ctx) {
    (void)n;
    return ((const unary_case *)ctx)->f(in[0]);
}

/* The in-place form applied to a non-leaf copy: it must take over the copy's history. */
static ct_tensor *call_unary_(ct_tensor *const *in, int n, void *ctx) {
    (void)n;
    ct_tensor *t = ct_mul_scalar(in[0], 1.0);
    return ((const unary_case *)ctx)->f_(t) == t ? t : NULL;
}

/* Runs gradcheck (first and second order); on failure reports which case failed. */
static bool gradcheck_ok(const char *what, const char *layout_name, ct_gradcheck_fn fn, void *ctx,
                         ct_tensor *const *in, int n) {
    int rc = ct_gradcheck(fn, ctx, in, n, .second_order = true);
    if (rc != 0) {
        fprintf(stderr, "  gradcheck %s (%s): %s\n", what, layout_name, ct_last_error());
        ct_clear_error();
    }
    return rc == 0;
}

TEST(unary_gradcheck_first_and_second_order) {
    ct_generator *g = ct_generator_new(11);
    const layout layouts[] = {CONTIG, TRANSPOSED, STEPPED};
    const char *lname[] = {"contiguous", "transposed", "step-sliced"};
    for (int i = 0; i < NUNARY; i++)
        for (int l = 0; l < 3; l++) {
            const unary_case *c = &UNARY[i];
            ct_tensor *x = make(g, 3, 4, c->lo, c->hi, c->signed_, layouts[l]);
            CHECK(gradcheck_ok(c->name, lname[l], call_unary, (void *)c, CT_TENSORS(x)));
            CHECK(gradcheck_ok(c->name, "in place", call_unary_, (void *)c, CT_TENSORS(x)));
            ct_free(x);
        }
    ct_generator_free(g);
}

/* tensor.grad_fn.name() in PyTorch 1.13, out of place and in place alike. */
TEST(unary_node_names_follow_pytorch) {
    static const char *const names[] = {
        "NegBackward0", "AbsBackward0", "SignBackward0", "SqrtBackward0", "RsqrtBackward0",
        "ExpBackward0", "Exp2Backward0", "LogBackward0", "Log2Backward0", "Log10Backward0",
        "Log1PBackward0", "Expm1Backward0", "SinBackward0", "CosBackward0", "TanBackward0",
        "TanhBackward0", "SigmoidBackward0", "ReluBackward0", "FloorBackward0", "CeilBackward0",
        "TruncBackward0", "FracBackward0", "RoundBackward0", "ReciprocalBackward0", "PowBackward0",
        "NanToNumBackward0", "ClampBackward1", "ClampMinBackward0", "ClampMaxBackward0"};
    REQUIRE((int)(sizeof names / sizeof names[0]) == NUNARY);
    ct_tensor *x = ct_from_doubles(CT_SHAPE(2), 0.5, 1.5);
    ct_requires_grad_(x, true);
    CT_SCOPE {
        for (int i = 0; i < NUNARY; i++) {
            CHECK_STR(ct_grad_fn_name(UNARY[i].f(x)), names[i]);
            ct_tensor *t = ct_clone(x);
            CHECK_STR(ct_grad_fn_name(UNARY[i].f_(t)), names[i]);
        }
        /* Not differentiable: bool results record nothing. */
        CHECK(!ct_requires_grad(ct_isnan(x)));
        CHECK(!ct_requires_grad(ct_isinf(x)));
        CHECK(!ct_requires_grad(ct_isfinite(x)));
        CHECK(!ct_requires_grad(ct_gt_scalar(x, 1)));
        CHECK(!ct_requires_grad(ct_logical_not(x)));
        CHECK(!ct_requires_grad(ct_logical_and(x, x)));
    }
    ct_free(x);
}

/* The gradient of sum(f(x)) for x = values (float64), compared with expected. */
static void check_unary_grad(const char *what, unary_fn f, const double *x, const double *expected,
                             int n, bool in_place) {
    ct_tensor *leaf = ct_from_data(x, CT_F64, CT_SHAPE(n));
    ct_requires_grad_(leaf, true);
    CT_SCOPE {
        ct_tensor *y = in_place ? f(ct_mul_scalar(leaf, 1.0)) : f(leaf);
        REQUIRE(y != NULL);
        REQUIRE(backward_ones(y) == 0);
        ct_tensor *gr = ct_grad_of(leaf);
        REQUIRE(gr != NULL);
        if (!ct_test_values(gr, expected, n, 1e-15))
            ct_test_fail(__FILE__, __LINE__, "%s%s: gradient differs from PyTorch's", what,
                         in_place ? " (in place)" : "");
    }
    ct_free(leaf);
}

TEST(unary_kinks_follow_pytorch) {
    const double inf = INFINITY, nan = NAN;
    for (int ip = 0; ip < 2; ip++) {
        bool in_place = ip == 1;
        /* torch: relu'(0) = 0, abs'(0) = 0; relu passes the gradient at NaN (threshold_backward). */
        check_unary_grad("relu", in_place ? ct_relu_ : ct_relu, (double[]){-1, 0, 2}, (double[]){0, 0, 1}, 3, in_place);
        check_unary_grad("relu nan", in_place ? ct_relu_ : ct_relu, (double[]){nan, -1, 0}, (double[]){1, 0, 0}, 3, in_place);
        check_unary_grad("abs", in_place ? ct_abs_ : ct_abs, (double[]){-1, 0, 2}, (double[]){-1, 0, 1}, 3, in_place);
        /* clamp passes the gradient at the bounds themselves; NaN gets none. */
        check_unary_grad("clamp", in_place ? clamp_both_ : clamp_both, (double[]){-2, -1, 0, 1, 3, nan},
                         (double[]){0, 1, 1, 1, 0, 0}, 6, in_place);
        check_unary_grad("clamp_min", in_place ? clamp_lo_ : clamp_lo, (double[]){0, 0.5, 1},
                         (double[]){0, 1, 1}, 3, in_place);
        check_unary_grad("clamp_max", in_place ? clamp_hi_ : clamp_hi, (double[]){-1, -0.5, 0},
                         (double[]){1, 1, 0}, 3, in_place);
        /* nan_to_num: gradient only where the input was finite. */
        check_unary_grad("nan_to_num", in_place ? ct_nan_to_num_ : ct_nan_to_num,
                         (double[]){1, nan, inf, -inf}, (double[]){1, 0, 0, 0}, 4, in_place);
        /* Rounding and sign are piecewise constant: zero gradient, even at their jumps. */
        check_unary_grad("sign", in_place ? ct_sign_ : ct_sign, (double[]){-1, 0, 2}, (double[]){0, 0, 0}, 3, in_place);
        check_unary_grad("floor", in_place ? ct_floor_ : ct_floor, (double[]){-1, 0, 2.5}, (double[]){0, 0, 0}, 3, in_place);
        check_unary_grad("round", in_place ? ct_round_ : ct_round, (double[]){0.5, 1.5, 2}, (double[]){0, 0, 0}, 3, in_place);
        /* torch: sqrt'(0) = log'(0) = inf; square'(x) = 2x. */
        check_unary_grad("sqrt", in_place ? ct_sqrt_ : ct_sqrt, (double[]){0, 4}, (double[]){inf, 0.25}, 2, in_place);
        check_unary_grad("log", in_place ? ct_log_ : ct_log, (double[]){0, 4}, (double[]){inf, 0.25}, 2, in_place);
        check_unary_grad("square", in_place ? ct_square_ : ct_square, (double[]){-1, 0, 2}, (double[]){-2, 0, 4}, 3, in_place);
    }
}

/* ------------------------------------------------- in place in a graph */

/* An affine "layer" x * w + b (broadcast over rows), its output a non-leaf. */
static ct_tensor *layer(ct_tensor *x, ct_tensor *w, ct_tensor *b) { return ct_add(ct_mul(x, w), b); }

TEST(relu_inplace_after_a_layer_matches_out_of_place) {
    /* ReLU(inplace=True) after a layer: relu_ on the layer's (non-leaf) output. */
    ct_generator *g = ct_generator_new(3);
    ct_tensor *w = ct_randn(CT_SHAPE(4), .dtype = CT_F64, .generator = g, .requires_grad = true);
    ct_tensor *b = ct_randn(CT_SHAPE(4), .dtype = CT_F64, .generator = g, .requires_grad = true);
    ct_tensor *x = ct_randn(CT_SHAPE(5, 4), .dtype = CT_F64, .generator = g);
    ct_tensor *ref_w = ct_detach(w), *ref_b = ct_detach(b);
    ct_requires_grad_(ref_w, true);
    ct_requires_grad_(ref_b, true);
    CT_SCOPE {
        ct_tensor *h = ct_relu(layer(x, ref_w, ref_b));
        REQUIRE(backward_ones(ct_mul(h, h)) == 0);
        ct_tensor *h2 = layer(x, w, b);
        REQUIRE(ct_relu_(h2) == h2);
        CHECK_STR(ct_grad_fn_name(h2), "ReluBackward0");
        REQUIRE(backward_ones(ct_mul(h2, h2)) == 0);
        CHECK(ct_allclose(ct_grad_of(w), ct_grad_of(ref_w), 0, 1e-12, false));
        CHECK(ct_allclose(ct_grad_of(b), ct_grad_of(ref_b), 0, 1e-12, false));
        /* Both signs occurred, so the mask mattered. */
        CHECK(ct_item_bool(ct_any(ct_eq_scalar(h2, 0))) && ct_item_bool(ct_any(ct_gt_scalar(h2, 0))));
        ct_clear_grad(w);
        ct_clear_grad(ref_w);
        /* In place ops that read their old input keep a copy of it: sin_ then sigmoid_. */
        ct_tensor *s = layer(x, w, b);
        ct_sigmoid_(ct_sin_(s));
        CHECK_STR(ct_grad_fn_name(s), "SigmoidBackward0");
        REQUIRE(backward_ones(s) == 0);
        REQUIRE(backward_ones(ct_sigmoid(ct_sin(layer(x, ref_w, ref_b)))) == 0);
        CHECK(ct_allclose(ct_grad_of(w), ct_grad_of(ref_w), 0, 1e-12, false));
    }
    ct_free(ref_w);
    ct_free(ref_b);
    ct_free(w);
    ct_free(b);
    ct_free(x);
    ct_generator_free(g);
}

TEST(inplace_rules_follow_pytorch) {
    ct_tensor *x = ct_from_doubles(CT_SHAPE(3), 0.5, 1, 2);
    ct_requires_grad_(x, true);
    CT_SCOPE {
        CHECK_FAILS(ct_exp_(x), "a leaf Variable that requires grad is being used in an in-place operation.");
        CHECK_FAILS(ct_clamp_(x, 0, 1), "a leaf Variable that requires grad");
        CHECK_FAILS(ct_lerp_scalar_(x, x, 0.5), "a leaf Variable that requires grad");
        CHECK_FAILS(ct_clamp_tensor_(x, x, NULL), "a leaf Variable that requires grad");
        /* exp saved its result; relu_ changes it, so the backward must refuse (as PyTorch does). */
        ct_tensor *y = ct_exp(x);
        ct_relu_(y);
        CHECK(backward_ones(y) != 0);
        CHECK_ERROR("which is output 0 of ExpBackward0, is at version 1; expected version 0");
        /* log saved its input: changing it afterwards is detected too. */
        ct_tensor *z = ct_mul_scalar(x, 2.0);
        ct_tensor *l = ct_log(z);
        ct_add_scalar_(z, 1.0);
        CHECK(backward_ones(l) != 0);
        CHECK_ERROR("modified by an inplace operation");
    }
    ct_free(x);
}

/* ---------------------------------------- where, lerp, clamp, max / min */

typedef enum {
    F_WHERE, F_WHERE_SC_OTHER, F_WHERE_SC_SELF, F_LERP, F_LERP_SC, F_LERP_, F_LERP_SC_,
    F_CLAMP_T, F_CLAMP_T_LO, F_CLAMP_T_HI, F_CLAMP_T_, F_MAXIMUM, F_MINIMUM
} multi_op;

typedef struct {
    multi_op op;
    ct_tensor *cond; /* for where */
} multi_ctx;

static ct_tensor *call_multi(ct_tensor *const *in, int n, void *vctx) {
    (void)n;
    const multi_ctx *c = vctx;
    switch (c->op) {
    case F_WHERE: return ct_where(c->cond, in[0], in[1]);
    case F_WHERE_SC_OTHER: return ct_where_scalar_other(c->cond, in[0], 0.25);
    case F_WHERE_SC_SELF: return ct_where_scalar_self(c->cond, -1.5, in[0]);
    case F_LERP: return ct_lerp(in[0], in[1], in[2]);
    case F_LERP_SC: return ct_lerp_scalar(in[0], in[1], 0.3);
    case F_LERP_: {
        ct_tensor *t = ct_mul_scalar(in[0], 1.0);
        return ct_lerp_(t, in[1], in[2]);
    }
    case F_LERP_SC_: {
        ct_tensor *t = ct_mul_scalar(in[0], 1.0);
        return ct_lerp_scalar_(t, in[1], 0.7);
    }
    case F_CLAMP_T: return ct_clamp_tensor(in[0], in[1], in[2]);
    case F_CLAMP_T_LO: return ct_clamp_tensor(in[0], in[1], NULL);
    case F_CLAMP_T_HI: return ct_clamp_tensor(in[0], NULL, in[1]);
    case F_CLAMP_T_: {
        ct_tensor *t = ct_mul_scalar(in[0], 1.0);
        return ct_clamp_tensor_(t, in[1], in[2]);
    }
    case F_MAXIMUM: return ct_maximum(in[0], in[1]);
    case F_MINIMUM: return ct_minimum(in[0], in[1]);
    }
    return NULL;
}

TEST(where_gradcheck_broadcast_and_scalar_forms) {
    ct_generator *g = ct_generator_new(5);
    ct_tensor *cond = from_bools(CT_SHAPE(3, 1), true, false, true);
    ct_tensor *cond2 = from_bools(CT_SHAPE(3, 4), true, false, false, true, false, true, true,
                                     false, true, true, false, false);
    for (int l = 0; l < 3; l++) {
        ct_tensor *a = make(g, 3, 4, -2, 2, false, (layout)l);
        ct_tensor *b = make(g, 1, 4, -2, 2, false, CONTIG);
        multi_ctx c = {F_WHERE, cond};
        CHECK(gradcheck_ok("where", "broadcast", call_multi, &c, CT_TENSORS(a, b)));
        c.cond = cond2;
        CHECK(gradcheck_ok("where", "same shape", call_multi, &c, CT_TENSORS(a, b)));
        c.op = F_WHERE_SC_OTHER;
        CHECK(gradcheck_ok("where(cond, a, number)", "", call_multi, &c, CT_TENSORS(a)));
        c.op = F_WHERE_SC_SELF;
        c.cond = cond;
        CHECK(gradcheck_ok("where(cond, number, b)", "", call_multi, &c, CT_TENSORS(b)));
        ct_free(a);
        ct_free(b);
    }
    CT_SCOPE {
        /* torch: where([T, F, T], x, y) gives x [1, 0, 1] and y [0, 1, 0]. */
        ct_tensor *x = ct_from_doubles(CT_SHAPE(3), -1, 0, 2);
        ct_tensor *y = ct_from_doubles(CT_SHAPE(3), 5, 6, 7);
        ct_requires_grad_(x, true);
        ct_requires_grad_(y, true);
        ct_tensor *w = ct_where(from_bools(CT_SHAPE(3), true, false, true), x, y);
        CHECK_STR(ct_grad_fn_name(w), "WhereBackward0");
        REQUIRE(backward_ones(w) == 0);
        CHECK_VALUES(ct_grad_of(x), 0, 1, 0, 1);
        CHECK_VALUES(ct_grad_of(y), 0, 0, 1, 0);
        /* A uint8 condition (still accepted by PyTorch 1.13) works the same way. */
        ct_tensor *z = ct_where(from_bytes(CT_SHAPE(3), 0, 3, 1), x, y);
        REQUIRE(backward_ones(z) == 0);
        CHECK_VALUES(ct_grad_of(x), 0, 1, 1, 2);
        CHECK(!ct_requires_grad(ct_where_scalar(from_bools(CT_SHAPE(1), true), 1.0, 2.0)));
    }
    ct_free(cond);
    ct_free(cond2);
    ct_generator_free(g);
}

TEST(lerp_gradcheck) {
    ct_generator *g = ct_generator_new(9);
    for (int l = 0; l < 3; l++) {
        ct_tensor *s = make(g, 3, 4, -2, 2, false, (layout)l);
        ct_tensor *e = make(g, 1, 4, -2, 2, false, CONTIG);
        ct_tensor *w = make(g, 3, 1, -0.5, 1.5, false, CONTIG);
        ct_tensor *e_full = make(g, 3, 4, -2, 2, false, TRANSPOSED);
        const multi_op ops[] = {F_LERP, F_LERP_};
        for (int k = 0; k < 2; k++) {
            multi_ctx c = {ops[k], NULL};
            CHECK(gradcheck_ok(k ? "lerp_" : "lerp", "broadcast", call_multi, &c, CT_TENSORS(s, e, w)));
            CHECK(gradcheck_ok(k ? "lerp_" : "lerp", "full", call_multi, &c, CT_TENSORS(s, e_full, w)));
        }
        multi_ctx c = {F_LERP_SC, NULL};
        CHECK(gradcheck_ok("lerp(number)", "broadcast", call_multi, &c, CT_TENSORS(s, e)));
        c.op = F_LERP_SC_;
        CHECK(gradcheck_ok("lerp_(number)", "broadcast", call_multi, &c, CT_TENSORS(s, e)));
        ct_free(s);
        ct_free(e);
        ct_free(w);
        ct_free(e_full);
    }
    ct_generator_free(g);
    CT_SCOPE {
        /* torch: lerp([1, 2], [3, -1], [0.25, 0.75]) -> start [0.75, 0.25], end [0.25, 0.75],
         * weight [2, -3]; with the number 0.3: start 0.7, end 0.3. */
        ct_tensor *s = ct_from_doubles(CT_SHAPE(2), 1, 2), *e = ct_from_doubles(CT_SHAPE(2), 3, -1);
        ct_tensor *w = ct_from_doubles(CT_SHAPE(2), 0.25, 0.75);
        ct_requires_grad_(s, true);
        ct_requires_grad_(e, true);
        ct_requires_grad_(w, true);
        ct_tensor *y = ct_lerp(s, e, w);
        CHECK_STR(ct_grad_fn_name(y), "LerpBackward1");
        REQUIRE(backward_ones(y) == 0);
        CHECK_VALUES(ct_grad_of(s), 1e-15, 0.75, 0.25);
        CHECK_VALUES(ct_grad_of(e), 1e-15, 0.25, 0.75);
        CHECK_VALUES(ct_grad_of(w), 1e-15, 2, -3);
        ct_clear_grad(s);
        ct_clear_grad(e);
        ct_tensor *y2 = ct_lerp_scalar(s, e, 0.3);
        CHECK_STR(ct_grad_fn_name(y2), "LerpBackward0");
        REQUIRE(backward_ones(y2) == 0);
        CHECK_VALUES(ct_grad_of(s), 1e-15, 0.7, 0.7);
        CHECK_VALUES(ct_grad_of(e), 1e-15, 0.3, 0.3);
    }
}

TEST(clamp_tensor_gradcheck) {
    ct_generator *g = ct_generator_new(13);
    for (int l = 0; l < 3; l++) {
        ct_tensor *t = make(g, 3, 4, -2, 2, false, (layout)l);
        ct_tensor *lo = make(g, 1, 4, -1, -0.2, false, CONTIG);
        ct_tensor *hi = make(g, 3, 1, 0.2, 1, false, CONTIG);
        multi_ctx c = {F_CLAMP_T, NULL};
        CHECK(gradcheck_ok("clamp(t, min, max)", "broadcast", call_multi, &c, CT_TENSORS(t, lo, hi)));
        c.op = F_CLAMP_T_;
        CHECK(gradcheck_ok("clamp_(t, min, max)", "broadcast", call_multi, &c, CT_TENSORS(t, lo, hi)));
        c.op = F_CLAMP_T_LO;
        CHECK(gradcheck_ok("clamp(t, min)", "broadcast", call_multi, &c, CT_TENSORS(t, lo)));
        c.op = F_CLAMP_T_HI;
        CHECK(gradcheck_ok("clamp(t, None, max)", "broadcast", call_multi, &c, CT_TENSORS(t, hi)));
        ct_free(t);
        ct_free(lo);
        ct_free(hi);
    }
    ct_generator_free(g);
}

/* torch.clamp(t, lo, hi) at and across the bounds, including lo > hi (last element). */
TEST(clamp_tensor_bounds_follow_pytorch) {
    ct_tensor *t = ct_from_doubles(CT_SHAPE(6), -2, -1, 0, 1, 3, 0.5);
    ct_tensor *lo = ct_from_doubles(CT_SHAPE(6), -1, -1, -1, -1, -1, 1);
    ct_tensor *hi = ct_from_doubles(CT_SHAPE(6), 1, 1, 1, 1, 1, 0);
    ct_requires_grad_(t, true);
    ct_requires_grad_(lo, true);
    ct_requires_grad_(hi, true);
    CT_SCOPE {
        ct_tensor *y = ct_clamp_tensor(t, lo, hi);
        CHECK_STR(ct_grad_fn_name(y), "ClampBackward0");
        REQUIRE(backward_ones(y) == 0);
        CHECK_VALUES(ct_grad_of(t), 0, 0, 1, 1, 1, 0, 0);
        CHECK_VALUES(ct_grad_of(lo), 0, 1, 0, 0, 0, 0, 0);
        CHECK_VALUES(ct_grad_of(hi), 0, 0, 0, 0, 0, 1, 1);
        ct_clear_grad(t);
        ct_clear_grad(lo);
        ct_clear_grad(hi);
        ct_tensor *y1 = ct_clamp_tensor(t, lo, NULL);
        CHECK_STR(ct_grad_fn_name(y1), "ClampBackward0");
        REQUIRE(backward_ones(y1) == 0);
        CHECK_VALUES(ct_grad_of(t), 0, 0, 1, 1, 1, 1, 0);
        CHECK_VALUES(ct_grad_of(lo), 0, 1, 0, 0, 0, 0, 1);
        ct_clear_grad(t);
        REQUIRE(backward_ones(ct_clamp_tensor(t, NULL, hi)) == 0);
        CHECK_VALUES(ct_grad_of(t), 0, 1, 1, 1, 1, 0, 0);
        CHECK_VALUES(ct_grad_of(hi), 0, 0, 0, 0, 0, 1, 1);
    }
    ct_free(t);
    ct_free(lo);
    ct_free(hi);
}

TEST(maximum_minimum_gradcheck) {
    ct_generator *g = ct_generator_new(17);
    for (int l = 0; l < 3; l++) {
        ct_tensor *a = make(g, 3, 4, -2, 2, false, (layout)l);
        ct_tensor *b = make(g, 1, 4, -2, 2, false, CONTIG);
        ct_tensor *c2 = make(g, 3, 4, -2, 2, false, TRANSPOSED);
        multi_ctx c = {F_MAXIMUM, NULL};
        CHECK(gradcheck_ok("maximum", "broadcast", call_multi, &c, CT_TENSORS(a, b)));
        CHECK(gradcheck_ok("maximum", "same shape", call_multi, &c, CT_TENSORS(a, c2)));
        c.op = F_MINIMUM;
        CHECK(gradcheck_ok("minimum", "broadcast", call_multi, &c, CT_TENSORS(a, b)));
        CHECK(gradcheck_ok("minimum", "same shape", call_multi, &c, CT_TENSORS(a, c2)));
        ct_free(a);
        ct_free(b);
        ct_free(c2);
    }
    ct_generator_free(g);
}

/* torch 1.13: ties split the gradient in half; NaN on either side gives both the whole of it. */
TEST(maximum_minimum_ties_follow_pytorch) {
    ct_tensor *a = ct_from_doubles(CT_SHAPE(5), 1, 2, 3, NAN, 1);
    ct_tensor *b = ct_from_doubles(CT_SHAPE(5), 1, 3, 2, 1, NAN);
    ct_requires_grad_(a, true);
    ct_requires_grad_(b, true);
    CT_SCOPE {
        ct_tensor *mx = ct_maximum(a, b);
        CHECK_STR(ct_grad_fn_name(mx), "MaximumBackward0");
        REQUIRE(backward_ones(mx) == 0);
        CHECK_VALUES(ct_grad_of(a), 0, 0.5, 0, 1, 1, 1);
        CHECK_VALUES(ct_grad_of(b), 0, 0.5, 1, 0, 1, 1);
        ct_clear_grad(a);
        ct_clear_grad(b);
        ct_tensor *mn = ct_minimum(a, b);
        CHECK_STR(ct_grad_fn_name(mn), "MinimumBackward0");
        REQUIRE(backward_ones(mn) == 0);
        CHECK_VALUES(ct_grad_of(a), 0, 0.5, 1, 0, 1, 1);
        CHECK_VALUES(ct_grad_of(b), 0, 0.5, 0, 1, 1, 1);
    }
    ct_free(a);
    ct_free(b);
}

/* ---------------------------------------------------------------- memory */

TEST(forward_backward_loop_keeps_memory_flat) {
    ct_tensor *x = ct_from_doubles(CT_SHAPE(2, 3), 0.5, -1.5, 2, 0.25, -0.75, 1);
    ct_tensor *lo = ct_from_doubles(CT_SHAPE(3), -1, -0.5, 0);
    ct_requires_grad_(x, true);
    ct_requires_grad_(lo, true);
    ct_tensor *cond = from_bools(CT_SHAPE(3), true, false, true);
    long live = 0;
    for (int step = 0; step < 2000; step++) {
        CT_SCOPE {
            ct_tensor *h = ct_tanh(ct_exp(ct_clamp(x, -1.0, 1.0)));
            ct_tensor *k = ct_add(ct_relu_(ct_mul_scalar(x, 2.0)),
                                  ct_sigmoid_(ct_sin_(ct_mul_scalar(x, 3.0))));
            ct_tensor *m = ct_maximum(ct_where(cond, h, k), ct_clamp_tensor(x, lo, NULL));
            ct_tensor *n = ct_lerp(m, ct_sqrt(ct_abs(x)), ct_sigmoid(lo));
            ct_tensor *loss = ct_mul(n, ct_log1p(ct_square(x)));
            ct_tensor *g[2];
            /* Second order too: the graph of the gradient must be freed as well. */
            REQUIRE(ct_grad(CT_TENSORS(loss), CT_TENSORS(x, lo), g, .create_graph = true,
                            .grad_outputs = (ct_tensor *[]){ct_ones_like(loss)}) == 0);
            REQUIRE(backward_ones(ct_add(g[0], g[1])) == 0);
            CHECK(ct_grad_of(x) != NULL && ct_grad_of(lo) != NULL);
            ct_clear_grad(x);
            ct_clear_grad(lo);
        }
        if (step == 10) live = ct_live_tensors();
    }
    CHECK_EQ_INT(ct_live_tensors(), live);
    ct_free(x);
    ct_free(lo);
    ct_free(cond);
}
