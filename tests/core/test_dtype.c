/*
 * tests/core/test_dtype.c - dtype sizes and names, torch.promote_types and
 * torch.result_type (tensor/tensor with 0-d operands, tensor/scalar), all
 * against the tables in tests/fixtures/core_cases.h.
 */
#include "../fixtures/core_cases.h"
#include "test.h"

static const ct_dtype k_order[6] = {CT_F32, CT_F64, CT_I32, CT_I64, CT_U8, CT_BOOL};

TEST(sizes_and_names) {
    const size_t sizes[6] = {4, 8, 4, 8, 1, 1};
    const char *names[6] = {"float", "double", "int", "long", "unsigned char", "bool"};
    const char *torch_names[6] = {"torch.float32", "torch.float64", "torch.int32",
                                  "torch.int64",   "torch.uint8",   "torch.bool"};
    for (int i = 0; i < 6; i++) {
        CHECK_EQ_INT(ct_dtype_size(k_order[i]), sizes[i]);
        CHECK_STR(ct_dtype_name(k_order[i]), names[i]);
        CHECK_STR(ct_dtype_torch_name(k_order[i]), torch_names[i]);
        CHECK_EQ_INT(ct_dtype_is_floating(k_order[i]), i < 2);
        CHECK_EQ_INT(ct_dtype_is_integral(k_order[i], false), i >= 2 && i <= 4);
        CHECK_EQ_INT(ct_dtype_is_integral(k_order[i], true), i >= 2);
    }
    CHECK_EQ_INT(ct_dtype_size(CT_DTYPE_UNSET), 0);
    CHECK_EQ_INT(ct_dtype_size((ct_dtype)77), 0);
    CHECK_STR(ct_dtype_name((ct_dtype)77), "undefined");
    CHECK_STR(ct_dtype_torch_name(CT_DTYPE_UNSET), "torch.undefined");
    char buf[16];
    CHECK_STR(ct_device_str(CT_CPU, buf, sizeof buf), "cpu");
    CHECK_STR(ct_device_str((ct_device){CT_DEVICE_CUDA, 1}, buf, sizeof buf), "cuda:1");
    CHECK(ct_device_equal(CT_CPU, (ct_device){0}));
    CHECK(!ct_device_equal(CT_CPU, (ct_device){CT_DEVICE_CUDA, 0}));
}

TEST(promote_types_all_pairs) {
    for (int a = 0; a < 6; a++)
        for (int b = 0; b < 6; b++) {
            ct_dtype got = ct_promote_types(k_order[a], k_order[b]);
            if (got != core_promote[a][b])
                ct_test_fail(__FILE__, __LINE__, "promote_types(%s, %s) = %s, torch: %s",
                             ct_dtype_torch_name(k_order[a]), ct_dtype_torch_name(k_order[b]),
                             ct_dtype_torch_name(got), ct_dtype_torch_name(core_promote[a][b]));
        }
    /* An unset side leaves the other. */
    CHECK_EQ_INT(ct_promote_types(CT_DTYPE_UNSET, CT_I32), CT_I32);
    CHECK_EQ_INT(ct_promote_types(CT_U8, CT_DTYPE_UNSET), CT_U8);
}

TEST(result_type_with_0d_tensors) {
    CT_SCOPE {
        for (int a0 = 0; a0 < 2; a0++)
            for (int b0 = 0; b0 < 2; b0++)
                for (int a = 0; a < 6; a++)
                    for (int b = 0; b < 6; b++) {
                        ct_tensor *ta = a0 ? ct_ones(CT_SHAPE0, .dtype = k_order[a])
                                           : ct_ones(CT_SHAPE(2), .dtype = k_order[a]);
                        ct_tensor *tb = b0 ? ct_ones(CT_SHAPE0, .dtype = k_order[b])
                                           : ct_ones(CT_SHAPE(2), .dtype = k_order[b]);
                        ct_dtype got = ct_result_type(ta, tb), want = core_result_type[a0][b0][a][b];
                        if (got != want)
                            ct_test_fail(__FILE__, __LINE__,
                                         "result_type(%s%s, %s%s) = %s, torch: %s",
                                         ct_dtype_torch_name(k_order[a]), a0 ? " 0-d" : "",
                                         ct_dtype_torch_name(k_order[b]), b0 ? " 0-d" : "",
                                         ct_dtype_torch_name(got), ct_dtype_torch_name(want));
                    }
        /* A dimensioned tensor with no elements still counts as dimensioned. */
        CHECK_EQ_INT(ct_result_type(ct_zeros(CT_SHAPE(0), .dtype = CT_I32),
                                    ct_zeros(CT_SHAPE0, .dtype = CT_I64)),
                     CT_I32);
    }
}

TEST(result_type_with_scalars) {
    CT_SCOPE {
        for (int a = 0; a < 6; a++) {
            ct_tensor *t = ct_ones(CT_SHAPE(2), .dtype = k_order[a]);
            const ct_scalar scalars[3] = {CT_SCALAR(2), CT_SCALAR(2.5), CT_SCALAR((bool)true)};
            const char *names[3] = {"2", "2.5", "True"};
            for (int s = 0; s < 3; s++) {
                ct_dtype got = ct_result_type_scalar(t, scalars[s]);
                if (got != core_result_type_scalar[a][s])
                    ct_test_fail(__FILE__, __LINE__, "result_type(%s, %s) = %s, torch: %s",
                                 ct_dtype_torch_name(k_order[a]), names[s], ct_dtype_torch_name(got),
                                 ct_dtype_torch_name(core_result_type_scalar[a][s]));
            }
        }
    }
    CHECK_EQ_INT(CT_SCALAR(2).kind, CT_SCALAR_INT);
    CHECK_EQ_INT(CT_SCALAR(2.0f).kind, CT_SCALAR_FLOAT);
    CHECK_EQ_INT(CT_SCALAR((bool)1).kind, CT_SCALAR_BOOL);
    CHECK_EQ_INT(CT_SCALAR((int64_t)1 << 62).v.i, (int64_t)1 << 62);
}
