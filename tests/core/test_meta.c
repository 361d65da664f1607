/*
 * tests/core/test_meta.c - reading what a tensor is: dims, sizes, strides,
 * contiguity (PyTorch's rule), data pointers, item, get/set.
 */
#include "../fixtures/core_cases.h"
#include "test.h"

TEST(dims_sizes_strides) {
    CT_SCOPE {
        ct_tensor *t = ct_zeros(CT_SHAPE(2, 3, 4));
        CHECK_EQ_INT(ct_dim(t), 3);
        CHECK_EQ_INT(ct_sizes(t)[0], 2);
        CHECK_EQ_INT(ct_sizes(t)[2], 4);
        ct_shape s = ct_shape_of(t);
        CHECK_EQ_INT(s.ndim, 3);
        CHECK(s.d[0] == 2 && s.d[1] == 3 && s.d[2] == 4);
        CHECK_EQ_INT(ct_size(t, 0), 2);
        CHECK_EQ_INT(ct_size(t, -1), 4);
        CHECK_EQ_INT(ct_size(t, -3), 2);
        CHECK_EQ_INT(ct_strides(t)[0], 12);
        CHECK_EQ_INT(ct_stride(t, 1), 4);
        CHECK_EQ_INT(ct_stride(t, -1), 1);
        CHECK_EQ_INT(ct_numel(t), 24);
        CHECK_EQ_INT(ct_storage_offset(t), 0);
        CHECK_EQ_INT(ct_element_size(t), 4);
        CHECK_EQ_INT(ct_element_size(ct_zeros(CT_SHAPE(1), .dtype = CT_F64)), 8);
        CHECK_EQ_INT(ct_element_size(ct_zeros(CT_SHAPE(1), .dtype = CT_BOOL)), 1);
        CHECK(ct_device_equal(ct_device_of(t), CT_CPU));
        CHECK_EQ_INT(ct_dtype_of(t), CT_F32);

        ct_tensor *m = ct_zeros(CT_SHAPE(2, 3));
        CHECK_EQ_INT(ct_size(m, 2), -1);
        CHECK_ERROR(CORE_MSG_SIZE_OUT_OF_RANGE);
        CHECK_EQ_INT(ct_last_error_code(), CT_OK); /* CHECK_ERROR cleared it */
        CHECK_EQ_INT(ct_size(m, -3), -1);
        CHECK_EQ_INT(ct_last_error_code(), CT_ERR_INDEX);
        CHECK_ERROR("Dimension out of range (expected to be in range of [-2, 1], but got -3)");
        CHECK_EQ_INT(ct_stride(m, 2), -1);
        CHECK_ERROR(CORE_MSG_SIZE_OUT_OF_RANGE);

        /* PyTorch's contiguous strides treat empty dims as size 1: [2, 0, 3] -> (3, 3, 1). */
        ct_tensor *e = ct_zeros(CT_SHAPE(2, 0, 3));
        CHECK(ct_strides(e)[0] == 3 && ct_strides(e)[1] == 3 && ct_strides(e)[2] == 1);
        CHECK_EQ_INT(ct_numel(e), 0);

        /* 0-d: no sizes, numel 1, size(0) is an error as in PyTorch. */
        ct_tensor *z = ct_scalar_tensor(1.0);
        CHECK_EQ_INT(ct_dim(z), 0);
        CHECK_EQ_INT(ct_numel(z), 1);
        CHECK_EQ_INT(ct_shape_of(z).ndim, 0);
        CHECK_EQ_INT(ct_size(z, 0), -1);
        CHECK_ERROR(CORE_MSG_SIZE_OF_0D);
        CHECK_EQ_INT(ct_stride(z, -1), -1);
        CHECK_ERROR("Dimension specified as -1 but tensor has no dimensions");
        CHECK(ct_is_contiguous(z));
    }
}

/* A strided view over `base`'s memory (base must outlive it). */
static ct_tensor *strided(ct_tensor *base, ct_shape shape, const int64_t *st) {
    return ct_from_blob_strided(ct_data_ptr(base), ct_dtype_of(base), shape, st, NULL, NULL);
}

TEST(is_contiguous_follows_pytorch) {
    CT_SCOPE {
        ct_tensor *b = ct_zeros(CT_SHAPE(64));
        CHECK(ct_is_contiguous(b));
        CHECK(ct_is_contiguous(ct_zeros(CT_SHAPE(3, 4))));
        /* Transposed: not contiguous. */
        CHECK(!ct_is_contiguous(strided(b, CT_SHAPE(4, 3), (int64_t[]){1, 4})));
        /* Size-1 dims may have any stride. */
        CHECK(ct_is_contiguous(strided(b, CT_SHAPE(1, 4), (int64_t[]){100, 1})));
        CHECK(ct_is_contiguous(strided(b, CT_SHAPE(4, 1), (int64_t[]){1, 7})));
        CHECK(ct_is_contiguous(strided(b, CT_SHAPE(2, 1, 3), (int64_t[]){3, 0, 1})));
        /* Empty tensors are contiguous whatever their strides. */
        CHECK(ct_is_contiguous(strided(b, CT_SHAPE(0, 4), (int64_t[]){1, 9})));
        CHECK(ct_is_contiguous(strided(b, CT_SHAPE(3, 0), (int64_t[]){5, 5})));
        /* Step-sliced and broadcast (stride 0) are not. */
        CHECK(!ct_is_contiguous(strided(b, CT_SHAPE(4), (int64_t[]){2})));
        CHECK(!ct_is_contiguous(strided(b, CT_SHAPE(3, 4), (int64_t[]){0, 1})));
        /* A row slice [2, 3] of a [2, 5] tensor: stride (5, 1), not contiguous. */
        CHECK(!ct_is_contiguous(strided(b, CT_SHAPE(2, 3), (int64_t[]){5, 1})));
    }
}

TEST(typed_data_pointers) {
    CT_SCOPE {
        ct_tensor *f = ct_from_floats(CT_SHAPE(2), 1.5f, 2.5f);
        CHECK(ct_data_f32(f) == ct_data_ptr(f));
        CHECK(ct_data_f32(f)[1] == 2.5f);
        ct_tensor *l = ct_zeros(CT_SHAPE(2), .dtype = CT_I64);
        CHECK(ct_data_i64(l) == ct_data_ptr(l));
        CHECK(ct_data_f32(l) == NULL);
        CHECK_ERROR("expected scalar type Float but found Long");
        CHECK(ct_data_f64(f) == NULL);
        CHECK_ERROR("expected scalar type Double but found Float");
        CHECK(ct_data_i32(f) == NULL);
        CHECK_ERROR("expected scalar type Int but found Float");
        CHECK(ct_data_u8(l) == NULL);
        CHECK_ERROR("expected scalar type Byte but found Long");
        CHECK(ct_data_bool(l) == NULL);
        CHECK_ERROR("expected scalar type Bool but found Long");
        CHECK(ct_data_i64(f) == NULL);
        CHECK_ERROR("expected scalar type Long but found Float");
        CHECK(ct_data_u8(ct_zeros(CT_SHAPE(1), .dtype = CT_U8)) != NULL);
        CHECK(ct_data_bool(ct_zeros(CT_SHAPE(1), .dtype = CT_BOOL)) != NULL);
        CHECK(ct_data_i32(ct_zeros(CT_SHAPE(1), .dtype = CT_I32)) != NULL);
        CHECK(ct_data_f64(ct_zeros(CT_SHAPE(1), .dtype = CT_F64)) != NULL);
        /* The data pointer includes the storage offset. */
        ct_tensor *base = ct_arange(0, 10, 1);
        ct_tensor *v = ct_from_blob_strided(ct_data_i64(base) + 3, CT_I64, CT_SHAPE(2), NULL, NULL, NULL);
        CHECK_EQ_INT(ct_data_i64(v)[0], 3);
        CHECK(ct_data_ptr(NULL) == NULL);
        CHECK_ERROR("argument 'self' is NULL");
    }
}

TEST(item_of_one_element) {
    CT_SCOPE {
        CHECK(ct_item(ct_scalar_tensor(2.5)) == 2.5);
        CHECK(ct_item(ct_full(CT_SHAPE(1, 1, 1), .value = -3, .dtype = CT_I32)) == -3);
        CHECK_EQ_INT(ct_item_int(ct_scalar_tensor(-2.7)), -2); /* toward zero */
        CHECK_EQ_INT(ct_item_int(ct_from_longs(CT_SHAPE(1), INT64_MAX)), INT64_MAX); /* exact */
        CHECK(ct_item(ct_scalar_tensor(200, .dtype = CT_U8)) == 200);
        CHECK(ct_item_bool(ct_scalar_tensor(0.1)));
        CHECK(!ct_item_bool(ct_scalar_tensor(0)));
        CHECK(ct_item_bool(ct_scalar_tensor(1, .dtype = CT_BOOL)));

        ct_tensor *two = ct_zeros(CT_SHAPE(2));
        CHECK(isnan(ct_item(two)));
        CHECK_EQ_INT(ct_last_error_code(), CT_ERR_RUNTIME);
        CHECK_ERROR("a Tensor with 2 elements cannot be converted to Scalar");
        CHECK_EQ_INT(ct_item_int(two), 0);
        CHECK_ERROR("a Tensor with 2 elements cannot be converted to Scalar");
        CHECK(!ct_item_bool(two));
        CHECK_ERROR("a Tensor with 2 elements cannot be converted to Scalar");
        CHECK(isnan(ct_item(ct_zeros(CT_SHAPE(0)))));
        CHECK_ERROR("a Tensor with 0 elements cannot be converted to Scalar");
        CHECK(isnan(ct_item(NULL)));
        CHECK_ERROR("argument 'self' is NULL");
    }
}

TEST(get_and_set_by_index) {
    CT_SCOPE {
        ct_tensor *t = ct_from_floats(CT_SHAPE(2, 3), 0, 1, 2, 3, 4, 5);
        CHECK(ct_get(t, (int64_t[]){1, 2}) == 5);
        CHECK(ct_get(t, (int64_t[]){-1, -3}) == 3);
        CHECK(ct_get(t, (int64_t[]){-2, 0}) == 0);
        CHECK_EQ_INT(ct_set(t, (int64_t[]){-1, -1}, 50), 0);
        CHECK_VALUES(t, 0, 0, 1, 2, 3, 4, 50);
        CHECK(isnan(ct_get(t, (int64_t[]){0, 3})));
        CHECK_EQ_INT(ct_last_error_code(), CT_ERR_INDEX);
        CHECK_ERROR("index 3 is out of bounds for dimension 1 with size 3");
        CHECK(isnan(ct_get(t, (int64_t[]){0, 5})));
        CHECK_ERROR(CORE_MSG_INDEX_OUT_OF_BOUNDS);
        CHECK(isnan(ct_get(t, (int64_t[]){-3, 0})));
        CHECK_ERROR(CORE_MSG_INDEX_OUT_OF_BOUNDS_NEG);
        CHECK_EQ_INT(ct_set(t, (int64_t[]){2, 0}, 1), CT_ERR_INDEX);
        CHECK_ERROR("index 2 is out of bounds for dimension 0 with size 2");
        CHECK_VALUES(t, 0, 0, 1, 2, 3, 4, 50); /* unchanged */
        CHECK(isnan(ct_get(t, NULL)));
        CHECK_ERROR("argument 'index' is NULL");

        /* Through a strided view, and converting to the dtype. */
        int32_t buf[6] = {0, 1, 2, 3, 4, 5};
        ct_tensor *v = ct_from_blob_strided(buf, CT_I32, CT_SHAPE(3, 2), (int64_t[]){1, 3}, NULL, NULL);
        CHECK(ct_get(v, (int64_t[]){2, 1}) == 5);
        CHECK(ct_get(v, (int64_t[]){1, 0}) == 1);
        CHECK_EQ_INT(ct_set(v, (int64_t[]){0, 1}, -9.7), 0);
        CHECK(buf[3] == -9);
        CHECK_EQ_INT(ct_set(v, (int64_t[]){0, 0}, 1e10), CT_ERR_RUNTIME);
        CHECK_ERROR("value cannot be converted to type int without overflow");
        CHECK(buf[0] == 0);
        ct_tensor *u = ct_zeros(CT_SHAPE(1), .dtype = CT_U8);
        ct_set(u, (int64_t[]){0}, -1);
        CHECK(ct_item(u) == 255);
        /* A 0-d tensor takes an empty index (NULL is fine). */
        ct_tensor *s = ct_scalar_tensor(4.0);
        CHECK(ct_get(s, NULL) == 4.0);
        CHECK_EQ_INT(ct_set(s, NULL, 8.0), 0);
        CHECK(ct_item(s) == 8.0);
        CHECK(isnan(ct_get(ct_zeros(CT_SHAPE(0)), (int64_t[]){0})));
        CHECK_ERROR("index 0 is out of bounds for dimension 0 with size 0");
    }
}

TEST(null_tensor_metadata) {
    CHECK_EQ_INT(ct_dim(NULL), -1);
    CHECK_ERROR("ct_dim: argument 'self' is NULL");
    CHECK(ct_sizes(NULL) == NULL);
    CHECK_ERROR("argument 'self' is NULL");
    CHECK_EQ_INT(ct_numel(NULL), -1);
    CHECK_ERROR("argument 'self' is NULL");
    CHECK_EQ_INT(ct_size(NULL, 0), -1);
    CHECK_ERROR("argument 'self' is NULL");
    CHECK_EQ_INT(ct_shape_of(NULL).ndim, 0);
    CHECK_ERROR("argument 'self' is NULL");
    CHECK(!ct_is_contiguous(NULL));
    CHECK_ERROR("argument 'self' is NULL");
    CHECK(!ct_shares_storage(NULL, NULL));
    CHECK(!ct_requires_grad(NULL));
    CHECK_EQ_INT(ct_version(NULL), -1);
    CHECK_ERROR("argument 'self' is NULL");
}
