/*
 * tools/report_metrics.c - metrics.csv (one row per epoch) and metrics.json
 * (the options, every epoch, the test result and the time taken).
 */
#include <math.h>
#include <stdio.h>

#include "cli.h"

/* A number for JSON: NaN and infinities (no validation set) become null. */
static void jnum(FILE *f, double v) {
    if (isfinite(v)) fprintf(f, "%.6g", v);
    else fprintf(f, "null");
}

static void jstr(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static bool write_csv(const char *path, const history *h) {
    FILE *f = fopen(path, "w");
    if (!f) return false;
    fprintf(f, "epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds\n");
    for (int i = 0; i < h->n; i++) {
        const epoch_stats *e = &h->epochs[i];
        fprintf(f, "%d,%.6f,%.6f,", e->epoch, e->train_loss, e->train_acc);
        if (isfinite(e->val_loss)) fprintf(f, "%.6f,%.6f,", e->val_loss, e->val_acc);
        else fprintf(f, ",,");
        fprintf(f, "%.6g,%.2f\n", e->lr, e->seconds);
    }
    return fclose(f) == 0;
}

static bool write_json(const char *path, const history *h, const train_config *c, double test_loss,
                       double test_acc, double seconds) {
    FILE *f = fopen(path, "w");
    if (!f) return false;
    fprintf(f, "{\n  \"model\": ");
    jstr(f, c->model);
    fprintf(f, ",\n  \"dataset\": ");
    jstr(f, c->dataset);
    fprintf(f, ",\n  \"config\": {\"epochs\": %d, \"batch_size\": %d, \"optimizer\": ", c->epochs, c->batch_size);
    jstr(f, c->optimizer);
    fprintf(f, ", \"lr\": ");
    jnum(f, c->lr > 0 ? c->lr : NAN);
    fprintf(f, ", \"schedule\": ");
    jstr(f, c->schedule);
    fprintf(f, ", \"augment\": ");
    jstr(f, c->augment);
    fprintf(f, ", \"val_split\": %d, \"patience\": %d, \"seed\": %llu, \"threads\": %d},\n", c->val_split,
            c->patience, (unsigned long long)c->seed, ct_get_num_threads());
    fprintf(f, "  \"epochs\": [\n");
    for (int i = 0; i < h->n; i++) {
        const epoch_stats *e = &h->epochs[i];
        fprintf(f, "    {\"epoch\": %d, \"train_loss\": ", e->epoch);
        jnum(f, e->train_loss);
        fprintf(f, ", \"train_acc\": ");
        jnum(f, e->train_acc);
        fprintf(f, ", \"val_loss\": ");
        jnum(f, e->val_loss);
        fprintf(f, ", \"val_acc\": ");
        jnum(f, e->val_acc);
        fprintf(f, ", \"lr\": ");
        jnum(f, e->lr);
        fprintf(f, ", \"seconds\": %.2f}%s\n", e->seconds, i + 1 < h->n ? "," : "");
    }
    fprintf(f, "  ],\n  \"test\": {\"loss\": ");
    jnum(f, test_loss);
    fprintf(f, ", \"accuracy\": ");
    jnum(f, test_acc);
    fprintf(f, "},\n  \"best_epoch\": %d,\n  \"seconds\": %.2f\n}\n", h->best_epoch, seconds);
    return fclose(f) == 0;
}

bool report_metrics(const char *dir, const history *h, const train_config *cfg, double test_loss,
                    double test_acc, double seconds) {
    char path[1200];
    bool ok = write_csv(path_join(path, sizeof path, dir, "metrics.csv"), h);
    if (ok) ok = write_json(path_join(path, sizeof path, dir, "metrics.json"), h, cfg, test_loss, test_acc, seconds);
    if (!ok) fprintf(stderr, "ctorch: cannot write '%s'\n", path);
    return ok;
}
