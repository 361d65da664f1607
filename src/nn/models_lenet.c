/*
 * src/nn/models_lenet.c - LeNet-5 (features, flatten, classifier), ctorch's
 * own layout since torchvision has none; see ctorch/models.h.
 */
#include "models_internal.h"

typedef struct {
    ct_module base;
    ct_module *features, *classifier;
} lenet;

static ct_tensor *lenet_forward(ct_module *m, ct_tensor *x) {
    lenet *net = (lenet *)m;
    return ct__models_features_classify(net->features, NULL, net->classifier, x);
}

static const ct_module_type lenet_type = {.name = "LeNet5", .forward = lenet_forward};

static ct_module *act(bool relu) { return relu ? ct_nn_relu() : ct_nn_tanh(); }
static ct_module *pool(bool relu) {
    return relu ? ct_nn_max_pool2d(CT_DIMS(2)) : ct_nn_avg_pool2d(CT_DIMS(2));
}

ct_module *ct_models_lenet5_(ct_models_args a) {
    lenet *net = (lenet *)ct_module_new(&lenet_type, sizeof(lenet));
    if (!net) return NULL;
    bool r = a.relu;
    ct_module *features[] = {ct_nn_conv2d(1, 6, CT_DIMS(5), .padding = CT_DIMS(2)), act(r), pool(r),
                             ct_nn_conv2d(6, 16, CT_DIMS(5)), act(r), pool(r)};
    net->features = ct_module_add(&net->base, "features", ct_nn_sequential_n(features, 6));
    ct_module *classifier[] = {ct_nn_linear(16 * 5 * 5, 120), act(r), ct_nn_linear(120, 84), act(r),
                               ct_nn_linear(84, ct__models_num_classes(a, 10))};
    net->classifier = ct_module_add(&net->base, "classifier", ct_nn_sequential_n(classifier, 5));
    return ct__models_finish(&net->base, net->features && net->classifier);
}
