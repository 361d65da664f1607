/*
 * tests/data/test_transforms.c - transforms against torchvision 0.14 on the
 * same inputs: deterministic ones value by value, random ones draw for draw
 * after the same manual_seed, plus distributions and layouts.
 */
#include "test.h"

#include "../fixtures/data_cases.h"

static ct_tensor *img_f32(void) { return ct_to_dtype(ct_from_data(tf_img, CT_F64, CT_SHAPE(3, 8, 10)), CT_F32); }
/* A uint8 tensor image [1, 3, 8, 10] (3-d uint8 would be an HWC image). */
static ct_tensor *img_u8(void) { return ct_to_dtype(ct_from_data(tf_img_u8, CT_F64, CT_SHAPE(1, 3, 8, 10)), CT_U8); }

/* Float32 results equal torchvision's up to the 9 digits the fixture keeps. */
#define EXACT 2e-7
#define EXPECT(t, name, tol) CHECK(ct_test_values((t), name, name##_n, (tol)))

TEST(resize_matches_torchvision) {
    CT_SCOPE {
        ct_tensor *x = img_f32(), *u = img_u8();
        ct_tensor *r = ct_tf_resize(x, 5, 7);
        CHECK_SHAPE(r, 3, 5, 7);
        EXPECT(r, tf_resize_5_7, 1e-6);
        EXPECT(ct_tf_resize(x, 13, 17), tf_resize_13_17, 1e-6);
        ct_tensor *ru = ct_tf_resize(u, 5, 7);
        CHECK_EQ_INT(ct_dtype_of(ru), CT_U8);
        /* uint8: PyTorch's float kernel can land one float step off an exact .5 tie */
        EXPECT(ru, tf_resize_u8_5_7, 1);
        EXPECT(ct_tf_resize(u, 16, 20), tf_resize_u8_16_20, 1);
        ct_transform *t = ct_resize_short(4);
        ct_tensor *rs = ct_transform_apply(t, x);
        CHECK_SHAPE(rs, 3, 4, 5);
        EXPECT(rs, tf_resize_short_4, 1e-6);
        ct_transform_free(t);
        CHECK_FAILS(ct_tf_resize(x, 0, 3), "greater than 0");
    }
}

TEST(crops_match_torchvision) {
    CT_SCOPE {
        ct_tensor *x = img_f32();
        EXPECT(ct_tf_center_crop(x, 5, 6), tf_center_5_6, EXACT);
        ct_tensor *big = ct_tf_center_crop(x, 10, 12);
        CHECK_SHAPE(big, 3, 10, 12);
        EXPECT(big, tf_center_10_12, EXACT);
        EXPECT(ct_tf_crop(x, -2, 7, 5, 6), tf_crop_out, EXACT);
        ct_tensor *p = ct_tf_pad(x, 1, 2, 3, 4, 0.5);
        CHECK_SHAPE(p, 3, 14, 14);
        CHECK_NEAR(ct_get(p, (const int64_t[]){0, 0, 0}), 0.5, 0);
        CHECK_NEAR(ct_get(p, (const int64_t[]){1, 2, 1}), tf_img[80], 1e-7);
    }
}

TEST(rotate_and_affine_match_torchvision) {
    CT_SCOPE {
        ct_tensor *x = img_f32();
        EXPECT(ct_tf_rotate(x, 30.0, CT_INTERP_BILINEAR, 0.0), tf_rot30_bilinear, 2e-6);
        EXPECT(ct_tf_rotate(x, -45.0, CT_INTERP_NEAREST, 0.5), tf_rotm45_nearest, EXACT);
        EXPECT(ct_tf_affine(x, 10.0, 1, -2, 1.2, 0, 0, CT_INTERP_BILINEAR, 0.0), tf_affine_bilinear, 2e-6);
        EXPECT(ct_tf_affine(x, -20.0, 0, 1, 0.8, 15.0, 5.0, CT_INTERP_BILINEAR, 0.25), tf_affine_shear, 2e-6);
        /* uint8 images are rounded back like torchvision (allow 1 for float ties) */
        EXPECT(ct_tf_rotate(img_u8(), 30.0, CT_INTERP_BILINEAR, 0.0), tf_rot30_u8, 1);
    }
}

TEST(color_matches_torchvision) {
    CT_SCOPE {
        ct_tensor *x = img_f32();
        EXPECT(ct_tf_adjust_brightness(x, 1.3), tf_brightness, 1e-6);
        EXPECT(ct_tf_adjust_contrast(x, 0.6), tf_contrast, 1e-6);
        EXPECT(ct_tf_adjust_saturation(x, 0.4), tf_saturation, 1e-6);
        EXPECT(ct_tf_adjust_contrast(img_u8(), 1.7), tf_contrast_u8, 0);
        EXPECT(ct_tf_rgb_to_grayscale(x), tf_gray, 1e-6);
        CHECK_FAILS(ct_tf_adjust_saturation(ct_zeros(CT_SHAPE(1, 4, 4)), 0.5), "permitted channel values are [3]");
    }
}

TEST(hue_matches_torchvision) {
    CT_SCOPE {
        ct_tensor *x = img_f32();
        /* torchvision computes in float32 op by op; so does ct_tf_adjust_hue */
        EXPECT(ct_tf_adjust_hue(x, 0.2), tf_hue_p02, EXACT);
        EXPECT(ct_tf_adjust_hue(x, -0.45), tf_hue_m045, EXACT);
        ct_tensor *u = ct_tf_adjust_hue(img_u8(), 0.3);
        CHECK_EQ_INT(ct_dtype_of(u), CT_U8);
        EXPECT(u, tf_hue_u8, 0);
        EXPECT(ct_tf_adjust_saturation(img_u8(), 1.6), tf_saturation_u8, 0);
        /* channels that tie (gray pixels, two equal maxima) take Pillow's branches */
        ct_tensor *ties = ct_to_dtype(ct_from_data(tf_ties, CT_F64, CT_SHAPE(3, 8, 10)), CT_F32);
        EXPECT(ct_tf_adjust_hue(ties, 0.35), tf_hue_ties, EXACT);
        ct_tensor *t64 = ct_tf_adjust_hue(ct_to_dtype(ties, CT_F64), -0.1);
        CHECK_EQ_INT(ct_dtype_of(t64), CT_F64);
        EXPECT(t64, tf_hue_ties_f64, 1e-8);
        /* an HWC uint8 image keeps its layout; a batch is every image; one channel is unchanged */
        ct_tensor *hwc = ct_permute(ct_select(img_u8(), 0, 0), CT_DIMS(1, 2, 0));
        ct_tensor *h = ct_tf_adjust_hue(hwc, 0.3);
        CHECK_SHAPE(h, 8, 10, 3);
        CHECK(ct_test_values(ct_permute(h, CT_DIMS(2, 0, 1)), tf_hue_u8, tf_hue_u8_n, 0));
        ct_tensor *batch = ct_stack((ct_tensor *[]){x, x}, 2, 0);
        CHECK(ct_test_values(ct_select(ct_tf_adjust_hue(batch, 0.2), 0, 1), tf_hue_p02, tf_hue_p02_n, EXACT));
        ct_tensor *gray = ct_rand(CT_SHAPE(1, 4, 4));
        CHECK(ct_equal(ct_tf_adjust_hue(gray, 0.3), gray));
        /* a factor of 0 (or of a whole turn's worth of rounding) gives the image back */
        CHECK(ct_test_values(ct_tf_adjust_hue(x, 0.0), tf_img, tf_img_n, 1e-6));
        CHECK_FAILS(ct_tf_adjust_hue(x, 0.6), "hue_factor (0.6) is not in [-0.5, 0.5].");
        CHECK_FAILS(ct_tf_adjust_hue(ct_zeros(CT_SHAPE(2, 4, 4)), 0.1), "permitted channel values are [1, 3]");
    }
}

TEST(to_tensor_and_normalize_match_torchvision) {
    CT_SCOPE {
        ct_tensor *hwc = ct_to_dtype(ct_from_data(tf_hwc_u8, CT_F64, CT_SHAPE(4, 5, 3)), CT_U8);
        ct_tensor *t = ct_tf_to_tensor(hwc);
        CHECK_SHAPE(t, 3, 4, 5);
        EXPECT(t, tf_to_tensor, EXACT);
        /* a non-contiguous view gives the same */
        CHECK(ct_equal(ct_tf_to_tensor(ct_contiguous(ct_flip(ct_flip(hwc, CT_DIMS(0)), CT_DIMS(0)))), t));
        double mean[3] = {0.5, 0.4, 0.3}, std[3] = {0.2, 0.25, 0.3};
        EXPECT(ct_tf_normalize(img_f32(), mean, std, 3), tf_normalize, EXACT);
        CHECK_FAILS(ct_tf_normalize(img_u8(), mean, std, 3), "Input tensor should be a float tensor. Got torch.uint8.");
        CHECK_FAILS(ct_tf_normalize(img_f32(), mean, (const double[]){1, 0, 1}, 3), "std evaluated to zero");
        CHECK_FAILS(ct_tf_to_tensor(img_f32()), "pic should be a uint8 image");
        /* batches: Normalize works on [N, C, H, W] */
        ct_tensor *batch = ct_stack((ct_tensor *[]){img_f32(), img_f32()}, 2, 0);
        ct_tensor *nb = ct_tf_normalize(batch, mean, std, 3);
        CHECK_SHAPE(nb, 2, 3, 8, 10);
        CHECK(ct_test_values(ct_select(nb, 0, 1), tf_normalize, tf_normalize_n, EXACT));
    }
}

TEST(compose_to_tensor_normalize_on_an_hwc_image) {
    CT_SCOPE {
        ct_transform *t = ct_compose(ct_to_tensor(), ct_normalize(0.5, 0.25), NULL);
        REQUIRE(t);
        CHECK_STR(ct_transform_name(t), "Compose");
        ct_tensor *hwc = ct_full(CT_SHAPE(2, 2, 1), 51, .dtype = CT_U8);
        ct_tensor *y = ct_transform_apply(t, hwc);
        CHECK_SHAPE(y, 1, 2, 2);
        CHECK_VALUES(y, 1e-6, -1.2, -1.2, -1.2, -1.2);
        ct_transform_free(t);
        /* a failing part fails the whole and keeps its message */
        t = ct_compose(ct_normalize(0.5, 0.25), NULL);
        CHECK_FAILS(ct_transform_apply(t, hwc), "Input tensor should be a float tensor");
        ct_transform_free(t);
    }
}

TEST(compose_ignores_errors_recorded_before_it) {
    CT_SCOPE {
        /* an unrelated failure earlier in the program, its message never cleared */
        ct_clear_error();
        CHECK(ct_view(ct_zeros(CT_SHAPE(6)), CT_SHAPE(5)) == NULL);
        CHECK(ct_last_error_code() != CT_OK);
        ct_transform *t = ct_compose(ct_to_tensor(), ct_normalize(0.5, 0.25), NULL);
        REQUIRE(t);
        ct_tensor *y = ct_transform_apply(t, ct_full(CT_SHAPE(2, 2, 1), 51, .dtype = CT_U8));
        CHECK_VALUES(y, 1e-6, -1.2, -1.2, -1.2, -1.2);
        ct_transform_free(t);
        /* a constructor that fails among them still fails the whole, with its message */
        ct_clear_error();
        CHECK(ct_compose(ct_to_tensor(), ct_color_jitter(-1, 0, 0), ct_normalize(0.5, 0.25), NULL) == NULL);
        CHECK_ERROR("brightness is a single number, it must be non negative");
        CHECK(ct_compose(ct_to_tensor(), ct_normalize(0.5, 0.25), ct_normalize_channels(NULL, NULL, 0), NULL) == NULL);
        CHECK_ERROR("mean and std need at least one value each");
        /* and an empty Compose is the identity */
        t = ct_compose(NULL);
        REQUIRE(t);
        ct_tensor *x = ct_ones(CT_SHAPE(1, 2, 2));
        CHECK(ct_equal(ct_transform_apply(t, x), x));
        ct_transform_free(t);
    }
}

TEST(random_flip_draws_like_torchvision) {
    CT_SCOPE {
        ct_tensor *x = img_f32();
        ct_transform *t = ct_random_horizontal_flip(0.5);
        ct_manual_seed(0);
        for (int i = 0; i < 40; i++) {
            ct_tensor *y = ct_transform_apply(t, x);
            CHECK_EQ_INT(!ct_equal(y, x), tf_hflip_seed0[i]);
            if (!ct_equal(y, x)) CHECK(ct_equal(y, ct_tf_hflip(x)));
        }
        ct_transform_free(t);
        /* flip rate ~ p with an own generator */
        t = ct_random_vertical_flip(0.3);
        ct_generator *g = ct_generator_new(77);
        ct_transform_set_generator(t, g);
        int flipped = 0;
        for (int i = 0; i < 4000; i++) CT_SCOPE { flipped += !ct_equal(ct_transform_apply(t, x), x); }
        CHECK_NEAR(flipped / 4000.0, 0.3, 0.025);
        ct_transform_free(t);
        ct_generator_free(g);
    }
}

TEST(random_geometry_draws_like_torchvision) {
    CT_SCOPE {
        ct_tensor *x = img_f32();
        ct_transform *crop = ct_random_crop(6, .padding = 2);
        ct_manual_seed(1);
        ct_tensor *outs[3];
        for (int i = 0; i < 3; i++) outs[i] = ct_transform_apply(crop, x);
        EXPECT(ct_stack(outs, 3, 0), tf_randcrop_seed1, EXACT);
        ct_transform_free(crop);
        ct_transform *rot = ct_random_rotation(20, .interpolation = CT_INTERP_BILINEAR);
        ct_manual_seed(2);
        EXPECT(ct_transform_apply(rot, x), tf_randrot_seed2, 2e-6);
        ct_transform_free(rot);
        ct_transform *aff = ct_random_affine(10, .translate_x = 0.1, .translate_y = 0.1, .scale_min = 0.9,
                                             .scale_max = 1.1, .interpolation = CT_INTERP_BILINEAR);
        ct_manual_seed(3);
        EXPECT(ct_transform_apply(aff, x), tf_randaffine_seed3, 2e-6);
        ct_transform_free(aff);
        CHECK_FAILS(ct_random_affine(10, .translate_x = 2), "translation values should be between 0 and 1");
    }
}

TEST(random_color_and_erasing_draw_like_torchvision) {
    CT_SCOPE {
        ct_tensor *x = img_f32();
        ct_transform *j = ct_color_jitter(0.4, 0.4, 0.4);
        ct_manual_seed(4);
        ct_tensor *outs[4];
        for (int i = 0; i < 3; i++) outs[i] = ct_transform_apply(j, x);
        EXPECT(ct_stack(outs, 3, 0), tf_jitter_seed4, 2e-6);
        ct_transform_free(j);
        /* with hue: randperm(4), four factors, the four adjustments in that order */
        j = ct_color_jitter(0.4, 0.4, 0.4, 0.2);
        ct_manual_seed(11);
        for (int i = 0; i < 4; i++) outs[i] = ct_transform_apply(j, x);
        EXPECT(ct_stack(outs, 4, 0), tf_jitter_hue_seed11, 2e-6);
        ct_transform_free(j);
        j = ct_color_jitter(0.3, 0.3, 0.3, .hue = 0.5);
        ct_manual_seed(12);
        for (int i = 0; i < 4; i++) outs[i] = ct_transform_apply(j, img_u8());
        EXPECT(ct_stack(outs, 4, 0), tf_jitter_hue_u8_seed12, 1);
        ct_transform_free(j);
        j = ct_color_jitter(.hue = 0.5);
        ct_manual_seed(13);
        for (int i = 0; i < 3; i++) outs[i] = ct_transform_apply(j, x);
        EXPECT(ct_stack(outs, 3, 0), tf_jitter_hue_only_seed13, EXACT);
        ct_transform_free(j);
        CHECK_FAILS(ct_color_jitter(.hue = 0.6), "hue values should be between (-0.5, 0.5)");
        CHECK_FAILS(ct_color_jitter(.hue = -0.1), "If hue is a single number, it must be non negative.");
        ct_transform *e = ct_random_erasing(1.0);
        ct_manual_seed(5);
        for (int i = 0; i < 3; i++) outs[i] = ct_transform_apply(e, x);
        EXPECT(ct_stack(outs, 3, 0), tf_erase_seed5, EXACT);
        ct_transform_free(e);
        e = ct_random_erasing(1.0, .random_value = true);
        ct_manual_seed(6);
        EXPECT(ct_transform_apply(e, x), tf_erase_random_seed6, 1e-6);
        ct_transform_free(e);
        ct_tensor *big = ct_to_dtype(ct_from_data(tf_big, CT_F64, CT_SHAPE(3, 32, 32)), CT_F32);
        e = ct_random_erasing(1.0, .value = 0.5);
        ct_manual_seed(8);
        for (int i = 0; i < 4; i++) outs[i] = ct_transform_apply(e, big);
        EXPECT(ct_stack(outs, 4, 0), tf_erase_big_seed8, EXACT);
        ct_transform_free(e);
    }
}

TEST(gaussian_noise_distribution) {
    CT_SCOPE {
        ct_transform *t = ct_gaussian_noise(0.0, 0.1, false);
        ct_tensor *x = ct_full(CT_SHAPE(1, 100, 100), 0.5);
        ct_tensor *y = ct_transform_apply(t, x);
        ct_tensor *d = ct_sub(y, x);
        CHECK_NEAR(ct_item(ct_mean(d)), 0.0, 0.005);
        CHECK_NEAR(ct_item(ct_std(d)), 0.1, 0.005);
        ct_transform_free(t);
        t = ct_gaussian_noise(0.0, 1.0, true);
        y = ct_transform_apply(t, x);
        CHECK(ct_item(ct_min(y)) >= 0 && ct_item(ct_max(y)) <= 1);
        CHECK_FAILS(ct_transform_apply(t, ct_zeros(CT_SHAPE(1, 2, 2), .dtype = CT_U8)), "expected to be in float dtype");
        ct_transform_free(t);
    }
}

TEST(hwc_uint8_images_keep_their_layout) {
    CT_SCOPE {
        ct_tensor *hwc = ct_permute(ct_select(img_u8(), 0, 0), CT_DIMS(1, 2, 0)); /* [8, 10, 3] */
        ct_tensor *f = ct_tf_hflip(hwc);
        CHECK_SHAPE(f, 8, 10, 3);
        CHECK_EQ_INT(ct_get(f, (const int64_t[]){2, 0, 1}), ct_get(hwc, (const int64_t[]){2, 9, 1}));
        ct_tensor *c = ct_tf_center_crop(hwc, 5, 6);
        CHECK_SHAPE(c, 5, 6, 3);
        CHECK_EQ_INT(ct_get(c, (const int64_t[]){0, 0, 2}), ct_get(hwc, (const int64_t[]){2, 2, 2}));
        ct_tensor *r = ct_tf_resize(hwc, 5, 7);
        CHECK_SHAPE(r, 5, 7, 3);
        CHECK(ct_test_values(ct_permute(r, CT_DIMS(2, 0, 1)), tf_resize_u8_5_7, tf_resize_u8_5_7_n, 1));
        ct_transform *t = ct_compose(ct_random_crop(6, .padding = 1), ct_random_horizontal_flip(0.5), ct_to_tensor(),
                                     NULL);
        ct_tensor *y = ct_transform_apply(t, hwc);
        CHECK_SHAPE(y, 3, 6, 6);
        ct_transform_free(t);
        /* the same random crop for every image of a batch */
        ct_tensor *batch = ct_stack((ct_tensor *[]){img_f32(), img_f32()}, 2, 0);
        t = ct_random_crop(5);
        ct_tensor *cb = ct_transform_apply(t, batch);
        CHECK_SHAPE(cb, 2, 3, 5, 5);
        CHECK(ct_equal(ct_select(cb, 0, 0), ct_select(cb, 0, 1)));
        ct_transform_free(t);
    }
}

/* A user-written transform with a context. */
static ct_tensor *scale_by(ct_tensor *x, void *ctx, ct_generator *g) {
    return ct_mul_scalar(x, *(double *)ctx);
}

TEST(user_transforms) {
    CT_SCOPE {
        double k = 3.0;
        ct_transform *t = ct_compose(ct_transform_new("ScaleBy", scale_by, &k, NULL), ct_normalize(1.0, 2.0), NULL);
        ct_tensor *y = ct_transform_apply(t, ct_ones(CT_SHAPE(1, 1, 2)));
        CHECK_VALUES(y, 0, 1, 1);
        ct_transform_free(t);
    }
}
