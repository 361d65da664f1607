/*
 * src/data/sampler.c - the samplers of torch.utils.data, each producing one
 * epoch's indices with the same random draws PyTorch 1.13 makes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef enum { S_SEQUENTIAL, S_RANDOM, S_SUBSET_RANDOM, S_WEIGHTED, S_CUSTOM } sampler_kind;

struct ct_sampler {
    sampler_kind kind;
    int64_t n;           /* dataset size, or number of indices / weights */
    int64_t num_samples; /* indices per epoch */
    bool replacement;
    int64_t *indices;    /* SubsetRandomSampler */
    double *weights;     /* WeightedRandomSampler */
    ct_generator *generator;
    int64_t (*len)(void *ctx);
    int (*epoch)(void *ctx, int64_t *out);
    void (*free)(void *ctx);
    void *ctx;
};

static ct_sampler *alloc_sampler(sampler_kind kind, int64_t n, const char *fn) {
    ct_sampler *s = calloc(1, sizeof *s);
    if (!s) {
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    s->kind = kind;
    s->n = n;
    s->num_samples = n;
    return s;
}

ct_sampler *ct_sequential_sampler(int64_t n) {
    if (n < 0) {
        ct_set_error(CT_ERR_VALUE, "ct_sequential_sampler", "length must be non-negative, got %lld", (long long)n);
        return NULL;
    }
    return alloc_sampler(S_SEQUENTIAL, n, "ct_sequential_sampler");
}

ct_sampler *ct_random_sampler_(ct_random_sampler_args a) {
    const char *fn = "ct_random_sampler";
    int64_t num = a.num_samples ? a.num_samples : a.n;
    if (a.n < 0 || num <= 0) {
        ct_set_error(CT_ERR_VALUE, fn, "num_samples should be a positive integer value, but got num_samples=%lld",
                     (long long)num);
        return NULL;
    }
    ct_sampler *s = alloc_sampler(S_RANDOM, a.n, fn);
    if (!s) return NULL;
    s->num_samples = num;
    s->replacement = a.replacement;
    s->generator = a.generator;
    return s;
}

ct_sampler *ct_subset_random_sampler(const int64_t *indices, int64_t n, ct_generator *g) {
    const char *fn = "ct_subset_random_sampler";
    if (!indices && n > 0) {
        ct_set_error(CT_ERR_NULL, fn, "argument 'indices' is NULL");
        return NULL;
    }
    if (n < 0) {
        ct_set_error(CT_ERR_VALUE, fn, "number of indices must be non-negative, got %lld", (long long)n);
        return NULL;
    }
    ct_sampler *s = alloc_sampler(S_SUBSET_RANDOM, n, fn);
    if (!s) return NULL;
    s->indices = malloc((size_t)(n ? n : 1) * sizeof *s->indices);
    if (!s->indices) {
        free(s);
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    if (n) memcpy(s->indices, indices, (size_t)n * sizeof *indices);
    s->generator = g;
    return s;
}

ct_sampler *ct_weighted_random_sampler(const double *weights, int64_t n, int64_t num_samples,
                                       bool replacement, ct_generator *g) {
    const char *fn = "ct_weighted_random_sampler";
    if (!weights) {
        ct_set_error(CT_ERR_NULL, fn, "argument 'weights' is NULL");
        return NULL;
    }
    if (num_samples <= 0) {
        ct_set_error(CT_ERR_VALUE, fn, "num_samples should be a positive integer value, but got num_samples=%lld",
                     (long long)num_samples);
        return NULL;
    }
    if (n < 1) {
        ct_set_error(CT_ERR_RUNTIME, fn, "multinomial: prob_dist must have at least one element");
        return NULL;
    }
    double sum = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(weights[i]) || weights[i] < 0) {
            ct_set_error(CT_ERR_RUNTIME, fn, "probability tensor contains either `inf`, `nan` or element < 0");
            return NULL;
        }
        sum += weights[i];
    }
    if (!(sum > 0)) {
        ct_set_error(CT_ERR_RUNTIME, fn, "invalid multinomial distribution (sum of probabilities <= 0)");
        return NULL;
    }
    if (!replacement && num_samples > n) {
        ct_set_error(CT_ERR_RUNTIME, fn, "cannot sample n_sample > prob_dist.size(-1) samples without replacement");
        return NULL;
    }
    ct_sampler *s = alloc_sampler(S_WEIGHTED, n, fn);
    if (!s) return NULL;
    s->weights = malloc((size_t)n * sizeof *s->weights);
    if (!s->weights) {
        free(s);
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    memcpy(s->weights, weights, (size_t)n * sizeof *weights);
    s->num_samples = num_samples;
    s->replacement = replacement;
    s->generator = g;
    return s;
}

ct_sampler *ct_sampler_new(int64_t (*len)(void *ctx), int (*epoch)(void *ctx, int64_t *out),
                           void (*free_fn)(void *ctx), void *ctx) {
    if (!len || !epoch) {
        ct_set_error(CT_ERR_NULL, "ct_sampler_new", "a sampler needs len and epoch functions");
        return NULL;
    }
    ct_sampler *s = alloc_sampler(S_CUSTOM, 0, "ct_sampler_new");
    if (!s) return NULL;
    s->len = len;
    s->epoch = epoch;
    s->free = free_fn;
    s->ctx = ctx;
    return s;
}

int64_t ct_sampler_len(ct_sampler *s) {
    if (!s) return -1;
    return s->kind == S_CUSTOM ? s->len(s->ctx) : s->num_samples;
}

void ct_sampler_free(ct_sampler *s) {
    if (!s) return;
    if (s->free) s->free(s->ctx);
    free(s->indices);
    free(s->weights);
    free(s);
}

/* Copies a randperm(n, g) into out; false on error. */
static bool randperm_into(int64_t n, ct_generator *g, int64_t *out, int64_t count) {
    ct_tensor *p = ct_randperm(n, .generator = g);
    if (!p) return false;
    memcpy(out, ct_data_i64(p), (size_t)count * sizeof *out);
    ct_free(p);
    return true;
}

/* RandomSampler.__iter__ */
static bool random_epoch(ct_sampler *s, int64_t *out) {
    ct_generator *g = s->generator, *own = NULL;
    if (!g) {
        own = g = ct_generator_new((uint64_t)dt_random_int64(NULL));
        if (!g) return false;
    }
    bool ok = true;
    int64_t n = s->n, pos = 0;
    if (s->replacement) {
        for (int64_t left = s->num_samples; ok && left >= 0; left -= 32) {
            int64_t k = left >= 32 ? 32 : left;
            ct_tensor *r = ct_randint(0, n, CT_SHAPE(k), .generator = g);
            ok = r != NULL;
            if (ok) memcpy(out + pos, ct_data_i64(r), (size_t)k * sizeof *out);
            pos += k;
            ct_free(r);
            if (k < 32) break;
        }
    } else {
        for (int64_t r = 0; ok && r < s->num_samples / n; r++, pos += n) ok = randperm_into(n, g, out + pos, n);
        if (ok) ok = randperm_into(n, g, out + pos, s->num_samples % n);
    }
    ct_generator_free(own);
    return ok;
}

/* A uniform double on [0, 1) as at::uniform_real_distribution<double> draws it. */
static double uniform_double(ct_generator *g) {
    return (double)(ct_generator_random64(g) & ((UINT64_C(1) << 53) - 1)) * 0x1p-53;
}

/* torch.multinomial(weights, num_samples, replacement, generator) on float64 weights. */
static bool weighted_epoch(ct_sampler *s, int64_t *out) {
    int64_t n = s->n;
    double *cum = malloc((size_t)n * sizeof *cum);
    if (!cum) {
        ct_set_error(CT_ERR_OOM, "ct_sampler_epoch", "out of memory");
        return false;
    }
    if (s->replacement && s->num_samples > 1) {
        double sum = 0;
        for (int64_t j = 0; j < n; j++) cum[j] = sum += s->weights[j];
        for (int64_t j = 0; j < n; j++) cum[j] /= sum;
        cum[n - 1] = 1;
        for (int64_t k = 0; k < s->num_samples; k++) {
            double u = uniform_double(s->generator);
            int64_t lo = 0, hi = n; /* first slot with cum >= u */
            while (hi - lo > 0) {
                int64_t mid = lo + (hi - lo) / 2;
                if (cum[mid] < u) lo = mid + 1;
                else hi = mid;
            }
            out[k] = lo;
        }
    } else {
        /* PyTorch's fast path: the top num_samples of w / q with q ~ Exp(1) */
        for (int64_t j = 0; j < n; j++) cum[j] = s->weights[j] / -log1p(-uniform_double(s->generator));
        for (int64_t k = 0; k < s->num_samples; k++) {
            int64_t best = -1;
            for (int64_t j = 0; j < n; j++)
                if (best < 0 || cum[j] > cum[best]) best = j;
            out[k] = best;
            cum[best] = -INFINITY;
        }
    }
    free(cum);
    return true;
}

int64_t *ct_sampler_epoch(ct_sampler *s, int64_t *n) {
    const char *fn = "ct_sampler_epoch";
    if (n) *n = 0;
    if (!s) {
        ct_set_error(CT_ERR_NULL, fn, "argument 'sampler' is NULL");
        return NULL;
    }
    int64_t len = ct_sampler_len(s);
    if (len < 0) {
        ct_set_error(CT_ERR_VALUE, fn, "sampler length is negative (%lld)", (long long)len);
        return NULL;
    }
    int64_t *out = malloc((size_t)(len ? len : 1) * sizeof *out);
    if (!out) {
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    bool ok = true;
    switch (s->kind) {
    case S_SEQUENTIAL:
        for (int64_t i = 0; i < len; i++) out[i] = i;
        break;
    case S_RANDOM: ok = random_epoch(s, out); break;
    case S_SUBSET_RANDOM:
        ok = randperm_into(len, s->generator, out, len);
        for (int64_t i = 0; ok && i < len; i++) out[i] = s->indices[out[i]];
        break;
    case S_WEIGHTED: ok = weighted_epoch(s, out); break;
    case S_CUSTOM: ok = s->epoch(s->ctx, out) == 0; break;
    }
    if (!ok) {
        free(out);
        return NULL;
    }
    if (n) *n = len;
    return out;
}
