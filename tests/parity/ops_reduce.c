/*
 * tests/parity/ops_reduce.c - parity adapters for include/ctorch/reduce.h:
 * reductions, scans, sorting and selection (cases in tests/parity/cases/reduce.py).
 * Ops with several results return all of them (values, then indices/counts).
 */
#include <string.h>

#include "parity.h"

/* Dims argument k (an int list) as a ct_shape; an empty list means every dim. */
#define DIMS(k) (args[(k)].dims)
#define B(k) (I(k) != 0)

/* A dtype argument written as its parity name ("f32", "i64", ...; "none" for unset). */
static ct_dtype dtype_arg(const char *s) {
    static const struct {
        const char *name;
        ct_dtype d;
    } names[] = {{"f32", CT_F32}, {"f64", CT_F64}, {"i32", CT_I32},
                 {"i64", CT_I64}, {"u8", CT_U8},   {"bool", CT_BOOL}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(s, names[i].name)) return names[i].d;
    return CT_DTYPE_UNSET;
}

/* Two results: values and the second one written through out[1] (set by the op). */
static int ret2(ct_tensor *v, ct_tensor **out) {
    out[0] = v;
    return v ? 2 : -1;
}

PARITY_OP(sum) { RET1(ct_sum(A(0))); }
PARITY_OP(sum_dims) { RET1(ct_sum_dims(A(0), DIMS(1), B(2))); }
PARITY_OP(sum_dtype) { RET1(ct_sum_dtype(A(0), DIMS(1), B(2), dtype_arg(S(3)))); }
PARITY_OP(mean) { RET1(ct_mean(A(0))); }
PARITY_OP(mean_dims) { RET1(ct_mean_dims(A(0), DIMS(1), B(2))); }
PARITY_OP(mean_dtype) { RET1(ct_mean_dtype(A(0), DIMS(1), B(2), dtype_arg(S(3)))); }
PARITY_OP(prod) { RET1(ct_prod(A(0))); }
PARITY_OP(prod_dim) { RET1(ct_prod_dim(A(0), (int)I(1), B(2))); }

PARITY_OP(max) { RET1(ct_max(A(0))); }
PARITY_OP(min) { RET1(ct_min(A(0))); }
PARITY_OP(max_dim) {
    return ret2(ct_max_dim(A(0), (int)I(1), B(2), &out[1]), out);
}
PARITY_OP(min_dim) {
    return ret2(ct_min_dim(A(0), (int)I(1), B(2), &out[1]), out);
}
PARITY_OP(amax) { RET1(ct_amax(A(0), DIMS(1), B(2))); }
PARITY_OP(amin) { RET1(ct_amin(A(0), DIMS(1), B(2))); }
PARITY_OP(argmax) { RET1(ct_argmax(A(0))); }
PARITY_OP(argmin) { RET1(ct_argmin(A(0))); }
PARITY_OP(argmax_dim) { RET1(ct_argmax_dim(A(0), (int)I(1), B(2))); }
PARITY_OP(argmin_dim) { RET1(ct_argmin_dim(A(0), (int)I(1), B(2))); }

PARITY_OP(var) { RET1(ct_var(A(0))); }
PARITY_OP(std) { RET1(ct_std(A(0))); }
PARITY_OP(var_dims) { RET1(ct_var_dims(A(0), DIMS(1), I(2), B(3))); }
PARITY_OP(std_dims) { RET1(ct_std_dims(A(0), DIMS(1), I(2), B(3))); }
PARITY_OP(norm) { RET1(ct_norm(A(0), F(1))); }
PARITY_OP(norm_dims) { RET1(ct_norm_dims(A(0), F(1), DIMS(2), B(3))); }
PARITY_OP(logsumexp) { RET1(ct_logsumexp(A(0), DIMS(1), B(2))); }

PARITY_OP(all) { RET1(ct_all(A(0))); }
PARITY_OP(any) { RET1(ct_any(A(0))); }
PARITY_OP(all_dims) { RET1(ct_all_dims(A(0), DIMS(1), B(2))); }
PARITY_OP(any_dims) { RET1(ct_any_dims(A(0), DIMS(1), B(2))); }
PARITY_OP(count_nonzero) { RET1(ct_count_nonzero(A(0))); }
PARITY_OP(count_nonzero_dims) { RET1(ct_count_nonzero_dims(A(0), DIMS(1))); }

PARITY_OP(cumsum) { RET1(ct_cumsum(A(0), (int)I(1))); }
PARITY_OP(cumsum_dtype) { RET1(ct_cumsum_dtype(A(0), (int)I(1), dtype_arg(S(2)))); }
PARITY_OP(cumprod) { RET1(ct_cumprod(A(0), (int)I(1))); }
PARITY_OP(cumprod_dtype) { RET1(ct_cumprod_dtype(A(0), (int)I(1), dtype_arg(S(2)))); }

PARITY_OP(sort) {
    return ret2(ct_sort(A(0), (int)I(1), B(2), true, &out[1]), out);
}
PARITY_OP(argsort) { RET1(ct_argsort(A(0), (int)I(1), B(2))); }
PARITY_OP(topk) {
    return ret2(ct_topk(A(0), I(1), (int)I(2), B(3), true, &out[1]), out);
}
PARITY_OP(kthvalue) {
    return ret2(ct_kthvalue(A(0), I(1), (int)I(2), B(3), &out[1]), out);
}
PARITY_OP(unique) {
    ct_tensor *inv = NULL, *cnt = NULL;
    ct_tensor *v = ct_unique(A(0), true, &inv, &cnt);
    if (!v) return -1;
    out[0] = v;
    out[1] = inv;
    out[2] = cnt;
    return 3;
}
