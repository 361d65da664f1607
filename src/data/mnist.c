/*
 * src/data/mnist.c - MNIST and Fashion-MNIST from their IDX files, found in
 * the usual places (or downloaded with curl), held in memory as torchvision
 * holds them: data [N,28,28] uint8 and targets [N] int64.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct {
    const char *fn;          /* our function, for messages */
    const char *name;        /* torchvision's class name, also its folder name */
    const char *dirname;     /* folder name of Debian's package and of ./data/<name> */
    const char *package;     /* Debian package with the files, or NULL */
    const char *mirrors[2];  /* where the .gz files are published */
    const char *const *classes;
} mnist_kind;

static const char *const fashion_classes[] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                              "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
static const char *const digit_classes[] = {"0 - zero", "1 - one", "2 - two",   "3 - three", "4 - four",
                                            "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"};

static const mnist_kind fashion_kind = {
    "ct_fashion_mnist", "FashionMNIST", "fashion-mnist", "dataset-fashion-mnist",
    {"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", NULL}, fashion_classes};
static const mnist_kind digits_kind = {
    "ct_mnist", "MNIST", "mnist", NULL,
    {"https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"},
    digit_classes};

typedef struct {
    ct_tensor *data;    /* [N,H,W] uint8 */
    ct_tensor *targets; /* [N] int64 */
} mnist_ds;

static int64_t mn_len(void *ctx) { return ct_size(((mnist_ds *)ctx)->data, 0); }

static int mn_get(void *ctx, int64_t index, ct_sample *out) {
    mnist_ds *d = ctx;
    int64_t h = ct_size(d->data, 1), w = ct_size(d->data, 2);
    const int64_t strides[3] = {w, 1, 1};
    out->n = 2;
    out->t[0] = ct_as_strided(d->data, CT_SHAPE(h, w, 1), strides, index * h * w);
    out->t[1] = ct_select(d->targets, 0, index);
    return out->t[0] && out->t[1] ? 0 : (int)ct_last_error_code();
}

/* A batch of raw samples: rows of data as [n,H,W,1] and of targets. */
static int mn_gather(ct_dataset *ds, const int64_t *idx, int64_t n, ct_sample *out) {
    mnist_ds *d = ds->ctx;
    ct_shape row = {.ndim = 3, .d = {ct_size(d->data, 1), ct_size(d->data, 2), 1}};
    out->t[0] = dt_gather_rows(d->data, idx, n, &row);
    out->t[1] = out->t[0] ? dt_gather_rows(d->targets, idx, n, NULL) : NULL;
    out->n = 2;
    if (out->t[1]) return 0;
    dt_release_sample(out);
    return (int)ct_last_error_code();
}

static void mn_free(void *ctx) {
    mnist_ds *d = ctx;
    ct_release(d->data);
    ct_release(d->targets);
    free(d);
}

static const ct_dataset_vtable fashion_vtable = {"FashionMNIST", mn_len, mn_get, mn_free};
static const ct_dataset_vtable digits_vtable = {"MNIST", mn_len, mn_get, mn_free};

/* File stems of a split: images then labels. */
static void split_files(ct_dataset_split split, const char *files[2]) {
    files[0] = split == CT_TRAIN ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte";
    files[1] = split == CT_TRAIN ? "train-labels-idx1-ubyte" : "t10k-labels-idx1-ubyte";
}

/* Finds stem or stem.gz in dir; writes the path to out. */
static bool find_in(const char *dir, const char *stem, char *out, size_t size) {
    char name[128];
    snprintf(name, sizeof name, "%s", stem);
    if (dt_join(out, size, dir, name, "") && dt_is_file(out)) return true;
    snprintf(name, sizeof name, "%s.gz", stem);
    return dt_join(out, size, dir, name, "") && dt_is_file(out);
}

/* The folders searched, in order: with a root, the root and torchvision's layout under it. */
static int candidate_dirs(const mnist_kind *k, const char *root, char dirs[][1024]) {
    int n = 0;
    if (root && root[0]) {
        snprintf(dirs[n++], 1024, "%s", root);
        snprintf(dirs[n++], 1024, "%s/%s/raw", root, k->name);
        snprintf(dirs[n++], 1024, "%s/%s", root, k->dirname);
        return n;
    }
    const char *env = getenv("CT_DATA_DIR");
    if (env && env[0]) {
        snprintf(dirs[n++], 1024, "%s", env);
        snprintf(dirs[n++], 1024, "%s/%s", env, k->dirname);
    }
    snprintf(dirs[n++], 1024, "data/%s", k->dirname);
    snprintf(dirs[n++], 1024, "data/%s/raw", k->name);
    snprintf(dirs[n++], 1024, "data");
    snprintf(dirs[n++], 1024, "/usr/share/datasets/%s", k->dirname);
    return n;
}

/*
 * Records the "dataset not found" error, saying exactly how to get the files
 * into `target`; why (may be NULL) is what went wrong with .download = true.
 */
static void not_found(const mnist_kind *k, ct_dataset_split split, char dirs[][1024], int ndirs,
                      const char *target, const char *why) {
    const char *files[2];
    split_files(split, files);
    char searched[2048] = "";
    for (int i = 0; i < ndirs; i++) {
        size_t used = strlen(searched);
        snprintf(searched + used, sizeof searched - used, "%s'%s'", i ? ", " : "", dirs[i]);
    }
    char pkg[256] = "";
    if (k->package)
        snprintf(pkg, sizeof pkg, "install Debian's package: apt-get install %s (files go to /usr/share/datasets/%s); or ",
                 k->package, k->dirname);
    ct_set_error(CT_ERR_IO, k->fn,
                 "Dataset not found%s%s. %s(.gz) and %s(.gz) are not in %s. To get them: %s"
                 "download %s%s.gz and %s%s.gz into '%s' (gzipped or not)%s",
                 why ? ": " : "", why ? why : "", files[0], files[1], searched, pkg, k->mirrors[0],
                 files[0], k->mirrors[0], files[1], target,
                 why ? "." : "; or pass .download = true (uses curl).");
}

/* What a downloaded IDX file must be: its magic's last bytes and its size once inflated. */
typedef struct {
    uint8_t ndim;
    long size;
} idx_expect;

/*
 * Accepts a gzip file whose trailer says it inflates to exactly the expected
 * size, or a plain IDX file of unsigned bytes with that size. (The full
 * parse happens when the dataset loads.)
 */
static bool verify_idx(const char *path, const void *ctx, char *why, size_t why_size) {
    const idx_expect *e = ctx;
    uint8_t head[4], tail[4];
    long size = 0;
    if (!dt_read_head_tail(path, head, 4, tail, 4, &size)) {
        snprintf(why, why_size, "it is empty or truncated");
        return false;
    }
    if (head[0] == 0x1f && head[1] == 0x8b) {
        uint32_t isize = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 | (uint32_t)tail[3] << 24;
        if (isize == (uint32_t)e->size) return true;
        snprintf(why, why_size, "a gzip file that inflates to %lu bytes instead of %ld", (unsigned long)isize, e->size);
        return false;
    }
    if (head[0] != 0 || head[1] != 0 || head[2] != 0x08 || head[3] != e->ndim) {
        snprintf(why, why_size, "neither gzip data nor an IDX file of %d-dimensional unsigned bytes (it starts %02x %02x %02x %02x)",
                 e->ndim, head[0], head[1], head[2], head[3]);
        return false;
    }
    if (size == e->size) return true;
    snprintf(why, why_size, "an IDX file of %ld bytes instead of %ld", size, e->size);
    return false;
}

/* Fetches the split's two files into dir, from $CT_DOWNLOAD_MIRROR or the official mirrors in turn. */
static int download(const mnist_kind *k, ct_dataset_split split, const char *dir, char *why, size_t size) {
    const char *files[2];
    split_files(split, files);
    long n = split == CT_TRAIN ? 60000 : 10000;
    const idx_expect expect[2] = {{3, 16 + n * 28 * 28}, {1, 8 + n}};
    const char *mirror = dt_download_mirror();
    const char *mirrors[2] = {mirror ? mirror : k->mirrors[0], mirror ? NULL : k->mirrors[1]};
    for (int f = 0; f < 2; f++) {
        char dest[1200], found[1200];
        if (find_in(dir, files[f], found, sizeof found)) continue;
        snprintf(dest, sizeof dest, "%s/%s.gz", dir, files[f]);
        int rc = -1;
        size_t used = 0;
        why[0] = '\0';
        for (int m = 0; m < 2 && mirrors[m] && rc != 0; m++) {
            char url[1200], one[1024];
            const char *base = mirrors[m];
            snprintf(url, sizeof url, "%s%s%s.gz", base, base[strlen(base) - 1] == '/' ? "" : "/", files[f]);
            rc = dt_download(url, dest, verify_idx, &expect[f], one, sizeof one);
            if (rc != 0 && used < size)
                used += (size_t)snprintf(why + used, size - used, "%s%s", used ? "; " : "", one);
        }
        if (rc != 0) return rc;
    }
    return 0;
}

/* Reads one IDX file and checks it has the expected dtype and rank. */
static ct_tensor *read_idx(const char *path, int ndim, const char *fn) {
    uint8_t *buf;
    size_t len;
    if (dt_read_file_expect(path, (size_t)1 << 31, dt_idx_size, &buf, &len, fn) != 0) return NULL;
    ct_tensor *t = dt_idx_parse(buf, len, path, fn);
    free(buf);
    if (t && (ct_dtype_of(t) != CT_U8 || ct_dim(t) != ndim)) {
        ct_set_error(CT_ERR_IO, fn, "'%s' should hold %d-dimensional unsigned bytes", path, ndim);
        ct_free(t);
        return NULL;
    }
    return t;
}

static mnist_ds *load(const mnist_kind *k, const char *images, const char *labels) {
    ct_tensor *x = read_idx(images, 3, k->fn);
    ct_tensor *y = x ? read_idx(labels, 1, k->fn) : NULL;
    if (y && ct_size(y, 0) != ct_size(x, 0)) {
        ct_set_error(CT_ERR_IO, k->fn, "'%s' has %lld images but '%s' has %lld labels", images,
                     (long long)ct_size(x, 0), labels, (long long)ct_size(y, 0));
        ct_free(y);
        y = NULL;
    }
    if (y) {
        const uint8_t *p = ct_data_u8(y);
        for (int64_t i = 0; i < ct_size(y, 0); i++)
            if (p[i] > 9) {
                ct_set_error(CT_ERR_IO, k->fn, "'%s': label %d at index %lld is not in 0-9", labels,
                             p[i], (long long)i);
                ct_free(y);
                y = NULL;
                break;
            }
    }
    ct_tensor *targets = y ? dt_own(ct_to_dtype(y, CT_I64)) : NULL;
    ct_free(y);
    mnist_ds *d = targets ? calloc(1, sizeof *d) : NULL;
    if (!d) {
        if (targets) ct_set_error(CT_ERR_OOM, k->fn, "out of memory");
        ct_free(x);
        ct_free(targets);
        return NULL;
    }
    d->data = dt_own(x);
    d->targets = targets;
    return d;
}

static ct_dataset *open_mnist(const mnist_kind *k, const ct_dataset_vtable *vt, ct_vision_args a) {
    char dirs[8][1024];
    int ndirs = candidate_dirs(k, a.root, dirs);
    const char *files[2];
    split_files(a.split, files);
    char images[1200], labels[1200];
    int found = -1;
    for (int i = 0; i < ndirs && found < 0; i++)
        if (find_in(dirs[i], files[0], images, sizeof images) &&
            find_in(dirs[i], files[1], labels, sizeof labels))
            found = i;
    /* downloads go to root, else to ./data/<name> */
    char target[1024];
    snprintf(target, sizeof target, "%s", a.root && a.root[0] ? a.root : dirs[ndirs - 4]);
    if (found < 0 && a.download) {
        char why[2048] = "";
        if (download(k, a.split, target, why, sizeof why) != 0) {
            not_found(k, a.split, dirs, ndirs, target, why);
            return NULL;
        }
        if (find_in(target, files[0], images, sizeof images) &&
            find_in(target, files[1], labels, sizeof labels))
            found = 0;
    }
    if (found < 0) {
        not_found(k, a.split, dirs, ndirs, target, NULL);
        return NULL;
    }
    mnist_ds *d = load(k, images, labels);
    if (!d) return NULL;
    ct_dataset *ds = ct_dataset_new(vt, d);
    if (!ds) {
        mn_free(d);
        return NULL;
    }
    ds->classes = k->classes;
    ds->nclasses = 10;
    ds->gather = mn_gather;
    ds->data = d->data;
    ds->targets = d->targets;
    return ds;
}

ct_dataset *ct_fashion_mnist_(ct_vision_args a) {
    return dt_vision_finish(open_mnist(&fashion_kind, &fashion_vtable, a), a);
}

ct_dataset *ct_mnist_(ct_vision_args a) {
    return dt_vision_finish(open_mnist(&digits_kind, &digits_vtable, a), a);
}
