/*
 * src/ops/ternary.c - elementwise ops of three tensors: where, lerp and clamp
 * with tensor bounds, with their scalar and in-place forms. All three inputs
 * broadcast together. Each op's backward sits beside its forward.
 */
#include "../autograd/internal.h"
#include "internal.h"


/* The C++ type names PyTorch's lerp prints ("expected dtype float ... got dtype long int"). */
static const char *cpp_type_name(ct_dtype d) {
    static const char *const names[CT_NUM_DTYPES] = {"Undefined", "float",         "double", "int",
                                                     "long int",  "unsigned char", "bool"};
    return ct__dtype_valid(d) ? names[d] : "Undefined";
}

/* bool < integer < floating: the categories of type promotion. */
static int category(ct_dtype d) { return ct_dtype_is_floating(d) ? 2 : d == CT_BOOL ? 0 : 1; }

/*
 * torch.result_type over n tensors (NULL entries skipped): tensors with dims
 * decide, 0-d tensors only lift the category (c10's ResultTypeState).
 */
static ct_dtype result_type(ct_tensor *const *ts, int n) {
    ct_dtype dim = CT_DTYPE_UNSET, zero = CT_DTYPE_UNSET;
    for (int i = 0; i < n; i++) {
        if (!ts[i]) continue;
        if (ts[i]->ndim > 0) dim = ct_promote_types(dim, ts[i]->dtype);
        else zero = ct_promote_types(zero, ts[i]->dtype);
    }
    if (dim == CT_DTYPE_UNSET) return zero;
    if (zero != CT_DTYPE_UNSET && category(zero) > category(dim)) return ct_promote_types(dim, zero);
    return dim;
}

/* The dtype of a Python number of this kind once wrapped into a tensor. */
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

/* ------------------------------------------------------------- recording */

/* The value t had before this op: the version saved with it (ct_version before the op). */
static void save_before(ct_node *n, int slot, ct_tensor *t, ct_tensor *dst, int64_t version) {
    /* t is the in-place output itself: saved without a cycle, and at its old version so that
     * the backward reports the change, as PyTorch does. */
    if (t == dst) ct__save_output(n, slot, t, 0);
    else ct__save(n, slot, t);
    n->saved[slot].version = version;
}

/*
 * t's current value, for an in-place op whose backward reads it. The copy is
 * recorded (a CloneBackward0), so with create_graph it still leads back to t's
 * old history and second-order gradients reach it.
 */
static ct_tensor *clone_old(ct_tensor *t) { return ct_clone(t); }

/* ----------------------------------------------------------------- where */

/* WhereBackward0: the gradient goes to a where cond holds, to b elsewhere. */
static int where_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    ct_tensor *cond = ct__saved(n, 0);
    if (!cond) return ct_last_error_code();
    ct_scalar zero = ct_scalar_float(0.0);
    if (ct__needs_grad(n, 0) && !(gi[0] = ct_where_sc_other(cond, g[0], zero))) return ct_last_error_code();
    if (ct__needs_grad(n, 1) && !(gi[1] = ct_where_sc_self(cond, zero, g[0]))) return ct_last_error_code();
    return 0;
}
static const ct_node_type where_type = {"WhereBackward0", where_backward};

/* Records where's node; a or b is NULL for a number operand (the condition gets no gradient). */
static ct_tensor *record_where(ct_tensor *out, ct_tensor *cond, ct_tensor *a, ct_tensor *b) {
    if (!out || !ct_dtype_is_floating(out->dtype)) return out;
    ct_node *n = ct__record(&where_type, out, 2, (ct_tensor *[]){a, b}, 1, 0);
    if (n) ct__save(n, 0, cond);
    return out;
}


/* cond is bool, or uint8 as PyTorch 1.13 still accepts (deprecated there). */
static ct_tensor *where(const char *fn, ct_tensor *cond, ct_tensor *a, ct_tensor *b,
                        ct_dtype out) {
    if (cond->dtype != CT_BOOL && cond->dtype != CT_U8) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "where expected condition to be a boolean tensor, but got a tensor with dtype %s",
                  ct__scalar_type_name(cond->dtype));
        return NULL;
    }
    return ct__ternary(fn, CT_TOP_WHERE, NULL, cond, a, b, out, true);
}

ct_tensor *ct_where(ct_tensor *cond, ct_tensor *a, ct_tensor *b) {
    const char *fn = "ct_where";
    CT_CHECK_ARG(cond, fn, "condition");
    CT_CHECK_ARG(a, fn, "input");
    CT_CHECK_ARG(b, fn, "other");
    return record_where(where(fn, cond, a, b, ct_result_type(a, b)), cond, a, b);
}

ct_tensor *ct_where_sc_self(ct_tensor *cond, ct_scalar a, ct_tensor *b) {
    const char *fn = "ct_where";
    CT_CHECK_ARG(cond, fn, "condition");
    CT_CHECK_ARG(b, fn, "other");
    ct_dtype out = ct_result_type_scalar(b, a);
    if (!scalar_fits(a, out, fn)) return NULL;
    ct_scalar_holder h;
    return record_where(where(fn, cond, ct__scalar_holder(&h, a, out), b, out), cond, NULL, b);
}

ct_tensor *ct_where_sc_other(ct_tensor *cond, ct_tensor *a, ct_scalar b) {
    const char *fn = "ct_where";
    CT_CHECK_ARG(cond, fn, "condition");
    CT_CHECK_ARG(a, fn, "input");
    ct_dtype out = ct_result_type_scalar(a, b);
    if (!scalar_fits(b, out, fn)) return NULL;
    ct_scalar_holder h;
    return record_where(where(fn, cond, a, ct__scalar_holder(&h, b, out), out), cond, a, NULL);
}

ct_tensor *ct_where_sc(ct_tensor *cond, ct_scalar a, ct_scalar b) {
    const char *fn = "ct_where";
    CT_CHECK_ARG(cond, fn, "condition");
    ct_dtype out = ct_promote_types(scalar_dtype(a), scalar_dtype(b));
    ct_scalar_holder ha, hb;
    return where(fn, cond, ct__scalar_holder(&ha, a, out), ct__scalar_holder(&hb, b, out), out);
}

/* ------------------------------------------------------------------ lerp */

/*
 * LerpBackward0 (number weight w): start gets g * (1 - w), end g * w.
 * LerpBackward1 (tensor weight): start g * (1 - weight), end g * weight,
 * weight g * (end - start).
 */
typedef struct {
    bool scalar_weight;
    double w;
} lerp_ctx;

enum { LERP_START, LERP_END, LERP_WEIGHT, LERP_SAVED };

static int lerp_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const lerp_ctx *c = n->ctx;
    bool g0 = ct__needs_grad(n, 0), g1 = ct__needs_grad(n, 1), g2 = ct__needs_grad(n, 2);
    if (c->scalar_weight) {
        if (g0) gi[0] = ct_mul_scalar(g[0], 1.0 - c->w);
        if (g1) gi[1] = ct_mul_scalar(g[0], c->w);
    } else {
        ct_tensor *w = NULL, *start = NULL, *end = NULL;
        if ((g0 || g1) && !(w = ct__saved(n, LERP_WEIGHT))) return ct_last_error_code();
        if (g2 && (!(start = ct__saved(n, LERP_START)) || !(end = ct__saved(n, LERP_END))))
            return ct_last_error_code();
        if (g0) gi[0] = ct_mul(g[0], ct_rsub_scalar(w, 1));
        if (g1) gi[1] = ct_mul(g[0], w);
        if (g2) gi[2] = ct_mul(g[0], ct_sub(end, start));
    }
    if ((g0 && !gi[0]) || (g1 && !gi[1]) || (g2 && !gi[2])) return ct_last_error_code();
    return 0;
}
static const ct_node_type lerp_sc_type = {"LerpBackward0", lerp_backward};
static const ct_node_type lerp_type = {"LerpBackward1", lerp_backward};

/*
 * PyTorch's checks, in its order: end's dtype, weight's dtype, then floating
 * only. A number weight arrives as a 0-d holder (never recorded) with its
 * value in w.
 */
static ct_tensor *lerp(const char *fn, ct_tensor *dst, ct_tensor *start, ct_tensor *end,
                       ct_tensor *weight, bool scalar_weight, double w) {
    ct_dtype d = start->dtype;
    if (end->dtype != d || (!scalar_weight && weight->dtype != d)) {
        bool bad_end = end->dtype != d;
        ct__error(CT_ERR_RUNTIME, fn, "expected dtype %s for `%s` but got dtype %s",
                  cpp_type_name(d), bad_end ? "end" : "weight",
                  cpp_type_name(bad_end ? end->dtype : weight->dtype));
        return NULL;
    }
    if (!ct_dtype_is_floating(d)) {
        ct__error(CT_ERR_TYPE, fn, "\"%s\" not implemented for '%s'",
                  scalar_weight ? "lerp_kernel_scalar" : "lerp_kernel_tensor", ct__scalar_type_name(d));
        return NULL;
    }
    ct_tensor *ins[3] = {start, end, scalar_weight ? NULL : weight};
    bool rec = ct__should_record(3, ins);
    bool inplace = dst && dst == start;
    if (inplace && !ct__check_inplace(start, fn)) return NULL;
    /* The weight's gradient reads start: in place, its old value must be kept. */
    bool need_ends = rec && !scalar_weight && weight->requires_grad;
    bool need_weight = rec && !scalar_weight && (start->requires_grad || end->requires_grad);
    ct_tensor *old = need_ends && inplace ? clone_old(start) : NULL;
    if (need_ends && inplace && !old) return NULL;
    int64_t ver[3] = {ct_version(start), ct_version(end), scalar_weight ? 0 : ct_version(weight)};
    ct_tensor *out = ct__ternary(fn, CT_TOP_LERP, dst, start, end, weight, d, false);
    ct_node *n = out && rec ? ct__record(scalar_weight ? &lerp_sc_type : &lerp_type, out, 3, ins,
                                         LERP_SAVED, sizeof(lerp_ctx))
                            : NULL;
    if (n) {
        lerp_ctx *c = n->ctx;
        c->scalar_weight = scalar_weight;
        c->w = w;
        if (need_ends) {
            if (old) ct__save(n, LERP_START, old);
            else save_before(n, LERP_START, start, dst, ver[0]);
            save_before(n, LERP_END, end, dst, ver[1]);
        }
        if (need_weight) save_before(n, LERP_WEIGHT, weight, dst, ver[2]);
    }
    if (old) ct_free(old);
    return out;
}

ct_tensor *ct_lerp(ct_tensor *start, ct_tensor *end, ct_tensor *weight) {
    const char *fn = "ct_lerp";
    CT_CHECK_ARG(start, fn, "input");
    CT_CHECK_ARG(end, fn, "end");
    CT_CHECK_ARG(weight, fn, "weight");
    return lerp(fn, NULL, start, end, weight, false, 0);
}

ct_tensor *ct_lerp_(ct_tensor *start, ct_tensor *end, ct_tensor *weight) {
    const char *fn = "ct_lerp_";
    CT_CHECK_ARG(start, fn, "input");
    CT_CHECK_ARG(end, fn, "end");
    CT_CHECK_ARG(weight, fn, "weight");
    return lerp(fn, start, start, end, weight, false, 0);
}

/* The number weight rides along as a 0-d tensor of start's dtype. */
static ct_tensor *lerp_sc(const char *fn, ct_tensor *dst, ct_tensor *start, ct_tensor *end,
                          ct_scalar weight) {
    CT_CHECK_ARG(start, fn, "input");
    CT_CHECK_ARG(end, fn, "end");
    if (ct_dtype_is_floating(start->dtype) && !scalar_fits(weight, start->dtype, fn)) return NULL;
    ct_scalar_holder h;
    ct_tensor *w = ct__scalar_holder(&h, weight, start->dtype);
    return lerp(fn, dst, start, end, w, true, ct_scalar_to_double(weight));
}

ct_tensor *ct_lerp_sc(ct_tensor *start, ct_tensor *end, ct_scalar weight) {
    return lerp_sc("ct_lerp", NULL, start, end, weight);
}

ct_tensor *ct_lerp_sc_(ct_tensor *start, ct_tensor *end, ct_scalar weight) {
    return lerp_sc("ct_lerp_", start, start, end, weight);
}

/* ------------------------------------------------------ clamp by tensors */

/*
 * ClampBackward0 (PyTorch's clamp_backward and clamp_backward_min_max): self
 * gets the gradient where min <= self <= max (bounds included); min where
 * self < min (and min < max); max where self > max (or max < min, which wins).
 */
typedef struct {
    bool has_lo, has_hi;
} clamp_ctx;

enum { CLAMP_SELF, CLAMP_LO, CLAMP_HI, CLAMP_SAVED };

static ct_tensor *pass_where(ct_tensor *mask, ct_tensor *g) {
    return mask ? ct_where_sc_other(mask, g, ct_scalar_float(0.0)) : NULL;
}

static int clamp_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const clamp_ctx *c = n->ctx;
    ct_tensor *self = ct__saved(n, CLAMP_SELF);
    ct_tensor *lo = c->has_lo ? ct__saved(n, CLAMP_LO) : NULL;
    ct_tensor *hi = c->has_hi ? ct__saved(n, CLAMP_HI) : NULL;
    if (!self || (c->has_lo && !lo) || (c->has_hi && !hi)) return ct_last_error_code();
    bool g0 = ct__needs_grad(n, 0), g1 = ct__needs_grad(n, 1), g2 = ct__needs_grad(n, 2);
    if (g0) {
        ct_tensor *ge = lo ? ct_ge(self, lo) : NULL, *le = hi ? ct_le(self, hi) : NULL;
        gi[0] = pass_where(lo && hi ? ct_logical_and(ge, le) : lo ? ge : le, g[0]);
    }
    if (g1) {
        ct_tensor *below = ct_lt(self, lo);
        gi[1] = pass_where(hi ? ct_logical_and(below, ct_lt(lo, hi)) : below, g[0]);
    }
    if (g2) {
        ct_tensor *above = ct_gt(self, hi);
        gi[2] = pass_where(lo ? ct_logical_or(above, ct_lt(hi, lo)) : above, g[0]);
    }
    if ((g0 && !gi[0]) || (g1 && !gi[1]) || (g2 && !gi[2])) return ct_last_error_code();
    return 0;
}
static const ct_node_type clamp_type = {"ClampBackward0", clamp_backward};

/*
 * One bound is PyTorch's clamp_min / clamp_max, i.e. maximum / minimum (bool
 * allowed); two bounds run the clamp kernel in result_type(t, min, max).
 */
static ct_tensor *clamp_forward(const char *fn, ct_tensor *dst, ct_tensor *t, ct_tensor *lo,
                                ct_tensor *hi) {
    if (!lo || !hi) {
        ct_binary_call c = {.fn = fn, .op = lo ? CT_BOP_MAXIMUM : CT_BOP_MINIMUM,
                            .rule = CT_OUT_SAME};
        return ct__binary(&c, dst, t, lo ? lo : hi, CT_DTYPE_UNSET);
    }
    ct_tensor *all[3] = {t, lo, hi};
    return ct__ternary(fn, CT_TOP_CLAMP, dst, t, lo, hi, result_type(all, 3), false);
}

static ct_tensor *clamp_tensor(const char *fn, ct_tensor *dst, ct_tensor *t, ct_tensor *lo,
                               ct_tensor *hi) {
    CT_CHECK_ARG(t, fn, "input");
    if (!lo && !hi) {
        ct__error(CT_ERR_RUNTIME, fn, "At least one of 'min' or 'max' must not be None");
        return NULL;
    }
    ct_tensor *ins[3] = {t, lo, hi};
    bool rec = ct__should_record(3, ins);
    bool inplace = dst && dst == t;
    if (inplace && !ct__check_inplace(t, fn)) return NULL;
    /* Every gradient reads self: in place, its old value must be kept. */
    ct_tensor *old = rec && inplace ? clone_old(t) : NULL;
    if (rec && inplace && !old) return NULL;
    int64_t ver[3] = {ct_version(t), lo ? ct_version(lo) : 0, hi ? ct_version(hi) : 0};
    ct_tensor *out = clamp_forward(fn, dst, t, lo, hi);
    ct_node *n = out && rec && ct_dtype_is_floating(out->dtype)
                     ? ct__record(&clamp_type, out, 3, ins, CLAMP_SAVED, sizeof(clamp_ctx))
                     : NULL;
    if (n) {
        clamp_ctx *c = n->ctx;
        c->has_lo = lo != NULL;
        c->has_hi = hi != NULL;
        if (old) ct__save(n, CLAMP_SELF, old);
        else save_before(n, CLAMP_SELF, t, dst, ver[0]);
        if (lo) save_before(n, CLAMP_LO, lo, dst, ver[1]);
        if (hi) save_before(n, CLAMP_HI, hi, dst, ver[2]);
    }
    if (old) ct_free(old);
    return out;
}

ct_tensor *ct_clamp_tensor(ct_tensor *t, ct_tensor *min, ct_tensor *max) {
    return clamp_tensor("ct_clamp", NULL, t, min, max);
}

ct_tensor *ct_clamp_tensor_(ct_tensor *t, ct_tensor *min, ct_tensor *max) {
    return clamp_tensor("ct_clamp_", t, t, min, max);
}
