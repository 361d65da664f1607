/*
 * tests/data/test_dataset.c - the dataset interface: a custom dataset,
 * TensorDataset, Subset, ConcatDataset and random_split (against PyTorch).
 */
#include "test.h"

#include "../fixtures/data_cases.h"

/* The custom dataset of data.h's header comment: features and labels in plain arrays. */
typedef struct {
    const float *x;
    const int64_t *y;
    int64_t n;
} my_data;

static int64_t my_len(void *ctx) { return ((my_data *)ctx)->n; }

static int my_get(void *ctx, int64_t i, ct_sample *s) {
    my_data *d = ctx;
    s->n = 2;
    s->t[0] = ct_from_data(d->x + i * 4, CT_F32, CT_SHAPE(4));
    s->t[1] = ct_scalar_tensor((double)d->y[i], .dtype = CT_I64);
    return (s->t[0] && s->t[1]) ? 0 : -1;
}

static const ct_dataset_vtable my_vtable = {"MyDataset", my_len, my_get, NULL};

static const float feats[6 * 4] = {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23,
                                   30, 31, 32, 33, 40, 41, 42, 43, 50, 51, 52, 53};
static const int64_t labels[6] = {5, 4, 3, 2, 1, 0};

TEST(custom_dataset_get_and_len) {
    my_data data = {feats, labels, 6};
    ct_dataset *ds = ct_dataset_new(&my_vtable, &data);
    REQUIRE(ds);
    CHECK_EQ_INT(ct_dataset_len(ds), 6);
    CHECK_STR(ct_dataset_name(ds), "MyDataset");
    ct_sample s;
    CHECK_EQ_INT(ct_dataset_get(ds, 2, &s), 0);
    CHECK_EQ_INT(s.n, 2);
    CHECK_VALUES(s.t[0], 0, 20, 21, 22, 23);
    CHECK_EQ_INT(ct_item_int(s.t[1]), 3);
    CHECK_EQ_INT(ct_dtype_of(s.t[1]), CT_I64);
    ct_sample_free(&s);
    CHECK_EQ_INT(ct_dataset_get(ds, 6, &s), CT_ERR_INDEX);
    CHECK_ERROR("index 6 is out of range for dataset of size 6");
    CHECK_EQ_INT(ct_dataset_get(ds, -1, &s), CT_ERR_INDEX);
    CHECK_ERROR("out of range");
    CHECK_EQ_INT(s.n, 0);
    ct_dataset_free(ds);
}

TEST(custom_dataset_in_a_loader) {
    my_data data = {feats, labels, 6};
    ct_dataset *ds = ct_dataset_new(&my_vtable, &data);
    ct_loader *l = ct_loader_new(ds, .batch_size = 4);
    ct_dataset_free(ds); /* the loader keeps its own reference */
    int batches = 0;
    CT_FOR_EACH_BATCH(l, x, y) {
        if (batches == 0) {
            CHECK_SHAPE(x, 4, 4);
            CHECK_VALUES(y, 0, 5, 4, 3, 2);
        } else {
            CHECK_SHAPE(x, 2, 4);
            CHECK_VALUES(x, 0, 40, 41, 42, 43, 50, 51, 52, 53);
        }
        batches++;
    }
    CHECK_EQ_INT(batches, 2);
    ct_loader_free(l);
}

static ct_tensor *times_ten(ct_tensor *x, void *ctx, ct_generator *g) { return ct_mul_scalar(x, 10.0); }

TEST(transforms_are_applied_on_get) {
    my_data data = {feats, labels, 6};
    ct_dataset *ds = ct_dataset_new(&my_vtable, &data);
    ct_dataset_set_transform(ds, ct_transform_new("TimesTen", times_ten, NULL, NULL));
    ct_dataset_set_target_transform(ds, ct_transform_new("TimesTen", times_ten, NULL, NULL));
    ct_sample s;
    REQUIRE(ct_dataset_get(ds, 1, &s) == 0);
    CHECK_VALUES(s.t[0], 0, 100, 110, 120, 130);
    CHECK_EQ_INT(ct_item_int(s.t[1]), 40);
    ct_sample_free(&s);
    ct_dataset_free(ds);
}

TEST(tensor_dataset) {
    CT_SCOPE {
        ct_tensor *x = ct_reshape(ct_arange(0, 12, 1), CT_SHAPE(6, 2));
        ct_tensor *y = ct_arange(100, 106, 1);
        ct_tensor *ts[2] = {x, y};
        ct_dataset *ds = ct_tensor_dataset(ts, 2);
        REQUIRE(ds);
        CHECK_EQ_INT(ct_dataset_len(ds), 6);
        ct_sample s;
        REQUIRE(ct_dataset_get(ds, 4, &s) == 0);
        CHECK_VALUES(s.t[0], 0, 8, 9);
        CHECK_EQ_INT(ct_item_int(s.t[1]), 104);
        ct_sample_free(&s);
        ct_dataset_free(ds);
        ct_tensor *bad[2] = {x, ct_arange(0, 5, 1)};
        CHECK_FAILS(ct_tensor_dataset(bad, 2), "Size mismatch between tensors");
    }
}

TEST(subset_and_concat) {
    CT_SCOPE {
        ct_tensor *x = ct_arange(0, 10, 1);
        ct_dataset *ds = ct_tensor_dataset(&x, 1);
        const int64_t idx[3] = {7, 2, 9};
        ct_dataset *sub = ct_subset(ds, idx, 3);
        REQUIRE(sub);
        CHECK_EQ_INT(ct_dataset_len(sub), 3);
        ct_sample s;
        REQUIRE(ct_dataset_get(sub, 1, &s) == 0);
        CHECK_EQ_INT(ct_item_int(s.t[0]), 2);
        ct_sample_free(&s);
        const int64_t bad[1] = {10};
        CHECK_FAILS(ct_subset(ds, bad, 1), "index 10 is out of range");
        ct_dataset *parts[3] = {sub, ds, sub};
        ct_dataset *cat = ct_concat_dataset(parts, 3);
        ct_dataset_free(ds); /* the subset and the concat keep it alive */
        ct_dataset_free(sub);
        REQUIRE(cat);
        CHECK_EQ_INT(ct_dataset_len(cat), 16);
        const int64_t want[16] = {7, 2, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 7, 2, 9};
        for (int i = 0; i < 16; i++) {
            REQUIRE(ct_dataset_get(cat, i, &s) == 0);
            CHECK_EQ_INT(ct_item_int(s.t[0]), want[i]);
            ct_sample_free(&s);
        }
        CHECK_FAILS(ct_concat_dataset(parts, 0), "datasets should not be an empty iterable");
        ct_dataset_free(cat);
    }
}

/* Indices of every split, concatenated. */
static void split_indices(ct_dataset **parts, int n, int64_t *out) {
    int k = 0;
    for (int i = 0; i < n; i++) {
        int64_t m;
        const int64_t *idx = ct_subset_indices(parts[i], &m);
        for (int64_t j = 0; j < m; j++) out[k++] = idx[j];
    }
}

TEST(random_split_matches_pytorch) {
    CT_SCOPE {
        ct_tensor *x = ct_arange(0, 10, 1);
        ct_dataset *ds = ct_tensor_dataset(&x, 1);
        ct_generator *g = ct_generator_new(42);
        ct_dataset *parts[2];
        REQUIRE(ct_random_split(ds, (const int64_t[]){3, 7}, 2, g, parts) == 0);
        CHECK_EQ_INT(ct_dataset_len(parts[0]), 3);
        CHECK_EQ_INT(ct_dataset_len(parts[1]), 7);
        int64_t got[10];
        split_indices(parts, 2, got);
        for (int i = 0; i < 10; i++) CHECK_EQ_INT(got[i], split_3_7_seed42[i]);
        ct_dataset_free(parts[0]);
        ct_dataset_free(parts[1]);
        CHECK_EQ_INT(ct_random_split(ds, (const int64_t[]){3, 6}, 2, g, parts), CT_ERR_VALUE);
        CHECK_ERROR("Sum of input lengths does not equal the length of the input dataset!");
        ct_generator_free(g);
        ct_dataset_free(ds);
    }
}

TEST(random_split_fractions_round_like_pytorch) {
    CT_SCOPE {
        ct_tensor *x = ct_arange(0, 11, 1);
        ct_dataset *ds = ct_tensor_dataset(&x, 1);
        ct_generator *g = ct_generator_new(42);
        ct_dataset *parts[3];
        REQUIRE(ct_random_split_fractions(ds, (const double[]){0.3, 0.3, 0.4}, 3, g, parts) == 0);
        for (int i = 0; i < 3; i++) CHECK_EQ_INT(ct_dataset_len(parts[i]), split_frac_lengths[i]);
        int64_t got[11];
        split_indices(parts, 3, got);
        for (int i = 0; i < 11; i++) CHECK_EQ_INT(got[i], split_frac_indices[i]);
        for (int i = 0; i < 3; i++) ct_dataset_free(parts[i]);
        ct_dataset_free(ds);
        x = ct_arange(0, 7, 1);
        ds = ct_tensor_dataset(&x, 1);
        REQUIRE(ct_random_split_fractions(ds, (const double[]){0.5, 0.5}, 2, g, parts) == 0);
        CHECK_EQ_INT(ct_dataset_len(parts[0]), split_half_lengths[0]);
        CHECK_EQ_INT(ct_dataset_len(parts[1]), split_half_lengths[1]);
        ct_dataset_free(parts[0]);
        ct_dataset_free(parts[1]);
        CHECK_EQ_INT(ct_random_split_fractions(ds, (const double[]){1.5, -0.5}, 2, g, parts), CT_ERR_VALUE);
        CHECK_ERROR("Fraction at index 0 is not between 0 and 1");
        CHECK_EQ_INT(ct_random_split_fractions(ds, (const double[]){0.5, 0.4}, 2, g, parts), CT_ERR_VALUE);
        CHECK_ERROR("sum to 1");
        ct_generator_free(g);
        ct_dataset_free(ds);
    }
}

TEST(random_split_default_generator_is_seeded_by_manual_seed) {
    CT_SCOPE {
        ct_tensor *x = ct_arange(0, 10, 1);
        ct_dataset *ds = ct_tensor_dataset(&x, 1);
        ct_dataset *a[2], *b[2];
        ct_manual_seed(42);
        REQUIRE(ct_random_split(ds, (const int64_t[]){3, 7}, 2, NULL, a) == 0);
        ct_manual_seed(42);
        REQUIRE(ct_random_split(ds, (const int64_t[]){3, 7}, 2, NULL, b) == 0);
        int64_t ia[10], ib[10];
        split_indices(a, 2, ia);
        split_indices(b, 2, ib);
        for (int i = 0; i < 10; i++) {
            CHECK_EQ_INT(ia[i], ib[i]);
            CHECK_EQ_INT(ia[i], split_3_7_seed42[i]); /* torch.manual_seed(42) gives the same */
        }
        for (int i = 0; i < 2; i++) {
            ct_dataset_free(a[i]);
            ct_dataset_free(b[i]);
        }
        ct_dataset_free(ds);
    }
}
