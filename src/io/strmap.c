/*
 * src/io/strmap.c - the ordered string map behind ct_tensor_dict.
 */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a: short, and good enough for names like "layer3.1.bn2.weight". */
static size_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (size_t)h;
}

static void index_insert(size_t *index, size_t cap, const char *key, size_t entry) {
    size_t slot = hash_str(key) & (cap - 1);
    while (index[slot]) slot = (slot + 1) & (cap - 1);
    index[slot] = entry + 1;
}

static bool rebuild_index(ct_strmap *m, size_t cap) {
    size_t *index = calloc(cap, sizeof *index);
    if (!index) return false;
    for (size_t i = 0; i < m->len; i++) index_insert(index, cap, m->keys[i], i);
    free(m->index);
    m->index = index;
    m->index_cap = cap;
    return true;
}

long ct_strmap_find(const ct_strmap *m, const char *key) {
    if (!m->index_cap) return -1;
    size_t slot = hash_str(key) & (m->index_cap - 1);
    while (m->index[slot]) {
        size_t e = m->index[slot] - 1;
        if (strcmp(m->keys[e], key) == 0) return (long)e;
        slot = (slot + 1) & (m->index_cap - 1);
    }
    return -1;
}

bool ct_strmap_append(ct_strmap *m, const char *key, void *value) {
    if (m->len == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 8;
        char **keys = realloc(m->keys, nc * sizeof *keys);
        if (!keys) return false;
        m->keys = keys;
        void **values = realloc(m->values, nc * sizeof *values);
        if (!values) return false;
        m->values = values;
        m->cap = nc;
    }
    if (2 * (m->len + 1) > m->index_cap && !rebuild_index(m, m->index_cap ? m->index_cap * 2 : 16))
        return false;
    size_t n = strlen(key);
    char *copy = malloc(n + 1);
    if (!copy) return false;
    memcpy(copy, key, n + 1);
    m->keys[m->len] = copy;
    m->values[m->len] = value;
    index_insert(m->index, m->index_cap, copy, m->len);
    m->len++;
    return true;
}

void *ct_strmap_remove_at(ct_strmap *m, size_t i) {
    void *v = m->values[i];
    free(m->keys[i]);
    memmove(m->keys + i, m->keys + i + 1, (m->len - i - 1) * sizeof *m->keys);
    memmove(m->values + i, m->values + i + 1, (m->len - i - 1) * sizeof *m->values);
    m->len--;
    /* Entries after i moved: rebuild in place (same capacity, so no allocation). */
    memset(m->index, 0, m->index_cap * sizeof *m->index);
    for (size_t k = 0; k < m->len; k++) index_insert(m->index, m->index_cap, m->keys[k], k);
    return v;
}

void ct_strmap_free(ct_strmap *m) {
    for (size_t i = 0; i < m->len; i++) free(m->keys[i]);
    free(m->keys);
    free(m->values);
    free(m->index);
    memset(m, 0, sizeof *m);
}
