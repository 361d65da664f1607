/*
 * tests/core/test_alloc.c - src/core/alloc.c's workspace: one scratch block
 * lent to one call at a time, grown to the largest request, a block of its
 * own for a call that finds it lent, outside the tensor-data counters, and
 * freed by ct_empty_cache.
 */
#include "../../src/core/internal.h"
#include "test.h"

#define MB ((size_t)1 << 20)

TEST(workspace_is_one_block_lent_to_one_call_at_a_time) {
    ct_empty_cache();
    size_t before = ct_memory_allocated();
    size_t cap, cap2, cap3;
    bool shared, shared2, shared3;
    void *w = ct__workspace_get(MB, &cap, &shared);
    REQUIRE(w != NULL);
    CHECK(shared);
    CHECK(cap >= MB);
    CHECK(ct_memory_allocated() == before); /* not tensor data */
    /* lent: a second caller gets a block of its own, counted like any other */
    void *o = ct__workspace_get(MB / 2, &cap2, &shared2);
    REQUIRE(o != NULL);
    CHECK(!shared2);
    CHECK(o != w);
    CHECK(ct_memory_allocated() == before + cap2);
    ct__workspace_put(o, cap2, shared2);
    CHECK(ct_memory_allocated() == before);
    ct__workspace_put(w, cap, shared);
    /* given back: the same block serves a smaller request, and grows for a bigger one */
    void *again = ct__workspace_get(MB / 2, &cap3, &shared3);
    CHECK(shared3);
    CHECK(again == w);
    CHECK(cap3 == cap);
    ct__workspace_put(again, cap3, shared3);
    void *big = ct__workspace_get(4 * MB, &cap3, &shared3);
    REQUIRE(big != NULL);
    CHECK(shared3);
    CHECK(cap3 >= 4 * MB);
    ((char *)big)[4 * MB - 1] = 1; /* all of it is usable */
    ct__workspace_put(big, cap3, shared3);
    CHECK(ct_memory_allocated() == before);
    ct_empty_cache(); /* frees it: the next one is sized for its own request */
    void *fresh = ct__workspace_get(MB, &cap, &shared);
    CHECK(shared);
    CHECK(cap >= MB && cap < 4 * MB); /* a new block of the new request's size */
    ct__workspace_put(fresh, cap, shared);
    ct_empty_cache();
}
