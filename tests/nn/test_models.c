/*
 * tests/nn/test_models.c - the model zoo against torchvision 0.14: every
 * model's named_parameters and named_buffers (names, order, shapes), print()
 * for a few, and the eval-mode output for the same weights and input
 * (tests/fixtures/models_cases.py: both sides fill the weights and input
 * with the same hash of entry and element number). When CTest has generated
 * them (tests/fixtures/models_torchvision.py, CT_MODELS_FIXTURES), real
 * torchvision weights also move through safetensors into LeNet-5 and
 * ResNet-18 and give torchvision's outputs.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fixtures/models_cases.h"
#include "test.h"

/* Built with AddressSanitizer (cmake -DCT_SANITIZE=ON)? */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static ct_module *build(const char *name) {
    if (!strcmp(name, "lenet5")) return ct_models_lenet5();
    if (!strcmp(name, "lenet5_relu")) return ct_models_lenet5(.relu = true);
    if (!strcmp(name, "alexnet")) return ct_models_alexnet(.num_classes = 10);
    if (!strcmp(name, "vgg11")) return ct_models_vgg11(.num_classes = 10);
    /* The test draws every weight anew: skip torchvision's init (normal_ over 120M weights) where
       vgg11 already covers it. */
    if (!strcmp(name, "vgg11_bn")) return ct_models_vgg11_bn(.num_classes = 10, .no_init_weights = true);
    if (!strcmp(name, "vgg16")) return ct_models_vgg16(.num_classes = 10, .no_init_weights = true);
    if (!strcmp(name, "vgg16_bn")) return ct_models_vgg16_bn(.num_classes = 10, .no_init_weights = true);
    if (!strcmp(name, "resnet18")) return ct_models_resnet18(.num_classes = 10);
    if (!strcmp(name, "resnet34")) return ct_models_resnet34(.num_classes = 10);
    if (!strcmp(name, "resnet50")) return ct_models_resnet50(.num_classes = 10);
    return NULL;
}

/* Names, order and shapes of a named tensor list against torchvision's. */
static void check_entries(const char *model, const ct_named_tensor *got, int n, const model_entry *want, int nwant) {
    if (n != nwant) ct_test_fail(__FILE__, __LINE__, "%s: %d entries, torchvision has %d", model, n, nwant);
    for (int i = 0; i < n && i < nwant; i++) {
        const ct_tensor *t = got[i].tensor;
        bool same = !strcmp(got[i].name, want[i].name) && ct_dim(t) == want[i].ndim;
        for (int d = 0; same && d < want[i].ndim; d++) same = ct_sizes(t)[d] == want[i].shape[d];
        if (!same) {
            ct_test_fail(__FILE__, __LINE__, "%s: entry %d is %s (%d dims), torchvision's is %s", model, i,
                         got[i].name, ct_dim(t), want[i].name);
            return;
        }
    }
}

/*
 * The fixture's hash_uniform(): n values in [lo, hi) for entry k, element i
 * being lo + (hi - lo) * u with u the top 24 bits of splitmix64(k << 40 | i)
 * over 2^24. A few integer operations per element, where a generator's draw
 * costs far more (filling VGG's 130M weights dominated the sanitizer run).
 */
static bool hash_uniform(ct_tensor *t, uint64_t k, double lo, double hi) {
    if (ct_dtype_of(t) != CT_F32 || !ct_is_contiguous(t)) return false;
    float *p = ct_data_f32(t);
    int64_t n = ct_numel(t);
    for (int64_t i = 0; i < n; i++) {
        uint64_t z = (k << 40) + (uint64_t)i + 0x9E3779B97F4A7C15u;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
        z ^= z >> 31;
        double u = (double)(z >> 40) / 16777216.0;
        p[i] = (float)(lo + (hi - lo) * u);
    }
    return true;
}

/* The fixture's fill(): state_dict entry k's floating values, then the input as entry len(state_dict). */
static ct_tensor *fill_weights_and_input(ct_module *net, const int64_t *input) {
    ct_tensor_dict *sd = ct_state_dict(net);
    if (!sd) return NULL;
    bool ok = true;
    size_t len_sd = ct_tensor_dict_len(sd);
    CT_SCOPE {
        for (size_t k = 0; ok && k < len_sd; k++) {
            const char *name = ct_tensor_dict_name(sd, k);
            ct_tensor *t = ct_tensor_dict_tensor(sd, k);
            size_t len = strlen(name);
            if (ct_dtype_of(t) != CT_F32) continue;
            if (ct_dim(t) >= 2) {
                double b = sqrt(6.0 / (double)(ct_numel(t) / ct_sizes(t)[0]));
                ok = hash_uniform(t, k, -b, b);
            } else if ((len >= 11 && !strcmp(name + len - 11, "running_var")) ||
                       (len >= 6 && !strcmp(name + len - 6, "weight"))) {
                ok = hash_uniform(t, k, 0.5, 1.5);
            } else {
                ok = hash_uniform(t, k, -0.2, 0.2);
            }
        }
    }
    ct_tensor_dict_free(sd);
    ct_tensor *x = ct_empty(CT_SHAPE(input[0], input[1], input[2], input[3]));
    if (!ok || !x || !hash_uniform(x, len_sd, -1, 1)) {
        ct_free(x);
        return NULL;
    }
    return x;
}

/* max |a - b| <= tol * max(1, max |b|), elementwise over the expected values. */
static bool close_to(ct_tensor *y, const double *want, int64_t n, double tol) {
    double scale = 1;
    for (int64_t i = 0; i < n; i++) scale = fmax(scale, fabs(want[i]));
    return ct_test_values(y, want, n, tol * scale);
}

/* Checks net (built as c->name; freed here) against torchvision's. */
static void check_built(const model_case *c, ct_module *net) {
    REQUIRE(net);
    const ct_named_tensor *entries;
    int n = ct_named_parameters(net, &entries);
    check_entries(c->name, entries, n, c->params, c->n_params);
    n = ct_named_buffers(net, &entries);
    check_entries(c->name, entries, n, c->buffers, c->n_buffers);
    if (c->print[0]) {
        char *s = ct_module_to_string(net), want[16384] = "";
        for (int i = 0; c->print[i]; i++) {
            if (i) strcat(want, "\n");
            strcat(want, c->print[i]);
        }
        CHECK_STR(s, want);
        free(s);
    }
    ct_module_eval(net);
    CT_SCOPE {
        ct_tensor *x = fill_weights_and_input(net, c->input);
        ct_tensor *y = NULL;
        CT_NO_GRAD { y = ct_forward(net, x); }
        CHECK_SHAPE(y, c->out_rows, c->out_cols);
        if (!close_to(y, c->out, (int64_t)c->out_rows * c->out_cols, 2e-5))
            ct_test_fail(__FILE__, __LINE__, "%s: output differs from torchvision's", c->name);
    }
    ct_module_free(net);
}

static void check_model(const model_case *c) { check_built(c, build(c->name)); }

/*
 * VGG-16 (-BN) and ResNet-34 are deeper configurations of the builders that
 * VGG-11 (-BN) and ResNet-18 run line by line. Under the sanitizers they would
 * repeat the same code at several times the cost (mostly the default init's
 * random draws for 15-140M weights, slow in a Debug + ASan build), so only the
 * build without sanitizers checks them.
 */
static void check_deeper_model(const model_case *c) {
    if (SANITIZED) printf("  (%s: checked in the build without sanitizers)\n", c->name);
    else check_model(c);
}

static const model_case *find_case(const char *name) {
    for (size_t i = 0; i < sizeof MODEL_CASES / sizeof MODEL_CASES[0]; i++)
        if (!strcmp(MODEL_CASES[i].name, name)) return &MODEL_CASES[i];
    return NULL;
}

TEST(lenet5_matches_its_pytorch_definition) {
    check_model(find_case("lenet5"));
    check_model(find_case("lenet5_relu"));
}
TEST(alexnet_matches_torchvision) { check_model(find_case("alexnet")); }
/*
 * Also torchvision's VGG init: convolutions kaiming_normal_(fan_out), biases 0,
 * linears normal(0, 0.01). Those 130M normal draws are most of the sanitizer
 * build's run and check statistics, not memory, so only the build without
 * sanitizers checks the init.
 */
TEST(vgg11_matches_torchvision) {
    if (SANITIZED) {
        printf("  (vgg11's init: checked in the build without sanitizers)\n");
        check_built(find_case("vgg11"), ct_models_vgg11(.num_classes = 10, .no_init_weights = true));
        return;
    }
    ct_module *net = build("vgg11");
    REQUIRE(net);
    ct_module *features = ct_module_child(net, "features"), *classifier = ct_module_child(net, "classifier");
    CT_SCOPE {
        ct_tensor *w = ct_module_get(ct_module_list_get(features, 3), "weight"); /* Conv2d(64, 128): fan_out 128 * 9 */
        double want = sqrt(2.0 / (128 * 9));
        CHECK_NEAR(ct_item(ct_std(w)), want, 0.03 * want);
        CHECK_NEAR(ct_item(ct_sum(ct_abs(ct_module_get(ct_module_list_get(features, 3), "bias")))), 0, 0);
        CHECK_NEAR(ct_item(ct_std(ct_module_get(ct_module_list_get(classifier, 3), "weight"))), 0.01, 1e-4);
        CHECK_NEAR(ct_item(ct_sum(ct_abs(ct_module_get(ct_module_list_get(classifier, 6), "bias")))), 0, 0);
    }
    check_built(find_case("vgg11"), net);
}
TEST(vgg11_bn_matches_torchvision) { check_model(find_case("vgg11_bn")); }
TEST(vgg16_matches_torchvision) { check_deeper_model(find_case("vgg16")); }
TEST(vgg16_bn_matches_torchvision) { check_deeper_model(find_case("vgg16_bn")); }
TEST(resnet18_matches_torchvision) { check_model(find_case("resnet18")); }
TEST(resnet34_matches_torchvision) { check_deeper_model(find_case("resnet34")); }
TEST(resnet50_matches_torchvision) { check_model(find_case("resnet50")); }

/* Options, defaults and errors (the default ResNet-18: resnet18_defaults_then_torchvision_weights). */
TEST(zoo_defaults_and_options) {
    ct_module *net = ct_models_resnet50(.num_classes = 7, .zero_init_residual = true);
    REQUIRE(net);
    ct_module *block = ct_module_list_get(ct_module_child(net, "layer2"), 1);
    CT_SCOPE { CHECK_NEAR(ct_item(ct_sum(ct_abs(ct_module_get(ct_module_child(block, "bn3"), "weight")))), 0, 0); }
    CHECK_SHAPE(ct_module_get(ct_module_child(net, "fc"), "bias"), 7);
    ct_module_free(net);

    net = ct_models_alexnet(.dropout = 0.0, .has_dropout = true);
    REQUIRE(net);
    char *s = ct_module_to_string(net);
    CHECK(strstr(s, "(0): Dropout(p=0.0, inplace=False)") != NULL);
    CHECK(strstr(s, "(6): Linear(in_features=4096, out_features=1000, bias=True)") != NULL);
    free(s);
    ct_module_free(net);

    CHECK_FAILS(ct_models_resnet_(20, (ct_models_args){0}), "ResNet depth must be 18, 34, 50, 101 or 152, but got 20");
    CHECK_FAILS(ct_models_vgg_(12, false, (ct_models_args){0}), "VGG depth must be 11, 13, 16 or 19, but got 12");
}

/* Training mode, backward through the in-place residual adds and ReLUs. */
TEST(resnet18_trains) {
    ct_manual_seed(1);
    ct_module *net = ct_models_resnet18(.num_classes = 4);
    REQUIRE(net);
    CT_SCOPE {
        ct_tensor *x = ct_randn(CT_SHAPE(2, 3, 32, 32));
        ct_tensor *y = ct_from_data((int64_t[]){1, 3}, CT_I64, CT_SHAPE(2));
        ct_tensor *loss = ct_cross_entropy(ct_forward(net, x), y);
        REQUIRE(loss);
        CHECK(ct_backward(loss) == 0);
        ct_tensor *g = ct_grad_of(ct_module_get(ct_module_child(net, "conv1"), "weight"));
        CHECK_SHAPE(g, 64, 3, 7, 7);
        CHECK(g && ct_item(ct_sum(ct_abs(g))) > 0);
        ct_tensor *nbt = ct_module_get(ct_module_child(net, "bn1"), "num_batches_tracked");
        CHECK_EQ_INT(ct_item(nbt), 1);
    }
    ct_module_free(net);
}

/* --------------------------------------------- real weights via safetensors */

static char *fixture(const char *name) {
    const char *dir = getenv("CT_MODELS_FIXTURES");
    if (!dir) return NULL;
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    FILE *f = fopen(p, "rb");
    if (!f) {
        free(p);
        return NULL;
    }
    fclose(f);
    return p;
}

static void check_torchvision_weights(const char *model, ct_module *net) {
    char file[64];
    snprintf(file, sizeof file, "%s.safetensors", model);
    char *path = fixture(file);
    if (!path) {
        printf("  (no %s: run through CTest with python3 and torchvision to check real weights)\n", file);
        ct_module_free(net);
        return;
    }
    ct_tensor_dict *io = ct_load_safetensors(path);
    free(path);
    REQUIRE(io);
    ct_tensor_dict *weights = ct_tensor_dict_sub(io, "model.");
    CHECK_EQ_INT(ct_load_state_dict(net, weights, true), 0);
    ct_module_eval(net);
    CT_SCOPE {
        ct_tensor *y = NULL;
        CT_NO_GRAD { y = ct_forward(net, ct_tensor_dict_get(io, "input")); }
        ct_tensor *want = ct_tensor_dict_get(io, "expected");
        REQUIRE(y && want);
        CHECK(ct_allclose(y, want, 1e-4, 1e-4, false));
    }
    ct_tensor_dict_free(weights);
    ct_tensor_dict_free(io);
    ct_module_free(net);
}

TEST(lenet5_loads_pytorch_weights) { check_torchvision_weights("lenet5", ct_models_lenet5()); }
/* One default ResNet-18 for both: its defaults and init, then torchvision's weights in it. */
TEST(resnet18_defaults_then_torchvision_weights) {
    ct_module *net = ct_models_resnet18();
    REQUIRE(net);
    CHECK_SHAPE(ct_module_get(ct_module_child(net, "fc"), "weight"), 1000, 512);
    /* torchvision's init: BatchNorm weight 1, bias 0; convolutions kaiming_normal_(fan_out, relu). */
    ct_module *bn = ct_module_child(net, "bn1");
    CT_SCOPE {
        CHECK_NEAR(ct_item(ct_sum(ct_module_get(bn, "weight"))), 64, 0);
        CHECK_NEAR(ct_item(ct_sum(ct_abs(ct_module_get(bn, "bias")))), 0, 0);
        ct_tensor *w = ct_module_get(ct_module_child(net, "conv1"), "weight"); /* fan_out = 64 * 49 */
        double sd = ct_item(ct_std(w)), want = sqrt(2.0 / (64 * 49));
        CHECK_NEAR(sd, want, 0.05 * want);
    }
    check_torchvision_weights("resnet18", net);
}
