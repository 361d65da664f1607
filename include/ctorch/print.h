/*
 * ctorch/print.h - printing tensors the way print(tensor) does in PyTorch.
 */
#ifndef CTORCH_PRINT_H
#define CTORCH_PRINT_H

#include <stdio.h>

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The text PyTorch 1.13 prints for the same tensor: "tensor([[1., 2.],\n
 * [3., 4.]])" with PyTorch's precision (4 digits), alignment, scientific
 * notation when the range calls for it, a "dtype=torch.float64" suffix for
 * non-default dtypes, summarization with "..." above 1000 elements (3 edge
 * items), and "requires_grad=True" / "grad_fn=<...>" suffixes. The caller
 * frees the string with free(). NULL on error.
 */
char *ct_to_string(const ct_tensor *t);

/** Prints ct_to_string(t) and a newline to stdout. */
void ct_print(const ct_tensor *t);

/** Prints ct_to_string(t) and a newline to f; returns 0 or a negative error. */
int ct_fprint(FILE *f, const ct_tensor *t);

/** How the sci_mode print option is written: like torch.set_printoptions(sci_mode=None/True/False). */
#define CT_SCI_AUTO 0  /**< None (the default): the formatter decides from the values */
#define CT_SCI_ON 1    /**< True: always scientific notation */
#define CT_SCI_OFF (-1) /**< False: never scientific notation */

/**
 * torch.set_printoptions: precision (default 4), threshold (1000), edgeitems
 * (3), linewidth (80), sci_mode (CT_SCI_AUTO, CT_SCI_ON or CT_SCI_OFF).
 */
typedef struct ct_print_options {
    int ct__;
    int precision;
    int64_t threshold;
    int edgeitems;
    int linewidth;
    int sci_mode;
} ct_print_options;
#define ct_set_printoptions(...) ct_set_printoptions_((ct_print_options){.ct__ = 0, __VA_ARGS__})
/**
 * Sets the options given, as torch.set_printoptions does: precision,
 * threshold, edgeitems and linewidth change only when non-zero; sci_mode is
 * always set, so leaving it out means CT_SCI_AUTO (PyTorch resets it to None
 * the same way). Returns the previous options, which can be passed back to
 * restore them. A negative precision or edgeitems, or an unknown sci_mode, is
 * a ValueError that changes nothing. The options are process-wide.
 */
ct_print_options ct_set_printoptions_(ct_print_options o);
/** Back to PyTorch's defaults. */
void ct_reset_printoptions(void);

#ifdef __cplusplus
}
#endif
#endif
