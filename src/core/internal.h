/*
 * src/core/internal.h - the tensor core's structures and cross-file helpers.
 * Only code inside src/ includes this; users see opaque types.
 */
#ifndef CT_CORE_INTERNAL_H
#define CT_CORE_INTERNAL_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctorch.h"

/* ------------------------------------------------------------ dtype table */

/* One X-macro list drives every per-dtype switch: X(enum, C type, short name). */
#define CT_FOR_EACH_DTYPE(X)                                                            \
    X(CT_F32, float, f32)                                                               \
    X(CT_F64, double, f64)                                                              \
    X(CT_I32, int32_t, i32)                                                             \
    X(CT_I64, int64_t, i64)                                                             \
    X(CT_U8, uint8_t, u8)                                                               \
    X(CT_BOOL, bool, b8)

static inline bool ct__dtype_valid(ct_dtype d) { return d > CT_DTYPE_UNSET && d < CT_NUM_DTYPES; }

/* Element sizes, inlined for the library's own hot paths (ct_dtype_size is the public face). */
extern const size_t ct__dtype_sizes[CT_NUM_DTYPES];
static inline size_t ct__dtype_size_inline(ct_dtype d) {
    return (unsigned)d < (unsigned)CT_NUM_DTYPES ? ct__dtype_sizes[d] : 0;
}
#define ct_dtype_size(d) ct__dtype_size_inline(d)

/* PyTorch's ScalarType name of a dtype ("Float", "Long", ...), as its messages use it. */
const char *ct__scalar_type_name(ct_dtype d);

/* Reads element `p` of dtype `d` as a double / int64, writes one from a double. */
double ct__load_f64(const void *p, ct_dtype d);
int64_t ct__load_i64(const void *p, ct_dtype d);
void ct__store_f64(void *p, ct_dtype d, double v);
void ct__store_i64(void *p, ct_dtype d, int64_t v);
/* Stores a scalar into one element of dtype d (ints kept exact). */
void ct__store_scalar(void *p, ct_dtype d, ct_scalar s);
/*
 * PyTorch's overflow check for a number written into dtype d (fill_, full,
 * setitem): false and "value cannot be converted to type int without
 * overflow" (fn) when v is out of d's range, so the C conversion is never
 * undefined. uint8 accepts -255..255 and wraps negatives like PyTorch's ints.
 */
bool ct__check_value_fits(double v, ct_dtype d, const char *fn);

/* ----------------------------------------------------------------- errors */

/* Records an error "fn: message" and, in abort mode, prints it and aborts. */
void ct__error(ct_error_code code, const char *fn, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void ct__verror(ct_error_code code, const char *fn, const char *fmt, va_list ap);
/* A NULL argument: keeps an earlier pending error, else reports this one. */
void ct__null_arg(const char *fn, const char *arg);
/* True if an error is pending on this thread (set and not cleared). */
bool ct__error_pending(void);

/* Returns NULL from the current function when argument `t` is NULL. */
#define CT_CHECK_ARG(t, fn, name)                                                       \
    do {                                                                                \
        if ((t) == NULL) {                                                              \
            ct__null_arg((fn), (name));                                                 \
            return NULL;                                                                \
        }                                                                               \
    } while (0)
#define CT_CHECK_ARG_RET(t, fn, name, ret)                                              \
    do {                                                                                \
        if ((t) == NULL) {                                                              \
            ct__null_arg((fn), (name));                                                 \
            return (ret);                                                               \
        }                                                                               \
    } while (0)

/* ------------------------------------------------------------- refcounts */

/*
 * Drops one reference of a count; true when it was the last. A count of 1 is
 * the caller's own reference, and no one else can reach the object to add
 * one (ctorch hands out no weak references to tensors, storages or nodes that
 * could be turned into strong ones concurrently), so the locked
 * read-modify-write, a noticeable share of freeing a small tensor, is skipped.
 */
static inline bool ct__drop_ref(atomic_long *count) {
    return atomic_load_explicit(count, memory_order_acquire) == 1 ||
           atomic_fetch_sub_explicit(count, 1, memory_order_acq_rel) == 1;
}

/* ---------------------------------------------------------------- storage */

typedef struct ct_storage {
    atomic_long refcount;
    void *data;
    size_t nbytes;
    ct_device device;
    atomic_llong version;                 /* shared by every view; bumped by in-place ops */
    void (*deleter)(void *data, void *ctx); /* for wrapped memory (ct_from_blob) */
    void *deleter_ctx;
    size_t capacity;                      /* bytes really allocated (heap kind) */
    uint8_t kind;                         /* how data was obtained: see storage.c */
} ct_storage;

/* A storage of nbytes (uninitialized) on the cpu; NULL and an error (fn) if out of memory. */
ct_storage *ct__storage_new(size_t nbytes, const char *fn);
/* A storage wrapping memory ctorch does not own. */
ct_storage *ct__storage_wrap(void *data, size_t nbytes, void (*deleter)(void *, void *),
                             void *ctx, const char *fn);
void ct__storage_retain(ct_storage *s);
void ct__storage_release(ct_storage *s);

/* Small inline storages: data of at most CT_INLINE_MAX bytes lives after the header. */
#define CT_INLINE_MAX 256
#define CT_INLINE_OFFSET ((sizeof(ct_storage) + 63) & ~(size_t)63)

/* Per-thread free lists for tensor structs and small storages (small_alloc.c). */
typedef enum { CT_SMALL_TENSOR, CT_SMALL_STORAGE, CT_SMALL_KINDS } ct_small_kind;
void *ct__small_alloc(ct_small_kind kind);
void ct__small_free(ct_small_kind kind, void *p);
/*
 * Other small blocks (graph nodes, autograd meta) from per-thread free lists
 * by size class: at least nbytes, uninitialized, malloc's alignment; NULL when
 * out of memory. Give a block back with the nbytes it was asked with.
 */
void *ct__block_alloc(size_t nbytes);
void ct__block_free(void *p, size_t nbytes);

/* Large-buffer allocator with a cache of freed blocks (alloc.c). */
/* Returns a 64-byte aligned block of at least nbytes; *capacity gets its real size. */
void *ct__alloc(size_t nbytes, size_t *capacity);
/* Gives back a block from ct__alloc with the capacity it reported. */
void ct__dealloc(void *p, size_t capacity);
/*
 * The workspace: one process-wide scratch block for kernels (oneDNN's
 * scratchpads), grown to the largest request and lent to one call at a
 * time (*shared = true); a call that finds it lent gets a block from
 * ct__alloc instead (*shared = false). Its contents do not survive between
 * calls. Scratchpads of many sizes (one per layer shape and product) would
 * otherwise each stay in the cache of freed blocks. The workspace is not
 * tensor data: ct_memory_allocated does not count it; ct_empty_cache frees
 * it. NULL when out of memory. Give it back with ct__workspace_put and the
 * *capacity and *shared it reported.
 */
void *ct__workspace_get(size_t nbytes, size_t *capacity, bool *shared);
void ct__workspace_put(void *p, size_t capacity, bool shared);

/* ----------------------------------------------------------------- tensor */

struct ct_autograd_meta; /* defined by src/autograd */

struct ct_tensor {
    atomic_long refcount;
    atomic_int scope_refs;   /* how many scope entries own a reference */
    ct_storage *storage;
    int64_t offset;          /* in elements */
    int ndim;
    ct_dtype dtype;
    bool requires_grad;
    int64_t shape[CT_MAX_DIMS];
    int64_t strides[CT_MAX_DIMS]; /* in elements */
    struct ct_autograd_meta *autograd; /* NULL until autograd needs it */
};

/*
 * Makes a tensor over storage s (which it retains) with the given meta; the
 * result is a new reference registered with the innermost scope. NULL and an
 * error (fn) if out of memory.
 */
ct_tensor *ct__tensor_make(ct_storage *s, ct_dtype dtype, int ndim, const int64_t *shape,
                           const int64_t *strides, int64_t offset, const char *fn);
/* A new contiguous tensor with fresh storage; checks sizes and overflow. */
ct_tensor *ct__tensor_empty(int ndim, const int64_t *shape, ct_dtype dtype, ct_device device,
                            const char *fn);
/* A view of t's storage with new meta (registered with the scope). */
ct_tensor *ct__tensor_view(ct_tensor *t, int ndim, const int64_t *shape, const int64_t *strides,
                           int64_t offset, const char *fn);
/* Registers a new reference with the innermost scope (no-op when none is open). */
void ct__scope_register(ct_tensor *t);
/* The same for a tensor just made, that no scope owns yet and no other thread can see. */
void ct__scope_register_new(ct_tensor *t);
/* Plain refcount operations that never touch scopes (for internal owners). */
void ct__tensor_incref(ct_tensor *t);
void ct__tensor_decref(ct_tensor *t);
/* Frees the tensor's autograd meta (set by src/autograd; NULL until it is linked). */
extern void (*ct__autograd_meta_free)(struct ct_autograd_meta *m);

static inline void *ct__data(const ct_tensor *t) {
    return (char *)t->storage->data + t->offset * (int64_t)ct_dtype_size(t->dtype);
}
static inline int64_t ct__numel(int ndim, const int64_t *shape) {
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) n *= shape[i];
    return n;
}
bool ct__is_contiguous(const ct_tensor *t);
void ct__bump_version(ct_tensor *t);
/* Contiguous strides for shape. */
void ct__contiguous_strides(int ndim, const int64_t *shape, int64_t *strides);

/* ------------------------------------------------------------ shape rules */

/* Wraps a possibly negative dim into [0, ndim); -1 and an IndexError (fn) when out of range. */
int ct__wrap_dim(int dim, int ndim, const char *fn);
/* Broadcasts shapes a and b into out; false and a RuntimeError (fn) if they do not broadcast. */
bool ct__broadcast_shapes(int na, const int64_t *a, int nb, const int64_t *b, int *nout,
                          int64_t *out, const char *fn);
/* "[2, 3]" into buf. */
const char *ct__shape_str(int ndim, const int64_t *shape, char *buf, size_t size);
/* Checks that every entry of a shape is >= 0 and that the element count fits. */
bool ct__check_shape(int ndim, const int64_t *shape, const char *fn);
/*
 * Replaces a -1 entry of shape (ndim entries) so that it holds numel elements;
 * false and PyTorch's error (fn) when the shape cannot (view_meta.c).
 */
bool ct__infer_size(int ndim, int64_t *shape, int64_t numel, const char *fn);
/*
 * PyTorch's computeStride: the strides that view a tensor of old shape/strides
 * as new_shape (same numel) without copying; false when none exist.
 */
bool ct__view_strides(int old_ndim, const int64_t *old_shape, const int64_t *old_strides,
                      int new_ndim, const int64_t *new_shape, int64_t *new_strides);
/*
 * Python's slice rules on one dim of (size, stride): negative start/stop count
 * from the end, both are clamped to [0, size]; step must be positive. Gives
 * the first index taken, the new size and the new stride.
 */
void ct__slice_meta(int64_t size, int64_t stride, int64_t start, int64_t stop, int64_t step,
                    int64_t *out_start, int64_t *out_size, int64_t *out_stride);
/* Same device check for ops with several tensors; false and an error otherwise. */
bool ct__check_same_device(const ct_tensor *a, const ct_tensor *b, const char *fn);

/* ------------------------------------------------------ strided iteration */

/*
 * ct__iter walks up to CT_ITER_MAX operands over one shape. Operand 0 is
 * usually the output. Strides are in bytes; dims are ordered innermost first
 * after ct__iter_init, and contiguous dims are merged, so the inner loop is as
 * long as possible. Kernels see (data pointers, byte strides, count) for one
 * inner run at a time, exactly like PyTorch's TensorIterator loops.
 */
#define CT_ITER_MAX 4
typedef struct ct_iter {
    int ntensors;
    int ndim;                               /* after merging; 0 means one element */
    int64_t shape[CT_MAX_DIMS];             /* innermost first */
    int64_t strides[CT_ITER_MAX][CT_MAX_DIMS]; /* bytes, innermost first */
    char *data[CT_ITER_MAX];
    int64_t numel;
} ct_iter;

/* Inner loop: n elements; data[k] advances by strides[k] bytes per element. */
typedef void (*ct_iter_loop)(char **data, const int64_t *strides, int64_t n, void *ctx);

/*
 * Sets up an iteration over `shape` (ndim dims, C order) for the operands:
 * each operand's tensor must already have that shape or broadcast to it (its
 * strides are made 0 on broadcast dims).
 */
void ct__iter_init(ct_iter *it, int ndim, const int64_t *shape, int ntensors,
                   ct_tensor *const *tensors);
/* Runs loop over every inner run in [begin, end) of the linear element range. */
void ct__iter_run_range(const ct_iter *it, ct_iter_loop loop, void *ctx, int64_t begin,
                        int64_t end);
/* Runs loop over everything, in parallel when the work is above the grain size. */
void ct__iter_run(const ct_iter *it, ct_iter_loop loop, void *ctx);

/* Elements below which loops run on one thread (PyTorch's grain size). */
#define CT_GRAIN_SIZE 32768

/* ------------------------------------------------------------------ copy */

/* Copies src into dst (same shape after broadcasting src), converting dtype. */
int ct__copy_into(ct_tensor *dst, const ct_tensor *src, const char *fn);

/*
 * The core's copy operations without autograd; the public ct_copy_, ct_clone,
 * ct_contiguous, ct_to_dtype, ct_fill_ and ct_zero_ (src/ops/copy_ops.c) add
 * their graph nodes around these.
 */
ct_tensor *ct__copy_(ct_tensor *dst, const ct_tensor *src);
ct_tensor *ct__to_dtype(ct_tensor *t, ct_dtype dtype);
ct_tensor *ct__clone(ct_tensor *t);
ct_tensor *ct__contiguous(ct_tensor *t);
ct_tensor *ct__fill_(ct_tensor *dst, double value);
ct_tensor *ct__zero_(ct_tensor *dst);

/* ----------------------------------------------------------------- random */

/* Internal access used by random creation kernels: locks g (or the default). */
ct_generator *ct__generator_lock(ct_generator *g);
void ct__generator_unlock(ct_generator *g);
uint32_t ct__mt_next(ct_generator *g); /* caller holds the lock */
/* The generator's cached second Box-Muller value (PyTorch's next_double_normal_sample):
 * take returns false when there is none; put stores one. Caller holds the lock. */
bool ct__generator_take_normal(ct_generator *g, double *out);
void ct__generator_put_normal(ct_generator *g, double v);

/*
 * A created tensor t with .requires_grad applied, by PyTorch's rule: only a
 * floating tensor can require gradients (else t is freed, the error set and
 * NULL returned). t NULL (a failed creation) passes through.
 */
ct_tensor *ct__finish_created(ct_tensor *t, bool requires_grad, const char *fn);

/* Resolves creation options to a concrete dtype (default float when unset). */
static inline ct_dtype ct__opts_dtype(ct_dtype d, ct_dtype fallback) {
    return d == CT_DTYPE_UNSET ? fallback : d;
}

#endif
