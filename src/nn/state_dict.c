/*
 * src/nn/state_dict.c - module.state_dict() / load_state_dict() with
 * PyTorch's key names, order and strict-mode report, and saving a module as
 * a safetensors file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctorch.h"

/* A growable list of strings. */
typedef struct {
    char **items;
    int n, cap;
    bool oom;
} strlist;

static void strlist_push(strlist *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void strlist_push(strlist *l, const char *fmt, ...) {
    if (l->oom) return;
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (s && l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 8;
        char **p = realloc(l->items, sizeof *p * (size_t)cap);
        if (p) {
            l->items = p;
            l->cap = cap;
        } else {
            free(s);
            s = NULL;
        }
    }
    if (!s) {
        l->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(s, (size_t)len + 1, fmt, ap);
    va_end(ap);
    l->items[l->n++] = s;
}

static void strlist_free(strlist *l) {
    for (int i = 0; i < l->n; i++) free(l->items[i]);
    free(l->items);
    *l = (strlist){0};
}

/* Python's str(torch.Size): "torch.Size([3, 4])". */
static void size_str(const ct_tensor *t, char *buf, size_t size) {
    int k = snprintf(buf, size, "torch.Size([");
    for (int i = 0; i < ct_dim(t) && k > 0 && (size_t)k < size; i++)
        k += snprintf(buf + k, size - (size_t)k, i ? ", %lld" : "%lld", (long long)ct_size(t, i));
    if (k > 0 && (size_t)k < size) snprintf(buf + k, size - (size_t)k, "])");
}

/* The direct children, copied (the module's own walk buffer is reused by later calls). */
static int children_of(ct_module *m, ct_named_module **out) {
    const ct_named_module *kids;
    int n = ct_named_children(m, &kids);
    *out = NULL;
    if (n <= 0) return n;
    *out = malloc(sizeof **out * (size_t)n);
    if (!*out) return -1;
    memcpy(*out, kids, sizeof **out * (size_t)n);
    return n;
}

static char *join(const char *prefix, const char *name) {
    size_t a = strlen(prefix), b = strlen(name);
    char *s = malloc(a + b + 1);
    if (s) {
        memcpy(s, prefix, a);
        memcpy(s + a, name, b + 1);
    }
    return s;
}

/* ----------------------------------------------------------------- saving */

/* Adds m's parameters, then its persistent buffers, then each child's, under prefix. */
static int collect(ct_module *m, const char *prefix, ct_tensor_dict *d) {
    ct_module_entry e;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; ct_module_entry_at(m, i, &e); i++) {
            if (e.is_param != (pass == 0) || !e.persistent) continue;
            char *key = join(prefix, e.name);
            int rc = CT_ERR_OOM;
            if (key) CT_SCOPE {
                    ct_tensor *alias = ct_detach(e.tensor);
                    rc = alias ? ct_tensor_dict_set(d, key, alias) : ct_last_error_code();
                }
            free(key);
            if (rc < 0) return rc;
        }
    ct_named_module *kids;
    int n = children_of(m, &kids);
    if (n < 0) return ct_set_error(CT_ERR_OOM, "ct_state_dict", "out of memory");
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        char *p = join(prefix, kids[i].name), *pd = p ? join(p, ".") : NULL;
        rc = pd ? collect(kids[i].module, pd, d) : ct_set_error(CT_ERR_OOM, "ct_state_dict", "out of memory");
        free(p);
        free(pd);
    }
    free(kids);
    return rc;
}

ct_tensor_dict *ct_state_dict(ct_module *m) {
    if (!m) {
        ct_set_error(CT_ERR_NULL, "ct_state_dict", "argument 'module' must not be NULL");
        return NULL;
    }
    ct_tensor_dict *d = ct_tensor_dict_new();
    if (d && collect(m, "", d) < 0) {
        ct_tensor_dict_free(d);
        return NULL;
    }
    return d;
}

/* ---------------------------------------------------------------- loading */

typedef struct {
    const ct_tensor_dict *d;
    strlist missing, unexpected, errors;
} loader;

/* Copies one checkpoint tensor into the model's tensor, or records why it cannot. */
static void load_one(loader *L, const char *key, ct_tensor *dst) {
    CT_SCOPE {
        ct_tensor *src = ct_tensor_dict_get(L->d, key);
        if (!src) break;
        /* PyTorch's backward compatibility: a 1-d checkpoint entry for a 0-d tensor. */
        if (ct_dim(dst) == 0 && ct_dim(src) == 1 && ct_size(src, 0) > 0) src = ct_select(src, 0, 0);
        bool same = ct_dim(src) == ct_dim(dst);
        for (int i = 0; same && i < ct_dim(dst); i++) same = ct_size(src, i) == ct_size(dst, i);
        char ssrc[256], sdst[256];
        size_str(src, ssrc, sizeof ssrc);
        size_str(dst, sdst, sizeof sdst);
        if (!same) {
            strlist_push(&L->errors,
                         "size mismatch for %s: copying a param with shape %s from checkpoint, the shape in "
                         "current model is %s.",
                         key, ssrc, sdst);
            break;
        }
        bool was = ct_set_grad_enabled(false);
        ct_tensor *r = ct_copy_(dst, src);
        ct_set_grad_enabled(was);
        if (!r)
            strlist_push(&L->errors,
                         "While copying the parameter named \"%s\", whose dimensions in the model are %s and "
                         "whose dimensions in the checkpoint are %s, an exception occurred : (%s).",
                         key, sdst, ssrc, ct_last_error());
    }
}

/* Whether `name` is a direct entry or child of m. */
static bool has_local(ct_module *m, const char *name, size_t len) {
    ct_module_entry e;
    for (int i = 0; ct_module_entry_at(m, i, &e); i++)
        if (e.persistent && strlen(e.name) == len && !strncmp(e.name, name, len)) return true;
    const ct_named_module *kids;
    int n = ct_named_children(m, &kids);
    for (int i = 0; i < n; i++)
        if (strlen(kids[i].name) == len && !strncmp(kids[i].name, name, len)) return true;
    return false;
}

/* Module._load_from_state_dict for m, then its children, as PyTorch's load() recursion does. */
static void load_module(loader *L, ct_module *m, const char *prefix) {
    ct_module_entry e;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; ct_module_entry_at(m, i, &e); i++) {
            if (e.is_param != (pass == 0) || !e.persistent) continue;
            char *key = join(prefix, e.name);
            if (!key) {
                L->errors.oom = true;
                return;
            }
            if (ct_tensor_dict_contains(L->d, key)) load_one(L, key, e.tensor);
            else strlist_push(&L->missing, "%s", key);
            free(key);
        }
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < ct_tensor_dict_len(L->d); i++) {
        const char *key = ct_tensor_dict_name(L->d, i);
        if (strncmp(key, prefix, plen) != 0) continue;
        const char *rest = key + plen;
        size_t len = strcspn(rest, ".");
        if (!has_local(m, rest, len)) strlist_push(&L->unexpected, "%s", key);
    }
    ct_named_module *kids;
    int n = children_of(m, &kids);
    if (n < 0) L->errors.oom = true;
    for (int i = 0; i < n; i++) {
        char *p = join(prefix, kids[i].name), *pd = p ? join(p, ".") : NULL;
        if (pd) load_module(L, kids[i].module, pd);
        else L->errors.oom = true;
        free(p);
        free(pd);
    }
    free(kids);
}

/* '"a", "b"' */
static void quoted_list(const strlist *l, char *buf, size_t size) {
    buf[0] = '\0';
    size_t k = 0;
    for (int i = 0; i < l->n && k < size; i++) {
        int w = snprintf(buf + k, size - k, i ? ", \"%s\"" : "\"%s\"", l->items[i]);
        if (w < 0) break;
        k += (size_t)w;
    }
}

int ct_load_state_dict_keys(ct_module *m, const ct_tensor_dict *d, bool strict, ct_incompatible_keys *keys) {
    if (keys) *keys = (ct_incompatible_keys){0};
    if (!m || !d) return ct_set_error(CT_ERR_NULL, "ct_load_state_dict", "argument '%s' must not be NULL", m ? "state_dict" : "module");
    loader L = {.d = d};
    load_module(&L, m, "");
    if (L.missing.oom || L.unexpected.oom || L.errors.oom) {
        strlist_free(&L.missing);
        strlist_free(&L.unexpected);
        strlist_free(&L.errors);
        return ct_set_error(CT_ERR_OOM, "ct_load_state_dict", "out of memory");
    }
    /* PyTorch's report: missing keys first, then unexpected keys, then the per-tensor errors. */
    size_t cap = 256;
    for (int i = 0; i < L.missing.n; i++) cap += strlen(L.missing.items[i]) + 4;
    for (int i = 0; i < L.unexpected.n; i++) cap += strlen(L.unexpected.items[i]) + 4;
    for (int i = 0; i < L.errors.n; i++) cap += strlen(L.errors.items[i]) + 2;
    char *msg = malloc(cap), *list = malloc(cap);
    int rc = 0;
    if (!msg || !list) {
        rc = ct_set_error(CT_ERR_OOM, "ct_load_state_dict", "out of memory");
    } else {
        msg[0] = '\0';
        size_t k = 0;
        int nerr = 0;
        if (strict && L.missing.n) {
            quoted_list(&L.missing, list, cap);
            k += (size_t)snprintf(msg + k, cap - k, "%sMissing key(s) in state_dict: %s. ", nerr++ ? "\n\t" : "", list);
        }
        if (strict && L.unexpected.n) {
            quoted_list(&L.unexpected, list, cap);
            k += (size_t)snprintf(msg + k, cap - k, "%sUnexpected key(s) in state_dict: %s. ", nerr++ ? "\n\t" : "", list);
        }
        for (int i = 0; i < L.errors.n; i++)
            k += (size_t)snprintf(msg + k, cap - k, "%s%s", nerr++ ? "\n\t" : "", L.errors.items[i]);
        if (nerr)
            rc = ct_set_error(CT_ERR_RUNTIME, "ct_load_state_dict", "Error(s) in loading state_dict for %s:\n\t%s",
                          ct_module_type_name(m), msg);
    }
    free(msg);
    free(list);
    if (keys) {
        keys->missing_keys = L.missing.items;
        keys->n_missing = L.missing.n;
        keys->unexpected_keys = L.unexpected.items;
        keys->n_unexpected = L.unexpected.n;
    } else {
        strlist_free(&L.missing);
        strlist_free(&L.unexpected);
    }
    strlist_free(&L.errors);
    return rc;
}

int ct_load_state_dict(ct_module *m, const ct_tensor_dict *d, bool strict) {
    return ct_load_state_dict_keys(m, d, strict, NULL);
}

void ct_incompatible_keys_free(ct_incompatible_keys *keys) {
    if (!keys) return;
    for (int i = 0; i < keys->n_missing; i++) free(keys->missing_keys[i]);
    for (int i = 0; i < keys->n_unexpected; i++) free(keys->unexpected_keys[i]);
    free(keys->missing_keys);
    free(keys->unexpected_keys);
    *keys = (ct_incompatible_keys){0};
}

/* ------------------------------------------------------------------- files */

int ct_module_save(ct_module *m, const char *path) {
    ct_tensor_dict *d = ct_state_dict(m);
    if (!d) return ct_last_error_code();
    int rc = ct_save_safetensors(d, path);
    ct_tensor_dict_free(d);
    return rc;
}

int ct_module_load(ct_module *m, const char *path, bool strict) {
    if (!m) return ct_set_error(CT_ERR_NULL, "ct_module_load", "argument 'module' must not be NULL");
    ct_tensor_dict *d = ct_load_safetensors(path);
    if (!d) return ct_last_error_code();
    int rc = ct_load_state_dict(m, d, strict);
    ct_tensor_dict_free(d);
    return rc;
}
