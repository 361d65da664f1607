/* tests/parity/ops_binary.c - parity adapters for include/ctorch/pointwise.h arithmetic. */
#include <string.h>

#include "parity.h"

PARITY_OP(add) { RET1(ct_add(A(0), A(1))); }
PARITY_OP(sub) { RET1(ct_sub(A(0), A(1))); }
PARITY_OP(mul) { RET1(ct_mul(A(0), A(1))); }
PARITY_OP(div) { RET1(ct_div(A(0), A(1))); }
PARITY_OP(div_mode) {
    ct_rounding m = !strcmp(S(2), "trunc") ? CT_ROUND_TRUNC : CT_ROUND_FLOOR;
    RET1(ct_div_mode(A(0), A(1), m));
}
PARITY_OP(remainder) { RET1(ct_remainder(A(0), A(1))); }
PARITY_OP(fmod) { RET1(ct_fmod(A(0), A(1))); }
PARITY_OP(pow) { RET1(ct_pow(A(0), A(1))); }
PARITY_OP(maximum) { RET1(ct_maximum(A(0), A(1))); }
PARITY_OP(minimum) { RET1(ct_minimum(A(0), A(1))); }
PARITY_OP(add_alpha) { RET1(ct_add_alpha_sc(A(0), A(1), parity_scalar(&args[2]))); }
PARITY_OP(sub_alpha) { RET1(ct_sub_alpha_sc(A(0), A(1), parity_scalar(&args[2]))); }

PARITY_OP(add_scalar) { RET1(ct_add_sc(A(0), parity_scalar(&args[1]))); }
PARITY_OP(sub_scalar) { RET1(ct_sub_sc(A(0), parity_scalar(&args[1]))); }
PARITY_OP(mul_scalar) { RET1(ct_mul_sc(A(0), parity_scalar(&args[1]))); }
PARITY_OP(div_scalar) { RET1(ct_div_sc(A(0), parity_scalar(&args[1]))); }
PARITY_OP(remainder_scalar) { RET1(ct_remainder_sc(A(0), parity_scalar(&args[1]))); }
PARITY_OP(fmod_scalar) { RET1(ct_fmod_sc(A(0), parity_scalar(&args[1]))); }
PARITY_OP(pow_scalar) { RET1(ct_pow_sc(A(0), parity_scalar(&args[1]))); }
PARITY_OP(rsub_scalar) { RET1(ct_rsub_sc(A(0), parity_scalar(&args[1]))); }
PARITY_OP(rpow_scalar) { RET1(ct_rpow_sc(A(0), parity_scalar(&args[1]))); }

INPLACE(add_, ct_add_(c, A(1)))
INPLACE(sub_, ct_sub_(c, A(1)))
INPLACE(mul_, ct_mul_(c, A(1)))
INPLACE(div_, ct_div_(c, A(1)))
INPLACE(add_scalar_, ct_add_sc_(c, parity_scalar(&args[1])))
INPLACE(mul_scalar_, ct_mul_sc_(c, parity_scalar(&args[1])))
