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

#ifdef __cplusplus
}
#endif
#endif
