/*
 * src/data/transforms_hue.c - F.adjust_hue as torchvision 0.14's tensor
 * implementation computes it: RGB -> HSV (Pillow's formulas), the hue
 * shifted modulo 1, HSV -> RGB, operation by operation in the image's float
 * type (float32 for uint8 images, which come back as float * 255 truncated),
 * so results equal torchvision's to the bit.
 */
#include <math.h>

#include "internal.h"

/*
 * hue_pixel_f32 / hue_pixel_f64: one pixel in T (float or double). The casts
 * keep every constant in T, as PyTorch does when it combines a Python
 * number with a tensor.
 */
#define DEFINE_HUE_PIXEL(NAME, T, FLOOR, FMOD)                                          \
    static void NAME(T r, T g, T b, T factor, T out[3]) {                               \
        /* _rgb2hsv */                                                                  \
        T maxc = r > g ? r : g, minc = r < g ? r : g;                                   \
        maxc = maxc > b ? maxc : b;                                                     \
        minc = minc < b ? minc : b;                                                     \
        bool eqc = maxc == minc;                                                        \
        T cr = maxc - minc;                                                             \
        T sat = cr / (eqc ? (T)1 : maxc);                                               \
        T div = eqc ? (T)1 : cr;                                                        \
        T rc = (maxc - r) / div, gc = (maxc - g) / div, bc = (maxc - b) / div;          \
        T hr = (T)(maxc == r) * (bc - gc);                                              \
        T hg = (T)(maxc == g && maxc != r) * ((T)2 + rc - bc);                          \
        T hb = (T)(maxc != g && maxc != r) * ((T)4 + gc - rc);                          \
        T h = FMOD((hr + hg + hb) / (T)6 + (T)1, (T)1);                                 \
        /* (h + hue_factor) % 1.0: Python's remainder takes the divisor's sign */       \
        h = FMOD(h + factor, (T)1);                                                     \
        if (h != 0 && h < 0) h += (T)1;                                                 \
        /* _hsv2rgb; its einsum with a one-hot mask picks one of p, q, t, v */          \
        T v = maxc, h6 = h * (T)6, fi = FLOOR(h6), f = h6 - fi;                         \
        T p = v * ((T)1 - sat), q = v * ((T)1 - sat * f), t = v * ((T)1 - sat * ((T)1 - f)); \
        p = p < 0 ? 0 : p > 1 ? 1 : p;                                                  \
        q = q < 0 ? 0 : q > 1 ? 1 : q;                                                  \
        t = t < 0 ? 0 : t > 1 ? 1 : t;                                                  \
        int i = ((int)fi % 6 + 6) % 6;                                                  \
        const T pick[6][3] = {{v, t, p}, {q, v, p}, {p, v, t}, {p, q, v}, {t, p, v}, {v, p, q}}; \
        out[0] = pick[i][0];                                                            \
        out[1] = pick[i][1];                                                            \
        out[2] = pick[i][2];                                                            \
    }
DEFINE_HUE_PIXEL(hue_pixel_f32, float, floorf, fmodf)
DEFINE_HUE_PIXEL(hue_pixel_f64, double, floor, fmod)

ct_tensor *ct_tf_adjust_hue(ct_tensor *img, double hue_factor) {
    const char *fn = "ct_adjust_hue";
    if (!(hue_factor >= -0.5 && hue_factor <= 0.5)) {
        ct_set_error(CT_ERR_VALUE, fn, "hue_factor (%g) is not in [-0.5, 0.5].", hue_factor);
        return NULL;
    }
    dt_layout layout;
    ct_tensor *x = dt_image_chw(img, &layout, fn);
    if (!x) return NULL;
    ct_dtype dt = ct_dtype_of(x);
    int64_t c = ct_size(x, -3);
    if (dt != CT_U8 && dt != CT_F32 && dt != CT_F64) {
        ct_free(x);
        ct_set_error(CT_ERR_TYPE, fn, "Input image tensor should be uint8 or float, got %s", ct_dtype_torch_name(dt));
        return NULL;
    }
    if (c != 1 && c != 3) {
        ct_free(x);
        ct_set_error(CT_ERR_TYPE, fn, "Input image tensor permitted channel values are [1, 3], but found %lld",
                     (long long)c);
        return NULL;
    }
    if (c == 1) { /* like PIL: a gray image has no hue */
        ct_tensor *same = ct_clone(x);
        ct_free(x);
        return dt_image_restore(same, layout);
    }
    ct_tensor *w = ct_to_dtype(x, dt == CT_F64 ? CT_F64 : CT_F32);
    ct_free(x);
    ct_tensor *src = w ? ct_contiguous(w) : NULL;
    ct_free(w);
    ct_tensor *out = src ? ct_empty_like(src) : NULL;
    if (!out) {
        ct_free(src);
        return NULL;
    }
    int64_t hw = ct_size(src, -2) * ct_size(src, -1), images = hw ? ct_numel(src) / (3 * hw) : 0;
    for (int64_t b = 0; b < images; b++)
        for (int64_t px = 0; px < hw; px++) {
            int64_t o = b * 3 * hw + px;
            if (dt == CT_F64) {
                const double *s = ct_data_f64(src) + o;
                double rgb[3];
                hue_pixel_f64(s[0], s[hw], s[2 * hw], hue_factor, rgb);
                double *d = ct_data_f64(out) + o;
                d[0] = rgb[0], d[hw] = rgb[1], d[2 * hw] = rgb[2];
            } else {
                const float *s = ct_data_f32(src) + o;
                float r = s[0], g = s[hw], bl = s[2 * hw], rgb[3];
                if (dt == CT_U8) r /= 255.0f, g /= 255.0f, bl /= 255.0f;
                hue_pixel_f32(r, g, bl, (float)hue_factor, rgb);
                float *d = ct_data_f32(out) + o;
                if (dt == CT_U8) /* (x * 255.0).to(uint8): truncation */
                    for (int k = 0; k < 3; k++) rgb[k] = (float)(uint8_t)(rgb[k] * 255.0f);
                d[0] = rgb[0], d[hw] = rgb[1], d[2 * hw] = rgb[2];
            }
        }
    ct_free(src);
    if (dt == CT_U8) {
        ct_tensor *r = ct_to_dtype(out, CT_U8);
        ct_free(out);
        out = r;
    }
    return dt_image_restore(out, layout);
}
