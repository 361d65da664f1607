/*
 * examples/logistic_regression_plateau.c - multi-class "logistic regression"
 * from raw tensors, checked on a validation set, with the learning rate cut
 * when the validation loss stops improving (study notes, section 4 "Logistic
 * Regression" and section 7 "train-val-test 划分", "动量、学习率衰减").
 *
 * The model is the notes' own: three weight matrices and biases as plain
 * tensors that require grad, and a forward function. Cross-entropy is softmax
 * followed by the negative log-likelihood, so the outputs are the logits of a
 * softmax classifier over the ten classes.
 *
 *     train_db, val_db = torch.utils.data.random_split(train_db, [50000, 10000])
 *     optimizer = torch.optim.SGD([w1, b1, w2, b2, w3, b3], lr=0.01, momentum=0.9)
 *     scheduler = ReduceLROnPlateau(optimizer, 'min')
 *     for epoch in range(epochs):
 *         train(train_loader, ...)
 *         loss_val = validate(val_loader, ...)
 *         scheduler.step(loss_val)
 *
 * Data: Fashion-MNIST (Debian's dataset-fashion-mnist; MNIST isn't packaged).
 *
 * Run: logistic_regression_plateau [--quick]
 *      (--quick: 3 epochs on 4096 images split 3072 / 1024, tested on 2048)
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

/* The parameters, as in the notes: w1 [200, 784], w2 [200, 200], w3 [10, 200] and their biases. */
static ct_tensor *w1, *b1, *w2, *b2, *w3, *b3;

/* A weight of shape [out, in]: Kaiming-normal (the notes' course does this too: plain
 * randn weights give huge logits and training stalls), then marked as requiring grad. */
static ct_tensor *weight(int64_t out, int64_t in) {
    ct_tensor *w = ct_empty(CT_SHAPE(out, in));
    ct_init_kaiming_normal_(w);
    return ct_requires_grad_(w, true);
}

static ct_tensor *forward(ct_tensor *x) {
    x = ct_relu(ct_add(ct_matmul(x, ct_t(w1)), b1)); /* x @ w1.t() + b1 */
    x = ct_relu(ct_add(ct_matmul(x, ct_t(w2)), b2));
    return ct_add(ct_matmul(x, ct_t(w3)), b3); /* logits (the notes' extra relu here is dropped) */
}

/* Mean loss and accuracy of the model over a loader, without building a graph. */
static void evaluate(ct_loader *loader, double *loss, double *acc) {
    double total_loss = 0;
    int64_t correct = 0, n = 0;
    CT_NO_GRAD {
        CT_FOR_EACH_BATCH(loader, x, y) {
            CT_SCOPE {
                ct_tensor *logits = forward(ct_view(x, CT_SHAPE(-1, 28 * 28)));
                total_loss += ct_item(ct_cross_entropy(logits, y)) * (double)ct_size(y, 0);
                correct += ct_item_int(ct_sum(ct_eq(ct_argmax_dim(logits, 1, false), y)));
                n += ct_size(y, 0);
            }
        }
    }
    *loss = total_loss / (double)n;
    *acc = (double)correct / (double)n;
}

int main(int argc, char **argv) {
    const int quick = quick_mode(argc, argv);
    const int epochs = quick ? 3 : 10, batch_size = 200;
    ct_manual_seed(0);

    ct_dataset *full = ct_fashion_mnist(.split = CT_TRAIN,
                                        .transform = ct_compose(ct_to_tensor(), ct_normalize(0.2860, 0.3530), NULL));
    ct_dataset *test = ct_fashion_mnist(.split = CT_TEST,
                                        .transform = ct_compose(ct_to_tensor(), ct_normalize(0.2860, 0.3530), NULL));

    /* random_split: one random permutation of the indices, cut into pieces. The
     * pieces hold references to `full`, so it can be released right away. */
    ct_dataset *parts[3];
    if (quick) ct_random_split(full, (const int64_t[]){3072, 1024, 60000 - 4096}, 3, NULL, parts);
    else ct_random_split(full, (const int64_t[]){50000, 10000}, 2, NULL, parts);
    ct_dataset_free(full);
    ct_dataset *train_db = parts[0], *val_db = parts[1];
    if (quick) { /* drop the unused rest, and test on 2048 test images only */
        ct_dataset_free(parts[2]);
        ct_random_split(test, (const int64_t[]){2048, 10000 - 2048}, 2, NULL, parts);
        ct_dataset_free(parts[1]);
        ct_dataset_free(test);
        test = parts[0];
    }
    printf("db1: %lld db2: %lld\n", (long long)ct_dataset_len(train_db), (long long)ct_dataset_len(val_db));

    ct_loader *train_loader = ct_loader_new(train_db, .batch_size = batch_size, .shuffle = true);
    ct_loader *val_loader = ct_loader_new(val_db, .batch_size = batch_size);
    ct_loader *test_loader = ct_loader_new(test, .batch_size = batch_size);

    w1 = weight(200, 784), b1 = ct_zeros(CT_SHAPE(200), .requires_grad = true);
    w2 = weight(200, 200), b2 = ct_zeros(CT_SHAPE(200), .requires_grad = true);
    w3 = weight(10, 200), b3 = ct_zeros(CT_SHAPE(10), .requires_grad = true);

    ct_optimizer *optimizer = ct_sgd(CT_PARAMS(w1, b1, w2, b2, w3, b3), .lr = 0.01, .momentum = 0.9);
    /* mode 'min': lower validation loss is better. PyTorch's default patience is 10
     * epochs; we train for 10 in all, so we halve the lr as soon as one epoch
     * fails to improve (patience 0: CT_ZERO is an explicit zero, see optim.h). */
    ct_scheduler *scheduler = ct_reduce_lr_on_plateau(optimizer, .patience = CT_ZERO, .factor = 0.5);

    for (int epoch = 0; epoch < epochs; epoch++) {
        double train_loss = 0;
        int64_t batches = 0;
        CT_FOR_EACH_BATCH(train_loader, x, y) {
            CT_SCOPE {
                ct_tensor *loss = ct_cross_entropy(forward(ct_view(x, CT_SHAPE(-1, 28 * 28))), y);
                ct_zero_grad(optimizer);
                ct_backward(loss);
                ct_step(optimizer);
                train_loss += ct_item(loss);
                batches++;
            }
        }
        double val_loss, val_acc;
        evaluate(val_loader, &val_loss, &val_acc);
        printf("epoch %d: lr %g, train loss %.4f, val loss %.4f, val acc %.4f\n", epoch, ct_optimizer_group_lr(optimizer, 0),
               train_loss / (double)batches, val_loss, val_acc);
        double lr = ct_optimizer_group_lr(optimizer, 0);
        ct_scheduler_step_metric(scheduler, val_loss); /* may lower the lr for the next epoch */
        if (ct_optimizer_group_lr(optimizer, 0) < lr)
            printf("  validation loss did not improve: lr %g -> %g\n", lr, ct_optimizer_group_lr(optimizer, 0));
    }

    double test_loss, test_acc;
    evaluate(test_loader, &test_loss, &test_acc);
    printf("test loss %.4f, test acc %.4f\n", test_loss, test_acc);

    ct_scheduler_free(scheduler); /* before its optimizer */
    ct_optimizer_free(optimizer);
    ct_tensor *params[] = {w1, b1, w2, b2, w3, b3};
    for (int i = 0; i < 6; i++) ct_free(params[i]);
    ct_loader_free(train_loader);
    ct_loader_free(val_loader);
    ct_loader_free(test_loader);
    ct_dataset_free(train_db);
    ct_dataset_free(val_db);
    ct_dataset_free(test);
    return 0;
}
