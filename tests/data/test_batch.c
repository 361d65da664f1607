/*
 * tests/data/test_batch.c - the loader's batch path (gathers of in-memory
 * rows, transforms run once per batch, ToTensor + Normalize fused) gives
 * exactly the batches of the per-sample path, which a custom collate_fn
 * forces: same bits, same random draws, same errors, any num_workers.
 */
#include "test.h"

#include "data_test_files.h"

/* ct_default_collate behind another pointer: the loader then fetches sample by sample. */
static int per_sample_collate(const ct_sample *s, int64_t n, ct_sample *out, void *ctx) {
    return ct_default_collate(s, n, out, ctx);
}

/* Whether two loaders over ds give identical epochs: same batches, bit for bit. */
static bool same_epochs(ct_dataset *ds, int64_t batch, int workers, ct_collate_fn a, ct_collate_fn b) {
    ct_generator *ga = ct_generator_new(99), *gb = ct_generator_new(99);
    ct_loader *la = ct_loader_new(ds, .batch_size = batch, .shuffle = true, .generator = ga, .collate_fn = a);
    ct_loader *lb = ct_loader_new(ds, .batch_size = batch, .shuffle = true, .generator = gb, .collate_fn = b,
                                  .num_workers = workers);
    bool same = la && lb;
    for (int epoch = 0; same && epoch < 2; epoch++) {
        ct_loader_iter *ia = ct_loader_iter_new(la), *ib = ct_loader_iter_new(lb);
        ct_sample x, y;
        int ra, rb;
        while (same && (ra = ct_loader_next(ia, &x)) > 0) {
            rb = ct_loader_next(ib, &y);
            same = rb > 0 && x.n == y.n;
            for (int k = 0; same && k < x.n; k++)
                same = ct_dtype_of(x.t[k]) == ct_dtype_of(y.t[k]) && ct_numel(x.t[k]) == ct_numel(y.t[k]) &&
                       ct_equal(x.t[k], y.t[k]) &&
                       memcmp(ct_data_ptr(x.t[k]), ct_data_ptr(y.t[k]),
                              (size_t)ct_numel(x.t[k]) * ct_element_size(x.t[k])) == 0;
            ct_sample_free(&x);
            if (rb > 0) ct_sample_free(&y);
        }
        if (same) same = ra == 0 && ct_loader_next(ib, &y) == 0;
        ct_loader_iter_free(ia);
        ct_loader_iter_free(ib);
    }
    ct_loader_free(la);
    ct_loader_free(lb);
    ct_generator_free(ga);
    ct_generator_free(gb);
    return same;
}

/* Both paths, and the batch path with 0, 1 and 2 workers. */
static void check_paths_agree(ct_dataset *ds, int64_t batch) {
    REQUIRE(ds);
    CHECK(same_epochs(ds, batch, 0, per_sample_collate, NULL));
    CHECK(same_epochs(ds, batch, 1, NULL, NULL));
    CHECK(same_epochs(ds, batch, 2, per_sample_collate, NULL));
}

/* n random uint8 images of the given shape [n, ...] with labels i % 10, as a TensorDataset. */
static ct_dataset *byte_images(int64_t n, ct_shape shape, ct_transform *tf) {
    ct_dataset *ds = NULL;
    CT_SCOPE {
        ct_manual_seed(5);
        ct_tensor *x = ct_randint(0, 256, shape, .dtype = CT_U8);
        ct_tensor *y = ct_remainder_scalar(ct_arange(0, n, 1), 10);
        ds = ct_tensor_dataset((ct_tensor *[]){x, y}, 2);
    }
    if (ds) ct_dataset_set_transform(ds, tf);
    else ct_transform_free(tf);
    return ds;
}

TEST(fused_to_tensor_normalize_equals_the_per_sample_transforms) {
    /* every byte value, one channel and three, one mean or one per channel */
    ct_dataset *gray = byte_images(300, CT_SHAPE(300, 28, 28), ct_compose(ct_to_tensor(), ct_normalize(0.2860, 0.3530), NULL));
    check_paths_agree(gray, 64);
    ct_dataset_free(gray);
    double mean[3] = {0.49, 0.48, 0.45}, std[3] = {0.25, 0.24, 0.26};
    ct_dataset *rgb = byte_images(100, CT_SHAPE(100, 9, 7, 3),
                                  ct_compose(ct_to_tensor(), ct_normalize_channels(mean, std, 3), NULL));
    check_paths_agree(rgb, 16);
    ct_dataset_free(rgb);
    ct_dataset *one = byte_images(50, CT_SHAPE(50, 5, 4, 1), ct_compose(ct_to_tensor(), ct_normalize(0.5, 0.2), NULL));
    check_paths_agree(one, 7);
    ct_dataset_free(one);
    /* ToTensor alone, Normalize alone (on float rows), nested Compose */
    ct_dataset *plain = byte_images(60, CT_SHAPE(60, 6, 6, 3), ct_to_tensor());
    check_paths_agree(plain, 8);
    ct_dataset_free(plain);
    ct_dataset *nested = byte_images(60, CT_SHAPE(60, 6, 6), ct_compose(ct_compose(ct_to_tensor(), NULL), ct_normalize(0.1, 0.7), NULL));
    check_paths_agree(nested, 8);
    ct_dataset_free(nested);
    ct_dataset *floats = NULL;
    CT_SCOPE {
        ct_manual_seed(1);
        ct_tensor *x = ct_rand(CT_SHAPE(40, 3, 5, 5)), *y = ct_arange(0, 40, 1);
        floats = ct_tensor_dataset((ct_tensor *[]){x, y}, 2);
    }
    ct_dataset_set_transform(floats, ct_normalize_channels(mean, std, 3));
    check_paths_agree(floats, 6);
    ct_dataset_free(floats);
}

TEST(every_byte_value_gives_the_float_arithmetic_of_torchvision) {
    /* ToTensor: v / 255 in float32; Normalize: (x - mean) / std in float32 */
    uint8_t bytes[256];
    for (int v = 0; v < 256; v++) bytes[v] = (uint8_t)v;
    CT_SCOPE {
        ct_tensor *img = ct_from_data(bytes, CT_U8, CT_SHAPE(16, 16));
        ct_tensor *batch = ct_stack((ct_tensor *[]){img, img}, 2, 0);
        ct_transform *t = ct_compose(ct_to_tensor(), ct_normalize(0.2860, 0.3530), NULL);
        ct_tensor *ts[2] = {batch, ct_arange(0, 2, 1)};
        ct_dataset *ds = ct_tensor_dataset(ts, 2);
        ct_dataset_set_transform(ds, t);
        ct_loader *l = ct_loader_new(ds, .batch_size = 2);
        CT_FOR_EACH_BATCH(l, x, y) {
            const float *got = ct_data_f32(x);
            for (int v = 0; v < 256; v++) {
                volatile float u = (float)v / 255.0f;
                volatile float want = (u - 0.2860f) / 0.3530f;
                if (got[256 + v] != want) CHECK_NEAR(got[256 + v], want, 0);
            }
        }
        ct_loader_free(l);
        ct_dataset_free(ds);
        ct_tensor *plain = ct_tf_to_tensor(img);
        for (int v = 0; v < 256; v++) {
            volatile float u = (float)v / 255.0f;
            if (ct_data_f32(plain)[v] != u) CHECK_NEAR(ct_data_f32(plain)[v], u, 0);
        }
    }
}

TEST(a_batch_equals_the_transform_applied_to_each_sample) {
    ct_dataset *ds = byte_images(256, CT_SHAPE(256, 16, 16), ct_compose(ct_to_tensor(), ct_normalize(0.3, 0.4), NULL));
    REQUIRE(ds);
    ct_loader *l = ct_loader_new(ds, .batch_size = 256);
    int batches = 0;
    CT_FOR_EACH_BATCH(l, x, y) {
        CHECK_SHAPE(x, 256, 1, 16, 16);
        CT_SCOPE {
            for (int64_t i = 0; i < 256; i++) {
                ct_sample s;
                REQUIRE(ct_dataset_get(ds, i, &s) == 0);
                CHECK(ct_equal(s.t[0], ct_select(x, 0, i)));
                ct_sample_free(&s);
            }
        }
        batches++;
    }
    CHECK_EQ_INT(batches, 1);
    ct_loader_free(l);
    ct_dataset_free(ds);
}

/* A user transform: the per-sample part before the batched tail. */
static ct_tensor *invert(ct_tensor *x, void *ctx, ct_generator *g) { return ct_rsub_scalar(x, 1.0); }

TEST(random_and_user_parts_run_per_sample_with_the_same_draws) {
    ct_dataset *ds = byte_images(200, CT_SHAPE(200, 12, 10, 3),
                                 ct_compose(ct_random_horizontal_flip(0.5), ct_random_crop(8, .padding = 2),
                                            ct_to_tensor(), ct_normalize(0.5, 0.25), NULL));
    check_paths_agree(ds, 32);
    ct_dataset_free(ds);
    ds = byte_images(64, CT_SHAPE(64, 8, 8), ct_compose(ct_to_tensor(), ct_transform_new("Invert", invert, NULL, NULL),
                                                         ct_normalize(0.5, 0.25), NULL));
    check_paths_agree(ds, 10);
    ct_dataset_free(ds);
    /* a subset of an in-memory dataset, as random_split makes */
    ds = byte_images(120, CT_SHAPE(120, 28, 28), ct_compose(ct_to_tensor(), ct_normalize(0.2860, 0.3530), NULL));
    ct_dataset *parts[2];
    ct_generator *g = ct_generator_new(3);
    REQUIRE(ct_random_split(ds, (const int64_t[]){100, 20}, 2, g, parts) == 0);
    ct_generator_free(g);
    check_paths_agree(parts[0], 16);
    /* a transform of the subset itself on top of the base's */
    ct_dataset_set_transform(parts[1], ct_random_erasing(0.5));
    check_paths_agree(parts[1], 6);
    ct_dataset_free(parts[0]);
    ct_dataset_free(parts[1]);
    ct_dataset_free(ds);
}

/* A dataset of its own (no gather): uint8 HWC images, of width 4 + (i == 5 when ragged). */
static int64_t own_len(void *ctx) { return 30; }
static int own_get(void *ctx, int64_t i, ct_sample *s) {
    bool ragged = ctx != NULL;
    s->n = 2;
    s->t[0] = ct_full(CT_SHAPE(3, ragged && i == 5 ? 5 : 4, 2), (double)(i * 37 % 256), .dtype = CT_U8);
    s->t[1] = ct_scalar_tensor((double)i, .dtype = CT_I64);
    return 0;
}
static const ct_dataset_vtable own_vtable = {"Own", own_len, own_get, NULL};

/* The message of the first failing batch of an epoch (sequential, batch 8), into buf. */
static void first_error(ct_dataset *ds, ct_collate_fn collate, int workers, char *buf, size_t size) {
    ct_loader *l = ct_loader_new(ds, .batch_size = 8, .collate_fn = collate, .num_workers = workers);
    ct_clear_error();
    int batches = 0;
    CT_FOR_EACH_BATCH(l, x, y) { batches++; }
    snprintf(buf, size, "%d: %s", batches, ct_last_error());
    ct_clear_error();
    ct_loader_free(l);
}

static void check_same_error(ct_dataset *ds, const char *needle) {
    char a[1024], b[1024], c[1024];
    first_error(ds, per_sample_collate, 0, a, sizeof a);
    first_error(ds, NULL, 0, b, sizeof b);
    first_error(ds, NULL, 2, c, sizeof c);
    CHECK(strstr(a, needle) != NULL);
    CHECK_STR(b, a);
    CHECK_STR(c, a);
}

TEST(datasets_without_a_gather_and_the_errors_of_the_per_sample_path) {
    ct_dataset *ds = ct_dataset_new(&own_vtable, NULL);
    ct_dataset_set_transform(ds, ct_compose(ct_to_tensor(), ct_normalize(0.5, 0.5), NULL));
    check_paths_agree(ds, 8);
    ct_dataset_free(ds);
    /* sample 5 is wider: the stack error names the shapes after the transforms */
    ds = ct_dataset_new(&own_vtable, (void *)1);
    ct_dataset_set_transform(ds, ct_compose(ct_to_tensor(), ct_normalize(0.5, 0.5), NULL));
    check_same_error(ds, "0: ct_default_collate: stack expects each tensor to be equal size, but got [2, 3, 4] at entry 0 "
                         "and [2, 3, 5] at entry 5");
    ct_dataset_free(ds);
    /* a transform that cannot take the samples fails as it does per sample */
    ds = NULL;
    CT_SCOPE {
        ct_tensor *x = ct_rand(CT_SHAPE(20, 4, 4)), *y = ct_arange(0, 20, 1);
        ds = ct_tensor_dataset((ct_tensor *[]){x, y}, 2);
    }
    ct_dataset_set_transform(ds, ct_normalize(0.5, 0.5));
    check_same_error(ds, "Expected tensor to be a tensor image of size (..., C, H, W). Got tensor with 2 dims.");
    ct_dataset_set_transform(ds, ct_compose(ct_to_tensor(), ct_normalize(0.5, 0.5), NULL));
    check_same_error(ds, "pic should be a uint8 image");
    ct_dataset_set_transform(ds, ct_compose(ct_normalize(0.5, 0.5), NULL));
    check_same_error(ds, "Got tensor with 2 dims");
    /* an index a sampler gets wrong */
    ct_dataset_set_transform(ds, NULL);
    ct_loader *l = ct_loader_new(ds, .batch_size = 4, .sampler = ct_subset_random_sampler((const int64_t[]){1, 25}, 2, NULL));
    ct_clear_error();
    CT_FOR_EACH_BATCH(l, x, y) { CHECK(false); }
    CHECK_ERROR("index 25 is out of range for dataset of size 20");
    ct_loader_free(l);
    ct_dataset_free(ds);
}

TEST(fashion_mnist_batches_equal_the_per_sample_path) {
    char dirbuf[64];
    const char *dir = tmp_dir(dirbuf, sizeof dirbuf);
    REQUIRE(dir);
    uint8_t labels[300];
    for (int i = 0; i < 300; i++) labels[i] = (uint8_t)(i % 10);
    write_mnist(dir, "train", 300, 28, 28, labels);
    ct_dataset *ds = ct_fashion_mnist(dir, CT_TRAIN, ct_compose(ct_to_tensor(), ct_normalize(0.2860, 0.3530), NULL));
    check_paths_agree(ds, 64);
    ct_dataset *parts[2];
    ct_generator *g = ct_generator_new(1);
    REQUIRE(ct_random_split(ds, (const int64_t[]){250, 50}, 2, g, parts) == 0);
    check_paths_agree(parts[0], 64);
    ct_dataset_free(parts[0]);
    ct_dataset_free(parts[1]);
    ct_generator_free(g);
    ct_dataset_free(ds);
    rm_rf(dir);
}
