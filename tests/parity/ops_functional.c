/* tests/parity/ops_functional.c - parity adapters for include/ctorch/functional.h. */
#include <string.h>

#include "parity.h"

static ct_tensor *opt(const parity_arg *a) { return a->kind == 't' ? a->t : NULL; }

PARITY_OP(linear) { RET1(ct_linear(A(0), A(1), opt(&args[2]))); }

PARITY_OP(leaky_relu) { RET1(ct_leaky_relu(A(0), F(1))); }
PARITY_OP(elu) { RET1(ct_elu(A(0), F(1))); }
PARITY_OP(gelu) { RET1(ct_gelu_str(A(0), S(1))); }
PARITY_OP(silu) { RET1(ct_silu(A(0))); }
PARITY_OP(softplus) { RET1(ct_softplus(A(0), F(1), F(2))); }
PARITY_OP(hardtanh) { RET1(ct_hardtanh(A(0), F(1), F(2))); }

INPLACE(leaky_relu_, ct_leaky_relu_(c, F(1)))
INPLACE(elu_, ct_elu_(c, F(1)))

PARITY_OP(softmax) { RET1(ct_softmax(A(0), (int)I(1))); }
PARITY_OP(log_softmax) { RET1(ct_log_softmax(A(0), (int)I(1))); }
PARITY_OP(softmax_dtype) { RET1(ct_softmax_dtype(A(0), (int)I(1), CT_F64)); }
PARITY_OP(log_softmax_dtype) { RET1(ct_log_softmax_dtype(A(0), (int)I(1), CT_F64)); }

PARITY_OP(dropout_seeded) {
    ct_manual_seed((uint64_t)I(2));
    RET1(ct_dropout(A(0), F(1), true, NULL));
}
PARITY_OP(dropout_eval) { RET1(ct_dropout(A(0), F(1), false, NULL)); }
PARITY_OP(dropout2d_seeded) {
    ct_manual_seed((uint64_t)I(2));
    RET1(ct_dropout2d(A(0), F(1), true, NULL));
}

/* A copy of a running buffer outside autograd (the case's input stays untouched). */
static ct_tensor *buffer_copy(ct_tensor *t) {
    if (!t) return NULL;
    ct_tensor *d = ct_detach(t), *c = ct_clone(d);
    ct_free(d);
    return c;
}

PARITY_OP(batch_norm) {
    ct_tensor *rm = buffer_copy(opt(&args[1])), *rv = buffer_copy(opt(&args[2]));
    out[0] = ct_batch_norm(A(0), rm, rv, opt(&args[3]), opt(&args[4]), args[5].i != 0, F(6), F(7));
    ct_free(rm);
    ct_free(rv);
    return out[0] ? 1 : -1;
}

PARITY_OP(batch_norm_running) {
    ct_tensor *rm = buffer_copy(A(3)), *rv = buffer_copy(A(4)), *y = NULL;
    for (int k = 0; k < 3; k++) {
        ct_free(y);
        y = ct_batch_norm(A(k), rm, rv, NULL, NULL, true, F(5), 1e-5);
        if (!y) break;
    }
    if (!y) {
        ct_free(rm);
        ct_free(rv);
        return -1;
    }
    out[0] = y;
    out[1] = rm;
    out[2] = rv;
    return 3;
}

PARITY_OP(layer_norm) { RET1(ct_layer_norm(A(0), args[1].dims, opt(&args[2]), opt(&args[3]), F(4))); }

PARITY_OP(embedding) {
    int64_t pad = args[2].kind == 'n' ? CT_NO_PADDING : I(2);
    RET1(ct_embedding(A(0), A(1), pad));
}
