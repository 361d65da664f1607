/*
 * src/kernels/simd.h - attributes for hot loops written as plain C that the
 * compiler vectorizes.
 *
 * CT_KERNEL_CLONES compiles a function for AVX-512, AVX2 and the baseline,
 * picked at load time, so the kernels use the wide units without
 * -march=native (GCC on x86-64 Linux; elsewhere it is nothing).
 * CT_KERNEL_FMA lets a function contract a * b + c into one fused
 * multiply-add, which C11 mode otherwise forbids.
 */
#ifndef CT_KERNELS_SIMD_H
#define CT_KERNELS_SIMD_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) &&     \
    !defined(CT_NATIVE_ONLY)
#define CT_KERNEL_CLONES                                                                 \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CT_KERNEL_CLONES
#endif

#if defined(__GNUC__) && !defined(__clang__)
#define CT_KERNEL_FMA __attribute__((optimize("fp-contract=fast")))
#else
#define CT_KERNEL_FMA
#endif

/*
 * A type declared CT_MAY_ALIAS may read and write objects of other types
 * (a float's bits as an integer) without breaking the aliasing rules.
 */
#if defined(__GNUC__)
#define CT_MAY_ALIAS __attribute__((may_alias))
#else
#define CT_MAY_ALIAS
#endif

#endif
