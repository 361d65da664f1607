/*
 * src/data/loader_internal.h - the loader and its epoch iterator, shared by
 * loader.c (batching, the synchronous path) and prefetch.c (worker threads).
 */
#ifndef CT_DATA_LOADER_INTERNAL_H
#define CT_DATA_LOADER_INTERNAL_H

#include <pthread.h>

#include "internal.h"

struct ct_loader {
    ct_dataset *dataset;
    ct_sampler *sampler;
    ct_generator *generator; /* borrowed; NULL: default */
    int64_t batch_size;
    bool drop_last;
    int num_workers;
    int prefetch_factor;
    ct_collate_fn collate;
    void *collate_ctx;
    ct_loader_iter *active; /* the epoch in progress, if any */
};

/* One prefetched batch: empty, being loaded, or ready with its result. */
typedef struct {
    bool ready;
    int rc;
    char message[1024];
    ct_sample batch;
} loader_slot;

typedef enum { IT_IDLE, IT_FETCHED, IT_BODY } iter_state;

struct ct_loader_iter {
    ct_loader *loader;
    int64_t *indices;   /* the epoch's sample indices */
    int64_t nindices;
    int64_t nbatches;
    int64_t next;       /* next batch to hand out */
    uint64_t base_seed; /* the epoch's seed for random transforms */
    bool failed;
    /* the loop macros' batch and state */
    ct_sample current;
    iter_state state;
    /* workers (prefetch.c) */
    int nworkers;
    pthread_t *threads;
    pthread_mutex_t lock;
    pthread_cond_t work_cv;  /* a slot freed, or stop */
    pthread_cond_t ready_cv; /* a batch is ready */
    loader_slot *slots;
    int nslots;
    int64_t claimed;         /* next batch a worker will take */
    bool stop;
};

/* Loads batch b of the epoch into *out (plain references); 0 or a negative error. */
int dt_loader_load_batch(ct_loader_iter *it, int64_t b, ct_sample *out);

/* Starts it->nworkers threads (prefetch.c); 0 or a negative error. */
int dt_prefetch_start(ct_loader_iter *it);
/* Waits for batch it->next and takes it; 0 or the batch's error. */
int dt_prefetch_take(ct_loader_iter *it, ct_sample *out);
/* Stops and joins the workers and frees every queued batch. */
void dt_prefetch_stop(ct_loader_iter *it);

#endif
