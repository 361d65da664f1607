/*
 * ctorch/tensor.h - creating tensors and reading what they are.
 *
 * A tensor is a strided view of a refcounted storage: element offset, shape and
 * strides (in elements; 0 for an expanded dim), dtype, device, and a version
 * counter bumped by in-place ops. All functions returning ct_tensor* return a
 * new reference (see ctorch/memory.h) or NULL on error (see ctorch/error.h).
 *
 * Options come last as designated initializers and default to PyTorch's choice:
 *
 *     ct_tensor *a = ct_zeros(CT_SHAPE(2, 3));                  // float32
 *     ct_tensor *b = ct_ones(CT_SHAPE(4), .dtype = CT_I64);
 *     ct_tensor *w = ct_randn(CT_SHAPE(784, 256), .requires_grad = true);
 */
#ifndef CTORCH_TENSOR_H
#define CTORCH_TENSOR_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ dtypes */

/** Bytes per element of dtype (0 for CT_DTYPE_UNSET). */
size_t ct_dtype_size(ct_dtype dtype);
/** PyTorch's short name: "float", "double", "int", "long", "unsigned char", "bool". */
const char *ct_dtype_name(ct_dtype dtype);
/** PyTorch's full name: "torch.float32", "torch.int64", ... */
const char *ct_dtype_torch_name(ct_dtype dtype);
/** True for CT_F32 and CT_F64. */
bool ct_dtype_is_floating(ct_dtype dtype);
/** True for the integer dtypes, and for CT_BOOL when include_bool is true. */
bool ct_dtype_is_integral(ct_dtype dtype, bool include_bool);

/** torch.promote_types: the smallest dtype both a and b convert to safely. */
ct_dtype ct_promote_types(ct_dtype a, ct_dtype b);

/**
 * torch.result_type for two tensors: like ct_promote_types, except that a 0-d
 * tensor only decides the result when it is of a higher category (bool <
 * integer < floating) than the dimensioned one, as PyTorch does.
 */
ct_dtype ct_result_type(const ct_tensor *a, const ct_tensor *b);
/** torch.result_type(tensor, python_scalar): a scalar only lifts the category. */
ct_dtype ct_result_type_scalar(const ct_tensor *a, ct_scalar s);

/** Sets the dtype floating creation functions use by default (CT_F32 or CT_F64). */
int ct_set_default_dtype(ct_dtype dtype);
/** The default floating dtype (CT_F32 unless changed). */
ct_dtype ct_get_default_dtype(void);

/* ---------------------------------------------------------------- devices */

/** "cpu", "cuda:0", ... written into buf (at least 16 bytes); returns buf. */
const char *ct_device_str(ct_device device, char *buf, size_t size);
/** True when a and b name the same device. */
bool ct_device_equal(ct_device a, ct_device b);

/* --------------------------------------------------------------- creation */

#define CT__OPTS_FIELDS                                                                 \
    ct_dtype dtype;                                                                     \
    ct_device device;                                                                   \
    bool requires_grad;                                                                 \
    ct_generator *generator;

/** Arguments of the shape-taking creators; use the macros, not this struct. */
typedef struct ct_shape_args { int ct__; ct_shape shape; CT__OPTS_FIELDS } ct_shape_args;
typedef struct ct_full_args { int ct__; ct_shape shape; double value; CT__OPTS_FIELDS } ct_full_args;
typedef struct ct_like_args { int ct__; const ct_tensor *like; CT__OPTS_FIELDS } ct_like_args;
typedef struct ct_full_like_args { int ct__; const ct_tensor *like; double value; CT__OPTS_FIELDS } ct_full_like_args;
typedef struct ct_value_args { int ct__; double value; CT__OPTS_FIELDS } ct_value_args;
typedef struct ct_eye_args { int ct__; int64_t n; int64_t m; CT__OPTS_FIELDS } ct_eye_args;
typedef struct ct_linspace_args { int ct__; double start; double end; int64_t steps; CT__OPTS_FIELDS } ct_linspace_args;
typedef struct ct_randint_args { int ct__; int64_t low; int64_t high; ct_shape shape; CT__OPTS_FIELDS } ct_randint_args;
typedef struct ct_randperm_args { int ct__; int64_t n; CT__OPTS_FIELDS } ct_randperm_args;

/** torch.empty(shape): uninitialized memory. */
#define ct_empty(...) ct_empty_((ct_shape_args){.ct__ = 0, __VA_ARGS__})
/** torch.zeros(shape). */
#define ct_zeros(...) ct_zeros_((ct_shape_args){.ct__ = 0, __VA_ARGS__})
/** torch.ones(shape). */
#define ct_ones(...) ct_ones_((ct_shape_args){.ct__ = 0, __VA_ARGS__})
/** torch.full(shape, value). The dtype is the default float unless .dtype is given. */
#define ct_full(...) ct_full_((ct_full_args){.ct__ = 0, __VA_ARGS__})
/** torch.eye(n) or torch.eye(n, m): ct_eye(3) or ct_eye(3, 4); m = 0 means m = n. */
#define ct_eye(...) ct_eye_((ct_eye_args){.ct__ = 0, __VA_ARGS__})
/** torch.linspace(start, end, steps). */
#define ct_linspace(...) ct_linspace_((ct_linspace_args){.ct__ = 0, __VA_ARGS__})
/** torch.tensor(value): a 0-d tensor, ct_scalar_tensor(3.5) or ct_scalar_tensor(3, .dtype = CT_I64). */
#define ct_scalar_tensor(...) ct_scalar_tensor_((ct_value_args){.ct__ = 0, __VA_ARGS__})

/** torch.empty_like / zeros_like / ones_like / full_like / rand_like / randn_like. */
#define ct_empty_like(...) ct_empty_like_((ct_like_args){.ct__ = 0, __VA_ARGS__})
#define ct_zeros_like(...) ct_zeros_like_((ct_like_args){.ct__ = 0, __VA_ARGS__})
#define ct_ones_like(...) ct_ones_like_((ct_like_args){.ct__ = 0, __VA_ARGS__})
#define ct_full_like(...) ct_full_like_((ct_full_like_args){.ct__ = 0, __VA_ARGS__})
#define ct_rand_like(...) ct_rand_like_((ct_like_args){.ct__ = 0, __VA_ARGS__})
#define ct_randn_like(...) ct_randn_like_((ct_like_args){.ct__ = 0, __VA_ARGS__})

/**
 * torch.arange(start, end, step): values start, start+step, ... below end
 * (above it for a negative step); length ceil((end - start) / step). As in
 * PyTorch the dtype is int64 when all three arguments are integers (by their C
 * type) and the default float dtype otherwise: ct_arange(0, 10, 1) is int64,
 * ct_arange(0, 1, 0.1) is float32. ct_arange_ takes explicit options.
 */
#define ct_arange(start, end, step)                                                     \
    ct_arange_(CT_SCALAR(start), CT_SCALAR(end), CT_SCALAR(step), (ct_opts){.ct__ = 0})

/** torch.rand(shape): uniform on [0, 1). Uses .generator, or the default one. */
#define ct_rand(...) ct_rand_((ct_shape_args){.ct__ = 0, __VA_ARGS__})
/** torch.randn(shape): standard normal. */
#define ct_randn(...) ct_randn_((ct_shape_args){.ct__ = 0, __VA_ARGS__})
/** torch.randint(low, high, shape): integers in [low, high), int64 by default. */
#define ct_randint(...) ct_randint_((ct_randint_args){.ct__ = 0, __VA_ARGS__})
/** torch.randperm(n): a random permutation of 0..n-1, int64 by default. */
#define ct_randperm(...) ct_randperm_((ct_randperm_args){.ct__ = 0, __VA_ARGS__})

ct_tensor *ct_empty_(ct_shape_args a);
ct_tensor *ct_zeros_(ct_shape_args a);
ct_tensor *ct_ones_(ct_shape_args a);
ct_tensor *ct_full_(ct_full_args a);
ct_tensor *ct_eye_(ct_eye_args a);
ct_tensor *ct_linspace_(ct_linspace_args a);
ct_tensor *ct_scalar_tensor_(ct_value_args a);
ct_tensor *ct_empty_like_(ct_like_args a);
ct_tensor *ct_zeros_like_(ct_like_args a);
ct_tensor *ct_ones_like_(ct_like_args a);
ct_tensor *ct_full_like_(ct_full_like_args a);
ct_tensor *ct_rand_like_(ct_like_args a);
ct_tensor *ct_randn_like_(ct_like_args a);
ct_tensor *ct_arange_(ct_scalar start, ct_scalar end, ct_scalar step, ct_opts opts);
ct_tensor *ct_rand_(ct_shape_args a);
ct_tensor *ct_randn_(ct_shape_args a);
ct_tensor *ct_randint_(ct_randint_args a);
ct_tensor *ct_randperm_(ct_randperm_args a);

/**
 * torch.tensor(data).view(shape): a new tensor holding a COPY of the
 * numel(shape) elements of type `dtype` at data (C order).
 */
ct_tensor *ct_from_data(const void *data, ct_dtype dtype, ct_shape shape);

/**
 * Like ct_from_data, but checks that `count` elements were given; the
 * ct_from_floats / ct_from_doubles / ct_from_longs / ct_from_ints macros count
 * the values for you:
 *
 *     ct_tensor *x = ct_from_floats(CT_SHAPE(2, 2), 1, 2, 3, 4);
 */
ct_tensor *ct_from_values(const void *data, size_t count, ct_dtype dtype, ct_shape shape);
#define CT__FROM_VALUES(ctype, dtype, shape, ...)                                       \
    ct_from_values((const ctype[]){__VA_ARGS__},                                        \
                   sizeof((const ctype[]){__VA_ARGS__}) / sizeof(ctype), dtype, shape)
#define ct_from_floats(shape, ...) CT__FROM_VALUES(float, CT_F32, shape, __VA_ARGS__)
#define ct_from_doubles(shape, ...) CT__FROM_VALUES(double, CT_F64, shape, __VA_ARGS__)
#define ct_from_longs(shape, ...) CT__FROM_VALUES(int64_t, CT_I64, shape, __VA_ARGS__)
#define ct_from_ints(shape, ...) CT__FROM_VALUES(int32_t, CT_I32, shape, __VA_ARGS__)

/**
 * torch.from_numpy: wraps the caller's contiguous buffer WITHOUT copying. The
 * caller keeps ownership and must keep the buffer alive while any tensor or
 * view of it lives; writes through either side are seen by the other.
 */
ct_tensor *ct_from_blob(void *data, ct_dtype dtype, ct_shape shape);

/**
 * ct_from_blob with explicit strides (in elements) and an optional deleter,
 * called as deleter(data, ctx) when the last tensor using the buffer is freed.
 */
ct_tensor *ct_from_blob_strided(void *data, ct_dtype dtype, ct_shape shape,
                                const int64_t *strides, void (*deleter)(void *data, void *ctx),
                                void *ctx);

/* --------------------------------------------------------------- metadata */

/** Number of dims (0 for a scalar tensor). Returns -1 for NULL. */
int ct_dim(const ct_tensor *t);
/** The sizes of the dims: ct_dim(t) entries. */
const int64_t *ct_sizes(const ct_tensor *t);
/** The shape as a value. */
ct_shape ct_shape_of(const ct_tensor *t);
/** Size of dim i; negative i counts from the end. -1 (and an error) if out of range. */
int64_t ct_size(const ct_tensor *t, int i);
/** The strides in elements: ct_dim(t) entries. */
const int64_t *ct_strides(const ct_tensor *t);
/** Stride of dim i (negative i counts from the end). */
int64_t ct_stride(const ct_tensor *t, int i);
/** Offset of the first element in the storage, in elements. */
int64_t ct_storage_offset(const ct_tensor *t);
/** Number of elements. */
int64_t ct_numel(const ct_tensor *t);
/** The element type. */
ct_dtype ct_dtype_of(const ct_tensor *t);
/** The device the tensor lives on. */
ct_device ct_device_of(const ct_tensor *t);
/** Bytes per element. */
size_t ct_element_size(const ct_tensor *t);
/** True when the elements are laid out densely in C order (PyTorch's rule: size-1 dims are ignored). */
bool ct_is_contiguous(const ct_tensor *t);
/** Address of the first element (storage data + offset). */
void *ct_data_ptr(const ct_tensor *t);
/** True when a and b are views of the same storage. */
bool ct_shares_storage(const ct_tensor *a, const ct_tensor *b);
/** The version counter, shared by all views of a storage and bumped by in-place ops. */
int64_t ct_version(const ct_tensor *t);
/**
 * Bumps the version counter of t's storage, as an in-place op does. Call it
 * after writing into a tensor through its data pointer (ct_data_f32, ...)
 * so that a graph that saved the tensor detects the change. NULL is ignored.
 */
void ct_bump_version(ct_tensor *t);

/**
 * Typed data pointers: the first element as the C type of the tensor's dtype,
 * or NULL (and an error "expected scalar type Float but found Long") if the
 * dtype differs. CT_BOOL data is `bool`.
 */
float *ct_data_f32(const ct_tensor *t);
double *ct_data_f64(const ct_tensor *t);
int32_t *ct_data_i32(const ct_tensor *t);
int64_t *ct_data_i64(const ct_tensor *t);
uint8_t *ct_data_u8(const ct_tensor *t);
bool *ct_data_bool(const ct_tensor *t);

/**
 * tensor.item(): the value of a one-element tensor as a double. NaN (and an
 * error) if t has more than one element.
 */
double ct_item(const ct_tensor *t);
/** tensor.item() as an exact int64 (floats are truncated toward zero). */
int64_t ct_item_int(const ct_tensor *t);
/** tensor.item() as a bool (non-zero is true). */
bool ct_item_bool(const ct_tensor *t);

/**
 * Reads one element by index (ct_dim(t) entries, negative allowed), converted
 * to double. NaN and an error if an index is out of range.
 */
double ct_get(const ct_tensor *t, const int64_t *index);
/** Writes one element by index, converting value to the dtype; returns 0 or a negative error. */
int ct_set(ct_tensor *t, const int64_t *index, double value);

/** Copies all elements, converted to `dtype`, into out (C order); returns 0 or a negative error. */
int ct_copy_to_buffer(const ct_tensor *t, void *out, ct_dtype dtype, size_t count);

/* ------------------------------------------------------------ conversions */

/** tensor.to(dtype): a new tensor of that dtype, or t itself (a new reference) when it already has it. */
ct_tensor *ct_to_dtype(ct_tensor *t, ct_dtype dtype);
/** tensor.clone(): a copy with its own contiguous storage. */
ct_tensor *ct_clone(ct_tensor *t);
/** tensor.contiguous(): t itself (a new reference) when contiguous, else a contiguous copy. */
ct_tensor *ct_contiguous(ct_tensor *t);
/**
 * dst.copy_(src): copies src into dst in place, broadcasting src to dst's shape
 * and converting dtype. Returns dst (not a new reference) or NULL on error.
 */
ct_tensor *ct_copy_(ct_tensor *dst, const ct_tensor *src);
/** dst.fill_(value): every element set to value. Returns dst or NULL. */
ct_tensor *ct_fill_(ct_tensor *dst, double value);
/** dst.zero_(). Returns dst or NULL. */
ct_tensor *ct_zero_(ct_tensor *dst);

/** True if t requires grad (see ctorch/autograd.h). */
bool ct_requires_grad(const ct_tensor *t);
/** tensor.requires_grad_(flag): only leaves of floating dtype may require grad. Returns t or NULL. */
ct_tensor *ct_requires_grad_(ct_tensor *t, bool flag);

#ifdef __cplusplus
}
#endif
#endif
