/*
 * tests/data/data_test_files.h - small file helpers for the data tests:
 * a temporary folder, writing bytes, and building IDX files.
 */
#ifndef CT_DATA_TEST_FILES_H
#define CT_DATA_TEST_FILES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * A fresh temporary folder written into buf; in memory (/dev/shm) when
 * possible, since the fuzz loops rewrite files thousands of times.
 */
static inline const char *tmp_dir(char *buf, size_t size) {
    struct stat st;
    bool shm = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0;
    snprintf(buf, size, "%s/ctorch_data_XXXXXX", shm ? "/dev/shm" : "/tmp");
    return mkdtemp(buf);
}

static inline void rm_rf(const char *dir) {
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

static inline int write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(data, 1, n, f);
    fclose(f);
    return w == n ? 0 : -1;
}

static inline void path_join(char *out, size_t size, const char *dir, const char *name) {
    snprintf(out, size, "%s/%s", dir, name);
}

/* An IDX header for type code `type` and ndim sizes into buf; returns its length. */
static inline size_t idx_header(uint8_t *buf, uint8_t type, int ndim, const uint32_t *dims) {
    buf[0] = buf[1] = 0;
    buf[2] = type;
    buf[3] = (uint8_t)ndim;
    for (int i = 0; i < ndim; i++) {
        buf[4 + 4 * i] = (uint8_t)(dims[i] >> 24);
        buf[5 + 4 * i] = (uint8_t)(dims[i] >> 16);
        buf[6 + 4 * i] = (uint8_t)(dims[i] >> 8);
        buf[7 + 4 * i] = (uint8_t)dims[i];
    }
    return 4 + 4 * (size_t)ndim;
}

/* Writes MNIST-style files for n images of h x w into dir (prefix "train" or "t10k"). */
static inline void write_mnist(const char *dir, const char *prefix, uint32_t n, uint32_t h, uint32_t w,
                               const uint8_t *labels) {
    char path[600], name[64];
    size_t pix = (size_t)n * h * w;
    uint8_t *buf = malloc(16 + pix + 8 + n);
    uint32_t dims[3] = {n, h, w};
    size_t off = idx_header(buf, 0x08, 3, dims);
    for (size_t i = 0; i < pix; i++) buf[off + i] = (uint8_t)(i * 7 % 256);
    snprintf(name, sizeof name, "%s-images-idx3-ubyte", prefix);
    path_join(path, sizeof path, dir, name);
    write_bytes(path, buf, off + pix);
    off = idx_header(buf, 0x08, 1, &n);
    memcpy(buf + off, labels, n);
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte", prefix);
    path_join(path, sizeof path, dir, name);
    write_bytes(path, buf, off + n);
    free(buf);
}

#endif
