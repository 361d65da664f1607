/*
 * ctorch/models.h - the model zoo (torchvision.models): classic image
 * classifiers with random init, built from the modules of ctorch/layers.h
 * and ctorch/cnn_layers.h. Module names and parameter shapes are
 * torchvision 0.14's, so a torchvision state dict (moved as safetensors)
 * loads with ct_module_load / ct_load_state_dict key for key:
 *
 *     ct_module *net = ct_models_resnet18(.num_classes = 10);
 *     ct_module_load(net, "resnet18.safetensors", true);
 *     ct_module_eval(net);
 *     ct_tensor *logits = ct_forward(net, x);   // x: (N, 3, H, W)
 *
 * The random init follows torchvision's schemes (kaiming_normal_ fan_out for
 * ResNet and VGG convolutions, constant BatchNorm init, normal(0, 0.01)
 * VGG linears, PyTorch's module defaults elsewhere); the numbers are not
 * torchvision's for the same seed (its calls differ in order), only their
 * distributions.
 */
#ifndef CTORCH_MODELS_H
#define CTORCH_MODELS_H

#include "module.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Options of the zoo constructors; use the macros. */
typedef struct ct_models_args {
    int ct__;
    int64_t num_classes;     /**< 0 means torchvision's 1000 (10 for LeNet-5) */
    double dropout;          /**< AlexNet / VGG classifier dropout; 0 means 0.5 unless has_dropout */
    bool has_dropout;        /**< take dropout as given (so 0.0 is possible) */
    bool zero_init_residual; /**< ResNet: the last BatchNorm of each block starts at weight 0 */
    bool relu;               /**< LeNet-5: ReLU and max pooling instead of the classic tanh and average pooling */
    bool no_init_weights;    /**< VGG: init_weights=False (the modules keep PyTorch's default init; faster) */
} ct_models_args;

/**
 * LeNet-5 (LeCun et al. 1998) for 1x28x28 input (torchvision has none; this
 * layout is ctorch's, with PyTorch's default init):
 *
 *     LeNet5(
 *       (features): Sequential(
 *         (0): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
 *         (1): Tanh()
 *         (2): AvgPool2d(kernel_size=2, stride=2, padding=0)
 *         (3): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))
 *         (4): Tanh()
 *         (5): AvgPool2d(kernel_size=2, stride=2, padding=0)
 *       )
 *       (classifier): Sequential(
 *         (0): Linear(in_features=400, out_features=120, bias=True)
 *         (1): Tanh()
 *         (2): Linear(in_features=120, out_features=84, bias=True)
 *         (3): Tanh()
 *         (4): Linear(in_features=84, out_features=10, bias=True)
 *       )
 *     )
 *
 * The forward flattens between features and classifier. With .relu = true
 * the Tanh()s are ReLU()s and the pools MaxPool2d(kernel_size=2, stride=2,
 * ...). The padding of 2 makes a 28x28 image act as the paper's 32x32.
 */
#define ct_models_lenet5(...) ct_models_lenet5_((ct_models_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_models_lenet5_(ct_models_args a);

/** torchvision.models.alexnet(num_classes=1000, dropout=0.5): "features.N", "avgpool", "classifier.N". */
#define ct_models_alexnet(...) ct_models_alexnet_((ct_models_args){.ct__ = 0, __VA_ARGS__})
ct_module *ct_models_alexnet_(ct_models_args a);

/**
 * torchvision.models.vgg11 / vgg11_bn / vgg16 / vgg16_bn (configurations
 * "A" and "D", BatchNorm2d after each convolution in the _bn ones):
 * "features.N", "avgpool" (7x7), "classifier.N".
 */
#define ct_models_vgg11(...) ct_models_vgg_(11, false, (ct_models_args){.ct__ = 0, __VA_ARGS__})
#define ct_models_vgg11_bn(...) ct_models_vgg_(11, true, (ct_models_args){.ct__ = 0, __VA_ARGS__})
#define ct_models_vgg16(...) ct_models_vgg_(16, false, (ct_models_args){.ct__ = 0, __VA_ARGS__})
#define ct_models_vgg16_bn(...) ct_models_vgg_(16, true, (ct_models_args){.ct__ = 0, __VA_ARGS__})
/** VGG of `depth` 11, 13, 16 or 19 (configurations A, B, D, E), with or without BatchNorm. */
ct_module *ct_models_vgg_(int depth, bool batch_norm, ct_models_args a);

/**
 * torchvision.models.resnet18 / 34 (BasicBlock) and resnet50 (Bottleneck,
 * v1.5: the stride on the 3x3 convolution): "conv1", "bn1", "relu",
 * "maxpool", "layer1".."layer4" of blocks "layerK.I" with "conv1", "bn1",
 * "conv2", "bn2" (, "conv3", "bn3"), "relu" and "downsample.0" /
 * "downsample.1" where the shape changes; "avgpool", "fc".
 */
#define ct_models_resnet18(...) ct_models_resnet_(18, (ct_models_args){.ct__ = 0, __VA_ARGS__})
#define ct_models_resnet34(...) ct_models_resnet_(34, (ct_models_args){.ct__ = 0, __VA_ARGS__})
#define ct_models_resnet50(...) ct_models_resnet_(50, (ct_models_args){.ct__ = 0, __VA_ARGS__})
/** ResNet of `depth` 18, 34, 50, 101 or 152. */
ct_module *ct_models_resnet_(int depth, ct_models_args a);

#ifdef __cplusplus
}
#endif
#endif
