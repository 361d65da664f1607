/*
 * tests/autograd/test_conv_grad.c - gradients of include/ctorch/conv.h:
 * gradcheck in float64 for every op (first order), second order for
 * conv2d, conv_transpose2d, avg_pool2d and bilinear interpolation, PyTorch's
 * node names, and a forward+backward loop whose live-tensor count stays flat.
 */
#include "test.h"

/* A float64 leaf of the given shape, uniform in [-1, 1) from a fixed generator. */
static ct_tensor *leaf(ct_generator *g, ct_shape s) {
    ct_tensor *x = ct_uniform_(ct_empty(s, .dtype = CT_F64), -1.0, 1.0, g);
    ct_requires_grad_(x, true);
    return x;
}

typedef enum {
    OP_CONV2D, OP_CONV2D_GROUPS, OP_CONV2D_REFLECT, OP_CONV2D_SAME, OP_CONV1D, OP_CONVT, OP_MAXPOOL,
    OP_AVGPOOL, OP_AVGPOOL_EXCL, OP_ADA_AVG, OP_ADA_MAX, OP_NEAREST, OP_BILINEAR, OP_UNPOOL, OP_SHUFFLE,
    OP_GROUPNORM
} op_id;

static ct_tensor *apply(ct_tensor *const *in, int n, void *ctx) {
    (void)n;
    switch (*(op_id *)ctx) {
    case OP_CONV2D: return ct_conv2d(in[0], in[1], in[2], .stride = CT_DIMS(2, 1), .padding = CT_DIMS(1), .dilation = CT_DIMS(1, 2));
    case OP_CONV2D_GROUPS: return ct_conv2d(in[0], in[1], NULL, .padding = CT_DIMS(1), .groups = 2);
    case OP_CONV2D_REFLECT: return ct_conv2d(in[0], in[1], in[2], .padding = CT_DIMS(1), .padding_mode = CT_PADDING_REFLECT);
    case OP_CONV2D_SAME: return ct_conv2d(in[0], in[1], NULL, .padding_str = "same", .padding_mode = CT_PADDING_CIRCULAR);
    case OP_CONV1D: return ct_conv1d(in[0], in[1], in[2], .stride = CT_DIMS(2), .padding = CT_DIMS(1));
    case OP_CONVT: return ct_conv_transpose2d(in[0], in[1], in[2], .stride = CT_DIMS(2), .padding = CT_DIMS(1), .output_padding = CT_DIMS(1));
    case OP_MAXPOOL: return ct_max_pool2d(in[0], CT_DIMS(3, 2), .stride = CT_DIMS(2, 1), .padding = CT_DIMS(1), .ceil_mode = true);
    case OP_AVGPOOL: return ct_avg_pool2d(in[0], CT_DIMS(3), .stride = CT_DIMS(2), .padding = CT_DIMS(1), .ceil_mode = true);
    case OP_AVGPOOL_EXCL: return ct_avg_pool2d(in[0], CT_DIMS(2, 3), .padding = CT_DIMS(1), .exclude_pad = true);
    case OP_ADA_AVG: return ct_adaptive_avg_pool2d(in[0], CT_DIMS(3, 2));
    case OP_ADA_MAX: return ct_adaptive_max_pool2d(in[0], CT_DIMS(2, 3), NULL);
    case OP_NEAREST: return ct_interpolate(in[0], .size = CT_DIMS(7, 3));
    case OP_BILINEAR: return ct_interpolate(in[0], .scale_factor = {1.5, 0.8}, .mode = CT_INTERP_BILINEAR);
    case OP_UNPOOL: {
        ct_tensor *idx = ct_from_longs(CT_SHAPE(1, 2, 2, 2), 0, 3, 10, 15, 1, 6, 8, 14);
        ct_tensor *y = ct_max_unpool2d(in[0], idx, CT_DIMS(2), CT_SHAPE0, CT_SHAPE0, CT_SHAPE0);
        ct_free(idx);
        return y;
    }
    case OP_SHUFFLE: return ct_pixel_shuffle(in[0], 2);
    case OP_GROUPNORM: return ct_group_norm(in[0], 2, in[1], in[2], 1e-5);
    }
    return NULL;
}

static void check(op_id op, ct_tensor *const *ins, int n, bool second) {
    int rc = ct_gradcheck(apply, &op, ins, n, .second_order = second);
    if (rc != 0) ct_test_fail(__FILE__, __LINE__, "gradcheck of op %d failed: %s", (int)op, ct_last_error());
}

TEST(conv_gradcheck) {
    CT_SCOPE {
        ct_generator *g = ct_generator_new(7);
        ct_tensor *x = leaf(g, CT_SHAPE(2, 2, 4, 4)), *w = leaf(g, CT_SHAPE(2, 2, 2, 3)), *b = leaf(g, CT_SHAPE(2));
        check(OP_CONV2D, (ct_tensor *[]){x, w, b}, 3, true);
        ct_tensor *w2 = leaf(g, CT_SHAPE(4, 1, 3, 3));
        check(OP_CONV2D_GROUPS, (ct_tensor *[]){x, w2}, 2, true);
        ct_tensor *w3 = leaf(g, CT_SHAPE(2, 2, 3, 3));
        check(OP_CONV2D_REFLECT, (ct_tensor *[]){x, w3, b}, 3, false);
        check(OP_CONV2D_SAME, (ct_tensor *[]){x, leaf(g, CT_SHAPE(2, 2, 2, 2))}, 2, false);
        check(OP_CONV1D, (ct_tensor *[]){leaf(g, CT_SHAPE(2, 2, 7)), leaf(g, CT_SHAPE(2, 2, 3)), b}, 3, false);
        check(OP_CONVT, (ct_tensor *[]){leaf(g, CT_SHAPE(1, 2, 3, 3)), leaf(g, CT_SHAPE(2, 2, 3, 2)), b}, 3, true);
        ct_generator_free(g);
    }
}

TEST(pool_gradcheck) {
    CT_SCOPE {
        ct_generator *g = ct_generator_new(8);
        ct_tensor *x = leaf(g, CT_SHAPE(2, 1, 5, 6));
        check(OP_MAXPOOL, &x, 1, false);
        check(OP_AVGPOOL, &x, 1, true);
        check(OP_AVGPOOL_EXCL, &x, 1, false);
        check(OP_ADA_AVG, &x, 1, true);
        check(OP_ADA_MAX, &x, 1, false);
        check(OP_NEAREST, &x, 1, false);
        check(OP_BILINEAR, &x, 1, true);
        ct_tensor *u = leaf(g, CT_SHAPE(1, 2, 2, 2));
        check(OP_UNPOOL, &u, 1, false);
        ct_tensor *s = leaf(g, CT_SHAPE(2, 8, 2, 3));
        check(OP_SHUFFLE, &s, 1, false);
        ct_tensor *gn[3] = {leaf(g, CT_SHAPE(2, 4, 3)), leaf(g, CT_SHAPE(4)), leaf(g, CT_SHAPE(4))};
        check(OP_GROUPNORM, gn, 3, false);
        ct_generator_free(g);
    }
}

TEST(node_names) {
    CT_SCOPE {
        ct_tensor *x = ct_randn(CT_SHAPE(1, 2, 6, 6), .requires_grad = true);
        ct_tensor *w = ct_randn(CT_SHAPE(3, 2, 3, 3), .requires_grad = true);
        CHECK_STR(ct_grad_fn_name(ct_conv2d(x, w)), "ConvolutionBackward0");
        CHECK_STR(ct_grad_fn_name(ct_conv_transpose2d(ct_randn(CT_SHAPE(1, 3, 4, 4)), w)), "ConvolutionBackward0");
        CHECK_STR(ct_grad_fn_name(ct_max_pool2d(x, CT_DIMS(2))), "MaxPool2DWithIndicesBackward0");
        CHECK_STR(ct_grad_fn_name(ct_avg_pool2d(x, CT_DIMS(2))), "AvgPool2DBackward0");
        CHECK_STR(ct_grad_fn_name(ct_adaptive_avg_pool2d(x, CT_DIMS(2))), "AdaptiveAvgPool2DBackward0");
        CHECK_STR(ct_grad_fn_name(ct_adaptive_max_pool2d(x, CT_DIMS(2), NULL)), "AdaptiveMaxPool2DBackward0");
        CHECK_STR(ct_grad_fn_name(ct_interpolate(x, .size = CT_DIMS(9))), "UpsampleNearest2DBackward0");
        CHECK_STR(ct_grad_fn_name(ct_interpolate(x, .size = CT_DIMS(9), .mode = CT_INTERP_BILINEAR)),
                  "UpsampleBilinear2DBackward0");
        ct_free(x);
        ct_free(w);
    }
}

/* A small CNN step (conv, relu, max pool, conv, avg pool, backward) many times: no tensor may pile up. */
TEST(training_loop_is_flat) {
    ct_tensor *x = ct_randn(CT_SHAPE(4, 1, 12, 12));
    ct_tensor *w1 = ct_randn(CT_SHAPE(4, 1, 3, 3), .requires_grad = true), *b1 = ct_randn(CT_SHAPE(4), .requires_grad = true);
    ct_tensor *w2 = ct_randn(CT_SHAPE(6, 4, 3, 3), .requires_grad = true);
    long live = 0;
    for (int it = 0; it < 6; it++) {
        CT_SCOPE {
            ct_tensor *h = ct_relu(ct_conv2d(x, w1, b1, .padding = CT_DIMS(1)));
            h = ct_max_pool2d(h, CT_DIMS(2));
            h = ct_conv2d(h, w2, NULL, .stride = CT_DIMS(2));
            h = ct_adaptive_avg_pool2d(h, CT_DIMS(1));
            CHECK_EQ_INT(ct_backward(ct_sum(h)), 0);
        }
        if (it == 1) live = ct_live_tensors();
        if (it > 1) CHECK_EQ_INT(ct_live_tensors(), live);
    }
    ct_free(x);
    ct_free(w1);
    ct_free(b1);
    ct_free(w2);
}
