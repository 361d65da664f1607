/*
 * src/kernels/gemm.c - C = alpha * A @ B + beta * C (see gemm.h).
 *
 * Three implementations live here:
 *   - ct__gemm_reference: the plain triple loop, the definition of the answer;
 *   - ct__gemm_builtin: the blocked kernel (after Goto's scheme, as BLIS and
 *     OpenBLAS do it): B is packed KC x NC at a time into NR-wide panels, A into
 *     MR-tall panels, and a micro-kernel keeps an MR x NR tile of C in
 *     registers while it walks K. Packing reads any strides, so transposed and
 *     sliced operands cost nothing extra;
 *   - CBLAS (OpenBLAS) for float32/float64 when the build has it.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef CT_HAVE_CBLAS
#include <cblas.h>
#endif

#include "gemm.h"
#include "simd.h"

/* Below this many multiply-adds a product runs on one thread. */
#define GEMM_PARALLEL_WORK (64 * 64 * 64)

/*
 * The micro-kernel is compiled for several instruction sets and picked at load
 * time, so the built-in GEMM uses AVX2/AVX-512 without -march=native; it
 * wants fused multiply-adds (simd.h).
 */
#define CT_GEMM_CLONES CT_KERNEL_CLONES
#define CT_GEMM_FMA CT_KERNEL_FMA

/* An OpenMP pragma usable inside macros; nothing when OpenMP is off. */
#ifdef _OPENMP
#define CT__PRAGMA(x) _Pragma(#x)
#define CT_OMP(...) CT__PRAGMA(omp __VA_ARGS__)
#else
#define CT_OMP(...)
#endif

static int thread_count(void) {
#ifdef _OPENMP
    return omp_in_parallel() ? 1 : omp_get_max_threads();
#else
    return 1;
#endif
}

static int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }

/*
 * Per dtype: the stored type T, the type U arithmetic is done in (the
 * unsigned type of the same width for integers, so overflow wraps like
 * PyTorch without undefined behaviour), how alpha/beta read, and the blocking.
 * X(dtype, suffix, T, U, scalar field, MR, NR, MC, KC, NC)
 */
#define CT_GEMM_TYPES(X)                                                                 \
    X(CT_F32, f32, float, float, f, 6, 16, 120, 256, 3072)                               \
    X(CT_F64, f64, double, double, f, 6, 8, 96, 256, 2048)                               \
    X(CT_I32, i32, int32_t, uint32_t, i, 6, 16, 120, 256, 3072)                          \
    X(CT_I64, i64, int64_t, uint64_t, i, 6, 8, 96, 256, 2048)                            \
    X(CT_U8, u8, uint8_t, uint32_t, i, 6, 16, 120, 256, 3072)

/* ------------------------------------------------------------- reference */

#define DEFINE_REFERENCE(DT, SFX, T, U, F, MR, NR, MC, KC, NC)                           \
    static void reference_##SFX(int64_t M, int64_t N, int64_t K, ct_gemm_scalar alpha,   \
                                ct_gemm_mat A, ct_gemm_mat B, ct_gemm_scalar beta,       \
                                ct_gemm_out C) {                                         \
        const T *a = A.data, *b = B.data;                                                \
        T *c = C.data;                                                                   \
        U al = (U)alpha.F, be = (U)beta.F;                                               \
        bool beta_zero = beta.F == 0;                                                    \
        for (int64_t i = 0; i < M; i++)                                                  \
            for (int64_t j = 0; j < N; j++) {                                            \
                U acc = 0;                                                               \
                for (int64_t k = 0; k < K; k++)                                          \
                    acc += (U)a[i * A.rs + k * A.cs] * (U)b[k * B.rs + j * B.cs];        \
                T *cp = c + i * C.rs + j * C.cs;                                         \
                *cp = beta_zero ? (T)(al * acc) : (T)(al * acc + be * (U)*cp);           \
            }                                                                            \
    }
CT_GEMM_TYPES(DEFINE_REFERENCE)
#undef DEFINE_REFERENCE

void ct__gemm_reference(ct_dtype dtype, int64_t M, int64_t N, int64_t K, ct_gemm_scalar alpha,
                        ct_gemm_mat A, ct_gemm_mat B, ct_gemm_scalar beta, ct_gemm_out C) {
    switch (dtype) {
#define CASE(DT, SFX, T, U, F, MR, NR, MC, KC, NC)                                       \
    case DT: reference_##SFX(M, N, K, alpha, A, B, beta, C); break;
        CT_GEMM_TYPES(CASE)
#undef CASE
    default: break;
    }
}

/* ---------------------------------------------------------------- blocked */

/*
 * The micro-kernel: acc (MR x NR) = sum over k of column k of an A panel
 * times row k of a B panel, with the whole tile kept in registers. With GCC
 * or Clang the NR-wide rows are written with vector types (32 bytes, so AVX2
 * and AVX-512 machines get 12 accumulator registers of FMAs and broadcasts;
 * SSE2 splits them in two), because the plain loop below is vectorized in
 * ways that spill the tile. B panels are 64-byte aligned by construction.
 */
#if defined(__GNUC__)
#define CT_GEMM_KERNEL(SFX, U, MR, NR)                                                   \
    typedef U vec_##SFX __attribute__((vector_size(32)));                                \
    enum { VW_##SFX = (int)(32 / sizeof(U)) };                                           \
    CT_GEMM_CLONES CT_GEMM_FMA static void kernel_##SFX(int64_t kc, const U *restrict a, \
                                                        const U *restrict b,             \
                                                        U *restrict out) {               \
        vec_##SFX acc[MR][NR / VW_##SFX];                                                \
        for (int i = 0; i < MR; i++)                                                     \
            for (int j = 0; j < NR / VW_##SFX; j++) acc[i][j] = (vec_##SFX){0};          \
        const vec_##SFX *bv = (const vec_##SFX *)(const void *)b;                        \
        for (int64_t k = 0; k < kc; k++) {                                               \
            for (int i = 0; i < MR; i++) {                                               \
                U ai = a[i];                                                             \
                for (int j = 0; j < NR / VW_##SFX; j++) acc[i][j] += ai * bv[j];         \
            }                                                                            \
            a += MR;                                                                     \
            bv += NR / VW_##SFX;                                                         \
        }                                                                                \
        for (int i = 0; i < MR; i++)                                                     \
            for (int j = 0; j < NR / VW_##SFX; j++)                                      \
                memcpy(out + i * NR + j * VW_##SFX, &acc[i][j], sizeof acc[i][j]);      \
    }
#else
#define CT_GEMM_KERNEL(SFX, U, MR, NR)                                                   \
    static void kernel_##SFX(int64_t kc, const U *restrict a, const U *restrict b,       \
                             U *restrict out) {                                          \
        U acc[MR][NR];                                                                   \
        for (int i = 0; i < MR; i++)                                                     \
            for (int j = 0; j < NR; j++) acc[i][j] = 0;                                  \
        for (int64_t k = 0; k < kc; k++) {                                               \
            for (int i = 0; i < MR; i++)                                                 \
                for (int j = 0; j < NR; j++) acc[i][j] += a[i] * b[j];                   \
            a += MR;                                                                     \
            b += NR;                                                                     \
        }                                                                                \
        for (int i = 0; i < MR; i++)                                                     \
            for (int j = 0; j < NR; j++) out[i * NR + j] = acc[i][j];                    \
    }
#endif

/*
 * For each dtype:
 *   pack_a  A[i0 : i0+mc, p0 : p0+kc] into MR-row panels, k-major: panel[k][r]
 *   pack_b  B[p0 : p0+kc, j0 : j0+nc] into NR-column panels: panel[k][c]
 *   kernel  acc (MR x NR) = sum over k of a panel column times a panel row
 *   store   C tile = alpha * acc (+ beta * C on the first K block, + C after)
 * Panels are zero-padded, so the kernel always computes a full tile and only
 * the store looks at the edge sizes.
 */
#define DEFINE_BLOCKED(DT, SFX, T, U, F, MR, NR, MC, KC, NC)                             \
    static void pack_a_##SFX(U *restrict dst, const T *a, int64_t rs, int64_t cs,        \
                             int64_t mc, int64_t kc) {                                   \
        for (int64_t ip = 0; ip < mc; ip += MR) {                                        \
            int64_t mr = imin(MR, mc - ip);                                              \
            for (int64_t k = 0; k < kc; k++) {                                           \
                const T *src = a + ip * rs + k * cs;                                     \
                int64_t r = 0;                                                           \
                for (; r < mr; r++) dst[r] = (U)src[r * rs];                             \
                for (; r < MR; r++) dst[r] = 0;                                          \
                dst += MR;                                                               \
            }                                                                            \
        }                                                                                \
    }                                                                                    \
    static void pack_b_##SFX(U *restrict dst, const T *b, int64_t rs, int64_t cs,        \
                             int64_t kc, int64_t nc) {                                   \
        for (int64_t jp = 0; jp < nc; jp += NR) {                                        \
            int64_t nr = imin(NR, nc - jp);                                              \
            U *panel = dst + jp * kc;                                                    \
            for (int64_t k = 0; k < kc; k++) {                                           \
                const T *src = b + k * rs + jp * cs;                                     \
                int64_t c = 0;                                                           \
                if (cs == 1)                                                             \
                    for (; c < nr; c++) panel[c] = (U)src[c];                            \
                else                                                                     \
                    for (; c < nr; c++) panel[c] = (U)src[c * cs];                       \
                for (; c < NR; c++) panel[c] = 0;                                        \
                panel += NR;                                                             \
            }                                                                            \
        }                                                                                \
    }                                                                                    \
    CT_GEMM_KERNEL(SFX, U, MR, NR)                                                       \
    static void store_##SFX(T *c, int64_t rs, int64_t cs, const U *acc, int64_t mr,      \
                            int64_t nr, U al, U be, bool first, bool beta_zero) {        \
        for (int64_t i = 0; i < mr; i++)                                                 \
            for (int64_t j = 0; j < nr; j++) {                                           \
                T *cp = c + i * rs + j * cs;                                             \
                U v = al * acc[i * NR + j];                                              \
                if (!first)                                                              \
                    *cp = (T)((U)*cp + v);                                               \
                else if (beta_zero)                                                      \
                    *cp = (T)v;                                                          \
                else                                                                     \
                    *cp = (T)(v + be * (U)*cp);                                          \
            }                                                                            \
    }                                                                                    \
    static int blocked_##SFX(int64_t M, int64_t N, int64_t K, ct_gemm_scalar alpha,      \
                             ct_gemm_mat A, ct_gemm_mat B, ct_gemm_scalar beta,          \
                             ct_gemm_out C) {                                            \
        const T *a = A.data, *b = B.data;                                                \
        T *c = C.data;                                                                   \
        const U al = (U)alpha.F, be = (U)beta.F;                                         \
        const bool beta_zero = beta.F == 0;                                              \
        const int64_t nc_max = imin(NC, (N + NR - 1) / NR * NR);                         \
        const int64_t kc_max = imin(KC, K);                                              \
        const int64_t mc_max = imin(MC, (M + MR - 1) / MR * MR);                         \
        int nthreads = thread_count();                                                   \
        if ((double)M * (double)N * (double)K < GEMM_PARALLEL_WORK) nthreads = 1;        \
        U *bpack = aligned_alloc(64, (size_t)((nc_max * kc_max * sizeof(U) + 63) / 64 * 64)); \
        U *apack = aligned_alloc(                                                        \
            64, (size_t)((nthreads * (mc_max * kc_max + MR * NR) * sizeof(U) + 63) / 64 * 64)); \
        if (!bpack || !apack) {                                                          \
            free(bpack);                                                                 \
            free(apack);                                                                 \
            return CT_ERR_OOM;                                                           \
        }                                                                                \
        for (int64_t jc = 0; jc < N; jc += NC) {                                         \
            const int64_t nc = imin(NC, N - jc);                                         \
            const int64_t npanels = (nc + NR - 1) / NR;                                  \
            for (int64_t pc = 0; pc < K; pc += KC) {                                     \
                const int64_t kc = imin(KC, K - pc);                                     \
                const bool first = pc == 0;                                              \
                pack_b_##SFX(bpack, b + pc * B.rs + jc * B.cs, B.rs, B.cs, kc, nc);      \
                /* Work items: row blocks x groups of column panels, so that a */        \
                /* few tall blocks still keep every thread busy. */                      \
                const int64_t nblocks = (M + MC - 1) / MC;                               \
                int64_t ngroups = 1;                                                     \
                if (nblocks < 2 * nthreads) ngroups = imin(npanels, nthreads);           \
                const int64_t nwork = nblocks * ngroups;                                 \
                CT_OMP(parallel for num_threads(nthreads) schedule(dynamic, 1) if(nthreads > 1)) \
                for (int64_t w = 0; w < nwork; w++) {                                    \
                    int tid = 0;                                                         \
                    CT__GEMM_TID(tid);                                                   \
                    U *ap = apack + (int64_t)tid * (mc_max * kc_max + MR * NR);          \
                    U *tile = ap + mc_max * kc_max;                                      \
                    const int64_t ic = (w / ngroups) * MC;                               \
                    const int64_t g = w % ngroups;                                       \
                    const int64_t p_lo = npanels * g / ngroups;                          \
                    const int64_t p_hi = npanels * (g + 1) / ngroups;                    \
                    const int64_t mc = imin(MC, M - ic);                                 \
                    pack_a_##SFX(ap, a + ic * A.rs + pc * A.cs, A.rs, A.cs, mc, kc);     \
                    for (int64_t p = p_lo; p < p_hi; p++) {                              \
                        const int64_t jr = p * NR;                                       \
                        const int64_t nr = imin(NR, nc - jr);                            \
                        for (int64_t ir = 0; ir < mc; ir += MR) {                        \
                            const int64_t mr = imin(MR, mc - ir);                        \
                            kernel_##SFX(kc, ap + ir * kc, bpack + jr * kc, tile);       \
                            store_##SFX(c + (ic + ir) * C.rs + (jc + jr) * C.cs, C.rs,    \
                                        C.cs, tile, mr, nr, al, be, first, beta_zero);   \
                        }                                                                \
                    }                                                                    \
                }                                                                        \
            }                                                                            \
        }                                                                                \
        free(bpack);                                                                     \
        free(apack);                                                                     \
        return 0;                                                                        \
    }

#ifdef _OPENMP
#define CT__GEMM_TID(tid) ((tid) = omp_get_thread_num())
#else
#define CT__GEMM_TID(tid) ((void)(tid))
#endif

CT_GEMM_TYPES(DEFINE_BLOCKED)
#undef DEFINE_BLOCKED

/* C = beta * C, with beta == 0 writing zeros (what any product with K == 0 gives). */
static void scale_c(ct_dtype dtype, int64_t M, int64_t N, ct_gemm_scalar beta, ct_gemm_out C) {
    switch (dtype) {
#define CASE(DT, SFX, T, U, F, MR, NR, MC, KC, NC)                                       \
    case DT: {                                                                           \
        T *c = C.data;                                                                   \
        for (int64_t i = 0; i < M; i++)                                                  \
            for (int64_t j = 0; j < N; j++) {                                            \
                T *cp = c + i * C.rs + j * C.cs;                                         \
                *cp = beta.F == 0 ? (T)0 : (T)((U)beta.F * (U)*cp);                      \
            }                                                                            \
        break;                                                                           \
    }
        CT_GEMM_TYPES(CASE)
#undef CASE
    default: break;
    }
}

static int report(int rc, const char *fn) {
    if (rc != 0 && fn) ct__error(CT_ERR_OOM, fn, "out of memory in a matrix product");
    return rc;
}

int ct__gemm_builtin(ct_dtype dtype, int64_t M, int64_t N, int64_t K, ct_gemm_scalar alpha,
                     ct_gemm_mat A, ct_gemm_mat B, ct_gemm_scalar beta, ct_gemm_out C,
                     const char *fn) {
    if (M <= 0 || N <= 0) return 0;
    if (K <= 0) {
        scale_c(dtype, M, N, beta, C);
        return 0;
    }
    switch (dtype) {
#define CASE(DT, SFX, T, U, F, MR, NR, MC, KC, NC)                                       \
    case DT: return report(blocked_##SFX(M, N, K, alpha, A, B, beta, C), fn);
        CT_GEMM_TYPES(CASE)
#undef CASE
    default: return 0;
    }
}

/* ------------------------------------------------------------------ CBLAS */

#ifdef CT_HAVE_CBLAS
/*
 * OpenBLAS 0.3.21 takes some recent CPUs for a Prescott and then runs its
 * slowest kernels; say so once, with the setting that fixes it.
 */
static void warn_slow_core_once(void) {
    static atomic_int warned;
    if (atomic_exchange(&warned, 1)) return;
    const char *core = openblas_get_corename();
    if (!core || strcasecmp(core, "prescott") != 0) return;
    const char *fix = "Haswell";
#if defined(__GNUC__) && defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        fix = "SkylakeX";
    else if (__builtin_cpu_is("amd"))
        fix = "Zen";
#endif
    fprintf(stderr,
            "ctorch: warning: OpenBLAS detected this CPU as \"%s\" and will use slow "
            "kernels; set OPENBLAS_CORETYPE=%s in the environment for fast matrix products\n",
            core, fix);
}

/*
 * How BLAS sees a rows x cols operand with strides (rs, cs) in row-major
 * terms: as it is (trans false, ld = row stride) or as the transpose of a
 * row-major cols x rows matrix (trans true). False when neither fits.
 */
static bool blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs, bool *trans,
                        int64_t *ld) {
    if ((cols == 1 || cs == 1) && (rows == 1 || rs >= cols)) {
        *trans = false;
        *ld = rows == 1 ? cols : rs;
        return *ld <= INT_MAX;
    }
    if ((rows == 1 || rs == 1) && (cols == 1 || cs >= rows)) {
        *trans = true;
        *ld = cols == 1 ? rows : cs;
        return *ld <= INT_MAX;
    }
    return false;
}

/* A dense row-major copy of a strided operand (for BLAS), or NULL when out of memory. */
static void *dense_copy(ct_dtype dtype, int64_t rows, int64_t cols, ct_gemm_mat m) {
    size_t es = ct_dtype_size(dtype);
    char *dst = malloc((size_t)(rows * cols) * es);
    if (!dst) return NULL;
    const char *src = m.data;
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++)
            memcpy(dst + (i * cols + j) * (int64_t)es, src + (i * m.rs + j * m.cs) * (int64_t)es,
                   es);
    return dst;
}

static void blas_gemm_call(ct_dtype dtype, bool ta, bool tb, int64_t M, int64_t N, int64_t K,
                           ct_gemm_scalar alpha, const void *a, int64_t lda, const void *b,
                           int64_t ldb, ct_gemm_scalar beta, void *c, int64_t ldc) {
    enum CBLAS_TRANSPOSE TA = ta ? CblasTrans : CblasNoTrans, TB = tb ? CblasTrans : CblasNoTrans;
    if (dtype == CT_F32)
        cblas_sgemm(CblasRowMajor, TA, TB, (int)M, (int)N, (int)K, (float)alpha.f, a, (int)lda, b,
                    (int)ldb, (float)beta.f, c, (int)ldc);
    else
        cblas_dgemm(CblasRowMajor, TA, TB, (int)M, (int)N, (int)K, alpha.f, a, (int)lda, b,
                    (int)ldb, beta.f, c, (int)ldc);
}

/*
 * Mid-sized products on several threads: OpenBLAS's own threading of a
 * product this small spends much of its time synchronizing between its
 * threads (measured at 2 threads: a 512x64x256 product 112 us threaded by
 * OpenBLAS, 86 us as two single-threaded halves; 64x256x64 19 vs 12 us;
 * 256x784x64 171 vs 142 us). So C is split into one block of rows (or of
 * columns, when there are few rows) per OpenMP thread, each running a
 * single-threaded product: one join instead of OpenBLAS's handshakes.
 * Only with OpenBLAS's OpenMP build, which runs single-threaded inside a
 * parallel region. Every element of C is still computed by one thread over
 * the whole of K. From 2^25 multiply-adds on, OpenBLAS's threading (which
 * shares its packed panels between the threads) is as fast, and takes over.
 */
#define SPLIT_MAX_WORK ((double)(1 << 25))
#define SPLIT_ROWS_MIN 128 /* split the rows when M reaches this, */
#define SPLIT_COLS_MIN 128 /* else the columns when N does, else let OpenBLAS decide */

static void blas_gemm(ct_dtype dtype, bool ta, bool tb, int64_t M, int64_t N, int64_t K,
                      ct_gemm_scalar alpha, const void *a, int64_t lda, const void *b,
                      int64_t ldb, ct_gemm_scalar beta, void *c, int64_t ldc) {
    const double work = (double)M * (double)N * (double)K;
    const int nt = thread_count();
    const bool rows = M >= SPLIT_ROWS_MIN;
#ifdef _OPENMP
    if (nt > 1 && work >= GEMM_PARALLEL_WORK && work < SPLIT_MAX_WORK &&
        (rows || N >= SPLIT_COLS_MIN) && openblas_get_parallel() == 2) {
        const int64_t es = (int64_t)ct_dtype_size(dtype), len = rows ? M : N;
        CT_OMP(parallel num_threads(nt))
        {
            /* this thread's rows (or columns) [lo, hi), in multiples of 16 */
            int t = omp_get_thread_num(), n = omp_get_num_threads();
            int64_t lo = len * t / n / 16 * 16, hi = t == n - 1 ? len : len * (t + 1) / n / 16 * 16;
            if (hi > lo && rows)
                blas_gemm_call(dtype, ta, tb, hi - lo, N, K, alpha,
                               (const char *)a + (ta ? lo : lo * lda) * es, lda, b, ldb, beta,
                               (char *)c + lo * ldc * es, ldc);
            else if (hi > lo)
                blas_gemm_call(dtype, ta, tb, M, hi - lo, K, alpha, a, lda,
                               (const char *)b + (tb ? lo * ldb : lo) * es, ldb, beta,
                               (char *)c + lo * es, ldc);
        }
        return;
    }
#else
    (void)work, (void)nt, (void)rows;
#endif
    blas_gemm_call(dtype, ta, tb, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc);
}

/*
 * y = alpha * op(mat) x + beta * y with mat a rows x cols BLAS operand
 * (trans as from blas_layout, so op(mat) is mat or its transpose).
 */
static void blas_gemv(ct_dtype dtype, bool trans, int64_t rows, int64_t cols,
                      ct_gemm_scalar alpha, const void *mat, int64_t ld, const void *x,
                      int64_t incx, ct_gemm_scalar beta, void *y, int64_t incy) {
    /* A transposed operand is a row-major cols x rows matrix used with Trans. */
    int m = (int)(trans ? cols : rows), n = (int)(trans ? rows : cols);
    enum CBLAS_TRANSPOSE T = trans ? CblasTrans : CblasNoTrans;
    if (dtype == CT_F32)
        cblas_sgemv(CblasRowMajor, T, m, n, (float)alpha.f, mat, (int)ld, x, (int)incx,
                    (float)beta.f, y, (int)incy);
    else
        cblas_dgemv(CblasRowMajor, T, m, n, alpha.f, mat, (int)ld, x, (int)incx, beta.f, y,
                    (int)incy);
}

/* 1: done through BLAS; 0: not BLAS-able here (caller uses the built-in); <0: error. */
static int try_blas(ct_dtype dtype, int64_t M, int64_t N, int64_t K, ct_gemm_scalar alpha,
                    ct_gemm_mat A, ct_gemm_mat B, ct_gemm_scalar beta, ct_gemm_out C) {
    if (dtype != CT_F32 && dtype != CT_F64) return 0;
    if (M > INT_MAX || N > INT_MAX || K > INT_MAX) return 0;
    /* C must be row-major; a column-major C is the transposed problem C^T = B^T A^T. */
    if (!((N == 1 || C.cs == 1) && (M == 1 || C.rs >= N))) {
        if ((M == 1 || C.rs == 1) && (N == 1 || C.cs >= M)) {
            ct_gemm_mat At = {A.data, A.cs, A.rs}, Bt = {B.data, B.cs, B.rs};
            ct_gemm_out Ct = {C.data, C.cs, C.rs};
            return try_blas(dtype, N, M, K, alpha, Bt, At, beta, Ct);
        }
        return 0;
    }
    warn_slow_core_once();
    int64_t ldc = M == 1 ? N : C.rs;
    bool ta, tb;
    int64_t lda, ldb;
    void *acopy = NULL, *bcopy = NULL;
    if (!blas_layout(M, K, A.rs, A.cs, &ta, &lda)) {
        if (!(acopy = dense_copy(dtype, M, K, A))) return CT_ERR_OOM;
        A = (ct_gemm_mat){acopy, K, 1};
        ta = false;
        lda = K;
    }
    if (!blas_layout(K, N, B.rs, B.cs, &tb, &ldb)) {
        if (!(bcopy = dense_copy(dtype, K, N, B))) {
            free(acopy);
            return CT_ERR_OOM;
        }
        B = (ct_gemm_mat){bcopy, N, 1};
        tb = false;
        ldb = N;
    }
    if (N == 1 && B.rs != 0 && ldc > 0)
        blas_gemv(dtype, ta, M, K, alpha, A.data, lda, B.data, K == 1 ? 1 : B.rs, beta, C.data,
                  ldc);
    else if (M == 1 && A.cs != 0)
        /* y^T = x^T B, i.e. y = B^T x: B's transpose flag flips. */
        blas_gemv(dtype, !tb, N, K, alpha, B.data, ldb, A.data, K == 1 ? 1 : A.cs, beta, C.data,
                  N == 1 ? 1 : C.cs);
    else
        blas_gemm(dtype, ta, tb, M, N, K, alpha, A.data, lda, B.data, ldb, beta, C.data, ldc);
    free(acopy);
    free(bcopy);
    return 1;
}
#endif

/* ------------------------------------------------------------ entry points */

static int gemm_nofn(ct_dtype dtype, int64_t M, int64_t N, int64_t K, ct_gemm_scalar alpha,
                     ct_gemm_mat A, ct_gemm_mat B, ct_gemm_scalar beta, ct_gemm_out C) {
    if (M <= 0 || N <= 0) return 0;
    if (K <= 0) {
        scale_c(dtype, M, N, beta, C);
        return 0;
    }
#ifdef CT_HAVE_CBLAS
    int rc = try_blas(dtype, M, N, K, alpha, A, B, beta, C);
    if (rc != 0) return rc < 0 ? rc : 0;
#endif
    return ct__gemm_builtin(dtype, M, N, K, alpha, A, B, beta, C, NULL);
}

int ct__gemm_strided(ct_dtype dtype, int64_t M, int64_t N, int64_t K, ct_gemm_scalar alpha,
                     ct_gemm_mat A, ct_gemm_mat B, ct_gemm_scalar beta, ct_gemm_out C,
                     const char *fn) {
    return report(gemm_nofn(dtype, M, N, K, alpha, A, B, beta, C), fn);
}

int ct__gemm(ct_dtype dtype, bool transA, bool transB, int64_t M, int64_t N, int64_t K,
             ct_gemm_scalar alpha, const void *A, int64_t lda, const void *B, int64_t ldb,
             ct_gemm_scalar beta, void *C, int64_t ldc, const char *fn) {
    ct_gemm_mat a = transA ? (ct_gemm_mat){A, 1, lda} : (ct_gemm_mat){A, lda, 1};
    ct_gemm_mat b = transB ? (ct_gemm_mat){B, 1, ldb} : (ct_gemm_mat){B, ldb, 1};
    return ct__gemm_strided(dtype, M, N, K, alpha, a, b, beta, (ct_gemm_out){C, ldc, 1}, fn);
}

int ct__gemm_batched(ct_dtype dtype, int64_t batch, int64_t M, int64_t N, int64_t K,
                     ct_gemm_scalar alpha, ct_gemm_mat A, int64_t a_bstride, ct_gemm_mat B,
                     int64_t b_bstride, ct_gemm_scalar beta, ct_gemm_out C, int64_t c_bstride,
                     const char *fn) {
    const int64_t es = (int64_t)ct_dtype_size(dtype);
    /* Small matrices: one thread per matrix. Large ones: each product is parallel. */
    const double work = (double)M * (double)N * (double)K;
    const bool across = batch > 1 && work < 128.0 * 128 * 128 &&
                        work * (double)batch >= GEMM_PARALLEL_WORK;
    (void)across; /* read only by the OpenMP pragma */
    atomic_int failed = 0;
    CT_OMP(parallel for schedule(dynamic, 1) if(across))
    for (int64_t i = 0; i < batch; i++) {
        ct_gemm_mat a = {(const char *)A.data + i * a_bstride * es, A.rs, A.cs};
        ct_gemm_mat b = {(const char *)B.data + i * b_bstride * es, B.rs, B.cs};
        ct_gemm_out c = {(char *)C.data + i * c_bstride * es, C.rs, C.cs};
        if (gemm_nofn(dtype, M, N, K, alpha, a, b, beta, c) != 0) atomic_store(&failed, 1);
    }
    return report(atomic_load(&failed) ? CT_ERR_OOM : 0, fn);
}
