/*
 * src/io/safetensors_read.c - loading safetensors files, which are untrusted.
 *
 * Order of trust: the 8-byte length is checked against the file size and a
 * cap before the header is read; the header is parsed by the strict JSON
 * reader; every entry is checked (dtype, shape, offsets) and the byte ranges
 * must tile the data section exactly; only then is any tensor allocated, and
 * each allocation is no larger than the bytes the file really holds.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "json.h"

/* Where the bytes come from: a file or memory, with a known total size. */
typedef struct source {
    const unsigned char *mem;
    FILE *f;
    uint64_t size;
    const char *fn;
    const char *path; /* for messages; NULL for memory */
} source;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void load_error(const source *s, const char *fmt, ...) {
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (s->path) ct__error(CT_ERR_IO, s->fn, "%.200s: %s", s->path, msg);
    else ct__error(CT_ERR_IO, s->fn, "%s", msg);
}

static bool read_at(const source *s, uint64_t off, void *dst, size_t n) {
    if (n == 0) return true;
    if (s->mem) {
        memcpy(dst, s->mem + off, n);
        return true;
    }
    if (fseeko(s->f, (off_t)off, SEEK_SET) != 0 || fread(dst, 1, n, s->f) != n) {
        load_error(s, "read failed at byte %llu: %s", (unsigned long long)off,
                   ferror(s->f) ? strerror(errno) : "unexpected end of file");
        return false;
    }
    return true;
}

/* One tensor entry of the header, checked. */
typedef struct entry {
    const char *name;
    ct_dtype dtype;
    int ndim;
    int64_t shape[CT_MAX_DIMS];
    uint64_t begin, end;
} entry;

static ct_dtype parse_dtype(const source *s, const char *name, const ct_json *v, bool *ok) {
    static const char *const other[] = {"F16", "BF16", "F8_E4M3", "F8_E5M2", "I8",
                                        "I16", "U16",  "U32",     "U64",     NULL};
    *ok = false;
    if (!v || v->kind != CT_JSON_STRING) {
        load_error(s, "tensor '%.100s': \"dtype\" must be a string", name);
        return CT_DTYPE_UNSET;
    }
    for (int d = CT_F32; d < CT_NUM_DTYPES; d++)
        if (strcmp(v->str, ct__safetensors_dtype_name((ct_dtype)d)) == 0) {
            *ok = true;
            return (ct_dtype)d;
        }
    for (int i = 0; other[i]; i++)
        if (strcmp(v->str, other[i]) == 0) {
            load_error(s, "tensor '%.100s': dtype %s is not supported by ctorch "
                          "(supported: F32, F64, I32, I64, U8, BOOL)", name, other[i]);
            return CT_DTYPE_UNSET;
        }
    load_error(s, "tensor '%.100s': unknown dtype '%.40s'", name, v->str);
    return CT_DTYPE_UNSET;
}

static const char *shape_text(const entry *e, char *buf, size_t size) {
    return ct__shape_str(e->ndim, e->shape, buf, size);
}

static bool parse_shape(const source *s, entry *e, const ct_json *v, uint64_t *nbytes) {
    if (!v || v->kind != CT_JSON_ARRAY) {
        load_error(s, "tensor '%.100s': \"shape\" must be an array", e->name);
        return false;
    }
    if (v->len > CT_MAX_DIMS) {
        load_error(s, "tensor '%.100s': shape has %zu dims; ctorch supports at most %d",
                   e->name, v->len, CT_MAX_DIMS);
        return false;
    }
    e->ndim = (int)v->len;
    /* The product of the non-zero dims must fit too: strides are computed from it. */
    uint64_t n = ct_dtype_size(e->dtype);
    bool empty = false, overflow = false;
    for (int i = 0; i < e->ndim; i++) {
        const ct_json *d = &v->items[i];
        if (d->kind != CT_JSON_NUMBER || !d->is_int || d->integer < 0) {
            load_error(s, "tensor '%.100s': shape entries must be non-negative integers", e->name);
            return false;
        }
        e->shape[i] = d->integer;
        uint64_t k = (uint64_t)d->integer;
        if (k == 0) empty = true;
        else if (n > (uint64_t)INT64_MAX / k) overflow = true;
        else n *= k;
    }
    if (overflow) {
        char buf[200];
        load_error(s, "tensor '%.100s': shape %s of %s is too large", e->name,
                   shape_text(e, buf, sizeof buf), ct__safetensors_dtype_name(e->dtype));
        return false;
    }
    if (empty) n = 0;
    *nbytes = n;
    return true;
}

static bool parse_offsets(const source *s, entry *e, const ct_json *v, uint64_t nbytes,
                          uint64_t data_size) {
    if (!v || v->kind != CT_JSON_ARRAY || v->len != 2) {
        load_error(s, "tensor '%.100s': \"data_offsets\" must be an array of two integers", e->name);
        return false;
    }
    for (int i = 0; i < 2; i++)
        if (v->items[i].kind != CT_JSON_NUMBER || !v->items[i].is_int || v->items[i].integer < 0) {
            load_error(s, "tensor '%.100s': data_offsets must be non-negative integers", e->name);
            return false;
        }
    e->begin = (uint64_t)v->items[0].integer;
    e->end = (uint64_t)v->items[1].integer;
    if (e->begin > e->end) {
        load_error(s, "tensor '%.100s': data_offsets [%llu, %llu] are in the wrong order", e->name,
                   (unsigned long long)e->begin, (unsigned long long)e->end);
        return false;
    }
    if (e->end > data_size) {
        load_error(s, "tensor '%.100s': data_offsets [%llu, %llu] go past the end of the data "
                      "section (%llu bytes)", e->name, (unsigned long long)e->begin,
                   (unsigned long long)e->end, (unsigned long long)data_size);
        return false;
    }
    if (e->end - e->begin != nbytes) {
        char buf[200];
        load_error(s, "tensor '%.100s': data_offsets [%llu, %llu] do not match shape %s of %s "
                      "(%llu bytes)", e->name, (unsigned long long)e->begin,
                   (unsigned long long)e->end, shape_text(e, buf, sizeof buf),
                   ct__safetensors_dtype_name(e->dtype), (unsigned long long)nbytes);
        return false;
    }
    return true;
}

/* Names become C strings: an embedded NUL would silently shorten them. */
static bool check_c_string(const source *s, const char *what, const char *str, size_t len) {
    if (strlen(str) != len) {
        load_error(s, "%s '%.100s' contains a NUL character", what, str);
        return false;
    }
    return true;
}

static bool parse_entry(const source *s, const ct_json *m, uint64_t data_size, entry *e) {
    e->name = m->key;
    if (m->kind != CT_JSON_OBJECT) {
        load_error(s, "tensor '%.100s': expected an object with dtype, shape and data_offsets",
                   e->name);
        return false;
    }
    for (size_t i = 0; i < m->len; i++) {
        const char *k = m->items[i].key;
        if (strcmp(k, "dtype") && strcmp(k, "shape") && strcmp(k, "data_offsets")) {
            load_error(s, "tensor '%.100s': unexpected field '%.40s'", e->name, k);
            return false;
        }
    }
    bool ok;
    e->dtype = parse_dtype(s, e->name, ct_json_get(m, "dtype"), &ok);
    uint64_t nbytes;
    return ok && parse_shape(s, e, ct_json_get(m, "shape"), &nbytes) &&
           parse_offsets(s, e, ct_json_get(m, "data_offsets"), nbytes, data_size);
}

static int cmp_range(const void *a, const void *b) {
    const entry *x = *(const entry *const *)a, *y = *(const entry *const *)b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

/* The ranges must tile [0, data_size): no overlap, no gap (the format requires it). */
static bool check_tiling(const source *s, entry *entries, size_t n, uint64_t data_size) {
    const entry **sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted) {
        ct__error(CT_ERR_OOM, s->fn, "out of memory");
        return false;
    }
    for (size_t i = 0; i < n; i++) sorted[i] = &entries[i];
    qsort(sorted, n, sizeof *sorted, cmp_range);
    uint64_t covered = 0;
    const entry *prev = NULL;
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        const entry *e = sorted[i];
        if (e->begin < covered) {
            load_error(s, "tensors '%.100s' and '%.100s' overlap in the data section (bytes "
                          "[%llu, %llu) and [%llu, %llu))", prev->name, e->name,
                       (unsigned long long)prev->begin, (unsigned long long)prev->end,
                       (unsigned long long)e->begin, (unsigned long long)e->end);
            ok = false;
        } else if (e->begin > covered) {
            load_error(s, "bytes [%llu, %llu) of the data section belong to no tensor",
                       (unsigned long long)covered, (unsigned long long)e->begin);
            ok = false;
        }
        covered = e->end;
        if (e->end > e->begin || !prev) prev = e;
    }
    if (ok && covered != data_size) {
        load_error(s, "bytes [%llu, %llu) of the data section belong to no tensor",
                   (unsigned long long)covered, (unsigned long long)data_size);
        ok = false;
    }
    free(sorted);
    return ok;
}

static bool add_metadata(const source *s, const ct_json *m, ct_tensor_dict *d) {
    if (m->kind != CT_JSON_OBJECT) {
        load_error(s, "\"__metadata__\" must be an object of strings");
        return false;
    }
    for (size_t i = 0; i < m->len; i++) {
        const ct_json *v = &m->items[i];
        if (v->kind != CT_JSON_STRING) {
            load_error(s, "metadata '%.100s': value must be a string", v->key);
            return false;
        }
        if (!check_c_string(s, "metadata key", v->key, v->key_len)) return false;
        if (strlen(v->str) != v->len) {
            load_error(s, "metadata '%.100s': value contains a NUL character", v->key);
            return false;
        }
        if (ct_tensor_dict_set_meta(d, v->key, v->str) < 0) return false;
    }
    return true;
}

/* Reads one checked entry's bytes into a fresh tensor and adds it to d. */
static bool load_tensor(const source *s, const entry *e, uint64_t data_start, ct_tensor_dict *d) {
    ct_tensor *t = ct__tensor_empty(e->ndim, e->shape, e->dtype, CT_CPU, s->fn);
    if (!t) return false;
    size_t n = (size_t)(e->end - e->begin), es = ct_dtype_size(e->dtype);
    bool ok = read_at(s, data_start + e->begin, ct_data_ptr(t), n);
    if (ok && !ct__host_is_little_endian() && es > 1) ct__byteswap(ct_data_ptr(t), n / es, es);
    if (ok && e->dtype == CT_BOOL) {
        /* Any byte but 0 or 1 is not a valid C bool: reading it would be undefined. */
        const unsigned char *b = ct_data_ptr(t);
        for (size_t i = 0; ok && i < n; i++)
            if (b[i] > 1) {
                load_error(s, "tensor '%.100s': BOOL element %zu has the byte value %u (not 0 or 1)",
                           e->name, i, b[i]);
                ok = false;
            }
    }
    if (ok) ok = ct_tensor_dict_set(d, e->name, t) == 0;
    ct_free(t);
    return ok;
}

static ct_tensor_dict *load(const source *s) {
    if (s->size < 8) {
        load_error(s, "file too small (%llu bytes) to hold the 8-byte header length",
                   (unsigned long long)s->size);
        return NULL;
    }
    unsigned char len8[8];
    if (!read_at(s, 0, len8, 8)) return NULL;
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | len8[i];
    if (hlen > CT_SAFETENSORS_MAX_HEADER) {
        load_error(s, "header length %llu is larger than the limit of %llu bytes",
                   (unsigned long long)hlen, CT_SAFETENSORS_MAX_HEADER);
        return NULL;
    }
    if (hlen > s->size - 8) {
        load_error(s, "header length %llu is larger than the rest of the file (%llu bytes)",
                   (unsigned long long)hlen, (unsigned long long)(s->size - 8));
        return NULL;
    }
    char *text = malloc(hlen ? hlen : 1);
    if (!text) {
        ct__error(CT_ERR_OOM, s->fn, "out of memory");
        return NULL;
    }
    if (!read_at(s, 8, text, hlen)) {
        free(text);
        return NULL;
    }
    char err[256];
    ct_json *root = ct_json_parse(text, hlen, (ct_json_limits){16, CT_SAFETENSORS_MAX_VALUES}, err, sizeof err);
    free(text);
    if (!root) {
        load_error(s, "bad header: %s", err);
        return NULL;
    }
    ct_tensor_dict *d = NULL;
    entry *entries = NULL;
    size_t n = 0;
    uint64_t data_start = 8 + hlen, data_size = s->size - data_start;
    if (root->kind != CT_JSON_OBJECT) {
        load_error(s, "bad header: expected a JSON object");
        goto done;
    }
    d = ct_tensor_dict_new();
    entries = malloc((root->len ? root->len : 1) * sizeof *entries);
    if (!d || !entries) {
        if (d) ct__error(CT_ERR_OOM, s->fn, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < root->len; i++) {
        const ct_json *m = &root->items[i];
        if (!check_c_string(s, "tensor name", m->key, m->key_len)) goto fail;
        if (strcmp(m->key, "__metadata__") == 0) {
            if (!add_metadata(s, m, d)) goto fail;
        } else if (!parse_entry(s, m, data_size, &entries[n++])) {
            goto fail;
        }
    }
    if (!check_tiling(s, entries, n, data_size)) goto fail;
    for (size_t i = 0; i < n; i++)
        if (!load_tensor(s, &entries[i], data_start, d)) goto fail;
    goto done;
fail:
    ct_tensor_dict_free(d);
    d = NULL;
done:
    free(entries);
    ct_json_free(root);
    return d;
}

ct_tensor_dict *ct_load_safetensors_buffer(const void *data, size_t size) {
    const char *fn = "ct_load_safetensors_buffer";
    if (size > 0) CT_CHECK_ARG(data, fn, "data");
    source s = {data ? data : (const unsigned char *)"", NULL, size, fn, NULL};
    return load(&s);
}

ct_tensor_dict *ct_load_safetensors(const char *path) {
    const char *fn = "ct_load_safetensors";
    CT_CHECK_ARG(path, fn, "path");
    FILE *f = fopen(path, "rb");
    if (!f) {
        ct__error(CT_ERR_IO, fn, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        ct__error(CT_ERR_IO, fn, "'%s' is not a regular file", path);
        fclose(f);
        return NULL;
    }
    source s = {NULL, f, (uint64_t)st.st_size, fn, path};
    ct_tensor_dict *d = load(&s);
    fclose(f);
    return d;
}
