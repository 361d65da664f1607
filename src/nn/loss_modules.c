/*
 * src/nn/loss_modules.c - the loss modules (nn.MSELoss, nn.CrossEntropyLoss,
 * ...): the options of a ctorch/loss.h function kept in a module, called
 * with ct_loss_forward(module, input, target).
 */
#include <string.h>

#include "nn_internal.h"

typedef enum { MSE, L1, SMOOTH_L1, HUBER, CROSS_ENTROPY, NLL, BCE, BCE_LOGITS, KL_DIV } loss_kind;

typedef struct {
    ct_module base;
    loss_kind kind;
    ct_reduction reduction;
    double beta;             /* smooth_l1 beta, huber delta, label_smoothing */
    bool flag;               /* smooth_l1 has_beta, kl_div log_target, has_ignore_index */
    int64_t ignore_index;
} loss_module;

static ct_tensor *loss_no_forward(ct_module *m, ct_tensor *x) {
    (void)x;
    ct_set_error(CT_ERR_RUNTIME, m->type->name,
             "a loss module takes an input and a target: call ct_loss_forward(module, input, target), not ct_forward");
    return NULL;
}

#define LOSS_TYPE(var, str) static const ct_module_type var = {.name = str, .forward = loss_no_forward}
LOSS_TYPE(mse_type, "MSELoss");
LOSS_TYPE(l1_type, "L1Loss");
LOSS_TYPE(smooth_l1_type, "SmoothL1Loss");
LOSS_TYPE(huber_type, "HuberLoss");
LOSS_TYPE(cross_entropy_type, "CrossEntropyLoss");
LOSS_TYPE(nll_type, "NLLLoss");
LOSS_TYPE(bce_type, "BCELoss");
LOSS_TYPE(bce_logits_type, "BCEWithLogitsLoss");
LOSS_TYPE(kl_div_type, "KLDivLoss");

static const ct_module_type *const loss_types[] = {&mse_type, &l1_type, &smooth_l1_type, &huber_type,
                                                   &cross_entropy_type, &nll_type, &bce_type,
                                                   &bce_logits_type, &kl_div_type};

ct_tensor *ct_loss_forward(ct_module *m, ct_tensor *input, ct_tensor *target) {
    if (!m || !input || !target) return NULL; /* a NULL argument carries the error that made it */
    bool is_loss = false;
    for (size_t i = 0; i < sizeof loss_types / sizeof loss_types[0]; i++) is_loss |= m->type == loss_types[i];
    if (!is_loss) {
        ct_set_error(CT_ERR_TYPE, "ct_loss_forward", "%s is not a loss module: use ct_forward", m->type->name);
        return NULL;
    }
    loss_module *l = (loss_module *)m;
    ct_tensor *w = ct_module_get(m, "weight");
    switch (l->kind) {
    case MSE: return ct_mse_loss(input, target, .reduction = l->reduction);
    case L1: return ct_l1_loss(input, target, .reduction = l->reduction);
    case SMOOTH_L1:
        return ct_smooth_l1_loss(input, target, .reduction = l->reduction, .beta = l->beta, .has_beta = l->flag);
    case HUBER: return ct_huber_loss(input, target, .reduction = l->reduction, .delta = l->beta);
    case CROSS_ENTROPY:
        return ct_cross_entropy(input, target, .weight = w, .ignore_index = l->ignore_index,
                                .has_ignore_index = l->flag, .reduction = l->reduction, .label_smoothing = l->beta);
    case NLL:
        return ct_nll_loss(input, target, .weight = w, .ignore_index = l->ignore_index, .has_ignore_index = l->flag,
                           .reduction = l->reduction);
    case BCE: return ct_binary_cross_entropy(input, target, .weight = w, .reduction = l->reduction);
    case BCE_LOGITS:
        return ct_binary_cross_entropy_with_logits(input, target, .weight = w,
                                                   .pos_weight = ct_module_get(m, "pos_weight"),
                                                   .reduction = l->reduction);
    case KL_DIV: return ct_kl_div(input, target, .reduction = l->reduction, .log_target = l->flag);
    }
    return NULL;
}

/* A loss module with its reduction; a reduction only ct_kl_div accepts is refused elsewhere. */
static loss_module *loss_new(const ct_module_type *type, loss_kind kind, ct_reduction reduction) {
    if ((int)reduction < CT_REDUCTION_MEAN || reduction > CT_REDUCTION_BATCHMEAN ||
        (reduction == CT_REDUCTION_BATCHMEAN && kind != KL_DIV)) {
        ct_set_error(CT_ERR_VALUE, type->name, "%d is not a valid value for reduction", (int)reduction);
        return NULL;
    }
    loss_module *l = (loss_module *)ct_module_new(type, sizeof(loss_module));
    if (!l) return NULL;
    l->kind = kind;
    l->reduction = reduction;
    return l;
}

/* Registers an optional weight tensor as a buffer; the caller keeps its own reference. */
static bool add_weight(loss_module *l, const char *name, ct_tensor *w) {
    if (!w) return true;
    /* A detached alias shares w's storage; the module owns the alias, the caller keeps w. */
    if (ct_module_buffer(&l->base, name, ct_detach(w), true)) return true;
    ct_module_free(&l->base);
    return false;
}

ct_module *ct_nn_mse_loss_(ct_nn_loss_args a) {
    loss_module *l = loss_new(&mse_type, MSE, a.reduction);
    return l ? &l->base : NULL;
}

ct_module *ct_nn_l1_loss_(ct_nn_loss_args a) {
    loss_module *l = loss_new(&l1_type, L1, a.reduction);
    return l ? &l->base : NULL;
}

ct_module *ct_nn_smooth_l1_loss_(ct_nn_smooth_l1_loss_args a) {
    if (a.beta < 0) {
        ct_set_error(CT_ERR_RUNTIME, "SmoothL1Loss", "smooth_l1_loss does not support negative values for beta.");
        return NULL;
    }
    loss_module *l = loss_new(&smooth_l1_type, SMOOTH_L1, a.reduction);
    if (!l) return NULL;
    l->beta = a.beta;
    l->flag = a.has_beta;
    return &l->base;
}

ct_module *ct_nn_huber_loss_(ct_nn_huber_loss_args a) {
    loss_module *l = loss_new(&huber_type, HUBER, a.reduction);
    if (!l) return NULL;
    l->beta = a.delta;
    return &l->base;
}

static ct_module *class_loss(const ct_module_type *type, loss_kind kind, ct_nn_cross_entropy_loss_args a) {
    loss_module *l = loss_new(type, kind, a.reduction);
    if (!l) return NULL;
    l->ignore_index = a.ignore_index;
    l->flag = a.has_ignore_index;
    l->beta = a.label_smoothing;
    return add_weight(l, "weight", a.weight) ? &l->base : NULL;
}

ct_module *ct_nn_cross_entropy_loss_(ct_nn_cross_entropy_loss_args a) {
    return class_loss(&cross_entropy_type, CROSS_ENTROPY, a);
}

ct_module *ct_nn_nll_loss_(ct_nn_cross_entropy_loss_args a) {
    if (a.label_smoothing != 0) {
        ct_set_error(CT_ERR_VALUE, "NLLLoss", "NLLLoss has no label_smoothing");
        return NULL;
    }
    return class_loss(&nll_type, NLL, a);
}

ct_module *ct_nn_bce_loss_(ct_nn_bce_loss_args a) {
    loss_module *l = loss_new(&bce_type, BCE, a.reduction);
    if (!l) return NULL;
    return add_weight(l, "weight", a.weight) ? &l->base : NULL;
}

ct_module *ct_nn_bce_with_logits_loss_(ct_nn_bce_with_logits_loss_args a) {
    loss_module *l = loss_new(&bce_logits_type, BCE_LOGITS, a.reduction);
    if (!l) return NULL;
    if (!add_weight(l, "weight", a.weight)) return NULL;
    return add_weight(l, "pos_weight", a.pos_weight) ? &l->base : NULL;
}

ct_module *ct_nn_kl_div_loss_(ct_nn_kl_div_loss_args a) {
    loss_module *l = loss_new(&kl_div_type, KL_DIV, a.reduction);
    if (!l) return NULL;
    l->flag = a.log_target;
    return &l->base;
}
