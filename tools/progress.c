/*
 * tools/progress.c - the per-epoch progress bar: one line redrawn in place
 * with \r on a terminal, plain lines every few seconds otherwise (logs, CI).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define BAR_WIDTH 24
#define LOG_EVERY_SECONDS 10.0

double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *format_duration(char *buf, size_t size, double s) {
    if (s < 0) s = 0;
    if (s < 60) snprintf(buf, size, "%.1fs", s);
    else if (s < 3600) snprintf(buf, size, "%dm%02ds", (int)s / 60, (int)s % 60);
    else snprintf(buf, size, "%dh%02dm", (int)s / 3600, (int)s % 3600 / 60);
    return buf;
}

void progress_start(progress *p, int epoch, int epochs, int64_t total) {
    memset(p, 0, sizeof *p);
    p->tty = isatty(fileno(stdout));
    p->epoch = epoch;
    p->epochs = epochs;
    p->total = total;
    p->start = p->last_print = now_seconds();
}

static void draw(progress *p, bool final) {
    double el = now_seconds() - p->start;
    double rate = el > 0 ? (double)p->samples / el : 0;
    double eta = p->done > 0 ? el / (double)p->done * (double)(p->total - p->done) : 0;
    double loss = p->done ? p->loss_sum / (double)p->samples : 0;
    double acc = p->samples ? 100.0 * (double)p->correct / (double)p->samples : 0;
    char t[32];
    int width = p->total >= 1000 ? 4 : p->total >= 100 ? 3 : 2;
    if (p->tty) {
        char bar[BAR_WIDTH + 1];
        int fill = p->total ? (int)(BAR_WIDTH * p->done / p->total) : BAR_WIDTH;
        for (int i = 0; i < BAR_WIDTH; i++) bar[i] = i < fill ? '#' : '.';
        bar[BAR_WIDTH] = 0;
        printf("\r\033[Kepoch %d/%d [%s] %*lld/%lld  loss %.4f  acc %5.2f%%  %5.0f img/s  %s %s",
               p->epoch, p->epochs, bar, width, (long long)p->done, (long long)p->total, loss, acc, rate,
               final ? "took" : "ETA", format_duration(t, sizeof t, final ? el : eta));
        if (final) printf("\n");
    } else {
        printf("epoch %d/%d  batch %*lld/%lld  loss %.4f  acc %5.2f%%  %5.0f img/s  %s %s\n", p->epoch,
               p->epochs, width, (long long)p->done, (long long)p->total, loss, acc, rate,
               final ? "took" : "ETA", format_duration(t, sizeof t, final ? el : eta));
    }
    fflush(stdout);
}

void progress_update(progress *p, int64_t batch_size, double loss, int64_t correct) {
    p->done++;
    p->samples += batch_size;
    p->loss_sum += loss * (double)batch_size;
    p->correct += correct;
    double t = now_seconds();
    /* Redraw a terminal line at most 10 times a second; a log line every 10 s. */
    double every = p->tty ? 0.1 : LOG_EVERY_SECONDS;
    if (t - p->last_print >= every && p->done < p->total) {
        p->last_print = t;
        draw(p, false);
    }
}

void progress_finish(progress *p) { draw(p, true); }
