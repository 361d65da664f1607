/*
 * src/ops/binary.c - arithmetic between two tensors or a tensor and a scalar:
 * add, sub, mul, div (with rounding modes), remainder, fmod, pow, maximum,
 * minimum, in their out-of-place, in-place, scalar and `_out` forms.
 * Backward formulas will sit beside each forward here (autograd issue).
 */
#include "internal.h"

#define CALL(name_, op_, rule_) ((ct_binary_call){.fn = (name_), .op = (op_), .rule = (rule_)})

/* PyTorch rejects subtraction involving bool tensors: say what to use instead. */
static bool reject_bool_sub(const char *fn, const ct_tensor *a, const ct_tensor *b) {
    bool ba = a && a->dtype == CT_BOOL, bb = b && b->dtype == CT_BOOL;
    if (ba && bb) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Subtraction, the `-` operator, with two bool tensors is not supported. Use the "
                  "`^` or `logical_xor()` operator instead.");
        return true;
    }
    if (ba || bb) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                  "trying to invert a mask, use the `~` or `logical_not()` operator instead.");
        return true;
    }
    return false;
}

/* Python numbers count as tensors here: True - x is a bool subtraction too. */
static bool reject_bool_sub_sc(const char *fn, const ct_tensor *a, ct_scalar s) {
    ct_tensor fake = {0};
    fake.dtype = CT_BOOL;
    return reject_bool_sub(fn, a, s.kind == CT_SCALAR_BOOL ? &fake : NULL);
}

static ct_tensor *bin(const char *fn, ct_binary_op op, ct_out_rule rule, ct_tensor *dst,
                      ct_tensor *a, ct_tensor *b) {
    ct_binary_call c = CALL(fn, op, rule);
    return ct__binary(&c, dst, a, b, CT_DTYPE_UNSET);
}

static ct_tensor *bin_sc(const char *fn, ct_binary_op op, ct_out_rule rule, ct_tensor *dst,
                         ct_tensor *a, ct_scalar s, bool scalar_first) {
    ct_binary_call c = CALL(fn, op, rule);
    return ct__binary_scalar(&c, dst, a, s, scalar_first);
}

/* alpha must fit the result: no float alpha for integer results (PyTorch's rule). */
static ct_tensor *bin_alpha(const char *fn, ct_binary_op op, ct_tensor *dst, ct_tensor *a,
                            ct_tensor *b, ct_scalar alpha) {
    CT_CHECK_ARG(a, fn, "input");
    CT_CHECK_ARG(b, fn, "other");
    ct_dtype r = ct_result_type(a, b);
    if (alpha.kind == CT_SCALAR_FLOAT && !ct_dtype_is_floating(r)) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "For integral input tensors, argument alpha must not be a floating point number.");
        return NULL;
    }
    if (alpha.kind == CT_SCALAR_BOOL && r != CT_BOOL) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Boolean alpha only supported for Boolean results.");
        return NULL;
    }
    ct_binary_call c = CALL(fn, op, CT_OUT_SAME);
    c.ctx.alpha_f = ct_scalar_to_double(alpha);
    c.ctx.alpha_i = alpha.kind == CT_SCALAR_FLOAT ? (int64_t)alpha.v.f : alpha.v.i;
    return ct__binary(&c, dst, a, b, CT_DTYPE_UNSET);
}

/* ----------------------------------------------------------------- tensors */

ct_tensor *ct_add(ct_tensor *a, ct_tensor *b) { return bin("ct_add", CT_BOP_ADD, CT_OUT_SAME, NULL, a, b); }

ct_tensor *ct_sub(ct_tensor *a, ct_tensor *b) {
    if (reject_bool_sub("ct_sub", a, b)) return NULL;
    return bin("ct_sub", CT_BOP_SUB, CT_OUT_SAME, NULL, a, b);
}

ct_tensor *ct_mul(ct_tensor *a, ct_tensor *b) { return bin("ct_mul", CT_BOP_MUL, CT_OUT_SAME, NULL, a, b); }

ct_tensor *ct_div(ct_tensor *a, ct_tensor *b) { return bin("ct_div", CT_BOP_DIV, CT_OUT_TO_FLOAT, NULL, a, b); }

ct_tensor *ct_div_mode(ct_tensor *a, ct_tensor *b, ct_rounding mode) {
    switch (mode) {
    case CT_ROUND_TRUNC: return bin("ct_div", CT_BOP_DIV_TRUNC, CT_OUT_SAME, NULL, a, b);
    case CT_ROUND_FLOOR: return bin("ct_div", CT_BOP_DIV_FLOOR, CT_OUT_SAME, NULL, a, b);
    default: return ct_div(a, b);
    }
}

ct_tensor *ct_remainder(ct_tensor *a, ct_tensor *b) {
    return bin("ct_remainder", CT_BOP_REMAINDER, CT_OUT_SAME, NULL, a, b);
}

ct_tensor *ct_fmod(ct_tensor *a, ct_tensor *b) { return bin("ct_fmod", CT_BOP_FMOD, CT_OUT_SAME, NULL, a, b); }

ct_tensor *ct_pow(ct_tensor *a, ct_tensor *b) { return bin("ct_pow", CT_BOP_POW, CT_OUT_SAME, NULL, a, b); }

ct_tensor *ct_maximum(ct_tensor *a, ct_tensor *b) {
    return bin("ct_maximum", CT_BOP_MAXIMUM, CT_OUT_SAME, NULL, a, b);
}

ct_tensor *ct_minimum(ct_tensor *a, ct_tensor *b) {
    return bin("ct_minimum", CT_BOP_MINIMUM, CT_OUT_SAME, NULL, a, b);
}

ct_tensor *ct_add_alpha_sc(ct_tensor *a, ct_tensor *b, ct_scalar alpha) {
    return bin_alpha("ct_add", CT_BOP_ADD_ALPHA, NULL, a, b, alpha);
}

ct_tensor *ct_sub_alpha_sc(ct_tensor *a, ct_tensor *b, ct_scalar alpha) {
    if (reject_bool_sub("ct_sub", a, b)) return NULL;
    return bin_alpha("ct_sub", CT_BOP_SUB_ALPHA, NULL, a, b, alpha);
}

/* ----------------------------------------------------------------- scalars */

/* PyTorch gives integer pow a negative integer exponent no meaning. */
static bool reject_negative_int_pow(const char *fn, const ct_tensor *a, ct_scalar s) {
    if (a && ct_dtype_is_integral(a->dtype, true) && s.kind == CT_SCALAR_INT && s.v.i < 0) {
        ct__error(CT_ERR_RUNTIME, fn, "Integers to negative integer powers are not allowed.");
        return true;
    }
    return false;
}

ct_tensor *ct_add_sc(ct_tensor *a, ct_scalar s) { return bin_sc("ct_add", CT_BOP_ADD, CT_OUT_SAME, NULL, a, s, false); }
ct_tensor *ct_sub_sc(ct_tensor *a, ct_scalar s) {
    if (reject_bool_sub_sc("ct_sub", a, s)) return NULL;
    return bin_sc("ct_sub", CT_BOP_SUB, CT_OUT_SAME, NULL, a, s, false);
}
ct_tensor *ct_mul_sc(ct_tensor *a, ct_scalar s) { return bin_sc("ct_mul", CT_BOP_MUL, CT_OUT_SAME, NULL, a, s, false); }
ct_tensor *ct_div_sc(ct_tensor *a, ct_scalar s) { return bin_sc("ct_div", CT_BOP_DIV, CT_OUT_TO_FLOAT, NULL, a, s, false); }
ct_tensor *ct_remainder_sc(ct_tensor *a, ct_scalar s) {
    return bin_sc("ct_remainder", CT_BOP_REMAINDER, CT_OUT_SAME, NULL, a, s, false);
}
ct_tensor *ct_fmod_sc(ct_tensor *a, ct_scalar s) { return bin_sc("ct_fmod", CT_BOP_FMOD, CT_OUT_SAME, NULL, a, s, false); }
ct_tensor *ct_pow_sc(ct_tensor *a, ct_scalar s) {
    if (reject_negative_int_pow("ct_pow", a, s)) return NULL;
    return bin_sc("ct_pow", CT_BOP_POW, CT_OUT_SAME, NULL, a, s, false);
}
ct_tensor *ct_rsub_sc(ct_tensor *a, ct_scalar s) {
    if (reject_bool_sub_sc("ct_rsub", a, s)) return NULL;
    return bin_sc("ct_rsub", CT_BOP_SUB, CT_OUT_SAME, NULL, a, s, true);
}
ct_tensor *ct_rdiv_sc(ct_tensor *a, ct_scalar s) { return bin_sc("ct_div", CT_BOP_DIV, CT_OUT_TO_FLOAT, NULL, a, s, true); }
ct_tensor *ct_rpow_sc(ct_tensor *a, ct_scalar base) { return bin_sc("ct_pow", CT_BOP_POW, CT_OUT_SAME, NULL, a, base, true); }

/* ---------------------------------------------------------------- in place */

ct_tensor *ct_add_(ct_tensor *a, ct_tensor *b) { return bin("ct_add_", CT_BOP_ADD, CT_OUT_SAME, a, a, b); }
ct_tensor *ct_sub_(ct_tensor *a, ct_tensor *b) {
    if (reject_bool_sub("ct_sub_", a, b)) return NULL;
    return bin("ct_sub_", CT_BOP_SUB, CT_OUT_SAME, a, a, b);
}
ct_tensor *ct_mul_(ct_tensor *a, ct_tensor *b) { return bin("ct_mul_", CT_BOP_MUL, CT_OUT_SAME, a, a, b); }
ct_tensor *ct_div_(ct_tensor *a, ct_tensor *b) { return bin("ct_div_", CT_BOP_DIV, CT_OUT_TO_FLOAT, a, a, b); }
ct_tensor *ct_pow_(ct_tensor *a, ct_tensor *b) { return bin("ct_pow_", CT_BOP_POW, CT_OUT_SAME, a, a, b); }
ct_tensor *ct_add_alpha_sc_(ct_tensor *a, ct_tensor *b, ct_scalar alpha) {
    return bin_alpha("ct_add_", CT_BOP_ADD_ALPHA, a, a, b, alpha);
}
ct_tensor *ct_add_sc_(ct_tensor *a, ct_scalar s) { return bin_sc("ct_add_", CT_BOP_ADD, CT_OUT_SAME, a, a, s, false); }
ct_tensor *ct_sub_sc_(ct_tensor *a, ct_scalar s) {
    if (reject_bool_sub_sc("ct_sub_", a, s)) return NULL;
    return bin_sc("ct_sub_", CT_BOP_SUB, CT_OUT_SAME, a, a, s, false);
}
ct_tensor *ct_mul_sc_(ct_tensor *a, ct_scalar s) { return bin_sc("ct_mul_", CT_BOP_MUL, CT_OUT_SAME, a, a, s, false); }
ct_tensor *ct_div_sc_(ct_tensor *a, ct_scalar s) { return bin_sc("ct_div_", CT_BOP_DIV, CT_OUT_TO_FLOAT, a, a, s, false); }
ct_tensor *ct_pow_sc_(ct_tensor *a, ct_scalar s) {
    if (reject_negative_int_pow("ct_pow_", a, s)) return NULL;
    return bin_sc("ct_pow_", CT_BOP_POW, CT_OUT_SAME, a, a, s, false);
}

/* --------------------------------------------------------------------- out */

static ct_tensor *bin_out(const char *fn, ct_binary_op op, ct_out_rule rule, ct_tensor *out,
                          ct_tensor *a, ct_tensor *b) {
    CT_CHECK_ARG(out, fn, "out");
    return bin(fn, op, rule, out, a, b);
}

ct_tensor *ct_add_out(ct_tensor *out, ct_tensor *a, ct_tensor *b) { return bin_out("ct_add_out", CT_BOP_ADD, CT_OUT_SAME, out, a, b); }
ct_tensor *ct_sub_out(ct_tensor *out, ct_tensor *a, ct_tensor *b) {
    if (reject_bool_sub("ct_sub_out", a, b)) return NULL;
    return bin_out("ct_sub_out", CT_BOP_SUB, CT_OUT_SAME, out, a, b);
}
ct_tensor *ct_mul_out(ct_tensor *out, ct_tensor *a, ct_tensor *b) { return bin_out("ct_mul_out", CT_BOP_MUL, CT_OUT_SAME, out, a, b); }
ct_tensor *ct_div_out(ct_tensor *out, ct_tensor *a, ct_tensor *b) { return bin_out("ct_div_out", CT_BOP_DIV, CT_OUT_TO_FLOAT, out, a, b); }
