/*
 * src/data/grid.c - make_grid and save_image as in torchvision.utils, with
 * optional captions drawn under each image.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CAPTION_H 9 /* 7 font rows and a blank row above and below */

/* The images as a contiguous [B,C,H,W] float work tensor (1 channel repeated to 3). */
static ct_tensor *as_batch(ct_tensor *t, const char *fn) {
    int nd = ct_dim(t);
    if (nd < 2 || nd > 4) {
        ct_set_error(CT_ERR_VALUE, fn, "expected a [B,C,H,W], [C,H,W] or [H,W] tensor, got %d dims", nd);
        return NULL;
    }
    ct_dtype dt = ct_dtype_of(t) == CT_F64 ? CT_F64 : CT_F32;
    ct_tensor *f = ct_to_dtype(t, dt);
    ct_shape s = ct_shape_of(t);
    ct_shape b = {.ndim = 4, .d = {1, 1, 1, 1}};
    for (int i = 0; i < nd; i++) b.d[4 - nd + i] = s.d[i];
    ct_tensor *v = f ? ct_reshape(f, b) : NULL;
    ct_free(f);
    if (!v) return NULL;
    ct_tensor *r = b.d[1] == 1 ? ct_repeat(v, CT_SHAPE(1, 3, 1, 1)) : ct_clone(v);
    ct_free(v);
    return r;
}

/* norm_ip: clamp to [low, high], then (x - low) / max(high - low, 1e-5), in the work dtype. */
static void norm_range(ct_tensor *w, int64_t off, int64_t n, bool given, double lo, double hi) {
    bool f64 = ct_dtype_of(w) == CT_F64;
    if (!given) {
        lo = INFINITY;
        hi = -INFINITY;
        for (int64_t i = 0; i < n; i++) {
            double v = f64 ? ct_data_f64(w)[off + i] : (double)ct_data_f32(w)[off + i];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    }
    double d = hi - lo > 1e-5 ? hi - lo : 1e-5;
    for (int64_t i = 0; i < n; i++) {
        if (f64) {
            double *x = ct_data_f64(w) + off + i;
            *x = (fmin(fmax(*x, lo), hi) - lo) / d;
        } else {
            float *x = ct_data_f32(w) + off + i;
            *x = (fminf(fmaxf(*x, (float)lo), (float)hi) - (float)lo) / (float)d;
        }
    }
}

/* Draws text centred in the strip at (top, left, width) of every channel of grid [C,H,W]. */
static void draw_caption(ct_tensor *grid, const char *text, int64_t top, int64_t left, int64_t width) {
    int64_t c = ct_size(grid, 0), gh = ct_size(grid, 1), gw = ct_size(grid, 2);
    int64_t len = (int64_t)strlen(text), fit = (width + 1) / 6;
    if (len > fit) len = fit;
    int64_t x0 = left + (width - (len * 6 - 1)) / 2;
    bool f64 = ct_dtype_of(grid) == CT_F64;
    for (int64_t k = 0; k < len; k++) {
        const uint8_t *g = dt_font_glyph(text[k]);
        if (!g) continue;
        for (int r = 0; r < 7; r++)
            for (int col = 0; col < 5; col++) {
                if (!(g[r] >> (4 - col) & 1)) continue;
                int64_t y = top + 1 + r, x = x0 + k * 6 + col;
                if (y < 0 || y >= gh || x < 0 || x >= gw) continue;
                for (int64_t ch = 0; ch < c; ch++) {
                    if (f64) ct_data_f64(grid)[(ch * gh + y) * gw + x] = 1.0;
                    else ct_data_f32(grid)[(ch * gh + y) * gw + x] = 1.0f;
                }
            }
    }
}

ct_tensor *ct_make_grid_(ct_grid_args a) {
    const char *fn = "ct_make_grid";
    if (!a.tensor) {
        if (ct_last_error_code() == CT_OK) ct_set_error(CT_ERR_NULL, fn, "argument 'tensor' is NULL");
        return NULL;
    }
    int nrow = a.nrow > 0 ? a.nrow : 8;
    int64_t padding = a.padding == 0 ? 2 : a.padding < 0 ? 0 : a.padding;
    ct_tensor *w = as_batch(a.tensor, fn);
    if (!w) return NULL;
    int64_t B = ct_size(w, 0), C = ct_size(w, 1), H = ct_size(w, 2), W = ct_size(w, 3);
    if (a.normalize) {
        int64_t per = C * H * W;
        if (a.scale_each)
            for (int64_t b = 0; b < B; b++) norm_range(w, b * per, per, a.has_value_range, a.value_min, a.value_max);
        else
            norm_range(w, 0, B * per, a.has_value_range, a.value_min, a.value_max);
    }
    if (B == 1 && !a.captions) { /* torchvision returns a single image without padding */
        ct_tensor *r = ct_squeeze_dim(w, 0);
        ct_free(w);
        return r;
    }
    int64_t xmaps = nrow < B ? nrow : B, ymaps = (B + xmaps - 1) / xmaps;
    int64_t strip = a.captions ? CAPTION_H : 0;
    int64_t height = H + padding + strip, width = W + padding;
    ct_tensor *grid = ct_full(CT_SHAPE(C, height * ymaps + padding, width * xmaps + padding), a.pad_value,
                              .dtype = ct_dtype_of(w));
    for (int64_t k = 0; grid && k < B; k++) {
        int64_t y = k / xmaps, x = k % xmaps;
        ct_tensor *img = ct_select(w, 0, k);
        ct_tensor *rows = ct_narrow(grid, 1, y * height + padding, H);
        ct_tensor *cell = rows ? ct_narrow(rows, 2, x * width + padding, W) : NULL;
        bool ok = img && cell && ct_copy_(cell, img);
        ct_free(cell);
        ct_free(rows);
        ct_free(img);
        if (!ok) {
            ct_free(grid);
            grid = NULL;
            break;
        }
        if (a.captions && a.captions[k])
            draw_caption(grid, a.captions[k], y * height + padding + H, x * width + padding, W);
    }
    ct_free(w);
    return grid;
}

int ct_save_image_(const char *path, ct_grid_args a) {
    ct_tensor *grid = ct_make_grid_(a);
    if (!grid) return (int)ct_last_error_code();
    int64_t c = ct_size(grid, 0), h = ct_size(grid, 1), w = ct_size(grid, 2);
    ct_tensor *img = ct_empty(CT_SHAPE(h, w, c), .dtype = CT_U8);
    if (!img) {
        ct_free(grid);
        return (int)ct_last_error_code();
    }
    uint8_t *d = ct_data_u8(img);
    bool f64 = ct_dtype_of(grid) == CT_F64;
    for (int64_t ch = 0; ch < c; ch++)
        for (int64_t p = 0; p < h * w; p++) {
            /* grid.mul(255).add_(0.5).clamp_(0, 255).to(uint8) */
            double v = f64 ? ct_data_f64(grid)[ch * h * w + p] * 255.0 + 0.5
                           : (double)(ct_data_f32(grid)[ch * h * w + p] * 255.0f + 0.5f);
            d[p * c + ch] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    ct_free(grid);
    int rc = ct_image_write(path, img, 0);
    ct_free(img);
    return rc;
}
