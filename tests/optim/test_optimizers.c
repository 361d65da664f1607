/*
 * tests/optim/test_optimizers.c - every optimizer and option against
 * PyTorch 1.13 (tests/fixtures/optim_cases.py): 20 steps from the same
 * parameters with the same gradients give PyTorch's parameters and state;
 * state dicts resume bit-exactly; groups, zero_grad, errors, no leaks.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "../fixtures/optim_cases.h"

static ct_shape param_shape(int j) {
    return optim_ndims[j] == 2 ? CT_SHAPE(optim_shapes[j][0], optim_shapes[j][1])
                               : CT_SHAPE(optim_shapes[j][0]);
}
static int param_numel(int j) { return optim_shapes[j][0] * optim_shapes[j][1]; }

/* A tensor of shape s and dtype dt holding the doubles at v (rounded like torch's .to()). */
static ct_tensor *tensor_of(const double *v, ct_shape s, ct_dtype dt) {
    ct_tensor *d = ct_from_data(v, CT_F64, s);
    ct_tensor *t = ct_to_dtype(d, dt);
    ct_free(d);
    return t;
}

/* The three parameters of the fixtures, as leaves requiring grad (caller frees). */
static void make_params(ct_tensor **ps, ct_dtype dt) {
    int off = 0;
    for (int j = 0; j < 3; j++) {
        ps[j] = ct_requires_grad_(tensor_of(optim_init + off, param_shape(j), dt), true);
        off += param_numel(j);
    }
}

/* Sets the gradients of step k (parameter 2 only on even steps). */
static void set_grads(ct_tensor **ps, int k, ct_dtype dt) {
    int off = 0;
    for (int j = 0; j < 3; j++) {
        if (j != 2 || k % 2 == 0) {
            ct_tensor *g = tensor_of(optim_grads[k] + off, param_shape(j), dt);
            REQUIRE(ct_set_grad(ps[j], g) == 0);
            ct_free(g);
        } else {
            ct_clear_grad(ps[j]);
        }
        off += param_numel(j);
    }
}

static ct_optimizer *make_optim(const char *name, ct_tensor_list params, ct_optim_opts o) {
    o.params = params;
    if (strcmp(name, "SGD") == 0) return ct_sgd_(o);
    if (strcmp(name, "Adam") == 0) return ct_adam_(o);
    if (strcmp(name, "AdamW") == 0) return ct_adamw_(o);
    if (strcmp(name, "RMSprop") == 0) return ct_rmsprop_(o);
    return ct_adagrad_(o);
}

static double max_err_f32, max_err_f64;

/* Compares t's values with expected, relative to max(1, |expected|). */
static bool close_to(const ct_tensor *t, const double *e, int n, bool f64, const char *what,
                     const char *label) {
    double *got = malloc((size_t)n * sizeof *got);
    REQUIRE(got && ct_copy_to_buffer(t, got, CT_F64, (size_t)n) == 0);
    double tol = f64 ? 1e-13 : 2e-6; /* observed: 1.6e-15 and 2.4e-7 (2 ulp) */
    bool ok = true;
    for (int i = 0; i < n; i++) {
        double err = fabs(got[i] - e[i]) / fmax(1.0, fabs(e[i]));
        double *mx = f64 ? &max_err_f64 : &max_err_f32;
        if (err > *mx) *mx = err;
        if (!(err <= tol)) {
            ct_test_fail(__FILE__, __LINE__, "%s: %s[%d] = %.9g, PyTorch %.9g", label, what, i,
                         got[i], e[i]);
            ok = false;
            break;
        }
    }
    free(got);
    return ok;
}

/* Runs case c for 20 steps (with the parameters made non-contiguous if asked) and checks it. */
static void run_case(const optim_case *c, bool noncontig) {
    ct_dtype dt = c->f64 ? CT_F64 : CT_F32;
    CT_SCOPE {
        ct_tensor *ps[3];
        make_params(ps, dt);
        if (noncontig) {
            /* parameter 0 as the transpose of a contiguous [4, 3] leaf */
            ct_tensor *tt = ct_contiguous(ct_t(ct_detach(ps[0])));
            ct_tensor *leaf = ct_requires_grad_(ct_detach(ct_t(tt)), true);
            REQUIRE(!ct_is_contiguous(leaf));
            ct_free(ps[0]);
            ps[0] = leaf;
        }
        ct_optimizer *opt = make_optim(c->optim, CT_PARAMS(ps[0], ps[1], ps[2]), c->opts);
        REQUIRE(opt);
        for (int k = 0; k < OPTIM_NSTEPS; k++) {
            set_grads(ps, k, dt);
            REQUIRE(ct_step(opt) == 0);
        }
        int off = 0;
        for (int j = 0; j < 3; j++) {
            close_to(ps[j], c->final + off, param_numel(j), c->f64, "param", c->label);
            off += param_numel(j);
        }
        ct_tensor_dict *sd = ct_optimizer_state_dict(opt);
        REQUIRE(sd);
        CHECK_EQ_INT(ct_tensor_dict_len(sd), c->nstate);
        for (int s = 0; s < c->nstate; s++) {
            ct_tensor *t = ct_tensor_dict_get(sd, c->state[s].key);
            if (!t) {
                ct_test_fail(__FILE__, __LINE__, "%s: no %s", c->label, c->state[s].key);
                continue;
            }
            CHECK_EQ_INT(ct_numel(t), c->state[s].n);
            bool step = strstr(c->state[s].key, ".step") != NULL;
            close_to(t, c->state[s].v, c->state[s].n, c->f64 || step, c->state[s].key, c->label);
        }
        ct_tensor_dict_free(sd);
        ct_optimizer_free(opt);
    }
}

TEST(optimizers_match_pytorch) {
    for (int i = 0; i < OPTIM_NCASES; i++) run_case(&optim_cases[i], false);
    printf("  largest relative difference from PyTorch: float32 %.3g, float64 %.3g\n", max_err_f32,
           max_err_f64);
}

TEST(non_contiguous_parameters_match_pytorch) {
    for (int i = 0; i < OPTIM_NCASES; i++) run_case(&optim_cases[i], true);
}

/* Bit-exact comparison of two tensors' bytes. */
static bool same_bits(ct_tensor *a, ct_tensor *b) {
    ct_tensor *ca = ct_contiguous(a), *cb = ct_contiguous(b);
    bool same = ct_numel(a) == ct_numel(b) && ct_dtype_of(a) == ct_dtype_of(b) &&
                memcmp(ct_data_ptr(ca), ct_data_ptr(cb), (size_t)ct_numel(a) * ct_element_size(a)) == 0;
    ct_free(ca);
    ct_free(cb);
    return same;
}

TEST(state_dict_resumes_bit_exactly) {
    /* 10 steps, save (through a safetensors buffer), load into a fresh optimizer, 10 more == 20 steps. */
    /* SGD momentum f64, SGD nesterov, Adam amsgrad, AdamW amsgrad f64, RMSprop centered, Adagrad lr_decay */
    static const int picks[] = {3, 6, 20, 29, 44, 48};
    for (size_t pi = 0; pi < sizeof picks / sizeof picks[0]; pi++) {
        const optim_case *c = &optim_cases[picks[pi] < OPTIM_NCASES ? picks[pi] : 0];
        ct_dtype dt = c->f64 ? CT_F64 : CT_F32;
        CT_SCOPE {
            ct_tensor *a[3], *b[3], *r[3];
            make_params(a, dt);
            make_params(b, dt);
            ct_optimizer *oa = make_optim(c->optim, CT_PARAMS(a[0], a[1], a[2]), c->opts);
            ct_optimizer *ob = make_optim(c->optim, CT_PARAMS(b[0], b[1], b[2]), c->opts);
            REQUIRE(oa && ob);
            for (int k = 0; k < OPTIM_NSTEPS; k++) {
                set_grads(a, k, dt);
                REQUIRE(ct_step(oa) == 0);
            }
            for (int k = 0; k < 10; k++) {
                set_grads(b, k, dt);
                REQUIRE(ct_step(ob) == 0);
            }
            ct_tensor_dict *sd = ct_optimizer_state_dict(ob);
            REQUIRE(sd);
            size_t size = 0;
            void *bytes = ct_save_safetensors_buffer(sd, &size);
            REQUIRE(bytes);
            ct_tensor_dict *back = ct_load_safetensors_buffer(bytes, size);
            free(bytes);
            REQUIRE(back);
            /* a fresh optimizer on copies of b's parameters (different options: the dict restores them) */
            for (int j = 0; j < 3; j++) r[j] = ct_requires_grad_(ct_clone(ct_detach(b[j])), true);
            ct_optim_opts other = c->opts;
            other.lr = other.lr * 3 + 0.5;
            ct_optimizer *oc = make_optim(c->optim, CT_PARAMS(r[0], r[1], r[2]), other);
            REQUIRE(oc);
            CHECK(ct_optimizer_load_state_dict(oc, back) == 0);
            CHECK(ct_optimizer_group_lr(oc, 0) == ct_optimizer_group_lr(oa, 0));
            for (int k = 10; k < OPTIM_NSTEPS; k++) {
                set_grads(r, k, dt);
                REQUIRE(ct_step(oc) == 0);
            }
            for (int j = 0; j < 3; j++)
                if (!same_bits(r[j], a[j]))
                    ct_test_fail(__FILE__, __LINE__, "%s: parameter %d differs after resuming", c->label, j);
            ct_tensor_dict *sa = ct_optimizer_state_dict(oa), *sc = ct_optimizer_state_dict(oc);
            CHECK_EQ_INT(ct_tensor_dict_len(sa), ct_tensor_dict_len(sc));
            for (size_t k = 0; k < ct_tensor_dict_len(sa); k++) {
                ct_tensor *x = ct_tensor_dict_tensor(sa, k);
                ct_tensor *y = ct_tensor_dict_get(sc, ct_tensor_dict_name(sa, k));
                if (!y || !same_bits(x, y))
                    ct_test_fail(__FILE__, __LINE__, "%s: state %s differs after resuming", c->label,
                                 ct_tensor_dict_name(sa, k));
            }
            ct_tensor_dict_free(sa);
            ct_tensor_dict_free(sc);
            ct_tensor_dict_free(sd);
            ct_tensor_dict_free(back);
            ct_optimizer_free(oa);
            ct_optimizer_free(ob);
            ct_optimizer_free(oc);
        }
    }
}

TEST(load_state_dict_rejects_mismatches) {
    CT_SCOPE {
        ct_tensor *w = ct_zeros(CT_SHAPE(3), .requires_grad = true);
        ct_tensor *v = ct_zeros(CT_SHAPE(4), .requires_grad = true);
        ct_optimizer *adam = ct_adam(CT_PARAMS(w));
        ct_set_grad(w, ct_ones(CT_SHAPE(3)));
        REQUIRE(ct_step(adam) == 0);
        ct_tensor_dict *sd = ct_optimizer_state_dict(adam);
        REQUIRE(sd);
        CHECK_STR(ct_tensor_dict_get_meta(sd, "optimizer"), "Adam");
        CHECK_STR(ct_tensor_dict_get_meta(sd, "param_groups.0.params"), "0");
        CHECK_STR(ct_tensor_dict_get_meta(sd, "param_groups.0.lr"), "0.001");

        ct_optimizer *sgd = ct_sgd(CT_PARAMS(w), .lr = 0.1);
        CHECK(ct_optimizer_load_state_dict(sgd, sd) < 0);
        CHECK_ERROR("the state dict is for Adam, not SGD");

        ct_optimizer *two = ct_adam(CT_PARAMS(w, v));
        CHECK(ct_optimizer_load_state_dict(two, sd) < 0);
        CHECK_ERROR("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");

        ct_optimizer *groups = ct_adam(CT_PARAMS(w));
        CHECK(ct_optimizer_add_param_group(groups, CT_PARAMS(v)) == 1);
        CHECK(ct_optimizer_load_state_dict(groups, sd) < 0);
        CHECK_ERROR("loaded state dict has a different number of parameter groups");

        ct_optimizer *other_shape = ct_adam(CT_PARAMS(v));
        CHECK(ct_optimizer_load_state_dict(other_shape, sd) < 0);
        CHECK_ERROR("has a different shape");
        /* nothing changed: still no state */
        ct_tensor_dict *empty = ct_optimizer_state_dict(other_shape);
        CHECK_EQ_INT(ct_tensor_dict_len(empty), 0);
        ct_tensor_dict_free(empty);

        ct_tensor_dict_free(sd);
        ct_optimizer_free(adam);
        ct_optimizer_free(sgd);
        ct_optimizer_free(two);
        ct_optimizer_free(groups);
        ct_optimizer_free(other_shape);
    }
}

TEST(param_groups_have_their_own_options) {
    CT_SCOPE {
        ct_tensor *a = ct_ones(CT_SHAPE(2), .requires_grad = true);
        ct_tensor *b = ct_ones(CT_SHAPE(2), .requires_grad = true);
        ct_optimizer *opt = ct_sgd(CT_PARAMS(a), .lr = 0.1, .momentum = 0.9);
        REQUIRE(opt);
        CHECK_EQ_INT(ct_optimizer_add_param_group(opt, CT_PARAMS(b), .lr = 0.01), 1);
        CHECK_EQ_INT(ct_optimizer_num_groups(opt), 2);
        CHECK_NEAR(ct_optimizer_group_lr(opt, 1), 0.01, 0);
        CHECK_NEAR(ct_optimizer_group_get(opt, 1, "momentum"), 0.9, 0); /* inherited */
        CHECK_EQ_INT(ct_optimizer_group_params(opt, 1).n, 1);
        CHECK(ct_optimizer_group_params(opt, 1).items[0] == b);
        ct_set_grad(a, ct_ones(CT_SHAPE(2)));
        ct_set_grad(b, ct_ones(CT_SHAPE(2)));
        REQUIRE(ct_step(opt) == 0);
        CHECK_VALUES(a, 1e-7, 0.9, 0.9);
        CHECK_VALUES(b, 1e-7, 0.99, 0.99);
        CHECK(ct_optimizer_set_group_lr(opt, 0, 1.0) == 0);
        CHECK(ct_optimizer_group_set(opt, 0, "momentum", CT_ZERO) == 0);
        REQUIRE(ct_step(opt) == 0); /* buf = 0 * buf + g = 1: a = 0.9 - 1 */
        CHECK_VALUES(a, 1e-6, -0.1, -0.1);

        CHECK(ct_optimizer_add_param_group(opt, CT_PARAMS(a)) < 0);
        CHECK_ERROR("some parameters appear in more than one parameter group");
        CHECK(ct_optimizer_group_set(opt, 0, "betas", 0.5) < 0);
        CHECK_ERROR("KeyError: 'betas'");
        CHECK(isnan(ct_optimizer_group_lr(opt, 5)));
        CHECK_ERROR("list index out of range");
        ct_optimizer_free(opt);
    }
}

TEST(constructor_errors_are_pytorchs) {
    CT_SCOPE {
        ct_tensor *w = ct_zeros(CT_SHAPE(2), .requires_grad = true);
        CHECK_FAILS(ct_sgd(CT_PARAMS(w)),
                    "ct_sgd: parameter group didn't specify a value of required optimization parameter lr");
        CHECK_FAILS(ct_sgd(CT_PARAMS(w), .lr = -1), "ct_sgd: Invalid learning rate: -1.0");
        CHECK_FAILS(ct_sgd(CT_PARAMS(w), .lr = 0.1, .momentum = -0.5), "Invalid momentum value: -0.5");
        CHECK_FAILS(ct_sgd(CT_PARAMS(w), .lr = 0.1, .nesterov = true),
                    "Nesterov momentum requires a momentum and zero dampening");
        CHECK_FAILS(ct_sgd(CT_PARAMS(w), .lr = 0.1, .betas = {0.5, 0.5}),
                    "SGD got an unexpected keyword argument 'betas'");
        CHECK_FAILS(ct_adam(CT_PARAMS(w), .betas = {1.0}), "Invalid beta parameter at index 0: 1.0");
        CHECK_FAILS(ct_adam(CT_PARAMS(w), .eps = -1e-8), "Invalid epsilon value: -1e-08");
        CHECK_FAILS(ct_adamw(CT_PARAMS(w), .weight_decay = -0.01), "Invalid weight_decay value: -0.01");
        CHECK_FAILS(ct_rmsprop(CT_PARAMS(w), .alpha = -1), "Invalid alpha value: -1.0");
        CHECK_FAILS(ct_adagrad(CT_PARAMS(w), .lr_decay = -1), "Invalid lr_decay value: -1.0");
        CHECK_FAILS(ct_adagrad(CT_PARAMS(w), .initial_accumulator_value = -1),
                    "Invalid initial_accumulator_value value: -1.0");
        CHECK_FAILS(ct_adam(((ct_tensor_list){NULL, 0})), "optimizer got an empty parameter list");
        ct_tensor *y = ct_mul_scalar(w, 2.0);
        CHECK_FAILS(ct_adam(CT_PARAMS(y)), "can't optimize a non-leaf Tensor");
        ct_tensor *i = ct_zeros(CT_SHAPE(2), .dtype = CT_I64);
        CHECK_FAILS(ct_adam(CT_PARAMS(i)), "floating point");
        /* explicit zeros and defaults */
        ct_optimizer *o = ct_adamw(CT_PARAMS(w), .weight_decay = CT_ZERO, .betas = {CT_ZERO});
        REQUIRE(o);
        CHECK(ct_optimizer_group_get(o, 0, "weight_decay") == 0.0);
        CHECK(ct_optimizer_group_get(o, 0, "beta1") == 0.0);
        CHECK(ct_optimizer_group_get(o, 0, "beta2") == 0.999);
        CHECK(ct_optimizer_group_get(o, 0, "eps") == 1e-8);
        CHECK(ct_optimizer_group_get(o, 0, "lr") == 1e-3);
        CHECK_STR(ct_optimizer_name(o), "AdamW");
        ct_optimizer_free(o);
        o = ct_adamw(CT_PARAMS(w));
        CHECK(ct_optimizer_group_get(o, 0, "weight_decay") == 1e-2);
        ct_optimizer_free(o);
        o = ct_adagrad(CT_PARAMS(w));
        CHECK(ct_optimizer_group_get(o, 0, "eps") == 1e-10);
        CHECK(ct_optimizer_group_get(o, 0, "lr") == 1e-2);
        ct_optimizer_free(o);
        o = ct_rmsprop(CT_PARAMS(w));
        CHECK(ct_optimizer_group_get(o, 0, "alpha") == 0.99);
        ct_optimizer_free(o);
    }
}

TEST(zero_grad_and_skipping) {
    CT_SCOPE {
        ct_tensor *w = ct_ones(CT_SHAPE(3), .requires_grad = true);
        ct_optimizer *opt = ct_sgd(CT_PARAMS(w), .lr = 0.5);
        ct_set_grad(w, ct_ones(CT_SHAPE(3)));
        ct_optimizer_zero_grad(opt, false); /* PyTorch 1.x: zero-filled */
        ct_tensor *g = ct_grad_of(w);
        REQUIRE(g);
        CHECK_VALUES(g, 0, 0, 0, 0);
        ct_zero_grad(opt); /* set to None */
        CHECK(ct_grad_of(w) == NULL);
        int64_t v = ct_version(w);
        CHECK(ct_step(opt) == 0); /* no grad: skipped, untouched */
        CHECK_VALUES(w, 0, 1, 1, 1);
        CHECK_EQ_INT(ct_version(w), v);
        ct_set_grad(w, ct_ones(CT_SHAPE(3)));
        CHECK(ct_step(opt) == 0);
        CHECK_VALUES(w, 0, 0.5, 0.5, 0.5);
        CHECK(ct_version(w) > v); /* a step is an in-place update */
        ct_optimizer_free(opt);
    }
}

TEST(step_after_forward_invalidates_saved_parameter) {
    CT_SCOPE {
        ct_tensor *w = ct_ones(CT_SHAPE(2), .requires_grad = true);
        ct_optimizer *opt = ct_sgd(CT_PARAMS(w), .lr = 0.1);
        ct_tensor *loss = ct_sum(ct_mul(w, w)); /* saves w */
        ct_set_grad(w, ct_ones(CT_SHAPE(2)));
        REQUIRE(ct_step(opt) == 0);
        CHECK(ct_backward(loss) < 0); /* PyTorch: modified by an inplace operation */
        ct_clear_error();
        ct_optimizer_free(opt);
    }
}

TEST(optimizer_keeps_its_parameters_alive) {
    ct_tensor *w = ct_ones(CT_SHAPE(2), .requires_grad = true);
    ct_optimizer *opt = ct_adam(CT_PARAMS(w), .lr = 0.1);
    CHECK_EQ_INT(ct_refcount(w), 2);
    ct_free(w); /* the optimizer still holds it */
    ct_tensor *p = ct_optimizer_group_params(opt, 0).items[0];
    ct_tensor *g = ct_ones(CT_SHAPE(2));
    ct_set_grad(p, g);
    ct_free(g);
    CHECK(ct_step(opt) == 0);
    ct_optimizer_free(opt); /* frees w and the state */
}

TEST(training_loop_does_not_leak) {
    ct_tensor *w = ct_ones(CT_SHAPE(4), .requires_grad = true);
    ct_optimizer *opt = ct_adam(CT_PARAMS(w), .lr = 0.01, .amsgrad = true);
    long live = 0;
    for (int step = 0; step < 200; step++) {
        CT_SCOPE {
            ct_tensor *loss = ct_sum(ct_mul(w, w));
            ct_zero_grad(opt);
            ct_backward(loss);
            ct_step(opt);
        }
        if (step == 0) live = ct_live_tensors(); /* state exists from the first step on */
    }
    CHECK_EQ_INT(ct_live_tensors(), live);
    ct_optimizer_free(opt);
    ct_free(w);
}

/*
 * float32 Adam's common case runs a separate loop (vectorized per
 * instruction set, split over threads past 32,768 elements): its parameters
 * and moments must carry the bits of PyTorch's elementwise formula, written
 * here as plain float operations in PyTorch's order, on a parameter big
 * enough to be split, at 1 and 2 threads.
 */
TEST(adam_common_case_keeps_the_formula_bits) {
    const int64_t n = 100003;
    const double lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    for (int threads = 1; threads <= 2; threads++) {
        ct_set_num_threads(threads);
        ct_manual_seed(7);
        ct_tensor *p = ct_randn(CT_SHAPE(n), .requires_grad = true);
        float *ep = malloc((size_t)n * sizeof *ep), *em = calloc((size_t)n, sizeof *em),
              *ev = calloc((size_t)n, sizeof *ev);
        memcpy(ep, ct_data_ptr(p), (size_t)n * sizeof *ep);
        ct_optimizer *opt = ct_adam(CT_PARAMS(p), .lr = lr);
        for (int step = 1; step <= 3; step++) {
            ct_tensor *g = ct_randn(CT_SHAPE(n));
            ct_set_grad(p, g);
            CHECK_EQ_INT(ct_step(opt), 0);
            const float *gv = ct_data_ptr(g);
            double bc1 = 1 - pow(b1, step), bc2 = 1 - pow(b2, step);
            float neg_step = (float)-(lr / bc1), bc2s = (float)sqrt(bc2);
            for (int64_t i = 0; i < n; i++) {
                em[i] = em[i] * (float)b1 + (float)(1 - b1) * gv[i];
                ev[i] = ev[i] * (float)b2 + (float)(1 - b2) * gv[i] * gv[i];
                ep[i] = ep[i] + neg_step * em[i] / (sqrtf(ev[i]) / bc2s + (float)eps);
            }
            ct_free(g);
        }
        CHECK(memcmp(ep, ct_data_ptr(p), (size_t)n * sizeof *ep) == 0);
        ct_optimizer_free(opt);
        ct_free(p);
        free(ep), free(em), free(ev);
    }
    ct_set_num_threads(1);
}
