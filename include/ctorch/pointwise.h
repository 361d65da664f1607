/*
 * ctorch/pointwise.h - elementwise math with broadcasting and type promotion.
 *
 * Conventions (the same in every op header):
 *   - Inputs broadcast against each other as in PyTorch; the result dtype is
 *     ct_result_type(a, b) (int + float -> float, 0-d tensors only lift the
 *     category, ...), except where an op says otherwise.
 *   - Scalars: every binary op has a `_scalar` form taking a C number, whose
 *     kind follows its C type like a Python number: ct_mul_scalar(x, 2) is an
 *     int, ct_mul_scalar(x, 2.0) a float (so int tensor * 2.0 -> float). The
 *     macros wrap the number with CT_SCALAR; the `_sc` functions take a ct_scalar.
 *   - Out-of-place ops return a new tensor (a new reference; see memory.h).
 *   - In-place ops end in '_', write into their first argument, bump its version
 *     counter, and return it (not a new reference). The result must fit the
 *     argument's shape and dtype, as in PyTorch ("result type Float can't be cast
 *     to the desired output type Long").
 *   - `_out` forms write into a given output of the right shape and dtype.
 */
#ifndef CTORCH_POINTWISE_H
#define CTORCH_POINTWISE_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ arithmetic */

/** a + b. */
ct_tensor *ct_add(ct_tensor *a, ct_tensor *b);
/** a - b (bool - bool is an error, as in PyTorch). */
ct_tensor *ct_sub(ct_tensor *a, ct_tensor *b);
/** a * b. */
ct_tensor *ct_mul(ct_tensor *a, ct_tensor *b);
/** a / b, true division: integers give the default float dtype. */
ct_tensor *ct_div(ct_tensor *a, ct_tensor *b);

/** Rounding of ct_div_mode: none (true division), toward zero, or toward -inf. */
typedef enum ct_rounding { CT_ROUND_NONE = 0, CT_ROUND_TRUNC, CT_ROUND_FLOOR } ct_rounding;
/** torch.div(a, b, rounding_mode=...): "trunc" or "floor" keep integer dtypes. */
ct_tensor *ct_div_mode(ct_tensor *a, ct_tensor *b, ct_rounding mode);
/** torch.remainder: result has the sign of b (Python's %). */
ct_tensor *ct_remainder(ct_tensor *a, ct_tensor *b);
/** torch.fmod: result has the sign of a (C's fmod). */
ct_tensor *ct_fmod(ct_tensor *a, ct_tensor *b);
/** torch.pow(a, b) for two tensors. */
ct_tensor *ct_pow(ct_tensor *a, ct_tensor *b);
/** torch.maximum / torch.minimum: elementwise, NaN propagates. */
ct_tensor *ct_maximum(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_minimum(ct_tensor *a, ct_tensor *b);

/** torch.add(a, b, alpha=alpha): a + alpha * b. */
ct_tensor *ct_add_alpha_sc(ct_tensor *a, ct_tensor *b, ct_scalar alpha);
/** torch.sub(a, b, alpha=alpha): a - alpha * b. */
ct_tensor *ct_sub_alpha_sc(ct_tensor *a, ct_tensor *b, ct_scalar alpha);
#define ct_add_alpha(a, b, alpha) ct_add_alpha_sc((a), (b), CT_SCALAR(alpha))
#define ct_sub_alpha(a, b, alpha) ct_sub_alpha_sc((a), (b), CT_SCALAR(alpha))

/** Tensor-scalar forms: a + s, a - s, a * s, a / s, ... */
ct_tensor *ct_add_sc(ct_tensor *a, ct_scalar s);
ct_tensor *ct_sub_sc(ct_tensor *a, ct_scalar s);
ct_tensor *ct_mul_sc(ct_tensor *a, ct_scalar s);
ct_tensor *ct_div_sc(ct_tensor *a, ct_scalar s);
ct_tensor *ct_remainder_sc(ct_tensor *a, ct_scalar s);
ct_tensor *ct_fmod_sc(ct_tensor *a, ct_scalar s);
ct_tensor *ct_pow_sc(ct_tensor *a, ct_scalar exponent);
/** s - a (torch.rsub) and s / a, s ** a: scalar on the left. */
ct_tensor *ct_rsub_sc(ct_tensor *a, ct_scalar s);
ct_tensor *ct_rdiv_sc(ct_tensor *a, ct_scalar s);
ct_tensor *ct_rpow_sc(ct_tensor *a, ct_scalar base);
#define ct_add_scalar(a, s) ct_add_sc((a), CT_SCALAR(s))
#define ct_sub_scalar(a, s) ct_sub_sc((a), CT_SCALAR(s))
#define ct_mul_scalar(a, s) ct_mul_sc((a), CT_SCALAR(s))
#define ct_div_scalar(a, s) ct_div_sc((a), CT_SCALAR(s))
#define ct_remainder_scalar(a, s) ct_remainder_sc((a), CT_SCALAR(s))
#define ct_fmod_scalar(a, s) ct_fmod_sc((a), CT_SCALAR(s))
#define ct_pow_scalar(a, s) ct_pow_sc((a), CT_SCALAR(s))
#define ct_rsub_scalar(a, s) ct_rsub_sc((a), CT_SCALAR(s))
#define ct_rdiv_scalar(a, s) ct_rdiv_sc((a), CT_SCALAR(s))
/** torch.pow(base, a) with a scalar base. */
#define ct_scalar_pow(base, a) ct_rpow_sc((a), CT_SCALAR(base))

/** In place: a += b, a -= b, a *= b, a /= b (b broadcast to a's shape). Return a. */
ct_tensor *ct_add_(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_sub_(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_mul_(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_div_(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_pow_(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_add_alpha_sc_(ct_tensor *a, ct_tensor *b, ct_scalar alpha);
ct_tensor *ct_add_sc_(ct_tensor *a, ct_scalar s);
ct_tensor *ct_sub_sc_(ct_tensor *a, ct_scalar s);
ct_tensor *ct_mul_sc_(ct_tensor *a, ct_scalar s);
ct_tensor *ct_div_sc_(ct_tensor *a, ct_scalar s);
ct_tensor *ct_pow_sc_(ct_tensor *a, ct_scalar s);
#define ct_add_alpha_(a, b, alpha) ct_add_alpha_sc_((a), (b), CT_SCALAR(alpha))
#define ct_add_scalar_(a, s) ct_add_sc_((a), CT_SCALAR(s))
#define ct_sub_scalar_(a, s) ct_sub_sc_((a), CT_SCALAR(s))
#define ct_mul_scalar_(a, s) ct_mul_sc_((a), CT_SCALAR(s))
#define ct_div_scalar_(a, s) ct_div_sc_((a), CT_SCALAR(s))
#define ct_pow_scalar_(a, s) ct_pow_sc_((a), CT_SCALAR(s))

/** out = a + b, written into an existing tensor of the broadcast shape. Returns out. */
ct_tensor *ct_add_out(ct_tensor *out, ct_tensor *a, ct_tensor *b);
ct_tensor *ct_sub_out(ct_tensor *out, ct_tensor *a, ct_tensor *b);
ct_tensor *ct_mul_out(ct_tensor *out, ct_tensor *a, ct_tensor *b);
ct_tensor *ct_div_out(ct_tensor *out, ct_tensor *a, ct_tensor *b);

/* ------------------------------------------------------------ unary math */

/*
 * One function per torch function, plus an in-place form ending in '_' that
 * writes into t, bumps its version counter and returns t.
 * Result dtypes follow PyTorch:
 *   - float functions (sqrt, rsqrt, exp, exp2, log, log2, log10, log1p, expm1,
 *     sin, cos, tan, tanh, sigmoid, reciprocal) turn integer and bool inputs
 *     into the default float dtype; their in-place forms on integer tensors fail
 *     ("result type Float can't be cast to the desired output type Long");
 *   - neg, abs, sign, relu, floor, ceil, trunc, round, square keep integer
 *     dtypes (floor/ceil/trunc/round of an integer is the integer itself);
 *   - neg and abs of bool, relu, floor, ceil, trunc, round of bool and frac of
 *     any integer are errors, as in PyTorch; sign of bool is the bool; square of
 *     bool is int64 (ct_square_ of bool fails).
 */
ct_tensor *ct_neg(ct_tensor *t);        /**< -t */
ct_tensor *ct_abs(ct_tensor *t);        /**< |t| (integer minimum stays as is, like PyTorch) */
ct_tensor *ct_sign(ct_tensor *t);       /**< -1, 0 or 1; NaN gives 0 */
ct_tensor *ct_sqrt(ct_tensor *t);       /**< square root; NaN below 0 */
ct_tensor *ct_rsqrt(ct_tensor *t);      /**< 1 / sqrt(t) */
ct_tensor *ct_exp(ct_tensor *t);        /**< e^t */
ct_tensor *ct_exp2(ct_tensor *t);       /**< 2^t */
ct_tensor *ct_log(ct_tensor *t);        /**< natural logarithm */
ct_tensor *ct_log2(ct_tensor *t);       /**< base-2 logarithm */
ct_tensor *ct_log10(ct_tensor *t);      /**< base-10 logarithm */
ct_tensor *ct_log1p(ct_tensor *t);      /**< log(1 + t), accurate near 0 */
ct_tensor *ct_expm1(ct_tensor *t);      /**< e^t - 1, accurate near 0 */
ct_tensor *ct_sin(ct_tensor *t);        /**< sine (radians) */
ct_tensor *ct_cos(ct_tensor *t);        /**< cosine */
ct_tensor *ct_tan(ct_tensor *t);        /**< tangent */
ct_tensor *ct_tanh(ct_tensor *t);       /**< hyperbolic tangent */
ct_tensor *ct_sigmoid(ct_tensor *t);    /**< 1 / (1 + e^-t) */
ct_tensor *ct_relu(ct_tensor *t);       /**< max(t, 0); NaN stays NaN */
ct_tensor *ct_floor(ct_tensor *t);      /**< round toward -inf */
ct_tensor *ct_ceil(ct_tensor *t);       /**< round toward +inf */
ct_tensor *ct_trunc(ct_tensor *t);      /**< round toward 0 */
ct_tensor *ct_frac(ct_tensor *t);       /**< t - trunc(t) (floating only) */
ct_tensor *ct_round(ct_tensor *t);      /**< round half to even, like torch.round */
ct_tensor *ct_reciprocal(ct_tensor *t); /**< 1 / t */
ct_tensor *ct_square(ct_tensor *t);     /**< t * t */

ct_tensor *ct_neg_(ct_tensor *t);
ct_tensor *ct_abs_(ct_tensor *t);
ct_tensor *ct_sign_(ct_tensor *t);
ct_tensor *ct_sqrt_(ct_tensor *t);
ct_tensor *ct_rsqrt_(ct_tensor *t);
ct_tensor *ct_exp_(ct_tensor *t);
ct_tensor *ct_exp2_(ct_tensor *t);
ct_tensor *ct_log_(ct_tensor *t);
ct_tensor *ct_log2_(ct_tensor *t);
ct_tensor *ct_log10_(ct_tensor *t);
ct_tensor *ct_log1p_(ct_tensor *t);
ct_tensor *ct_expm1_(ct_tensor *t);
ct_tensor *ct_sin_(ct_tensor *t);
ct_tensor *ct_cos_(ct_tensor *t);
ct_tensor *ct_tan_(ct_tensor *t);
ct_tensor *ct_tanh_(ct_tensor *t);
ct_tensor *ct_sigmoid_(ct_tensor *t);
ct_tensor *ct_relu_(ct_tensor *t);
ct_tensor *ct_floor_(ct_tensor *t);
ct_tensor *ct_ceil_(ct_tensor *t);
ct_tensor *ct_trunc_(ct_tensor *t);
ct_tensor *ct_frac_(ct_tensor *t);
ct_tensor *ct_round_(ct_tensor *t);
ct_tensor *ct_reciprocal_(ct_tensor *t);
ct_tensor *ct_square_(ct_tensor *t);

/* ----------------------------------------------------------------- clamp */

/**
 * torch.clamp(t, min, max) with number bounds: min(max(t, min), max). The
 * result dtype is torch.result_type(t, min, max), so float bounds turn an
 * integer tensor into the default float dtype and int bounds turn bool into
 * int64; a bound that does not fit that dtype is an error ("value cannot be
 * converted to type uint8_t without overflow"). NaN in t stays NaN; a NaN
 * bound makes every element NaN; min > max gives max everywhere.
 * ct_clamp(x, -1.0, 1.0); ct_clamp_min(x, 0); ct_clamp_max(x, 6.0).
 */
ct_tensor *ct_clamp_sc(ct_tensor *t, ct_scalar min, ct_scalar max);
/** torch.clamp_min(t, min): max(t, min); a NaN min gives NaN everywhere, like torch.clamp_min. */
ct_tensor *ct_clamp_min_sc(ct_tensor *t, ct_scalar min);
/** torch.clamp_max(t, max): min(t, max); a NaN max gives NaN everywhere. */
ct_tensor *ct_clamp_max_sc(ct_tensor *t, ct_scalar max);
/** In place: the result dtype must fit t's (PyTorch's wording: "... to the desired output type long int"). */
ct_tensor *ct_clamp_sc_(ct_tensor *t, ct_scalar min, ct_scalar max);
ct_tensor *ct_clamp_min_sc_(ct_tensor *t, ct_scalar min);
ct_tensor *ct_clamp_max_sc_(ct_tensor *t, ct_scalar max);
#define ct_clamp(t, min, max) ct_clamp_sc((t), CT_SCALAR(min), CT_SCALAR(max))
#define ct_clamp_min(t, min) ct_clamp_min_sc((t), CT_SCALAR(min))
#define ct_clamp_max(t, max) ct_clamp_max_sc((t), CT_SCALAR(max))
#define ct_clamp_(t, min, max) ct_clamp_sc_((t), CT_SCALAR(min), CT_SCALAR(max))
#define ct_clamp_min_(t, min) ct_clamp_min_sc_((t), CT_SCALAR(min))
#define ct_clamp_max_(t, max) ct_clamp_max_sc_((t), CT_SCALAR(max))

/**
 * torch.clamp(t, min, max) with tensor bounds; either bound may be NULL (not
 * both). t, min and max broadcast together and promote like torch.result_type
 * of all three. NaN in t or in a bound gives NaN there. bool works with one
 * bound only (PyTorch's rule).
 */
ct_tensor *ct_clamp_tensor(ct_tensor *t, ct_tensor *min, ct_tensor *max);
/** In place: the broadcast shape must be t's and the result dtype castable to t's. */
ct_tensor *ct_clamp_tensor_(ct_tensor *t, ct_tensor *min, ct_tensor *max);

/* ---------------------------------------------------- where, lerp, NaN/inf */

/**
 * torch.where(cond, a, b): a where cond is true, else b. cond must be bool
 * (uint8 is accepted, as PyTorch 1.13 still does with a deprecation warning:
 * any non-zero byte is true); all three broadcast together; the result dtype
 * is torch.result_type(a, b).
 */
ct_tensor *ct_where(ct_tensor *cond, ct_tensor *a, ct_tensor *b);
/** torch.where(cond, number, b): the number promotes like a Python scalar. */
ct_tensor *ct_where_sc_self(ct_tensor *cond, ct_scalar a, ct_tensor *b);
/** torch.where(cond, a, number). */
ct_tensor *ct_where_sc_other(ct_tensor *cond, ct_tensor *a, ct_scalar b);
/** torch.where(cond, number, number): int64, the default float, or bool. */
ct_tensor *ct_where_sc(ct_tensor *cond, ct_scalar a, ct_scalar b);
#define ct_where_scalar_self(cond, a, b) ct_where_sc_self((cond), CT_SCALAR(a), (b))
#define ct_where_scalar_other(cond, a, b) ct_where_sc_other((cond), (a), CT_SCALAR(b))
#define ct_where_scalar(cond, a, b) ct_where_sc((cond), CT_SCALAR(a), CT_SCALAR(b))

/**
 * torch.lerp(start, end, weight) = start + weight * (end - start), computed as
 * PyTorch does (one fused multiply-add from the nearer end: weight < 0.5 ?
 * start + weight*(end-start) : end - (end-start)*(1-weight)). start must be
 * floating; end and a tensor weight must have start's dtype exactly. All three
 * broadcast together.
 */
ct_tensor *ct_lerp(ct_tensor *start, ct_tensor *end, ct_tensor *weight);
/** torch.lerp with a number weight. */
ct_tensor *ct_lerp_sc(ct_tensor *start, ct_tensor *end, ct_scalar weight);
/** In place into start (the broadcast shape must be start's). */
ct_tensor *ct_lerp_(ct_tensor *start, ct_tensor *end, ct_tensor *weight);
ct_tensor *ct_lerp_sc_(ct_tensor *start, ct_tensor *end, ct_scalar weight);
#define ct_lerp_scalar(start, end, w) ct_lerp_sc((start), (end), CT_SCALAR(w))
#define ct_lerp_scalar_(start, end, w) ct_lerp_sc_((start), (end), CT_SCALAR(w))

/** torch.isnan / isinf / isfinite: bool tensors (integers are never NaN or inf). */
ct_tensor *ct_isnan(ct_tensor *t);
ct_tensor *ct_isinf(ct_tensor *t);
ct_tensor *ct_isfinite(ct_tensor *t);

/**
 * torch.nan_to_num(t): NaN -> 0, +inf -> the dtype's largest finite value,
 * -inf -> its lowest. Integer and bool tensors come back unchanged (a copy).
 */
ct_tensor *ct_nan_to_num(ct_tensor *t);
/**
 * torch.nan_to_num(t, nan, posinf, neginf): posinf / neginf may be NULL for
 * the defaults above, e.g. ct_nan_to_num_opt(x, 0.0, &(double){1e6}, NULL).
 */
ct_tensor *ct_nan_to_num_opt(ct_tensor *t, double nan, const double *posinf,
                             const double *neginf);
/** In place forms of the two above. */
ct_tensor *ct_nan_to_num_(ct_tensor *t);
ct_tensor *ct_nan_to_num_opt_(ct_tensor *t, double nan, const double *posinf,
                              const double *neginf);

/* ---------------------------------------------------- comparison and logic */

/**
 * Elementwise comparisons with broadcasting; the inputs promote as in
 * arithmetic (ct_result_type) and the result is bool. The `_scalar` forms
 * compare with a C number, which promotes like a Python number (so a uint8
 * tensor compared with -1 compares with 255, as in PyTorch).
 */
ct_tensor *ct_eq(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_ne(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_gt(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_ge(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_lt(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_le(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_eq_sc(ct_tensor *a, ct_scalar s);
ct_tensor *ct_ne_sc(ct_tensor *a, ct_scalar s);
ct_tensor *ct_gt_sc(ct_tensor *a, ct_scalar s);
ct_tensor *ct_ge_sc(ct_tensor *a, ct_scalar s);
ct_tensor *ct_lt_sc(ct_tensor *a, ct_scalar s);
ct_tensor *ct_le_sc(ct_tensor *a, ct_scalar s);
#define ct_eq_scalar(a, s) ct_eq_sc((a), CT_SCALAR(s))
#define ct_ne_scalar(a, s) ct_ne_sc((a), CT_SCALAR(s))
#define ct_gt_scalar(a, s) ct_gt_sc((a), CT_SCALAR(s))
#define ct_ge_scalar(a, s) ct_ge_sc((a), CT_SCALAR(s))
#define ct_lt_scalar(a, s) ct_lt_sc((a), CT_SCALAR(s))
#define ct_le_scalar(a, s) ct_le_sc((a), CT_SCALAR(s))

/** torch.logical_and / or / xor / not: non-zero (NaN included) is true; bool result. */
ct_tensor *ct_logical_and(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_logical_or(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_logical_xor(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_logical_not(ct_tensor *t);

/**
 * torch.equal(a, b): true when a and b have the same shape and equal values
 * (compared after promotion, so int 1 equals float 1.0, and NaN is never
 * equal). Not a tensor: a C bool. NULL arguments give false and an error.
 */
bool ct_equal(ct_tensor *a, ct_tensor *b);

/**
 * torch.isclose(a, b, rtol, atol, equal_nan): |a - b| <= atol + rtol * |b|
 * elementwise (broadcast), or a == b, or both NaN when equal_nan. a and b must
 * have the same dtype; rtol and atol must be >= 0. Integer inputs are compared
 * in the default float dtype, as PyTorch 1.13 does. PyTorch's defaults are
 * rtol = 1e-5, atol = 1e-8, equal_nan = false.
 */
ct_tensor *ct_isclose(ct_tensor *a, ct_tensor *b, double rtol, double atol, bool equal_nan);
/**
 * torch.allclose: true when ct_isclose holds everywhere. A C bool; false and
 * an error when the arguments are rejected.
 */
bool ct_allclose(ct_tensor *a, ct_tensor *b, double rtol, double atol, bool equal_nan);

#ifdef __cplusplus
}
#endif
#endif
