/*
 * src/io/atomic_file.c - crash-safe file replacement: write "<path>.tmp.<pid>.<n>",
 * fsync it, rename it over path, fsync the directory. rename() within one
 * directory is atomic on POSIX file systems, so a reader (or a restart after
 * a crash) sees either the old file or the complete new one, never a mix.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define CHUNK (1u << 20)

static atomic_uint g_tmp_counter;

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c) memcpy(c, s, n);
    return c;
}

int ct__atomic_open(ct_atomic_file *f, const char *path, const char *fn) {
    memset(f, 0, sizeof *f);
    f->fd = -1;
    const char *delay = getenv("CT_TEST_SAVE_DELAY_US");
    f->delay_us = delay ? strtol(delay, NULL, 10) : 0;
    size_t cap = strlen(path) + 64;
    f->path = dup_str(path);
    f->tmp_path = malloc(cap);
    if (!f->path || !f->tmp_path) {
        ct__atomic_abort(f);
        ct__error(CT_ERR_OOM, fn, "out of memory");
        return CT_ERR_OOM;
    }
    /* O_EXCL with a fresh name each try: never reuse a file another writer
       (or a process that crashed with our pid) left behind. */
    for (int attempt = 0; attempt < 100 && f->fd < 0; attempt++) {
        snprintf(f->tmp_path, cap, "%s.tmp.%ld.%u", path, (long)getpid(),
                 atomic_fetch_add(&g_tmp_counter, 1u));
        f->fd = open(f->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (f->fd < 0 && errno != EEXIST) break;
    }
    if (f->fd < 0) {
        int e = errno;
        free(f->tmp_path);
        f->tmp_path = NULL; /* nothing of ours to remove */
        ct__atomic_abort(f);
        ct__error(CT_ERR_IO, fn, "cannot create a temporary file next to '%s': %s", path,
                  strerror(e));
        return CT_ERR_IO;
    }
    return 0;
}

static void sleep_us(long us) {
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int ct__atomic_write(ct_atomic_file *f, const void *data, size_t n, const char *fn) {
    const char *p = data;
    while (n > 0) {
        size_t k = n < CHUNK ? n : CHUNK;
        ssize_t w = write(f->fd, p, k);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            ct__error(CT_ERR_IO, fn, "cannot write '%s': %s", f->tmp_path,
                      w < 0 ? strerror(errno) : "no progress");
            return CT_ERR_IO;
        }
        p += w;
        n -= (size_t)w;
        if (f->delay_us > 0) sleep_us(f->delay_us);
    }
    return 0;
}

/* Makes the rename itself durable; best effort, as some file systems refuse it. */
static void sync_directory(const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir = slash ? malloc((size_t)(slash - path) + 2) : NULL;
    if (slash && !dir) return;
    if (dir) {
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

int ct__atomic_commit(ct_atomic_file *f, const char *fn) {
    if (fsync(f->fd) != 0) {
        ct__error(CT_ERR_IO, fn, "cannot flush '%s' to disk: %s", f->tmp_path, strerror(errno));
        ct__atomic_abort(f);
        return CT_ERR_IO;
    }
    int rc = close(f->fd);
    f->fd = -1;
    if (rc != 0) {
        ct__error(CT_ERR_IO, fn, "cannot close '%s': %s", f->tmp_path, strerror(errno));
        ct__atomic_abort(f);
        return CT_ERR_IO;
    }
    if (rename(f->tmp_path, f->path) != 0) {
        ct__error(CT_ERR_IO, fn, "cannot rename '%s' to '%s': %s", f->tmp_path, f->path,
                  strerror(errno));
        ct__atomic_abort(f);
        return CT_ERR_IO;
    }
    sync_directory(f->path);
    free(f->tmp_path);
    free(f->path);
    f->tmp_path = f->path = NULL;
    return 0;
}

void ct__atomic_abort(ct_atomic_file *f) {
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
    if (f->tmp_path) unlink(f->tmp_path);
    free(f->tmp_path);
    free(f->path);
    f->tmp_path = f->path = NULL;
}
