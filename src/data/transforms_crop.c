/*
 * src/data/transforms_crop.c - pad, crop, CenterCrop and RandomCrop, with
 * torchvision's rules for crops that reach outside the image.
 */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

/* Pads a [..., C, H, W] tensor with a constant; a new reference. */
static ct_tensor *pad_chw(ct_tensor *x, int64_t l, int64_t t, int64_t r, int64_t b, double fill) {
    ct_shape s = ct_shape_of(x);
    int nd = s.ndim;
    s.d[nd - 2] += t + b;
    s.d[nd - 1] += l + r;
    ct_tensor *out = ct_full(s, fill, .dtype = ct_dtype_of(x));
    ct_tensor *rows = out ? ct_narrow(out, nd - 2, t, ct_size(x, -2)) : NULL;
    ct_tensor *inner = rows ? ct_narrow(rows, nd - 1, l, ct_size(x, -1)) : NULL;
    bool ok = inner && ct_copy_(inner, x);
    ct_free(inner);
    ct_free(rows);
    if (!ok) {
        ct_free(out);
        return NULL;
    }
    return out;
}

ct_tensor *ct_tf_pad(ct_tensor *img, int64_t left, int64_t top, int64_t right, int64_t bottom,
                     double fill) {
    const char *fn = "ct_pad";
    if (left < 0 || top < 0 || right < 0 || bottom < 0) {
        ct_set_error(CT_ERR_VALUE, fn, "padding must be non-negative, got (%lld, %lld, %lld, %lld)",
                     (long long)left, (long long)top, (long long)right, (long long)bottom);
        return NULL;
    }
    dt_layout layout;
    ct_tensor *chw = dt_image_chw(img, &layout, fn);
    if (!chw) return NULL;
    ct_tensor *r = pad_chw(chw, left, top, right, bottom, fill);
    ct_free(chw);
    return dt_image_restore(r, layout);
}

/* F_t.crop on [..., C, H, W]: a view, or zero padding where the box leaves the image. */
static ct_tensor *crop_chw(ct_tensor *x, int64_t top, int64_t left, int64_t height, int64_t width) {
    int nd = ct_dim(x);
    int64_t h = ct_size(x, -2), w = ct_size(x, -1);
    int64_t right = left + width, bottom = top + height;
    if (left >= 0 && top >= 0 && right <= w && bottom <= h) {
        ct_tensor *rows = ct_narrow(x, nd - 2, top, height);
        ct_tensor *r = rows ? ct_narrow(rows, nd - 1, left, width) : NULL;
        ct_free(rows);
        return r;
    }
    int64_t pl, pt, pr, pb;
    pl = -left + (right < 0 ? right : 0);
    pl = pl > 0 ? pl : 0;
    pt = -top + (bottom < 0 ? bottom : 0);
    pt = pt > 0 ? pt : 0;
    pr = right - (w > left ? w : left);
    pr = pr > 0 ? pr : 0;
    pb = bottom - (h > top ? h : top);
    pb = pb > 0 ? pb : 0;
    /* img[..., max(top, 0):bottom, max(left, 0):right], Python slicing clamps */
    int64_t r0 = top > 0 ? top : 0, r1 = bottom < h ? bottom : h;
    int64_t c0 = left > 0 ? left : 0, c1 = right < w ? right : w;
    if (r0 > h) r0 = h;
    if (c0 > w) c0 = w;
    ct_tensor *rows = ct_narrow(x, nd - 2, r0, r1 > r0 ? r1 - r0 : 0);
    ct_tensor *part = rows ? ct_narrow(rows, nd - 1, c0, c1 > c0 ? c1 - c0 : 0) : NULL;
    ct_free(rows);
    if (!part) return NULL;
    ct_tensor *r = pad_chw(part, pl, pt, pr, pb, 0.0);
    ct_free(part);
    return r;
}

ct_tensor *ct_tf_crop(ct_tensor *img, int64_t top, int64_t left, int64_t height, int64_t width) {
    const char *fn = "ct_crop";
    if (height < 0 || width < 0) {
        ct_set_error(CT_ERR_VALUE, fn, "crop size must be non-negative, got (%lld, %lld)", (long long)height,
                     (long long)width);
        return NULL;
    }
    dt_layout layout;
    ct_tensor *chw = dt_image_chw(img, &layout, fn);
    if (!chw) return NULL;
    ct_tensor *r = crop_chw(chw, top, left, height, width);
    ct_free(chw);
    return dt_image_restore(r, layout);
}

ct_tensor *ct_tf_center_crop(ct_tensor *img, int64_t ch, int64_t cw) {
    const char *fn = "ct_center_crop";
    if (ch <= 0 || cw <= 0) {
        ct_set_error(CT_ERR_VALUE, fn, "crop size must be positive, got (%lld, %lld)", (long long)ch, (long long)cw);
        return NULL;
    }
    dt_layout layout;
    ct_tensor *x = dt_image_chw(img, &layout, fn);
    if (!x) return NULL;
    int64_t h = ct_size(x, -2), w = ct_size(x, -1);
    if (cw > w || ch > h) {
        ct_tensor *padded = pad_chw(x, cw > w ? (cw - w) / 2 : 0, ch > h ? (ch - h) / 2 : 0,
                                    cw > w ? (cw - w + 1) / 2 : 0, ch > h ? (ch - h + 1) / 2 : 0, 0.0);
        ct_free(x);
        if (!padded) return NULL;
        x = padded;
        h = ct_size(x, -2);
        w = ct_size(x, -1);
    }
    /* int(round((h - ch) / 2.0)): Python rounds halves to even */
    int64_t top = (int64_t)nearbyint((double)(h - ch) / 2.0);
    int64_t left = (int64_t)nearbyint((double)(w - cw) / 2.0);
    ct_tensor *r = crop_chw(x, top, left, ch, cw);
    ct_free(x);
    return dt_image_restore(r, layout);
}

typedef struct {
    int64_t h, w;
} size_ctx;

static ct_tensor *center_crop_apply(ct_tensor *x, void *ctx, ct_generator *g) {
    size_ctx *c = ctx;
    return ct_tf_center_crop(x, c->h, c->w);
}

ct_transform *ct_center_crop(int64_t height, int64_t width) {
    if (width == 0) width = height;
    if (height <= 0 || width <= 0) {
        ct_set_error(CT_ERR_VALUE, "ct_center_crop", "crop size must be positive, got (%lld, %lld)",
                     (long long)height, (long long)width);
        return NULL;
    }
    size_ctx *c = malloc(sizeof *c);
    if (!c) {
        ct_set_error(CT_ERR_OOM, "ct_center_crop", "out of memory");
        return NULL;
    }
    c->h = height;
    c->w = width;
    return ct_transform_new("CenterCrop", center_crop_apply, c, free);
}

/* RandomCrop.forward, on the [..., C, H, W] view. */
static ct_tensor *random_crop_chw(ct_tensor *x, const ct_random_crop_args *a, ct_generator *g) {
    const char *fn = "ct_random_crop";
    ct_tensor *cur = ct_alias(x);
    if (cur && a->padding > 0) {
        ct_tensor *p = pad_chw(cur, a->padding, a->padding, a->padding, a->padding, a->fill);
        ct_free(cur);
        cur = p;
    }
    if (!cur) return NULL;
    int64_t height = ct_size(cur, -2), width = ct_size(cur, -1);
    if (a->pad_if_needed && width < a->width) {
        int64_t d = a->width - width;
        ct_tensor *p = pad_chw(cur, d, 0, d, 0, a->fill);
        ct_free(cur);
        if (!(cur = p)) return NULL;
    }
    if (a->pad_if_needed && height < a->height) {
        int64_t d = a->height - height;
        ct_tensor *p = pad_chw(cur, 0, d, 0, d, a->fill);
        ct_free(cur);
        if (!(cur = p)) return NULL;
    }
    int64_t h = ct_size(cur, -2), w = ct_size(cur, -1);
    if (h < a->height || w < a->width) {
        ct_set_error(CT_ERR_VALUE, fn, "Required crop size (%lld, %lld) is larger than input image size (%lld, %lld)",
                     (long long)a->height, (long long)a->width, (long long)h, (long long)w);
        ct_free(cur);
        return NULL;
    }
    int64_t i = 0, j = 0;
    if (!(h == a->height && w == a->width)) {
        i = dt_randint1(g, 0, h - a->height + 1);
        j = i >= 0 ? dt_randint1(g, 0, w - a->width + 1) : -1;
        if (i < 0 || j < 0) {
            ct_free(cur);
            return NULL;
        }
    }
    ct_tensor *r = crop_chw(cur, i, j, a->height, a->width);
    ct_free(cur);
    return r;
}

static ct_tensor *random_crop_apply(ct_tensor *x, void *ctx, ct_generator *g) {
    dt_layout layout;
    ct_tensor *chw = dt_image_chw(x, &layout, "ct_random_crop");
    if (!chw) return NULL;
    ct_tensor *r = random_crop_chw(chw, ctx, g);
    ct_free(chw);
    return dt_image_restore(r, layout);
}

ct_transform *ct_random_crop_(ct_random_crop_args a) {
    const char *fn = "ct_random_crop";
    if (a.width == 0) a.width = a.height;
    if (a.height <= 0 || a.width <= 0 || a.padding < 0) {
        ct_set_error(CT_ERR_VALUE, fn, "crop size must be positive and padding non-negative");
        return NULL;
    }
    ct_random_crop_args *c = malloc(sizeof *c);
    if (!c) {
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    *c = a;
    return ct_transform_new("RandomCrop", random_crop_apply, c, free);
}
