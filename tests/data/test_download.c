/*
 * tests/data/test_download.c - .download = true of the MNIST family and
 * CIFAR-10, without the network: no curl on PATH, an unreachable mirror on
 * the loopback address, and a local mirror (file:// URLs) serving good and
 * bad files. Every failure must say how to get the files and leave nothing
 * that looks like a dataset behind.
 */
#include <dirent.h>

#include "test.h"

#include "data_test_files.h"

/* Connection refused at once: nothing listens on the discard port of the loopback address. */
#define DEAD_MIRROR "http://127.0.0.1:9/"

static bool have(const char *prog) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "command -v %s > /dev/null 2>&1", prog);
    if (system(cmd) == 0) return true;
    fprintf(stderr, "  (skipped: no %s program)\n", prog);
    return false;
}

/* How many entries dir holds (besides . and ..). */
static int entries(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d) closedir(d);
    return n;
}

/* Runs f with PATH set to an empty folder, so no program (curl, tar) is found. */
static char saved_path[8192];
static void hide_programs(const char *empty_dir) {
    snprintf(saved_path, sizeof saved_path, "%s", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    setenv("PATH", empty_dir, 1);
}
static void restore_programs(void) { setenv("PATH", saved_path, 1); }

TEST(mnist_download_without_curl_says_how_to_get_the_files) {
    char rootbuf[64], emptybuf[64];
    const char *root = tmp_dir(rootbuf, sizeof rootbuf), *empty = tmp_dir(emptybuf, sizeof emptybuf);
    REQUIRE(root && empty);
    hide_programs(empty);
    ct_clear_error();
    ct_dataset *ds = ct_fashion_mnist(root, CT_TEST, ct_to_tensor(), .download = true);
    restore_programs();
    CHECK(ds == NULL);
    const char *msg = ct_last_error();
    CHECK(strstr(msg, "the curl program is not installed (apt-get install curl)") != NULL);
    CHECK(strstr(msg, "apt-get install dataset-fashion-mnist") != NULL);
    CHECK(strstr(msg, "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-images-idx3-ubyte.gz") != NULL);
    CHECK(strstr(msg, "t10k-labels-idx1-ubyte.gz") != NULL);
    CHECK(strstr(msg, root) != NULL);
    CHECK(strstr(msg, "pass .download = true") == NULL); /* it was tried */
    CHECK_EQ_INT(entries(root), 0);
    /* MNIST names its mirror; without .download the hint is there */
    CHECK_FAILS(ct_mnist(root, CT_TRAIN), "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz");
    CHECK_FAILS(ct_mnist(root, CT_TRAIN), "or pass .download = true (uses curl)");
    rm_rf(root);
    rm_rf(empty);
}

TEST(mnist_download_from_an_unreachable_mirror_fails_fast) {
    if (!have("curl")) return;
    char rootbuf[64];
    const char *root = tmp_dir(rootbuf, sizeof rootbuf);
    REQUIRE(root);
    setenv("CT_DOWNLOAD_MIRROR", DEAD_MIRROR, 1);
    ct_clear_error();
    ct_dataset *ds = ct_mnist(root, CT_TEST, .download = true);
    unsetenv("CT_DOWNLOAD_MIRROR");
    CHECK(ds == NULL);
    const char *msg = ct_last_error();
    CHECK(strstr(msg, "could not download " DEAD_MIRROR "t10k-images-idx3-ubyte.gz: curl failed (exit status 7)") != NULL);
    CHECK(strstr(msg, "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-images-idx3-ubyte.gz") != NULL);
    CHECK_EQ_INT(entries(root), 0); /* no part file left */
    ct_clear_error();
    rm_rf(root);
}

/* Writes an IDX file of n images (h x w) or of n labels to path; gzips it when gz. */
static void write_idx(const char *path, bool images, uint32_t n, uint32_t h, uint32_t w, bool gz) {
    size_t body = images ? (size_t)n * h * w : n;
    uint8_t *buf = calloc(16 + body, 1);
    uint32_t dims[3] = {n, h, w};
    size_t off = idx_header(buf, 0x08, images ? 3 : 1, dims);
    for (size_t i = 0; i < body; i++) buf[off + i] = (uint8_t)(images ? i * 13 % 256 : i % 10);
    char plain[720];
    snprintf(plain, sizeof plain, "%s%s", path, gz ? ".plain" : "");
    write_bytes(plain, buf, off + body);
    free(buf);
    if (gz) {
        char cmd[2400];
        snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s' && rm '%s'", plain, path, plain);
        if (system(cmd) != 0) fprintf(stderr, "gzip failed\n");
    }
}

TEST(mnist_download_from_a_local_mirror_checks_and_installs_the_files) {
    if (!have("curl") || !have("gzip")) return;
    char mirbuf[64], rootbuf[64], url[200], path[700];
    const char *mirror = tmp_dir(mirbuf, sizeof mirbuf), *root = tmp_dir(rootbuf, sizeof rootbuf);
    REQUIRE(mirror && root);
    snprintf(url, sizeof url, "file://%s", mirror); /* no trailing slash: one is added */
    /* a truncated image file (3 images, not 10,000) is refused and leaves nothing behind */
    path_join(path, sizeof path, mirror, "t10k-images-idx3-ubyte.gz");
    write_idx(path, true, 3, 28, 28, true);
    path_join(path, sizeof path, mirror, "t10k-labels-idx1-ubyte.gz");
    write_idx(path, false, 10000, 0, 0, false); /* served plain under the .gz name: accepted */
    setenv("CT_DOWNLOAD_MIRROR", url, 1);
    ct_clear_error();
    CHECK(ct_fashion_mnist(root, CT_TEST, .download = true) == NULL);
    CHECK_ERROR("t10k-images-idx3-ubyte.gz is not the expected file: a gzip file that inflates to 2368 bytes "
                "instead of 7840016");
    CHECK_EQ_INT(entries(root), 0);
    /* an HTML error page instead of the data */
    path_join(path, sizeof path, mirror, "t10k-images-idx3-ubyte.gz");
    write_bytes(path, "<html>Not Found</html>", 22);
    CHECK(ct_fashion_mnist(root, CT_TEST, .download = true) == NULL);
    CHECK_ERROR("neither gzip data nor an IDX file of 3-dimensional unsigned bytes");
    CHECK_EQ_INT(entries(root), 0);
    /* the real sizes: both files are fetched, named, and load */
    write_idx(path, true, 10000, 28, 28, true);
    ct_dataset *ds = ct_fashion_mnist(root, CT_TEST, .download = true);
    unsetenv("CT_DOWNLOAD_MIRROR");
    REQUIRE(ds);
    CHECK_EQ_INT(ct_dataset_len(ds), 10000);
    CHECK_EQ_INT(entries(root), 2);
    ct_sample s;
    REQUIRE(ct_dataset_get(ds, 9999, &s) == 0);
    CHECK_EQ_INT(ct_item_int(s.t[1]), 9);
    ct_sample_free(&s);
    ct_dataset_free(ds);
    /* the next time they are simply found: no download (the mirror is gone) */
    ds = ct_fashion_mnist(root, CT_TEST);
    CHECK(ds != NULL);
    ct_dataset_free(ds);
    rm_rf(mirror);
    rm_rf(root);
}

TEST(cifar_download_failures_say_how_to_get_the_files) {
    char rootbuf[64], emptybuf[64];
    const char *root = tmp_dir(rootbuf, sizeof rootbuf), *empty = tmp_dir(emptybuf, sizeof emptybuf);
    REQUIRE(root && empty);
    hide_programs(empty);
    ct_clear_error();
    ct_dataset *ds = ct_cifar10(root, CT_TRAIN, .download = true);
    restore_programs();
    CHECK(ds == NULL);
    const char *msg = ct_last_error();
    CHECK(strstr(msg, "the tar program is not installed (apt-get install tar)") != NULL);
    CHECK(strstr(msg, "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz") != NULL);
    CHECK(strstr(msg, "data_batch_1.bin") != NULL);
    ct_clear_error();
    CHECK_FAILS(ct_cifar10(root, CT_TEST), "or pass .download = true (uses curl and tar)");
    if (have("curl")) {
        setenv("CT_DOWNLOAD_MIRROR", DEAD_MIRROR, 1);
        CHECK_FAILS(ct_cifar10(root, CT_TEST, .download = true),
                    "could not download " DEAD_MIRROR "cifar-10-binary.tar.gz: curl failed (exit status 7)");
        unsetenv("CT_DOWNLOAD_MIRROR");
    }
    CHECK_EQ_INT(entries(root), 0);
    rm_rf(root);
    rm_rf(empty);
}

/* Writes n CIFAR records with label i % 10 and pixels i + byte offset. */
static void write_cifar_batch(const char *path, int n) {
    uint8_t *rec = malloc((size_t)n * 3073);
    for (int i = 0; i < n; i++) {
        rec[i * 3073] = (uint8_t)(i % 10);
        for (int p = 0; p < 3072; p++) rec[i * 3073 + 1 + p] = (uint8_t)(i + p);
    }
    write_bytes(path, rec, (size_t)n * 3073);
    free(rec);
}

TEST(cifar_download_from_a_local_mirror_unpacks_the_archive) {
    if (!have("curl") || !have("tar") || !have("gzip")) return;
    char mirbuf[64], rootbuf[64], url[200], path[800], cmd[2000];
    const char *mirror = tmp_dir(mirbuf, sizeof mirbuf), *root = tmp_dir(rootbuf, sizeof rootbuf);
    REQUIRE(mirror && root);
    snprintf(url, sizeof url, "file://%s/", mirror);
    /* an archive without the test batch is refused, and removed */
    snprintf(path, sizeof path, "%s/cifar-10-batches-bin", mirror);
    mkdir(path, 0777);
    for (int b = 1; b <= 5; b++) {
        snprintf(path, sizeof path, "%s/cifar-10-batches-bin/data_batch_%d.bin", mirror, b);
        write_cifar_batch(path, 3);
    }
    snprintf(cmd, sizeof cmd, "cd '%s' && tar czf cifar-10-binary.tar.gz cifar-10-batches-bin", mirror);
    REQUIRE(system(cmd) == 0);
    setenv("CT_DOWNLOAD_MIRROR", url, 1);
    CHECK_FAILS(ct_cifar10(root, CT_TRAIN, .download = true), "the archive holds no complete cifar-10-batches-bin/test_batch.bin");
    CHECK_EQ_INT(entries(root), 0);
    /* the complete archive */
    snprintf(path, sizeof path, "%s/cifar-10-batches-bin/test_batch.bin", mirror);
    write_cifar_batch(path, 2);
    REQUIRE(system(cmd) == 0);
    ct_dataset *ds = ct_cifar10(root, CT_TRAIN, .download = true);
    unsetenv("CT_DOWNLOAD_MIRROR");
    REQUIRE(ds);
    CHECK_EQ_INT(ct_dataset_len(ds), 15);
    ct_dataset_free(ds);
    ds = ct_cifar10(root, CT_TEST);
    REQUIRE(ds);
    CHECK_EQ_INT(ct_dataset_len(ds), 2);
    ct_dataset_free(ds);
    CHECK_EQ_INT(entries(root), 2); /* the archive and cifar-10-batches-bin */
    rm_rf(mirror);
    rm_rf(root);
}
