/*
 * src/data/idx.c - the IDX format of the MNIST files: two zero bytes, a type
 * byte, a dimension count, big-endian 32-bit sizes, then big-endian data.
 * Everything in the header is checked against the file's real size first.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Largest IDX file accepted (the biggest MNIST-family file is ~50 MB). */
#define IDX_MAX_BYTES ((size_t)1 << 32)

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Element size in the file and the dtype it becomes; 0 for an unknown type. */
static size_t idx_type(uint8_t code, ct_dtype *dtype) {
    switch (code) {
    case 0x08: *dtype = CT_U8; return 1;
    case 0x09: *dtype = CT_I32; return 1;
    case 0x0B: *dtype = CT_I32; return 2;
    case 0x0C: *dtype = CT_I32; return 4;
    case 0x0D: *dtype = CT_F32; return 4;
    case 0x0E: *dtype = CT_F64; return 8;
    default: return 0;
    }
}

/* Decodes n big-endian elements of the file's type into the tensor's dtype. */
static void idx_decode(uint8_t code, const uint8_t *src, void *dst, size_t n) {
    if (code == 0x08) {
        memcpy(dst, src, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        switch (code) {
        case 0x09: ((int32_t *)dst)[i] = (int8_t)src[i]; break;
        case 0x0B: ((int32_t *)dst)[i] = (int16_t)(uint16_t)(src[2 * i] << 8 | src[2 * i + 1]); break;
        case 0x0C: ((int32_t *)dst)[i] = (int32_t)be32(src + 4 * i); break;
        case 0x0D: {
            uint32_t u = be32(src + 4 * i);
            memcpy((float *)dst + i, &u, 4);
            break;
        }
        case 0x0E: {
            uint64_t u = (uint64_t)be32(src + 8 * i) << 32 | be32(src + 8 * i + 4);
            memcpy((double *)dst + i, &u, 8);
            break;
        }
        default: break;
        }
    }
}

/*
 * The element count of the ndim big-endian sizes after the 4-byte prefix
 * (copied into shape->d when shape is not NULL), or SIZE_MAX when the data
 * would be over IDX_MAX_BYTES.
 */
static size_t idx_count(const uint8_t *head, int ndim, size_t esize, ct_shape *shape) {
    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        uint32_t d = be32(head + 4 + 4 * i);
        if (shape) shape->d[i] = d;
        if (d != 0 && count > (IDX_MAX_BYTES / esize) / d) return SIZE_MAX;
        count *= d;
    }
    return count;
}

size_t dt_idx_size(const uint8_t *head, size_t n) {
    ct_dtype dtype;
    if (n < 4) return 0;
    size_t esize = idx_type(head[2], &dtype), ndim = head[3], header = 4 + 4 * ndim;
    if (head[0] != 0 || head[1] != 0 || !esize || ndim < 1 || ndim > CT_MAX_DIMS) return 4;
    if (n < header) return 0;
    size_t count = idx_count(head, (int)ndim, esize, NULL);
    return count == SIZE_MAX ? header /* refused by the parser */ : header + count * esize;
}

ct_tensor *dt_idx_parse(const uint8_t *buf, size_t len, const char *path, const char *fn) {
    if (len < 4)
        return ct_set_error(CT_ERR_IO, fn, "'%s' is not an IDX file: only %zu bytes", path, len), NULL;
    if (buf[0] != 0 || buf[1] != 0)
        return ct_set_error(CT_ERR_IO, fn,
                            "'%s' is not an IDX file: bad magic number %02x %02x %02x %02x",
                            path, buf[0], buf[1], buf[2], buf[3]),
               NULL;
    ct_dtype dtype;
    size_t esize = idx_type(buf[2], &dtype);
    if (!esize)
        return ct_set_error(CT_ERR_IO, fn, "'%s': unknown IDX data type 0x%02x", path, buf[2]), NULL;
    int ndim = buf[3];
    if (ndim < 1 || ndim > CT_MAX_DIMS)
        return ct_set_error(CT_ERR_IO, fn, "'%s': IDX files with %d dimensions are not supported",
                            path, ndim),
               NULL;
    size_t header = 4 + 4 * (size_t)ndim;
    if (len < header)
        return ct_set_error(CT_ERR_IO, fn, "'%s' is truncated: the header needs %zu bytes, the file has %zu",
                            path, header, len),
               NULL;
    ct_shape shape = {.ndim = ndim};
    size_t count = idx_count(buf, ndim, esize, &shape);
    if (count == SIZE_MAX)
        return ct_set_error(CT_ERR_IO, fn, "'%s': IDX dimensions describe more data than any file can hold",
                            path),
               NULL;
    size_t need = header + count * esize;
    if (len < need)
        return ct_set_error(CT_ERR_IO, fn,
                            "'%s': the IDX header describes %zu bytes but the file has %zu (truncated)",
                            path, need, len),
               NULL;
    /* (a gzip stream is read only one byte past need: its length is not known) */
    if (len > need)
        return ct_set_error(CT_ERR_IO, fn,
                            "'%s': the IDX header describes %zu bytes but the file has more (trailing data)",
                            path, need),
               NULL;
    ct_tensor *t = ct_empty(shape, .dtype = dtype);
    if (!t) return NULL;
    idx_decode(buf[2], buf + header, ct_data_ptr(t), count);
    return t;
}

ct_tensor *ct_idx_load(const char *path) {
    const char *fn = "ct_idx_load";
    if (!path) return ct_set_error(CT_ERR_NULL, fn, "argument 'path' is NULL"), NULL;
    uint8_t *buf;
    size_t len;
    if (dt_read_file_expect(path, IDX_MAX_BYTES, dt_idx_size, &buf, &len, fn) != 0) return NULL;
    ct_tensor *t = dt_idx_parse(buf, len, path, fn);
    free(buf);
    return t;
}
