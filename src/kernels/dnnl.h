/*
 * src/kernels/dnnl.h - the optional oneDNN (DNNL) fast path of the float32
 * convolutions, the library PyTorch's CPU convolutions run on.
 *
 * ctorch does not link oneDNN: linking it would add its C++ runtime and
 * OpenCL loader to every program's start-up (measured: ~5-10 ms, against
 * ~1 ms for a trivial program). dnnl_loader.c opens libdnnl.so.<major>
 * with dlopen at the first convolution instead and reads the few entry
 * points it needs into a table. Builds without the header (CT_HAVE_DNNL
 * unset), machines without the library and CT_NO_DNNL=1 in the environment
 * all take the im2col + GEMM path; so does anything oneDNN declines.
 *
 * dnnl_conv.c runs the three convolution products on oneDNN's primitives,
 * kept in a small cache keyed by the problem (dnnl_cache.c): the direct
 * algorithm, or Winograd's for 3x3 stride-1 layers (ct_set_conv_winograd).
 */
#ifndef CT_KERNELS_DNNL_H
#define CT_KERNELS_DNNL_H

#include <stdbool.h>
#include <stddef.h>

#include "conv.h"

/* The three convolution products, named as oneDNN names them. */
typedef enum {
    CT_DNNL_FORWARD,         /* y = conv(x, w) (+ bias) */
    CT_DNNL_BACKWARD_DATA,   /* gx from gy and w */
    CT_DNNL_BACKWARD_WEIGHTS /* gw from x and gy */
} ct_dnnl_kind;

/*
 * True when the oneDNN path is on: built with it, not switched off (CT_NO_DNNL
 * or ct__dnnl_set_enabled), and the library loaded (opened on the first call).
 */
bool ct__dnnl_enabled(void);
/* Switches the oneDNN path on or off for the whole process (tests compare both paths). */
void ct__dnnl_set_enabled(bool on);
/* Whether 3x3 layers may take Winograd's algorithm (ct_set_conv_winograd, CT_CONV_WINOGRAD; dnnl_loader.c). */
bool ct__dnnl_winograd(void);
/*
 * Winograd runs whose scratchpad exceeds bytes run on the direct algorithm,
 * as do those whose buffers cannot be allocated (default: no limit; tests
 * use it to take that path).
 */
void ct__dnnl_set_winograd_scratch_limit(size_t bytes);

/*
 * One convolution product on contiguous float32 NCHW buffers:
 *   FORWARD           a = x, b = w, out = y; bias (O) or NULL
 *   BACKWARD_DATA     a = gy, b = w, out = gx (overwritten)
 *   BACKWARD_WEIGHTS  a = x, b = gy, out = gw (overwritten); bias_grad (O),
 *                     when not NULL, gets the bias gradient (sum of gy per channel)
 * (bias is for FORWARD only, bias_grad for BACKWARD_WEIGHTS only.)
 * Returns 0 when done, 1 when oneDNN is off or declines the problem (nothing
 * was written; the caller falls back), or -1 with an error reported under fn.
 */
int ct__dnnl_conv2d(ct_dnnl_kind kind, const ct_conv_geom *g, const float *a, const float *b,
                    const float *bias, float *out, float *bias_grad, const char *fn);

/*
 * Both gradients of the input side at once: gx from gy and w, gw (and gb,
 * when not NULL) from x and gy, with gy reordered into oneDNN's layout once
 * for the two products instead of once each. Returns as ct__dnnl_conv2d;
 * 1 means nothing was written.
 */
int ct__dnnl_conv2d_backward(const ct_conv_geom *g, const float *x, const float *w, const float *gy, float *gx,
                             float *gw, float *gb, const char *fn);

#ifdef CT_HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>

/* The entry points ctorch calls, read from the library with dlsym. */
#define CT_DNNL_FUNCS(X)                                                                            \
    X(dnnl_engine_create) X(dnnl_engine_destroy) X(dnnl_stream_create) X(dnnl_stream_destroy)      \
    X(dnnl_memory_desc_init_by_tag) X(dnnl_memory_desc_equal) X(dnnl_memory_desc_get_size)          \
    X(dnnl_memory_create) X(dnnl_memory_destroy) X(dnnl_primitive_attr_create)                     \
    X(dnnl_primitive_attr_destroy) X(dnnl_primitive_attr_set_scratchpad_mode)                       \
    X(dnnl_dilated_convolution_forward_desc_init) X(dnnl_dilated_convolution_backward_data_desc_init) \
    X(dnnl_dilated_convolution_backward_weights_desc_init) X(dnnl_reorder_primitive_desc_create)    \
    X(dnnl_primitive_desc_create) X(dnnl_primitive_desc_destroy) X(dnnl_primitive_desc_query)      \
    X(dnnl_primitive_desc_query_md) X(dnnl_primitive_create) X(dnnl_primitive_destroy)             \
    X(dnnl_primitive_execute)

/* One function pointer per entry point, typed from the header's own declaration. */
typedef struct ct_dnnl_api {
#define CT_DNNL_MEMBER(f) __typeof__(&f) f;
    CT_DNNL_FUNCS(CT_DNNL_MEMBER)
#undef CT_DNNL_MEMBER
    dnnl_engine_t engine; /* the CPU engine, made once */
} ct_dnnl_api;

/* The loaded library, or NULL when the path is off or the library is missing. */
const ct_dnnl_api *ct__dnnl_api(void);

/* ------------------------------------------------ primitive cache (dnnl_cache.c) */

/* What identifies a prepared convolution. Built with memset 0 first: compared bytewise. */
typedef struct ct_dnnl_key {
    ct_conv_geom g;
    int32_t kind;    /* ct_dnnl_kind */
    int32_t bias;    /* the primitive has the bias term (FORWARD) or its gradient (BACKWARD_WEIGHTS) */
    int32_t threads; /* oneDNN sizes its work split for the thread count at creation */
    int32_t blocked; /* the primitive runs on oneDNN's blocked layouts (with reorders) */
    int32_t wino;    /* Winograd's algorithm instead of the direct one */
} ct_dnnl_key;

/*
 * A prepared convolution: the primitive, and for each of its three tensor
 * arguments (in the order a, b, out of ct__dnnl_conv2d) the layout it runs
 * on and the reorder from (a, b) or to (out) plain NCHW when those differ.
 */
typedef struct ct_dnnl_prim {
    ct_dnnl_key key;
    dnnl_primitive_t conv;
    dnnl_memory_desc_t plain[3], inner[3];
    dnnl_primitive_t reorder[3]; /* NULL where inner == plain */
    size_t inner_bytes[3];       /* 0 where no reorder: the caller's buffer is used */
    size_t scratch_bytes;        /* the largest scratchpad of the conv and its reorders */
    int refs;                    /* the cache's own reference plus one per running call */
    uint64_t last_use;
} ct_dnnl_prim;

/* Builds a prepared convolution for key (dnnl_conv.c); NULL when oneDNN declines it. */
ct_dnnl_prim *ct__dnnl_prim_create(const ct_dnnl_api *api, const ct_dnnl_key *key);
/* Destroys what ct__dnnl_prim_create made. */
void ct__dnnl_prim_destroy(const ct_dnnl_api *api, ct_dnnl_prim *p);

/*
 * The prepared convolution for key, made on a miss and kept in a small LRU
 * cache: a new reference (give it back with ct__dnnl_cache_release), or NULL
 * when oneDNN declines the problem (remembered too, so it is asked once).
 */
ct_dnnl_prim *ct__dnnl_cache_get(const ct_dnnl_api *api, const ct_dnnl_key *key);
void ct__dnnl_cache_release(const ct_dnnl_api *api, ct_dnnl_prim *p);
#endif

/* Empties the primitive cache (dnnl_cache.c; at exit, and when the path is switched off). */
void ct__dnnl_cache_clear(void);

#endif
