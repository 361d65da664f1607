/*
 * src/core/tensor.c - making and freeing tensors, and reading their metadata.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "internal.h"

void (*ct__autograd_meta_free)(struct ct_autograd_meta *m) = NULL;

/*
 * The live-tensor count is kept per thread (a locked add per tensor made and
 * freed is a noticeable share of an eager op) and summed on request. Threads
 * register their counter on first use; an exiting thread folds its count into
 * g_retired. A tensor freed on another thread than the one that made it makes
 * one counter go down and the other up: the sum stays right.
 */
typedef struct live_counter {
    long n;
    struct live_counter *next;
} live_counter;

static live_counter *g_counters;
static atomic_long g_retired;
static mtx_t g_counters_lock;
static once_flag g_counters_once = ONCE_FLAG_INIT;
static tss_t g_counter_key;
static _Thread_local live_counter *tl_counter;

static void counter_dtor(void *p) {
    live_counter *c = p;
    mtx_lock(&g_counters_lock);
    for (live_counter **q = &g_counters; *q; q = &(*q)->next)
        if (*q == c) {
            *q = c->next;
            break;
        }
    atomic_fetch_add(&g_retired, c->n);
    mtx_unlock(&g_counters_lock);
    free(c);
    tl_counter = NULL;
}

static void counters_init(void) {
    mtx_init(&g_counters_lock, mtx_plain);
    tss_create(&g_counter_key, counter_dtor);
}

static live_counter *my_counter(void) {
    if (tl_counter) return tl_counter;
    call_once(&g_counters_once, counters_init);
    live_counter *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    mtx_lock(&g_counters_lock);
    c->next = g_counters;
    g_counters = c;
    mtx_unlock(&g_counters_lock);
    tss_set(g_counter_key, c);
    tl_counter = c;
    return c;
}

static inline void count_live(long delta) {
    live_counter *c = tl_counter ? tl_counter : my_counter();
    if (c) c->n += delta;
    else atomic_fetch_add(&g_retired, delta);
}

long ct_live_tensors(void) {
    call_once(&g_counters_once, counters_init);
    mtx_lock(&g_counters_lock);
    long n = atomic_load(&g_retired);
    for (live_counter *c = g_counters; c; c = c->next) n += c->n;
    mtx_unlock(&g_counters_lock);
    return n;
}

/* Makes the tensor; with adopt, it takes over the caller's reference to s instead of adding one. */
static ct_tensor *make_tensor(ct_storage *s, bool adopt, ct_dtype dtype, int ndim,
                              const int64_t *shape, const int64_t *strides, int64_t offset,
                              const char *fn) {
    ct_tensor *t = ct__small_alloc(CT_SMALL_TENSOR);
    if (!t) {
        ct__error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    atomic_init(&t->refcount, 1);
    atomic_init(&t->scope_refs, 0);
    count_live(1);
    if (!adopt) ct__storage_retain(s);
    t->storage = s;
    t->offset = offset;
    t->ndim = ndim;
    t->dtype = dtype;
    t->requires_grad = false;
    t->autograd = NULL;
    for (int i = 0; i < ndim; i++) {
        t->shape[i] = shape[i];
        t->strides[i] = strides[i];
    }
    ct__scope_register_new(t);
    return t;
}

ct_tensor *ct__tensor_make(ct_storage *s, ct_dtype dtype, int ndim, const int64_t *shape,
                           const int64_t *strides, int64_t offset, const char *fn) {
    return make_tensor(s, false, dtype, ndim, shape, strides, offset, fn);
}

void ct__contiguous_strides(int ndim, const int64_t *shape, int64_t *strides) {
    /* Unsigned: an empty tensor such as [2^62, 2^62, 0] has strides past int64
     * (PyTorch's too); they are never used to address memory, so wrap, not UB. */
    uint64_t st = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        strides[i] = (int64_t)st;
        st *= shape[i] > 1 ? (uint64_t)shape[i] : 1;
    }
}

bool ct__check_shape(int ndim, const int64_t *shape, const char *fn) {
    if (ndim < 0 || ndim > CT_MAX_DIMS) {
        ct__error(CT_ERR_VALUE, fn, "number of dimensions %d is not supported (at most %d)", ndim,
                  CT_MAX_DIMS);
        return false;
    }
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) {
            ct__error(CT_ERR_RUNTIME, fn, "Trying to create tensor with negative dimension %lld: %s",
                      (long long)shape[i], ct__shape_str(ndim, shape, (char[128]){0}, 128));
            return false;
        }
    }
    return true;
}

ct_tensor *ct__tensor_empty(int ndim, const int64_t *shape, ct_dtype dtype, ct_device device,
                            const char *fn) {
    if (!ct__dtype_valid(dtype)) {
        ct__error(CT_ERR_TYPE, fn, "invalid dtype %d", (int)dtype);
        return NULL;
    }
    if (device.type != CT_DEVICE_CPU) {
        char buf[32];
        ct__error(CT_ERR_DEVICE, fn, "device %s is not available: ctorch was built for the cpu only",
                  ct_device_str(device, buf, sizeof buf));
        return NULL;
    }
    if (ndim < 0 || ndim > CT_MAX_DIMS) return ct__check_shape(ndim, shape, fn), NULL;
    /* One pass for the common case: sizes >= 0, the element count and the strides. */
    size_t es = ct_dtype_size(dtype);
    int64_t strides[CT_MAX_DIMS];
    uint64_t n = 1;
    bool overflow = false, negative = false, empty = false;
    for (int i = ndim - 1; i >= 0; i--) {
        int64_t d = shape[i];
        negative |= d < 0;
        empty |= d == 0;
        strides[i] = (int64_t)n; /* what ct__contiguous_strides gives */
        if (d > 1) {
            if (n > UINT64_MAX / (uint64_t)d) overflow = true;
            n *= (uint64_t)d; /* wraps like ct__contiguous_strides' product */
        }
    }
    if (negative) return ct__check_shape(ndim, shape, fn), NULL;
    if (empty) {
        n = 0;
        overflow = false; /* empty: the strides as if the zero were a one (as PyTorch's) */
    }
    if (overflow || n > (uint64_t)PTRDIFF_MAX / es) {
        char buf[128];
        ct__error(CT_ERR_OOM, fn,
                  "can't allocate memory: a tensor of shape %s and dtype %s needs more than %lld "
                  "bytes",
                  ct__shape_str(ndim, shape, buf, sizeof buf), ct_dtype_torch_name(dtype),
                  (long long)PTRDIFF_MAX);
        return NULL;
    }
    ct_storage *s = ct__storage_new((size_t)n * es, fn);
    if (!s) return NULL;
    ct_tensor *t = make_tensor(s, true, dtype, ndim, shape, strides, 0, fn);
    if (!t) ct__storage_release(s);
    return t;
}

ct_tensor *ct__tensor_view(ct_tensor *t, int ndim, const int64_t *shape, const int64_t *strides,
                           int64_t offset, const char *fn) {
    return ct__tensor_make(t->storage, t->dtype, ndim, shape, strides, offset, fn);
}

void ct__tensor_incref(ct_tensor *t) { atomic_fetch_add_explicit(&t->refcount, 1, memory_order_relaxed); }

void ct__tensor_decref(ct_tensor *t) {
    if (!t || !ct__drop_ref(&t->refcount)) return;
    if (t->autograd && ct__autograd_meta_free) ct__autograd_meta_free(t->autograd);
    ct__storage_release(t->storage);
    ct__small_free(CT_SMALL_TENSOR, t);
    count_live(-1);
}

/* ---------------------------------------------------------------- metadata */

#define CHECK_T(t, fn, ret) CT_CHECK_ARG_RET(t, fn, "self", ret)

int ct_dim(const ct_tensor *t) {
    CHECK_T(t, "ct_dim", -1);
    return t->ndim;
}

const int64_t *ct_sizes(const ct_tensor *t) {
    CHECK_T(t, "ct_sizes", NULL);
    return t->shape;
}

ct_shape ct_shape_of(const ct_tensor *t) {
    ct_shape s = {0};
    CHECK_T(t, "ct_shape_of", s);
    s.ndim = t->ndim;
    memcpy(s.d, t->shape, sizeof(int64_t) * (size_t)t->ndim);
    return s;
}

/* Dim i of t for size()/stride(), which (unlike reductions) reject any dim of a 0-d tensor. */
static int meta_dim(const ct_tensor *t, int i, const char *fn) {
    if (t->ndim == 0) {
        ct__error(CT_ERR_INDEX, fn, "Dimension specified as %d but tensor has no dimensions", i);
        return -1;
    }
    return ct__wrap_dim(i, t->ndim, fn);
}

int64_t ct_size(const ct_tensor *t, int i) {
    CHECK_T(t, "ct_size", -1);
    int d = meta_dim(t, i, "ct_size");
    return d < 0 ? -1 : t->shape[d];
}

const int64_t *ct_strides(const ct_tensor *t) {
    CHECK_T(t, "ct_strides", NULL);
    return t->strides;
}

int64_t ct_stride(const ct_tensor *t, int i) {
    CHECK_T(t, "ct_stride", -1);
    int d = meta_dim(t, i, "ct_stride");
    return d < 0 ? -1 : t->strides[d];
}

int64_t ct_storage_offset(const ct_tensor *t) {
    CHECK_T(t, "ct_storage_offset", -1);
    return t->offset;
}

int64_t ct_numel(const ct_tensor *t) {
    CHECK_T(t, "ct_numel", -1);
    return ct__numel(t->ndim, t->shape);
}

ct_dtype ct_dtype_of(const ct_tensor *t) {
    CHECK_T(t, "ct_dtype_of", CT_DTYPE_UNSET);
    return t->dtype;
}

ct_device ct_device_of(const ct_tensor *t) {
    CHECK_T(t, "ct_device_of", CT_CPU);
    return t->storage->device;
}

size_t ct_element_size(const ct_tensor *t) {
    CHECK_T(t, "ct_element_size", 0);
    return ct_dtype_size(t->dtype);
}

bool ct__is_contiguous(const ct_tensor *t) {
    /* PyTorch: an empty tensor is contiguous whatever its strides (any dim, not just inner ones). */
    for (int i = 0; i < t->ndim; i++)
        if (t->shape[i] == 0) return true;
    int64_t expected = 1;
    for (int i = t->ndim - 1; i >= 0; i--) {
        if (t->shape[i] == 1) continue;
        if (t->strides[i] != expected) return false;
        expected *= t->shape[i];
    }
    return true;
}

bool ct_is_contiguous(const ct_tensor *t) {
    CHECK_T(t, "ct_is_contiguous", false);
    return ct__is_contiguous(t);
}

void *ct_data_ptr(const ct_tensor *t) {
    CHECK_T(t, "ct_data_ptr", NULL);
    return ct__data(t);
}

bool ct_shares_storage(const ct_tensor *a, const ct_tensor *b) {
    return a && b && a->storage == b->storage;
}

int64_t ct_version(const ct_tensor *t) {
    CHECK_T(t, "ct_version", -1);
    return atomic_load(&t->storage->version);
}

void ct__bump_version(ct_tensor *t) { atomic_fetch_add_explicit(&t->storage->version, 1, memory_order_relaxed); }


static void *typed_data(const ct_tensor *t, ct_dtype want, const char *fn) {
    CHECK_T(t, fn, NULL);
    if (t->dtype != want) {
        ct__error(CT_ERR_TYPE, fn, "expected scalar type %s but found %s", ct__scalar_type_name(want),
                  ct__scalar_type_name(t->dtype));
        return NULL;
    }
    return ct__data(t);
}

float *ct_data_f32(const ct_tensor *t) { return typed_data(t, CT_F32, "ct_data_f32"); }
double *ct_data_f64(const ct_tensor *t) { return typed_data(t, CT_F64, "ct_data_f64"); }
int32_t *ct_data_i32(const ct_tensor *t) { return typed_data(t, CT_I32, "ct_data_i32"); }
int64_t *ct_data_i64(const ct_tensor *t) { return typed_data(t, CT_I64, "ct_data_i64"); }
uint8_t *ct_data_u8(const ct_tensor *t) { return typed_data(t, CT_U8, "ct_data_u8"); }
bool *ct_data_bool(const ct_tensor *t) { return typed_data(t, CT_BOOL, "ct_data_bool"); }

static const void *single_element(const ct_tensor *t, const char *fn) {
    CHECK_T(t, fn, NULL);
    int64_t n = ct__numel(t->ndim, t->shape);
    if (n != 1) {
        ct__error(CT_ERR_RUNTIME, fn, "a Tensor with %lld elements cannot be converted to Scalar",
                  (long long)n);
        return NULL;
    }
    return ct__data(t);
}

double ct_item(const ct_tensor *t) {
    const void *p = single_element(t, "ct_item");
    return p ? ct__load_f64(p, t->dtype) : NAN;
}

int64_t ct_item_int(const ct_tensor *t) {
    const void *p = single_element(t, "ct_item_int");
    return p ? ct__load_i64(p, t->dtype) : 0;
}

bool ct_item_bool(const ct_tensor *t) {
    const void *p = single_element(t, "ct_item_bool");
    return p ? ct__load_f64(p, t->dtype) != 0 : false;
}

/* Address of the element at index (negative entries wrap); NULL and an IndexError when out of range. */
static void *element_at(const ct_tensor *t, const int64_t *index, const char *fn) {
    CHECK_T(t, fn, NULL);
    if (t->ndim > 0 && !index) {
        ct__null_arg(fn, "index");
        return NULL;
    }
    int64_t off = t->offset;
    for (int i = 0; i < t->ndim; i++) {
        int64_t k = index[i];
        if (k < -t->shape[i] || k >= t->shape[i]) {
            ct__error(CT_ERR_INDEX, fn, "index %lld is out of bounds for dimension %d with size %lld",
                      (long long)k, i, (long long)t->shape[i]);
            return NULL;
        }
        if (k < 0) k += t->shape[i];
        off += k * t->strides[i];
    }
    return (char *)t->storage->data + off * (int64_t)ct_dtype_size(t->dtype);
}

double ct_get(const ct_tensor *t, const int64_t *index) {
    const void *p = element_at(t, index, "ct_get");
    return p ? ct__load_f64(p, t->dtype) : NAN;
}

int ct_set(ct_tensor *t, const int64_t *index, double value) {
    void *p = element_at(t, index, "ct_set");
    if (!p) return ct_last_error_code();
    if (!ct__check_value_fits(value, t->dtype, "ct_set")) return ct_last_error_code();
    ct__store_f64(p, t->dtype, value);
    ct__bump_version(t);
    return 0;
}

bool ct_requires_grad(const ct_tensor *t) { return t && t->requires_grad; }
