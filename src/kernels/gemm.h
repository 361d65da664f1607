/*
 * src/kernels/gemm.h - general matrix multiply, the kernel under every matrix
 * product (mm, bmm, matmul, mv, dot, addmm, baddbmm, einsum, and later
 * linear and conv via im2col).
 *
 *     C = alpha * A @ B + beta * C      A: (M, K)  B: (K, N)  C: (M, N)
 *
 * Matrices are given by a pointer and element strides (rs = between rows,
 * cs = between columns), so transposed and sliced operands need no copy.
 * beta == 0 means C is not read (NaN or garbage in it is ignored), as in BLAS.
 * Integer dtypes wrap around on overflow like PyTorch (arithmetic is done in
 * the unsigned type of the same width); bool is not supported (PyTorch has no
 * bool matmul either). Float32 and float64 go through CBLAS when the build has
 * it (CT_HAVE_CBLAS); every other case, and the tests, use the built-in
 * blocked kernel.
 */
#ifndef CT_KERNELS_GEMM_H
#define CT_KERNELS_GEMM_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/internal.h"

/* alpha or beta in both forms: floating dtypes read f, integer dtypes read i. */
typedef struct {
    double f;
    int64_t i;
} ct_gemm_scalar;

static inline ct_gemm_scalar ct__gemm_scalar(double f, int64_t i) {
    ct_gemm_scalar s;
    s.f = f;
    s.i = i;
    return s;
}
#define CT_GEMM_ONE ct__gemm_scalar(1.0, 1)
#define CT_GEMM_ZERO ct__gemm_scalar(0.0, 0)

/* One matrix operand: its first element and its element strides. */
typedef struct {
    const void *data;
    int64_t rs, cs;
} ct_gemm_mat;

/* The output matrix. */
typedef struct {
    void *data;
    int64_t rs, cs;
} ct_gemm_out;

/*
 * The entry point: C = alpha * A @ B + beta * C with any strides. Picks CBLAS
 * for float32/float64 when available (copying an operand to a dense layout
 * first when its strides are not BLAS-compatible), the built-in kernel
 * otherwise. Returns 0, or a negative error code (out of memory, reported
 * under fn) when a temporary copy could not be allocated.
 */
int ct__gemm_strided(ct_dtype dtype, int64_t M, int64_t N, int64_t K, ct_gemm_scalar alpha,
                     ct_gemm_mat A, ct_gemm_mat B, ct_gemm_scalar beta, ct_gemm_out C,
                     const char *fn);

/*
 * The same in BLAS's row-major form: op(A) is A (M x K, leading dim lda) or,
 * with transA, the transpose of a K x M matrix A; likewise for B. C is
 * row-major with leading dim ldc.
 */
int ct__gemm(ct_dtype dtype, bool transA, bool transB, int64_t M, int64_t N, int64_t K,
             ct_gemm_scalar alpha, const void *A, int64_t lda, const void *B, int64_t ldb,
             ct_gemm_scalar beta, void *C, int64_t ldc, const char *fn);

/*
 * A batch of independent products: matrix b of each operand starts
 * b * (its batch stride) elements after the first (a stride of 0 repeats one
 * matrix). Runs the batch in parallel when the matrices are small.
 */
int ct__gemm_batched(ct_dtype dtype, int64_t batch, int64_t M, int64_t N, int64_t K,
                     ct_gemm_scalar alpha, ct_gemm_mat A, int64_t a_bstride, ct_gemm_mat B,
                     int64_t b_bstride, ct_gemm_scalar beta, ct_gemm_out C, int64_t c_bstride,
                     const char *fn);

/*
 * The built-in blocked kernel (cache blocking, packed panels, a register-tiled
 * micro-kernel the compiler vectorizes, OpenMP over row blocks or column
 * panels). Always compiled; called directly by tests. Returns 0 or a negative
 * error code when its packing buffers could not be allocated.
 */
int ct__gemm_builtin(ct_dtype dtype, int64_t M, int64_t N, int64_t K, ct_gemm_scalar alpha,
                     ct_gemm_mat A, ct_gemm_mat B, ct_gemm_scalar beta, ct_gemm_out C,
                     const char *fn);

/* The plain triple loop the blocked kernel is tested against. */
void ct__gemm_reference(ct_dtype dtype, int64_t M, int64_t N, int64_t K, ct_gemm_scalar alpha,
                        ct_gemm_mat A, ct_gemm_mat B, ct_gemm_scalar beta, ct_gemm_out C);

/* True when dtype has a GEMM (every dtype but bool). */
static inline bool ct__gemm_supports(ct_dtype dtype) {
    return dtype == CT_F32 || dtype == CT_F64 || dtype == CT_I32 || dtype == CT_I64 ||
           dtype == CT_U8;
}

#endif
