/*
 * src/nn/models_vgg.c - torchvision.models.VGG: the configurations A, B, D
 * and E (VGG-11, 13, 16, 19), optionally with BatchNorm, and torchvision's init.
 */
#include "models_internal.h"

typedef struct {
    ct_module base;
    ct_module *features, *avgpool, *classifier;
} vgg;

static ct_tensor *vgg_forward(ct_module *m, ct_tensor *x) {
    vgg *net = (vgg *)m;
    return ct__models_features_classify(net->features, net->avgpool, net->classifier, x);
}

static const ct_module_type vgg_type = {.name = "VGG", .forward = vgg_forward};

enum { M = -1 }; /* a 2x2 max pool in a configuration */

/* torchvision's cfgs: output channels of each 3x3 convolution, M for a pool; 0 ends the list. */
static const int cfg_a[] = {64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M, 0};
static const int cfg_b[] = {64, 64, M, 128, 128, M, 256, 256, M, 512, 512, M, 512, 512, M, 0};
static const int cfg_d[] = {64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M, 512, 512, 512, M, 0};
static const int cfg_e[] = {64,  64,  M,   128, 128, M,   256, 256, 256, 256, M,
                            512, 512, 512, 512, M,   512, 512, 512, 512, M,   0};

/* torchvision's make_layers(cfg, batch_norm). */
static ct_module *make_features(const int *cfg, bool batch_norm) {
    ct_module *seq = ct_nn_sequential(NULL);
    int64_t in = 3;
    bool ok = seq != NULL;
    for (int i = 0; ok && cfg[i]; i++) {
        if (cfg[i] == M) {
            ok = ct_module_list_append(seq, ct_nn_max_pool2d(CT_DIMS(2), .stride = CT_DIMS(2))) != NULL;
            continue;
        }
        ok = ct_module_list_append(seq, ct_nn_conv2d(in, cfg[i], CT_DIMS(3), .padding = CT_DIMS(1))) &&
             (!batch_norm || ct_module_list_append(seq, ct_nn_batch_norm2d(cfg[i]))) &&
             ct_module_list_append(seq, ct_nn_relu(.inplace = true));
        in = cfg[i];
    }
    return ct__models_finish(seq, ok);
}

ct_module *ct_models_vgg_(int depth, bool batch_norm, ct_models_args a) {
    const int *cfg = depth == 11 ? cfg_a : depth == 13 ? cfg_b : depth == 16 ? cfg_d : depth == 19 ? cfg_e : NULL;
    if (!cfg) {
        ct_set_error(CT_ERR_VALUE, "ct_models_vgg", "VGG depth must be 11, 13, 16 or 19, but got %d", depth);
        return NULL;
    }
    vgg *net = (vgg *)ct_module_new(&vgg_type, sizeof(vgg));
    if (!net) return NULL;
    net->features = ct_module_add(&net->base, "features", make_features(cfg, batch_norm));
    net->avgpool = ct_module_add(&net->base, "avgpool", ct_nn_adaptive_avg_pool2d(CT_DIMS(7, 7)));
    double p = ct__models_dropout(a);
    ct_module *classifier[] = {ct_nn_linear(512 * 7 * 7, 4096), ct_nn_relu(.inplace = true), ct_nn_dropout(p),
                               ct_nn_linear(4096, 4096), ct_nn_relu(.inplace = true), ct_nn_dropout(p),
                               ct_nn_linear(4096, ct__models_num_classes(a, 1000))};
    net->classifier = ct_module_add(&net->base, "classifier", ct_nn_sequential_n(classifier, 7));
    bool ok = net->features && net->avgpool && net->classifier && (a.no_init_weights || ct__models_init_weights(&net->base, true));
    return ct__models_finish(&net->base, ok);
}
