/*
 * tests/ops/test_functional.c - the nn functional ops beyond what the parity
 * suite (tests/parity/cases/functional.py, against live PyTorch) compares:
 * dropout's mask rate and 1/(1-p) scaling (statistical), eval mode as the
 * identity, channel-wise dropout, batch norm's buffers across modes, and the
 * argument errors.
 */
#include "test.h"

/* Fraction of zeros in t and the set of non-zero values (all must equal `scale`). */
static double zero_rate(ct_tensor *t, double scale, bool *only_scale) {
    int64_t n = ct_numel(t), zeros = 0;
    const float *p = ct_data_ptr(t);
    *only_scale = true;
    for (int64_t i = 0; i < n; i++) {
        if (p[i] == 0) zeros++;
        else if (p[i] != (float)scale) *only_scale = false;
    }
    return (double)zeros / (double)n;
}

TEST(dropout_mask_rate_and_scaling) {
    CT_SCOPE {
        ct_manual_seed(123);
        ct_tensor *x = ct_ones(CT_SHAPE(1000, 1000));
        const double ps[] = {0.1, 0.3, 0.5, 0.8};
        for (int k = 0; k < 4; k++) {
            double p = ps[k];
            bool only_scale;
            double rate = zero_rate(ct_dropout(x, p, true, NULL), 1.0f / (float)(1 - p), &only_scale);
            /* 1e6 Bernoulli draws: the standard deviation of the rate is below 5e-4; allow 6 sigma */
            CHECK_NEAR(rate, p, 3e-3);
            CHECK(only_scale);
        }
        /* the expectation is preserved */
        CHECK_NEAR(ct_item(ct_mean(ct_dropout(x, 0.4, true, NULL))), 1.0, 5e-3);
    }
}

TEST(dropout_edge_cases) {
    CT_SCOPE {
        ct_tensor *x = ct_randn(CT_SHAPE(20, 30));
        ct_tensor *same = ct_dropout(x, 0.5, false, NULL);
        CHECK(same == x); /* eval mode returns the input itself, like PyTorch */
        CHECK(ct_dropout(x, 0.0, true, NULL) == x);
        CHECK(ct_equal(ct_dropout(x, 1.0, true, NULL), ct_zeros(CT_SHAPE(20, 30))));
        CHECK_FAILS(ct_dropout(x, 1.5, true, NULL), "dropout probability has to be between 0 and 1, but got 1.5");
        CHECK_FAILS(ct_dropout(x, -0.1, false, NULL), "dropout probability has to be between 0 and 1, but got -0.1");
        /* in place writes into x and returns it */
        ct_tensor *y = ct_clone(x);
        CHECK(ct_dropout_(y, 0.5, true, NULL) == y);
        CHECK(ct_version(y) > 0);
        /* one generator, one seed: the same mask twice */
        ct_generator *g1 = ct_generator_new(5), *g2 = ct_generator_new(5);
        CHECK(ct_equal(ct_dropout(x, 0.3, true, g1), ct_dropout(x, 0.3, true, g2)));
        ct_generator_free(g1);
        ct_generator_free(g2);
    }
}

TEST(dropout2d_drops_whole_channels) {
    CT_SCOPE {
        ct_manual_seed(7);
        ct_tensor *x = ct_ones(CT_SHAPE(64, 32, 5, 5));
        ct_tensor *y = ct_dropout2d(x, 0.25, true, NULL);
        /* every (n, c) plane is all zeros or all 1/(1-p) */
        ct_tensor *mx = ct_amax(y, CT_DIMS(2, 3), false), *mn = ct_amin(y, CT_DIMS(2, 3), false);
        CHECK(ct_equal(mx, mn));
        bool only_scale;
        double rate = zero_rate(ct_contiguous(mx), 1.0f / 0.75f, &only_scale);
        CHECK(only_scale);
        CHECK_NEAR(rate, 0.25, 0.04); /* 2048 channels: sigma ~ 0.01 */
        CHECK_FAILS(ct_dropout2d(ct_ones(CT_SHAPE(4)), 0.5, true, NULL), "Feature dropout requires at least 2 dimensions");
    }
}

TEST(batch_norm_buffers) {
    CT_SCOPE {
        /* x = [[1, 2], [3, 6]]: batch mean (2, 4), biased var (1, 4), unbiased var (2, 8) */
        ct_tensor *x = ct_from_floats(CT_SHAPE(2, 2), 1, 2, 3, 6);
        ct_tensor *rm = ct_zeros(CT_SHAPE(2)), *rv = ct_ones(CT_SHAPE(2));
        ct_tensor *y = ct_batch_norm(x, rm, rv, NULL, NULL, true, 0.1, 0.0);
        CHECK_VALUES(y, 1e-6, -1, -1, 1, 1);
        CHECK_VALUES(rm, 1e-6, 0.2, 0.4);
        CHECK_VALUES(rv, 1e-6, 0.9 + 0.2, 0.9 + 0.8);
        CHECK(ct_version(rm) > 0);
        /* eval: running statistics, buffers unchanged */
        ct_tensor *e = ct_batch_norm(x, rm, rv, NULL, NULL, false, 0.1, 0.0);
        CHECK_VALUES(e, 1e-5, (1 - 0.2) / sqrt(1.1), (2 - 0.4) / sqrt(1.7), (3 - 0.2) / sqrt(1.1),
                     (6 - 0.4) / sqrt(1.7));
        CHECK_VALUES(rm, 1e-6, 0.2, 0.4);
        /* buffers never join the graph */
        ct_tensor *xr = ct_requires_grad_(ct_clone(x), true);
        ct_tensor *yr = ct_batch_norm(xr, rm, rv, NULL, NULL, true, 0.1, 1e-5);
        CHECK_STR(ct_grad_fn_name(yr), "NativeBatchNormBackward0");
        CHECK(!ct_requires_grad(rm));
        CHECK_FAILS(ct_batch_norm(ct_ones(CT_SHAPE(1, 3)), NULL, NULL, NULL, NULL, true, 0.1, 1e-5),
                    "Expected more than 1 value per channel when training, got input size [1, 3]");
        CHECK_FAILS(ct_batch_norm(x, NULL, NULL, NULL, NULL, false, 0.1, 1e-5), "running_mean must be defined in evaluation mode");
        CHECK_FAILS(ct_batch_norm(x, NULL, NULL, ct_ones(CT_SHAPE(2), .dtype = CT_F64), NULL, true, 0.1, 1e-5),
                    "mixed dtype (CPU): expect parameter to have scalar type of Float");
    }
}

TEST(functional_argument_errors) {
    CT_SCOPE {
        ct_tensor *x = ct_randn(CT_SHAPE(3, 4));
        CHECK_FAILS(ct_gelu_str(x, "fast"), "approximate argument must be either none or tanh.");
        CHECK_FAILS(ct_silu(ct_ones(CT_SHAPE(2), .dtype = CT_I64)), "\"silu_cpu\" not implemented for 'Long'");
        CHECK_FAILS(ct_softmax(x, 2), "Dimension out of range");
        CHECK_FAILS(ct_linear(x, ct_randn(CT_SHAPE(5, 3)), NULL), "mat1 and mat2 shapes cannot be multiplied (3x4 and 3x5)");
        CHECK_FAILS(ct_linear(x, NULL, NULL), "weight");
        CHECK_FAILS(ct_layer_norm(x, CT_SHAPE(3), NULL, NULL, 1e-5),
                    "Given normalized_shape=[3], expected input with shape [*, 3], but got input of size[3, 4]");
        ct_tensor *w = ct_randn(CT_SHAPE(5, 2));
        CHECK_FAILS(ct_embedding(ct_from_longs(CT_SHAPE(2), 1, 5), w, CT_NO_PADDING), "index out of range in self");
        CHECK_FAILS(ct_embedding(ct_from_longs(CT_SHAPE(1), 1), w, 5), "Padding_idx must be within num_embeddings");
        CHECK_SHAPE(ct_embedding(ct_from_ints(CT_SHAPE(2, 3), 0, 1, 2, 3, 4, 0), w, -1), 2, 3, 2);
        CHECK(ct_softmax(NULL, 0) == NULL);
        ct_clear_error();
    }
}
