/*
 * src/ops/ternary.c - elementwise ops of three tensors: where, lerp and clamp
 * with tensor bounds, with their scalar and in-place forms. All three inputs
 * broadcast together. Backward formulas will sit beside each forward here.
 */
#include "internal.h"

static const char *type_name(ct_dtype d) {
    static const char *const names[CT_NUM_DTYPES] = {"Undefined", "Float", "Double", "Int",
                                                     "Long",      "Byte",  "Bool"};
    return ct__dtype_valid(d) ? names[d] : "Undefined";
}

/* The C++ type names PyTorch's lerp prints ("expected dtype float ... got dtype long int"). */
static const char *cpp_type_name(ct_dtype d) {
    static const char *const names[CT_NUM_DTYPES] = {"Undefined", "float",         "double", "int",
                                                     "long int",  "unsigned char", "bool"};
    return ct__dtype_valid(d) ? names[d] : "Undefined";
}

/* bool < integer < floating: the categories of type promotion. */
static int category(ct_dtype d) { return ct_dtype_is_floating(d) ? 2 : d == CT_BOOL ? 0 : 1; }

/*
 * torch.result_type over n tensors (NULL entries skipped): tensors with dims
 * decide, 0-d tensors only lift the category (c10's ResultTypeState).
 */
static ct_dtype result_type(ct_tensor *const *ts, int n) {
    ct_dtype dim = CT_DTYPE_UNSET, zero = CT_DTYPE_UNSET;
    for (int i = 0; i < n; i++) {
        if (!ts[i]) continue;
        if (ts[i]->ndim > 0) dim = ct_promote_types(dim, ts[i]->dtype);
        else zero = ct_promote_types(zero, ts[i]->dtype);
    }
    if (dim == CT_DTYPE_UNSET) return zero;
    if (zero != CT_DTYPE_UNSET && category(zero) > category(dim)) return ct_promote_types(dim, zero);
    return dim;
}

/* The dtype of a Python number of this kind once wrapped into a tensor. */
static ct_dtype scalar_dtype(ct_scalar s) {
    return s.kind == CT_SCALAR_FLOAT ? ct_get_default_dtype()
           : s.kind == CT_SCALAR_INT ? CT_I64
                                     : CT_BOOL;
}

/* PyTorch's checked Scalar::to<T>(): false and its error when s does not fit d. */
static bool scalar_fits(ct_scalar s, ct_dtype d, const char *fn) {
    if (d == CT_I64 || d == CT_F64 || d == CT_BOOL) return true; /* every scalar fits */
    return ct__check_value_fits(ct_scalar_to_double(s), d, fn);
}

/* ----------------------------------------------------------------- where */

/* cond is bool, or uint8 as PyTorch 1.13 still accepts (deprecated there). */
static ct_tensor *where(const char *fn, ct_tensor *cond, ct_tensor *a, ct_tensor *b,
                        ct_dtype out) {
    if (cond->dtype != CT_BOOL && cond->dtype != CT_U8) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "where expected condition to be a boolean tensor, but got a tensor with dtype %s",
                  type_name(cond->dtype));
        return NULL;
    }
    return ct__ternary(fn, CT_TOP_WHERE, NULL, cond, a, b, out, true);
}

ct_tensor *ct_where(ct_tensor *cond, ct_tensor *a, ct_tensor *b) {
    const char *fn = "ct_where";
    CT_CHECK_ARG(cond, fn, "condition");
    CT_CHECK_ARG(a, fn, "input");
    CT_CHECK_ARG(b, fn, "other");
    return where(fn, cond, a, b, ct_result_type(a, b));
}

ct_tensor *ct_where_sc_self(ct_tensor *cond, ct_scalar a, ct_tensor *b) {
    const char *fn = "ct_where";
    CT_CHECK_ARG(cond, fn, "condition");
    CT_CHECK_ARG(b, fn, "other");
    ct_dtype out = ct_result_type_scalar(b, a);
    if (!scalar_fits(a, out, fn)) return NULL;
    ct_scalar_holder h;
    return where(fn, cond, ct__scalar_holder(&h, a, out), b, out);
}

ct_tensor *ct_where_sc_other(ct_tensor *cond, ct_tensor *a, ct_scalar b) {
    const char *fn = "ct_where";
    CT_CHECK_ARG(cond, fn, "condition");
    CT_CHECK_ARG(a, fn, "input");
    ct_dtype out = ct_result_type_scalar(a, b);
    if (!scalar_fits(b, out, fn)) return NULL;
    ct_scalar_holder h;
    return where(fn, cond, a, ct__scalar_holder(&h, b, out), out);
}

ct_tensor *ct_where_sc(ct_tensor *cond, ct_scalar a, ct_scalar b) {
    const char *fn = "ct_where";
    CT_CHECK_ARG(cond, fn, "condition");
    ct_dtype out = ct_promote_types(scalar_dtype(a), scalar_dtype(b));
    ct_scalar_holder ha, hb;
    return where(fn, cond, ct__scalar_holder(&ha, a, out), ct__scalar_holder(&hb, b, out), out);
}

/* ------------------------------------------------------------------ lerp */

/* PyTorch's checks, in its order: end's dtype, weight's dtype, then floating only. */
static ct_tensor *lerp(const char *fn, ct_tensor *dst, ct_tensor *start, ct_tensor *end,
                       ct_tensor *weight, bool scalar_weight) {
    ct_dtype d = start->dtype;
    if (end->dtype != d || (!scalar_weight && weight->dtype != d)) {
        bool bad_end = end->dtype != d;
        ct__error(CT_ERR_RUNTIME, fn, "expected dtype %s for `%s` but got dtype %s",
                  cpp_type_name(d), bad_end ? "end" : "weight",
                  cpp_type_name(bad_end ? end->dtype : weight->dtype));
        return NULL;
    }
    if (!ct_dtype_is_floating(d)) {
        ct__error(CT_ERR_TYPE, fn, "\"%s\" not implemented for '%s'",
                  scalar_weight ? "lerp_kernel_scalar" : "lerp_kernel_tensor", type_name(d));
        return NULL;
    }
    return ct__ternary(fn, CT_TOP_LERP, dst, start, end, weight, d, false);
}

ct_tensor *ct_lerp(ct_tensor *start, ct_tensor *end, ct_tensor *weight) {
    const char *fn = "ct_lerp";
    CT_CHECK_ARG(start, fn, "input");
    CT_CHECK_ARG(end, fn, "end");
    CT_CHECK_ARG(weight, fn, "weight");
    return lerp(fn, NULL, start, end, weight, false);
}

ct_tensor *ct_lerp_(ct_tensor *start, ct_tensor *end, ct_tensor *weight) {
    const char *fn = "ct_lerp_";
    CT_CHECK_ARG(start, fn, "input");
    CT_CHECK_ARG(end, fn, "end");
    CT_CHECK_ARG(weight, fn, "weight");
    return lerp(fn, start, start, end, weight, false);
}

/* The number weight rides along as a 0-d tensor of start's dtype. */
static ct_tensor *lerp_sc(const char *fn, ct_tensor *dst, ct_tensor *start, ct_tensor *end,
                          ct_scalar weight) {
    CT_CHECK_ARG(start, fn, "input");
    CT_CHECK_ARG(end, fn, "end");
    if (ct_dtype_is_floating(start->dtype) && !scalar_fits(weight, start->dtype, fn)) return NULL;
    ct_scalar_holder h;
    ct_tensor *w = ct__scalar_holder(&h, weight, start->dtype);
    return lerp(fn, dst, start, end, w, true);
}

ct_tensor *ct_lerp_sc(ct_tensor *start, ct_tensor *end, ct_scalar weight) {
    return lerp_sc("ct_lerp", NULL, start, end, weight);
}

ct_tensor *ct_lerp_sc_(ct_tensor *start, ct_tensor *end, ct_scalar weight) {
    return lerp_sc("ct_lerp_", start, start, end, weight);
}

/* ------------------------------------------------------ clamp by tensors */

/*
 * One bound is PyTorch's clamp_min / clamp_max, i.e. maximum / minimum (bool
 * allowed); two bounds run the clamp kernel in result_type(t, min, max).
 */
static ct_tensor *clamp_tensor(const char *fn, ct_tensor *dst, ct_tensor *t, ct_tensor *lo,
                               ct_tensor *hi) {
    CT_CHECK_ARG(t, fn, "input");
    if (!lo && !hi) {
        ct__error(CT_ERR_RUNTIME, fn, "At least one of 'min' or 'max' must not be None");
        return NULL;
    }
    if (!lo || !hi) {
        ct_binary_call c = {.fn = fn, .op = lo ? CT_BOP_MAXIMUM : CT_BOP_MINIMUM,
                            .rule = CT_OUT_SAME};
        return ct__binary(&c, dst, t, lo ? lo : hi, CT_DTYPE_UNSET);
    }
    ct_tensor *all[3] = {t, lo, hi};
    return ct__ternary(fn, CT_TOP_CLAMP, dst, t, lo, hi, result_type(all, 3),
                       false);
}

ct_tensor *ct_clamp_tensor(ct_tensor *t, ct_tensor *min, ct_tensor *max) {
    return clamp_tensor("ct_clamp", NULL, t, min, max);
}

ct_tensor *ct_clamp_tensor_(ct_tensor *t, ct_tensor *min, ct_tensor *max) {
    return clamp_tensor("ct_clamp_", t, t, min, max);
}
