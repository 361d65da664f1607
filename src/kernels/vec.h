/*
 * src/kernels/vec.h - GCC/Clang vectors of CT_VLANES floats for hot loops
 * whose vectorization should not be left to the compiler's guess (it
 * sometimes vectorizes lane arrays across the wrong dimension, with
 * shuffles). Functions using them are compiled per instruction set with
 * CT_KERNEL_CLONES (simd.h), so a vector is one AVX-512 register, two AVX2
 * ones or four SSE2 ones. CT_HAVE_VEC is 0 on other compilers, which take
 * the plain-C versions.
 *
 * Loads, stores and the horizontal sum are macros: a function taking or
 * returning a 64-byte vector would change the ABI between the clones.
 */
#ifndef CT_KERNELS_VEC_H
#define CT_KERNELS_VEC_H

#include <stdint.h>
#include <string.h>

#include "simd.h"

#define CT_VLANES 16

#if defined(__GNUC__)
#define CT_HAVE_VEC 1
typedef float ct_vf __attribute__((vector_size(CT_VLANES * sizeof(float))));
/* v = the CT_VLANES floats at p (any alignment) */
#define CT_VLOAD(v, p) memcpy(&(v), (p), sizeof(ct_vf))
/* the CT_VLANES floats at p = v */
#define CT_VSTORE(p, v) memcpy((p), &(v), sizeof(ct_vf))
/* out (double) = the sum of v's lanes, added in double */
#define CT_VSUM_D(v, out)                                                               \
    do {                                                                                \
        float l_[CT_VLANES];                                                            \
        memcpy(l_, &(v), sizeof l_);                                                    \
        double s_ = 0;                                                                  \
        for (int i_ = 0; i_ < CT_VLANES; i_++) s_ += (double)l_[i_];                    \
        (out) = s_;                                                                     \
    } while (0)
#else
#define CT_HAVE_VEC 0
#endif

/*
 * The sum of p[0..n) in double: CT_VLANES-lane float partial sums (two sets,
 * so the adds overlap), folded into double at the end; what a plane of a
 * few hundred to a few thousand values needs (vec.c).
 */
double ct__vsum_f32(const float *p, int64_t n);

#endif
