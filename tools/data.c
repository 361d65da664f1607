/*
 * tools/data.c - the data sets `ctorch` knows: their image shapes,
 * normalization, class names, transforms and augmentation.
 */
#include <string.h>

#include "cli.h"

bool data_info_for(const char *dataset, data_info *info) {
    memset(info, 0, sizeof *info);
    info->num_classes = 10;
    if (!strcmp(dataset, "fashion-mnist") || !strcmp(dataset, "mnist")) {
        bool fashion = dataset[0] == 'f';
        info->channels = 1;
        info->height = info->width = 28;
        info->mean[0] = fashion ? 0.2860 : 0.1307;
        info->std[0] = fashion ? 0.3530 : 0.3081;
        return true;
    }
    if (!strcmp(dataset, "cifar10")) {
        static const double mean[3] = {0.4914, 0.4822, 0.4465}, std[3] = {0.2470, 0.2435, 0.2616};
        info->channels = 3;
        info->height = info->width = 32;
        memcpy(info->mean, mean, sizeof mean);
        memcpy(info->std, std, sizeof std);
        return true;
    }
    return false;
}

bool data_info_for_model(const char *dataset, const char *model, data_info *info) {
    if (!data_info_for(dataset, info)) return false;
    if (!strcmp(model, "resnet18") && info->channels == 1) {
        /* torchvision's ResNet takes RGB: repeat the gray channel, like Grayscale(3) */
        info->channels = 3;
        info->gray_to_rgb = true;
        info->mean[1] = info->mean[2] = info->mean[0];
        info->std[1] = info->std[2] = info->std[0];
    }
    return true;
}

static ct_tensor *repeat3(ct_tensor *x, void *ctx, ct_generator *g) {
    (void)ctx;
    (void)g;
    return ct_repeat(x, CT_SHAPE(3, 1, 1));
}

static const char *const fashion_names[] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
static const char *const digits[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
static const char *const cifar_names[] = {"airplane", "automobile", "bird", "cat", "deer",
                                          "dog", "frog", "horse", "ship", "truck"};

const char *const *data_class_names(const char *dataset, int *n) {
    *n = 10;
    if (!strcmp(dataset, "fashion-mnist")) return fashion_names;
    if (!strcmp(dataset, "cifar10")) return cifar_names;
    return digits;
}

/* The random transforms of --augment, applied to the uint8 image before ToTensor. */
static int augmentation(const train_config *cfg, ct_transform **out) {
    const char *kind = cfg->augment;
    bool cifar = !strcmp(cfg->dataset, "cifar10");
    if (!strcmp(kind, "auto")) kind = cifar ? "flip-crop" : "affine";
    if (!strcmp(kind, "flip-crop")) {
        data_info info;
        data_info_for(cfg->dataset, &info);
        out[0] = ct_random_crop(info.height, .padding = cifar ? 4 : 2);
        out[1] = ct_random_horizontal_flip(0.5);
        return 2;
    }
    if (!strcmp(kind, "affine")) {
        out[0] = ct_random_affine(.degrees = 8, .translate_x = 0.08, .translate_y = 0.08,
                                  .interpolation = CT_INTERP_BILINEAR);
        return 1;
    }
    return 0;
}

ct_dataset *data_open(const train_config *cfg, ct_dataset_split split, bool augment) {
    data_info info;
    if (!data_info_for_model(cfg->dataset, cfg->model, &info)) {
        fprintf(stderr, "ctorch: unknown data set '%s' (fashion-mnist, mnist, cifar10)\n", cfg->dataset);
        return NULL;
    }
    ct_transform *parts[5];
    int n = augment ? augmentation(cfg, parts) : 0;
    parts[n++] = ct_to_tensor();
    if (info.gray_to_rgb) parts[n++] = ct_transform_new("RepeatChannels", repeat3, NULL, NULL);
    parts[n++] = ct_normalize_channels(info.mean, info.std, info.channels);
    ct_transform *tf = ct_compose_list(parts, n);
    const char *root = cfg->root[0] ? cfg->root : NULL;
    ct_dataset *ds = NULL;
    if (!strcmp(cfg->dataset, "fashion-mnist"))
        ds = ct_fashion_mnist(.root = root, .split = split, .transform = tf);
    else if (!strcmp(cfg->dataset, "mnist"))
        ds = ct_mnist(.root = root, .split = split, .transform = tf);
    else
        ds = ct_cifar10(.root = root ? root : "data", .split = split, .transform = tf);
    if (!ds) {
        fprintf(stderr, "ctorch: cannot open the %s data set:\n  %s\n", cfg->dataset, ct_last_error());
        if (!strcmp(cfg->dataset, "fashion-mnist"))
            fprintf(stderr, "To install it: sudo apt-get install dataset-fashion-mnist "
                            "(or run 'make run', which does), or pass --root DIR.\n");
        else
            fprintf(stderr, "Put the files in ./data (or pass --root DIR) and run again.\n");
    }
    return ds;
}

ct_tensor *data_prepare_image(ct_tensor *img, const data_info *info) {
    ct_tensor *out = NULL;
    CT_SCOPE {
        ct_tensor *x = img;
        if (ct_size(x, 0) != info->height || ct_size(x, 1) != info->width)
            x = ct_tf_resize(x, info->height, info->width);
        x = ct_tf_normalize(ct_tf_to_tensor(x), info->mean, info->std, info->channels);
        out = ct_keep(ct_unsqueeze(x, 0));
    }
    return out;
}
