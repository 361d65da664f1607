/* tests/parity/ops_linalg.c - parity adapters for include/ctorch/linalg.h (matrix products). */
#include "parity.h"

PARITY_OP(mm) { RET1(ct_mm(A(0), A(1))); }
PARITY_OP(bmm) { RET1(ct_bmm(A(0), A(1))); }
PARITY_OP(matmul) { RET1(ct_matmul(A(0), A(1))); }
PARITY_OP(dot) { RET1(ct_dot(A(0), A(1))); }
PARITY_OP(mv) { RET1(ct_mv(A(0), A(1))); }
PARITY_OP(outer) { RET1(ct_outer(A(0), A(1))); }

/* (self, mat1, mat2, beta, alpha), the scalars as the Python numbers they were. */
PARITY_OP(addmm) {
    RET1(ct_addmm_sc(A(0), A(1), A(2), parity_scalar(&args[3]), parity_scalar(&args[4])));
}
PARITY_OP(baddbmm) {
    RET1(ct_baddbmm_sc(A(0), A(1), A(2), parity_scalar(&args[3]), parity_scalar(&args[4])));
}

/* (equation, operand, operand, ...): operands as separate arguments, so each gets a gradient. */
PARITY_OP(einsum) {
    ct_tensor *ops[16];
    int n = 0;
    for (int k = 1; k < NARGS && n < 16; k++) ops[n++] = A(k);
    RET1(ct_einsum(S(0), ops, n));
}
