/*
 * src/core/shape.c - dim wrapping, broadcasting and shape formatting, with
 * PyTorch's error messages.
 */
#include <stdio.h>

#include "internal.h"

int ct__wrap_dim(int dim, int ndim, const char *fn) {
    int n = ndim > 0 ? ndim : 1; /* a 0-d tensor accepts dims -1 and 0, as in PyTorch */
    if (dim < -n || dim >= n) {
        ct__error(CT_ERR_INDEX, fn,
                  "Dimension out of range (expected to be in range of [%d, %d], but got %d)", -n,
                  n - 1, dim);
        return -1;
    }
    return dim < 0 ? dim + n : dim;
}

bool ct__broadcast_shapes(int na, const int64_t *a, int nb, const int64_t *b, int *nout,
                          int64_t *out, const char *fn) {
    int n = na > nb ? na : nb;
    for (int i = n - 1; i >= 0; i--) {
        int ia = i - (n - na), ib = i - (n - nb);
        int64_t sa = ia >= 0 ? a[ia] : 1, sb = ib >= 0 ? b[ib] : 1;
        if (sa != sb && sa != 1 && sb != 1) {
            ct__error(CT_ERR_RUNTIME, fn,
                      "The size of tensor a (%lld) must match the size of tensor b (%lld) at "
                      "non-singleton dimension %d",
                      (long long)sa, (long long)sb, i);
            return false;
        }
        out[i] = sa == 1 ? sb : sa;
    }
    *nout = n;
    return true;
}

const char *ct__shape_str(int ndim, const int64_t *shape, char *buf, size_t size) {
    size_t k = 0;
    int w = snprintf(buf, size, "[");
    k = w > 0 ? (size_t)w : 0;
    for (int i = 0; i < ndim && k < size; i++) {
        w = snprintf(buf + k, size - k, i ? ", %lld" : "%lld", (long long)shape[i]);
        if (w < 0) break;
        k += (size_t)w;
    }
    if (k < size) snprintf(buf + k, size - k, "]");
    return buf;
}

bool ct__check_same_device(const ct_tensor *a, const ct_tensor *b, const char *fn) {
    if (ct_device_equal(a->storage->device, b->storage->device)) return true;
    char ba[32], bb[32];
    ct__error(CT_ERR_DEVICE, fn,
              "Expected all tensors to be on the same device, but found at least two devices, %s "
              "and %s!",
              ct_device_str(a->storage->device, ba, sizeof ba),
              ct_device_str(b->storage->device, bb, sizeof bb));
    return false;
}
