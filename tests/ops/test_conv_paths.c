/*
 * tests/ops/test_conv_paths.c - the convolution ops give the same values and
 * gradients (first and second order, and from a plain backward, which takes
 * the weight and bias gradients in one kernel call) with oneDNN on and off: conv2d with
 * bias, strides, padding modes, "same", groups, dilation; conv1d;
 * conv_transpose2d with output padding; non-contiguous and unbatched
 * inputs. The kernels themselves are compared one layer down
 * (tests/kernels/test_dnnl_conv.c). Skipped where oneDNN is not available.
 */
#include <stdio.h>

#include "../../src/kernels/dnnl.h"
#include "test.h"

typedef enum { OP_CONV2D, OP_CONV2D_NCHW_VIEW, OP_CONV1D, OP_CONV_T2D } op_kind;

typedef struct {
    const char *name;
    op_kind op;
    int64_t x[4], w[4]; /* shapes; a 0 ends a shorter one */
    int64_t stride, pad, dil, groups, out_pad;
    const char *padding_str;
    ct_padding_mode mode;
    bool bias;
} conv_case;

static const conv_case cases[] = {
    {"3x3 pad 1 bias", OP_CONV2D, {2, 16, 9, 9}, {32, 16, 3, 3}, 1, 1, 1, 1, 0, NULL, CT_PADDING_ZEROS, true},
    {"stride 2 groups 2", OP_CONV2D, {1, 4, 8, 7}, {6, 2, 3, 2}, 2, 1, 1, 2, 0, NULL, CT_PADDING_ZEROS, true},
    {"dilated depthwise", OP_CONV2D, {3, 5, 10, 11}, {5, 1, 3, 3}, 1, 2, 2, 5, 0, NULL, CT_PADDING_ZEROS, false},
    {"same even kernel", OP_CONV2D, {2, 3, 6, 5}, {4, 3, 2, 4}, 1, 0, 1, 1, 0, "same", CT_PADDING_ZEROS, true},
    {"reflect padding", OP_CONV2D, {2, 3, 6, 6}, {4, 3, 3, 3}, 1, 1, 1, 1, 0, NULL, CT_PADDING_REFLECT, true},
    {"circular stride 3", OP_CONV2D, {1, 2, 7, 7}, {3, 2, 3, 3}, 3, 1, 1, 1, 0, NULL, CT_PADDING_CIRCULAR, false},
    {"unbatched", OP_CONV2D, {3, 5, 5, 0}, {2, 3, 3, 3}, 1, 1, 1, 1, 0, NULL, CT_PADDING_ZEROS, true},
    {"channels-last input", OP_CONV2D_NCHW_VIEW, {2, 17, 6, 6}, {16, 17, 3, 3}, 1, 1, 1, 1, 0, NULL,
     CT_PADDING_ZEROS, true},
    {"conv1d", OP_CONV1D, {2, 3, 17, 0}, {4, 3, 5, 0}, 2, 2, 1, 1, 0, NULL, CT_PADDING_ZEROS, true},
    {"transpose out_pad", OP_CONV_T2D, {2, 4, 5, 4}, {4, 3, 3, 3}, 2, 0, 1, 1, 1, NULL, CT_PADDING_ZEROS, true},
    {"transpose groups", OP_CONV_T2D, {1, 4, 3, 3}, {4, 2, 2, 3}, 3, 1, 2, 2, 2, NULL, CT_PADDING_ZEROS, false},
};

static int64_t ndims(const int64_t *s) {
    int n = 0;
    while (n < 4 && s[n]) n++;
    return n;
}

static ct_shape shape_of(const int64_t *s) {
    ct_shape r = {.ndim = (int)ndims(s)};
    for (int i = 0; i < r.ndim; i++) r.d[i] = s[i];
    return r;
}

static ct_tensor *run_op(const conv_case *c, ct_tensor *x, ct_tensor *w, ct_tensor *b) {
    switch (c->op) {
    case OP_CONV2D:
    case OP_CONV2D_NCHW_VIEW:
        return ct_conv2d(x, w, b, .stride = CT_DIMS(c->stride), .padding = CT_DIMS(c->pad),
                         .dilation = CT_DIMS(c->dil), .groups = c->groups, .padding_str = c->padding_str,
                         .padding_mode = c->mode);
    case OP_CONV1D:
        return ct_conv1d(x, w, b, .stride = CT_DIMS(c->stride), .padding = CT_DIMS(c->pad),
                         .dilation = CT_DIMS(c->dil), .groups = c->groups);
    case OP_CONV_T2D:
        return ct_conv_transpose2d(x, w, b, .stride = CT_DIMS(c->stride), .padding = CT_DIMS(c->pad),
                                   .dilation = CT_DIMS(c->dil), .groups = c->groups,
                                   .output_padding = CT_DIMS(c->out_pad));
    }
    return NULL;
}

#define NOUT 9

/*
 * y, the first-order gradients of sum(y * gy) with respect to (x, w, b), the
 * gradients of the sum of their squares (second order), and the gradients
 * of w and b again from a plain backward (not recorded: the kernels then
 * take both in one pass): NOUT tensors into out.
 */
static void values_and_grads(const conv_case *c, ct_tensor *x0, ct_tensor *w, ct_tensor *b, ct_tensor *out[NOUT]) {
    ct_tensor *x = x0;
    if (c->op == OP_CONV2D_NCHW_VIEW) /* the same values, stored NHWC: a non-contiguous NCHW view */
        x = ct_permute(ct_contiguous(ct_permute(x0, CT_DIMS(0, 2, 3, 1))), CT_DIMS(0, 3, 1, 2));
    ct_tensor *y = run_op(c, x, w, b);
    ct_manual_seed(7);
    ct_tensor *gy = ct_randn_like(y);
    ct_tensor *g[3] = {NULL, NULL, NULL};
    ct_tensor *wrt[3] = {x0, w, b};
    ct_grad(CT_TENSORS(ct_sum(ct_mul(y, gy))), wrt, b ? 3 : 2, g, .create_graph = true);
    ct_tensor *s = ct_add(ct_sum(ct_mul(g[0], g[0])), ct_sum(ct_mul(g[1], g[1])));
    ct_tensor *h[3] = {NULL, NULL, NULL};
    ct_grad(CT_TENSORS(s), CT_TENSORS(x0, w, gy), h, .allow_unused = true);
    ct_clear_grad(w);
    if (b) ct_clear_grad(b);
    ct_backward(ct_sum(ct_mul(run_op(c, x, w, b), gy)));
    ct_tensor *all[NOUT] = {y, g[0], g[1], b ? g[2] : NULL, h[0], h[1], h[2],
                            ct_grad_of(w), b ? ct_grad_of(b) : NULL};
    for (int i = 0; i < NOUT; i++) out[i] = all[i] ? ct_detach(all[i]) : NULL;
}

TEST(conv_ops_agree_with_and_without_dnnl) {
    if (!ct__dnnl_enabled()) {
        fprintf(stderr, "  (oneDNN not available: nothing to compare)\n");
        return;
    }
    static const char *what[NOUT] = {"y", "grad x", "grad w", "grad b", "2nd x",
                                     "2nd w", "2nd gy", "w.grad", "b.grad"};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        const conv_case *c = &cases[k];
        CT_SCOPE {
            ct_manual_seed((uint64_t)k);
            ct_tensor *x = ct_randn(shape_of(c->x), .requires_grad = true);
            ct_tensor *w = ct_randn(shape_of(c->w), .requires_grad = true);
            int64_t nb = c->op == OP_CONV_T2D ? c->w[1] * c->groups : c->w[0];
            ct_tensor *b = c->bias ? ct_randn(CT_SHAPE(nb), .requires_grad = true) : NULL;
            ct_tensor *on[NOUT], *off[NOUT];
            values_and_grads(c, x, w, b, on);
            ct__dnnl_set_enabled(false);
            values_and_grads(c, x, w, b, off);
            ct__dnnl_set_enabled(true);
            for (int i = 0; i < NOUT; i++) {
                bool same = (on[i] == NULL) == (off[i] == NULL) &&
                            (!on[i] || ct_allclose(on[i], off[i], 1e-4, 1e-4, false));
                if (!same) fprintf(stderr, "  %s: %s differs\n", c->name, what[i]);
                CHECK(same);
            }
            /* the plain backward's w.grad and b.grad equal the recorded ones */
            CHECK(ct_allclose(on[7], on[2], 1e-4, 1e-4, false));
            CHECK(!b || ct_allclose(on[8], on[3], 1e-4, 1e-4, false));
        }
    }
}
