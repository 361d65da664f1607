/*
 * tests/autograd/test_functional_grad.c - gradients of the nn functional ops
 * (include/ctorch/functional.h): gradcheck in float64 (first order for all,
 * second order for the activations, softmax, log_softmax and linear) on
 * contiguous and transposed inputs, PyTorch's node names, and a training-like
 * loop whose live-tensor count stays flat.
 */
#include "test.h"

/* y.backward(ones_like(y)): the gradient of sum(y) without needing sum's own backward. */
static int backward_sum(ct_tensor *y) {
    ct_tensor *ones = ct_ones_like(y);
    int rc = ct_backward(y, .gradient = ones);
    ct_free(ones);
    return rc;
}

/* A float64 leaf of shape (r, c) uniform in [lo, hi), optionally laid out transposed. */
static ct_tensor *leaf(ct_generator *g, int64_t r, int64_t c, double lo, double hi, bool transposed) {
    ct_tensor *x = NULL;
    CT_SCOPE {
        ct_tensor *base = ct_uniform_(ct_empty(transposed ? CT_SHAPE(c, r) : CT_SHAPE(r, c), .dtype = CT_F64), lo, hi, g);
        x = ct_keep(transposed ? ct_transpose(base, 0, 1) : ct_clone(base));
    }
    ct_requires_grad_(x, true);
    return x;
}

/*
 * The create_graph backward of softmax, log_softmax and linear is written with
 * ct_sum_dims and ct_mm: their second order needs those ops' own backward,
 * which the reductions and linalg families add. Until then those checks say
 * they were skipped.
 */
enum { SUM_DIMS, MM };
static bool has_backward(int op) {
    bool yes = false;
    CT_SCOPE {
        ct_tensor *x = ct_ones(CT_SHAPE(2, 2), .requires_grad = true);
        ct_tensor *y = op == SUM_DIMS ? ct_sum_dims(x, CT_DIMS(0), false) : ct_mm(x, x);
        yes = y && ct_grad_fn_name(y) != NULL;
        ct_free(x);
    }
    return yes;
}

/* x with |x| >= 0.1 everywhere: keeps finite differences off the kinks at 0. */
static ct_tensor *leaf_off_zero(ct_generator *g, int64_t r, int64_t c, bool transposed) {
    ct_tensor *x = NULL;
    CT_SCOPE {
        ct_tensor *u = ct_uniform_(ct_empty(CT_SHAPE(r, c), .dtype = CT_F64), 0.1, 2.0, g);
        ct_tensor *s = ct_uniform_(ct_empty(CT_SHAPE(r, c), .dtype = CT_F64), 0, 1, g);
        ct_tensor *v = ct_where(ct_lt_scalar(s, 0.5), ct_neg(u), u);
        x = ct_keep(transposed ? ct_t(ct_contiguous(ct_t(v))) : v);
    }
    ct_requires_grad_(x, true);
    return x;
}

/* ------------------------------------------------------------ activations */

typedef enum { LEAKY, LEAKY_NEG, ELU, GELU, GELU_TANH, SILU, SOFTPLUS, SOFTPLUS_B2, HARDTANH, LEAKY_INPLACE, ELU_INPLACE, NACT } act;
static const char *const act_names[NACT] = {"LeakyReluBackward0", "LeakyReluBackward0", "EluBackward0",
                                            "GeluBackward0", "GeluBackward0", "SiluBackward0",
                                            "SoftplusBackward0", "SoftplusBackward0", "HardtanhBackward0",
                                            "LeakyReluBackward1", "EluBackward1"};

static ct_tensor *apply_act(ct_tensor *const *in, int n, void *ctx) {
    (void)n;
    switch (*(act *)ctx) {
    case LEAKY: return ct_leaky_relu(in[0], 0.2);
    case LEAKY_NEG: return ct_leaky_relu(in[0], -0.3);
    case ELU: return ct_elu(in[0], 0.7);
    case GELU: return ct_gelu(in[0], CT_GELU_NONE);
    case GELU_TANH: return ct_gelu(in[0], CT_GELU_TANH);
    case SILU: return ct_silu(in[0]);
    case SOFTPLUS: return ct_softplus(in[0], 1.0, 20.0);
    case SOFTPLUS_B2: return ct_softplus(in[0], 2.0, 1.0);
    case HARDTANH: return ct_hardtanh(in[0], -1.5, 1.2);
    case LEAKY_INPLACE: return ct_leaky_relu_(ct_mul_scalar(in[0], 1.0), 0.2);
    case ELU_INPLACE: return ct_elu_(ct_mul_scalar(in[0], 1.0), 0.7);
    default: return NULL;
    }
}

TEST(activation_gradcheck) {
    ct_generator *g = ct_generator_new(1);
    for (int a = 0; a < NACT; a++) {
        for (int tr = 0; tr < 2; tr++) {
            CT_SCOPE {
                ct_tensor *x = leaf_off_zero(g, 4, 5, tr);
                act k = (act)a;
                int rc = ct_gradcheck(apply_act, &k, CT_TENSORS(x));
                if (rc != 0) ct_test_fail(__FILE__, __LINE__, "%s: %s", act_names[a], ct_last_error());
                /* second order where the function has a non-zero second derivative */
                bool second = a == ELU || a == GELU || a == GELU_TANH || a == SILU || a == SOFTPLUS ||
                              a == SOFTPLUS_B2 || a == ELU_INPLACE || a == LEAKY;
                if (second) {
                    rc = ct_gradcheck(apply_act, &k, CT_TENSORS(x), .second_order = true);
                    if (rc != 0) ct_test_fail(__FILE__, __LINE__, "%s (2nd order): %s", act_names[a], ct_last_error());
                }
                ct_tensor *y = apply_act(&x, 1, &k);
                CHECK_STR(ct_grad_fn_name(y), act_names[a]);
                ct_free(x);
            }
        }
    }
    ct_generator_free(g);
}

TEST(inplace_negative_slope_backward_is_refused) {
    CT_SCOPE {
        ct_tensor *x = ct_randn(CT_SHAPE(3), .dtype = CT_F64, .requires_grad = true);
        ct_tensor *y = ct_leaky_relu_(ct_mul_scalar(x, 1.0), -0.1);
        CHECK(backward_sum(y) != 0);
        CHECK_ERROR("In-place leakyReLu backward calculation is triggered with a negative slope");
        ct_free(x);
    }
}

TEST(activation_kinks_follow_pytorch) {
    /* PyTorch 1.13: d leaky_relu(0) = slope, d hardtanh at the bounds = 0, d elu(0) = alpha * exp(0) */
    CT_SCOPE {
        ct_tensor *x = ct_from_doubles(CT_SHAPE(3), 0.0, -1.0, 1.0);
        ct_requires_grad_(x, true);
        backward_sum(ct_leaky_relu(x, 0.25));
        CHECK_VALUES(ct_grad_of(x), 0, 0.25, 0.25, 1.0);
        ct_set_grad(x, NULL);
        backward_sum(ct_hardtanh(x, -1.0, 1.0));
        CHECK_VALUES(ct_grad_of(x), 0, 1.0, 0.0, 0.0);
        ct_set_grad(x, NULL);
        backward_sum(ct_elu(x, 0.5));
        CHECK_VALUES(ct_grad_of(x), 1e-15, 0.5, 0.5 * exp(-1.0), 1.0);
        ct_free(x);
    }
}

/* ---------------------------------------------------------------- softmax */

typedef struct {
    int dim;
    bool log;
} sm_case;

static ct_tensor *apply_softmax(ct_tensor *const *in, int n, void *ctx) {
    (void)n;
    sm_case *c = ctx;
    return c->log ? ct_log_softmax(in[0], c->dim) : ct_softmax(in[0], c->dim);
}

TEST(softmax_gradcheck) {
    ct_generator *g = ct_generator_new(2);
    for (int log = 0; log < 2; log++)
        for (int dim = -1; dim < 2; dim++)
            for (int tr = 0; tr < 2; tr++) {
                ct_tensor *x = leaf(g, 3, 4, -2, 2, tr);
                sm_case c = {dim, log};
                CHECK_EQ_INT(ct_gradcheck(apply_softmax, &c, CT_TENSORS(x)), 0);
                if (!has_backward(SUM_DIMS)) printf("  (softmax second order skipped: ct_sum_dims has no backward yet)\n");
                else if (ct_gradcheck(apply_softmax, &c, CT_TENSORS(x), .second_order = true) != 0)
                    ct_test_fail(__FILE__, __LINE__, "softmax 2nd order (log=%d dim=%d): %s", log, dim, ct_last_error());
                ct_tensor *y = apply_softmax(&x, 1, &c);
                CHECK_STR(ct_grad_fn_name(y), log ? "LogSoftmaxBackward0" : "SoftmaxBackward0");
                ct_free(y);
                ct_free(x);
            }
    ct_generator_free(g);
}

/* ----------------------------------------------------------------- linear */

static ct_tensor *apply_linear(ct_tensor *const *in, int n, void *ctx) {
    (void)ctx;
    return ct_linear(in[0], in[1], n > 2 ? in[2] : NULL);
}

TEST(linear_gradcheck) {
    ct_generator *g = ct_generator_new(3);
    for (int tr = 0; tr < 2; tr++) {
        ct_tensor *x = leaf(g, 5, 4, -1, 1, tr), *w = leaf(g, 3, 4, -1, 1, tr);
        ct_tensor *b = ct_requires_grad_(ct_uniform_(ct_empty(CT_SHAPE(3), .dtype = CT_F64), -1, 1, g), true);
        CHECK_EQ_INT(ct_gradcheck(apply_linear, NULL, CT_TENSORS(x, w, b)), 0);
        CHECK_EQ_INT(ct_gradcheck(apply_linear, NULL, CT_TENSORS(x, w)), 0);
        if (!has_backward(MM)) printf("  (linear second order skipped: ct_mm has no backward yet)\n");
        else if (ct_gradcheck(apply_linear, NULL, CT_TENSORS(x, w, b), .second_order = true) != 0)
            ct_test_fail(__FILE__, __LINE__, "linear 2nd order: %s", ct_last_error());
        ct_free(x);
        ct_free(w);
        ct_free(b);
    }
    CT_SCOPE { /* 3-d and 1-d inputs */
        ct_tensor *x3 = ct_randn(CT_SHAPE(2, 3, 4), .dtype = CT_F64, .requires_grad = true);
        ct_tensor *x1 = ct_randn(CT_SHAPE(4), .dtype = CT_F64, .requires_grad = true);
        ct_tensor *w = ct_randn(CT_SHAPE(3, 4), .dtype = CT_F64, .requires_grad = true);
        ct_tensor *b = ct_randn(CT_SHAPE(3), .dtype = CT_F64, .requires_grad = true);
        CHECK_EQ_INT(ct_gradcheck(apply_linear, NULL, CT_TENSORS(x3, w, b)), 0);
        CHECK_EQ_INT(ct_gradcheck(apply_linear, NULL, CT_TENSORS(x1, w, b)), 0);
        CHECK_STR(ct_grad_fn_name(ct_linear(ct_select(x3, 0, 0), w, b)), "AddmmBackward0");
        CHECK_STR(ct_grad_fn_name(ct_linear(x3, w, b)), "ViewBackward0");
        ct_free(x3);
        ct_free(x1);
        ct_free(w);
        ct_free(b);
    }
    ct_generator_free(g);
}

/* ---------------------------------------------------------- normalization */

typedef struct {
    bool training;
    int ndim;
} bn_case;

static ct_tensor *apply_bn(ct_tensor *const *in, int n, void *ctx) {
    bn_case *c = ctx;
    ct_tensor *rm = ct_zeros(CT_SHAPE(3), .dtype = CT_F64), *rv = ct_full(CT_SHAPE(3), 1.5, .dtype = CT_F64);
    ct_tensor *y = ct_batch_norm(in[0], rm, rv, n > 1 ? in[1] : NULL, n > 2 ? in[2] : NULL, c->training, 0.1, 1e-5);
    ct_free(rm);
    ct_free(rv);
    return y;
}

TEST(batch_norm_gradcheck) {
    for (int training = 0; training < 2; training++) {
        CT_SCOPE {
            ct_tensor *x2 = ct_randn(CT_SHAPE(5, 3), .dtype = CT_F64, .requires_grad = true);
            ct_tensor *x4 = ct_requires_grad_(ct_transpose(ct_randn(CT_SHAPE(2, 4, 3, 2), .dtype = CT_F64), 1, 2), true);
            ct_tensor *w = ct_randn(CT_SHAPE(3), .dtype = CT_F64, .requires_grad = true);
            ct_tensor *b = ct_randn(CT_SHAPE(3), .dtype = CT_F64, .requires_grad = true);
            bn_case c = {training, 2};
            CHECK_EQ_INT(ct_gradcheck(apply_bn, &c, CT_TENSORS(x2, w, b)), 0);
            CHECK_EQ_INT(ct_gradcheck(apply_bn, &c, CT_TENSORS(x4, w, b)), 0);
            CHECK_EQ_INT(ct_gradcheck(apply_bn, &c, CT_TENSORS(x4)), 0);
            CHECK_STR(ct_grad_fn_name(apply_bn(CT_TENSORS(x2, w, b), &c)), "NativeBatchNormBackward0");
            ct_free(x2);
            ct_free(x4);
            ct_free(w);
            ct_free(b);
        }
    }
}

static ct_tensor *apply_ln(ct_tensor *const *in, int n, void *ctx) {
    int k = *(int *)ctx;
    ct_shape ns = k == 1 ? CT_SHAPE(4) : CT_SHAPE(3, 4);
    return ct_layer_norm(in[0], ns, n > 1 ? in[1] : NULL, n > 2 ? in[2] : NULL, 1e-5);
}

TEST(layer_norm_gradcheck) {
    CT_SCOPE {
        ct_tensor *x = ct_requires_grad_(ct_transpose(ct_randn(CT_SHAPE(2, 4, 3), .dtype = CT_F64), 1, 2), true);
        ct_tensor *w1 = ct_randn(CT_SHAPE(4), .dtype = CT_F64, .requires_grad = true);
        ct_tensor *b1 = ct_randn(CT_SHAPE(4), .dtype = CT_F64, .requires_grad = true);
        ct_tensor *w2 = ct_randn(CT_SHAPE(3, 4), .dtype = CT_F64, .requires_grad = true);
        int k1 = 1, k2 = 2;
        CHECK_EQ_INT(ct_gradcheck(apply_ln, &k1, CT_TENSORS(x, w1, b1)), 0);
        CHECK_EQ_INT(ct_gradcheck(apply_ln, &k1, CT_TENSORS(x)), 0);
        CHECK_EQ_INT(ct_gradcheck(apply_ln, &k2, CT_TENSORS(x, w2)), 0);
        CHECK_STR(ct_grad_fn_name(apply_ln(CT_TENSORS(x, w1, b1), &k1)), "NativeLayerNormBackward0");
        ct_free(x);
        ct_free(w1);
        ct_free(b1);
        ct_free(w2);
    }
}

/* ----------------------------------------------------- embedding, dropout */

static ct_tensor *apply_embedding(ct_tensor *const *in, int n, void *ctx) {
    (void)n;
    ct_tensor *idx = ct_from_longs(CT_SHAPE(2, 3), 1, 4, 1, 0, 2, 4);
    ct_tensor *y = ct_embedding(idx, in[0], *(int64_t *)ctx);
    ct_free(idx);
    return y;
}

TEST(embedding_gradcheck) {
    CT_SCOPE {
        ct_tensor *w = ct_randn(CT_SHAPE(5, 3), .dtype = CT_F64, .requires_grad = true);
        int64_t none = CT_NO_PADDING, pad = 1;
        CHECK_EQ_INT(ct_gradcheck(apply_embedding, &none, CT_TENSORS(w)), 0);
        /* the padding row gets no gradient (on purpose: gradcheck would disagree); repeated rows add up */
        CHECK_EQ_INT(backward_sum(apply_embedding(&w, 1, &pad)), 0);
        CHECK_VALUES(ct_grad_of(w), 0, 1., 1., 1., 0., 0., 0., 1., 1., 1., 0., 0., 0., 2., 2., 2.);
        ct_free(w);
    }
}

static ct_tensor *apply_dropout(ct_tensor *const *in, int n, void *ctx) {
    (void)n;
    ct_generator *g = ct_generator_new(42); /* the same mask at every call */
    ct_tensor *y = *(int *)ctx ? ct_dropout2d(in[0], 0.4, true, g) : ct_dropout(in[0], 0.4, true, g);
    ct_generator_free(g);
    return y;
}

TEST(dropout_gradcheck) {
    CT_SCOPE {
        ct_tensor *x = ct_randn(CT_SHAPE(4, 6, 2), .dtype = CT_F64, .requires_grad = true);
        int plain = 0, feature = 1;
        CHECK_EQ_INT(ct_gradcheck(apply_dropout, &plain, CT_TENSORS(x), .second_order = true), 0);
        CHECK_EQ_INT(ct_gradcheck(apply_dropout, &feature, CT_TENSORS(x)), 0);
        CHECK_STR(ct_grad_fn_name(apply_dropout(&x, 1, &plain)), "MulBackward0");
        ct_free(x);
    }
}

/* ------------------------------------------------------------------ memory */

TEST(training_step_keeps_live_tensors_flat) {
    ct_manual_seed(0);
    ct_tensor *w1 = ct_randn(CT_SHAPE(16, 8), .requires_grad = true);
    ct_tensor *w2 = ct_randn(CT_SHAPE(4, 16), .requires_grad = true);
    ct_tensor *b1 = ct_zeros(CT_SHAPE(16), .requires_grad = true);
    ct_tensor *gamma = ct_ones(CT_SHAPE(16), .requires_grad = true), *beta = ct_zeros(CT_SHAPE(16), .requires_grad = true);
    ct_tensor *rm = ct_zeros(CT_SHAPE(16)), *rv = ct_ones(CT_SHAPE(16));
    ct_tensor *emb = ct_randn(CT_SHAPE(10, 8), .requires_grad = true);
    long live = 0;
    for (int step = 0; step < 5; step++) {
        CT_SCOPE {
            ct_tensor *idx = ct_randint(0, 10, CT_SHAPE(32));
            ct_tensor *h = ct_linear(ct_embedding(idx, emb, 0), w1, b1);
            h = ct_gelu(ct_batch_norm(h, rm, rv, gamma, beta, true, 0.1, 1e-5), CT_GELU_TANH);
            h = ct_layer_norm(ct_dropout(ct_silu(h), 0.2, true, NULL), CT_SHAPE(16), NULL, NULL, 1e-5);
            ct_tensor *y = ct_log_softmax(ct_linear(ct_leaky_relu(ct_elu(h, 1.0), 0.01), w2, NULL), 1);
            CHECK_EQ_INT(backward_sum(y), 0);
        }
        if (step == 1) live = ct_live_tensors();
        if (step > 1) CHECK_EQ_INT(ct_live_tensors(), live);
    }
    ct_tensor *all[] = {w1, w2, b1, gamma, beta, rm, rv, emb};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ct_free(all[i]);
}
