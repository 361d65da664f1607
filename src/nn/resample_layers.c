/*
 * src/nn/resample_layers.c - nn.Upsample and nn.PixelShuffle over
 * ct_interpolate and ct_pixel_shuffle.
 */
#include <stdio.h>

#include "cnn_internal.h"

typedef struct {
    ct_module base;
    ct_nn_upsample_args a;
} upsample_module;

static ct_tensor *upsample_forward(ct_module *m, ct_tensor *x) {
    const ct_nn_upsample_args *a = &((upsample_module *)m)->a;
    return ct_interpolate(x, .size = a->size, .scale_factor = {a->scale_factor[0], a->scale_factor[1]},
                          .mode = a->mode, .align_corners = a->align_corners);
}

/* Upsample.extra_repr: "scale_factor=2.0, mode=nearest" or "size=(4, 5), mode=bilinear". */
static void upsample_repr(const ct_module *m, char *buf, size_t size) {
    const ct_nn_upsample_args *a = &((const upsample_module *)m)->a;
    char f0[40], f1[40];
    buf[0] = '\0';
    if (a->size.ndim) {
        ct__nn_append(buf, size, "size=");
        ct__nn_append_dims(buf, size, a->size, false);
    } else if (a->scale_factor[1] != 0) {
        ct__nn_append(buf, size, "scale_factor=(%s, %s)", ct__nn_py_float(a->scale_factor[0], f0, sizeof f0),
                      ct__nn_py_float(a->scale_factor[1], f1, sizeof f1));
    } else {
        ct__nn_append(buf, size, "scale_factor=%s", ct__nn_py_float(a->scale_factor[0], f0, sizeof f0));
    }
    ct__nn_append(buf, size, ", mode=%s", a->mode == CT_INTERP_BILINEAR ? "bilinear" : "nearest");
}

static const ct_module_type upsample_type = {.name = "Upsample", .forward = upsample_forward,
                                             .extra_repr = upsample_repr};

ct_module *ct_nn_upsample_(ct_nn_upsample_args a) {
    bool has_scale = a.scale_factor[0] != 0 || a.scale_factor[1] != 0;
    if ((a.size.ndim != 0) == has_scale) {
        ct_set_error(CT_ERR_VALUE, "ct_nn_upsample", "only one of size or scale_factor should be defined");
        return NULL;
    }
    upsample_module *u = (upsample_module *)ct_module_new(&upsample_type, sizeof(upsample_module));
    if (!u) return NULL;
    u->a = a;
    return &u->base;
}

/* ---------------------------------------------------------- PixelShuffle */

typedef struct {
    ct_module base;
    int64_t upscale_factor;
} pixel_shuffle_module;

static ct_tensor *pixel_shuffle_forward(ct_module *m, ct_tensor *x) {
    return ct_pixel_shuffle(x, ((pixel_shuffle_module *)m)->upscale_factor);
}

static void pixel_shuffle_repr(const ct_module *m, char *buf, size_t size) {
    snprintf(buf, size, "upscale_factor=%lld", (long long)((const pixel_shuffle_module *)m)->upscale_factor);
}

static const ct_module_type pixel_shuffle_type = {.name = "PixelShuffle", .forward = pixel_shuffle_forward,
                                                  .extra_repr = pixel_shuffle_repr};

ct_module *ct_nn_pixel_shuffle(int64_t upscale_factor) {
    pixel_shuffle_module *p = (pixel_shuffle_module *)ct_module_new(&pixel_shuffle_type, sizeof *p);
    if (!p) return NULL;
    p->upscale_factor = upscale_factor;
    return &p->base;
}
