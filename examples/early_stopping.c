/*
 * examples/early_stopping.c - stop training when the validation accuracy
 * stops improving, and keep the best model (study notes, section 7, "Early
 * Stopping": pick the model where validation accuracy peaks; past that point
 * it overfits).
 *
 * Each epoch: train, measure the accuracy on a validation set held out with
 * random_split, and if it is the best so far, copy the state dict. After
 * `patience` epochs without improvement, stop, and load the best copy back
 * before testing.
 *
 * A state dict's tensors share memory with the model (as in PyTorch), so
 * keeping "the best so far" needs a real copy: copy.deepcopy(model.state_dict())
 * in Python, a dict of ct_clone()s here.
 *
 * Run: early_stopping [--quick]
 *      (--quick: at most 4 epochs, patience 1, on 2048 + 512 images)
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

/* Fraction of the loader's samples the model classifies correctly (eval mode, no graph). */
static double accuracy(ct_module *net, ct_loader *loader) {
    int64_t correct = 0, n = 0;
    ct_module_eval(net);
    CT_NO_GRAD {
        CT_FOR_EACH_BATCH(loader, x, y) {
            CT_SCOPE {
                correct += ct_item_int(ct_sum(ct_eq(ct_argmax_dim(ct_forward(net, x), 1, false), y)));
                n += ct_size(y, 0);
            }
        }
    }
    ct_module_train(net, true);
    return (double)correct / (double)n;
}

/* copy.deepcopy(model.state_dict()): a dict holding copies, not aliases. */
static ct_tensor_dict *copy_state(ct_module *net) {
    ct_tensor_dict *live = ct_state_dict(net), *copy = ct_tensor_dict_new();
    CT_SCOPE {
        for (size_t i = 0; i < ct_tensor_dict_len(live); i++)
            ct_tensor_dict_set(copy, ct_tensor_dict_name(live, i), ct_clone(ct_tensor_dict_tensor(live, i)));
    }
    ct_tensor_dict_free(live);
    return copy;
}

int main(int argc, char **argv) {
    const int quick = quick_mode(argc, argv);
    const int max_epochs = quick ? 4 : 30, patience = quick ? 1 : 3;
    ct_manual_seed(0);

    ct_dataset *full = ct_fashion_mnist(.split = CT_TRAIN, .transform = ct_compose(ct_to_tensor(), ct_normalize(0.2860, 0.3530), NULL));
    ct_dataset *test = ct_fashion_mnist(.split = CT_TEST, .transform = ct_compose(ct_to_tensor(), ct_normalize(0.2860, 0.3530), NULL));
    ct_dataset *parts[3];
    if (quick) ct_random_split(full, (const int64_t[]){2048, 512, 60000 - 2560}, 3, NULL, parts);
    else ct_random_split(full, (const int64_t[]){50000, 10000}, 2, NULL, parts);
    if (quick) ct_dataset_free(parts[2]);
    ct_dataset_free(full);
    ct_loader *train_loader = ct_loader_new(parts[0], .batch_size = 128, .shuffle = true);
    ct_loader *val_loader = ct_loader_new(parts[1], .batch_size = 1000);
    ct_loader *test_loader = ct_loader_new(test, .batch_size = 1000);

    ct_module *net = ct_nn_sequential(ct_nn_flatten(), ct_nn_linear(784, 256), ct_nn_relu(), ct_nn_dropout(0.2),
                                      ct_nn_linear(256, 10), NULL);
    ct_optimizer *opt = ct_adam(ct_parameters(net), .lr = 1e-3);

    double best_acc = -1;
    int best_epoch = -1;
    ct_tensor_dict *best_state = NULL;
    for (int epoch = 0; epoch < max_epochs; epoch++) {
        CT_FOR_EACH_BATCH(train_loader, x, y) {
            CT_SCOPE {
                ct_tensor *loss = ct_cross_entropy(ct_forward(net, x), y);
                ct_zero_grad(opt);
                ct_backward(loss);
                ct_step(opt);
            }
        }
        double val_acc = accuracy(net, val_loader);
        if (val_acc > best_acc) { /* a new best: remember these weights */
            best_acc = val_acc, best_epoch = epoch;
            ct_tensor_dict_free(best_state);
            best_state = copy_state(net);
            printf("epoch %d: val acc %.4f  (best so far, saved)\n", epoch, val_acc);
        } else {
            printf("epoch %d: val acc %.4f  (no improvement for %d epoch%s)\n", epoch, val_acc, epoch - best_epoch,
                   epoch - best_epoch > 1 ? "s" : "");
            if (epoch - best_epoch >= patience) {
                printf("early stop: patience of %d epoch(s) used up\n", patience);
                break;
            }
        }
    }

    /* Back to the best weights before the final test. */
    ct_load_state_dict(net, best_state, true);
    printf("best epoch %d (val acc %.4f): test acc %.4f\n", best_epoch, best_acc, accuracy(net, test_loader));

    ct_tensor_dict_free(best_state);
    ct_optimizer_free(opt);
    ct_module_free(net);
    ct_loader_free(train_loader);
    ct_loader_free(val_loader);
    ct_loader_free(test_loader);
    ct_dataset_free(parts[0]);
    ct_dataset_free(parts[1]);
    ct_dataset_free(test);
    return 0;
}
