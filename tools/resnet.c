/*
 * tools/resnet.c - ResNet-18 (He et al. 2015) as torchvision builds it:
 * the same module names (conv1, bn1, layer1.0.conv1, ..., fc) and parameter
 * shapes, so its state dict lines up with torchvision.models.resnet18's.
 */
#include "cli.h"

/* torchvision's BasicBlock: conv-bn-relu-conv-bn, plus the input (downsampled when needed), then relu. */
typedef struct basic_block {
    ct_module base;
    ct_module *conv1, *bn1, *conv2, *bn2, *downsample;
} basic_block;

static ct_tensor *block_forward(ct_module *m, ct_tensor *x) {
    basic_block *b = (basic_block *)m;
    ct_tensor *out = NULL;
    CT_SCOPE {
        ct_tensor *h = ct_relu(ct_forward(b->bn1, ct_forward(b->conv1, x)));
        h = ct_forward(b->bn2, ct_forward(b->conv2, h));
        ct_tensor *identity = b->downsample ? ct_forward(b->downsample, x) : x;
        out = ct_keep(ct_relu(ct_add(h, identity)));
    }
    return out;
}

static const ct_module_type block_type = {.name = "BasicBlock", .forward = block_forward};

/* Conv weights: kaiming_normal_(mode='fan_out', nonlinearity='relu'), as torchvision's ResNet. */
static ct_module *conv(int64_t in, int64_t out, int64_t k, int64_t stride) {
    ct_module *c = ct_nn_conv2d(in, out, CT_DIMS(k), .stride = CT_DIMS(stride),
                                .padding = CT_DIMS(k / 2), .no_bias = true);
    if (c && !ct_init_kaiming_normal_(ct_module_get(c, "weight"), .mode = CT_FAN_OUT,
                                      .nonlinearity = "relu")) {
        ct_module_free(c);
        return NULL;
    }
    return c;
}

static ct_module *block_new(int64_t in, int64_t out, int64_t stride) {
    basic_block *b = (basic_block *)ct_module_new(&block_type, sizeof(basic_block));
    if (!b) return NULL;
    ct_module *m = &b->base;
    b->conv1 = ct_module_add(m, "conv1", conv(in, out, 3, stride));
    b->bn1 = ct_module_add(m, "bn1", ct_nn_batch_norm2d(out));
    b->conv2 = ct_module_add(m, "conv2", conv(out, out, 3, 1));
    b->bn2 = ct_module_add(m, "bn2", ct_nn_batch_norm2d(out));
    bool ok = b->conv1 && b->bn1 && b->conv2 && b->bn2;
    if (ok && (stride != 1 || in != out)) {
        ct_module *ds = ct_nn_sequential(conv(in, out, 1, stride), ct_nn_batch_norm2d(out), NULL);
        b->downsample = ct_module_add(m, "downsample", ds);
        ok = b->downsample != NULL;
    }
    if (!ok) {
        ct_module_free(m);
        return NULL;
    }
    return m;
}

ct_module *tl_resnet18(int64_t channels, int64_t num_classes) {
    ct_module *net = ct_nn_sequential(NULL);
    if (!net) return NULL;
    /* torchvision's ResNet is not a Sequential, but its children come in this order and
       its forward runs them in it (with a flatten before fc), so a Sequential with the
       same names has the same state dict. */
    bool ok = ct_module_add(net, "conv1", conv(channels, 64, 7, 2)) &&
              ct_module_add(net, "bn1", ct_nn_batch_norm2d(64)) && ct_module_add(net, "relu", ct_nn_relu()) &&
              ct_module_add(net, "maxpool", ct_nn_max_pool2d(CT_DIMS(3), .stride = CT_DIMS(2), .padding = CT_DIMS(1)));
    static const int64_t widths[4] = {64, 128, 256, 512};
    int64_t in = 64;
    for (int l = 0; ok && l < 4; l++) {
        char name[16];
        snprintf(name, sizeof name, "layer%d", l + 1);
        ct_module *a = block_new(in, widths[l], l == 0 ? 1 : 2);
        ct_module *b = a ? block_new(widths[l], widths[l], 1) : NULL;
        if (!b) ct_module_free(a);
        ok = b && ct_module_add(net, name, ct_nn_sequential(a, b, NULL));
        in = widths[l];
    }
    ok = ok && ct_module_add(net, "avgpool", ct_nn_adaptive_avg_pool2d(CT_DIMS(1, 1))) &&
         ct_module_add(net, "flatten", ct_nn_flatten()) &&
         ct_module_add(net, "fc", ct_nn_linear(512, num_classes));
    if (!ok) {
        ct_module_free(net);
        return NULL;
    }
    return net;
}
