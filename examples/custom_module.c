/*
 * examples/custom_module.c - writing your own layers (study notes, section 9
 * nn.Module: "implement own layer" - their own Flatten - and "own linear layer").
 *
 * In Python:
 *
 *     class Flatten(nn.Module):
 *         def forward(self, input):
 *             return input.view(input.size(0), -1)
 *
 *     class MyLinear(nn.Module):
 *         def __init__(self, inp, outp):
 *             super().__init__()
 *             self.w = nn.Parameter(torch.randn(outp, inp))
 *             self.b = nn.Parameter(torch.randn(outp))
 *         def forward(self, x):
 *             return x @ self.w.t() + self.b
 *
 * In C a module is a struct whose first member is a ct_module, a static
 * ct_module_type naming its forward function, and a constructor. Registering
 * a tensor with ct_module_param is what nn.Parameter does: the module owns it,
 * it shows up in parameters() (so the optimizer trains it) and in the state
 * dict, and it is freed with the module. Built-in and own modules mix freely.
 *
 * Run: custom_module [--quick]   (--quick: 2048 training images instead of 60000)
 */
#include <ctorch.h>
#include <math.h>
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

/* ---- Flatten: no parameters, so the plain ct_module is all the struct it needs */

static ct_tensor *flatten_forward(ct_module *m, ct_tensor *input) {
    return ct_view(input, CT_SHAPE(ct_size(input, 0), -1)); /* [b, 1, 28, 28] -> [b, 784] */
}

static const ct_module_type flatten_type = {.name = "Flatten", .forward = flatten_forward};

static ct_module *my_flatten(void) { return ct_module_new(&flatten_type, sizeof(ct_module)); }

/* ---- MyLinear: two parameters, w [outp, inp] and b [outp] */

typedef struct {
    ct_module base; /* first member: a MyLinear is a ct_module */
    int64_t inp, outp;
} MyLinear;

static ct_tensor *my_linear_forward(ct_module *m, ct_tensor *x) {
    ct_tensor *w = ct_module_get(m, "w"), *b = ct_module_get(m, "b"); /* borrowed from the module */
    return ct_add(ct_matmul(x, ct_t(w)), b);
}

/* What print(model) shows inside the parentheses. */
static void my_linear_repr(const ct_module *m, char *buf, size_t size) {
    const MyLinear *l = (const MyLinear *)m;
    snprintf(buf, size, "inp=%lld, outp=%lld", (long long)l->inp, (long long)l->outp);
}

static const ct_module_type my_linear_type = {.name = "MyLinear", .forward = my_linear_forward,
                                              .extra_repr = my_linear_repr};

static ct_module *my_linear(int64_t inp, int64_t outp) {
    MyLinear *l = (MyLinear *)ct_module_new(&my_linear_type, sizeof(MyLinear));
    l->inp = inp, l->outp = outp;
    /* The notes' torch.randn, scaled by 1/sqrt(inp) so that the outputs start
     * near unit size (plain randn makes 784 inputs add up to huge logits). */
    ct_tensor *w = ct_randn(CT_SHAPE(outp, inp));
    ct_mul_scalar_(w, 1.0 / sqrt((double)inp));
    ct_module_param(&l->base, "w", w); /* nn.Parameter: the module takes the reference */
    ct_module_param(&l->base, "b", ct_zeros(CT_SHAPE(outp)));
    return &l->base;
}

int main(int argc, char **argv) {
    const int quick = quick_mode(argc, argv);
    ct_manual_seed(0);

    ct_module *net = ct_nn_sequential(my_flatten(), my_linear(784, 200), ct_nn_relu(), my_linear(200, 10), NULL);
    ct_module_print(net);

    /* named_parameters(): our parameters under their dotted names, like PyTorch's. */
    const ct_named_tensor *params;
    int n = ct_named_parameters(net, &params);
    for (int i = 0; i < n; i++) {
        const int64_t *s = ct_sizes(params[i].tensor);
        if (ct_dim(params[i].tensor) == 2) printf("%-4s [%lld, %lld]\n", params[i].name, (long long)s[0], (long long)s[1]);
        else printf("%-4s [%lld]\n", params[i].name, (long long)s[0]);
    }

    /* Train it like any model: one epoch on Fashion-MNIST with SGD. */
    ct_dataset *train = ct_fashion_mnist(.split = CT_TRAIN, .transform = ct_compose(ct_to_tensor(), ct_normalize(0.2860, 0.3530), NULL));
    ct_dataset *test = ct_fashion_mnist(.split = CT_TEST, .transform = ct_compose(ct_to_tensor(), ct_normalize(0.2860, 0.3530), NULL));
    if (quick) { /* the first 2048 images; the subset keeps its own reference to the full set */
        int64_t idx[2048];
        for (int i = 0; i < 2048; i++) idx[i] = i;
        ct_dataset *first = ct_subset(train, idx, 2048);
        ct_dataset_free(train);
        train = first;
    }
    ct_loader *loader = ct_loader_new(train, .batch_size = 64, .shuffle = true);
    ct_loader *test_loader = ct_loader_new(test, .batch_size = 1000);
    ct_optimizer *opt = ct_sgd(ct_parameters(net), .lr = 0.05, .momentum = 0.9);

    CT_FOR_EACH_BATCH(loader, x, y) {
        CT_SCOPE {
            ct_tensor *loss = ct_cross_entropy(ct_forward(net, x), y); /* x goes through our Flatten first */
            ct_zero_grad(opt);
            ct_backward(loss);
            ct_step(opt);
        }
    }

    int64_t correct = 0;
    CT_NO_GRAD {
        CT_FOR_EACH_BATCH(test_loader, x, y) {
            CT_SCOPE { correct += ct_item_int(ct_sum(ct_eq(ct_argmax_dim(ct_forward(net, x), 1, false), y))); }
        }
    }
    printf("after one epoch: test acc %.4f\n", (double)correct / (double)ct_dataset_len(test));

    ct_optimizer_free(opt);
    ct_module_free(net); /* frees the children and their parameters */
    ct_loader_free(loader);
    ct_loader_free(test_loader);
    ct_dataset_free(train);
    ct_dataset_free(test);
    return 0;
}
