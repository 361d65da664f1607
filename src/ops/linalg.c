/*
 * src/ops/linalg.c - matrix products: mm, bmm, matmul, dot, mv, outer, addmm,
 * baddbmm. Each op checks its arguments in PyTorch 1.13's order (so the same
 * misuse gets the same message), allocates a contiguous result and hands
 * pointers and strides to the GEMM kernel (src/kernels/gemm.h): transposed
 * and sliced operands are never copied first.
 *
 * Backward formulas sit beside each forward (PyTorch's derivatives.yaml):
 * mm's is grad @ b^T and a^T @ grad, and the others follow from it. They are
 * written with the public ops, on transposed views (which reach the GEMM as
 * transpose flags, not copies), so they are differentiable themselves. matmul
 * records no node of its own: like PyTorch it is dot, mv, mm or bmm between
 * differentiable views (unsqueeze, expand, reshape), so its gradient, a
 * broadcast batch dim's sum included, and its second derivative come from
 * those.
 */
#include "../autograd/internal.h"
#include "../kernels/gemm.h"
#include "internal.h"

/* PyTorch's ScalarType names, as its dtype messages print them. */

/* PyTorch's dispatch error for a dtype a kernel does not have (bool here). */
static bool reject_bool(const char *fn, const char *kernel, ct_dtype d) {
    if (ct__gemm_supports(d)) return false;
    ct__error(CT_ERR_TYPE, fn, "\"%s\" not implemented for '%s'", kernel, ct__scalar_type_name(d));
    return true;
}

/* "expected scalar type Float but found Double": operands of a product share a dtype. */
static bool check_same_dtype(const char *fn, ct_dtype expected, ct_dtype found) {
    if (expected == found) return true;
    ct__error(CT_ERR_TYPE, fn, "expected scalar type %s but found %s", ct__scalar_type_name(expected),
              ct__scalar_type_name(found));
    return false;
}

/* alpha or beta for the kernel: integer results truncate a float scalar, as PyTorch does. */
static ct_gemm_scalar gemm_scalar(ct_scalar s) {
    double f = ct_scalar_to_double(s);
    int64_t i = s.kind == CT_SCALAR_FLOAT ? (int64_t)s.v.f : s.v.i;
    return ct__gemm_scalar(f, i);
}

static bool scalar_is_zero(ct_scalar s, ct_dtype d) {
    ct_gemm_scalar g = gemm_scalar(s);
    return ct_dtype_is_floating(d) ? g.f == 0 : g.i == 0;
}

/* A 2-d tensor as a kernel operand (dims d0, d1 of t). */
static ct_gemm_mat mat_of(const ct_tensor *t, int d0, int d1) {
    return (ct_gemm_mat){ct__data(t), t->strides[d0], t->strides[d1]};
}

/* ------------------------------------------------------------- autograd */

/*
 * Every product's node: the inputs a product's backward reads (saved only
 * when the other operand needs a gradient, as PyTorch does), alpha and beta,
 * and whether each matrix operand was column-major (see mat1_grad).
 */
typedef struct {
    double alpha, beta;
    bool colmajor[3];
} prod_ctx;

/* Slots of the saved tensors: the operands of the product (mat1/batch1, mat2/batch2). */
enum { SAVED_P, SAVED_Q, NUM_SAVED };

/* A matrix stored column by column: its transpose is dense (a weight used as w.t()). */
static bool is_colmajor(const ct_tensor *t) {
    return t->ndim == 2 && t->strides[0] == 1 && t->strides[1] == t->shape[0];
}

/*
 * Records `type` for out = product of p and q (inputs ins[0..n), p and q the
 * last two), saving p when q needs a gradient and q when p does. Returns out,
 * or NULL (out freed) when the node could not be allocated.
 */
static ct_tensor *record_product(const ct_node_type *type, ct_tensor *out, int n,
                                 ct_tensor *const *ins, double alpha, double beta) {
    if (!out || !ct__should_record(n, ins)) return out;
    ct_node *node = ct__record(type, out, n, ins, NUM_SAVED, sizeof(prod_ctx));
    if (!node) {
        ct_free(out);
        return NULL;
    }
    prod_ctx *c = node->ctx;
    c->alpha = alpha;
    c->beta = beta;
    for (int i = 0; i < n; i++) c->colmajor[i] = is_colmajor(ins[i]);
    const int p = n - 2, q = n - 1;
    if (ct__needs_grad(node, q)) ct__save(node, SAVED_P, ins[p]);
    if (ct__needs_grad(node, p)) ct__save(node, SAVED_Q, ins[q]);
    return out;
}

/* PyTorch's maybe_multiply for the incoming gradient: g * s, or g (a new alias) when s is 1. */
static ct_tensor *scaled(ct_tensor *g, double s) {
    if (!g) return NULL;
    if (s == 1.0) return ct_alias(g);
    return ct_mul_scalar(g, s);
}

/* The same for a product made by this backward (a temporary): no alias needed when s is 1. */
static ct_tensor *times(ct_tensor *prod, double s) {
    if (!prod || s == 1.0) return prod;
    return ct_mul_scalar(prod, s);
}

/*
 * The gradient of mat1 in alpha * mat1 @ mat2: alpha * g @ mat2^T. When mat1
 * was column-major the same product is computed transposed, (mat2 @ g^T)^T,
 * so the gradient comes out column-major too (PyTorch's mm_mat1_backward):
 * a transposed weight's gradient then lands dense in the weight's own layout.
 */
static ct_tensor *mat1_grad(ct_tensor *g, ct_tensor *mat2, bool colmajor, double alpha) {
    if (!mat2) return NULL;
    ct_tensor *prod = colmajor ? ct_t(ct_mm(mat2, ct_t(g))) : ct_mm(g, ct_t(mat2));
    return times(prod, alpha);
}

/* The gradient of mat2: alpha * mat1^T @ g, or (g^T @ mat1)^T for a column-major mat2. */
static ct_tensor *mat2_grad(ct_tensor *g, ct_tensor *mat1, bool colmajor, double alpha) {
    if (!mat1) return NULL;
    ct_tensor *prod = colmajor ? ct_t(ct_mm(ct_t(g), mat1)) : ct_mm(ct_t(mat1), g);
    return times(prod, alpha);
}

/* The batched forms: alpha * g @ batch2^T and alpha * batch1^T @ g, per matrix. */
static ct_tensor *batch1_grad(ct_tensor *g, ct_tensor *batch2, double alpha) {
    return batch2 ? times(ct_bmm(g, ct_transpose(batch2, 1, 2)), alpha) : NULL;
}
static ct_tensor *batch2_grad(ct_tensor *g, ct_tensor *batch1, double alpha) {
    return batch1 ? times(ct_bmm(ct_transpose(batch1, 1, 2), g), alpha) : NULL;
}

/* 0 when every gradient asked for was computed, else the pending error. */
static int check_grads(ct_node *n, ct_tensor **gi) {
    for (int i = 0; i < n->num_inputs; i++)
        if (ct__needs_grad(n, i) && !gi[i]) return ct_last_error_code();
    return 0;
}

/* ------------------------------------------------------------------- mm */

/* out (n x p, contiguous) = alpha * a @ b + beta * out, for 2-d a and b. */
static int run_mm(ct_tensor *out, ct_tensor *a, ct_tensor *b, ct_gemm_scalar alpha,
                  ct_gemm_scalar beta, const char *fn) {
    ct_gemm_out c = {ct__data(out), out->shape[1], 1};
    return ct__gemm_strided(a->dtype, a->shape[0], b->shape[1], a->shape[1], alpha,
                            mat_of(a, 0, 1), mat_of(b, 0, 1), beta, c, fn);
}

static bool check_mm_shapes(const char *fn, const ct_tensor *a, const ct_tensor *b) {
    if (a->shape[1] == b->shape[0]) return true;
    ct__error(CT_ERR_RUNTIME, fn, "mat1 and mat2 shapes cannot be multiplied (%lldx%lld and %lldx%lld)",
              (long long)a->shape[0], (long long)a->shape[1], (long long)b->shape[0],
              (long long)b->shape[1]);
    return false;
}

/* mm: grad_a = g @ b^T, grad_b = a^T @ g. */
static int mm_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const prod_ctx *c = n->ctx;
    if (ct__needs_grad(n, 0)) gi[0] = mat1_grad(g[0], ct__saved(n, SAVED_Q), c->colmajor[0], 1.0);
    if (ct__needs_grad(n, 1)) gi[1] = mat2_grad(g[0], ct__saved(n, SAVED_P), c->colmajor[1], 1.0);
    return check_grads(n, gi);
}
static const ct_node_type mm_type = {"MmBackward0", mm_backward};

static ct_tensor *mm_impl(const char *fn, ct_tensor *a, ct_tensor *b) {
    if (a->ndim != 2) {
        ct__error(CT_ERR_RUNTIME, fn, "self must be a matrix");
        return NULL;
    }
    if (b->ndim != 2) {
        ct__error(CT_ERR_RUNTIME, fn, "mat2 must be a matrix");
        return NULL;
    }
    if (!check_mm_shapes(fn, a, b) || !ct__check_same_device(a, b, fn)) return NULL;
    if (reject_bool(fn, "addmm_impl_cpu_", a->dtype)) return NULL;
    if (!check_same_dtype(fn, a->dtype, b->dtype)) return NULL;
    int64_t shape[2] = {a->shape[0], b->shape[1]};
    ct_tensor *out = ct__tensor_empty(2, shape, a->dtype, a->storage->device, fn);
    if (!out) return NULL;
    if (run_mm(out, a, b, CT_GEMM_ONE, CT_GEMM_ZERO, fn) != 0) {
        ct_free(out);
        return NULL;
    }
    return record_product(&mm_type, out, 2, (ct_tensor *[]){a, b}, 1.0, 0.0);
}

ct_tensor *ct_mm(ct_tensor *a, ct_tensor *b) {
    CT_CHECK_ARG(a, "ct_mm", "self");
    CT_CHECK_ARG(b, "ct_mm", "mat2");
    return mm_impl("ct_mm", a, b);
}

/* ------------------------------------------------------------------ bmm */

static bool check_bmm_args(const char *fn, const char *kernel, const ct_tensor *a,
                           const ct_tensor *b) {
    if (a->ndim != 3) {
        ct__error(CT_ERR_RUNTIME, fn, "batch1 must be a 3D tensor");
        return false;
    }
    if (b->ndim != 3) {
        ct__error(CT_ERR_RUNTIME, fn, "batch2 must be a 3D tensor");
        return false;
    }
    if (b->shape[0] != a->shape[0] || b->shape[1] != a->shape[2]) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Expected size for first two dimensions of batch2 tensor to be: [%lld, %lld] "
                  "but got: [%lld, %lld].",
                  (long long)a->shape[0], (long long)a->shape[2], (long long)b->shape[0],
                  (long long)b->shape[1]);
        return false;
    }
    if (!ct__check_same_device(a, b, fn)) return false;
    if (reject_bool(fn, kernel, a->dtype)) return false;
    return check_same_dtype(fn, a->dtype, b->dtype);
}

/* out (B x n x p, contiguous) = alpha * a @ b + beta * out, matrix by matrix. */
static int run_bmm(ct_tensor *out, ct_tensor *a, ct_tensor *b, ct_gemm_scalar alpha,
                   ct_gemm_scalar beta, const char *fn) {
    ct_gemm_out c = {ct__data(out), out->shape[2], 1};
    return ct__gemm_batched(a->dtype, a->shape[0], a->shape[1], b->shape[2], a->shape[2], alpha,
                            mat_of(a, 1, 2), a->strides[0], mat_of(b, 1, 2), b->strides[0], beta,
                            c, out->shape[1] * out->shape[2], fn);
}

/* bmm: grad_a = g @ b^T, grad_b = a^T @ g, matrix by matrix. */
static int bmm_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    if (ct__needs_grad(n, 0)) gi[0] = batch1_grad(g[0], ct__saved(n, SAVED_Q), 1.0);
    if (ct__needs_grad(n, 1)) gi[1] = batch2_grad(g[0], ct__saved(n, SAVED_P), 1.0);
    return check_grads(n, gi);
}
static const ct_node_type bmm_type = {"BmmBackward0", bmm_backward};

static ct_tensor *bmm_impl(const char *fn, ct_tensor *a, ct_tensor *b) {
    if (!check_bmm_args(fn, "bmm", a, b)) return NULL;
    int64_t shape[3] = {a->shape[0], a->shape[1], b->shape[2]};
    ct_tensor *out = ct__tensor_empty(3, shape, a->dtype, a->storage->device, fn);
    if (!out) return NULL;
    if (run_bmm(out, a, b, CT_GEMM_ONE, CT_GEMM_ZERO, fn) != 0) {
        ct_free(out);
        return NULL;
    }
    return record_product(&bmm_type, out, 2, (ct_tensor *[]){a, b}, 1.0, 0.0);
}

ct_tensor *ct_bmm(ct_tensor *a, ct_tensor *b) {
    CT_CHECK_ARG(a, "ct_bmm", "self");
    CT_CHECK_ARG(b, "ct_bmm", "mat2");
    return bmm_impl("ct_bmm", a, b);
}

/* ------------------------------------------------------------- dot, mv */

/* dot: grad_a = g * b, grad_b = g * a (g is 0-d). */
static int dot_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    ct_tensor *a = ct__needs_grad(n, 1) ? ct__saved(n, SAVED_P) : NULL;
    ct_tensor *b = ct__needs_grad(n, 0) ? ct__saved(n, SAVED_Q) : NULL;
    if (ct__needs_grad(n, 0)) gi[0] = b ? ct_mul(g[0], b) : NULL;
    if (ct__needs_grad(n, 1)) gi[1] = a ? ct_mul(g[0], a) : NULL;
    return check_grads(n, gi);
}
static const ct_node_type dot_type = {"DotBackward0", dot_backward};

static ct_tensor *dot_impl(const char *fn, ct_tensor *a, ct_tensor *b) {
    if (a->ndim != 1 || b->ndim != 1) {
        ct__error(CT_ERR_RUNTIME, fn, "1D tensors expected, but got %dD and %dD tensors", a->ndim,
                  b->ndim);
        return NULL;
    }
    if (a->dtype != b->dtype) {
        ct__error(CT_ERR_TYPE, fn,
                  "dot : expected both vectors to have same dtype, but found %s and %s",
                  ct__scalar_type_name(a->dtype), ct__scalar_type_name(b->dtype));
        return NULL;
    }
    if (a->shape[0] != b->shape[0]) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "inconsistent tensor size, expected tensor [%lld] and src [%lld] to have the "
                  "same number of elements, but got %lld and %lld elements respectively",
                  (long long)a->shape[0], (long long)b->shape[0], (long long)a->shape[0],
                  (long long)b->shape[0]);
        return NULL;
    }
    if (!ct__check_same_device(a, b, fn) || reject_bool(fn, "dot", a->dtype)) return NULL;
    ct_tensor *out = ct__tensor_empty(0, NULL, a->dtype, a->storage->device, fn);
    if (!out) return NULL;
    /* (1 x K) @ (K x 1) */
    ct_gemm_mat A = {ct__data(a), 1, a->strides[0]}, B = {ct__data(b), b->strides[0], 1};
    if (ct__gemm_strided(a->dtype, 1, 1, a->shape[0], CT_GEMM_ONE, A, B, CT_GEMM_ZERO,
                         (ct_gemm_out){ct__data(out), 1, 1}, fn) != 0) {
        ct_free(out);
        return NULL;
    }
    return record_product(&dot_type, out, 2, (ct_tensor *[]){a, b}, 1.0, 0.0);
}

ct_tensor *ct_dot(ct_tensor *a, ct_tensor *b) {
    CT_CHECK_ARG(a, "ct_dot", "self");
    CT_CHECK_ARG(b, "ct_dot", "tensor");
    return dot_impl("ct_dot", a, b);
}

/* mv: grad_mat = outer(g, vec), grad_vec = mat^T @ g. */
static int mv_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    ct_tensor *m = ct__needs_grad(n, 1) ? ct__saved(n, SAVED_P) : NULL;
    ct_tensor *v = ct__needs_grad(n, 0) ? ct__saved(n, SAVED_Q) : NULL;
    if (ct__needs_grad(n, 0)) gi[0] = v ? ct_outer(g[0], v) : NULL;
    if (ct__needs_grad(n, 1)) gi[1] = m ? ct_mv(ct_t(m), g[0]) : NULL;
    return check_grads(n, gi);
}
static const ct_node_type mv_type = {"MvBackward0", mv_backward};

static ct_tensor *mv_impl(const char *fn, ct_tensor *m, ct_tensor *v) {
    if (m->ndim != 2 || v->ndim != 1) {
        ct__error(CT_ERR_RUNTIME, fn, "vector + matrix @ vector expected, got 1, %d, %d", m->ndim,
                  v->ndim);
        return NULL;
    }
    if (m->shape[1] != v->shape[0]) {
        ct__error(CT_ERR_RUNTIME, fn, "size mismatch, got %lld, %lldx%lld,%lld",
                  (long long)m->shape[0], (long long)m->shape[0], (long long)m->shape[1],
                  (long long)v->shape[0]);
        return NULL;
    }
    if (!ct__check_same_device(m, v, fn)) return NULL;
    if (reject_bool(fn, "addmv_impl_cpu", m->dtype)) return NULL;
    if (!check_same_dtype(fn, m->dtype, v->dtype)) return NULL;
    ct_tensor *out = ct__tensor_empty(1, m->shape, m->dtype, m->storage->device, fn);
    if (!out) return NULL;
    /* (n x m) @ (m x 1) */
    ct_gemm_mat B = {ct__data(v), v->strides[0], 1};
    if (ct__gemm_strided(m->dtype, m->shape[0], 1, m->shape[1], CT_GEMM_ONE, mat_of(m, 0, 1), B,
                         CT_GEMM_ZERO, (ct_gemm_out){ct__data(out), 1, 1}, fn) != 0) {
        ct_free(out);
        return NULL;
    }
    return record_product(&mv_type, out, 2, (ct_tensor *[]){m, v}, 1.0, 0.0);
}

ct_tensor *ct_mv(ct_tensor *mat, ct_tensor *vec) {
    CT_CHECK_ARG(mat, "ct_mv", "self");
    CT_CHECK_ARG(vec, "ct_mv", "vec");
    return mv_impl("ct_mv", mat, vec);
}

/* ---------------------------------------------------------------- outer */

ct_tensor *ct_outer(ct_tensor *a, ct_tensor *b) {
    CT_CHECK_ARG(a, "ct_outer", "self");
    CT_CHECK_ARG(b, "ct_outer", "vec2");
    if (a->ndim != 1 || b->ndim != 1) {
        ct__error(CT_ERR_RUNTIME, "ct_outer", "outer: Expected 1-D argument %s, but got %d-D",
                  a->ndim != 1 ? "self" : "vec2", a->ndim != 1 ? a->ndim : b->ndim);
        return NULL;
    }
    /* PyTorch's definition: self.reshape(-1, 1) * vec2, with mul's promotion and gradient. */
    ct_tensor *col = ct_unsqueeze(a, 1);
    ct_tensor *out = col ? ct_mul(col, b) : NULL;
    ct_free(col);
    return out;
}

/* --------------------------------------------------------------- matmul */

/* tensor.mT: the last two dims swapped (a view). */
static ct_tensor *mT(ct_tensor *t) { return ct_transpose(t, -2, -1); }

/*
 * PyTorch folds the batch dims of a >= 3-d operand into the rows of one mm
 * when the other operand is 1-d or 2-d, except for a 3-d operand whose last
 * two dims are transposed in place (bmm handles that without a copy).
 */
static bool should_fold(const ct_tensor *t1, int dim2) {
    if (t1->ndim >= 3 && (dim2 == 1 || dim2 == 2)) {
        if (t1->ndim == 3 && dim2 == 2 && t1->strides[2] != 1 &&
            t1->strides[0] == t1->shape[1] * t1->shape[2])
            return false;
        return true;
    }
    return false;
}

/* One >= 3-d operand times a 1-d or 2-d one, as one mm or mv over folded rows. */
static ct_tensor *matmul_folded(const char *fn, ct_tensor *a, ct_tensor *b) {
    const bool transpose = b->ndim > a->ndim;
    ct_tensor *t1 = NULL, *t2 = NULL, *folded = NULL, *prod = NULL, *out = NULL;
    /* (a @ b) = (b^T @ a^T)^T: the big operand always goes first. */
    t1 = transpose ? mT(b) : ct_alias(a);
    t2 = !transpose ? ct_alias(b) : a->ndim == 2 ? ct_t(a) : ct_alias(a);
    if (!t1 || !t2) goto done;
    ct_shape out_shape = {.ndim = t1->ndim - 1};
    int64_t rows = 1;
    for (int i = 0; i < t1->ndim - 1; i++) rows *= (out_shape.d[i] = t1->shape[i]);
    const bool t2_matrix = t2->ndim == 2;
    if (t2_matrix) out_shape.d[out_shape.ndim++] = t2->shape[1];
    folded = ct_reshape(t1, CT_SHAPE(rows, t1->shape[t1->ndim - 1]));
    if (!folded) goto done;
    prod = t2_matrix ? mm_impl(fn, folded, t2) : mv_impl(fn, folded, t2);
    if (!prod) goto done;
    out = ct_view(prod, out_shape);
    if (out && transpose && t2_matrix) {
        ct_tensor *tr = mT(out);
        ct_free(out);
        out = tr ? ct_contiguous(tr) : NULL;
        ct_free(tr);
    }
done:
    ct_free(t1);
    ct_free(t2);
    ct_free(folded);
    ct_free(prod);
    return out;
}

/* Both operands batched: broadcast the batch dims, flatten them, one bmm. */
static ct_tensor *matmul_batched(const char *fn, ct_tensor *a, ct_tensor *b) {
    const int d1 = a->ndim, d2 = b->ndim;
    const int64_t n = d1 > 1 ? a->shape[d1 - 2] : 1, m1 = a->shape[d1 - 1];
    const int64_t m2 = d2 > 1 ? b->shape[d2 - 2] : b->shape[0], p = d2 > 1 ? b->shape[d2 - 1] : 1;
    const int nb1 = d1 > 2 ? d1 - 2 : 0, nb2 = d2 > 2 ? d2 - 2 : 0;
    ct_shape batch;
    if (!ct__broadcast_shapes(nb1, a->shape, nb2, b->shape, &batch.ndim, batch.d, fn)) return NULL;
    if (batch.ndim + 2 > CT_MAX_DIMS) {
        ct__error(CT_ERR_RUNTIME, fn, "matmul: too many dimensions");
        return NULL;
    }
    int64_t nbatch = 1;
    for (int i = 0; i < batch.ndim; i++) nbatch *= batch.d[i];
    ct_shape s1 = batch, s2 = batch, out_shape = batch;
    s1.d[s1.ndim++] = n;
    s1.d[s1.ndim++] = m1;
    s2.d[s2.ndim++] = m2;
    s2.d[s2.ndim++] = p;
    if (d1 > 1) out_shape.d[out_shape.ndim++] = n;
    if (d2 > 1) out_shape.d[out_shape.ndim++] = p;
    ct_tensor *e1 = ct_expand(a, s1), *e2 = ct_expand(b, s2);
    ct_tensor *r1 = e1 ? ct_reshape(e1, CT_SHAPE(nbatch, n, m1)) : NULL;
    ct_tensor *r2 = e2 ? ct_reshape(e2, CT_SHAPE(nbatch, m2, p)) : NULL;
    ct_tensor *prod = r1 && r2 ? bmm_impl(fn, r1, r2) : NULL;
    ct_tensor *out = prod ? ct_view(prod, out_shape) : NULL;
    ct_free(e1);
    ct_free(e2);
    ct_free(r1);
    ct_free(r2);
    ct_free(prod);
    return out;
}

ct_tensor *ct_matmul(ct_tensor *a, ct_tensor *b) {
    const char *fn = "ct_matmul";
    CT_CHECK_ARG(a, fn, "self");
    CT_CHECK_ARG(b, fn, "other");
    const int d1 = a->ndim, d2 = b->ndim;
    if (d1 == 0 || d2 == 0) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "both arguments to matmul need to be at least 1D, but they are %dD and %dD", d1,
                  d2);
        return NULL;
    }
    if (d1 == 1 && d2 == 1) return dot_impl(fn, a, b);
    if (d1 == 2 && d2 == 1) return mv_impl(fn, a, b);
    if (d1 == 2 && d2 == 2) return mm_impl(fn, a, b);
    if (d1 == 1 && d2 == 2) {
        ct_tensor *row = ct_unsqueeze(a, 0);
        ct_tensor *prod = row ? mm_impl(fn, row, b) : NULL;
        ct_tensor *out = prod ? ct_squeeze_dim(prod, 0) : NULL;
        ct_free(row);
        ct_free(prod);
        return out;
    }
    if (should_fold(a, d2) || should_fold(b, d1)) return matmul_folded(fn, a, b);
    return matmul_batched(fn, a, b);
}

/* --------------------------------------------------------- addmm, baddbmm */

/*
 * out = self broadcast to `shape` and converted to dtype, the C a product with
 * beta accumulates into; left uninitialized when beta is 0 (self is not read).
 */
static ct_tensor *init_accumulator(const char *fn, ct_tensor *self, ct_shape shape,
                                   ct_dtype dtype, bool read_self) {
    ct_tensor *expanded = ct_expand(self, shape);
    if (!expanded) return NULL;
    ct_tensor *out = ct__tensor_empty(shape.ndim, shape.d, dtype, self->storage->device, fn);
    if (out && read_self && ct__copy_into(out, expanded, fn) != 0) {
        ct_free(out);
        out = NULL;
    }
    ct_free(expanded);
    return out;
}

/*
 * addmm: grad_self = beta * g (summed to self's shape by the engine),
 * grad_mat1 = alpha * g @ mat2^T, grad_mat2 = alpha * mat1^T @ g.
 */
static int addmm_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const prod_ctx *c = n->ctx;
    if (ct__needs_grad(n, 0)) gi[0] = scaled(g[0], c->beta);
    if (ct__needs_grad(n, 1))
        gi[1] = mat1_grad(g[0], ct__saved(n, SAVED_Q), c->colmajor[1], c->alpha);
    if (ct__needs_grad(n, 2))
        gi[2] = mat2_grad(g[0], ct__saved(n, SAVED_P), c->colmajor[2], c->alpha);
    return check_grads(n, gi);
}
static const ct_node_type addmm_type = {"AddmmBackward0", addmm_backward};

/*
 * baddbmm: grad_self = beta * g, grad_batch1 = alpha * g @ batch2^T,
 * grad_batch2 = alpha * batch1^T @ g.
 */
static int baddbmm_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const prod_ctx *c = n->ctx;
    if (ct__needs_grad(n, 0)) gi[0] = scaled(g[0], c->beta);
    if (ct__needs_grad(n, 1)) gi[1] = batch1_grad(g[0], ct__saved(n, SAVED_Q), c->alpha);
    if (ct__needs_grad(n, 2)) gi[2] = batch2_grad(g[0], ct__saved(n, SAVED_P), c->alpha);
    return check_grads(n, gi);
}
static const ct_node_type baddbmm_type = {"BaddbmmBackward0", baddbmm_backward};

ct_tensor *ct_addmm_sc(ct_tensor *self, ct_tensor *mat1, ct_tensor *mat2, ct_scalar beta,
                       ct_scalar alpha) {
    const char *fn = "ct_addmm";
    CT_CHECK_ARG(self, fn, "self");
    CT_CHECK_ARG(mat1, fn, "mat1");
    CT_CHECK_ARG(mat2, fn, "mat2");
    if (mat1->ndim != 2 || mat2->ndim != 2) {
        bool first = mat1->ndim != 2;
        ct__error(CT_ERR_RUNTIME, fn, "%s must be a matrix, got %d-D tensor",
                  first ? "mat1" : "mat2", first ? mat1->ndim : mat2->ndim);
        return NULL;
    }
    if (!check_mm_shapes(fn, mat1, mat2)) return NULL;
    if (mat1->dtype != mat2->dtype) {
        ct__error(CT_ERR_TYPE, fn, "mat1 and mat2 must have the same dtype");
        return NULL;
    }
    if (self->dtype != mat2->dtype) {
        ct__error(CT_ERR_TYPE, fn, "self and mat2 must have the same dtype");
        return NULL;
    }
    if (!ct__check_same_device(self, mat1, fn) || !ct__check_same_device(mat1, mat2, fn))
        return NULL;
    const bool read_self = !scalar_is_zero(beta, mat1->dtype);
    ct_tensor *out = init_accumulator(fn, self, CT_SHAPE(mat1->shape[0], mat2->shape[1]),
                                      mat1->dtype, read_self && ct__gemm_supports(mat1->dtype));
    if (!out) return NULL;
    if (reject_bool(fn, "addmm_impl_cpu_", mat1->dtype) ||
        run_mm(out, mat1, mat2, gemm_scalar(alpha), read_self ? gemm_scalar(beta) : CT_GEMM_ZERO,
               fn) != 0) {
        ct_free(out);
        return NULL;
    }
    return record_product(&addmm_type, out, 3, (ct_tensor *[]){self, mat1, mat2},
                          ct_scalar_to_double(alpha), ct_scalar_to_double(beta));
}

ct_tensor *ct_baddbmm_sc(ct_tensor *self, ct_tensor *batch1, ct_tensor *batch2, ct_scalar beta,
                         ct_scalar alpha) {
    const char *fn = "ct_baddbmm";
    CT_CHECK_ARG(self, fn, "self");
    CT_CHECK_ARG(batch1, fn, "batch1");
    CT_CHECK_ARG(batch2, fn, "batch2");
    /* PyTorch sizes the result from batch1.size(0), batch1.size(1), batch2.size(2) first. */
    int i0 = ct__wrap_dim(0, batch1->ndim, fn);
    int i1 = i0 < 0 ? -1 : ct__wrap_dim(1, batch1->ndim, fn);
    int i2 = i1 < 0 ? -1 : ct__wrap_dim(2, batch2->ndim, fn);
    if (i2 < 0) return NULL;
    ct_shape shape = CT_SHAPE(batch1->ndim ? batch1->shape[i0] : 1,
                              batch1->ndim ? batch1->shape[i1] : 1, batch2->shape[i2]);
    ct_tensor *probe = ct_expand(self, shape); /* the size check comes before bmm's */
    if (!probe) return NULL;
    ct_free(probe);
    if (!check_bmm_args(fn, "baddbmm", batch1, batch2) ||
        !ct__check_same_device(self, batch1, fn))
        return NULL;
    const bool read_self = !scalar_is_zero(beta, batch1->dtype);
    ct_tensor *out = init_accumulator(fn, self, shape, batch1->dtype, read_self);
    if (!out) return NULL;
    if (run_bmm(out, batch1, batch2, gemm_scalar(alpha),
                read_self ? gemm_scalar(beta) : CT_GEMM_ZERO, fn) != 0) {
        ct_free(out);
        return NULL;
    }
    return record_product(&baddbmm_type, out, 3, (ct_tensor *[]){self, batch1, batch2},
                          ct_scalar_to_double(alpha), ct_scalar_to_double(beta));
}
