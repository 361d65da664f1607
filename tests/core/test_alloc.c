/*
 * tests/core/test_alloc.c - src/core/alloc.c's cache of freed large blocks:
 * a request takes a cached block of its size class, else the smallest
 * cached one up to twice its size (which goes back to the cache with its
 * real capacity), and never one larger than that; the counters follow the
 * capacities handed out.
 */
#include "../../src/core/internal.h"
#include "test.h"

#define MB ((size_t)1 << 20)

TEST(cache_hands_back_a_block_of_the_same_class) {
    ct_empty_cache();
    size_t cap, cap2;
    void *p = ct__alloc(MB, &cap);
    REQUIRE(p != NULL);
    CHECK(cap >= MB);
    ct__dealloc(p, cap);
    void *q = ct__alloc(MB - 100, &cap2); /* the same class */
    CHECK(q == p);
    CHECK(cap2 == cap);
    ct__dealloc(q, cap2);
    ct_empty_cache();
}

TEST(cache_takes_the_smallest_block_up_to_twice_the_size) {
    ct_empty_cache();
    size_t c3, c1, c6, got;
    void *b3 = ct__alloc(3 * MB / 2, &c3), *b1 = ct__alloc(MB, &c1), *b6 = ct__alloc(6 * MB, &c6);
    REQUIRE(b3 && b1 && b6);
    ct__dealloc(b1, c1);
    ct__dealloc(b3, c3);
    ct__dealloc(b6, c6);
    size_t before = ct_memory_allocated();
    /* 1.2 MB: no block of its class; the 1.5 MB one fits (the 1 MB is too small, the 6 MB too big) */
    void *p = ct__alloc(MB + MB / 5, &got);
    CHECK(p == b3);
    CHECK(got == c3);
    CHECK(ct_memory_allocated() == before + c3);
    /* 2.5 MB: nothing cached between it and twice it (6 MB is more): a new block */
    size_t got2;
    void *q = ct__alloc(5 * MB / 2, &got2);
    REQUIRE(q != NULL);
    CHECK(q != b6 && q != b1);
    CHECK(got2 < 6 * MB);
    ct__dealloc(q, got2);
    ct__dealloc(p, got);
    CHECK(ct_memory_allocated() == before);
    ct_empty_cache();
}
