/*
 * tests/data/test_image.c - PNG and JPEG reading and writing, damaged image
 * bytes, and make_grid / save_image against torchvision.
 */
#include <stdlib.h>
#include <sys/resource.h>

#include "test.h"

#include "../fixtures/data_cases.h"
#include "data_test_files.h"

static uint32_t seed = 99;
static uint8_t rnd8(void) {
    seed = seed * 1664525u + 1013904223u;
    return (uint8_t)(seed >> 24);
}

TEST(png_round_trip_every_channel_count) {
    if (!ct_image_has_png()) return;
    char dirbuf[64], path[600];
    const char *dir = tmp_dir(dirbuf, sizeof dirbuf);
    REQUIRE(dir);
    path_join(path, sizeof path, dir, "img.png");
    for (int c = 1; c <= 4; c++) {
        CT_SCOPE {
            ct_tensor *img = ct_empty(CT_SHAPE(7, 9, c), .dtype = CT_U8);
            for (int64_t i = 0; i < ct_numel(img); i++) ct_data_u8(img)[i] = rnd8();
            REQUIRE(ct_image_write(path, img, 0) == 0);
            ct_tensor *back = ct_image_read(path, CT_IMAGE_UNCHANGED);
            CHECK_SHAPE(back, 7, 9, c);
            CHECK(ct_equal(back, img));
            ct_tensor *rgb = ct_image_read(path, CT_IMAGE_RGB);
            CHECK_SHAPE(rgb, 7, 9, 3);
            ct_tensor *gray = ct_image_read(path, CT_IMAGE_GRAY);
            CHECK_SHAPE(gray, 7, 9, 1);
            if (c >= 3) { /* PIL's L = (19595 R + 38470 G + 7471 B + 32768) >> 16 */
                const uint8_t *p = ct_data_u8(img);
                CHECK_EQ_INT(ct_data_u8(gray)[0], (p[0] * 19595 + p[1] * 38470 + p[2] * 7471 + 0x8000) >> 16);
            }
        }
    }
    CT_SCOPE { /* a 2-d image is written as gray */
        ct_tensor *img = ct_full(CT_SHAPE(3, 4), 9, .dtype = CT_U8);
        REQUIRE(ct_image_write(path, img, 0) == 0);
        CHECK_SHAPE(ct_image_read(path, CT_IMAGE_UNCHANGED), 3, 4, 1);
    }
    rm_rf(dir);
}

TEST(jpeg_round_trip_is_close) {
    if (!ct_image_has_jpeg()) return;
    char dirbuf[64], path[600];
    const char *dir = tmp_dir(dirbuf, sizeof dirbuf);
    REQUIRE(dir);
    path_join(path, sizeof path, dir, "img.jpg");
    CT_SCOPE {
        ct_tensor *img = ct_empty(CT_SHAPE(16, 16, 3), .dtype = CT_U8);
        for (int64_t y = 0; y < 16; y++)
            for (int64_t x = 0; x < 16; x++)
                for (int c = 0; c < 3; c++) ct_data_u8(img)[(y * 16 + x) * 3 + c] = (uint8_t)(x * 8 + y * 4 + c * 20);
        REQUIRE(ct_image_write(path, img, 100) == 0);
        ct_tensor *back = ct_image_read(path, CT_IMAGE_UNCHANGED);
        CHECK_SHAPE(back, 16, 16, 3);
        ct_tensor *diff = ct_abs(ct_sub(ct_to_dtype(back, CT_I32), ct_to_dtype(img, CT_I32)));
        CHECK(ct_item(ct_max(diff)) <= 6);
        CHECK_EQ_INT(ct_image_write(path, ct_zeros(CT_SHAPE(2, 2, 4), .dtype = CT_U8), 0), CT_ERR_IO);
        CHECK_ERROR("cannot write mode RGBA as JPEG");
    }
    rm_rf(dir);
}

/*
 * Hostile JPEG headers (found by fuzzing): 123 bytes claiming a progressive
 * image of 65281x41217 pixels, over the size limit, and the same bytes with
 * the frame header's size set to 16385x56097 gray pixels (jpeg_resized), under
 * the limit but with a coefficient buffer (2 bytes per sample) over the
 * decoder's 1 GiB working limit. Both are refused from the header, before
 * libjpeg allocates the image (it used to take 5.2 and 2.7 GB of memory first).
 */
static const uint8_t jpeg_too_large[123] = {
    0xff, 0xd8, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x0a, 0x07, 0x07, 0x08, 0x07, 0x06, 0x0a, 0x08, 0xc2,
    0x00, 0x0b, 0x08, 0x00, 0x44, 0x49, 0x43, 0x3c, 0x48, 0x37, 0x3d, 0x3e, 0x3b, 0xff, 0xc2, 0x00,
    0xff, 0xd8, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x01, 0x11, 0x00, 0xff, 0xc4, 0x00, 0x15, 0x00, 0x01,
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x44, 0x49,
    0x43, 0x3c, 0x48, 0x37, 0x3d, 0x3e, 0x3b, 0xff, 0xca, 0x00, 0x0b, 0x08, 0xa1, 0x01, 0xff, 0x01,
    0x01, 0x01, 0x11, 0x00, 0xff, 0xc4, 0x00, 0x15, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x05, 0xff, 0xda, 0x00, 0x08, 0x01,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x05, 0x05, 0xff, 0xd9,
};

/* The offset of the height (then the width), big-endian, in jpeg_too_large's SOF2 frame header. */
#define JPEG_TOO_LARGE_SIZE_AT 76

/* jpeg_too_large with another height and width, into out. */
static void jpeg_resized(uint8_t out[123], unsigned h, unsigned w) {
    memcpy(out, jpeg_too_large, 123);
    const uint8_t size[4] = {(uint8_t)(h >> 8), (uint8_t)h, (uint8_t)(w >> 8), (uint8_t)w};
    memcpy(out + JPEG_TOO_LARGE_SIZE_AT, size, 4);
}

/* A 16x12 progressive JPEG written by PIL 9.4 (quality 90); PIL decodes it to these values. */
static const uint8_t jpeg_progressive[561] = {
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x03, 0x02, 0x02, 0x03, 0x02, 0x02, 0x03,
    0x03, 0x03, 0x03, 0x04, 0x03, 0x03, 0x04, 0x05, 0x08, 0x05, 0x05, 0x04, 0x04, 0x05, 0x0a, 0x07,
    0x07, 0x06, 0x08, 0x0c, 0x0a, 0x0c, 0x0c, 0x0b, 0x0a, 0x0b, 0x0b, 0x0d, 0x0e, 0x12, 0x10, 0x0d,
    0x0e, 0x11, 0x0e, 0x0b, 0x0b, 0x10, 0x16, 0x10, 0x11, 0x13, 0x14, 0x15, 0x15, 0x15, 0x0c, 0x0f,
    0x17, 0x18, 0x16, 0x14, 0x18, 0x12, 0x14, 0x15, 0x14, 0xff, 0xdb, 0x00, 0x43, 0x01, 0x03, 0x04,
    0x04, 0x05, 0x04, 0x05, 0x09, 0x05, 0x05, 0x09, 0x14, 0x0d, 0x0b, 0x0d, 0x14, 0x14, 0x14, 0x14,
    0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14,
    0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14,
    0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0xff, 0xc2,
    0x00, 0x11, 0x08, 0x00, 0x0c, 0x00, 0x10, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11,
    0x01, 0xff, 0xc4, 0x00, 0x15, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x07, 0xff, 0xc4, 0x00, 0x15, 0x01, 0x01, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0xff,
    0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x10, 0x03, 0x10, 0x00, 0x00, 0x01, 0x95, 0xbe, 0x6a,
    0xf8, 0x9b, 0xff, 0xc4, 0x00, 0x17, 0x10, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x03, 0x05, 0xff, 0xda, 0x00, 0x08, 0x01,
    0x01, 0x00, 0x01, 0x05, 0x02, 0x17, 0x0a, 0x17, 0x0a, 0x11, 0x33, 0x84, 0x4c, 0xef, 0xff, 0xc4,
    0x00, 0x17, 0x11, 0x00, 0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x03, 0x06, 0x21, 0xff, 0xda, 0x00, 0x08, 0x01, 0x03, 0x01, 0x01, 0x3f,
    0x01, 0x9e, 0xa0, 0x76, 0x1f, 0xff, 0xc4, 0x00, 0x17, 0x11, 0x00, 0x03, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x04, 0xff, 0xda,
    0x00, 0x08, 0x01, 0x02, 0x01, 0x01, 0x3f, 0x01, 0xcf, 0x76, 0x7f, 0xff, 0xc4, 0x00, 0x17, 0x10,
    0x00, 0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0x21, 0x22, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x06, 0x3f, 0x02, 0x59, 0x16,
    0x45, 0x05, 0x0f, 0xff, 0xc4, 0x00, 0x14, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00,
    0x01, 0x3f, 0x21, 0x00, 0x0d, 0x6f, 0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x00, 0x03,
    0x00, 0x00, 0x00, 0x10, 0x03, 0xff, 0xc4, 0x00, 0x15, 0x11, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x51, 0xff, 0xda, 0x00, 0x08,
    0x01, 0x03, 0x01, 0x01, 0x3f, 0x10, 0xaa, 0xff, 0xc4, 0x00, 0x15, 0x11, 0x01, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0xff, 0xda,
    0x00, 0x08, 0x01, 0x02, 0x01, 0x01, 0x3f, 0x10, 0x8d, 0xff, 0xc4, 0x00, 0x16, 0x10, 0x01, 0x01,
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf1, 0x00,
    0x10, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x01, 0x3f, 0x10, 0x22, 0x33, 0x6b, 0xdf, 0xff,
    0xd9,
};

TEST(jpeg_headers_are_checked_before_decoding) {
    if (!ct_image_has_jpeg()) return;
    CHECK_FAILS(ct_image_decode(jpeg_too_large, sizeof jpeg_too_large, CT_IMAGE_UNCHANGED),
                "JPEG image of 65281x41217 pixels is too large");
    uint8_t too_much_work[123];
    jpeg_resized(too_much_work, 56097, 16385);
    CHECK_FAILS(ct_image_decode(too_much_work, sizeof too_much_work, CT_IMAGE_UNCHANGED),
                "JPEG image of 16385x56097 pixels needs more than 1024 MiB to decode");
    struct rusage ru;
    REQUIRE(getrusage(RUSAGE_SELF, &ru) == 0);
    CHECK(ru.ru_maxrss < 512 * 1024); /* KiB */
    /* a valid progressive file still decodes, under the progress monitor and the memory limit */
    ct_tensor *t = ct_image_decode(jpeg_progressive, sizeof jpeg_progressive, CT_IMAGE_UNCHANGED);
    CHECK_SHAPE(t, 12, 16, 3);
    if (t) {
        const uint8_t *p = ct_data_u8(t);
        const int want[5][3] = {{2, 0, 1}, {12, 3, 8}, {26, 4, 16}, {42, 4, 25}, {241, 216, 235}};
        const int at[5] = {0, 1, 2, 3, 11 * 16 + 15};
        for (int k = 0; k < 5; k++)
            for (int ch = 0; ch < 3; ch++) CHECK(abs(p[at[k] * 3 + ch] - want[k][ch]) <= 1);
        long sum = 0;
        for (int i = 0; i < 12 * 16 * 3; i++) sum += p[i];
        CHECK(labs(sum - 66667) <= 300);
    }
    ct_free(t);
}

/*
 * The size limit counts the channels the caller asks for: a header of a
 * 20000x20000 gray PNG (400 MB decoded, 1.6 GB as RGBA) with an empty IDAT.
 * Asking for RGB or RGBA is refused from the header (a 1 MB gray file used to
 * become a 4 GiB RGBA tensor); as stored it passes the check and fails on
 * the missing data.
 */
static const uint8_t png_gray_20000[57] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
    0x52, 0x00, 0x00, 0x4e, 0x20, 0x00, 0x00, 0x4e, 0x20, 0x08, 0x00, 0x00, 0x00, 0x00, 0xc6,
    0x1b, 0x19, 0xe5, 0x00, 0x00, 0x00, 0x00, 0x49, 0x44, 0x41, 0x54, 0x35, 0xaf, 0x06, 0x1e,
    0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

TEST(image_size_limit_counts_the_requested_channels) {
    if (!ct_image_has_png()) return;
    CHECK_FAILS(ct_image_decode(png_gray_20000, sizeof png_gray_20000, CT_IMAGE_RGBA),
                "PNG image of 20000x20000 pixels is too large");
    CHECK_FAILS(ct_image_decode(png_gray_20000, sizeof png_gray_20000, CT_IMAGE_RGB),
                "PNG image of 20000x20000 pixels is too large");
    CHECK_FAILS(ct_image_decode(png_gray_20000, sizeof png_gray_20000, CT_IMAGE_GRAY), "invalid PNG data");
    CHECK_FAILS(ct_image_decode(png_gray_20000, sizeof png_gray_20000, (ct_image_mode)2), "unknown image mode 2");
}

TEST(damaged_image_bytes_give_errors) {
    char dirbuf[64], path[600];
    const char *dir = tmp_dir(dirbuf, sizeof dirbuf);
    REQUIRE(dir);
    CHECK_FAILS(ct_image_decode("hello world", 11, CT_IMAGE_UNCHANGED), "cannot identify image data");
    const char *names[2] = {"img.png", "img.jpg"};
    for (int k = 0; k < 2; k++) {
        if (k == 0 ? !ct_image_has_png() : !ct_image_has_jpeg()) continue;
        path_join(path, sizeof path, dir, names[k]);
        uint8_t bytes[8192];
        size_t n;
        CT_SCOPE {
            ct_tensor *img = ct_empty(CT_SHAPE(20, 24, 3), .dtype = CT_U8);
            for (int64_t i = 0; i < ct_numel(img); i++) ct_data_u8(img)[i] = rnd8();
            REQUIRE(ct_image_write(path, img, 90) == 0);
        }
        FILE *f = fopen(path, "rb");
        REQUIRE(f);
        n = fread(bytes, 1, sizeof bytes, f);
        fclose(f);
        REQUIRE(n > 100 && n < sizeof bytes);
        CHECK_FAILS(ct_image_decode(bytes, n / 2, CT_IMAGE_UNCHANGED), k == 0 ? "invalid PNG data" : "invalid JPEG data");
        int ok = 0, failed = 0;
        for (int iter = 0; iter < 400; iter++) { /* random corruptions: errors, never crashes */
            uint8_t bad[8192];
            memcpy(bad, bytes, n);
            int flips = 1 + rnd8() % 8;
            for (int i = 0; i < flips; i++) bad[(8 + ((size_t)rnd8() << 8 | rnd8())) % n] = rnd8();
            size_t len = rnd8() % 4 == 0 ? 8 + ((size_t)rnd8() << 8 | rnd8()) % (n - 8) : n;
            ct_clear_error();
            ct_tensor *t = ct_image_decode(bad, len, CT_IMAGE_UNCHANGED);
            if (t) {
                ok++;
                ct_free(t);
            } else {
                failed++;
                CHECK_EQ_INT(ct_last_error_code(), CT_ERR_IO);
            }
        }
        CHECK(failed > 0);
        (void)ok;
    }
    path_join(path, sizeof path, dir, "not_an_image.png");
    write_bytes(path, "GIF89a....", 10);
    CHECK_FAILS(ct_image_read(path, CT_IMAGE_RGB), "not_an_image.png");
    rm_rf(dir);
}

TEST(make_grid_matches_torchvision) {
    CT_SCOPE {
        ct_tensor *imgs = ct_from_data(grid_in, CT_F64, CT_SHAPE(5, 1, 4, 4));
        imgs = ct_to_dtype(imgs, CT_F32);
        ct_tensor *grid = ct_make_grid(.tensor = imgs, .nrow = 3, .padding = 1, .normalize = true, .pad_value = 0.5);
        CHECK_SHAPE(grid, grid_shape[0], grid_shape[1], grid_shape[2]);
        CHECK(ct_test_values(grid, grid_out, grid_out_n, 1e-6));
        ct_tensor *grid2 = ct_make_grid(.tensor = imgs, .nrow = 2);
        CHECK_SHAPE(grid2, grid2_shape[0], grid2_shape[1], grid2_shape[2]);
        CHECK(ct_test_values(grid2, grid2_out, grid2_out_n, 1e-6));
        /* one image: no padding, 3 channels */
        CHECK_SHAPE(ct_make_grid(.tensor = ct_select(imgs, 0, 0)), 3, 4, 4);
    }
}

TEST(save_image_matches_torchvision) {
    if (!ct_image_has_png()) return;
    char dirbuf[64], path[600];
    const char *dir = tmp_dir(dirbuf, sizeof dirbuf);
    REQUIRE(dir);
    path_join(path, sizeof path, dir, "grid.png");
    CT_SCOPE {
        ct_tensor *imgs = ct_to_dtype(ct_from_data(grid_in, CT_F64, CT_SHAPE(5, 1, 4, 4)), CT_F32);
        REQUIRE(ct_save_image(path, .tensor = imgs, .nrow = 3, .padding = 1, .normalize = true, .pad_value = 0.5) == 0);
        ct_tensor *back = ct_image_read(path, CT_IMAGE_UNCHANGED);
        CHECK_SHAPE(back, grid_shape[1], grid_shape[2], 3);
        CHECK(ct_test_values(back, grid_u8, grid_u8_n, 0));
        /* with captions the cells grow by a 9-pixel strip holding the text */
        const char *captions[5] = {"0", "1", "T-SHIRT", "bag", NULL};
        ct_tensor *big = ct_zeros(CT_SHAPE(5, 1, 12, 12));
        ct_tensor *cap = ct_make_grid(.tensor = big, .nrow = 3, .padding = 1, .captions = captions);
        CHECK_SHAPE(cap, 3, 2 * (12 + 1 + 9) + 1, 3 * 13 + 1);
        /* strips start below each image: the first holds a "0", the fifth nothing */
        double lit0 = ct_item(ct_sum(ct_narrow(ct_narrow(cap, 1, 13, 9), 2, 1, 12)));
        double lit4 = ct_item(ct_sum(ct_narrow(ct_narrow(cap, 1, 22 + 13, 9), 2, 14, 12)));
        CHECK_EQ_INT(lit0, 3 * 19); /* the 19 pixels of the glyph "0" in 3 channels */
        CHECK_EQ_INT(lit4, 0);
        REQUIRE(ct_save_image(path, .tensor = big, .captions = captions) == 0);
    }
    rm_rf(dir);
}
