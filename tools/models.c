/*
 * tools/models.c - the built-in models of `ctorch train --model`. Sequential
 * ones are written in the model-file format (model_file.c), so each reads
 * like its description; LeNet-5 (for 1x28x28 images) and ResNet-18 come from
 * the model zoo (ctorch/models.h).
 */
#include <string.h>

#include "cli.h"

/* The study notes' MLP: 784-256-64-10. */
static const char mlp_text[] = "flatten\nlinear 256\nrelu\nlinear 64\nrelu\nlinear classes\n";

/* The default CNN (the notes' CNN with BatchNorm and Dropout). */
static const char cnn_text[] =
    "conv 32 3 pad=1\nbatchnorm\nrelu\nmaxpool 2\n"
    "conv 64 3 pad=1\nbatchnorm\nrelu\nmaxpool 2\n"
    "flatten\nlinear 128\nrelu\ndropout 0.25\nlinear classes\n";

/* LeNet-5 for images other than 1x28x28 (the zoo's ct_models_lenet5 takes those): ReLU, average pooling. */
static const char lenet5_text[] =
    "conv 6 5 pad=2\nrelu\navgpool 2\n"
    "conv 16 5\nrelu\navgpool 2\n"
    "flatten\nlinear 120\nrelu\nlinear 84\nrelu\nlinear classes\n";

const char *model_label(const char *model) {
    const char *slash = strrchr(model, '/');
    return slash ? slash + 1 : model;
}

ct_module *model_build(const char *name, const char *text, const data_info *info) {
    if (text && text[0]) return model_from_text(text, name, info);
    if (!strcmp(name, "mlp")) return model_from_text(mlp_text, "mlp", info);
    if (!strcmp(name, "cnn")) return model_from_text(cnn_text, "cnn", info);
    if (!strcmp(name, "lenet5")) {
        if (info->channels != 1 || info->height != 28 || info->width != 28)
            return model_from_text(lenet5_text, "lenet5", info);
        ct_module *m = ct_models_lenet5(.num_classes = info->num_classes);
        if (!m) fprintf(stderr, "ctorch: cannot build lenet5: %s\n", ct_last_error());
        return m;
    }
    if (!strcmp(name, "resnet18")) { /* torchvision's, from the model zoo (RGB input) */
        ct_module *m = ct_models_resnet18(.num_classes = info->num_classes);
        if (!m) fprintf(stderr, "ctorch: cannot build resnet18: %s\n", ct_last_error());
        return m;
    }
    fprintf(stderr, "ctorch: unknown model '%s' (mlp, cnn, lenet5, resnet18, or a model file)\n", name);
    return NULL;
}
