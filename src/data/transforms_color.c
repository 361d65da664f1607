/*
 * src/data/transforms_color.c - brightness, contrast and saturation (F._blend
 * of the image with black, its mean gray, or its grayscale version) and
 * ColorJitter (hue is in transforms_hue.c). Float images stay in [0, 1]; uint8 results are truncated, as
 * torchvision's .to(uint8) does.
 */
#include <stdlib.h>

#include "internal.h"

/* A contiguous float32 or float64 copy of a [..., C, H, W] image (uint8 becomes float32). */
static ct_tensor *work_copy(ct_tensor *x) {
    ct_tensor *f = ct_to_dtype(x, ct_dtype_of(x) == CT_F64 ? CT_F64 : CT_F32);
    if (!f) return NULL;
    ct_tensor *c = ct_clone(f);
    ct_free(f);
    return c;
}

/* out = clamp(r * a + (1 - r) * b, 0, bound), element by element; b indexed by bidx. */
#define BLEND(T, a, b, n, bstride_fn, r, bound)                                          \
    do {                                                                                \
        T rr = (T)(r), rq = (T)(1.0 - (r));                                             \
        for (int64_t i = 0; i < (n); i++) {                                              \
            T v = rr * (a)[i] + rq * (b)[bstride_fn(i)];                                  \
            (a)[i] = v < 0 ? 0 : v > (T)(bound) ? (T)(bound) : v;                         \
        }                                                                               \
    } while (0)

/* Grayscale of every image: (0.2989 r + 0.587 g + 0.114 b), truncated for uint8 input. */
static ct_tensor *gray_of(ct_tensor *work, bool u8) {
    ct_shape s = ct_shape_of(work);
    int64_t hw = s.d[s.ndim - 2] * s.d[s.ndim - 1];
    int64_t images = ct_numel(work) / (3 * (hw ? hw : 1));
    s.d[s.ndim - 3] = 1;
    ct_tensor *g = ct_empty(s, .dtype = ct_dtype_of(work));
    if (!g || !hw) return g;
    if (ct_dtype_of(work) == CT_F32) {
        const float *x = ct_data_f32(work);
        float *d = ct_data_f32(g);
        for (int64_t b = 0; b < images; b++, x += 3 * hw, d += hw)
            for (int64_t p = 0; p < hw; p++) {
                float v = 0.2989f * x[p] + 0.587f * x[hw + p] + 0.114f * x[2 * hw + p];
                d[p] = u8 ? (float)(uint8_t)v : v;
            }
    } else {
        const double *x = ct_data_f64(work);
        double *d = ct_data_f64(g);
        for (int64_t b = 0; b < images; b++, x += 3 * hw, d += hw)
            for (int64_t p = 0; p < hw; p++) d[p] = 0.2989 * x[p] + 0.587 * x[hw + p] + 0.114 * x[2 * hw + p];
    }
    return g;
}

/* Mean of one image's grayscale version (the image itself for one channel). */
static double gray_mean(ct_tensor *w, int64_t off, int64_t c, int64_t hw, bool u8) {
    double sum = 0;
    bool f64 = ct_dtype_of(w) == CT_F64;
    for (int64_t p = 0; p < hw; p++) {
        if (f64) {
            const double *x = ct_data_f64(w) + off;
            sum += c == 3 ? 0.2989 * x[p] + 0.587 * x[hw + p] + 0.114 * x[2 * hw + p] : x[p];
        } else {
            const float *x = ct_data_f32(w) + off;
            float v = c == 3 ? 0.2989f * x[p] + 0.587f * x[hw + p] + 0.114f * x[2 * hw + p] : x[p];
            sum += u8 ? (double)(uint8_t)v : (double)v;
        }
    }
    return sum / (double)hw;
}

typedef enum { ADJ_BRIGHTNESS, ADJ_CONTRAST, ADJ_SATURATION } adjust_kind;

static ct_tensor *adjust(ct_tensor *img, double factor, adjust_kind kind, const char *fn) {
    if (!(factor >= 0)) {
        ct_set_error(CT_ERR_VALUE, fn, "%s_factor (%g) is not non-negative.",
                     kind == ADJ_BRIGHTNESS ? "brightness" : kind == ADJ_CONTRAST ? "contrast" : "saturation", factor);
        return NULL;
    }
    dt_layout layout;
    ct_tensor *x = dt_image_chw(img, &layout, fn);
    if (!x) return NULL;
    ct_dtype dt = ct_dtype_of(x);
    int64_t c = ct_size(x, -3);
    if ((dt != CT_U8 && dt != CT_F32 && dt != CT_F64) || (c != 1 && c != 3) ||
        (kind == ADJ_SATURATION && c != 3)) {
        ct_free(x);
        ct_set_error(CT_ERR_TYPE, fn, "Input image tensor permitted channel values are %s, with dtype uint8 or float",
                     kind == ADJ_SATURATION ? "[3]" : "[1, 3]");
        return NULL;
    }
    bool u8 = dt == CT_U8;
    double bound = u8 ? 255.0 : 1.0;
    ct_tensor *w = work_copy(x);
    ct_free(x);
    if (!w) return NULL;
    int64_t hw = ct_size(w, -2) * ct_size(w, -1), n = ct_numel(w);
    int64_t per = c * hw, images = per ? n / per : 0;
    ct_tensor *other = NULL; /* the image blended with */
    if (kind == ADJ_SATURATION) other = gray_of(w, u8);
    if (kind == ADJ_SATURATION && !other) {
        ct_free(w);
        return NULL;
    }
    for (int64_t b = 0; b < images; b++) {
        double mean = 0;
        if (kind == ADJ_CONTRAST) mean = gray_mean(w, b * per, c, hw, u8);
        if (dt == CT_F64) {
            double *a = ct_data_f64(w) + b * per;
            const double *o = other ? ct_data_f64(other) + b * hw : NULL;
            double zero = kind == ADJ_CONTRAST ? mean : 0;
#define IDX_ZERO(i) 0
#define IDX_GRAY(i) ((i) % hw)
            if (o) BLEND(double, a, o, per, IDX_GRAY, factor, bound);
            else BLEND(double, a, (&zero), per, IDX_ZERO, factor, bound);
        } else {
            float *a = ct_data_f32(w) + b * per;
            const float *o = other ? ct_data_f32(other) + b * hw : NULL;
            float zero = kind == ADJ_CONTRAST ? (float)mean : 0.0f;
            if (o) BLEND(float, a, o, per, IDX_GRAY, factor, bound);
            else BLEND(float, a, (&zero), per, IDX_ZERO, factor, bound);
        }
    }
    ct_free(other);
    ct_tensor *r = w;
    if (u8) {
        r = ct_to_dtype(w, CT_U8); /* truncates, like .to(torch.uint8) */
        ct_free(w);
    }
    return dt_image_restore(r, layout);
}

ct_tensor *ct_tf_adjust_brightness(ct_tensor *img, double f) {
    return adjust(img, f, ADJ_BRIGHTNESS, "ct_adjust_brightness");
}
ct_tensor *ct_tf_adjust_contrast(ct_tensor *img, double f) {
    return adjust(img, f, ADJ_CONTRAST, "ct_adjust_contrast");
}
ct_tensor *ct_tf_adjust_saturation(ct_tensor *img, double f) {
    return adjust(img, f, ADJ_SATURATION, "ct_adjust_saturation");
}

ct_tensor *ct_tf_rgb_to_grayscale(ct_tensor *img) {
    const char *fn = "ct_rgb_to_grayscale";
    dt_layout layout;
    ct_tensor *x = dt_image_chw(img, &layout, fn);
    if (!x) return NULL;
    if (ct_size(x, -3) != 3) {
        ct_free(x);
        ct_set_error(CT_ERR_TYPE, fn, "Input image tensor permitted channel values are [3], got %lld",
                     (long long)ct_size(x, -3));
        return NULL;
    }
    ct_dtype dt = ct_dtype_of(x);
    ct_tensor *w = work_copy(x);
    ct_free(x);
    ct_tensor *g = w ? gray_of(w, dt == CT_U8) : NULL;
    ct_free(w);
    if (g && dt != ct_dtype_of(g)) {
        ct_tensor *r = ct_to_dtype(g, dt);
        ct_free(g);
        g = r;
    }
    return dt_image_restore(g, layout);
}

typedef struct {
    double b[2], c[2], s[2], h[2];
    bool has_b, has_c, has_s, has_h;
} jitter_ctx;

/* ColorJitter.forward: randperm(4), then the factors, then the adjustments in that order. */
static ct_tensor *jitter_apply(ct_tensor *x, void *ctx, ct_generator *g) {
    jitter_ctx *j = ctx;
    ct_tensor *perm = ct_randperm(4, .generator = g);
    if (!perm) return NULL;
    int64_t order[4];
    for (int i = 0; i < 4; i++) order[i] = ct_data_i64(perm)[i];
    ct_free(perm);
    double fb = j->has_b ? dt_uniform1(g, j->b[0], j->b[1]) : 0;
    double fc = j->has_c ? dt_uniform1(g, j->c[0], j->c[1]) : 0;
    double fs = j->has_s ? dt_uniform1(g, j->s[0], j->s[1]) : 0;
    double fh = j->has_h ? dt_uniform1(g, j->h[0], j->h[1]) : 0;
    if (fb != fb || fc != fc || fs != fs || fh != fh) return NULL;
    ct_tensor *cur = ct_alias(x);
    for (int i = 0; i < 4 && cur; i++) {
        ct_tensor *next = NULL;
        if (order[i] == 0 && j->has_b) next = ct_tf_adjust_brightness(cur, fb);
        else if (order[i] == 1 && j->has_c) next = ct_tf_adjust_contrast(cur, fc);
        else if (order[i] == 2 && j->has_s) next = ct_tf_adjust_saturation(cur, fs);
        else if (order[i] == 3 && j->has_h) next = ct_tf_adjust_hue(cur, fh);
        else continue;
        ct_free(cur);
        cur = next;
    }
    return cur;
}

/* _check_input: v -> [center - v, center + v], the low end clipped at 0 for the factors; 0 means "leave alone". */
static bool range_of(double v, double center, bool clip, double r[2]) {
    r[0] = clip && center - v < 0 ? 0 : center - v;
    r[1] = center + v;
    return v != 0;
}

ct_transform *ct_color_jitter_(ct_color_jitter_args a) {
    const char *fn = "ct_color_jitter";
    const char *names[4] = {"brightness", "contrast", "saturation", "hue"};
    double v[4] = {a.brightness, a.contrast, a.saturation, a.hue};
    for (int i = 0; i < 4; i++)
        if (!(v[i] >= 0)) {
            ct_set_error(CT_ERR_VALUE, fn, "If %s is a single number, it must be non negative.", names[i]);
            return NULL;
        }
    if (a.hue > 0.5) {
        ct_set_error(CT_ERR_VALUE, fn, "hue values should be between (-0.5, 0.5), got [%g, %g]", -a.hue, a.hue);
        return NULL;
    }
    jitter_ctx *j = malloc(sizeof *j);
    if (!j) {
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    j->has_b = range_of(a.brightness, 1, true, j->b);
    j->has_c = range_of(a.contrast, 1, true, j->c);
    j->has_s = range_of(a.saturation, 1, true, j->s);
    j->has_h = range_of(a.hue, 0, false, j->h);
    return ct_transform_new("ColorJitter", jitter_apply, j, free);
}
