/*
 * tools/report_grid.c - predictions.png: the first test images, enlarged,
 * each captioned with the predicted class and its probability (the study
 * notes' plot_image). A correct prediction's caption is blue; a wrong one's
 * is red, with the true class in parentheses on a second line and a red
 * frame around the image.
 *
 * Layout of one cell (the image is scaled so its width fits the longest
 * caption any class could get, so no caption is ever cut):
 *
 *     +-----------+
 *     |   image   |   ih x iw
 *     +-----------+
 *      ANKLE BOOT 97%      line 1: prediction and probability
 *      (T-SHIRT/TOP)       line 2: the true class, only when wrong
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define NROW 8        /* images per row */
#define GAP 10        /* pixels between cells and around the grid */
#define FRAME 2       /* width of the red frame around a wrong prediction's image */
#define TARGET_PX 140 /* images are enlarged to at least this width */
#define TEXT_SCALE 2  /* each pixel of the 5x7 caption font becomes TEXT_SCALE x TEXT_SCALE */
#define GLYPH_W 6     /* font advance: 5 columns and a blank one */
#define GLYPH_H 7
#define LINE_H (GLYPH_H * TEXT_SCALE + 4)
#define STRIP_H (FRAME + 4 + 2 * LINE_H) /* under the image: frame, space, two caption lines */
#define PAD_VALUE 0.1f                   /* grey of the background */

static const float blue[3] = {0.35f, 0.65f, 1.0f}, red[3] = {1.0f, 0.3f, 0.3f};

/* A [0, 1] intensity as a byte. */
static uint8_t byte_of(float v) { return (uint8_t)(255.0f * v + 0.5f); }

/* Width in pixels of text drawn at TEXT_SCALE. */
static int64_t text_width(const char *text) {
    int64_t len = (int64_t)strlen(text);
    return len ? (len * GLYPH_W - 1) * TEXT_SCALE : 0;
}

/*
 * The caption font is the one ct_make_grid uses (the public API has no other
 * way to draw text): ct_make_grid puts `text` under a blank one-pixel-high
 * image exactly wide enough for it, and the strip's rows 2..8 hold the glyphs
 * in 1.0 on 0, starting at column 1. Returns that grid, [3, 10, 6 * len + 1].
 */
static ct_tensor *rasterize(const char *text) {
    const char *caps[1] = {text};
    int64_t w = (int64_t)strlen(text) * GLYPH_W + 1;
    return ct_contiguous(ct_make_grid(.tensor = ct_zeros(CT_SHAPE(1, 1, 1, w)), .padding = -1, .pad_value = 0.0,
                                      .captions = caps));
}

/* Draws text in colour c, centred in [left, left + width) with its top at row top, into canvas uint8 [H,W,3]. */
static bool draw_text(ct_tensor *canvas, const char *text, int64_t top, int64_t left, int64_t width,
                      const float *c) {
    if (!*text) return true;
    if (text_width(text) > width) { /* the layout makes room for every caption; never cut one silently */
        ct_set_error(CT_ERR_VALUE, "report_prediction_grid", "caption '%s' is wider than its cell (%lld px)", text,
                     (long long)width);
        return false;
    }
    ct_tensor *bits = rasterize(text);
    if (!bits || ct_dtype_of(bits) != CT_F32) return false;
    int64_t bh = ct_size(bits, 1), bw = ct_size(bits, 2);
    int64_t H = ct_size(canvas, 0), W = ct_size(canvas, 1);
    int64_t x0 = left + (width - text_width(text)) / 2;
    const float *b = ct_data_f32(bits);
    uint8_t *px = ct_data_u8(canvas);
    for (int64_t r = 2; r < bh && r < 2 + GLYPH_H; r++)
        for (int64_t col = 1; col < bw; col++) {
            if (b[r * bw + col] != 1.0f) continue;
            for (int64_t dy = 0; dy < TEXT_SCALE; dy++)
                for (int64_t dx = 0; dx < TEXT_SCALE; dx++) {
                    int64_t y = top + (r - 2) * TEXT_SCALE + dy, x = x0 + (col - 1) * TEXT_SCALE + dx;
                    if (y < 0 || y >= H || x < 0 || x >= W) continue;
                    for (int k = 0; k < 3; k++) px[(y * W + x) * 3 + k] = byte_of(c[k]);
                }
        }
    return true;
}

/* Copies image k of imgs (float [n,3,ih,iw] in [0,1], contiguous) to the canvas at (top, left). */
static void paste_image(ct_tensor *canvas, ct_tensor *imgs, int64_t k, int64_t top, int64_t left) {
    int64_t ih = ct_size(imgs, 2), iw = ct_size(imgs, 3), W = ct_size(canvas, 1);
    const float *src = ct_data_f32(imgs) + k * 3 * ih * iw;
    uint8_t *px = ct_data_u8(canvas);
    for (int64_t y = 0; y < ih; y++)
        for (int64_t x = 0; x < iw; x++)
            for (int ch = 0; ch < 3; ch++)
                px[((top + y) * W + left + x) * 3 + ch] = byte_of(src[(ch * ih + y) * iw + x]);
}

/* A FRAME-pixel border in colour c just outside the image at (top, left, ih, iw). */
static void draw_frame(ct_tensor *canvas, int64_t top, int64_t left, int64_t ih, int64_t iw, const float *c) {
    int64_t H = ct_size(canvas, 0), W = ct_size(canvas, 1);
    uint8_t *px = ct_data_u8(canvas);
    for (int64_t y = top - FRAME; y < top + ih + FRAME; y++)
        for (int64_t x = left - FRAME; x < left + iw + FRAME; x++) {
            bool inside = y >= top && y < top + ih && x >= left && x < left + iw;
            if (inside || y < 0 || x < 0 || y >= H || x >= W) continue;
            for (int k = 0; k < 3; k++) px[(y * W + x) * 3 + k] = byte_of(c[k]);
        }
}

/* The two caption lines of sample i: "NAME 97%" and, for a mistake, "(TRUE NAME)". */
static void caption_lines(const eval_result *r, int i, const char *const *names, char *l1, char *l2, size_t size) {
    int pct = (int)(100 * r->sample_prob[i] + 0.5);
    snprintf(l1, size, "%s %d%%", names[r->sample_pred[i]], pct);
    if (r->sample_pred[i] == r->sample_true[i]) l2[0] = '\0';
    else snprintf(l2, size, "(%s)", names[r->sample_true[i]]);
}

/* The widest caption line any prediction could get ("T-shirt/top 100%"), so the layout is the same every run. */
static int64_t widest_caption(const char *const *names, int num_classes) {
    char line[96];
    int64_t w = 0;
    for (int c = 0; c < num_classes; c++) {
        snprintf(line, sizeof line, "%s 100%%", names[c]);
        int64_t a = text_width(line);
        snprintf(line, sizeof line, "(%s)", names[c]);
        int64_t b = text_width(line);
        w = a > w ? a : w;
        w = b > w ? b : w;
    }
    return w;
}

bool report_prediction_grid(const char *path, const eval_result *r, const data_info *info,
                            const char *const *names) {
    int n = r->n_samples;
    if (n == 0 || !r->sample_images) return true;
    if (n > 64) n = 64;
    bool ok = false;
    CT_SCOPE {
        int64_t w = ct_size(r->sample_images, 3);
        int64_t want = widest_caption(names, info->num_classes);
        if (want < TARGET_PX) want = TARGET_PX;
        int64_t scale = (want + w - 1) / w;
        /* undo Normalize, enlarge each pixel to scale x scale, gray to RGB */
        ct_tensor *mean = ct_from_data(info->mean, CT_F64, CT_SHAPE(1, info->channels, 1, 1));
        ct_tensor *std = ct_from_data(info->std, CT_F64, CT_SHAPE(1, info->channels, 1, 1));
        ct_tensor *imgs = ct_narrow(r->sample_images, 0, 0, n);
        imgs = ct_clamp(ct_add(ct_mul(imgs, ct_to_dtype(std, CT_F32)), ct_to_dtype(mean, CT_F32)), 0.0, 1.0);
        imgs = ct_interpolate(imgs, .scale_factor = {(double)scale, (double)scale});
        if (imgs && ct_size(imgs, 1) == 1) imgs = ct_repeat(imgs, CT_SHAPE(1, 3, 1, 1));
        imgs = ct_contiguous(imgs);
        if (imgs && ct_dtype_of(imgs) == CT_F32 && ct_size(imgs, 1) == 3) {
            int64_t ih = ct_size(imgs, 2), iw = ct_size(imgs, 3);
            int64_t cols = n < NROW ? n : NROW, rows = (n + cols - 1) / cols;
            int64_t pitch_x = iw + GAP, pitch_y = ih + STRIP_H + GAP;
            ct_tensor *canvas = ct_full(CT_SHAPE(rows * pitch_y + GAP, cols * pitch_x + GAP, 3),
                                        byte_of(PAD_VALUE), .dtype = CT_U8);
            ok = canvas != NULL;
            for (int i = 0; ok && i < n; i++) {
                char l1[96], l2[96];
                caption_lines(r, i, names, l1, l2, sizeof l1);
                bool right = r->sample_pred[i] == r->sample_true[i];
                const float *c = right ? blue : red;
                int64_t top = GAP + i / cols * pitch_y, left = GAP + i % cols * pitch_x;
                int64_t text_top = top + ih + FRAME + 4;
                paste_image(canvas, imgs, i, top, left);
                if (!right) draw_frame(canvas, top, left, ih, iw, c);
                ok = draw_text(canvas, l1, text_top, left, iw, c) &&
                     draw_text(canvas, l2, text_top + LINE_H, left, iw, c);
            }
            ok = ok && ct_image_write(path, canvas, 0) == 0;
        }
    }
    if (!ok) fprintf(stderr, "ctorch: cannot write '%s': %s\n", path, ct_last_error());
    return ok;
}
