/*
 * src/nn/models_resnet.c - torchvision.models.ResNet with BasicBlock
 * (ResNet-18/34) and Bottleneck (ResNet-50/101/152, v1.5: stride on the 3x3
 * convolution), torchvision's module names and init.
 */
#include "models_internal.h"

/* ------------------------------------------------------------------ blocks */

typedef struct {
    ct_module base;
    ct_module *conv1, *bn1, *conv2, *bn2, *conv3, *bn3, *relu, *downsample; /* conv3/bn3: Bottleneck only */
} block;

/* f(x), dropping the reference to x. */
static ct_tensor *then(ct_module *f, ct_tensor *x) {
    ct_tensor *y = x ? ct_forward(f, x) : NULL;
    ct_free(x);
    return y;
}

static ct_tensor *block_forward(ct_module *m, ct_tensor *x) {
    block *b = (block *)m;
    ct_tensor *out = then(b->relu, then(b->bn1, ct_forward(b->conv1, x)));
    out = then(b->bn2, then(b->conv2, out));
    if (b->conv3) out = then(b->bn3, then(b->conv3, then(b->relu, out)));
    ct_tensor *identity = b->downsample ? ct_forward(b->downsample, x) : ct_alias(x);
    /* out += identity; out = relu(out): in place, as torchvision does. */
    ct_tensor *sum = out && identity ? ct_add_(out, identity) : NULL;
    ct_free(identity);
    if (!sum) {
        ct_free(out);
        return NULL;
    }
    return then(b->relu, out);
}

static const ct_module_type basic_type = {.name = "BasicBlock", .forward = block_forward};
static const ct_module_type bottleneck_type = {.name = "Bottleneck", .forward = block_forward};

static ct_module *conv3x3(int64_t in, int64_t out, int64_t stride) {
    return ct_nn_conv2d(in, out, CT_DIMS(3), .stride = CT_DIMS(stride), .padding = CT_DIMS(1), .no_bias = true);
}
static ct_module *conv1x1(int64_t in, int64_t out, int64_t stride) {
    return ct_nn_conv2d(in, out, CT_DIMS(1), .stride = CT_DIMS(stride), .no_bias = true);
}

/* A block (children in torchvision's registration order); downsample may be NULL. */
static ct_module *block_new(bool bottleneck, int64_t inplanes, int64_t planes, int64_t stride,
                            ct_module *downsample) {
    block *b = (block *)ct_module_new(bottleneck ? &bottleneck_type : &basic_type, sizeof(block));
    if (!b) {
        ct_module_free(downsample);
        return NULL;
    }
    ct_module *m = &b->base;
    bool ok;
    if (bottleneck) {
        int64_t width = planes; /* planes * (base_width / 64) * groups with the defaults 64 and 1 */
        ok = (b->conv1 = ct_module_add(m, "conv1", conv1x1(inplanes, width, 1))) &&
             (b->bn1 = ct_module_add(m, "bn1", ct_nn_batch_norm2d(width))) &&
             (b->conv2 = ct_module_add(m, "conv2", conv3x3(width, width, stride))) &&
             (b->bn2 = ct_module_add(m, "bn2", ct_nn_batch_norm2d(width))) &&
             (b->conv3 = ct_module_add(m, "conv3", conv1x1(width, planes * 4, 1))) &&
             (b->bn3 = ct_module_add(m, "bn3", ct_nn_batch_norm2d(planes * 4))) &&
             (b->relu = ct_module_add(m, "relu", ct_nn_relu(.inplace = true)));
    } else {
        ok = (b->conv1 = ct_module_add(m, "conv1", conv3x3(inplanes, planes, stride))) &&
             (b->bn1 = ct_module_add(m, "bn1", ct_nn_batch_norm2d(planes))) &&
             (b->relu = ct_module_add(m, "relu", ct_nn_relu(.inplace = true))) &&
             (b->conv2 = ct_module_add(m, "conv2", conv3x3(planes, planes, 1))) &&
             (b->bn2 = ct_module_add(m, "bn2", ct_nn_batch_norm2d(planes)));
    }
    if (downsample) {
        if (ok) ok = (b->downsample = ct_module_add(m, "downsample", downsample)) != NULL;
        else ct_module_free(downsample);
    }
    return ct__models_finish(m, ok);
}

/* ------------------------------------------------------------------ ResNet */

typedef struct {
    ct_module base;
    ct_module *conv1, *bn1, *relu, *maxpool, *layer[4], *avgpool, *fc;
} resnet;

static ct_tensor *resnet_forward(ct_module *m, ct_tensor *x) {
    resnet *r = (resnet *)m;
    ct_tensor *h = then(r->maxpool, then(r->relu, then(r->bn1, ct_forward(r->conv1, x))));
    for (int i = 0; i < 4; i++) h = then(r->layer[i], h);
    h = then(r->avgpool, h);
    ct_tensor *f = h ? ct_flatten(h, 1, -1) : NULL;
    ct_free(h);
    return then(r->fc, f);
}

static const ct_module_type resnet_type = {.name = "ResNet", .forward = resnet_forward};

/* ResNet._make_layer: `blocks` blocks of `planes`; the first may stride and downsample. */
static ct_module *make_layer(bool bottleneck, int64_t *inplanes, int64_t planes, int blocks, int64_t stride) {
    int64_t expansion = bottleneck ? 4 : 1;
    ct_module *downsample = NULL;
    if (stride != 1 || *inplanes != planes * expansion) {
        downsample = ct_nn_sequential(conv1x1(*inplanes, planes * expansion, stride),
                                      ct_nn_batch_norm2d(planes * expansion), NULL);
        if (!downsample) return NULL;
    }
    ct_module *seq = ct_nn_sequential(NULL);
    if (!seq) {
        ct_module_free(downsample);
        return NULL;
    }
    bool ok = ct_module_list_append(seq, block_new(bottleneck, *inplanes, planes, stride, downsample)) != NULL;
    *inplanes = planes * expansion;
    for (int i = 1; ok && i < blocks; i++)
        ok = ct_module_list_append(seq, block_new(bottleneck, *inplanes, planes, 1, NULL)) != NULL;
    return ct__models_finish(seq, ok);
}

/* zero_init_residual: the last BatchNorm of every block starts at weight 0. */
static bool zero_last_bn(resnet *r) {
    for (int l = 0; l < 4; l++) {
        int n = ct_module_list_len(r->layer[l]);
        for (int i = 0; i < n; i++) {
            block *b = (block *)ct_module_list_get(r->layer[l], i);
            if (!ct_init_zeros_(ct_module_get(b->bn3 ? b->bn3 : b->bn2, "weight"))) return false;
        }
    }
    return true;
}

ct_module *ct_models_resnet_(int depth, ct_models_args a) {
    static const struct {
        int depth, blocks[4];
        bool bottleneck;
    } specs[] = {{18, {2, 2, 2, 2}, false}, {34, {3, 4, 6, 3}, false}, {50, {3, 4, 6, 3}, true},
                 {101, {3, 4, 23, 3}, true}, {152, {3, 8, 36, 3}, true}};
    int s = 0;
    while (s < 5 && specs[s].depth != depth) s++;
    if (s == 5) {
        ct_set_error(CT_ERR_VALUE, "ct_models_resnet", "ResNet depth must be 18, 34, 50, 101 or 152, but got %d", depth);
        return NULL;
    }
    bool bn = specs[s].bottleneck;
    resnet *r = (resnet *)ct_module_new(&resnet_type, sizeof(resnet));
    if (!r) return NULL;
    ct_module *m = &r->base;
    int64_t inplanes = 64;
    bool ok = (r->conv1 = ct_module_add(m, "conv1", ct_nn_conv2d(3, 64, CT_DIMS(7), .stride = CT_DIMS(2),
                                                                  .padding = CT_DIMS(3), .no_bias = true))) &&
              (r->bn1 = ct_module_add(m, "bn1", ct_nn_batch_norm2d(64))) &&
              (r->relu = ct_module_add(m, "relu", ct_nn_relu(.inplace = true))) &&
              (r->maxpool = ct_module_add(m, "maxpool", ct_nn_max_pool2d(CT_DIMS(3), .stride = CT_DIMS(2),
                                                                          .padding = CT_DIMS(1))));
    static const char *names[4] = {"layer1", "layer2", "layer3", "layer4"};
    for (int l = 0; ok && l < 4; l++)
        ok = (r->layer[l] = ct_module_add(m, names[l], make_layer(bn, &inplanes, 64 << l, specs[s].blocks[l],
                                                                   l == 0 ? 1 : 2))) != NULL;
    ok = ok && (r->avgpool = ct_module_add(m, "avgpool", ct_nn_adaptive_avg_pool2d(CT_DIMS(1, 1)))) &&
         (r->fc = ct_module_add(m, "fc", ct_nn_linear(512 * (bn ? 4 : 1), ct__models_num_classes(a, 1000)))) &&
         ct__models_init_weights(m, false) && (!a.zero_init_residual || zero_last_bn(r));
    return ct__models_finish(m, ok);
}
