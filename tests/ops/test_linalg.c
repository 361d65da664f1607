/*
 * tests/ops/test_linalg.c - matrix products against PyTorch: every case of
 * tests/fixtures/linalg_cases.h (values, shapes, dtypes and error messages
 * recorded from torch 1.13), on one and two threads, plus NULL arguments,
 * the abort mode, and ownership (results are new references).
 */
#include <stdlib.h>

#include "test.h"
#include "fixtures/linalg_cases.h"

/* Rebuilds a fixture input: its storage as a 1-d tensor, then the recorded view of it. */
static ct_tensor *build_input(const linalg_input *in) {
    ct_dtype d = (ct_dtype)in->dtype;
    size_t es = ct_dtype_size(d);
    int64_t n = in->storage_numel;
    char *buf = malloc((size_t)(n > 0 ? n : 1) * es);
    for (int64_t i = 0; i < n; i++) {
        double f = in->fvals ? in->fvals[i] : 0;
        int64_t v = in->ivals ? in->ivals[i] : 0;
        switch (d) {
        case CT_F32: ((float *)buf)[i] = (float)f; break;
        case CT_F64: ((double *)buf)[i] = f; break;
        case CT_I32: ((int32_t *)buf)[i] = (int32_t)v; break;
        case CT_I64: ((int64_t *)buf)[i] = v; break;
        case CT_U8: ((uint8_t *)buf)[i] = (uint8_t)v; break;
        case CT_BOOL: ((bool *)buf)[i] = v != 0; break;
        default: break;
        }
    }
    ct_tensor *base = ct_from_data(buf, d, CT_SHAPE(n));
    free(buf);
    ct_shape shape = {.ndim = in->ndim};
    for (int i = 0; i < in->ndim; i++) shape.d[i] = in->shape[i];
    ct_tensor *view = ct_as_strided(base, shape, in->stride, in->offset);
    ct_free(base);
    return view;
}

static ct_scalar fixture_scalar(linalg_scalar s) {
    if (s.kind == 2) return ct_scalar_float(s.f);
    if (s.kind == 1) return ct_scalar_int(s.i);
    return ct_scalar_int(1);
}

static ct_tensor *run_case(const linalg_case *c, ct_tensor **in) {
    switch (c->op) {
    case LOP_MM: return ct_mm(in[0], in[1]);
    case LOP_BMM: return ct_bmm(in[0], in[1]);
    case LOP_MATMUL: return ct_matmul(in[0], in[1]);
    case LOP_DOT: return ct_dot(in[0], in[1]);
    case LOP_MV: return ct_mv(in[0], in[1]);
    case LOP_OUTER: return ct_outer(in[0], in[1]);
    case LOP_ADDMM:
        return ct_addmm_sc(in[0], in[1], in[2], fixture_scalar(c->beta), fixture_scalar(c->alpha));
    case LOP_BADDBMM:
        return ct_baddbmm_sc(in[0], in[1], in[2], fixture_scalar(c->beta),
                             fixture_scalar(c->alpha));
    case LOP_EINSUM: return ct_einsum(c->equation, in, c->ninputs);
    }
    return NULL;
}

/* Compares a result with the fixture; returns a description of the first difference or NULL. */
static const char *compare(const linalg_case *c, const ct_tensor *r, char *why, size_t size) {
    if (ct_dtype_of(r) != (ct_dtype)c->dtype) {
        snprintf(why, size, "dtype %s, expected %s", ct_dtype_name(ct_dtype_of(r)),
                 ct_dtype_name((ct_dtype)c->dtype));
        return why;
    }
    bool same_shape = ct_dim(r) == c->ndim;
    for (int i = 0; same_shape && i < c->ndim; i++) same_shape = ct_sizes(r)[i] == c->shape[i];
    if (!same_shape) {
        snprintf(why, size, "shape differs (ndim %d, expected %d)", ct_dim(r), c->ndim);
        return why;
    }
    int64_t n = c->numel;
    if (c->fexpect) {
        double *got = malloc((size_t)(n + 1) * sizeof(double));
        ct_copy_to_buffer(r, got, CT_F64, (size_t)n);
        double rel = c->dtype == CT_F32 ? 2e-6 : 1e-14;
        for (int64_t i = 0; i < n && why[0] == 0; i++) {
            double e = c->fexpect[i], g = got[i];
            bool ok = isnan(e) ? isnan(g) : fabs(g - e) <= c->tol + rel * fabs(e);
            if (!ok) snprintf(why, size, "value %lld: %.17g, expected %.17g", (long long)i, g, e);
        }
        free(got);
    } else {
        int64_t *got = malloc((size_t)(n + 1) * sizeof(int64_t));
        ct_copy_to_buffer(r, got, CT_I64, (size_t)n);
        for (int64_t i = 0; i < n && why[0] == 0; i++)
            if (got[i] != c->iexpect[i])
                snprintf(why, size, "value %lld: %lld, expected %lld", (long long)i,
                         (long long)got[i], (long long)c->iexpect[i]);
        free(got);
    }
    return why[0] ? why : NULL;
}

/* Replays every fixture case; returns the number that differ from PyTorch. */
static int replay_all(void) {
    int fails = 0;
    for (int k = 0; k < LINALG_NCASES; k++) {
        const linalg_case *c = &linalg_cases[k];
        CT_SCOPE {
            ct_tensor *in[3] = {NULL, NULL, NULL};
            for (int i = 0; i < c->ninputs; i++) in[i] = build_input(&c->in[i]);
            ct_clear_error();
            ct_tensor *r = run_case(c, in);
            char why[256] = "";
            if (!c->ok) {
                if (r)
                    snprintf(why, sizeof why, "succeeded, PyTorch raised \"%s\"", c->error);
                else if (!strstr(ct_last_error(), c->error))
                    snprintf(why, sizeof why, "error \"%s\", expected \"%s\"", ct_last_error(),
                             c->error);
            } else if (!r) {
                snprintf(why, sizeof why, "failed: %s", ct_last_error());
            } else {
                compare(c, r, why, sizeof why);
            }
            if (why[0]) {
                ct_test_fail(__FILE__, __LINE__, "%s: %s", c->name, why);
                fails++;
            }
            ct_clear_error();
        }
    }
    return fails;
}

TEST(fixtures_match_pytorch_one_thread) {
    ct_set_num_threads(1);
    CHECK_EQ_INT(replay_all(), 0);
}

TEST(fixtures_match_pytorch_two_threads) {
    ct_set_num_threads(2);
    CHECK_EQ_INT(replay_all(), 0);
    ct_set_num_threads(1);
}

TEST(messages_name_the_function) {
    CT_SCOPE {
        ct_tensor *a = ct_ones(CT_SHAPE(4, 3)), *b = ct_ones(CT_SHAPE(4, 5));
        CHECK_FAILS(ct_mm(a, b), "ct_mm: mat1 and mat2 shapes cannot be multiplied (4x3 and 4x5)");
        CHECK_FAILS(ct_matmul(a, b), "ct_matmul: mat1 and mat2 shapes cannot be multiplied");
        CHECK_FAILS(ct_einsum("ij,jk", (ct_tensor *[]){a, b}, 2),
                    "ct_einsum: einsum(): subscript j has size 4");
    }
}

TEST(null_arguments) {
    CT_SCOPE {
        ct_tensor *a = ct_ones(CT_SHAPE(2, 2));
        CHECK_FAILS(ct_mm(a, NULL), "mat2");
        CHECK_FAILS(ct_bmm(NULL, a), "self");
        CHECK_FAILS(ct_matmul(NULL, a), "self");
        CHECK_FAILS(ct_dot(a, NULL), "tensor");
        CHECK_FAILS(ct_mv(a, NULL), "vec");
        CHECK_FAILS(ct_outer(NULL, a), "self");
        CHECK_FAILS(ct_addmm(a, a, NULL), "mat2");
        CHECK_FAILS(ct_baddbmm(NULL, a, a), "self");
        CHECK_FAILS(ct_einsum(NULL, (ct_tensor *[]){a}, 1), "equation");
        CHECK_FAILS(ct_einsum("ij", (ct_tensor *[]){NULL}, 1), "operands");
        CHECK_FAILS(ct_einsum("ij", NULL, 0), "einsum(): must provide at least one operand");
        /* a NULL from an earlier failed call keeps the first message */
        ct_clear_error();
        ct_tensor *bad = ct_mm(a, ct_ones(CT_SHAPE(3, 3)));
        CHECK(bad == NULL);
        CHECK(ct_matmul(bad, a) == NULL);
        CHECK_ERROR("mat1 and mat2 shapes cannot be multiplied (2x2 and 3x3)");
    }
}

TEST(too_many_einsum_dims) {
    CT_SCOPE {
        ct_tensor *a = ct_ones(CT_SHAPE(1, 1, 1, 1, 1)), *b = ct_ones(CT_SHAPE(1, 1, 1, 1, 1));
        CHECK_FAILS(ct_einsum("abcde,fghij->abcdefghij", (ct_tensor *[]){a, b}, 2),
                    "more than the 8 a tensor can have");
    }
}

TEST(results_are_new_references) {
    ct_tensor *a = ct_ones(CT_SHAPE(3, 4)), *b = ct_ones(CT_SHAPE(4, 2));
    ct_tensor *c = ct_mm(a, b);
    ct_tensor *d = ct_einsum("ij->ji", (ct_tensor *[]){a}, 1); /* a view of a, as in PyTorch */
    REQUIRE(c && d);
    CHECK_VALUES(c, 0, 4, 4, 4, 4, 4, 4);
    CHECK(ct_shares_storage(d, a));
    ct_free(a);
    ct_free(b);
    CHECK_SHAPE(d, 4, 3);
    ct_free(c);
    ct_free(d);
}

TEST(matmul_of_a_large_transposed_product) {
    /* one mm that is big enough to be blocked and threaded: (A^T)(B^T) vs sum formula */
    ct_set_num_threads(2);
    CT_SCOPE {
        ct_tensor *a = ct_arange(0, 300 * 200, 1), *b = ct_arange(0, 200 * 100, 1);
        ct_tensor *at = ct_t(ct_view(ct_to_dtype(a, CT_F64), CT_SHAPE(200, 300)));
        ct_tensor *bt = ct_t(ct_view(ct_to_dtype(b, CT_F64), CT_SHAPE(100, 200)));
        ct_tensor *c = ct_matmul(at, bt); /* c[i][j] = sum_k (k*300 + i) * (j*200 + k) */
        REQUIRE(c != NULL);
        CHECK_SHAPE(c, 300, 100);
        for (int64_t i = 0; i < 300; i += 37)
            for (int64_t j = 0; j < 100; j += 13) {
                double want = 0;
                for (int64_t k = 0; k < 200; k++) want += (double)(k * 300 + i) * (double)(j * 200 + k);
                CHECK_NEAR(ct_get(c, (int64_t[]){i, j}), want, 1e-9 * want);
            }
        /* the same in int64 takes the built-in kernel */
        ct_tensor *ci = ct_matmul(ct_t(ct_view(a, CT_SHAPE(200, 300))), ct_t(ct_view(b, CT_SHAPE(100, 200))));
        REQUIRE(ci != NULL);
        int64_t want = 0;
        for (int64_t k = 0; k < 200; k++) want += (k * 300 + 299) * (99 * 200 + k);
        CHECK_EQ_INT(ct_item_int(ct_index(ci, "299, 99")), want);
    }
    ct_set_num_threads(1);
}

static void mm_mismatch_aborts(void) {
    ct_tensor *a = ct_ones(CT_SHAPE(4, 3)), *b = ct_ones(CT_SHAPE(4, 5));
    ct_mm(a, b);
}

TEST(abort_mode) { CHECK_ABORTS(mm_mismatch_aborts, "mat1 and mat2 shapes cannot be multiplied"); }
