/*
 * src/data/image_folder.c - ImageFolder: root/<class>/.../<name>.png|.jpg|.jpeg, with
 * classes and files ordered the way torchvision orders them (sorted class
 * names; os.walk sorted by folder path, files sorted by name).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#define MAX_DEPTH 32

typedef struct {
    char **paths;
    int64_t *labels;
    int64_t n, cap;
    char **classes;
    int nclasses;
} folder_ds;

typedef struct {
    char **items;
    size_t n, cap;
} strlist;

static bool push(strlist *l, const char *s) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **grown = realloc(l->items, cap * sizeof *grown);
        if (!grown) return false;
        l->items = grown;
        l->cap = cap;
    }
    l->items[l->n] = strdup(s);
    return l->items[l->n++] != NULL;
}

static void strlist_free(strlist *l) {
    for (size_t i = 0; i < l->n; i++) free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_list(strlist *l) {
    if (l->n > 1) qsort(l->items, l->n, sizeof *l->items, cmp_str);
}

static bool is_image(const char *name) {
    static const char *const ext[] = {".png", ".jpg", ".jpeg"};
    size_t n = strlen(name);
    for (int i = 0; i < 3; i++) {
        size_t m = strlen(ext[i]);
        if (n >= m && strcasecmp(name + n - m, ext[i]) == 0) return true;
    }
    return false;
}

/* Lists the sub-folders (dirs) or image files (files) of path, unsorted. */
static bool list_dir(const char *path, strlist *dirs, strlist *files) {
    DIR *d = opendir(path);
    if (!d) return false;
    struct dirent *e;
    bool ok = true;
    char full[4096];
    while (ok && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (snprintf(full, sizeof full, "%s/%s", path, e->d_name) >= (int)sizeof full) continue;
        if (dt_is_dir(full)) {
            if (dirs) ok = push(dirs, e->d_name);
        } else if (files && is_image(e->d_name)) {
            ok = push(files, full);
        }
    }
    closedir(d);
    return ok;
}

/* Every folder under path (itself included), for os.walk's order once sorted. */
static bool walk(const char *path, int depth, strlist *folders) {
    if (!push(folders, path)) return false;
    if (depth >= MAX_DEPTH) return true;
    strlist sub = {0};
    bool ok = list_dir(path, &sub, NULL);
    char full[4096];
    for (size_t i = 0; ok && i < sub.n; i++) {
        int len = snprintf(full, sizeof full, "%s/%s", path, sub.items[i]);
        if (len > 0 && (size_t)len < sizeof full) ok = walk(full, depth + 1, folders);
    }
    strlist_free(&sub);
    return ok;
}

static bool add_sample(folder_ds *d, const char *path, int64_t label) {
    if (d->n == d->cap) {
        int64_t cap = d->cap ? d->cap * 2 : 64;
        char **p = realloc(d->paths, (size_t)cap * sizeof *p);
        if (p) d->paths = p;
        int64_t *l = realloc(d->labels, (size_t)cap * sizeof *l);
        if (l) d->labels = l;
        if (!p || !l) return false;
        d->cap = cap;
    }
    d->paths[d->n] = strdup(path);
    if (!d->paths[d->n]) return false;
    d->labels[d->n++] = label;
    return true;
}

static int64_t if_len(void *ctx) { return ((folder_ds *)ctx)->n; }

static int if_get(void *ctx, int64_t index, ct_sample *out) {
    folder_ds *d = ctx;
    out->n = 2;
    out->t[0] = ct_image_read(d->paths[index], CT_IMAGE_RGB);
    if (!out->t[0]) return (int)ct_last_error_code();
    out->t[1] = ct_scalar_tensor((double)d->labels[index], .dtype = CT_I64);
    return out->t[1] ? 0 : (int)ct_last_error_code();
}

static void if_free(void *ctx) {
    folder_ds *d = ctx;
    for (int64_t i = 0; i < d->n; i++) free(d->paths[i]);
    for (int i = 0; i < d->nclasses; i++) free(d->classes[i]);
    free(d->paths);
    free(d->labels);
    free(d->classes);
    free(d);
}

static const ct_dataset_vtable if_vtable = {"ImageFolder", if_len, if_get, if_free};

/* Adds the images of one class folder in torchvision's order. */
static int scan_class(folder_ds *d, const char *dir, int label, const char *fn) {
    strlist folders = {0};
    if (!walk(dir, 0, &folders)) {
        strlist_free(&folders);
        return ct_set_error(CT_ERR_OOM, fn, "out of memory listing '%s'", dir);
    }
    sort_list(&folders);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < folders.n; i++) {
        strlist files = {0};
        if (!list_dir(folders.items[i], NULL, &files)) rc = ct_set_error(CT_ERR_OOM, fn, "out of memory");
        sort_list(&files);
        for (size_t k = 0; rc == 0 && k < files.n; k++)
            if (!add_sample(d, files.items[k], label)) rc = ct_set_error(CT_ERR_OOM, fn, "out of memory");
        strlist_free(&files);
    }
    strlist_free(&folders);
    return rc;
}

static int scan(folder_ds *d, const char *root, const char *fn) {
    strlist classes = {0};
    if (!dt_is_dir(root)) return ct_set_error(CT_ERR_IO, fn, "Couldn't find any class folder in %s.", root);
    if (!list_dir(root, &classes, NULL)) {
        strlist_free(&classes);
        return ct_set_error(CT_ERR_IO, fn, "cannot list '%s'", root);
    }
    if (classes.n == 0) {
        strlist_free(&classes);
        return ct_set_error(CT_ERR_IO, fn, "Couldn't find any class folder in %s.", root);
    }
    sort_list(&classes);
    d->classes = classes.items;
    d->nclasses = (int)classes.n;
    int rc = 0;
    for (int c = 0; rc == 0 && c < d->nclasses; c++) {
        char dir[4096];
        int len = snprintf(dir, sizeof dir, "%s/%s", root, d->classes[c]);
        if (len < 0 || (size_t)len >= sizeof dir) {
            rc = ct_set_error(CT_ERR_VALUE, fn, "path too long: '%s/%s'", root, d->classes[c]);
            break;
        }
        int64_t before = d->n;
        rc = scan_class(d, dir, c, fn);
        if (rc == 0 && d->n == before)
            rc = ct_set_error(CT_ERR_IO, fn,
                              "Found no valid file for the classes %s. Supported extensions are: "
                              ".png, .jpg, .jpeg",
                              d->classes[c]);
    }
    return rc;
}

ct_dataset *ct_image_folder_(ct_vision_args a) {
    const char *fn = "ct_image_folder";
    if (!a.root || !a.root[0]) {
        ct_set_error(CT_ERR_VALUE, fn, "ImageFolder needs a root folder");
        return dt_vision_finish(NULL, a);
    }
    folder_ds *d = calloc(1, sizeof *d);
    if (!d) {
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return dt_vision_finish(NULL, a);
    }
    ct_dataset *ds = scan(d, a.root, fn) == 0 ? ct_dataset_new(&if_vtable, d) : NULL;
    if (!ds) {
        if_free(d);
        return dt_vision_finish(NULL, a);
    }
    ds->classes = (const char *const *)d->classes;
    ds->nclasses = d->nclasses;
    return dt_vision_finish(ds, a);
}

const char *ct_image_folder_path(const ct_dataset *ds, int64_t index) {
    if (!ds || ds->vt != &if_vtable) return NULL;
    folder_ds *d = ds->ctx;
    return index >= 0 && index < d->n ? d->paths[index] : NULL;
}
