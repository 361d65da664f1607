/*
 * src/io/strmap.h - an insertion-ordered map from strings to pointers with a
 * hash index, so lookups stay O(1) for state dicts with thousands of names.
 * It owns its keys (copies); values are the caller's business.
 */
#ifndef CT_IO_STRMAP_H
#define CT_IO_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ct_strmap {
    char **keys;
    void **values;
    size_t len, cap;
    size_t *index;      /* open addressing: slot -> entry + 1, 0 = empty */
    size_t index_cap;   /* a power of two, at least twice len */
} ct_strmap;

/* Position of key, or -1. */
long ct_strmap_find(const ct_strmap *m, const char *key);
/*
 * Appends key (copied) with value; the key must not be present. Returns false
 * when out of memory (the map is unchanged).
 */
bool ct_strmap_append(ct_strmap *m, const char *key, void *value);
/* Removes entry i keeping the order of the rest; returns its value. */
void *ct_strmap_remove_at(ct_strmap *m, size_t i);
/* Frees the keys and the arrays (not the values). */
void ct_strmap_free(ct_strmap *m);

#endif
