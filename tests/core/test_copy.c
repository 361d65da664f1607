/*
 * tests/core/test_copy.c - dtype conversion (all 36 pairs against torch's
 * .to()), clone, contiguous, copy_ (broadcasting, dtypes, strided
 * destinations), fill_/zero_, the version counter and ct_copy_to_buffer.
 *
 * Conversions left out because they are undefined in C and unspecified in
 * PyTorch: NaN and +-inf to any integer dtype, floats outside the destination
 * integer type's range, and float64 values beyond float32's range to float32.
 */
#include "../fixtures/core_cases.h"
#include "test.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

TEST(to_dtype_all_pairs_match_torch) {
    CT_SCOPE {
        for (int i = 0; i < COUNT(core_cast_cases); i++) {
            const core_cast_case *c = &core_cast_cases[i];
            ct_tensor *src = ct_from_data(c->in, c->src, CT_SHAPE(c->n));
            ct_tensor *out = ct_to_dtype(src, c->dst);
            REQUIRE(out != NULL);
            CHECK_EQ_INT(ct_dtype_of(out), c->dst);
            CHECK_SHAPE(out, c->n);
            size_t es = ct_dtype_size(c->dst);
            const unsigned char *got = ct_data_ptr(out), *want = c->out;
            for (int k = 0; k < c->n; k++) {
                if (memcmp(got + (size_t)k * es, want + (size_t)k * es, es) != 0) {
                    ct_test_fail(__FILE__, __LINE__,
                                 "%s -> %s: element %d is %.17g, torch gives %.17g",
                                 ct_dtype_name(c->src), ct_dtype_name(c->dst), k,
                                 ct_get(out, (int64_t[]){k}), ct_get(ct_from_data(c->out, c->dst, CT_SHAPE(c->n)), (int64_t[]){k}));
                    break;
                }
            }
            /* Same dtype: .to() returns the tensor itself (a new reference to the same data). */
            if (c->src == c->dst) CHECK(ct_shares_storage(out, src));
            else CHECK(!ct_shares_storage(out, src));
        }
    }
}

TEST(to_dtype_from_strided_source) {
    CT_SCOPE {
        /* Every second element of a 2x6 int64 buffer, transposed: a 3x2 view. */
        int64_t buf[12] = {-1, 0, 2, 0, -3, 0, 4, 0, 300, 0, -6, 0};
        int64_t st[2] = {2, 6};
        ct_tensor *v = ct_from_blob_strided(buf, CT_I64, CT_SHAPE(3, 2), st, NULL, NULL);
        ct_tensor *f = ct_to_dtype(v, CT_F32);
        CHECK(ct_is_contiguous(f));
        CHECK_VALUES(f, 0, -1, 4, 2, 300, -3, -6);
        ct_tensor *u = ct_to_dtype(v, CT_U8);
        CHECK_VALUES(u, 0, 255, 4, 2, 44, 253, 250);
        ct_tensor *b = ct_to_dtype(v, CT_BOOL);
        CHECK_VALUES(b, 0, 1, 1, 1, 1, 1, 1);
    }
}

TEST(float_specials_to_float_and_bool) {
    CT_SCOPE {
        ct_tensor *s = ct_from_floats(CT_SHAPE(3), NAN, INFINITY, -INFINITY);
        ct_tensor *d = ct_to_dtype(s, CT_F64);
        CHECK(isnan(ct_get(d, (int64_t[]){0})));
        CHECK(ct_get(d, (int64_t[]){1}) == INFINITY);
        CHECK(ct_get(d, (int64_t[]){2}) == -INFINITY);
        ct_tensor *back = ct_to_dtype(d, CT_F32);
        CHECK(isnan(ct_data_f32(back)[0]) && isinf(ct_data_f32(back)[1]));
        ct_tensor *b = ct_to_dtype(s, CT_BOOL);
        const bool *bp = ct_data_bool(b);
        for (int i = 0; i < 3; i++) CHECK(bp[i] == core_cast_special_to_bool[i]);
        ct_tensor *b2 = ct_to_dtype(d, CT_BOOL);
        for (int i = 0; i < 3; i++) CHECK(ct_data_bool(b2)[i] == core_cast_special_to_bool[i]);
    }
}

TEST(clone_owns_its_storage) {
    CT_SCOPE {
        ct_tensor *a = ct_from_floats(CT_SHAPE(2, 2), 1, 2, 3, 4);
        ct_tensor *c = ct_clone(a);
        CHECK(!ct_shares_storage(a, c));
        CHECK(ct_data_ptr(a) != ct_data_ptr(c));
        CHECK_VALUES(c, 0, 1, 2, 3, 4);
        ct_set(a, (int64_t[]){0, 0}, 10);
        CHECK_VALUES(c, 0, 1, 2, 3, 4);
        CHECK_EQ_INT(ct_version(c), 0);
        /* Clone of a strided view is contiguous, in the view's logical order. */
        int64_t st[2] = {1, 2};
        ct_tensor *t = ct_from_blob_strided(ct_data_ptr(a), CT_F32, CT_SHAPE(2, 2), st, NULL, NULL);
        ct_tensor *ct = ct_clone(t);
        CHECK(ct_is_contiguous(ct));
        CHECK_VALUES(ct, 0, 10, 3, 2, 4);
        ct_tensor *s = ct_clone(ct_scalar_tensor(5, .dtype = CT_U8));
        CHECK_EQ_INT(ct_dim(s), 0);
        CHECK_EQ_INT(ct_dtype_of(s), CT_U8);
        CHECK_EQ_INT(ct_item_int(s), 5);
        ct_tensor *e = ct_clone(ct_empty(CT_SHAPE(3, 0)));
        CHECK_SHAPE(e, 3, 0);
    }
}

TEST(contiguous_aliases_or_copies) {
    CT_SCOPE {
        ct_tensor *a = ct_arange(0, 6, 1);
        ct_tensor *same = ct_contiguous(a);
        CHECK(ct_shares_storage(same, a));
        CHECK(ct_data_ptr(same) == ct_data_ptr(a));
        CHECK(same != a || ct_refcount(a) == 2);
        int64_t st[2] = {1, 3};
        ct_tensor *t = ct_from_blob_strided(ct_data_ptr(a), CT_I64, CT_SHAPE(3, 2), st, NULL, NULL);
        CHECK(!ct_is_contiguous(t));
        ct_tensor *c = ct_contiguous(t);
        CHECK(!ct_shares_storage(c, t));
        CHECK(ct_is_contiguous(c));
        CHECK_VALUES(c, 0, 0, 3, 1, 4, 2, 5);
        /* Size-1 dims with odd strides are still contiguous: aliased. */
        int64_t st1[3] = {99, 1, 7};
        ct_tensor *o = ct_from_blob_strided(ct_data_ptr(a), CT_I64, CT_SHAPE(1, 6, 1), st1, NULL, NULL);
        ct_tensor *oc = ct_contiguous(o);
        CHECK(ct_shares_storage(oc, o));
    }
}

TEST(copy_broadcasts_src) {
    CT_SCOPE {
        ct_tensor *dst = ct_zeros(CT_SHAPE(2, 3));
        CHECK(ct_copy_(dst, ct_from_floats(CT_SHAPE(3), 1, 2, 3)) == dst);
        CHECK_VALUES(dst, 0, 1, 2, 3, 1, 2, 3);
        ct_tensor *d2 = ct_zeros(CT_SHAPE(4, 3), .dtype = CT_I32);
        CHECK(ct_copy_(d2, ct_from_doubles(CT_SHAPE(1, 3), -1.5, 2.5, 7.9)) == d2);
        CHECK_VALUES(d2, 0, -1, 2, 7, -1, 2, 7, -1, 2, 7, -1, 2, 7);
        ct_tensor *d3 = ct_zeros(CT_SHAPE(2, 2), .dtype = CT_BOOL);
        CHECK(ct_copy_(d3, ct_scalar_tensor(0.5)) == d3); /* 0-d source fills */
        CHECK_VALUES(d3, 0, 1, 1, 1, 1);
        ct_tensor *d4 = ct_zeros(CT_SHAPE(3, 2));
        CHECK(ct_copy_(d4, ct_from_floats(CT_SHAPE(3, 1), 1, 2, 3)) == d4);
        CHECK_VALUES(d4, 0, 1, 1, 2, 2, 3, 3);
        ct_tensor *d5 = ct_zeros(CT_SHAPE(0, 3));
        CHECK(ct_copy_(d5, ct_ones(CT_SHAPE(3))) == d5);
        CHECK_FAILS(ct_copy_(dst, ct_zeros(CT_SHAPE(4))), CORE_MSG_COPY_BROADCAST_3_4);
        CHECK_FAILS(ct_copy_(ct_zeros(CT_SHAPE(4, 3)), ct_zeros(CT_SHAPE(2, 3))),
                    CORE_MSG_COPY_BROADCAST_4_2);
        CHECK_FAILS(ct_copy_(ct_zeros(CT_SHAPE(3)), ct_zeros(CT_SHAPE(2, 3))),
                    CORE_MSG_COPY_OUTPUT_SHAPE);
        CHECK_FAILS(ct_copy_(ct_zeros(CT_SHAPE(3)), ct_zeros(CT_SHAPE(1, 3))),
                    CORE_MSG_COPY_OUTPUT_SHAPE_1_3);
        CHECK_VALUES(dst, 0, 1, 2, 3, 1, 2, 3); /* a failed copy_ leaves dst alone */
    }
}

TEST(copy_into_strided_destination) {
    CT_SCOPE {
        /* dst: the transpose of a 3x4 buffer, written through a 4x3 view. */
        double buf[12] = {0};
        int64_t st[2] = {1, 4};
        ct_tensor *dst = ct_from_blob_strided(buf, CT_F64, CT_SHAPE(4, 3), st, NULL, NULL);
        ct_tensor *src = ct_arange(0, 12, 1); /* int64 -> float64 on the way */
        ct_tensor *src2 = ct_from_blob_strided(ct_data_ptr(src), CT_I64, CT_SHAPE(4, 3),
                                               (int64_t[]){3, 1}, NULL, NULL);
        REQUIRE(ct_copy_(dst, src2) == dst);
        /* buf[j * 4 + i] = src[i][j] = 3i + j */
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 3; j++) CHECK(buf[j * 4 + i] == 3 * i + j);
        /* Every other float of a buffer, with a broadcast row. */
        float fb[10];
        for (int i = 0; i < 10; i++) fb[i] = -1;
        ct_tensor *every2 = ct_from_blob_strided(fb, CT_F32, CT_SHAPE(5), (int64_t[]){2}, NULL, NULL);
        REQUIRE(ct_copy_(every2, ct_scalar_tensor(3, .dtype = CT_U8)) == every2);
        for (int i = 0; i < 10; i++) CHECK(fb[i] == (i % 2 ? -1 : 3));
    }
}

TEST(version_counter_bumps_on_in_place) {
    CT_SCOPE {
        ct_tensor *a = ct_zeros(CT_SHAPE(3));
        ct_tensor *view = ct_alias(a);
        int64_t v0 = ct_version(a);
        ct_copy_(a, ct_ones(CT_SHAPE(3)));
        CHECK_EQ_INT(ct_version(a), v0 + 1);
        ct_fill_(a, 2);
        CHECK_EQ_INT(ct_version(a), v0 + 2);
        ct_zero_(a);
        CHECK_EQ_INT(ct_version(a), v0 + 3);
        ct_set(a, (int64_t[]){0}, 1);
        CHECK_EQ_INT(ct_version(a), v0 + 4);
        CHECK_EQ_INT(ct_version(view), ct_version(a)); /* shared by views */
        ct_clone(a);
        ct_to_dtype(a, CT_F64);
        CHECK_EQ_INT(ct_version(a), v0 + 4); /* out-of-place ops leave it */
        /* A failed copy_ does not bump it. */
        ct_copy_(a, ct_zeros(CT_SHAPE(4)));
        ct_clear_error();
        CHECK_EQ_INT(ct_version(a), v0 + 4);
    }
}

TEST(fill_and_zero) {
    CT_SCOPE {
        ct_tensor *a = ct_empty(CT_SHAPE(2, 3), .dtype = CT_I64);
        CHECK(ct_fill_(a, -7.9) == a);
        CHECK_VALUES(a, 0, -7, -7, -7, -7, -7, -7);
        CHECK(ct_zero_(a) == a);
        CHECK_VALUES(a, 0, 0, 0, 0, 0, 0, 0);
        ct_tensor *b = ct_empty(CT_SHAPE(4), .dtype = CT_BOOL);
        ct_fill_(b, 0.25);
        CHECK_VALUES(b, 0, 1, 1, 1, 1);
        /* Fill through a strided view writes only the viewed elements. */
        int32_t buf[6] = {0};
        ct_tensor *v = ct_from_blob_strided(buf, CT_I32, CT_SHAPE(3), (int64_t[]){2}, NULL, NULL);
        ct_fill_(v, 5);
        CHECK(buf[0] == 5 && buf[1] == 0 && buf[2] == 5 && buf[3] == 0 && buf[4] == 5 && buf[5] == 0);
        ct_tensor *e = ct_empty(CT_SHAPE(0));
        CHECK(ct_fill_(e, 1) == e);
    }
    CHECK_FAILS(ct_fill_(NULL, 1), "argument 'self' is NULL");
}

TEST(copy_to_buffer_converts) {
    CT_SCOPE {
        ct_tensor *a = ct_from_doubles(CT_SHAPE(2, 2), -1.5, 0.5, 2.5, 300);
        int32_t i32[4];
        CHECK_EQ_INT(ct_copy_to_buffer(a, i32, CT_I32, 4), 0);
        CHECK(i32[0] == -1 && i32[1] == 0 && i32[2] == 2 && i32[3] == 300);
        uint8_t u8[5] = {9, 9, 9, 9, 9};
        CHECK_EQ_INT(ct_copy_to_buffer(a, u8, CT_U8, 5), 0);
        CHECK(u8[0] == 255 && u8[1] == 0 && u8[2] == 2 && u8[3] == 44 && u8[4] == 9);
        /* Strided source comes out in logical (C) order. */
        int64_t st[2] = {1, 2};
        ct_tensor *t = ct_from_blob_strided(ct_data_ptr(a), CT_F64, CT_SHAPE(2, 2), st, NULL, NULL);
        double d[4];
        CHECK_EQ_INT(ct_copy_to_buffer(t, d, CT_F64, 4), 0);
        CHECK(d[0] == -1.5 && d[1] == 2.5 && d[2] == 0.5 && d[3] == 300);
        float one;
        CHECK_EQ_INT(ct_copy_to_buffer(ct_scalar_tensor(2.5), &one, CT_F32, 1), 0);
        CHECK(one == 2.5f);
        CHECK(ct_copy_to_buffer(a, d, CT_F64, 3) < 0);
        CHECK_ERROR("buffer holds 3 elements but the tensor has 4");
        CHECK_EQ_INT(ct_copy_to_buffer(NULL, d, CT_F64, 4), CT_ERR_NULL);
        CHECK_ERROR("argument 'self' is NULL");
        CHECK(ct_copy_to_buffer(a, d, CT_DTYPE_UNSET, 4) < 0);
        CHECK_ERROR("invalid dtype");
        CHECK(ct_copy_to_buffer(a, d, (ct_dtype)99, 4) < 0);
        CHECK_ERROR("invalid dtype");
        CHECK_EQ_INT(ct_copy_to_buffer(a, NULL, CT_F64, 4), CT_ERR_NULL);
        CHECK_ERROR("argument 'out' is NULL");
    }
}
