/*
 * ctorch/module.h - nn.Module: parameters, buffers and children with names,
 * train/eval, state dicts, printing; and how to write your own module.
 *
 * Naming: module constructors are ct_nn_* (torch.nn.*); the functional and
 * tensor forms keep the plain names (ct_relu(x), ct_linear(x, w, b)).
 *
 * A MODULE OF YOUR OWN (the notes' Net, their own Flatten and Linear):
 *
 *     typedef struct {
 *         ct_module base;                 // first member: a Net is a ct_module
 *         ct_module *fc1, *fc2;
 *     } Net;
 *
 *     static ct_tensor *net_forward(ct_module *m, ct_tensor *x) {
 *         Net *net = (Net *)m;
 *         return ct_forward(net->fc2, ct_relu(ct_forward(net->fc1, x)));
 *     }
 *     static const ct_module_type net_type = {.name = "Net", .forward = net_forward};
 *
 *     ct_module *net_new(void) {
 *         Net *net = (Net *)ct_module_new(&net_type, sizeof(Net));
 *         net->fc1 = ct_module_add(&net->base, "fc1", ct_nn_linear(784, 256));
 *         net->fc2 = ct_module_add(&net->base, "fc2", ct_nn_linear(256, 10));
 *         return &net->base;
 *     }
 *
 * A module with its own tensors registers them with ct_module_param (weights
 * the optimizer trains) or ct_module_buffer (state like running means): the
 * module owns them from then on, names them in its state dict, and frees them.
 *
 * Ownership: a module owns its parameters, buffers and children; ct_module_free
 * frees the whole tree. Adding a child hands it to the parent. ct_forward
 * returns a new reference like any op.
 */
#ifndef CTORCH_MODULE_H
#define CTORCH_MODULE_H

#include <stdio.h>

#include "io.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_module ct_module;

/** What a kind of module does; one static instance per kind. */
typedef struct ct_module_type {
    const char *name; /**< class name for printing: "Linear", "Net" */
    /** forward(m, x): the module applied to x (a new reference, or NULL on error). */
    ct_tensor *(*forward)(ct_module *m, ct_tensor *x);
    /** Optional: writes the part inside the parentheses of print(model), e.g. "in_features=784, out_features=256, bias=True". */
    void (*extra_repr)(const ct_module *m, char *buf, size_t size);
    /** Optional: frees what the module itself allocated (not its parameters, buffers or children). */
    void (*destroy)(ct_module *m);
    /** Optional: called by ct_module_train after the flag changed (e.g. to switch behaviour of a submodule). */
    void (*on_train)(ct_module *m, bool training);
} ct_module_type;

/** The part every module starts with. Treat the fields as private. */
struct ct_module {
    const ct_module_type *type;
    struct ct_module_impl *impl;
};

/**
 * Allocates a module of `size` bytes (at least sizeof(ct_module); the rest
 * zeroed) of the given type, in training mode. NULL on out of memory.
 */
ct_module *ct_module_new(const ct_module_type *type, size_t size);

/** Frees the module, its parameters, buffers and children. NULL is ignored. */
void ct_module_free(ct_module *m);

/** Runs the module's forward on x. */
ct_tensor *ct_forward(ct_module *m, ct_tensor *x);

/**
 * Registers child under `name` (nn.Module.add_module / attribute assignment);
 * the parent owns it from now on. Returns child (NULL if child was NULL or on
 * error; a NULL child propagates the error that made it).
 */
ct_module *ct_module_add(ct_module *m, const char *name, ct_module *child);

/**
 * Registers a parameter: the module takes the reference t (do not free it),
 * marks it requires_grad, and returns it. Names must be unique in the module.
 */
ct_tensor *ct_module_param(ct_module *m, const char *name, ct_tensor *t);

/**
 * Registers a buffer (state saved in the state dict but not trained, like
 * BatchNorm's running_mean); the module takes the reference t. Non-persistent
 * buffers are left out of the state dict.
 */
ct_tensor *ct_module_buffer(ct_module *m, const char *name, ct_tensor *t, bool persistent);

/** Replaces the tensor registered as parameter or buffer `name` (the old one is freed); returns t. */
ct_tensor *ct_module_set(ct_module *m, const char *name, ct_tensor *t);

/** The direct parameter or buffer `name` (borrowed), or NULL. */
ct_tensor *ct_module_get(const ct_module *m, const char *name);
/** The direct child `name` (borrowed), or NULL. */
ct_module *ct_module_child(const ct_module *m, const char *name);

/* --------------------------------------------------------------- walking */

/** A list of tensors the module owns (borrowed: valid until the module changes or is freed). */
typedef struct ct_tensor_list {
    ct_tensor **items;
    int n;
} ct_tensor_list;

/** A named tensor, for named_parameters / named_buffers / state dicts (name and tensor borrowed). */
typedef struct ct_named_tensor {
    const char *name; /**< dotted path: "features.0.weight" */
    ct_tensor *tensor;
} ct_named_tensor;

/** A named module, for named_modules / children. */
typedef struct ct_named_module {
    const char *name; /**< dotted path; "" for the module itself */
    ct_module *module;
} ct_named_module;

/** module.parameters(): every parameter of the tree, depth first, in registration order, without duplicates. */
ct_tensor_list ct_parameters(ct_module *m);
/** module.named_parameters(): n entries in *out (borrowed; valid until the module changes). */
int ct_named_parameters(ct_module *m, const ct_named_tensor **out);
/** module.named_buffers(). */
int ct_named_buffers(ct_module *m, const ct_named_tensor **out);
/** module.named_modules(): the module itself ("") and every descendant. */
int ct_named_modules(ct_module *m, const ct_named_module **out);
/** module.named_children(): the direct children. */
int ct_named_children(ct_module *m, const ct_named_module **out);
/** Number of elements in all parameters (optionally only those requiring grad). */
int64_t ct_num_parameters(ct_module *m, bool trainable_only);

/** module.apply(fn): calls fn(module, ctx) on every descendant, children first, then the module. */
void ct_module_apply(ct_module *m, void (*fn)(ct_module *m, void *ctx), void *ctx);

/* ------------------------------------------------------------ train/eval */

/** module.train(mode), recursively. */
void ct_module_train(ct_module *m, bool training);
/** module.eval(): ct_module_train(m, false). */
void ct_module_eval(ct_module *m);
/** module.training. */
bool ct_module_is_training(const ct_module *m);

/**
 * module.zero_grad(): ctorch sets every parameter's .grad to None, like
 * PyTorch 2.x's default (set_to_none=True): no memory is touched, the next
 * backward allocates fresh gradients, and an optimizer skips parameters without
 * one. Pass set_to_none = false for PyTorch 1.x's zero-filling.
 */
void ct_module_zero_grad(ct_module *m, bool set_to_none);

/** module.requires_grad_(flag) for every parameter. */
void ct_module_requires_grad_(ct_module *m, bool flag);

/* ------------------------------------------------------------ own tensors */

/** A parameter or buffer registered directly on a module (name and tensor borrowed). */
typedef struct ct_module_entry {
    const char *name;  /**< the name given at registration: "weight" */
    ct_tensor *tensor;
    bool is_param;     /**< parameter (true) or buffer */
    bool persistent;   /**< in the state dict (always true for parameters) */
} ct_module_entry;

/**
 * The i-th tensor registered directly on m (not its children), in
 * registration order: fills *out and returns true, or returns false when i is
 * out of range. For walking a module's own state, as state_dict does.
 */
bool ct_module_entry_at(const ct_module *m, int i, ct_module_entry *out);

/* ------------------------------------------------------------- state dicts */

/**
 * module.state_dict(): every parameter and persistent buffer of the tree
 * under PyTorch's dotted names ("0.weight", "fc1.bias", "bn.running_mean",
 * "bn.num_batches_tracked"), in PyTorch's order (depth first; each module's
 * parameters, then its buffers, then its children). The dict's tensors are
 * detached aliases of the module's (as PyTorch's are): they share storage, so
 * writing into one changes the model, and they do not require grad. Free the
 * dict with ct_tensor_dict_free; NULL on error.
 */
ct_tensor_dict *ct_state_dict(ct_module *m);

/** The keys load_state_dict could not match (PyTorch's _IncompatibleKeys). */
typedef struct ct_incompatible_keys {
    char **missing_keys;    /**< the model's keys absent from the dict */
    int n_missing;
    char **unexpected_keys; /**< the dict's keys the model has no place for */
    int n_unexpected;
} ct_incompatible_keys;

/** Frees the lists of a ct_incompatible_keys (not the struct itself). NULL is ignored. */
void ct_incompatible_keys_free(ct_incompatible_keys *keys);

/**
 * module.load_state_dict(d, strict): copies every tensor of d into the
 * parameter or buffer of the same name, under no-grad and converting dtype
 * (copy_ semantics: the model keeps its tensors and dtypes). Shapes must
 * match. Errors are gathered and reported at once in PyTorch's words:
 *
 *     Error(s) in loading state_dict for Net:
 *         Missing key(s) in state_dict: "fc2.weight".
 *         Unexpected key(s) in state_dict: "extra".
 *         size mismatch for fc1.weight: copying a param with shape
 *         torch.Size([3, 4]) from checkpoint, the shape in current model is
 *         torch.Size([2, 4]).
 *
 * (lines joined by "\n\t" as PyTorch joins them). Missing and unexpected keys
 * are errors only when strict; size mismatches always are. As in PyTorch, the
 * tensors that matched are copied even when an error is reported. keys (may
 * be NULL) receives the missing and unexpected keys in either mode; free it
 * with ct_incompatible_keys_free. Returns 0 or a negative error
 * (CT_ERR_RUNTIME for the report above).
 */
int ct_load_state_dict_keys(ct_module *m, const ct_tensor_dict *d, bool strict, ct_incompatible_keys *keys);
/** ct_load_state_dict_keys without the key lists. */
int ct_load_state_dict(ct_module *m, const ct_tensor_dict *d, bool strict);

/**
 * Saves ct_state_dict(m) as a safetensors file (atomically: see
 * ct_save_safetensors), readable by PyTorch with the same key names.
 * Returns 0 or a negative error.
 */
int ct_module_save(ct_module *m, const char *path);
/** Loads a safetensors file into m with ct_load_state_dict(m, dict, strict). Returns 0 or a negative error. */
int ct_module_load(ct_module *m, const char *path, bool strict);

/* ---------------------------------------------------------------- printing */

/** print(model): the module tree in PyTorch's format. The caller free()s the string. */
char *ct_module_to_string(const ct_module *m);
/** Prints ct_module_to_string(m) and a newline to stdout. */
void ct_module_print(const ct_module *m);

/** The module's type name ("Linear"). */
const char *ct_module_type_name(const ct_module *m);

#ifdef __cplusplus
}
#endif
#endif
