/*
 * src/data/random_draw.c - single random numbers drawn exactly as
 * torchvision draws them (one-element tensors from the same generator).
 */
#include <math.h>

#include "internal.h"

double dt_rand1(ct_generator *g) {
    ct_tensor *t = ct_rand(CT_SHAPE(1), .generator = g);
    if (!t) return NAN;
    double v = ct_item(t);
    ct_free(t);
    return v;
}

double dt_uniform1(ct_generator *g, double from, double to) {
    ct_tensor *t = ct_empty(CT_SHAPE(1));
    if (!t || !ct_uniform_(t, from, to, g)) {
        ct_free(t);
        return NAN;
    }
    double v = ct_item(t);
    ct_free(t);
    return v;
}

int64_t dt_randint1(ct_generator *g, int64_t low, int64_t high) {
    ct_tensor *t = ct_randint(low, high, CT_SHAPE(1), .generator = g);
    if (!t) return -1;
    int64_t v = ct_item_int(t);
    ct_free(t);
    return v;
}

int64_t dt_random_int64(ct_generator *g) {
    /* random_() on int64: one 64-bit draw reduced modulo 2^63 */
    return (int64_t)(ct_generator_random64(g) & (uint64_t)INT64_MAX);
}
