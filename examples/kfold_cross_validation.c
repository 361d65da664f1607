/*
 * examples/kfold_cross_validation.c - k-fold cross-validation (study notes,
 * section 7, "k 折交叉验证": split the training set into k parts; each part
 * in turn is the validation set while the other k-1 train a fresh model).
 *
 * With k = 5, every training image is used for validation exactly once, and
 * the k validation accuracies show how much the result depends on which data
 * happened to be held out: their mean is a better estimate of the model's
 * accuracy than a single split gives, and their spread says how sure it is.
 *
 * The folds are cut from one random permutation of the indices
 * (torch.randperm) and made into datasets with Subset, which only stores
 * indices: no image is copied.
 *
 * Run: kfold_cross_validation [--quick]
 *      (--quick: 2500 images, 1 epoch per fold; otherwise all 60000, 2 epochs)
 */
#include <ctorch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define K 5

/* --quick or CT_EXAMPLE_QUICK=1 asks for a short run (used by the tests). */
static int quick_mode(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--quick") == 0) return 1;
    const char *env = getenv("CT_EXAMPLE_QUICK");
    return env && *env && strcmp(env, "0") != 0;
}

/* Trains a fresh MLP on `train` and returns its accuracy on `val`. */
static double train_and_validate(ct_dataset *train, ct_dataset *val, int epochs) {
    ct_module *net = ct_nn_sequential(ct_nn_flatten(), ct_nn_linear(784, 128), ct_nn_relu(), ct_nn_linear(128, 10), NULL);
    ct_optimizer *opt = ct_sgd(ct_parameters(net), .lr = 0.01, .momentum = 0.9);
    ct_loader *train_loader = ct_loader_new(train, .batch_size = 64, .shuffle = true);
    ct_loader *val_loader = ct_loader_new(val, .batch_size = 1000);
    for (int epoch = 0; epoch < epochs; epoch++) {
        CT_FOR_EACH_BATCH(train_loader, x, y) {
            CT_SCOPE {
                ct_tensor *loss = ct_cross_entropy(ct_forward(net, x), y);
                ct_zero_grad(opt);
                ct_backward(loss);
                ct_step(opt);
            }
        }
    }
    int64_t correct = 0;
    CT_NO_GRAD {
        CT_FOR_EACH_BATCH(val_loader, x, y) {
            CT_SCOPE { correct += ct_item_int(ct_sum(ct_eq(ct_argmax_dim(ct_forward(net, x), 1, false), y))); }
        }
    }
    ct_loader_free(train_loader);
    ct_loader_free(val_loader);
    ct_optimizer_free(opt);
    ct_module_free(net);
    return (double)correct / (double)ct_dataset_len(val);
}

int main(int argc, char **argv) {
    const int quick = quick_mode(argc, argv);
    const int epochs = quick ? 1 : 2;
    ct_manual_seed(0);

    ct_dataset *data = ct_fashion_mnist(.split = CT_TRAIN, .transform = ct_compose(ct_to_tensor(), ct_normalize(0.2860, 0.3530), NULL));
    const int64_t n = quick ? 2500 : ct_dataset_len(data), fold = n / K;

    /* One shuffle of all the indices (torch.randperm); quick mode uses only its first n. */
    ct_tensor *perm = ct_randperm(ct_dataset_len(data));
    const int64_t *p = ct_data_i64(perm);
    int64_t *train_idx = malloc((size_t)n * sizeof *train_idx);

    double acc[K], mean = 0, var = 0;
    for (int k = 0; k < K; k++) {
        /* Fold k validates: positions [k * fold, (k + 1) * fold) of the permutation; the rest trains. */
        int64_t n_train = 0;
        for (int64_t i = 0; i < n; i++)
            if (i / fold != k) train_idx[n_train++] = p[i];
        ct_dataset *val = ct_subset(data, p + k * fold, fold);
        ct_dataset *train = ct_subset(data, train_idx, n_train);

        acc[k] = train_and_validate(train, val, epochs);
        printf("fold %d: train on %lld, validate on %lld: val acc %.4f\n", k + 1, (long long)n_train, (long long)fold, acc[k]);
        mean += acc[k] / K;
        ct_dataset_free(train);
        ct_dataset_free(val);
    }
    for (int k = 0; k < K; k++) var += (acc[k] - mean) * (acc[k] - mean) / (K - 1);
    printf("%d-fold cross-validation accuracy: %.4f +- %.4f (mean +- std)\n", K, mean, sqrt(var));

    free(train_idx);
    ct_free(perm);
    ct_dataset_free(data);
    return 0;
}
