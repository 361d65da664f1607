/*
 * tests/kernels/test_gemm.c - the GEMM kernel: the blocked built-in kernel and
 * the CBLAS path against the plain triple loop, on odd sizes, transposed and
 * sliced operands, beta 0 and 1 (and other alpha/beta), every dtype, one and
 * two threads. Values vs PyTorch are tested one layer up (tests/ops/test_linalg.c).
 */
#include <stdint.h>
#include <stdlib.h>

#include "../../src/kernels/gemm.h"
#include "test.h"

static uint64_t rng_state = 88172645463325252ull;
static uint64_t next_u64(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Fills n elements of dtype with random values: [-1, 1) floats, full-range integers (to wrap). */
static void fill_random(void *p, ct_dtype d, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        uint64_t r = next_u64();
        switch (d) {
        case CT_F32: ((float *)p)[i] = (float)((double)(r >> 11) / 4503599627370496.0 - 1.0); break;
        case CT_F64: ((double *)p)[i] = (double)(r >> 11) / 4503599627370496.0 - 1.0; break;
        case CT_I32: ((int32_t *)p)[i] = (int32_t)(uint32_t)r; break;
        case CT_I64: ((int64_t *)p)[i] = (int64_t)r; break;
        case CT_U8: ((uint8_t *)p)[i] = (uint8_t)r; break;
        default: break;
        }
    }
}

/* Largest |x - y| over the M x N results (exact compare for integers: returns 0 or 1). */
static double max_diff(ct_dtype d, const void *x, const void *y, int64_t n) {
    double worst = 0;
    size_t es = ct_dtype_size(d);
    for (int64_t i = 0; i < n; i++) {
        if (d == CT_F32 || d == CT_F64) {
            double a = d == CT_F32 ? ((const float *)x)[i] : ((const double *)x)[i];
            double b = d == CT_F32 ? ((const float *)y)[i] : ((const double *)y)[i];
            double diff = fabs(a - b);
            if (!(diff <= worst)) worst = diff; /* NaN counts as a mismatch */
        } else if (memcmp((const char *)x + i * (int64_t)es, (const char *)y + i * (int64_t)es, es)) {
            return 1;
        }
    }
    return worst;
}

/* How the operands are laid out in memory. */
typedef enum { PLAIN, TRANSPOSED, SLICED } layout;

/* A rows x cols operand in a fresh buffer with the given layout; its strides go to rs and cs. */
static void *make_operand(ct_dtype d, int64_t rows, int64_t cols, layout l, int64_t *rs,
                          int64_t *cs) {
    size_t es = ct_dtype_size(d);
    int64_t n;
    switch (l) {
    case TRANSPOSED: *rs = 1; *cs = rows; n = rows * cols; break;
    case SLICED: *rs = 3 * cols + 1; *cs = 2; n = rows * *rs; break; /* every other column */
    default: *rs = cols; *cs = 1; n = rows * cols; break;
    }
    void *p = malloc((size_t)(n > 0 ? n : 1) * es);
    fill_random(p, d, n);
    return p;
}

static double tolerance(ct_dtype d, int64_t K) {
    if (d == CT_F32) return 2e-6 * (double)(K + 4);
    if (d == CT_F64) return 1e-14 * (double)(K + 4);
    return 0.5; /* integers: exact */
}

typedef int (*gemm_fn)(ct_dtype, int64_t, int64_t, int64_t, ct_gemm_scalar, ct_gemm_mat,
                       ct_gemm_mat, ct_gemm_scalar, ct_gemm_out, const char *);

/* One case: fn against the reference; returns false (and reports) on a mismatch. */
static bool check_case(gemm_fn fn, ct_dtype d, int64_t M, int64_t N, int64_t K, layout la,
                       layout lb, ct_gemm_scalar alpha, ct_gemm_scalar beta) {
    int64_t ars, acs, brs, bcs;
    void *a = make_operand(d, M, K, la, &ars, &acs);
    void *b = make_operand(d, K, N, lb, &brs, &bcs);
    size_t es = ct_dtype_size(d);
    void *c_ref = malloc((size_t)(M * N + 1) * es), *c = malloc((size_t)(M * N + 1) * es);
    fill_random(c_ref, d, M * N);
    if (beta.f == 0 && (d == CT_F32 || d == CT_F64)) /* beta 0 must not read C: poison it */
        for (int64_t i = 0; i < M * N; i++) {
            if (d == CT_F32) ((float *)c_ref)[i] = NAN;
            else ((double *)c_ref)[i] = NAN;
        }
    memcpy(c, c_ref, (size_t)(M * N) * es);
    ct_gemm_mat A = {a, ars, acs}, B = {b, brs, bcs};
    ct__gemm_reference(d, M, N, K, alpha, A, B, beta, (ct_gemm_out){c_ref, N, 1});
    int rc = fn(d, M, N, K, alpha, A, B, beta, (ct_gemm_out){c, N, 1}, "test");
    double diff = max_diff(d, c, c_ref, M * N);
    bool ok = rc == 0 && diff <= tolerance(d, K);
    if (!ok)
        ct_test_fail(__FILE__, __LINE__,
                     "%s M=%lld N=%lld K=%lld layouts %d,%d alpha %g beta %g: diff %g (rc %d)",
                     ct_dtype_name(d), (long long)M, (long long)N, (long long)K, la, lb, alpha.f,
                     beta.f, diff, rc);
    free(a);
    free(b);
    free(c_ref);
    free(c);
    return ok;
}

/*
 * M, N, K: odd sizes around the micro-tile (MR = 6, NR = 8 or 16), a full
 * tile, K past one KC block (256), M past one MC block (96 / 120), vectors,
 * and two products big enough (>= 64^3 multiply-adds) to take the threaded path.
 */
static const int64_t SIZES[][3] = {
    {1, 1, 1},   {3, 17, 65}, {17, 3, 1},    {65, 33, 17},  {7, 1, 300},   {1, 40, 9},
    {6, 16, 256}, {3, 1, 3},  {65, 1, 1},    {13, 20, 513}, {257, 17, 3},  {130, 67, 33},
    {33, 129, 70},
};
#define NSIZES ((int)(sizeof SIZES / sizeof SIZES[0]))

/* Every size x layout x (alpha, beta) for one dtype; returns the number of failures. */
static int sweep(gemm_fn fn, ct_dtype d) {
    bool is_float = d == CT_F32 || d == CT_F64;
    const ct_gemm_scalar ab[][2] = {
        {CT_GEMM_ONE, CT_GEMM_ZERO},
        {CT_GEMM_ONE, CT_GEMM_ONE},
        {is_float ? ct__gemm_scalar(-0.5, 0) : ct__gemm_scalar(3, 3),
         is_float ? ct__gemm_scalar(2.0, 0) : ct__gemm_scalar(-2, -2)},
    };
    int fails = 0;
    for (int s = 0; s < NSIZES; s++)
        for (int la = PLAIN; la <= SLICED; la++)
            for (int lb = PLAIN; lb <= SLICED; lb++)
                for (int k = 0; k < 3; k++) {
                    /* the big sizes in fewer combinations, to keep the test quick */
                    if (SIZES[s][0] * SIZES[s][1] * SIZES[s][2] > 100000 &&
                        (la != lb || k == 2) && !(la == PLAIN && lb == SLICED && k == 0))
                        continue;
                    if (!check_case(fn, d, SIZES[s][0], SIZES[s][1], SIZES[s][2], (layout)la,
                                    (layout)lb, ab[k][0], ab[k][1]))
                        fails++;
                }
    return fails;
}

static const ct_dtype DTYPES[] = {CT_F32, CT_F64, CT_I32, CT_I64, CT_U8};

TEST(builtin_matches_reference_one_thread) {
    ct_set_num_threads(1);
    for (int i = 0; i < 5; i++) CHECK_EQ_INT(sweep(ct__gemm_builtin, DTYPES[i]), 0);
}

TEST(builtin_matches_reference_two_threads) {
    ct_set_num_threads(2);
    for (int i = 0; i < 5; i++) CHECK_EQ_INT(sweep(ct__gemm_builtin, DTYPES[i]), 0);
    ct_set_num_threads(1);
}

TEST(dispatching_entry_matches_reference) {
    /* float32/float64 take CBLAS here when the build has it (integers take the built-in kernel) */
    ct_set_num_threads(2);
    for (int i = 0; i < 2; i++) CHECK_EQ_INT(sweep(ct__gemm_strided, DTYPES[i]), 0);
    ct_set_num_threads(1);
}

TEST(mid_sized_products_split_over_threads) {
    /* Between 64^3 and 2^25 multiply-adds, CBLAS products run as one block of C rows
     * (or columns, when M < 128 and N >= 128) per thread: every transpose combination,
     * block edges that are not multiples of 16, 2 and 3 threads. */
    static const int64_t sizes[][3] = {{200, 48, 40}, {129, 70, 33}, {64, 150, 50}, {40, 250, 33}};
    for (int t = 2; t <= 3; t++) {
        ct_set_num_threads(t);
        for (int s = 0; s < 4; s++)
            for (int la = PLAIN; la <= TRANSPOSED; la++)
                for (int lb = PLAIN; lb <= TRANSPOSED; lb++)
                    for (int beta = 0; beta <= 1; beta++)
                        CHECK(check_case(ct__gemm_strided, CT_F32, sizes[s][0], sizes[s][1], sizes[s][2],
                                         (layout)la, (layout)lb, CT_GEMM_ONE,
                                         beta ? CT_GEMM_ONE : CT_GEMM_ZERO));
    }
    ct_set_num_threads(1);
}

TEST(empty_dims) {
    float a[4] = {1, 2, 3, 4}, b[4] = {1, 2, 3, 4}, c[4] = {7, 7, 7, 7};
    ct_gemm_mat A = {a, 0, 1}, B = {b, 2, 1};
    /* K = 0: C = beta * C, or zeros when beta is 0 */
    CHECK_EQ_INT(ct__gemm_strided(CT_F32, 2, 2, 0, CT_GEMM_ONE, A, B, ct__gemm_scalar(2, 2),
                                  (ct_gemm_out){c, 2, 1}, "t"), 0);
    CHECK(c[0] == 14 && c[3] == 14);
    c[0] = NAN;
    CHECK_EQ_INT(ct__gemm_builtin(CT_F32, 2, 2, 0, CT_GEMM_ONE, A, B, CT_GEMM_ZERO,
                                  (ct_gemm_out){c, 2, 1}, "t"), 0);
    CHECK(c[0] == 0 && c[1] == 0);
    /* M = 0 or N = 0: nothing is touched */
    c[0] = 5;
    CHECK_EQ_INT(ct__gemm_strided(CT_F32, 0, 2, 2, CT_GEMM_ONE, A, B, CT_GEMM_ZERO,
                                  (ct_gemm_out){c, 2, 1}, "t"), 0);
    CHECK_EQ_INT(ct__gemm_builtin(CT_F32, 2, 0, 2, CT_GEMM_ONE, A, B, CT_GEMM_ZERO,
                                  (ct_gemm_out){c, 2, 1}, "t"), 0);
    CHECK(c[0] == 5);
}

TEST(integer_wraparound_like_pytorch) {
    /* torch.mm(full((2,2), 200, uint8), same) == 128; int32 (2^31-1)*3*2 wraps to -6 */
    uint8_t a8[4] = {200, 200, 200, 200}, c8[4];
    CHECK_EQ_INT(ct__gemm(CT_U8, false, false, 2, 2, 2, CT_GEMM_ONE, a8, 2, a8, 2, CT_GEMM_ZERO,
                          c8, 2, "t"), 0);
    CHECK_EQ_INT(c8[0], 128);
    int32_t a32[4] = {INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX}, b32[4] = {3, 3, 3, 3}, c32[4];
    CHECK_EQ_INT(ct__gemm(CT_I32, false, false, 2, 2, 2, CT_GEMM_ONE, a32, 2, b32, 2, CT_GEMM_ZERO,
                          c32, 2, "t"), 0);
    CHECK_EQ_INT(c32[3], -6);
}

TEST(blas_style_transposes_and_column_major_output) {
    /* A^T and B^T given as stored matrices; C written column-major through strides */
    double a[6] = {1, 2, 3, 4, 5, 6};    /* stored 3 x 2, used as A = (2 x 3) transpose */
    double b[6] = {1, 0, 2, 1, 0, 3};    /* stored 2 x 3, used as B = (3 x 2) transpose */
    double c[4];
    CHECK_EQ_INT(ct__gemm(CT_F64, true, true, 2, 2, 3, CT_GEMM_ONE, a, 2, b, 3, CT_GEMM_ZERO, c,
                          2, "t"), 0);
    /* A = [[1,3,5],[2,4,6]], B = [[1,1],[0,0],[2,3]] -> [[11,16],[14,20]] */
    CHECK(c[0] == 11 && c[1] == 16 && c[2] == 14 && c[3] == 20);
    double ccol[4];
    ct_gemm_mat A = {a, 1, 2}, B = {b, 1, 3};
    CHECK_EQ_INT(ct__gemm_strided(CT_F64, 2, 2, 3, CT_GEMM_ONE, A, B, CT_GEMM_ZERO,
                                  (ct_gemm_out){ccol, 1, 2}, "t"), 0);
    CHECK(ccol[0] == 11 && ccol[2] == 16 && ccol[1] == 14 && ccol[3] == 20);
}

TEST(batched_with_broadcast_operand) {
    /* batch stride 0 repeats one matrix; small matrices run across threads */
    ct_set_num_threads(2);
    enum { BATCH = 300, M = 5, N = 7, K = 9 };
    float *a = malloc(sizeof(float) * BATCH * M * K), b[K * N];
    float *c = malloc(sizeof(float) * BATCH * M * N), *ref = malloc(sizeof(float) * M * N);
    fill_random(a, CT_F32, BATCH * M * K);
    fill_random(b, CT_F32, K * N);
    CHECK_EQ_INT(ct__gemm_batched(CT_F32, BATCH, M, N, K, CT_GEMM_ONE, (ct_gemm_mat){a, K, 1},
                                  M * K, (ct_gemm_mat){b, N, 1}, 0, CT_GEMM_ZERO,
                                  (ct_gemm_out){c, N, 1}, M * N, "t"), 0);
    double worst = 0;
    for (int i = 0; i < BATCH; i++) {
        ct__gemm_reference(CT_F32, M, N, K, CT_GEMM_ONE, (ct_gemm_mat){a + i * M * K, K, 1},
                           (ct_gemm_mat){b, N, 1}, CT_GEMM_ZERO, (ct_gemm_out){ref, N, 1});
        double d = max_diff(CT_F32, c + i * M * N, ref, M * N);
        if (d > worst) worst = d;
    }
    CHECK(worst < 1e-5);
    free(a);
    free(c);
    free(ref);
    ct_set_num_threads(1);
}
