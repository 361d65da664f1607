/*
 * src/data/cifar.c - CIFAR-10, binary version: records of one label byte and
 * 3072 pixel bytes (1024 red, 1024 green, 1024 blue, rows top to bottom),
 * kept in memory as torchvision keeps them: data [N,32,32,3] uint8, targets
 * [N] int64. .download fetches the official archive with curl and unpacks it
 * with tar.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define REC 3073
#define MAX_CLASSES 256

static const char *const cifar10_names[] = {"airplane", "automobile", "bird", "cat", "deer",
                                            "dog",      "frog",       "horse", "ship", "truck"};

typedef struct {
    ct_tensor *data;
    ct_tensor *targets;
    char *names[MAX_CLASSES];
    int nnames;
} cifar_ds;

static int64_t cf_len(void *ctx) { return ct_size(((cifar_ds *)ctx)->data, 0); }

static int cf_get(void *ctx, int64_t index, ct_sample *out) {
    cifar_ds *d = ctx;
    out->n = 2;
    out->t[0] = ct_select(d->data, 0, index);
    out->t[1] = ct_select(d->targets, 0, index);
    return out->t[0] && out->t[1] ? 0 : (int)ct_last_error_code();
}

/* A batch of raw samples: rows of data and targets. */
static int cf_gather(ct_dataset *ds, const int64_t *idx, int64_t n, ct_sample *out) {
    cifar_ds *d = ds->ctx;
    out->t[0] = dt_gather_rows(d->data, idx, n, NULL);
    out->t[1] = out->t[0] ? dt_gather_rows(d->targets, idx, n, NULL) : NULL;
    out->n = 2;
    if (out->t[1]) return 0;
    dt_release_sample(out);
    return (int)ct_last_error_code();
}

static void cf_free(void *ctx) {
    cifar_ds *d = ctx;
    ct_release(d->data);
    ct_release(d->targets);
    for (int i = 0; i < d->nnames; i++) free(d->names[i]);
    free(d);
}

static const ct_dataset_vtable cf_vtable = {"CIFAR10", cf_len, cf_get, cf_free};

/* Reads batches.meta.txt (one class name per line) when present, else the official names. */
static int read_names(cifar_ds *d, const char *dir, const char *fn) {
    char path[1200];
    if (!dt_join(path, sizeof path, dir, "batches.meta.txt", fn)) return CT_ERR_VALUE;
    uint8_t *buf = NULL;
    size_t len = 0;
    if (dt_is_file(path)) {
        if (dt_read_file(path, 1 << 20, &buf, &len, fn) != 0) return (int)ct_last_error_code();
    }
    if (!buf) {
        for (int i = 0; i < 10; i++) d->names[d->nnames++] = strdup(cifar10_names[i]);
        return 0;
    }
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && buf[i] != '\n') continue;
        size_t a = start, b = i;
        while (a < b && (buf[a] == ' ' || buf[a] == '\t' || buf[a] == '\r')) a++;
        while (b > a && (buf[b - 1] == ' ' || buf[b - 1] == '\t' || buf[b - 1] == '\r')) b--;
        start = i + 1;
        if (a == b) continue;
        if (d->nnames == MAX_CLASSES) {
            free(buf);
            return ct_set_error(CT_ERR_IO, fn, "'%s' names more than %d classes", path, MAX_CLASSES);
        }
        char *name = malloc(b - a + 1);
        if (!name) {
            free(buf);
            return ct_set_error(CT_ERR_OOM, fn, "out of memory");
        }
        memcpy(name, buf + a, b - a);
        name[b - a] = '\0';
        d->names[d->nnames++] = name;
    }
    free(buf);
    if (d->nnames == 0) return ct_set_error(CT_ERR_IO, fn, "'%s' names no classes", path);
    return 0;
}

/* Reads one batch file and appends its records. */
static int read_batch(const char *path, uint8_t **all, size_t *nrec, const char *fn) {
    uint8_t *buf;
    size_t len;
    if (dt_read_file(path, (size_t)1 << 30, &buf, &len, fn) != 0) return (int)ct_last_error_code();
    if (len == 0 || len % REC != 0) {
        free(buf);
        return ct_set_error(CT_ERR_IO, fn,
                            "'%s' is not a CIFAR-10 batch: %zu bytes is not a whole number of "
                            "%d-byte records",
                            path, len, REC);
    }
    uint8_t *grown = realloc(*all, *nrec * REC + len);
    if (!grown) {
        free(buf);
        return ct_set_error(CT_ERR_OOM, fn, "out of memory");
    }
    memcpy(grown + *nrec * REC, buf, len);
    *all = grown;
    *nrec += len / REC;
    free(buf);
    return 0;
}

/* Unpacks records into HWC images and int64 labels. */
static int unpack(cifar_ds *d, const uint8_t *rec, size_t n, const char *fn) {
    d->data = dt_own(ct_empty(CT_SHAPE((int64_t)n, 32, 32, 3), .dtype = CT_U8));
    d->targets = dt_own(ct_empty(CT_SHAPE((int64_t)n), .dtype = CT_I64));
    if (!d->data || !d->targets) return (int)ct_last_error_code();
    uint8_t *img = ct_data_u8(d->data);
    int64_t *lab = ct_data_i64(d->targets);
    for (size_t i = 0; i < n; i++, rec += REC, img += 3072) {
        if (rec[0] >= d->nnames)
            return ct_set_error(CT_ERR_IO, fn, "record %zu has label %d but there are %d classes", i,
                                rec[0], d->nnames);
        lab[i] = rec[0];
        for (int p = 0; p < 1024; p++)
            for (int c = 0; c < 3; c++) img[p * 3 + c] = rec[1 + c * 1024 + p];
    }
    return 0;
}

#define CIFAR_URL "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
#define CIFAR_ARCHIVE "cifar-10-binary.tar.gz"
#define CIFAR_DIR "cifar-10-batches-bin"

/* The downloaded archive must at least be gzip data (tar checks the rest). */
static bool verify_gzip(const char *path, const void *ctx, char *why, size_t why_size) {
    uint8_t head[2], tail[1];
    long size;
    if (!dt_read_head_tail(path, head, 2, tail, 1, &size)) {
        snprintf(why, why_size, "it is empty or truncated");
        return false;
    }
    if (head[0] == 0x1f && head[1] == 0x8b) return true;
    snprintf(why, why_size, "not gzip data (it starts %02x %02x)", head[0], head[1]);
    return false;
}

/* The six batch files are there, each a whole number of records. */
static bool batches_complete(const char *dir, char *why, size_t why_size) {
    for (int b = 0; b <= 5; b++) {
        char name[32], path[1400];
        if (b < 5) snprintf(name, sizeof name, "data_batch_%d.bin", b + 1);
        else snprintf(name, sizeof name, "test_batch.bin");
        snprintf(path, sizeof path, "%s/%s", dir, name);
        uint8_t head[1], tail[1];
        long size = 0;
        if (!dt_read_head_tail(path, head, 1, tail, 1, &size) || size % REC != 0) {
            snprintf(why, why_size, "the archive holds no complete %s/%s", CIFAR_DIR, name);
            return false;
        }
    }
    return true;
}

/*
 * Downloads the archive into root (unless it is there) and unpacks it with
 * tar into a private folder, renamed to root/cifar-10-batches-bin once
 * complete. 0 or a negative code with the reason in why.
 */
static int cifar_download(const char *root, char *why, size_t why_size) {
    if (!dt_have_program("tar")) {
        snprintf(why, why_size, "the tar program is not installed (apt-get install tar)");
        return CT_ERR_IO;
    }
    char archive[1200], tmp[1200], from[1300], to[1200];
    snprintf(archive, sizeof archive, "%s/%s", root, CIFAR_ARCHIVE);
    bool fetched = false;
    if (!dt_is_file(archive)) {
        const char *mirror = dt_download_mirror();
        char url[1200];
        if (mirror)
            snprintf(url, sizeof url, "%s%s%s", mirror, mirror[strlen(mirror) - 1] == '/' ? "" : "/", CIFAR_ARCHIVE);
        else
            snprintf(url, sizeof url, "%s", CIFAR_URL);
        int rc = dt_download(url, archive, verify_gzip, NULL, why, why_size);
        if (rc != 0) return rc;
        fetched = true;
    }
    snprintf(tmp, sizeof tmp, "%s/.%s.%ld", root, CIFAR_DIR, (long)getpid());
    snprintf(from, sizeof from, "%s/%s", tmp, CIFAR_DIR);
    snprintf(to, sizeof to, "%s/%s", root, CIFAR_DIR);
    int rc = dt_make_dirs(tmp) ? 0 : CT_ERR_IO;
    if (rc != 0) snprintf(why, why_size, "cannot create '%s'", tmp);
    char *tar[] = {"tar", "-xzf", archive, "-C", tmp, NULL};
    if (rc == 0) rc = dt_run(tar, why, why_size);
    if (rc == 0 && !batches_complete(from, why, why_size)) rc = CT_ERR_IO;
    if (rc == 0 && rename(from, to) != 0) {
        snprintf(why, why_size, "cannot move the unpacked files to '%s': %s", to, strerror(errno));
        rc = CT_ERR_IO;
    }
    char ignored[256], *rm[] = {"rm", "-rf", tmp, NULL};
    dt_run(rm, ignored, sizeof ignored);
    if (rc != 0 && fetched) remove(archive); /* a bad archive must not be taken again next time */
    return rc;
}

ct_dataset *ct_cifar10_(ct_vision_args a) {
    const char *fn = "ct_cifar10";
    const char *root = a.root && a.root[0] ? a.root : "data";
    const char *need = a.split == CT_TRAIN ? "data_batch_1.bin" : "test_batch.bin";
    char dir[1024], first[1200];
    char why[2048] = "";
    for (int attempt = 0; attempt < 2; attempt++) {
        /* torchvision's layout root/cifar-10-batches-bin first, then root itself */
        snprintf(dir, sizeof dir, "%s/%s", root, CIFAR_DIR);
        snprintf(first, sizeof first, "%s/%s", dir, need);
        if (!dt_is_file(first)) {
            snprintf(dir, sizeof dir, "%s", root);
            snprintf(first, sizeof first, "%s/%s", dir, need);
        }
        if (dt_is_file(first) || !a.download || attempt == 1) break;
        if (cifar_download(root, why, sizeof why) != 0) break;
    }
    if (!dt_is_file(first)) {
        ct_set_error(CT_ERR_IO, fn,
                     "Dataset not found%s%s. No %s in '%s' or '%s/%s'. Download %s and unpack it into "
                     "'%s' (tar xzf %s -C %s): it holds %s/data_batch_1.bin ... data_batch_5.bin, "
                     "test_batch.bin and batches.meta.txt%s",
                     why[0] ? ": " : "", why, need, root, root, CIFAR_DIR, CIFAR_URL, root, CIFAR_ARCHIVE, root,
                     CIFAR_DIR, why[0] ? "." : "; or pass .download = true (uses curl and tar).");
        return dt_vision_finish(NULL, a);
    }
    cifar_ds *d = calloc(1, sizeof *d);
    if (!d) {
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return dt_vision_finish(NULL, a);
    }
    uint8_t *all = NULL;
    size_t nrec = 0;
    int rc = read_names(d, dir, fn);
    for (int b = 1; rc == 0 && b <= (a.split == CT_TRAIN ? 5 : 1); b++) {
        char name[32], path[1200];
        if (a.split == CT_TRAIN) snprintf(name, sizeof name, "data_batch_%d.bin", b);
        else snprintf(name, sizeof name, "test_batch.bin");
        dt_join(path, sizeof path, dir, name, fn);
        if (!dt_is_file(path)) {
            rc = ct_set_error(CT_ERR_IO, fn, "'%s' is missing", path);
            break;
        }
        rc = read_batch(path, &all, &nrec, fn);
    }
    if (rc == 0) rc = unpack(d, all, nrec, fn);
    free(all);
    ct_dataset *ds = rc == 0 ? ct_dataset_new(&cf_vtable, d) : NULL;
    if (!ds) {
        cf_free(d);
        return dt_vision_finish(NULL, a);
    }
    ds->gather = cf_gather;
    ds->classes = (const char *const *)d->names;
    ds->nclasses = d->nnames;
    ds->data = d->data;
    ds->targets = d->targets;
    return dt_vision_finish(ds, a);
}
