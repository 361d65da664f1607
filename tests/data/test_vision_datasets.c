/*
 * tests/data/test_vision_datasets.c - Fashion-MNIST on the real files
 * (against what numpy reads from them), CIFAR-10 and ImageFolder on small
 * trees written here in the official formats.
 */
#include "test.h"

#include "../fixtures/data_fashion_mnist.h"
#include "data_test_files.h"

#define FM_ROOT "/usr/share/datasets/fashion-mnist"

static bool have_fashion_mnist(void) {
    char path[256];
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", FM_ROOT);
    if (access(path, R_OK) == 0) return true;
    fprintf(stderr, "  (skipped: %s missing; apt-get install dataset-fashion-mnist)\n", path);
    return false;
}

/* Checks one split against the numpy fixture. */
static void check_split(ct_dataset *ds, int64_t n, const int64_t *first, const int64_t *counts,
                        int64_t pixel_sum, const int64_t *row14, int64_t last_sum) {
    REQUIRE(ds);
    CHECK_EQ_INT(ct_dataset_len(ds), n);
    ct_tensor *data = ct_dataset_data(ds), *targets = ct_dataset_targets(ds);
    CHECK_SHAPE(data, n, 28, 28);
    CHECK_EQ_INT(ct_dtype_of(targets), CT_I64);
    const int64_t *y = ct_data_i64(targets);
    for (int i = 0; i < 20; i++) CHECK_EQ_INT(y[i], first[i]);
    int64_t got[10] = {0};
    for (int64_t i = 0; i < n; i++) {
        REQUIRE(y[i] >= 0 && y[i] < 10);
        got[y[i]]++;
    }
    for (int c = 0; c < 10; c++) CHECK_EQ_INT(got[c], counts[c]);
    CT_SCOPE {
        CHECK_EQ_INT(ct_item_int(ct_sum(data)), pixel_sum);
        CHECK_EQ_INT(ct_item_int(ct_sum(ct_select(data, 0, n - 1))), last_sum);
        ct_sample s;
        REQUIRE(ct_dataset_get(ds, 0, &s) == 0);
        CHECK_SHAPE(s.t[0], 28, 28, 1);
        for (int c = 0; c < 28; c++)
            CHECK_EQ_INT(ct_get(s.t[0], (const int64_t[]){14, c, 0}), row14[c]);
        CHECK_EQ_INT(ct_item_int(s.t[1]), first[0]);
        ct_sample_free(&s);
    }
}

TEST(fashion_mnist_real_files_gzipped) {
    if (!have_fashion_mnist()) return;
    ct_dataset *train = ct_fashion_mnist(FM_ROOT, CT_TRAIN);
    check_split(train, fm_train_n, fm_train_first_labels, fm_train_counts, fm_train_pixel_sum,
                fm_train_img0_row14, fm_train_last_img_sum);
    int n;
    const char *const *classes = ct_dataset_classes(train, &n);
    CHECK_EQ_INT(n, 10);
    CHECK_STR(classes[9], "Ankle boot");
    ct_dataset_free(train);
    /* the default search list finds Debian's copy */
    ct_dataset *test = ct_fashion_mnist(NULL, CT_TEST);
    check_split(test, fm_test_n, fm_test_first_labels, fm_test_counts, fm_test_pixel_sum,
                fm_test_img0_row14, fm_test_last_img_sum);
    ct_dataset_free(test);
}

TEST(fashion_mnist_real_files_plain) {
    if (!have_fashion_mnist()) return;
    char dirbuf[64], cmd[1024];
    const char *dir = tmp_dir(dirbuf, sizeof dirbuf);
    REQUIRE(dir);
    const char *stems[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                            "t10k-labels-idx1-ubyte"};
    for (int i = 0; i < 4; i++) {
        snprintf(cmd, sizeof cmd, "gzip -dc '%s/%s.gz' > '%s/%s'", FM_ROOT, stems[i], dir, stems[i]);
        REQUIRE(system(cmd) == 0);
    }
    ct_dataset *train = ct_fashion_mnist(dir, CT_TRAIN);
    check_split(train, fm_train_n, fm_train_first_labels, fm_train_counts, fm_train_pixel_sum,
                fm_train_img0_row14, fm_train_last_img_sum);
    ct_dataset_free(train);
    ct_dataset *test = ct_fashion_mnist(dir, CT_TEST);
    check_split(test, fm_test_n, fm_test_first_labels, fm_test_counts, fm_test_pixel_sum,
                fm_test_img0_row14, fm_test_last_img_sum);
    ct_dataset_free(test);
    rm_rf(dir);
}

TEST(fashion_mnist_loader_epoch) {
    if (!have_fashion_mnist()) return;
    ct_dataset *train = ct_fashion_mnist(FM_ROOT, CT_TRAIN,
                                         ct_compose(ct_to_tensor(), ct_normalize(0.2860, 0.3530), NULL));
    REQUIRE(train);
    ct_loader *l = ct_loader_new(train, .batch_size = 512, .shuffle = true, .num_workers = 2);
    CHECK_EQ_INT(ct_loader_len(l), 118);
    int64_t counts[10] = {0}, batches = 0;
    double sum = 0;
    CT_FOR_EACH_BATCH(l, x, y) {
        if (batches++ == 0) {
            CHECK_SHAPE(x, 512, 1, 28, 28);
            CHECK_EQ_INT(ct_dtype_of(x), CT_F32);
            CHECK_SHAPE(y, 512);
            CHECK_EQ_INT(ct_dtype_of(y), CT_I64);
        }
        for (int64_t i = 0; i < ct_numel(y); i++) counts[ct_data_i64(y)[i]]++;
        const float *p = ct_data_f32(x);
        for (int64_t i = 0; i < ct_numel(x); i++) sum += p[i];
    }
    CHECK_EQ_INT(batches, 118);
    for (int c = 0; c < 10; c++) CHECK_EQ_INT(counts[c], fm_train_counts[c]);
    /* sum of (x / 255 - mean) / std over every pixel */
    double want = ((double)fm_train_pixel_sum / 255.0 - 0.2860 * 60000.0 * 784.0) / 0.3530;
    CHECK_NEAR(sum, want, fabs(want) * 1e-5 + 10);
    ct_loader_free(l);
    ct_dataset_free(train);
}

/* ------------------------------------------------------------------ CIFAR-10 */

static const char *cifar_names[10] = {"airplane", "automobile", "bird", "cat", "deer",
                                      "dog", "frog", "horse", "ship", "truck"};

/* n records: label (i + first) % 10, pixel p of channel c = (i * 31 + c * 7 + p) % 256. */
static void write_cifar_batch(const char *path, int n, int first) {
    uint8_t *buf = malloc((size_t)n * 3073);
    for (int i = 0; i < n; i++) {
        uint8_t *r = buf + (size_t)i * 3073;
        r[0] = (uint8_t)((i + first) % 10);
        for (int c = 0; c < 3; c++)
            for (int p = 0; p < 1024; p++) r[1 + c * 1024 + p] = (uint8_t)((i * 31 + c * 7 + p) % 256);
    }
    write_bytes(path, buf, (size_t)n * 3073);
    free(buf);
}

static void write_cifar(const char *root) {
    char dir[600], path[700];
    snprintf(dir, sizeof dir, "%s/cifar-10-batches-bin", root);
    mkdir(dir, 0777);
    for (int b = 1; b <= 5; b++) {
        snprintf(path, sizeof path, "%s/data_batch_%d.bin", dir, b);
        write_cifar_batch(path, 3, b);
    }
    snprintf(path, sizeof path, "%s/test_batch.bin", dir);
    write_cifar_batch(path, 2, 0);
    snprintf(path, sizeof path, "%s/batches.meta.txt", dir);
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 10; i++) fprintf(f, "%s\n", cifar_names[i]);
    fprintf(f, "\n\n");
    fclose(f);
}

TEST(cifar10_official_binary_format) {
    char dirbuf[64];
    const char *root = tmp_dir(dirbuf, sizeof dirbuf);
    REQUIRE(root);
    write_cifar(root);
    ct_dataset *train = ct_cifar10(root, CT_TRAIN);
    REQUIRE(train);
    CHECK_EQ_INT(ct_dataset_len(train), 15);
    int n;
    const char *const *classes = ct_dataset_classes(train, &n);
    CHECK_EQ_INT(n, 10);
    CHECK_STR(classes[1], "automobile");
    CHECK_SHAPE(ct_dataset_data(train), 15, 32, 32, 3);
    ct_sample s;
    REQUIRE(ct_dataset_get(train, 4, &s) == 0); /* batch 2, record 1 */
    CHECK_SHAPE(s.t[0], 32, 32, 3);
    CHECK_EQ_INT(ct_item_int(s.t[1]), (1 + 2) % 10);
    /* HWC: row 2, column 5, channel 1 is byte 1 + 1024 + 2 * 32 + 5 of the record */
    CHECK_EQ_INT(ct_get(s.t[0], (const int64_t[]){2, 5, 1}), (1 * 31 + 7 + 69) % 256);
    ct_sample_free(&s);
    ct_dataset_free(train);
    ct_dataset *test = ct_cifar10(root, CT_TEST, ct_to_tensor());
    REQUIRE(test);
    CHECK_EQ_INT(ct_dataset_len(test), 2);
    REQUIRE(ct_dataset_get(test, 1, &s) == 0);
    CHECK_SHAPE(s.t[0], 3, 32, 32);
    CHECK_NEAR(ct_get(s.t[0], (const int64_t[]){2, 0, 3}), (double)((31 + 14 + 3) % 256) / 255.0, 1e-6);
    ct_sample_free(&s);
    ct_dataset_free(test);
    rm_rf(root);
}

TEST(cifar10_errors) {
    char dirbuf[64], path[700];
    const char *root = tmp_dir(dirbuf, sizeof dirbuf);
    REQUIRE(root);
    CHECK_FAILS(ct_cifar10(root, CT_TRAIN), "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz");
    write_cifar(root);
    snprintf(path, sizeof path, "%s/cifar-10-batches-bin/data_batch_3.bin", root);
    uint8_t junk[100] = {0};
    write_bytes(path, junk, 100);
    CHECK_FAILS(ct_cifar10(root, CT_TRAIN), "is not a whole number of 3073-byte records");
    snprintf(path, sizeof path, "%s/cifar-10-batches-bin/test_batch.bin", root);
    uint8_t rec[3073] = {10};
    write_bytes(path, rec, sizeof rec);
    CHECK_FAILS(ct_cifar10(root, CT_TEST), "record 0 has label 10 but there are 10 classes");
    snprintf(path, sizeof path, "%s/cifar-10-batches-bin/data_batch_5.bin", root);
    remove(path);
    write_cifar_batch(strcat(strcpy(path, root), "/cifar-10-batches-bin/data_batch_3.bin"), 1, 0);
    CHECK_FAILS(ct_cifar10(root, CT_TRAIN), "data_batch_5.bin' is missing");
    rm_rf(root);
}

/* ---------------------------------------------------------------- ImageFolder */

/* Writes an h x w image with c channels filled with value v. */
static void write_image(const char *path, int64_t h, int64_t w, int64_t c, int v) {
    CT_SCOPE {
        ct_tensor *img = ct_full(CT_SHAPE(h, w, c), v, .dtype = CT_U8);
        CHECK_EQ_INT(ct_image_write(path, img, 95), 0);
    }
}

TEST(image_folder_order_and_labels) {
    if (!ct_image_has_png() || !ct_image_has_jpeg()) return;
    char dirbuf[64], path[700];
    const char *root = tmp_dir(dirbuf, sizeof dirbuf);
    REQUIRE(root);
    const char *dirs[4] = {"dog", "cat", "Bird", "cat/sub"};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
        mkdir(path, 0777);
    }
    snprintf(path, sizeof path, "%s/dog/b.png", root);
    write_image(path, 4, 5, 3, 10);
    snprintf(path, sizeof path, "%s/dog/a.JPG", root);
    write_image(path, 8, 8, 3, 200);
    snprintf(path, sizeof path, "%s/cat/z.png", root);
    write_image(path, 3, 3, 1, 77); /* gray: read as RGB */
    snprintf(path, sizeof path, "%s/cat/sub/y.png", root);
    write_image(path, 2, 2, 4, 5);
    snprintf(path, sizeof path, "%s/cat/notes.txt", root);
    write_bytes(path, "hi", 2);
    snprintf(path, sizeof path, "%s/Bird/x.png", root);
    write_image(path, 6, 2, 3, 1);
    ct_dataset *ds = ct_image_folder(root);
    REQUIRE(ds);
    int n;
    const char *const *classes = ct_dataset_classes(ds, &n);
    CHECK_EQ_INT(n, 3);
    CHECK_STR(classes[0], "Bird");
    CHECK_STR(classes[1], "cat");
    CHECK_STR(classes[2], "dog");
    CHECK_EQ_INT(ct_dataset_len(ds), 5);
    const char *want[5] = {"Bird/x.png", "cat/z.png", "cat/sub/y.png", "dog/a.JPG", "dog/b.png"};
    const int64_t labels[5] = {0, 1, 1, 2, 2};
    const int64_t values[5] = {1, 77, 5, 200, 10};
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/%s", root, want[i]);
        CHECK_STR(ct_image_folder_path(ds, i), path);
        ct_sample s;
        REQUIRE(ct_dataset_get(ds, i, &s) == 0);
        CHECK_EQ_INT(ct_item_int(s.t[1]), labels[i]);
        CHECK_EQ_INT(ct_size(s.t[0], 2), 3);
        CHECK_NEAR(ct_get(s.t[0], (const int64_t[]){1, 1, 2}), (double)values[i], i == 3 ? 2 : 0);
        ct_sample_free(&s);
    }
    ct_dataset_free(ds);
    /* errors: no classes, or a class with no images */
    snprintf(path, sizeof path, "%s/dog", root);
    CHECK_FAILS(ct_image_folder(path), "Couldn't find any class folder in");
    snprintf(path, sizeof path, "%s/empty", root);
    mkdir(path, 0777);
    CHECK_FAILS(ct_image_folder(root), "Found no valid file for the classes empty");
    rm_rf(root);
}
