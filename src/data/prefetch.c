/*
 * src/data/prefetch.c - loader worker threads with a bounded queue. Workers
 * claim batch numbers in order and put batch b in slot b % nslots; a worker
 * only claims b when that slot is free (b < next + nslots), so at most
 * nslots batches are in memory, and the consumer takes them strictly in
 * order: the batches are exactly those of the synchronous path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader_internal.h"

static void *worker_main(void *arg) {
    ct_loader_iter *it = arg;
    pthread_mutex_lock(&it->lock);
    for (;;) {
        while (!it->stop && (it->claimed >= it->nbatches || it->claimed >= it->next + it->nslots))
            pthread_cond_wait(&it->work_cv, &it->lock);
        if (it->stop) break;
        int64_t b = it->claimed++;
        pthread_mutex_unlock(&it->lock);

        ct_sample batch = {0, {NULL}};
        ct_clear_error();
        int rc = dt_loader_load_batch(it, b, &batch);

        pthread_mutex_lock(&it->lock);
        loader_slot *s = &it->slots[b % it->nslots];
        s->batch = batch;
        s->rc = rc;
        if (rc != 0) snprintf(s->message, sizeof s->message, "%s", ct_last_error());
        s->ready = true;
        pthread_cond_broadcast(&it->ready_cv);
    }
    pthread_mutex_unlock(&it->lock);
    return NULL;
}

int dt_prefetch_start(ct_loader_iter *it) {
    const char *fn = "ct_loader_iter_new";
    it->nslots = it->nworkers * (it->loader->prefetch_factor > 0 ? it->loader->prefetch_factor : 2);
    it->slots = calloc((size_t)it->nslots, sizeof *it->slots);
    it->threads = calloc((size_t)it->nworkers, sizeof *it->threads);
    if (!it->slots || !it->threads) return ct_set_error(CT_ERR_OOM, fn, "out of memory");
    pthread_mutex_init(&it->lock, NULL);
    pthread_cond_init(&it->work_cv, NULL);
    pthread_cond_init(&it->ready_cv, NULL);
    int started = 0;
    for (; started < it->nworkers; started++)
        if (pthread_create(&it->threads[started], NULL, worker_main, it) != 0) break;
    if (started < it->nworkers) {
        int want = it->nworkers;
        it->nworkers = started;
        dt_prefetch_stop(it);
        return ct_set_error(CT_ERR_RUNTIME, fn, "could only start %d of %d worker threads", started, want);
    }
    return 0;
}

int dt_prefetch_take(ct_loader_iter *it, ct_sample *out) {
    pthread_mutex_lock(&it->lock);
    loader_slot *s = &it->slots[it->next % it->nslots];
    while (!s->ready) pthread_cond_wait(&it->ready_cv, &it->lock);
    *out = s->batch;
    int rc = s->rc;
    char message[1024];
    if (rc != 0) snprintf(message, sizeof message, "%s", s->message);
    memset(s, 0, sizeof *s);
    it->next++;
    pthread_cond_broadcast(&it->work_cv);
    pthread_mutex_unlock(&it->lock);
    if (rc != 0) return ct_set_error((ct_error_code)rc, NULL, "%s", message);
    return 0;
}

void dt_prefetch_stop(ct_loader_iter *it) {
    if (!it->slots || !it->threads) {
        free(it->slots);
        free(it->threads);
        it->slots = NULL;
        it->threads = NULL;
        return;
    }
    pthread_mutex_lock(&it->lock);
    it->stop = true;
    pthread_cond_broadcast(&it->work_cv);
    pthread_mutex_unlock(&it->lock);
    for (int i = 0; i < it->nworkers; i++) pthread_join(it->threads[i], NULL);
    for (int i = 0; i < it->nslots; i++)
        if (it->slots[i].ready) dt_release_sample(&it->slots[i].batch);
    pthread_mutex_destroy(&it->lock);
    pthread_cond_destroy(&it->work_cv);
    pthread_cond_destroy(&it->ready_cv);
    free(it->slots);
    free(it->threads);
    it->slots = NULL;
    it->threads = NULL;
}
