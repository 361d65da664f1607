/*
 * src/data/png.c - PNG decoding and encoding with libpng's simplified API,
 * which does its own error recovery (no longjmp reaches our frames).
 */
#include <string.h>

#include "internal.h"

#ifdef CT_HAVE_PNG
#include <png.h>

ct_tensor *dt_png_decode(const uint8_t *data, size_t size, int want, const char *fn) {
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&img, data, size)) {
        ct_set_error(CT_ERR_IO, fn, "invalid PNG data: %s", img.message);
        png_image_free(&img);
        return NULL;
    }
    bool color = (img.format & PNG_FORMAT_FLAG_COLOR) != 0;
    bool alpha = (img.format & PNG_FORMAT_FLAG_ALPHA) != 0;
    int c = (color ? 3 : 1) + (alpha ? 1 : 0);
    img.format = (color ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY) | (alpha ? PNG_FORMAT_FLAG_ALPHA : 0);
    if (!dt_image_fits(img.width, img.height, c, want)) {
        ct_set_error(CT_ERR_IO, fn, "PNG image of %ux%u pixels is too large", img.width, img.height);
        png_image_free(&img);
        return NULL;
    }
    ct_tensor *t = ct_empty(CT_SHAPE(img.height, img.width, c), .dtype = CT_U8);
    if (!t) {
        png_image_free(&img);
        return NULL;
    }
    if (!png_image_finish_read(&img, NULL, ct_data_u8(t), 0, NULL)) {
        ct_set_error(CT_ERR_IO, fn, "invalid PNG data: %s", img.message);
        png_image_free(&img);
        ct_free(t);
        return NULL;
    }
    png_image_free(&img);
    return t;
}

int dt_png_write(const char *path, const uint8_t *pixels, int h, int w, int c, const char *fn) {
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)w;
    img.height = (png_uint_32)h;
    static const png_uint_32 formats[5] = {0, PNG_FORMAT_GRAY, PNG_FORMAT_GA, PNG_FORMAT_RGB,
                                           PNG_FORMAT_RGBA};
    img.format = formats[c];
    if (!png_image_write_to_file(&img, path, 0, pixels, 0, NULL)) {
        int rc = ct_set_error(CT_ERR_IO, fn, "cannot write PNG '%s': %s", path, img.message);
        png_image_free(&img);
        return rc;
    }
    return 0;
}

bool ct_image_has_png(void) { return true; }

#else

ct_tensor *dt_png_decode(const uint8_t *data, size_t size, int want, const char *fn) {
    ct_set_error(CT_ERR_IO, fn, "ctorch was built without PNG support: install libpng-dev and rebuild");
    return NULL;
}

int dt_png_write(const char *path, const uint8_t *pixels, int h, int w, int c, const char *fn) {
    return ct_set_error(CT_ERR_IO, fn,
                        "cannot write '%s': ctorch was built without PNG support (install libpng-dev and rebuild)",
                        path);
}

bool ct_image_has_png(void) { return false; }

#endif
