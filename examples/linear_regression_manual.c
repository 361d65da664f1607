/*
 * examples/linear_regression_manual.c - "learning is parameter estimation".
 *
 * The thermometer example of "Deep Learning with PyTorch" (study notes, book
 * chapter "构建一个线性模型"): we have readings t_u of a thermometer with
 * unknown units and the true temperatures t_c in Celsius, and we fit
 * t_c = w * t_u + b by gradient descent. Autograd computes the gradient of the
 * loss; we update w and b ourselves, inside CT_NO_GRAD (PyTorch's
 * `with torch.no_grad():`) so that the update is not recorded in the graph.
 *
 * Python, from the notes:
 *
 *     params = torch.tensor([1.0, 0.0], requires_grad=True)
 *     for epoch in range(1, n_epochs + 1):
 *         if params.grad is not None:
 *             params.grad.zero_()
 *         loss = loss_fn(model(t_un, *params), t_c)
 *         loss.backward()
 *         with torch.no_grad():
 *             params -= learning_rate * params.grad
 *
 * Run: linear_regression_manual   (all 5000 epochs take a few milliseconds, so
 * --quick, which the other examples take, changes nothing here)
 */
#include <ctorch.h>
#include <stdio.h>

/* The model: t_p = w * t_u + b, with w = params[0] and b = params[1]. */
static ct_tensor *model(ct_tensor *t_u, ct_tensor *w, ct_tensor *b) {
    return ct_add(ct_mul(w, t_u), b);
}

/* The loss: mean squared error. */
static ct_tensor *loss_fn(ct_tensor *t_p, ct_tensor *t_c) {
    return ct_mean(ct_pow_scalar(ct_sub(t_p, t_c), 2));
}

int main(void) {
    const int n_epochs = 5000;
    const double learning_rate = 1e-2;

    /* Celsius and unknown-unit readings; t_un = 0.1 * t_u keeps the gradients of
     * w and b on a similar scale (the notes' normalization). */
    ct_tensor *t_c = ct_from_floats(CT_SHAPE(11), 0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0);
    ct_tensor *t_u = ct_from_floats(CT_SHAPE(11), 35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4);
    ct_tensor *t_un = ct_mul_scalar(t_u, 0.1);

    /* params = torch.tensor([1.0, 0.0], requires_grad=True) */
    ct_tensor *params = ct_from_floats(CT_SHAPE(2), 1.0, 0.0);
    ct_requires_grad_(params, true);

    for (int epoch = 1; epoch <= n_epochs; epoch++) {
        CT_SCOPE { /* every tensor made in one epoch is freed at the end of it */
            ct_tensor *grad = ct_grad_of(params);
            if (grad) ct_zero_(grad); /* gradients accumulate: zero them first */

            ct_tensor *t_p = model(t_un, ct_select(params, 0, 0), ct_select(params, 0, 1));
            ct_tensor *loss = loss_fn(t_p, t_c);
            ct_backward(loss); /* params.grad = d loss / d params */

            CT_NO_GRAD { /* the update itself must not become part of the graph */
                ct_sub_(params, ct_mul_scalar(ct_grad_of(params), learning_rate));
            }
            if (epoch % 500 == 0) printf("Epoch %d, Loss %f\n", epoch, ct_item(loss));
        }
    }

    printf("params: w = %.6f, b = %.6f  (PyTorch after 5000 epochs: 5.367085, -17.301193)\n",
           ct_get(params, (int64_t[]){0}), ct_get(params, (int64_t[]){1}));

    ct_free(params);
    ct_free(t_un);
    ct_free(t_u);
    ct_free(t_c);
    return 0;
}
