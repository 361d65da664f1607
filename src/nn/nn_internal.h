/*
 * src/nn/nn_internal.h - helpers shared by the built-in layers of src/nn/:
 * Python-style number formatting for extra_repr, and returning an input as a
 * new reference (the in-place and identity forwards).
 */
#ifndef CT_NN_INTERNAL_H
#define CT_NN_INTERNAL_H

#include <stddef.h>

#include "ctorch.h"

/*
 * Writes Python's repr() of a float into buf: the shortest digits that read
 * back as v, "1e-05" and "1e+16" outside [1e-4, 1e16), "0.1", "1.0", "inf",
 * "nan". Returns buf.
 */
char *ct__nn_py_float(double v, char *buf, size_t size);

/* A new reference to x itself, owned by the caller's innermost scope (or the caller). */
ct_tensor *ct__nn_new_ref(ct_tensor *x);

/* Appends printf-style text to buf (of total size `size`), which already holds a string. */
void ct__nn_append(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The direct children in the order they were added (Sequential / ModuleList): their count,
 * and the i-th one (borrowed; NULL when out of range). No name formatting or lookups. */
int ct__module_num_children(const ct_module *m);
ct_module *ct__module_child_at(const ct_module *m, int i);

#endif
