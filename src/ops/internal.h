/*
 * src/ops/internal.h - shared plumbing of the public ops: argument checks,
 * output meta, and the drivers that run pointwise kernels.
 */
#ifndef CT_OPS_INTERNAL_H
#define CT_OPS_INTERNAL_H

#include "../core/internal.h"
#include "../kernels/pointwise.h"

/*
 * How a binary op treats dtypes. The compute dtype is the promoted dtype of
 * the inputs (ct_result_type); then:
 *   SAME       out = compute                    (add, mul, maximum, ...)
 *   TO_FLOAT   integral compute -> default float (true division)
 *   PREDICATE  out = bool                       (comparisons, logical ops)
 */
typedef enum { CT_OUT_SAME, CT_OUT_TO_FLOAT, CT_OUT_PREDICATE } ct_out_rule;

typedef struct {
    const char *fn;      /* public name for messages, e.g. "ct_add" */
    ct_binary_op op;
    ct_out_rule rule;
    ct_binary_ctx ctx;   /* alpha */
    bool logical;        /* inputs are read as truth values: compute in bool-free common dtype */
} ct_binary_call;

/*
 * Runs a binary op: out = op(a, b) with broadcasting and promotion.
 *   dst == NULL  allocates the result (a new reference);
 *   dst == a     in place: the broadcast shape must be a's, the result dtype castable to a's;
 *   other dst    an `_out` call: dst must have the broadcast shape.
 * `compute` overrides the promoted dtype when not CT_DTYPE_UNSET.
 */
ct_tensor *ct__binary(ct_binary_call *call, ct_tensor *dst, ct_tensor *a, ct_tensor *b,
                      ct_dtype compute);

/* A 0-d tensor on the stack holding s in dtype d, for scalar forms (never escapes). */
typedef struct {
    ct_tensor t;
    ct_storage st;
    union {
        double f;
        int64_t i;
        char bytes[8];
    } v;
} ct_scalar_holder;
ct_tensor *ct__scalar_holder(ct_scalar_holder *h, ct_scalar s, ct_dtype d);

/* Runs a binary op with a scalar right operand (type rules of torch.add(t, python_number)). */
ct_tensor *ct__binary_scalar(ct_binary_call *call, ct_tensor *dst, ct_tensor *a, ct_scalar s,
                             bool scalar_first);

/* PyTorch's canCast: may a result of dtype `from` be written into `to` in place? */
bool ct__can_cast(ct_dtype from, ct_dtype to);

/*
 * Runs a unary op: out = op(a). `out_dtype` is the result dtype (callers apply
 * PyTorch's rules: float functions turn integers into the default float).
 * dst as for ct__binary.
 */
ct_tensor *ct__unary(const char *fn, ct_unary_op op, const ct_unary_ctx *ctx, ct_tensor *dst,
                     ct_tensor *a, ct_dtype out_dtype);

/*
 * Runs a ternary op: out = op(x, y, z) with all three broadcast together. The
 * inputs are converted to `compute` (x too unless keep_x, as for where's
 * condition) and the result has that dtype. dst as for ct__binary (dst == x is
 * in place). Callers check NULL arguments first.
 */
ct_tensor *ct__ternary(const char *fn, ct_ternary_op op, ct_tensor *dst, ct_tensor *x,
                       ct_tensor *y, ct_tensor *z, ct_dtype compute, bool keep_x);

/*
 * Ops that select values along dim w of t at positions idx (max/min with dim,
 * sort, topk, kthvalue; src/ops/reduce.c): records node `type` (whose
 * backward is ct__select_backward) with `values` as its output and idx
 * saved (the indices themselves are not differentiable). Does nothing unless
 * t is floating and recording is on.
 */
typedef struct ct_node ct_node;
struct ct_node_type;
void ct__record_select(const struct ct_node_type *type, ct_tensor *values, ct_tensor *idx,
                       ct_tensor *t, int w, bool keepdim);
/* Backward of those ops: the gradient scattered back to the selected positions. */
int ct__select_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi);

/*
 * Sum of `in` over the dims marked in mask (in->ndim entries) into a new
 * contiguous tensor of shape (ndim, shape), which must list the kept dims'
 * sizes in order, give or take size-1 dims; not recorded. The same kernel and
 * order of additions as ct_sum_dims, without its result's reshape: for
 * ct__sum_to when no graph is built (src/ops/reduce.c). The dtype must be one
 * whose sum keeps it (floating).
 */
ct_tensor *ct__sum_as(ct_tensor *in, const bool *mask, int ndim, const int64_t *shape,
                      const char *fn);

/* Records the autograd node of a ct_index view v of t (src/ops/view.c). */
ct_tensor *ct__record_index_view(ct_tensor *v, ct_tensor *t, const char *index);

/*
 * ReLU's backward in one fused pass (PyTorch's threshold_backward(g, result, 0)):
 * g where result > 0 (or NaN), else 0. Not recorded: for backwards without
 * create_graph (src/ops/activation.c).
 */
ct_tensor *ct__threshold_backward(ct_tensor *g, ct_tensor *result);

#endif
