/*
 * src/nn/models_alexnet.c - torchvision.models.AlexNet: features, a 6x6
 * adaptive average pool, flatten, classifier; PyTorch's default init.
 */
#include "models_internal.h"

typedef struct {
    ct_module base;
    ct_module *features, *avgpool, *classifier;
} alexnet;

static ct_tensor *alexnet_forward(ct_module *m, ct_tensor *x) {
    alexnet *net = (alexnet *)m;
    return ct__models_features_classify(net->features, net->avgpool, net->classifier, x);
}

static const ct_module_type alexnet_type = {.name = "AlexNet", .forward = alexnet_forward};

static ct_module *relu(void) { return ct_nn_relu(.inplace = true); }
static ct_module *maxpool(void) { return ct_nn_max_pool2d(CT_DIMS(3), .stride = CT_DIMS(2)); }

ct_module *ct_models_alexnet_(ct_models_args a) {
    alexnet *net = (alexnet *)ct_module_new(&alexnet_type, sizeof(alexnet));
    if (!net) return NULL;
    ct_module *features[] = {
        ct_nn_conv2d(3, 64, CT_DIMS(11), .stride = CT_DIMS(4), .padding = CT_DIMS(2)), relu(), maxpool(),
        ct_nn_conv2d(64, 192, CT_DIMS(5), .padding = CT_DIMS(2)), relu(), maxpool(),
        ct_nn_conv2d(192, 384, CT_DIMS(3), .padding = CT_DIMS(1)), relu(),
        ct_nn_conv2d(384, 256, CT_DIMS(3), .padding = CT_DIMS(1)), relu(),
        ct_nn_conv2d(256, 256, CT_DIMS(3), .padding = CT_DIMS(1)), relu(), maxpool()};
    net->features = ct_module_add(&net->base, "features", ct_nn_sequential_n(features, 13));
    net->avgpool = ct_module_add(&net->base, "avgpool", ct_nn_adaptive_avg_pool2d(CT_DIMS(6, 6)));
    double p = ct__models_dropout(a);
    ct_module *classifier[] = {ct_nn_dropout(p), ct_nn_linear(256 * 6 * 6, 4096), relu(),
                               ct_nn_dropout(p), ct_nn_linear(4096, 4096), relu(),
                               ct_nn_linear(4096, ct__models_num_classes(a, 1000))};
    net->classifier = ct_module_add(&net->base, "classifier", ct_nn_sequential_n(classifier, 7));
    return ct__models_finish(&net->base, net->features && net->avgpool && net->classifier);
}
