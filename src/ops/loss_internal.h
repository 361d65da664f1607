/*
 * src/ops/loss_internal.h - helpers shared by the loss files
 * (loss_common.c, loss_pointwise.c, loss_class.c).
 */
#ifndef CT_OPS_LOSS_INTERNAL_H
#define CT_OPS_LOSS_INTERNAL_H

#include "../autograd/internal.h"
#include "../kernels/loss.h"
#include "index_internal.h"
#include "internal.h"

/* Checks a reduction value; CT_REDUCTION_BATCHMEAN only when batchmean_ok. */
bool ct__loss_check_reduction(ct_reduction r, bool batchmean_ok, const char *fn);

/*
 * t broadcast to (ndim, shape) and made contiguous, with no autograd: a new
 * reference (t itself when it already is). t must broadcast to shape.
 */
ct_tensor *ct__loss_dense(ct_tensor *t, int ndim, const int64_t *shape, const char *fn);

/* A new 0-d tensor of dtype dt holding v. */
ct_tensor *ct__loss_scalar(double v, ct_dtype dt, const char *fn);

/*
 * PyTorch refuses a weight-like argument that requires grad while grad mode
 * is on: "The function 'nll_loss_forward' is not differentiable with respect
 * to argument 'weight'. This input cannot have requires_grad True."
 */
bool ct__loss_check_no_grad(const ct_tensor *t, const char *torch_fn, const char *arg,
                            const char *fn);

/* "torch.Size([3, 1])" into buf, for the ValueErrors PyTorch words that way. */
const char *ct__loss_size_str(const ct_tensor *t, char *buf, size_t size);

#endif
