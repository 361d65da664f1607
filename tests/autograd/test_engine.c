/* tests/autograd/test_engine.c - the backward engine, on the notes' examples. */
#include "test.h"

static ct_tensor *scalar_rg(double v) { return ct_scalar_tensor(v, .requires_grad = true); }

/* Notes, chain rule: y1 = x*w1 + b1, y2 = y1*w2 + b2; dy2/dw1 = dy2/dy1 * dy1/dw1 = 2. */
TEST(chain_rule_by_hand_and_through_the_graph) {
    CT_SCOPE {
        ct_tensor *x = ct_scalar_tensor(1.0), *b1 = ct_scalar_tensor(1.0), *b2 = ct_scalar_tensor(1.0);
        ct_tensor *w1 = scalar_rg(2.0), *w2 = scalar_rg(2.0);
        ct_tensor *y1 = ct_add(ct_mul(x, w1), b1);
        ct_tensor *y2 = ct_add(ct_mul(y1, w2), b2);
        ct_tensor *g[1];
        REQUIRE(ct_grad(CT_TENSORS(y2), CT_TENSORS(y1), g, .retain_graph = true) == 0);
        double dy2_dy1 = ct_item(g[0]);
        REQUIRE(ct_grad(CT_TENSORS(y1), CT_TENSORS(w1), g, .retain_graph = true) == 0);
        double dy1_dw1 = ct_item(g[0]);
        REQUIRE(ct_grad(CT_TENSORS(y2), CT_TENSORS(w1), g, .retain_graph = true) == 0);
        CHECK_NEAR(dy2_dy1 * dy1_dw1, 2.0, 0);
        CHECK_NEAR(ct_item(g[0]), 2.0, 0);
        CHECK(ct_grad_of(w1) == NULL); /* autograd.grad leaves .grad alone */
        CHECK_STR(ct_grad_fn_name(y2), "AddBackward0");
        CHECK(!ct_is_leaf(y2) && ct_is_leaf(w1));
        ct_free(w1);
        ct_free(w2);
        (void)0;
    }
}

TEST(gradients_accumulate_until_zeroed) {
    ct_tensor *w = scalar_rg(3.0);
    CT_SCOPE {
        ct_tensor *loss = ct_mul(w, w);
        REQUIRE(ct_backward(loss, .retain_graph = true) == 0);
        CHECK_NEAR(ct_item(ct_grad_of(w)), 6.0, 0);
        REQUIRE(ct_backward(loss) == 0);
        CHECK_NEAR(ct_item(ct_grad_of(w)), 12.0, 0);
        /* The graph is freed now. */
        CHECK(ct_backward(loss) != 0);
        CHECK_ERROR("Trying to backward through the graph a second time");
        ct_clear_grad(w);
        CHECK(ct_grad_of(w) == NULL);
    }
    ct_free(w);
}

TEST(nonscalar_needs_gradient) {
    ct_tensor *a = ct_ones(CT_SHAPE(3), .requires_grad = true);
    CT_SCOPE {
        ct_tensor *y = ct_mul_scalar(a, 2.0);
        CHECK(ct_backward(y) != 0);
        CHECK_ERROR("grad can be implicitly created only for scalar outputs");
        CHECK(ct_backward_with(y, ct_ones(CT_SHAPE(2))) != 0);
        CHECK_ERROR("Mismatch in shape");
        REQUIRE(ct_backward_with(y, ct_from_floats(CT_SHAPE(3), 1, 2, 3)) == 0);
        CHECK_VALUES(ct_grad_of(a), 0, 2, 4, 6);
    }
    ct_free(a);
}

/* A leaf's first gradient is its own memory: not the caller's gradient, not another leaf's. */
TEST(leaf_gradients_share_no_memory) {
    ct_tensor *x = ct_zeros(CT_SHAPE(3), .requires_grad = true);
    ct_tensor *y = ct_zeros(CT_SHAPE(3), .requires_grad = true);
    CT_SCOPE {
        ct_tensor *g = ct_ones(CT_SHAPE(3));
        REQUIRE(ct_backward_with(ct_add(x, y), g) == 0);
        ct_tensor *gx = ct_grad_of(x), *gy = ct_grad_of(y);
        REQUIRE(gx && gy);
        CHECK(!ct_shares_storage(gx, g) && !ct_shares_storage(gy, g) && !ct_shares_storage(gx, gy));
        ct_fill_(g, 5.0);
        ct_add_(gx, ct_ones(CT_SHAPE(3)));
        CHECK_VALUES(gx, 0, 2, 2, 2);
        CHECK_VALUES(gy, 0, 1, 1, 1);
        /* An expanded gradient (sum's) becomes a contiguous one. */
        ct_clear_grad(x);
        REQUIRE(ct_backward(ct_sum(x)) == 0);
        CHECK(ct_is_contiguous(ct_grad_of(x)));
        CHECK_VALUES(ct_grad_of(x), 0, 1, 1, 1);
    }
    ct_free(x);
    ct_free(y);
}

TEST(broadcast_gradients_sum_back_to_input_shape) {
    ct_tensor *a = ct_from_doubles(CT_SHAPE(3, 1), 1, 2, 3);
    ct_tensor *b = ct_from_doubles(CT_SHAPE(4), 10, 20, 30, 40);
    ct_requires_grad_(a, true);
    ct_requires_grad_(b, true);
    CT_SCOPE {
        ct_tensor *c = ct_mul(a, b); /* [3, 4] */
        REQUIRE(ct_backward_with(c, ct_ones(CT_SHAPE(3, 4), .dtype = CT_F64)) == 0);
        CHECK_SHAPE(ct_grad_of(a), 3, 1);
        CHECK_VALUES(ct_grad_of(a), 0, 100, 100, 100);
        CHECK_VALUES(ct_grad_of(b), 0, 6, 6, 6, 6);
    }
    ct_free(a);
    ct_free(b);
}

TEST(inplace_change_of_saved_tensor_is_detected) {
    ct_tensor *a = ct_ones(CT_SHAPE(2, 3), .requires_grad = true);
    CT_SCOPE {
        ct_tensor *b = ct_mul_scalar(a, 2.0);
        ct_tensor *c = ct_mul(b, b); /* saves b */
        REQUIRE(ct_add_scalar_(b, 1.0) == b); /* allowed on a non-leaf */
        CHECK(ct_backward_with(c, ct_ones_like(c)) != 0);
        CHECK_ERROR("modified by an inplace operation");
    }
    CT_SCOPE {
        CHECK(ct_add_scalar_(a, 1.0) == NULL);
        CHECK_ERROR("a leaf Variable that requires grad is being used in an in-place operation.");
        CT_NO_GRAD { CHECK(ct_add_scalar_(a, 1.0) == a); } /* fine under no_grad */
        CHECK_VALUES(a, 0, 2, 2, 2, 2, 2, 2);
    }
    ct_free(a);
}

TEST(inplace_on_nonleaf_rebases_history) {
    ct_tensor *a = ct_from_doubles(CT_SHAPE(2), 1, 2);
    ct_requires_grad_(a, true);
    CT_SCOPE {
        ct_tensor *b = ct_mul_scalar(a, 3.0);
        ct_tensor *c = ct_mul_scalar(a, 2.0);
        ct_mul_(b, c); /* b = 6a^2, d/da = 12a */
        CHECK_STR(ct_grad_fn_name(b), "MulBackward0");
        REQUIRE(ct_backward_with(b, ct_ones_like(b)) == 0);
        CHECK_VALUES(ct_grad_of(a), 1e-12, 12, 24);
    }
    CT_SCOPE {
        /* b.mul_(b) saves b as `other` before the op changes it: PyTorch refuses the backward. */
        ct_tensor *b = ct_mul_scalar(a, 3.0);
        ct_mul_(b, b);
        CHECK(ct_backward_with(b, ct_ones_like(b)) != 0);
        CHECK_ERROR("modified by an inplace operation");
    }
    ct_free(a);
}

TEST(no_grad_records_nothing) {
    ct_tensor *a = ct_ones(CT_SHAPE(2), .requires_grad = true);
    CT_SCOPE {
        ct_tensor *b = NULL;
        CT_NO_GRAD { b = ct_mul_scalar(a, 2.0); }
        CHECK(!ct_requires_grad(b));
        CHECK(ct_is_grad_enabled());
        bool prev = ct_set_grad_enabled(false);
        CHECK(prev);
        CHECK(!ct_requires_grad(ct_add(a, a)));
        ct_set_grad_enabled(true);
        ct_tensor *d = ct_detach(ct_mul(a, a));
        CHECK(!ct_requires_grad(d) && ct_is_leaf(d));
    }
    ct_free(a);
}

static ct_tensor *double_it(ct_tensor *g, void *ctx) {
    (*(int *)ctx)++;
    return ct_mul_scalar(g, 2.0);
}

TEST(hooks_and_retain_grad) {
    ct_tensor *a = ct_from_doubles(CT_SHAPE(2), 1, 2);
    ct_requires_grad_(a, true);
    int calls = 0;
    CT_SCOPE {
        ct_tensor *b = ct_mul_scalar(a, 3.0);
        REQUIRE(ct_retain_grad(b) == 0);
        REQUIRE(ct_register_hook(b, double_it, &calls) >= 0);
        ct_tensor *c = ct_mul(b, b);
        REQUIRE(ct_backward_with(c, ct_ones_like(c)) == 0);
        CHECK_EQ_INT(calls, 1);
        /* b.grad = 2b = [6, 12] after the hook doubled it: [12, 24] (retain runs after hooks) */
        CHECK_VALUES(ct_grad_of(b), 1e-12, 12, 24);
        CHECK_VALUES(ct_grad_of(a), 1e-12, 36, 72);
    }
    int leaf_calls = 0;
    CT_SCOPE {
        ct_clear_grad(a);
        int h = ct_register_hook(a, double_it, &leaf_calls);
        REQUIRE(ct_backward_with(ct_mul_scalar(a, 1.0), ct_ones_like(a)) == 0);
        CHECK_VALUES(ct_grad_of(a), 0, 2, 2);
        ct_remove_hook(a, h);
        REQUIRE(ct_backward_with(ct_mul_scalar(a, 1.0), ct_ones_like(a)) == 0);
        CHECK_VALUES(ct_grad_of(a), 0, 3, 3);
        CHECK_EQ_INT(leaf_calls, 1);
    }
    ct_free(a);
}

TEST(second_order_gradient) {
    ct_tensor *x = scalar_rg(2.0);
    CT_SCOPE {
        ct_tensor *y = ct_mul(ct_mul(x, x), x); /* x^3 */
        ct_tensor *g[1];
        REQUIRE(ct_grad(CT_TENSORS(y), CT_TENSORS(x), g, .create_graph = true) == 0);
        CHECK_NEAR(ct_item(g[0]), 12.0, 1e-12); /* 3x^2 */
        CHECK(ct_requires_grad(g[0]));
        ct_tensor *g2[1];
        REQUIRE(ct_grad(CT_TENSORS(g[0]), CT_TENSORS(x), g2) == 0);
        CHECK_NEAR(ct_item(g2[0]), 12.0, 1e-12); /* 6x */
        ct_tensor *p = ct_pow_scalar(x, 3);
        REQUIRE(ct_grad(CT_TENSORS(p), CT_TENSORS(x), g, .create_graph = true) == 0);
        REQUIRE(ct_grad(CT_TENSORS(g[0]), CT_TENSORS(x), g2) == 0);
        CHECK_NEAR(ct_item(g2[0]), 12.0, 1e-9);
        ct_tensor *q = ct_div(ct_scalar_tensor(1.0, .dtype = CT_F64), x); /* 1/x: -1/x^2, 2/x^3 */
        REQUIRE(ct_grad(CT_TENSORS(q), CT_TENSORS(x), g, .create_graph = true) == 0);
        CHECK_NEAR(ct_item(g[0]), -0.25, 1e-12);
        REQUIRE(ct_grad(CT_TENSORS(g[0]), CT_TENSORS(x), g2) == 0);
        CHECK_NEAR(ct_item(g2[0]), 0.25, 1e-12);
    }
    ct_free(x);
}

/* An input listed twice gets the gradient in both places (torch.autograd.grad(y, [x, x])), also to second order. */
TEST(grad_of_an_input_listed_twice) {
    ct_tensor *x = ct_from_floats(CT_SHAPE(2), 1.5, -2.0);
    ct_requires_grad_(x, true);
    CT_SCOPE {
        ct_tensor *g[3];
        ct_tensor *xx = ct_mul(x, x), *y = ct_sum(ct_mul(xx, x));
        REQUIRE(ct_grad(CT_TENSORS(y), CT_TENSORS(x, xx, x), g, .create_graph = true) == 0);
        CHECK(g[0] && g[2] && ct_equal(g[0], g[2]));
        CHECK_NEAR(ct_item(ct_select(g[0], 0, 0)), 6.75, 1e-6); /* 3 x^2 */
        CHECK_NEAR(ct_item(ct_select(g[2], 0, 1)), 12.0, 1e-6);
        CHECK_NEAR(ct_item(ct_select(g[1], 0, 0)), 1.5, 1e-6); /* d(sum x * (x x))/d(x x) = x */
        ct_tensor *h[1];
        REQUIRE(ct_grad(CT_TENSORS(ct_sum(g[2])), CT_TENSORS(x), h) == 0);
        CHECK_NEAR(ct_item(ct_select(h[0], 0, 0)), 9.0, 1e-6); /* 6 x */
        CHECK_NEAR(ct_item(ct_select(h[0], 0, 1)), -12.0, 1e-6);
    }
    ct_free(x);
}

TEST(grad_errors) {
    ct_tensor *a = scalar_rg(1.0), *u = scalar_rg(5.0);
    CT_SCOPE {
        ct_tensor *y = ct_mul(a, a), *g[2];
        CHECK(ct_grad(CT_TENSORS(y), CT_TENSORS(a, u), g, .retain_graph = true) != 0);
        CHECK_ERROR("appears to not have been used in the graph");
        REQUIRE(ct_grad(CT_TENSORS(y), CT_TENSORS(a, u), g, .allow_unused = true) == 0);
        CHECK(g[1] == NULL);
        CHECK_NEAR(ct_item(g[0]), 2.0, 0);
        ct_tensor *plain = ct_scalar_tensor(1.0);
        CHECK(ct_backward(plain) != 0);
        CHECK_ERROR("does not require grad and does not have a grad_fn");
    }
    ct_free(a);
    ct_free(u);
}

TEST(training_loop_memory_is_flat) {
    ct_tensor *w = ct_from_doubles(CT_SHAPE(4), 1, 2, 3, 4);
    ct_requires_grad_(w, true);
    ct_tensor *x = ct_from_doubles(CT_SHAPE(4), 0.5, -1, 2, 0.25);
    long live = 0;
    for (int step = 0; step < 20000; step++) {
        CT_SCOPE {
            ct_tensor *y = ct_mul(ct_add_scalar(ct_mul(w, x), 1.0), w);
            ct_backward_with(y, ct_ones_like(y));
            CT_NO_GRAD {
                ct_tensor *g = ct_grad_of(w);
                ct_sub_(w, ct_mul_scalar(g, 1e-4));
            }
            ct_clear_grad(w);
        }
        if (step == 100) live = ct_live_tensors();
    }
    CHECK_EQ_INT(ct_live_tensors(), live);
    ct_free(w);
    ct_free(x);
}

static ct_tensor *f_mul_add(ct_tensor *const *in, int n, void *ctx) {
    (void)n;
    (void)ctx;
    return ct_add(ct_mul(in[0], in[1]), ct_div(in[0], ct_add_scalar(ct_mul(in[1], in[1]), 1.0)));
}

static ct_tensor *f_wrong(ct_tensor *const *in, int n, void *ctx) {
    (void)n;
    (void)ctx;
    /* detach cuts the graph: the analytical gradient misses the x*x term */
    return ct_add(ct_mul(ct_detach(in[0]), in[0]), in[0]);
}

TEST(gradcheck_passes_and_reports_mismatch) {
    ct_generator *g = ct_generator_new(7);
    ct_tensor *x = ct_randn(CT_SHAPE(3, 1), .dtype = CT_F64, .generator = g, .requires_grad = true);
    ct_tensor *y = ct_randn(CT_SHAPE(4), .dtype = CT_F64, .generator = g, .requires_grad = true);
    CHECK(ct_gradcheck(f_mul_add, NULL, CT_TENSORS(x, y)) == 0);
    CHECK(ct_gradcheck(f_mul_add, NULL, CT_TENSORS(x, y), .second_order = true) == 0);
    CHECK(ct_gradcheck(f_wrong, NULL, CT_TENSORS(x)) != 0);
    CHECK_ERROR("Jacobian mismatch for output 0 with respect to input 0");
    ct_free(x);
    ct_free(y);
    ct_generator_free(g);
}

/* Issue 4: 100,000 forward+backward passes of Linear(4,8)-ReLU-Linear(8,1) lose nothing. */
TEST(tiny_mlp_100k_steps_leak_nothing) {
    ct_manual_seed(0);
    ct_module *net = ct_nn_sequential(ct_nn_linear(4, 8), ct_nn_relu(), ct_nn_linear(8, 1), NULL);
    ct_tensor_list params = ct_parameters(net);
    ct_tensor *x = ct_randn(CT_SHAPE(4, 4)), *y = ct_randn(CT_SHAPE(4, 1));
    long live = ct_live_tensors();
    size_t mem = ct_memory_allocated();
    for (int step = 0; step < 100000; step++) {
        CT_SCOPE {
            ct_tensor *loss = ct_mse_loss(ct_forward(net, x), y);
            ct_backward(loss);
            CT_NO_GRAD {
                for (int i = 0; i < params.n; i++) {
                    ct_sub_(params.items[i], ct_mul_scalar(ct_grad_of(params.items[i]), 1e-3));
                    ct_clear_grad(params.items[i]);
                }
            }
        }
        if (step == 1000) {
            live = ct_live_tensors();
            mem = ct_memory_allocated();
        }
    }
    CHECK_EQ_INT(ct_live_tensors(), live);
    CHECK_EQ_INT(ct_memory_allocated(), mem);
    ct_free(x);
    ct_free(y);
    ct_module_free(net);
}
