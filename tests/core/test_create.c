/*
 * tests/core/test_create.c - creation functions against PyTorch 1.13:
 * empty/zeros/ones/full/eye/arange/linspace/scalar_tensor, *_like, tensors
 * from C arrays and from caller memory (ct_from_blob), requires_grad.
 * Expected values come from tests/fixtures/core_cases.py.
 */
#include <stdlib.h>

#include "../fixtures/core_cases.h"
#include "test.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Every element of t (any dtype) read as a double, bit-exact against want[]. */
static bool same_values(const ct_tensor *t, const double *want, int64_t n, const char *what) {
    if (!t || ct_numel(t) != n) {
        fprintf(stderr, "  %s: numel %lld, expected %lld (%s)\n", what,
                (long long)(t ? ct_numel(t) : -1), (long long)n, ct_last_error());
        return false;
    }
    double *got = malloc(sizeof(double) * (size_t)(n ? n : 1));
    ct_copy_to_buffer(t, got, CT_F64, (size_t)n);
    bool ok = true;
    for (int64_t i = 0; i < n && ok; i++) {
        if (got[i] != want[i]) {
            fprintf(stderr, "  %s: element %lld is %a, PyTorch gives %a\n", what, (long long)i,
                    got[i], want[i]);
            ok = false;
        }
    }
    free(got);
    return ok;
}

TEST(empty_zeros_ones_full) {
    CT_SCOPE {
        ct_tensor *e = ct_empty(CT_SHAPE(2, 3));
        CHECK_SHAPE(e, 2, 3);
        CHECK_EQ_INT(ct_dtype_of(e), CT_F32);
        CHECK(ct_is_contiguous(e));

        ct_tensor *z = ct_zeros(CT_SHAPE(2, 3), .dtype = CT_I64);
        CHECK_EQ_INT(ct_dtype_of(z), CT_I64);
        CHECK_VALUES(z, 0, 0, 0, 0, 0, 0, 0);

        ct_tensor *o = ct_ones(CT_SHAPE(4), .dtype = CT_BOOL);
        CHECK_EQ_INT(ct_dtype_of(o), CT_BOOL);
        CHECK_VALUES(o, 0, 1, 1, 1, 1);

        ct_tensor *f = ct_full(CT_SHAPE(2, 2), .value = -2.5);
        CHECK_EQ_INT(ct_dtype_of(f), CT_F32);
        CHECK_VALUES(f, 0, -2.5, -2.5, -2.5, -2.5);
        ct_tensor *fu = ct_full(CT_SHAPE(3), .value = -1, .dtype = CT_U8);
        CHECK_VALUES(fu, 0, 255, 255, 255); /* torch.full((3,), -1, dtype=torch.uint8) */
        ct_tensor *fd = ct_full(CT_SHAPE(1), .value = 0.1, .dtype = CT_F64);
        CHECK(ct_data_f64(fd)[0] == 0.1);

        /* Empty and 0-d shapes. */
        ct_tensor *z0 = ct_zeros(CT_SHAPE(0, 3));
        CHECK_SHAPE(z0, 0, 3);
        CHECK_EQ_INT(ct_numel(z0), 0);
        ct_tensor *s = ct_ones(CT_SHAPE0);
        CHECK_EQ_INT(ct_dim(s), 0);
        CHECK_EQ_INT(ct_numel(s), 1);
        CHECK(ct_item(s) == 1.0);
        /* Large enough for the heap path of storage and the parallel fill. */
        ct_tensor *big = ct_full(CT_SHAPE(300, 301), .value = 7, .dtype = CT_I32);
        const int32_t *bp = ct_data_i32(big);
        bool all = true;
        for (int i = 0; i < 300 * 301; i++) all = all && bp[i] == 7;
        CHECK(all);
    }
}

/* PyTorch refuses fill values outside the dtype (torch.full((2,), 3e9, dtype=torch.int32)). */
TEST(full_value_must_fit_the_dtype) {
    const char *int_msg = "value cannot be converted to type int without overflow";
    CHECK_FAILS(ct_full(CT_SHAPE(2), .value = 3e9, .dtype = CT_I32), int_msg);
    CHECK_FAILS(ct_full(CT_SHAPE(2), .value = NAN, .dtype = CT_I32), int_msg);
    CHECK_FAILS(ct_full(CT_SHAPE(2), .value = INFINITY, .dtype = CT_I64),
                "value cannot be converted to type int64_t without overflow");
    CHECK_FAILS(ct_full(CT_SHAPE(2), .value = 0x1p63, .dtype = CT_I64), "int64_t without overflow");
    CHECK_FAILS(ct_full(CT_SHAPE(2), .value = 1e300), "value cannot be converted to type float without overflow");
    CHECK_FAILS(ct_full(CT_SHAPE(2), .value = -300, .dtype = CT_U8), "uint8_t without overflow");
    CT_SCOPE {
        CHECK_FAILS(ct_full_like(ct_zeros(CT_SHAPE(2), .dtype = CT_I32), .value = 1e10), int_msg);
        ct_tensor *t = ct_zeros(CT_SHAPE(2), .dtype = CT_I32);
        CHECK_FAILS(ct_fill_(t, -3e9), int_msg);
        CHECK_EQ_INT(ct_version(t), 0); /* nothing written */
        CHECK_VALUES(ct_full(CT_SHAPE(1), .value = -0x1p31, .dtype = CT_I32), 0, -2147483648.0);
        CHECK_VALUES(ct_full(CT_SHAPE(1), .value = INFINITY), 0, INFINITY);
        CHECK(isnan(ct_item(ct_full(CT_SHAPE(1), .value = NAN, .dtype = CT_F64))));
        CHECK_VALUES(ct_full(CT_SHAPE(1), .value = 1e300, .dtype = CT_F64), 0, 1e300);
        CHECK_VALUES(ct_full(CT_SHAPE(1), .value = NAN, .dtype = CT_BOOL), 0, 1);
    }
}

TEST(scalar_tensor_is_0d) {
    CT_SCOPE {
        ct_tensor *a = ct_scalar_tensor(3.5);
        CHECK_EQ_INT(ct_dim(a), 0);
        CHECK_EQ_INT(ct_dtype_of(a), CT_F32);
        CHECK(ct_item(a) == 3.5);
        ct_tensor *b = ct_scalar_tensor(-7, .dtype = CT_I64);
        CHECK_EQ_INT(ct_dtype_of(b), CT_I64);
        CHECK_EQ_INT(ct_item_int(b), -7);
        ct_tensor *z = ct_scalar_tensor(0);
        CHECK(ct_item(z) == 0.0);
    }
}

TEST(eye_matches_torch) {
    CT_SCOPE {
        for (int i = 0; i < COUNT(core_eye_cases); i++) {
            const core_eye_case *c = &core_eye_cases[i];
            ct_tensor *t = ct_eye(c->n, c->m);
            REQUIRE(t != NULL);
            int64_t m = c->m ? c->m : c->n;
            CHECK_SHAPE(t, c->n, m);
            CHECK_EQ_INT(ct_dtype_of(t), CT_F32);
            CHECK(same_values(t, c->values, c->n * m, "eye"));
        }
        ct_tensor *ei = ct_eye(3, .dtype = CT_I64);
        CHECK_EQ_INT(ct_dtype_of(ei), CT_I64);
        CHECK_VALUES(ei, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1);
        CHECK_FAILS(ct_eye(-1), CORE_MSG_EYE_NEGATIVE_N);
        CHECK_FAILS(ct_eye(2, -1), CORE_MSG_EYE_NEGATIVE_M);
    }
}

TEST(arange_matches_torch) {
    CT_SCOPE {
        for (int i = 0; i < COUNT(core_arange_cases); i++) {
            const core_arange_case *c = &core_arange_cases[i];
            ct_scalar s = c->ks == CT_SCALAR_INT ? ct_scalar_int((int64_t)c->s) : ct_scalar_float(c->s);
            ct_scalar e = c->ke == CT_SCALAR_INT ? ct_scalar_int((int64_t)c->e) : ct_scalar_float(c->e);
            ct_scalar st = c->kst == CT_SCALAR_INT ? ct_scalar_int((int64_t)c->st) : ct_scalar_float(c->st);
            ct_tensor *t = ct_arange_(s, e, st, (ct_opts){.dtype = c->dtype});
            if (!t) {
                ct_test_fail(__FILE__, __LINE__, "arange case %d failed: %s", i, ct_last_error());
                continue;
            }
            char what[96];
            snprintf(what, sizeof what, "arange(%g, %g, %g) case %d", c->s, c->e, c->st, i);
            if (ct_dtype_of(t) != c->want_dtype)
                ct_test_fail(__FILE__, __LINE__, "%s: dtype %s, PyTorch gives %s", what,
                             ct_dtype_name(ct_dtype_of(t)), ct_dtype_name(c->want_dtype));
            CHECK_EQ_INT(ct_dim(t), 1);
            if (!same_values(t, c->values, c->n, what)) ct_test_fail(__FILE__, __LINE__, "%s", what);
        }
    }
}

TEST(arange_macro_infers_dtype_from_c_types) {
    CT_SCOPE {
        ct_tensor *a = ct_arange(0, 10, 3);
        CHECK_EQ_INT(ct_dtype_of(a), CT_I64);
        CHECK_VALUES(a, 0, 0, 3, 6, 9);
        ct_tensor *b = ct_arange(10, 0, -3);
        CHECK_EQ_INT(ct_dtype_of(b), CT_I64);
        CHECK_VALUES(b, 0, 10, 7, 4, 1);
        ct_tensor *c = ct_arange(0, 1, 0.1);
        CHECK_EQ_INT(ct_dtype_of(c), CT_F32);
        CHECK_EQ_INT(ct_numel(c), 10); /* ceil(1 / 0.1) = 10, not 11 */
        ct_tensor *d = ct_arange(1, 2.5, 0.5);
        CHECK_EQ_INT(ct_numel(d), 3);
        CHECK_VALUES(d, 0, 1, 1.5, 2);
        ct_tensor *e = ct_arange(0.0, 3, 1);
        CHECK_EQ_INT(ct_dtype_of(e), CT_F32);
    }
}

TEST(arange_errors) {
    CHECK_FAILS(ct_arange(0, 10, 0), CORE_MSG_ARANGE_STEP_ZERO);
    CHECK_FAILS(ct_arange(0, 10, -1), CORE_MSG_ARANGE_SIGN);
    CHECK_FAILS(ct_arange(0.0, INFINITY, 1), "unsupported range");
    CHECK_FAILS(ct_arange(0.0, NAN, 1.0), "unsupported range");
    CHECK_FAILS(ct_arange_(CT_SCALAR(0), CT_SCALAR(3), CT_SCALAR(0.5), (ct_opts){.dtype = CT_I64}),
                CORE_MSG_ARANGE_STEP_ZERO);
    CHECK_FAILS(ct_arange_(CT_SCALAR(0), CT_SCALAR(3), CT_SCALAR(1), (ct_opts){.dtype = CT_BOOL}),
                "\"arange_cpu\" not implemented for 'Bool'");
    CHECK_FAILS(ct_arange_(CT_SCALAR(0.0), CT_SCALAR(1e20), CT_SCALAR(1.0), (ct_opts){.dtype = CT_I64}),
                "value cannot be converted to type int64_t without overflow");
    CHECK_FAILS(ct_arange(0.0, 1e300, 1e-300), "invalid size, possible overflow?");
}

TEST(linspace_matches_torch_bit_for_bit) {
    CT_SCOPE {
        for (int i = 0; i < COUNT(core_linspace_cases); i++) {
            const core_linspace_case *c = &core_linspace_cases[i];
            ct_tensor *t = ct_linspace(c->s, c->e, c->steps, .dtype = c->dtype);
            REQUIRE(t != NULL);
            CHECK_EQ_INT(ct_dtype_of(t), c->dtype);
            char what[96];
            snprintf(what, sizeof what, "linspace(%g, %g, %lld, %s)", c->s, c->e,
                     (long long)c->steps, ct_dtype_name(c->dtype));
            if (!same_values(t, c->values, c->steps, what)) ct_test_fail(__FILE__, __LINE__, "%s", what);
        }
        ct_tensor *d = ct_linspace(0, 1, 5);
        CHECK_EQ_INT(ct_dtype_of(d), CT_F32);
        CHECK_VALUES(d, 0, 0, 0.25, 0.5, 0.75, 1);
    }
    CHECK_FAILS(ct_linspace(0, 1, -1), CORE_MSG_LINSPACE_NEGATIVE);
    CHECK_FAILS(ct_linspace(0, 1, 3, .dtype = CT_BOOL), CORE_MSG_LINSPACE_BOOL);
}

TEST(like_functions_copy_shape_and_dtype) {
    CT_SCOPE {
        ct_tensor *src = ct_zeros(CT_SHAPE(2, 3), .dtype = CT_I32);
        ct_tensor *a = ct_empty_like(src);
        CHECK_SHAPE(a, 2, 3);
        CHECK_EQ_INT(ct_dtype_of(a), CT_I32);
        CHECK(!ct_shares_storage(a, src));
        ct_tensor *b = ct_ones_like(src, .dtype = CT_F64);
        CHECK_EQ_INT(ct_dtype_of(b), CT_F64);
        CHECK_VALUES(b, 0, 1, 1, 1, 1, 1, 1);
        ct_tensor *c = ct_zeros_like(b);
        CHECK_EQ_INT(ct_dtype_of(c), CT_F64);
        CHECK_VALUES(c, 0, 0, 0, 0, 0, 0, 0);
        ct_tensor *d = ct_full_like(src, .value = 4.75);
        CHECK_EQ_INT(ct_dtype_of(d), CT_I32);
        CHECK_VALUES(d, 0, 4, 4, 4, 4, 4, 4); /* torch.full_like(int tensor, 4.75) truncates */
        ct_tensor *e = ct_full_like(src, .value = 4.75, .dtype = CT_F32);
        CHECK_VALUES(e, 0, 4.75, 4.75, 4.75, 4.75, 4.75, 4.75);
        /* A non-contiguous source gives a contiguous result of the same shape. */
        int64_t st[2] = {1, 2};
        ct_tensor *tr = ct_from_blob_strided(ct_data_ptr(src), CT_I32, CT_SHAPE(3, 2), st, NULL, NULL);
        ct_tensor *f = ct_zeros_like(tr);
        CHECK_SHAPE(f, 3, 2);
        CHECK(ct_is_contiguous(f));
        ct_tensor *z = ct_zeros_like(ct_scalar_tensor(2.0));
        CHECK_EQ_INT(ct_dim(z), 0);
    }
    CHECK_FAILS(ct_zeros_like(NULL), "argument 'self' is NULL");
}

TEST(from_data_copies) {
    float src[6] = {1, 2, 3, 4, 5, 6};
    ct_tensor *t = ct_from_data(src, CT_F32, CT_SHAPE(2, 3));
    REQUIRE(t != NULL);
    src[0] = 100; /* the tensor holds a copy */
    CHECK_VALUES(t, 0, 1, 2, 3, 4, 5, 6);
    CHECK(ct_data_ptr(t) != (void *)src);
    ct_free(t);

    CT_SCOPE {
        ct_tensor *f = ct_from_floats(CT_SHAPE(2, 2), 1.5f, 2, 3, 4);
        CHECK_EQ_INT(ct_dtype_of(f), CT_F32);
        CHECK_VALUES(f, 0, 1.5, 2, 3, 4);
        ct_tensor *d = ct_from_doubles(CT_SHAPE(3), 0.1, 0.2, 0.3);
        CHECK(ct_data_f64(d)[1] == 0.2);
        ct_tensor *l = ct_from_longs(CT_SHAPE(2), INT64_MAX, INT64_MIN);
        CHECK(ct_data_i64(l)[0] == INT64_MAX && ct_data_i64(l)[1] == INT64_MIN);
        ct_tensor *i = ct_from_ints(CT_SHAPE(1, 3), -1, 0, 1);
        CHECK_EQ_INT(ct_dtype_of(i), CT_I32);
        CHECK_SHAPE(i, 1, 3);
        CHECK_VALUES(i, 0, -1, 0, 1);
        uint8_t u[2] = {0, 255};
        CHECK_VALUES(ct_from_data(u, CT_U8, CT_SHAPE(2)), 0, 0, 255);
        ct_tensor *z = ct_from_data(u, CT_U8, CT_SHAPE(0));
        CHECK_EQ_INT(ct_numel(z), 0);
        ct_tensor *s = ct_from_values(u, 1, CT_U8, CT_SHAPE0);
        CHECK_EQ_INT(ct_dim(s), 0);
        CHECK_EQ_INT(ct_item_int(s), 0);
    }
    CHECK_FAILS(ct_from_floats(CT_SHAPE(2, 2), 1, 2, 3), "shape '[2, 2]' is invalid for input of size 3");
    CHECK_FAILS(ct_from_values((int64_t[]){1, 2, 3}, 3, CT_I64, CT_SHAPE(2, 2)), CORE_MSG_VIEW_SIZE);
    CHECK_FAILS(ct_from_data(NULL, CT_F32, CT_SHAPE(2)), "argument 'data' is NULL");
    CHECK_FAILS(ct_from_data(src, CT_F32, CT_SHAPE(-1, 2)), CORE_MSG_NEGATIVE_DIM);
}

TEST(from_blob_shares_memory) {
    float buf[6] = {0, 1, 2, 3, 4, 5};
    ct_tensor *t = ct_from_blob(buf, CT_F32, CT_SHAPE(2, 3));
    REQUIRE(t != NULL);
    CHECK(ct_data_ptr(t) == (void *)buf);
    buf[4] = 40; /* caller writes, tensor sees */
    CHECK(ct_get(t, (int64_t[]){1, 1}) == 40);
    CHECK_EQ_INT(ct_set(t, (int64_t[]){0, 2}, -2), 0); /* tensor writes, caller sees */
    CHECK(buf[2] == -2);
    ct_fill_(t, 9);
    CHECK(buf[0] == 9 && buf[5] == 9);
    ct_tensor *alias = ct_contiguous(t);
    CHECK(ct_shares_storage(alias, t));
    ct_free(t);
    ct_free(alias);
    /* ctorch never frees the caller's buffer (it is on the stack: a free would crash ASan). */
    buf[0] = 1;
    CHECK(buf[0] == 1);
}

static int g_deleted;
static void *g_deleted_ptr;
static void *g_deleted_ctx;
static void count_delete(void *data, void *ctx) {
    g_deleted++;
    g_deleted_ptr = data;
    g_deleted_ctx = ctx;
    free(data);
}

TEST(from_blob_deleter_runs_once_with_last_view) {
    g_deleted = 0;
    double *mem = malloc(sizeof(double) * 12);
    for (int i = 0; i < 12; i++) mem[i] = i;
    int ctx_tag = 42;
    int64_t st[2] = {1, 4}; /* the transpose of a 3x4 buffer: a 4x3 view */
    ct_tensor *t = ct_from_blob_strided(mem, CT_F64, CT_SHAPE(4, 3), st, count_delete, &ctx_tag);
    REQUIRE(t != NULL);
    CHECK(!ct_is_contiguous(t));
    CHECK_VALUES(t, 0, 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
    ct_tensor *v1 = ct_alias(t);
    ct_tensor *v2 = ct_contiguous(t); /* a copy: does not hold the blob */
    CHECK(!ct_shares_storage(v2, t));
    ct_free(t);
    CHECK_EQ_INT(g_deleted, 0);
    ct_free(v2);
    CHECK_EQ_INT(g_deleted, 0);
    CHECK_VALUES(v1, 0, 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
    ct_free(v1);
    CHECK_EQ_INT(g_deleted, 1);
    CHECK(g_deleted_ptr == mem);
    CHECK(g_deleted_ctx == &ctx_tag);

    /* Inside a scope the deleter runs when the scope closes. */
    g_deleted = 0;
    CT_SCOPE {
        ct_from_blob_strided(malloc(16), CT_I32, CT_SHAPE(4), NULL, count_delete, NULL);
        CHECK_EQ_INT(g_deleted, 0);
    }
    CHECK_EQ_INT(g_deleted, 1);
    CHECK_FAILS(ct_from_blob(NULL, CT_F32, CT_SHAPE(2)), "argument 'data' is NULL");
    CHECK_FAILS(ct_from_blob(&ctx_tag, CT_F32, CT_SHAPE(-1, 2)), CORE_MSG_NEGATIVE_DIM);
}

TEST(requires_grad_option) {
    CT_SCOPE {
        ct_tensor *w = ct_zeros(CT_SHAPE(2), .requires_grad = true);
        CHECK(ct_requires_grad(w));
        ct_tensor *x = ct_ones(CT_SHAPE(2), .dtype = CT_F64, .requires_grad = true);
        CHECK(ct_requires_grad(x));
        CHECK(!ct_requires_grad(ct_zeros(CT_SHAPE(2))));
        ct_tensor *l = ct_linspace(0, 1, 3, .requires_grad = true);
        CHECK(ct_requires_grad(l));
        ct_tensor *i = ct_zeros(CT_SHAPE(2), .dtype = CT_I64);
        CHECK(ct_requires_grad_(i, false) == i);
        ct_tensor *f = ct_zeros(CT_SHAPE(2));
        CHECK(ct_requires_grad_(f, true) == f);
        CHECK(ct_requires_grad(f));
        CHECK_FAILS(ct_requires_grad_(i, true), CORE_MSG_REQUIRES_GRAD_METHOD);
        CHECK(!ct_requires_grad(i));
    }
    long before = ct_live_tensors();
    CHECK_FAILS(ct_zeros(CT_SHAPE(2), .dtype = CT_I64, .requires_grad = true),
                CORE_MSG_REQUIRES_GRAD_FACTORY);
    CHECK_FAILS(ct_full(CT_SHAPE(2), .value = 1, .dtype = CT_BOOL, .requires_grad = true),
                CORE_MSG_REQUIRES_GRAD_FACTORY);
    CHECK_FAILS(ct_eye(2, .dtype = CT_I32, .requires_grad = true), CORE_MSG_REQUIRES_GRAD_FACTORY);
    CHECK_FAILS(ct_arange_(CT_SCALAR(0), CT_SCALAR(3), CT_SCALAR(1), (ct_opts){.requires_grad = true}),
                CORE_MSG_REQUIRES_GRAD_FACTORY);
    CHECK_EQ_INT(ct_live_tensors(), before); /* the failed creations freed what they made */
}

TEST(default_dtype_f64) {
    CHECK_EQ_INT(ct_get_default_dtype(), CT_F32);
    REQUIRE(ct_set_default_dtype(CT_F64) == 0);
    CT_SCOPE {
        CHECK_EQ_INT(ct_dtype_of(ct_zeros(CT_SHAPE(2))), CORE_F64_DEFAULT_ZEROS);
        CHECK_EQ_INT(ct_dtype_of(ct_arange(0, 1, 0.5)), CORE_F64_DEFAULT_ARANGE_FLOAT);
        CHECK_EQ_INT(ct_dtype_of(ct_arange(0, 3, 1)), CORE_F64_DEFAULT_ARANGE_INT);
        CHECK_EQ_INT(ct_dtype_of(ct_linspace(0, 1, 3)), CT_F64);
        CHECK_EQ_INT(ct_dtype_of(ct_scalar_tensor(1.5)), CT_F64);
        CHECK_EQ_INT(ct_result_type_scalar(ct_zeros(CT_SHAPE(2), .dtype = CT_I32), CT_SCALAR(2.5)),
                     CORE_F64_DEFAULT_RESULT_I32_FLOAT);
        /* ct_arange(0, 1, 0.1) in float64 has PyTorch's float64 values. */
        ct_tensor *a = ct_arange(0, 1, 0.1);
        CHECK(same_values(a, core_arange_cases[12].values, core_arange_cases[12].n, "arange f64"));
    }
    CHECK(ct_set_default_dtype(CT_I64) < 0);
    CHECK_ERROR(CORE_MSG_DEFAULT_DTYPE_INT);
    CHECK_EQ_INT(ct_get_default_dtype(), CT_F64); /* unchanged by the failed call */
    REQUIRE(ct_set_default_dtype(CT_F32) == 0);
    CHECK_EQ_INT(ct_get_default_dtype(), CT_F32);
}
