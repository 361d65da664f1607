/*
 * tests/autograd/test_notes_examples.c - the study notes' autograd examples
 * (../shared/seeds/) as assertions, against PyTorch 1.13's values
 * (tests/fixtures/notes_cases.py):
 *   - the chain rule: y1 = x*w1 + b1, y2 = y1*w2 + b2, dy2/dw1 = 2 both by
 *     hand (dy2/dy1 * dy1/dw1) and through the graph;
 *   - the single- and multi-output perceptron: sigmoid + MSE, w.grad equal to
 *     the closed form and to torch's;
 *   - the softmax gradient with retain_graph;
 *   - gradients accumulating across two backward calls;
 *   - the thermometer linear regression, 5000 epochs of manual updates under
 *     CT_NO_GRAD, reaching torch's w and b.
 */
#include "test.h"

#include "../fixtures/notes_cases.h"

TEST(notes_chain_rule_is_two_both_ways) {
    ct_tensor *w1 = ct_scalar_tensor(2.0, .requires_grad = true);
    ct_tensor *w2 = ct_scalar_tensor(2.0, .requires_grad = true);
    CT_SCOPE {
        ct_tensor *x = ct_scalar_tensor(1.0), *b1 = ct_scalar_tensor(1.0), *b2 = ct_scalar_tensor(1.0);
        ct_tensor *y1 = ct_add(ct_mul(x, w1), b1);
        ct_tensor *y2 = ct_add(ct_mul(y1, w2), b2);
        ct_tensor *g[1];
        REQUIRE(ct_grad(CT_TENSORS(y2), CT_TENSORS(y1), g, .retain_graph = true) == 0);
        double dy2_dy1 = ct_item(g[0]);
        REQUIRE(ct_grad(CT_TENSORS(y1), CT_TENSORS(w1), g, .retain_graph = true) == 0);
        double dy1_dw1 = ct_item(g[0]);
        REQUIRE(ct_grad(CT_TENSORS(y2), CT_TENSORS(w1), g, .retain_graph = true) == 0);
        double dy2_dw1 = ct_item(g[0]);
        CHECK_NEAR(dy2_dy1, 2.0, 0);
        CHECK_NEAR(dy1_dw1, 1.0, 0);
        CHECK_NEAR(dy2_dy1 * dy1_dw1, 2.0, 0); /* by hand */
        CHECK_NEAR(dy2_dw1, 2.0, 0);           /* through the graph */
        /* The same through backward, which fills .grad instead. */
        REQUIRE(ct_backward(y2) == 0);
        CHECK_NEAR(ct_item(ct_grad_of(w1)), 2.0, 0);
        CHECK_NEAR(ct_item(ct_grad_of(w2)), 3.0, 0); /* dy2/dw2 = y1 = 3 */
    }
    ct_free(w1);
    ct_free(w2);
}

/*
 * o = sigmoid(x @ w.t()), loss = mse_loss(ones(1, 1), o) over K outputs. With
 * the notes' E = 1/2 sum (O_k - t_k)^2 the gradient is (O_k - t_k) O_k (1 - O_k) x_j;
 * mse_loss's mean over K outputs scales it by 2 / K.
 */
static void check_perceptron(int k_out, const float *xv, const float *wv, double torch_loss,
                             const double *torch_grad) {
    ct_tensor *w = ct_from_data(wv, CT_F32, CT_SHAPE(k_out, 10));
    ct_requires_grad_(w, true);
    CT_SCOPE {
        ct_tensor *x = ct_from_data(xv, CT_F32, CT_SHAPE(1, 10));
        ct_tensor *o = ct_sigmoid(ct_matmul(x, ct_t(w)));
        CHECK_SHAPE(o, 1, k_out);
        ct_tensor *loss = ct_mse_loss(ct_ones(CT_SHAPE(1, 1)), o);
        CHECK_NEAR(ct_item(loss), torch_loss, 1e-6);
        REQUIRE(ct_backward(loss) == 0);
        ct_tensor *grad = ct_grad_of(w);
        REQUIRE(grad != NULL);
        CHECK_SHAPE(grad, k_out, 10);
        for (int k = 0; k < k_out; k++) {
            double ok = ct_get(o, (int64_t[]){0, k});
            for (int j = 0; j < 10; j++) {
                double got = ct_get(grad, (int64_t[]){k, j});
                double closed = 2.0 / k_out * (ok - 1.0) * ok * (1.0 - ok) * xv[j];
                CHECK_NEAR(got, closed, 1e-6);
                CHECK_NEAR(got, torch_grad[k * 10 + j], 1e-6);
            }
        }
    }
    ct_free(w);
}

TEST(notes_single_output_perceptron_gradient) {
    check_perceptron(1, notes_perc1_x, notes_perc1_w, notes_perc1_loss, notes_perc1_grad);
}

TEST(notes_multi_output_perceptron_gradient) {
    check_perceptron(2, notes_perc2_x, notes_perc2_w, notes_perc2_loss, notes_perc2_grad);
}

/* p = softmax(a); grad(p[1], a, retain_graph=True), then grad(p[2], a) on the same graph. */
TEST(notes_softmax_gradient_with_retain_graph) {
    ct_tensor *a = ct_from_data(notes_softmax_a, CT_F32, CT_SHAPE(3));
    ct_requires_grad_(a, true);
    CT_SCOPE {
        ct_tensor *p = ct_softmax(a, 0);
        for (int i = 0; i < 3; i++) CHECK_NEAR(ct_get(p, (int64_t[]){i}), notes_softmax_p[i], 1e-7);
        ct_tensor *g[1];
        REQUIRE(ct_grad(CT_TENSORS(ct_select(p, 0, 1)), CT_TENSORS(a), g, .retain_graph = true) == 0);
        for (int i = 0; i < 3; i++) CHECK_NEAR(ct_get(g[0], (int64_t[]){i}), notes_softmax_grad_p1[i], 1e-7);
        /* dp_i/da_j = p_i (delta_ij - p_j): check the closed form too. */
        for (int j = 0; j < 3; j++)
            CHECK_NEAR(ct_get(g[0], (int64_t[]){j}),
                       notes_softmax_p[1] * ((j == 1) - notes_softmax_p[j]), 1e-6);
        REQUIRE(ct_grad(CT_TENSORS(ct_select(p, 0, 2)), CT_TENSORS(a), g) == 0);
        for (int i = 0; i < 3; i++) CHECK_NEAR(ct_get(g[0], (int64_t[]){i}), notes_softmax_grad_p2[i], 1e-7);
        /* That second call did not retain the graph: a third one fails like PyTorch. */
        CHECK(ct_grad(CT_TENSORS(ct_select(p, 0, 0)), CT_TENSORS(a), g) != 0);
        CHECK_ERROR("Trying to backward through the graph a second time");
    }
    ct_free(a);
}

/* w.grad keeps adding up across backward calls until it is zeroed. */
TEST(notes_gradients_accumulate_across_two_backward_calls) {
    ct_tensor *w = ct_full(CT_SHAPE(1), 2.0, .requires_grad = true);
    CT_SCOPE {
        ct_tensor *x = ct_ones(CT_SHAPE(1));
        /* mse = (1 - x*w)^2 = 1, d mse / dw = -2 (1 - w) x = 2 */
        ct_tensor *mse = ct_mse_loss(ct_ones(CT_SHAPE(1)), ct_mul(x, w));
        REQUIRE(ct_backward(mse) == 0);
        CHECK_VALUES(ct_grad_of(w), 0, 2.0);
        ct_tensor *mse2 = ct_mse_loss(ct_ones(CT_SHAPE(1)), ct_mul(x, w));
        REQUIRE(ct_backward(mse2) == 0);
        CHECK_VALUES(ct_grad_of(w), 0, 4.0); /* 2 + 2 */
        ct_zero_(ct_grad_of(w));             /* w.grad.data.zero_() */
        REQUIRE(ct_backward(ct_mse_loss(ct_ones(CT_SHAPE(1)), ct_mul(x, w))) == 0);
        CHECK_VALUES(ct_grad_of(w), 0, 2.0);
    }
    ct_free(w);
}

/* The book notes' training_loop: 5000 epochs, lr 1e-2, params (1.0, 0.0), t_un = 0.1 * t_u. */
TEST(notes_linear_regression_reaches_torchs_w_and_b) {
    ct_tensor *params = ct_from_floats(CT_SHAPE(2), 1.0f, 0.0f);
    ct_requires_grad_(params, true);
    ct_tensor *t_c = ct_from_data(notes_t_c, CT_F32, CT_SHAPE(11));
    ct_tensor *t_un;
    CT_SCOPE { t_un = ct_keep(ct_mul_scalar(ct_from_data(notes_t_u, CT_F32, CT_SHAPE(11)), 0.1)); }
    int checked = 0;
    for (int epoch = 1; epoch <= 5000; epoch++) {
        CT_SCOPE {
            ct_tensor *grad = ct_grad_of(params);
            if (grad) ct_zero_(grad);
            ct_tensor *t_p = ct_add(ct_mul(ct_select(params, 0, 0), t_un), ct_select(params, 0, 1));
            ct_tensor *loss = ct_mean(ct_pow_scalar(ct_sub(t_p, t_c), 2));
            REQUIRE(ct_backward(loss) == 0);
            CT_NO_GRAD { ct_sub_(params, ct_mul_scalar(ct_grad_of(params), 1e-2)); }
            if (epoch % 500 == 0) {
                double want = notes_linreg_losses[epoch / 500 - 1];
                CHECK_NEAR(ct_item(loss), want, 1e-5 * fabs(want));
                checked++;
            }
        }
    }
    CHECK_EQ_INT(checked, 10);
    CHECK(ct_requires_grad(params) && ct_is_leaf(params));
    /* float32 tolerance: a few ulps of w (~5.37) and b (~-17.3) */
    CHECK_NEAR(ct_get(params, (int64_t[]){0}), notes_linreg_w, 4e-6 * fabs(notes_linreg_w));
    CHECK_NEAR(ct_get(params, (int64_t[]){1}), notes_linreg_b, 4e-6 * fabs(notes_linreg_b));
    ct_free(params);
    ct_free(t_c);
    ct_free(t_un);
}
