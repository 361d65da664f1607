/*
 * src/ops/index_string.c - ct_index(t, "0, :2, ..., None, ::2"): Python's
 * basic indexing written as a string. The items are parsed first, then
 * applied left to right with the rules of PyTorch's applySlicing: an integer
 * selects (removing the dim), a slice narrows a dim, None inserts a size-1 dim
 * and "..." skips the dims no other item names. The result's meta is computed
 * in one pass and becomes one view, with no intermediate tensors.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "internal.h"

#define MAX_ITEMS 32

typedef enum { ITEM_INT, ITEM_SLICE, ITEM_ELLIPSIS, ITEM_NONE } item_kind;

typedef struct {
    item_kind kind;
    int64_t index;              /* ITEM_INT */
    int64_t start, stop, step;  /* ITEM_SLICE, omitted parts already filled in */
} index_item;

typedef struct {
    index_item items[MAX_ITEMS];
    int n;
    bool tuple; /* had a comma: "0," is a tuple of one item, as in Python */
} index_list;

static const char *fn_name = "ct_index";

/* Strips spaces from both ends of [*b, *e). */
static void trim(const char **b, const char **e) {
    while (*b < *e && isspace((unsigned char)**b)) (*b)++;
    while (*e > *b && isspace((unsigned char)(*e)[-1])) (*e)--;
}

static bool text_is(const char *b, const char *e, const char *word) {
    size_t n = strlen(word);
    return (size_t)(e - b) == n && memcmp(b, word, n) == 0;
}

/* A decimal integer with an optional sign filling all of [b, e) (trimmed). */
static bool parse_int(const char *b, const char *e, int64_t *out) {
    trim(&b, &e);
    bool neg = false;
    if (b < e && (*b == '-' || *b == '+')) neg = *b++ == '-';
    if (b == e) return false;
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; b < e; b++) {
        if (!isdigit((unsigned char)*b)) return false;
        unsigned digit = (unsigned)(*b - '0');
        if (v > (limit - digit) / 10) return false; /* does not fit an int64 */
        v = v * 10 + digit;
    }
    *out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return true;
}

static void bad_item(const char *b, const char *e, const char *why) {
    ct__error(CT_ERR_VALUE, fn_name,
              "invalid index item '%.*s'%s: expected an integer, a slice start:stop:step, '...' "
              "or 'None'",
              (int)(e - b > 64 ? 64 : e - b), b, why);
}

/* "start:stop:step" with any part omitted. */
static bool parse_slice(const char *b, const char *e, index_item *it) {
    const char *part[4] = {b, NULL, NULL, NULL}; /* part k is [part[k], end of part k) */
    const char *ends[3] = {e, e, e};
    int nparts = 1;
    for (const char *p = b; p < e; p++) {
        if (*p != ':') continue;
        if (nparts == 3) {
            bad_item(b, e, " (a slice has at most two ':')");
            return false;
        }
        ends[nparts - 1] = p;
        part[nparts++] = p + 1;
    }
    int64_t v[3] = {0, CT_END, 1};
    for (int k = 0; k < nparts; k++) {
        const char *pb = part[k], *pe = ends[k];
        trim(&pb, &pe);
        if (pb == pe) continue; /* omitted: keep the default */
        if (!parse_int(pb, pe, &v[k])) {
            bad_item(b, e, " (slice parts must be integers)");
            return false;
        }
    }
    if (v[2] == 0) {
        ct__error(CT_ERR_VALUE, fn_name, "slice step cannot be zero");
        return false;
    }
    if (v[2] < 0) {
        ct__error(CT_ERR_VALUE, fn_name, "step must be greater than zero");
        return false;
    }
    it->kind = ITEM_SLICE;
    it->start = v[0];
    it->stop = v[1];
    it->step = v[2];
    return true;
}

static bool parse_item(const char *b, const char *e, index_item *it) {
    trim(&b, &e);
    if (text_is(b, e, "...")) {
        it->kind = ITEM_ELLIPSIS;
        return true;
    }
    if (text_is(b, e, "None")) {
        it->kind = ITEM_NONE;
        return true;
    }
    if (memchr(b, ':', (size_t)(e - b))) return parse_slice(b, e, it);
    if (parse_int(b, e, &it->index)) {
        it->kind = ITEM_INT;
        return true;
    }
    bad_item(b, e, "");
    return false;
}

/* Splits the string at commas; a single trailing comma is allowed, as in Python. */
static bool parse_index(const char *s, index_list *out) {
    out->n = 0;
    out->tuple = false;
    const char *b = s, *end = s + strlen(s);
    trim(&b, &end);
    if (b == end) return true; /* "" is t[()] */
    for (;;) {
        const char *comma = memchr(b, ',', (size_t)(end - b));
        const char *ie = comma ? comma : end;
        const char *tb = b, *te = ie;
        trim(&tb, &te);
        if (tb == te) {
            if (comma || !out->tuple) {
                ct__error(CT_ERR_VALUE, fn_name, "empty index item at position %d in \"%.*s\"",
                          out->n, 200, s);
                return false;
            }
            return true; /* the trailing comma of "0," */
        }
        if (out->n == MAX_ITEMS) {
            ct__error(CT_ERR_INDEX, fn_name, "an index can have at most %d items", MAX_ITEMS);
            return false;
        }
        if (!parse_item(tb, te, &out->items[out->n++])) return false;
        if (!comma) return true;
        out->tuple = true;
        b = comma + 1;
    }
}

/* The result's meta, built item by item; None items may grow it past t's dims. */
typedef struct {
    int ndim;
    int64_t shape[CT_MAX_DIMS + MAX_ITEMS], strides[CT_MAX_DIMS + MAX_ITEMS];
    int64_t offset;
} index_meta;

static void push_dim(index_meta *m, int64_t size, int64_t stride) {
    m->shape[m->ndim] = size;
    m->strides[m->ndim++] = stride;
}

/*
 * The meta PyTorch's chain of select / slice / unsqueeze calls produces,
 * computed directly. `d` walks t's dims: every dim of t before d has been
 * consumed by an item, so the result's current dim is t's dim d, unchanged.
 */
static bool index_meta_of(const ct_tensor *t, const index_list *ix, int specified,
                          index_meta *m) {
    m->ndim = 0;
    m->offset = t->offset;
    int d = 0;
    for (int i = 0; i < ix->n; i++) {
        const index_item *it = &ix->items[i];
        switch (it->kind) {
        case ITEM_INT: {
            int64_t size = t->shape[d];
            if (it->index < -size || it->index >= size) {
                /* PyTorch names the item's position in the index, not the tensor dim. */
                ct__error(CT_ERR_INDEX, fn_name,
                          "index %lld is out of bounds for dimension %d with size %lld",
                          (long long)it->index, i, (long long)size);
                return false;
            }
            m->offset += (it->index < 0 ? it->index + size : it->index) * t->strides[d];
            d++;
            break;
        }
        case ITEM_SLICE: {
            int64_t first, size, stride;
            ct__slice_meta(t->shape[d], t->strides[d], it->start, it->stop, it->step, &first,
                           &size, &stride);
            m->offset += first * t->strides[d];
            push_dim(m, size, stride);
            d++;
            break;
        }
        case ITEM_NONE: /* unsqueeze: the stride spans the dim it is put before */
            push_dim(m, 1, d < t->ndim ? t->shape[d] * t->strides[d] : 1);
            break;
        case ITEM_ELLIPSIS:
            for (int k = 0; k < t->ndim - specified; k++, d++)
                push_dim(m, t->shape[d], t->strides[d]);
            break;
        }
    }
    for (; d < t->ndim; d++) push_dim(m, t->shape[d], t->strides[d]);
    if (m->ndim > CT_MAX_DIMS) {
        ct__error(CT_ERR_VALUE, fn_name, "number of dimensions %d is not supported (at most %d)",
                  m->ndim, CT_MAX_DIMS);
        return false;
    }
    return true;
}

static ct_tensor *apply_index(ct_tensor *t, const index_list *ix) {
    int specified = 0, ellipses = 0;
    for (int i = 0; i < ix->n; i++) {
        specified += ix->items[i].kind == ITEM_INT || ix->items[i].kind == ITEM_SLICE;
        ellipses += ix->items[i].kind == ITEM_ELLIPSIS;
    }
    if (ellipses > 1) {
        /* NumPy's rule; PyTorch 1.13 accepts several and gives odd results. */
        ct__error(CT_ERR_INDEX, fn_name, "an index can only have a single ellipsis ('...')");
        return NULL;
    }
    if (t->ndim == 0 && ix->n == 1 && !ix->tuple) {
        /* PyTorch's single-item paths report these before counting dims. */
        if (ix->items[0].kind == ITEM_INT) {
            ct__error(CT_ERR_INDEX, fn_name,
                      "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                      "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number");
            return NULL;
        }
        if (ix->items[0].kind == ITEM_SLICE) {
            ct__error(CT_ERR_INDEX, fn_name, "slice() cannot be applied to a 0-dim tensor.");
            return NULL;
        }
    }
    if (specified > t->ndim) {
        ct__error(CT_ERR_INDEX, fn_name, "too many indices for tensor of dimension %d", t->ndim);
        return NULL;
    }
    index_meta m;
    if (!index_meta_of(t, ix, specified, &m)) return NULL;
    ct_tensor *v = ct__tensor_view(t, m.ndim, m.shape, m.strides, m.offset, fn_name);
    /* autograd: the backward of the select / slice / unsqueeze chain goes here */
    if (v) v->requires_grad = t->requires_grad;
    return v;
}

ct_tensor *ct_index(ct_tensor *t, const char *index) {
    CT_CHECK_ARG(t, fn_name, "self");
    CT_CHECK_ARG(index, fn_name, "index");
    index_list ix;
    if (!parse_index(index, &ix)) return NULL;
    return ct__record_index_view(apply_index(t, &ix), t, index);
}

ct_tensor *ct_indexf(ct_tensor *t, const char *fmt, ...) {
    CT_CHECK_ARG(t, "ct_indexf", "self");
    CT_CHECK_ARG(fmt, "ct_indexf", "fmt");
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        ct__error(CT_ERR_VALUE, "ct_indexf", "invalid format string \"%s\"", fmt);
        return NULL;
    }
    if ((size_t)n < sizeof small) return ct_index(t, small);
    char *big = malloc((size_t)n + 1);
    if (!big) {
        ct__error(CT_ERR_OOM, "ct_indexf", "out of memory");
        return NULL;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    ct_tensor *out = ct_index(t, big);
    free(big);
    return out;
}
