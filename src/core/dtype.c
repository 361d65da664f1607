/*
 * src/core/dtype.c - dtype sizes, names, element conversion and PyTorch's
 * type promotion rules.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>

#include "internal.h"

const size_t ct__dtype_sizes[CT_NUM_DTYPES] = {
#define X(e, T, s) [e] = sizeof(T),
    CT_FOR_EACH_DTYPE(X)
#undef X
};

static const char *const short_names[CT_NUM_DTYPES] = {
    [CT_DTYPE_UNSET] = "undefined", [CT_F32] = "float", [CT_F64] = "double",
    [CT_I32] = "int",               [CT_I64] = "long",  [CT_U8] = "unsigned char",
    [CT_BOOL] = "bool",
};

static const char *const torch_names[CT_NUM_DTYPES] = {
    [CT_DTYPE_UNSET] = "torch.undefined", [CT_F32] = "torch.float32", [CT_F64] = "torch.float64",
    [CT_I32] = "torch.int32",             [CT_I64] = "torch.int64",   [CT_U8] = "torch.uint8",
    [CT_BOOL] = "torch.bool",
};

#undef ct_dtype_size
size_t ct_dtype_size(ct_dtype d) { return ct__dtype_size_inline(d); }

const char *ct_dtype_name(ct_dtype d) { return ct__dtype_valid(d) ? short_names[d] : "undefined"; }

const char *ct_dtype_torch_name(ct_dtype d) {
    return ct__dtype_valid(d) ? torch_names[d] : "torch.undefined";
}

bool ct_dtype_is_floating(ct_dtype d) { return d == CT_F32 || d == CT_F64; }

bool ct_dtype_is_integral(ct_dtype d, bool include_bool) {
    return d == CT_I32 || d == CT_I64 || d == CT_U8 || (include_bool && d == CT_BOOL);
}

/* 0 bool, 1 integer, 2 floating: PyTorch's categories for result_type. */
static int category(ct_dtype d) {
    if (d == CT_BOOL) return 0;
    return ct_dtype_is_floating(d) ? 2 : 1;
}

/*
 * PyTorch's promotion table restricted to our dtypes (c10/core/ScalarType.h):
 * rows and columns in enum order u8, ... as below.
 */
#define F4 CT_F32
#define F8 CT_F64
#define I4 CT_I32
#define I8 CT_I64
#define U1 CT_U8
#define B1 CT_BOOL
static const ct_dtype promote_table[CT_NUM_DTYPES][CT_NUM_DTYPES] = {
    /*            unset  f32 f64 i32 i64 u8  bool */
    [CT_F32]  = {0,     F4, F8, F4, F4, F4, F4},
    [CT_F64]  = {0,     F8, F8, F8, F8, F8, F8},
    [CT_I32]  = {0,     F4, F8, I4, I8, I4, I4},
    [CT_I64]  = {0,     F4, F8, I8, I8, I8, I8},
    [CT_U8]   = {0,     F4, F8, I4, I8, U1, U1},
    [CT_BOOL] = {0,     F4, F8, I4, I8, U1, B1},
};
#undef F4
#undef F8
#undef I4
#undef I8
#undef U1
#undef B1

ct_dtype ct_promote_types(ct_dtype a, ct_dtype b) {
    if (!ct__dtype_valid(a)) return b;
    if (!ct__dtype_valid(b)) return a;
    return promote_table[a][b];
}

/* c10's combine_categories: a lower-priority operand only counts if it lifts the category. */
static ct_dtype combine(ct_dtype higher, ct_dtype lower) {
    if (!ct__dtype_valid(higher)) return lower;
    if (!ct__dtype_valid(lower)) return higher;
    if (category(lower) > category(higher)) return ct_promote_types(higher, lower);
    return higher;
}

static _Atomic ct_dtype g_default_dtype = CT_F32;

int ct_set_default_dtype(ct_dtype d) {
    if (!ct_dtype_is_floating(d)) {
        ct__error(CT_ERR_TYPE, "ct_set_default_dtype",
                  "only floating-point types are supported as the default type");
        return CT_ERR_TYPE;
    }
    atomic_store(&g_default_dtype, d);
    return 0;
}

ct_dtype ct_get_default_dtype(void) { return atomic_load(&g_default_dtype); }

ct_dtype ct_result_type(const ct_tensor *a, const ct_tensor *b) {
    if (!a || !b) return a ? a->dtype : b ? b->dtype : CT_DTYPE_UNSET;
    bool a0 = a->ndim == 0, b0 = b->ndim == 0;
    if (a0 == b0) return ct_promote_types(a->dtype, b->dtype);
    return a0 ? combine(b->dtype, a->dtype) : combine(a->dtype, b->dtype);
}

ct_dtype ct_result_type_scalar(const ct_tensor *a, ct_scalar s) {
    if (!a) return CT_DTYPE_UNSET;
    ct_dtype sd = s.kind == CT_SCALAR_FLOAT ? ct_get_default_dtype()
                  : s.kind == CT_SCALAR_INT ? CT_I64
                                            : CT_BOOL;
    return combine(a->dtype, sd);
}

double ct__load_f64(const void *p, ct_dtype d) {
    switch (d) {
#define X(e, T, s) case e: return (double)*(const T *)p;
        CT_FOR_EACH_DTYPE(X)
#undef X
    default: return NAN;
    }
}

int64_t ct__load_i64(const void *p, ct_dtype d) {
    switch (d) {
    case CT_F32: return (int64_t)*(const float *)p;
    case CT_F64: return (int64_t)*(const double *)p;
    case CT_I32: return *(const int32_t *)p;
    case CT_I64: return *(const int64_t *)p;
    case CT_U8: return *(const uint8_t *)p;
    case CT_BOOL: return *(const bool *)p;
    default: return 0;
    }
}

void ct__store_f64(void *p, ct_dtype d, double v) {
    switch (d) {
    case CT_F32: *(float *)p = (float)v; break;
    case CT_F64: *(double *)p = v; break;
    case CT_I32: *(int32_t *)p = (int32_t)v; break;
    case CT_I64: *(int64_t *)p = (int64_t)v; break;
    case CT_U8: *(uint8_t *)p = (uint8_t)(int64_t)v; break; /* wraps like PyTorch */
    case CT_BOOL: *(bool *)p = v != 0; break;
    default: break;
    }
}

void ct__store_i64(void *p, ct_dtype d, int64_t v) {
    switch (d) {
    case CT_F32: *(float *)p = (float)v; break;
    case CT_F64: *(double *)p = (double)v; break;
    case CT_I32: *(int32_t *)p = (int32_t)v; break;
    case CT_I64: *(int64_t *)p = v; break;
    case CT_U8: *(uint8_t *)p = (uint8_t)v; break;
    case CT_BOOL: *(bool *)p = v != 0; break;
    default: break;
    }
}

bool ct__check_value_fits(double v, ct_dtype d, const char *fn) {
    bool ok = true;
    const char *name = "";
    switch (d) {
    case CT_F32: ok = !isfinite(v) || fabs(v) <= FLT_MAX; name = "float"; break;
    case CT_I32: ok = v >= -0x1p31 && v < 0x1p31; name = "int"; break;
    case CT_I64: ok = v >= -0x1p63 && v < 0x1p63; name = "int64_t"; break;
    case CT_U8: ok = v > -256 && v < 256; name = "uint8_t"; break;
    default: break;
    }
    if (!ok) ct__error(CT_ERR_RUNTIME, fn, "value cannot be converted to type %s without overflow", name);
    return ok;
}

void ct__store_scalar(void *p, ct_dtype d, ct_scalar s) {
    if (s.kind == CT_SCALAR_FLOAT) ct__store_f64(p, d, s.v.f);
    else ct__store_i64(p, d, s.v.i);
}

const char *ct_device_str(ct_device dev, char *buf, size_t size) {
    if (dev.type == CT_DEVICE_CPU) snprintf(buf, size, "cpu");
    else snprintf(buf, size, "cuda:%d", dev.index);
    return buf;
}

bool ct_device_equal(ct_device a, ct_device b) { return a.type == b.type && a.index == b.index; }

const char *ct__scalar_type_name(ct_dtype d) {
    static const char *const names[CT_NUM_DTYPES] = {
        [CT_DTYPE_UNSET] = "Undefined", [CT_F32] = "Float", [CT_F64] = "Double", [CT_I32] = "Int",
        [CT_I64] = "Long",              [CT_U8] = "Byte",   [CT_BOOL] = "Bool",
    };
    return ct__dtype_valid(d) ? names[d] : "Undefined";
}
