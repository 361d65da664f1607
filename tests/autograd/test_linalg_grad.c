/*
 * tests/autograd/test_linalg_grad.c - gradients of the matrix products
 * (include/ctorch/linalg.h): gradcheck, first and second order in float64,
 * for mm, bmm, matmul in every rank combination (broadcast batch dims
 * included), dot, mv, outer, addmm, baddbmm (with alpha and beta) and the
 * einsum forms, on contiguous, transposed and step-sliced operands; node
 * names as PyTorch 1.13 names them; the layout of a transposed weight's
 * gradient; the in-place check on saved operands; and a leak check over many
 * forward + backward passes. Expected values come from PyTorch 1.13 (see the
 * comment over each check); tests/parity/cases/linalg.py compares gradients
 * with PyTorch on random inputs.
 */
#include "test.h"

/* ------------------------------------------------------------ inputs */

typedef enum { CONTIG, TRANSPOSED, STEPPED } layout;
static const char *const LAYOUT_NAME[] = {"contiguous", "transposed", "step-sliced"};

/*
 * A float64 leaf requiring grad with values uniform in [-2, 2), laid out as
 * asked: its last two dims transposed in memory, or every other index of a
 * base twice as long along dim 0.
 */
static ct_tensor *make(ct_generator *g, ct_shape s, layout l) {
    ct_tensor *x = NULL;
    if (l == TRANSPOSED && s.ndim < 2) l = CONTIG;
    CT_SCOPE {
        ct_shape b = s;
        if (l == TRANSPOSED) {
            b.d[s.ndim - 2] = s.d[s.ndim - 1];
            b.d[s.ndim - 1] = s.d[s.ndim - 2];
        } else if (l == STEPPED && s.ndim > 0) {
            b.d[0] = 2 * s.d[0];
        }
        ct_tensor *base = ct_uniform_(ct_empty(b, .dtype = CT_F64), -2, 2, g);
        x = l == TRANSPOSED ? ct_transpose(base, -2, -1)
            : l == STEPPED && s.ndim > 0 ? ct_slice(base, 0, 0, b.d[0], 2)
                                         : base;
        x = ct_keep(ct_detach(x));
    }
    ct_requires_grad_(x, true);
    return x;
}

/* ------------------------------------------------------------ the ops */

typedef enum { MM, BMM, MATMUL, DOT, MV, OUTER, ADDMM, BADDBMM, EINSUM } op_kind;

typedef struct {
    op_kind op;
    const char *equation; /* EINSUM */
    double beta, alpha;   /* ADDMM, BADDBMM */
} op_call;

static ct_tensor *call_op(ct_tensor *const *in, int n, void *ctx) {
    const op_call *c = ctx;
    switch (c->op) {
    case MM: return ct_mm(in[0], in[1]);
    case BMM: return ct_bmm(in[0], in[1]);
    case MATMUL: return ct_matmul(in[0], in[1]);
    case DOT: return ct_dot(in[0], in[1]);
    case MV: return ct_mv(in[0], in[1]);
    case OUTER: return ct_outer(in[0], in[1]);
    case ADDMM: return ct_addmm_scaled(in[0], in[1], in[2], c->beta, c->alpha);
    case BADDBMM: return ct_baddbmm_scaled(in[0], in[1], in[2], c->beta, c->alpha);
    case EINSUM: return ct_einsum(c->equation, in, n);
    }
    return NULL;
}

/* Up to three operand shapes; ndim -1 ends the list. */
typedef struct {
    const char *name;
    op_call call;
    ct_shape shapes[3];
} grad_case;

/* A shape in a static table: its rank, then its sizes. */
#define SH(n, ...) {.ndim = (n), .d = {__VA_ARGS__}}
#define END {.ndim = -1}
#define NO_SCALARS 0, 0

static const grad_case CASES[] = {
    {"mm", {MM, NULL, NO_SCALARS}, {SH(2, 3, 4), SH(2, 4, 5), END}},
    {"mm 1x1", {MM, NULL, NO_SCALARS}, {SH(2, 1, 1), SH(2, 1, 3), END}},
    {"bmm", {BMM, NULL, NO_SCALARS}, {SH(3, 2, 3, 4), SH(3, 2, 4, 5), END}},
    {"dot", {DOT, NULL, NO_SCALARS}, {SH(1, 5), SH(1, 5), END}},
    {"mv", {MV, NULL, NO_SCALARS}, {SH(2, 3, 4), SH(1, 4), END}},
    {"outer", {OUTER, NULL, NO_SCALARS}, {SH(1, 3), SH(1, 4), END}},
    /* matmul: every rank combination */
    {"matmul 1-d @ 1-d", {MATMUL, NULL, NO_SCALARS}, {SH(1, 4), SH(1, 4), END}},
    {"matmul 2-d @ 1-d", {MATMUL, NULL, NO_SCALARS}, {SH(2, 3, 4), SH(1, 4), END}},
    {"matmul 1-d @ 2-d", {MATMUL, NULL, NO_SCALARS}, {SH(1, 4), SH(2, 4, 5), END}},
    {"matmul 2-d @ 2-d", {MATMUL, NULL, NO_SCALARS}, {SH(2, 3, 4), SH(2, 4, 5), END}},
    {"matmul 3-d @ 2-d", {MATMUL, NULL, NO_SCALARS}, {SH(3, 2, 3, 4), SH(2, 4, 5), END}},
    {"matmul 3-d @ 1-d", {MATMUL, NULL, NO_SCALARS}, {SH(3, 2, 3, 4), SH(1, 4), END}},
    {"matmul 1-d @ 3-d", {MATMUL, NULL, NO_SCALARS}, {SH(1, 4), SH(3, 2, 4, 5), END}},
    {"matmul 2-d @ 3-d", {MATMUL, NULL, NO_SCALARS}, {SH(2, 3, 4), SH(3, 2, 4, 5), END}},
    {"matmul 3-d @ 3-d", {MATMUL, NULL, NO_SCALARS}, {SH(3, 2, 3, 4), SH(3, 2, 4, 5), END}},
    {"matmul 4-d @ 3-d broadcast", {MATMUL, NULL, NO_SCALARS},
     {SH(4, 2, 1, 3, 4), SH(3, 3, 4, 2), END}},
    {"matmul 3-d @ 3-d batch 1", {MATMUL, NULL, NO_SCALARS},
     {SH(3, 1, 3, 4), SH(3, 2, 4, 5), END}},
    {"matmul 1-d @ 4-d", {MATMUL, NULL, NO_SCALARS}, {SH(1, 4), SH(4, 2, 2, 4, 3), END}},
    {"matmul 4-d @ 1-d", {MATMUL, NULL, NO_SCALARS}, {SH(4, 2, 2, 3, 4), SH(1, 4), END}},
    /* addmm, baddbmm: self broadcast, alpha and beta (beta 0 still gives self a zero gradient) */
    {"addmm", {ADDMM, NULL, 1, 1}, {SH(2, 3, 5), SH(2, 3, 4), SH(2, 4, 5)}},
    {"addmm bias", {ADDMM, NULL, 0.5, -2}, {SH(1, 5), SH(2, 3, 4), SH(2, 4, 5)}},
    {"addmm column", {ADDMM, NULL, 2, 0.25}, {SH(2, 3, 1), SH(2, 3, 4), SH(2, 4, 5)}},
    {"addmm beta 0", {ADDMM, NULL, 0, 1.5}, {SH(2, 1, 5), SH(2, 3, 4), SH(2, 4, 5)}},
    {"baddbmm", {BADDBMM, NULL, 1, 1}, {SH(3, 2, 3, 5), SH(3, 2, 3, 4), SH(3, 2, 4, 5)}},
    {"baddbmm broadcast", {BADDBMM, NULL, -0.5, 3},
     {SH(2, 3, 1), SH(3, 2, 3, 4), SH(3, 2, 4, 5)}},
    {"baddbmm beta 0", {BADDBMM, NULL, 0, 2}, {SH(1, 5), SH(3, 2, 3, 4), SH(3, 2, 4, 5)}},
    /* einsum */
    {"einsum ij,jk->ik", {EINSUM, "ij,jk->ik", NO_SCALARS}, {SH(2, 3, 4), SH(2, 4, 5), END}},
    {"einsum bij,bjk->bik", {EINSUM, "bij,bjk->bik", NO_SCALARS},
     {SH(3, 2, 3, 4), SH(3, 2, 4, 5), END}},
    {"einsum i,i->", {EINSUM, "i,i->", NO_SCALARS}, {SH(1, 5), SH(1, 5), END}},
    {"einsum i,j->ij", {EINSUM, "i,j->ij", NO_SCALARS}, {SH(1, 3), SH(1, 4), END}},
    {"einsum ij->ji", {EINSUM, "ij->ji", NO_SCALARS}, {SH(2, 3, 4), END}},
    {"einsum bi,bi->b", {EINSUM, "bi,bi->b", NO_SCALARS}, {SH(2, 3, 4), SH(2, 3, 4), END}},
    {"einsum ik,jk->ij", {EINSUM, "ik,jk->ij", NO_SCALARS}, {SH(2, 3, 4), SH(2, 5, 4), END}},
    {"einsum ii->i", {EINSUM, "ii->i", NO_SCALARS}, {SH(2, 4, 4), END}},
    {"einsum ii (trace)", {EINSUM, "ii", NO_SCALARS}, {SH(2, 4, 4), END}},
    {"einsum ij->", {EINSUM, "ij->", NO_SCALARS}, {SH(2, 3, 4), END}},
    {"einsum ...ij,...jk", {EINSUM, "...ij,...jk", NO_SCALARS},
     {SH(3, 2, 3, 4), SH(2, 4, 2), END}},
    {"einsum iij,jk->ik", {EINSUM, "iij,jk->ik", NO_SCALARS}, {SH(3, 3, 3, 4), SH(2, 4, 2), END}},
    {"einsum ij,jk,kl->il", {EINSUM, "ij,jk,kl->il", NO_SCALARS},
     {SH(2, 2, 3), SH(2, 3, 4), SH(2, 4, 2)}},
};
#define NCASES ((int)(sizeof CASES / sizeof CASES[0]))

static int num_inputs(const grad_case *c) {
    int n = 0;
    while (n < 3 && c->shapes[n].ndim >= 0) n++;
    return n;
}

/*
 * gradcheck, first and second order, of one case with the given layouts
 * (layouts[i] for input i). Reports the case on failure.
 */
static bool check_case(ct_generator *g, const grad_case *c, const layout *layouts) {
    int n = num_inputs(c);
    ct_tensor *in[3] = {NULL, NULL, NULL};
    for (int i = 0; i < n; i++) in[i] = make(g, c->shapes[i], layouts[i]);
    int rc = ct_gradcheck(call_op, (void *)&c->call, in, n, .second_order = true);
    if (rc != 0) {
        fprintf(stderr, "  gradcheck %s (%s, %s, %s): %s\n", c->name, LAYOUT_NAME[layouts[0]],
                LAYOUT_NAME[layouts[1]], LAYOUT_NAME[layouts[2]], ct_last_error());
        ct_clear_error();
    }
    for (int i = 0; i < n; i++) ct_free(in[i]);
    return rc == 0;
}

TEST(gradcheck_first_and_second_order_contiguous) {
    ct_generator *g = ct_generator_new(1);
    const layout l[3] = {CONTIG, CONTIG, CONTIG};
    for (int i = 0; i < NCASES; i++) CHECK(check_case(g, &CASES[i], l));
    ct_generator_free(g);
}

TEST(gradcheck_non_contiguous_operands) {
    /* every operand transposed, then every operand step-sliced, then mixed */
    ct_generator *g = ct_generator_new(2);
    const layout sets[][3] = {{TRANSPOSED, TRANSPOSED, TRANSPOSED},
                              {STEPPED, STEPPED, STEPPED},
                              {TRANSPOSED, STEPPED, CONTIG},
                              {CONTIG, TRANSPOSED, STEPPED}};
    for (int s = 0; s < 4; s++)
        for (int i = 0; i < NCASES; i++) CHECK(check_case(g, &CASES[i], sets[s]));
    ct_generator_free(g);
}

/* ------------------------------------------------------------ values */

/* sum(y), through dot with ones so that the test needs no other op's gradient. */
static ct_tensor *total(ct_tensor *y) {
    ct_tensor *flat = ct_reshape(y, CT_SHAPE(-1));
    return flat ? ct_dot(flat, ct_ones_like(flat)) : NULL;
}

TEST(mm_gradient_values) {
    /*
     * a = [[1,2],[3,4]], b = [[5,6,7],[8,9,10]]; (a @ b).sum().backward():
     * a.grad = ones(2,3) @ b^T = [[18,27],[18,27]], b.grad = a^T @ ones(2,3) =
     * [[4,4,4],[6,6,6]] (PyTorch 1.13).
     */
    CT_SCOPE {
        ct_tensor *a = ct_requires_grad_(ct_from_doubles(CT_SHAPE(2, 2), 1, 2, 3, 4), true);
        ct_tensor *b = ct_requires_grad_(ct_from_doubles(CT_SHAPE(2, 3), 5, 6, 7, 8, 9, 10), true);
        ct_tensor *y = ct_mm(a, b);
        REQUIRE(y);
        CHECK_STR(ct_grad_fn_name(y), "MmBackward0");
        CHECK_EQ_INT(ct_backward(total(y)), 0);
        CHECK_VALUES(ct_grad_of(a), 0, 18, 27, 18, 27);
        CHECK_VALUES(ct_grad_of(b), 0, 4, 4, 4, 6, 6, 6);
    }
}

TEST(addmm_gradient_values) {
    /*
     * torch.addmm(s, m1, m2, beta=0.5, alpha=2) with s = [1, 2] (broadcast
     * over 2 rows), m1 = [[1,2],[3,4]], m2 = eye(2); .sum().backward():
     * s.grad = [1, 1] (0.5 * 2 rows), m1.grad = [[2,2],[2,2]],
     * m2.grad = 2 * m1^T @ ones = [[8,8],[12,12]] (PyTorch 1.13).
     */
    CT_SCOPE {
        ct_tensor *s = ct_requires_grad_(ct_from_doubles(CT_SHAPE(2), 1, 2), true);
        ct_tensor *m1 = ct_requires_grad_(ct_from_doubles(CT_SHAPE(2, 2), 1, 2, 3, 4), true);
        ct_tensor *m2 = ct_requires_grad_(ct_from_doubles(CT_SHAPE(2, 2), 1, 0, 0, 1), true);
        ct_tensor *y = ct_addmm_scaled(s, m1, m2, 0.5, 2.0);
        REQUIRE(y);
        CHECK_STR(ct_grad_fn_name(y), "AddmmBackward0");
        CHECK_EQ_INT(ct_backward(total(y)), 0);
        CHECK_VALUES(ct_grad_of(s), 0, 1, 1);
        CHECK_VALUES(ct_grad_of(m1), 0, 2, 2, 2, 2);
        CHECK_VALUES(ct_grad_of(m2), 0, 8, 8, 12, 12);
    }
}

TEST(matmul_broadcast_batch_gradient_is_summed) {
    /*
     * a: (3, 2, 2) of ones, b: (2, 2) = [[1,2],[3,4]] broadcast over the
     * batch; (a @ b).sum().backward(): b.grad = sum over 3 batches of
     * a_i^T @ ones = [[6,6],[6,6]]; a.grad = ones @ b^T = [[3,7],[3,7]] per
     * matrix (PyTorch 1.13). Also through the bmm path: b as (1, 2, 2).
     */
    CT_SCOPE {
        ct_tensor *a = ct_requires_grad_(ct_ones(CT_SHAPE(3, 2, 2), .dtype = CT_F64), true);
        ct_tensor *b = ct_requires_grad_(ct_from_doubles(CT_SHAPE(2, 2), 1, 2, 3, 4), true);
        CHECK_EQ_INT(ct_backward(total(ct_matmul(a, b))), 0);
        CHECK_VALUES(ct_grad_of(b), 0, 6, 6, 6, 6);
        CHECK_VALUES(ct_select(ct_grad_of(a), 0, 2), 0, 3, 7, 3, 7);
        ct_tensor *b3 = ct_requires_grad_(ct_from_doubles(CT_SHAPE(1, 2, 2), 1, 2, 3, 4), true);
        ct_tensor *a4 = ct_requires_grad_(ct_ones(CT_SHAPE(3, 1, 2, 2), .dtype = CT_F64), true);
        CHECK_EQ_INT(ct_backward(total(ct_matmul(a4, b3))), 0);
        CHECK_SHAPE(ct_grad_of(b3), 1, 2, 2);
        CHECK_VALUES(ct_grad_of(b3), 0, 6, 6, 6, 6);
    }
}

TEST(node_names_as_pytorch) {
    /* y.grad_fn.name() in PyTorch 1.13 */
    CT_SCOPE {
        ct_generator *g = ct_generator_new(3);
        ct_tensor *m = make(g, CT_SHAPE(3, 4), CONTIG), *v = make(g, CT_SHAPE(4), CONTIG);
        ct_tensor *w = make(g, CT_SHAPE(4), CONTIG), *b = make(g, CT_SHAPE(2, 4, 5), CONTIG);
        ct_tensor *a = make(g, CT_SHAPE(2, 3, 4), CONTIG);
        CHECK_STR(ct_grad_fn_name(ct_dot(v, w)), "DotBackward0");
        CHECK_STR(ct_grad_fn_name(ct_mv(m, v)), "MvBackward0");
        CHECK_STR(ct_grad_fn_name(ct_bmm(a, b)), "BmmBackward0");
        CHECK_STR(ct_grad_fn_name(ct_outer(v, w)), "MulBackward0");
        CHECK_STR(ct_grad_fn_name(ct_matmul(v, w)), "DotBackward0");
        CHECK_STR(ct_grad_fn_name(ct_matmul(m, v)), "MvBackward0");
        CHECK_STR(ct_grad_fn_name(ct_baddbmm(ct_zeros(CT_SHAPE(5), .dtype = CT_F64), a, b)),
                  "BaddbmmBackward0");
        CHECK_STR(ct_grad_fn_name(ct_einsum("ij->ji", &m, 1)), "PermuteBackward0");
        CHECK_STR(ct_grad_fn_name(ct_einsum("i,j->ij", (ct_tensor *[]){v, w}, 2)), "MulBackward0");
        ct_generator_free(g);
    }
}

TEST(only_the_operands_requiring_grad_get_one) {
    CT_SCOPE {
        ct_tensor *a = ct_requires_grad_(ct_ones(CT_SHAPE(2, 3), .dtype = CT_F64), true);
        ct_tensor *b = ct_ones(CT_SHAPE(3, 4), .dtype = CT_F64);
        CHECK_EQ_INT(ct_backward(total(ct_mm(a, b))), 0);
        CHECK_VALUES(ct_grad_of(a), 0, 4, 4, 4, 4, 4, 4);
        CHECK(ct_grad_of(b) == NULL);
        /* no grad mode or no operand requiring grad: no node */
        CHECK(ct_grad_fn_name(ct_mm(b, ct_t(b))) == NULL);
        CT_NO_GRAD { CHECK(ct_grad_fn_name(ct_mm(a, b)) == NULL); }
    }
}

TEST(transposed_weight_gets_a_gradient_in_its_own_layout) {
    /*
     * y = x @ w.t() as nn.Linear does: PyTorch computes w's gradient as
     * (g^T @ x), so w.grad is contiguous like w (its is_contiguous() is True).
     */
    CT_SCOPE {
        ct_generator *g = ct_generator_new(4);
        ct_tensor *x = make(g, CT_SHAPE(5, 4), CONTIG), *w = make(g, CT_SHAPE(3, 4), CONTIG);
        CHECK_EQ_INT(ct_backward(total(ct_mm(x, ct_t(w)))), 0);
        REQUIRE(ct_grad_of(w));
        CHECK(ct_is_contiguous(ct_grad_of(w)));
        CHECK(ct_is_contiguous(ct_grad_of(x)));
        /* and the values: w.grad = ones(5,3)^T @ x, each row the column sums of x */
        ct_tensor *expect = ct_mm(ct_ones(CT_SHAPE(3, 5), .dtype = CT_F64), ct_detach(x));
        CHECK(ct_allclose(ct_grad_of(w), expect, 1e-12, 1e-12, false));
        ct_generator_free(g);
    }
}

TEST(modified_saved_operand_is_an_error) {
    CT_SCOPE {
        ct_tensor *a = ct_requires_grad_(ct_ones(CT_SHAPE(2, 2), .dtype = CT_F64), true);
        ct_tensor *b = ct_requires_grad_(ct_ones(CT_SHAPE(2, 2), .dtype = CT_F64), true);
        ct_tensor *b2 = ct_mul_scalar(b, 2.0);
        ct_tensor *y = ct_mm(a, b2);
        ct_mul_scalar_(b2, 3.0);
        ct_clear_error();
        CHECK(ct_backward(total(y)) != 0);
        CHECK_ERROR("one of the variables needed for gradient computation has been modified by "
                    "an inplace operation");
    }
}

/* One forward + backward through every op, freeing everything. */
static void one_pass(ct_generator *g) {
    CT_SCOPE {
        ct_tensor *a = make(g, CT_SHAPE(3, 4), CONTIG), *b = make(g, CT_SHAPE(4, 5), TRANSPOSED);
        ct_tensor *v = make(g, CT_SHAPE(4), CONTIG), *s = make(g, CT_SHAPE(5), CONTIG);
        ct_tensor *a3 = make(g, CT_SHAPE(2, 3, 4), STEPPED);
        ct_tensor *b3 = make(g, CT_SHAPE(2, 4, 5), CONTIG);
        ct_tensor *terms[] = {
            ct_mm(a, b),
            ct_bmm(a3, b3),
            ct_matmul(a3, b),
            ct_matmul(v, b3),
            ct_dot(v, v),
            ct_mv(a, v),
            ct_outer(v, s),
            ct_addmm_scaled(s, a, b, 0.5, 2.0),
            ct_baddbmm(s, a3, b3),
            ct_einsum("bij,jk->bik", (ct_tensor *[]){a3, b}, 2),
            ct_einsum("ii->i", (ct_tensor *[]){ct_mm(ct_t(a), a)}, 1),
        };
        ct_tensor *loss = ct_zeros(CT_SHAPE0, .dtype = CT_F64);
        for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++)
            loss = ct_add(loss, total(terms[i]));
        ct_tensor *grads[2] = {NULL, NULL};
        /* second order too: the graph built by create_graph must be freed as well */
        CHECK_EQ_INT(ct_grad(CT_TENSORS(loss), CT_TENSORS(a, b), grads, .create_graph = true), 0);
        CHECK_EQ_INT(ct_backward(ct_add(total(ct_mul(grads[0], grads[0])), total(grads[1]))), 0);
        CHECK_EQ_INT(ct_backward(loss), 0);
    }
}

TEST(no_leaks_over_many_passes) {
    ct_generator *g = ct_generator_new(5);
    one_pass(g);
    long before = ct_live_tensors();
    for (int i = 0; i < 200; i++) one_pass(g);
    CHECK_EQ_INT(ct_live_tensors(), before);
    ct_generator_free(g);
}
