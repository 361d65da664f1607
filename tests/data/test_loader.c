/*
 * tests/data/test_loader.c - the loader: batching, drop_last, shuffling with
 * PyTorch's exact order, samplers, worker threads, early exits, and memory.
 */
#include <stdlib.h>

#include "test.h"

#include "../fixtures/data_cases.h"

/* A TensorDataset of (x = [i, i], y = i) for i < n, owned by the caller. */
static ct_dataset *range_dataset(int64_t n) {
    ct_dataset *ds = NULL;
    CT_SCOPE {
        ct_tensor *y = ct_arange(0, n, 1);
        ct_tensor *x = ct_repeat(ct_unsqueeze(ct_to_dtype(y, CT_F32), 1), CT_SHAPE(1, 2));
        ct_tensor *ts[2] = {x, y};
        ds = ct_tensor_dataset(ts, 2);
    }
    return ds;
}

/* Runs one epoch and writes the labels seen, in order; returns how many. */
static int64_t epoch_labels(ct_loader *l, int64_t *out, int64_t cap) {
    int64_t n = 0;
    CT_FOR_EACH_BATCH(l, x, y) {
        for (int64_t i = 0; i < ct_numel(y) && n < cap; i++) out[n++] = ct_data_i64(y)[i];
        CHECK_SHAPE(x, ct_numel(y), 2);
    }
    return n;
}

TEST(sequential_batches_and_uneven_last) {
    ct_dataset *ds = range_dataset(10);
    ct_loader *l = ct_loader_new(ds, .batch_size = 4);
    CHECK_EQ_INT(ct_loader_len(l), 3);
    int64_t sizes[3] = {0}, k = 0;
    CT_FOR_EACH_BATCH(l, x, y) {
        REQUIRE(k < 3);
        sizes[k] = ct_size(y, 0);
        CHECK_EQ_INT(ct_dtype_of(x), CT_F32);
        CHECK_EQ_INT(ct_dtype_of(y), CT_I64);
        CHECK_EQ_INT(ct_data_i64(y)[0], 4 * k);
        k++;
    }
    CHECK_EQ_INT(k, 3);
    CHECK_EQ_INT(sizes[0], 4);
    CHECK_EQ_INT(sizes[1], 4);
    CHECK_EQ_INT(sizes[2], 2);
    ct_loader_free(l);
    l = ct_loader_new(ds, .batch_size = 4, .drop_last = true);
    CHECK_EQ_INT(ct_loader_len(l), 2);
    int64_t seen[16];
    CHECK_EQ_INT(epoch_labels(l, seen, 16), 8);
    ct_loader_free(l);
    l = ct_loader_new(ds, .batch_size = 5, .drop_last = true);
    CHECK_EQ_INT(ct_loader_len(l), 2);
    CHECK_EQ_INT(epoch_labels(l, seen, 16), 10);
    ct_loader_free(l);
    ct_dataset_free(ds);
}

TEST(shuffle_covers_every_sample_once) {
    ct_dataset *ds = range_dataset(103);
    ct_loader *l = ct_loader_new(ds, .batch_size = 10, .shuffle = true);
    for (int epoch = 0; epoch < 3; epoch++) {
        int64_t seen[103];
        CHECK_EQ_INT(epoch_labels(l, seen, 103), 103);
        int count[103] = {0};
        bool shuffled = false;
        for (int i = 0; i < 103; i++) {
            REQUIRE(seen[i] >= 0 && seen[i] < 103);
            count[seen[i]]++;
            shuffled = shuffled || seen[i] != i;
        }
        for (int i = 0; i < 103; i++) CHECK_EQ_INT(count[i], 1);
        CHECK(shuffled);
    }
    ct_loader_free(l);
    ct_dataset_free(ds);
}

TEST(shuffle_order_matches_pytorch_with_a_generator) {
    ct_dataset *ds = range_dataset(10);
    ct_generator *g = ct_generator_new(7);
    ct_loader *l = ct_loader_new(ds, .batch_size = 3, .shuffle = true, .generator = g);
    int64_t got[20];
    CHECK_EQ_INT(epoch_labels(l, got, 10), 10);
    CHECK_EQ_INT(epoch_labels(l, got + 10, 10), 10);
    for (int i = 0; i < 20; i++) CHECK_EQ_INT(got[i], loader_gen7[i]);
    /* the same seed again gives the same batches */
    ct_generator_seed(g, 7);
    int64_t again[10];
    epoch_labels(l, again, 10);
    for (int i = 0; i < 10; i++) CHECK_EQ_INT(again[i], got[i]);
    ct_loader_free(l);
    ct_generator_free(g);
    ct_dataset_free(ds);
}

TEST(shuffle_order_matches_pytorch_with_manual_seed) {
    ct_dataset *ds = range_dataset(10);
    ct_manual_seed(3);
    ct_loader *l = ct_loader_new(ds, .batch_size = 3, .shuffle = true);
    int64_t got[20];
    epoch_labels(l, got, 10);
    epoch_labels(l, got + 10, 10);
    for (int i = 0; i < 20; i++) CHECK_EQ_INT(got[i], loader_default3[i]);
    ct_loader_free(l);
    ct_dataset_free(ds);
}

static void check_sampler(ct_sampler *s, const int64_t *want, int64_t n) {
    REQUIRE(s);
    CHECK_EQ_INT(ct_sampler_len(s), n);
    int64_t got_n;
    int64_t *got = ct_sampler_epoch(s, &got_n);
    REQUIRE(got);
    CHECK_EQ_INT(got_n, n);
    for (int64_t i = 0; i < n && i < got_n; i++) CHECK_EQ_INT(got[i], want[i]);
    free(got);
    ct_sampler_free(s);
}

TEST(samplers_match_pytorch) {
    ct_generator *g = ct_generator_new(5);
    check_sampler(ct_weighted_random_sampler(weights5, 5, 20, true, g), weighted_seed5, 20);
    ct_generator_seed(g, 9);
    check_sampler(ct_subset_random_sampler((const int64_t[]){10, 20, 30, 40, 50}, 5, g), subset_seed9, 5);
    ct_generator_seed(g, 11);
    check_sampler(ct_random_sampler(10, .replacement = true, .num_samples = 40, .generator = g),
                  random_repl_seed11, 40);
    ct_generator_seed(g, 12);
    check_sampler(ct_random_sampler(10, .num_samples = 25, .generator = g), random_n25_seed12, 25);
    const int64_t seq[4] = {0, 1, 2, 3};
    check_sampler(ct_sequential_sampler(4), seq, 4);
    ct_generator_free(g);
}

TEST(sampler_errors) {
    CHECK_FAILS(ct_weighted_random_sampler((const double[]){1, -1}, 2, 3, true, NULL),
                "probability tensor contains either `inf`, `nan` or element < 0");
    CHECK_FAILS(ct_weighted_random_sampler((const double[]){0, 0}, 2, 3, true, NULL),
                "invalid multinomial distribution (sum of probabilities <= 0)");
    CHECK_FAILS(ct_weighted_random_sampler((const double[]){1, 1}, 2, 3, false, NULL),
                "cannot sample n_sample > prob_dist.size(-1) samples without replacement");
    CHECK_FAILS(ct_weighted_random_sampler((const double[]){1, 1}, 2, 0, true, NULL),
                "num_samples should be a positive integer value, but got num_samples=0");
    ct_dataset *ds = range_dataset(4);
    CHECK_FAILS(ct_loader_new(ds, .shuffle = true, .sampler = ct_sequential_sampler(4)),
                "sampler option is mutually exclusive with shuffle");
    CHECK_FAILS(ct_loader_new(ds, .num_workers = -1), "num_workers option should be non-negative");
    ct_dataset_free(ds);
}

TEST(weighted_sampler_frequencies) {
    ct_generator *g = ct_generator_new(1);
    ct_sampler *s = ct_weighted_random_sampler((const double[]){1, 3}, 2, 40000, true, g);
    int64_t n;
    int64_t *idx = ct_sampler_epoch(s, &n);
    REQUIRE(idx);
    int64_t ones = 0;
    for (int64_t i = 0; i < n; i++) ones += idx[i];
    CHECK_NEAR((double)ones / (double)n, 0.75, 0.01);
    free(idx);
    ct_sampler_free(s);
    /* without replacement: each index once, heavy weights first more often */
    s = ct_weighted_random_sampler((const double[]){1, 1, 1, 100}, 4, 4, false, g);
    int first3 = 0;
    for (int rep = 0; rep < 200; rep++) {
        idx = ct_sampler_epoch(s, &n);
        int seen[4] = {0};
        for (int i = 0; i < 4; i++) seen[idx[i]]++;
        for (int i = 0; i < 4; i++) CHECK_EQ_INT(seen[i], 1);
        first3 += idx[0] == 3;
        free(idx);
    }
    CHECK(first3 > 180);
    ct_sampler_free(s);
    ct_generator_free(g);
}

TEST(loader_with_a_custom_sampler) {
    ct_dataset *ds = range_dataset(50);
    ct_generator *g = ct_generator_new(9);
    ct_loader *l = ct_loader_new(ds, .batch_size = 2,
                                 .sampler = ct_subset_random_sampler((const int64_t[]){10, 20, 30, 40, 50 - 1}, 5, g));
    CHECK_EQ_INT(ct_loader_len(l), 3);
    int64_t got[5];
    CHECK_EQ_INT(epoch_labels(l, got, 5), 5);
    int64_t sum = 0;
    for (int i = 0; i < 5; i++) sum += got[i];
    CHECK_EQ_INT(sum, 10 + 20 + 30 + 40 + 49);
    ct_loader_free(l);
    ct_generator_free(g);
    ct_dataset_free(ds);
}

/* A random transform, so batches depend on the generator the loader seeds. */
static ct_tensor *add_noise(ct_tensor *x, void *ctx, ct_generator *g) {
    ct_tensor *n = ct_rand_like(x, .generator = g);
    ct_tensor *r = ct_add(x, n);
    ct_free(n);
    return r;
}

static void collect_epoch(ct_loader *l, ct_tensor **xs, ct_tensor **ys, int cap, int *n) {
    ct_loader_iter *it = ct_loader_iter_new(l);
    ct_sample b;
    *n = 0;
    while (it && ct_loader_next(it, &b) > 0) {
        if (*n < cap) {
            xs[*n] = b.t[0];
            ys[*n] = b.t[1];
            (*n)++;
        } else {
            ct_sample_free(&b);
        }
    }
    ct_loader_iter_free(it);
}

TEST(workers_give_exactly_the_batches_of_no_workers) {
    ct_dataset *ds = range_dataset(1000);
    ct_dataset_set_transform(ds, ct_transform_new("Noise", add_noise, NULL, NULL));
    ct_tensor *xs[3][40], *ys[3][40];
    int counts[3];
    for (int w = 0; w < 3; w++) {
        ct_generator *g = ct_generator_new(1234);
        ct_loader *l = ct_loader_new(ds, .batch_size = 33, .shuffle = true, .num_workers = w, .generator = g);
        collect_epoch(l, xs[w], ys[w], 40, &counts[w]);
        ct_loader_free(l);
        ct_generator_free(g);
    }
    CHECK_EQ_INT(counts[0], 31);
    for (int w = 1; w < 3; w++) {
        CHECK_EQ_INT(counts[w], counts[0]);
        for (int b = 0; b < counts[0] && b < counts[w]; b++) {
            CHECK(ct_equal(xs[0][b], xs[w][b]));
            CHECK(ct_equal(ys[0][b], ys[w][b]));
        }
    }
    for (int w = 0; w < 3; w++)
        for (int b = 0; b < counts[w]; b++) {
            ct_free(xs[w][b]);
            ct_free(ys[w][b]);
        }
    ct_dataset_free(ds);
}

TEST(break_and_free_mid_epoch_with_workers) {
    ct_dataset *ds = range_dataset(5000);
    for (int w = 0; w <= 2; w++) {
        ct_loader *l = ct_loader_new(ds, .batch_size = 7, .shuffle = true, .num_workers = w);
        int k = 0;
        CT_FOR_EACH_BATCH(l, x, y) {
            if (++k == 3) break;
        }
        CHECK_EQ_INT(k, 3);
        /* a new epoch can start after a break */
        k = 0;
        CT_FOR_EACH_BATCH(l, x, y) {
            if (k++ == 0) continue;
            if (k == 5) break;
        }
        CHECK_EQ_INT(k, 5);
        /* and freeing the loader with an epoch running stops its workers */
        ct_loader_iter *it = ct_loader_iter_new(l);
        ct_sample b;
        REQUIRE(ct_loader_next(it, &b) == 1);
        ct_sample_free(&b);
        ct_loader_free(l);
    }
    ct_dataset_free(ds);
}

TEST(one_epoch_at_a_time) {
    ct_dataset *ds = range_dataset(10);
    ct_loader *l = ct_loader_new(ds, .batch_size = 3);
    ct_loader_iter *it = ct_loader_iter_new(l);
    REQUIRE(it);
    CHECK_FAILS(ct_loader_iter_new(l), "already has an epoch in progress");
    ct_loader_iter_free(it);
    it = ct_loader_iter_new(l);
    CHECK(it != NULL);
    ct_loader_iter_free(it);
    ct_loader_free(l);
    ct_dataset_free(ds);
}

/* A dataset whose sample 13 fails to load. */
static int64_t bad_len(void *ctx) { return 40; }
static int bad_get(void *ctx, int64_t i, ct_sample *s) {
    if (i == 13) return ct_set_error(CT_ERR_IO, "bad_get", "sample %lld is damaged", (long long)i);
    s->n = 2;
    s->t[0] = ct_zeros(CT_SHAPE(2));
    s->t[1] = ct_scalar_tensor((double)i, .dtype = CT_I64);
    return 0;
}
static const ct_dataset_vtable bad_vtable = {"Bad", bad_len, bad_get, NULL};

TEST(errors_in_workers_reach_the_caller) {
    ct_dataset *ds = ct_dataset_new(&bad_vtable, NULL);
    for (int w = 0; w <= 2; w++) {
        ct_loader *l = ct_loader_new(ds, .batch_size = 4, .num_workers = w);
        int k = 0;
        ct_clear_error();
        CT_FOR_EACH_BATCH(l, x, y) { k++; }
        CHECK_EQ_INT(k, 3); /* batch 3 holds sample 13 */
        CHECK_ERROR("sample 13 is damaged");
        ct_loader_free(l);
    }
    ct_dataset_free(ds);
}

TEST(training_loop_leaks_nothing) {
    ct_dataset *ds = range_dataset(300);
    long start = ct_live_tensors();
    for (int w = 0; w <= 2; w += 2) {
        ct_loader *l = ct_loader_new(ds, .batch_size = 32, .shuffle = true, .num_workers = w);
        for (int epoch = 0; epoch < 3; epoch++) {
            double total = 0;
            CT_FOR_EACH_BATCH(l, x, y) {
                CT_SCOPE { total += ct_item(ct_sum(ct_mul(x, x))); }
            }
            CHECK(total > 0);
            CHECK_EQ_INT(ct_live_tensors(), start);
        }
        ct_loader_free(l);
    }
    CHECK_EQ_INT(ct_live_tensors(), start);
    ct_dataset_free(ds);
}

TEST(default_collate_errors) {
    ct_sample s[2];
    CT_SCOPE {
        s[0].n = s[1].n = 1;
        s[0].t[0] = ct_zeros(CT_SHAPE(1, 28, 28));
        s[1].t[0] = ct_zeros(CT_SHAPE(1, 28, 27));
        ct_sample out;
        CHECK_EQ_INT(ct_default_collate(s, 2, &out, NULL), CT_ERR_RUNTIME);
        CHECK_ERROR("stack expects each tensor to be equal size, but got [1, 28, 28] at entry 0 and [1, 28, 27] at entry 1");
    }
}
