/*
 * src/data/file_read.c - whole-file reads for the dataset readers, inflating
 * gzip files with zlib when the build has it, and small path helpers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef CT_HAVE_ZLIB
#include <zlib.h>
#endif

#include "internal.h"

bool dt_is_file(const char *path) {
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool dt_is_dir(const char *path) {
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool dt_join(char *buf, size_t size, const char *a, const char *b, const char *fn) {
    int n = snprintf(buf, size, "%s%s%s", a, (a[0] && a[strlen(a) - 1] != '/') ? "/" : "", b);
    if (n < 0 || (size_t)n >= size) {
        ct_set_error(CT_ERR_VALUE, fn, "path too long: '%s/%s'", a, b);
        return false;
    }
    return true;
}

static int read_plain(FILE *f, const char *path, size_t max_bytes, uint8_t **out, size_t *len,
                      const char *fn) {
    if (fseek(f, 0, SEEK_END) != 0)
        return ct_set_error(CT_ERR_IO, fn, "cannot read '%s': %s", path, strerror(errno));
    long size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0)
        return ct_set_error(CT_ERR_IO, fn, "cannot read '%s': %s", path, strerror(errno));
    if ((unsigned long)size > max_bytes)
        return ct_set_error(CT_ERR_IO, fn, "'%s' is too large (%ld bytes, at most %zu expected)",
                            path, size, max_bytes);
    uint8_t *buf = malloc((size_t)size + 1);
    if (!buf) return ct_set_error(CT_ERR_OOM, fn, "out of memory reading '%s'", path);
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        return ct_set_error(CT_ERR_IO, fn, "cannot read '%s': short read", path);
    }
    *out = buf;
    *len = (size_t)size;
    return 0;
}

#ifdef CT_HAVE_ZLIB
/*
 * Inflates path into a buffer that never grows past what can be accepted:
 * max_bytes, or (expect given) the size the first bytes' header describes
 * once they tell it. A stream that goes on past that is read one byte
 * further and handed back as is, so the format's parser reports trailing
 * data without a gzip bomb being inflated into memory first.
 */
static int read_gzip(const char *path, size_t max_bytes, dt_expect_fn expect, uint8_t **out,
                     size_t *len, const char *fn) {
    gzFile gz = gzopen(path, "rb");
    if (!gz) return ct_set_error(CT_ERR_IO, fn, "cannot open '%s': %s", path, strerror(errno));
    gzbuffer(gz, 1 << 17);
    size_t limit = max_bytes, cap = max_bytes < (1 << 20) ? max_bytes + 1 : 1 << 20, n = 0;
    bool known = expect == NULL;
    uint8_t *buf = malloc(cap);
    int rc = buf ? 0 : ct_set_error(CT_ERR_OOM, fn, "out of memory reading '%s'", path);
    while (rc == 0 && n <= limit) {
        if (n == cap) {
            size_t grown_cap = cap > (limit + 1) / 2 ? limit + 1 : cap * 2;
            uint8_t *grown = realloc(buf, grown_cap);
            if (!grown) {
                rc = ct_set_error(CT_ERR_OOM, fn, "out of memory reading '%s'", path);
                break;
            }
            buf = grown;
            cap = grown_cap;
        }
        size_t want = cap - n > (1u << 30) ? (1u << 30) : cap - n;
        int got = gzread(gz, buf + n, (unsigned)want);
        if (got < 0) {
            int err;
            const char *msg = gzerror(gz, &err);
            rc = ct_set_error(CT_ERR_IO, fn, "'%s' is not a valid gzip file (%s)", path, msg);
            break;
        }
        if (got == 0) break;
        n += (size_t)got;
        if (!known) {
            size_t described = expect(buf, n);
            known = described != 0;
            if (known && described < limit) limit = described;
        }
    }
    if (rc == 0 && n <= limit) {
        int err;
        const char *msg = gzerror(gz, &err);
        if (err != Z_OK && err != Z_STREAM_END)
            rc = ct_set_error(CT_ERR_IO, fn, "'%s' is a damaged gzip file (%s)", path, msg);
    }
    int close_rc = gzclose(gz);
    if (rc == 0 && n <= limit && close_rc != Z_OK)
        rc = ct_set_error(CT_ERR_IO, fn, "'%s' is a truncated or damaged gzip file", path);
    if (rc == 0 && n > max_bytes)
        rc = ct_set_error(CT_ERR_IO, fn, "'%s' inflates to more than %zu bytes", path, max_bytes);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    *len = n;
    return 0;
}
#endif

int dt_read_file(const char *path, size_t max_bytes, uint8_t **out, size_t *len, const char *fn) {
    return dt_read_file_expect(path, max_bytes, NULL, out, len, fn);
}

int dt_read_file_expect(const char *path, size_t max_bytes, dt_expect_fn expect, uint8_t **out,
                        size_t *len, const char *fn) {
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return ct_set_error(CT_ERR_IO, fn, "cannot open '%s': %s", path, strerror(errno));
    unsigned char magic[2] = {0, 0};
    size_t got = fread(magic, 1, 2, f);
    bool gzip = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    int rc;
    if (!gzip) {
        rc = read_plain(f, path, max_bytes, out, len, fn);
        fclose(f);
        return rc;
    }
    fclose(f);
#ifdef CT_HAVE_ZLIB
    return read_gzip(path, max_bytes, expect, out, len, fn);
#else
    (void)expect;
    return ct_set_error(CT_ERR_IO, fn,
                        "'%s' is gzip-compressed but ctorch was built without zlib: install "
                        "zlib1g-dev and rebuild, or gunzip the file",
                        path);
#endif
}
