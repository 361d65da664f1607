/*
 * src/core/runtime.c - threads, version and build information.
 */
#ifdef _OPENMP
#include <omp.h>
#endif
#include <stdio.h>

#include "internal.h"
#include "../kernels/dnnl.h"

#ifdef CT_HAVE_CBLAS
void openblas_set_num_threads(int n);
char *openblas_get_corename(void);
#endif

const char *ct_version_string(void) { return CTORCH_VERSION; }

int ct_set_num_threads(int n) {
    if (n < 1) {
        ct__error(CT_ERR_VALUE, "ct_set_num_threads", "Number of threads must be positive, got %d", n);
        return -1;
    }
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
#ifdef CT_HAVE_CBLAS
    openblas_set_num_threads(n);
#endif
    return 0;
}

int ct_get_num_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

int ct_has_blas(void) {
#ifdef CT_HAVE_CBLAS
    return 1;
#else
    return 0;
#endif
}

int ct_has_openmp(void) {
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

const char *ct_build_info(void) {
    static _Thread_local char buf[256];
#ifdef CT_HAVE_CBLAS
    const char *blas = "OpenBLAS";
    const char *core = openblas_get_corename();
#else
    const char *blas = "built-in GEMM";
    const char *core = "-";
#endif
    /* asking opens libdnnl (otherwise opened at the first convolution) */
    snprintf(buf, sizeof buf, "ctorch %s; BLAS: %s (core %s); OpenMP: %s; threads: %d; convolution: %s",
             CTORCH_VERSION, blas, core ? core : "?", ct_has_openmp() ? "yes" : "no",
             ct_get_num_threads(),
             !ct__dnnl_enabled() ? "im2col + GEMM" : ct__dnnl_winograd() ? "oneDNN (Winograd for 3x3)" : "oneDNN");
    return buf;
}
