/*
 * tests/nn/test_state_dict.c - state_dict / load_state_dict with PyTorch's
 * names, order and strict-mode report; saving and loading modules as
 * safetensors, including a file written from a PyTorch model's state
 * (tests/fixtures/nn_cases.py, spec-only writer).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../fixtures/nn_cases.h"
#include "test.h"

/* The fixture's Block: a child, its own parameter, a persistent and a non-persistent buffer. */
static ct_tensor *block_forward(ct_module *m, ct_tensor *x) {
    ct_tensor *out = NULL;
    CT_SCOPE { out = ct_keep(ct_mul(ct_forward(ct_module_child(m, "fc"), x), ct_module_get(m, "scale"))); }
    return out;
}
static const ct_module_type block_type = {.name = "Block", .forward = block_forward};

static ct_tensor *net_forward(ct_module *m, ct_tensor *x) {
    ct_tensor *out = NULL;
    CT_SCOPE { out = ct_keep(ct_forward(ct_module_child(m, "block"), ct_forward(ct_module_child(m, "features"), x))); }
    return out;
}
static const ct_module_type net_type = {.name = "Net", .forward = net_forward};

/* The same construction order as the fixture's Net, so the same seed gives the same weights. */
static ct_module *net_new(void) {
    ct_module *net = ct_module_new(&net_type, sizeof(ct_module));
    ct_module_add(net, "features", ct_nn_sequential(ct_nn_linear(4, 3), ct_nn_batch_norm1d(3), ct_nn_relu(), NULL));
    ct_module *block = ct_module_add(net, "block", ct_module_new(&block_type, sizeof(ct_module)));
    ct_module_add(block, "fc", ct_nn_linear(3, 2));
    ct_module_param(block, "scale", ct_ones(CT_SHAPE(2)));
    ct_module_buffer(block, "steps", ct_zeros(CT_SHAPE0, .dtype = CT_I64), true);
    ct_module_buffer(block, "tmp", ct_zeros(CT_SHAPE(2)), false);
    return net;
}

/* All of d's values in order, as float64, compared with want. */
static bool dict_values(const ct_tensor_dict *d, const double *want, int64_t n, double tol) {
    bool ok = true;
    int64_t k = 0;
    CT_SCOPE {
        for (size_t i = 0; i < ct_tensor_dict_len(d); i++) {
            ct_tensor *t = ct_flatten(ct_to_dtype(ct_tensor_dict_tensor(d, i), CT_F64), 0, -1);
            if (k + ct_numel(t) > n || !ct_test_values(t, want + k, ct_numel(t), tol)) ok = false;
            k += ct_numel(t);
        }
    }
    return ok && k == n;
}

TEST(state_dict_names_order_and_values_match_pytorch) {
    ct_manual_seed(0);
    ct_module *net = net_new();
    char *s = ct_module_to_string(net);
    CHECK_STR(s, nn_net_repr);
    free(s);
    ct_tensor_dict *d = ct_state_dict(net);
    REQUIRE(d && ct_tensor_dict_len(d) == NN_NET_NKEYS);
    for (int i = 0; i < NN_NET_NKEYS; i++) CHECK_STR(ct_tensor_dict_name(d, (size_t)i), nn_net_keys[i]);
    /* the same seed gives PyTorch's initial weights, bit for bit */
    CHECK(dict_values(d, nn_net_init_values, sizeof nn_net_init_values / sizeof(double), 0));
    /* entries alias the model's tensors (detached): writing one changes the model */
    CT_SCOPE {
        ct_tensor *w = ct_tensor_dict_get(d, "block.fc.weight");
        CHECK(!ct_requires_grad(w));
        ct_fill_(w, 7);
        CHECK_NEAR(ct_get(ct_module_get(ct_module_child(ct_module_child(net, "block"), "fc"), "weight"),
                          (int64_t[]){1, 2}), 7, 0);
        ct_tensor *nbt = ct_tensor_dict_get(d, "features.1.num_batches_tracked");
        CHECK(ct_dtype_of(nbt) == CT_I64 && ct_dim(nbt) == 0);
    }
    ct_tensor_dict_free(d);
    ct_module_free(net);
}

TEST(loads_a_file_written_from_pytorch) {
    char path[] = "/tmp/ct_nn_torch_XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, nn_net_file, nn_net_file_size) == (ssize_t)nn_net_file_size);
    close(fd);
    ct_module *net = net_new();
    REQUIRE(ct_module_load(net, path, true) == 0);
    unlink(path);
    ct_tensor_dict *d = ct_state_dict(net);
    CHECK(dict_values(d, nn_net_trained_values, sizeof nn_net_trained_values / sizeof(double), 0));
    ct_tensor_dict_free(d);
    /* PyTorch's eval-mode output of the trained model */
    ct_module_eval(net);
    CT_SCOPE {
        ct_tensor *x = ct_to_dtype(ct_from_data(nn_net_eval_x, CT_F64, CT_SHAPE(5, 4)), CT_F32);
        ct_tensor *y = ct_forward(net, x);
        CHECK(ct_test_values(y, nn_net_eval_y, 10, 1e-6));
    }
    ct_module_free(net);
}

TEST(safetensors_round_trip_is_bit_exact) {
    ct_manual_seed(3);
    ct_module *a = net_new(), *b = net_new();
    CT_SCOPE {
        /* make the buffers interesting too */
        ct_forward(a, ct_randn(CT_SHAPE(6, 4)));
        ct_fill_(ct_module_get(ct_module_child(a, "block"), "steps"), 12);
    }
    char path[64];
    snprintf(path, sizeof path, "/tmp/ct_nn_rt_%d.safetensors", (int)getpid());
    REQUIRE(ct_module_save(a, path) == 0);
    REQUIRE(ct_module_load(b, path, true) == 0);
    remove(path);
    ct_tensor_dict *da = ct_state_dict(a), *db = ct_state_dict(b);
    REQUIRE(ct_tensor_dict_len(da) == ct_tensor_dict_len(db));
    CT_SCOPE {
        for (size_t i = 0; i < ct_tensor_dict_len(da); i++) {
            CHECK_STR(ct_tensor_dict_name(da, i), ct_tensor_dict_name(db, i));
            ct_tensor *x = ct_tensor_dict_tensor(da, i), *y = ct_tensor_dict_tensor(db, i);
            CHECK(ct_dtype_of(x) == ct_dtype_of(y) && ct_equal(x, y));
        }
    }
    CHECK_EQ_INT(ct_item_int(ct_module_get(ct_module_child(b, "block"), "steps")), 12);
    ct_tensor_dict_free(da);
    ct_tensor_dict_free(db);
    ct_module_free(a);
    ct_module_free(b);
}

/* The module of PyTorch's report example: fc1 = Linear(4, 2), fc2 = Linear(2, 2). */
static const ct_module_type two_type = {.name = "Net"};
static ct_module *two_new(void) {
    ct_module *m = ct_module_new(&two_type, sizeof(ct_module));
    ct_module_add(m, "fc1", ct_nn_linear(4, 2));
    ct_module_add(m, "fc2", ct_nn_linear(2, 2));
    return m;
}

TEST(strict_errors_are_reported_like_pytorch) {
    ct_module *net = two_new();
    ct_tensor_dict *d = ct_state_dict(net);
    CT_SCOPE {
        ct_tensor_dict_remove(d, "fc2.weight");
        ct_tensor_dict_set(d, "fc1.weight", ct_zeros(CT_SHAPE(3, 4)));
        ct_tensor_dict_set(d, "extra", ct_zeros(CT_SHAPE(1)));
        ct_tensor_dict_set(d, "fc1.foo", ct_zeros(CT_SHAPE(1)));
    }
    /* expected strings: PyTorch 1.13's load_state_dict on the same dict */
    ct_clear_error();
    CHECK(ct_load_state_dict(net, d, true) == CT_ERR_RUNTIME);
    CHECK_ERROR("Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: \"fc2.weight\". \n\t"
                "Unexpected key(s) in state_dict: \"extra\", \"fc1.foo\". \n\tsize mismatch for fc1.weight: "
                "copying a param with shape torch.Size([3, 4]) from checkpoint, the shape in current model is "
                "torch.Size([2, 4]).");
    /* non-strict: the size mismatch is still an error */
    ct_incompatible_keys keys;
    CHECK(ct_load_state_dict_keys(net, d, false, &keys) == CT_ERR_RUNTIME);
    CHECK_ERROR("Error(s) in loading state_dict for Net:\n\tsize mismatch for fc1.weight: copying a param with "
                "shape torch.Size([3, 4]) from checkpoint, the shape in current model is torch.Size([2, 4]).");
    ct_incompatible_keys_free(&keys);
    /* without it: success, and the lists of missing and unexpected keys */
    ct_tensor_dict_remove(d, "fc1.weight");
    CHECK(ct_load_state_dict_keys(net, d, false, &keys) == 0);
    REQUIRE(keys.n_missing == 2 && keys.n_unexpected == 2);
    CHECK_STR(keys.missing_keys[0], "fc1.weight");
    CHECK_STR(keys.missing_keys[1], "fc2.weight");
    CHECK_STR(keys.unexpected_keys[0], "extra");
    CHECK_STR(keys.unexpected_keys[1], "fc1.foo");
    ct_incompatible_keys_free(&keys);
    ct_tensor_dict_free(d);
    ct_module_free(net);
}

TEST(loading_converts_dtypes_and_copies_under_no_grad) {
    ct_module *net = two_new();
    ct_tensor *w = ct_module_get(ct_module_child(net, "fc1"), "weight");
    ct_tensor_dict *d = ct_state_dict(net);
    CT_SCOPE {
        /* a float64 checkpoint entry: copied into the float32 parameter, which stays a leaf */
        ct_tensor_dict_set(d, "fc1.weight", ct_full(CT_SHAPE(2, 4), 1.5, .dtype = CT_F64));
        /* the values alias the module, so loading a module's own dict is a no-op */
    }
    CHECK(ct_load_state_dict(net, d, true) == 0);
    CHECK(ct_module_get(ct_module_child(net, "fc1"), "weight") == w);
    CHECK(ct_dtype_of(w) == CT_F32 && ct_is_leaf(w) && ct_requires_grad(w));
    CHECK_VALUES(w, 0, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5);
    ct_tensor_dict_free(d);
    /* BatchNorm's 0-d num_batches_tracked accepts PyTorch's legacy 1-d form */
    ct_module *bn = ct_nn_batch_norm1d(2);
    d = ct_state_dict(bn);
    CT_SCOPE { ct_tensor_dict_set(d, "num_batches_tracked", ct_from_longs(CT_SHAPE(1), 9)); }
    CHECK(ct_load_state_dict(bn, d, true) == 0);
    CHECK_EQ_INT(ct_item_int(ct_module_get(bn, "num_batches_tracked")), 9);
    ct_tensor_dict_free(d);
    ct_module_free(bn);
    ct_clear_error();
    CHECK(ct_module_load(net, "/nonexistent/dir/x.safetensors", true) < 0);
    CHECK(ct_last_error()[0] != '\0');
    ct_clear_error();
    ct_module_free(net);
}
