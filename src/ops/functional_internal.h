/*
 * src/ops/functional_internal.h - small helpers shared by the nn functional
 * ops (activation.c, softmax.c, normalization.c, dropout.c, linear.c,
 * embedding.c).
 */
#ifndef CT_OPS_FUNCTIONAL_INTERNAL_H
#define CT_OPS_FUNCTIONAL_INTERNAL_H

#include "../autograd/internal.h"
#include "internal.h"

/* "#pragma omp parallel for" over the next loop when `work` elements exceed the grain size. */
#ifdef _OPENMP
#define CT__FN_PRAGMA(x) _Pragma(#x)
#define CT_KOMP_FOR(work) CT__FN_PRAGMA(omp parallel for if ((work) > CT_GRAIN_SIZE))
#else
#define CT_KOMP_FOR(work)
#endif

/* c10's ScalarType names, as PyTorch prints them in "not implemented for" messages. */

/* PyTorch's CPU kernels of the nn ops take float32 and float64 only. */
static inline bool ct__fn_require_float(const ct_tensor *t, const char *fn, const char *kernel) {
    if (ct_dtype_is_floating(t->dtype)) return true;
    ct__error(CT_ERR_TYPE, fn, "\"%s\" not implemented for '%s'", kernel, ct__scalar_type_name(t->dtype));
    return false;
}

/* t itself as a new reference owned like an op's result (by the innermost scope). */
static inline ct_tensor *ct__fn_same(ct_tensor *t) {
    ct__tensor_incref(t);
    ct__scope_register(t);
    return t;
}

/* A contiguous tensor with t's values: t itself (new reference) when it already is; no autograd. */
static inline ct_tensor *ct__fn_contig(ct_tensor *t) {
    return ct__is_contiguous(t) ? ct__fn_same(t) : ct__contiguous(t);
}

#endif
