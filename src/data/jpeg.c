/*
 * src/data/jpeg.c - JPEG decoding and encoding with libjpeg(-turbo). Its
 * errors (and corrupt-data warnings) longjmp back to the call that started
 * the work, which cleans up and reports the library's message.
 */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#ifdef CT_HAVE_JPEG
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} jpeg_err;

static void on_error(j_common_ptr cinfo) {
    jpeg_err *e = (jpeg_err *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, e->message);
    longjmp(e->jump, 1);
}

/* Warnings (level -1) mean corrupt data: treat them as errors too. */
static void on_message(j_common_ptr cinfo, int level) {
    if (level < 0) on_error(cinfo);
}

/*
 * Hostile-file limits beside DT_IMAGE_MAX_BYTES (the decoded image): libjpeg's
 * own buffers (a progressive file keeps 2 bytes per coefficient of the whole
 * image) may take at most JPEG_MAX_WORK bytes, and a progressive file at
 * most JPEG_MAX_SCANS scans, each of which revisits the whole image
 * (libjpeg-turbo's advice against tiny files that decode for minutes).
 */
#define JPEG_MAX_WORK ((long)1 << 30)
#define JPEG_MAX_SCANS 1000

static void on_progress(j_common_ptr cinfo) {
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > JPEG_MAX_SCANS) {
        jpeg_err *e = (jpeg_err *)cinfo->err;
        snprintf(e->message, sizeof e->message, "more than %d progressive scans", JPEG_MAX_SCANS);
        longjmp(e->jump, 1);
    }
}

ct_tensor *dt_jpeg_decode(const uint8_t *data, size_t size, int want, const char *fn) {
    struct jpeg_decompress_struct cinfo;
    jpeg_err err;
    ct_tensor *volatile t = NULL;
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = on_error;
    err.pub.emit_message = on_message;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        ct_free(t);
        if (err.pub.msg_code == JERR_NO_BACKING_STORE)
            ct_set_error(CT_ERR_IO, fn, "JPEG image of %ux%u pixels needs more than %ld MiB to decode",
                         cinfo.image_width, cinfo.image_height, JPEG_MAX_WORK >> 20);
        else
            ct_set_error(CT_ERR_IO, fn, "invalid JPEG data: %s", err.message);
        return NULL;
    }
    struct jpeg_progress_mgr progress = {.progress_monitor = on_progress};
    jpeg_create_decompress(&cinfo);
    cinfo.mem->max_memory_to_use = JPEG_MAX_WORK;
    cinfo.progress = &progress;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        jpeg_destroy_decompress(&cinfo);
        ct_set_error(CT_ERR_IO, fn, "CMYK JPEG images are not supported");
        return NULL;
    }
    cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    /* the size is checked from the header, before jpeg_start_decompress allocates anything */
    int c = cinfo.num_components == 1 ? 1 : 3;
    if (!dt_image_fits(cinfo.image_width, cinfo.image_height, c, want)) {
        ct_set_error(CT_ERR_IO, fn, "JPEG image of %ux%u pixels is too large", cinfo.image_width,
                     cinfo.image_height);
        jpeg_destroy_decompress(&cinfo);
        return NULL;
    }
    jpeg_start_decompress(&cinfo);
    if (cinfo.output_components != c || cinfo.output_width != cinfo.image_width ||
        cinfo.output_height != cinfo.image_height) {
        ct_set_error(CT_ERR_IO, fn, "invalid JPEG data: unexpected output layout");
        jpeg_destroy_decompress(&cinfo);
        return NULL;
    }
    t = ct_empty(CT_SHAPE(cinfo.output_height, cinfo.output_width, c), .dtype = CT_U8);
    if (!t) {
        jpeg_destroy_decompress(&cinfo);
        return NULL;
    }
    uint8_t *base = ct_data_u8(t);
    size_t row = (size_t)cinfo.output_width * (size_t)c;
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW rowp = base + (size_t)cinfo.output_scanline * row;
        jpeg_read_scanlines(&cinfo, &rowp, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return t;
}

int dt_jpeg_write(const char *path, const uint8_t *pixels, int h, int w, int c, int quality,
                  const char *fn) {
    if (c != 1 && c != 3)
        return ct_set_error(CT_ERR_IO, fn, "cannot write mode %s as JPEG", c == 4 ? "RGBA" : "LA");
    FILE *volatile f = fopen(path, "wb");
    if (!f) return ct_set_error(CT_ERR_IO, fn, "cannot open '%s' for writing", path);
    struct jpeg_compress_struct cinfo;
    jpeg_err err;
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = on_error;
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&cinfo);
        fclose(f);
        return ct_set_error(CT_ERR_IO, fn, "cannot write JPEG '%s': %s", path, err.message);
    }
    jpeg_create_compress(&cinfo);
    jpeg_stdio_dest(&cinfo, f);
    cinfo.image_width = (JDIMENSION)w;
    cinfo.image_height = (JDIMENSION)h;
    cinfo.input_components = c;
    cinfo.in_color_space = c == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW rowp = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * (size_t)w * (size_t)c);
        jpeg_write_scanlines(&cinfo, &rowp, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    if (fclose(f) != 0) return ct_set_error(CT_ERR_IO, fn, "cannot write '%s'", path);
    return 0;
}

bool ct_image_has_jpeg(void) { return true; }

#else

ct_tensor *dt_jpeg_decode(const uint8_t *data, size_t size, int want, const char *fn) {
    ct_set_error(CT_ERR_IO, fn, "ctorch was built without JPEG support: install libjpeg-dev and rebuild");
    return NULL;
}

int dt_jpeg_write(const char *path, const uint8_t *pixels, int h, int w, int c, int quality,
                  const char *fn) {
    return ct_set_error(CT_ERR_IO, fn,
                        "cannot write '%s': ctorch was built without JPEG support (install libjpeg-dev and rebuild)",
                        path);
}

bool ct_image_has_jpeg(void) { return false; }

#endif
