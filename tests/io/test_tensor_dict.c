/*
 * tests/io/test_tensor_dict.c - the ordered name -> tensor container.
 */
#include <stdio.h>

#include "test.h"

TEST(dict_keeps_insertion_order_and_replaces_in_place) {
    CT_SCOPE {
        ct_tensor_dict *d = ct_tensor_dict_new();
        REQUIRE(d);
        ct_tensor *a = ct_zeros(CT_SHAPE(2)), *b = ct_ones(CT_SHAPE(3)), *c = ct_ones(CT_SHAPE(1));
        CHECK_EQ_INT(ct_tensor_dict_set(d, "fc.weight", a), 0);
        CHECK_EQ_INT(ct_tensor_dict_set(d, "fc.bias", b), 0);
        CHECK_EQ_INT(ct_tensor_dict_set(d, "bn.running_mean", c), 0);
        CHECK_EQ_INT(ct_tensor_dict_len(d), 3);
        CHECK_STR(ct_tensor_dict_name(d, 0), "fc.weight");
        CHECK_STR(ct_tensor_dict_name(d, 2), "bn.running_mean");
        /* Replacing keeps the position, like assigning to a Python dict key. */
        CHECK_EQ_INT(ct_tensor_dict_set(d, "fc.weight", c), 0);
        CHECK_EQ_INT(ct_tensor_dict_len(d), 3);
        CHECK_STR(ct_tensor_dict_name(d, 0), "fc.weight");
        CHECK(ct_tensor_dict_get(d, "fc.weight") == c);
        CHECK(ct_tensor_dict_tensor(d, 1) == b);
        CHECK(ct_tensor_dict_contains(d, "fc.bias"));
        CHECK(!ct_tensor_dict_contains(d, "fc.bia"));
        CHECK_EQ_INT(ct_tensor_dict_remove(d, "fc.bias"), 0);
        CHECK_EQ_INT(ct_tensor_dict_len(d), 2);
        CHECK_STR(ct_tensor_dict_name(d, 1), "bn.running_mean");
        CHECK(ct_tensor_dict_get(d, "bn.running_mean") == c);
        ct_tensor_dict_free(d);
    }
}

TEST(dict_holds_its_own_references) {
    ct_tensor_dict *d = ct_tensor_dict_new();
    long live = ct_live_tensors();
    ct_tensor *t = ct_ones(CT_SHAPE(4));
    CT_SCOPE {
        ct_tensor *s = ct_full(CT_SHAPE(2), 7.0);
        ct_tensor_dict_set(d, "scoped", s); /* the scope's reference goes, the dict's stays */
    }
    ct_tensor_dict_set(d, "t", t);
    CHECK_EQ_INT(ct_refcount(t), 2);
    ct_free(t); /* the dict keeps it alive */
    CHECK_EQ_INT(ct_live_tensors(), live + 2);
    ct_tensor *back = ct_tensor_dict_get(d, "scoped");
    CHECK_VALUES(back, 0, 7, 7);
    ct_free(back);
    ct_tensor_dict_remove(d, "t");
    CHECK_EQ_INT(ct_live_tensors(), live + 1);
    ct_tensor_dict_free(d);
    CHECK_EQ_INT(ct_live_tensors(), live);
}

TEST(dict_errors) {
    ct_tensor_dict *d = ct_tensor_dict_new();
    CHECK_FAILS(ct_tensor_dict_get(d, "missing"), "ct_tensor_dict_get: key 'missing' not found");
    CHECK_FAILS(ct_tensor_dict_tensor(d, 0), "index 0 is out of range for a dict of 0 entries");
    CHECK_FAILS(ct_tensor_dict_name(d, 3), "ct_tensor_dict_name: index 3 is out of range");
    ct_clear_error();
    CHECK(ct_tensor_dict_remove(d, "missing") < 0);
    CHECK_ERROR("key 'missing' not found");
    CHECK(ct_tensor_dict_set(d, "x", NULL) < 0);
    CHECK_ERROR("argument 'tensor' is NULL");
    CHECK(ct_tensor_dict_set(NULL, "x", NULL) < 0);
    CHECK_ERROR("argument 'dict' is NULL");
    CHECK(ct_tensor_dict_get_meta(d, "nope") == NULL);
    CHECK(ct_tensor_dict_remove_meta(d, "nope") < 0);
    CHECK_ERROR("key 'nope' not found");
    CHECK_EQ_INT(ct_tensor_dict_len(NULL), 0);
    ct_tensor_dict_free(d);
    ct_tensor_dict_free(NULL);
}

TEST(dict_metadata) {
    ct_tensor_dict *d = ct_tensor_dict_new();
    CHECK_EQ_INT(ct_tensor_dict_set_meta(d, "epoch", "1"), 0);
    CHECK_EQ_INT(ct_tensor_dict_set_meta(d, "format", "pt"), 0);
    CHECK_EQ_INT(ct_tensor_dict_set_meta(d, "epoch", "2"), 0);
    CHECK_EQ_INT(ct_tensor_dict_meta_len(d), 2);
    CHECK_STR(ct_tensor_dict_meta_key(d, 0), "epoch");
    CHECK_STR(ct_tensor_dict_meta_value(d, 0), "2");
    CHECK_STR(ct_tensor_dict_get_meta(d, "format"), "pt");
    CHECK_EQ_INT(ct_tensor_dict_remove_meta(d, "epoch"), 0);
    CHECK_STR(ct_tensor_dict_meta_key(d, 0), "format");
    CHECK_EQ_INT(ct_tensor_dict_meta_len(d), 1);
    ct_tensor_dict_free(d);
}

TEST(dict_many_names_stay_findable) {
    /* Exercises the hash index through growth and removals. */
    ct_tensor_dict *d = ct_tensor_dict_new();
    ct_tensor *t = ct_zeros(CT_SHAPE(1));
    char name[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(name, sizeof name, "layer%d.weight", i);
        REQUIRE(ct_tensor_dict_set(d, name, t) == 0);
    }
    for (int i = 0; i < 3000; i += 3) {
        snprintf(name, sizeof name, "layer%d.weight", i);
        REQUIRE(ct_tensor_dict_remove(d, name) == 0);
    }
    CHECK_EQ_INT(ct_tensor_dict_len(d), 2000);
    bool ok = true;
    for (int i = 0; i < 3000; i++) {
        snprintf(name, sizeof name, "layer%d.weight", i);
        ok &= ct_tensor_dict_contains(d, name) == (i % 3 != 0);
    }
    CHECK(ok);
    CHECK_STR(ct_tensor_dict_name(d, 0), "layer1.weight");
    CHECK_STR(ct_tensor_dict_name(d, 1999), "layer2999.weight");
    CHECK_EQ_INT(ct_refcount(t), 2001);
    ct_tensor_dict_free(d);
    CHECK_EQ_INT(ct_refcount(t), 1);
    ct_free(t);
}

TEST(dict_prefix_update_and_sub_build_checkpoints) {
    CT_SCOPE {
        ct_tensor_dict *model = ct_tensor_dict_new(), *optim = ct_tensor_dict_new();
        ct_tensor *w = ct_ones(CT_SHAPE(2, 2)), *m = ct_zeros(CT_SHAPE(2, 2));
        ct_tensor_dict_set(model, "0.weight", w);
        ct_tensor_dict_set(optim, "state.0.momentum_buffer", m);
        ct_tensor_dict_set_meta(optim, "param_groups", "[{\"lr\": 0.1}]");

        ct_tensor_dict *ckpt = ct_tensor_dict_new();
        CHECK_EQ_INT(ct_tensor_dict_update(ckpt, model, "model."), 0);
        CHECK_EQ_INT(ct_tensor_dict_update(ckpt, optim, "optim."), 0);
        ct_tensor_dict_set_meta(ckpt, "epoch", "4");
        CHECK_STR(ct_tensor_dict_name(ckpt, 0), "model.0.weight");
        CHECK_STR(ct_tensor_dict_name(ckpt, 1), "optim.state.0.momentum_buffer");
        CHECK_STR(ct_tensor_dict_get_meta(ckpt, "optim.param_groups"), "[{\"lr\": 0.1}]");
        CHECK(ct_tensor_dict_get(ckpt, "model.0.weight") == w); /* shared, not copied */

        ct_tensor_dict *back = ct_tensor_dict_sub(ckpt, "optim.");
        CHECK_EQ_INT(ct_tensor_dict_len(back), 1);
        CHECK_STR(ct_tensor_dict_name(back, 0), "state.0.momentum_buffer");
        CHECK_EQ_INT(ct_tensor_dict_meta_len(back), 1);
        CHECK_STR(ct_tensor_dict_get_meta(back, "param_groups"), "[{\"lr\": 0.1}]");
        ct_tensor_dict *all = ct_tensor_dict_sub(ckpt, NULL);
        CHECK_EQ_INT(ct_tensor_dict_len(all), 2);
        CHECK_EQ_INT(ct_tensor_dict_meta_len(all), 2);
        ct_tensor_dict_free(all);
        ct_tensor_dict_free(back);
        ct_tensor_dict_free(ckpt);
        ct_tensor_dict_free(model);
        ct_tensor_dict_free(optim);
    }
}

TEST(dict_update_into_itself_copies_each_entry_once) {
    ct_tensor_dict *d = ct_tensor_dict_new();
    ct_tensor *t = ct_zeros(CT_SHAPE(1));
    ct_tensor_dict_set(d, "w", t);
    ct_tensor_dict_set_meta(d, "k", "v");
    CHECK_EQ_INT(ct_tensor_dict_update(d, d, "ema."), 0);
    CHECK_EQ_INT(ct_tensor_dict_len(d), 2);
    CHECK_STR(ct_tensor_dict_name(d, 1), "ema.w");
    CHECK_STR(ct_tensor_dict_get_meta(d, "ema.k"), "v");
    CHECK_EQ_INT(ct_tensor_dict_update(d, d, NULL), 0); /* same names: replaced in place */
    CHECK_EQ_INT(ct_tensor_dict_len(d), 2);
    CHECK_EQ_INT(ct_tensor_dict_meta_len(d), 2);
    ct_free(t);
    ct_tensor_dict_free(d);
}
