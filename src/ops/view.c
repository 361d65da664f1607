/*
 * src/ops/view.c - views: new tensor meta over the same storage, with
 * PyTorch's rules and error messages. Only ct_reshape / ct_flatten copy, and
 * only when the layout leaves no other way (as in PyTorch).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../autograd/internal.h"
#include "../core/internal.h"

/*
 * Autograd for views. The gradient of a view y = V(x) is V's transpose
 * applied to dy. For reshapes, expands, transposes and permutes that is again
 * a single op; for views that pick a region (select, slice, narrow,
 * as_strided, index strings) it is "zeros of x's shape, with dy added into the
 * same region": the same view applied to the zeros, which also covers
 * overlapping views (expand-like strides) because the adds are serial.
 */
typedef enum {
    VIEW_ALIAS, VIEW_RESHAPE, VIEW_EXPAND, VIEW_TRANSPOSE, VIEW_PERMUTE, VIEW_REGION
} view_kind;

/* The arguments that re-apply a region view to another tensor of the input's shape. */
typedef enum { REGION_SELECT, REGION_SLICE, REGION_AS_STRIDED, REGION_INDEX } region_kind;
typedef struct {
    view_kind kind;
    region_kind region;
    int dim0, dim1;
    int64_t a, b, c;
} view_head;
/*
 * A view's backward ctx. Most views need only the head (set alone, so making a
 * view does not clear the arrays): permute reads shape, as_strided shape and
 * strides, index strings the index.
 */
typedef struct {
    view_head h;
    ct_shape shape;
    int64_t strides[CT_MAX_DIMS];
    char index[]; /* REGION_INDEX: the index string */
} view_ctx;

static ct_tensor *apply_region(ct_tensor *t, const view_ctx *c) {
    switch (c->h.region) {
    case REGION_SELECT: return ct_select(t, c->h.dim0, c->h.a);
    case REGION_SLICE: return ct_slice(t, c->h.dim0, c->h.a, c->h.b, c->h.c);
    case REGION_AS_STRIDED: return ct_as_strided(t, c->shape, c->strides, c->h.a);
    case REGION_INDEX: return ct_index(t, c->index);
    }
    return NULL;
}

/* out += in, serially, for any dtype; out may overlap itself (stride 0). */
#define ACC_LOOP(E, T, S)                                                               \
    static void acc_##S(char **d, const int64_t *s, int64_t n, void *ctx) {             \
        (void)ctx;                                                                      \
        char *o = d[0];                                                                 \
        const char *a = d[1];                                                           \
        for (int64_t i = 0; i < n; i++, o += s[0], a += s[1])                           \
            *(T *)(void *)o = (T)(*(T *)(void *)o + *(const T *)(const void *)a);       \
    }
CT_FOR_EACH_DTYPE(ACC_LOOP)

static const ct_node_type embed_type;

/*
 * The region of select or slice c over z as a stack tensor (not registered
 * anywhere, never escaping): the same meta ct_select / ct_slice give, for the
 * geometry they already checked in the forward. False for other regions.
 */
static bool region_meta(ct_tensor *z, const view_ctx *c, ct_tensor *r) {
    int d = c->h.dim0;
    if (c->h.region != REGION_SELECT && c->h.region != REGION_SLICE) return false;
    r->storage = z->storage;
    r->dtype = z->dtype;
    r->requires_grad = false;
    r->autograd = NULL;
    if (c->h.region == REGION_SELECT) {
        for (int i = 0, j = 0; i < z->ndim; i++) {
            if (i == d) continue;
            r->shape[j] = z->shape[i];
            r->strides[j++] = z->strides[i];
        }
        r->ndim = z->ndim - 1;
        r->offset = z->offset + c->h.a * z->strides[d];
        return true;
    }
    for (int i = 0; i < z->ndim; i++) {
        r->shape[i] = z->shape[i];
        r->strides[i] = z->strides[i];
    }
    r->ndim = z->ndim;
    int64_t first;
    ct__slice_meta(z->shape[d], z->strides[d], c->h.a, c->h.b, c->h.c, &first, &r->shape[d],
                   &r->strides[d]);
    r->offset = z->offset + first * z->strides[d];
    return true;
}

/* zeros(shape) with g added into the region view: the gradient of a region view. */
static ct_tensor *embed(ct_tensor *g, const ct_meta *m, const view_ctx *c, size_t ctx_size) {
    const char *fn = "view_backward";
    ct_tensor *z = ct__tensor_empty(m->ndim, m->shape, g->dtype, CT_CPU, fn);
    if (!z) return NULL;
    ct__zero_(z); /* fresh: nothing to record */
    ct_tensor stack_region, *region = &stack_region;
    if (!region_meta(z, c, region)) {
        region = NULL;
        CT_NO_GRAD { region = apply_region(z, c); }
        if (!region) {
            ct_free(z);
            return NULL;
        }
    }
    ct_iter it;
    ct_tensor *ops[2] = {region, g};
    ct__iter_init(&it, region->ndim, region->shape, 2, ops);
    ct_iter_loop loop = NULL;
    switch (g->dtype) {
#define X(E, T, S) case E: loop = acc_##S; break;
        CT_FOR_EACH_DTYPE(X)
#undef X
    default: break;
    }
    ct__iter_run_range(&it, loop, NULL, 0, it.numel);
    if (region != &stack_region) ct_free(region);
    /* Differentiable itself (double backward): its gradient is the region of the incoming one. */
    ct_node *n = ct__record(&embed_type, z, 1, &g, 0, ctx_size);
    if (n) memcpy(n->ctx, c, ctx_size);
    return z;
}

static int embed_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    gi[0] = apply_region(g[0], n->ctx);
    return gi[0] ? 0 : ct_last_error_code();
}
static const ct_node_type embed_type = {"ViewScatterBackward0", embed_backward};

/* The bytes of c its kind reads (see view_ctx). */
static size_t view_ctx_size(const view_ctx *c) {
    if (c->h.kind == VIEW_PERMUTE) return offsetof(view_ctx, strides);
    if (c->h.kind != VIEW_REGION) return sizeof c->h;
    switch (c->h.region) {
    case REGION_AS_STRIDED: return sizeof *c;
    case REGION_INDEX: return sizeof *c + strlen(c->index) + 1;
    default: return sizeof c->h;
    }
}

static int view_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const view_ctx *c = n->ctx;
    const ct_meta *m = &n->in_meta[0];
    ct_shape in = {.ndim = m->ndim};
    memcpy(in.d, m->shape, sizeof(int64_t) * (size_t)m->ndim);
    switch (c->h.kind) {
    case VIEW_ALIAS: gi[0] = ct_alias(g[0]); break;
    case VIEW_RESHAPE: gi[0] = ct_reshape(g[0], in); break;
    case VIEW_EXPAND: gi[0] = ct__sum_to(g[0], in.ndim, in.d); break;
    case VIEW_TRANSPOSE: gi[0] = ct_transpose(g[0], c->h.dim0, c->h.dim1); break;
    case VIEW_PERMUTE: {
        ct_shape inv = {.ndim = c->shape.ndim};
        for (int i = 0; i < c->shape.ndim; i++) inv.d[c->shape.d[i]] = i;
        gi[0] = ct_permute(g[0], inv);
        break;
    }
    case VIEW_REGION: gi[0] = embed(g[0], m, c, view_ctx_size(c)); break;
    }
    return gi[0] ? 0 : ct_last_error_code();
}

#define VIEW_TYPE(var, name) static const ct_node_type var = {name, view_backward}
VIEW_TYPE(alias_type, "AliasBackward0");
VIEW_TYPE(view_type, "ViewBackward0");
VIEW_TYPE(unsafe_view_type, "UnsafeViewBackward0");
VIEW_TYPE(squeeze_type, "SqueezeBackward0");
VIEW_TYPE(squeeze_dim_type, "SqueezeBackward1");
VIEW_TYPE(unsqueeze_type, "UnsqueezeBackward0");
VIEW_TYPE(expand_type, "ExpandBackward0");
VIEW_TYPE(transpose_type, "TransposeBackward0");
VIEW_TYPE(t_type, "TBackward0");
VIEW_TYPE(permute_type, "PermuteBackward0");
VIEW_TYPE(select_type, "SelectBackward0");
VIEW_TYPE(slice_type, "SliceBackward0");
VIEW_TYPE(as_strided_type, "AsStridedBackward0");
VIEW_TYPE(index_type, "IndexBackward0");

/* Records the view v of t; c describes how to undo it. Marks v as a view for in-place checks. */
static ct_tensor *record_view(ct_tensor *v, ct_tensor *t, const ct_node_type *type, const view_ctx *c) {
    if (!v || !ct__should_record(1, &t)) return v;
    size_t size = view_ctx_size(c);
    ct_node *n = ct__record(type, v, 1, &t, 0, size);
    if (!n) return ct__error_pending() ? (ct_free(v), (ct_tensor *)NULL) : v;
    memcpy(n->ctx, c, size);
    struct ct_autograd_meta *m = ct__meta(v);
    if (m) m->is_view = true;
    return v;
}

/* Exported for src/ops/index_string.c: ct_index records through here. */
ct_tensor *ct__record_index_view(ct_tensor *v, ct_tensor *t, const char *index) {
    if (!v || !ct__should_record(1, &t)) return v;
    size_t len = strlen(index);
    view_ctx *c = calloc(1, sizeof *c + len + 1);
    if (!c) {
        ct_free(v);
        ct__error(CT_ERR_OOM, "ct_index", "out of memory");
        return NULL;
    }
    c->h.kind = VIEW_REGION;
    c->h.region = REGION_INDEX;
    memcpy(c->index, index, len + 1);
    ct_tensor *r = record_view(v, t, &index_type, c);
    free(c);
    return r;
}

/* A view of t with the given meta (its autograd node is recorded by the caller). */
static ct_tensor *make_view(ct_tensor *t, int ndim, const int64_t *shape, const int64_t *strides,
                            int64_t offset, const char *fn) {
    return ct__tensor_view(t, ndim, shape, strides, offset, fn);
}

static bool check_ndim(int ndim, const char *fn) {
    if (ndim < 0 || ndim > CT_MAX_DIMS) {
        ct__error(CT_ERR_VALUE, fn, "number of dimensions %d is not supported (at most %d)", ndim,
                  CT_MAX_DIMS);
        return false;
    }
    return true;
}

/* "torch.FloatTensor", as PyTorch names a cpu tensor type in messages. */
static const char *tensor_type_name(ct_dtype d) {
    switch (d) {
    case CT_F32: return "torch.FloatTensor";
    case CT_F64: return "torch.DoubleTensor";
    case CT_I32: return "torch.IntTensor";
    case CT_I64: return "torch.LongTensor";
    case CT_U8: return "torch.ByteTensor";
    case CT_BOOL: return "torch.BoolTensor";
    default: return "torch.Tensor";
    }
}

ct_tensor *ct_alias(ct_tensor *t) {
    CT_CHECK_ARG(t, "ct_alias", "self");
    view_ctx c;
    c.h = (view_head){.kind = VIEW_ALIAS};
    return record_view(make_view(t, t->ndim, t->shape, t->strides, t->offset, "ct_alias"), t,
                       &alias_type, &c);
}

/* ------------------------------------------------------------ view, reshape */

static ct_tensor *view_impl(ct_tensor *t, ct_shape shape, const char *fn) {
    if (!check_ndim(shape.ndim, fn)) return NULL;
    if (!ct__infer_size(shape.ndim, shape.d, ct__numel(t->ndim, t->shape), fn)) return NULL;
    int64_t strides[CT_MAX_DIMS];
    if (!ct__view_strides(t->ndim, t->shape, t->strides, shape.ndim, shape.d, strides)) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "view size is not compatible with input tensor's size and stride (at least one "
                  "dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
        return NULL;
    }
    view_ctx c;
    c.h = (view_head){.kind = VIEW_RESHAPE};
    return record_view(make_view(t, shape.ndim, shape.d, strides, t->offset, fn), t, &view_type, &c);
}

static ct_tensor *reshape_impl(ct_tensor *t, ct_shape shape, const char *fn) {
    if (!check_ndim(shape.ndim, fn)) return NULL;
    if (!ct__infer_size(shape.ndim, shape.d, ct__numel(t->ndim, t->shape), fn)) return NULL;
    int64_t strides[CT_MAX_DIMS];
    view_ctx c;
    c.h = (view_head){.kind = VIEW_RESHAPE};
    if (ct__view_strides(t->ndim, t->shape, t->strides, shape.ndim, shape.d, strides))
        return record_view(make_view(t, shape.ndim, shape.d, strides, t->offset, fn), t, &view_type, &c);
    /* The layout allows no view: copy into C order, then view the copy. */
    ct_tensor *copy = ct_clone(t);
    if (!copy) return NULL;
    ct__contiguous_strides(shape.ndim, shape.d, strides);
    /* The clone records CloneBackward; the view of it UnsafeViewBackward, as in PyTorch. */
    ct_tensor *out = record_view(make_view(copy, shape.ndim, shape.d, strides, copy->offset, fn), copy,
                                 &unsafe_view_type, &c);
    ct_free(copy);
    return out;
}

ct_tensor *ct_view(ct_tensor *t, ct_shape shape) {
    CT_CHECK_ARG(t, "ct_view", "self");
    return view_impl(t, shape, "ct_view");
}

ct_tensor *ct_reshape(ct_tensor *t, ct_shape shape) {
    CT_CHECK_ARG(t, "ct_reshape", "self");
    return reshape_impl(t, shape, "ct_reshape");
}

ct_tensor *ct_view_as(ct_tensor *t, const ct_tensor *other) {
    CT_CHECK_ARG(t, "ct_view_as", "self");
    CT_CHECK_ARG(other, "ct_view_as", "other");
    return view_impl(t, ct_shape_of(other), "ct_view_as");
}

ct_tensor *ct_reshape_as(ct_tensor *t, const ct_tensor *other) {
    CT_CHECK_ARG(t, "ct_reshape_as", "self");
    CT_CHECK_ARG(other, "ct_reshape_as", "other");
    return reshape_impl(t, ct_shape_of(other), "ct_reshape_as");
}

ct_tensor *ct_flatten(ct_tensor *t, int start_dim, int end_dim) {
    const char *fn = "ct_flatten";
    CT_CHECK_ARG(t, fn, "self");
    int start = ct__wrap_dim(start_dim, t->ndim, fn);
    if (start < 0) return NULL;
    int end = ct__wrap_dim(end_dim, t->ndim, fn);
    if (end < 0) return NULL;
    if (start > end) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "flatten() has invalid args: start_dim cannot come after end_dim");
        return NULL;
    }
    if (t->ndim == 0) return reshape_impl(t, CT_SHAPE(1), fn);
    if (start == end) return ct_alias(t);
    ct_shape shape = {.ndim = 0};
    for (int i = 0; i < start; i++) shape.d[shape.ndim++] = t->shape[i];
    shape.d[shape.ndim++] = ct__numel(end - start + 1, t->shape + start);
    for (int i = end + 1; i < t->ndim; i++) shape.d[shape.ndim++] = t->shape[i];
    return reshape_impl(t, shape, fn);
}

/* ------------------------------------------------------- squeeze, unsqueeze */

ct_tensor *ct_squeeze(ct_tensor *t) {
    CT_CHECK_ARG(t, "ct_squeeze", "self");
    int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    int n = 0;
    for (int i = 0; i < t->ndim; i++) {
        if (t->shape[i] == 1) continue;
        shape[n] = t->shape[i];
        strides[n++] = t->strides[i];
    }
    view_ctx c;
    c.h = (view_head){.kind = VIEW_RESHAPE};
    return record_view(make_view(t, n, shape, strides, t->offset, "ct_squeeze"), t, &squeeze_type, &c);
}

ct_tensor *ct_squeeze_dim(ct_tensor *t, int dim) {
    const char *fn = "ct_squeeze_dim";
    CT_CHECK_ARG(t, fn, "self");
    int d = ct__wrap_dim(dim, t->ndim, fn);
    if (d < 0) return NULL;
    if (t->ndim == 0 || t->shape[d] != 1) return ct_alias(t);
    int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    int n = 0;
    for (int i = 0; i < t->ndim; i++) {
        if (i == d) continue;
        shape[n] = t->shape[i];
        strides[n++] = t->strides[i];
    }
    view_ctx c;
    c.h = (view_head){.kind = VIEW_RESHAPE};
    return record_view(make_view(t, n, shape, strides, t->offset, fn), t, &squeeze_dim_type, &c);
}

ct_tensor *ct_unsqueeze(ct_tensor *t, int dim) {
    const char *fn = "ct_unsqueeze";
    CT_CHECK_ARG(t, fn, "self");
    int d = ct__wrap_dim(dim, t->ndim + 1, fn);
    if (d < 0 || !check_ndim(t->ndim + 1, fn)) return NULL;
    int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    for (int i = 0, j = 0; i <= t->ndim; i++) {
        if (i == d) {
            shape[i] = 1;
            strides[i] = d < t->ndim ? t->shape[d] * t->strides[d] : 1;
        } else {
            shape[i] = t->shape[j];
            strides[i] = t->strides[j++];
        }
    }
    view_ctx c;
    c.h = (view_head){.kind = VIEW_RESHAPE};
    return record_view(make_view(t, t->ndim + 1, shape, strides, t->offset, fn), t, &unsqueeze_type, &c);
}

/* ------------------------------------------------------------------ expand */

static ct_tensor *expand_impl(ct_tensor *t, ct_shape size, const char *fn) {
    if (!check_ndim(size.ndim, fn)) return NULL;
    char want[160], have[160];
    if (size.ndim < t->ndim) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "expand(%s{%s}, size=%s): the number of sizes provided (%d) must be greater or "
                  "equal to the number of dimensions in the tensor (%d)",
                  tensor_type_name(t->dtype), ct__shape_str(t->ndim, t->shape, have, sizeof have),
                  ct__shape_str(size.ndim, size.d, want, sizeof want), size.ndim, t->ndim);
        return NULL;
    }
    int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    for (int i = size.ndim - 1; i >= 0; i--) {
        int d = i - (size.ndim - t->ndim); /* the matching dim of t, or < 0 for a new one */
        int64_t cur = d >= 0 ? t->shape[d] : 1;
        int64_t stride = d >= 0 ? t->strides[d]
                         : i + 1 < size.ndim ? shape[i + 1] * strides[i + 1] : 0; /* 0-d t */
        int64_t target = size.d[i];
        if (target == -1) {
            if (d < 0) {
                ct__error(CT_ERR_RUNTIME, fn,
                          "The expanded size of the tensor (-1) isn't allowed in a leading, "
                          "non-existing dimension %d",
                          i);
                return NULL;
            }
            target = cur;
        }
        if (target != cur) {
            if (cur != 1) {
                ct__error(CT_ERR_RUNTIME, fn,
                          "The expanded size of the tensor (%lld) must match the existing size "
                          "(%lld) at non-singleton dimension %d.  Target sizes: %s.  Tensor "
                          "sizes: %s",
                          (long long)target, (long long)cur, i,
                          ct__shape_str(size.ndim, size.d, want, sizeof want),
                          ct__shape_str(t->ndim, t->shape, have, sizeof have));
                return NULL;
            }
            stride = 0;
        }
        shape[i] = target;
        strides[i] = stride;
    }
    if (!ct__check_shape(size.ndim, shape, fn)) return NULL; /* e.g. -2 on a size-1 dim */
    view_ctx c;
    c.h = (view_head){.kind = VIEW_EXPAND};
    return record_view(make_view(t, size.ndim, shape, strides, t->offset, fn), t, &expand_type, &c);
}

ct_tensor *ct_expand(ct_tensor *t, ct_shape shape) {
    CT_CHECK_ARG(t, "ct_expand", "self");
    return expand_impl(t, shape, "ct_expand");
}

ct_tensor *ct_expand_as(ct_tensor *t, const ct_tensor *other) {
    CT_CHECK_ARG(t, "ct_expand_as", "self");
    CT_CHECK_ARG(other, "ct_expand_as", "other");
    return expand_impl(t, ct_shape_of(other), "ct_expand_as");
}

/* ---------------------------------------------------- transpose, permute */

static ct_tensor *transpose_impl(ct_tensor *t, int dim0, int dim1, const char *fn) {
    int d0 = ct__wrap_dim(dim0, t->ndim, fn);
    if (d0 < 0) return NULL;
    int d1 = ct__wrap_dim(dim1, t->ndim, fn);
    if (d1 < 0) return NULL;
    if (t->ndim == 0) return ct_alias(t);
    int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    for (int i = 0; i < t->ndim; i++) {
        int src = i == d0 ? d1 : i == d1 ? d0 : i;
        shape[i] = t->shape[src];
        strides[i] = t->strides[src];
    }
    view_ctx c;
    c.h = (view_head){.kind = VIEW_TRANSPOSE, .dim0 = d0, .dim1 = d1};
    const ct_node_type *type = strcmp(fn, "ct_t") == 0 ? &t_type : &transpose_type;
    return record_view(make_view(t, t->ndim, shape, strides, t->offset, fn), t, type, &c);
}

ct_tensor *ct_transpose(ct_tensor *t, int dim0, int dim1) {
    CT_CHECK_ARG(t, "ct_transpose", "self");
    return transpose_impl(t, dim0, dim1, "ct_transpose");
}

ct_tensor *ct_t(ct_tensor *t) {
    CT_CHECK_ARG(t, "ct_t", "self");
    if (t->ndim > 2) {
        ct__error(CT_ERR_RUNTIME, "ct_t",
                  "t() expects a tensor with <= 2 dimensions, but self is %dD", t->ndim);
        return NULL;
    }
    if (t->ndim < 2) return ct_alias(t);
    return transpose_impl(t, 0, 1, "ct_t");
}

ct_tensor *ct_permute(ct_tensor *t, ct_shape dims) {
    const char *fn = "ct_permute";
    CT_CHECK_ARG(t, fn, "self");
    if (dims.ndim != t->ndim) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "permute(): number of dimensions in the tensor input does not match the length "
                  "of the desired ordering of dimensions i.e. input.dim() = %d is not equal to "
                  "len(dims) = %d",
                  t->ndim, dims.ndim);
        return NULL;
    }
    int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    bool seen[CT_MAX_DIMS] = {false};
    for (int i = 0; i < t->ndim; i++) {
        int64_t dim = dims.d[i];
        if (dim < INT32_MIN || dim > INT32_MAX) dim = dim < 0 ? INT32_MIN : INT32_MAX;
        int d = ct__wrap_dim((int)dim, t->ndim, fn);
        if (d < 0) return NULL;
        if (seen[d]) {
            ct__error(CT_ERR_RUNTIME, fn, "permute(): duplicate dims are not allowed.");
            return NULL;
        }
        seen[d] = true;
        shape[i] = t->shape[d];
        strides[i] = t->strides[d];
    }
    view_ctx c;
    c.h = (view_head){.kind = VIEW_PERMUTE};
    c.shape.ndim = t->ndim;
    for (int i = 0; i < t->ndim; i++) c.shape.d[i] = ct__wrap_dim((int)dims.d[i], t->ndim, fn);
    return record_view(make_view(t, t->ndim, shape, strides, t->offset, fn), t, &permute_type, &c);
}

/* ------------------------------------------------- narrow, select, slice */

ct_tensor *ct_slice(ct_tensor *t, int dim, int64_t start, int64_t stop, int64_t step) {
    const char *fn = "ct_slice";
    CT_CHECK_ARG(t, fn, "self");
    if (t->ndim == 0) {
        ct__error(CT_ERR_INDEX, fn, "slice() cannot be applied to a 0-dim tensor.");
        return NULL;
    }
    int d = ct__wrap_dim(dim, t->ndim, fn);
    if (d < 0) return NULL;
    if (step <= 0) {
        ct__error(CT_ERR_RUNTIME, fn, "slice step must be positive");
        return NULL;
    }
    int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    for (int i = 0; i < t->ndim; i++) {
        shape[i] = t->shape[i];
        strides[i] = t->strides[i];
    }
    int64_t first;
    ct__slice_meta(t->shape[d], t->strides[d], start, stop, step, &first, &shape[d], &strides[d]);
    view_ctx c;
    c.h = (view_head){
        .kind = VIEW_REGION, .region = REGION_SLICE, .dim0 = d, .a = start, .b = stop, .c = step};
    return record_view(make_view(t, t->ndim, shape, strides, t->offset + first * t->strides[d], fn), t,
                       &slice_type, &c);
}

/* Wraps a negative start the way PyTorch wraps a dim (size 0 accepts -1 and 0). */
static bool wrap_narrow_start(int64_t *start, int64_t size, const char *fn) {
    int64_t n = size > 0 ? size : 1;
    if (*start < -n || *start >= n) {
        ct__error(CT_ERR_INDEX, fn,
                  "Dimension out of range (expected to be in range of [%lld, %lld], but got %lld)",
                  (long long)-n, (long long)(n - 1), (long long)*start);
        return false;
    }
    if (*start < 0) *start += n;
    return true;
}

ct_tensor *ct_narrow(ct_tensor *t, int dim, int64_t start, int64_t length) {
    const char *fn = "ct_narrow";
    CT_CHECK_ARG(t, fn, "self");
    if (t->ndim == 0) {
        ct__error(CT_ERR_RUNTIME, fn, "narrow() cannot be applied to a 0-dim tensor.");
        return NULL;
    }
    int d = ct__wrap_dim(dim, t->ndim, fn);
    if (d < 0) return NULL;
    int64_t size = t->shape[d];
    /* start == size is a valid (empty) narrow, though not a valid dim. */
    if (start != size && !wrap_narrow_start(&start, size, fn)) return NULL;
    if (length < 0 || start > size - length) {
        ct__error(CT_ERR_RUNTIME, fn, "start (%lld) + length (%lld) exceeds dimension size (%lld).",
                  (long long)start, (long long)length, (long long)size);
        return NULL;
    }
    return ct_slice(t, d, start, start + length, 1);
}

ct_tensor *ct_select(ct_tensor *t, int dim, int64_t index) {
    const char *fn = "ct_select";
    CT_CHECK_ARG(t, fn, "self");
    if (t->ndim == 0) {
        ct__error(CT_ERR_INDEX, fn, "select() cannot be applied to a 0-dim tensor.");
        return NULL;
    }
    int d = ct__wrap_dim(dim, t->ndim, fn);
    if (d < 0) return NULL;
    int64_t size = t->shape[d];
    if (index < -size || index >= size) {
        char buf[160];
        ct__error(CT_ERR_INDEX, fn,
                  "select(): index %lld out of range for tensor of size %s at dimension %d",
                  (long long)index, ct__shape_str(t->ndim, t->shape, buf, sizeof buf), d);
        return NULL;
    }
    if (index < 0) index += size;
    int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    for (int i = 0, j = 0; i < t->ndim; i++) {
        if (i == d) continue;
        shape[j] = t->shape[i];
        strides[j++] = t->strides[i];
    }
    view_ctx c;
    c.h = (view_head){.kind = VIEW_REGION, .region = REGION_SELECT, .dim0 = d, .a = index};
    return record_view(make_view(t, t->ndim - 1, shape, strides, t->offset + index * t->strides[d], fn),
                       t, &select_type, &c);
}

/* -------------------------------------------------------------- as_strided */

/*
 * The storage bytes a (shape, strides) layout spans from its first element:
 * 0 when it has no elements. False when the computation overflows.
 */
static bool span_bytes(int ndim, const int64_t *shape, const int64_t *strides, size_t itemsize,
                       int64_t *out) {
    int64_t last = 0; /* index of the furthest element */
    for (int i = 0; i < ndim; i++) {
        if (shape[i] == 0) {
            *out = 0;
            return true;
        }
    }
    for (int i = 0; i < ndim; i++) {
        if (strides[i] != 0 && shape[i] - 1 > (INT64_MAX - last) / strides[i]) return false;
        last += (shape[i] - 1) * strides[i];
    }
    if (last + 1 > INT64_MAX / (int64_t)itemsize) return false;
    *out = (last + 1) * (int64_t)itemsize;
    return true;
}

ct_tensor *ct_as_strided(ct_tensor *t, ct_shape shape, const int64_t *strides,
                         int64_t storage_offset) {
    const char *fn = "ct_as_strided";
    CT_CHECK_ARG(t, fn, "self");
    CT_CHECK_ARG(strides, fn, "stride");
    if (!check_ndim(shape.ndim, fn)) return NULL;
    char sb[160], tb[160];
    for (int i = 0; i < shape.ndim; i++) {
        if (strides[i] < 0) {
            ct__error(CT_ERR_RUNTIME, fn,
                      "as_strided: Negative strides are not supported at the moment, got "
                      "strides: %s",
                      ct__shape_str(shape.ndim, strides, tb, sizeof tb));
            return NULL;
        }
    }
    bool bad_size = false;
    for (int i = 0; i < shape.ndim; i++) bad_size = bad_size || shape.d[i] < 0;
    size_t itemsize = ct_dtype_size(t->dtype);
    int64_t span = 0;
    if (bad_size || !span_bytes(shape.ndim, shape.d, strides, itemsize, &span)) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "Storage size calculation overflowed with sizes=%s and strides=%s",
                  ct__shape_str(shape.ndim, shape.d, sb, sizeof sb),
                  ct__shape_str(shape.ndim, strides, tb, sizeof tb));
        return NULL;
    }
    int64_t nbytes = (int64_t)t->storage->nbytes;
    /* A view with no elements reads nothing, so any offset fits (as in PyTorch). */
    if (span > 0) {
        bool fits = span <= nbytes && storage_offset <= (nbytes - span) / (int64_t)itemsize;
        if (!fits) {
            long long need = storage_offset > (INT64_MAX - span) / (int64_t)itemsize
                                 ? (long long)INT64_MAX
                                 : (long long)(span + storage_offset * (int64_t)itemsize);
            ct__error(CT_ERR_RUNTIME, fn,
                      "setStorage: sizes %s, strides %s, storage offset %lld, and itemsize %zu "
                      "requiring a storage size of %lld are out of bounds for storage of size "
                      "%lld",
                      ct__shape_str(shape.ndim, shape.d, sb, sizeof sb),
                      ct__shape_str(shape.ndim, strides, tb, sizeof tb), (long long)storage_offset,
                      itemsize, need, (long long)nbytes);
            return NULL;
        }
    }
    if (storage_offset < 0) {
        ct__error(CT_ERR_RUNTIME, fn, "Tensor: invalid storage offset %lld",
                  (long long)storage_offset);
        return NULL;
    }
    /* Its gradient re-applies the same geometry relative to t's own first element, which is
     * exact when t is contiguous (the common case: as_strided of a fresh tensor). */
    if (ct__should_record(1, &t) && !ct__is_contiguous(t)) {
        ct__error(CT_ERR_RUNTIME, fn,
                  "the derivative of as_strided is only supported on contiguous inputs in ctorch; "
                  "call ct_contiguous first");
        return NULL;
    }
    view_ctx c;
    c.h = (view_head){
        .kind = VIEW_REGION, .region = REGION_AS_STRIDED, .a = storage_offset - t->offset};
    c.shape = shape;
    memcpy(c.strides, strides, sizeof(int64_t) * (size_t)shape.ndim);
    return record_view(make_view(t, shape.ndim, shape.d, strides, storage_offset, fn), t,
                       &as_strided_type, &c);
}
