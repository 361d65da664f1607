/*
 * tests/ops/test_loss.c - the losses (include/ctorch/loss.h) beyond what the
 * parity harness (tests/parity/cases/loss.py) covers: gradcheck of every loss
 * and option in float64 (first order, and second order for mse_loss and
 * cross_entropy), node names, option defaults, errors the harness cannot
 * express, and a training-style loop that must not leak. Expected numbers come
 * from PyTorch 1.13 (the call is in the comment beside each).
 */
#include <math.h>

#include "ctorch/functional.h"
#include "test.h"

/* --------------------------------------------------------------- inputs */

/* A float64 leaf requiring grad, uniform in [lo, hi), transposed in memory when `t`. */
static ct_tensor *leaf(ct_generator *g, int64_t r, int64_t c, double lo, double hi, bool t) {
    ct_tensor *x = NULL;
    CT_SCOPE {
        ct_tensor *base = ct_uniform_(ct_empty(t ? CT_SHAPE(c, r) : CT_SHAPE(r, c), .dtype = CT_F64), lo, hi, g);
        x = ct_keep(t ? ct_transpose(base, 0, 1) : base);
    }
    ct_requires_grad_(x, true);
    return x;
}

/* ---------------------------------------------------------- gradcheck */

typedef struct {
    int which;
    ct_reduction red;
    double param;
    ct_tensor *weight, *pos_weight, *labels;
} loss_case;

enum { MSE, L1, SMOOTH_L1, HUBER, KL, KL_LOG, BCE, BCE_LOGITS, CE, CE_PROB, NLL };

static ct_tensor *run_loss(ct_tensor *const *in, int n, void *ctx) {
    const loss_case *c = ctx;
    (void)n;
    switch (c->which) {
    case MSE: return ct_mse_loss(in[0], in[1], .reduction = c->red);
    case L1: return ct_l1_loss(in[0], in[1], .reduction = c->red);
    case SMOOTH_L1: return ct_smooth_l1_loss(in[0], in[1], .reduction = c->red, .beta = c->param);
    case HUBER: return ct_huber_loss(in[0], in[1], .reduction = c->red, .delta = c->param);
    case KL: return ct_kl_div(in[0], in[1], .reduction = c->red);
    case KL_LOG: return ct_kl_div(in[0], in[1], .reduction = c->red, .log_target = true);
    case BCE: return ct_binary_cross_entropy(in[0], in[1], .weight = c->weight, .reduction = c->red);
    case BCE_LOGITS:
        return ct_binary_cross_entropy_with_logits(in[0], in[1], .weight = c->weight,
                                                   .pos_weight = c->pos_weight, .reduction = c->red);
    case CE:
        return ct_cross_entropy(in[0], c->labels, .weight = c->weight, .reduction = c->red,
                                .label_smoothing = c->param, .ignore_index = 1);
    case CE_PROB:
        return ct_cross_entropy(in[0], in[1], .weight = c->weight, .reduction = c->red,
                                .label_smoothing = c->param);
    case NLL:
        return ct_nll_loss(in[0], c->labels, .weight = c->weight, .reduction = c->red, .ignore_index = 1);
    }
    return NULL;
}

static const ct_reduction REDS[] = {CT_REDUCTION_MEAN, CT_REDUCTION_SUM, CT_REDUCTION_NONE};

TEST(regression_losses_pass_gradcheck) {
    CT_SCOPE {
        ct_generator *g = ct_generator_new(1);
        for (int r = 0; r < 3; r++) {
            ct_tensor *x = leaf(g, 4, 3, -2, 2, false), *t = leaf(g, 4, 3, -2, 2, true);
            ct_tensor *tb = leaf(g, 1, 3, -2, 2, false); /* broadcast against x */
            loss_case cases[] = {{MSE, REDS[r], 0, NULL, NULL, NULL},
                                 {L1, REDS[r], 0, NULL, NULL, NULL},
                                 {SMOOTH_L1, REDS[r], 0.7, NULL, NULL, NULL},
                                 {HUBER, REDS[r], 0.6, NULL, NULL, NULL}};
            /* Second order too: under create_graph the backward is built from differentiable ops. */
            for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
                CHECK(ct_gradcheck(run_loss, &cases[k], CT_TENSORS(x, t), .second_order = true) == 0);
                CHECK(ct_gradcheck(run_loss, &cases[k], CT_TENSORS(x, tb), .second_order = true) == 0);
            }
        }
        ct_generator_free(g);
    }
}

TEST(kl_and_binary_losses_pass_gradcheck) {
    CT_SCOPE {
        ct_generator *g = ct_generator_new(2);
        ct_tensor *w = ct_uniform_(ct_empty(CT_SHAPE(1, 3), .dtype = CT_F64), 0.5, 1.5, g);
        ct_tensor *pw = ct_uniform_(ct_empty(CT_SHAPE(3), .dtype = CT_F64), 0.5, 3.0, g);
        for (int r = 0; r < 4; r++) {
            ct_reduction red = r < 3 ? REDS[r] : CT_REDUCTION_BATCHMEAN;
            ct_tensor *x = leaf(g, 4, 3, -2, 0, false), *t = leaf(g, 4, 3, 0.1, 0.9, true);
            loss_case kl = {KL, red, 0, NULL, NULL, NULL}, kll = {KL_LOG, red, 0, NULL, NULL, NULL};
            CHECK(ct_gradcheck(run_loss, &kl, CT_TENSORS(x, t), .second_order = true) == 0);
            CHECK(ct_gradcheck(run_loss, &kll, CT_TENSORS(x, t), .second_order = true) == 0);
            if (r == 3) continue;
            ct_tensor *p = leaf(g, 4, 3, 0.05, 0.95, false), *z = leaf(g, 4, 3, -3, 3, true);
            loss_case cases[] = {{BCE, red, 0, NULL, NULL, NULL},
                                 {BCE, red, 0, w, NULL, NULL},
                                 {BCE_LOGITS, red, 0, NULL, NULL, NULL},
                                 {BCE_LOGITS, red, 0, w, NULL, NULL},
                                 {BCE_LOGITS, red, 0, NULL, pw, NULL},
                                 {BCE_LOGITS, red, 0, w, pw, NULL}};
            for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
                CHECK(ct_gradcheck(run_loss, &cases[k], CT_TENSORS(k < 2 ? p : z, t), .second_order = true) == 0);
        }
        ct_generator_free(g);
    }
}

TEST(class_losses_pass_gradcheck) {
    CT_SCOPE {
        ct_generator *g = ct_generator_new(3);
        ct_tensor *w = ct_uniform_(ct_empty(CT_SHAPE(4), .dtype = CT_F64), 0.5, 1.5, g);
        ct_tensor *y = ct_from_longs(CT_SHAPE(5), 0, 1, 3, 2, 1);            /* two ignored (1) */
        ct_tensor *y3 = ct_from_longs(CT_SHAPE(2, 3), 0, 1, 3, 2, 2, 0);     /* (N, d1) */
        for (int r = 0; r < 3; r++) {
            ct_tensor *x = leaf(g, 5, 4, -2, 2, false), *xt = leaf(g, 5, 4, -2, 2, true);
            ct_tensor *x3 = ct_detach(ct_uniform_(ct_empty(CT_SHAPE(2, 4, 3), .dtype = CT_F64), -2, 2, g));
            ct_requires_grad_(x3, true);
            ct_tensor *probs = ct_softmax(ct_uniform_(ct_empty(CT_SHAPE(5, 4), .dtype = CT_F64), -2, 2, g), 1);
            ct_requires_grad_(probs, true);
            for (int s = 0; s < 2; s++) {
                double eps = s ? 0.15 : 0.0;
                loss_case c0 = {CE, REDS[r], eps, NULL, NULL, y}, c1 = {CE, REDS[r], eps, w, NULL, y};
                loss_case c3 = {CE, REDS[r], eps, w, NULL, y3};
                loss_case p0 = {CE_PROB, REDS[r], eps, NULL, NULL, NULL}, p1 = {CE_PROB, REDS[r], eps, w, NULL, NULL};
                CHECK(ct_gradcheck(run_loss, &c0, CT_TENSORS(x)) == 0);
                CHECK(ct_gradcheck(run_loss, &c1, CT_TENSORS(xt)) == 0);
                CHECK(ct_gradcheck(run_loss, &c3, CT_TENSORS(x3)) == 0);
                CHECK(ct_gradcheck(run_loss, &p0, CT_TENSORS(x, probs)) == 0);
                CHECK(ct_gradcheck(run_loss, &p1, CT_TENSORS(xt, probs)) == 0);
                /* Second order through create_graph (softmax-based backward). */
                CHECK(ct_gradcheck(run_loss, &c1, CT_TENSORS(x), .second_order = true) == 0);
                CHECK(ct_gradcheck(run_loss, &p1, CT_TENSORS(x, probs), .second_order = true) == 0);
            }
            loss_case n0 = {NLL, REDS[r], 0, w, NULL, y}, n3 = {NLL, REDS[r], 0, NULL, NULL, y3};
            CHECK(ct_gradcheck(run_loss, &n0, CT_TENSORS(xt)) == 0);
            CHECK(ct_gradcheck(run_loss, &n3, CT_TENSORS(x3)) == 0);
            CHECK(ct_gradcheck(run_loss, &n0, CT_TENSORS(x), .second_order = true) == 0);
        }
        ct_generator_free(g);
    }
}

/* ------------------------------------------------------------ values */

TEST(cross_entropy_options_default_like_pytorch) {
    CT_SCOPE {
        ct_tensor *x = ct_from_floats(CT_SHAPE(2, 3), 1, 2, 3, 0.5, -1, 2);
        ct_tensor *y = ct_from_longs(CT_SHAPE(2), 0, 2);
        /* F.cross_entropy(x, y) = 1.3244586 */
        CHECK_NEAR(ct_item(ct_cross_entropy(x, y)), 1.3244586, 1e-6);
        /* .ignore_index = 0 alone keeps PyTorch's default -100 (documented) */
        CHECK_NEAR(ct_item(ct_cross_entropy(x, y, .ignore_index = 0)), 1.3244586, 1e-6);
        /* F.cross_entropy(x, y, ignore_index=0) = 0.2413113 */
        CHECK_NEAR(ct_item(ct_cross_entropy(x, y, .ignore_index = 0, .has_ignore_index = true)), 0.2413113, 1e-6);
        CHECK_NEAR(ct_item(ct_cross_entropy(x, y, .ignore_index = -100)), 1.3244586, 1e-6);

        /* F.cross_entropy(x, y, label_smoothing=0.2) = 1.3744586, grad [[-0.3883, 0.0890, 0.2993], [0.0543, -0.0138, -0.0405]] */
        ct_requires_grad_(x, true);
        ct_tensor *l = ct_cross_entropy(x, y, .label_smoothing = 0.2);
        CHECK_NEAR(ct_item(l), 1.3744586, 1e-6);
        CHECK_STR(ct_grad_fn_name(l), "AddBackward0");
        REQUIRE(ct_backward(l) == 0);
        CHECK_VALUES(ct_grad_of(x), 1e-4, -0.3883, 0.0890, 0.2993, 0.0543, -0.0138, -0.0405);

        /* F.mse_loss = 2.34375, F.l1_loss = 1.375, F.smooth_l1_loss(beta=0) = 1.375 (the L1 loss) */
        ct_tensor *t = ct_from_floats(CT_SHAPE(2, 3), 0, 1, 0.5, 1, 0.25, 0);
        CHECK_NEAR(ct_item(ct_mse_loss(x, t)), 2.34375, 1e-6);
        CHECK_NEAR(ct_item(ct_l1_loss(x, t)), 1.375, 1e-6);
        CHECK_NEAR(ct_item(ct_smooth_l1_loss(x, t, .beta = 0, .has_beta = true)), 1.375, 1e-6);
        /* default beta 1.0: F.smooth_l1_loss(x, t) */
        CHECK_NEAR(ct_item(ct_smooth_l1_loss(x, t)), ct_item(ct_huber_loss(x, t)), 1e-7);
    }
}

TEST(loss_node_names_follow_pytorch) {
    CT_SCOPE {
        ct_tensor *x = ct_randn(CT_SHAPE(3, 5), .requires_grad = true);
        ct_tensor *t = ct_rand(CT_SHAPE(3, 5));
        ct_tensor *y = ct_from_longs(CT_SHAPE(3), 0, 4, 2);
        ct_tensor *p = ct_sigmoid(x);
        CHECK_STR(ct_grad_fn_name(ct_mse_loss(x, t)), "MseLossBackward0");
        CHECK_STR(ct_grad_fn_name(ct_l1_loss(x, t)), "MeanBackward0");
        CHECK_STR(ct_grad_fn_name(ct_l1_loss(x, t, .reduction = CT_REDUCTION_SUM)), "SumBackward0");
        CHECK_STR(ct_grad_fn_name(ct_l1_loss(x, t, .reduction = CT_REDUCTION_NONE)), "AbsBackward0");
        CHECK_STR(ct_grad_fn_name(ct_smooth_l1_loss(x, t)), "SmoothL1LossBackward0");
        CHECK_STR(ct_grad_fn_name(ct_huber_loss(x, t)), "HuberLossBackward0");
        CHECK_STR(ct_grad_fn_name(ct_cross_entropy(x, y)), "NllLossBackward0");
        CHECK_STR(ct_grad_fn_name(ct_nll_loss(x, y)), "NllLossBackward0");
        CHECK_STR(ct_grad_fn_name(ct_cross_entropy(x, t)), "DivBackward1");
        CHECK_STR(ct_grad_fn_name(ct_cross_entropy(x, t, .reduction = CT_REDUCTION_SUM)), "NegBackward0");
        CHECK_STR(ct_grad_fn_name(ct_binary_cross_entropy(p, t)), "BinaryCrossEntropyBackward0");
        CHECK_STR(ct_grad_fn_name(ct_binary_cross_entropy_with_logits(x, t)), "BinaryCrossEntropyWithLogitsBackward0");
        CHECK_STR(ct_grad_fn_name(ct_kl_div(x, t)), "MeanBackward0");
        CHECK_STR(ct_grad_fn_name(ct_kl_div(x, t, .reduction = CT_REDUCTION_BATCHMEAN)), "DivBackward0");
        CHECK_STR(ct_grad_fn_name(ct_kl_div(x, t, .reduction = CT_REDUCTION_NONE)), "SubBackward0");
        CHECK_STR(ct_grad_fn_name(ct_kl_div(x, t, .reduction = CT_REDUCTION_NONE, .log_target = true)), "MulBackward0");
        /* no grad mode, or no input requiring grad: no node */
        CHECK(ct_grad_fn_name(ct_mse_loss(t, t)) == NULL);
    }
}

/* --------------------------------------------------------------- errors */

TEST(loss_errors_word_like_pytorch) {
    CT_SCOPE {
        ct_tensor *x = ct_randn(CT_SHAPE(3, 5), .requires_grad = true);
        ct_tensor *t = ct_rand(CT_SHAPE(3, 5));
        ct_tensor *y = ct_from_longs(CT_SHAPE(3), 0, 4, 2);
        ct_tensor *w = ct_ones(CT_SHAPE(5), .requires_grad = true);
        CHECK_FAILS(ct_cross_entropy(x, y, .weight = w),
                    "The function 'nll_loss_forward' is not differentiable with respect to argument 'weight'. This input cannot have requires_grad True.");
        CHECK_FAILS(ct_nll_loss(x, y, .weight = w), "not differentiable with respect to argument 'weight'");
        CHECK_FAILS(ct_binary_cross_entropy_with_logits(x, t, .pos_weight = w),
                    "The function 'binary_cross_entropy_with_logits' is not differentiable with respect to argument 'pos_weight'");
        CHECK_FAILS(ct_binary_cross_entropy(ct_sigmoid(x), t, .weight = w),
                    "The function 'binary_cross_entropy' is not differentiable with respect to argument 'weight'");
        CT_NO_GRAD { /* allowed without grad mode, as in PyTorch */
            CHECK(ct_cross_entropy(x, y, .weight = w) != NULL);
        }
        CHECK_FAILS(ct_mse_loss(x, NULL), "target");
        CHECK_FAILS(ct_cross_entropy(NULL, y), "input");
        CHECK_FAILS(ct_mse_loss(x, t, .reduction = CT_REDUCTION_BATCHMEAN), "batchmean is not a valid value for reduction");
        CHECK_FAILS(ct_mse_loss(x, t, .reduction = (ct_reduction)9), "9 is not a valid value for reduction");
        CHECK_FAILS(ct_nll_loss(x, y, .label_smoothing = 0.1), "label_smoothing");
        CHECK_FAILS(ct_nll_loss(ct_randn(CT_SHAPE0), ct_from_longs(CT_SHAPE(1), 0)), "Expected 1 or more dimensions (got 0)");
        CHECK_FAILS(ct_cross_entropy(x, ct_from_longs(CT_SHAPE0, 1)),
                    "Expected input batch_size (3) to match target batch_size (0).");
        CHECK_FAILS(ct_kl_div(ct_ones(CT_SHAPE(3), .dtype = CT_BOOL), t), "Integral inputs not supported.");
        CHECK_FAILS(ct_binary_cross_entropy(ct_ones(CT_SHAPE(3), .dtype = CT_I64), ct_ones(CT_SHAPE(3), .dtype = CT_I64)),
                    "\"binary_cross_entropy\" not implemented for 'Long'");
        CHECK_FAILS(ct_nll_loss(ct_ones(CT_SHAPE(3, 5), .dtype = CT_I32), y),
                    "\"nll_loss_out_frame\" not implemented for 'Int'");
        /* A target modified in place after the forward is caught at backward. */
        ct_tensor *t2 = ct_clone(t);
        ct_tensor *l = ct_mse_loss(x, t2);
        ct_add_scalar_(t2, 1.0);
        CHECK(ct_backward(l) != 0);
        CHECK_ERROR("modified by an inplace operation");
    }
}

/* ---------------------------------------------------- training loops */

/* Gradients with a per-element output gradient (reduction none) and empty batches. */
TEST(reduction_none_and_empty_inputs) {
    CT_SCOPE {
        ct_tensor *x = ct_from_doubles(CT_SHAPE(2, 2), 1, 2, 3, 4);
        ct_requires_grad_(x, true);
        ct_tensor *t = ct_zeros(CT_SHAPE(2), .dtype = CT_F64); /* broadcast over rows */
        ct_tensor *l = ct_mse_loss(x, t, .reduction = CT_REDUCTION_NONE);
        CHECK_SHAPE(l, 2, 2);
        CHECK_VALUES(l, 0, 1.0, 4.0, 9.0, 16.0);
        ct_tensor *go = ct_from_doubles(CT_SHAPE(2, 2), 1, 0, -1, 0.5);
        REQUIRE(ct_backward_with(l, go) == 0);
        CHECK_VALUES(ct_grad_of(x), 1e-12, 2.0, 0.0, -6.0, 4.0);

        /* mean over nothing is NaN, sum is 0 (PyTorch) */
        ct_tensor *e = ct_zeros(CT_SHAPE(0, 5));
        CHECK(isnan(ct_item(ct_mse_loss(e, e))));
        CHECK_NEAR(ct_item(ct_mse_loss(e, e, .reduction = CT_REDUCTION_SUM)), 0.0, 0);
        CHECK(isnan(ct_item(ct_cross_entropy(e, ct_zeros(CT_SHAPE(0), .dtype = CT_I64)))));
        CHECK_SHAPE(ct_cross_entropy(e, ct_zeros(CT_SHAPE(0), .dtype = CT_I64), .reduction = CT_REDUCTION_NONE), 0);
    }
}

TEST(loss_training_loop_does_not_leak) {
    ct_tensor *w = ct_randn(CT_SHAPE(10, 10), .requires_grad = true);
    ct_tensor *x = ct_randn(CT_SHAPE(128, 10));
    ct_tensor *y = ct_randint(0, 10, CT_SHAPE(128));
    ct_tensor *oh = ct_rand(CT_SHAPE(128, 10));
    int64_t live = 0;
    for (int it = 0; it < 200; it++) {
        CT_SCOPE {
            ct_tensor *out = ct_matmul(x, w);
            ct_tensor *l = ct_add(ct_cross_entropy(out, y, .label_smoothing = 0.1), ct_mse_loss(out, oh));
            REQUIRE(ct_backward(l) == 0);
        }
        if (it == 10) live = ct_live_tensors();
    }
    CHECK_EQ_INT(ct_live_tensors(), live);
    ct_free(w);
    ct_free(x);
    ct_free(y);
    ct_free(oh);
}
