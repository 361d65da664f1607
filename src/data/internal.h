/*
 * src/data/internal.h - what the files of the data layer share. The data
 * layer uses only the public API (ctorch.h), as user code would.
 */
#ifndef CT_DATA_INTERNAL_H
#define CT_DATA_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ctorch.h"

/* A dataset: the user's vtable and context, plus what every dataset has. */
struct ct_dataset {
    const ct_dataset_vtable *vt;
    void *ctx;
    atomic_long refs;
    ct_transform *transform;
    ct_transform *target_transform;
    /* Filled by the built-in vision datasets (NULL for others). */
    const char *const *classes;
    int nclasses;
    ct_tensor *data;
    ct_tensor *targets;
};

/*
 * Hands a vision dataset its transforms, or frees them when ds is NULL (the
 * constructors take ownership of the transforms whatever happens).
 */
ct_dataset *dt_vision_finish(ct_dataset *ds, ct_vision_args a);

/*
 * Turns the reference to a tensor the data layer just made (scope-owned or
 * not) into one plain reference no scope owns, for tensors it keeps or hands
 * over; such references are dropped with ct_release (dt_release_all,
 * dt_release_sample), never ct_free (see the rules in ctorch/memory.h).
 */
static inline ct_tensor *dt_own(ct_tensor *t) { return ct_own(t); }

/* Drops an array of n owned tensors. */
static inline void dt_free_all(ct_tensor **ts, int n) {
    for (int i = 0; i < n; i++) {
        ct_release(ts[i]);
        ts[i] = NULL;
    }
}

/* Drops a sample whose tensors are owned (made with dt_own), like the loader's batches. */
static inline void dt_release_sample(ct_sample *s) {
    for (int i = 0; i < s->n && i < CT_SAMPLE_MAX; i++) {
        ct_release(s->t[i]);
        s->t[i] = NULL;
    }
    s->n = 0;
}

/* ----------------------------------------------------------- randomness */

/*
 * The generator a loader sets on a thread while it loads a batch (NULL
 * otherwise); random transforms prefer it to their own (transform.c).
 */
ct_generator *dt_thread_generator(void);
void dt_set_thread_generator(ct_generator *g);

/* torch.rand(1).item() (float32), or NaN on error. */
double dt_rand1(ct_generator *g);
/* torch.empty(1).uniform_(from, to).item() (float32), or NaN on error. */
double dt_uniform1(ct_generator *g, double from, double to);
/* torch.randint(low, high, (1,)).item(), or -1 on error. */
int64_t dt_randint1(ct_generator *g, int64_t low, int64_t high);
/* torch.empty((), dtype=torch.int64).random_().item(). */
int64_t dt_random_int64(ct_generator *g);

/* ----------------------------------------------------------------- files */

/*
 * Reads a whole file into a malloc'ed buffer; gzip data (magic 1f 8b) is
 * inflated (needs zlib). At most max_bytes are accepted. Returns 0 or a
 * negative error (CT_ERR_IO with the path in the message).
 */
int dt_read_file(const char *path, size_t max_bytes, uint8_t **out, size_t *len, const char *fn);
/* True when path names a regular file. */
bool dt_is_file(const char *path);
/* True when path names a directory. */
bool dt_is_dir(const char *path);
/* Writes "a/b" into buf; false (and an error) if it does not fit. */
bool dt_join(char *buf, size_t size, const char *a, const char *b, const char *fn);

/* Parses an IDX file held in memory (idx.c); path is for messages. */
ct_tensor *dt_idx_parse(const uint8_t *buf, size_t len, const char *path, const char *fn);

/*
 * Downloads url to dest with the curl program (download.c). Returns 0, or a
 * negative code with the reason written to why (no error is recorded).
 */
int dt_download(const char *url, const char *dest, const char *fn, char *why, size_t why_size);

/* ---------------------------------------------------------------- images */

/*
 * The [..., C, H, W] view of an image tensor: uint8 [H,W,C] and [H,W] are
 * permuted / unsqueezed (views); anything else is returned as a new
 * reference. *hwc records which, for dt_image_restore.
 */
typedef enum { DT_CHW = 0, DT_HWC = 1, DT_HW = 2 } dt_layout;
ct_tensor *dt_image_chw(ct_tensor *img, dt_layout *layout, const char *fn);
/* Puts a [C,H,W] result back into the layout the input had (consumes chw). */
ct_tensor *dt_image_restore(ct_tensor *chw, dt_layout layout);

/*
 * A contiguous float copy of x for kernels that compute in floating point:
 * float32 for uint8/float32 input, float64 for float64. Returns a new reference.
 */
ct_tensor *dt_float_work(ct_tensor *x);
/* Converts a float result back to dtype (rounding when the input was integral); consumes y. */
ct_tensor *dt_from_float_work(ct_tensor *y, ct_dtype dtype, bool round);

/* Codecs (png.c, jpeg.c): decode to uint8 [H,W,C] with the stored channels; write C = 1..4. */
ct_tensor *dt_png_decode(const uint8_t *data, size_t size, const char *fn);
ct_tensor *dt_jpeg_decode(const uint8_t *data, size_t size, const char *fn);
int dt_png_write(const char *path, const uint8_t *pixels, int h, int w, int c, const char *fn);
int dt_jpeg_write(const char *path, const uint8_t *pixels, int h, int w, int c, int quality,
                  const char *fn);

/* ct_image_decode with the caller's function name for messages (image_io.c). */
ct_tensor *dt_image_decode(const void *data, size_t size, ct_image_mode mode, const char *fn);

/* The 5x7 bitmap font of the grid captions: 7 rows of 5 bits for character c, or NULL. */
const uint8_t *dt_font_glyph(char c);

#endif
