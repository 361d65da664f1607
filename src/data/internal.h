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

/*
 * The raw samples idx[0..n) of ds (what vt->get returns, before the
 * dataset's transforms) stacked exactly as ct_default_collate would stack
 * them, as owned references (dt_own). The indices are already checked.
 * Returns 0, 1 when it cannot do it for this dataset (*out untouched; the
 * samples are then fetched one by one), or a negative error. Built-in
 * datasets whose samples are rows of tensors in memory set it, so a loader
 * batch is one gather (batch.c).
 */
typedef int (*dt_gather_fn)(ct_dataset *ds, const int64_t *idx, int64_t n, ct_sample *out);

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
    dt_gather_fn gather; /* NULL: samples are fetched one by one */
};

/*
 * ct_dataset_get without the transforms: the checked index, vt->get, and the
 * checks of what it returned. 0, or a negative error with *out empty.
 */
int dt_dataset_get_raw(ct_dataset *ds, int64_t index, ct_sample *out);

/*
 * The batch ct_default_collate would make of ct_dataset_get(ds, idx[i]) for
 * i < n, bit for bit, with the fast paths of batch.c: a gather for in-memory
 * datasets, and the transforms that have a batch form applied once to the
 * whole batch. Fills *out with owned references; 0 or a negative error.
 */
int dt_dataset_get_batch(ct_dataset *ds, const int64_t *idx, int64_t n, ct_sample *out);

/*
 * A's rows idx[0..n) stacked into a new owned tensor [n, A.shape[1:]...], or
 * [n, row_shape...] when row_shape is given (same number of elements as a
 * row): one memcpy per row when A is contiguous. The indices are trusted.
 */
ct_tensor *dt_gather_rows(ct_tensor *a, const int64_t *idx, int64_t n, const ct_shape *row_shape);

/* ------------------------------------------------------------ transforms */

/*
 * The batch form of a transform: given samples stacked along a new dim 0,
 * it writes to *out exactly the stack of what the transform gives for each
 * sample, and returns 1. It returns 0, recording no error, when it cannot
 * take this input (the caller then runs the transform sample by sample,
 * which gives the proper error), or a negative error (out of memory).
 * Only deterministic transforms that keep samples apart have one.
 */
typedef int (*dt_batch_fn)(ct_tensor *batch, void *ctx, ct_tensor **out);

struct ct_transform {
    const char *name;
    ct_transform_fn fn;
    void *ctx;
    void (*free_ctx)(void *ctx);
    ct_generator *generator;
    ct_transform **parts; /* Compose's transforms */
    int nparts;
    dt_batch_fn batch; /* NULL: sample by sample only */
};

/* Gives t a batch form (t's ctx is passed to it). Returns t. */
ct_transform *dt_transform_set_batch(ct_transform *t, dt_batch_fn fn);

/*
 * How many leading parts of t must run sample by sample before the rest can
 * run once on the whole batch: for Compose, the parts before its longest
 * tail of parts with a batch form; for another transform, 0 when it has a
 * batch form, else 1. NULL: 0.
 */
int dt_transform_head(const ct_transform *t);
/*
 * Applies parts [from, to) of t (a transform other than Compose is one part)
 * to one sample, each with ct_transform_apply: a new reference (an alias
 * when no part is in the range), or NULL on error.
 */
ct_tensor *dt_transform_apply_parts(ct_transform *t, int from, int to, ct_tensor *x);
/* How many parts t has for dt_transform_apply_parts (0 for NULL). */
int dt_transform_nparts(const ct_transform *t);
/* Applies the parts of t after the first `head` to a batch, like a dt_batch_fn. */
int dt_transform_apply_tail(ct_transform *t, int head, ct_tensor *batch, ct_tensor **out);
/*
 * The fused batch form of ToTensor followed by Normalize (transforms_tensor.c):
 * returns 0 (no error) unless a is ToTensor and b is Normalize, else what a
 * dt_batch_fn returns.
 */
int dt_batch_to_tensor_normalize(const ct_transform *a, const ct_transform *b, ct_tensor *batch,
                                 ct_tensor **out);

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
/*
 * The size of a whole file as described by its first n bytes (a header),
 * or 0 while n is too short to tell. A header that cannot be valid may
 * answer any size: the parser reports it on what was read.
 */
typedef size_t (*dt_expect_fn)(const uint8_t *head, size_t n);
/*
 * dt_read_file for a format whose header gives the file's size: a gzip
 * stream is inflated no further than one byte past that size (expect NULL:
 * no further than max_bytes + 1), so a small compressed file cannot make a
 * huge buffer. The parser then finds the trailing byte, if any.
 */
int dt_read_file_expect(const char *path, size_t max_bytes, dt_expect_fn expect, uint8_t **out,
                        size_t *len, const char *fn);
/* True when path names a regular file. */
bool dt_is_file(const char *path);
/* True when path names a directory. */
bool dt_is_dir(const char *path);
/* Writes "a/b" into buf; false (and an error) if it does not fit. */
bool dt_join(char *buf, size_t size, const char *a, const char *b, const char *fn);

/* Parses an IDX file held in memory (idx.c); path is for messages. */
ct_tensor *dt_idx_parse(const uint8_t *buf, size_t len, const char *path, const char *fn);
/* dt_expect_fn of IDX files: header plus data, from the type byte and sizes. */
size_t dt_idx_size(const uint8_t *head, size_t n);

/* ------------------------------------------------------------- downloads */
/* (download.c) None of these record an error: they write the reason to why. */

/* Checks a downloaded file: true if good, else false with the reason in why. */
typedef bool (*dt_verify_fn)(const char *path, const void *ctx, char *why, size_t why_size);
/*
 * Downloads url to dest with the curl program (time-limited), into a private
 * temporary file that verify (may be NULL) must accept before it is renamed
 * to dest. Creates dest's folder. Returns 0, or a negative code with the
 * reason in why.
 */
int dt_download(const char *url, const char *dest, dt_verify_fn verify, const void *ctx, char *why,
                size_t why_size);
/* The base URL in $CT_DOWNLOAD_MIRROR that replaces the official ones, or NULL. */
const char *dt_download_mirror(void);
/* True when an executable named prog is on PATH. */
bool dt_have_program(const char *prog);
/* Runs argv (argv[0] looked up on PATH) and waits; 0, or a negative code with its stderr in why. */
int dt_run(char *const argv[], char *why, size_t why_size);
/* mkdir -p. */
bool dt_make_dirs(const char *path);
/* The first nhead and last ntail bytes of a file and its size; false if it is shorter or unreadable. */
bool dt_read_head_tail(const char *path, uint8_t *head, size_t nhead, uint8_t *tail, size_t ntail,
                       long *size);

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

/*
 * Codecs (png.c, jpeg.c): decode to uint8 [H,W,C] with the stored channels;
 * write C = 1..4. want (0, 1, 3 or 4) is the channel count the caller will
 * convert to: the decoded image, and the converted one, must each stay
 * within DT_IMAGE_MAX_BYTES, checked from the header before decoding.
 */
#define DT_IMAGE_MAX_BYTES ((size_t)1 << 30)
ct_tensor *dt_png_decode(const uint8_t *data, size_t size, int want, const char *fn);
ct_tensor *dt_jpeg_decode(const uint8_t *data, size_t size, int want, const char *fn);
/* True when an image of w x h pixels with c (and later want) channels is within DT_IMAGE_MAX_BYTES. */
static inline bool dt_image_fits(uint32_t w, uint32_t h, int c, int want) {
    size_t most = (size_t)(want > c ? want : c);
    return w > 0 && h > 0 && (size_t)h <= DT_IMAGE_MAX_BYTES / ((size_t)w * most);
}
int dt_png_write(const char *path, const uint8_t *pixels, int h, int w, int c, const char *fn);
int dt_jpeg_write(const char *path, const uint8_t *pixels, int h, int w, int c, int quality,
                  const char *fn);

/* ct_image_decode with the caller's function name for messages (image_io.c). */
ct_tensor *dt_image_decode(const void *data, size_t size, ct_image_mode mode, const char *fn);

/* The 5x7 bitmap font of the grid captions: 7 rows of 5 bits for character c, or NULL. */
const uint8_t *dt_font_glyph(char c);

#endif
