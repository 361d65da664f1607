/*
 * tests/io/test_safetensors_hostile.c - truncated, malformed and hostile
 * safetensors files are rejected with a clear error, never a crash (run these
 * under the sanitizer build too).
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "../fixtures/io_torch_files.h"
#include "io_patterns.h"
#include "test.h"

/* A file: the 8-byte length of json, json itself, then data_len bytes of data. */
static unsigned char *make_file(const char *json, const void *data, size_t data_len, size_t *size) {
    size_t j = strlen(json);
    *size = 8 + j + data_len;
    unsigned char *b = malloc(*size + 1);
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)j >> (8 * i));
    memcpy(b + 8, json, j);
    if (data_len) memcpy(b + 8 + j, data, data_len);
    return b;
}

/* Loading json + data must fail with an error containing needle. */
static void expect_reject(int line, const char *json, const void *data, size_t data_len,
                          const char *needle) {
    size_t size;
    unsigned char *b = make_file(json, data, data_len, &size);
    ct_clear_error();
    ct_tensor_dict *d = ct_load_safetensors_buffer(b, size);
    if (d) {
        ct_test_fail(__FILE__, line, "header %s was accepted", json);
        ct_tensor_dict_free(d);
    } else if (!strstr(ct_last_error(), needle) ||
               strncmp(ct_last_error(), "ct_load_safetensors_buffer: ", 28) != 0 ||
               ct_last_error_code() != CT_ERR_IO) {
        ct_test_fail(__FILE__, line, "header %s: expected an error containing \"%s\", got \"%s\"",
                     json, needle, ct_last_error());
    }
    ct_clear_error();
    free(b);
}
#define REJECT(json, data, len, needle) expect_reject(__LINE__, (json), (data), (len), (needle))

static const unsigned char zeros[64];

TEST(the_sample_messages_are_clear) {
    REJECT("{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[10,3],\"data_offsets\":[0,100]}}", zeros, 64,
           "ct_load_safetensors_buffer: tensor 'fc1.weight': data_offsets [0, 100] go past the end "
           "of the data section (64 bytes)");
    REJECT("{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[10,3],\"data_offsets\":[0,60]}}", zeros, 64,
           "ct_load_safetensors_buffer: tensor 'fc1.weight': data_offsets [0, 60] do not match "
           "shape [10, 3] of F32 (120 bytes)");
}

TEST(header_length_is_checked_before_anything_is_read) {
    unsigned char b[16] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    CHECK_FAILS(ct_load_safetensors_buffer(b, 16),
                "header length 18446744073709551615 is larger than the limit of 100000000 bytes");
    b[4] = b[5] = b[6] = b[7] = 0; /* 4 GiB: still over the cap */
    CHECK_FAILS(ct_load_safetensors_buffer(b, 16), "larger than the limit");
    unsigned char c[20] = {100, 0, 0, 0, 0, 0, 0, 0, '{', '}'};
    CHECK_FAILS(ct_load_safetensors_buffer(c, 20),
                "header length 100 is larger than the rest of the file (12 bytes)");
    CHECK_FAILS(ct_load_safetensors_buffer(c, 7), "file too small (7 bytes)");
    CHECK_FAILS(ct_load_safetensors_buffer(NULL, 0), "file too small (0 bytes)");
    REJECT("", NULL, 0, "bad header: invalid JSON at byte 0: unexpected end of input");
}

TEST(bad_json_is_rejected) {
    static const char *cases[][2] = {
        {"{", "unexpected end of input"},
        {"{}x", "trailing characters"},
        {"{} {}", "trailing characters"},
        {"{,}", "expected a string key"},
        {"{\"a\":1,}", "expected a string key"},
        {"{a:1}", "expected a string key"},
        {"{'a':1}", "expected a string key"},
        {"{\"a\" 1}", "expected ':'"},
        {"{\"a\":1 \"b\":2}", "expected ',' or '}'"},
        {"{\"__metadata__\":{\"k\":\"v\",\"k\":\"w\"}}", "duplicate key \"k\""},
        {"{\"a\":{},\"b\":{},\"a\":{}}", "duplicate key \"a\""},
        {"{\"__metadata__\":{\"k\":\"\\x\"}}", "bad escape '\\x'"},
        {"{\"__metadata__\":{\"k\":\"\\u12G4\"}}", "bad \\u escape"},
        {"{\"__metadata__\":{\"k\":\"\\ud800\"}}", "lone high surrogate"},
        {"{\"__metadata__\":{\"k\":\"\\udc00\"}}", "lone low surrogate"},
        {"{\"__metadata__\":{\"k\":\"\\ud800\\u0041\"}}", "bad surrogate pair"},
        {"{\"__metadata__\":{\"k\":\"\xff\"}}", "invalid UTF-8"},
        {"{\"__metadata__\":{\"k\":\"\xc0\xaf\"}}", "invalid UTF-8"},       /* overlong '/' */
        {"{\"__metadata__\":{\"k\":\"\xed\xa0\x80\"}}", "invalid UTF-8"},   /* surrogate */
        {"{\"__metadata__\":{\"k\":\"\xf4\x90\x80\x80\"}}", "invalid UTF-8"}, /* > U+10FFFF */
        {"{\"__metadata__\":{\"k\":\"\xe4\xb8\"}}", "invalid UTF-8"},       /* cut short */
        {"{\"__metadata__\":{\"k\":\"a\tb\"}}", "control character 0x09"},
        {"{\"__metadata__\":{\"k\":\"abc}}", "unterminated string"},
        {"{\"a\":01}", "leading zero"},
        {"{\"a\":-}", "bad number"},
        {"{\"a\":1.}", "bad fraction"},
        {"{\"a\":1e}", "bad exponent"},
        {"{\"a\":NaN}", "unexpected character 'N'"},
        {"{\"a\":tru}", "unexpected character 't'"},
        {"{\"a\":\x01}", "unexpected byte 0x01"},
        {"\xef\xbb\xbf{}", "unexpected byte 0xef"}, /* a BOM is not JSON */
        {"[]", "bad header: expected a JSON object"},
        {"\"{}\"", "bad header: expected a JSON object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) REJECT(cases[i][0], NULL, 0, cases[i][1]);
}

TEST(deep_nesting_and_huge_documents_are_rejected) {
    char deep[400] = "{\"__metadata__\":";
    for (int i = 0; i < 100; i++) strcat(deep, "[");
    REJECT(deep, NULL, 0, "nested deeper than 16 levels");
    /* Two million values: more than the parser's limit, rejected before using much memory. */
    size_t n = 2100000;
    char *big = malloc(2 * n + 16);
    strcpy(big, "{\"a\":[");
    char *p = big + strlen(big);
    for (size_t i = 0; i < n; i++) { *p++ = '0'; *p++ = ','; }
    strcpy(p - 1, "]}");
    REJECT(big, NULL, 0, "more than 1048576 values");
    free(big);
}

TEST(entries_are_checked) {
    static const char *cases[][2] = {
        {"{\"a\":[]}", "tensor 'a': expected an object with dtype, shape and data_offsets"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}",
         "tensor 'a': unexpected field 'x'"},
        {"{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", "tensor 'a': \"dtype\" must be a string"},
        {"{\"a\":{\"dtype\":5,\"shape\":[1],\"data_offsets\":[0,4]}}", "\"dtype\" must be a string"},
        {"{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}",
         "tensor 'a': dtype F16 is not supported by ctorch (supported: F32, F64, I32, I64, U8, BOOL)"},
        {"{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", "dtype BF16 is not supported"},
        {"{\"a\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "tensor 'a': unknown dtype 'f32'"},
        {"{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", "tensor 'a': \"shape\" must be an array"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}",
         "shape entries must be non-negative integers"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", "non-negative integers"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1e400],\"data_offsets\":[0,4]}}", "non-negative integers"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}}", "non-negative integers"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}}",
         "non-negative integers"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}",
         "tensor 'a': shape has 9 dims; ctorch supports at most 8"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}",
         "tensor 'a': shape [4294967296, 4294967296] of F32 is too large"},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[0,4294967296,4294967296],\"data_offsets\":[0,0]}}",
         "is too large"},
        {"{\"a\":{\"dtype\":\"I64\",\"shape\":[1152921504606846976],\"data_offsets\":[0,4]}}",
         "is too large"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", "\"data_offsets\" must be an array of two integers"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]}}", "must be an array of two"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", "must be an array of two"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}",
         "data_offsets must be non-negative integers"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}",
         "tensor 'a': data_offsets [8, 4] are in the wrong order"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,18446744073709551615]}}",
         "data_offsets must be non-negative integers"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[9223372036854775800,9223372036854775804]}}",
         "go past the end of the data section (16 bytes)"},
        {"{\"a\\u0000b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
         "tensor name 'a' contains a NUL character"},
        {"{\"__metadata__\":[]}", "\"__metadata__\" must be an object of strings"},
        {"{\"__metadata__\":{\"epoch\":3}}", "metadata 'epoch': value must be a string"},
        {"{\"__metadata__\":{\"k\":null}}", "metadata 'k': value must be a string"},
        {"{\"__metadata__\":{\"k\":\"a\\u0000b\"}}", "metadata 'k': value contains a NUL character"},
        {"{\"__metadata__\":{\"k\\u0000\":\"v\"}}", "metadata key 'k' contains a NUL character"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) REJECT(cases[i][0], zeros, 16, cases[i][1]);
}

TEST(byte_ranges_must_tile_the_data_section) {
    REJECT("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
           "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", zeros, 12,
           "tensors 'a' and 'b' overlap in the data section (bytes [0, 8) and [4, 12))");
    REJECT("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
           "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", zeros, 8, "overlap");
    REJECT("{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]},"
           "\"e\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,4]}}", zeros, 8, "overlap");
    REJECT("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
           "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", zeros, 12,
           "bytes [4, 8) of the data section belong to no tensor");
    REJECT("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", zeros, 8,
           "bytes [0, 4) of the data section belong to no tensor");
    REJECT("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", zeros, 9,
           "bytes [4, 9) of the data section belong to no tensor");
    REJECT("{}", zeros, 1, "bytes [0, 1) of the data section belong to no tensor");
    /* Ranges listed out of order, empty tensors at the ends: fine. */
    size_t size;
    unsigned char *b = make_file("{\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]},"
                                 "\"z\":{\"dtype\":\"U8\",\"shape\":[0,5],\"data_offsets\":[4,4]},"
                                 "\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
                                 "\"y\":{\"dtype\":\"F64\",\"shape\":[0],\"data_offsets\":[0,0]}}",
                                 "\x01\x02\x03\x04", 4, &size);
    ct_tensor_dict *d = ct_load_safetensors_buffer(b, size);
    REQUIRE(d);
    CHECK_STR(ct_tensor_dict_name(d, 0), "b");
    CT_SCOPE {
        CHECK_VALUES(ct_tensor_dict_get(d, "b"), 0, 3, 4);
        CHECK_VALUES(ct_tensor_dict_get(d, "a"), 0, 1, 2);
        CHECK_SHAPE(ct_tensor_dict_get(d, "z"), 0, 5);
    }
    ct_tensor_dict_free(d);
    free(b);
}

TEST(bool_bytes_must_be_zero_or_one) {
    REJECT("{\"m\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[0,3]}}", "\x01\x00\x02", 3,
           "tensor 'm': BOOL element 2 has the byte value 2 (not 0 or 1)");
}

/* Every proper prefix of a valid file is rejected cleanly. */
static void check_every_truncation(const unsigned char *file, size_t size) {
    int accepted = 0, unclear = 0;
    for (size_t len = 0; len < size; len++) {
        unsigned char *copy = malloc(len ? len : 1); /* exact size: ASan sees any over-read */
        memcpy(copy, file, len);
        ct_clear_error();
        ct_tensor_dict *d = ct_load_safetensors_buffer(copy, len);
        if (d) {
            accepted++;
            ct_tensor_dict_free(d);
        } else if (ct_last_error_code() != CT_ERR_IO || !strstr(ct_last_error(), "ct_load_safetensors_buffer: ")) {
            unclear++;
        }
        free(copy);
    }
    ct_clear_error();
    CHECK_EQ_INT(accepted, 0);
    CHECK_EQ_INT(unclear, 0);
    ct_tensor_dict *d = ct_load_safetensors_buffer(file, size);
    CHECK(d != NULL);
    ct_tensor_dict_free(d);
}

TEST(truncation_at_every_byte_is_rejected) {
    check_every_truncation(io_file_aligned, io_file_aligned_size);
    check_every_truncation(io_file_unpadded, io_file_unpadded_size);
    ct_tensor_dict *d = ct_tensor_dict_new();
    CT_SCOPE {
        ct_tensor_dict_set(d, "w", io_pattern(CT_F32, CT_SHAPE(3, 2)));
        ct_tensor_dict_set(d, "m", io_pattern(CT_BOOL, CT_SHAPE(5)));
        ct_tensor_dict_set(d, "s", io_pattern(CT_I64, CT_SHAPE0));
    }
    ct_tensor_dict_set_meta(d, "epoch", "2");
    size_t size;
    unsigned char *b = ct_save_safetensors_buffer(d, &size);
    check_every_truncation(b, size);
    /* One extra byte at the end is a gap in the data section. */
    unsigned char *longer = malloc(size + 1);
    memcpy(longer, b, size);
    longer[size] = 0;
    CHECK_FAILS(ct_load_safetensors_buffer(longer, size + 1), "of the data section belong to no tensor");
    free(longer);
    free(b);
    ct_tensor_dict_free(d);
}

TEST(truncated_files_on_disk_are_rejected) {
    char path[] = "/tmp/ct_io_trunc_XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    for (size_t len = 0; len < io_file_aligned_size; len += 37) {
        REQUIRE(ftruncate(fd, 0) == 0);
        REQUIRE(pwrite(fd, io_file_aligned, len, 0) == (ssize_t)len);
        CHECK_FAILS(ct_load_safetensors(path), "ct_load_safetensors: /tmp/ct_io_trunc_");
    }
    REQUIRE(pwrite(fd, io_file_aligned, io_file_aligned_size, 0) == (ssize_t)io_file_aligned_size);
    ct_tensor_dict *d = ct_load_safetensors(path);
    CHECK(d != NULL);
    ct_tensor_dict_free(d);
    close(fd);
    unlink(path);
}

TEST(corrupted_headers_never_crash) {
    /* Overwrite each header byte with characters that matter to JSON; every
       result must either load or fail with an io error (ASan checks the rest). */
    static const unsigned char subs[] = {0, ' ', '"', '\\', '{', '}', '[', ']', ',', ':', '9', '-', 0xFF};
    size_t hlen = io_file_aligned[0] | (size_t)io_file_aligned[1] << 8;
    unsigned char *b = malloc(io_file_aligned_size);
    int bad = 0;
    for (size_t pos = 8; pos < 8 + hlen; pos++) {
        for (size_t k = 0; k < sizeof subs; k++) {
            memcpy(b, io_file_aligned, io_file_aligned_size);
            b[pos] = subs[k];
            ct_clear_error();
            ct_tensor_dict *d = ct_load_safetensors_buffer(b, io_file_aligned_size);
            if (d) ct_tensor_dict_free(d);
            else if (ct_last_error_code() != CT_ERR_IO) bad++;
        }
    }
    ct_clear_error();
    CHECK_EQ_INT(bad, 0);
    free(b);
}
