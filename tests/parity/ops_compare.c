/* tests/parity/ops_compare.c - parity adapters for comparisons and logic (include/ctorch/pointwise.h). */
#include "parity.h"

PARITY_OP(eq) { RET1(ct_eq(A(0), A(1))); }
PARITY_OP(ne) { RET1(ct_ne(A(0), A(1))); }
PARITY_OP(gt) { RET1(ct_gt(A(0), A(1))); }
PARITY_OP(ge) { RET1(ct_ge(A(0), A(1))); }
PARITY_OP(lt) { RET1(ct_lt(A(0), A(1))); }
PARITY_OP(le) { RET1(ct_le(A(0), A(1))); }
PARITY_OP(eq_scalar) { RET1(ct_eq_sc(A(0), parity_scalar(&args[1]))); }
PARITY_OP(ne_scalar) { RET1(ct_ne_sc(A(0), parity_scalar(&args[1]))); }
PARITY_OP(gt_scalar) { RET1(ct_gt_sc(A(0), parity_scalar(&args[1]))); }
PARITY_OP(ge_scalar) { RET1(ct_ge_sc(A(0), parity_scalar(&args[1]))); }
PARITY_OP(lt_scalar) { RET1(ct_lt_sc(A(0), parity_scalar(&args[1]))); }
PARITY_OP(le_scalar) { RET1(ct_le_sc(A(0), parity_scalar(&args[1]))); }
PARITY_OP(logical_and) { RET1(ct_logical_and(A(0), A(1))); }
PARITY_OP(logical_or) { RET1(ct_logical_or(A(0), A(1))); }
PARITY_OP(logical_xor) { RET1(ct_logical_xor(A(0), A(1))); }
PARITY_OP(logical_not) { RET1(ct_logical_not(A(0))); }
PARITY_OP(isclose) { RET1(ct_isclose(A(0), A(1), F(2), F(3), I(4))); }

/* The C bool results come back as 0-d bool tensors (torch's Python bool); a
 * false with an error raised is a rejected call. */
static int bool_result(bool v, ct_tensor **out) {
    if (!v && ct_last_error_code() != CT_OK) return -1;
    out[0] = ct_scalar_tensor(v, .dtype = CT_BOOL);
    return out[0] ? 1 : -1;
}
PARITY_OP(equal) {
    ct_clear_error();
    return bool_result(ct_equal(A(0), A(1)), out);
}
PARITY_OP(allclose) {
    ct_clear_error();
    return bool_result(ct_allclose(A(0), A(1), F(2), F(3), I(4)), out);
}
