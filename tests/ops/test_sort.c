/*
 * tests/ops/test_sort.c - sort, argsort, topk, kthvalue and unique against
 * PyTorch 1.13 (fixture cases from tests/fixtures/reduce_cases.py: every
 * dtype, non-contiguous inputs, 0-d and empty tensors, NaN, ties, errors),
 * plus large sorts checked for order, stability and being a permutation.
 */
#include <stdlib.h>

#include "../fixtures/reduce_cases.h"
#include "test.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static ct_tensor *make_input(const reduce_case *c) {
    ct_shape s = {.ndim = c->base.ndim};
    for (int i = 0; i < s.ndim; i++) s.d[i] = c->base.shape[i];
    ct_tensor *b = ct_to_dtype(ct_from_data(c->base.v, CT_F64, s), (ct_dtype)c->base.dtype);
    switch (c->view) {
    case 1: return ct_transpose(b, (int)c->va[0], (int)c->va[1]);
    case 2: return ct_slice(b, (int)c->va[0], c->va[1], c->va[2], c->va[3]);
    case 3: {
        ct_shape e = {.ndim = c->va_n};
        for (int i = 0; i < e.ndim; i++) e.d[i] = c->va[i];
        return ct_expand(b, e);
    }
    default: return b;
    }
}

static bool call_sort(const reduce_case *c, ct_tensor *x, ct_tensor **out) {
    switch (c->op) {
    case ROP_SORT: out[0] = ct_sort(x, c->dim, c->flag, true, &out[1]); break;
    case ROP_ARGSORT: out[0] = ct_argsort(x, c->dim, c->flag); break;
    case ROP_TOPK: out[0] = ct_topk(x, c->k, c->dim, c->flag, true, &out[1]); break;
    case ROP_KTHVALUE: out[0] = ct_kthvalue(x, c->k, c->dim, c->keepdim, &out[1]); break;
    case ROP_UNIQUE: out[0] = ct_unique(x, true, &out[1], &out[2]); break;
    default: return false;
    }
    return true;
}

/*
 * Sorting moves values without arithmetic: every result is compared exactly
 * (float32 ones as float32: the fixture prints them with 9 digits).
 */
static bool same_tensor(const ct_tensor *got, const rc_tensor *want, const char *name, int k) {
    if (!got) {
        fprintf(stderr, "  %s: output %d is NULL (%s)\n", name, k, ct_last_error());
        return false;
    }
    bool ok = ct_dim(got) == want->ndim && (int)ct_dtype_of(got) == want->dtype;
    for (int i = 0; ok && i < want->ndim; i++) ok = ct_sizes(got)[i] == want->shape[i];
    if (!ok) {
        fprintf(stderr, "  %s: output %d has ndim %d dtype %d, PyTorch: ndim %d dtype %d\n", name,
                k, ct_dim(got), (int)ct_dtype_of(got), want->ndim, want->dtype);
        return false;
    }
    int64_t n = want->n;
    double *g = malloc(sizeof(double) * (size_t)(n ? n : 1));
    ct_copy_to_buffer(got, g, CT_F64, (size_t)n);
    for (int64_t i = 0; ok && i < n; i++) {
        bool same = want->dtype == CT_F32 ? (float)g[i] == (float)want->v[i] : g[i] == want->v[i];
        if (!((isnan(g[i]) && isnan(want->v[i])) || same)) {
            fprintf(stderr, "  %s: output %d element %lld is %.17g, PyTorch gives %.17g\n", name, k,
                    (long long)i, g[i], want->v[i]);
            ok = false;
        }
    }
    free(g);
    return ok;
}

TEST(sort_fixtures) {
    int ran = 0;
    for (int i = 0; i < COUNT(reduce_cases); i++) {
        const reduce_case *c = &reduce_cases[i];
        CT_SCOPE {
            ct_tensor *x = make_input(c);
            ct_tensor *out[3] = {NULL, NULL, NULL};
            ct_clear_error();
            if (x && call_sort(c, x, out)) {
                ran++;
                if (!c->ok) {
                    if (out[0] != NULL || out[1] != NULL)
                        ct_test_fail(__FILE__, __LINE__, "%s: expected an error \"%s\"", c->name,
                                     c->error);
                    else if (!strstr(ct_last_error(), c->error))
                        ct_test_fail(__FILE__, __LINE__, "%s: error \"%s\", PyTorch says \"%s\"",
                                     c->name, ct_last_error(), c->error);
                } else {
                    for (int k = 0; k < c->nout; k++) {
                        if (k > 0 && !c->check_idx) continue;
                        if (!same_tensor(out[k], &c->out[k], c->name, k))
                            ct_test_fail(__FILE__, __LINE__, "%s differs from PyTorch", c->name);
                    }
                }
            }
            ct_clear_error();
        }
    }
    CHECK(ran > 300);
}

TEST(large_sort_is_ordered_stable_permutation) {
    CT_SCOPE {
        /* Many ties (values 0..99) in 8 rows of 50000, sorted along dim 1 in parallel. */
        ct_tensor *x = ct_randint(0, 100, CT_SHAPE(8, 50000));
        ct_tensor *idx = NULL;
        ct_tensor *v = ct_sort(x, 1, false, true, &idx);
        REQUIRE(v && idx);
        const int64_t *xv = ct_data_i64(x), *sv = ct_data_i64(v), *iv = ct_data_i64(idx);
        bool ordered = true, stable = true, perm = true;
        char *seen = calloc(50000, 1);
        for (int r = 0; r < 8; r++) {
            memset(seen, 0, 50000);
            for (int64_t j = 0; j < 50000; j++) {
                int64_t k = r * 50000 + j, i = iv[k];
                if (i < 0 || i >= 50000 || seen[i]) perm = false;
                else seen[i] = 1;
                if (perm && xv[r * 50000 + i] != sv[k]) perm = false;
                if (j > 0 && sv[k - 1] > sv[k]) ordered = false;
                if (j > 0 && sv[k - 1] == sv[k] && iv[k - 1] > i) stable = false;
            }
        }
        free(seen);
        CHECK(ordered);
        CHECK(stable);
        CHECK(perm);

        /* Descending along dim 0 of a transposed view. */
        ct_tensor *t = ct_transpose(x, 0, 1); /* [50000, 8] */
        ct_tensor *d = ct_sort(t, 0, true, true, NULL);
        CHECK_SHAPE(d, 50000, 8);
        ct_tensor *first = ct_select(d, 0, 0), *last = ct_select(d, 0, 49999);
        CHECK_NEAR(ct_item(ct_amin(first, CT_SHAPE0, false)), 99, 0);
        CHECK_NEAR(ct_item(ct_amax(last, CT_SHAPE0, false)), 0, 0);

        /* unique of the whole thing: 100 values whose counts add up. */
        ct_tensor *counts = NULL, *inverse = NULL;
        ct_tensor *u = ct_unique(x, true, &inverse, &counts);
        CHECK_SHAPE(u, 100);
        CHECK_SHAPE(inverse, 8, 50000);
        CHECK_EQ_INT(ct_item_int(ct_sum(counts)), 400000);
        CHECK_EQ_INT(ct_data_i64(u)[ct_data_i64(inverse)[12345]], xv[12345]);
    }
}

TEST(optional_outputs_may_be_null) {
    CT_SCOPE {
        ct_tensor *x = ct_from_floats(CT_SHAPE(5), 3, 1, 4, 1, 5);
        CHECK_VALUES(ct_sort(x, 0, false, false, NULL), 0, 1, 1, 3, 4, 5);
        CHECK_VALUES(ct_topk(x, 2, 0, true, true, NULL), 0, 5, 4);
        CHECK_VALUES(ct_kthvalue(x, 3, 0, false, NULL), 0, 3);
        ct_tensor *counts = NULL;
        CHECK_VALUES(ct_unique(x, true, NULL, &counts), 0, 1, 3, 4, 5);
        CHECK_VALUES(counts, 0, 2, 1, 1, 1);
        CHECK_VALUES(ct_argsort(x, 0, true), 0, 4, 2, 0, 1, 3);
        ct_tensor *inv = NULL;
        CHECK_FAILS(ct_topk(x, 6, 0, true, true, &inv), "selected index k out of range");
        CHECK(inv == NULL);
    }
}
