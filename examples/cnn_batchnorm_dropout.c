/*
 * examples/cnn_batchnorm_dropout.c - a convolutional network with batch
 * normalization and dropout (study notes, section 8 卷积神经网络: Conv2d,
 * MaxPool2d, ReLU, Batch Norm; section 7: Dropout, model.train/eval).
 *
 * The network (the one `make run` trains; PyTorch reaches about 90.5% test
 * accuracy on Fashion-MNIST with it after 3 epochs):
 *
 *     [b, 1, 28, 28] -> Conv(1->32, 3x3, pad 1) -> BN -> ReLU -> MaxPool 2  -> [b, 32, 14, 14]
 *                    -> Conv(32->64, 3x3, pad 1) -> BN -> ReLU -> MaxPool 2 -> [b, 64, 7, 7]
 *                    -> Flatten -> Linear(3136->128) -> ReLU -> Dropout(0.25) -> Linear(128->10)
 *
 * It is written as the notes write a network: a module (class) holding its
 * layers as named children, and a forward that calls them in order; the
 * state dict reads "conv1.weight", "bn1.running_mean", ... as in PyTorch.
 * (ct_nn_sequential(conv, bn, relu, pool, ...) would build the same network
 * with children named "0", "1", ...)
 *
 * Two behaviours change between training and evaluation, which is why the
 * notes insist on model.train() / model.eval():
 *   - BatchNorm normalizes with the batch's statistics while training (and
 *     updates its running mean and variance), with the running ones in eval;
 *   - Dropout zeroes 25% of the activations while training, nothing in eval.
 *
 * Run: cnn_batchnorm_dropout [--quick]
 *      (--quick: 1 epoch on 1024 training images, tested on 1000)
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

/* ---- the network */

typedef struct {
    ct_module base;
    ct_module *conv1, *bn1, *pool, *conv2, *bn2, *fc1, *dropout, *fc2;
} CNN;

static ct_tensor *cnn_forward(ct_module *m, ct_tensor *x) {
    CNN *net = (CNN *)m;
    x = ct_relu(ct_forward(net->bn1, ct_forward(net->conv1, x))); /* [b, 32, 28, 28] */
    x = ct_forward(net->pool, x);                                   /* [b, 32, 14, 14] */
    x = ct_relu(ct_forward(net->bn2, ct_forward(net->conv2, x)));
    x = ct_forward(net->pool, x); /* [b, 64, 7, 7]; the pool has no parameters, so one serves twice */
    x = ct_flatten(x, 1, -1);     /* [b, 3136] */
    x = ct_forward(net->dropout, ct_relu(ct_forward(net->fc1, x)));
    return ct_forward(net->fc2, x); /* [b, 10] logits */
}

static const ct_module_type cnn_type = {.name = "CNN", .forward = cnn_forward};

static ct_module *cnn_new(void) {
    CNN *net = (CNN *)ct_module_new(&cnn_type, sizeof(CNN));
    ct_module *m = &net->base;
    net->conv1 = ct_module_add(m, "conv1", ct_nn_conv2d(1, 32, CT_DIMS(3), .padding = CT_DIMS(1)));
    net->bn1 = ct_module_add(m, "bn1", ct_nn_batch_norm2d(32));
    net->pool = ct_module_add(m, "pool", ct_nn_max_pool2d(CT_DIMS(2)));
    net->conv2 = ct_module_add(m, "conv2", ct_nn_conv2d(32, 64, CT_DIMS(3), .padding = CT_DIMS(1)));
    net->bn2 = ct_module_add(m, "bn2", ct_nn_batch_norm2d(64));
    net->fc1 = ct_module_add(m, "fc1", ct_nn_linear(64 * 7 * 7, 128));
    net->dropout = ct_module_add(m, "dropout", ct_nn_dropout(0.25));
    net->fc2 = ct_module_add(m, "fc2", ct_nn_linear(128, 10));
    return m;
}

/* The first n samples of ds (the quick mode's subset); takes over the reference to ds. */
static ct_dataset *first_n(ct_dataset *ds, int64_t n) {
    int64_t *idx = malloc((size_t)n * sizeof *idx);
    for (int64_t i = 0; i < n; i++) idx[i] = i;
    ct_dataset *sub = ct_subset(ds, idx, n);
    free(idx);
    ct_dataset_free(ds);
    return sub;
}

int main(int argc, char **argv) {
    const int quick = quick_mode(argc, argv);
    const int epochs = quick ? 1 : 3;
    ct_manual_seed(0);

    ct_dataset *train = ct_fashion_mnist(.split = CT_TRAIN, .transform = ct_compose(ct_to_tensor(), ct_normalize(0.2860, 0.3530), NULL));
    ct_dataset *test = ct_fashion_mnist(.split = CT_TEST, .transform = ct_compose(ct_to_tensor(), ct_normalize(0.2860, 0.3530), NULL));
    if (quick) {
        train = first_n(train, 1024);
        test = first_n(test, 1000);
    }
    ct_loader *train_loader = ct_loader_new(train, .batch_size = 128, .shuffle = true);
    ct_loader *test_loader = ct_loader_new(test, .batch_size = 500);

    ct_module *net = cnn_new();
    ct_module_print(net);
    printf("parameters: %lld\n", (long long)ct_num_parameters(net, true));
    ct_optimizer *optimizer = ct_adam(ct_parameters(net), .lr = 1e-3);

    for (int epoch = 0; epoch < epochs; epoch++) {
        ct_module_train(net, true); /* model.train(): batch statistics, dropout on */
        int batch_idx = 0;
        CT_FOR_EACH_BATCH(train_loader, x, y) {
            CT_SCOPE {
                ct_tensor *loss = ct_cross_entropy(ct_forward(net, x), y);
                ct_zero_grad(optimizer);
                ct_backward(loss);
                ct_step(optimizer);
                if (batch_idx % 100 == 0) printf("epoch %d batch %d loss %.4f\n", epoch, batch_idx, ct_item(loss));
            }
            batch_idx++;
        }

        ct_module_eval(net); /* model.eval(): running statistics, dropout off */
        int64_t correct = 0;
        CT_NO_GRAD {
            CT_FOR_EACH_BATCH(test_loader, x, y) {
                CT_SCOPE { correct += ct_item_int(ct_sum(ct_eq(ct_argmax_dim(ct_forward(net, x), 1, false), y))); }
            }
        }
        printf("epoch %d: test acc %.4f\n", epoch, (double)correct / (double)ct_dataset_len(test));
    }

    /* The running statistics BatchNorm learned along the way are buffers: in the
     * state dict, but not trained by the optimizer. */
    ct_module *bn1 = ct_module_child(net, "bn1");
    printf("bn1.num_batches_tracked = %lld, bn1.running_mean[:4] = ", (long long)ct_item_int(ct_module_get(bn1, "num_batches_tracked")));
    CT_SCOPE { ct_print(ct_narrow(ct_module_get(bn1, "running_mean"), 0, 0, 4)); }

    ct_optimizer_free(optimizer);
    ct_module_free(net);
    ct_loader_free(train_loader);
    ct_loader_free(test_loader);
    ct_dataset_free(train);
    ct_dataset_free(test);
    return 0;
}
