/*
 * ctorch/transforms.h - image transforms (torchvision.transforms) and their
 * functional forms (torchvision.transforms.functional, here ct_tf_*).
 *
 * IMAGE LAYOUTS. A uint8 tensor with 2 or 3 dims is an image as a dataset or
 * ct_image_read returns it, [H,W] or [H,W,C] (what torchvision gets as a PIL
 * image); ct_to_tensor turns it into a float [C,H,W] tensor in [0,1]. Every
 * other tensor is [..., C, H, W]: one image [C,H,W] or a batch [N,C,H,W]
 * (a random transform draws one set of parameters for the whole batch, like
 * torchvision on a batched tensor). Geometric and colour transforms accept
 * both layouts and keep the input's layout and dtype; results equal
 * torchvision 0.14's tensor path (uint8 results are rounded like it).
 *
 * A transform maps a tensor to a NEW reference (the input is not consumed)
 * and may be random. Random transforms draw from, in order of preference: the
 * generator a loader sets while it loads a batch (so batches do not depend on
 * num_workers), the generator given with ct_transform_set_generator, or the
 * default generator. They draw exactly what torchvision draws, so after
 * ct_manual_seed(s) a transform makes the same choices as torchvision after
 * torch.manual_seed(s).
 *
 * Ownership: ct_compose and datasets take ownership of the transforms given
 * to them; free a transform you still own with ct_transform_free.
 *
 * A transform of your own is a function and a context:
 *
 *     static ct_tensor *invert(ct_tensor *x, void *ctx, ct_generator *g) {
 *         return ct_rsub_scalar(x, 1.0);          // 1 - x, a new reference
 *     }
 *     ct_transform *t = ct_transform_new("Invert", invert, NULL, NULL);
 */
#ifndef CTORCH_TRANSFORMS_H
#define CTORCH_TRANSFORMS_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A transform (torchvision.transforms.*). */
typedef struct ct_transform ct_transform;

/**
 * The function of a transform: returns a new reference for x or NULL after
 * recording an error. g is the generator to draw random numbers from (NULL
 * means the default generator; pass it to ct_rand & co. as .generator = g).
 */
typedef ct_tensor *(*ct_transform_fn)(ct_tensor *x, void *ctx, ct_generator *g);

/**
 * A transform from a function and its context; free_ctx (may be NULL) is
 * called on ctx when the transform is freed. `name` is kept (not copied).
 */
ct_transform *ct_transform_new(const char *name, ct_transform_fn fn, void *ctx,
                               void (*free_ctx)(void *ctx));
/** Applies t to x: a new reference (owned by the open scope, if any), or NULL on error. */
ct_tensor *ct_transform_apply(ct_transform *t, ct_tensor *x);
/** The transform's name ("Compose", "ToTensor", ...). */
const char *ct_transform_name(const ct_transform *t);
/** Makes t (and, for Compose, its parts) draw from g (borrowed; NULL: default generator). */
void ct_transform_set_generator(ct_transform *t, ct_generator *g);
/** Frees t (and, for Compose, its parts). NULL is ignored. */
void ct_transform_free(ct_transform *t);

/**
 * Compose([t1, t2, ...]): ct_compose(t1, t2, ..., NULL); takes ownership of
 * each. A NULL before the final one (a constructor that failed) makes it
 * free the others and return NULL, keeping that constructor's error; errors
 * recorded before the call play no part. (The macro marks the end of the
 * arguments, which is how the final NULL is told apart.)
 */
#define ct_compose(...) ct_compose_(__VA_ARGS__, ct__compose_end)
ct_transform *ct_compose_(ct_transform *first, ...);
/** The end marker ct_compose appends to its arguments (not for direct use). */
extern ct_transform *const ct__compose_end;
/** Compose from an array of n transforms; takes ownership of each. */
ct_transform *ct_compose_list(ct_transform *const *ts, int n);

/** ToTensor(): uint8 [H,W,C] or [H,W] -> float32 [C,H,W] divided by 255 (other input is an error). */
ct_transform *ct_to_tensor(void);
/** Normalize(mean, std) with one value for every channel: (x - mean) / std on float tensors. */
ct_transform *ct_normalize(double mean, double std);
/** Normalize(mean, std) per channel (n values each, n = 1 or C). */
ct_transform *ct_normalize_channels(const double *mean, const double *std, int n);
/** RandomHorizontalFlip(p): flips the width with probability p. */
ct_transform *ct_random_horizontal_flip(double p);
/** RandomVerticalFlip(p): flips the height with probability p. */
ct_transform *ct_random_vertical_flip(double p);

/** Options of ct_random_crop. */
typedef struct ct_random_crop_args {
    int ct__;
    int64_t height, width;  /**< crop size; width 0 means square */
    int64_t padding;        /**< pixels of constant padding on every side first */
    bool pad_if_needed;     /**< pad images smaller than the crop */
    double fill;            /**< padding value */
} ct_random_crop_args;
/** RandomCrop(size, padding, pad_if_needed, fill): ct_random_crop(32, .padding = 4). */
#define ct_random_crop(...) ct_random_crop_((ct_random_crop_args){.ct__ = 0, __VA_ARGS__})
ct_transform *ct_random_crop_(ct_random_crop_args a);
/** CenterCrop((height, width)); width 0 means square. Pads with zeros when the crop is larger. */
ct_transform *ct_center_crop(int64_t height, int64_t width);
/** Resize((height, width)): bilinear, align_corners=False, no antialias (torchvision's tensor default). */
ct_transform *ct_resize(int64_t height, int64_t width);
/** Resize(size): the smaller edge becomes size, keeping the aspect ratio (like torchvision). */
ct_transform *ct_resize_short(int64_t size);

/** Interpolation of the geometric transforms (torchvision's InterpolationMode); also F.interpolate's mode (conv.h). */
typedef enum ct_interpolation { CT_INTERP_NEAREST = 0, CT_INTERP_BILINEAR = 1 } ct_interpolation;

/** Options of ct_random_rotation and ct_random_affine. */
typedef struct ct_affine_args {
    int ct__;
    double degrees;                 /**< angle drawn from [-degrees, degrees] */
    double translate_x, translate_y;/**< max shift as a fraction of width / height */
    double scale_min, scale_max;    /**< scale drawn from [min, max]; both 0: no scaling */
    ct_interpolation interpolation; /**< default nearest, like torchvision */
    double fill;                    /**< value outside the image */
} ct_affine_args;
/** RandomRotation(degrees, interpolation, fill): ct_random_rotation(15, .interpolation = CT_INTERP_BILINEAR). */
#define ct_random_rotation(...) ct_random_rotation_((ct_affine_args){.ct__ = 0, __VA_ARGS__})
ct_transform *ct_random_rotation_(ct_affine_args a);
/** RandomAffine(degrees, translate, scale, interpolation, fill). */
#define ct_random_affine(...) ct_random_affine_((ct_affine_args){.ct__ = 0, __VA_ARGS__})
ct_transform *ct_random_affine_(ct_affine_args a);

/** Options of ct_color_jitter (ColorJitter's arguments, single numbers). */
typedef struct ct_color_jitter_args {
    int ct__;
    double brightness; /**< factor drawn from [max(0, 1 - v), 1 + v]; 0: unchanged */
    double contrast;   /**< likewise */
    double saturation; /**< likewise; needs 3 channels */
    double hue;        /**< hue shift drawn from [-v, v], 0 <= v <= 0.5; 0: unchanged */
} ct_color_jitter_args;
/**
 * ColorJitter(brightness, contrast, saturation, hue):
 * ct_color_jitter(0.4, 0.4, 0.4) or ct_color_jitter(.hue = 0.1). The
 * adjustments run in the random order torchvision draws (randperm(4)), with
 * factors drawn like it. Hue works on images with values in [0, 1] (or
 * uint8), so put it before Normalize. (torchvision accepts hue > 0.5 and fails
 * when a draw falls outside [-0.5, 0.5]; here the constructor refuses it.)
 */
#define ct_color_jitter(...) ct_color_jitter_((ct_color_jitter_args){.ct__ = 0, __VA_ARGS__})
ct_transform *ct_color_jitter_(ct_color_jitter_args a);
/** GaussianNoise(mean, sigma, clip): x + mean + sigma * randn, clamped to [0, 1] when clip (float input). */
ct_transform *ct_gaussian_noise(double mean, double sigma, bool clip);

/** Options of ct_random_erasing. */
typedef struct ct_random_erasing_args {
    int ct__;
    double p;                   /**< probability of erasing */
    double scale_min, scale_max;/**< erased area fraction; both 0: (0.02, 0.33) */
    double ratio_min, ratio_max;/**< aspect ratio range; both 0: (0.3, 3.3) */
    double value;               /**< value written */
    bool random_value;          /**< write standard normal noise instead (value='random') */
} ct_random_erasing_args;
/** RandomErasing(p, scale, ratio, value) on a float [..., C, H, W] tensor: ct_random_erasing(0.5). */
#define ct_random_erasing(...) ct_random_erasing_((ct_random_erasing_args){.ct__ = 0, __VA_ARGS__})
ct_transform *ct_random_erasing_(ct_random_erasing_args a);

/* ------------------------------------------ functional forms (F.* in torchvision) */

/** F.to_tensor. */
ct_tensor *ct_tf_to_tensor(ct_tensor *img);
/** F.normalize with n = 1 or C values. */
ct_tensor *ct_tf_normalize(ct_tensor *x, const double *mean, const double *std, int n);
/** F.hflip / F.vflip. */
ct_tensor *ct_tf_hflip(ct_tensor *img);
ct_tensor *ct_tf_vflip(ct_tensor *img);
/** F.pad with constant fill: left, top, right, bottom pixels. */
ct_tensor *ct_tf_pad(ct_tensor *img, int64_t left, int64_t top, int64_t right, int64_t bottom,
                     double fill);
/** F.crop(top, left, height, width); regions outside the image are zero. */
ct_tensor *ct_tf_crop(ct_tensor *img, int64_t top, int64_t left, int64_t height, int64_t width);
/** F.center_crop. */
ct_tensor *ct_tf_center_crop(ct_tensor *img, int64_t height, int64_t width);
/** F.resize to (height, width), bilinear, antialias off. */
ct_tensor *ct_tf_resize(ct_tensor *img, int64_t height, int64_t width);
/** F.rotate(angle degrees counter-clockwise, about the centre) with a fill value. */
ct_tensor *ct_tf_rotate(ct_tensor *img, double angle, ct_interpolation mode, double fill);
/** F.affine(angle, translate (tx, ty) pixels, scale, shear (sx, sy) degrees) with a fill value. */
ct_tensor *ct_tf_affine(ct_tensor *img, double angle, double tx, double ty, double scale,
                        double shear_x, double shear_y, ct_interpolation mode, double fill);
/** F.adjust_brightness / adjust_contrast / adjust_saturation. */
ct_tensor *ct_tf_adjust_brightness(ct_tensor *img, double factor);
ct_tensor *ct_tf_adjust_contrast(ct_tensor *img, double factor);
ct_tensor *ct_tf_adjust_saturation(ct_tensor *img, double factor);
/**
 * F.adjust_hue: shifts the hue of an RGB image (values in [0, 1], or uint8)
 * by hue_factor in [-0.5, 0.5] turns of the colour wheel, through HSV as
 * torchvision's tensor implementation does; one-channel images come back
 * unchanged.
 */
ct_tensor *ct_tf_adjust_hue(ct_tensor *img, double hue_factor);
/** F.rgb_to_grayscale (one output channel). */
ct_tensor *ct_tf_rgb_to_grayscale(ct_tensor *img);
/** F.erase: a copy of x with [..., top:top+h, left:left+w] set to v (broadcast to [C,h,w]). */
ct_tensor *ct_tf_erase(ct_tensor *x, int64_t top, int64_t left, int64_t h, int64_t w, ct_tensor *v);

#ifdef __cplusplus
}
#endif
#endif
