/*
 * ctorch/image.h - reading and writing PNG and JPEG images, and image grids
 * (torchvision.utils.make_grid / save_image).
 *
 * Images in memory are uint8 tensors [H,W,C] (C = 1, 3 or 4), or [H,W] for
 * grayscale when writing. PNG needs libpng and JPEG libjpeg(-turbo) at build
 * time; without them the calls fail with a message saying which library is
 * missing. Damaged or hostile files give a CT_ERR_IO error, never a crash.
 * Limits against decompression bombs: a decoded image of at most 1 GiB,
 * checked from the header before anything is allocated; for JPEG also at
 * most 1 GiB of decoder memory (a progressive file keeps all coefficients)
 * and 1000 progressive scans.
 */
#ifndef CTORCH_IMAGE_H
#define CTORCH_IMAGE_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How to convert channels on reading (torchvision.io.ImageReadMode). */
typedef enum ct_image_mode {
    CT_IMAGE_UNCHANGED = 0, /**< as stored: 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA) channels */
    CT_IMAGE_GRAY = 1,      /**< 1 channel (PIL's 'L' weights for colour input) */
    CT_IMAGE_RGB = 3,       /**< 3 channels (gray is repeated, alpha dropped) */
    CT_IMAGE_RGBA = 4       /**< 4 channels (opaque alpha added when missing) */
} ct_image_mode;

/** Reads a PNG or JPEG file (recognised by its first bytes) into uint8 [H,W,C]. */
ct_tensor *ct_image_read(const char *path, ct_image_mode mode);
/** Decodes PNG or JPEG bytes in memory into uint8 [H,W,C]. */
ct_tensor *ct_image_decode(const void *data, size_t size, ct_image_mode mode);
/**
 * Writes uint8 [H,W,C] (C = 1, 3, 4; or [H,W]) as PNG or JPEG, chosen by the
 * extension (.png, .jpg, .jpeg). quality (1-100, 0: 75 like PIL) is for JPEG,
 * which cannot store alpha. Returns 0 or a negative error.
 */
int ct_image_write(const char *path, ct_tensor *img, int quality);
/** True when the build has PNG (libpng) / JPEG (libjpeg) support. */
bool ct_image_has_png(void);
bool ct_image_has_jpeg(void);

/** Options of ct_make_grid and ct_save_image (torchvision.utils.make_grid's keywords). */
typedef struct ct_grid_args {
    int ct__;
    ct_tensor *tensor;        /**< [B,C,H,W], [C,H,W] or [H,W] float (or any) images */
    int nrow;                 /**< images per row; 0: 8 */
    int padding;              /**< pixels between images; 0: 2, negative: none */
    bool normalize;           /**< shift and scale to [0, 1] by min/max (or value_range) */
    bool has_value_range;     /**< use value_min / value_max for normalize */
    double value_min, value_max;
    bool scale_each;          /**< normalize each image separately */
    double pad_value;         /**< value of the padding */
    const char *const *captions; /**< optional: one caption per image, drawn below it */
} ct_grid_args;

/**
 * make_grid: the images tiled nrow per row into one float [C,H',W'] tensor
 * (float64 for float64 input, else float32; one-channel images become
 * three, as torchvision does). With .captions, a strip
 * under each image shows its caption (digits, letters and - _ . : / in a
 * 5x7 bitmap font, drawn in 1.0 on pad_value).
 */
#define ct_make_grid(...) ct_make_grid_((ct_grid_args){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_make_grid_(ct_grid_args a);
/**
 * save_image: make_grid, then x * 255 + 0.5 clamped to [0, 255] as uint8
 * (so images are expected in [0, 1], or use .normalize),
 * written as PNG or JPEG by extension. Returns 0 or a negative error.
 *     ct_save_image("samples.png", .tensor = x, .nrow = 8, .captions = names);
 */
#define ct_save_image(path, ...) ct_save_image_((path), (ct_grid_args){.ct__ = 0, __VA_ARGS__})
int ct_save_image_(const char *path, ct_grid_args a);

#ifdef __cplusplus
}
#endif
#endif
