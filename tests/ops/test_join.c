/*
 * tests/ops/test_join.c - cat, stack, split, split_sizes, chunk, unbind
 * against PyTorch 1.13 (tests/fixtures/index_cases.py), plus views sharing
 * storage, the output-array protocol and NULL arguments.
 */
#include "index_replay.h"

TEST(join_ops_match_pytorch) {
    int ran;
    int failed = replay_range(IOP_CAT, IOP_UNBIND, &ran);
    CHECK(ran > 40);
    CHECK_EQ_INT(failed, 0);
}

TEST(split_pieces_are_views) {
    CT_SCOPE {
        ct_tensor *t = ct_arange(0, 10, 1);
        ct_tensor *parts[4];
        CHECK_EQ_INT(ct_split(t, 4, 0, NULL, 0), 3);
        REQUIRE(ct_split(t, 4, 0, parts, 4) == 3);
        CHECK_SHAPE(parts[2], 2);
        CHECK_VALUES(parts[2], 0, 8, 9);
        ct_fill_(parts[1], -1);
        CHECK_VALUES(t, 0, 0, 1, 2, 3, -1, -1, -1, -1, 8, 9);
        ct_clear_error();
        CHECK(ct_split(t, 4, 0, parts, 2) < 0);
        CHECK_ERROR("the result has 3 tensors but the output array holds 2");
        ct_tensor *u[10];
        CHECK_EQ_INT(ct_unbind(ct_reshape(t, CT_SHAPE(2, 5)), 1, u, 10), 5);
        CHECK_VALUES(u[4], 0, -1, 9); /* t[4] was overwritten through parts[1] */
        int64_t sizes[] = {3, 7};
        CHECK_EQ_INT(ct_split_sizes(t, sizes, 2, -1, parts, 4), 2);
        CHECK_SHAPE(parts[1], 7);
        CHECK_EQ_INT(ct_chunk(t, 3, 0, parts, 4), 3);
        CHECK_SHAPE(parts[0], 4);
    }
}

TEST(cat_large_contiguous_and_strided) {
    CT_SCOPE {
        ct_tensor *a = ct_randn(CT_SHAPE(300, 200));
        ct_tensor *b = ct_transpose(ct_randn(CT_SHAPE(100, 300)), 0, 1); /* [300, 100] */
        ct_tensor *ts[2] = {a, b};
        ct_tensor *c = ct_cat(ts, 2, 1);
        CHECK_SHAPE(c, 300, 300);
        int bad = 0;
        for (int64_t i = 0; i < 300; i += 13)
            for (int64_t j = 0; j < 300; j += 11) {
                int64_t at[2] = {i, j}, src[2] = {i, j < 200 ? j : j - 200};
                if (ct_get(c, at) != ct_get(j < 200 ? a : b, src)) bad++;
            }
        CHECK_EQ_INT(bad, 0);
        ct_tensor *s = ct_stack(ts, 1, 0);
        CHECK_SHAPE(s, 1, 300, 200);
    }
}

TEST(join_null_arguments) {
    CT_SCOPE {
        ct_tensor *t = ct_zeros(CT_SHAPE(2));
        ct_tensor *ts[2] = {t, NULL};
        CHECK_FAILS(ct_cat(ts, 2, 0), "tensors");
        CHECK_FAILS(ct_cat(NULL, 0, 0), "expected a non-empty list of Tensors");
        CHECK_FAILS(ct_stack(ts, 0, 0), "stack expects a non-empty TensorList");
        ct_clear_error();
        CHECK(ct_split(NULL, 1, 0, NULL, 0) == CT_ERR_NULL);
        CHECK(ct_chunk(NULL, 1, 0, NULL, 0) == CT_ERR_NULL);
        CHECK(ct_unbind(NULL, 0, NULL, 0) == CT_ERR_NULL);
        ct_clear_error();
    }
}
