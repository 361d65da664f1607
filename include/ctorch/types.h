/*
 * ctorch/types.h - the small value types every other header uses:
 * dtypes, devices, shapes, scalars and the creation options.
 */
#ifndef CTORCH_TYPES_H
#define CTORCH_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Token pasting for the block macros (CT_SCOPE, CT_NO_GRAD). */
#define CT__CAT2(a, b) a##b
#define CT__CAT(a, b) CT__CAT2(a, b)

/** Most dimensions a tensor can have. */
#define CT_MAX_DIMS 8

/** A tensor. Opaque: read it through the accessors in ctorch/tensor.h. */
typedef struct ct_tensor ct_tensor;

/** A random number generator (ctorch/random.h). */
typedef struct ct_generator ct_generator;

/**
 * Element types. CT_DTYPE_UNSET (0) means "not given" in option structs, so a
 * zero-initialized option picks PyTorch's default for that call.
 * Promotion between them follows PyTorch's table (ct_promote_types).
 */
typedef enum ct_dtype {
    CT_DTYPE_UNSET = 0,
    CT_F32,  /**< torch.float32, the default floating dtype */
    CT_F64,  /**< torch.float64 */
    CT_I32,  /**< torch.int32 */
    CT_I64,  /**< torch.int64 (torch.long), the default integer dtype */
    CT_U8,   /**< torch.uint8 */
    CT_BOOL, /**< torch.bool, stored as one byte holding 0 or 1 */
    CT_NUM_DTYPES
} ct_dtype;

/** Kinds of device. Only CT_DEVICE_CPU exists today; every tensor carries its device. */
typedef enum ct_device_type { CT_DEVICE_CPU = 0, CT_DEVICE_CUDA = 1 } ct_device_type;

/** A device: its kind and index (cuda:0, cuda:1, ...). Zero-initialized means cpu. */
typedef struct ct_device {
    ct_device_type type;
    int index;
} ct_device;

/** The cpu device. */
#define CT_CPU ((ct_device){CT_DEVICE_CPU, 0})

/**
 * A shape (or any short list of dims): ndim entries of d[].
 * Build one with CT_SHAPE(2, 3) or CT_DIMS(0, 2, 1); CT_SHAPE0 is the 0-d shape.
 */
typedef struct ct_shape {
    int ndim;
    int64_t d[CT_MAX_DIMS];
} ct_shape;

#define CT_SHAPE(...)                                                                   \
    ((ct_shape){.ndim = (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)),      \
                .d = {__VA_ARGS__}})
/** A list of dims, e.g. for ct_permute or ct_sum_dims; same type as a shape. */
#define CT_DIMS(...) CT_SHAPE(__VA_ARGS__)
/** The shape of a 0-d (scalar) tensor. */
#define CT_SHAPE0 ((ct_shape){.ndim = 0})

/** Which kind of number a ct_scalar holds; it decides type promotion like Python's. */
typedef enum ct_scalar_kind { CT_SCALAR_BOOL, CT_SCALAR_INT, CT_SCALAR_FLOAT } ct_scalar_kind;

/**
 * A number passed to an op the way Python passes one: an int stays an int
 * (int64), a float is a float (double), a bool a bool. CT_SCALAR(x) picks the
 * kind from x's C type, so CT_SCALAR(2) is an int and CT_SCALAR(2.0) a float.
 */
typedef struct ct_scalar {
    ct_scalar_kind kind;
    union {
        double f;
        int64_t i;
    } v;
} ct_scalar;

static inline ct_scalar ct_scalar_float(double x) { ct_scalar s; s.kind = CT_SCALAR_FLOAT; s.v.f = x; return s; }
static inline ct_scalar ct_scalar_int(int64_t x) { ct_scalar s; s.kind = CT_SCALAR_INT; s.v.i = x; return s; }
static inline ct_scalar ct_scalar_bool(bool x) { ct_scalar s; s.kind = CT_SCALAR_BOOL; s.v.i = x ? 1 : 0; return s; }
static inline ct_scalar ct_scalar_same(ct_scalar x) { return x; }
/** The scalar's value as a double. */
static inline double ct_scalar_to_double(ct_scalar s) { return s.kind == CT_SCALAR_FLOAT ? s.v.f : (double)s.v.i; }

#define CT_SCALAR(x)                                                                    \
    _Generic((x), float: ct_scalar_float, double: ct_scalar_float,                     \
             long double: ct_scalar_float, _Bool: ct_scalar_bool,                       \
             ct_scalar: ct_scalar_same, default: ct_scalar_int)(x)

/**
 * Options shared by every function that creates a tensor, passed as trailing
 * designated initializers: ct_zeros(CT_SHAPE(2, 3), .dtype = CT_F64).
 * Fields left out keep PyTorch's default: dtype float32 (or the dtype the
 * function infers), cpu, requires_grad false, the default generator.
 */
typedef struct ct_opts {
    int ct__; /* keeps the option idiom free of empty initializers; ignore */
    ct_dtype dtype;
    ct_device device;
    bool requires_grad;
    ct_generator *generator;
} ct_opts;

#ifdef __cplusplus
}
#endif
#endif
