/*
 * tests/parity/ops_pointwise.c - parity adapters for the elementwise ops of
 * include/ctorch/pointwise.h: unary functions (and in-place forms), clamp,
 * nan_to_num, where, lerp. maximum / minimum live in ops_binary.c.
 */
#include "parity.h"

#define UNARY(name)                                                                      \
    PARITY_OP(name) { RET1(ct_##name(A(0))); }                                          \
    PARITY_OP(name##_) {                                                                \
        ct_tensor *c = ct_clone(A(0));                                                  \
        if (!c) return -1;                                                              \
        if (!ct_##name##_(c)) {                                                         \
            ct_free(c);                                                                 \
            return -1;                                                                  \
        }                                                                               \
        out[0] = c;                                                                     \
        return 1;                                                                       \
    }
UNARY(neg)
UNARY(abs)
UNARY(sign)
UNARY(sqrt)
UNARY(rsqrt)
UNARY(exp)
UNARY(exp2)
UNARY(log)
UNARY(log2)
UNARY(log10)
UNARY(log1p)
UNARY(expm1)
UNARY(sin)
UNARY(cos)
UNARY(tan)
UNARY(tanh)
UNARY(sigmoid)
UNARY(relu)
UNARY(floor)
UNARY(ceil)
UNARY(trunc)
UNARY(frac)
UNARY(round)
UNARY(reciprocal)
UNARY(square)
UNARY(nan_to_num)

/* An argument that is a number (not None, not a tensor). */
static bool is_number(const parity_arg *a) { return a->kind == 'i' || a->kind == 'f' || a->kind == 'b'; }

/* torch.clamp(t, min, max): numbers, tensors or None for each bound. */
static ct_tensor *clamp_any(ct_tensor *t, const parity_arg *lo, const parity_arg *hi, bool in_place) {
    if (lo->kind == 't' || hi->kind == 't') {
        ct_tensor *l = lo->kind == 't' ? lo->t : NULL, *h = hi->kind == 't' ? hi->t : NULL;
        return in_place ? ct_clamp_tensor_(t, l, h) : ct_clamp_tensor(t, l, h);
    }
    if (is_number(lo) && is_number(hi))
        return in_place ? ct_clamp_sc_(t, parity_scalar(lo), parity_scalar(hi))
                        : ct_clamp_sc(t, parity_scalar(lo), parity_scalar(hi));
    if (is_number(lo)) return in_place ? ct_clamp_min_sc_(t, parity_scalar(lo)) : ct_clamp_min_sc(t, parity_scalar(lo));
    if (is_number(hi)) return in_place ? ct_clamp_max_sc_(t, parity_scalar(hi)) : ct_clamp_max_sc(t, parity_scalar(hi));
    return in_place ? ct_clamp_tensor_(t, NULL, NULL) : ct_clamp_tensor(t, NULL, NULL);
}


PARITY_OP(clamp) { RET1(clamp_any(A(0), &args[1], &args[2], false)); }
PARITY_OP(clamp_min) { RET1(ct_clamp_min_sc(A(0), parity_scalar(&args[1]))); }
PARITY_OP(clamp_max) { RET1(ct_clamp_max_sc(A(0), parity_scalar(&args[1]))); }
INPLACE(clamp_, clamp_any(c, &args[1], &args[2], true))
INPLACE(clamp_min_, ct_clamp_min_sc_(c, parity_scalar(&args[1])))
INPLACE(clamp_max_, ct_clamp_max_sc_(c, parity_scalar(&args[1])))

/* torch.nan_to_num(t, nan, posinf, neginf): None keeps a default. */
PARITY_OP(nan_to_num_opt) {
    double posinf = F(2), neginf = F(3);
    RET1(ct_nan_to_num_opt(A(0), F(1), args[2].kind == 'n' ? NULL : &posinf,
                           args[3].kind == 'n' ? NULL : &neginf));
}

/* torch.where(cond, a, b): a and b are tensors or numbers. */
PARITY_OP(where) {
    bool na = is_number(&args[1]), nb = is_number(&args[2]);
    if (na && nb) RET1(ct_where_sc(A(0), parity_scalar(&args[1]), parity_scalar(&args[2])));
    if (na) RET1(ct_where_sc_self(A(0), parity_scalar(&args[1]), A(2)));
    if (nb) RET1(ct_where_sc_other(A(0), A(1), parity_scalar(&args[2])));
    RET1(ct_where(A(0), A(1), A(2)));
}

/* torch.lerp(start, end, weight): weight a tensor or a number. */
PARITY_OP(lerp) {
    if (is_number(&args[2])) RET1(ct_lerp_sc(A(0), A(1), parity_scalar(&args[2])));
    RET1(ct_lerp(A(0), A(1), A(2)));
}
INPLACE(lerp_, is_number(&args[2]) ? ct_lerp_sc_(c, A(1), parity_scalar(&args[2])) : ct_lerp_(c, A(1), A(2)))
