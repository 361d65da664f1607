/*
 * examples/himmelblau_adam.c - minimizing a 2-D function with an optimizer
 * (study notes, section 4, "2D 函数优化实例").
 *
 * Himmelblau's function f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2 has four
 * minima, all with f = 0: (3, 2), (-2.805118, 3.131312), (-3.779310, -3.283186)
 * and (3.584428, -1.848126). Which one gradient descent finds depends on the
 * start; from (0, 0) Adam walks to (3, 2).
 *
 * Nothing here is a neural network: the optimizer updates any tensors that
 * require grad. CT_PARAMS(x) passes a loose tensor, like torch.optim.Adam([x]).
 *
 *     x = torch.tensor([0., 0.], requires_grad=True)
 *     optimizer = torch.optim.Adam([x], lr=1e-3)
 *     for step in range(20000):
 *         pred = himmelblau(x)
 *         optimizer.zero_grad()
 *         pred.backward()
 *         optimizer.step()
 *         if step % 2000 == 0:
 *             print('step {}: x = {}, f(x) = {}'.format(step, x.tolist(), pred.item()))
 *
 * Run: himmelblau_adam [--quick]   (--quick: 4000 steps instead of 20000)
 */
#include <ctorch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --quick or CT_EXAMPLE_QUICK=1 asks for a short run (used by the tests). */
static int quick_mode(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--quick") == 0) return 1;
    const char *env = getenv("CT_EXAMPLE_QUICK");
    return env && *env && strcmp(env, "0") != 0;
}

/* f(p) = (p0^2 + p1 - 11)^2 + (p0 + p1^2 - 7)^2, built from tensor ops so autograd can follow it. */
static ct_tensor *himmelblau(ct_tensor *p) {
    ct_tensor *x = ct_select(p, 0, 0), *y = ct_select(p, 0, 1);
    ct_tensor *a = ct_sub_scalar(ct_add(ct_square(x), y), 11.0);
    ct_tensor *b = ct_sub_scalar(ct_add(x, ct_square(y)), 7.0);
    return ct_add(ct_square(a), ct_square(b));
}

int main(int argc, char **argv) {
    const int steps = quick_mode(argc, argv) ? 4000 : 20000;

    ct_tensor *x = ct_zeros(CT_SHAPE(2), .requires_grad = true); /* start at (0, 0) */
    ct_optimizer *optimizer = ct_adam(CT_PARAMS(x), .lr = 1e-3);

    for (int step = 0; step < steps; step++) {
        CT_SCOPE {
            ct_tensor *pred = himmelblau(x);
            ct_zero_grad(optimizer);
            ct_backward(pred); /* df/dx and df/dy into x.grad */
            ct_step(optimizer); /* Adam's update of x */
            if (step % 2000 == 0) /* x is printed after the step, f(x) before it, as in the notes */
                printf("step %d: x = [%.8g, %.8g], f(x) = %.8g\n", step, ct_get(x, (int64_t[]){0}),
                       ct_get(x, (int64_t[]){1}), ct_item(pred));
        }
    }
    printf("final: x = [%.6f, %.6f]  (the minimum at (3, 2))\n", ct_get(x, (int64_t[]){0}),
           ct_get(x, (int64_t[]){1}));

    ct_optimizer_free(optimizer);
    ct_free(x);
    return 0;
}
