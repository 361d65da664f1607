/*
 * tests/nn/test_cnn_layers.c - the CNN modules of ctorch/cnn_layers.h:
 * print() strings, parameter names and shapes, the default init bit for bit
 * against PyTorch 1.13 (tests/fixtures/models_cases.py), construction errors
 * in PyTorch's words, and the multi-output forwards. Their numbers, forward
 * and backward, are compared with PyTorch in tests/parity/cases/cnn.py.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../fixtures/models_cases.h"
#include "test.h"

TEST(layers_print_like_pytorch) {
    ct_module *mods[] = {
        ct_nn_conv2d(1, 32, CT_DIMS(3), .padding = CT_DIMS(1)),
        ct_nn_conv2d(4, 8, CT_DIMS(3, 5), .stride = CT_DIMS(2), .padding_str = "valid", .dilation = CT_DIMS(1, 2),
                     .groups = 2, .no_bias = true, .padding_mode = CT_PADDING_REFLECT),
        ct_nn_conv2d(4, 4, CT_DIMS(3), .padding_str = "same"),
        ct_nn_conv2d(3, 6, CT_DIMS(2, 4), .stride = CT_DIMS(1, 2), .padding = CT_DIMS(0, 1),
                     .padding_mode = CT_PADDING_CIRCULAR),
        ct_nn_conv2d(8, 8, CT_DIMS(3), .padding = CT_DIMS(2), .dilation = CT_DIMS(2), .groups = 8,
                     .padding_mode = CT_PADDING_REPLICATE),
        ct_nn_conv1d(2, 4, CT_DIMS(3)),
        ct_nn_conv1d(2, 4, CT_DIMS(3), .stride = CT_DIMS(2), .padding = CT_DIMS(1), .no_bias = true),
        ct_nn_conv_transpose2d(4, 6, CT_DIMS(3), .stride = CT_DIMS(2), .output_padding = CT_DIMS(1), .groups = 2,
                               .dilation = CT_DIMS(2)),
        ct_nn_conv_transpose2d(3, 2, CT_DIMS(2, 3), .padding = CT_DIMS(1, 0), .no_bias = true),
        ct_nn_max_pool2d(CT_DIMS(2)),
        ct_nn_max_pool2d(CT_DIMS(3, 2), .stride = CT_DIMS(1), .return_indices = true),
        ct_nn_max_pool2d(CT_DIMS(3), .stride = CT_DIMS(2), .padding = CT_DIMS(1), .dilation = CT_DIMS(2),
                         .ceil_mode = true),
        ct_nn_max_unpool2d(CT_DIMS(2), CT_SHAPE0, CT_SHAPE0),
        ct_nn_max_unpool2d(CT_DIMS(3, 2), CT_DIMS(1), CT_DIMS(1)),
        ct_nn_avg_pool2d(CT_DIMS(2)),
        ct_nn_avg_pool2d(CT_DIMS(3), .stride = CT_DIMS(2), .padding = CT_DIMS(1), .ceil_mode = true,
                         .exclude_pad = true, .divisor_override = 3),
        ct_nn_adaptive_avg_pool2d(CT_DIMS(7, 7)),
        ct_nn_adaptive_avg_pool2d(CT_DIMS(7)),
        ct_nn_adaptive_avg_pool2d(CT_DIMS(-1, 3)),
        ct_nn_adaptive_max_pool2d(CT_DIMS(4), true),
        ct_nn_upsample(.scale_factor = {2}),
        ct_nn_upsample(.size = CT_DIMS(4, 5), .mode = CT_INTERP_BILINEAR, .align_corners = true),
        ct_nn_upsample(.scale_factor = {2, 1.5}),
        ct_nn_upsample(.size = CT_DIMS(4)),
        ct_nn_pixel_shuffle(2),
        ct_nn_group_norm(2, 4),
        ct_nn_group_norm(3, 6, .eps = 1e-3, .no_affine = true),
    };
    int n = (int)(sizeof mods / sizeof mods[0]);
    CHECK_EQ_INT(n, (int)(sizeof LAYER_REPRS / sizeof LAYER_REPRS[0]));
    for (int i = 0; i < n; i++) {
        char *s = mods[i] ? ct_module_to_string(mods[i]) : NULL;
        CHECK_STR(s, LAYER_REPRS[i]);
        free(s);
        ct_module_free(mods[i]);
    }
}

/* Every value of t (float32) equals want exactly. */
static void check_exact(ct_tensor *t, const double *want) {
    REQUIRE(t);
    const float *d = ct_data_ptr(t);
    for (int64_t i = 0; i < ct_numel(t); i++)
        if ((double)d[i] != want[i]) {
            ct_test_fail(__FILE__, __LINE__, "value %lld is %.9g, PyTorch's is %.9g", (long long)i, d[i], want[i]);
            return;
        }
}

TEST(default_init_is_pytorch_s_bit_for_bit) {
    ct_manual_seed(0);
    ct_module *c2 = ct_nn_conv2d(3, 4, CT_DIMS(3));
    ct_module *c1 = ct_nn_conv1d(2, 3, CT_DIMS(5), .no_bias = true);
    ct_module *ct2 = ct_nn_conv_transpose2d(4, 6, CT_DIMS(2, 3), .groups = 2);
    ct_module *cg = ct_nn_conv2d(4, 6, CT_DIMS(1, 2), .groups = 2);
    REQUIRE(c2 && c1 && ct2 && cg);
    CHECK_SHAPE(ct_module_get(c2, "weight"), 4, 3, 3, 3);
    CHECK_SHAPE(ct_module_get(c2, "bias"), 4);
    CHECK_SHAPE(ct_module_get(c1, "weight"), 3, 2, 5);
    CHECK(ct_module_get(c1, "bias") == NULL);
    CHECK_SHAPE(ct_module_get(ct2, "weight"), 4, 3, 2, 3);
    CHECK_SHAPE(ct_module_get(ct2, "bias"), 6);
    CHECK_SHAPE(ct_module_get(cg, "weight"), 6, 2, 1, 2);
    check_exact(ct_module_get(c2, "weight"), init_conv2d_weight);
    check_exact(ct_module_get(c2, "bias"), init_conv2d_bias);
    check_exact(ct_module_get(c1, "weight"), init_conv1d_weight);
    check_exact(ct_module_get(ct2, "weight"), init_conv_t2d_weight);
    check_exact(ct_module_get(ct2, "bias"), init_conv_t2d_bias);
    check_exact(ct_module_get(cg, "weight"), init_conv2d_g_weight);
    check_exact(ct_module_get(cg, "bias"), init_conv2d_g_bias);
    CHECK(ct_requires_grad(ct_module_get(c2, "weight")));
    ct_module_free(c2);
    ct_module_free(c1);
    ct_module_free(ct2);
    ct_module_free(cg);

    ct_module *gn = ct_nn_group_norm(2, 6);
    REQUIRE(gn);
    const ct_named_tensor *ps;
    CHECK_EQ_INT(ct_named_parameters(gn, &ps), 2);
    CHECK_STR(ps[0].name, "weight");
    CHECK_STR(ps[1].name, "bias");
    CT_SCOPE { CHECK_NEAR(ct_item(ct_sum(ps[0].tensor)), 6, 0); }
    ct_module_free(gn);
}

TEST(construction_errors_use_pytorch_s_words) {
    CHECK_FAILS(ct_nn_conv2d(3, 4, CT_DIMS(3), .groups = 2), "in_channels must be divisible by groups");
    CHECK_FAILS(ct_nn_conv2d(4, 3, CT_DIMS(3), .groups = 2), "out_channels must be divisible by groups");
    CHECK_FAILS(ct_nn_conv2d(4, 4, CT_DIMS(3), .groups = -1), "groups must be a positive integer");
    CHECK_FAILS(ct_nn_conv2d(1, 1, CT_DIMS(3), .padding_str = "foo"),
                "Invalid padding string 'foo', should be one of {'same', 'valid'}");
    CHECK_FAILS(ct_nn_conv2d(1, 1, CT_DIMS(3), .stride = CT_DIMS(2), .padding_str = "same"),
                "padding='same' is not supported for strided convolutions");
    CHECK_FAILS(ct_nn_conv2d(1, 1, CT_DIMS(3, 3, 3)), "kernel_size must be an int or a tuple of 2 ints");
    CHECK_FAILS(ct_nn_conv2d(1, 1), "missing 1 required positional argument: 'kernel_size'");
    CHECK_FAILS(ct_nn_conv_transpose2d(1, 1, CT_DIMS(3), .padding_mode = CT_PADDING_REFLECT),
                "Only \"zeros\" padding mode is supported for ConvTranspose2d");
    CHECK_FAILS(ct_nn_max_pool2d(.stride = CT_DIMS(2)), "missing 1 required positional argument: 'kernel_size'");
    CHECK_FAILS(ct_nn_group_norm(4, 6), "num_channels must be divisible by num_groups");
    CHECK_FAILS(ct_nn_upsample(.size = CT_DIMS(4), .scale_factor = {2}),
                "only one of size or scale_factor should be defined");
    CHECK_FAILS(ct_nn_upsample(.mode = CT_INTERP_BILINEAR), "only one of size or scale_factor should be defined");
}

TEST(pooling_with_indices_and_unpooling) {
    CT_SCOPE {
        ct_tensor *x = ct_reshape(ct_arange(0, 32, 1), CT_SHAPE(1, 2, 4, 4));
        x = ct_to_dtype(x, CT_F32);
        ct_module *pool = ct_nn_max_pool2d(CT_DIMS(2), .return_indices = true);
        ct_module *unpool = ct_nn_max_unpool2d(CT_DIMS(2), CT_SHAPE0, CT_SHAPE0);
        REQUIRE(pool && unpool);
        ct_tensor *idx = NULL;
        ct_tensor *y = ct_nn_forward_with_indices(pool, x, &idx);
        CHECK_SHAPE(y, 1, 2, 2, 2);
        CHECK_VALUES(y, 0, 5, 7, 13, 15, 21, 23, 29, 31);
        CHECK_VALUES(idx, 0, 5, 7, 13, 15, 5, 7, 13, 15);
        ct_free(idx);
        ct_tensor *plain = ct_forward(pool, x); /* ct_forward gives the output alone */
        CHECK(ct_allclose(plain, y, 0, 0, false));
        ct_tensor *u = ct_nn_max_unpool2d_forward(unpool, y, NULL, CT_SHAPE0);
        CHECK(u == NULL); /* NULL indices: an error, not a crash */
        ct_clear_error();
        ct_tensor *i2 = NULL;
        ct_free(ct_nn_forward_with_indices(pool, x, &i2));
        u = ct_nn_max_unpool2d_forward(unpool, y, i2, CT_SHAPE0);
        ct_free(i2);
        CHECK_SHAPE(u, 1, 2, 4, 4);
        CT_SCOPE { CHECK_NEAR(ct_item(ct_sum(u)), 5 + 7 + 13 + 15 + 21 + 23 + 29 + 31, 0); }
        CHECK_FAILS(ct_forward(unpool, y), "MaxUnpool2d takes the indices too");
        ct_module *avg = ct_nn_avg_pool2d(CT_DIMS(2));
        ct_tensor *ignored = NULL;
        CHECK_FAILS(ct_nn_forward_with_indices(avg, x, &ignored), "AvgPool2d does not return indices");
        ct_module *amax = ct_nn_adaptive_max_pool2d(CT_DIMS(1), true);
        ct_tensor *ai = NULL;
        ct_tensor *am = ct_nn_forward_with_indices(amax, x, &ai);
        CHECK_VALUES(am, 0, 15, 31);
        CHECK_VALUES(ai, 0, 15, 15);
        ct_free(ai);
        ct_module_free(pool);
        ct_module_free(unpool);
        ct_module_free(avg);
        ct_module_free(amax);
    }
}

TEST(modules_in_a_small_cnn) {
    ct_manual_seed(3);
    ct_module *net = ct_nn_sequential(ct_nn_conv2d(1, 4, CT_DIMS(3), .padding = CT_DIMS(1)), ct_nn_group_norm(2, 4),
                                      ct_nn_relu(.inplace = true), ct_nn_max_pool2d(CT_DIMS(2)),
                                      ct_nn_upsample(.scale_factor = {2}, .mode = CT_INTERP_BILINEAR),
                                      ct_nn_conv2d(4, 8, CT_DIMS(3), .padding_str = "same"), ct_nn_pixel_shuffle(2),
                                      ct_nn_adaptive_avg_pool2d(CT_DIMS(1)), ct_nn_flatten(), NULL);
    REQUIRE(net);
    CT_SCOPE {
        ct_tensor *y = ct_forward(net, ct_randn(CT_SHAPE(3, 1, 6, 6)));
        CHECK_SHAPE(y, 3, 2);
        REQUIRE(y);
        CHECK(ct_backward(ct_sum(y)) == 0);
        ct_tensor *g = ct_grad_of(ct_module_get(ct_module_list_get(net, 0), "weight"));
        CHECK_SHAPE(g, 4, 1, 3, 3);
    }
    ct_module_free(net);
}
