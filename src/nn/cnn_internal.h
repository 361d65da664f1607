/*
 * src/nn/cnn_internal.h - helpers shared by the convolution and pooling
 * modules (src/nn/conv_layers.c, src/nn/pool_layers.c): per-dim options
 * written the way Python prints them.
 */
#ifndef CT_NN_CNN_INTERNAL_H
#define CT_NN_CNN_INTERNAL_H

#include <stddef.h>

#include "nn_internal.h"

/*
 * Appends s to buf as Python prints the value it stands for: one entry as an
 * int ("2"), several as a tuple ("(3, 2)"); with as_tuple a single entry is
 * the 1-tuple "(3,)". Entries of -1 print as None.
 */
void ct__nn_append_dims(char *buf, size_t size, ct_shape s, bool as_tuple);

/*
 * s expanded to nd entries (an empty s gives def everywhere, one entry is
 * repeated) into *out; false with a ValueError naming `what` (from fn) when s
 * has another length.
 */
bool ct__nn_expand_dims(ct_shape s, int nd, int64_t def, const char *what, const char *fn, ct_shape *out);

#endif
