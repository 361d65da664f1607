/*
 * src/io/tensor_dict.c - ct_tensor_dict: ordered name -> tensor entries plus
 * string metadata. The dict's references are plain refcounts that no scope
 * owns (ct__tensor_incref / ct__tensor_decref), so closing a scope never
 * takes a tensor away from a dict.
 */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "strmap.h"

struct ct_tensor_dict {
    ct_strmap tensors; /* values: ct_tensor*, one reference each */
    ct_strmap meta;    /* values: malloc'd strings */
};

ct_tensor_dict *ct_tensor_dict_new(void) {
    ct_tensor_dict *d = calloc(1, sizeof *d);
    if (!d) ct__error(CT_ERR_OOM, "ct_tensor_dict_new", "out of memory");
    return d;
}

void ct_tensor_dict_free(ct_tensor_dict *d) {
    if (!d) return;
    for (size_t i = 0; i < d->tensors.len; i++) ct__tensor_decref(d->tensors.values[i]);
    for (size_t i = 0; i < d->meta.len; i++) free(d->meta.values[i]);
    ct_strmap_free(&d->tensors);
    ct_strmap_free(&d->meta);
    free(d);
}

int ct_tensor_dict_set(ct_tensor_dict *d, const char *name, ct_tensor *t) {
    const char *fn = "ct_tensor_dict_set";
    CT_CHECK_ARG_RET(d, fn, "dict", CT_ERR_NULL);
    CT_CHECK_ARG_RET(name, fn, "name", CT_ERR_NULL);
    CT_CHECK_ARG_RET(t, fn, "tensor", CT_ERR_NULL);
    long i = ct_strmap_find(&d->tensors, name);
    ct__tensor_incref(t);
    if (i >= 0) {
        ct__tensor_decref(d->tensors.values[i]);
        d->tensors.values[i] = t;
        return 0;
    }
    if (!ct_strmap_append(&d->tensors, name, t)) {
        ct__tensor_decref(t);
        ct__error(CT_ERR_OOM, fn, "out of memory");
        return CT_ERR_OOM;
    }
    return 0;
}

/* A new reference to t registered with the innermost scope, as ops return. */
static ct_tensor *new_ref(ct_tensor *t) {
    ct__tensor_incref(t);
    ct__scope_register(t);
    return t;
}

ct_tensor *ct_tensor_dict_get(const ct_tensor_dict *d, const char *name) {
    const char *fn = "ct_tensor_dict_get";
    CT_CHECK_ARG(d, fn, "dict");
    CT_CHECK_ARG(name, fn, "name");
    long i = ct_strmap_find(&d->tensors, name);
    if (i < 0) {
        ct__error(CT_ERR_INDEX, fn, "key '%s' not found", name);
        return NULL;
    }
    return new_ref(d->tensors.values[i]);
}

bool ct_tensor_dict_contains(const ct_tensor_dict *d, const char *name) {
    return d && name && ct_strmap_find(&d->tensors, name) >= 0;
}

int ct_tensor_dict_remove(ct_tensor_dict *d, const char *name) {
    const char *fn = "ct_tensor_dict_remove";
    CT_CHECK_ARG_RET(d, fn, "dict", CT_ERR_NULL);
    CT_CHECK_ARG_RET(name, fn, "name", CT_ERR_NULL);
    long i = ct_strmap_find(&d->tensors, name);
    if (i < 0) {
        ct__error(CT_ERR_INDEX, fn, "key '%s' not found", name);
        return CT_ERR_INDEX;
    }
    ct__tensor_decref(ct_strmap_remove_at(&d->tensors, (size_t)i));
    return 0;
}

size_t ct_tensor_dict_len(const ct_tensor_dict *d) { return d ? d->tensors.len : 0; }

static bool check_index(const ct_tensor_dict *d, size_t i, size_t len, const char *fn) {
    if (!d) {
        ct__null_arg(fn, "dict");
        return false;
    }
    if (i >= len) {
        ct__error(CT_ERR_INDEX, fn, "index %zu is out of range for a dict of %zu entries", i, len);
        return false;
    }
    return true;
}

const char *ct_tensor_dict_name(const ct_tensor_dict *d, size_t i) {
    if (!check_index(d, i, ct_tensor_dict_len(d), "ct_tensor_dict_name")) return NULL;
    return d->tensors.keys[i];
}

ct_tensor *ct_tensor_dict_tensor(const ct_tensor_dict *d, size_t i) {
    if (!check_index(d, i, ct_tensor_dict_len(d), "ct_tensor_dict_tensor")) return NULL;
    return new_ref(d->tensors.values[i]);
}

/* ---------------------------------------------------------------- metadata */

int ct_tensor_dict_set_meta(ct_tensor_dict *d, const char *key, const char *value) {
    const char *fn = "ct_tensor_dict_set_meta";
    CT_CHECK_ARG_RET(d, fn, "dict", CT_ERR_NULL);
    CT_CHECK_ARG_RET(key, fn, "key", CT_ERR_NULL);
    CT_CHECK_ARG_RET(value, fn, "value", CT_ERR_NULL);
    size_t n = strlen(value);
    char *copy = malloc(n + 1);
    if (!copy) {
        ct__error(CT_ERR_OOM, fn, "out of memory");
        return CT_ERR_OOM;
    }
    memcpy(copy, value, n + 1);
    long i = ct_strmap_find(&d->meta, key);
    if (i >= 0) {
        free(d->meta.values[i]);
        d->meta.values[i] = copy;
        return 0;
    }
    if (!ct_strmap_append(&d->meta, key, copy)) {
        free(copy);
        ct__error(CT_ERR_OOM, fn, "out of memory");
        return CT_ERR_OOM;
    }
    return 0;
}

const char *ct_tensor_dict_get_meta(const ct_tensor_dict *d, const char *key) {
    if (!d || !key) return NULL;
    long i = ct_strmap_find(&d->meta, key);
    return i < 0 ? NULL : d->meta.values[i];
}

int ct_tensor_dict_remove_meta(ct_tensor_dict *d, const char *key) {
    const char *fn = "ct_tensor_dict_remove_meta";
    CT_CHECK_ARG_RET(d, fn, "dict", CT_ERR_NULL);
    CT_CHECK_ARG_RET(key, fn, "key", CT_ERR_NULL);
    long i = ct_strmap_find(&d->meta, key);
    if (i < 0) {
        ct__error(CT_ERR_INDEX, fn, "key '%s' not found", key);
        return CT_ERR_INDEX;
    }
    free(ct_strmap_remove_at(&d->meta, (size_t)i));
    return 0;
}

size_t ct_tensor_dict_meta_len(const ct_tensor_dict *d) { return d ? d->meta.len : 0; }

const char *ct_tensor_dict_meta_key(const ct_tensor_dict *d, size_t i) {
    if (!check_index(d, i, ct_tensor_dict_meta_len(d), "ct_tensor_dict_meta_key")) return NULL;
    return d->meta.keys[i];
}

const char *ct_tensor_dict_meta_value(const ct_tensor_dict *d, size_t i) {
    if (!check_index(d, i, ct_tensor_dict_meta_len(d), "ct_tensor_dict_meta_value")) return NULL;
    return d->meta.values[i];
}

/* ------------------------------------------------------ prefixes (checkpoints) */

/* prefix + name in a malloc'd string; NULL (and an error) when out of memory. */
static char *join(const char *prefix, const char *name, const char *fn) {
    size_t a = strlen(prefix), b = strlen(name);
    char *s = malloc(a + b + 1);
    if (!s) {
        ct__error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    memcpy(s, prefix, a);
    memcpy(s + a, name, b + 1);
    return s;
}

int ct_tensor_dict_update(ct_tensor_dict *dst, const ct_tensor_dict *src, const char *prefix) {
    const char *fn = "ct_tensor_dict_update";
    CT_CHECK_ARG_RET(dst, fn, "dst", CT_ERR_NULL);
    CT_CHECK_ARG_RET(src, fn, "src", CT_ERR_NULL);
    if (!prefix) prefix = "";
    for (size_t k = 0; k < 2; k++) {
        const ct_strmap *m = k == 0 ? &src->tensors : &src->meta;
        size_t len = m->len; /* dst may be src: never revisit what this call added */
        for (size_t i = 0; i < len; i++) {
            char *name = join(prefix, m->keys[i], fn);
            if (!name) return CT_ERR_OOM;
            int rc = k == 0 ? ct_tensor_dict_set(dst, name, m->values[i])
                            : ct_tensor_dict_set_meta(dst, name, m->values[i]);
            free(name);
            if (rc < 0) return rc;
        }
    }
    return 0;
}

ct_tensor_dict *ct_tensor_dict_sub(const ct_tensor_dict *src, const char *prefix) {
    const char *fn = "ct_tensor_dict_sub";
    CT_CHECK_ARG(src, fn, "src");
    if (!prefix) prefix = "";
    size_t n = strlen(prefix);
    ct_tensor_dict *out = ct_tensor_dict_new();
    if (!out) return NULL;
    for (size_t k = 0; k < 2; k++) {
        const ct_strmap *m = k == 0 ? &src->tensors : &src->meta;
        for (size_t i = 0; i < m->len; i++) {
            if (strncmp(m->keys[i], prefix, n) != 0) continue;
            int rc = k == 0 ? ct_tensor_dict_set(out, m->keys[i] + n, m->values[i])
                            : ct_tensor_dict_set_meta(out, m->keys[i] + n, m->values[i]);
            if (rc < 0) {
                ct_tensor_dict_free(out);
                return NULL;
            }
        }
    }
    return out;
}
