/*
 * src/ops/binary.c - arithmetic between two tensors or a tensor and a scalar:
 * add, sub, mul, div (with rounding modes), remainder, fmod, pow, maximum,
 * minimum, in their out-of-place, in-place, scalar and `_out` forms, and
 * their backward formulas.
 */
#include <math.h>

#include "../autograd/internal.h"
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

/* ------------------------------------------------------------- backward */

/*
 * One backward for the family, switching on the op (PyTorch's formulas from
 * derivatives.yaml). Inputs are (a, b) for tensor-tensor ops and (a) for
 * scalar forms; ctx holds the op, the scalar and alpha.
 */
typedef struct {
    ct_binary_op op;
    bool has_scalar, scalar_first;
    ct_scalar s;
    double alpha;
} bin_ctx;

enum { SAVED_A, SAVED_B, SAVED_OUT, NUM_SAVED };

static ct_tensor *sc(ct_scalar s) { return ct_scalar_tensor(ct_scalar_to_double(s), .dtype = CT_F64); }

static int binary_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const bin_ctx *c = n->ctx;
    ct_tensor *gr = g[0];
    bool ga = ct__needs_grad(n, 0), gb = !c->has_scalar && ct__needs_grad(n, 1);
#define SAVED(k) ct__saved(n, (k))
    switch (c->op) {
    case CT_BOP_ADD:
    case CT_BOP_ADD_ALPHA:
    case CT_BOP_SUB:
    case CT_BOP_SUB_ALPHA: {
        bool sub = c->op == CT_BOP_SUB || c->op == CT_BOP_SUB_ALPHA;
        if (c->has_scalar) {
            if (ga) gi[0] = c->scalar_first && sub ? ct_neg(gr) : ct__grad_pass(gr);
            break;
        }
        double alpha = (c->op == CT_BOP_ADD || c->op == CT_BOP_SUB) ? 1.0 : c->alpha;
        if (ga) gi[0] = ct__grad_pass(gr);
        if (gb) gi[1] = (alpha == 1.0 && !sub) ? ct__grad_pass(gr) : ct_mul_scalar(gr, sub ? -alpha : alpha);
        break;
    }
    case CT_BOP_MUL:
        if (c->has_scalar) {
            if (ga) gi[0] = ct_mul(gr, sc(c->s));
            break;
        }
        if (ga) gi[0] = ct_mul(gr, SAVED(SAVED_B));
        if (gb) gi[1] = ct_mul(gr, SAVED(SAVED_A));
        break;
    case CT_BOP_DIV:
        if (c->has_scalar && !c->scalar_first) {
            if (ga) gi[0] = ct_div(gr, sc(c->s));
        } else if (c->has_scalar) { /* s / a: -g * out / a */
            if (ga) gi[0] = ct_neg(ct_div(ct_mul(gr, SAVED(SAVED_OUT)), SAVED(SAVED_A)));
        } else {
            if (ga) gi[0] = ct_div(gr, SAVED(SAVED_B));
            if (gb) gi[1] = ct_neg(ct_div(ct_mul(gr, SAVED(SAVED_OUT)), SAVED(SAVED_B)));
        }
        break;
    case CT_BOP_POW:
        if (c->has_scalar && !c->scalar_first) { /* a ** s: g * s * a ** (s - 1), 0 where s == 0 */
            double e = ct_scalar_to_double(c->s);
            /* a ** 1 is a itself (PyTorch's pow(a, 1) is a copy): skip the op. */
            if (ga && e == 2) gi[0] = ct_mul(gr, ct_mul_scalar(SAVED(SAVED_A), e));
            else if (ga) gi[0] = e == 0 ? ct_zeros_like(gr)
                                        : ct_mul(gr, ct_mul_scalar(ct_pow_sc(SAVED(SAVED_A), ct_scalar_float(e - 1)), e));
        } else if (c->has_scalar) { /* s ** a: g * out * log(s) */
            if (ga) gi[0] = ct_mul_scalar(ct_mul(gr, SAVED(SAVED_OUT)), log(ct_scalar_to_double(c->s)));
        } else {
            ct_tensor *a = SAVED(SAVED_A), *b = SAVED(SAVED_B);
            if (!a || !b) return ct_last_error_code();
            if (ga) { /* where(b == 0, 0, g * b * a ** (b - 1)) */
                ct_tensor *d = ct_mul(b, ct_pow(a, ct_sub_scalar(b, 1)));
                ct_tensor *nz = ct_ne(b, ct_zeros_like(b));
                gi[0] = ct_mul(gr, ct_mul(d, nz));
            }
            if (gb) { /* where(a == 0 & b >= 0, 0, g * out * log(a)) */
                ct_tensor *out = SAVED(SAVED_OUT);
                ct_tensor *lg = ct_mul(out, ct_log(a));
                ct_tensor *zero_mask = ct_logical_and(ct_eq(a, ct_zeros_like(a)), ct_ge(b, ct_zeros_like(b)));
                gi[1] = ct_mul(gr, ct_where(zero_mask, ct_zeros_like(lg), lg));
            }
        }
        break;
    case CT_BOP_REMAINDER:
    case CT_BOP_FMOD:
        if (ga) gi[0] = ct__grad_pass(gr);
        if (gb) {
            ct_rounding r = c->op == CT_BOP_REMAINDER ? CT_ROUND_FLOOR : CT_ROUND_TRUNC;
            gi[1] = ct_neg(ct_mul(gr, ct_div_mode(SAVED(SAVED_A), SAVED(SAVED_B), r)));
        }
        break;
    case CT_BOP_MAXIMUM:
    case CT_BOP_MINIMUM: {
        /* The larger (smaller) input gets the gradient; ties split it in half; NaN: both get it. */
        ct_tensor *a = SAVED(SAVED_A), *b = SAVED(SAVED_B);
        if (!a || !b) return ct_last_error_code();
        bool mx = c->op == CT_BOP_MAXIMUM;
        ct_tensor *split = ct_where(ct_eq(a, b), ct_div_scalar(gr, 2), gr);
        ct_scalar zero = ct_scalar_float(0.0);
        if (ga) gi[0] = ct_where_sc_self(mx ? ct_lt(a, b) : ct_gt(a, b), zero, split);
        if (gb) gi[1] = ct_where_sc_self(mx ? ct_gt(a, b) : ct_lt(a, b), zero, split);
        break;
    }
    case CT_BOP_DIV_TRUNC:
    case CT_BOP_DIV_FLOOR: /* piecewise constant: zero gradient, as PyTorch */
        if (ga) gi[0] = ct_zeros_like(gr);
        if (gb) gi[1] = ct_zeros_like(gr);
        break;
    default:
        ct__error(CT_ERR_RUNTIME, n->type->name, "the derivative is not implemented");
        return CT_ERR_RUNTIME;
    }
#undef SAVED
    for (int i = 0; i < n->num_inputs; i++)
        if (ct__needs_grad(n, i) && !gi[i] && !(c->has_scalar && i > 0)) return ct_last_error_code();
    return 0;
}

static const ct_node_type add_type = {"AddBackward0", binary_backward};
static const ct_node_type sub_type = {"SubBackward0", binary_backward};
static const ct_node_type mul_type = {"MulBackward0", binary_backward};
static const ct_node_type div_type = {"DivBackward0", binary_backward};
static const ct_node_type div_mode_type = {"DivBackward1", binary_backward};
static const ct_node_type pow_type = {"PowBackward1", binary_backward};
static const ct_node_type pow_sc_type = {"PowBackward0", binary_backward};
static const ct_node_type rpow_type = {"PowBackward2", binary_backward};
static const ct_node_type rem_type = {"RemainderBackward0", binary_backward};
static const ct_node_type fmod_type = {"FmodBackward0", binary_backward};
/* The names Python shows for x + 2, x - 2, x * 2, x / 2 (the scalar is wrapped in a
 * tensor there) and 2 - x (rsub.Scalar): what a PyTorch user sees in grad_fn. */
static const ct_node_type add_sc_type = {"AddBackward0", binary_backward};
static const ct_node_type sub_sc_type = {"SubBackward0", binary_backward};
static const ct_node_type rsub_type = {"RsubBackward1", binary_backward};
static const ct_node_type mul_sc_type = {"MulBackward0", binary_backward};
static const ct_node_type div_sc_type = {"DivBackward0", binary_backward};
static const ct_node_type rdiv_type = {"DivBackward0", binary_backward};
static const ct_node_type maximum_type = {"MaximumBackward0", binary_backward};
static const ct_node_type minimum_type = {"MinimumBackward0", binary_backward};

static const ct_node_type *node_type(ct_binary_op op, bool scalar, bool scalar_first) {
    switch (op) {
    case CT_BOP_ADD:
    case CT_BOP_ADD_ALPHA: return scalar ? &add_sc_type : &add_type;
    case CT_BOP_SUB:
    case CT_BOP_SUB_ALPHA: return scalar ? (scalar_first ? &rsub_type : &sub_sc_type) : &sub_type;
    case CT_BOP_MUL: return scalar ? &mul_sc_type : &mul_type;
    case CT_BOP_DIV: return scalar ? (scalar_first ? &rdiv_type : &div_sc_type) : &div_type;
    case CT_BOP_DIV_TRUNC:
    case CT_BOP_DIV_FLOOR: return &div_mode_type;
    case CT_BOP_POW: return scalar ? (scalar_first ? &rpow_type : &pow_sc_type) : &pow_type;
    case CT_BOP_REMAINDER: return &rem_type;
    case CT_BOP_FMOD: return &fmod_type;
    case CT_BOP_MAXIMUM: return scalar ? NULL : &maximum_type;
    case CT_BOP_MINIMUM: return scalar ? NULL : &minimum_type;
    default: return NULL;
    }
}

/* Which values the backward reads: a (before any in-place change), b, out. */
static void needs_saved(ct_binary_op op, bool scalar, bool scalar_first, bool *sa, bool *sb, bool *so) {
    *sa = *sb = *so = false;
    switch (op) {
    case CT_BOP_MUL: *sa = *sb = !scalar; break;
    case CT_BOP_DIV:
        if (!scalar) *sb = *so = true;
        else if (scalar_first) *sa = *so = true;
        break;
    case CT_BOP_POW:
        if (!scalar) *sa = *sb = *so = true;
        else if (scalar_first) *so = true;
        else *sa = true;
        break;
    case CT_BOP_REMAINDER:
    case CT_BOP_FMOD:
    case CT_BOP_MAXIMUM:
    case CT_BOP_MINIMUM: *sa = *sb = !scalar; break;
    default: break;
    }
}

/*
 * Runs a binary op and records its node when autograd needs it. b == NULL for
 * scalar forms. For in-place ops (dst == a) the node takes over a's history.
 */
static ct_tensor *run_recorded(ct_binary_call *call, ct_tensor *dst, ct_tensor *a, ct_tensor *b,
                               ct_scalar s, bool scalar_first, double alpha) {
    const char *fn = call->fn;
    CT_CHECK_ARG(a, fn, "input");
    if (!b && call->op == CT_BOP_COUNT) return NULL;
    bool scalar = b == NULL;
    ct_tensor *ins[2] = {a, b};
    bool rec = ct__should_record(scalar ? 1 : 2, ins);
    bool inplace = dst && dst == a;
    if (dst && !inplace && rec) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "%s(): functions with out=... arguments don't support automatic differentiation, "
                  "but one of the arguments requires grad.", fn + 3);
        return NULL;
    }
    if (inplace && !ct__check_inplace(a, fn)) return NULL;
    bool sa = false, sb = false, so = false;
    if (rec) needs_saved(call->op, scalar, scalar_first, &sa, &sb, &so);
    /* In place, a's old value is gone after the op: keep a copy if the backward reads it. */
    ct_tensor *a_old = NULL;
    if (rec && inplace && sa) {
        /* Recorded, so second-order gradients still reach a's old history. */
        a_old = ct_clone(a);
        if (!a_old) return NULL;
    }
    /* Saved inputs carry the version they had before the op, as PyTorch saves them first. */
    int64_t b_version = b ? atomic_load(&b->storage->version) : 0;
    ct_tensor *out = scalar ? ct__binary_scalar(call, dst, a, s, scalar_first)
                            : ct__binary(call, dst, a, b, CT_DTYPE_UNSET);
    if (out && rec) {
        const ct_node_type *type = node_type(call->op, scalar, scalar_first);
        ct_node *n = type ? ct__record(type, out, scalar ? 1 : 2, ins, NUM_SAVED, sizeof(bin_ctx)) : NULL;
        if (n) {
            bin_ctx *c = n->ctx;
            c->op = call->op;
            c->has_scalar = scalar;
            c->scalar_first = scalar_first;
            c->s = s;
            c->alpha = alpha;
            if (sa) ct__save(n, SAVED_A, a_old ? a_old : a);
            if (sb) {
                /* b.op_(b): b is now this node's output; saving it strongly would be a cycle. */
                if (b == dst) ct__save_output(n, SAVED_B, b, 0);
                else ct__save(n, SAVED_B, b);
                n->saved[SAVED_B].version = b_version;
            }
            if (so) ct__save_output(n, SAVED_OUT, out, 0);
        }
    }
    if (a_old) ct_free(a_old);
    return out;
}

static ct_tensor *bin(const char *fn, ct_binary_op op, ct_out_rule rule, ct_tensor *dst,
                      ct_tensor *a, ct_tensor *b) {
    ct_binary_call c = CALL(fn, op, rule);
    CT_CHECK_ARG(b, fn, "other");
    return run_recorded(&c, dst, a, b, ct_scalar_int(0), false, 1.0);
}

static ct_tensor *bin_sc(const char *fn, ct_binary_op op, ct_out_rule rule, ct_tensor *dst,
                         ct_tensor *a, ct_scalar s, bool scalar_first) {
    ct_binary_call c = CALL(fn, op, rule);
    return run_recorded(&c, dst, a, NULL, s, scalar_first, 1.0);
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
        ct__error(CT_ERR_RUNTIME, fn, "Boolean alpha only supported for Boolean results.");
        return NULL;
    }
    ct_binary_call c = CALL(fn, op, CT_OUT_SAME);
    c.ctx.alpha_f = ct_scalar_to_double(alpha);
    c.ctx.alpha_i = alpha.kind == CT_SCALAR_FLOAT ? (int64_t)alpha.v.f : alpha.v.i;
    return run_recorded(&c, dst, a, b, ct_scalar_int(0), false, c.ctx.alpha_f);
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
