/* tests/core/test_scope.c - references, scopes, ct_keep, ct_free. */
#include "test.h"

TEST(scope_releases_tensors_made_inside) {
    long before = ct_live_tensors();
    CT_SCOPE {
        ct_tensor *a = ct_zeros(CT_SHAPE(2, 3));
        ct_tensor *b = ct_ones(CT_SHAPE(4));
        CHECK(a && b);
        CHECK_EQ_INT(ct_live_tensors(), before + 2);
        CHECK_EQ_INT(ct_scope_depth(), 1);
    }
    CHECK_EQ_INT(ct_live_tensors(), before);
    CHECK_EQ_INT(ct_scope_depth(), 0);
}

TEST(keep_moves_to_enclosing_scope_then_caller) {
    ct_tensor *kept = NULL;
    CT_SCOPE {
        ct_tensor *mid = NULL;
        CT_SCOPE {
            ct_tensor *a = ct_zeros(CT_SHAPE(2));
            ct_zeros(CT_SHAPE(3)); /* dropped with the inner scope */
            mid = ct_keep(a);
        }
        CHECK_EQ_INT(ct_refcount(mid), 1);
        CHECK_EQ_INT(ct_numel(mid), 2);
        kept = ct_keep(mid);
    }
    REQUIRE(kept != NULL);
    CHECK_EQ_INT(ct_refcount(kept), 1);
    CHECK_EQ_INT(ct_numel(kept), 2);
    ct_free(kept);
}

TEST(keep_of_unowned_tensor_takes_a_reference) {
    ct_tensor *outside = ct_zeros(CT_SHAPE(2)); /* caller owns */
    ct_tensor *k = NULL;
    CT_SCOPE { k = ct_keep(outside); }
    CHECK(k == outside);
    CHECK_EQ_INT(ct_refcount(outside), 2);
    ct_free(k);
    ct_free(outside);
}

TEST(free_inside_scope_does_not_double_free) {
    long before = ct_live_tensors();
    CT_SCOPE {
        ct_tensor *a = ct_zeros(CT_SHAPE(8));
        ct_free(a); /* early release: the scope forgets it */
        CHECK_EQ_INT(ct_live_tensors(), before);
        ct_tensor *b = ct_zeros(CT_SHAPE(8));
        ct_zeros(CT_SHAPE(1));
        ct_free(b); /* not the newest entry */
    }
    CHECK_EQ_INT(ct_live_tensors(), before);
}

TEST(retain_survives_scope) {
    ct_tensor *held;
    CT_SCOPE {
        ct_tensor *a = ct_ones(CT_SHAPE(3));
        held = ct_retain(a);
        CHECK_EQ_INT(ct_refcount(a), 2);
    }
    CHECK_EQ_INT(ct_refcount(held), 1);
    CHECK_VALUES(held, 0, 1, 1, 1);
    ct_free(held);
}

TEST(break_closes_scope) {
    long before = ct_live_tensors();
    for (int i = 0; i < 3; i++) {
        CT_SCOPE {
            ct_zeros(CT_SHAPE(2));
            if (i == 1) break;
            ct_zeros(CT_SHAPE(2));
        }
    }
    CHECK_EQ_INT(ct_scope_depth(), 0);
    CHECK_EQ_INT(ct_live_tensors(), before);
}

TEST(outer_scope_closes_inner_left_open) {
    long before = ct_live_tensors();
    int outer = ct_scope_begin();
    ct_scope_begin();
    ct_zeros(CT_SHAPE(2));
    ct_scope_end(outer); /* the inner scope was never closed */
    CHECK_EQ_INT(ct_scope_depth(), 0);
    CHECK_EQ_INT(ct_live_tensors(), before);
}

TEST(view_keeps_storage_alive) {
    ct_tensor *base = ct_arange(0, 6, 1);
    ct_tensor *v = ct_alias(base);
    ct_free(base);
    CHECK_VALUES(v, 0, 0, 1, 2, 3, 4, 5);
    ct_free(v);
}

TEST(million_small_tensors_in_scopes) {
    long before = ct_live_tensors();
    size_t mem = ct_memory_allocated();
    for (int i = 0; i < 1000000; i++) {
        CT_SCOPE {
            ct_tensor *a = ct_full(CT_SHAPE(1), (double)i);
            if (i % 250000 == 0) CHECK_EQ_INT((long long)ct_item(a), i);
        }
    }
    CHECK_EQ_INT(ct_live_tensors(), before);
    CHECK_EQ_INT(ct_memory_allocated(), mem);
}
