/*
 * src/kernels/dnnl_conv.c - the float32 convolution products on oneDNN
 * primitives (see dnnl.h).
 *
 * ctorch's tensors are plain NCHW. oneDNN's fast direct kernels want the
 * channels in blocks of 16 (nChw16c; weights OIhw16i16o and the like): like
 * PyTorch, a call reorders its inputs into the layouts the primitive chose
 * (format "any"), runs it and reorders the result back. The reorders cost a
 * pass over each tensor and still win by ~1.5x on 64 channels; with few
 * channels the plain layout can serve better (want_blocked).
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "dnnl.h"

#if !defined(CT_HAVE_DNNL) || !defined(_OPENMP)

/* Without OpenMP ctorch could not bound oneDNN's threads: the im2col path serves. */
int ct__dnnl_conv2d(ct_dnnl_kind kind, const ct_conv_geom *g, const float *a, const float *b,
                    const float *bias, float *out, float *bias_grad, const char *fn) {
    (void)kind, (void)g, (void)a, (void)b, (void)bias, (void)out, (void)bias_grad, (void)fn;
    return 1;
}

int ct__dnnl_conv2d_backward(const ct_conv_geom *g, const float *x, const float *w, const float *gy, float *gx,
                             float *gw, float *gb, const char *fn) {
    (void)g, (void)x, (void)w, (void)gy, (void)gx, (void)gw, (void)gb, (void)fn;
    return 1;
}

void ct__dnnl_set_winograd_scratch_limit(size_t bytes) { (void)bytes; }

#ifdef CT_HAVE_DNNL
ct_dnnl_prim *ct__dnnl_prim_create(const ct_dnnl_api *api, const ct_dnnl_key *key) {
    (void)api, (void)key;
    return NULL;
}
void ct__dnnl_prim_destroy(const ct_dnnl_api *api, ct_dnnl_prim *p) { (void)api, (void)p; }
#endif

#else

/* ---------------------------------------------------------- preparing */

/* The descriptors of one problem in oneDNN's terms. */
typedef struct {
    dnnl_memory_desc_t x, w, y, bias;          /* plain NCHW, (g)oihw, x */
    dnnl_memory_desc_t x_in, w_in, y_in;       /* what the primitive may choose */
    dnnl_dims_t strides, dilates, pad_l, pad_r;
    dnnl_alg_kind_t alg;
} problem;

/*
 * The bottom/right padding oneDNN wants: ctorch's geometry gives only the
 * top/left one and the output size (conv.h). The smallest non-negative pad
 * that reproduces the output size; false if none does.
 */
static bool far_pad(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, int64_t out, int64_t *r) {
    int64_t span = (k - 1) * d + 1;
    *r = (out - 1) * s + span - in - p;
    if (*r < 0) *r = 0;
    return (in + p + *r - span) / s + 1 == out;
}

static bool describe(const ct_dnnl_api *api, const ct_dnnl_key *key, problem *pb) {
    const ct_conv_geom *g = &key->g;
    dnnl_dims_t xd = {g->N, g->C, g->H, g->W}, yd = {g->N, g->O, g->OH, g->OW}, bd = {g->O};
    dnnl_dims_t wd = {g->O, g->C, g->KH, g->KW};
    dnnl_dims_t wgd = {g->groups, g->O / g->groups, g->C / g->groups, g->KH, g->KW};
    bool grouped = g->groups > 1;
    dnnl_format_tag_t wtag = grouped ? dnnl_goihw : dnnl_oihw;
    dnnl_format_tag_t any = dnnl_format_tag_any;
    int wn = grouped ? 5 : 4;
    const dnnl_dim_t *wdims = grouped ? wgd : wd;
    int64_t rh, rw;
    if (!far_pad(g->H, g->KH, g->sh, g->ph, g->dh, g->OH, &rh) ||
        !far_pad(g->W, g->KW, g->sw, g->pw, g->dw, g->OW, &rw))
        return false;
    memcpy(pb->strides, (dnnl_dims_t){g->sh, g->sw}, sizeof pb->strides);
    memcpy(pb->dilates, (dnnl_dims_t){g->dh - 1, g->dw - 1}, sizeof pb->dilates);
    memcpy(pb->pad_l, (dnnl_dims_t){g->ph, g->pw}, sizeof pb->pad_l);
    memcpy(pb->pad_r, (dnnl_dims_t){rh, rw}, sizeof pb->pad_r);
    pb->alg = key->wino ? dnnl_convolution_winograd : dnnl_convolution_direct;
    dnnl_format_tag_t xtag_in = key->blocked ? any : dnnl_nchw, wtag_in = key->blocked ? any : wtag;
    return api->dnnl_memory_desc_init_by_tag(&pb->x, 4, xd, dnnl_f32, dnnl_nchw) == dnnl_success &&
           api->dnnl_memory_desc_init_by_tag(&pb->y, 4, yd, dnnl_f32, dnnl_nchw) == dnnl_success &&
           api->dnnl_memory_desc_init_by_tag(&pb->w, wn, wdims, dnnl_f32, wtag) == dnnl_success &&
           api->dnnl_memory_desc_init_by_tag(&pb->bias, 1, bd, dnnl_f32, dnnl_x) == dnnl_success &&
           api->dnnl_memory_desc_init_by_tag(&pb->x_in, 4, xd, dnnl_f32, xtag_in) == dnnl_success &&
           api->dnnl_memory_desc_init_by_tag(&pb->y_in, 4, yd, dnnl_f32, xtag_in) == dnnl_success &&
           api->dnnl_memory_desc_init_by_tag(&pb->w_in, wn, wdims, dnnl_f32, wtag_in) == dnnl_success;
}

static dnnl_primitive_attr_t user_scratchpad(const ct_dnnl_api *api) {
    dnnl_primitive_attr_t attr = NULL;
    if (api->dnnl_primitive_attr_create(&attr) != dnnl_success) return NULL;
    if (api->dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user) != dnnl_success) {
        api->dnnl_primitive_attr_destroy(attr);
        return NULL;
    }
    return attr;
}

static dnnl_primitive_desc_t forward_pd(const ct_dnnl_api *api, const problem *pb, bool bias,
                                        dnnl_primitive_attr_t attr) {
    dnnl_convolution_desc_t d;
    dnnl_primitive_desc_t pd = NULL;
    if (api->dnnl_dilated_convolution_forward_desc_init(&d, dnnl_forward_training, pb->alg,
                                                        &pb->x_in, &pb->w_in, bias ? &pb->bias : NULL,
                                                        &pb->y_in, pb->strides, pb->dilates, pb->pad_l,
                                                        pb->pad_r) != dnnl_success ||
        api->dnnl_primitive_desc_create(&pd, &d, attr, api->engine, NULL) != dnnl_success)
        return NULL;
    return pd;
}

/* The primitive descriptor of key's product; backward ones are built from a forward hint. */
static dnnl_primitive_desc_t conv_pd(const ct_dnnl_api *api, const ct_dnnl_key *key, const problem *pb,
                                     dnnl_primitive_attr_t attr) {
    if (key->kind == CT_DNNL_FORWARD) return forward_pd(api, pb, key->bias, attr);
    dnnl_primitive_desc_t hint = forward_pd(api, pb, key->bias, attr);
    if (!hint) return NULL;
    dnnl_convolution_desc_t d;
    dnnl_status_t st;
    if (key->kind == CT_DNNL_BACKWARD_DATA)
        st = api->dnnl_dilated_convolution_backward_data_desc_init(&d, pb->alg, &pb->x_in,
                                                                   &pb->w_in, &pb->y_in, pb->strides,
                                                                   pb->dilates, pb->pad_l, pb->pad_r);
    else
        st = api->dnnl_dilated_convolution_backward_weights_desc_init(
            &d, pb->alg, &pb->x_in, &pb->w_in, key->bias ? &pb->bias : NULL, &pb->y_in,
            pb->strides, pb->dilates, pb->pad_l, pb->pad_r);
    dnnl_primitive_desc_t pd = NULL;
    if (st != dnnl_success || api->dnnl_primitive_desc_create(&pd, &d, attr, api->engine, hint) != dnnl_success)
        pd = NULL;
    api->dnnl_primitive_desc_destroy(hint);
    return pd;
}

/* oneDNN's reference kernels are plain loops, slower than im2col + GEMM: those problems fall back. */
static bool is_reference_impl(const ct_dnnl_api *api, const_dnnl_primitive_desc_t pd) {
    const char *name = NULL;
    if (api->dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name) != dnnl_success || !name)
        return true;
    return strncmp(name, "ref", 3) == 0;
}

static size_t scratch_size(const ct_dnnl_api *api, const_dnnl_primitive_desc_t pd) {
    const dnnl_memory_desc_t *md = api->dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    return md ? api->dnnl_memory_desc_get_size(md) : 0;
}

/* The reorder of argument i between its plain layout and the primitive's (into it for inputs). */
static bool make_reorder(const ct_dnnl_api *api, ct_dnnl_prim *p, int i, dnnl_primitive_attr_t attr) {
    if (api->dnnl_memory_desc_equal(&p->plain[i], &p->inner[i])) return true;
    const dnnl_memory_desc_t *from = i < 2 ? &p->plain[i] : &p->inner[i];
    const dnnl_memory_desc_t *to = i < 2 ? &p->inner[i] : &p->plain[i];
    dnnl_primitive_desc_t pd = NULL;
    if (api->dnnl_reorder_primitive_desc_create(&pd, from, api->engine, to, api->engine, attr) != dnnl_success)
        return false;
    size_t s = scratch_size(api, pd);
    if (s > p->scratch_bytes) p->scratch_bytes = s;
    p->inner_bytes[i] = api->dnnl_memory_desc_get_size(&p->inner[i]);
    bool ok = api->dnnl_primitive_create(&p->reorder[i], pd) == dnnl_success;
    api->dnnl_primitive_desc_destroy(pd);
    return ok;
}

ct_dnnl_prim *ct__dnnl_prim_create(const ct_dnnl_api *api, const ct_dnnl_key *key) {
    problem pb;
    if (!describe(api, key, &pb)) return NULL;
    dnnl_primitive_attr_t attr = user_scratchpad(api);
    if (!attr) return NULL;
    ct_dnnl_prim *p = calloc(1, sizeof *p);
    dnnl_primitive_desc_t pd = p ? conv_pd(api, key, &pb, attr) : NULL;
    bool ok = pd && !is_reference_impl(api, pd);
    if (ok) {
        p->key = *key;
        /* the arguments in ct__dnnl_conv2d's order a, b, out, with the queries naming them */
        const dnnl_memory_desc_t *plain[3];
        dnnl_query_t q[3];
        if (key->kind == CT_DNNL_FORWARD) {
            plain[0] = &pb.x, plain[1] = &pb.w, plain[2] = &pb.y;
            q[0] = dnnl_query_src_md, q[1] = dnnl_query_weights_md, q[2] = dnnl_query_dst_md;
        } else if (key->kind == CT_DNNL_BACKWARD_DATA) {
            plain[0] = &pb.y, plain[1] = &pb.w, plain[2] = &pb.x;
            q[0] = dnnl_query_diff_dst_md, q[1] = dnnl_query_weights_md, q[2] = dnnl_query_diff_src_md;
        } else {
            plain[0] = &pb.x, plain[1] = &pb.y, plain[2] = &pb.w;
            q[0] = dnnl_query_src_md, q[1] = dnnl_query_diff_dst_md, q[2] = dnnl_query_diff_weights_md;
        }
        p->scratch_bytes = scratch_size(api, pd);
        for (int i = 0; i < 3 && ok; i++) {
            const dnnl_memory_desc_t *md = api->dnnl_primitive_desc_query_md(pd, q[i], 0);
            ok = md != NULL;
            if (ok) {
                p->plain[i] = *plain[i];
                p->inner[i] = *md;
                ok = make_reorder(api, p, i, attr);
            }
        }
        ok = ok && api->dnnl_primitive_create(&p->conv, pd) == dnnl_success;
    }
    if (pd) api->dnnl_primitive_desc_destroy(pd);
    api->dnnl_primitive_attr_destroy(attr);
    if (!ok && p) {
        ct__dnnl_prim_destroy(api, p);
        p = NULL;
    }
    return p;
}

void ct__dnnl_prim_destroy(const ct_dnnl_api *api, ct_dnnl_prim *p) {
    if (!p) return;
    for (int i = 0; i < 3; i++)
        if (p->reorder[i]) api->dnnl_primitive_destroy(p->reorder[i]);
    if (p->conv) api->dnnl_primitive_destroy(p->conv);
    free(p);
}

/* ------------------------------------------------------------ running */

/*
 * Blocked layouts (channels in blocks of 16) pay for their reorders once a
 * block fills: with at least 16 input and output channels (in all, so
 * depthwise and grouped convolutions count too: their blocked kernels are
 * 2-4x faster than the GEMM-based ones on NCHW) every product takes them.
 * A first layer (few input channels) still runs its forward and weight
 * gradient blocked (ResNet's 7x7 stem: 1.7x and 1.5x faster than im2col +
 * GEMM), but its input gradient on NCHW (3-5x faster than blocked). The
 * smallest first layers do not come here at all (conv.c, gemm_is_better).
 * (Measured on AVX-512, oneDNN 2.6, 1 and 2 threads.)
 */
static bool want_blocked(ct_dnnl_kind kind, const ct_conv_geom *g) {
    return g->O >= 16 && (kind != CT_DNNL_BACKWARD_DATA || g->C >= 16);
}

/*
 * The memory objects of one call: the caller's buffers, the reordered copies
 * and the scratchpad. Each copy is an allocation of its own, the size of
 * the tensor it copies, so the allocator's cache of freed blocks hands the
 * same blocks back and forth between these copies and tensors of that size
 * (one combined block of an odd size would be cached beside them instead).
 * The scratchpad is the process's workspace (ct__workspace_get), one block
 * whatever the layer: through the cache, Winograd's scratchpads of every
 * layer shape stayed side by side (ResNet-18's training step peaked at 830
 * MB resident at 1 thread, 800 at 2; 748 with the workspace).
 */
typedef struct {
    dnnl_memory_t plain[3], inner[3], scratch;
    void *buf[4];   /* the copies of arguments 0..2, then the scratchpad */
    size_t cap[4];
    bool given[3];  /* argument i's copy came from another call (not reordered, not freed here) */
    bool shared;    /* the scratchpad is the process's workspace (ct__workspace_get) */
} call_mems;

static void mems_destroy(const ct_dnnl_api *api, call_mems *m) {
    for (int i = 0; i < 3; i++) {
        if (m->inner[i] && m->inner[i] != m->plain[i]) api->dnnl_memory_destroy(m->inner[i]);
        if (m->plain[i]) api->dnnl_memory_destroy(m->plain[i]);
    }
    if (m->scratch) api->dnnl_memory_destroy(m->scratch);
    for (int i = 0; i < 3; i++)
        if (m->buf[i] && !m->given[i]) ct__dealloc(m->buf[i], m->cap[i]);
    ct__workspace_put(m->buf[3], m->cap[3], m->shared);
}

/* A Winograd run's scratchpad larger than this runs on the direct algorithm (ct__dnnl_set_winograd_scratch_limit). */
static _Atomic size_t g_wino_scratch_limit = SIZE_MAX;

void ct__dnnl_set_winograd_scratch_limit(size_t bytes) { g_wino_scratch_limit = bytes; }

/*
 * Allocates slot i of m->buf (3, the scratchpad: from the workspace); false
 * when out of memory, with an error unless quiet (a Winograd run, which the
 * caller retries on the direct algorithm).
 */
static bool alloc_buf(call_mems *m, int i, size_t bytes, bool quiet, const char *fn) {
    m->buf[i] = i == 3 ? ct__workspace_get(bytes, &m->cap[i], &m->shared) : ct__alloc(bytes, &m->cap[i]);
    if (!m->buf[i] && !quiet)
        ct__error(CT_ERR_OOM, fn, "out of memory allocating %zu bytes for a oneDNN convolution", bytes);
    return m->buf[i] != NULL;
}

/*
 * 0, -1 after running out of memory (reported under fn) or a oneDNN
 * failure (in *st, not reported), or -2 when a Winograd run's buffers
 * cannot be had (nothing reported: the caller runs the direct algorithm).
 * given (may be NULL) holds, per argument, NULL or an input already in p's
 * layout (another call's copy), which is then used as it is.
 */
static int mems_create(const ct_dnnl_api *api, const ct_dnnl_prim *p, void *const user[3], void *const given[3],
                       call_mems *m, dnnl_status_t *st, const char *fn) {
    memset(m, 0, sizeof *m);
    const bool quiet = p->key.wino;
    const int oom = quiet ? -2 : -1;
    if (quiet && p->scratch_bytes > g_wino_scratch_limit) return -2;
    dnnl_engine_t e = api->engine;
    for (int i = 0; i < 3; i++) {
        if ((*st = api->dnnl_memory_create(&m->plain[i], &p->plain[i], e, user[i])) != dnnl_success) return -1;
        m->inner[i] = m->plain[i];
        if (p->reorder[i]) {
            m->inner[i] = NULL;
            m->given[i] = given && given[i];
            if (m->given[i]) m->buf[i] = given[i];
            else if (!alloc_buf(m, i, p->inner_bytes[i], quiet, fn)) return oom;
            if ((*st = api->dnnl_memory_create(&m->inner[i], &p->inner[i], e, m->buf[i])) != dnnl_success)
                return -1;
        }
    }
    if (p->scratch_bytes == 0) return 0;
    if (!alloc_buf(m, 3, p->scratch_bytes, quiet, fn)) return oom;
    dnnl_memory_desc_t md;
    dnnl_dims_t n = {(dnnl_dim_t)p->scratch_bytes};
    if ((*st = api->dnnl_memory_desc_init_by_tag(&md, 1, n, dnnl_u8, dnnl_a)) != dnnl_success ||
        (*st = api->dnnl_memory_create(&m->scratch, &md, e, m->buf[3])) != dnnl_success)
        return -1;
    return 0;
}

static dnnl_status_t run_reorder(const ct_dnnl_api *api, dnnl_primitive_t r, dnnl_stream_t s,
                                 dnnl_memory_t from, dnnl_memory_t to, dnnl_memory_t scratch) {
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}, {DNNL_ARG_SCRATCHPAD, scratch}};
    return api->dnnl_primitive_execute(r, s, scratch ? 3 : 2, args);
}

static dnnl_status_t run(const ct_dnnl_api *api, const ct_dnnl_prim *p, const call_mems *m,
                         dnnl_memory_t bias) {
    dnnl_stream_t s = NULL;
    dnnl_status_t st = api->dnnl_stream_create(&s, api->engine, dnnl_stream_default_flags);
    for (int i = 0; i < 2 && st == dnnl_success; i++)
        if (p->reorder[i] && !m->given[i])
            st = run_reorder(api, p->reorder[i], s, m->plain[i], m->inner[i], m->scratch);
    if (st == dnnl_success) {
        static const int roles[3][3] = {
            [CT_DNNL_FORWARD] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST},
            [CT_DNNL_BACKWARD_DATA] = {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC},
            [CT_DNNL_BACKWARD_WEIGHTS] = {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS},
        };
        dnnl_exec_arg_t args[5];
        int n = 0;
        for (int i = 0; i < 3; i++) args[n++] = (dnnl_exec_arg_t){roles[p->key.kind][i], m->inner[i]};
        if (bias)
            args[n++] = (dnnl_exec_arg_t){p->key.kind == CT_DNNL_FORWARD ? DNNL_ARG_BIAS : DNNL_ARG_DIFF_BIAS,
                                          bias};
        if (m->scratch) args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, m->scratch};
        st = api->dnnl_primitive_execute(p->conv, s, n, args);
    }
    if (st == dnnl_success && p->reorder[2])
        st = run_reorder(api, p->reorder[2], s, m->inner[2], m->plain[2], m->scratch);
    if (s) api->dnnl_stream_destroy(s);
    return st;
}

/*
 * Runs p on the caller's buffers user (a, b, out). given: see mems_create.
 * keep (may be NULL): on success, *keep takes over m's copy of argument 0
 * (NULL when there is none), for a later call to reuse; the caller frees
 * it with ct__dealloc(*keep, *keep_cap). Returns as mems_create.
 */
static int execute(const ct_dnnl_api *api, const ct_dnnl_prim *p, void *const user[3], void *const given[3],
                   float *bias, void **keep, size_t *keep_cap, const char *fn) {
    call_mems m;
    dnnl_memory_t bm = NULL;
    dnnl_status_t st = dnnl_success;
    int rc = mems_create(api, p, user, given, &m, &st, fn);
    if (rc == 0 && bias) {
        dnnl_memory_desc_t bd;
        dnnl_dims_t d = {p->key.g.O};
        st = api->dnnl_memory_desc_init_by_tag(&bd, 1, d, dnnl_f32, dnnl_x);
        if (st == dnnl_success) st = api->dnnl_memory_create(&bm, &bd, api->engine, bias);
    }
    if (rc == 0 && st == dnnl_success) st = run(api, p, &m, bm);
    if (keep && rc == 0 && st == dnnl_success && !m.given[0]) {
        *keep = m.buf[0], *keep_cap = m.cap[0];
        m.buf[0] = NULL;
    }
    if (bm) api->dnnl_memory_destroy(bm);
    mems_destroy(api, &m);
    if (st != dnnl_success) { /* (an out-of-memory error was reported already, with st untouched) */
        ct__error(CT_ERR_RUNTIME, fn, "oneDNN convolution failed (dnnl status %d)", (int)st);
        rc = -1;
    }
    return rc;
}

/*
 * Winograd's algorithm (oneDNN's F(4x4, 3x3)) for 3x3 stride-1 layers with
 * 16+ channels each side, unless switched off (ct_set_conv_winograd). Each
 * of the three products gains (1 and 2 threads, training): [128,32,14,14]
 * -> 64 (the Fashion-MNIST CNN's second layer) forward 10.0 -> 5.8 ms,
 * input gradient 10.2 -> 6.3, weight gradient 11.0 -> 7.5 (kernels alone);
 * forward+backward with the reorders [64,64,32,32] 143 -> 85 ms, ResNet-18's
 * 3x3 layers at batch 16 1.6-1.9x, batch 1 2.3x. oneDNN declines some
 * problems; they run on the direct algorithm (prim_for).
 */
static bool want_winograd(const ct_conv_geom *g) {
    return g->KH == 3 && g->KW == 3 && g->sh == 1 && g->sw == 1 && g->dh == 1 && g->dw == 1 && g->groups == 1 &&
           g->C >= 16 && g->O >= 16 && ct__dnnl_winograd();
}

/*
 * The prepared primitive of one product (a new reference), or NULL when
 * oneDNN is off or declines it; Winograd's when wino and want_winograd.
 */
static ct_dnnl_prim *prim_for(const ct_dnnl_api *api, ct_dnnl_kind kind, const ct_conv_geom *g, bool bias,
                              bool wino) {
    if (g->N == 0 || g->C == 0 || g->O == 0 || g->OH == 0 || g->OW == 0) return NULL;
    ct_dnnl_key key;
    memset(&key, 0, sizeof key);
    key.g = *g;
    key.kind = (int32_t)kind;
    key.bias = bias;
    key.threads = omp_in_parallel() ? 1 : omp_get_max_threads();
    key.blocked = want_blocked(kind, g);
    key.wino = wino && want_winograd(g);
    ct_dnnl_prim *p = ct__dnnl_cache_get(api, &key);
    if (!p && key.wino) { /* declined (remembered by the cache): the direct algorithm */
        key.wino = 0;
        p = ct__dnnl_cache_get(api, &key);
    }
    return p;
}

int ct__dnnl_conv2d(ct_dnnl_kind kind, const ct_conv_geom *g, const float *a, const float *b,
                    const float *bias, float *out, float *bias_grad, const char *fn) {
    const ct_dnnl_api *api = ct__dnnl_api();
    float *bias_arg = kind == CT_DNNL_FORWARD            ? (float *)bias /* only read */
                      : kind == CT_DNNL_BACKWARD_WEIGHTS ? bias_grad
                                                         : NULL;
    void *user[3] = {(void *)a, (void *)b, out};
    int rc = -2;
    for (int wino = 1; wino >= 0 && rc == -2; wino--) { /* -2: Winograd's buffers could not be had */
        ct_dnnl_prim *p = api ? prim_for(api, kind, g, bias_arg != NULL, wino) : NULL;
        if (!p) return 1;
        rc = execute(api, p, user, NULL, bias_arg, NULL, NULL, fn);
        ct__dnnl_cache_release(api, p);
    }
    return rc;
}

int ct__dnnl_conv2d_backward(const ct_conv_geom *g, const float *x, const float *w, const float *gy, float *gx,
                             float *gw, float *gb, const char *fn) {
    const ct_dnnl_api *api = ct__dnnl_api();
    int rc = -2;
    for (int wino = 1; wino >= 0 && rc == -2; wino--) { /* -2: Winograd's buffers could not be had */
        ct_dnnl_prim *pd = api ? prim_for(api, CT_DNNL_BACKWARD_DATA, g, false, wino) : NULL;
        ct_dnnl_prim *pw = pd ? prim_for(api, CT_DNNL_BACKWARD_WEIGHTS, g, gb != NULL, wino) : NULL;
        if (!pw) {
            if (pd) ct__dnnl_cache_release(api, pd);
            return 1;
        }
        /* gy is argument 0 of the data gradient and argument 1 of the weight gradient */
        bool share = pd->reorder[0] && pw->reorder[1] && api->dnnl_memory_desc_equal(&pd->inner[0], &pw->inner[1]);
        void *gy_copy = NULL;
        size_t gy_cap = 0;
        void *ud[3] = {(void *)gy, (void *)w, gx}, *uw[3] = {(void *)x, (void *)gy, gw};
        rc = execute(api, pd, ud, NULL, NULL, share ? &gy_copy : NULL, &gy_cap, fn);
        if (rc == 0) rc = execute(api, pw, uw, (void *[3]){NULL, gy_copy, NULL}, gb, NULL, NULL, fn);
        if (gy_copy) ct__dealloc(gy_copy, gy_cap);
        ct__dnnl_cache_release(api, pd);
        ct__dnnl_cache_release(api, pw);
    }
    return rc;
}

#endif
