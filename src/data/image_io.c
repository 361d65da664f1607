/*
 * src/data/image_io.c - ct_image_read / decode / write: picks the codec by
 * the file's first bytes (or the extension when writing) and converts
 * channels the way PIL's convert() does.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* Converts uint8 [H,W,c] to the requested channel count; consumes t. */
static ct_tensor *convert_mode(ct_tensor *t, ct_image_mode mode, const char *fn) {
    int64_t h = ct_size(t, 0), w = ct_size(t, 1), c = ct_size(t, 2);
    int want = (int)mode;
    if (mode == CT_IMAGE_UNCHANGED || want == c) return t; /* (want checked by dt_image_decode) */
    ct_tensor *out = ct_empty(CT_SHAPE(h, w, want), .dtype = CT_U8);
    if (!out) {
        ct_free(t);
        return NULL;
    }
    const uint8_t *s = ct_data_u8(t);
    uint8_t *d = ct_data_u8(out);
    for (int64_t p = 0; p < h * w; p++, s += c, d += want) {
        uint8_t gray, alpha = c == 2 || c == 4 ? s[c - 1] : 255;
        if (c >= 3) /* ITU-R 601-2 luma with PIL's fixed-point rounding */
            gray = (uint8_t)((s[0] * 19595 + s[1] * 38470 + s[2] * 7471 + 0x8000) >> 16);
        else
            gray = s[0];
        if (want == 1) {
            d[0] = gray;
            continue;
        }
        for (int k = 0; k < 3; k++) d[k] = c >= 3 ? s[k] : gray;
        if (want == 4) d[3] = alpha;
    }
    ct_free(t);
    return out;
}

ct_tensor *dt_image_decode(const void *data, size_t size, ct_image_mode mode, const char *fn) {
    static const uint8_t png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    const uint8_t *p = data;
    ct_tensor *t;
    if (!data) {
        ct_set_error(CT_ERR_NULL, fn, "argument 'data' is NULL");
        return NULL;
    }
    int want = (int)mode;
    if (want != 0 && want != 1 && want != 3 && want != 4) {
        ct_set_error(CT_ERR_VALUE, fn, "unknown image mode %d", want);
        return NULL;
    }
    if (size >= 8 && memcmp(p, png_magic, 8) == 0) t = dt_png_decode(p, size, want, fn);
    else if (size >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) t = dt_jpeg_decode(p, size, want, fn);
    else {
        ct_set_error(CT_ERR_IO, fn, "cannot identify image data (expected PNG or JPEG)");
        return NULL;
    }
    return t ? convert_mode(t, mode, fn) : NULL;
}

ct_tensor *ct_image_decode(const void *data, size_t size, ct_image_mode mode) {
    return dt_image_decode(data, size, mode, "ct_image_decode");
}

ct_tensor *ct_image_read(const char *path, ct_image_mode mode) {
    const char *fn = "ct_image_read";
    if (!path) {
        ct_set_error(CT_ERR_NULL, fn, "argument 'path' is NULL");
        return NULL;
    }
    uint8_t *buf;
    size_t len;
    if (dt_read_file(path, (size_t)1 << 30, &buf, &len, fn) != 0) return NULL;
    ct_tensor *t = dt_image_decode(buf, len, mode, fn);
    if (!t && ct_last_error_code() == CT_ERR_IO && !strstr(ct_last_error(), path)) {
        char msg[900];
        snprintf(msg, sizeof msg, "%s", ct_last_error());
        ct_set_error(CT_ERR_IO, NULL, "%s (file '%s')", msg, path);
    }
    free(buf);
    return t;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

int ct_image_write(const char *path, ct_tensor *img, int quality) {
    const char *fn = "ct_image_write";
    if (!path || !img)
        return ct_last_error_code() != CT_OK && !img
                   ? (int)ct_last_error_code()
                   : ct_set_error(CT_ERR_NULL, fn, "argument '%s' is NULL", path ? "img" : "path");
    int nd = ct_dim(img);
    int64_t c = nd == 3 ? ct_size(img, 2) : 1;
    if (ct_dtype_of(img) != CT_U8 || (nd != 2 && nd != 3) || c < 1 || c > 4)
        return ct_set_error(CT_ERR_VALUE, fn,
                            "expected a uint8 image [H,W] or [H,W,C] with C in 1..4, got %s with %d dims",
                            ct_dtype_torch_name(ct_dtype_of(img)), nd);
    int64_t h = ct_size(img, 0), w = ct_size(img, 1);
    if (h < 1 || w < 1 || h > 65535 || w > 65535)
        return ct_set_error(CT_ERR_VALUE, fn, "cannot write an image of %lldx%lld pixels",
                            (long long)h, (long long)w);
    if (quality == 0) quality = 75;
    if (quality < 1 || quality > 100)
        return ct_set_error(CT_ERR_VALUE, fn, "quality must be in 1..100, got %d", quality);
    ct_tensor *dense = ct_contiguous(img);
    if (!dense) return (int)ct_last_error_code();
    int rc;
    if (ends_with(path, ".png"))
        rc = dt_png_write(path, ct_data_u8(dense), (int)h, (int)w, (int)c, fn);
    else if (ends_with(path, ".jpg") || ends_with(path, ".jpeg"))
        rc = dt_jpeg_write(path, ct_data_u8(dense), (int)h, (int)w, (int)c, quality, fn);
    else
        rc = ct_set_error(CT_ERR_VALUE, fn, "unknown file extension: '%s' (use .png, .jpg or .jpeg)", path);
    ct_free(dense);
    return rc;
}
