/*
 * src/ops/compare.c - comparisons and logic: eq, ne, gt, ge, lt, le (tensor
 * and scalar forms), logical_and/or/xor/not, equal, isclose, allclose. Every
 * tensor result is bool; none of these has a gradient.
 */
#include "internal.h"


static ct_tensor *cmp(const char *fn, ct_binary_op op, ct_tensor *a, ct_tensor *b) {
    ct_binary_call c = {.fn = fn, .op = op, .rule = CT_OUT_PREDICATE};
    return ct__binary(&c, NULL, a, b, CT_DTYPE_UNSET);
}

static ct_tensor *cmp_sc(const char *fn, ct_binary_op op, ct_tensor *a, ct_scalar s) {
    ct_binary_call c = {.fn = fn, .op = op, .rule = CT_OUT_PREDICATE};
    return ct__binary_scalar(&c, NULL, a, s, false);
}

/* ----------------------------------------------------------- comparisons */

ct_tensor *ct_eq(ct_tensor *a, ct_tensor *b) { return cmp("ct_eq", CT_BOP_EQ, a, b); }
ct_tensor *ct_ne(ct_tensor *a, ct_tensor *b) { return cmp("ct_ne", CT_BOP_NE, a, b); }
ct_tensor *ct_gt(ct_tensor *a, ct_tensor *b) { return cmp("ct_gt", CT_BOP_GT, a, b); }
ct_tensor *ct_ge(ct_tensor *a, ct_tensor *b) { return cmp("ct_ge", CT_BOP_GE, a, b); }
ct_tensor *ct_lt(ct_tensor *a, ct_tensor *b) { return cmp("ct_lt", CT_BOP_LT, a, b); }
ct_tensor *ct_le(ct_tensor *a, ct_tensor *b) { return cmp("ct_le", CT_BOP_LE, a, b); }

ct_tensor *ct_eq_sc(ct_tensor *a, ct_scalar s) { return cmp_sc("ct_eq", CT_BOP_EQ, a, s); }
ct_tensor *ct_ne_sc(ct_tensor *a, ct_scalar s) { return cmp_sc("ct_ne", CT_BOP_NE, a, s); }
ct_tensor *ct_gt_sc(ct_tensor *a, ct_scalar s) { return cmp_sc("ct_gt", CT_BOP_GT, a, s); }
ct_tensor *ct_ge_sc(ct_tensor *a, ct_scalar s) { return cmp_sc("ct_ge", CT_BOP_GE, a, s); }
ct_tensor *ct_lt_sc(ct_tensor *a, ct_scalar s) { return cmp_sc("ct_lt", CT_BOP_LT, a, s); }
ct_tensor *ct_le_sc(ct_tensor *a, ct_scalar s) { return cmp_sc("ct_le", CT_BOP_LE, a, s); }

/* ----------------------------------------------------------------- logic */

ct_tensor *ct_logical_and(ct_tensor *a, ct_tensor *b) {
    return cmp("ct_logical_and", CT_BOP_LOGICAL_AND, a, b);
}
ct_tensor *ct_logical_or(ct_tensor *a, ct_tensor *b) {
    return cmp("ct_logical_or", CT_BOP_LOGICAL_OR, a, b);
}
ct_tensor *ct_logical_xor(ct_tensor *a, ct_tensor *b) {
    return cmp("ct_logical_xor", CT_BOP_LOGICAL_XOR, a, b);
}
ct_tensor *ct_logical_not(ct_tensor *t) {
    CT_CHECK_ARG(t, "ct_logical_not", "input");
    return ct__unary("ct_logical_not", CT_UOP_LOGICAL_NOT, NULL, NULL, t, CT_BOOL);
}

/* ------------------------------------------------------- whole tensors */

/* True when every element of a bool tensor is true. */
static bool all_true(const ct_tensor *t) {
    const bool *p = ct__data(t); /* fresh results are contiguous */
    int64_t n = ct__numel(t->ndim, t->shape);
    for (int64_t i = 0; i < n; i++)
        if (!p[i]) return false;
    return true;
}

bool ct_equal(ct_tensor *a, ct_tensor *b) {
    const char *fn = "ct_equal";
    CT_CHECK_ARG_RET(a, fn, "input", false);
    CT_CHECK_ARG_RET(b, fn, "other", false);
    if (!ct__check_same_device(a, b, fn)) return false;
    if (a->ndim != b->ndim) return false;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return false;
    ct_tensor *eq = cmp(fn, CT_BOP_EQ, a, b);
    if (!eq) return false;
    bool r = all_true(eq);
    ct_free(eq);
    return r;
}

/*
 * PyTorch 1.13's isclose: same dtypes, non-negative tolerances; with both
 * tolerances zero it is plain equality (NaN == NaN when asked); otherwise the
 * closeness test runs in a's floating dtype, or the default float for integer
 * and bool inputs.
 */
static ct_tensor *isclose(const char *fn, ct_tensor *a, ct_tensor *b, double rtol, double atol,
                          bool equal_nan) {
    CT_CHECK_ARG(a, fn, "input");
    CT_CHECK_ARG(b, fn, "other");
    if (a->dtype != b->dtype) {
        ct__error(CT_ERR_RUNTIME, fn, "%s did not match %s", ct__scalar_type_name(a->dtype),
                  ct__scalar_type_name(b->dtype));
        return NULL;
    }
    if (!(rtol >= 0)) {
        ct__error(CT_ERR_RUNTIME, fn, "rtol must be greater than or equal to zero, but got %g", rtol);
        return NULL;
    }
    if (!(atol >= 0)) {
        ct__error(CT_ERR_RUNTIME, fn, "atol must be greater than or equal to zero, but got %g", atol);
        return NULL;
    }
    bool floating = ct_dtype_is_floating(a->dtype);
    if (!floating && rtol == 0 && atol == 0) return cmp(fn, CT_BOP_EQ, a, b);
    ct_binary_call c = {.fn = fn, .op = CT_BOP_ISCLOSE, .rule = CT_OUT_PREDICATE};
    c.ctx.rtol = rtol;
    c.ctx.atol = atol;
    c.ctx.equal_nan = equal_nan && floating;
    return ct__binary(&c, NULL, a, b, floating ? a->dtype : ct_get_default_dtype());
}

ct_tensor *ct_isclose(ct_tensor *a, ct_tensor *b, double rtol, double atol, bool equal_nan) {
    return isclose("ct_isclose", a, b, rtol, atol, equal_nan);
}

bool ct_allclose(ct_tensor *a, ct_tensor *b, double rtol, double atol, bool equal_nan) {
    ct_tensor *close = isclose("ct_allclose", a, b, rtol, atol, equal_nan);
    if (!close) return false;
    bool r = all_true(close);
    ct_free(close);
    return r;
}
