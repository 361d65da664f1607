/*
 * src/data/transforms_affine.c - rotate and affine as torchvision's tensor
 * path does them: the inverse affine matrix (in double, like Python), an
 * output grid and grid_sample (align_corners=False, zeros padding) in the
 * image's float type, and the fill applied through a sampled mask channel.
 */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

/* torchvision's _get_inverse_affine_matrix (center, angle, translate, scale, shear). */
static void inverse_affine(double cx, double cy, double angle, double tx, double ty, double scale,
                           double shx, double shy, double m[6]) {
    const double d2r = 3.14159265358979323846 / 180.0;
    double rot = angle * d2r, sx = shx * d2r, sy = shy * d2r;
    double a = cos(rot - sy) / cos(sy);
    double b = -cos(rot - sy) * tan(sx) / cos(sy) - sin(rot);
    double c = sin(rot - sy) / cos(sy);
    double d = -sin(rot - sy) * tan(sx) / cos(sy) + cos(rot);
    m[0] = d / scale;
    m[1] = -b / scale;
    m[2] = 0.0 / scale;
    m[3] = -c / scale;
    m[4] = a / scale;
    m[5] = 0.0 / scale;
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
    m[2] += cx;
    m[5] += cy;
}

/*
 * Samples every plane of src [P,H,W] (float64 data) at the grid made from
 * theta, writing dst [P,H,W]; computes in float when single is set.
 */
static void warp(const double *src, double *dst, int64_t planes, int64_t h, int64_t w, const double m[6],
                 bool single, ct_interpolation mode, double fill) {
    for (int64_t y = 0; y < h; y++)
        for (int64_t x = 0; x < w; x++) {
            /* _gen_affine_grid: base (x, y, 1) centred on pixel centres, then theta / (w/2, h/2) */
            double bx = -(double)w * 0.5 + 0.5 + (double)x, by = -(double)h * 0.5 + 0.5 + (double)y;
            double gx, gy, ix, iy;
            if (single) {
                float fx = (float)bx, fy = (float)by, hw = 0.5f * (float)w, hh = 0.5f * (float)h;
                float g0 = fx * ((float)m[0] / hw) + fy * ((float)m[1] / hw) + (float)m[2] / hw;
                float g1 = fx * ((float)m[3] / hh) + fy * ((float)m[4] / hh) + (float)m[5] / hh;
                ix = (double)(((g0 + 1.0f) * (float)w - 1.0f) / 2.0f);
                iy = (double)(((g1 + 1.0f) * (float)h - 1.0f) / 2.0f);
            } else {
                gx = bx * (m[0] / (0.5 * w)) + by * (m[1] / (0.5 * w)) + m[2] / (0.5 * w);
                gy = bx * (m[3] / (0.5 * h)) + by * (m[4] / (0.5 * h)) + m[5] / (0.5 * h);
                ix = ((gx + 1) * w - 1) / 2;
                iy = ((gy + 1) * h - 1) / 2;
            }
            int64_t off = y * w + x;
            if (mode == CT_INTERP_NEAREST) {
                double nx = nearbyint(ix), ny = nearbyint(iy);
                bool in = nx >= 0 && ny >= 0 && nx < (double)w && ny < (double)h;
                for (int64_t p = 0; p < planes; p++)
                    dst[p * h * w + off] = in ? src[p * h * w + (int64_t)ny * w + (int64_t)nx] : fill;
                continue;
            }
            double x0 = floor(ix), y0 = floor(iy);
            double wx1 = ix - x0, wy1 = iy - y0, wx0 = (x0 + 1) - ix, wy0 = (y0 + 1) - iy;
            if (single) {
                wx1 = (float)ix - (float)x0;
                wy1 = (float)iy - (float)y0;
                wx0 = ((float)x0 + 1.0f) - (float)ix;
                wy0 = ((float)y0 + 1.0f) - (float)iy;
            }
            const double wt[4] = {wx0 * wy0, wx1 * wy0, wx0 * wy1, wx1 * wy1};
            const int64_t cx[4] = {(int64_t)x0, (int64_t)x0 + 1, (int64_t)x0, (int64_t)x0 + 1};
            const int64_t cy[4] = {(int64_t)y0, (int64_t)y0, (int64_t)y0 + 1, (int64_t)y0 + 1};
            double mask = 0;
            bool inside[4];
            for (int k = 0; k < 4; k++) {
                inside[k] = cx[k] >= 0 && cy[k] >= 0 && cx[k] < w && cy[k] < h;
                if (inside[k]) mask += wt[k];
            }
            for (int64_t p = 0; p < planes; p++) {
                double v = 0;
                for (int k = 0; k < 4; k++)
                    if (inside[k]) v += src[p * h * w + cy[k] * w + cx[k]] * wt[k];
                /* img * mask + (1 - mask) * fill */
                dst[p * h * w + off] = v * mask + (1.0 - mask) * fill;
            }
        }
}

static ct_tensor *affine_impl(ct_tensor *img, const double m[6], ct_interpolation mode, double fill,
                              const char *fn) {
    if (mode != CT_INTERP_NEAREST && mode != CT_INTERP_BILINEAR) {
        ct_set_error(CT_ERR_VALUE, fn, "interpolation should be nearest or bilinear");
        return NULL;
    }
    dt_layout layout;
    ct_tensor *x = dt_image_chw(img, &layout, fn);
    if (!x) return NULL;
    ct_dtype dt = ct_dtype_of(x);
    if (dt != CT_U8 && dt != CT_F32 && dt != CT_F64) {
        ct_free(x);
        ct_set_error(CT_ERR_TYPE, fn, "expected a uint8, float32 or float64 image, got %s", ct_dtype_torch_name(dt));
        return NULL;
    }
    ct_tensor *src = dt_float_work(x);
    ct_free(x);
    ct_tensor *out = src ? ct_empty_like(src) : NULL;
    if (!out) {
        ct_free(src);
        return NULL;
    }
    int64_t h = ct_size(src, -2), w = ct_size(src, -1);
    int64_t planes = (h > 0 && w > 0) ? ct_numel(src) / (h * w) : 0;
    if (planes) warp(ct_data_f64(src), ct_data_f64(out), planes, h, w, m, dt != CT_F64, mode, fill);
    ct_free(src);
    return dt_image_restore(dt_from_float_work(out, dt, true), layout);
}

ct_tensor *ct_tf_rotate(ct_tensor *img, double angle, ct_interpolation mode, double fill) {
    double m[6];
    inverse_affine(0, 0, -angle, 0, 0, 1.0, 0, 0, m);
    return affine_impl(img, m, mode, fill, "ct_rotate");
}

ct_tensor *ct_tf_affine(ct_tensor *img, double angle, double tx, double ty, double scale, double shear_x,
                        double shear_y, ct_interpolation mode, double fill) {
    if (!(scale > 0)) {
        ct_set_error(CT_ERR_VALUE, "ct_affine", "Argument scale should be positive");
        return NULL;
    }
    double m[6];
    inverse_affine(0, 0, angle, tx, ty, scale, shear_x, shear_y, m);
    return affine_impl(img, m, mode, fill, "ct_affine");
}

/* RandomRotation.forward: angle = uniform(-degrees, degrees) as float32. */
static ct_tensor *random_rotation_apply(ct_tensor *x, void *ctx, ct_generator *g) {
    ct_affine_args *a = ctx;
    double angle = dt_uniform1(g, -a->degrees, a->degrees);
    if (angle != angle) return NULL;
    return ct_tf_rotate(x, angle, a->interpolation, a->fill);
}

/* RandomAffine.get_params then F.affine. */
static ct_tensor *random_affine_apply(ct_tensor *x, void *ctx, ct_generator *g) {
    ct_affine_args *a = ctx;
    if (!x || ct_dim(x) < 2) return ct_tf_rotate(x, 0, a->interpolation, a->fill); /* reports the error */
    bool hwc = ct_dim(x) == 3 && ct_dtype_of(x) == CT_U8;
    double h = (double)ct_size(x, hwc ? 0 : -2), w = (double)ct_size(x, hwc ? 1 : -1);
    double angle = dt_uniform1(g, -a->degrees, a->degrees);
    double tx = 0, ty = 0, scale = 1.0;
    if (a->translate_x > 0 || a->translate_y > 0) {
        double mx = a->translate_x * w, my = a->translate_y * h;
        tx = nearbyint(dt_uniform1(g, -mx, mx));
        ty = nearbyint(dt_uniform1(g, -my, my));
    }
    if (a->scale_min > 0 || a->scale_max > 0) scale = dt_uniform1(g, a->scale_min, a->scale_max);
    if (angle != angle || tx != tx || ty != ty || scale != scale) return NULL;
    return ct_tf_affine(x, angle, tx, ty, scale, 0, 0, a->interpolation, a->fill);
}

static ct_transform *make(ct_affine_args a, bool affine) {
    const char *fn = affine ? "ct_random_affine" : "ct_random_rotation";
    const char *bad = NULL;
    if (!(a.degrees >= 0)) bad = "If degrees is a single number, it must be positive.";
    else if (a.translate_x < 0 || a.translate_x > 1 || a.translate_y < 0 || a.translate_y > 1)
        bad = "translation values should be between 0 and 1";
    else if (a.scale_min < 0 || a.scale_max < a.scale_min || ((a.scale_min > 0) != (a.scale_max > 0)))
        bad = "scale values should be positive";
    if (bad) {
        ct_set_error(CT_ERR_VALUE, fn, "%s", bad);
        return NULL;
    }
    ct_affine_args *c = malloc(sizeof *c);
    if (!c) {
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    *c = a;
    return affine ? ct_transform_new("RandomAffine", random_affine_apply, c, free)
                  : ct_transform_new("RandomRotation", random_rotation_apply, c, free);
}

ct_transform *ct_random_rotation_(ct_affine_args a) { return make(a, false); }
ct_transform *ct_random_affine_(ct_affine_args a) { return make(a, true); }
