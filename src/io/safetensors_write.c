/*
 * src/io/safetensors_write.c - writing a ct_tensor_dict as safetensors.
 *
 * The bytes are produced once, by `serialize`, into a sink: a growing buffer
 * (ct_save_safetensors_buffer) or an atomic file (ct_save_safetensors).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json.h"

const char *ct__safetensors_dtype_name(ct_dtype d) {
    switch (d) {
    case CT_F32: return "F32";
    case CT_F64: return "F64";
    case CT_I32: return "I32";
    case CT_I64: return "I64";
    case CT_U8: return "U8";
    case CT_BOOL: return "BOOL";
    default: return NULL;
    }
}

/* Where the bytes go: returns 0 or a negative error (already reported). */
typedef int (*sink_fn)(void *ctx, const void *data, size_t n, const char *fn);

static int buffer_sink(void *ctx, const void *data, size_t n, const char *fn) {
    ct_strbuf *b = ctx;
    ct_strbuf_append(b, data, n);
    if (b->failed) {
        ct__error(CT_ERR_OOM, fn, "out of memory");
        return CT_ERR_OOM;
    }
    return 0;
}

static int file_sink(void *ctx, const void *data, size_t n, const char *fn) {
    return ct__atomic_write(ctx, data, n, fn);
}

/* Names must be UTF-8 (the header is JSON) and not the metadata key. */
static bool check_inputs(const ct_tensor_dict *d, const char *fn) {
    for (size_t i = 0; i < ct_tensor_dict_len(d); i++) {
        const char *name = ct_tensor_dict_name(d, i);
        ct_tensor *t = ct_tensor_dict_tensor(d, i);
        ct_dtype dt = ct_dtype_of(t);
        bool on_cpu = ct_device_of(t).type == CT_DEVICE_CPU;
        ct_free(t);
        if (!ct_utf8_valid(name, strlen(name))) {
            ct__error(CT_ERR_VALUE, fn, "tensor name is not valid UTF-8");
            return false;
        }
        if (strcmp(name, "__metadata__") == 0) {
            ct__error(CT_ERR_VALUE, fn, "'__metadata__' is reserved and cannot name a tensor");
            return false;
        }
        if (!ct__safetensors_dtype_name(dt)) {
            ct__error(CT_ERR_TYPE, fn, "tensor '%s': dtype %d cannot be saved", name, (int)dt);
            return false;
        }
        if (!on_cpu) {
            ct__error(CT_ERR_DEVICE, fn, "tensor '%s': only cpu tensors can be saved", name);
            return false;
        }
    }
    for (size_t i = 0; i < ct_tensor_dict_meta_len(d); i++) {
        const char *k = ct_tensor_dict_meta_key(d, i), *v = ct_tensor_dict_meta_value(d, i);
        if (!ct_utf8_valid(k, strlen(k)) || !ct_utf8_valid(v, strlen(v))) {
            ct__error(CT_ERR_VALUE, fn, "metadata '%s' is not valid UTF-8", k);
            return false;
        }
    }
    return true;
}

static uint64_t nbytes_of(const ct_tensor *t) {
    return (uint64_t)ct_numel(t) * ct_element_size(t);
}

/*
 * The data section's order: larger elements first, then the dict's order
 * (a stable insertion sort: dicts are small), so each tensor starts at a
 * multiple of its element size, as in the reference implementation.
 */
static size_t *layout_order(const ct_tensor_dict *d, const char *fn) {
    size_t n = ct_tensor_dict_len(d);
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    size_t *es = malloc((n ? n : 1) * sizeof *es);
    if (!order || !es) {
        free(order);
        free(es);
        ct__error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        ct_tensor *t = ct_tensor_dict_tensor(d, i);
        es[i] = ct_element_size(t);
        ct_free(t);
        size_t j = i;
        while (j > 0 && es[order[j - 1]] < es[i]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    free(es);
    return order;
}

/* The JSON header, padded with spaces to a multiple of 8 bytes. */
static bool build_header(const ct_tensor_dict *d, const size_t *order, ct_strbuf *h) {
    size_t n = ct_tensor_dict_len(d);
    uint64_t *begin = malloc((n ? n : 1) * sizeof *begin);
    if (!begin) return false;
    uint64_t off = 0;
    for (size_t k = 0; k < n; k++) {
        ct_tensor *t = ct_tensor_dict_tensor(d, order[k]);
        begin[order[k]] = off;
        off += nbytes_of(t);
        ct_free(t);
    }
    ct_strbuf_puts(h, "{");
    bool first = true;
    if (ct_tensor_dict_meta_len(d) > 0) {
        ct_strbuf_puts(h, "\"__metadata__\":{");
        for (size_t i = 0; i < ct_tensor_dict_meta_len(d); i++) {
            if (i) ct_strbuf_puts(h, ",");
            ct_strbuf_json_string(h, ct_tensor_dict_meta_key(d, i));
            ct_strbuf_puts(h, ":");
            ct_strbuf_json_string(h, ct_tensor_dict_meta_value(d, i));
        }
        ct_strbuf_puts(h, "}");
        first = false;
    }
    for (size_t i = 0; i < n; i++) {
        ct_tensor *t = ct_tensor_dict_tensor(d, i);
        if (!first) ct_strbuf_puts(h, ",");
        first = false;
        ct_strbuf_json_string(h, ct_tensor_dict_name(d, i));
        ct_strbuf_printf(h, ":{\"dtype\":\"%s\",\"shape\":[",
                         ct__safetensors_dtype_name(ct_dtype_of(t)));
        for (int k = 0; k < ct_dim(t); k++)
            ct_strbuf_printf(h, "%s%lld", k ? "," : "", (long long)ct_sizes(t)[k]);
        ct_strbuf_printf(h, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)begin[i],
                         (unsigned long long)(begin[i] + nbytes_of(t)));
        ct_free(t);
    }
    ct_strbuf_puts(h, "}");
    while (!h->failed && h->len % 8 != 0) ct_strbuf_puts(h, " ");
    free(begin);
    return !h->failed;
}

/* One tensor's bytes in C order, little-endian. */
static int write_tensor(ct_tensor *t, sink_fn sink, void *ctx, const char *fn) {
    ct_tensor *c = ct__contiguous(t);
    if (!c) return ct_last_error_code();
    size_t n = (size_t)nbytes_of(c), es = ct_element_size(c);
    int rc = 0;
    if (n == 0) {
        /* nothing to write (an empty tensor may have no data pointer) */
    } else if (ct__host_is_little_endian() || es == 1) {
        rc = sink(ctx, ct_data_ptr(c), n, fn);
    } else {
        unsigned char buf[1 << 16]; /* a multiple of every element size */
        const unsigned char *p = ct_data_ptr(c);
        for (size_t done = 0; rc == 0 && done < n; done += sizeof buf) {
            size_t k = n - done < sizeof buf ? n - done : sizeof buf;
            memcpy(buf, p + done, k);
            ct__byteswap(buf, k / es, es);
            rc = sink(ctx, buf, k, fn);
        }
    }
    ct_free(c);
    return rc;
}

static int serialize(const ct_tensor_dict *d, sink_fn sink, void *ctx, const char *fn) {
    if (!check_inputs(d, fn)) return ct_last_error_code();
    size_t *order = layout_order(d, fn);
    if (!order) return CT_ERR_OOM;
    ct_strbuf h = {0};
    if (!build_header(d, order, &h)) {
        free(order);
        ct_strbuf_free(&h);
        ct__error(CT_ERR_OOM, fn, "out of memory");
        return CT_ERR_OOM;
    }
    unsigned char len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (unsigned char)((uint64_t)h.len >> (8 * i));
    int rc = sink(ctx, len8, 8, fn);
    if (rc == 0) rc = sink(ctx, h.data, h.len, fn);
    ct_strbuf_free(&h);
    for (size_t k = 0; rc == 0 && k < ct_tensor_dict_len(d); k++) {
        ct_tensor *t = ct_tensor_dict_tensor(d, order[k]);
        rc = write_tensor(t, sink, ctx, fn);
        ct_free(t);
    }
    free(order);
    return rc;
}

void *ct_save_safetensors_buffer(const ct_tensor_dict *d, size_t *size) {
    const char *fn = "ct_save_safetensors_buffer";
    CT_CHECK_ARG(d, fn, "dict");
    CT_CHECK_ARG(size, fn, "size");
    ct_strbuf b = {0};
    if (serialize(d, buffer_sink, &b, fn) < 0) {
        ct_strbuf_free(&b);
        return NULL;
    }
    *size = b.len;
    return b.data;
}

int ct_save_safetensors(const ct_tensor_dict *d, const char *path) {
    const char *fn = "ct_save_safetensors";
    CT_CHECK_ARG_RET(d, fn, "dict", CT_ERR_NULL);
    CT_CHECK_ARG_RET(path, fn, "path", CT_ERR_NULL);
    /* Check before creating any file, so bad input leaves no trace on disk. */
    if (!check_inputs(d, fn)) return ct_last_error_code();
    ct_atomic_file f;
    int rc = ct__atomic_open(&f, path, fn);
    if (rc < 0) return rc;
    rc = serialize(d, file_sink, &f, fn);
    if (rc < 0) {
        ct__atomic_abort(&f);
        return rc;
    }
    return ct__atomic_commit(&f, fn);
}
