/*
 * src/io/json.c - the strict JSON reader (recursive descent with a depth
 * limit) and the small buffer used to write JSON.
 */
#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ UTF-8 */

/* Length of the valid UTF-8 sequence starting at s (at most n bytes), or 0. */
static size_t utf8_seq_len(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c == 0xE0) { len = 3; lo = 0xA0; }
    else if (c == 0xED) { len = 3; hi = 0x9F; } /* no UTF-16 surrogates */
    else if (c >= 0xE1 && c <= 0xEF) len = 3;
    else if (c == 0xF0) { len = 4; lo = 0x90; }
    else if (c >= 0xF1 && c <= 0xF3) len = 4;
    else if (c == 0xF4) { len = 4; hi = 0x8F; } /* nothing above U+10FFFF */
    else return 0;                              /* 0x80-0xC1, 0xF5-0xFF */
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    return len;
}

bool ct_utf8_valid(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_seq_len(p + i, n - i);
        if (!k) return false;
        i += k;
    }
    return true;
}

/* ----------------------------------------------------------------- parser */

typedef struct parser {
    const char *s;
    size_t n, pos;
    ct_json_limits limits;
    size_t values;
    char *err;
    size_t err_size;
    bool failed;
} parser;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static bool fail(parser *p, const char *fmt, ...) {
    if (p->failed) return false;
    p->failed = true;
    int k = snprintf(p->err, p->err_size, "invalid JSON at byte %zu: ", p->pos);
    if (k < 0 || (size_t)k >= p->err_size) return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + k, p->err_size - (size_t)k, fmt, ap);
    va_end(ap);
    return false;
}

static void skip_ws(parser *p) {
    while (p->pos < p->n) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static bool parse_value(parser *p, ct_json *out, int depth);

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads the 4 hex digits of a \u escape at p->pos. */
static bool read_hex4(parser *p, unsigned *out) {
    if (p->n - p->pos < 4) return fail(p, "truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(p->s[p->pos + (size_t)i]);
        if (d < 0) return fail(p, "bad \\u escape");
        v = v * 16 + (unsigned)d;
    }
    p->pos += 4;
    *out = v;
    return true;
}

static size_t utf8_encode(unsigned cp, char *out) {
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* One escape after the backslash at p->pos - 1; appends its UTF-8 to dst. */
static bool parse_escape(parser *p, char *dst, size_t *len) {
    if (p->pos >= p->n) return fail(p, "truncated escape");
    char c = p->s[p->pos++];
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *k = c ? strchr(from, c) : NULL;
    if (k) {
        dst[(*len)++] = to[k - from];
        return true;
    }
    if (c != 'u') return fail(p, "bad escape '\\%c'", c);
    unsigned cp;
    if (!read_hex4(p, &cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(p, "lone low surrogate in \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        unsigned lo;
        if (p->n - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
            return fail(p, "lone high surrogate in \\u escape");
        p->pos += 2;
        if (!read_hex4(p, &lo)) return false;
        if (lo < 0xDC00 || lo > 0xDFFF) return fail(p, "bad surrogate pair in \\u escape");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    *len += utf8_encode(cp, dst + *len);
    return true;
}

/* A string literal at p->pos (the opening quote) into a NUL-terminated copy. */
static bool parse_string(parser *p, char **out, size_t *out_len) {
    p->pos++; /* opening quote */
    size_t start = p->pos, end = start;
    /* First pass: find the closing quote, so the copy is allocated once. */
    while (end < p->n && p->s[end] != '"') end += (p->s[end] == '\\') ? 2 : 1;
    if (end >= p->n) return fail(p, "unterminated string");
    /* Escapes never grow: \uXXXX (6 bytes) is at most 3 bytes, a pair (12) 4. */
    char *dst = malloc(end - start + 1);
    if (!dst) return fail(p, "out of memory");
    size_t len = 0;
    while (p->pos < end) {
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c < 0x20) {
            free(dst);
            return fail(p, "control character 0x%02x in string", c);
        }
        if (c == '\\') {
            p->pos++;
            if (!parse_escape(p, dst, &len)) { free(dst); return false; }
            continue;
        }
        size_t k = utf8_seq_len((const unsigned char *)p->s + p->pos, end - p->pos);
        if (!k) {
            free(dst);
            return fail(p, "invalid UTF-8 in string");
        }
        memcpy(dst + len, p->s + p->pos, k);
        len += k;
        p->pos += k;
    }
    p->pos = end + 1;
    dst[len] = '\0';
    *out = dst;
    *out_len = len;
    return true;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* A number per RFC 8259's grammar; integers that fit int64 are kept exact. */
static bool parse_number(parser *p, ct_json *out) {
    size_t start = p->pos;
    bool neg = false, integral = true;
    if (p->s[p->pos] == '-') { neg = true; p->pos++; }
    if (p->pos >= p->n || !is_digit(p->s[p->pos])) return fail(p, "bad number");
    if (p->s[p->pos] == '0' && p->pos + 1 < p->n && is_digit(p->s[p->pos + 1]))
        return fail(p, "leading zero in number");
    uint64_t mag = 0;
    bool fits = true;
    while (p->pos < p->n && is_digit(p->s[p->pos])) {
        unsigned d = (unsigned)(p->s[p->pos++] - '0');
        if (mag > (UINT64_MAX - d) / 10) fits = false;
        else mag = mag * 10 + d;
    }
    if (p->pos < p->n && p->s[p->pos] == '.') {
        integral = false;
        p->pos++;
        if (p->pos >= p->n || !is_digit(p->s[p->pos])) return fail(p, "bad fraction in number");
        while (p->pos < p->n && is_digit(p->s[p->pos])) p->pos++;
    }
    if (p->pos < p->n && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        integral = false;
        p->pos++;
        if (p->pos < p->n && (p->s[p->pos] == '+' || p->s[p->pos] == '-')) p->pos++;
        if (p->pos >= p->n || !is_digit(p->s[p->pos])) return fail(p, "bad exponent in number");
        while (p->pos < p->n && is_digit(p->s[p->pos])) p->pos++;
    }
    out->kind = CT_JSON_NUMBER;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (integral && fits && mag <= limit) {
        out->is_int = true;
        out->integer = neg ? (mag == limit ? INT64_MIN : -(int64_t)mag) : (int64_t)mag;
        out->number = (double)out->integer;
        return true;
    }
    char buf[64];
    size_t len = p->pos - start;
    if (len >= sizeof buf) len = sizeof buf - 1; /* only the magnitude matters past here */
    memcpy(buf, p->s + start, len);
    buf[len] = '\0';
    out->number = strtod(buf, NULL);
    return true;
}

static bool parse_literal(parser *p, const char *word, ct_json *out, ct_json_kind kind, bool b) {
    size_t k = strlen(word);
    if (p->n - p->pos < k || memcmp(p->s + p->pos, word, k) != 0)
        return fail(p, "unexpected character '%c'", p->s[p->pos]);
    p->pos += k;
    out->kind = kind;
    out->boolean = b;
    return true;
}

/* Appends a zeroed child to v->items; NULL when out of memory. */
static ct_json *push_child(parser *p, ct_json *v, size_t *cap) {
    if (v->len == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        ct_json *items = realloc(v->items, nc * sizeof *items);
        if (!items) { fail(p, "out of memory"); return NULL; }
        v->items = items;
        *cap = nc;
    }
    ct_json *c = &v->items[v->len++];
    memset(c, 0, sizeof *c);
    return c;
}

static int cmp_members(const void *a, const void *b) {
    const ct_json *x = *(const ct_json *const *)a, *y = *(const ct_json *const *)b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    if (c) return c;
    return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/* Sorting pointers keeps the check O(n log n) for objects with many keys. */
static bool check_duplicate_keys(parser *p, const ct_json *v) {
    if (v->len < 2) return true;
    const ct_json **sorted = malloc(v->len * sizeof *sorted);
    if (!sorted) return fail(p, "out of memory");
    for (size_t i = 0; i < v->len; i++) sorted[i] = &v->items[i];
    qsort(sorted, v->len, sizeof *sorted, cmp_members);
    for (size_t i = 1; i < v->len; i++) {
        if (cmp_members(&sorted[i - 1], &sorted[i]) == 0) {
            char key[80];
            snprintf(key, sizeof key, "%s", sorted[i]->key);
            free(sorted);
            return fail(p, "duplicate key \"%s\"", key);
        }
    }
    free(sorted);
    return true;
}

static bool parse_container(parser *p, ct_json *out, int depth, bool object) {
    if (depth >= p->limits.max_depth) return fail(p, "nested deeper than %d levels", p->limits.max_depth);
    char close = object ? '}' : ']';
    out->kind = object ? CT_JSON_OBJECT : CT_JSON_ARRAY;
    p->pos++;
    size_t cap = 0;
    skip_ws(p);
    if (p->pos < p->n && p->s[p->pos] == close) {
        p->pos++;
        return true;
    }
    for (;;) {
        ct_json *c = push_child(p, out, &cap);
        if (!c) return false;
        skip_ws(p);
        if (p->pos >= p->n) return fail(p, "unexpected end of input");
        if (object) {
            if (p->s[p->pos] != '"') return fail(p, "expected a string key");
            if (!parse_string(p, &c->key, &c->key_len)) return false;
            skip_ws(p);
            if (p->pos >= p->n || p->s[p->pos] != ':') return fail(p, "expected ':'");
            p->pos++;
        }
        if (!parse_value(p, c, depth + 1)) return false;
        skip_ws(p);
        if (p->pos >= p->n) return fail(p, "unexpected end of input");
        char c2 = p->s[p->pos++];
        if (c2 == close) break;
        if (c2 != ',') {
            p->pos--;
            return fail(p, "expected ',' or '%c'", close);
        }
    }
    return !object || check_duplicate_keys(p, out);
}

static bool parse_value(parser *p, ct_json *out, int depth) {
    skip_ws(p);
    if (p->pos >= p->n) return fail(p, "unexpected end of input");
    if (++p->values > p->limits.max_values)
        return fail(p, "more than %zu values", p->limits.max_values);
    char c = p->s[p->pos];
    switch (c) {
    case '{': return parse_container(p, out, depth, true);
    case '[': return parse_container(p, out, depth, false);
    case '"':
        out->kind = CT_JSON_STRING;
        return parse_string(p, &out->str, &out->len);
    case 't': return parse_literal(p, "true", out, CT_JSON_BOOL, true);
    case 'f': return parse_literal(p, "false", out, CT_JSON_BOOL, false);
    case 'n': return parse_literal(p, "null", out, CT_JSON_NULL, false);
    default:
        if (c == '-' || is_digit(c)) return parse_number(p, out);
        if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7F)
            return fail(p, "unexpected character '%c'", c);
        return fail(p, "unexpected byte 0x%02x", (unsigned char)c);
    }
}

static void free_children(ct_json *v) {
    for (size_t i = 0; v->items && i < v->len; i++) free_children(&v->items[i]);
    free(v->items);
    free(v->str);
    free(v->key);
}

ct_json *ct_json_parse(const char *text, size_t n, ct_json_limits limits, char *err,
                       size_t err_size) {
    parser p = {text, n, 0, limits, 0, err, err_size, false};
    ct_json *root = calloc(1, sizeof *root);
    if (!root) {
        fail(&p, "out of memory");
        return NULL;
    }
    bool ok = parse_value(&p, root, 0);
    if (ok) {
        skip_ws(&p);
        if (p.pos != p.n) ok = fail(&p, "trailing characters after the JSON value");
    }
    if (!ok) {
        ct_json_free(root);
        return NULL;
    }
    return root;
}

void ct_json_free(ct_json *v) {
    if (!v) return;
    free_children(v);
    free(v);
}

const ct_json *ct_json_get(const ct_json *v, const char *key) {
    if (!v || v->kind != CT_JSON_OBJECT) return NULL;
    size_t k = strlen(key);
    for (size_t i = 0; i < v->len; i++)
        if (v->items[i].key_len == k && memcmp(v->items[i].key, key, k) == 0) return &v->items[i];
    return NULL;
}

/* ----------------------------------------------------------------- writer */

void ct_strbuf_append(ct_strbuf *b, const char *s, size_t n) {
    if (b->failed) return;
    if (b->cap - b->len <= n) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc - b->len <= n) {
            if (nc > SIZE_MAX / 2) { b->failed = true; return; }
            nc *= 2;
        }
        char *d = realloc(b->data, nc);
        if (!d) { b->failed = true; return; }
        b->data = d;
        b->cap = nc;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void ct_strbuf_puts(ct_strbuf *b, const char *s) { ct_strbuf_append(b, s, strlen(s)); }

void ct_strbuf_printf(ct_strbuf *b, const char *fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= sizeof buf) { b->failed = true; return; }
    ct_strbuf_append(b, buf, (size_t)k);
}

void ct_strbuf_json_string(ct_strbuf *b, const char *s) {
    ct_strbuf_append(b, "\"", 1);
    for (const char *q = s; *q; q++) {
        unsigned char c = (unsigned char)*q;
        const char *shortcut = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n"
                             : c == '\t' ? "\\t" : c == '\r' ? "\\r" : c == '\b' ? "\\b"
                             : c == '\f' ? "\\f" : NULL;
        if (shortcut) {
            ct_strbuf_append(b, shortcut, 2);
        } else if (c < 0x20) {
            ct_strbuf_printf(b, "\\u%04x", c);
        } else {
            ct_strbuf_append(b, q, 1);
        }
    }
    ct_strbuf_append(b, "\"", 1);
}

void ct_strbuf_free(ct_strbuf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
