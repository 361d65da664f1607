/*
 * tools/report_curves.c - curves.svg: training and validation loss (left) and
 * accuracy (right) per epoch, with the running training loss within epochs,
 * axes with round-number ticks, grid lines and a legend. Plain SVG text, so
 * any browser shows it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define W 1080
#define H 420
#define PANEL_W 400
#define PANEL_H 290
#define TOP 80
#define BLUE "#1f77b4"
#define ORANGE "#ff7f0e"
#define GREEN "#2ca02c"
#define LIGHT_BLUE "#9ecae1"

typedef struct panel {
    double x0, y0;         /* top-left corner of the plot area in pixels */
    double xmin, xmax, ymin, ymax;
} panel;

/* x keeps a small margin inside the frame so end points are not cut by it. */
#define XPAD 14
static double px(const panel *p, double x) {
    return p->x0 + XPAD + (x - p->xmin) / (p->xmax - p->xmin) * (PANEL_W - 2 * XPAD);
}
static double py(const panel *p, double y) { return p->y0 + PANEL_H - (y - p->ymin) / (p->ymax - p->ymin) * PANEL_H; }

/* A round step (1, 2, 2.5 or 5 times a power of ten) giving about n ticks over range. */
static double nice_step(double range, int n) {
    double raw = range / n, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 2.2 ? 2 : f < 3.5 ? 2.5 : f < 7 ? 5 : 10) * mag;
}

/* Digits after the point that show every multiple of step exactly (0.25 -> 2). */
static int decimals(double step) {
    int d = 0;
    double scaled = step;
    while (d < 6 && fabs(scaled - round(scaled)) > 1e-9 * fmax(1, scaled)) {
        scaled *= 10;
        d++;
    }
    return d;
}

static void axes(FILE *f, const panel *p, const char *title, const char *ylabel, bool percent) {
    fprintf(f, "<text x='%.1f' y='%.1f' class='title'>%s</text>\n", p->x0 + PANEL_W / 2.0, p->y0 - 14, title);
    double ys = nice_step(p->ymax - p->ymin, 5);
    for (double y = ceil(p->ymin / ys - 1e-9) * ys; y <= p->ymax + 1e-9; y += ys) {
        fprintf(f, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' class='grid'/>\n", p->x0, py(p, y),
                p->x0 + PANEL_W, py(p, y));
        double v = fabs(y) < ys * 1e-6 ? 0.0 : y; /* no "-0" */
        fprintf(f, "<text x='%.1f' y='%.1f' class='ytick'>%.*f%s</text>\n", p->x0 - 6, py(p, y) + 4,
                decimals(ys), v, percent ? "%" : "");
    }
    double xs = p->xmax - p->xmin <= 10 ? 1 : nice_step(p->xmax - p->xmin, 8);
    for (double x = p->xmin; x <= p->xmax + 1e-9; x += xs) {
        fprintf(f, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' class='grid'/>\n", px(p, x), p->y0, px(p, x),
                p->y0 + PANEL_H);
        fprintf(f, "<text x='%.1f' y='%.1f' class='xtick'>%g</text>\n", px(p, x), p->y0 + PANEL_H + 18, x);
    }
    fprintf(f, "<rect x='%.1f' y='%.1f' width='%d' height='%d' class='frame'/>\n", p->x0, p->y0, PANEL_W, PANEL_H);
    fprintf(f, "<text x='%.1f' y='%.1f' class='xlabel'>epoch</text>\n", p->x0 + PANEL_W / 2.0,
            p->y0 + PANEL_H + 40);
    fprintf(f, "<text transform='translate(%.1f %.1f) rotate(-90)' class='xlabel'>%s</text>\n", p->x0 - 48,
            p->y0 + PANEL_H / 2.0, ylabel);
}

/* A polyline with round markers through the finite points (x[i], y[i] * scale). */
static void series(FILE *f, const panel *p, const double *x, const double *y, int n, size_t stride,
                   double scale, const char *color, bool markers, double width) {
    fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='%.1f' stroke-linejoin='round' points='", color,
            width);
    for (int i = 0; i < n; i++) {
        double yv = *(const double *)((const char *)y + i * stride) * scale;
        double xv = *(const double *)((const char *)x + i * stride);
        if (isfinite(yv)) fprintf(f, "%.1f,%.1f ", px(p, xv), py(p, yv));
    }
    fprintf(f, "'/>\n");
    if (!markers) return;
    for (int i = 0; i < n; i++) {
        double yv = *(const double *)((const char *)y + i * stride) * scale;
        double xv = *(const double *)((const char *)x + i * stride);
        if (isfinite(yv))
            fprintf(f, "<circle cx='%.1f' cy='%.1f' r='4' fill='white' stroke='%s' stroke-width='2'/>\n",
                    px(p, xv), py(p, yv), color);
    }
}

static void legend(FILE *f, const panel *p, const char *const *labels, const char *const *colors, int n,
                   bool bottom) {
    double x = p->x0 + PANEL_W - 150, y = bottom ? p->y0 + PANEL_H - 12 - 20.0 * n : p->y0 + 10;
    fprintf(f, "<rect x='%.1f' y='%.1f' width='140' height='%d' rx='4' class='legend'/>\n", x, y, 20 * n + 8);
    for (int i = 0; i < n; i++) {
        double ly = y + 16 + 20.0 * i;
        fprintf(f, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%s' stroke-width='3'/>\n", x + 10,
                ly - 4, x + 34, ly - 4, colors[i]);
        fprintf(f, "<text x='%.1f' y='%.1f' class='legendtext'>%s</text>\n", x + 42, ly, labels[i]);
    }
}

bool report_curves_svg(const char *path, const history *h, const char *title, double test_acc) {
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "ctorch: cannot write '%s'\n", path);
        return false;
    }
    int n = h->n;
    bool has_val = n > 0 && isfinite(h->epochs[0].val_loss);
    double lmax = 0, amin = 100;
    for (int i = 0; i < n; i++) {
        const epoch_stats *e = &h->epochs[i];
        double v[2] = {e->train_loss, e->val_loss}, a[2] = {e->train_acc, e->val_acc};
        for (int k = 0; k < 2; k++) {
            if (isfinite(v[k]) && v[k] > lmax) lmax = v[k];
            if (isfinite(a[k]) && 100 * a[k] < amin) amin = 100 * a[k];
        }
    }
    for (int i = 0; i < h->nb; i++)
        if (isfinite(h->batch_loss[i]) && h->batch_loss[i] > lmax) lmax = h->batch_loss[i];
    if (isfinite(test_acc) && 100 * test_acc < amin) amin = 100 * test_acc;
    if (lmax <= 0) lmax = 1;
    double astep = nice_step(100 - amin + 1, 5);
    double xmax = n > 0 ? h->epochs[n - 1].epoch : 1;
    panel lp = {100, TOP, 0, xmax, 0, lmax * 1.08};
    panel ap = {100 + PANEL_W + 130, TOP, 0, xmax, fmax(0, floor((amin - astep / 2) / astep) * astep), 100};

    fprintf(f, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' viewBox='0 0 %d %d'>\n", W, H, W, H);
    fprintf(f,
            "<style>\n"
            "text { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; fill: #333; }\n"
            ".title { font-size: 15px; font-weight: bold; text-anchor: middle; }\n"
            ".heading { font-size: 18px; font-weight: bold; text-anchor: middle; }\n"
            ".ytick { font-size: 11px; text-anchor: end; }\n"
            ".xtick { font-size: 11px; text-anchor: middle; }\n"
            ".xlabel { font-size: 12px; text-anchor: middle; }\n"
            ".legendtext { font-size: 12px; }\n"
            ".grid { stroke: #e5e5e5; stroke-width: 1; }\n"
            ".frame { fill: none; stroke: #888; stroke-width: 1; }\n"
            ".legend { fill: white; fill-opacity: 0.9; stroke: #ccc; }\n"
            "</style>\n"
            "<rect width='100%%' height='100%%' fill='white'/>\n");
    char esc[512];
    xml_escape(esc, sizeof esc, title);
    if (isfinite(test_acc))
        fprintf(f, "<text x='%d' y='30' class='heading'>%s: test accuracy %.2f%%</text>\n", W / 2, esc,
                100 * test_acc);
    else
        fprintf(f, "<text x='%d' y='30' class='heading'>%s</text>\n", W / 2, esc);

    axes(f, &lp, "Loss", "cross-entropy loss", false);
    if (h->nb > 0) series(f, &lp, h->batch_x, h->batch_loss, h->nb, sizeof(double), 1, LIGHT_BLUE, false, 1.5);
    double ex[1024];
    int m = n < 1024 ? n : 1024;
    for (int i = 0; i < m; i++) ex[i] = h->epochs[i].epoch;
    double col[6][1024];
    for (int i = 0; i < m; i++) {
        col[0][i] = h->epochs[i].train_loss;
        col[1][i] = h->epochs[i].val_loss;
        col[2][i] = h->epochs[i].train_acc;
        col[3][i] = h->epochs[i].val_acc;
    }
    series(f, &lp, ex, col[0], m, sizeof(double), 1, BLUE, true, 2.5);
    if (has_val) series(f, &lp, ex, col[1], m, sizeof(double), 1, ORANGE, true, 2.5);
    {
        const char *labels[3] = {"train (epoch)", "validation", "train (running)"};
        const char *colors[3] = {BLUE, ORANGE, LIGHT_BLUE};
        const char *l2[3] = {labels[0], labels[2], NULL};
        const char *c2[3] = {colors[0], colors[2], NULL};
        if (has_val) legend(f, &lp, labels, colors, 3, false);
        else legend(f, &lp, l2, c2, 2, false);
    }

    axes(f, &ap, "Accuracy", "accuracy", true);
    series(f, &ap, ex, col[2], m, sizeof(double), 100, BLUE, true, 2.5);
    if (has_val) series(f, &ap, ex, col[3], m, sizeof(double), 100, ORANGE, true, 2.5);
    if (isfinite(test_acc) && n > 0) {
        double y = py(&ap, 100 * test_acc);
        fprintf(f, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%s' stroke-width='2' stroke-dasharray='6 4'/>\n",
                ap.x0 + 1, y, ap.x0 + PANEL_W - 1, y, GREEN);
        fprintf(f, "<text x='%.1f' y='%.1f' style='font-size: 12px; fill: %s' text-anchor='start'>test %.2f%%</text>\n",
                ap.x0 + 6, y - 6, GREEN, 100 * test_acc);
    }
    {
        const char *labels[3] = {"train", "validation", "test (final)"};
        const char *colors[3] = {BLUE, ORANGE, GREEN};
        const char *l2[2] = {"train", "test (final)"};
        const char *c2[2] = {BLUE, GREEN};
        if (has_val) legend(f, &ap, labels, colors, 3, true);
        else legend(f, &ap, l2, c2, 2, true);
    }
    fprintf(f, "</svg>\n");
    bool ok = fclose(f) == 0;
    if (!ok) fprintf(stderr, "ctorch: cannot write '%s'\n", path);
    return ok;
}
