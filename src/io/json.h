/*
 * src/io/json.h - a small strict JSON reader and the helpers to write JSON.
 *
 * The reader takes untrusted bytes (RFC 8259, nothing more): it rejects
 * invalid UTF-8, lone surrogates, control characters in strings, bad escapes,
 * leading zeros, duplicate object keys, trailing non-whitespace, nesting
 * deeper than a limit and documents with more values than a limit (so a
 * hostile input cannot make it use unbounded memory or stack).
 */
#ifndef CT_IO_JSON_H
#define CT_IO_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ct_json_kind {
    CT_JSON_NULL,
    CT_JSON_BOOL,
    CT_JSON_NUMBER,
    CT_JSON_STRING,
    CT_JSON_ARRAY,
    CT_JSON_OBJECT
} ct_json_kind;

typedef struct ct_json ct_json;
struct ct_json {
    unsigned char kind; /* a ct_json_kind (a byte keeps the node small) */
    bool boolean;       /* BOOL */
    bool is_int;        /* NUMBER written without fraction or exponent that fits int64 */
    int64_t integer;  /* NUMBER with is_int */
    double number;    /* NUMBER (also set for integers) */
    char *str;        /* STRING: NUL-terminated copy (may contain NULs: see len) */
    size_t len;       /* STRING: bytes in str; ARRAY/OBJECT: number of items */
    ct_json *items;   /* ARRAY/OBJECT: len children in document order */
    char *key;        /* member of an OBJECT: its key (NUL-terminated) */
    size_t key_len;   /* bytes in key */
};

/* Limits of one parse. */
typedef struct ct_json_limits {
    int max_depth;     /* nested arrays/objects allowed */
    size_t max_values; /* values allowed in the whole document */
} ct_json_limits;

/*
 * Parses the n bytes at text into a tree (free with ct_json_free). On failure
 * returns NULL and writes a message with the byte offset into err.
 */
ct_json *ct_json_parse(const char *text, size_t n, ct_json_limits limits, char *err,
                       size_t err_size);
void ct_json_free(ct_json *v);

/* The member of object v called key (NUL-free), or NULL. */
const ct_json *ct_json_get(const ct_json *v, const char *key);

/* True when the n bytes at s are valid UTF-8 (no surrogates, no overlongs). */
bool ct_utf8_valid(const char *s, size_t n);

/* ------------------------------------------------------------------ writing */

/* A growing byte buffer; `failed` is set (and sticks) when memory runs out. */
typedef struct ct_strbuf {
    char *data;
    size_t len, cap;
    bool failed;
} ct_strbuf;

void ct_strbuf_append(ct_strbuf *b, const char *s, size_t n);
void ct_strbuf_puts(ct_strbuf *b, const char *s);
void ct_strbuf_printf(ct_strbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends s (UTF-8, NUL-terminated) as a JSON string literal with quotes. */
void ct_strbuf_json_string(ct_strbuf *b, const char *s);
void ct_strbuf_free(ct_strbuf *b);

#endif
