/*
 * ctorch/runtime.h - library-wide settings: threads, version, BLAS.
 */
#ifndef CTORCH_RUNTIME_H
#define CTORCH_RUNTIME_H

#ifdef __cplusplus
extern "C" {
#endif

#define CTORCH_VERSION_MAJOR 0
#define CTORCH_VERSION_MINOR 1
#define CTORCH_VERSION_PATCH 0
#define CTORCH_VERSION "0.1.0"

/** The library's version string. */
const char *ct_version_string(void);

/**
 * torch.set_num_threads: the number of threads every pool ctorch uses (OpenMP
 * loops and the BLAS) may use. n < 1 is an error (returns -1).
 */
int ct_set_num_threads(int n);
/** torch.get_num_threads. */
int ct_get_num_threads(void);

/** True when matrix products go through an external CBLAS (OpenBLAS). */
int ct_has_blas(void);
/** True when ctorch was built with OpenMP. */
int ct_has_openmp(void);
/**
 * A one-line description of the build: version, BLAS (and its core), OpenMP,
 * threads, and what runs convolutions (oneDNN, when libdnnl loads, else
 * im2col + GEMM; asking loads libdnnl).
 */
const char *ct_build_info(void);

#ifdef __cplusplus
}
#endif
#endif
