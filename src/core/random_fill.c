/*
 * src/core/random_fill.c - the in-place random fills (uniform_, normal_,
 * random_, bernoulli_), drawing from a generator exactly as PyTorch 1.13's
 * CPU kernels do, so the same seed gives the same tensors.
 *
 * The details that decide the numbers, all PyTorch's:
 *   - A float uniform uses one 32-bit draw, (r & (2^24 - 1)) * 2^-24; a double
 *     uniform one 64-bit draw, (r & (2^53 - 1)) * 2^-53; then x * (to - from) +
 *     from, computed in the tensor's type.
 *   - The serial kernels (uniform, random, bernoulli, and normal on small or
 *     non-contiguous tensors) visit the elements in the order PyTorch's
 *     TensorIterator does: memory order (dims sorted by stride), not logical
 *     order. rand(4, 8).t() and an in-place fill of empty(4, 8).t() agree.
 *   - normal_ on a contiguous tensor of 16 or more elements first fills it with
 *     uniforms, then turns each block of 16 into normals with Box-Muller
 *     (u1 = 1 - x[j], u2 = x[j + 8]); a ragged tail recomputes the LAST 16
 *     elements from fresh uniforms. Otherwise each element is one
 *     normal_distribution<double> draw, which caches the pair's second value
 *     in the generator.
 *   - PyTorch's x86-64 build runs these kernels compiled for AVX2+FMA (what it
 *     picks on any CPU from the last decade): the multiply-adds noted below are
 *     fused, and the float32 block kernel uses the Cephes-style polynomial
 *     log / sincos of its avx_mathfun.h rather than libm. We reproduce that
 *     arithmetic in scalar C, so float32 results are bit-identical to it; the
 *     double paths use libm's log/sin/cos, as PyTorch does.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "internal.h"

/* ----------------------------------------------------------- element walk */

/* Visits a tensor's elements in the order PyTorch's TensorIterator would. */
typedef struct walk {
    int nd;                    /* dims of size > 1, innermost first */
    int64_t size[CT_MAX_DIMS];
    int64_t step[CT_MAX_DIMS]; /* bytes */
    int64_t idx[CT_MAX_DIMS];
    char *p;
} walk;

/*
 * Orders the dims like TensorIterator::reorder_dimensions for one output: the
 * smallest stride innermost, ties broken toward the smaller size, using its
 * insertion sort so that equal keys end in the same place.
 */
static void walk_init(walk *w, const ct_tensor *t) {
    int dims[CT_MAX_DIMS], n = 0;
    for (int d = t->ndim - 1; d >= 0; d--)
        if (t->shape[d] != 1) dims[n++] = d;
    for (int i = 1; i < n; i++) {
        int d1 = i;
        for (int d0 = i - 1; d0 >= 0; d0--) {
            int64_t s0 = t->strides[dims[d0]], s1 = t->strides[dims[d1]];
            int cmp = s0 < s1 ? -1 : s0 > s1 ? 1 : t->shape[dims[d0]] > t->shape[dims[d1]];
            if (cmp > 0) {
                int tmp = dims[d0];
                dims[d0] = dims[d1];
                dims[d1] = tmp;
                d1 = d0;
            } else if (cmp < 0) {
                break;
            }
        }
    }
    int64_t es = (int64_t)ct_dtype_size(t->dtype);
    w->nd = n;
    for (int i = 0; i < n; i++) {
        w->size[i] = t->shape[dims[i]];
        w->step[i] = t->strides[dims[i]] * es;
        w->idx[i] = 0;
    }
    w->p = ct__data(t);
}

/* The current element's address; then moves to the next one. */
static inline char *walk_next(walk *w) {
    char *cur = w->p;
    for (int d = 0; d < w->nd; d++) {
        w->p += w->step[d];
        if (++w->idx[d] < w->size[d]) break;
        w->p -= w->step[d] * w->size[d];
        w->idx[d] = 0;
    }
    return cur;
}

/* ------------------------------------------------------------- checking */

static const char *scalar_type_name(ct_dtype d) {
    switch (d) {
    case CT_F32: return "Float";
    case CT_F64: return "Double";
    case CT_I32: return "Int";
    case CT_I64: return "Long";
    case CT_U8: return "Byte";
    case CT_BOOL: return "Bool";
    default: return "Undefined";
    }
}

/* PyTorch's error for a kernel that has no version for this dtype. */
static void not_implemented(const char *fn, const char *kernel, ct_dtype d) {
    ct__error(CT_ERR_RUNTIME, fn, "\"%s\" not implemented for '%s'", kernel, scalar_type_name(d));
}

/* A written-to tensor may not have two elements at one address (an expanded dim). */
static bool check_no_overlap(const ct_tensor *t, const char *fn) {
    for (int d = 0; d < t->ndim; d++) {
        if (t->shape[d] > 1 && t->strides[d] == 0) {
            ct__error(CT_ERR_RUNTIME, fn,
                      "unsupported operation: more than one element of the written-to tensor "
                      "refers to a single memory location. Please clone() the tensor before "
                      "performing the operation.");
            return false;
        }
    }
    return true;
}

static int64_t numel_of(const ct_tensor *t) { return ct__numel(t->ndim, t->shape); }

/* ------------------------------------------------------------- uniforms */

/* One float on [0, 1) from a 32-bit draw (24 random bits). */
static inline float uniform_f32(ct_generator *g) {
    return (float)(ct__mt_next(g) & ((UINT32_C(1) << 24) - 1)) * (1.0f / 16777216.0f);
}

/* One double on [0, 1) from a 64-bit draw (53 random bits). */
static inline double uniform_f64(ct_generator *g) {
    uint64_t hi = ct__mt_next(g);
    uint64_t r = hi << 32 | ct__mt_next(g);
    return (double)(r & ((UINT64_C(1) << 53) - 1)) * (1.0 / 9007199254740992.0);
}

ct_tensor *ct_uniform_(ct_tensor *t, double from, double to, ct_generator *gen) {
    const char *fn = "ct_uniform_";
    CT_CHECK_ARG(t, fn, "self");
    if (!ct_dtype_is_floating(t->dtype)) {
        not_implemented(fn, "check_uniform_bounds", t->dtype);
        return NULL;
    }
    double lim = t->dtype == CT_F32 ? (double)FLT_MAX : DBL_MAX;
    const char *tn = ct_dtype_name(t->dtype);
    if (!(from >= -lim && from <= lim)) {
        ct__error(CT_ERR_RUNTIME, fn, "from is out of bounds for %s", tn);
        return NULL;
    }
    if (!(to >= -lim && to <= lim)) {
        ct__error(CT_ERR_RUNTIME, fn, "to is out of bounds for %s", tn);
        return NULL;
    }
    if (from > to) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "uniform_ expects to return a [from, to) range, but found from=%g > to=%g", from,
                  to);
        return NULL;
    }
    if (to - from > lim) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "uniform_ expects to-from <= std::numeric_limits<%s>::max(), but found to=%g "
                  "and from=%g which result in to-from to exceed the limit",
                  scalar_type_name(t->dtype), to, from);
        return NULL;
    }
    if (numel_of(t) == 0) return t;
    if (!check_no_overlap(t, fn)) return NULL;

    int64_t n = numel_of(t);
    walk w;
    walk_init(&w, t);
    ct_generator *g = ct__generator_lock(gen);
    /* x * (to - from) + from, fused as in PyTorch's AVX2 build. */
    if (t->dtype == CT_F32) {
        float f = (float)from, range = (float)to - f;
        for (int64_t i = 0; i < n; i++) *(float *)walk_next(&w) = fmaf(uniform_f32(g), range, f);
    } else {
        double range = to - from;
        for (int64_t i = 0; i < n; i++) *(double *)walk_next(&w) = fma(uniform_f64(g), range, from);
    }
    ct__generator_unlock(g);
    ct__bump_version(t);
    return t;
}

/* --------------------------------------------------------------- normals */

/*
 * Scalar versions of the float32 log and sincos PyTorch's AVX2 normal kernel
 * uses (Cephes polynomials, as in avx_mathfun.h), written out one lane at a
 * time. The fmaf calls stand where PyTorch's compiler fused a multiply into
 * the add that consumes it (checked against its output); every other multiply
 * and add is a separate statement, so no compiler can fuse them on its own.
 */
static float cephes_logf(float x) {
    const float min_normal = 1.17549435e-38f, sqrt_half = 0.707106781186547524f;
    if (x < min_normal) x = min_normal; /* callers pass (0, 1]; no NaN path needed */
    uint32_t bits;
    memcpy(&bits, &x, 4);
    float e = (float)((int32_t)(bits >> 23) - 0x7f) + 1.0f;
    bits = (bits & ~UINT32_C(0x7f800000)) | UINT32_C(0x3f000000); /* mantissa in [0.5, 1) */
    memcpy(&x, &bits, 4);
    bool small = x < sqrt_half;
    float tmp = small ? x : 0.0f;
    x = x - 1.0f;
    e = e - (small ? 1.0f : 0.0f);
    x = x + tmp;
    float z = x * x;
    float y = 7.0376836292e-2f;
    y = fmaf(y, x, -1.1514610310e-1f);
    y = fmaf(y, x, 1.1676998740e-1f);
    y = fmaf(y, x, -1.2420140846e-1f);
    y = fmaf(y, x, 1.4249322787e-1f);
    y = fmaf(y, x, -1.6668057665e-1f);
    y = fmaf(y, x, 2.0000714765e-1f);
    y = fmaf(y, x, -2.4999993993e-1f);
    y = fmaf(y, x, 3.3333331174e-1f);
    y = y * x;
    y = fmaf(y, z, e * -2.12194440e-4f);
    y = fmaf(-z, 0.5f, y);
    return fmaf(e, 0.693359375f, x + y);
}

static void cephes_sincosf(float x, float *s, float *c) {
    bool neg = x < 0.0f; /* sign of the sine */
    x = fabsf(x);
    int32_t j = (int32_t)(x * 1.27323954473516f); /* 4 / pi, truncated */
    j = (j + 1) & ~1;
    float y = (float)j;
    bool sin_flip = (j & 4) != 0;
    bool use_sin_poly = (j & 2) != 0; /* for the sine; the cosine takes the other one */
    bool cos_flip = ((j - 2) & 4) == 0;
    /* x - y * pi/4 in three pieces (extended precision reduction) */
    x = fmaf(y, -0.78515625f, x);
    x = fmaf(y, -2.4187564849853515625e-4f, x);
    x = fmaf(y, -3.77489497744594108e-8f, x);
    float z = x * x;
    float yc = 2.443315711809948e-5f;
    yc = fmaf(yc, z, -1.388731625493765e-3f);
    yc = fmaf(yc, z, 4.166664568298827e-2f);
    yc = yc * z;
    yc = fmaf(yc, z, -(z * 0.5f));
    yc = yc + 1.0f;
    float ys = -1.9515295891e-4f;
    ys = fmaf(ys, z, 8.3321608736e-3f);
    ys = fmaf(ys, z, -1.6666654611e-1f);
    ys = ys * z;
    ys = fmaf(ys, x, x);
    float sv = use_sin_poly ? yc : ys, cv = use_sin_poly ? ys : yc;
    *s = (neg != sin_flip) ? -sv : sv;
    *c = cos_flip ? -cv : cv;
}

/* 16 uniforms -> 16 normals, PyTorch's AVX2 normal_fill_16 one lane at a time. */
static void normal16_f32(float *d, float mean, float std) {
    const float two_pi = (float)(2.0 * 3.14159265358979323846);
    for (int j = 0; j < 8; j++) {
        float u1 = 1.0f - d[j];
        float u2 = d[j + 8];
        float radius = sqrtf(-2.0f * cephes_logf(u1));
        float s, c;
        cephes_sincosf(two_pi * u2, &s, &c);
        d[j] = fmaf(radius * c, std, mean);
        d[j + 8] = fmaf(radius * s, std, mean);
    }
}

/* The same for doubles (PyTorch's scalar normal_fill_16, with libm). */
static void normal16_f64(double *d, double mean, double std) {
    const double two_pi = 2.0 * 3.14159265358979323846;
    for (int j = 0; j < 8; j++) {
        double u1 = 1.0 - d[j];
        double u2 = d[j + 8];
        double radius = sqrt(-2.0 * log(u1));
        double theta = two_pi * u2;
        d[j] = fma(radius * cos(theta), std, mean);
        d[j + 8] = fma(radius * sin(theta), std, mean);
    }
}

/* Contiguous, n >= 16: uniforms first, then Box-Muller over blocks of 16. */
static void normal_fill_f32(float *d, int64_t n, float mean, float std, ct_generator *g) {
    for (int64_t i = 0; i < n; i++) d[i] = uniform_f32(g);
    for (int64_t i = 0; i + 16 <= n; i += 16) normal16_f32(d + i, mean, std);
    if (n % 16 != 0) {
        float *tail = d + n - 16;
        for (int i = 0; i < 16; i++) tail[i] = uniform_f32(g);
        normal16_f32(tail, mean, std);
    }
}

static void normal_fill_f64(double *d, int64_t n, double mean, double std, ct_generator *g) {
    for (int64_t i = 0; i < n; i++) d[i] = uniform_f64(g);
    for (int64_t i = 0; i + 16 <= n; i += 16) normal16_f64(d + i, mean, std);
    if (n % 16 != 0) {
        double *tail = d + n - 16;
        for (int i = 0; i < 16; i++) tail[i] = uniform_f64(g);
        normal16_f64(tail, mean, std);
    }
}

/* One normal_distribution<double> draw: Box-Muller, the pair's sine half cached. */
static double normal_one(ct_generator *g, double mean, double std) {
    double v;
    if (!ct__generator_take_normal(g, &v)) {
        double u1 = uniform_f64(g);
        double u2 = uniform_f64(g);
        double r = sqrt(-2.0 * log(1.0 - u2));
        double theta = 2.0 * 3.14159265358979323846 * u1;
        ct__generator_put_normal(g, r * sin(theta));
        v = r * cos(theta);
    }
    return fma(v, std, mean);
}

ct_tensor *ct_normal_(ct_tensor *t, double mean, double std, ct_generator *gen) {
    const char *fn = "ct_normal_";
    CT_CHECK_ARG(t, fn, "self");
    if (!(std >= 0.0)) {
        ct__error(CT_ERR_RUNTIME, fn, "normal expects std >= 0.0, but found std %g", std);
        return NULL;
    }
    if (!ct_dtype_is_floating(t->dtype)) {
        not_implemented(fn, "normal_kernel_cpu", t->dtype);
        return NULL;
    }
    int64_t n = numel_of(t);
    bool block = n >= 16 && ct__is_contiguous(t);
    if (!block && !check_no_overlap(t, fn)) return NULL;

    ct_generator *g = ct__generator_lock(gen);
    if (block && t->dtype == CT_F32) {
        normal_fill_f32(ct__data(t), n, (float)mean, (float)std, g);
    } else if (block) {
        normal_fill_f64(ct__data(t), n, mean, std, g);
    } else {
        walk w;
        walk_init(&w, t);
        for (int64_t i = 0; i < n; i++) {
            double v = normal_one(g, mean, std);
            char *p = walk_next(&w);
            if (t->dtype == CT_F32) *(float *)p = (float)v;
            else *(double *)p = v;
        }
    }
    ct__generator_unlock(g);
    ct__bump_version(t);
    return t;
}

/* -------------------------------------------------------------- integers */

/* The range of values a dtype holds exactly, as PyTorch's check_from_to_in_range sees it. */
static void dtype_int_range(ct_dtype d, int64_t *lo, int64_t *hi) {
    switch (d) {
    case CT_F32: *lo = -(INT64_C(1) << 24); *hi = INT64_C(1) << 24; break;
    case CT_F64: *lo = -(INT64_C(1) << 53); *hi = INT64_C(1) << 53; break;
    case CT_I32: *lo = INT32_MIN; *hi = INT32_MAX; break;
    case CT_U8: *lo = 0; *hi = 255; break;
    case CT_BOOL: *lo = 0; *hi = 1; break;
    default: *lo = INT64_MIN; *hi = INT64_MAX; break;
    }
}

/* int64 -> float or double -> int64; out of range gives INT64_MIN, as x86's cvtt does. */
static int64_t round_trip(int64_t v, int bits) {
    double f = bits == 24 ? (double)(float)v : (double)v;
    return f >= 9223372036854775808.0 ? INT64_MIN : (int64_t)f;
}

/*
 * For floating dtypes PyTorch first moves from up / to down to values the
 * dtype represents (update_from / update_to), bits = the dtype's mantissa.
 */
static int64_t float_update_from(int64_t from, int bits) {
    int64_t from1 = from + 1;
    int64_t cast = round_trip(from1, bits);
    if (cast < from) {
        uint64_t a = from1 < 0 ? (uint64_t)0 - (uint64_t)from1 : (uint64_t)from1;
        int n = 0;
        while (a >>= 1) n++;
        from = cast + (INT64_C(1) << (n - bits + 1));
    }
    return from;
}

static int64_t float_update_to(int64_t to, int bits) {
    int64_t to1 = to - 1;
    int64_t cast = round_trip(to1, bits);
    if (cast >= to) {
        uint64_t a = to1 < 0 ? (uint64_t)0 - (uint64_t)to1 : (uint64_t)to1;
        int n = 0;
        while (a >>= 1) n++;
        to = cast - (INT64_C(1) << (n - bits + 1));
    }
    return to;
}

static bool check_from_to(ct_tensor *t, int64_t *from, int64_t *to, const char *fn) {
    if (*from >= *to) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "random_ expects 'from' to be less than 'to', but got from=%lld >= to=%lld",
                  (long long)*from, (long long)*to);
        return false;
    }
    if (ct_dtype_is_floating(t->dtype)) {
        int bits = t->dtype == CT_F32 ? 24 : 53;
        *from = float_update_from(*from, bits); /* from < to: from + 1 and to - 1 fit */
        *to = float_update_to(*to, bits);
        if (*from >= *to) {
            ct__error(CT_ERR_RUNTIME, fn,
                      "random_ expects 'from' casted to dtype to be less than 'to' casted to "
                      "dtype, but got from=%lld >= to=%lld",
                      (long long)*from, (long long)*to);
            return false;
        }
        /* Out of [-2^bits, 2^bits] PyTorch only warns; so do we (silently). */
        return true;
    }
    int64_t lo, hi;
    dtype_int_range(t->dtype, &lo, &hi);
    if (*from < lo || *from > hi) {
        ct__error(CT_ERR_RUNTIME, fn, "from is out of bounds for %s", ct_dtype_name(t->dtype));
        return false;
    }
    if (*to - 1 < lo || *to - 1 > hi) {
        ct__error(CT_ERR_RUNTIME, fn, "to - 1 is out of bounds for %s", ct_dtype_name(t->dtype));
        return false;
    }
    return true;
}

ct_tensor *ct_random_(ct_tensor *t, int64_t low, int64_t high, ct_generator *gen) {
    const char *fn = "ct_random_";
    CT_CHECK_ARG(t, fn, "self");
    if (!check_no_overlap(t, fn)) return NULL;
    if (!check_from_to(t, &low, &high, fn)) return NULL;
    int64_t n = numel_of(t);
    if (n == 0) return t;
    uint64_t range = (uint64_t)high - (uint64_t)low;
    /* 64-bit draws only for wide ranges, and only for the 64-bit-capable dtypes. */
    bool wide = range >= (UINT64_C(1) << 32) &&
                (t->dtype == CT_I64 || t->dtype == CT_F64 || t->dtype == CT_F32);
    walk w;
    walk_init(&w, t);
    ct_generator *g = ct__generator_lock(gen);
    for (int64_t i = 0; i < n; i++) {
        uint64_t r;
        if (wide) {
            uint64_t hi = ct__mt_next(g);
            r = hi << 32 | ct__mt_next(g);
        } else {
            r = ct__mt_next(g);
        }
        int64_t v = (int64_t)(r % range + (uint64_t)low);
        ct__store_i64(walk_next(&w), t->dtype, v);
    }
    ct__generator_unlock(g);
    ct__bump_version(t);
    return t;
}

ct_tensor *ct_bernoulli_(ct_tensor *t, double p, ct_generator *gen) {
    const char *fn = "ct_bernoulli_";
    CT_CHECK_ARG(t, fn, "self");
    if (!(p >= 0.0 && p <= 1.0)) {
        ct__error(CT_ERR_RUNTIME, fn, "bernoulli_ expects p to be in [0, 1], but got p=%g", p);
        return NULL;
    }
    if (!check_no_overlap(t, fn)) return NULL;
    int64_t n = numel_of(t);
    walk w;
    walk_init(&w, t);
    ct_generator *g = ct__generator_lock(gen);
    for (int64_t i = 0; i < n; i++) ct__store_i64(walk_next(&w), t->dtype, uniform_f64(g) < p);
    ct__generator_unlock(g);
    ct__bump_version(t);
    return t;
}
