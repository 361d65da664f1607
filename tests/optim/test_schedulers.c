/*
 * tests/optim/test_schedulers.c - every LR scheduler's learning rates (and
 * OneCycleLR's momentum / beta1) over 100 steps against PyTorch 1.13
 * (tests/fixtures/optim_cases.py), ReduceLROnPlateau fed the same metrics;
 * state dicts resume exactly; errors.
 */
#include <math.h>
#include <string.h>

#include "test.h"
#include "../fixtures/optim_cases.h"

/* The fixtures' optimizer: two groups, lr 0.1 and 0.05 (SGD with momentum 0.9, or Adam). */
static ct_optimizer *make_opt(bool adam, ct_tensor **a, ct_tensor **b) {
    *a = ct_zeros(CT_SHAPE(2), .requires_grad = true);
    *b = ct_zeros(CT_SHAPE(3), .requires_grad = true);
    ct_optimizer *opt = adam ? ct_adam(CT_PARAMS(*a), .lr = 0.1)
                             : ct_sgd(CT_PARAMS(*a), .lr = 0.1, .momentum = 0.9);
    if (opt) ct_optimizer_add_param_group(opt, CT_PARAMS(*b), .lr = 0.05);
    return opt;
}

static double max_rel;

static void check_step(const sched_case *c, ct_optimizer *opt, int k) {
    for (int g = 0; g < 2; g++) {
        double lr = ct_optimizer_group_lr(opt, g), e = c->lr[k][g];
        double rel = fabs(lr - e) / fmax(fabs(e), 1e-300);
        if (lr != e && rel > max_rel) max_rel = rel;
        if (!(rel <= 1e-13))
            ct_test_fail(__FILE__, __LINE__, "%s: step %d group %d lr %.17g, PyTorch %.17g", c->label,
                         k, g, lr, e);
        if (c->momentum) {
            double m = ct_optimizer_group_get(opt, g, c->adam ? "beta1" : "momentum");
            if (!(fabs(m - c->mom[k][g]) <= 1e-13 * fabs(c->mom[k][g])))
                ct_test_fail(__FILE__, __LINE__, "%s: step %d group %d momentum %.17g, PyTorch %.17g",
                             c->label, k, g, m, c->mom[k][g]);
        }
    }
}

static void step_all(const sched_case *c, ct_scheduler *s, ct_scheduler *s2, int k) {
    if (c->plateau) {
        REQUIRE(ct_scheduler_step_metric(s, sched_metrics[k]) == 0);
    } else {
        REQUIRE(ct_scheduler_step(s) == 0);
        if (s2) REQUIRE(ct_scheduler_step(s2) == 0);
    }
}

TEST(schedulers_match_pytorch) {
    for (int i = 0; i < SCHED_NCASES; i++) {
        const sched_case *c = &sched_cases[i];
        ct_tensor *a, *b;
        ct_optimizer *opt = make_opt(c->adam, &a, &b);
        REQUIRE(opt);
        ct_scheduler *s2, *s = sched_make(c->index, opt, &s2);
        if (!s) {
            ct_test_fail(__FILE__, __LINE__, "%s: %s", c->label, ct_last_error());
            ct_optimizer_free(opt);
            ct_free(a);
            ct_free(b);
            continue;
        }
        check_step(c, opt, 0);
        for (int k = 0; k < SCHED_NSTEPS; k++) {
            REQUIRE(ct_step(opt) == 0);
            step_all(c, s, s2, k);
            check_step(c, opt, k + 1);
            CHECK(ct_scheduler_last_lr(s, 1) == ct_optimizer_group_lr(opt, 1) || s2);
        }
        ct_scheduler_free(s);
        ct_scheduler_free(s2);
        ct_optimizer_free(opt);
        ct_free(a);
        ct_free(b);
    }
    printf("  largest relative lr difference from PyTorch: %.3g\n", max_rel);
}

TEST(scheduler_state_dict_resumes) {
    /* 30 steps, save optimizer + scheduler, rebuild both fresh, load, 70 more == PyTorch's 100. */
    for (int i = 0; i < SCHED_NCASES; i++) {
        const sched_case *c = &sched_cases[i];
        if (strstr(c->label, "chained")) continue;
        ct_tensor *a, *b, *a2, *b2;
        ct_optimizer *opt = make_opt(c->adam, &a, &b);
        ct_scheduler *unused, *s = sched_make(c->index, opt, &unused);
        REQUIRE(s);
        for (int k = 0; k < 30; k++) step_all(c, s, NULL, k);
        ct_tensor_dict *osd = ct_optimizer_state_dict(opt);
        ct_tensor_dict *ssd = ct_scheduler_state_dict(s);
        REQUIRE(osd && ssd);
        CHECK_STR(ct_tensor_dict_get_meta(ssd, "scheduler"), ct_scheduler_name(s));

        ct_optimizer *opt2 = make_opt(c->adam, &a2, &b2);
        ct_scheduler *s2 = sched_make(c->index, opt2, &unused);
        REQUIRE(s2);
        CHECK(ct_optimizer_load_state_dict(opt2, osd) == 0);
        CHECK(ct_scheduler_load_state_dict(s2, ssd) == 0);
        CHECK_EQ_INT(ct_scheduler_last_epoch(s2), ct_scheduler_last_epoch(s));
        for (int k = 30; k < SCHED_NSTEPS; k++) {
            step_all(c, s2, NULL, k);
            check_step(c, opt2, k + 1);
        }
        ct_tensor_dict_free(osd);
        ct_tensor_dict_free(ssd);
        ct_scheduler_free(s);
        ct_scheduler_free(s2);
        ct_optimizer_free(opt);
        ct_optimizer_free(opt2);
        ct_free(a);
        ct_free(b);
        ct_free(a2);
        ct_free(b2);
    }
}

TEST(closed_form_step_epoch) {
    /* step(epoch) uses the closed form: CosineAnnealingLR(10) at epoch 5 is base * (1 + cos(pi/2)) / 2 */
    ct_tensor *a, *b;
    ct_optimizer *opt = make_opt(false, &a, &b);
    ct_scheduler *s = ct_cosine_annealing_lr(opt, 10);
    CHECK(ct_scheduler_step_epoch(s, 5) == 0);
    CHECK_NEAR(ct_optimizer_group_lr(opt, 0), 0.1 * (1 + cos(M_PI * 5 / 10)) / 2, 1e-17);
    ct_scheduler_free(s);
    s = ct_step_lr(opt, 3, .gamma = 0.5);
    CHECK(ct_scheduler_step_epoch(s, 7) == 0); /* 0.1 * 0.5^(7 // 3) */
    CHECK_NEAR(ct_optimizer_group_lr(opt, 0), 0.1 * 0.25, 1e-17);
    ct_scheduler_free(s);
    ct_optimizer_free(opt);
    ct_free(a);
    ct_free(b);
}

TEST(scheduler_errors) {
    ct_tensor *a, *b;
    ct_optimizer *opt = make_opt(false, &a, &b);
    CHECK_FAILS(ct_linear_lr(opt, .start_factor = 2), "Starting multiplicative factor expected to be between 0 and 1.");
    CHECK_FAILS(ct_reduce_lr_on_plateau(opt, .factor = 1.5), "Factor should be < 1.0.");
    CHECK_FAILS(ct_one_cycle_lr(opt, 0.1), "You must define either total_steps OR (epochs AND steps_per_epoch)");
    CHECK_FAILS(ct_one_cycle_lr(opt, 0.1, .total_steps = -3), "Expected positive integer total_steps, but got -3");
    CHECK_FAILS(ct_one_cycle_lr(opt, 0.1, .total_steps = 10, .pct_start = 1.5),
                "Expected float between 0 and 1 pct_start, but got 1.5");
    CHECK_FAILS(ct_step_lr(NULL, 3), "is not an Optimizer");
    CHECK_FAILS(ct_step_lr(opt, 3, .last_epoch = 5), "param 'initial_lr' is not specified in param_groups[0]");

    ct_scheduler *s = ct_one_cycle_lr(opt, 0.1, .total_steps = 3);
    REQUIRE(s);
    for (int k = 0; k < 3; k++) CHECK(ct_scheduler_step(s) == 0);
    CHECK(ct_scheduler_step(s) < 0);
    CHECK_ERROR("Tried to step 5 times. The specified number of total steps is 3");
    CHECK(ct_scheduler_step_metric(s, 1.0) < 0);
    CHECK_ERROR("takes no metric");
    ct_tensor_dict *sd = ct_scheduler_state_dict(s);
    ct_scheduler_free(s);

    s = ct_reduce_lr_on_plateau(opt);
    CHECK(ct_scheduler_step(s) < 0);
    CHECK_ERROR("missing 1 required positional argument: 'metrics'");
    CHECK(ct_scheduler_load_state_dict(s, sd) < 0);
    CHECK_ERROR("the state dict is for OneCycleLR, not ReduceLROnPlateau");
    ct_scheduler_free(s);
    ct_tensor_dict_free(sd);

    /* Adagrad has no momentum to cycle */
    ct_optimizer *ada = ct_adagrad(CT_PARAMS(a));
    CHECK_FAILS(ct_one_cycle_lr(ada, 0.1, .total_steps = 10),
                "optimizer must support momentum with `cycle_momentum` option enabled");
    ct_optimizer_free(ada);
    ct_optimizer_free(opt);
    ct_free(a);
    ct_free(b);
}
