/*
 * examples/mnist_mlp.c - the notes' first real network: a 784-256-64-10 MLP
 * on 28x28 images of ten classes (study notes, section 2, 手写数字识别案例).
 *
 * The notes train on MNIST (handwritten digits). Debian packages
 * Fashion-MNIST (dataset-fashion-mnist: the same format, ten kinds of
 * clothing, a harder task), not MNIST, so this program uses MNIST when its
 * files are found (./data/mnist, $CT_DATA_DIR, ...) and Fashion-MNIST
 * otherwise, and says which.
 *
 * As in the notes: batch 512, SGD lr 0.01 momentum 0.9, 3 epochs, and the
 * loss is the MSE between the 10 outputs and the one-hot target (a
 * regression view of classification). With --cross-entropy the loss is
 * F.cross_entropy on the raw outputs instead (the notes' "Logistic
 * Regression" section): same network, better accuracy. On Fashion-MNIST
 * PyTorch reaches about 77.7% test accuracy with MSE and 83.3% with
 * cross-entropy after 3 epochs.
 *
 * At the end it writes mlp_mse_test.png (mlp_cross_entropy_test.png with
 * --cross-entropy): the first 16 test images, each captioned with its
 * predicted label (the notes' plot_image(x, pred, 'test')).
 *
 * Run: mnist_mlp [--cross-entropy] [--quick]
 *      (--quick: 2 epochs on 10240 training and 1024 test images)
 */
#include <ctorch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int has_flag(int argc, char **argv, const char *flag) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], flag) == 0) return 1;
    return 0;
}

/* --quick or CT_EXAMPLE_QUICK=1 asks for a short run (used by the tests). */
static int quick_mode(int argc, char **argv) {
    const char *env = getenv("CT_EXAMPLE_QUICK");
    return has_flag(argc, argv, "--quick") || (env && *env && strcmp(env, "0") != 0);
}

/* MNIST if its files are somewhere we look, else Fashion-MNIST (with their own mean and std). */
static ct_dataset *open_data(ct_dataset_split split, const char **name) {
    ct_error_mode old = ct_set_error_mode(CT_ERRORS_RETURN); /* a missing MNIST is not fatal */
    ct_dataset *ds = ct_mnist(.split = split, .transform = ct_compose(ct_to_tensor(), ct_normalize(0.1307, 0.3081), NULL));
    ct_set_error_mode(old);
    *name = "MNIST";
    if (ds) return ds;
    ct_clear_error(); /* the failure is handled: forget its message */
    *name = "Fashion-MNIST";
    return ct_fashion_mnist(.split = split, .transform = ct_compose(ct_to_tensor(), ct_normalize(0.2860, 0.3530), NULL));
}

/* The first n samples of ds (the quick mode's subset); takes over the reference to ds. */
static ct_dataset *first_n(ct_dataset *ds, int64_t n) {
    int64_t *idx = malloc((size_t)n * sizeof *idx);
    for (int64_t i = 0; i < n; i++) idx[i] = i;
    ct_dataset *sub = ct_subset(ds, idx, n); /* the subset holds its own reference to ds */
    free(idx);
    ct_dataset_free(ds);
    return sub;
}

int main(int argc, char **argv) {
    const int quick = quick_mode(argc, argv);
    const int cross_entropy = has_flag(argc, argv, "--cross-entropy");
    const int epochs = quick ? 2 : 3, batch_size = 512;
    ct_manual_seed(0);

    /* step 1. the data: ToTensor turns [28,28,1] bytes into [1,28,28] floats, Normalize centres them. */
    const char *name;
    ct_dataset *train = open_data(CT_TRAIN, &name), *test = open_data(CT_TEST, &name);
    int n_classes; /* the class names, for the picture at the end ("T-shirt/top", ... or "0 - zero", ...) */
    const char *const *classes = ct_dataset_classes(test, &n_classes);
    if (quick) { /* a subset keeps its dataset (and so the names) alive */
        train = first_n(train, 10240);
        test = first_n(test, 1024);
    }
    printf("data: %s, %lld training and %lld test images\n", name, (long long)ct_dataset_len(train),
           (long long)ct_dataset_len(test));
    ct_loader *train_loader = ct_loader_new(train, .batch_size = batch_size, .shuffle = true);
    ct_loader *test_loader = ct_loader_new(test, .batch_size = batch_size);

    /* x, y = next(iter(train_loader)); print(x.shape, y.shape, x.min(), x.max()) */
    CT_FOR_EACH_BATCH(train_loader, x, y) {
        CT_SCOPE {
            printf("x [%lld, %lld, %lld, %lld], y [%lld], x.min() %.4f, x.max() %.4f\n", (long long)ct_size(x, 0),
                   (long long)ct_size(x, 1), (long long)ct_size(x, 2), (long long)ct_size(x, 3), (long long)ct_size(y, 0),
                   ct_item(ct_min(x)), ct_item(ct_max(x)));
        }
        break; /* one batch is all we wanted */
    }

    /* step 2. the network: h1 = relu(x w1 + b1), h2 = relu(h1 w2 + b2), out = h2 w3 + b3. */
    ct_module *net = ct_nn_sequential(ct_nn_linear(28 * 28, 256), ct_nn_relu(), ct_nn_linear(256, 64),
                                      ct_nn_relu(), ct_nn_linear(64, 10), NULL);
    ct_module_print(net);
    ct_optimizer *optimizer = ct_sgd(ct_parameters(net), .lr = 0.01, .momentum = 0.9);

    /* step 3. training: 3 passes over the data in batches of 512. */
    for (int epoch = 0; epoch < epochs; epoch++) {
        int batch_idx = 0;
        CT_FOR_EACH_BATCH(train_loader, x, y) { /* x: [b, 1, 28, 28], y: [b] int64 */
            CT_SCOPE {
                ct_tensor *out = ct_forward(net, ct_view(x, CT_SHAPE(ct_size(x, 0), 28 * 28))); /* [b, 10] */
                ct_tensor *loss = cross_entropy
                                      ? ct_cross_entropy(out, y)
                                      : ct_mse_loss(out, ct_to_dtype(ct_one_hot(y, 10), CT_F32));
                ct_zero_grad(optimizer);
                ct_backward(loss);
                ct_step(optimizer); /* w' = w - lr * grad (with momentum) */
                if (batch_idx % 10 == 0) printf("%d %d %f\n", epoch, batch_idx, ct_item(loss));
            }
            batch_idx++;
        }
    }

    /* step 4. test accuracy: argmax of the 10 outputs against the label; no graph needed. */
    int64_t total_correct = 0;
    CT_NO_GRAD {
        CT_FOR_EACH_BATCH(test_loader, x, y) {
            CT_SCOPE {
                ct_tensor *out = ct_forward(net, ct_view(x, CT_SHAPE(ct_size(x, 0), 28 * 28)));
                ct_tensor *pred = ct_argmax_dim(out, 1, false); /* [b] */
                total_correct += ct_item_int(ct_sum(ct_eq(pred, y)));
            }
        }
    }
    printf("test acc: %.4f\n", (double)total_correct / (double)ct_dataset_len(test));

    /* step 5. the notes' plot_image(x, pred, 'test'): 16 test images with their predicted labels. */
    CT_SCOPE CT_NO_GRAD {
        ct_sample s[16];
        for (int i = 0; i < 16; i++) ct_dataset_get(test, i, &s[i]); /* the scope owns the tensors */
        ct_sample batch;
        ct_default_collate(s, 16, &batch, NULL); /* [16, 1, 28, 28] and [16] */
        ct_tensor *pred = ct_argmax_dim(ct_forward(net, ct_view(batch.t[0], CT_SHAPE(16, 28 * 28))), 1, false);
        const char *captions[16];
        for (int i = 0; i < 16; i++) captions[i] = classes[(int)ct_get(pred, (int64_t[]){i})];
        const char *png = cross_entropy ? "mlp_cross_entropy_test.png" : "mlp_mse_test.png";
        if (ct_image_has_png() && ct_save_image(png, .tensor = batch.t[0], .nrow = 8, .normalize = true, .captions = captions) == 0)
            printf("wrote %s (the first test images with their predicted labels)\n", png);
        ct_sample_free(&batch); /* a collated batch belongs to the caller, like the loader's */
    }

    ct_optimizer_free(optimizer);
    ct_module_free(net);
    ct_loader_free(train_loader);
    ct_loader_free(test_loader);
    ct_dataset_free(train);
    ct_dataset_free(test);
    return 0;
}
