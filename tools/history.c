/*
 * tools/history.c - the numbers a run collects per epoch and per few batches.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static bool grow(void **p, int *cap, int need, size_t elem) {
    if (need <= *cap) return true;
    int n = *cap ? *cap * 2 : 64;
    while (n < need) n *= 2;
    void *q = realloc(*p, (size_t)n * elem);
    if (!q) return false;
    *p = q;
    *cap = n;
    return true;
}

bool history_add_epoch(history *h, epoch_stats s) {
    if (!grow((void **)&h->epochs, &h->cap, h->n + 1, sizeof *h->epochs)) return false;
    h->epochs[h->n++] = s;
    return true;
}

bool history_add_batch(history *h, double x, double loss) {
    int cap = h->capb;
    if (!grow((void **)&h->batch_x, &cap, h->nb + 1, sizeof(double))) return false;
    cap = h->capb;
    if (!grow((void **)&h->batch_loss, &cap, h->nb + 1, sizeof(double))) return false;
    h->capb = cap;
    h->batch_x[h->nb] = x;
    h->batch_loss[h->nb] = loss;
    h->nb++;
    return true;
}

void history_free(history *h) {
    free(h->epochs);
    free(h->batch_x);
    free(h->batch_loss);
    memset(h, 0, sizeof *h);
}
