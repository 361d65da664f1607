/*
 * examples/save_load_eval.c - saving a trained model, loading it into a fresh
 * one, and predicting in eval mode (study notes: 1.7 存储和加载训练完的模型,
 * "save and load the model", and section 9's train/test switch).
 *
 *     torch.save(model.state_dict(), path)     # the weights, by name
 *     model = Net()
 *     model.load_state_dict(torch.load(path))
 *     model.eval()                              # important: dropout off
 *
 * ctorch writes the state dict as a safetensors file, the format the PyTorch
 * ecosystem reads (safetensors.torch.load_file gives the same names and
 * values). The save is atomic: a crash mid-save leaves the old file intact.
 *
 * Run: save_load_eval [--quick] [PATH]
 *      (PATH defaults to mlp.safetensors; --quick: trains on 2048 images)
 */
#include <ctorch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The model: a small MLP with dropout, so that train and eval modes differ. */
static ct_module *net_new(void) {
    return ct_nn_sequential(ct_nn_flatten(), ct_nn_linear(784, 128), ct_nn_relu(), ct_nn_dropout(0.5),
                            ct_nn_linear(128, 10), NULL);
}

int main(int argc, char **argv) {
    int quick = getenv("CT_EXAMPLE_QUICK") && strcmp(getenv("CT_EXAMPLE_QUICK"), "0") != 0;
    const char *path = "mlp.safetensors";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) quick = 1;
        else path = argv[i];
    }
    ct_manual_seed(0);
    ct_dataset *train = ct_fashion_mnist(.split = CT_TRAIN, .transform = ct_compose(ct_to_tensor(), ct_normalize(0.2860, 0.3530), NULL));
    ct_dataset *test = ct_fashion_mnist(.split = CT_TEST, .transform = ct_compose(ct_to_tensor(), ct_normalize(0.2860, 0.3530), NULL));
    if (quick) {
        int64_t idx[2048];
        for (int i = 0; i < 2048; i++) idx[i] = i;
        ct_dataset *first = ct_subset(train, idx, 2048);
        ct_dataset_free(train);
        train = first;
    }

    /* 1. Train a model for one epoch. */
    ct_module *model = net_new();
    ct_optimizer *opt = ct_sgd(ct_parameters(model), .lr = 0.01, .momentum = 0.9);
    ct_loader *loader = ct_loader_new(train, .batch_size = 64, .shuffle = true);
    CT_FOR_EACH_BATCH(loader, x, y) {
        CT_SCOPE {
            ct_tensor *loss = ct_cross_entropy(ct_forward(model, x), y);
            ct_zero_grad(opt);
            ct_backward(loss);
            ct_step(opt);
        }
    }

    /* 2. Save its state dict: every parameter and buffer, under PyTorch's names. */
    if (ct_module_save(model, path) != 0) return 1; /* (in the default error mode a failure aborts with the reason) */
    ct_tensor_dict *file = ct_load_safetensors(path);
    printf("saved %s:\n", path);
    for (size_t i = 0; i < ct_tensor_dict_len(file); i++) {
        CT_SCOPE {
            ct_tensor *t = ct_tensor_dict_tensor(file, i);
            printf("  %-9s %s [", ct_tensor_dict_name(file, i), ct_dtype_torch_name(ct_dtype_of(t)));
            for (int d = 0; d < ct_dim(t); d++) printf(d ? ", %lld" : "%lld", (long long)ct_size(t, d));
            printf("]\n");
        }
    }
    ct_tensor_dict_free(file);

    /* 3. A fresh model (different random weights) gets the saved ones. */
    ct_manual_seed(123);
    ct_module *restored = net_new();
    if (ct_module_load(restored, path, true) != 0) return 1; /* strict: every key must match */

    /* 4. Predict with both in eval mode: the same outputs, bit for bit. */
    ct_module_eval(model);
    ct_module_eval(restored);
    ct_loader *test_loader = ct_loader_new(test, .batch_size = 1000);
    int64_t correct = 0, agree = 0;
    double max_diff = 0;
    CT_NO_GRAD {
        CT_FOR_EACH_BATCH(test_loader, x, y) {
            CT_SCOPE {
                ct_tensor *a = ct_forward(model, x), *b = ct_forward(restored, x);
                double d = ct_item(ct_max(ct_abs(ct_sub(a, b))));
                if (d > max_diff) max_diff = d;
                ct_tensor *pred = ct_argmax_dim(b, 1, false);
                agree += ct_item_int(ct_sum(ct_eq(pred, ct_argmax_dim(a, 1, false))));
                correct += ct_item_int(ct_sum(ct_eq(pred, y)));
            }
        }
    }
    int64_t n = ct_dataset_len(test);
    printf("restored model: test acc %.4f, same prediction on %lld of %lld images, max |difference| %g\n",
           (double)correct / (double)n, (long long)agree, (long long)n, max_diff);

    /* In training mode dropout is random, so two calls on the same input differ. */
    ct_module_train(restored, true);
    CT_SCOPE CT_NO_GRAD {
        ct_sample s;
        ct_dataset_get(test, 0, &s);
        ct_tensor *x = ct_unsqueeze(s.t[0], 0); /* a batch of one image */
        double d = ct_item(ct_max(ct_abs(ct_sub(ct_forward(restored, x), ct_forward(restored, x)))));
        printf("train mode, same image twice: max |difference| %.4f (dropout at work)\n", d);
    }

    ct_loader_free(test_loader);
    ct_loader_free(loader);
    ct_optimizer_free(opt);
    ct_module_free(model);
    ct_module_free(restored);
    ct_dataset_free(train);
    ct_dataset_free(test);
    return 0;
}
