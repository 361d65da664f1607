/*
 * src/data/loader.c - DataLoader: options, epochs, batches, and the helpers
 * of the CT_FOR_EACH_BATCH loop. Worker threads live in prefetch.c.
 */
#include <stdlib.h>
#include <string.h>

#include "loader_internal.h"

ct_loader *ct_loader_new_(ct_loader_args a) {
    const char *fn = "ct_loader_new";
    if (!a.dataset) {
        ct_sampler_free(a.sampler);
        if (ct_last_error_code() == CT_OK) ct_set_error(CT_ERR_NULL, fn, "argument 'dataset' is NULL");
        return NULL;
    }
    const char *bad = NULL;
    if (a.batch_size < 0) bad = "batch_size should be a positive integer value";
    else if (a.num_workers < 0)
        bad = "num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.";
    else if (a.prefetch_factor < 0) bad = "prefetch_factor option should be a positive integer";
    else if (a.sampler && a.shuffle) bad = "sampler option is mutually exclusive with shuffle";
    if (bad) {
        ct_sampler_free(a.sampler);
        ct_set_error(CT_ERR_VALUE, fn, "%s", bad);
        return NULL;
    }
    ct_loader *l = calloc(1, sizeof *l);
    if (!l) {
        ct_sampler_free(a.sampler);
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    int64_t n = ct_dataset_len(a.dataset);
    l->sampler = a.sampler ? a.sampler
                 : a.shuffle ? ct_random_sampler(n, .generator = a.generator)
                             : ct_sequential_sampler(n);
    if (!l->sampler) {
        free(l);
        return NULL;
    }
    l->dataset = ct_dataset_retain(a.dataset);
    l->generator = a.generator;
    l->batch_size = a.batch_size ? a.batch_size : 1;
    l->drop_last = a.drop_last;
    l->num_workers = a.num_workers;
    l->prefetch_factor = a.prefetch_factor ? a.prefetch_factor : 2;
    l->collate = a.collate_fn ? a.collate_fn : ct_default_collate;
    l->collate_ctx = a.collate_ctx;
    return l;
}

void ct_loader_free(ct_loader *l) {
    if (!l) return;
    ct_loader_iter_free(l->active);
    ct_sampler_free(l->sampler);
    ct_dataset_free(l->dataset);
    free(l);
}

int64_t ct_loader_len(const ct_loader *l) {
    if (!l) return -1;
    int64_t n = ct_sampler_len(l->sampler);
    return l->drop_last ? n / l->batch_size : (n + l->batch_size - 1) / l->batch_size;
}

ct_dataset *ct_loader_dataset(const ct_loader *l) { return l ? l->dataset : NULL; }

/* splitmix64: decorrelates the per-batch seeds of one epoch. */
static uint64_t mix(uint64_t x) {
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

/* Samples one by one through ct_dataset_get, then the loader's own collate_fn. */
static int load_with_collate(ct_loader *l, const int64_t *idx, int64_t n, ct_sample *out) {
    ct_sample *samples = calloc((size_t)n, sizeof *samples);
    if (!samples) return ct_set_error(CT_ERR_OOM, "ct_loader_next", "out of memory");
    int rc = 0;
    int64_t got = 0;
    for (; got < n && rc == 0; got++) rc = ct_dataset_get(l->dataset, idx[got], &samples[got]);
    if (rc == 0) rc = l->collate(samples, n, out, l->collate_ctx);
    for (int64_t i = 0; i < got; i++) ct_sample_free(&samples[i]);
    free(samples);
    return rc;
}

int dt_loader_load_batch(ct_loader_iter *it, int64_t b, ct_sample *out) {
    ct_loader *l = it->loader;
    int64_t start = b * l->batch_size;
    int64_t n = it->nindices - start < l->batch_size ? it->nindices - start : l->batch_size;
    out->n = 0;
    ct_generator *g = ct_generator_new(mix(it->base_seed ^ mix((uint64_t)b)));
    if (!g) return ct_set_error(CT_ERR_OOM, "ct_loader_next", "out of memory");
    ct_generator *saved = dt_thread_generator();
    dt_set_thread_generator(g);
    /* default collation: the same batch, without a tensor per sample where it can (batch.c) */
    int rc = l->collate == ct_default_collate ? dt_dataset_get_batch(l->dataset, it->indices + start, n, out)
                                              : load_with_collate(l, it->indices + start, n, out);
    for (int k = 0; rc == 0 && k < out->n; k++) out->t[k] = dt_own(out->t[k]);
    dt_set_thread_generator(saved);
    ct_generator_free(g);
    return rc;
}

ct_loader_iter *ct_loader_iter_new(ct_loader *l) {
    const char *fn = "ct_loader_iter_new";
    if (!l) {
        if (ct_last_error_code() == CT_OK) ct_set_error(CT_ERR_NULL, fn, "argument 'loader' is NULL");
        return NULL;
    }
    if (l->active) {
        ct_set_error(CT_ERR_RUNTIME, fn, "this loader already has an epoch in progress; free its iterator first");
        return NULL;
    }
    ct_loader_iter *it = calloc(1, sizeof *it);
    if (!it) {
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    it->loader = l;
    /* PyTorch draws the epoch's base seed before the sampler's indices. */
    it->base_seed = (uint64_t)dt_random_int64(l->generator);
    it->indices = ct_sampler_epoch(l->sampler, &it->nindices);
    if (!it->indices) {
        free(it);
        return NULL;
    }
    it->nbatches = l->drop_last ? it->nindices / l->batch_size
                                : (it->nindices + l->batch_size - 1) / l->batch_size;
    it->nworkers = l->num_workers;
    if (it->nworkers > 0 && dt_prefetch_start(it) != 0) {
        free(it->indices);
        free(it);
        return NULL;
    }
    l->active = it;
    return it;
}

int ct_loader_next(ct_loader_iter *it, ct_sample *batch) {
    const char *fn = "ct_loader_next";
    if (!it || !batch) return ct_set_error(CT_ERR_NULL, fn, "argument '%s' is NULL", it ? "batch" : "iterator");
    batch->n = 0;
    if (it->failed || it->next >= it->nbatches) return 0;
    int rc = it->nworkers > 0 ? dt_prefetch_take(it, batch) : dt_loader_load_batch(it, it->next++, batch);
    if (rc != 0) {
        it->failed = true;
        return rc;
    }
    return 1;
}

void ct_loader_iter_free(ct_loader_iter *it) {
    if (!it) return;
    if (it->nworkers > 0) dt_prefetch_stop(it);
    dt_release_sample(&it->current);
    if (it->loader->active == it) it->loader->active = NULL;
    free(it->indices);
    free(it);
}

ct_sample *ct__loader_step(ct_loader_iter *it) {
    if (!it || it->state == IT_BODY) return NULL; /* the body was left by break */
    dt_release_sample(&it->current);
    if (ct_loader_next(it, &it->current) <= 0) return NULL;
    it->state = IT_FETCHED;
    return &it->current;
}

int ct__loader_body(ct_loader_iter *it) {
    if (it->state != IT_FETCHED) return 0;
    it->state = IT_BODY;
    return 1;
}

void ct__loader_done(ct_loader_iter *it) { it->state = IT_IDLE; }
