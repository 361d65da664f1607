/*
 * src/core/random.c - generators: a Mersenne Twister (mt19937) seeded and
 * drawn exactly like PyTorch's CPUGeneratorImpl, a lock per generator, the
 * process-wide default generator, and saving/restoring state.
 *
 * What PyTorch does, and so what we do:
 *   - seeding is mt19937's standard init_genrand with the seed's low 32 bits;
 *     the full 64-bit seed is remembered for initial_seed();
 *   - random() is one tempered 32-bit output, random64() two of them with the
 *     FIRST one as the high half;
 *   - the default generator starts from a random 64-bit seed, different in
 *     every process, as PyTorch's does (torch.initial_seed() without a
 *     manual_seed); call ct_manual_seed for repeatable numbers;
 *   - the generator also caches the second value of a Box-Muller pair (the
 *     per-element normal kernel uses it), and reseeding forgets it.
 *
 * The saved state has the byte layout of PyTorch's CPUGeneratorImplState (what
 * torch.get_rng_state() returns, 5056 bytes on x86-64), so a state can move
 * between ctorch and PyTorch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <time.h>

#include "internal.h"

#define MT_N 624
#define MT_M 397
#define MT_MATRIX_A 0x9908b0dfu
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu


struct ct_generator {
    mtx_t lock;
    uint64_t seed;           /* as given; only the low 32 bits seed the engine */
    int left;                /* outputs left before the next twist, 1..624 */
    uint32_t next;           /* index of the next state word to temper */
    uint32_t state[MT_N];
    bool has_normal;         /* a cached second Box-Muller value (double) */
    double normal;
    bool has_float_normal;   /* kept only so states round-trip with PyTorch */
    float float_normal;
};

/* ------------------------------------------------------------ the engine */

static void mt_seed(ct_generator *g, uint64_t seed) {
    g->seed = seed;
    g->state[0] = (uint32_t)(seed & 0xffffffffu);
    for (uint32_t j = 1; j < MT_N; j++)
        g->state[j] = 1812433253u * (g->state[j - 1] ^ (g->state[j - 1] >> 30)) + j;
    /* left = 1 makes the first draw twist, as in PyTorch's engine. */
    g->left = 1;
    g->next = 0;
    g->has_normal = false;
    g->normal = 0.0;
    g->has_float_normal = false;
    g->float_normal = 0.0f;
}

static inline uint32_t mt_mix(uint32_t u, uint32_t v) {
    uint32_t y = (u & MT_UPPER) | (v & MT_LOWER);
    return (y >> 1) ^ ((v & 1u) ? MT_MATRIX_A : 0u);
}

/* Regenerates all 624 words of state (the "twist"). */
static void mt_twist(ct_generator *g) {
    uint32_t *s = g->state;
    int k = 0;
    for (; k < MT_N - MT_M; k++) s[k] = s[k + MT_M] ^ mt_mix(s[k], s[k + 1]);
    for (; k < MT_N - 1; k++) s[k] = s[k + MT_M - MT_N] ^ mt_mix(s[k], s[k + 1]);
    s[MT_N - 1] = s[MT_M - 1] ^ mt_mix(s[MT_N - 1], s[0]);
    g->left = MT_N;
    g->next = 0;
}

uint32_t ct__mt_next(ct_generator *g) {
    if (--g->left == 0) mt_twist(g);
    uint32_t y = g->state[g->next++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

/* ----------------------------------------------------- generator objects */

static ct_generator g_default;
static once_flag g_default_once = ONCE_FLAG_INIT;
static bool g_default_ok;

/* A seed nobody chose: the OS's random bytes, else the clock mixed with an address. */
static uint64_t nondeterministic_seed(void) {
    uint64_t s = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    bool ok = f && fread(&s, sizeof s, 1, f) == 1;
    if (f) fclose(f);
    if (!ok) {
        struct timespec ts;
        timespec_get(&ts, TIME_UTC);
        s = (uint64_t)ts.tv_sec * UINT64_C(1000000007) ^ (uint64_t)ts.tv_nsec ^
            (uint64_t)(uintptr_t)&s;
    }
    return s;
}

static void default_init(void) {
    g_default_ok = mtx_init(&g_default.lock, mtx_plain) == thrd_success;
    mt_seed(&g_default, nondeterministic_seed());
}

ct_generator *ct_default_generator(void) {
    call_once(&g_default_once, default_init);
    return &g_default;
}

static ct_generator *resolve(ct_generator *g) { return g ? g : ct_default_generator(); }

ct_generator *ct_generator_new(uint64_t seed) {
    ct_generator *g = malloc(sizeof *g);
    if (!g || mtx_init(&g->lock, mtx_plain) != thrd_success) {
        free(g);
        ct__error(CT_ERR_OOM, "ct_generator_new", "out of memory");
        return NULL;
    }
    mt_seed(g, seed);
    return g;
}

void ct_generator_free(ct_generator *g) {
    if (!g || g == &g_default) return;
    mtx_destroy(&g->lock);
    free(g);
}

ct_generator *ct__generator_lock(ct_generator *g) {
    g = resolve(g);
    if (g != &g_default || g_default_ok) mtx_lock(&g->lock);
    return g;
}

void ct__generator_unlock(ct_generator *g) {
    g = resolve(g);
    if (g != &g_default || g_default_ok) mtx_unlock(&g->lock);
}

void ct_generator_seed(ct_generator *g, uint64_t seed) {
    g = ct__generator_lock(g);
    mt_seed(g, seed);
    ct__generator_unlock(g);
}

void ct_manual_seed(uint64_t seed) { ct_generator_seed(NULL, seed); }

uint64_t ct_generator_initial_seed(const ct_generator *cg) {
    ct_generator *g = ct__generator_lock((ct_generator *)cg);
    uint64_t s = g->seed;
    ct__generator_unlock(g);
    return s;
}

uint32_t ct_generator_random(ct_generator *g) {
    g = ct__generator_lock(g);
    uint32_t r = ct__mt_next(g);
    ct__generator_unlock(g);
    return r;
}

uint64_t ct_generator_random64(ct_generator *g) {
    g = ct__generator_lock(g);
    uint64_t hi = ct__mt_next(g);
    uint64_t lo = ct__mt_next(g);
    ct__generator_unlock(g);
    return hi << 32 | lo;
}

/* The cached Box-Muller value: used by the per-element normal kernel (random_fill.c). */
bool ct__generator_take_normal(ct_generator *g, double *out) {
    if (!g->has_normal) return false;
    *out = g->normal;
    g->has_normal = false;
    return true;
}

void ct__generator_put_normal(ct_generator *g, double v) {
    g->normal = v;
    g->has_normal = true;
}

/* ------------------------------------------------------------ saved state */

/*
 * PyTorch's CPUGeneratorImplState, field by field (natural alignment):
 *   legacy_pod: uint64 the_initial_seed; int32 left; int32 seeded; uint64 next;
 *               uint64 state[624]; double normal_x, normal_y, normal_rho;
 *               int32 normal_is_valid; (4 bytes padding)
 *   float next_float_normal_sample; bool is_next_float_normal_sample_valid;
 *   (3 bytes padding)
 */
enum {
    ST_SEED = 0,
    ST_LEFT = 8,
    ST_SEEDED = 12,
    ST_NEXT = 16,
    ST_STATE = 24,
    ST_NORMAL_X = ST_STATE + 8 * MT_N,
    ST_NORMAL_Y = ST_NORMAL_X + 8,
    ST_NORMAL_RHO = ST_NORMAL_Y + 8,
    ST_NORMAL_VALID = ST_NORMAL_RHO + 8,
    ST_LEGACY_SIZE = ST_NORMAL_VALID + 8,
    ST_FLOAT_NORMAL = ST_LEGACY_SIZE,
    ST_FLOAT_VALID = ST_FLOAT_NORMAL + 4,
    ST_SIZE = ST_FLOAT_VALID + 4
};

size_t ct_generator_state_size(void) { return ST_SIZE; }

static void put32(unsigned char *b, size_t at, uint32_t v) { memcpy(b + at, &v, 4); }
static void put64(unsigned char *b, size_t at, uint64_t v) { memcpy(b + at, &v, 8); }
static uint32_t get32(const unsigned char *b, size_t at) { uint32_t v; memcpy(&v, b + at, 4); return v; }
static uint64_t get64(const unsigned char *b, size_t at) { uint64_t v; memcpy(&v, b + at, 8); return v; }

int ct_generator_get_state(const ct_generator *cg, void *buf, size_t size) {
    const char *fn = "ct_generator_get_state";
    if (!buf) {
        ct__null_arg(fn, "buf");
        return CT_ERR_NULL;
    }
    if (size < ST_SIZE) {
        ct__error(CT_ERR_VALUE, fn, "the state needs %d bytes but the buffer has %zu", ST_SIZE,
                  size);
        return CT_ERR_VALUE;
    }
    unsigned char *b = buf;
    memset(b, 0, ST_SIZE);
    ct_generator *g = ct__generator_lock((ct_generator *)cg);
    put64(b, ST_SEED, g->seed);
    put32(b, ST_LEFT, (uint32_t)g->left);
    put32(b, ST_SEEDED, 1);
    put64(b, ST_NEXT, g->next);
    for (int i = 0; i < MT_N; i++) put64(b, ST_STATE + 8 * (size_t)i, g->state[i]);
    if (g->has_normal) {
        memcpy(b + ST_NORMAL_Y, &g->normal, 8);
        put32(b, ST_NORMAL_VALID, 1);
    }
    if (g->has_float_normal) {
        memcpy(b + ST_FLOAT_NORMAL, &g->float_normal, 4);
        b[ST_FLOAT_VALID] = 1;
    }
    ct__generator_unlock(g);
    return 0;
}

int ct_generator_set_state(ct_generator *g, const void *buf, size_t size) {
    const char *fn = "ct_generator_set_state";
    if (!buf) {
        ct__null_arg(fn, "buf");
        return CT_ERR_NULL;
    }
    /* PyTorch also accepts the older state without the float-normal fields. */
    if (size != ST_SIZE && size != ST_LEGACY_SIZE) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Expected either a THGeneratorState of size %d or a CPUGeneratorImplState of "
                  "size %d but found the input RNG state size to be %zu",
                  ST_LEGACY_SIZE, ST_SIZE, size);
        return CT_ERR_RUNTIME;
    }
    const unsigned char *b = buf;
    int32_t left = (int32_t)get32(b, ST_LEFT);
    uint64_t next = get64(b, ST_NEXT);
    /* A consistent engine has used `next` words since its last twist: left + next = 625. */
    bool fresh = left == 1 && next == 0; /* seeded, nothing drawn yet */
    if (left < 1 || left > MT_N || next > MT_N || (!fresh && (uint64_t)left + next != MT_N + 1)) {
        ct__error(CT_ERR_RUNTIME, fn, "The input RNG state must be valid: left=%d next=%llu",
                  (int)left, (unsigned long long)next);
        return CT_ERR_RUNTIME;
    }
    g = ct__generator_lock(g);
    g->seed = get64(b, ST_SEED);
    g->left = left;
    g->next = (uint32_t)next;
    for (int i = 0; i < MT_N; i++) g->state[i] = (uint32_t)get64(b, ST_STATE + 8 * (size_t)i);
    g->has_normal = get32(b, ST_NORMAL_VALID) != 0;
    if (g->has_normal) memcpy(&g->normal, b + ST_NORMAL_Y, 8);
    g->has_float_normal = size == ST_SIZE && b[ST_FLOAT_VALID] != 0;
    if (g->has_float_normal) memcpy(&g->float_normal, b + ST_FLOAT_NORMAL, 4);
    ct__generator_unlock(g);
    return 0;
}

/* ------------------------------------------------------ random creation */

/* Frees t and returns NULL when a fill failed (its error is already set). */
static ct_tensor *filled_or_free(ct_tensor *t, ct_tensor *r) {
    if (!r) ct_free(t);
    return r;
}

ct_tensor *ct_rand_(ct_shape_args a) {
    const char *fn = "ct_rand";
    ct_dtype dt = ct__opts_dtype(a.dtype, ct_get_default_dtype());
    ct_tensor *t = ct__tensor_empty(a.shape.ndim, a.shape.d, dt, a.device, fn);
    if (!t) return NULL;
    t = filled_or_free(t, ct_uniform_(t, 0.0, 1.0, a.generator));
    return ct__finish_created(t, a.requires_grad, fn);
}

ct_tensor *ct_randn_(ct_shape_args a) {
    const char *fn = "ct_randn";
    ct_dtype dt = ct__opts_dtype(a.dtype, ct_get_default_dtype());
    ct_tensor *t = ct__tensor_empty(a.shape.ndim, a.shape.d, dt, a.device, fn);
    if (!t) return NULL;
    t = filled_or_free(t, ct_normal_(t, 0.0, 1.0, a.generator));
    return ct__finish_created(t, a.requires_grad, fn);
}

ct_tensor *ct_randint_(ct_randint_args a) {
    const char *fn = "ct_randint";
    ct_tensor *t = ct__tensor_empty(a.shape.ndim, a.shape.d, ct__opts_dtype(a.dtype, CT_I64),
                                    a.device, fn);
    if (!t) return NULL;
    t = filled_or_free(t, ct_random_(t, a.low, a.high, a.generator));
    return ct__finish_created(t, a.requires_grad, fn);
}

/*
 * A new tensor shaped like `like`: with its strides when those are a
 * permutation of dense strides (PyTorch's empty_like preserving the memory
 * format, which decides the order the fill visits elements), else contiguous.
 */
static ct_tensor *empty_like_strided(const ct_tensor *like, ct_dtype dtype, ct_device dev,
                                     const char *fn) {
    int nd = like->ndim;
    int order[CT_MAX_DIMS];
    for (int i = 0; i < nd; i++) order[i] = i;
    /* dims by increasing stride (insertion sort; ties keep the later dim inner) */
    for (int i = 1; i < nd; i++)
        for (int j = i; j > 0 && like->strides[order[j]] > like->strides[order[j - 1]]; j--) {
            int tmp = order[j];
            order[j] = order[j - 1];
            order[j - 1] = tmp;
        }
    bool dense = true;
    int64_t expect = 1;
    for (int i = nd - 1; i >= 0 && dense; i--) {
        int d = order[i];
        if (like->shape[d] == 1) continue;
        dense = like->strides[d] == expect;
        expect *= like->shape[d];
    }
    ct_tensor *t = ct__tensor_empty(nd, like->shape, dtype, dev, fn);
    if (!t || !dense || ct__is_contiguous(like) || ct__numel(nd, like->shape) == 0) return t;
    memcpy(t->strides, like->strides, sizeof(int64_t) * (size_t)nd);
    return t;
}

ct_tensor *ct_rand_like_(ct_like_args a) {
    const char *fn = "ct_rand_like";
    CT_CHECK_ARG(a.like, fn, "self");
    ct_tensor *t = empty_like_strided(a.like, ct__opts_dtype(a.dtype, a.like->dtype), a.device, fn);
    if (!t) return NULL;
    t = filled_or_free(t, ct_uniform_(t, 0.0, 1.0, a.generator));
    return ct__finish_created(t, a.requires_grad, fn);
}

ct_tensor *ct_randn_like_(ct_like_args a) {
    const char *fn = "ct_randn_like";
    CT_CHECK_ARG(a.like, fn, "self");
    ct_tensor *t = empty_like_strided(a.like, ct__opts_dtype(a.dtype, a.like->dtype), a.device, fn);
    if (!t) return NULL;
    t = filled_or_free(t, ct_normal_(t, 0.0, 1.0, a.generator));
    return ct__finish_created(t, a.requires_grad, fn);
}

/* The largest n randperm allows for dtype d (every value 0..n-1 must be exact). */
static bool randperm_fits(int64_t n, ct_dtype d, const char *fn) {
    switch (d) {
    case CT_F32:
    case CT_F64:
        if (n > (d == CT_F32 ? (INT64_C(1) << 24) + 1 : (INT64_C(1) << 53) + 1)) {
            ct__error(CT_ERR_RUNTIME, fn, "n cannot be greater than 2^%d+1 for %s type.",
                      d == CT_F32 ? 24 : 53, d == CT_F32 ? "Float" : "Double");
            return false;
        }
        return true;
    case CT_I32:
    case CT_U8:
        if (n - 1 > (d == CT_U8 ? 255 : INT32_MAX)) {
            ct__error(CT_ERR_RUNTIME, fn, "value cannot be converted to type %s without overflow",
                      d == CT_U8 ? "uint8_t" : "int32_t");
            return false;
        }
        return true;
    case CT_BOOL:
        ct__error(CT_ERR_RUNTIME, fn, "\"randperm\" not implemented for 'Bool'");
        return false;
    default: return true;
    }
}

/*
 * PyTorch 1.13's CPU randperm: fill 0..n-1, then one Fisher-Yates pass that
 * draws a single 32-bit value per position, z = random() % (n - i), and swaps
 * r[i] with r[i + z].
 */
ct_tensor *ct_randperm_(ct_randperm_args a) {
    const char *fn = "ct_randperm";
    ct_dtype dt = ct__opts_dtype(a.dtype, CT_I64);
    int64_t n = a.n;
    ct_tensor *t = ct__tensor_empty(1, &n, dt, a.device, fn);
    if (!t) return NULL;
    if (!randperm_fits(n, dt, fn)) {
        ct_free(t);
        return NULL;
    }
    char *base = ct__data(t);
    size_t es = ct_dtype_size(dt);
    for (int64_t i = 0; i < n; i++) ct__store_i64(base + (size_t)i * es, dt, i);
    unsigned char tmp[8];
    ct_generator *g = ct__generator_lock(a.generator);
    for (int64_t i = 0; i < n - 1; i++) {
        int64_t z = (int64_t)(ct__mt_next(g) % (uint64_t)(n - i));
        char *x = base + (size_t)i * es, *y = base + (size_t)(i + z) * es;
        memcpy(tmp, x, es);
        memcpy(x, y, es);
        memcpy(y, tmp, es);
    }
    ct__generator_unlock(g);
    return ct__finish_created(t, a.requires_grad, fn);
}
