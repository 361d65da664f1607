/*
 * tests/parity/ops_loss.c - parity adapters for include/ctorch/loss.h.
 *
 * Reductions arrive as PyTorch's strings. weight and pos_weight are detached
 * here, as the cases detach them in torch: the runner marks every floating
 * argument as requiring grad, and PyTorch (like ctorch) refuses a weight that
 * requires grad.
 */
#include <string.h>

#include "parity.h"

static ct_reduction red(const char *s) {
    if (!strcmp(s, "sum")) return CT_REDUCTION_SUM;
    if (!strcmp(s, "none")) return CT_REDUCTION_NONE;
    if (!strcmp(s, "batchmean")) return CT_REDUCTION_BATCHMEAN;
    return CT_REDUCTION_MEAN;
}

/* A detached alias of an optional tensor argument (NULL for None). */
static ct_tensor *opt_detached(const parity_arg *a) { return a->kind == 't' && a->t ? ct_detach(a->t) : NULL; }

static int ret_free(ct_tensor **out, ct_tensor *r, ct_tensor *f1, ct_tensor *f2) {
    ct_free(f1);
    ct_free(f2);
    return (out[0] = r) ? 1 : -1;
}

PARITY_OP(mse_loss) { RET1(ct_mse_loss(A(0), A(1), .reduction = red(S(2)))); }
PARITY_OP(l1_loss) { RET1(ct_l1_loss(A(0), A(1), .reduction = red(S(2)))); }
PARITY_OP(smooth_l1_loss) {
    RET1(ct_smooth_l1_loss(A(0), A(1), .reduction = red(S(2)), .beta = F(3), .has_beta = true));
}
PARITY_OP(huber_loss) { RET1(ct_huber_loss(A(0), A(1), .reduction = red(S(2)), .delta = F(3))); }
PARITY_OP(kl_div) { RET1(ct_kl_div(A(0), A(1), .reduction = red(S(2)), .log_target = args[3].i != 0)); }

/* cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing) */
PARITY_OP(cross_entropy) {
    ct_tensor *w = opt_detached(&args[2]);
    ct_tensor *r = ct_cross_entropy(A(0), A(1), .weight = w, .ignore_index = I(3),
                                    .has_ignore_index = true, .reduction = red(S(4)),
                                    .label_smoothing = F(5));
    return ret_free(out, r, w, NULL);
}

/* nll_loss(input, target, weight, ignore_index, reduction) */
PARITY_OP(nll_loss) {
    ct_tensor *w = opt_detached(&args[2]);
    ct_tensor *r = ct_nll_loss(A(0), A(1), .weight = w, .ignore_index = I(3), .has_ignore_index = true,
                               .reduction = red(S(4)));
    return ret_free(out, r, w, NULL);
}

/* binary_cross_entropy(input, target, weight, reduction) */
PARITY_OP(binary_cross_entropy) {
    ct_tensor *w = opt_detached(&args[2]);
    ct_tensor *r = ct_binary_cross_entropy(A(0), A(1), .weight = w, .reduction = red(S(3)));
    return ret_free(out, r, w, NULL);
}

/* binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction) */
PARITY_OP(binary_cross_entropy_with_logits) {
    ct_tensor *w = opt_detached(&args[2]), *pw = opt_detached(&args[3]);
    ct_tensor *r = ct_binary_cross_entropy_with_logits(A(0), A(1), .weight = w, .pos_weight = pw,
                                                       .reduction = red(S(4)));
    return ret_free(out, r, w, pw);
}
