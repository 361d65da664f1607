/*
 * tests/optim/test_himmelblau.c - the notes' 2-D optimization example:
 * x from (0, 0), Adam with lr 1e-3, 20,000 steps of
 * f(x) = (x0^2 + x1 - 11)^2 + (x0 + x1^2 - 7)^2 reach the minimum near
 * (3, 2) with f(x) < 1e-6, as in PyTorch (tests/fixtures/optim_cases.py).
 */
#include <math.h>

#include "test.h"
#include "../fixtures/optim_cases.h"

/* himmelblau(x) written as the notes write it: x[0] ** 2 + x[1] - 11, ... */
static ct_tensor *himmelblau(ct_tensor *x) {
    ct_tensor *x0 = ct_select(x, 0, 0), *x1 = ct_select(x, 0, 1);
    ct_tensor *a = ct_sub_scalar(ct_add(ct_pow_scalar(x0, 2), x1), 11);
    ct_tensor *b = ct_sub_scalar(ct_add(x0, ct_pow_scalar(x1, 2)), 7);
    return ct_add(ct_pow_scalar(a, 2), ct_pow_scalar(b, 2));
}

TEST(himmelblau_reaches_the_minimum_like_pytorch) {
    ct_tensor *x = ct_zeros(CT_SHAPE(2), .requires_grad = true);
    ct_optimizer *opt = ct_adam(CT_PARAMS(x), .lr = 1e-3);
    REQUIRE(opt);
    double first = 0;
    for (int step = 0; step < 20000; step++) {
        CT_SCOPE {
            ct_tensor *pred = himmelblau(x);
            ct_zero_grad(opt);
            REQUIRE(ct_backward(pred) == 0);
            REQUIRE(ct_step(opt) == 0);
            if (step == 0) first = ct_item(pred);
        }
    }
    CHECK_NEAR(first, 170.0, 0); /* f(0, 0) = 121 + 49 */
    double f;
    CT_SCOPE { f = ct_item(himmelblau(x)); }
    double x0 = ct_get(x, (int64_t[]){0}), x1 = ct_get(x, (int64_t[]){1});
    printf("  x = (%.9g, %.9g), f(x) = %.3g; PyTorch: (%.9g, %.9g), f = %.3g\n", x0, x1, f,
           himmelblau_torch_x[0], himmelblau_torch_x[1], himmelblau_torch_f);
    CHECK(f < 1e-6);
    CHECK_NEAR(x0, 3.0, 1e-3);
    CHECK_NEAR(x1, 2.0, 1e-3);
    CHECK_NEAR(x0, himmelblau_torch_x[0], 1e-5);
    CHECK_NEAR(x1, himmelblau_torch_x[1], 1e-5);
    ct_optimizer_free(opt);
    ct_free(x);
}
