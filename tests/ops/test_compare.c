/*
 * tests/ops/test_compare.c - comparisons, logic, equal, isclose and allclose
 * against PyTorch 1.13 (tests/fixtures/pointwise_cases.py): mixed dtypes,
 * broadcasting, strided, 0-d and empty inputs, scalars, NaN and every error.
 */
#include "pw_fixture.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

typedef ct_tensor *(*binary_fn)(ct_tensor *, ct_tensor *);
typedef ct_tensor *(*scalar_fn)(ct_tensor *, ct_scalar);
static const struct {
    const char *name;
    binary_fn f;
    scalar_fn sc;
} CMP[] = {
    {"eq", ct_eq, ct_eq_sc}, {"ne", ct_ne, ct_ne_sc}, {"gt", ct_gt, ct_gt_sc},
    {"ge", ct_ge, ct_ge_sc}, {"lt", ct_lt, ct_lt_sc}, {"le", ct_le, ct_le_sc},
    {"logical_and", ct_logical_and, NULL}, {"logical_or", ct_logical_or, NULL},
    {"logical_xor", ct_logical_xor, NULL},
};

static bool run_compare(const pw_case *c, ct_tensor **in, const ct_scalar *sc, ct_tensor **out,
                        bool *bool_out) {
    char name[32];
    for (int k = 0; k < COUNT(CMP); k++) {
        if (strcmp(c->op, CMP[k].name) == 0) {
            *out = CMP[k].f(in[0], in[1]);
            return true;
        }
        snprintf(name, sizeof name, "%s_sc", CMP[k].name);
        if (CMP[k].sc && strcmp(c->op, name) == 0) {
            *out = CMP[k].sc(in[0], sc[0]);
            return true;
        }
    }
    if (strcmp(c->op, "logical_not") == 0) {
        *out = ct_logical_not(in[0]);
        return true;
    }
    if (strcmp(c->op, "equal") == 0) {
        *bool_out = ct_equal(in[0], in[1]);
        return true;
    }
    if (strcmp(c->op, "isclose") == 0 || strcmp(c->op, "allclose") == 0) {
        double rtol = ct_scalar_to_double(sc[0]), atol = ct_scalar_to_double(sc[1]);
        bool equal_nan = sc[2].v.i != 0;
        if (c->op[0] == 'i') *out = ct_isclose(in[0], in[1], rtol, atol, equal_nan);
        else *bool_out = ct_allclose(in[0], in[1], rtol, atol, equal_nan);
        return true;
    }
    return false;
}

TEST(comparisons_against_pytorch) {
    int ran = pw_run_cases(run_compare, __FILE__, __LINE__);
    CHECK(ran > 1000);
}

TEST(scalar_comparisons_wrap_like_pytorch) {
    CT_SCOPE {
        ct_tensor *u = ct_from_values((uint8_t[]){0, 1, 255}, 3, CT_U8, CT_SHAPE(3));
        CHECK_VALUES(ct_lt_scalar(u, -1), 0, 1, 1, 0); /* -1 is 255 as uint8 */
        CHECK_VALUES(ct_eq_scalar(u, 1.0), 0, 0, 1, 0);
        CHECK_VALUES(ct_gt_scalar(u, 0.5), 0, 0, 1, 1);
        ct_tensor *r = ct_ne_scalar(u, 1);
        CHECK_EQ_INT(ct_dtype_of(r), CT_BOOL);
    }
}

TEST(equal_and_allclose_return_c_bools) {
    CT_SCOPE {
        ct_tensor *a = ct_from_floats(CT_SHAPE(2), 1, NAN);
        ct_tensor *b = ct_from_doubles(CT_SHAPE(2), 1, NAN);
        CHECK(!ct_equal(a, b)); /* NaN is never equal */
        CHECK(ct_allclose(a, a, 1e-5, 1e-8, true));
        CHECK(!ct_allclose(a, a, 1e-5, 1e-8, false));
        ct_clear_error();
        CHECK(!ct_equal(NULL, a));
        CHECK_ERROR("argument 'input' is NULL");
        CHECK(!ct_allclose(a, b, 1e-5, 1e-8, false));
        CHECK_ERROR("ct_allclose: Float did not match Double");
        CHECK_FAILS(ct_isclose(a, NULL, 1e-5, 1e-8, false), "argument 'other' is NULL");
        CHECK_FAILS(ct_eq(a, NULL), "argument 'other' is NULL");
        CHECK_FAILS(ct_logical_not(NULL), "argument 'input' is NULL");
    }
}
