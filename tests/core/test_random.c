/*
 * tests/core/test_random.c - generators and random creation, compared number
 * for number with what PyTorch 1.13 draws for the same seeds and calls
 * (tests/fixtures/random_cases.h, made by random_cases.py). Float32 results
 * and every uniform / integer result must match bit for bit; float64 normals,
 * which go through libm's log/sin/cos, may differ by an ulp on a libm other
 * than the one PyTorch used (on this machine they match exactly too).
 */
#include <stdlib.h>
#include <threads.h>

#include "../fixtures/random_cases.h"
#include "test.h"

#define LEN(a) ((int64_t)(sizeof(a) / sizeof((a)[0])))

/* Exact comparison of t (any dtype, C order) with expected values. */
static bool same_values(ct_tensor *t, const double *expected, int64_t n, double rel_tol) {
    if (!t) {
        printf("    tensor is NULL: %s\n", ct_last_error());
        return false;
    }
    if (ct_numel(t) != n) {
        printf("    numel %lld, expected %lld\n", (long long)ct_numel(t), (long long)n);
        return false;
    }
    double *got = malloc(sizeof(double) * (size_t)(n ? n : 1));
    ct_copy_to_buffer(t, got, CT_F64, (size_t)n);
    bool ok = true;
    for (int64_t i = 0; i < n && ok; i++) {
        double tol = rel_tol * fabs(expected[i]);
        if (!(got[i] == expected[i] || fabs(got[i] - expected[i]) <= tol)) {
            printf("    element %lld: got %.17g, expected %.17g\n", (long long)i, got[i],
                   expected[i]);
            ok = false;
        }
    }
    free(got);
    return ok;
}

static bool same_longs(ct_tensor *t, const long long *expected, int64_t n) {
    if (!t || ct_numel(t) != n) {
        printf("    bad tensor: %s\n", t ? "wrong numel" : ct_last_error());
        return false;
    }
    int64_t *got = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
    ct_copy_to_buffer(t, got, CT_I64, (size_t)n);
    bool ok = true;
    for (int64_t i = 0; i < n && ok; i++) {
        if (got[i] != expected[i]) {
            printf("    element %lld: got %lld, expected %lld\n", (long long)i, (long long)got[i],
                   expected[i]);
            ok = false;
        }
    }
    free(got);
    return ok;
}

/* Bit-exact, and a 2-ulp allowance for float64 values that went through libm. */
#define EXACT(t, arr) CHECK(same_values((t), (arr), LEN(arr), 0.0))
#define LIBM(t, arr) CHECK(same_values((t), (arr), LEN(arr), 4.5e-16))
#define LONGS(t, arr) CHECK(same_longs((t), (arr), LEN(arr)))

TEST(rand_matches_torch) {
    CT_SCOPE {
        ct_manual_seed(0); EXACT(ct_rand(CT_SHAPE(1)), rc_rand_f32_1);
        ct_manual_seed(0); EXACT(ct_rand(CT_SHAPE(5)), rc_rand_f32_5);
        ct_manual_seed(0); EXACT(ct_rand(CT_SHAPE(17)), rc_rand_f32_17);
        ct_manual_seed(0); EXACT(ct_rand(CT_SHAPE(100)), rc_rand_f32_100);
        ct_manual_seed(0); EXACT(ct_rand(CT_SHAPE(1), .dtype = CT_F64), rc_rand_f64_1);
        ct_manual_seed(0); EXACT(ct_rand(CT_SHAPE(5), .dtype = CT_F64), rc_rand_f64_5);
        ct_manual_seed(0); EXACT(ct_rand(CT_SHAPE(17), .dtype = CT_F64), rc_rand_f64_17);
        ct_manual_seed(0); EXACT(ct_rand(CT_SHAPE(100), .dtype = CT_F64), rc_rand_f64_100);
        ct_manual_seed(0);
        ct_tensor *r = ct_rand(CT_SHAPE(2, 3));
        CHECK_SHAPE(r, 2, 3);
        CHECK_EQ_INT(ct_dtype_of(r), CT_F32);
    }
}

TEST(randn_matches_torch_float32_bit_for_bit) {
    CT_SCOPE {
        ct_manual_seed(0); EXACT(ct_randn(CT_SHAPE(1)), rc_randn_f32_1);
        ct_manual_seed(0); EXACT(ct_randn(CT_SHAPE(5)), rc_randn_f32_5);
        ct_manual_seed(0); EXACT(ct_randn(CT_SHAPE(15)), rc_randn_f32_15);
        ct_manual_seed(0); EXACT(ct_randn(CT_SHAPE(16)), rc_randn_f32_16);
        ct_manual_seed(0); EXACT(ct_randn(CT_SHAPE(17)), rc_randn_f32_17);
        ct_manual_seed(0); EXACT(ct_randn(CT_SHAPE(33)), rc_randn_f32_33);
        ct_manual_seed(0); EXACT(ct_randn(CT_SHAPE(100)), rc_randn_f32_100);
        ct_manual_seed(3); EXACT(ct_randn(CT_SHAPE(2, 3, 7)), rc_randn_f32_2x3x7);
    }
}

TEST(randn_matches_torch_float64) {
    CT_SCOPE {
        ct_manual_seed(0); LIBM(ct_randn(CT_SHAPE(1), .dtype = CT_F64), rc_randn_f64_1);
        ct_manual_seed(0); LIBM(ct_randn(CT_SHAPE(5), .dtype = CT_F64), rc_randn_f64_5);
        ct_manual_seed(0); LIBM(ct_randn(CT_SHAPE(15), .dtype = CT_F64), rc_randn_f64_15);
        ct_manual_seed(0); LIBM(ct_randn(CT_SHAPE(16), .dtype = CT_F64), rc_randn_f64_16);
        ct_manual_seed(0); LIBM(ct_randn(CT_SHAPE(17), .dtype = CT_F64), rc_randn_f64_17);
        ct_manual_seed(0); LIBM(ct_randn(CT_SHAPE(33), .dtype = CT_F64), rc_randn_f64_33);
        ct_manual_seed(0); LIBM(ct_randn(CT_SHAPE(100), .dtype = CT_F64), rc_randn_f64_100);
    }
}

TEST(default_dtype_decides_rand_and_randn) {
    CT_SCOPE {
        ct_set_default_dtype(CT_F64);
        ct_manual_seed(0); EXACT(ct_rand(CT_SHAPE(5)), rc_rand_f64_5);
        ct_manual_seed(0);
        ct_tensor *n = ct_randn(CT_SHAPE(16));
        ct_set_default_dtype(CT_F32);
        CHECK_EQ_INT(ct_dtype_of(n), CT_F64);
        LIBM(n, rc_randn_f64_16);
    }
}

TEST(randint_matches_torch) {
    CT_SCOPE {
        ct_manual_seed(1);
        ct_tensor *s = ct_randint(-5, 7, CT_SHAPE(20));
        CHECK_EQ_INT(ct_dtype_of(s), CT_I64);
        LONGS(s, rc_randint_small);
        ct_manual_seed(1); LONGS(ct_randint(-(INT64_C(1) << 40), INT64_C(1) << 41, CT_SHAPE(10)), rc_randint_wide);
        ct_manual_seed(1); LONGS(ct_randint(INT64_MIN, INT64_MAX, CT_SHAPE(5)), rc_randint_full);
        ct_manual_seed(1); LONGS(ct_randint(0, 100, CT_SHAPE(10), .dtype = CT_I32), rc_randint_i32);
        ct_manual_seed(1); LONGS(ct_randint(3, 250, CT_SHAPE(10), .dtype = CT_U8), rc_randint_u8);
        ct_manual_seed(1);
        EXACT(ct_randint(0, INT64_C(1) << 33, CT_SHAPE(6), .dtype = CT_F32), rc_randint_f32_wide);
        ct_manual_seed(1); EXACT(ct_randint(-3, 9, CT_SHAPE(6), .dtype = CT_F64), rc_randint_f64);
        ct_manual_seed(1); LONGS(ct_randint(0, 2, CT_SHAPE(12), .dtype = CT_BOOL), rc_randint_bool);
    }
}

TEST(randperm_matches_torch) {
    CT_SCOPE {
        ct_manual_seed(2); LONGS(ct_randperm(1), rc_randperm_1);
        ct_manual_seed(2); LONGS(ct_randperm(5), rc_randperm_5);
        ct_manual_seed(2); LONGS(ct_randperm(100), rc_randperm_100);
        ct_manual_seed(2); LONGS(ct_randperm(1000), rc_randperm_1000);
        ct_manual_seed(2); EXACT(ct_randperm(20, .dtype = CT_F32), rc_randperm_f32_20);
        ct_manual_seed(2); LONGS(ct_randperm(300, .dtype = CT_I32), rc_randperm_i32_300);
        ct_tensor *e = ct_randperm(0);
        CHECK_SHAPE(e, 0);
        /* a permutation: every value once */
        ct_tensor *p = ct_randperm(500);
        REQUIRE(p);
        const int64_t *v = ct_data_i64(p);
        static bool seen[500];
        memset(seen, 0, sizeof seen);
        bool ok = true;
        for (int i = 0; i < 500; i++) {
            if (v[i] < 0 || v[i] >= 500 || seen[v[i]]) ok = false;
            else seen[v[i]] = true;
        }
        CHECK(ok);
    }
}

TEST(a_sequence_of_calls_matches_torch) {
    CT_SCOPE {
        ct_manual_seed(42);
        EXACT(ct_rand(CT_SHAPE(3)), rc_seq_rand3);
        EXACT(ct_randn(CT_SHAPE(5)), rc_seq_randn5);
        EXACT(ct_rand(CT_SHAPE(2)), rc_seq_rand2);
        EXACT(ct_randn(CT_SHAPE(20)), rc_seq_randn20);
        EXACT(ct_randn(CT_SHAPE(3)), rc_seq_randn3);
        LIBM(ct_randn(CT_SHAPE(1), .dtype = CT_F64), rc_seq_randn1_f64);
        LONGS(ct_randint(0, 1000, CT_SHAPE(4)), rc_seq_randint4);
        EXACT(ct_rand(CT_SHAPE(2), .dtype = CT_F64), rc_seq_rand2_f64);
    }
}

TEST(reseeding_forgets_the_cached_normal) {
    CT_SCOPE {
        ct_manual_seed(0);
        ct_randn(CT_SHAPE(1)); /* leaves the pair's second value cached */
        ct_manual_seed(0);
        EXACT(ct_randn(CT_SHAPE(5)), rc_randn_f32_5);
    }
}

TEST(explicit_generator_is_independent_of_the_default) {
    ct_generator *g = ct_generator_new(7);
    REQUIRE(g);
    CT_SCOPE {
        ct_manual_seed(0);
        EXACT(ct_rand(CT_SHAPE(4), .generator = g), rc_gen_rand4);
        EXACT(ct_rand(CT_SHAPE(2)), rc_gen_default_rand2);
        EXACT(ct_randn(CT_SHAPE(18), .generator = g), rc_gen_randn18);
        LONGS(ct_randperm(6, .generator = g), rc_gen_randperm6);
        EXACT(ct_randn(CT_SHAPE(3)), rc_gen_default_randn3);
    }
    CHECK(ct_generator_initial_seed(g) == 7);
    ct_generator_free(g);
}

TEST(in_place_fills_match_torch) {
    CT_SCOPE {
        ct_tensor *t;
        ct_manual_seed(5);
        t = ct_empty(CT_SHAPE(9));
        CHECK(ct_uniform_(t, -2.5, 4.0, NULL) == t);
        EXACT(t, rc_uniform_f32);
        ct_manual_seed(5);
        EXACT(ct_uniform_(ct_empty(CT_SHAPE(9), .dtype = CT_F64), -2.5, 4.0, NULL), rc_uniform_f64);
        ct_manual_seed(5); EXACT(ct_normal_(ct_empty(CT_SHAPE(40)), 1.5, 0.7, NULL), rc_normal_f32_40);
        ct_manual_seed(5); EXACT(ct_normal_(ct_empty(CT_SHAPE(7)), 1.5, 0.7, NULL), rc_normal_f32_7);
        ct_manual_seed(5);
        LIBM(ct_normal_(ct_empty(CT_SHAPE(40), .dtype = CT_F64), -1.0, 3.0, NULL), rc_normal_f64_40);
        ct_manual_seed(5); EXACT(ct_bernoulli_(ct_empty(CT_SHAPE(50)), 0.3, NULL), rc_bernoulli_f32);
        ct_manual_seed(5);
        LONGS(ct_bernoulli_(ct_empty(CT_SHAPE(20), .dtype = CT_I64), 0.5, NULL), rc_bernoulli_i64);
        ct_manual_seed(5);
        LONGS(ct_bernoulli_(ct_empty(CT_SHAPE(20), .dtype = CT_BOOL), 0.8, NULL), rc_bernoulli_bool);
    }
}

TEST(fills_bump_the_version_and_return_self) {
    CT_SCOPE {
        ct_tensor *t = ct_zeros(CT_SHAPE(20));
        int64_t v = ct_version(t);
        CHECK(ct_uniform_(t, 0, 1, NULL) == t);
        CHECK(ct_normal_(t, 0, 1, NULL) == t);
        CHECK(ct_bernoulli_(t, 0.5, NULL) == t);
        CHECK(ct_random_(t, 0, 10, NULL) == t);
        CHECK_EQ_INT(ct_version(t), v + 4);
    }
}

/* Non-contiguous outputs are filled in memory order, as PyTorch's TensorIterator does. */
TEST(non_contiguous_fills_match_torch) {
    CT_SCOPE {
        ct_manual_seed(6);
        EXACT(ct_uniform_(ct_t(ct_empty(CT_SHAPE(4, 8))), 0, 1, NULL), rc_nc_uniform_t);
        ct_manual_seed(6);
        EXACT(ct_normal_(ct_t(ct_empty(CT_SHAPE(6, 5))), 0, 1, NULL), rc_nc_normal_t);
        ct_manual_seed(6);
        ct_tensor *step = ct_slice(ct_empty(CT_SHAPE(40)), 0, 0, 40, 2);
        EXACT(ct_normal_(step, 0, 1, NULL), rc_nc_normal_step);
        ct_manual_seed(6);
        LIBM(ct_normal_(ct_t(ct_empty(CT_SHAPE(6, 5), .dtype = CT_F64)), 0, 1, NULL),
             rc_nc_normal_f64_t);
        ct_manual_seed(6);
        EXACT(ct_bernoulli_(ct_t(ct_empty(CT_SHAPE(3, 7))), 0.5, NULL), rc_nc_bernoulli_t);
        ct_manual_seed(6);
        LONGS(ct_random_(ct_t(ct_empty(CT_SHAPE(3, 7), .dtype = CT_I64)), 0, 50, NULL),
              rc_nc_random_t);
        ct_manual_seed(6);
        EXACT(ct_uniform_(ct_permute(ct_empty(CT_SHAPE(2, 3, 4)), CT_DIMS(2, 0, 1)), 0, 1, NULL),
              rc_nc_uniform_perm);
    }
}

TEST(rand_like_keeps_the_layout_like_torch) {
    CT_SCOPE {
        ct_tensor *like = ct_t(ct_empty(CT_SHAPE(4, 8)));
        ct_manual_seed(6);
        ct_tensor *r = ct_rand_like(like);
        CHECK_SHAPE(r, 8, 4);
        CHECK_EQ_INT(ct_stride(r, 0), 1);
        EXACT(r, rc_rand_like_t);
        ct_manual_seed(6);
        EXACT(ct_randn_like(ct_t(ct_empty(CT_SHAPE(5, 8)))), rc_randn_like_t);
        ct_tensor *d = ct_randn_like(ct_zeros(CT_SHAPE(3)), .dtype = CT_F64);
        CHECK_EQ_INT(ct_dtype_of(d), CT_F64);
        CHECK(ct_requires_grad(ct_rand_like(like, .requires_grad = true)));
    }
}

TEST(seeds_like_torch) {
    /* Seeded with a fresh PyTorch process's random 64-bit default seed. */
    ct_generator *g = ct_generator_new(RC_FRESH_SEED);
    REQUIRE(g);
    CT_SCOPE { EXACT(ct_rand(CT_SHAPE(3), .generator = g), rc_fresh_rand3); }
    ct_generator_free(g);
    ct_manual_seed(UINT64_C(1099511627781));
    CHECK(ct_generator_initial_seed(NULL) == RC_WIDE_SEED_INITIAL);
    CT_SCOPE { EXACT(ct_rand(CT_SHAPE(3)), rc_wide_seed_rand3); }
    CHECK(ct_default_generator() == ct_default_generator());
}

TEST(raw_draws) {
    ct_generator *a = ct_generator_new(11), *b = ct_generator_new(11);
    REQUIRE(a && b);
    uint64_t hi = ct_generator_random(a), lo = ct_generator_random(a);
    CHECK(ct_generator_random64(b) == (hi << 32 | lo));
    /* std::mt19937 with the default seed 5489: its 10000th output is 4123659995. */
    ct_generator_seed(a, 5489);
    uint32_t x = 0;
    for (int i = 0; i < 10000; i++) x = ct_generator_random(a);
    CHECK(x == 4123659995u);
    ct_generator_free(a);
    ct_generator_free(b);
}

TEST(state_layout_matches_torch_get_rng_state) {
    CHECK_EQ_INT(ct_generator_state_size(), RC_STATE_SIZE);
    ct_manual_seed(9);
    ct_free(ct_randn(CT_SHAPE(3)));
    unsigned char st[RC_STATE_SIZE];
    REQUIRE(ct_generator_get_state(NULL, st, sizeof st) == 0);
    uint64_t seed, next, w0, w623;
    int32_t left, valid;
    double normal_y;
    memcpy(&seed, st, 8);
    memcpy(&left, st + 8, 4);
    memcpy(&next, st + 16, 8);
    memcpy(&w0, st + 24, 8);
    memcpy(&w623, st + 24 + 8 * 623, 8);
    memcpy(&normal_y, st + 24 + 8 * 624 + 8, 8);
    memcpy(&valid, st + 24 + 8 * 624 + 24, 4);
    CHECK(seed == RC_STATE_SEED);
    CHECK_EQ_INT(left, RC_STATE_LEFT);
    CHECK(next == RC_STATE_NEXT);
    CHECK(w0 == RC_STATE_WORD0);
    CHECK(w623 == RC_STATE_WORD623);
    CHECK_EQ_INT(valid, RC_STATE_NORMAL_VALID);
    CHECK(normal_y == RC_STATE_NORMAL_Y);
    /* a generator given that state continues exactly like torch */
    ct_generator *g = ct_generator_new(0);
    REQUIRE(g);
    REQUIRE(ct_generator_set_state(g, st, sizeof st) == 0);
    CT_SCOPE { EXACT(ct_randn(CT_SHAPE(3), .generator = g), rc_state_next_randn3); }
    ct_generator_free(g);
}

TEST(state_round_trips) {
    CT_SCOPE {
        ct_manual_seed(123);
        ct_randn(CT_SHAPE(3)); /* a cached normal is part of the state */
        size_t n = ct_generator_state_size();
        unsigned char *st = malloc(n);
        REQUIRE(st);
        CHECK(ct_generator_get_state(NULL, st, n) == 0);
        ct_tensor *a = ct_randn(CT_SHAPE(5));
        ct_tensor *b = ct_rand(CT_SHAPE(700)); /* crosses a twist */
        CHECK(ct_generator_set_state(NULL, st, n) == 0);
        ct_tensor *a2 = ct_randn(CT_SHAPE(5));
        ct_tensor *b2 = ct_rand(CT_SHAPE(700));
        CHECK(memcmp(ct_data_f32(a), ct_data_f32(a2), 5 * sizeof(float)) == 0);
        CHECK(memcmp(ct_data_f32(b), ct_data_f32(b2), 700 * sizeof(float)) == 0);
        /* bad states are refused */
        ct_clear_error();
        CHECK(ct_generator_set_state(NULL, st, n - 1) < 0);
        CHECK_ERROR("CPUGeneratorImplState of size 5056");
        unsigned char *bad = malloc(n);
        memcpy(bad, st, n);
        int32_t left = 0;
        memcpy(bad + 8, &left, 4);
        CHECK(ct_generator_set_state(NULL, bad, n) < 0);
        CHECK_ERROR("RNG state must be valid");
        CHECK(ct_generator_get_state(NULL, st, 16) < 0);
        CHECK_ERROR("needs 5056 bytes");
        free(bad);
        free(st);
    }
}

/* Two threads drawing from the default generator lose no draws and share no value. */
static int draw_many(void *arg) {
    uint32_t *out = arg;
    for (int i = 0; i < 20000; i++) out[i] = ct_generator_random(NULL);
    return 0;
}

TEST(default_generator_is_thread_safe) {
    ct_manual_seed(77);
    static uint32_t a[20000], b[20000];
    thrd_t t1, t2;
    REQUIRE(thrd_create(&t1, draw_many, a) == thrd_success);
    REQUIRE(thrd_create(&t2, draw_many, b) == thrd_success);
    thrd_join(t1, NULL);
    thrd_join(t2, NULL);
    uint32_t after = ct_generator_random(NULL);
    /* 40000 draws happened: the next one equals the 40001st of a fresh sequence */
    ct_generator *g = ct_generator_new(77);
    REQUIRE(g);
    uint32_t x = 0;
    for (int i = 0; i < 40001; i++) x = ct_generator_random(g);
    CHECK(after == x);
    ct_generator_free(g);
}

TEST(requires_grad_is_honoured) {
    CT_SCOPE {
        CHECK(ct_requires_grad(ct_rand(CT_SHAPE(2), .requires_grad = true)));
        CHECK(ct_requires_grad(ct_randn(CT_SHAPE(2), .requires_grad = true)));
        CHECK(!ct_requires_grad(ct_randn(CT_SHAPE(2))));
        CHECK(ct_requires_grad(ct_randint(0, 3, CT_SHAPE(2), .dtype = CT_F32, .requires_grad = true)));
        CHECK_FAILS(ct_randint(0, 3, CT_SHAPE(3), .requires_grad = true),
                    "Only Tensors of floating point and complex dtype can require gradients");
        CHECK_FAILS(ct_randperm(3, .requires_grad = true),
                    "Only Tensors of floating point and complex dtype can require gradients");
    }
}

TEST(errors_are_worded_like_torch) {
    long before = ct_live_tensors();
    CHECK_FAILS(ct_rand(CT_SHAPE(3), .dtype = CT_I64), "\"check_uniform_bounds\" not implemented for 'Long'");
    CHECK_FAILS(ct_rand(CT_SHAPE(3), .dtype = CT_BOOL), "\"check_uniform_bounds\" not implemented for 'Bool'");
    CHECK_FAILS(ct_randn(CT_SHAPE(30), .dtype = CT_I32), "\"normal_kernel_cpu\" not implemented for 'Int'");
    CHECK_FAILS(ct_randint(5, 5, CT_SHAPE(3)), "random_ expects 'from' to be less than 'to', but got from=5 >= to=5");
    CHECK_FAILS(ct_randint(5, 2, CT_SHAPE(3)), "but got from=5 >= to=2");
    CHECK_FAILS(ct_randint(0, 300, CT_SHAPE(3), .dtype = CT_U8), "to - 1 is out of bounds for unsigned char");
    CHECK_FAILS(ct_randint(-1, 3, CT_SHAPE(3), .dtype = CT_U8), "from is out of bounds for unsigned char");
    CHECK_FAILS(ct_randint(0, INT64_C(1) << 40, CT_SHAPE(3), .dtype = CT_I32), "to - 1 is out of bounds for int");
    CHECK_FAILS(ct_randint(0, 3, CT_SHAPE(3), .dtype = CT_BOOL), "to - 1 is out of bounds for bool");
    CHECK_FAILS(ct_randperm(3, .dtype = CT_BOOL), "\"randperm\" not implemented for 'Bool'");
    CHECK_FAILS(ct_randperm(300, .dtype = CT_U8), "value cannot be converted to type uint8_t without overflow");
    CHECK_FAILS(ct_randperm((INT64_C(1) << 24) + 2, .dtype = CT_F32), "n cannot be greater than 2^24+1 for Float type.");
    CHECK_FAILS(ct_randperm(-1), "-1");
    CHECK_FAILS(ct_rand(CT_SHAPE(-1)), "-1");
    CHECK_FAILS(ct_rand_like(NULL), "self");
    CT_SCOPE {
        ct_tensor *f = ct_empty(CT_SHAPE(3));
        CHECK_FAILS(ct_uniform_(f, 5, 2, NULL), "uniform_ expects to return a [from, to) range, but found from=5 > to=2");
        CHECK_FAILS(ct_uniform_(f, 0, INFINITY, NULL), "to is out of bounds for float");
        CHECK_FAILS(ct_uniform_(f, -3e38, 3e38, NULL),
                    "uniform_ expects to-from <= std::numeric_limits<Float>::max(), but found to=3e+38 and from=-3e+38 which result in to-from to exceed the limit");
        CHECK_FAILS(ct_normal_(f, 0, -1, NULL), "normal expects std >= 0.0, but found std -1");
        CHECK_FAILS(ct_bernoulli_(f, 1.5, NULL), "bernoulli_ expects p to be in [0, 1], but got p=1.5");
        CHECK_FAILS(ct_bernoulli_(f, -0.1, NULL), "but got p=-0.1");
        ct_tensor *l = ct_empty(CT_SHAPE(3), .dtype = CT_I64);
        CHECK_FAILS(ct_uniform_(l, 0, 1, NULL), "\"check_uniform_bounds\" not implemented for 'Long'");
        CHECK_FAILS(ct_normal_(l, 0, 1, NULL), "\"normal_kernel_cpu\" not implemented for 'Long'");
        ct_tensor *x = ct_expand(ct_empty(CT_SHAPE(1)), CT_SHAPE(20));
        const char *overlap = "unsupported operation: more than one element of the written-to tensor refers to a single memory location";
        CHECK_FAILS(ct_uniform_(x, 0, 1, NULL), overlap);
        CHECK_FAILS(ct_normal_(x, 0, 1, NULL), overlap);
        CHECK_FAILS(ct_bernoulli_(x, 0.5, NULL), overlap);
        CHECK_FAILS(ct_random_(x, 0, 5, NULL), overlap);
        CHECK_FAILS(ct_uniform_(NULL, 0, 1, NULL), "self");
        /* an empty tensor draws nothing */
        ct_manual_seed(0);
        CHECK(ct_uniform_(ct_empty(CT_SHAPE(0)), 0, 1, NULL) != NULL);
        CHECK(ct_normal_(ct_empty(CT_SHAPE(0, 3)), 0, 1, NULL) != NULL);
        EXACT(ct_rand(CT_SHAPE(5)), rc_rand_f32_5);
    }
    CHECK_EQ_INT(ct_live_tensors(), before);
}

static void rand_long_aborts(void) { ct_rand(CT_SHAPE(2), .dtype = CT_I64); }

TEST(errors_abort_in_abort_mode) {
    CHECK_ABORTS(rand_long_aborts, "\"check_uniform_bounds\" not implemented for 'Long'");
}
