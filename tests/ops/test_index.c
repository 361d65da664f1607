/*
 * tests/ops/test_index.c - index_select, gather, scatter (+ add, reduce,
 * value), take, masked_select, masked_fill, nonzero, t[idx] / t[mask] and
 * index_put_, against PyTorch 1.13 (tests/fixtures/index_cases.py), plus the
 * in-place forms, NULL arguments, abort mode and a large parallel gather.
 */
#include "index_replay.h"

TEST(index_ops_match_pytorch) {
    int ran;
    int failed = replay_range(IOP_INDEX_SELECT, IOP_INDEX_PUT, &ran);
    CHECK(ran > 250);
    CHECK_EQ_INT(failed, 0);
}

TEST(index_select_basic_values) {
    CT_SCOPE {
        ct_tensor *t = ct_from_floats(CT_SHAPE(3, 2), 1, 2, 3, 4, 5, 6);
        ct_tensor *r = ct_index_select(t, 0, ct_from_longs(CT_SHAPE(3), 2, 0, 2));
        CHECK_SHAPE(r, 3, 2);
        CHECK_VALUES(r, 0, 5, 6, 1, 2, 5, 6);
        ct_tensor *c = ct_index_select(t, -1, ct_from_ints(CT_SHAPE(1), 1));
        CHECK_SHAPE(c, 3, 1);
        CHECK_VALUES(c, 0, 2, 4, 6);
    }
}

TEST(scatter_add_duplicates_accumulate) {
    CT_SCOPE {
        ct_tensor *t = ct_zeros(CT_SHAPE(3), .dtype = CT_I64);
        ct_tensor *idx = ct_from_longs(CT_SHAPE(5), 0, 0, 2, 0, 2);
        ct_tensor *src = ct_from_longs(CT_SHAPE(5), 1, 2, 3, 4, 5);
        int64_t v0 = ct_version(t);
        ct_tensor *r = ct_scatter_add_(t, 0, idx, src);
        CHECK(r == t);
        CHECK(ct_version(t) > v0);
        CHECK_VALUES(t, 0, 7, 0, 8);
    }
}

TEST(index_put_inplace_accumulate_and_mask_assign) {
    CT_SCOPE {
        ct_tensor *t = ct_zeros(CT_SHAPE(2, 3));
        ct_tensor *idx = ct_from_longs(CT_SHAPE(4), 1, 1, -1, 0);
        ct_tensor *v = ct_from_floats(CT_SHAPE(4), 1, 2, 3, 4);
        int64_t v0 = ct_version(t);
        CHECK(ct_index_put_(t, 1, idx, v, true) == t);
        CHECK(ct_version(t) > v0);
        CHECK_VALUES(t, 0, 4, 3, 3, 4, 3, 3);
        /* t[t > 3] = -1 */
        ct_tensor *mask = ct_from_values((const bool[]){1, 0, 0, 1, 0, 0}, 6, CT_BOOL, CT_SHAPE(2, 3));
        CHECK(ct_index_put_value_(t, 0, mask, -1) == t);
        CHECK_VALUES(t, 0, -1, 3, 3, -1, 3, 3);
        /* t[mask] reads them back as a 1-d tensor */
        ct_tensor *sel = ct_index_tensor(t, 0, mask);
        CHECK_SHAPE(sel, 2);
        CHECK_VALUES(sel, 0, -1, -1);
        /* the out-of-place form leaves its input alone */
        ct_tensor *u = ct_index_put(t, 0, ct_from_longs(CT_SHAPE(1), 0), ct_zeros(CT_SHAPE(3)), false);
        CHECK_VALUES(u, 0, 0, 0, 0, -1, 3, 3);
        CHECK_VALUES(t, 0, -1, 3, 3, -1, 3, 3);
    }
}

TEST(masked_fill_inplace_and_tensor_value) {
    CT_SCOPE {
        ct_tensor *t = ct_from_floats(CT_SHAPE(2, 2), 1, 2, 3, 4);
        ct_tensor *m = ct_from_values((const bool[]){0, 1}, 2, CT_BOOL, CT_SHAPE(2));
        int64_t v0 = ct_version(t);
        CHECK(ct_masked_fill_(t, m, 9) == t);
        CHECK(ct_version(t) > v0);
        CHECK_VALUES(t, 0, 1, 9, 3, 9);
        CHECK(ct_masked_fill_tensor_(t, m, ct_scalar_tensor(7.5)) == t);
        CHECK_VALUES(t, 0, 1, 7.5, 3, 7.5);
        CHECK_FAILS(ct_masked_fill_tensor_(t, m, ct_zeros(CT_SHAPE(1))),
                    "only supports a 0-dimensional value tensor");
    }
}

TEST(scatter_reduce_names) {
    CHECK_EQ_INT(ct_scatter_reduction_from_name("amax"), CT_SCATTER_AMAX);
    CHECK_EQ_INT(ct_scatter_reduction_from_name("mean"), CT_SCATTER_MEAN);
    ct_clear_error();
    CHECK_EQ_INT(ct_scatter_reduction_from_name("foo"), -1);
    CHECK_ERROR("reduce argument must be either sum, prod, mean, amax or amin.");
    CT_SCOPE {
        ct_tensor *t = ct_zeros(CT_SHAPE(3));
        ct_tensor *i = ct_from_longs(CT_SHAPE(1), 0);
        CHECK_FAILS(ct_scatter_reduce(t, 0, i, t, (ct_scatter_reduction)9, true), "reduce argument");
    }
}

TEST(scatter_error_leaves_input_untouched) {
    CT_SCOPE {
        /* index 0 is fine, index 7 is not: nothing may be written before the check fails. */
        ct_tensor *t = ct_zeros(CT_SHAPE(4));
        ct_tensor *i = ct_from_longs(CT_SHAPE(2), 0, 7);
        ct_tensor *s = ct_ones(CT_SHAPE(2));
        int64_t v0 = ct_version(t);
        CHECK_FAILS(ct_scatter_(t, 0, i, s), "index 7 is out of bounds for dimension 0 with size 4");
        CHECK_VALUES(t, 0, 0, 0, 0, 0);
        CHECK_EQ_INT(ct_version(t), v0);
        CHECK_FAILS(ct_index_put_(t, 0, i, s, true), "index 7 is out of bounds");
        CHECK_VALUES(t, 0, 0, 0, 0, 0);
    }
}

TEST(null_arguments) {
    CT_SCOPE {
        ct_tensor *t = ct_zeros(CT_SHAPE(2));
        ct_tensor *i = ct_from_longs(CT_SHAPE(1), 0);
        CHECK_FAILS(ct_index_select(NULL, 0, i), "self");
        CHECK_FAILS(ct_index_select(t, 0, NULL), "index");
        CHECK_FAILS(ct_gather(t, 0, NULL), "index");
        CHECK_FAILS(ct_scatter(t, 0, i, NULL), "src");
        CHECK_FAILS(ct_scatter_add_(NULL, 0, i, t), "self");
        CHECK_FAILS(ct_take(t, NULL), "index");
        CHECK_FAILS(ct_masked_select(t, NULL), "mask");
        CHECK_FAILS(ct_masked_fill(NULL, t, 1), "self");
        CHECK_FAILS(ct_nonzero(NULL), "self");
        CHECK_FAILS(ct_index_tensor(t, 0, NULL), "index");
        CHECK_FAILS(ct_index_put_(t, 0, i, NULL, false), "values");
    }
}

static void bad_gather(void) {
    ct_tensor *t = ct_zeros(CT_SHAPE(2));
    ct_gather(t, 0, ct_from_longs(CT_SHAPE(1), 5));
}

TEST(abort_mode_reports_and_aborts) {
    CHECK_ABORTS(bad_gather, "ct_gather: index 5 is out of bounds for dimension 0 with size 2");
}

TEST(large_gather_matches_reference_kernel) {
    CT_SCOPE {
        /* Big enough for the parallel path: index_select of 300 rows of 400 from a transposed view. */
        ct_tensor *base = ct_randn(CT_SHAPE(400, 500));
        ct_tensor *t = ct_transpose(base, 0, 1); /* [500, 400], strides (1, 500) */
        ct_tensor *idx = ct_randint(.low = 0, .high = 500, .shape = CT_SHAPE(300));
        ct_tensor *r = ct_index_select(t, 0, idx);
        REQUIRE(r != NULL);
        const int64_t *iv = ct_data_i64(idx);
        float *rv = ct_data_f32(r);
        int bad = 0;
        for (int64_t i = 0; i < 300; i++)
            for (int64_t j = 0; j < 400; j += 7) {
                int64_t at[2] = {iv[i], j};
                if (rv[i * 400 + j] != (float)ct_get(t, at)) bad++;
            }
        CHECK_EQ_INT(bad, 0);
        /* t[idx] gives the same rows. */
        ct_tensor *r2 = ct_index_tensor(t, 0, idx);
        CHECK(memcmp(ct_data_f32(r2), rv, sizeof(float) * 300 * 400) == 0);
        /* gather of the same rows, through the dim-wise kernel */
        ct_tensor *gi = ct_expand(ct_unsqueeze(idx, 1), CT_SHAPE(300, 400));
        ct_tensor *g = ct_gather(t, 0, ct_contiguous(gi));
        CHECK(memcmp(ct_data_f32(g), rv, sizeof(float) * 300 * 400) == 0);
    }
}

TEST(index_put_and_scatter_into_a_transposed_view) {
    CT_SCOPE {
        ct_tensor *base = ct_zeros(CT_SHAPE(2, 3));
        ct_tensor *v = ct_transpose(base, 0, 1); /* [3, 2], strides (1, 3) */
        /* v[[2, 0]] += [[1, 2], [3, 4]] */
        ct_index_put_(v, 0, ct_from_longs(CT_SHAPE(2), 2, 0), ct_from_floats(CT_SHAPE(2, 2), 1, 2, 3, 4), true);
        CHECK_VALUES(base, 0, 3, 0, 1, 4, 0, 2);
        /* v.scatter_(1, [[1], [0], [1]], 9) */
        ct_scatter_value_(v, 1, ct_from_longs(CT_SHAPE(3, 1), 1, 0, 1), 9);
        CHECK_VALUES(base, 0, 3, 9, 1, 9, 0, 9);
    }
}
