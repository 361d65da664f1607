/*
 * src/kernels/vec.c - the float32 sum that per-plane loops share (vec.h).
 */
#include <stdint.h>

#include "vec.h"

#if CT_HAVE_VEC
CT_KERNEL_CLONES double ct__vsum_f32(const float *p, int64_t n) {
    ct_vf a = {0}, b = {0};
    int64_t k = 0;
    for (; k + 2 * CT_VLANES <= n; k += 2 * CT_VLANES) {
        ct_vf u, v;
        CT_VLOAD(u, p + k);
        CT_VLOAD(v, p + k + CT_VLANES);
        a += u;
        b += v;
    }
    for (; k + CT_VLANES <= n; k += CT_VLANES) {
        ct_vf u;
        CT_VLOAD(u, p + k);
        a += u;
    }
    a += b;
    double s;
    CT_VSUM_D(a, s);
    for (; k < n; k++) s += (double)p[k];
    return s;
}
#else
double ct__vsum_f32(const float *p, int64_t n) {
    float part[CT_VLANES] = {0};
    int64_t k = 0;
    for (; k + CT_VLANES <= n; k += CT_VLANES)
        for (int l = 0; l < CT_VLANES; l++) part[l] += p[k + l];
    double s = 0;
    for (int l = 0; l < CT_VLANES; l++) s += (double)part[l];
    for (; k < n; k++) s += (double)p[k];
    return s;
}
#endif
