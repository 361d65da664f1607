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
 * im2col + GEMM; asking loads libdnnl; with ct_set_conv_winograd's choice).
 */
const char *ct_build_info(void);

/**
 * Whether float32 convolutions may run Winograd's algorithm (F(4x4, 3x3), on
 * oneDNN) where it applies: 3x3 kernels, stride 1, no dilation, no groups,
 * 16 or more input and output channels. It needs about 4x fewer
 * multiplications; measured here, such layers train 1.5-2x faster (forward +
 * backward). The price is float32 rounding: its largest error is 4-7x the
 * direct algorithm's (about 1e-5 of the results' typical size instead of
 * 2e-6; measured on 32-64 channel layers), the trade GPU libraries make by
 * default. On by default; on = 0, or
 * CT_CONV_WINOGRAD=0 in the environment, keeps every convolution on the
 * direct algorithm, PyTorch's CPU choice. Returns the previous setting.
 */
int ct_set_conv_winograd(int on);

#ifdef __cplusplus
}
#endif
#endif
