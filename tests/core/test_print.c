/*
 * tests/core/test_print.c - ct_to_string against str(tensor) from PyTorch 1.13.
 *
 * The expected strings come from tests/fixtures/print_cases.py, which records
 * what PyTorch prints for each case; here the same tensors are rebuilt in C.
 * Views are made with ct_from_blob_strided over a buffer holding the base.
 */
#include <stdlib.h>

#include "test.h"
#include "../fixtures/print_expected.h"

static void free_buffer(void *data, void *ctx) {
    (void)data;
    free(ctx);
}

/* Writes value i of the case's base into buf, converted to its dtype. */
static void store_value(const print_case *c, void *buf, int64_t i) {
    double f = c->fvalues ? c->fvalues[i] : c->start + (double)i * c->step;
    int64_t v = c->ivalues ? c->ivalues[i] : (int64_t)(c->start + (double)i * c->step);
    switch (c->dtype) {
    case CT_F32: ((float *)buf)[i] = (float)f; break;
    case CT_F64: ((double *)buf)[i] = f; break;
    case CT_I32: ((int32_t *)buf)[i] = (int32_t)v; break;
    case CT_I64: ((int64_t *)buf)[i] = v; break;
    case CT_U8: ((uint8_t *)buf)[i] = (uint8_t)v; break;
    case CT_BOOL: ((bool *)buf)[i] = v != 0; break;
    default: break;
    }
}

/* The case's tensor: a contiguous copy of the base, or a strided view over it. */
static ct_tensor *build_case(const print_case *c) {
    size_t esize = ct_dtype_size(c->dtype);
    char *buf = malloc((size_t)(c->n > 0 ? c->n : 1) * esize);
    if (!buf) return NULL;
    for (int64_t i = 0; i < c->n; i++) store_value(c, buf, i);
    ct_shape shape = {.ndim = c->ndim};
    for (int d = 0; d < c->ndim; d++) shape.d[d] = c->shape[d];
    ct_tensor *t;
    if (c->strided) {
        t = ct_from_blob_strided(buf + c->offset * (int64_t)esize, c->dtype, shape, c->strides,
                                 free_buffer, buf);
        if (!t) free(buf);
    } else {
        t = ct_from_data(buf, c->dtype, shape);
        free(buf);
    }
    if (t && c->requires_grad) ct_requires_grad_(t, true);
    return t;
}

TEST(print_matches_pytorch_for_every_case) {
    CHECK(PRINT_NUM_CASES >= 40);
    for (int k = 0; k < PRINT_NUM_CASES; k++) {
        const print_case *c = &print_cases[k];
        ct_tensor *t = build_case(c);
        if (!t) {
            ct_test_fail(__FILE__, __LINE__, "case %s: could not build the tensor: %s", c->name,
                         ct_last_error());
            ct_clear_error();
            continue;
        }
        if (c->has_opts) ct_set_printoptions_(c->opts);
        char *s = ct_to_string(t);
        ct_reset_printoptions();
        if (!s || strcmp(s, c->expected) != 0)
            ct_test_fail(__FILE__, __LINE__, "case %s:\n  got:      \"%s\"\n  expected: \"%s\"",
                         c->name, s ? s : "(null)", c->expected);
        free(s);
        ct_free(t);
    }
}

/* Strings from PyTorch 1.13: a non-leaf names its grad_fn instead of requires_grad=True. */
TEST(print_names_grad_fn_of_non_leaves) {
    CT_SCOPE {
        ct_tensor *x = ct_requires_grad_(ct_from_floats(CT_SHAPE(2), 1, 2), true);
        const char *want[] = {"tensor([1., 2.], requires_grad=True)", "tensor([2., 4.], grad_fn=<MulBackward0>)",
                              "tensor(6., grad_fn=<SumBackward0>)"};
        ct_tensor *ts[] = {x, ct_mul_scalar(x, 2), ct_sum(ct_mul_scalar(x, 2))};
        for (int i = 0; i < 3; i++) {
            char *s = ct_to_string(ts[i]);
            CHECK_STR(s, want[i]);
            free(s);
        }
        ct_tensor *d = ct_add_scalar(ct_requires_grad_(ct_from_doubles(CT_SHAPE(2), 1, 2), true), 1);
        char *s = ct_to_string(d);
        CHECK_STR(s, "tensor([2., 3.], dtype=torch.float64, grad_fn=<AddBackward0>)");
        free(s);
    }
}

TEST(print_null_is_an_error) {
    CHECK_FAILS(ct_to_string(NULL), "argument 'self' is NULL");
    ct_print(NULL);
    CHECK_ERROR("ct_to_string: argument 'self' is NULL");
    CHECK(ct_fprint(stdout, NULL) < 0);
    CHECK_ERROR("argument 'self' is NULL");
    CT_SCOPE {
        ct_tensor *t = ct_from_floats(CT_SHAPE(2), 1, 2);
        CHECK(ct_fprint(NULL, t) < 0);
        CHECK_ERROR("ct_fprint: argument 'f' is NULL");
    }
}

static void print_null_in_abort_mode(void) { ct_print(NULL); }

TEST(print_null_aborts_by_default) {
    CHECK_ABORTS(print_null_in_abort_mode, "ct_to_string: argument 'self' is NULL");
}

TEST(fprint_writes_the_string_and_a_newline) {
    CT_SCOPE {
        ct_tensor *t = ct_from_doubles(CT_SHAPE(2, 2), 1, 2.5, -3, 4);
        FILE *f = tmpfile();
        REQUIRE(f != NULL);
        CHECK_EQ_INT(ct_fprint(f, t), 0);
        char text[256] = {0};
        rewind(f);
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        CHECK(n > 0);
        CHECK_STR(text, "tensor([[ 1.0000,  2.5000],\n        [-3.0000,  4.0000]], "
                        "dtype=torch.float64)\n");
    }
}

TEST(printoptions_return_previous_and_restore) {
    ct_print_options prev = ct_set_printoptions(.precision = 2, .threshold = 5, .sci_mode = CT_SCI_ON);
    CHECK_EQ_INT(prev.precision, 4);
    CHECK_EQ_INT(prev.threshold, 1000);
    CHECK_EQ_INT(prev.edgeitems, 3);
    CHECK_EQ_INT(prev.linewidth, 80);
    CHECK_EQ_INT(prev.sci_mode, CT_SCI_AUTO);
    /* As in PyTorch, leaving sci_mode out sets it back to auto; the rest stay. */
    ct_print_options mid = ct_set_printoptions(.linewidth = 60);
    CHECK_EQ_INT(mid.precision, 2);
    CHECK_EQ_INT(mid.threshold, 5);
    CHECK_EQ_INT(mid.sci_mode, CT_SCI_ON);
    ct_print_options now = ct_set_printoptions_(prev);
    CHECK_EQ_INT(now.linewidth, 60);
    CHECK_EQ_INT(now.sci_mode, CT_SCI_AUTO);
    CT_SCOPE {
        /* torch.set_printoptions(precision=2); str(torch.tensor([1.12345])) */
        ct_tensor *t = ct_from_floats(CT_SHAPE(1), 1.12345f);
        ct_set_printoptions(.precision = 2);
        char *s = ct_to_string(t);
        CHECK_STR(s, "tensor([1.12])");
        free(s);
        ct_reset_printoptions();
        s = ct_to_string(t);
        CHECK_STR(s, "tensor([1.1235])");
        free(s);
    }
}

TEST(printoptions_reject_bad_values) {
    ct_set_printoptions(.precision = 3);
    ct_clear_error();
    ct_set_printoptions(.precision = -1);
    CHECK_ERROR("ct_set_printoptions: precision must be non-negative, got -1");
    ct_set_printoptions(.edgeitems = -2, .precision = 5);
    CHECK_ERROR("edgeitems must be non-negative");
    ct_set_printoptions(.sci_mode = 7);
    CHECK_ERROR("sci_mode must be");
    ct_print_options cur = ct_set_printoptions(.precision = 4);
    CHECK_EQ_INT(cur.precision, 3); /* the rejected calls changed nothing */
    ct_reset_printoptions();
}

TEST(print_reads_views_in_place) {
    /* A 3x4 row-major buffer seen transposed, then written through: the print follows. */
    float data[12];
    for (int i = 0; i < 12; i++) data[i] = (float)i;
    CT_SCOPE {
        ct_tensor *t = ct_from_blob_strided(data, CT_F32, CT_SHAPE(4, 3), (const int64_t[]){1, 4},
                                            NULL, NULL);
        char *s = ct_to_string(t);
        CHECK_STR(s, "tensor([[ 0.,  4.,  8.],\n        [ 1.,  5.,  9.],\n"
                     "        [ 2.,  6., 10.],\n        [ 3.,  7., 11.]])");
        free(s);
        data[4] = 0.5f;
        s = ct_to_string(t);
        CHECK_STR(s, "tensor([[ 0.0000,  0.5000,  8.0000],\n        [ 1.0000,  5.0000,  9.0000],\n"
                     "        [ 2.0000,  6.0000, 10.0000],\n        [ 3.0000,  7.0000, 11.0000]])");
        free(s);
    }
}
