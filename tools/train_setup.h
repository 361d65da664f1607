/*
 * tools/train_setup.h - the pieces of a training run made from its
 * configuration (train_setup.c).
 */
#ifndef CTORCH_TOOLS_TRAIN_SETUP_H
#define CTORCH_TOOLS_TRAIN_SETUP_H

#include "cli.h"

/** The optimizer cfg asks for over m's parameters (NULL after printing why). */
ct_optimizer *setup_optimizer(const train_config *cfg, ct_module *m);
/** The LR schedule cfg asks for (NULL for none; *ok false after printing an error). */
ct_scheduler *setup_scheduler(const train_config *cfg, ct_optimizer *opt, bool *ok);
/**
 * Splits the training set into training (reading `augmented`) and validation
 * (reading `plain`) parts with a generator seeded by cfg->seed. *val is NULL
 * when cfg->val_split is 0. Returns false after printing why.
 */
bool setup_split(const train_config *cfg, ct_dataset *plain, ct_dataset *augmented, ct_dataset **train,
                 ct_dataset **val);

#endif
