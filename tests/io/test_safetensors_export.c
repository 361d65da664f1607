/*
 * tests/io/test_safetensors_export.c - writes io_ctorch_export.safetensors in
 * the working directory (CTest runs it in build/tests) for
 * tests/parity/safetensors_roundtrip.py, which reads it with only the format's
 * spec and torch and compares every bit with tensors torch builds itself.
 * Keep the list below in step with that script.
 */
#include "io_patterns.h"
#include "test.h"

TEST(export_a_file_for_pytorch) {
    ct_tensor_dict *d = ct_tensor_dict_new();
    CT_SCOPE {
        ct_tensor_dict_set(d, "f32", io_pattern(CT_F32, CT_SHAPE(2, 3)));
        ct_tensor_dict_set(d, "f64", io_pattern(CT_F64, CT_SHAPE(4)));
        ct_tensor_dict_set(d, "i32", io_pattern(CT_I32, CT_SHAPE(3, 1, 2)));
        ct_tensor_dict_set(d, "i64", io_pattern(CT_I64, CT_SHAPE(5)));
        ct_tensor_dict_set(d, "u8", io_pattern(CT_U8, CT_SHAPE(7)));
        ct_tensor_dict_set(d, "bool", io_pattern(CT_BOOL, CT_SHAPE(2, 5)));
        ct_tensor_dict_set(d, "scalar", io_pattern(CT_F64, CT_SHAPE0));
        ct_tensor_dict_set(d, "empty", io_pattern(CT_I32, CT_SHAPE(0, 3)));
        ct_tensor_dict_set(d, "model.0.weight", ct_t(io_pattern(CT_F32, CT_SHAPE(3, 4))));
        ct_tensor_dict_set(d, "w\xc3\xa9ight", io_pattern(CT_U8, CT_SHAPE(2)));
    }
    ct_tensor_dict_set_meta(d, "format", "pt");
    ct_tensor_dict_set_meta(d, "note", "tab\t \"quoted\" \xc3\xa9");
    CHECK_EQ_INT(ct_save_safetensors(d, "io_ctorch_export.safetensors"), 0);
    ct_tensor_dict *back = ct_load_safetensors("io_ctorch_export.safetensors");
    CHECK(back != NULL);
    CHECK_EQ_INT(ct_tensor_dict_len(back), 10);
    ct_tensor_dict_free(back);
    ct_tensor_dict_free(d);
}
