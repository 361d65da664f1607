/*
 * src/nn/models_internal.h - what the model zoo files (src/nn/models_*.c)
 * share: torchvision's weight-init walk and the option defaults.
 */
#ifndef CT_NN_MODELS_INTERNAL_H
#define CT_NN_MODELS_INTERNAL_H

#include "ctorch.h"

/*
 * torchvision's init loop over m.modules(): every Conv2d weight
 * kaiming_normal_(mode='fan_out', nonlinearity='relu') and its bias 0;
 * BatchNorm2d / GroupNorm weight 1, bias 0; with linear_normal, every Linear
 * weight normal(0, 0.01) and bias 0 (VGG), else Linears keep their default
 * init (ResNet). Returns false on error.
 */
bool ct__models_init_weights(ct_module *m, bool linear_normal);

/* features -> avgpool -> flatten(1) -> classifier (AlexNet's and VGG's forward); avgpool may be NULL. */
ct_tensor *ct__models_features_classify(ct_module *features, ct_module *avgpool, ct_module *classifier,
                                        ct_tensor *x);

/* a.num_classes, or def when it is 0. */
int64_t ct__models_num_classes(ct_models_args a, int64_t def);
/* a.dropout, or 0.5 when it is 0 and has_dropout is not set. */
double ct__models_dropout(ct_models_args a);

/* Frees m and returns NULL when ok is false; returns m otherwise. */
ct_module *ct__models_finish(ct_module *m, bool ok);

#endif
