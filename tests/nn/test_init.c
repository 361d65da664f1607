/*
 * tests/nn/test_init.c - nn.init and the layers' default inits: exact values
 * against PyTorch for the same seed (tests/fixtures/nn_cases.py), bounds and
 * variances (statistical), errors.
 */
#include <stdlib.h>

#include "../fixtures/nn_cases.h"
#include "test.h"

#define N_OF(a) ((int64_t)(sizeof(a) / sizeof((a)[0])))

/* FNV-1a 64 of a contiguous tensor's raw bytes (the fixture hashes PyTorch's the same way). */
static uint64_t fnv(const ct_tensor *t) {
    const unsigned char *p = ct_data_ptr(t);
    uint64_t h = 0xCBF29CE484222325ULL;
    size_t n = (size_t)ct_numel(t) * ct_element_size(t);
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001B3ULL;
    }
    return h;
}

static bool same_values(const ct_tensor *t, const double *want, int64_t n, double tol) {
    return ct_numel(t) == n && ct_test_values(t, want, n, tol);
}

TEST(linear_default_init_is_bit_identical_to_pytorch) {
    ct_manual_seed(0);
    ct_module *lin = ct_nn_linear(784, 256);
    REQUIRE(lin);
    ct_tensor *w = ct_module_get(lin, "weight"), *b = ct_module_get(lin, "bias");
    CHECK_SHAPE(w, 256, 784);
    CHECK_SHAPE(b, 256);
    CHECK(ct_requires_grad(w) && ct_is_leaf(w) && ct_grad_fn_name(w) == NULL);
    CHECK(fnv(w) == NN_LINEAR784_W_HASH);
    CHECK(fnv(b) == NN_LINEAR784_B_HASH);
    CT_SCOPE {
        CHECK(ct_test_values(ct_slice(ct_flatten(w, 0, -1), 0, 0, 8, 1), nn_linear784_w_first, 8, 0));
        CHECK(ct_test_values(ct_slice(b, 0, 0, 8, 1), nn_linear784_b_first, 8, 0));
    }
    ct_module_free(lin);
}

TEST(embedding_default_init_matches_pytorch) {
    ct_manual_seed(1);
    ct_module *e = ct_nn_embedding(10, 3, .padding_idx = 2, .has_padding_idx = true);
    REQUIRE(e);
    CHECK(same_values(ct_module_get(e, "weight"), nn_embedding_seed1, N_OF(nn_embedding_seed1), 0));
    ct_module_free(e);
    ct_manual_seed(2);
    e = ct_nn_embedding(100, 32);
    CHECK(fnv(ct_module_get(e, "weight")) == NN_EMBEDDING100_HASH);
    ct_module_free(e);
}

TEST(batchnorm_and_layernorm_defaults) {
    ct_module *bn = ct_nn_batch_norm1d(3);
    CHECK_VALUES(ct_module_get(bn, "weight"), 0, 1, 1, 1);
    CHECK_VALUES(ct_module_get(bn, "bias"), 0, 0, 0, 0);
    CHECK_VALUES(ct_module_get(bn, "running_mean"), 0, 0, 0, 0);
    CHECK_VALUES(ct_module_get(bn, "running_var"), 0, 1, 1, 1);
    ct_tensor *nbt = ct_module_get(bn, "num_batches_tracked");
    CHECK(ct_dtype_of(nbt) == CT_I64 && ct_dim(nbt) == 0 && ct_item_int(nbt) == 0);
    CHECK(!ct_requires_grad(nbt) && !ct_requires_grad(ct_module_get(bn, "running_mean")));
    ct_module_free(bn);
    ct_module *ln = ct_nn_layer_norm(CT_SHAPE(2, 2));
    CHECK_VALUES(ct_module_get(ln, "weight"), 0, 1, 1, 1, 1);
    CHECK_SHAPE(ct_module_get(ln, "bias"), 2, 2);
    ct_module_free(ln);
}

/* Fills an empty tensor of the given shape after seeding, like the fixture's seeded(). */
typedef ct_tensor *(*fill_fn)(ct_tensor *t);
static ct_tensor *seeded(uint64_t seed, ct_shape shape, ct_dtype dt, fill_fn fn) {
    ct_manual_seed(seed);
    ct_tensor *t = ct_empty(shape, .dtype = dt);
    return fn(t) ? t : NULL;
}
static ct_tensor *f_uniform(ct_tensor *t) { return ct_init_uniform_(t, -0.5, 2.0); }
static ct_tensor *f_normal(ct_tensor *t) { return ct_init_normal_(t, 1.0, 0.3); }
static ct_tensor *f_xu(ct_tensor *t) { return ct_init_xavier_uniform_(t, .gain = 2.0); }
static ct_tensor *f_xn(ct_tensor *t) { return ct_init_xavier_normal_(t); }
static ct_tensor *f_ku(ct_tensor *t) { return ct_init_kaiming_uniform_(t, .a = 0.5, .mode = CT_FAN_OUT); }
static ct_tensor *f_kn(ct_tensor *t) { return ct_init_kaiming_normal_(t, .nonlinearity = "relu"); }
static ct_tensor *f_kn_tanh(ct_tensor *t) {
    return ct_init_kaiming_normal_(t, .mode = CT_FAN_OUT, .nonlinearity = "tanh");
}
static ct_tensor *f_tn(ct_tensor *t) { return ct_init_trunc_normal_(t, 0.5, 2.0, -1.0, 3.0); }
static ct_tensor *f_tn_default(ct_tensor *t) { return ct_init_trunc_normal_(t, 0.0, 1.0, -2.0, 2.0); }
static ct_tensor *f_orth(ct_tensor *t) { return ct_init_orthogonal_(t); }
static ct_tensor *f_orth_gain(ct_tensor *t) { return ct_init_orthogonal_(t, .gain = 1.5); }
static ct_tensor *f_eye(ct_tensor *t) { return ct_init_eye_(t); }
static ct_tensor *f_dirac(ct_tensor *t) { return ct_init_dirac_(t, 2); }

TEST(init_functions_match_pytorch_for_the_same_seed) {
    struct {
        const char *name;
        uint64_t seed;
        ct_shape shape;
        ct_dtype dt;
        fill_fn fn;
        const double *want;
        int64_t n;
        double tol;
    } cases[] = {
        {"uniform", 3, CT_SHAPE(4, 5), CT_F32, f_uniform, nn_init_uniform, N_OF(nn_init_uniform), 0},
        {"normal", 4, CT_SHAPE(5, 7), CT_F32, f_normal, nn_init_normal, N_OF(nn_init_normal), 0},
        {"xavier_uniform", 5, CT_SHAPE(6, 4, 3), CT_F32, f_xu, nn_init_xavier_uniform, N_OF(nn_init_xavier_uniform), 0},
        {"xavier_normal", 6, CT_SHAPE(20, 9), CT_F32, f_xn, nn_init_xavier_normal, N_OF(nn_init_xavier_normal), 0},
        {"kaiming_uniform", 7, CT_SHAPE(5, 4), CT_F32, f_ku, nn_init_kaiming_uniform, N_OF(nn_init_kaiming_uniform), 0},
        {"kaiming_normal", 8, CT_SHAPE(6, 3, 2), CT_F32, f_kn, nn_init_kaiming_normal, N_OF(nn_init_kaiming_normal), 0},
        {"kaiming_normal_tanh", 9, CT_SHAPE(17, 3), CT_F32, f_kn_tanh, nn_init_kaiming_normal_tanh,
         N_OF(nn_init_kaiming_normal_tanh), 0},
        /* erfinv and the QR run in double here, in float32 (LAPACK) in PyTorch: rounding-level tolerances */
        {"trunc_normal", 10, CT_SHAPE(40), CT_F32, f_tn, nn_init_trunc_normal, N_OF(nn_init_trunc_normal), 1e-6},
        {"trunc_normal_f64", 11, CT_SHAPE(30), CT_F64, f_tn_default, nn_init_trunc_normal_f64,
         N_OF(nn_init_trunc_normal_f64), 1e-12},
        {"orthogonal_tall", 12, CT_SHAPE(6, 4), CT_F32, f_orth, nn_init_orthogonal_tall, N_OF(nn_init_orthogonal_tall), 2e-6},
        {"orthogonal_wide", 13, CT_SHAPE(3, 7), CT_F32, f_orth_gain, nn_init_orthogonal_wide, N_OF(nn_init_orthogonal_wide), 2e-6},
        {"orthogonal_conv", 14, CT_SHAPE(4, 2, 3), CT_F32, f_orth, nn_init_orthogonal_conv, N_OF(nn_init_orthogonal_conv), 2e-6},
        {"orthogonal_f64", 15, CT_SHAPE(5, 5), CT_F64, f_orth, nn_init_orthogonal_f64, N_OF(nn_init_orthogonal_f64), 1e-12},
        {"eye", 0, CT_SHAPE(3, 5), CT_F32, f_eye, nn_init_eye, N_OF(nn_init_eye), 0},
        {"dirac", 0, CT_SHAPE(4, 2, 3), CT_F32, f_dirac, nn_init_dirac, N_OF(nn_init_dirac), 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ct_tensor *t = seeded(cases[i].seed, cases[i].shape, cases[i].dt, cases[i].fn);
        if (!t || !same_values(t, cases[i].want, cases[i].n, cases[i].tol))
            ct_test_fail(__FILE__, __LINE__, "nn.init case %s differs from PyTorch (%s)", cases[i].name,
                         t ? "values" : ct_last_error());
        ct_free(t);
    }
}

TEST(calculate_gain_and_fans) {
    const char *names[] = {"linear", "sigmoid", "tanh", "relu", "selu", "conv2d"};
    for (int i = 0; i < 6; i++) CHECK(ct_init_calculate_gain(names[i], NAN) == nn_gains[i]);
    CHECK(ct_init_calculate_gain("leaky_relu", NAN) == nn_gains[6]);
    CHECK(ct_init_calculate_gain("leaky_relu", 0.2) == nn_gains[7]);
    CHECK(ct_init_calculate_gain("leaky_relu", 0) == nn_gains[8]);
    CHECK(ct_init_calculate_gain("leaky_relu", sqrt(5.0)) == nn_gains[9]);
    ct_clear_error();
    CHECK(isnan(ct_init_calculate_gain("swish", NAN)));
    CHECK_ERROR("Unsupported nonlinearity swish");
    CT_SCOPE {
        int64_t fi = 0, fo = 0;
        CHECK(ct_init_fan_in_and_fan_out(ct_empty(CT_SHAPE(8, 3, 5, 5)), &fi, &fo) == 0);
        CHECK_EQ_INT(fi, 75);
        CHECK_EQ_INT(fo, 200);
        CHECK(ct_init_fan_in_and_fan_out(ct_empty(CT_SHAPE(4)), &fi, &fo) == CT_ERR_VALUE);
        CHECK_ERROR("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
        CHECK_FAILS(ct_init_xavier_uniform_(ct_empty(CT_SHAPE(4))), "fewer than 2 dimensions");
        CHECK_FAILS(ct_init_eye_(ct_empty(CT_SHAPE(2, 2, 2))), "Only tensors with 2 dimensions are supported");
        CHECK_FAILS(ct_init_dirac_(ct_empty(CT_SHAPE(2, 2)), 1), "Only tensors with 3, 4, or 5 dimensions");
        CHECK_FAILS(ct_init_dirac_(ct_empty(CT_SHAPE(3, 2, 2)), 2), "dim 0 must be divisible by groups");
        CHECK_FAILS(ct_init_orthogonal_(ct_empty(CT_SHAPE(3))), "Only tensors with 2 or more dimensions");
        CHECK_FAILS(ct_init_kaiming_uniform_(ct_empty(CT_SHAPE(3, 3)), .nonlinearity = "swish"),
                    "Unsupported nonlinearity swish");
        /* zero-element tensors: PyTorch's kaiming inits are a no-op */
        ct_tensor *z = ct_empty(CT_SHAPE(0, 3));
        CHECK(ct_init_kaiming_uniform_(z) == z);
    }
}

/* Mean and variance of t's elements. */
static void moments(ct_tensor *t, double *mean, double *var) {
    CT_SCOPE {
        *mean = ct_item(ct_mean(t));
        *var = ct_item(ct_var(t));
    }
}

TEST(default_inits_have_pytorchs_bounds_and_variance) {
    ct_manual_seed(123);
    CT_SCOPE {
        /* Linear(400, 300): weight and bias uniform on +-1/sqrt(400) = 0.05, variance bound^2 / 3 */
        ct_module *lin = ct_nn_linear(400, 300);
        ct_tensor *w = ct_module_get(lin, "weight");
        double mean, var;
        CHECK(ct_item(ct_amax(ct_abs(w), CT_SHAPE0, false)) <= 0.05);
        CHECK(ct_item(ct_amax(ct_abs(w), CT_SHAPE0, false)) > 0.0499);
        moments(w, &mean, &var);
        CHECK_NEAR(mean, 0, 3 * sqrt(0.05 * 0.05 / 3 / 120000));
        CHECK_NEAR(var, 0.05 * 0.05 / 3, 0.02 * 0.05 * 0.05 / 3);
        CHECK(ct_item(ct_amax(ct_abs(ct_module_get(lin, "bias")), CT_SHAPE0, false)) <= 0.05);
        ct_module_free(lin);
        /* Embedding: standard normal */
        ct_module *e = ct_nn_embedding(1000, 100);
        moments(ct_module_get(e, "weight"), &mean, &var);
        CHECK_NEAR(mean, 0, 0.015);
        CHECK_NEAR(var, 1, 0.02);
        ct_module_free(e);
        /* kaiming_normal_ fan_in relu: var 2 / fan_in; xavier_uniform_: var 2 / (fan_in + fan_out) */
        ct_tensor *k = ct_init_kaiming_normal_(ct_empty(CT_SHAPE(500, 200)), .nonlinearity = "relu");
        moments(k, &mean, &var);
        CHECK_NEAR(var, 2.0 / 200, 0.02 * 2.0 / 200);
        ct_tensor *x = ct_init_xavier_uniform_(ct_empty(CT_SHAPE(500, 300)));
        moments(x, &mean, &var);
        CHECK_NEAR(var, 2.0 / 800, 0.02 * 2.0 / 800);
        CHECK(ct_item(ct_amax(ct_abs(x), CT_SHAPE0, false)) <= sqrt(6.0 / 800));
        /* trunc_normal_ stays in [a, b] */
        ct_tensor *tn = ct_init_trunc_normal_(ct_empty(CT_SHAPE(100000)), 0.0, 1.0, -0.5, 1.5);
        CHECK(ct_item(ct_amin(tn, CT_SHAPE0, false)) >= -0.5 && ct_item(ct_amax(tn, CT_SHAPE0, false)) <= 1.5);
        /* the truncated normal's mean: (phi(a) - phi(b)) / (Phi(b) - Phi(a)) */
        double pa = exp(-0.125) / sqrt(2 * 3.141592653589793), pb = exp(-1.125) / sqrt(2 * 3.141592653589793);
        double z = 0.5 * (erf(1.5 / sqrt(2.0)) - erf(-0.5 / sqrt(2.0)));
        moments(tn, &mean, &var);
        CHECK_NEAR(mean, (pa - pb) / z, 0.01);
        /* orthogonal_: Q^T Q = I for a tall matrix, Q Q^T = gain^2 I for a wide one */
        ct_tensor *q = ct_init_orthogonal_(ct_empty(CT_SHAPE(50, 20), .dtype = CT_F64));
        ct_tensor *qtq = ct_matmul(ct_t(q), q);
        CHECK(ct_item(ct_amax(ct_abs(ct_sub(qtq, ct_eye(20, .dtype = CT_F64))), CT_SHAPE0, false)) < 1e-12);
        ct_tensor *wq = ct_init_orthogonal_(ct_empty(CT_SHAPE(10, 30)), .gain = 2.0);
        ct_tensor *qqt = ct_matmul(wq, ct_t(wq));
        CHECK(ct_item(ct_amax(ct_abs(ct_sub(qqt, ct_mul_scalar(ct_eye(10), 4.0))), CT_SHAPE0, false)) < 1e-5);
    }
}

TEST(inits_fill_parameters_without_recording) {
    ct_module *lin = ct_nn_linear(3, 2);
    ct_tensor *w = ct_module_get(lin, "weight");
    CHECK(ct_init_constant_(w, 0.5) == w);
    CHECK_VALUES(w, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5);
    CHECK(ct_init_zeros_(ct_module_get(lin, "bias")));
    CHECK_VALUES(ct_module_get(lin, "bias"), 0, 0, 0);
    CHECK(ct_init_ones_(w) && ct_init_normal_(w, 0.0, 1.0) && ct_init_eye_(w));
    CHECK_VALUES(w, 0, 1, 0, 0, 0, 1, 0);
    CHECK(ct_is_leaf(w) && ct_requires_grad(w));
    /* a generator of one's own: the same stream as the default one with the same seed */
    ct_generator *g = ct_generator_new(77);
    CT_SCOPE {
        ct_tensor *a = ct_init_uniform_(ct_empty(CT_SHAPE(5)), 0.0, 1.0, .generator = g);
        ct_manual_seed(77);
        ct_tensor *b = ct_rand(CT_SHAPE(5));
        CHECK(ct_equal(a, b));
    }
    ct_generator_free(g);
    ct_module_free(lin);
}
