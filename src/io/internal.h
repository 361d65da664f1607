/*
 * src/io/internal.h - helpers shared by the io files: atomic file writes,
 * byte order, and the safetensors dtype names.
 */
#ifndef CT_IO_INTERNAL_H
#define CT_IO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/internal.h"

/* ------------------------------------------------------------ atomic files */

/*
 * A file written under a temporary name in the target's directory and renamed
 * over the target only once all of it is on disk. The test hook: when the
 * environment variable CT_TEST_SAVE_DELAY_US is set, the writer sleeps that
 * many microseconds after each chunk (at most 1 MiB), so a test can kill the
 * process in the middle of a save.
 */
typedef struct ct_atomic_file {
    int fd;
    char *path;
    char *tmp_path;
    long delay_us;
} ct_atomic_file;

/* Creates the temporary file for path; 0 or a negative error (fn). */
int ct__atomic_open(ct_atomic_file *f, const char *path, const char *fn);
/* Writes n bytes (in chunks); 0 or a negative error. */
int ct__atomic_write(ct_atomic_file *f, const void *data, size_t n, const char *fn);
/* fsyncs, closes and renames over the target, then fsyncs the directory. On error the temp file is removed. */
int ct__atomic_commit(ct_atomic_file *f, const char *fn);
/* Closes and removes the temporary file (after an error); the target is untouched. */
void ct__atomic_abort(ct_atomic_file *f);

/* -------------------------------------------------------------- byte order */

static inline bool ct__host_is_little_endian(void) {
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

/* Reverses the bytes of each of the n elements of elem_size bytes at p. */
static inline void ct__byteswap(void *p, size_t n, size_t elem_size) {
    unsigned char *b = p;
    for (size_t i = 0; i < n; i++, b += elem_size)
        for (size_t lo = 0, hi = elem_size - 1; lo < hi; lo++, hi--) {
            unsigned char t = b[lo];
            b[lo] = b[hi];
            b[hi] = t;
        }
}

/* ------------------------------------------------------------- safetensors */

/* The format's name for a ctorch dtype ("F32", ..., "BOOL"). */
const char *ct__safetensors_dtype_name(ct_dtype d);

/* Largest header ct_load_safetensors accepts, as the reference implementation. */
#define CT_SAFETENSORS_MAX_HEADER 100000000ULL
/* Most JSON values a header may hold (about 100,000 tensors), so a hostile
   header cannot make the parser allocate more than ~64 MB of nodes. */
#define CT_SAFETENSORS_MAX_VALUES ((size_t)1 << 20)

#endif
