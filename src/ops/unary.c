/*
 * src/ops/unary.c - elementwise functions of one tensor: neg, abs, sign, the
 * float functions (sqrt ... sigmoid, reciprocal), rounding, relu, square,
 * clamp with number bounds, isnan/isinf/isfinite and nan_to_num, each with its
 * in-place form, and the backward of each differentiable one.
 */
#include <float.h>
#include <math.h>

#include "../autograd/internal.h"
#include "internal.h"

/* c10's ScalarType names, as PyTorch prints them in messages. */

/* The C++ type names some PyTorch messages print instead ("long int"). */
static const char *cpp_type_name(ct_dtype d) {
    static const char *const names[CT_NUM_DTYPES] = {"Undefined", "float",         "double", "int",
                                                     "long int",  "unsigned char", "bool"};
    return ct__dtype_valid(d) ? names[d] : "Undefined";
}

/* Float functions give integers and bools the default float dtype. */
static ct_dtype float_result(ct_dtype d) {
    return ct_dtype_is_floating(d) ? d : ct_get_default_dtype();
}

/* ------------------------------------------------------------- backward */

/*
 * One backward for the family, switching on the op: PyTorch 1.13's formulas
 * (derivatives.yaml), written with public ops so that create_graph records
 * them and second-order gradients follow. Depending on the op the node saved
 * its input (self, as it was before an in-place op) or its result.
 */
typedef struct {
    ct_unary_op op;
    ct_unary_ctx u; /* clamp bounds */
} unary_node_ctx;

enum { SAVED_SELF, SAVED_RESULT, NUM_SAVED };
typedef enum { SAVES_NOTHING, SAVES_SELF, SAVES_RESULT } unary_saves;

static unary_saves saves_of(ct_unary_op op) {
    switch (op) {
    case CT_UOP_SQRT:
    case CT_UOP_RSQRT:
    case CT_UOP_EXP:
    case CT_UOP_EXP2:
    case CT_UOP_EXPM1:
    case CT_UOP_TAN:
    case CT_UOP_TANH:
    case CT_UOP_SIGMOID:
    case CT_UOP_RELU:
    case CT_UOP_RECIPROCAL: return SAVES_RESULT;
    case CT_UOP_ABS:
    case CT_UOP_LOG:
    case CT_UOP_LOG2:
    case CT_UOP_LOG10:
    case CT_UOP_LOG1P:
    case CT_UOP_SIN:
    case CT_UOP_COS:
    case CT_UOP_SQUARE:
    case CT_UOP_CLAMP:
    case CT_UOP_NAN_TO_NUM: return SAVES_SELF;
    default: return SAVES_NOTHING;
    }
}

/* where(mask, g, 0): the gradient passes only where mask holds. */
static ct_tensor *pass_where(ct_tensor *mask, ct_tensor *g) {
    return ct_where_sc_other(mask, g, ct_scalar_float(0.0));
}

/* clamp_backward: the gradient passes where min <= self <= max (bounds included). */
static ct_tensor *clamp_scalar_backward(const ct_unary_ctx *u, ct_tensor *self, ct_tensor *g) {
    ct_tensor *ge = u->has_lo ? ct_ge_sc(self, ct_scalar_float(u->lo)) : NULL;
    ct_tensor *le = u->has_hi ? ct_le_sc(self, ct_scalar_float(u->hi)) : NULL;
    ct_tensor *mask = ge && le ? ct_logical_and(ge, le) : ge ? ge : le;
    return pass_where(mask, g);
}

static int unary_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    if (!ct__needs_grad(n, 0)) return 0;
    const unary_node_ctx *c = n->ctx;
    ct_tensor *gr = g[0], *self = NULL, *r = NULL;
    unary_saves s = saves_of(c->op);
    if (s == SAVES_SELF && !(self = ct__saved(n, SAVED_SELF))) return ct_last_error_code();
    if (s == SAVES_RESULT && !(r = ct__saved(n, SAVED_RESULT))) return ct_last_error_code();
    ct_tensor *d = NULL;
    switch (c->op) {
    case CT_UOP_NEG: d = ct_neg(gr); break;
    case CT_UOP_ABS: d = ct_mul(gr, ct_sign(self)); break; /* abs'(0) = sign(0) = 0 */
    case CT_UOP_SIGN:
    case CT_UOP_FLOOR:
    case CT_UOP_CEIL:
    case CT_UOP_TRUNC:
    case CT_UOP_ROUND: d = ct_zeros_like(gr); break; /* piecewise constant */
    case CT_UOP_FRAC: d = ct_alias(gr); break;
    case CT_UOP_SQRT: d = ct_div(gr, ct_mul_scalar(r, 2)); break;
    case CT_UOP_RSQRT: d = ct_mul(ct_mul_scalar(gr, -0.5), ct_pow_scalar(r, 3)); break;
    case CT_UOP_EXP: d = ct_mul(gr, r); break;
    case CT_UOP_EXP2: d = ct_mul_scalar(ct_mul(gr, r), M_LN2); break;
    case CT_UOP_EXPM1: d = ct_mul(gr, ct_add_scalar(r, 1)); break;
    case CT_UOP_LOG: d = ct_div(gr, self); break;
    case CT_UOP_LOG2: d = ct_div(gr, ct_mul_scalar(self, M_LN2)); break;
    case CT_UOP_LOG10: d = ct_div(gr, ct_mul_scalar(self, M_LN10)); break;
    case CT_UOP_LOG1P: d = ct_div(gr, ct_add_scalar(self, 1)); break;
    case CT_UOP_SIN: d = ct_mul(gr, ct_cos(self)); break;
    case CT_UOP_COS: d = ct_mul(gr, ct_neg(ct_sin(self))); break;
    case CT_UOP_TAN: d = ct_mul(gr, ct_add_scalar(ct_square(r), 1)); break;
    case CT_UOP_TANH: d = ct_mul(gr, ct_rsub_scalar(ct_square(r), 1)); break;
    case CT_UOP_SIGMOID: d = ct_mul(ct_mul(gr, ct_rsub_scalar(r, 1)), r); break;
    case CT_UOP_RELU: /* threshold_backward: zero where result <= 0 (so relu'(0) = 0; NaN passes) */
        d = ct_is_grad_enabled() ? ct_where_sc_self(ct_le_sc(r, ct_scalar_int(0)), ct_scalar_float(0.0), gr)
                                 : ct__threshold_backward(gr, r);
        break;
    case CT_UOP_RECIPROCAL: d = ct_mul(ct_neg(gr), ct_square(r)); break;
    case CT_UOP_SQUARE: d = ct_mul(gr, ct_mul_scalar(self, 2)); break; /* pow(self, 2) */
    case CT_UOP_CLAMP: d = clamp_scalar_backward(&c->u, self, gr); break;
    case CT_UOP_NAN_TO_NUM: d = ct_mul(gr, ct_isfinite(self)); break;
    default:
        ct__error(CT_ERR_RUNTIME, n->type->name, "the derivative is not implemented");
        return CT_ERR_RUNTIME;
    }
    if (!d) return ct_last_error_code();
    gi[0] = d;
    return 0;
}

#define UNARY_NODE_TYPES(X)                                                             \
    X(NEG, "NegBackward0") X(ABS, "AbsBackward0") X(SIGN, "SignBackward0")              \
    X(SQRT, "SqrtBackward0") X(RSQRT, "RsqrtBackward0") X(EXP, "ExpBackward0")          \
    X(EXP2, "Exp2Backward0") X(LOG, "LogBackward0") X(LOG2, "Log2Backward0")            \
    X(LOG10, "Log10Backward0") X(LOG1P, "Log1PBackward0") X(EXPM1, "Expm1Backward0")    \
    X(SIN, "SinBackward0") X(COS, "CosBackward0") X(TAN, "TanBackward0")                \
    X(TANH, "TanhBackward0") X(SIGMOID, "SigmoidBackward0") X(RELU, "ReluBackward0")    \
    X(FLOOR, "FloorBackward0") X(CEIL, "CeilBackward0") X(TRUNC, "TruncBackward0")      \
    X(FRAC, "FracBackward0") X(ROUND, "RoundBackward0")                                 \
    X(RECIPROCAL, "ReciprocalBackward0") X(SQUARE, "PowBackward0")                      \
    X(NAN_TO_NUM, "NanToNumBackward0")

#define X(op, name) static const ct_node_type op##_type = {name, unary_backward};
UNARY_NODE_TYPES(X)
#undef X
static const ct_node_type clamp_type = {"ClampBackward1", unary_backward};
static const ct_node_type clamp_min_type = {"ClampMinBackward0", unary_backward};
static const ct_node_type clamp_max_type = {"ClampMaxBackward0", unary_backward};

/* PyTorch's node name for the op (clamp's depends on which bounds it has). */
static const ct_node_type *node_type(ct_unary_op op, const ct_unary_ctx *u) {
    switch (op) {
#define X(op_, name) \
    case CT_UOP_##op_: return &op_##_type;
        UNARY_NODE_TYPES(X)
#undef X
    case CT_UOP_CLAMP:
        return u->has_lo && u->has_hi ? &clamp_type : u->has_lo ? &clamp_min_type : &clamp_max_type;
    default: return NULL;
    }
}

/*
 * Runs a unary op (as ct__unary) and records its node when autograd needs it.
 * In place (dst == t) the node takes over t's history; if the backward reads
 * t's old value, a copy of it is kept first.
 */
static ct_tensor *run_recorded(const char *fn, ct_unary_op op, const ct_unary_ctx *ctx,
                               ct_tensor *dst, ct_tensor *t, ct_dtype out_dtype) {
    CT_CHECK_ARG(t, fn, "input");
    bool rec = ct__should_record(1, &t) && ct_dtype_is_floating(out_dtype);
    bool inplace = dst && dst == t;
    if (inplace && !ct__check_inplace(t, fn)) return NULL;
    unary_saves s = rec ? saves_of(op) : SAVES_NOTHING;
    ct_tensor *old = NULL;
    /* Recorded (a CloneBackward0), so the saved old value still leads back for create_graph. */
    if (inplace && s == SAVES_SELF && !(old = ct_clone(t))) return NULL;
    ct_tensor *out = ct__unary(fn, op, ctx, dst, t, out_dtype);
    if (out && rec) {
        ct_unary_ctx none = {0};
        const ct_node_type *type = node_type(op, ctx ? ctx : &none);
        ct_node *n = type ? ct__record(type, out, 1, &t, NUM_SAVED, sizeof(unary_node_ctx)) : NULL;
        if (n) {
            unary_node_ctx *c = n->ctx;
            c->op = op;
            if (ctx) c->u = *ctx;
            if (s == SAVES_SELF) ct__save(n, SAVED_SELF, old ? old : t);
            if (s == SAVES_RESULT) ct__save_output(n, SAVED_RESULT, out, 0);
        }
    }
    if (old) ct_free(old);
    return out;
}

/* out = op(t) in t's dtype; dst is NULL (new tensor) or t (in place). */
static ct_tensor *keep_dtype(const char *fn, ct_unary_op op, ct_tensor *dst, ct_tensor *t) {
    CT_CHECK_ARG(t, fn, "input");
    return run_recorded(fn, op, NULL, dst, t, t->dtype);
}

/* out = op(t) in t's floating dtype or the default one. */
static ct_tensor *to_float(const char *fn, ct_unary_op op, ct_tensor *dst, ct_tensor *t) {
    CT_CHECK_ARG(t, fn, "input");
    return run_recorded(fn, op, NULL, dst, t, float_result(t->dtype));
}

/* ---------------------------------------------------------- sign and size */

static ct_tensor *neg(const char *fn, ct_tensor *dst, ct_tensor *t) {
    CT_CHECK_ARG(t, fn, "input");
    if (t->dtype == CT_BOOL) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Negation, the `-` operator, on a bool tensor is not supported. If you are "
                  "trying to invert a mask, use the `~` or `logical_not()` operator instead.");
        return NULL;
    }
    return run_recorded(fn, CT_UOP_NEG, NULL, dst, t, t->dtype);
}
ct_tensor *ct_neg(ct_tensor *t) { return neg("ct_neg", NULL, t); }
ct_tensor *ct_neg_(ct_tensor *t) { return neg("ct_neg_", t, t); }

ct_tensor *ct_abs(ct_tensor *t) { return keep_dtype("ct_abs", CT_UOP_ABS, NULL, t); }
ct_tensor *ct_abs_(ct_tensor *t) { return keep_dtype("ct_abs_", CT_UOP_ABS, t, t); }
ct_tensor *ct_sign(ct_tensor *t) { return keep_dtype("ct_sign", CT_UOP_SIGN, NULL, t); }
ct_tensor *ct_sign_(ct_tensor *t) { return keep_dtype("ct_sign_", CT_UOP_SIGN, t, t); }

static ct_tensor *relu(const char *fn, ct_tensor *dst, ct_tensor *t) {
    CT_CHECK_ARG(t, fn, "input");
    if (t->dtype == CT_BOOL) {
        ct__error(CT_ERR_RUNTIME, fn, "Boolean inputs not supported for relu");
        return NULL;
    }
    return run_recorded(fn, CT_UOP_RELU, NULL, dst, t, t->dtype);
}
ct_tensor *ct_relu(ct_tensor *t) { return relu("ct_relu", NULL, t); }
ct_tensor *ct_relu_(ct_tensor *t) { return relu("ct_relu_", t, t); }

/* square is pow(t, 2): bool promotes to int64 (so bool cannot be squared in place). */
static ct_tensor *square(const char *fn, ct_tensor *dst, ct_tensor *t) {
    CT_CHECK_ARG(t, fn, "input");
    ct_dtype out = t->dtype == CT_BOOL ? CT_I64 : t->dtype;
    if (dst && out != dst->dtype) {
        ct__error(CT_ERR_RUNTIME, fn, "Found dtype %s but expected %s", ct__scalar_type_name(dst->dtype),
                  ct__scalar_type_name(out));
        return NULL;
    }
    return run_recorded(fn, CT_UOP_SQUARE, NULL, dst, t, out);
}
ct_tensor *ct_square(ct_tensor *t) { return square("ct_square", NULL, t); }
ct_tensor *ct_square_(ct_tensor *t) { return square("ct_square_", t, t); }

/* ------------------------------------------------------- float functions */

ct_tensor *ct_sqrt(ct_tensor *t) { return to_float("ct_sqrt", CT_UOP_SQRT, NULL, t); }
ct_tensor *ct_sqrt_(ct_tensor *t) { return to_float("ct_sqrt_", CT_UOP_SQRT, t, t); }
ct_tensor *ct_rsqrt(ct_tensor *t) { return to_float("ct_rsqrt", CT_UOP_RSQRT, NULL, t); }
ct_tensor *ct_rsqrt_(ct_tensor *t) { return to_float("ct_rsqrt_", CT_UOP_RSQRT, t, t); }
ct_tensor *ct_exp(ct_tensor *t) { return to_float("ct_exp", CT_UOP_EXP, NULL, t); }
ct_tensor *ct_exp_(ct_tensor *t) { return to_float("ct_exp_", CT_UOP_EXP, t, t); }
ct_tensor *ct_exp2(ct_tensor *t) { return to_float("ct_exp2", CT_UOP_EXP2, NULL, t); }
ct_tensor *ct_exp2_(ct_tensor *t) { return to_float("ct_exp2_", CT_UOP_EXP2, t, t); }
ct_tensor *ct_log(ct_tensor *t) { return to_float("ct_log", CT_UOP_LOG, NULL, t); }
ct_tensor *ct_log_(ct_tensor *t) { return to_float("ct_log_", CT_UOP_LOG, t, t); }
ct_tensor *ct_log2(ct_tensor *t) { return to_float("ct_log2", CT_UOP_LOG2, NULL, t); }
ct_tensor *ct_log2_(ct_tensor *t) { return to_float("ct_log2_", CT_UOP_LOG2, t, t); }
ct_tensor *ct_log10(ct_tensor *t) { return to_float("ct_log10", CT_UOP_LOG10, NULL, t); }
ct_tensor *ct_log10_(ct_tensor *t) { return to_float("ct_log10_", CT_UOP_LOG10, t, t); }
ct_tensor *ct_log1p(ct_tensor *t) { return to_float("ct_log1p", CT_UOP_LOG1P, NULL, t); }
ct_tensor *ct_log1p_(ct_tensor *t) { return to_float("ct_log1p_", CT_UOP_LOG1P, t, t); }
ct_tensor *ct_expm1(ct_tensor *t) { return to_float("ct_expm1", CT_UOP_EXPM1, NULL, t); }
ct_tensor *ct_expm1_(ct_tensor *t) { return to_float("ct_expm1_", CT_UOP_EXPM1, t, t); }
ct_tensor *ct_sin(ct_tensor *t) { return to_float("ct_sin", CT_UOP_SIN, NULL, t); }
ct_tensor *ct_sin_(ct_tensor *t) { return to_float("ct_sin_", CT_UOP_SIN, t, t); }
ct_tensor *ct_cos(ct_tensor *t) { return to_float("ct_cos", CT_UOP_COS, NULL, t); }
ct_tensor *ct_cos_(ct_tensor *t) { return to_float("ct_cos_", CT_UOP_COS, t, t); }
ct_tensor *ct_tan(ct_tensor *t) { return to_float("ct_tan", CT_UOP_TAN, NULL, t); }
ct_tensor *ct_tan_(ct_tensor *t) { return to_float("ct_tan_", CT_UOP_TAN, t, t); }
ct_tensor *ct_tanh(ct_tensor *t) { return to_float("ct_tanh", CT_UOP_TANH, NULL, t); }
ct_tensor *ct_tanh_(ct_tensor *t) { return to_float("ct_tanh_", CT_UOP_TANH, t, t); }
ct_tensor *ct_sigmoid(ct_tensor *t) { return to_float("ct_sigmoid", CT_UOP_SIGMOID, NULL, t); }
ct_tensor *ct_sigmoid_(ct_tensor *t) { return to_float("ct_sigmoid_", CT_UOP_SIGMOID, t, t); }
ct_tensor *ct_reciprocal(ct_tensor *t) { return to_float("ct_reciprocal", CT_UOP_RECIPROCAL, NULL, t); }
ct_tensor *ct_reciprocal_(ct_tensor *t) { return to_float("ct_reciprocal_", CT_UOP_RECIPROCAL, t, t); }

/* -------------------------------------------------------------- rounding */

/* Integers round to themselves; bool has no rounding (PyTorch's kernels skip it). */
ct_tensor *ct_floor(ct_tensor *t) { return keep_dtype("ct_floor", CT_UOP_FLOOR, NULL, t); }
ct_tensor *ct_floor_(ct_tensor *t) { return keep_dtype("ct_floor_", CT_UOP_FLOOR, t, t); }
ct_tensor *ct_ceil(ct_tensor *t) { return keep_dtype("ct_ceil", CT_UOP_CEIL, NULL, t); }
ct_tensor *ct_ceil_(ct_tensor *t) { return keep_dtype("ct_ceil_", CT_UOP_CEIL, t, t); }
ct_tensor *ct_trunc(ct_tensor *t) { return keep_dtype("ct_trunc", CT_UOP_TRUNC, NULL, t); }
ct_tensor *ct_trunc_(ct_tensor *t) { return keep_dtype("ct_trunc_", CT_UOP_TRUNC, t, t); }
ct_tensor *ct_round(ct_tensor *t) { return keep_dtype("ct_round", CT_UOP_ROUND, NULL, t); }
ct_tensor *ct_round_(ct_tensor *t) { return keep_dtype("ct_round_", CT_UOP_ROUND, t, t); }
/* frac has no integer kernel in PyTorch: integers are an error, not a float result. */
ct_tensor *ct_frac(ct_tensor *t) { return keep_dtype("ct_frac", CT_UOP_FRAC, NULL, t); }
ct_tensor *ct_frac_(ct_tensor *t) { return keep_dtype("ct_frac_", CT_UOP_FRAC, t, t); }

/* ----------------------------------------------------------------- clamp */

/* The dtype a Python number of this kind would have as a wrapped scalar. */
static ct_dtype scalar_dtype(ct_scalar s) {
    return s.kind == CT_SCALAR_FLOAT ? ct_get_default_dtype()
           : s.kind == CT_SCALAR_INT ? CT_I64
                                     : CT_BOOL;
}

/* PyTorch's checked Scalar::to<T>(): false and its error when s does not fit d. */
static bool scalar_fits(ct_scalar s, ct_dtype d, const char *fn) {
    if (d == CT_I64 || d == CT_F64 || d == CT_BOOL) return true; /* every scalar fits */
    return ct__check_value_fits(ct_scalar_to_double(s), d, fn);
}

/* s as a value of dtype d (wrapped like PyTorch's cast), read back as double and int64. */
static void scalar_in_dtype(ct_scalar s, ct_dtype d, double *f, int64_t *i) {
    union {
        double f;
        int64_t i;
        char bytes[8];
    } v;
    ct__store_scalar(v.bytes, d, s);
    *f = ct__load_f64(v.bytes, d);
    *i = ct__load_i64(v.bytes, d);
}

/*
 * clamp with number bounds (lo and/or hi may be NULL, not both). The result
 * dtype is result_type(t, lo, hi): the bounds, as wrapped scalars, only lift
 * t's category.
 */
static ct_tensor *clamp_sc(const char *fn, ct_tensor *dst, ct_tensor *t, const ct_scalar *lo,
                           const ct_scalar *hi) {
    CT_CHECK_ARG(t, fn, "input");
    ct_dtype wrapped = ct_promote_types(lo ? scalar_dtype(*lo) : CT_DTYPE_UNSET,
                                        hi ? scalar_dtype(*hi) : CT_DTYPE_UNSET);
    ct_scalar probe = ct_dtype_is_floating(wrapped) ? ct_scalar_float(0)
                      : wrapped == CT_I64           ? ct_scalar_int(0)
                                                    : ct_scalar_bool(false);
    ct_dtype out = ct_result_type_scalar(t, probe);
    if (dst && !ct__can_cast(out, dst->dtype)) {
        ct__error(CT_ERR_RUNTIME, fn, "result type %s can't be cast to the desired output type %s",
                  ct__scalar_type_name(out), cpp_type_name(dst->dtype));
        return NULL;
    }
    if ((lo && !scalar_fits(*lo, out, fn)) || (hi && !scalar_fits(*hi, out, fn))) return NULL;
    ct_unary_ctx ctx = {0};
    ctx.has_lo = lo != NULL;
    ctx.has_hi = hi != NULL;
    if (lo) scalar_in_dtype(*lo, out, &ctx.lo, &ctx.lo_i);
    if (hi) scalar_in_dtype(*hi, out, &ctx.hi, &ctx.hi_i);
    return run_recorded(fn, CT_UOP_CLAMP, &ctx, dst, t, out);
}

ct_tensor *ct_clamp_sc(ct_tensor *t, ct_scalar min, ct_scalar max) {
    return clamp_sc("ct_clamp", NULL, t, &min, &max);
}
ct_tensor *ct_clamp_min_sc(ct_tensor *t, ct_scalar min) {
    return clamp_sc("ct_clamp_min", NULL, t, &min, NULL);
}
ct_tensor *ct_clamp_max_sc(ct_tensor *t, ct_scalar max) {
    return clamp_sc("ct_clamp_max", NULL, t, NULL, &max);
}
ct_tensor *ct_clamp_sc_(ct_tensor *t, ct_scalar min, ct_scalar max) {
    return clamp_sc("ct_clamp_", t, t, &min, &max);
}
ct_tensor *ct_clamp_min_sc_(ct_tensor *t, ct_scalar min) {
    return clamp_sc("ct_clamp_min_", t, t, &min, NULL);
}
ct_tensor *ct_clamp_max_sc_(ct_tensor *t, ct_scalar max) {
    return clamp_sc("ct_clamp_max_", t, t, NULL, &max);
}

/* -------------------------------------------------------- NaN and infinity */

static ct_tensor *predicate(const char *fn, ct_unary_op op, ct_tensor *t) {
    CT_CHECK_ARG(t, fn, "input");
    return ct__unary(fn, op, NULL, NULL, t, CT_BOOL);
}
ct_tensor *ct_isnan(ct_tensor *t) { return predicate("ct_isnan", CT_UOP_ISNAN, t); }
ct_tensor *ct_isinf(ct_tensor *t) { return predicate("ct_isinf", CT_UOP_ISINF, t); }
ct_tensor *ct_isfinite(ct_tensor *t) { return predicate("ct_isfinite", CT_UOP_ISFINITE, t); }

/* Replacements default to 0 for NaN and the dtype's finite extremes for +-inf. */
static ct_tensor *nan_to_num(const char *fn, ct_tensor *dst, ct_tensor *t, double nan,
                             const double *posinf, const double *neginf) {
    CT_CHECK_ARG(t, fn, "input");
    double big = t->dtype == CT_F32 ? FLT_MAX : DBL_MAX;
    ct_unary_ctx ctx = {0};
    ctx.nan = nan;
    ctx.posinf = posinf ? *posinf : big;
    ctx.neginf = neginf ? *neginf : -big;
    return run_recorded(fn, CT_UOP_NAN_TO_NUM, &ctx, dst, t, t->dtype);
}
ct_tensor *ct_nan_to_num(ct_tensor *t) { return nan_to_num("ct_nan_to_num", NULL, t, 0, NULL, NULL); }
ct_tensor *ct_nan_to_num_(ct_tensor *t) { return nan_to_num("ct_nan_to_num_", t, t, 0, NULL, NULL); }
ct_tensor *ct_nan_to_num_opt(ct_tensor *t, double nan, const double *posinf,
                             const double *neginf) {
    return nan_to_num("ct_nan_to_num", NULL, t, nan, posinf, neginf);
}
ct_tensor *ct_nan_to_num_opt_(ct_tensor *t, double nan, const double *posinf,
                              const double *neginf) {
    return nan_to_num("ct_nan_to_num_", t, t, nan, posinf, neginf);
}
