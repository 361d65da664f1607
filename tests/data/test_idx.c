/*
 * tests/data/test_idx.c - the IDX reader and the MNIST-family datasets on
 * small files written here: plain and gzipped, types, every malformed header,
 * and a fuzz loop over random corruptions.
 */
#include <sys/resource.h>

#include "test.h"

#include "data_test_files.h"

TEST(idx_types_and_values) {
    char dirbuf[64], path[600];
    const char *dir = tmp_dir(dirbuf, sizeof dirbuf);
    REQUIRE(dir);
    uint8_t buf[64];
    uint32_t dims[2] = {2, 3};
    size_t off = idx_header(buf, 0x08, 2, dims);
    for (int i = 0; i < 6; i++) buf[off + i] = (uint8_t)(250 + i);
    path_join(path, sizeof path, dir, "u8.idx");
    write_bytes(path, buf, off + 6);
    ct_tensor *t = ct_idx_load(path);
    CHECK_SHAPE(t, 2, 3);
    CHECK_EQ_INT(ct_dtype_of(t), CT_U8);
    CHECK_VALUES(t, 0, 250, 251, 252, 253, 254, 255);
    ct_free(t);
    /* big-endian int32 and float32 */
    uint32_t one = 3;
    off = idx_header(buf, 0x0C, 1, &one);
    const uint8_t ints[12] = {0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 0, 0x7f, 0xff, 0xff, 0xff};
    memcpy(buf + off, ints, 12);
    path_join(path, sizeof path, dir, "i32.idx");
    write_bytes(path, buf, off + 12);
    t = ct_idx_load(path);
    CHECK_EQ_INT(ct_dtype_of(t), CT_I32);
    CHECK_VALUES(t, 0, -2, 256, 2147483647);
    ct_free(t);
    off = idx_header(buf, 0x0D, 1, &one);
    const uint8_t floats[12] = {0x3f, 0x80, 0, 0, 0xc0, 0x20, 0, 0, 0x3e, 0x80, 0, 0}; /* 1, -2.5, 0.25 */
    memcpy(buf + off, floats, 12);
    path_join(path, sizeof path, dir, "f32.idx");
    write_bytes(path, buf, off + 12);
    t = ct_idx_load(path);
    CHECK_EQ_INT(ct_dtype_of(t), CT_F32);
    CHECK_VALUES(t, 0, 1, -2.5, 0.25);
    ct_free(t);
    /* gzipped: the same bytes through gzip */
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "gzip -c '%s/u8.idx' > '%s/u8.idx.gz'", dir, dir);
    REQUIRE(system(cmd) == 0);
    path_join(path, sizeof path, dir, "u8.idx.gz");
    t = ct_idx_load(path);
    CHECK_VALUES(t, 0, 250, 251, 252, 253, 254, 255);
    ct_free(t);
    rm_rf(dir);
}

/* Writes bytes to dir/name and expects ct_idx_load to fail with `needle`. */
static void expect_bad(const char *dir, const uint8_t *bytes, size_t n, const char *needle) {
    char path[600];
    path_join(path, sizeof path, dir, "bad.idx");
    write_bytes(path, bytes, n);
    CHECK_FAILS(ct_idx_load(path), needle);
}

TEST(idx_malformed_headers) {
    char dirbuf[64];
    const char *dir = tmp_dir(dirbuf, sizeof dirbuf);
    REQUIRE(dir);
    uint8_t buf[256] = {0};
    uint32_t dims[3] = {2, 2, 2};
    size_t off = idx_header(buf, 0x08, 3, dims);
    buf[0] = 0x1f; buf[1] = 0x00; /* not gzip (no 0x8b) and not IDX */
    expect_bad(dir, buf, off + 8, "bad magic number");
    off = idx_header(buf, 0x08, 3, dims);
    expect_bad(dir, buf, off + 7, "truncated");
    expect_bad(dir, buf, off + 9, "trailing data");
    expect_bad(dir, buf, 10, "the header needs 16 bytes");
    expect_bad(dir, buf, 3, "only 3 bytes");
    buf[2] = 0x42;
    expect_bad(dir, buf, off + 8, "unknown IDX data type 0x42");
    uint32_t huge[3] = {0xffffffffu, 0xffffffffu, 0xffffffffu};
    off = idx_header(buf, 0x0E, 3, huge);
    expect_bad(dir, buf, off + 8, "more data than any file can hold");
    uint32_t wrong[3] = {60000, 28, 28};
    off = idx_header(buf, 0x08, 3, wrong);
    expect_bad(dir, buf, off + 100, "describes 47040016 bytes but the file has 116");
    off = idx_header(buf, 0x08, 0, wrong);
    expect_bad(dir, buf, off, "IDX files with 0 dimensions are not supported");
    buf[3] = 9;
    expect_bad(dir, buf, 64, "IDX files with 9 dimensions are not supported");
    char path[600];
    path_join(path, sizeof path, dir, "missing.idx");
    CHECK_FAILS(ct_idx_load(path), "cannot open");
    /* a damaged gzip stream */
    const uint8_t gz[12] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad};
    expect_bad(dir, gz, sizeof gz, "gzip");
    rm_rf(dir);
}

/*
 * A gzip bomb: a 9-byte IDX file followed by 4.8 GB of zeros in concatenated
 * gzip members (5 MB on disk). The header says where the file ends, so the
 * reader stops one byte past it: trailing data, reported without inflating
 * gigabytes first (the process's peak RSS stays small).
 */
TEST(idx_gzip_bomb_is_refused_without_inflating_it) {
    char dirbuf[64], path[600], cmd[2000];
    const char *dir = tmp_dir(dirbuf, sizeof dirbuf);
    REQUIRE(dir);
    uint8_t buf[16];
    uint32_t one = 1;
    size_t off = idx_header(buf, 0x08, 1, &one);
    buf[off] = 7;
    path_join(path, sizeof path, dir, "head.idx");
    write_bytes(path, buf, off + 1);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && gzip -c head.idx > bomb.gz && head -c 16777216 /dev/zero | gzip -1 > zeros.gz"
             " && for i in $(seq 288); do cat zeros.gz; done >> bomb.gz",
             dir);
    REQUIRE(system(cmd) == 0);
    path_join(path, sizeof path, dir, "bomb.gz");
    CHECK_FAILS(ct_idx_load(path), "describes 9 bytes but the file has more (trailing data)");
    struct rusage ru;
    REQUIRE(getrusage(RUSAGE_SELF, &ru) == 0);
    CHECK(ru.ru_maxrss < 512 * 1024); /* KiB: nowhere near the 4.8 GB the stream inflates to */
    rm_rf(dir);
}

static uint32_t rng_state = 12345;
static uint32_t next_rand(void) {
    rng_state = rng_state * 1664525u + 1013904223u;
    return rng_state >> 8;
}

TEST(idx_fuzz_random_corruptions) {
    char dirbuf[64], path[600], gzpath[700], cmd[1400];
    const char *dir = tmp_dir(dirbuf, sizeof dirbuf);
    REQUIRE(dir);
    uint8_t good[16 + 5 * 4 * 3];
    uint32_t dims[3] = {5, 4, 3};
    size_t off = idx_header(good, 0x08, 3, dims), n = off + 60;
    for (size_t i = off; i < n; i++) good[i] = (uint8_t)i;
    path_join(path, sizeof path, dir, "fuzz.idx");
    int ok = 0, failed = 0;
    for (int iter = 0; iter < 3000; iter++) {
        uint8_t bytes[sizeof good];
        memcpy(bytes, good, n);
        size_t len = n;
        int flips = 1 + (int)(next_rand() % 4);
        for (int f = 0; f < flips; f++) {
            size_t at = next_rand() % (iter % 2 ? 16 : n); /* half the time hit the header */
            bytes[at] = (uint8_t)next_rand();
        }
        if (next_rand() % 4 == 0) len = next_rand() % (n + 1);
        write_bytes(path, bytes, len);
        ct_clear_error();
        ct_tensor *t = ct_idx_load(path);
        if (t) {
            ok++;
            CHECK(ct_numel(t) * (int64_t)ct_element_size(t) <= (int64_t)len);
            ct_free(t);
        } else {
            failed++;
            CHECK_EQ_INT(ct_last_error_code(), CT_ERR_IO);
        }
    }
    CHECK(ok > 0 && failed > 0);
    /* corrupt gzip streams of the good file */
    write_bytes(path, good, n);
    snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s.gz'", path, path);
    REQUIRE(system(cmd) == 0);
    snprintf(gzpath, sizeof gzpath, "%s.gz", path);
    FILE *f = fopen(gzpath, "rb");
    REQUIRE(f);
    uint8_t gz[512];
    size_t gzn = fread(gz, 1, sizeof gz, f);
    fclose(f);
    for (int iter = 0; iter < 500; iter++) {
        uint8_t bytes[512];
        memcpy(bytes, gz, gzn);
        size_t at = 2 + next_rand() % (gzn - 2);
        bytes[at] ^= (uint8_t)(1 + next_rand() % 255);
        size_t len = next_rand() % 3 == 0 ? 2 + next_rand() % (gzn - 2) : gzn;
        write_bytes(gzpath, bytes, len);
        ct_clear_error();
        ct_tensor *t = ct_idx_load(gzpath);
        if (t) ct_free(t);
        else CHECK(ct_last_error_code() == CT_ERR_IO);
    }
    rm_rf(dir);
}

TEST(mnist_from_small_plain_and_gzipped_files) {
    char dirbuf[64], cmd[1400];
    const char *dir = tmp_dir(dirbuf, sizeof dirbuf);
    REQUIRE(dir);
    const uint8_t labels[4] = {3, 1, 4, 1};
    write_mnist(dir, "t10k", 4, 5, 6, labels);
    ct_dataset *ds = ct_mnist(dir, CT_TEST, ct_to_tensor());
    REQUIRE(ds);
    CHECK_STR(ct_dataset_name(ds), "MNIST");
    CHECK_EQ_INT(ct_dataset_len(ds), 4);
    int nclasses;
    const char *const *classes = ct_dataset_classes(ds, &nclasses);
    CHECK_EQ_INT(nclasses, 10);
    CHECK_STR(classes[3], "3 - three");
    ct_sample s;
    REQUIRE(ct_dataset_get(ds, 2, &s) == 0);
    CHECK_SHAPE(s.t[0], 1, 5, 6);
    CHECK_NEAR(ct_get(s.t[0], (const int64_t[]){0, 0, 1}), (double)((60 + 1) * 7 % 256) / 255.0, 1e-6);
    CHECK_EQ_INT(ct_item_int(s.t[1]), 4);
    ct_sample_free(&s);
    ct_dataset_free(ds);
    snprintf(cmd, sizeof cmd, "gzip '%s/t10k-images-idx3-ubyte' '%s/t10k-labels-idx1-ubyte'", dir, dir);
    REQUIRE(system(cmd) == 0);
    ds = ct_mnist(dir, CT_TEST);
    REQUIRE(ds);
    REQUIRE(ct_dataset_get(ds, 3, &s) == 0);
    CHECK_SHAPE(s.t[0], 5, 6, 1);
    CHECK_EQ_INT(ct_dtype_of(s.t[0]), CT_U8);
    CHECK_EQ_INT(ct_item_int(s.t[1]), 1);
    ct_sample_free(&s);
    CHECK_SHAPE(ct_dataset_data(ds), 4, 5, 6);
    CHECK_VALUES(ct_dataset_targets(ds), 0, 3, 1, 4, 1);
    ct_dataset_free(ds);
    rm_rf(dir);
}

TEST(mnist_file_errors) {
    char dirbuf[64], path[600];
    const char *dir = tmp_dir(dirbuf, sizeof dirbuf);
    REQUIRE(dir);
    /* not found: the message says how to get the files; the transform is freed */
    CHECK_FAILS(ct_fashion_mnist(dir, CT_TRAIN, ct_to_tensor()), "apt-get install dataset-fashion-mnist");
    CHECK_FAILS(ct_fashion_mnist(dir, CT_TRAIN),
                "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz");
    CHECK_FAILS(ct_mnist(dir, CT_TEST), "t10k-labels-idx1-ubyte(.gz)");
    /* labels out of range, and counts that disagree */
    const uint8_t labels[3] = {1, 12, 2};
    write_mnist(dir, "train", 3, 2, 2, labels);
    CHECK_FAILS(ct_mnist(dir, CT_TRAIN), "label 12 at index 1 is not in 0-9");
    const uint8_t ok_labels[3] = {1, 2, 3};
    write_mnist(dir, "train", 3, 2, 2, ok_labels);
    uint8_t buf[32] = {0}; /* the two data bytes are zero labels */
    uint32_t two = 2;
    size_t off = idx_header(buf, 0x08, 1, &two);
    path_join(path, sizeof path, dir, "train-labels-idx1-ubyte");
    write_bytes(path, buf, off + 2);
    CHECK_FAILS(ct_mnist(dir, CT_TRAIN), "has 3 images but");
    /* images that are not 3-d */
    off = idx_header(buf, 0x08, 1, &two);
    path_join(path, sizeof path, dir, "train-images-idx3-ubyte");
    write_bytes(path, buf, off + 2);
    CHECK_FAILS(ct_mnist(dir, CT_TRAIN), "should hold 3-dimensional unsigned bytes");
    rm_rf(dir);
}
