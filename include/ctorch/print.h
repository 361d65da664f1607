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

/** torch.set_printoptions: precision (4), threshold (1000), edgeitems (3), linewidth (80), sci_mode (-1 auto, 0 off, 1 on). */
typedef struct ct_print_options {
    int ct__;
    int precision;
    int64_t threshold;
    int edgeitems;
    int linewidth;
    int sci_mode;
} ct_print_options;
#define ct_set_printoptions(...) ct_set_printoptions_((ct_print_options){.ct__ = 0, __VA_ARGS__})
/** Sets the options given (non-zero fields; sci_mode 0 means auto here); returns the previous options. */
ct_print_options ct_set_printoptions_(ct_print_options o);
/** Back to PyTorch's defaults. */
void ct_reset_printoptions(void);

#ifdef __cplusplus
}
#endif
#endif
