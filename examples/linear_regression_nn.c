/*
 * examples/linear_regression_nn.c - the thermometer fit again, this time with
 * the building blocks a real model uses: nn.Linear as the model, MSE as the
 * loss and optim.SGD doing the update (study notes, book chapters "优化器" and
 * "使用 torch.nn").
 *
 * Compared with linear_regression_manual.c, three lines change:
 *   - the model is ct_nn_linear(1, 1): y = x W^T + b with W [1, 1] and b [1];
 *     it works on batches, so the 11 readings become an [11, 1] tensor;
 *   - the loss is ct_mse_loss (F.mse_loss);
 *   - ct_zero_grad / ct_backward / ct_step replace the hand-written update.
 *
 *     linear_model = nn.Linear(1, 1)
 *     optimizer = optim.SGD(linear_model.parameters(), lr=1e-2)
 *     for epoch in range(1, n_epochs + 1):
 *         loss = loss_fn(linear_model(t_un), t_c)
 *         optimizer.zero_grad()
 *         loss.backward()
 *         optimizer.step()
 *
 * Run: linear_regression_nn   (5000 epochs take a few milliseconds; --quick is accepted and changes nothing)
 */
#include <ctorch.h>
#include <stdio.h>

int main(void) {
    ct_manual_seed(0); /* same initial weights as torch.manual_seed(0); nn.Linear(1, 1) */

    /* The data as a batch of 11 samples with one feature each: shape [11, 1]. */
    ct_tensor *t_c = ct_from_floats(CT_SHAPE(11, 1), 0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0);
    ct_tensor *t_u = ct_from_floats(CT_SHAPE(11, 1), 35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4);
    ct_tensor *t_un = ct_mul_scalar(t_u, 0.1);

    ct_module *linear_model = ct_nn_linear(1, 1);
    ct_module_print(linear_model);
    printf("initial weight %.4f, bias %.4f\n", ct_item(ct_module_get(linear_model, "weight")),
           ct_item(ct_module_get(linear_model, "bias")));

    /* The optimizer keeps its own references to the parameters it updates. */
    ct_optimizer *optimizer = ct_sgd(ct_parameters(linear_model), .lr = 1e-2);

    for (int epoch = 1; epoch <= 5000; epoch++) {
        CT_SCOPE {
            ct_tensor *t_p = ct_forward(linear_model, t_un);
            ct_tensor *loss = ct_mse_loss(t_p, t_c);
            ct_zero_grad(optimizer);
            ct_backward(loss);
            ct_step(optimizer); /* w -= lr * w.grad, for every parameter */
            if (epoch % 500 == 0) printf("Epoch %d, Loss %f\n", epoch, ct_item(loss));
        }
    }

    /* named_parameters(): what the optimizer trained, under PyTorch's names. */
    const ct_named_tensor *named;
    int n = ct_named_parameters(linear_model, &named);
    for (int i = 0; i < n; i++) printf("%s = %.4f\n", named[i].name, ct_item(named[i].tensor));
    printf("(PyTorch, same seed: weight = 5.3671, bias = -17.3011)\n");

    ct_optimizer_free(optimizer);
    ct_module_free(linear_model);
    ct_free(t_un);
    ct_free(t_u);
    ct_free(t_c);
    return 0;
}
