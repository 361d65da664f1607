/*
 * tests/core/test_iter.c - the strided iterator (src/core/iter.c), exercised
 * through ct_copy_: copies between many layouts and dtypes are compared with a
 * naive element-by-element reference written here, including copies large
 * enough (> 32768 elements) to take the OpenMP path.
 *
 * Strided tensors are built with ct_from_blob_strided over plain buffers, so
 * the reference can check every byte of the destination buffer, including the
 * ones the copy must not touch.
 */
#include <stdlib.h>

#include "test.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

typedef struct {
    int nd;
    int64_t shape[4], st[4], off;
} layout;

/* Elements of buffer a layout needs (0-d and empty layouts still get one). */
static int64_t extent(const layout *l) {
    int64_t e = l->off + 1;
    for (int i = 0; i < l->nd; i++) {
        if (l->shape[i] == 0) return l->off + 1;
        e += (l->shape[i] - 1) * l->st[i];
    }
    return e;
}

static double load(const void *p, ct_dtype d) {
    switch (d) {
    case CT_F32: return *(const float *)p;
    case CT_F64: return *(const double *)p;
    case CT_I32: return *(const int32_t *)p;
    case CT_I64: return (double)*(const int64_t *)p;
    case CT_U8: return *(const uint8_t *)p;
    case CT_BOOL: return *(const bool *)p;
    default: return NAN;
    }
}

static void store(void *p, ct_dtype d, double v) {
    switch (d) {
    case CT_F32: *(float *)p = (float)v; break;
    case CT_F64: *(double *)p = v; break;
    case CT_I32: *(int32_t *)p = (int32_t)v; break;
    case CT_I64: *(int64_t *)p = (int64_t)v; break;
    case CT_U8: *(uint8_t *)p = (uint8_t)(int64_t)v; break;
    case CT_BOOL: *(bool *)p = v != 0; break;
    default: break;
    }
}

/* dst[idx] = src[broadcast(idx)], one element at a time: the obvious way. */
static void reference_copy(char *dbuf, const layout *dl, ct_dtype dd, const char *sbuf,
                           const layout *sl, ct_dtype sd) {
    int64_t n = 1;
    for (int i = 0; i < dl->nd; i++) n *= dl->shape[i];
    size_t des = ct_dtype_size(dd), ses = ct_dtype_size(sd);
    int64_t idx[4] = {0};
    for (int64_t k = 0; k < n; k++) {
        int64_t rem = k;
        for (int i = dl->nd - 1; i >= 0; i--) {
            idx[i] = rem % dl->shape[i];
            rem /= dl->shape[i];
        }
        int64_t doff = dl->off, soff = sl->off;
        for (int i = 0; i < dl->nd; i++) doff += idx[i] * dl->st[i];
        for (int j = 0; j < sl->nd; j++) {
            int i = j + dl->nd - sl->nd;
            soff += (sl->shape[j] == 1 ? 0 : idx[i]) * sl->st[j];
        }
        store(dbuf + (size_t)doff * des, dd, load(sbuf + (size_t)soff * ses, sd));
    }
}

/* Copies src into dst through ctorch and through the reference; compares every byte. */
static bool check_copy(const layout *dl, ct_dtype dd, const layout *sl, ct_dtype sd, int id) {
    int64_t dn = extent(dl), sn = extent(sl);
    size_t des = ct_dtype_size(dd), ses = ct_dtype_size(sd);
    char *sbuf = malloc((size_t)sn * ses), *dbuf = malloc((size_t)dn * des),
         *rbuf = malloc((size_t)dn * des);
    for (int64_t i = 0; i < sn; i++)
        store(sbuf + (size_t)i * ses, sd, sd == CT_BOOL ? (i % 3 != 0) : (double)((i * 7 + 3) % 101));
    for (int64_t i = 0; i < dn; i++) store(dbuf + (size_t)i * des, dd, dd == CT_BOOL ? 0 : 200);
    memcpy(rbuf, dbuf, (size_t)dn * des);
    ct_shape ds = {.ndim = dl->nd}, ss = {.ndim = sl->nd};
    for (int i = 0; i < dl->nd; i++) ds.d[i] = dl->shape[i];
    for (int i = 0; i < sl->nd; i++) ss.d[i] = sl->shape[i];
    bool ok = true;
    CT_SCOPE {
        ct_tensor *dst = ct_from_blob_strided(dbuf + (size_t)dl->off * des, dd, ds, dl->st, NULL, NULL);
        ct_tensor *src = ct_from_blob_strided(sbuf + (size_t)sl->off * ses, sd, ss, sl->st, NULL, NULL);
        if (!dst || !src || ct_copy_(dst, src) != dst) {
            fprintf(stderr, "  case %d: copy failed: %s\n", id, ct_last_error());
            ok = false;
        }
    }
    reference_copy(rbuf, dl, dd, sbuf, sl, sd);
    for (int64_t i = 0; ok && i < dn; i++) {
        if (memcmp(dbuf + (size_t)i * des, rbuf + (size_t)i * des, des) != 0) {
            fprintf(stderr, "  case %d (%s <- %s): buffer element %lld is %g, expected %g\n", id,
                    ct_dtype_name(dd), ct_dtype_name(sd), (long long)i,
                    load(dbuf + (size_t)i * des, dd), load(rbuf + (size_t)i * des, dd));
            ok = false;
        }
    }
    free(sbuf);
    free(dbuf);
    free(rbuf);
    return ok;
}

typedef struct {
    layout dst, src;
} copy_case;

static const copy_case k_cases[] = {
    /* contiguous <- contiguous */
    {{3, {4, 3, 5}, {15, 5, 1}, 0}, {3, {4, 3, 5}, {15, 5, 1}, 0}},
    /* contiguous <- 3-d permutation of a [5, 3, 4] buffer */
    {{3, {4, 3, 5}, {15, 5, 1}, 0}, {3, {4, 3, 5}, {1, 4, 12}, 0}},
    /* permuted destination <- contiguous */
    {{3, {4, 3, 5}, {1, 20, 4}, 0}, {3, {4, 3, 5}, {15, 5, 1}, 0}},
    /* permuted <- differently permuted */
    {{3, {4, 3, 5}, {1, 20, 4}, 0}, {3, {4, 3, 5}, {1, 4, 12}, 0}},
    /* broadcast: [3, 1] into [2, 3, 4] */
    {{3, {2, 3, 4}, {12, 4, 1}, 0}, {2, {3, 1}, {1, 1}, 0}},
    /* explicit stride-0 (expanded) source */
    {{3, {2, 3, 4}, {12, 4, 1}, 0}, {3, {2, 3, 4}, {0, 1, 0}, 0}},
    /* [4] row into [5, 4] */
    {{2, {5, 4}, {4, 1}, 0}, {1, {4}, {1}, 0}},
    /* step-sliced both sides, with offsets */
    {{2, {3, 4}, {8, 2}, 1}, {2, {3, 4}, {14, 3}, 2}},
    /* rows of a wider buffer (mergeable inner run, unmergeable outer) */
    {{3, {2, 3, 4}, {24, 6, 1}, 3}, {3, {2, 3, 4}, {12, 4, 1}, 0}},
    /* size-1 dims with odd strides */
    {{4, {1, 5, 1, 3}, {99, 3, 7, 1}, 0}, {3, {5, 1, 3}, {1, 50, 5}, 0}},
    /* a column (size-1 inner dim) */
    {{2, {6, 1}, {3, 1}, 2}, {2, {6, 1}, {1, 1}, 0}},
    /* empty */
    {{2, {0, 3}, {3, 1}, 0}, {1, {3}, {1}, 0}},
    {{3, {3, 0, 2}, {2, 2, 1}, 0}, {3, {1, 0, 2}, {7, 2, 1}, 0}},
    /* 0-d into 0-d, and 0-d broadcast into [2, 2] transposed */
    {{0, {0}, {0}, 0}, {0, {0}, {0}, 0}},
    {{2, {2, 2}, {1, 2}, 0}, {0, {0}, {0}, 1}},
    /* 1-element tensors of several ranks */
    {{3, {1, 1, 1}, {5, 5, 5}, 0}, {1, {1}, {9}, 0}},
};

TEST(copy_matches_reference_for_layouts_and_dtypes) {
    const ct_dtype pairs[][2] = {
        {CT_F32, CT_F32}, {CT_F64, CT_F64}, {CT_U8, CT_U8},  {CT_BOOL, CT_BOOL},
        {CT_I32, CT_I32}, {CT_F32, CT_I64}, {CT_U8, CT_F64}, {CT_BOOL, CT_I32},
        {CT_I64, CT_BOOL}, {CT_F64, CT_U8},
    };
    for (int c = 0; c < COUNT(k_cases); c++)
        for (int p = 0; p < COUNT(pairs); p++)
            if (!check_copy(&k_cases[c].dst, pairs[p][0], &k_cases[c].src, pairs[p][1], c))
                ct_test_fail(__FILE__, __LINE__, "layout case %d, %s <- %s", c,
                             ct_dtype_name(pairs[p][0]), ct_dtype_name(pairs[p][1]));
}

TEST(large_noncontiguous_copy_takes_parallel_path) {
    int before = ct_get_num_threads();
    ct_set_num_threads(2); /* the parallel path needs more than one thread */
    /* 300 x 250 = 75,000 elements, above the 32,768-element grain size. */
    const layout contig = {2, {300, 250}, {250, 1}, 0};
    const layout transposed = {2, {300, 250}, {1, 300}, 0};
    const layout sliced = {2, {300, 250}, {501, 2}, 1};
    const layout row = {2, {1, 250}, {0, 1}, 0};
    const layout col3 = {3, {300, 1, 250}, {1, 5, 300}, 0};
    CHECK(check_copy(&contig, CT_F32, &transposed, CT_F32, 100));
    CHECK(check_copy(&transposed, CT_F32, &contig, CT_F64, 101));
    CHECK(check_copy(&sliced, CT_I64, &row, CT_U8, 102));
    CHECK(check_copy(&sliced, CT_F64, &transposed, CT_F64, 103));
    CHECK(check_copy(&col3, CT_U8, &row, CT_I32, 104));
    /* And more elements than threads * grain, with an odd count. */
    const layout big_t = {3, {7, 111, 97}, {1, 7, 777}, 0};
    const layout big_c = {3, {7, 111, 97}, {111 * 97, 97, 1}, 0};
    CHECK(check_copy(&big_c, CT_F64, &big_t, CT_F32, 105));
    CHECK(check_copy(&big_t, CT_BOOL, &big_c, CT_BOOL, 106));
    ct_set_num_threads(before);
}

TEST(clone_and_contiguous_use_the_same_iterator) {
    CT_SCOPE {
        /* clone of a permuted 3-d view, checked against ct_get on the view. */
        float buf[60];
        for (int i = 0; i < 60; i++) buf[i] = (float)i;
        ct_tensor *v = ct_from_blob_strided(buf, CT_F32, CT_SHAPE(4, 3, 5), (int64_t[]){1, 20, 4},
                                            NULL, NULL);
        ct_tensor *c = ct_contiguous(v);
        REQUIRE(c != NULL);
        CHECK(ct_is_contiguous(c));
        const float *cp = ct_data_f32(c);
        bool same = true;
        for (int64_t i = 0; i < 4; i++)
            for (int64_t j = 0; j < 3; j++)
                for (int64_t k = 0; k < 5; k++)
                    same = same && cp[i * 15 + j * 5 + k] == buf[i + 20 * j + 4 * k];
        CHECK(same);
    }
}
