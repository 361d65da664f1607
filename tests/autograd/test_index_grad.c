/*
 * tests/autograd/test_index_grad.c - gradients of the indexing and joining
 * ops (include/ctorch/indexing.h, include/ctorch/join.h): gradcheck (float64,
 * first order everywhere, second order for gather, index_select, cat, stack,
 * pad, flip, masked_fill and more) on random, non-contiguous and broadcast
 * inputs; duplicate indices accumulating; node names as PyTorch 1.13 names
 * them; the non-differentiable ops; and a leak check over many iterations.
 * Exact expected values come from PyTorch 1.13 (see the comment over each).
 */
#include "test.h"

#define from_bools(shape, ...) CT__FROM_VALUES(bool, CT_BOOL, shape, __VA_ARGS__)

/* ------------------------------------------------------------ inputs */

typedef enum { CONTIG, TRANSPOSED, STEPPED } layout;

/*
 * A float64 leaf requiring grad of shape (r, c), values uniform in [-2, 2),
 * laid out as asked: the transpose of a (c, r) tensor, or every other row of
 * a (2r, c) tensor.
 */
static ct_tensor *make2(ct_generator *g, int64_t r, int64_t c, layout l) {
    ct_tensor *x = NULL;
    CT_SCOPE {
        ct_shape s = l == TRANSPOSED ? CT_SHAPE(c, r) : l == STEPPED ? CT_SHAPE(2 * r, c) : CT_SHAPE(r, c);
        ct_tensor *base = ct_uniform_(ct_empty(s, .dtype = CT_F64), -2, 2, g);
        x = l == TRANSPOSED ? ct_transpose(base, 0, 1) : l == STEPPED ? ct_slice(base, 0, 0, 2 * r, 2) : base;
        x = ct_keep(ct_detach(x));
    }
    ct_requires_grad_(x, true);
    return x;
}

/* A contiguous float64 leaf requiring grad of any shape. */
static ct_tensor *make(ct_generator *g, ct_shape s) {
    ct_tensor *x = ct_uniform_(ct_empty(s, .dtype = CT_F64), -2, 2, g);
    ct_requires_grad_(x, true);
    return x;
}

static const layout LAYOUTS[] = {CONTIG, TRANSPOSED, STEPPED};

/* y.sum().backward(), written as a backward with a gradient of ones. */
static int backward_sum(ct_tensor *y) { return ct_backward_with(y, ct_ones_like(y)); }

/* Arguments the wrapped ops read besides their differentiable inputs. */
typedef struct {
    int dim;
    ct_tensor *index, *mask;
    int reduce;
    bool flag;
    ct_shape s1, s2;
    int64_t k;
} args;

#define GC(fn, a, ...) CHECK(ct_gradcheck(fn, (void *)(a), CT_TENSORS(__VA_ARGS__)) == 0)
#define GC2(fn, a, ...) \
    CHECK(ct_gradcheck(fn, (void *)(a), CT_TENSORS(__VA_ARGS__), .second_order = true) == 0)

#define WRAP(name, expr)                                                                \
    static ct_tensor *name(ct_tensor *const *in, int n, void *ctx) {                    \
        (void)n;                                                                        \
        const args *a = ctx;                                                            \
        (void)a;                                                                        \
        return expr;                                                                    \
    }

/* A non-leaf copy of x, so in-place ops may write into it. */
static ct_tensor *nonleaf(ct_tensor *x) { return ct_mul_scalar(x, 1.0); }

WRAP(f_index_select, ct_index_select(in[0], a->dim, a->index))
WRAP(f_gather, ct_gather(in[0], a->dim, a->index))
WRAP(f_scatter, ct_scatter(in[0], a->dim, a->index, in[1]))
WRAP(f_scatter_value, ct_scatter_value(in[0], a->dim, a->index, 1.5))
WRAP(f_scatter_add, ct_scatter_add(in[0], a->dim, a->index, in[1]))
WRAP(f_scatter_reduce, ct_scatter_reduce(in[0], a->dim, a->index, in[1], (ct_scatter_reduction)a->reduce, a->flag))
WRAP(f_scatter_, ct_scatter_(nonleaf(in[0]), a->dim, a->index, in[1]))
WRAP(f_scatter_add_, ct_scatter_add_(nonleaf(in[0]), a->dim, a->index, in[1]))
WRAP(f_scatter_reduce_, ct_scatter_reduce_(nonleaf(in[0]), a->dim, a->index, in[1], (ct_scatter_reduction)a->reduce, a->flag))
WRAP(f_take, ct_take(in[0], a->index))
WRAP(f_masked_select, ct_masked_select(in[0], a->mask))
WRAP(f_masked_fill, ct_masked_fill(in[0], a->mask, -0.5))
WRAP(f_masked_fill_zero, ct_masked_fill(in[0], a->mask, 0.0))
WRAP(f_masked_fill_t, ct_masked_fill_tensor(in[0], a->mask, in[1]))
WRAP(f_masked_fill_, ct_masked_fill_(nonleaf(in[0]), a->mask, 2.0))
WRAP(f_masked_fill_t_, ct_masked_fill_tensor_(nonleaf(in[0]), a->mask, in[1]))
WRAP(f_index_tensor, ct_index_tensor(in[0], a->dim, a->index))
WRAP(f_index_put, ct_index_put(in[0], a->dim, a->index, in[1], a->flag))
WRAP(f_index_put_, ct_index_put_(nonleaf(in[0]), a->dim, a->index, in[1], a->flag))
WRAP(f_index_put_value_, ct_index_put_value_(nonleaf(in[0]), a->dim, a->index, 3.0))
WRAP(f_cat, ct_cat(in, n, a->dim))
WRAP(f_stack, ct_stack(in, n, a->dim))
WRAP(f_repeat, ct_repeat(in[0], a->s1))
WRAP(f_tile, ct_tile(in[0], a->s1))
WRAP(f_flip, ct_flip(in[0], a->s1))
WRAP(f_roll, ct_roll(in[0], a->s1, a->s2))
WRAP(f_tril, ct_tril(in[0], a->k))
WRAP(f_triu, ct_triu(in[0], a->k))
WRAP(f_tril_, ct_tril_(nonleaf(in[0]), a->k))
WRAP(f_triu_, ct_triu_(nonleaf(in[0]), a->k))
WRAP(f_diag, ct_diag(in[0], a->k))
WRAP(f_pad, ct_pad(in[0], a->s1, (ct_pad_mode)a->reduce, 0.75))
/* An expanded (stride-0) input: the op sees a broadcast view of the leaf. */
WRAP(f_gather_expanded, ct_gather(ct_expand(in[0], CT_SHAPE(3, 4)), a->dim, a->index))
WRAP(f_flip_expanded, ct_flip(ct_expand(in[0], CT_SHAPE(3, 4)), CT_DIMS(0, 1)))

/* ------------------------------------------------- index_select, gather */

TEST(index_select_gradcheck_with_duplicates) {
    ct_generator *g = ct_generator_new(1);
    CT_SCOPE {
        for (int l = 0; l < 3; l++) {
            ct_tensor *x = make2(g, 3, 4, LAYOUTS[l]);
            args a = {.dim = 0, .index = ct_from_longs(CT_SHAPE(4), 2, 0, 2, 2)};
            GC2(f_index_select, &a, x);
            a.dim = -1;
            a.index = ct_from_ints(CT_SHAPE(5), 3, 3, 1, 0, 3); /* int32 index */
            GC2(f_index_select, &a, x);
            a.index = ct_scalar_tensor(1, .dtype = CT_I64);   /* 0-d index */
            GC(f_index_select, &a, x);
            ct_free(x);
        }
        /* 0-d self stays 0-d */
        ct_tensor *s = make(g, CT_SHAPE0);
        args a0 = {.dim = 0, .index = ct_from_longs(CT_SHAPE(1), 0)};
        GC(f_index_select, &a0, s);
        ct_free(s);
    }
    ct_generator_free(g);
}

TEST(index_select_duplicate_indices_accumulate) {
    ct_tensor *x = ct_from_doubles(CT_SHAPE(3, 2), 1, 2, 3, 4, 5, 6);
    ct_requires_grad_(x, true);
    CT_SCOPE {
        /* torch: x.index_select(0, [2, 0, 2, 2]).sum().backward() -> [[1,1],[0,0],[3,3]] */
        ct_tensor *y = ct_index_select(x, 0, ct_from_longs(CT_SHAPE(4), 2, 0, 2, 2));
        CHECK_STR(ct_grad_fn_name(y), "IndexSelectBackward0");
        REQUIRE(backward_sum(y) == 0);
        CHECK_VALUES(ct_grad_of(x), 0, 1, 1, 0, 0, 3, 3);
    }
    ct_free(x);
}

TEST(gather_gradcheck_first_and_second_order) {
    ct_generator *g = ct_generator_new(2);
    CT_SCOPE {
        for (int l = 0; l < 3; l++) {
            ct_tensor *x = make2(g, 3, 4, LAYOUTS[l]);
            args a = {.dim = 0, .index = ct_from_longs(CT_SHAPE(2, 4), 0, 1, 2, 0, 2, 2, 1, 0)};
            GC2(f_gather, &a, x);
            a.dim = 1;
            a.index = ct_from_longs(CT_SHAPE(3, 2), 3, 3, 0, 1, 2, 2);
            GC2(f_gather, &a, x);
            ct_free(x);
        }
        /* broadcast input: a (1, 4) leaf expanded to (3, 4) */
        ct_tensor *row = make(g, CT_SHAPE(1, 4));
        args a = {.dim = 0, .index = ct_from_longs(CT_SHAPE(2, 4), 0, 1, 2, 0, 2, 2, 1, 0)};
        GC2(f_gather_expanded, &a, row);
        ct_free(row);
    }
    ct_generator_free(g);
}

TEST(gather_duplicate_indices_accumulate) {
    ct_tensor *x = ct_from_doubles(CT_SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
    ct_requires_grad_(x, true);
    CT_SCOPE {
        /* torch: x.gather(1, [[0,0,2],[1,1,1]]).sum().backward() -> [[2,0,1],[0,3,0]] */
        ct_tensor *y = ct_gather(x, 1, ct_from_longs(CT_SHAPE(2, 3), 0, 0, 2, 1, 1, 1));
        CHECK_STR(ct_grad_fn_name(y), "GatherBackward0");
        REQUIRE(backward_sum(y) == 0);
        CHECK_VALUES(ct_grad_of(x), 0, 2, 0, 1, 0, 3, 0);
    }
    ct_free(x);
}

/* ------------------------------------------------------------ scatter */

TEST(scatter_family_gradcheck) {
    ct_generator *g = ct_generator_new(3);
    CT_SCOPE {
        /* index unique per column for plain scatter (repeats pick an unspecified value) */
        ct_tensor *uniq = ct_from_longs(CT_SHAPE(2, 4), 0, 1, 2, 0, 2, 0, 1, 1);
        ct_tensor *dups = ct_from_longs(CT_SHAPE(3, 4), 0, 1, 2, 0, 0, 1, 2, 0, 2, 1, 2, 2);
        for (int l = 0; l < 3; l++) {
            ct_tensor *x = make2(g, 3, 4, LAYOUTS[l]);
            ct_tensor *src = make2(g, 3, 5, LAYOUTS[l]); /* larger than the index */
            args a = {.dim = 0, .index = uniq};
            GC2(f_scatter, &a, x, src);
            GC(f_scatter_, &a, x, src);
            GC(f_scatter_value, &a, x);
            a.index = dups;
            GC2(f_scatter_add, &a, x, src);
            GC(f_scatter_add_, &a, x, src);
            ct_free(x);
            ct_free(src);
        }
        ct_tensor *x = make(g, CT_SHAPE(4, 3));
        ct_tensor *src = make(g, CT_SHAPE(4, 5));
        args a = {.dim = 1, .index = ct_from_longs(CT_SHAPE(4, 4), 0, 0, 2, 1, 1, 1, 0, 2, 2, 2, 2, 0, 0, 1, 0, 1)};
        GC2(f_scatter_add, &a, x, src);
        ct_free(x);
        ct_free(src);
    }
    ct_generator_free(g);
}

TEST(scatter_reduce_gradcheck_every_reduction) {
    ct_generator *g = ct_generator_new(4);
    static const ct_scatter_reduction R[] = {CT_SCATTER_SUM, CT_SCATTER_MEAN, CT_SCATTER_AMAX, CT_SCATTER_AMIN,
                                             CT_SCATTER_PROD};
    CT_SCOPE {
        ct_tensor *dups = ct_from_longs(CT_SHAPE(3, 4), 0, 1, 2, 0, 0, 1, 2, 0, 2, 1, 3, 2);
        for (int r = 0; r < 5; r++) {
            for (int inc = 0; inc < 2; inc++) {
                ct_tensor *x = make2(g, 4, 4, LAYOUTS[r % 3]);
                ct_tensor *src = make2(g, 3, 5, LAYOUTS[(r + inc) % 3]);
                args a = {.dim = 0, .index = dups, .reduce = (int)R[r], .flag = inc != 0};
                GC(f_scatter_reduce, &a, x, src);
                GC(f_scatter_reduce_, &a, x, src);
                if (R[r] == CT_SCATTER_SUM || R[r] == CT_SCATTER_MEAN) GC2(f_scatter_reduce, &a, x, src);
                ct_free(x);
                ct_free(src);
            }
        }
    }
    ct_generator_free(g);
}

TEST(scatter_reduce_ties_share_the_gradient) {
    /* torch 1.13:
     *   x = tensor([1., 5., 2.], requires_grad=True); s = tensor([5., 3., 2., 2.], requires_grad=True)
     *   y = x.scatter_reduce(0, tensor([1, 0, 2, 2]), s, "amax")   # [3, 5, 2]
     *   y.backward(tensor([1., 2., 3.]))
     *   x.grad = [0, 1, 1], s.grad = [1, 1, 1, 1]                     */
    ct_tensor *x = ct_from_doubles(CT_SHAPE(3), 1, 5, 2), *s = ct_from_doubles(CT_SHAPE(4), 5, 3, 2, 2);
    ct_requires_grad_(x, true);
    ct_requires_grad_(s, true);
    CT_SCOPE {
        ct_tensor *y = ct_scatter_reduce(x, 0, ct_from_longs(CT_SHAPE(4), 1, 0, 2, 2), s, CT_SCATTER_AMAX, true);
        CHECK_STR(ct_grad_fn_name(y), "ScatterReduceBackward0");
        CHECK_VALUES(y, 0, 3, 5, 2);
        REQUIRE(ct_backward_with(y, ct_from_doubles(CT_SHAPE(3), 1, 2, 3)) == 0);
        CHECK_VALUES(ct_grad_of(x), 1e-15, 0, 1, 1);
        CHECK_VALUES(ct_grad_of(s), 1e-15, 1, 1, 1, 1);
    }
    ct_free(x);
    ct_free(s);
}

TEST(scatter_reduce_prod_gradients_around_zeros) {
    /* torch 1.13:
     *   x = tensor([1., 0., 2.], requires_grad=True); s = tensor([2., 0., 3., 0., 4., 5.], requires_grad=True)
     *   y = x.scatter_reduce(0, tensor([0, 0, 1, 2, 2, 2]), s, "prod")   # [0, 0, 0]
     *   y.backward(tensor([1., 2., 3.]))
     *   x.grad = [0, 6, 0], s.grad = [0, 2, 0, 120, 0, 0]                */
    ct_tensor *x = ct_from_doubles(CT_SHAPE(3), 1, 0, 2), *s = ct_from_doubles(CT_SHAPE(6), 2, 0, 3, 0, 4, 5);
    ct_requires_grad_(x, true);
    ct_requires_grad_(s, true);
    CT_SCOPE {
        ct_tensor *y = ct_scatter_reduce(x, 0, ct_from_longs(CT_SHAPE(6), 0, 0, 1, 2, 2, 2), s, CT_SCATTER_PROD, true);
        CHECK_VALUES(y, 0, 0, 0, 0);
        REQUIRE(ct_backward_with(y, ct_from_doubles(CT_SHAPE(3), 1, 2, 3)) == 0);
        CHECK_VALUES(ct_grad_of(x), 0, 0, 6, 0);
        CHECK_VALUES(ct_grad_of(s), 0, 0, 2, 0, 120, 0, 0);
    }
    ct_free(x);
    ct_free(s);
}

/* ------------------------------------------------- take, masked ops */

TEST(take_gradcheck_with_negative_and_repeated_indices) {
    ct_generator *g = ct_generator_new(5);
    CT_SCOPE {
        for (int l = 0; l < 3; l++) {
            ct_tensor *x = make2(g, 3, 4, LAYOUTS[l]);
            args a = {.index = ct_from_longs(CT_SHAPE(2, 3), 0, -1, 5, 5, 11, 0)};
            GC2(f_take, &a, x);
            ct_free(x);
        }
    }
    ct_generator_free(g);
}

TEST(masked_select_gradcheck_broadcast_both_ways) {
    ct_generator *g = ct_generator_new(6);
    CT_SCOPE {
        ct_tensor *m34 = from_bools(CT_SHAPE(3, 4), 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 0);
        ct_tensor *m4 = from_bools(CT_SHAPE(4), 1, 0, 1, 1);
        for (int l = 0; l < 3; l++) {
            ct_tensor *x = make2(g, 3, 4, LAYOUTS[l]);
            args a = {.mask = m34};
            GC2(f_masked_select, &a, x);
            a.mask = m4; /* the mask broadcasts over x's rows */
            GC(f_masked_select, &a, x);
            ct_free(x);
        }
        ct_tensor *row = make(g, CT_SHAPE(4)); /* x broadcasts over the mask's rows */
        args a = {.mask = m34};
        GC(f_masked_select, &a, row);
        ct_free(row);
    }
    ct_generator_free(g);
}

TEST(masked_fill_gradcheck_scalar_tensor_and_in_place) {
    ct_generator *g = ct_generator_new(7);
    CT_SCOPE {
        ct_tensor *m34 = from_bools(CT_SHAPE(3, 4), 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 0);
        ct_tensor *m4 = from_bools(CT_SHAPE(4), 1, 0, 1, 0);
        ct_tensor *v = make(g, CT_SHAPE0);
        for (int l = 0; l < 3; l++) {
            ct_tensor *x = make2(g, 3, 4, LAYOUTS[l]);
            args a = {.mask = m34};
            GC2(f_masked_fill, &a, x);
            GC2(f_masked_fill_t, &a, x, v);
            GC2(f_masked_fill_, &a, x);
            GC(f_masked_fill_t_, &a, x, v);
            a.mask = m4;
            GC(f_masked_fill, &a, x);
            GC(f_masked_fill_t_, &a, x, v);
            ct_free(x);
        }
        /* the result has the broadcast shape: x's gradient is summed back */
        ct_tensor *row = make(g, CT_SHAPE(4));
        args a = {.mask = m34};
        GC(f_masked_fill, &a, row);
        GC(f_masked_fill_t, &a, row, v);
        ct_free(row);
        ct_free(v);
    }
    ct_generator_free(g);
}

TEST(masked_fill_tensor_value_gets_the_sum_of_masked_grads) {
    /* torch: x = ones(2, 2); v = tensor(3., requires_grad=True)
     *        x.masked_fill(tensor([[T, F], [T, T]]), v).backward(tensor([[1., 2.], [3., 4.]]))
     *        -> v.grad = 8, grad_fn MaskedFillBackward1; x.grad = [[0, 2], [0, 0]] */
    ct_tensor *x = ct_ones(CT_SHAPE(2, 2), .dtype = CT_F64, .requires_grad = true);
    ct_tensor *v = ct_scalar_tensor(3.0, .dtype = CT_F64, .requires_grad = true);
    CT_SCOPE {
        ct_tensor *y = ct_masked_fill_tensor(x, from_bools(CT_SHAPE(2, 2), 1, 0, 1, 1), v);
        CHECK_STR(ct_grad_fn_name(y), "MaskedFillBackward1");
        REQUIRE(ct_backward_with(y, ct_from_doubles(CT_SHAPE(2, 2), 1, 2, 3, 4)) == 0);
        CHECK_VALUES(ct_grad_of(v), 0, 8);
        CHECK_VALUES(ct_grad_of(x), 0, 0, 2, 0, 0);
        CHECK_STR(ct_grad_fn_name(ct_masked_fill(x, from_bools(CT_SHAPE(2), 1, 0), 1.0)), "MaskedFillBackward0");
    }
    ct_free(x);
    ct_free(v);
}

/* -------------------------------------------- advanced indexing, put */

TEST(index_tensor_and_index_put_gradcheck) {
    ct_generator *g = ct_generator_new(8);
    CT_SCOPE {
        ct_tensor *idx = ct_from_longs(CT_SHAPE(2, 2), 2, -1, 0, 2);
        ct_tensor *mask = from_bools(CT_SHAPE(3, 4), 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 0);
        ct_tensor *cols = from_bools(CT_SHAPE(4), 0, 1, 1, 0);
        for (int l = 0; l < 3; l++) {
            ct_tensor *x = make2(g, 3, 4, LAYOUTS[l]);
            args a = {.dim = 0, .index = idx};
            GC2(f_index_tensor, &a, x);
            a.dim = 1;
            GC(f_index_tensor, &a, x);
            a.dim = 0;
            a.index = mask;
            GC2(f_index_tensor, &a, x);
            a.dim = 1;
            a.index = cols;
            GC(f_index_tensor, &a, x);
            ct_free(x);
        }
        /* index_put: values broadcast to the indexed shape; repeated indices with accumulate */
        ct_tensor *x = make(g, CT_SHAPE(3, 4));
        ct_tensor *vals = make(g, CT_SHAPE(4));
        ct_tensor *vals_t = make2(g, 2, 4, TRANSPOSED);
        for (int acc = 0; acc < 2; acc++) {
            args a = {.dim = 0, .index = ct_from_longs(CT_SHAPE(2), 2, 0), .flag = acc != 0};
            GC2(f_index_put, &a, x, vals);
            GC(f_index_put_, &a, x, vals_t);
            a.index = mask; /* one value broadcast to every masked place */
            ct_tensor *one = make(g, CT_SHAPE(1));
            GC(f_index_put, &a, x, one);
            ct_free(one);
        }
        args a = {.dim = 0, .index = ct_from_longs(CT_SHAPE(3), 1, 1, 1), .flag = true};
        GC2(f_index_put, &a, x, vals);
        a.index = mask;
        GC(f_index_put_value_, &a, x);
        ct_free(x);
        ct_free(vals);
        ct_free(vals_t);
    }
    ct_generator_free(g);
}

TEST(index_tensor_duplicates_accumulate_and_index_put_routes_grads) {
    ct_tensor *x = ct_from_doubles(CT_SHAPE(3), 1, 2, 3);
    ct_tensor *v = ct_from_doubles(CT_SHAPE(2), 10, 20);
    ct_requires_grad_(x, true);
    ct_requires_grad_(v, true);
    CT_SCOPE {
        /* torch: x[[0, 0, 2, 0]].sum().backward() -> x.grad = [3, 0, 1] */
        ct_tensor *y = ct_index_tensor(x, 0, ct_from_longs(CT_SHAPE(4), 0, 0, 2, 0));
        CHECK_STR(ct_grad_fn_name(y), "IndexBackward0");
        REQUIRE(backward_sum(y) == 0);
        CHECK_VALUES(ct_grad_of(x), 0, 3, 0, 1);
        ct_clear_grad(x);
        /* torch: z = x.index_put((tensor([2, 0]),), v); z.backward(tensor([1., 2., 3.]))
         *        -> x.grad = [0, 2, 0], v.grad = [3, 1], grad_fn IndexPutBackward0 */
        ct_tensor *z = ct_index_put(x, 0, ct_from_longs(CT_SHAPE(2), 2, 0), v, false);
        CHECK_STR(ct_grad_fn_name(z), "IndexPutBackward0");
        REQUIRE(ct_backward_with(z, ct_from_doubles(CT_SHAPE(3), 1, 2, 3)) == 0);
        CHECK_VALUES(ct_grad_of(x), 0, 0, 2, 0);
        CHECK_VALUES(ct_grad_of(v), 0, 3, 1);
    }
    ct_free(x);
    ct_free(v);
}

/* ----------------------------------------------------- join and split */

TEST(cat_and_stack_gradcheck) {
    ct_generator *g = ct_generator_new(9);
    CT_SCOPE {
        ct_tensor *a = make2(g, 3, 4, TRANSPOSED), *b = make2(g, 2, 4, STEPPED), *c = make(g, CT_SHAPE(1, 4));
        args a0 = {.dim = 0};
        GC2(f_cat, &a0, a, b, c);
        ct_tensor *p = make2(g, 3, 2, STEPPED), *q = make2(g, 3, 4, CONTIG);
        args a1 = {.dim = -1};
        GC2(f_cat, &a1, a, p, q);
        /* the legacy skip of 1-d [0] inputs */
        ct_tensor *e = make(g, CT_SHAPE(0));
        GC(f_cat, &a0, a, e, b);
        ct_tensor *s1 = make2(g, 3, 4, TRANSPOSED), *s2 = make2(g, 3, 4, CONTIG);
        for (int d = -3; d < 3; d++) {
            args ad = {.dim = d};
            GC2(f_stack, &ad, s1, s2, a);
        }
        ct_free(a);
        ct_free(b);
        ct_free(c);
        ct_free(p);
        ct_free(q);
        ct_free(e);
        ct_free(s1);
        ct_free(s2);
    }
    ct_generator_free(g);
}

TEST(cat_and_stack_route_each_slab_back) {
    ct_tensor *a = ct_from_doubles(CT_SHAPE(1, 2), 1, 2), *b = ct_from_doubles(CT_SHAPE(2, 2), 3, 4, 5, 6);
    ct_requires_grad_(a, true);
    ct_requires_grad_(b, true);
    CT_SCOPE {
        ct_tensor *y = ct_cat(CT_TENSORS(a, b), 0);
        CHECK_STR(ct_grad_fn_name(y), "CatBackward0");
        REQUIRE(ct_backward_with(y, ct_from_doubles(CT_SHAPE(3, 2), 1, 2, 3, 4, 5, 6)) == 0);
        CHECK_VALUES(ct_grad_of(a), 0, 1, 2);
        CHECK_VALUES(ct_grad_of(b), 0, 3, 4, 5, 6);
        ct_clear_grad(a);
        ct_tensor *s = ct_stack(CT_TENSORS(a, a), 1); /* [1, 2, 2]: the same input twice adds up */
        CHECK_STR(ct_grad_fn_name(s), "StackBackward0");
        REQUIRE(ct_backward_with(s, ct_from_doubles(CT_SHAPE(1, 2, 2), 1, 2, 3, 4)) == 0);
        CHECK_VALUES(ct_grad_of(a), 0, 4, 6);
    }
    ct_free(a);
    ct_free(b);
}

/* split / chunk / unbind return views: recombined in another order, the gradient comes back. */
static ct_tensor *f_split_mix(ct_tensor *const *in, int n, void *ctx) {
    (void)n;
    (void)ctx;
    ct_tensor *p[4], *q[3], *u[4];
    int np = ct_split(in[0], 2, 1, p, 4);            /* widths 2, 2, 1 */
    int nq = ct_split_sizes(in[0], (int64_t[]){1, 2}, 2, 0, q, 3);
    int nu = ct_unbind(in[0], 0, u, 4);
    if (np != 3 || nq != 2 || nu != 3) return NULL;
    ct_tensor *r = ct_cat(CT_TENSORS(p[2], p[0], ct_mul(p[1], p[1])), 1);
    r = ct_add(r, ct_cat(CT_TENSORS(q[1], q[0]), 0));
    r = ct_add(r, ct_stack(CT_TENSORS(u[2], ct_mul_scalar(u[0], 3.0), u[1]), 0));
    ct_tensor *c[3];
    int nc = ct_chunk(in[0], 3, 1, c, 3); /* widths 2, 2, 1 */
    if (nc != 3) return NULL;
    return ct_add(r, ct_cat(CT_TENSORS(c[1], c[2], c[0]), 1));
}

TEST(split_chunk_unbind_are_differentiable_views) {
    ct_generator *g = ct_generator_new(10);
    CT_SCOPE {
        for (int l = 0; l < 3; l++) {
            ct_tensor *x = make2(g, 3, 5, LAYOUTS[l]);
            CHECK(ct_gradcheck(f_split_mix, NULL, CT_TENSORS(x), .second_order = true) == 0);
            ct_tensor *p[3];
            REQUIRE(ct_split(x, 2, 1, p, 3) == 3);
            CHECK(ct_requires_grad(p[0]) && !ct_is_leaf(p[0]));
            ct_free(x);
        }
    }
    ct_generator_free(g);
}

/* ------------------------------------------------- rearranging data */

TEST(repeat_tile_flip_roll_gradcheck) {
    ct_generator *g = ct_generator_new(11);
    CT_SCOPE {
        for (int l = 0; l < 3; l++) {
            ct_tensor *x = make2(g, 2, 3, LAYOUTS[l]);
            args a = {.s1 = CT_SHAPE(2, 1, 3)};
            GC2(f_repeat, &a, x);
            a.s1 = CT_SHAPE(3, 0);
            GC(f_repeat, &a, x);
            a.s1 = CT_SHAPE(2);
            GC(f_tile, &a, x);
            a.s1 = CT_SHAPE(2, 2, 2);
            GC(f_tile, &a, x);
            a.s1 = CT_DIMS(0, -1);
            GC2(f_flip, &a, x);
            a.s1 = CT_DIMS(1);
            GC(f_flip, &a, x);
            args r = {.s1 = CT_SHAPE(1, -4), .s2 = CT_DIMS(0, 1)};
            GC2(f_roll, &r, x);
            r.s1 = CT_SHAPE(2, 1);
            r.s2 = CT_DIMS(1, 1); /* the same dim twice rolls twice */
            GC(f_roll, &r, x);
            r.s1 = CT_SHAPE(-2);
            r.s2 = CT_SHAPE0; /* rolled as if flattened */
            GC(f_roll, &r, x);
            ct_free(x);
        }
        ct_tensor *row = make(g, CT_SHAPE(1, 4));
        GC2(f_flip_expanded, NULL, row);
        ct_free(row);
    }
    ct_generator_free(g);
}

TEST(repeat_sums_the_copies) {
    ct_tensor *x = ct_from_doubles(CT_SHAPE(2), 1, 2);
    ct_requires_grad_(x, true);
    CT_SCOPE {
        /* torch: x.repeat(2, 3) is [2, 6]; backward(arange(12).view(2, 6)) -> x.grad = [30, 36] */
        ct_tensor *y = ct_repeat(x, CT_SHAPE(2, 3));
        CHECK_STR(ct_grad_fn_name(y), "RepeatBackward0");
        CHECK_STR(ct_grad_fn_name(ct_tile(x, CT_SHAPE(2))), "RepeatBackward0");
        REQUIRE(ct_backward_with(y, ct_reshape(ct_arange_(CT_SCALAR(0.0), CT_SCALAR(12.0), CT_SCALAR(1.0),
                                                          (ct_opts){.dtype = CT_F64}),
                                               CT_SHAPE(2, 6))) == 0);
        CHECK_VALUES(ct_grad_of(x), 0, 30, 36);
        CHECK_STR(ct_grad_fn_name(ct_flip(x, CT_DIMS(0))), "FlipBackward0");
        CHECK_STR(ct_grad_fn_name(ct_roll(x, CT_SHAPE(1), CT_SHAPE0)), "RollBackward0");
    }
    ct_free(x);
}

TEST(tril_triu_and_in_place_gradcheck) {
    ct_generator *g = ct_generator_new(12);
    CT_SCOPE {
        for (int l = 0; l < 3; l++) {
            ct_tensor *x = make2(g, 3, 4, LAYOUTS[l]);
            for (int64_t k = -2; k <= 2; k += 2) {
                args a = {.k = k};
                GC2(f_tril, &a, x);
                GC2(f_triu, &a, x);
                GC(f_tril_, &a, x);
                GC(f_triu_, &a, x);
            }
            ct_free(x);
        }
        ct_tensor *b = make(g, CT_SHAPE(2, 3, 3)); /* batched */
        args a = {.k = 1};
        GC(f_triu, &a, b);
        CHECK_STR(ct_grad_fn_name(ct_tril(b, 0)), "TrilBackward0");
        CHECK_STR(ct_grad_fn_name(ct_triu_(ct_mul_scalar(b, 2.0), 0)), "TriuBackward0");
        ct_free(b);
    }
    ct_generator_free(g);
}

TEST(diag_gradcheck_vector_and_matrix) {
    ct_generator *g = ct_generator_new(13);
    CT_SCOPE {
        ct_tensor *v = make(g, CT_SHAPE(3));
        for (int64_t k = -2; k <= 2; k++) {
            args a = {.k = k};
            GC2(f_diag, &a, v);
        }
        for (int l = 0; l < 3; l++) {
            ct_tensor *tall = make2(g, 4, 3, LAYOUTS[l]), *wide = make2(g, 2, 5, LAYOUTS[l]);
            /* every diagonal that exists: -rows <= k <= cols */
            for (int64_t k = -4; k <= 3; k++) {
                args a = {.k = k};
                GC2(f_diag, &a, tall);
            }
            for (int64_t k = -2; k <= 5; k++) {
                args a = {.k = k};
                GC(f_diag, &a, wide);
            }
            ct_free(tall);
            ct_free(wide);
        }
        CHECK_STR(ct_grad_fn_name(ct_diag(v, 0)), "DiagBackward0");
        ct_free(v);
    }
    ct_generator_free(g);
}

TEST(pad_gradcheck_every_mode) {
    ct_generator *g = ct_generator_new(14);
    CT_SCOPE {
        ct_tensor *x3 = make(g, CT_SHAPE(2, 3, 4));
        ct_tensor *xt = ct_keep(ct_detach(ct_transpose(make(g, CT_SHAPE(2, 4, 3)), 1, 2)));
        ct_requires_grad_(xt, true);
        ct_tensor *x5 = make(g, CT_SHAPE(1, 2, 3, 3, 4));
        ct_tensor *ins[2] = {x3, xt};
        for (int i = 0; i < 2; i++) {
            args a = {.s1 = CT_DIMS(1, 2), .reduce = CT_PAD_CONSTANT};
            GC2(f_pad, &a, ins[i]);
            a.s1 = CT_DIMS(-1, 2, 1, -2); /* cropping */
            GC2(f_pad, &a, ins[i]);
            for (int mode = CT_PAD_REFLECT; mode <= CT_PAD_REPLICATE; mode++) {
                a.reduce = mode;
                a.s1 = CT_DIMS(2, 3);
                GC2(f_pad, &a, ins[i]);
                a.s1 = CT_DIMS(1, 2, 2, 1);
                GC2(f_pad, &a, ins[i]);
            }
        }
        for (int mode = CT_PAD_REFLECT; mode <= CT_PAD_REPLICATE; mode++) {
            args a = {.s1 = CT_DIMS(1, 2, 2, 1, 1, 1), .reduce = mode};
            GC(f_pad, &a, x5);
        }
        CHECK_STR(ct_grad_fn_name(ct_pad(x3, CT_DIMS(1, 1), CT_PAD_CONSTANT, 0)), "ConstantPadNdBackward0");
        CHECK_STR(ct_grad_fn_name(ct_pad(x3, CT_DIMS(1, 1), CT_PAD_REFLECT, 0)), "ReflectionPad1DBackward0");
        CHECK_STR(ct_grad_fn_name(ct_pad(x3, CT_DIMS(1, 1, 1, 1), CT_PAD_REPLICATE, 0)), "ReplicationPad2DBackward0");
        CHECK_STR(ct_grad_fn_name(ct_pad(x5, CT_DIMS(1, 1, 1, 1, 1, 1), CT_PAD_REFLECT, 0)), "ReflectionPad3DBackward0");
        ct_free(x3);
        ct_free(xt);
        ct_free(x5);
    }
    ct_generator_free(g);
}

TEST(reflect_and_replicate_pad_accumulate_onto_the_edges) {
    ct_tensor *x = ct_from_doubles(CT_SHAPE(1, 3), 1, 2, 3);
    ct_requires_grad_(x, true);
    CT_SCOPE {
        /* torch: F.pad(x, (2, 1), mode="replicate").backward(arange(1., 7.).view(1, 6)) -> [[6, 4, 11]] */
        ct_tensor *y = ct_pad(x, CT_DIMS(2, 1), CT_PAD_REPLICATE, 0);
        ct_tensor *go = ct_from_doubles(CT_SHAPE(1, 6), 1, 2, 3, 4, 5, 6);
        REQUIRE(ct_backward_with(y, go) == 0);
        CHECK_VALUES(ct_grad_of(x), 0, 6, 4, 11);
        ct_clear_grad(x);
        /* torch: F.pad(x, (2, 1), mode="reflect") = [3, 2, 1, 2, 3, 2]; same go -> [[3, 12, 6]] */
        y = ct_pad(x, CT_DIMS(2, 1), CT_PAD_REFLECT, 0);
        CHECK_VALUES(y, 0, 3, 2, 1, 2, 3, 2);
        REQUIRE(ct_backward_with(y, go) == 0);
        CHECK_VALUES(ct_grad_of(x), 0, 3, 12, 6);
    }
    ct_free(x);
}

TEST(meshgrid_grids_are_expands_of_their_inputs) {
    ct_tensor *a = ct_from_doubles(CT_SHAPE(2), 1, 2), *b = ct_from_doubles(CT_SHAPE(3), 3, 4, 5);
    ct_requires_grad_(a, true);
    ct_requires_grad_(b, true);
    CT_SCOPE {
        ct_tensor *gr[2];
        REQUIRE(ct_meshgrid(CT_TENSORS(a, b), CT_MESHGRID_XY, gr, 2) == 2);
        CHECK_SHAPE(gr[0], 3, 2);
        CHECK_STR(ct_grad_fn_name(gr[0]), "ExpandBackward0");
        CHECK(!ct_is_leaf(gr[1]));
        /* torch: (X * Y * 2 + X).sum() -> a.grad = 2 * sum(b) + 3, b.grad = 2 * sum(a) */
        REQUIRE(backward_sum(ct_add(ct_mul_scalar(ct_mul(gr[0], gr[1]), 2.0), gr[0])) == 0);
        CHECK_VALUES(ct_grad_of(a), 0, 27, 27);
        CHECK_VALUES(ct_grad_of(b), 0, 6, 6, 6);
        ct_free(gr[0]);
        ct_free(gr[1]);
    }
    ct_free(a);
    ct_free(b);
}

/* ------------------------------------------- double backward w.r.t. grad */

/*
 * For an op linear in x, y = f(x): the gradient x_grad = J^T v is linear in
 * v, and d<x_grad, u>/dv = f(u). Checks that the backward's own graph (the
 * fold of a padding, index_put of an index, scatter_add of a gather ...)
 * routes the gradient back to v.
 */
static void check_grad_of_grad(ct_gradcheck_fn f, const args *a, ct_shape xshape) {
    ct_generator *g = ct_generator_new(99);
    ct_tensor *x = make(g, xshape);
    CT_SCOPE {
        ct_tensor *y = f(&x, 1, (void *)a);
        REQUIRE(y != NULL);
        ct_tensor *v = ct_randn(ct_shape_of(y), .dtype = CT_F64, .generator = g, .requires_grad = true);
        ct_tensor *gx[1];
        REQUIRE(ct_grad(CT_TENSORS(y), CT_TENSORS(x), gx, .grad_outputs = &v, .create_graph = true) == 0);
        REQUIRE(ct_requires_grad(gx[0]));
        ct_tensor *u = ct_randn(xshape, .dtype = CT_F64, .generator = g);
        REQUIRE(ct_backward_with(gx[0], u) == 0);
        ct_tensor *fu = f(&u, 1, (void *)a);
        CHECK(ct_allclose(ct_grad_of(v), fu, 1e-12, 1e-12, false));
        ct_free(v);
    }
    ct_free(x);
    ct_generator_free(g);
}

TEST(double_backward_with_respect_to_the_output_gradient) {
    CT_SCOPE {
        ct_tensor *i24 = ct_from_longs(CT_SHAPE(2, 4), 0, 1, 2, 0, 2, 2, 1, 0);
        args a = {.dim = 0, .index = i24};
        check_grad_of_grad(f_gather, &a, CT_SHAPE(3, 4));
        a.index = ct_from_longs(CT_SHAPE(4), 2, 0, 2, 2);
        check_grad_of_grad(f_index_select, &a, CT_SHAPE(3, 4));
        check_grad_of_grad(f_index_tensor, &a, CT_SHAPE(3, 4));
        a.index = i24;
        check_grad_of_grad(f_take, &a, CT_SHAPE(3, 4));
        a.mask = from_bools(CT_SHAPE(4), 1, 0, 1, 1);
        check_grad_of_grad(f_masked_select, &a, CT_SHAPE(3, 4));
        check_grad_of_grad(f_masked_fill_zero, &a, CT_SHAPE(3, 4)); /* linear with a zero fill */
        a.s1 = CT_DIMS(2, 1, 1, 2);
        for (int mode = CT_PAD_REFLECT; mode <= CT_PAD_REPLICATE; mode++) { /* constant: affine */
            a.reduce = mode;
            check_grad_of_grad(f_pad, &a, CT_SHAPE(2, 3, 4));
        }
        a.s1 = CT_DIMS(0, 1);
        check_grad_of_grad(f_flip, &a, CT_SHAPE(3, 4));
        /* repeat's backward sums the copies: differentiable once sum records its node */
        ct_tensor *probe = ct_ones(CT_SHAPE(2), .dtype = CT_F64, .requires_grad = true);
        a.s1 = CT_SHAPE(2, 1, 2);
        if (ct_requires_grad(ct_sum_dims(probe, CT_DIMS(0), false))) check_grad_of_grad(f_repeat, &a, CT_SHAPE(3, 4));
        ct_free(probe);
        a.k = -1;
        check_grad_of_grad(f_diag, &a, CT_SHAPE(3, 4));
        check_grad_of_grad(f_diag, &a, CT_SHAPE(3));
        check_grad_of_grad(f_tril, &a, CT_SHAPE(3, 4));
    }
}

/* ------------------------------------------- non-differentiable, rules */

TEST(one_hot_and_nonzero_are_not_differentiable) {
    ct_tensor *x = ct_from_doubles(CT_SHAPE(3), 0, 2, 0);
    ct_requires_grad_(x, true);
    CT_SCOPE {
        ct_tensor *nz = ct_nonzero(x);
        CHECK(!ct_requires_grad(nz) && ct_grad_fn_name(nz) == NULL);
        ct_tensor *oh = ct_one_hot(ct_from_longs(CT_SHAPE(2), 1, 0), 3);
        CHECK(!ct_requires_grad(oh));
        /* integer indices never make an int result require grad */
        ct_tensor *ix = ct_index_select(ct_from_longs(CT_SHAPE(3), 4, 5, 6), 0, ct_from_longs(CT_SHAPE(1), 2));
        CHECK(!ct_requires_grad(ix));
    }
    ct_free(x);
}

TEST(in_place_forms_refuse_leaves_that_require_grad) {
    ct_tensor *x = ct_zeros(CT_SHAPE(2, 3), .dtype = CT_F64, .requires_grad = true);
    CT_SCOPE {
        const char *msg = "a leaf Variable that requires grad is being used in an in-place operation.";
        CHECK_FAILS(ct_masked_fill_(x, from_bools(CT_SHAPE(3), 1, 0, 1), 1.0), msg);
        CHECK_FAILS(ct_index_put_(x, 0, ct_from_longs(CT_SHAPE(1), 0), ct_ones(CT_SHAPE(3), .dtype = CT_F64), false), msg);
        CHECK_FAILS(ct_scatter_(x, 0, ct_from_longs(CT_SHAPE(1, 3), 0, 1, 0), ct_ones(CT_SHAPE(1, 3), .dtype = CT_F64)), msg);
        CHECK_FAILS(ct_tril_(x, 0), msg);
        /* nothing was written */
        CHECK_VALUES(x, 0, 0, 0, 0, 0, 0, 0);
    }
    ct_free(x);
}

TEST(saved_index_modified_in_place_is_detected) {
    ct_tensor *x = ct_from_doubles(CT_SHAPE(3), 1, 2, 3);
    ct_requires_grad_(x, true);
    CT_SCOPE {
        ct_tensor *idx = ct_from_longs(CT_SHAPE(2), 0, 2);
        ct_tensor *y = ct_gather(x, 0, idx);
        ct_fill_(idx, 1.0);
        CHECK(backward_sum(y) != 0);
        CHECK_ERROR("modified by an inplace operation");
    }
    ct_free(x);
}

TEST(backward_loop_keeps_live_tensors_flat) {
    ct_tensor *x = ct_from_doubles(CT_SHAPE(3, 4), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    ct_tensor *v = ct_scalar_tensor(0.5, .dtype = CT_F64);
    ct_requires_grad_(x, true);
    ct_requires_grad_(v, true);
    long live = 0;
    for (int step = 0; step < 2000; step++) {
        CT_SCOPE {
            ct_tensor *idx = ct_from_longs(CT_SHAPE(2, 4), 0, 1, 2, 0, 2, 2, 1, 0);
            ct_tensor *mask = from_bools(CT_SHAPE(4), 1, 0, 0, 1);
            ct_tensor *big = ct_gt_scalar(x, 6.0);
            ct_tensor *y = ct_gather(x, 0, idx);
            ct_tensor *rows = ct_from_longs(CT_SHAPE(2, 4), 0, 1, 1, 0, 1, 1, 0, 0);
            y = ct_scatter_reduce(ct_pad(y, CT_DIMS(1, 1), CT_PAD_REFLECT, 0), 0, rows,
                                  ct_index_select(x, 1, ct_from_longs(CT_SHAPE(4), 0, 1, 1, 2)), CT_SCATTER_AMAX, false);
            y = ct_masked_fill_tensor(ct_cat(CT_TENSORS(y, ct_flip(y, CT_DIMS(1))), 1), ct_cat(CT_TENSORS(mask, mask, mask), 0), v);
            ct_tensor *parts[3] = {
                ct_flatten(ct_stack(CT_TENSORS(ct_tril(y, 0), ct_roll(y, CT_SHAPE(1), CT_DIMS(1))), 0), 0, -1),
                ct_flatten(ct_take(ct_repeat(x, CT_SHAPE(2, 1)), idx), 0, -1),
                ct_flatten(ct_index_put(x, 0, big, ct_mul_scalar(ct_masked_select(x, big), 2.0), false), 0, -1)};
            REQUIRE(backward_sum(ct_cat(parts, 3, 0)) == 0);
            ct_clear_grad(x);
            ct_clear_grad(v);
        }
        if (step == 10) live = ct_live_tensors();
    }
    CHECK_EQ_INT(ct_live_tensors(), live);
    ct_free(x);
    ct_free(v);
}
