/*
 * tools/report_grid.c - predictions.png: the first test images, enlarged,
 * each captioned with the predicted class and its probability (the study
 * notes' plot_image); a correct prediction's caption is blue, a wrong one's
 * red with the true class in parentheses and a red frame.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define NROW 8
#define PADDING 4
#define CAPTION_H 9 /* the caption strip ct_make_grid draws under each image */
#define TARGET_PX 140

static const float blue[3] = {0.35f, 0.65f, 1.0f}, red[3] = {1.0f, 0.3f, 0.3f};

/* Colours caption text (pixels at 1.0 in the strip) and, for mistakes, the frame around the image. */
static void colour_cell(float *g, int64_t gh, int64_t gw, int64_t top, int64_t left, int64_t ih, int64_t iw,
                        bool right) {
    const float *c = right ? blue : red;
    int64_t plane = gh * gw;
    for (int64_t y = top + ih; y < top + ih + CAPTION_H && y < gh; y++)
        for (int64_t x = left; x < left + iw; x++)
            if (g[y * gw + x] == 1.0f && g[plane + y * gw + x] == 1.0f && g[2 * plane + y * gw + x] == 1.0f)
                for (int k = 0; k < 3; k++) g[k * plane + y * gw + x] = c[k];
    if (right) return;
    for (int64_t y = top - 2; y < top + ih + 2; y++)
        for (int64_t x = left - 2; x < left + iw + 2; x++) {
            bool inside = y >= top && y < top + ih && x >= left && x < left + iw;
            if (inside || y < 0 || x < 0 || y >= gh || x >= gw) continue;
            for (int k = 0; k < 3; k++) g[k * plane + y * gw + x] = c[k];
        }
}

bool report_prediction_grid(const char *path, const eval_result *r, const data_info *info,
                            const char *const *short_names) {
    int n = r->n_samples;
    if (n == 0 || !r->sample_images) return true;
    char captions[64][40];
    const char *caps[64];
    if (n > 64) n = 64;
    for (int i = 0; i < n; i++) {
        const char *p = short_names[r->sample_pred[i]], *t = short_names[r->sample_true[i]];
        int pct = (int)(100 * r->sample_prob[i] + 0.5);
        if (r->sample_pred[i] == r->sample_true[i]) snprintf(captions[i], sizeof captions[i], "%s %d%%", p, pct);
        else snprintf(captions[i], sizeof captions[i], "%s %d%% (%s)", p, pct, t);
        caps[i] = captions[i];
    }
    bool ok = false;
    CT_SCOPE {
        int64_t scale = (TARGET_PX + info->width - 1) / info->width;
        /* undo Normalize, then enlarge each pixel to scale x scale */
        ct_tensor *mean = ct_from_data(info->mean, CT_F64, CT_SHAPE(1, info->channels, 1, 1));
        ct_tensor *std = ct_from_data(info->std, CT_F64, CT_SHAPE(1, info->channels, 1, 1));
        ct_tensor *imgs = ct_narrow(r->sample_images, 0, 0, n);
        imgs = ct_clamp(ct_add(ct_mul(imgs, ct_to_dtype(std, CT_F32)), ct_to_dtype(mean, CT_F32)), 0.0, 1.0);
        imgs = ct_interpolate(imgs, .scale_factor = {(double)scale, (double)scale});
        ct_tensor *grid = ct_contiguous(ct_make_grid(.tensor = imgs, .nrow = NROW, .padding = PADDING,
                                                     .pad_value = 0.1, .captions = caps));
        if (grid && ct_dtype_of(grid) == CT_F32) {
            int64_t gh = ct_size(grid, 1), gw = ct_size(grid, 2), ih = ct_size(imgs, 2), iw = ct_size(imgs, 3);
            float *g = ct_data_f32(grid);
            for (int i = 0; i < n; i++) {
                int64_t row = i / NROW, col = i % NROW;
                int64_t top = row * (ih + PADDING + CAPTION_H) + PADDING, left = col * (iw + PADDING) + PADDING;
                colour_cell(g, gh, gw, top, left, ih, iw, r->sample_pred[i] == r->sample_true[i]);
            }
            /* [3,H,W] in [0,1] -> uint8 [H,W,3] */
            ct_tensor *u8 = ct_to_dtype(ct_round(ct_mul_scalar(ct_permute(grid, CT_DIMS(1, 2, 0)), 255.0)), CT_U8);
            ok = u8 && ct_image_write(path, ct_contiguous(u8), 0) == 0;
        }
    }
    if (!ok) fprintf(stderr, "ctorch: cannot write '%s': %s\n", path, ct_last_error());
    return ok;
}
