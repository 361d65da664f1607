/*
 * tools/report_confusion.c - confusion_matrix.svg: rows are the true classes,
 * columns the predicted ones; each cell shows its count and is shaded by the
 * share of its row (so the diagonal reads as per-class recall), with the
 * recall of each class on the right.
 */
#include <stdio.h>

#include "cli.h"

#define CELL 52
#define LEFT 150
#define TOP 150

/* White to dark blue by t in [0, 1]. */
static void shade(double t, char *buf, size_t size) {
    static const int lo[3] = {247, 251, 255}, hi[3] = {8, 48, 107};
    int c[3];
    for (int k = 0; k < 3; k++) c[k] = (int)(lo[k] + (hi[k] - lo[k]) * t + 0.5);
    snprintf(buf, size, "#%02x%02x%02x", c[0], c[1], c[2]);
}

bool report_confusion_svg(const char *path, const eval_result *r, const char *const *names, const char *title) {
    int n = r->num_classes;
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "ctorch: cannot write '%s'\n", path);
        return false;
    }
    int w = LEFT + n * CELL + 110, h = TOP + n * CELL + 30;
    char esc[512];
    fprintf(f, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' viewBox='0 0 %d %d'>\n", w, h, w, h);
    fprintf(f,
            "<style>\n"
            "text { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; fill: #333; }\n"
            ".heading { font-size: 17px; font-weight: bold; text-anchor: middle; }\n"
            ".sub { font-size: 12px; text-anchor: middle; fill: #666; }\n"
            ".name { font-size: 12px; }\n"
            ".axis { font-size: 13px; font-weight: bold; text-anchor: middle; }\n"
            ".count { font-size: 12px; text-anchor: middle; }\n"
            "</style>\n<rect width='100%%' height='100%%' fill='white'/>\n");
    fprintf(f, "<text x='%d' y='28' class='heading'>Confusion matrix: %s</text>\n", w / 2,
            xml_escape(esc, sizeof esc, title));
    fprintf(f, "<text x='%d' y='48' class='sub'>%lld test images, accuracy %.2f%%; shade = share of the true class</text>\n",
            w / 2, (long long)r->n, 100 * r->acc);
    fprintf(f, "<text x='%d' y='%d' class='axis'>predicted class</text>\n", LEFT + n * CELL / 2, TOP - 76);
    fprintf(f, "<text transform='translate(30 %d) rotate(-90)' class='axis'>true class</text>\n", TOP + n * CELL / 2);
    fprintf(f, "<text x='%d' y='%d' class='axis'>recall</text>\n", LEFT + n * CELL + 50, TOP - 12);
    for (int j = 0; j < n; j++)
        fprintf(f, "<text transform='translate(%d %d) rotate(-35)' class='name'>%s</text>\n",
                LEFT + j * CELL + CELL / 2 - 4, TOP - 8, xml_escape(esc, sizeof esc, names[j]));
    for (int i = 0; i < n; i++) {
        int64_t row = 0;
        for (int j = 0; j < n; j++) row += r->confusion[i * n + j];
        int y = TOP + i * CELL;
        fprintf(f, "<text x='%d' y='%d' class='name' text-anchor='end'>%s</text>\n", LEFT - 8, y + CELL / 2 + 4,
                xml_escape(esc, sizeof esc, names[i]));
        for (int j = 0; j < n; j++) {
            int64_t c = r->confusion[i * n + j];
            double t = row ? (double)c / (double)row : 0;
            char fill[16];
            shade(t, fill, sizeof fill);
            fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='%s' stroke='white'/>\n", LEFT + j * CELL,
                    y, CELL, CELL, fill);
            if (c)
                fprintf(f, "<text x='%d' y='%d' class='count' style='fill: %s'>%lld</text>\n",
                        LEFT + j * CELL + CELL / 2, y + CELL / 2 + 4, t > 0.5 ? "white" : "#333",
                        (long long)c);
        }
        double recall = row ? (double)r->confusion[i * n + i] / (double)row : 0;
        fprintf(f, "<text x='%d' y='%d' class='count'>%.1f%%</text>\n", LEFT + n * CELL + 50, y + CELL / 2 + 4,
                100 * recall);
    }
    fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#888'/>\n", LEFT, TOP, n * CELL,
            n * CELL);
    fprintf(f, "</svg>\n");
    bool ok = fclose(f) == 0;
    if (!ok) fprintf(stderr, "ctorch: cannot write '%s'\n", path);
    return ok;
}
