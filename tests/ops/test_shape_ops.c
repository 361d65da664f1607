/*
 * tests/ops/test_shape_ops.c - meshgrid, repeat, tile, flip, roll, tril,
 * triu, one_hot, diag, pad against PyTorch 1.13
 * (tests/fixtures/index_cases.py), plus in-place tril_/triu_, the table
 * gather kernel against its plain reference, and NULL arguments.
 */
#include "../../src/kernels/index.h"
#include "index_replay.h"

TEST(shape_ops_match_pytorch) {
    int ran;
    int failed = replay_range(IOP_MESHGRID, IOP_PAD, &ran);
    CHECK(ran > 150);
    CHECK_EQ_INT(failed, 0);
}

TEST(tril_triu_in_place_on_a_view) {
    CT_SCOPE {
        ct_tensor *t = ct_ones(CT_SHAPE(3, 3));
        ct_tensor *v = ct_transpose(t, 0, 1);
        int64_t v0 = ct_version(t);
        CHECK(ct_tril_(v, 0) == v);
        CHECK(ct_version(t) > v0);
        /* v's lower triangle kept = t's upper triangle kept. */
        CHECK_VALUES(t, 0, 1, 1, 1, 0, 1, 1, 0, 0, 1);
        CHECK(ct_triu_(t, 1) == t);
        CHECK_VALUES(t, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0);
    }
}

TEST(table_gather_matches_reference) {
    /* A flip of a [64, 700] block: above the grain size, so the threaded path runs. */
    enum { R = 64, C = 700 };
    static float src[R * C], out[R * C], ref[R * C];
    for (int i = 0; i < R * C; i++) src[i] = (float)i;
    static int64_t t0[R], t1[C];
    for (int i = 0; i < R; i++) t0[i] = (R - 1 - i) * C;
    for (int j = 0; j < C; j++) t1[j] = j;
    const int64_t *tabs[2] = {t0, t1};
    int64_t shape[2] = {R, C};
    ct__gather_tables((char *)out, (const char *)src, 4, 2, shape, tabs);
    ct__gather_tables_ref((char *)ref, (const char *)src, 4, 2, shape, tabs);
    CHECK(memcmp(out, ref, sizeof out) == 0);
    for (int j = 0; j < C; j++) t1[j] = (C - 1 - j);
    ct__gather_tables((char *)out, (const char *)src, 4, 2, shape, tabs);
    ct__gather_tables_ref((char *)ref, (const char *)src, 4, 2, shape, tabs);
    CHECK(memcmp(out, ref, sizeof out) == 0);
    CHECK(out[0] == (float)(R * C - 1));
}

TEST(pad_reflect_2d_values) {
    CT_SCOPE {
        ct_tensor *t = ct_reshape(ct_arange(0.0, 9.0, 1.0), CT_SHAPE(1, 3, 3));
        ct_tensor *p = ct_pad(t, CT_DIMS(1, 1, 1, 0), CT_PAD_REFLECT, 0);
        CHECK_SHAPE(p, 1, 4, 5);
        CHECK_VALUES(p, 0, 4, 3, 4, 5, 4, 1, 0, 1, 2, 1, 4, 3, 4, 5, 4, 7, 6, 7, 8, 7);
    }
}

TEST(shape_ops_null_arguments) {
    CHECK_FAILS(ct_repeat(NULL, CT_SHAPE(1)), "self");
    CHECK_FAILS(ct_flip(NULL, CT_DIMS(0)), "self");
    CHECK_FAILS(ct_roll(NULL, CT_DIMS(1), CT_DIMS(0)), "self");
    CHECK_FAILS(ct_tril(NULL, 0), "self");
    CHECK_FAILS(ct_one_hot(NULL, 2), "self");
    CHECK_FAILS(ct_diag(NULL, 0), "self");
    CHECK_FAILS(ct_pad(NULL, CT_DIMS(1, 1), CT_PAD_CONSTANT, 0), "self");
    ct_clear_error();
    CHECK(ct_meshgrid(NULL, 0, CT_MESHGRID_IJ, NULL, 0) < 0);
    CHECK_ERROR("meshgrid expects a non-empty TensorList");
}
