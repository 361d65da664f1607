/*
 * tests/nn/test_layers.c - the built-in layers as modules: printing, names
 * and shapes of their tensors, train/eval behaviour (Dropout's statistics,
 * BatchNorm's running statistics and dim checks), in-place forms, loss
 * modules, and a training loop that must not leak. Values of the forwards and
 * backwards against PyTorch are in the parity suite (tests/parity/cases/nn.py);
 * printed forms come from tests/fixtures/nn_cases.py.
 */
#include <stdlib.h>

#include "../fixtures/nn_cases.h"
#include "test.h"

TEST(prints_like_pytorch) {
    /* the same list, in the same order, as REPRS in tests/fixtures/nn_cases.py */
    ct_module *mods[] = {
        ct_nn_linear(784, 256),
        ct_nn_linear(3, 4, .no_bias = true),
        ct_nn_relu(),
        ct_nn_relu(.inplace = true),
        ct_nn_leaky_relu(),
        ct_nn_leaky_relu(0.2, .inplace = true),
        ct_nn_elu(),
        ct_nn_elu(.alpha = 0.5, .inplace = true),
        ct_nn_gelu(),
        ct_nn_gelu(.approximate = CT_GELU_TANH),
        ct_nn_silu(),
        ct_nn_sigmoid(),
        ct_nn_tanh(),
        ct_nn_softplus(),
        ct_nn_softplus(.beta = 2.0, .threshold = 10.5),
        ct_nn_softmax(1),
        ct_nn_log_softmax(-1),
        ct_nn_dropout(0.5),
        ct_nn_dropout(0.25, .inplace = true),
        ct_nn_dropout2d(0.3),
        ct_nn_batch_norm1d(16),
        ct_nn_batch_norm2d(8, .eps = 1e-3, .cumulative = true, .no_affine = true, .no_track_running_stats = true),
        ct_nn_batch_norm2d(4, .momentum = 0.01),
        ct_nn_layer_norm(CT_SHAPE(10)),
        ct_nn_layer_norm(CT_SHAPE(3, 4), .eps = 1e-6, .no_elementwise_affine = true),
        ct_nn_embedding(10, 3),
        ct_nn_embedding(10, 3, .padding_idx = -1, .has_padding_idx = true),
        ct_nn_mse_loss(),
        ct_nn_l1_loss(),
        ct_nn_smooth_l1_loss(),
        ct_nn_huber_loss(),
        ct_nn_cross_entropy_loss(),
        ct_nn_nll_loss(),
        ct_nn_bce_loss(),
        ct_nn_bce_with_logits_loss(),
        ct_nn_kl_div_loss(),
        ct_nn_sequential(ct_nn_flatten(), ct_nn_linear(784, 256), ct_nn_relu(), ct_nn_dropout(0.2),
                         ct_nn_linear(256, 10), NULL),
    };
    int n = (int)(sizeof mods / sizeof mods[0]);
    REQUIRE(n == NN_NREPRS);
    for (int i = 0; i < n; i++) {
        char *s = ct_module_to_string(mods[i]);
        CHECK_STR(s, nn_reprs[i]);
        free(s);
        ct_module_free(mods[i]);
    }
}

TEST(parameter_and_buffer_names_and_shapes) {
    ct_module *bn = ct_nn_batch_norm2d(5);
    const ct_named_tensor *p;
    REQUIRE(ct_named_parameters(bn, &p) == 2);
    CHECK_STR(p[0].name, "weight");
    CHECK_STR(p[1].name, "bias");
    REQUIRE(ct_named_buffers(bn, &p) == 3);
    CHECK_STR(p[0].name, "running_mean");
    CHECK_STR(p[1].name, "running_var");
    CHECK_STR(p[2].name, "num_batches_tracked");
    ct_module_free(bn);
    bn = ct_nn_batch_norm1d(5, .no_affine = true, .no_track_running_stats = true);
    CHECK_EQ_INT(ct_named_parameters(bn, &p), 0);
    CHECK_EQ_INT(ct_named_buffers(bn, &p), 0);
    ct_module_free(bn);
    ct_module *lin = ct_nn_linear(3, 4, .no_bias = true);
    CHECK_EQ_INT(ct_named_parameters(lin, &p), 1);
    CHECK(ct_module_get(lin, "bias") == NULL);
    ct_module_free(lin);
    ct_module *e = ct_nn_embedding(6, 2, .padding_idx = -2, .has_padding_idx = true);
    CHECK_SHAPE(ct_module_get(e, "weight"), 6, 2);
    CT_SCOPE { CHECK_VALUES(ct_select(ct_module_get(e, "weight"), 0, 4), 0, 0, 0); }
    ct_module_free(e);
    ct_clear_error();
    CHECK_FAILS(ct_nn_embedding(6, 2, .padding_idx = 6, .has_padding_idx = true),
                "Padding_idx must be within num_embeddings");
    CHECK_FAILS(ct_nn_dropout(1.5), "dropout probability has to be between 0 and 1, but got 1.5");
    CHECK_FAILS(ct_nn_dropout2d(-0.1), "dropout probability has to be between 0 and 1, but got -0.1");
}

TEST(linear_forward_and_backward) {
    CT_SCOPE {
        ct_module *lin = ct_nn_linear(3, 2);
        ct_module_set(lin, "weight", ct_from_floats(CT_SHAPE(2, 3), 1, 2, 3, 4, 5, 6));
        ct_module_set(lin, "bias", ct_from_floats(CT_SHAPE(2), 0.5, -1));
        ct_tensor *x = ct_from_floats(CT_SHAPE(2, 3), 1, 0, -1, 2, 1, 0);
        ct_tensor *y = ct_forward(lin, x);
        CHECK_VALUES(y, 1e-6, -1.5, -3, 4.5, 12);
        ct_backward(ct_sum(y));
        CHECK_VALUES(ct_grad_of(ct_module_get(lin, "weight")), 0, 3, 1, -1, 3, 1, -1);
        CHECK_VALUES(ct_grad_of(ct_module_get(lin, "bias")), 0, 2, 2);
        CHECK_FAILS(ct_forward(lin, ct_ones(CT_SHAPE(2, 4))), "mat1 and mat2 shapes cannot be multiplied (2x4 and 3x2)");
        ct_module_free(lin);
    }
}

TEST(inplace_activations_return_their_input) {
    CT_SCOPE {
        ct_module *r = ct_nn_relu(.inplace = true), *l = ct_nn_leaky_relu(0.5, .inplace = true);
        ct_module *e = ct_nn_elu(.inplace = true), *d = ct_nn_dropout(0.5, .inplace = true);
        ct_tensor *x = ct_from_floats(CT_SHAPE(3), -1, 0, 2);
        ct_tensor *y = ct_forward(r, x);
        CHECK(y != NULL && ct_shares_storage(x, y));
        CHECK_VALUES(x, 0, 0, 0, 2);
        ct_tensor *x2 = ct_from_floats(CT_SHAPE(2), -2, 3);
        ct_forward(l, x2);
        CHECK_VALUES(x2, 0, -1, 3);
        ct_tensor *x3 = ct_from_doubles(CT_SHAPE(2), -1, 1);
        ct_forward(e, x3);
        CHECK_VALUES(x3, 1e-15, expm1(-1.0), 1);
        ct_module_eval(d);
        ct_tensor *x4 = ct_ones(CT_SHAPE(4));
        CHECK(ct_forward(d, x4) != NULL);
        CHECK_VALUES(x4, 0, 1, 1, 1, 1);
        ct_module_free(r);
        ct_module_free(l);
        ct_module_free(e);
        ct_module_free(d);
    }
}

TEST(dropout_statistics_and_eval_identity) {
    ct_manual_seed(5);
    CT_SCOPE {
        ct_module *d = ct_nn_dropout(0.3);
        int64_t n = 200000;
        ct_tensor *x = ct_ones(CT_SHAPE(n));
        ct_tensor *y = ct_forward(d, x);
        /* zeroed fraction ~ p (binomial sd sqrt(p (1 - p) / n) ~ 0.001), survivors scaled by 1 / (1 - p) */
        double zeros = ct_item(ct_sum(ct_eq_scalar(y, 0.0))) / (double)n;
        CHECK_NEAR(zeros, 0.3, 0.005);
        CHECK_NEAR(ct_item(ct_amax(y, CT_SHAPE0, false)), 1 / 0.7, 1e-6);
        CHECK_NEAR(ct_item(ct_mean(y)), 1.0, 0.01);
        /* eval: the identity, the input itself */
        ct_module_eval(d);
        ct_tensor *z = ct_forward(d, x);
        CHECK(ct_equal(z, x) && ct_shares_storage(z, x));
        /* Dropout2d zeroes whole channels */
        ct_module *d2 = ct_nn_dropout2d(0.5);
        ct_tensor *c = ct_forward(d2, ct_ones(CT_SHAPE(64, 32, 3, 3)));
        ct_tensor *per_channel = ct_amax(c, CT_SHAPE(2, 3), false);
        ct_tensor *per_channel_min = ct_amin(c, CT_SHAPE(2, 3), false);
        CHECK(ct_equal(per_channel, per_channel_min));
        double dropped = ct_item(ct_sum(ct_eq_scalar(per_channel, 0.0))) / (64.0 * 32);
        CHECK_NEAR(dropped, 0.5, 0.05);
        ct_module_free(d);
        ct_module_free(d2);
    }
}

TEST(batchnorm_train_eval_and_checks) {
    CT_SCOPE {
        ct_module *bn = ct_nn_batch_norm1d(2);
        ct_tensor *x = ct_from_floats(CT_SHAPE(4, 2), 1, 10, 2, 20, 3, 30, 4, 40);
        ct_tensor *y = ct_forward(bn, x);
        /* batch mean 2.5 / 25, biased var 1.25 / 125 */
        double s = 1 / sqrt(1.25 + 1e-5);
        CHECK_NEAR(ct_get(y, (int64_t[]){0, 0}), -1.5 * s, 1e-5);
        CHECK_VALUES(ct_module_get(bn, "running_mean"), 1e-6, 0.25, 2.5);
        /* unbiased variance 5/3 and 500/3 */
        CHECK_VALUES(ct_module_get(bn, "running_var"), 1e-5, 0.9 + 0.1 * 5 / 3.0, 0.9 + 0.1 * 500 / 3.0);
        CHECK_EQ_INT(ct_item_int(ct_module_get(bn, "num_batches_tracked")), 1);
        ct_module_eval(bn);
        ct_tensor *e = ct_forward(bn, x);
        double rv = 0.9 + 0.1 * 5 / 3.0;
        CHECK_NEAR(ct_get(e, (int64_t[]){0, 0}), (1 - 0.25) / sqrt(rv + 1e-5), 1e-5);
        CHECK_EQ_INT(ct_item_int(ct_module_get(bn, "num_batches_tracked")), 1);
        /* dim checks with PyTorch's messages */
        CHECK_FAILS(ct_forward(bn, ct_ones(CT_SHAPE(2, 2, 2, 2))), "expected 2D or 3D input (got 4D input)");
        ct_module *bn2 = ct_nn_batch_norm2d(2);
        CHECK_FAILS(ct_forward(bn2, ct_ones(CT_SHAPE(2, 2))), "expected 4D input (got 2D input)");
        CHECK_FAILS(ct_forward(bn2, ct_ones(CT_SHAPE(1, 2, 1, 1))), "Expected more than 1 value per channel when training");
        /* cumulative average (momentum=None): after two batches the running mean is their average */
        ct_module *cum = ct_nn_batch_norm1d(1, .cumulative = true);
        ct_forward(cum, ct_from_floats(CT_SHAPE(2, 1), 1, 3));
        ct_forward(cum, ct_from_floats(CT_SHAPE(2, 1), 5, 7));
        CHECK_VALUES(ct_module_get(cum, "running_mean"), 1e-6, 4);
        /* no running stats: eval mode normalizes with the batch statistics */
        ct_module *nr = ct_nn_batch_norm1d(1, .no_track_running_stats = true);
        ct_module_eval(nr);
        CHECK_VALUES(ct_forward(nr, ct_from_floats(CT_SHAPE(2, 1), 1, 3)), 1e-4, -1, 1);
        ct_module_free(bn);
        ct_module_free(bn2);
        ct_module_free(cum);
        ct_module_free(nr);
    }
}

TEST(loss_modules) {
    CT_SCOPE {
        ct_module *mse = ct_nn_mse_loss(.reduction = CT_REDUCTION_SUM);
        ct_tensor *a = ct_from_floats(CT_SHAPE(2), 1, 2), *b = ct_from_floats(CT_SHAPE(2), 0, 4);
        CHECK_VALUES(ct_loss_forward(mse, a, b), 0, 5);
        CHECK_FAILS(ct_forward(mse, a), "call ct_loss_forward(module, input, target)");
        ct_module *lin = ct_nn_linear(2, 2);
        CHECK_FAILS(ct_loss_forward(lin, a, b), "Linear is not a loss module");
        /* a class weight becomes the buffer "weight", shared with the caller's tensor */
        ct_tensor *w = ct_from_floats(CT_SHAPE(3), 1, 2, 3);
        ct_module *ce = ct_nn_cross_entropy_loss(.weight = w, .label_smoothing = 0.1);
        ct_tensor *buf = ct_module_get(ce, "weight");
        CHECK(buf && ct_shares_storage(buf, w));
        ct_tensor *logits = ct_from_floats(CT_SHAPE(2, 3), 1, 2, 3, 0, 0, 1);
        ct_tensor *y = ct_from_longs(CT_SHAPE(2), 2, 0);
        ct_tensor *want = ct_cross_entropy(logits, y, .weight = w, .label_smoothing = 0.1);
        CHECK(ct_equal(ct_loss_forward(ce, logits, y), want));
        ct_module *bce = ct_nn_bce_with_logits_loss(.pos_weight = ct_from_floats(CT_SHAPE(1), 2));
        CHECK(ct_module_get(bce, "pos_weight") != NULL);
        ct_module *kl = ct_nn_kl_div_loss(.reduction = CT_REDUCTION_BATCHMEAN);
        CHECK(kl != NULL);
        CHECK_FAILS(ct_nn_mse_loss(.reduction = CT_REDUCTION_BATCHMEAN), "is not a valid value for reduction");
        ct_module_free(mse);
        ct_module_free(lin);
        ct_module_free(ce);
        ct_module_free(bce);
        ct_module_free(kl);
    }
}

/* The notes' MLP with every kind of layer: forward, loss, backward, SGD step. */
TEST(training_loop_does_not_leak) {
    ct_manual_seed(0);
    ct_module *net = ct_nn_sequential(ct_nn_linear(8, 16), ct_nn_batch_norm1d(16), ct_nn_gelu(), ct_nn_dropout(0.1),
                                      ct_nn_layer_norm(CT_SHAPE(16)), ct_nn_linear(16, 4), ct_nn_log_softmax(1), NULL);
    ct_module *emb = ct_nn_embedding(10, 8);
    ct_module *crit = ct_nn_nll_loss();
    REQUIRE(net && emb && crit);
    long live = 0;
    double first = 0, last = 0;
    for (int step = 0; step < 30; step++) {
        CT_SCOPE {
            ct_tensor *idx = ct_randint(0, 10, CT_SHAPE(32));
            ct_tensor *y = ct_remainder_scalar(idx, 4);
            ct_tensor *loss = ct_loss_forward(crit, ct_forward(net, ct_forward(emb, idx)), y);
            ct_module_zero_grad(net, true);
            ct_module_zero_grad(emb, true);
            ct_backward(loss);
            ct_tensor_list ps = ct_parameters(net);
            CT_NO_GRAD {
                for (int i = 0; i < ps.n; i++) ct_sub_(ps.items[i], ct_mul_scalar(ct_grad_of(ps.items[i]), 0.1));
                ct_tensor *ew = ct_module_get(emb, "weight");
                ct_sub_(ew, ct_mul_scalar(ct_grad_of(ew), 0.1));
            }
            if (step == 0) first = ct_item(loss);
            last = ct_item(loss);
        }
        if (step == 2) live = ct_live_tensors();
        if (step > 2) CHECK_EQ_INT(ct_live_tensors(), live);
    }
    CHECK(last < first);
    ct_module_free(net);
    ct_module_free(emb);
    ct_module_free(crit);
}
