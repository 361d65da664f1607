/*
 * tests/ops/test_pointwise_driver.c - the binary driver's fast path for small
 * operands (src/ops/pointwise_driver.c) gives what the general path gives:
 * one-element and expanded operands broadcast, in-place forms keep every
 * check, and x ** 2 (computed as x * x, as PyTorch does) keeps pow's node;
 * outputs bigger than the cache, written with streaming stores, are exact.
 */
#include "test.h"

/* True when t has dtype float, the given shape and the given values. */
static bool floats_are(ct_tensor *t, ct_shape shape, const float *want, int n) {
    if (!t || ct_dtype_of(t) != CT_F32 || ct_dim(t) != shape.ndim) return false;
    for (int i = 0; i < shape.ndim; i++)
        if (ct_sizes(t)[i] != shape.d[i]) return false;
    if (ct_numel(t) != n) return false;
    ct_tensor *c = ct_contiguous(t);
    const float *p = ct_data_f32(c);
    bool ok = true;
    for (int i = 0; i < n; i++) ok = ok && (p[i] == want[i] || (want[i] != want[i] && p[i] != p[i]));
    return ok;
}

TEST(one_element_and_expanded_operands_broadcast) {
    CT_SCOPE {
        ct_tensor *x = ct_from_floats(CT_SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
        ct_tensor *ten = ct_from_floats(CT_SHAPE(1, 1), 10);
        const float plus10[] = {11, 12, 13, 14, 15, 16};
        CHECK(floats_are(ct_add(x, ten), CT_SHAPE(2, 3), plus10, 6));
        CHECK(floats_are(ct_add(ten, x), CT_SHAPE(2, 3), plus10, 6));
        /* An expanded value (stride 0 everywhere) on either side, or both. */
        ct_tensor *two = ct_expand(ct_scalar_tensor(2.0), CT_SHAPE(2, 3));
        const float twice[] = {2, 4, 6, 8, 10, 12}, fours[] = {4, 4, 4, 4, 4, 4};
        CHECK(floats_are(ct_mul(x, two), CT_SHAPE(2, 3), twice, 6));
        CHECK(floats_are(ct_mul(two, x), CT_SHAPE(2, 3), twice, 6));
        CHECK(floats_are(ct_mul(two, two), CT_SHAPE(2, 3), fours, 6));
        /* One element each: the result has the larger number of dims. */
        const float eleven[] = {11};
        CHECK(floats_are(ct_add(ten, ct_scalar_tensor(1.0)), CT_SHAPE(1, 1), eleven, 1));
        CHECK(floats_are(ct_add(ct_scalar_tensor(1.0), ct_from_floats(CT_SHAPE(1), 10)), CT_SHAPE(1),
                         eleven, 1));
        /* A transposed operand takes the general path, with the same answer. */
        ct_tensor *xt = ct_t(ct_from_floats(CT_SHAPE(3, 2), 1, 4, 2, 5, 3, 6));
        const float doubled[] = {2, 4, 6, 8, 10, 12};
        CHECK(floats_are(ct_add(x, xt), CT_SHAPE(2, 3), doubled, 6));
        /* Predicates give bool; a broadcast that is not of one element still works. */
        ct_tensor *lt = ct_lt(x, ct_scalar_tensor(3.5));
        REQUIRE(lt);
        CHECK(ct_dtype_of(lt) == CT_BOOL);
        CHECK(ct_data_bool(lt)[2] && !ct_data_bool(lt)[3]);
        const float rows[] = {2, 4, 6, 5, 7, 9};
        CHECK(floats_are(ct_add(x, ct_from_floats(CT_SHAPE(3), 1, 2, 3)), CT_SHAPE(2, 3), rows, 6));
        /* Integer division by zero is still reported for small tensors. */
        CHECK_FAILS(ct_remainder(ct_from_ints(CT_SHAPE(2), 3, 4), ct_from_ints(CT_SHAPE(1), 0)),
                    "ZeroDivisionError");
    }
}

TEST(in_place_fast_path_keeps_checks) {
    CT_SCOPE {
        ct_tensor *a = ct_from_floats(CT_SHAPE(3), 1, 2, 3);
        int64_t v = ct_version(a);
        CHECK(ct_add_(a, ct_scalar_tensor(1.0)) == a);
        CHECK_EQ_INT(ct_version(a), v + 1);
        const float plus1[] = {2, 3, 4}, squared[] = {4, 9, 16};
        CHECK(floats_are(a, CT_SHAPE(3), plus1, 3));
        CHECK(ct_mul_(a, a) == a);
        CHECK(floats_are(a, CT_SHAPE(3), squared, 3));
        /* The result must have a's shape and fit a's dtype; a must not be expanded. */
        CHECK_FAILS(ct_add_(a, ct_ones(CT_SHAPE(2, 3))), "doesn't match the broadcast shape");
        CHECK_FAILS(ct_add_(ct_from_ints(CT_SHAPE(2), 1, 2), ct_from_floats(CT_SHAPE(1), 0.5f)),
                    "can't be cast to the desired output type");
        ct_tensor *e = ct_expand(ct_from_floats(CT_SHAPE(1), 1), CT_SHAPE(3));
        CHECK_FAILS(ct_add_(e, ct_scalar_tensor(1.0)), "more than one element of the written-to tensor");
        /* b overlapping a's memory (a view of a) gives what a copy of b would. */
        ct_tensor *c = ct_from_floats(CT_SHAPE(4), 1, 2, 3, 4);
        ct_tensor *first = ct_clone(ct_narrow(c, 0, 0, 2));
        ct_tensor *d = ct_from_floats(CT_SHAPE(4), 1, 2, 3, 4);
        CHECK(ct_sub_(ct_narrow(c, 0, 2, 2), ct_narrow(c, 0, 0, 2)) != NULL);
        CHECK(ct_sub_(ct_narrow(d, 0, 2, 2), first) != NULL);
        CHECK(ct_equal(c, d));
    }
}

TEST(square_is_exact_and_records_pow) {
    CT_SCOPE {
        ct_tensor *x = ct_from_floats(CT_SHAPE(5), 1.5f, -2.0f, 3.0f, 1e20f, -0.0f);
        ct_requires_grad_(x, true);
        ct_tensor *y = ct_pow_scalar(x, 2), *yf = ct_pow_scalar(x, 2.0);
        REQUIRE(y && yf);
        CHECK_STR(ct_grad_fn_name(y), "PowBackward0");
        CHECK(ct_equal(y, ct_mul(x, x)) && ct_equal(yf, y));
        CHECK(isinf(ct_data_f32(y)[3]) && !signbit(ct_data_f32(y)[4]));
        REQUIRE(ct_backward(ct_sum(ct_narrow(y, 0, 0, 3))) == 0);
        const float grad[] = {3, -4, 6, 0, 0};
        CHECK(floats_are(ct_grad_of(x), CT_SHAPE(5), grad, 5));
        /* In place and in other dtypes. */
        ct_tensor *d = ct_from_doubles(CT_SHAPE(2), 0.1, -3.0);
        CHECK(ct_pow_scalar_(d, 2) == d);
        CHECK(ct_data_f64(d)[0] == 0.1 * 0.1 && ct_data_f64(d)[1] == 9.0);
        ct_tensor *i = ct_pow_scalar(ct_from_ints(CT_SHAPE(2), -3, 5), 2);
        REQUIRE(i);
        CHECK(ct_dtype_of(i) == CT_I32 && ct_data_i32(i)[0] == 9 && ct_data_i32(i)[1] == 25);
        ct_free(x);
    }
}

/* a[i] op b[i] == out[i] for every i (float32 or float64 operands of n elements, out contiguous). */
static bool binary_matches(ct_tensor *out, ct_tensor *a, ct_tensor *b, int op) {
    ct_tensor *o = ct_to_dtype(out, CT_F64), *x = ct_to_dtype(a, CT_F64), *y = ct_to_dtype(b, CT_F64);
    if (!o || !x || !y || ct_numel(o) != ct_numel(x)) return false;
    const double *po = ct_data_f64(o), *px = ct_data_f64(x), *py = ct_data_f64(y);
    bool f32 = ct_dtype_of(out) == CT_F32;
    for (int64_t i = 0; i < ct_numel(o); i++) {
        double want = op == 0 ? px[i] + py[i] : px[i] * py[i];
        if (f32) want = (float)(op == 0 ? (float)px[i] + (float)py[i] : (float)px[i] * (float)py[i]);
        if (po[i] != want) return false;
    }
    return true;
}

TEST(outputs_bigger_than_the_cache_are_streamed_exactly) {
    /* 32 MiB and more of output takes the streaming stores; odd lengths and a misaligned destination */
    const int64_t n = ((int64_t)8 << 20) + 37;
    int saved = ct_get_num_threads();
    for (int threads = 1; threads <= 2; threads++) {
        ct_set_num_threads(threads);
        CT_SCOPE {
            ct_tensor *a = ct_randn(CT_SHAPE(n)), *b = ct_randn(CT_SHAPE(n));
            CHECK(binary_matches(ct_add(a, b), a, b, 0));
            CHECK(binary_matches(ct_mul(a, b), a, b, 1));
            ct_tensor *big = ct_zeros(CT_SHAPE(n + 3));
            ct_tensor *out = ct_narrow(big, 0, 1, n); /* 4 bytes past an aligned start */
            CHECK(ct_add_out(out, a, b) == out);
            CHECK(binary_matches(out, a, b, 0));
            CHECK(ct_item(ct_select(big, 0, 0)) == 0 && ct_item(ct_select(big, 0, n + 1)) == 0);
            ct_tensor *ad = ct_to_dtype(a, CT_F64), *bd = ct_to_dtype(b, CT_F64);
            CHECK(binary_matches(ct_add(ad, bd), ad, bd, 0));
        }
    }
    ct_set_num_threads(saved);
}
