/*
 * tools/train_setup.c - turns a train_config into the pieces of a run:
 * the optimizer, the LR scheduler, and the train / validation split.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "train_setup.h"

ct_optimizer *setup_optimizer(const train_config *cfg, ct_module *m) {
    ct_tensor_list p = ct_parameters(m);
    const char *o = cfg->optimizer;
    /* A weight decay left out keeps the optimizer's own default (AdamW's 0.01). */
    double wd = cfg->weight_decay >= 0 ? (cfg->weight_decay == 0 ? CT_ZERO : cfg->weight_decay) : 0;
    ct_optimizer *opt = NULL;
    if (!strcmp(o, "sgd"))
        opt = ct_sgd(.params = p, .lr = cfg->lr > 0 ? cfg->lr : 0.01,
                     .momentum = cfg->momentum >= 0 ? cfg->momentum : 0.9, .weight_decay = wd);
    else if (!strcmp(o, "adam"))
        opt = ct_adam(.params = p, .lr = cfg->lr, .weight_decay = wd);
    else if (!strcmp(o, "adamw"))
        opt = ct_adamw(.params = p, .lr = cfg->lr, .weight_decay = wd);
    else if (!strcmp(o, "rmsprop"))
        opt = ct_rmsprop(.params = p, .lr = cfg->lr, .momentum = cfg->momentum > 0 ? cfg->momentum : 0, .weight_decay = wd);
    if (!opt) fprintf(stderr, "ctorch: cannot make the %s optimizer: %s\n", o, ct_last_error());
    return opt;
}

ct_scheduler *setup_scheduler(const train_config *cfg, ct_optimizer *opt, bool *ok) {
    const char *s = cfg->schedule;
    ct_scheduler *sched = NULL;
    *ok = true;
    if (!strcmp(s, "none")) return NULL;
    if (!strcmp(s, "step"))
        sched = ct_step_lr(opt, cfg->step_size, .gamma = cfg->gamma);
    else if (!strcmp(s, "cosine"))
        sched = ct_cosine_annealing_lr(opt, cfg->epochs);
    else if (!strcmp(s, "plateau"))
        sched = ct_reduce_lr_on_plateau(opt, .factor = cfg->gamma, .patience = 1);
    if (!sched) {
        fprintf(stderr, "ctorch: cannot make the %s schedule: %s\n", s, ct_last_error());
        *ok = false;
    }
    return sched;
}

bool setup_split(const train_config *cfg, ct_dataset *plain, ct_dataset *augmented, ct_dataset **train,
                 ct_dataset **val) {
    int64_t n = ct_dataset_len(plain);
    *train = *val = NULL;
    if (cfg->val_split <= 0) {
        *train = ct_dataset_retain(augmented);
        return true;
    }
    if (cfg->val_split >= n) {
        fprintf(stderr, "ctorch: --val-split %d leaves no training images (the training set has %lld)\n",
                cfg->val_split, (long long)n);
        return false;
    }
    /* random_split(train, [n - v, v], Generator().manual_seed(seed)), as in PyTorch. */
    ct_generator *g = ct_generator_new(cfg->seed);
    ct_dataset *parts[2] = {NULL, NULL};
    int64_t lengths[2] = {n - cfg->val_split, cfg->val_split};
    int rc = g ? ct_random_split(plain, lengths, 2, g, parts) : -1;
    ct_generator_free(g);
    if (rc < 0) {
        fprintf(stderr, "ctorch: cannot split off the validation set: %s\n", ct_last_error());
        return false;
    }
    /* The training part reads the augmented view of the same images. */
    int64_t k;
    const int64_t *idx = ct_subset_indices(parts[0], &k);
    *train = ct_subset(augmented, idx, k);
    *val = parts[1];
    ct_dataset_free(parts[0]);
    if (!*train) {
        fprintf(stderr, "ctorch: %s\n", ct_last_error());
        ct_dataset_free(*val);
        *val = NULL;
        return false;
    }
    return true;
}
