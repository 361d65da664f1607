/*
 * examples/autograd_gradients.c - "tensor = data + grad": the gradient demos
 * of the study notes (section 4, 梯度、激活函数、链式法则、反向传播).
 *
 *   1. the chain rule: y1 = x*w1 + b1, y2 = y1*w2 + b2; dy2/dw1 by hand
 *      (dy2/dy1 * dy1/dw1) and through the graph, both 2;
 *   2. the single-output perceptron: o = sigmoid(x @ w.t()), MSE against 1,
 *      w.grad against the closed form (O - t) O (1 - O) x_j;
 *   3. the same with two outputs (w is [2, 10]);
 *   4. the softmax gradient: torch.autograd.grad(p[1], [a], retain_graph=True)
 *      and then grad(p[2], [a]) on the same graph;
 *   5. gradients accumulate: two backward calls add up until zeroed.
 *
 * ct_grad is torch.autograd.grad (returns gradients, leaves .grad alone);
 * ct_backward is loss.backward() (adds into each leaf's .grad).
 *
 * Run: autograd_gradients   (instant; --quick is accepted and changes nothing)
 */
#include <ctorch.h>
#include <stdio.h>

static void chain_rule(void) {
    printf("== 1. chain rule\n");
    ct_tensor *w1 = ct_scalar_tensor(2.0, .requires_grad = true);
    ct_tensor *w2 = ct_scalar_tensor(2.0, .requires_grad = true);
    CT_SCOPE {
        ct_tensor *x = ct_scalar_tensor(1.0), *b1 = ct_scalar_tensor(1.0), *b2 = ct_scalar_tensor(1.0);
        ct_tensor *y1 = ct_add(ct_mul(x, w1), b1); /* y1 = x*w1 + b1 = 3 */
        ct_tensor *y2 = ct_add(ct_mul(y1, w2), b2); /* y2 = y1*w2 + b2 = 7 */

        /* retain_graph = true keeps the graph alive for the next call. */
        ct_tensor *g[1];
        ct_grad(CT_TENSORS(y2), CT_TENSORS(y1), g, .retain_graph = true);
        double dy2_dy1 = ct_item(g[0]);
        ct_grad(CT_TENSORS(y1), CT_TENSORS(w1), g, .retain_graph = true);
        double dy1_dw1 = ct_item(g[0]);
        ct_grad(CT_TENSORS(y2), CT_TENSORS(w1), g, .retain_graph = true);
        double dy2_dw1 = ct_item(g[0]);
        printf("dy2_dy1 * dy1_dw1 = %g * %g = %g   (by hand)\n", dy2_dy1, dy1_dw1, dy2_dy1 * dy1_dw1);
        printf("dy2_dw1 = %g                 (through the graph)\n", dy2_dw1);
    }
    ct_free(w1);
    ct_free(w2);
}

/* A perceptron with n_out outputs: x [1, 10], w [n_out, 10], target all ones. */
static void perceptron(int n_out) {
    printf("== %d. perceptron with %d output%s\n", n_out + 1, n_out, n_out > 1 ? "s" : "");
    ct_tensor *w = ct_randn(CT_SHAPE(n_out, 10), .requires_grad = true);
    CT_SCOPE {
        ct_tensor *x = ct_randn(CT_SHAPE(1, 10));
        ct_tensor *o = ct_sigmoid(ct_matmul(x, ct_t(w))); /* [1, n_out] */
        ct_tensor *loss = ct_mse_loss(ct_ones(CT_SHAPE(1, 1)), o);
        printf("o.shape = [1, %lld], loss = %.4f\n", (long long)ct_size(o, 1), ct_item(loss));
        ct_backward(loss);
        printf("w.grad:\n");
        ct_print(ct_grad_of(w));

        /* The closed form. The notes' E = 1/2 sum_k (O_k - t_k)^2 gives
         * dE/dw_jk = (O_k - t_k) O_k (1 - O_k) x_j; mse_loss takes the mean
         * over n_out outputs, which multiplies that by 2 / n_out. */
        ct_tensor *t = ct_ones(CT_SHAPE(1, n_out));
        ct_tensor *delta = ct_mul(ct_mul(ct_sub(o, t), o), ct_rsub_scalar(o, 1.0)); /* [1, n_out] */
        ct_tensor *closed = ct_mul_scalar(ct_matmul(ct_t(delta), x), 2.0 / n_out); /* [n_out, 10] */
        printf("max |w.grad - closed form| = %.2e\n",
               ct_item(ct_max(ct_abs(ct_sub(ct_grad_of(w), closed)))));
    }
    ct_free(w);
}

static void softmax_gradient(void) {
    printf("== 4. softmax gradient\n");
    ct_tensor *a = ct_rand(CT_SHAPE(3), .requires_grad = true);
    CT_SCOPE {
        ct_tensor *p = ct_softmax(a, 0); /* builds the graph */
        printf("a = ");
        ct_print(a);
        printf("p = softmax(a) = ");
        ct_print(p);
        ct_tensor *g[1];
        ct_grad(CT_TENSORS(ct_select(p, 0, 1)), CT_TENSORS(a), g, .retain_graph = true);
        printf("dp1/da = ");
        ct_print(g[0]); /* p1 (1 - p1) at index 1, -p1 pj elsewhere */
        ct_grad(CT_TENSORS(ct_select(p, 0, 2)), CT_TENSORS(a), g); /* last use: graph freed */
        printf("dp2/da = ");
        ct_print(g[0]);
    }
    ct_free(a);
}

static void accumulation(void) {
    printf("== 5. gradients accumulate\n");
    ct_tensor *w = ct_full(CT_SHAPE(1), 2.0, .requires_grad = true);
    CT_SCOPE {
        ct_tensor *x = ct_ones(CT_SHAPE(1));
        for (int i = 1; i <= 2; i++) { /* a fresh graph each time, same gradient 2 */
            ct_backward(ct_mse_loss(ct_ones(CT_SHAPE(1)), ct_mul(x, w)));
            printf("after backward #%d: w.grad = %g\n", i, ct_item(ct_grad_of(w)));
        }
        ct_zero_(ct_grad_of(w)); /* w.grad.data.zero_() - what optimizer.zero_grad() is for */
        printf("after zero_():      w.grad = %g\n", ct_item(ct_grad_of(w)));
    }
    ct_free(w);
}

int main(void) {
    ct_manual_seed(0);
    chain_rule();
    perceptron(1);
    perceptron(2);
    softmax_gradient();
    accumulation();
    return 0;
}
