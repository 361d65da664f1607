/*
 * ctorch/io.h - named tensor collections (state dicts) and safetensors files.
 *
 * A ct_tensor_dict is an ordered map from names to tensors plus string
 * metadata (name -> value), the C form of a PyTorch state dict. Modules,
 * optimizers and schedulers put their state in one; a training checkpoint is
 * a single dict with prefixed names ("model.fc1.weight", "optim.state.0.exp_avg",
 * "sched.last_epoch", ...) and metadata ("epoch" -> "12"), saved as one file:
 *
 *     ct_tensor_dict *ckpt = ct_tensor_dict_new();
 *     ct_tensor_dict_update(ckpt, model_state, "model.");
 *     ct_tensor_dict_set_meta(ckpt, "epoch", "12");
 *     if (ct_save_safetensors(ckpt, "ckpt.safetensors") < 0) ...;
 *     ct_tensor_dict_free(ckpt);
 *
 *     ct_tensor_dict *back = ct_load_safetensors("ckpt.safetensors");
 *     ct_tensor_dict *model = ct_tensor_dict_sub(back, "model.");  // prefix stripped
 *
 * Files are in the safetensors format (https://github.com/huggingface/safetensors):
 * an 8-byte little-endian header length N, N bytes of JSON naming each
 * tensor's dtype ("F32", "F64", "I32", "I64", "U8", "BOOL"), shape and byte
 * range, an optional "__metadata__" object of strings, then the raw
 * little-endian C-order data. PyTorch and the rest of its ecosystem read them.
 *
 * OWNERSHIP. A dict holds its own reference to every tensor in it (taken by
 * ct_tensor_dict_set, dropped by remove, replace and ct_tensor_dict_free).
 * Tensors handed out by ct_tensor_dict_get / ct_tensor_dict_tensor are new
 * references, like every ct_tensor* ctorch returns (see ctorch/memory.h):
 * the innermost scope owns them, or the caller ct_free()s them. They are the
 * dict's tensors themselves, not copies: writing into one changes the dict's.
 * Strings returned by the dict belong to it and stay valid until that entry
 * is removed or replaced or the dict is freed.
 */
#ifndef CTORCH_IO_H
#define CTORCH_IO_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An ordered name -> tensor map plus string metadata. */
typedef struct ct_tensor_dict ct_tensor_dict;

/** A new empty dict; NULL (and an error) when out of memory. Free with ct_tensor_dict_free. */
ct_tensor_dict *ct_tensor_dict_new(void);

/** Frees the dict, dropping its reference to every tensor in it. NULL is ignored. */
void ct_tensor_dict_free(ct_tensor_dict *d);

/**
 * d[name] = t: the dict takes its own reference to t (the caller keeps
 * theirs). A new name goes at the end; an existing name keeps its position
 * and its old tensor is released. Returns 0 or a negative error (NULL
 * arguments, out of memory).
 */
int ct_tensor_dict_set(ct_tensor_dict *d, const char *name, ct_tensor *t);

/** The tensor called name as a new reference, or NULL (and an error "key 'x' not found") when absent. */
ct_tensor *ct_tensor_dict_get(const ct_tensor_dict *d, const char *name);

/** True when d holds a tensor called name (false for NULL arguments). No error is recorded. */
bool ct_tensor_dict_contains(const ct_tensor_dict *d, const char *name);

/** Removes name and releases its tensor, keeping the others' order; 0, or a negative error when absent. */
int ct_tensor_dict_remove(ct_tensor_dict *d, const char *name);

/** Number of tensors in d (0 for NULL). */
size_t ct_tensor_dict_len(const ct_tensor_dict *d);

/** Name of the i-th tensor in insertion order; NULL (and an IndexError) when i is out of range. */
const char *ct_tensor_dict_name(const ct_tensor_dict *d, size_t i);

/** The i-th tensor as a new reference; NULL (and an IndexError) when i is out of range. */
ct_tensor *ct_tensor_dict_tensor(const ct_tensor_dict *d, size_t i);

/** Sets metadata key to value (both copied); an existing key keeps its position. Returns 0 or a negative error. */
int ct_tensor_dict_set_meta(ct_tensor_dict *d, const char *key, const char *value);

/** The metadata value for key, or NULL when absent (no error is recorded). */
const char *ct_tensor_dict_get_meta(const ct_tensor_dict *d, const char *key);

/** Removes a metadata key; 0, or a negative error when absent. */
int ct_tensor_dict_remove_meta(ct_tensor_dict *d, const char *key);

/** Number of metadata entries (0 for NULL). */
size_t ct_tensor_dict_meta_len(const ct_tensor_dict *d);

/** Key / value of the i-th metadata entry in insertion order; NULL (and an IndexError) when out of range. */
const char *ct_tensor_dict_meta_key(const ct_tensor_dict *d, size_t i);
const char *ct_tensor_dict_meta_value(const ct_tensor_dict *d, size_t i);

/**
 * Adds every tensor and metadata entry of src to dst under prefix + name
 * (prefix may be NULL or ""), like state.update({prefix + k: v}); the tensors
 * are shared, not copied. Returns 0 or a negative error; on error dst may
 * hold some of the entries.
 */
int ct_tensor_dict_update(ct_tensor_dict *dst, const ct_tensor_dict *src, const char *prefix);

/**
 * A new dict with the tensors and metadata of src whose names start with
 * prefix, with the prefix removed ("model.fc.weight" -> "fc.weight"), in
 * src's order; the tensors are shared. NULL on error.
 */
ct_tensor_dict *ct_tensor_dict_sub(const ct_tensor_dict *src, const char *prefix);

/* -------------------------------------------------------------- safetensors */

/**
 * Writes d to path in the safetensors format, atomically: the bytes go to a
 * temporary file "<path>.tmp.<pid>.<n>" in the same directory, which is
 * flushed to disk (fsync) and then renamed over path, and the directory is
 * synced. A crash or error at any point leaves the previous file at path
 * intact, and on error the temporary file is removed.
 *
 * Tensors are listed in the header in d's order; in the data section they are
 * laid out by element size (largest first, then d's order) so that every
 * tensor starts aligned to its element size, and the header is padded with
 * spaces so the data starts 8-byte aligned, as the reference implementation
 * does. Non-contiguous tensors are written in C order. Metadata is written as
 * "__metadata__" when d has any. Names must be valid UTF-8 and not
 * "__metadata__"; only cpu tensors can be saved. Returns 0 or a negative error.
 */
int ct_save_safetensors(const ct_tensor_dict *d, const char *path);

/**
 * The bytes ct_save_safetensors would write, in a buffer from malloc() that
 * the caller free()s; *size gets its length. NULL on error.
 */
void *ct_save_safetensors_buffer(const ct_tensor_dict *d, size_t *size);

/**
 * Reads a safetensors file into a new dict (free with ct_tensor_dict_free),
 * with the tensors in the header's order, each in freshly allocated
 * contiguous memory. The file is untrusted input: the header length, the JSON
 * (strict: no duplicate keys, bad escapes, invalid UTF-8, trailing bytes or
 * deep nesting), the dtypes, shapes, byte ranges (in bounds, matching the
 * shape, not overlapping, covering the whole data section) and bool values
 * (0 or 1) are all checked before a byte of data is trusted; any failure
 * returns NULL with an error (CT_ERR_IO) naming the problem, e.g.
 * "ct_load_safetensors: tensor 'fc1.weight': data_offsets [0, 100] do not
 * match shape [10, 3] of F32 (120 bytes)". Files with dtypes ctorch does not
 * have (F16, BF16, ...) are rejected with a message naming the dtype.
 */
ct_tensor_dict *ct_load_safetensors(const char *path);

/** ct_load_safetensors for a file already in memory (size bytes at data, which is not kept). */
ct_tensor_dict *ct_load_safetensors_buffer(const void *data, size_t size);

#ifdef __cplusplus
}
#endif
#endif
