/*
 * tests/io/test_safetensors.c - safetensors round trips, the exact bytes
 * written, and files written from PyTorch's tensors (tests/fixtures/io_safetensors.py).
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../fixtures/io_torch_files.h"
#include "io_patterns.h"
#include "test.h"

static const ct_dtype k_dtypes[] = {CT_F32, CT_F64, CT_I32, CT_I64, CT_U8, CT_BOOL};

/* A dict with, for every dtype, a 2-d, a 0-d, an empty and three non-contiguous tensors. */
static ct_tensor_dict *make_all_kinds(void) {
    ct_tensor_dict *d = ct_tensor_dict_new();
    CT_SCOPE {
        for (size_t k = 0; k < sizeof k_dtypes / sizeof *k_dtypes; k++) {
            ct_dtype dt = k_dtypes[k];
            char name[64];
            const char *dn = ct_dtype_name(dt);
            snprintf(name, sizeof name, "%s.matrix", dn);
            ct_tensor_dict_set(d, name, io_pattern(dt, CT_SHAPE(3, 5)));
            snprintf(name, sizeof name, "%s.scalar", dn);
            ct_tensor_dict_set(d, name, io_pattern(dt, CT_SHAPE0));
            snprintf(name, sizeof name, "%s.empty", dn);
            ct_tensor_dict_set(d, name, io_pattern(dt, CT_SHAPE(0, 4)));
            snprintf(name, sizeof name, "%s.transposed", dn);
            ct_tensor_dict_set(d, name, ct_t(io_pattern(dt, CT_SHAPE(4, 3))));
            snprintf(name, sizeof name, "%s.strided", dn);
            ct_tensor_dict_set(d, name, ct_slice(io_pattern(dt, CT_SHAPE(9, 2)), 0, 1, 9, 3));
            snprintf(name, sizeof name, "%s.expanded", dn);
            ct_tensor_dict_set(d, name, ct_expand(io_pattern(dt, CT_SHAPE(1, 3)), CT_SHAPE(2, 3)));
        }
    }
    ct_tensor_dict_set_meta(d, "format", "pt");
    ct_tensor_dict_set_meta(d, "note", "quotes \" backslash \\ newline \n tab \t unicode \xc3\xa9");
    ct_tensor_dict_set_meta(d, "", "empty key");
    return d;
}

/* Every entry and metadata of a equals b's, bit for bit and in the same order. */
static void check_same_dict(ct_tensor_dict *a, ct_tensor_dict *b) {
    REQUIRE(a && b);
    CHECK_EQ_INT(ct_tensor_dict_len(a), ct_tensor_dict_len(b));
    for (size_t i = 0; i < ct_tensor_dict_len(a) && i < ct_tensor_dict_len(b); i++) {
        CHECK_STR(ct_tensor_dict_name(a, i), ct_tensor_dict_name(b, i));
        ct_tensor *x = ct_tensor_dict_tensor(a, i), *y = ct_tensor_dict_tensor(b, i);
        if (!io_same_bits(x, y)) ct_test_fail(__FILE__, __LINE__, "'%s' differs", ct_tensor_dict_name(a, i));
        CHECK(ct_is_contiguous(y));
        ct_free(x);
        ct_free(y);
    }
    CHECK_EQ_INT(ct_tensor_dict_meta_len(a), ct_tensor_dict_meta_len(b));
    for (size_t i = 0; i < ct_tensor_dict_meta_len(a) && i < ct_tensor_dict_meta_len(b); i++) {
        CHECK_STR(ct_tensor_dict_meta_key(a, i), ct_tensor_dict_meta_key(b, i));
        CHECK_STR(ct_tensor_dict_meta_value(a, i), ct_tensor_dict_meta_value(b, i));
    }
}

TEST(round_trip_in_memory_is_bit_exact_for_every_kind) {
    ct_tensor_dict *d = make_all_kinds();
    size_t size = 0;
    void *bytes = ct_save_safetensors_buffer(d, &size);
    REQUIRE(bytes);
    ct_tensor_dict *back = ct_load_safetensors_buffer(bytes, size);
    check_same_dict(d, back);
    ct_tensor_dict_free(back);
    ct_tensor_dict_free(d);
    free(bytes);
}

TEST(round_trip_through_a_file) {
    char dir[] = "/tmp/ct_io_test_XXXXXX";
    REQUIRE(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    ct_tensor_dict *d = make_all_kinds();
    CHECK_EQ_INT(ct_save_safetensors(d, path), 0);
    ct_tensor_dict *back = ct_load_safetensors(path);
    check_same_dict(d, back);
    ct_tensor_dict_free(back);
    /* Saving again replaces the file; no temporary file is left behind. */
    ct_tensor_dict_set_meta(d, "format", "second");
    CHECK_EQ_INT(ct_save_safetensors(d, path), 0);
    back = ct_load_safetensors(path);
    CHECK_STR(ct_tensor_dict_get_meta(back, "format"), "second");
    ct_tensor_dict_free(back);
    ct_tensor_dict_free(d);
    CHECK_EQ_INT(unlink(path), 0);
    CHECK_EQ_INT(rmdir(dir), 0); /* fails if anything else is in it */
}

TEST(written_bytes_follow_the_format) {
    /* Insertion order u8, f64, f32: data goes largest element first (f64, f32, u8). */
    ct_tensor_dict *d = ct_tensor_dict_new();
    ct_tensor *u = ct_from_values((const uint8_t[]){1, 2, 3}, 3, CT_U8, CT_SHAPE(3));
    ct_tensor *f = ct_from_doubles(CT_SHAPE(1), 1.5);
    ct_tensor *s = ct_from_floats(CT_SHAPE(1, 1), -2.0f);
    ct_tensor_dict_set(d, "u", u);
    ct_tensor_dict_set(d, "f", f);
    ct_tensor_dict_set(d, "s", s);
    ct_tensor_dict_set_meta(d, "k", "v");
    size_t size;
    unsigned char *b = ct_save_safetensors_buffer(d, &size);
    REQUIRE(b);
    const char *json = "{\"__metadata__\":{\"k\":\"v\"},"
                       "\"u\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[12,15]},"
                       "\"f\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                       "\"s\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[8,12]}}";
    size_t jlen = strlen(json), hlen = (jlen + 7) / 8 * 8;
    REQUIRE(size == 8 + hlen + 15);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = (n << 8) | b[i];
    CHECK_EQ_INT(n, hlen);
    CHECK(memcmp(b + 8, json, jlen) == 0);
    for (size_t i = jlen; i < hlen; i++) CHECK(b[8 + i] == ' ');
    const unsigned char *data = b + 8 + hlen;
    /* 1.5 as a little-endian double, -2.0f as a little-endian float, then 1 2 3. */
    const unsigned char expect[15] = {0, 0, 0, 0, 0, 0, 0xF8, 0x3F, 0, 0, 0, 0xC0, 1, 2, 3};
    CHECK(memcmp(data, expect, 15) == 0);
    free(b);
    ct_free(u);
    ct_free(f);
    ct_free(s);
    ct_tensor_dict_free(d);
}

TEST(empty_dict_round_trips) {
    ct_tensor_dict *d = ct_tensor_dict_new();
    size_t size;
    char *b = ct_save_safetensors_buffer(d, &size);
    REQUIRE(b);
    CHECK_EQ_INT(size, 16);
    CHECK(memcmp(b + 8, "{}      ", 8) == 0);
    ct_tensor_dict *back = ct_load_safetensors_buffer(b, size);
    REQUIRE(back);
    CHECK_EQ_INT(ct_tensor_dict_len(back), 0);
    ct_tensor_dict_free(back);
    ct_tensor_dict_free(d);
    free(b);
}

/* The tensors tests/fixtures/io_safetensors.py wrote, in its header order. */
static void check_torch_file(ct_tensor_dict *d, bool second) {
    REQUIRE(d);
    static const char *names[] = {"f32", "f64", "i32", "i64", "u8", "bool", "scalar", "empty",
                                  "transposed", "w\xc3\xa9ight"};
    CHECK_EQ_INT(ct_tensor_dict_len(d), second ? 10 : 9);
    for (size_t i = 0; i < ct_tensor_dict_len(d) && i < 10; i++) CHECK_STR(ct_tensor_dict_name(d, i), names[i]);
    CHECK_ENTRY(d, "f32", io_pattern(CT_F32, CT_SHAPE(2, 3)));
    CHECK_ENTRY(d, "f64", io_pattern(CT_F64, CT_SHAPE(4)));
    CHECK_ENTRY(d, "i32", io_pattern(CT_I32, CT_SHAPE(3, 1, 2)));
    CHECK_ENTRY(d, "i64", io_pattern(CT_I64, CT_SHAPE(5)));
    CHECK_ENTRY(d, "u8", io_pattern(CT_U8, CT_SHAPE(7)));
    CHECK_ENTRY(d, "bool", io_pattern(CT_BOOL, CT_SHAPE(2, 5)));
    CHECK_ENTRY(d, "scalar", io_pattern(CT_F64, CT_SHAPE0));
    CHECK_ENTRY(d, "empty", io_pattern(CT_F32, CT_SHAPE(0, 3)));
    CT_SCOPE { CHECK_ENTRY(d, "transposed", ct_keep(ct_t(io_pattern(CT_F32, CT_SHAPE(3, 4))))); }
    if (second) CHECK_ENTRY(d, "w\xc3\xa9ight", io_pattern(CT_U8, CT_SHAPE(2)));
    CHECK_STR(ct_tensor_dict_get_meta(d, "epoch"), "3");
    if (second)
        CHECK_STR(ct_tensor_dict_get_meta(d, "note"),
                  "tab\there \"quoted\" \xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80");
    else
        CHECK_STR(ct_tensor_dict_get_meta(d, "format"), "pt");
}

TEST(files_written_from_pytorch_load_bit_exact) {
    ct_tensor_dict *d = ct_load_safetensors_buffer(io_file_aligned, io_file_aligned_size);
    check_torch_file(d, false);
    ct_tensor_dict_free(d);
    d = ct_load_safetensors_buffer(io_file_unpadded, io_file_unpadded_size);
    check_torch_file(d, true);
    ct_tensor_dict_free(d);
}

TEST(bool_scalar_and_values_survive) {
    ct_tensor_dict *d = ct_tensor_dict_new();
    ct_tensor *x = ct_from_floats(CT_SHAPE(4), 0.0f, -0.0f, INFINITY, NAN);
    ct_requires_grad_(x, true); /* saving reads the data, not the graph */
    ct_tensor_dict_set(d, "x", x);
    size_t size;
    void *b = ct_save_safetensors_buffer(d, &size);
    ct_tensor_dict *back = ct_load_safetensors_buffer(b, size);
    ct_tensor *y = ct_tensor_dict_get(back, "x");
    CHECK(io_same_bits(x, y));
    CHECK(!ct_requires_grad(y));
    CHECK(signbit(ct_data_f32(y)[1]));
    ct_free(y);
    ct_free(x);
    free(b);
    ct_tensor_dict_free(back);
    ct_tensor_dict_free(d);
}

TEST(checkpoint_with_rng_state_resumes_the_stream) {
    char path[] = "/tmp/ct_io_ckpt_XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    ct_generator *g = ct_generator_new(42);
    ct_generator_random(g);
    size_t n = ct_generator_state_size();
    ct_tensor *state = ct_empty(CT_SHAPE((int64_t)n), .dtype = CT_U8);
    REQUIRE(ct_generator_get_state(g, ct_data_ptr(state), n) == 0);
    ct_tensor_dict *ckpt = ct_tensor_dict_new();
    ct_tensor *w = ct_randn(CT_SHAPE(3, 3), .generator = g);
    ct_tensor_dict_set(ckpt, "model.weight", w);
    ct_tensor_dict_set(ckpt, "rng_state", state);
    ct_tensor_dict_set_meta(ckpt, "epoch", "7");
    CHECK_EQ_INT(ct_save_safetensors(ckpt, path), 0);
    uint32_t expected[4];
    /* state was taken before randn: the restored generator repeats randn's draws. */
    ct_generator *h = ct_generator_new(0);
    ct_generator_set_state(h, ct_data_ptr(state), n);
    for (int i = 0; i < 4; i++) expected[i] = ct_generator_random(h);

    ct_tensor_dict *back = ct_load_safetensors(path);
    REQUIRE(back);
    CHECK_STR(ct_tensor_dict_get_meta(back, "epoch"), "7");
    ct_tensor *s2 = ct_tensor_dict_get(back, "rng_state");
    ct_generator *r = ct_generator_new(1);
    CHECK_EQ_INT(ct_generator_set_state(r, ct_data_ptr(s2), (size_t)ct_numel(s2)), 0);
    for (int i = 0; i < 4; i++) CHECK_EQ_INT(ct_generator_random(r), expected[i]);
    ct_tensor *w2 = ct_tensor_dict_get(back, "model.weight");
    CHECK(io_same_bits(w, w2));
    ct_free(w2);
    ct_free(s2);
    ct_free(w);
    ct_free(state);
    ct_generator_free(g);
    ct_generator_free(h);
    ct_generator_free(r);
    ct_tensor_dict_free(back);
    ct_tensor_dict_free(ckpt);
    unlink(path);
}

TEST(save_rejects_bad_input_and_leaves_no_file) {
    char dir[] = "/tmp/ct_io_test_XXXXXX";
    REQUIRE(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/x.safetensors", dir);
    ct_tensor_dict *d = ct_tensor_dict_new();
    ct_tensor *t = ct_zeros(CT_SHAPE(2));
    ct_tensor_dict_set(d, "__metadata__", t);
    CHECK(ct_save_safetensors(d, path) < 0);
    CHECK_ERROR("ct_save_safetensors: '__metadata__' is reserved and cannot name a tensor");
    ct_tensor_dict_remove(d, "__metadata__");
    ct_tensor_dict_set(d, "bad\xff", t);
    CHECK(ct_save_safetensors(d, path) < 0);
    CHECK_ERROR("tensor name is not valid UTF-8");
    ct_tensor_dict_remove(d, "bad\xff");
    ct_tensor_dict_set_meta(d, "k", "\xc0\x80");
    size_t size;
    CHECK_FAILS(ct_save_safetensors_buffer(d, &size), "metadata 'k' is not valid UTF-8");
    ct_tensor_dict_remove_meta(d, "k");
    ct_tensor_dict_set(d, "ok", t);
    char missing[160];
    snprintf(missing, sizeof missing, "%s/no/such/dir/x.safetensors", dir);
    CHECK(ct_save_safetensors(d, missing) < 0);
    CHECK_ERROR("cannot create a temporary file next to");
    struct stat st;
    CHECK(stat(path, &st) != 0);
    CHECK_FAILS(ct_load_safetensors(path), "cannot open");
    CHECK_FAILS(ct_load_safetensors(dir), "is not a regular file");
    CHECK_EQ_INT(rmdir(dir), 0);
    ct_free(t);
    ct_tensor_dict_free(d);
}
