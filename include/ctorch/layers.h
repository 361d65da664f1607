/*
 * ctorch/layers.h - built-in modules (torch.nn.*). Each constructor returns a
 * new module you own (free with ct_module_free, or hand it to a container or
 * parent with ct_module_add); NULL on error.
 *
 * Options are designated initializers: ct_nn_batch_norm2d(32, .momentum = 0.01).
 * A field left out (zero) always means PyTorch's default, so numeric options
 * document "0 means <default>", and switches whose PyTorch default is True are
 * named for the other way round (.no_bias = true is bias=False).
 */
#ifndef CTORCH_LAYERS_H
#define CTORCH_LAYERS_H

#include "module.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------- containers */

/**
 * nn.Sequential(m0, m1, ...): runs the modules in order; they are named "0",
 * "1", ... The list ends with NULL. If any argument is NULL before the end (a
 * constructor failed), use ct_nn_sequential_n with a count instead.
 */
ct_module *ct_nn_sequential(ct_module *first, ...);
/** nn.Sequential from an array of n modules (takes them all, even on error). */
ct_module *ct_nn_sequential_n(ct_module *const *modules, int n);
/** nn.ModuleList(): a list of modules with no forward of its own. */
ct_module *ct_nn_module_list(void);
/** ModuleList.append / Sequential.append: adds m under the next index; returns m. */
ct_module *ct_module_list_append(ct_module *list, ct_module *m);
/** len(ModuleList) / len(Sequential). */
int ct_module_list_len(const ct_module *list);
/** ModuleList[i] (negative i counts from the end); borrowed. */
ct_module *ct_module_list_get(const ct_module *list, int i);

/* ------------------------------------------------------------ plumbing */

/** nn.Identity(). */
ct_module *ct_nn_identity(void);
/** nn.Flatten(): flattens dims 1..-1 (PyTorch's defaults). */
ct_module *ct_nn_flatten(void);
/** nn.Flatten(start_dim, end_dim). */
ct_module *ct_nn_flatten_dims(int start_dim, int end_dim);
/** nn.Unflatten(dim, unflattened_size): ct_nn_unflatten(1, CT_SHAPE(1, 28, 28)). */
ct_module *ct_nn_unflatten(int dim, ct_shape sizes);

#ifdef __cplusplus
}
#endif
#endif
