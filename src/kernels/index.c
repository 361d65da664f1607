/*
 * src/kernels/index.c - index-driven loops: table gather / scatter, the
 * dim-wise gather and scatter loops, triangle masking, nonzero.
 */
#ifdef _OPENMP
#include <omp.h>
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"

/* ------------------------------------------------------------ table gather */

/* Copies one element of es bytes; constant sizes become single moves. */
static inline void copy_elem(char *d, const char *s, size_t es) {
    switch (es) {
    case 1: *d = *s; break;
    case 4: memcpy(d, s, 4); break;
    case 8: memcpy(d, s, 8); break;
    default: memcpy(d, s, es); break;
    }
}

/* The base offset (elements) of row r: the sum of the tables of dims 0..ndim-2. */
static int64_t row_base(int64_t r, int ndim, const int64_t *shape, const int64_t *const *tables) {
    int64_t base = 0;
    for (int d = ndim - 2; d >= 0; d--) {
        base += tables[d][r % shape[d]];
        r /= shape[d];
    }
    return base;
}

/* out rows [r0, r1): each row is shape[ndim-1] elements. */
static void gather_rows(char *out, const char *src, size_t es, int ndim, const int64_t *shape,
                        const int64_t *const *tables, int64_t r0, int64_t r1, bool unit) {
    int64_t inner = shape[ndim - 1];
    const int64_t *tab = tables[ndim - 1];
    for (int64_t r = r0; r < r1; r++) {
        const char *s = src + (row_base(r, ndim, shape, tables) + tab[0]) * (int64_t)es;
        char *o = out + r * inner * (int64_t)es;
        if (unit) {
            /* The inner table steps by one element: the row is a plain run. */
            memcpy(o, s, (size_t)inner * es);
            continue;
        }
        const char *s0 = s - tab[0] * (int64_t)es;
        for (int64_t j = 0; j < inner; j++) copy_elem(o + j * (int64_t)es, s0 + tab[j] * (int64_t)es, es);
    }
}

void ct__gather_tables(char *out, const char *src, size_t es, int ndim, const int64_t *shape,
                       const int64_t *const *tables) {
    int64_t numel = ct__numel(ndim, shape);
    if (numel == 0) return;
    int64_t inner = shape[ndim - 1], rows = numel / inner;
    bool unit = true;
    for (int64_t j = 1; j < inner && unit; j++) unit = tables[ndim - 1][j] == tables[ndim - 1][0] + j;
#ifdef _OPENMP
    if (numel >= CT_GRAIN_SIZE && rows > 1 && omp_get_max_threads() > 1 && !omp_in_parallel()) {
#pragma omp parallel
        {
            int64_t k = omp_get_thread_num(), c = omp_get_num_threads();
            gather_rows(out, src, es, ndim, shape, tables, rows * k / c, rows * (k + 1) / c, unit);
        }
        return;
    }
#endif
    gather_rows(out, src, es, ndim, shape, tables, 0, rows, unit);
}

void ct__gather_tables_ref(char *out, const char *src, size_t es, int ndim, const int64_t *shape,
                           const int64_t *const *tables) {
    int64_t numel = ct__numel(ndim, shape);
    for (int64_t i = 0; i < numel; i++) {
        int64_t off = 0, r = i;
        for (int d = ndim - 1; d >= 0; d--) {
            off += tables[d][r % shape[d]];
            r /= shape[d];
        }
        memcpy(out + i * (int64_t)es, src + off * (int64_t)es, es);
    }
}

/* ----------------------------------------------------------- table scatter */

#define ACC_FN(E, T, S)                                                                 \
    static void acc_##S(char *d, const char *s) {                                       \
        T a, b;                                                                         \
        memcpy(&a, d, sizeof a);                                                        \
        memcpy(&b, s, sizeof b);                                                        \
        a = (T)(a + b);                                                                 \
        memcpy(d, &a, sizeof a);                                                        \
    }
CT_FOR_EACH_DTYPE(ACC_FN)
#undef ACC_FN

typedef void (*acc_fn)(char *d, const char *s);
static acc_fn acc_for(ct_dtype dtype) {
    switch (dtype) {
#define ACC_CASE(E, T, S) case E: return acc_##S;
        CT_FOR_EACH_DTYPE(ACC_CASE)
#undef ACC_CASE
    default: return NULL;
    }
}

void ct__scatter_tables(char *dst, const char *src, ct_dtype dtype, int ndim,
                        const int64_t *shape, const int64_t *const *tables, bool accumulate) {
    size_t es = ct_dtype_size(dtype);
    int64_t numel = ct__numel(ndim, shape);
    acc_fn acc = acc_for(dtype);
    /* (bool)(a + b) is a logical or, which is what PyTorch's bool sum gives. */
    for (int64_t i = 0; i < numel; i++) {
        int64_t off = 0, r = i;
        for (int d = ndim - 1; d >= 0; d--) {
            off += tables[d][r % shape[d]];
            r /= shape[d];
        }
        char *d = dst + off * (int64_t)es;
        const char *s = src + i * (int64_t)es;
        if (accumulate) acc(d, s);
        else copy_elem(d, s, es);
    }
}

/* -------------------------------------------------------- dim-wise loops */

void ct__dim_gather_loop(char **data, const int64_t *strides, int64_t n, void *ctx) {
    const ct_dim_gather_ctx *c = ctx;
    char *out = data[0];
    const char *idx = data[1], *self = data[2];
    for (int64_t i = 0; i < n; i++) {
        int64_t k;
        memcpy(&k, idx + i * strides[1], sizeof k);
        copy_elem(out + i * strides[0], self + i * strides[2] + k * c->dim_stride, c->es);
    }
}

/* Reductions on one element: d = op(d, s). NaN propagates through max and min. */
static inline bool is_nan(double v) { return isnan(v); }
/* Products; bool's is a logical and (a C product of bools would be an int). */
static inline float red_mul_f32(float a, float b) { return a * b; }
static inline double red_mul_f64(double a, double b) { return a * b; }
static inline int32_t red_mul_i32(int32_t a, int32_t b) { return (int32_t)((uint32_t)a * (uint32_t)b); }
static inline int64_t red_mul_i64(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }
static inline uint8_t red_mul_u8(uint8_t a, uint8_t b) { return (uint8_t)(a * b); }
static inline bool red_mul_b8(bool a, bool b) { return a && b; }
#define RED_ASSIGN(T, S, d, s) (s)
#define RED_ADD(T, S, d, s) (T)((d) + (s))
#define RED_MUL(T, S, d, s) red_mul_##S((d), (s))
#define RED_MAX(T, S, d, s) (is_nan((double)(s)) ? (s) : ((d) < (s) ? (s) : (d)))
#define RED_MIN(T, S, d, s) (is_nan((double)(s)) ? (s) : ((s) < (d) ? (s) : (d)))

#define SCATTER_LOOP(OP, E, T, S)                                                       \
    static void scatter_##OP##_##S(char **data, const int64_t *strides, int64_t n, void *ctx) { \
        const ct_dim_gather_ctx *c = ctx;                                               \
        for (int64_t i = 0; i < n; i++) {                                               \
            int64_t k;                                                                  \
            memcpy(&k, data[1] + i * strides[1], sizeof k);                             \
            T *d = (T *)(void *)(data[0] + i * strides[0] + k * c->dim_stride);         \
            T s = *(const T *)(const void *)(data[2] + i * strides[2]);                 \
            *d = RED_##OP(T, S, *d, s);                                                    \
        }                                                                               \
    }
#define SCATTER_LOOPS(E, T, S)                                                          \
    SCATTER_LOOP(ASSIGN, E, T, S)                                                       \
    SCATTER_LOOP(ADD, E, T, S)                                                          \
    SCATTER_LOOP(MUL, E, T, S)                                                          \
    SCATTER_LOOP(MAX, E, T, S)                                                          \
    SCATTER_LOOP(MIN, E, T, S)
CT_FOR_EACH_DTYPE(SCATTER_LOOPS)
#undef SCATTER_LOOPS
#undef SCATTER_LOOP

ct_iter_loop ct__dim_scatter_loop(ct_scat_op op, ct_dtype dtype) {
#define SCATTER_CASE(E, T, S)                                                           \
    case E:                                                                             \
        switch (op) {                                                                   \
        case CT_SCAT_ASSIGN: return scatter_ASSIGN_##S;                                 \
        case CT_SCAT_ADD: return scatter_ADD_##S;                                       \
        case CT_SCAT_MUL: return scatter_MUL_##S;                                       \
        case CT_SCAT_MAX: return scatter_MAX_##S;                                       \
        case CT_SCAT_MIN: return scatter_MIN_##S;                                       \
        }                                                                               \
        return NULL;
    switch (dtype) {
        CT_FOR_EACH_DTYPE(SCATTER_CASE)
    default: return NULL;
    }
#undef SCATTER_CASE
}

/* --------------------------------------------------------------- triangle */

void ct__triangle_zero(ct_tensor *t, int64_t k, bool lower) {
    int nd = t->ndim;
    int64_t rows = t->shape[nd - 2], cols = t->shape[nd - 1];
    int64_t rs = t->strides[nd - 2], cs = t->strides[nd - 1];
    int64_t batch = ct__numel(nd - 2, t->shape);
    size_t es = ct_dtype_size(t->dtype);
    char *base = ct__data(t);
    for (int64_t b = 0; b < batch; b++) {
        /* Offset of matrix b from the batch dims' strides. */
        int64_t off = 0, r = b;
        for (int d = nd - 3; d >= 0; d--) {
            off += (r % t->shape[d]) * t->strides[d];
            r /= t->shape[d];
        }
        for (int64_t i = 0; i < rows; i++) {
            /* Columns to zero: [lo, hi). */
            int64_t lo, hi;
            if (lower) {
                lo = i + k + 1 < 0 ? 0 : i + k + 1;
                hi = cols;
            } else {
                lo = 0;
                hi = i + k > cols ? cols : i + k;
            }
            char *row = base + (off + i * rs) * (int64_t)es;
            if (lo >= hi) continue;
            if (cs == 1) {
                memset(row + lo * (int64_t)es, 0, (size_t)(hi - lo) * es);
            } else {
                for (int64_t j = lo; j < hi; j++) memset(row + j * cs * (int64_t)es, 0, es);
            }
        }
    }
}

/* ----------------------------------------------------------------- nonzero */

#define NZ_IS(E, T, S)                                                                  \
    static bool nz_##S(const char *p) {                                                 \
        T v;                                                                            \
        memcpy(&v, p, sizeof v);                                                        \
        return v != 0; /* NaN != 0 is true: NaN counts as non-zero */                   \
    }
CT_FOR_EACH_DTYPE(NZ_IS)
#undef NZ_IS

typedef bool (*nz_fn)(const char *p);
static nz_fn nz_for(ct_dtype d) {
    switch (d) {
#define NZ_CASE(E, T, S) case E: return nz_##S;
        CT_FOR_EACH_DTYPE(NZ_CASE)
#undef NZ_CASE
    default: return NULL;
    }
}

/* Visits every element of t in C order; when out is given, writes the index of each non-zero. */
static int64_t nonzero_walk(const ct_tensor *t, int64_t *out) {
    int nd = t->ndim;
    int64_t numel = ct__numel(nd, t->shape);
    if (numel == 0) return 0;
    nz_fn nz = nz_for(t->dtype);
    size_t es = ct_dtype_size(t->dtype);
    int64_t idx[CT_MAX_DIMS] = {0};
    const char *p = ct__data(t);
    int64_t count = 0;
    for (int64_t i = 0; i < numel; i++) {
        if (nz(p)) {
            if (out) memcpy(out + count * nd, idx, sizeof(int64_t) * (size_t)nd);
            count++;
        }
        /* Advance the multi-index (odometer) and the pointer with it. */
        for (int d = nd - 1; d >= 0; d--) {
            p += t->strides[d] * (int64_t)es;
            if (++idx[d] < t->shape[d]) break;
            p -= t->shape[d] * t->strides[d] * (int64_t)es;
            idx[d] = 0;
        }
    }
    return count;
}

int64_t ct__count_nonzero(const ct_tensor *t) { return nonzero_walk(t, NULL); }

void ct__nonzero_indices(const ct_tensor *t, int64_t *out) { (void)nonzero_walk(t, out); }

/* ------------------------------------------------------------------ tables */

int64_t *ct__tables_new(int ndim, const int64_t *shape, const int64_t *strides, int64_t **tabs) {
    int64_t total = 1; /* at least one entry, so malloc(0) never happens */
    for (int d = 0; d < ndim; d++) total += shape[d];
    int64_t *buf = malloc(sizeof(int64_t) * (size_t)total);
    if (!buf) return NULL;
    int64_t *p = buf;
    for (int d = 0; d < ndim; d++) {
        tabs[d] = p;
        for (int64_t i = 0; i < shape[d]; i++) p[i] = i * strides[d];
        p += shape[d];
    }
    return buf;
}
