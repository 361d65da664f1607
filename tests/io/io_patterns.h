/*
 * tests/io/io_patterns.h - deterministic bit patterns for the io tests, the
 * same ones tests/fixtures/io_safetensors.py and
 * tests/parity/safetensors_roundtrip.py build with torch: element i (C order) of
 *   F32/I32  has the 32 bits (i * 2654435761 + 12345) mod 2^32,
 *   F64/I64  has the 64 bits (i * 0x9E3779B97F4A7C15 + 0x0123456789ABCDEF) mod 2^64,
 *   U8       is (i * 37 + 11) mod 256,
 *   BOOL     is ((i * 7) mod 5) < 2.
 * Comparing loaded tensors with these checks every bit (NaN payloads too).
 */
#ifndef CT_TEST_IO_PATTERNS_H
#define CT_TEST_IO_PATTERNS_H

#include <stdlib.h>
#include <string.h>

#include "test.h"

/* A new contiguous tensor of dtype and shape filled with the pattern. */
static inline ct_tensor *io_pattern(ct_dtype dtype, ct_shape shape) {
    ct_tensor *t = ct_empty(shape, .dtype = dtype);
    if (!t) return NULL;
    unsigned char *p = ct_data_ptr(t);
    int64_t n = ct_numel(t);
    for (int64_t i = 0; i < n; i++) {
        uint64_t u = (uint64_t)i;
        switch (dtype) {
        case CT_F32:
        case CT_I32: {
            uint32_t v = (uint32_t)(u * 2654435761u + 12345u);
            memcpy(p + 4 * i, &v, 4);
            break;
        }
        case CT_F64:
        case CT_I64: {
            uint64_t v = u * 0x9E3779B97F4A7C15ULL + 0x0123456789ABCDEFULL;
            memcpy(p + 8 * i, &v, 8);
            break;
        }
        case CT_U8: p[i] = (unsigned char)((u * 37 + 11) % 256); break;
        default: ((bool *)p)[i] = (u * 7) % 5 < 2; break;
        }
    }
    return t;
}

/* True when a and b have the same dtype, shape and bytes (in C order). */
static inline bool io_same_bits(ct_tensor *a, ct_tensor *b) {
    if (!a || !b || ct_dtype_of(a) != ct_dtype_of(b) || ct_dim(a) != ct_dim(b)) return false;
    for (int i = 0; i < ct_dim(a); i++)
        if (ct_sizes(a)[i] != ct_sizes(b)[i]) return false;
    ct_tensor *ca = ct_contiguous(a), *cb = ct_contiguous(b);
    size_t n = (size_t)ct_numel(ca) * ct_element_size(ca);
    bool same = n == 0 || memcmp(ct_data_ptr(ca), ct_data_ptr(cb), n) == 0;
    ct_free(ca);
    ct_free(cb);
    return same;
}

/* Checks that dict d holds `name` with exactly the bits of expected. */
#define CHECK_ENTRY(d, name, expected)                                                  \
    do {                                                                                \
        ct_tensor *ct__got = ct_tensor_dict_get((d), (name));                           \
        ct_tensor *ct__exp = (expected);                                                \
        if (!io_same_bits(ct__got, ct__exp))                                            \
            ct_test_fail(__FILE__, __LINE__, "tensor '%s' differs from the expected bits", (name)); \
        ct_free(ct__got);                                                               \
        ct_free(ct__exp);                                                               \
    } while (0)

#endif
