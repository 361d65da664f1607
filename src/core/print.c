/*
 * src/core/print.c - str(tensor), following PyTorch 1.13's torch/_tensor_str.py.
 *
 * Printing has three steps, as in PyTorch:
 *   1. The formatter looks at every element that will be printed (only the
 *      edge items when the tensor is summarized) and picks one style for all
 *      of them: integer-valued ("1."), fixed ("1.5000") or scientific
 *      ("1.5000e+00"), and the width every element is right-aligned to.
 *   2. The layout writes nested brackets: 1-d rows wrap at the line width,
 *      the rows of an N-d tensor are separated by N-1 newlines, and "..."
 *      stands for the middle of a summarized dim.
 *   3. Suffixes (dtype, size, requires_grad) follow, on a new line when the
 *      last line would grow past the line width.
 * Elements are read in place through the strides; nothing is copied.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---------------------------------------------------------------- options */

static const ct_print_options default_options = {
    .precision = 4, .threshold = 1000, .edgeitems = 3, .linewidth = 80, .sci_mode = CT_SCI_AUTO};

/* Process-wide, like PyTorch's PRINT_OPTS; the lock keeps a print from seeing half an update. */
static ct_print_options g_options = {
    .precision = 4, .threshold = 1000, .edgeitems = 3, .linewidth = 80, .sci_mode = CT_SCI_AUTO};
static pthread_mutex_t g_options_lock = PTHREAD_MUTEX_INITIALIZER;

static ct_print_options current_options(void) {
    pthread_mutex_lock(&g_options_lock);
    ct_print_options o = g_options;
    pthread_mutex_unlock(&g_options_lock);
    return o;
}

ct_print_options ct_set_printoptions_(ct_print_options o) {
    const char *fn = "ct_set_printoptions";
    ct_print_options prev = current_options();
    if (o.precision < 0) {
        ct__error(CT_ERR_VALUE, fn, "precision must be non-negative, got %d", o.precision);
        return prev;
    }
    if (o.edgeitems < 0) {
        ct__error(CT_ERR_VALUE, fn, "edgeitems must be non-negative, got %d", o.edgeitems);
        return prev;
    }
    if (o.sci_mode != CT_SCI_AUTO && o.sci_mode != CT_SCI_ON && o.sci_mode != CT_SCI_OFF) {
        ct__error(CT_ERR_VALUE, fn, "sci_mode must be CT_SCI_AUTO, CT_SCI_ON or CT_SCI_OFF, got %d",
                  o.sci_mode);
        return prev;
    }
    pthread_mutex_lock(&g_options_lock);
    prev = g_options;
    if (o.precision) g_options.precision = o.precision;
    if (o.threshold) g_options.threshold = o.threshold;
    if (o.edgeitems) g_options.edgeitems = o.edgeitems;
    if (o.linewidth) g_options.linewidth = o.linewidth;
    g_options.sci_mode = o.sci_mode; /* PyTorch sets it even when not given (None) */
    pthread_mutex_unlock(&g_options_lock);
    return prev;
}

void ct_reset_printoptions(void) {
    pthread_mutex_lock(&g_options_lock);
    g_options = default_options;
    pthread_mutex_unlock(&g_options_lock);
}

/* ---------------------------------------------------------- string buffer */

typedef struct strbuf {
    char *data;
    size_t len, cap;
    bool failed; /* out of memory: later appends are dropped */
} strbuf;

static bool sb_reserve(strbuf *sb, size_t extra) {
    if (sb->failed) return false;
    if (sb->len + extra + 1 <= sb->cap) return true;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < sb->len + extra + 1) cap *= 2;
    char *p = realloc(sb->data, cap);
    if (!p) {
        sb->failed = true;
        return false;
    }
    sb->data = p;
    sb->cap = cap;
    return true;
}

static void sb_putn(strbuf *sb, const char *s, size_t n) {
    if (!sb_reserve(sb, n)) return;
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

static void sb_puts(strbuf *sb, const char *s) { sb_putn(sb, s, strlen(s)); }

static void sb_repeat(strbuf *sb, char c, int64_t n) {
    if (n <= 0 || !sb_reserve(sb, (size_t)n)) return;
    memset(sb->data + sb->len, c, (size_t)n);
    sb->len += (size_t)n;
    sb->data[sb->len] = '\0';
}

static void sb_printf(strbuf *sb, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void sb_printf(strbuf *sb, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !sb_reserve(sb, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

/* Right-aligns what was appended since `start` to `width` characters. */
static void sb_align_right(strbuf *sb, size_t start, int width) {
    size_t n = sb->len - start;
    if (sb->failed || (int64_t)n >= width) return;
    size_t pad = (size_t)width - n;
    if (!sb_reserve(sb, pad)) return;
    memmove(sb->data + start + pad, sb->data + start, n + 1);
    memset(sb->data + start, ' ', pad);
    sb->len += pad;
}

/* ------------------------------------------------------------- formatter */

/* PyTorch's _Formatter: one style and width for every printed element. */
typedef struct formatter {
    bool floating;
    bool int_mode; /* every finite value is an integer: print "3." */
    bool sci_mode;
    int max_width;
    int precision;
} formatter;

/* What is being printed: the tensor, where its elements are and the options. */
typedef struct printer {
    const ct_tensor *t;
    const char *base; /* the first element */
    size_t esize;
    ct_print_options opts;
    bool summarize;
    formatter fmt;
    strbuf out;
} printer;

/* Calls visit(p, element) for every element the printout shows, in order. */
typedef void (*element_fn)(printer *p, const char *elem, void *ctx);

static void for_each_shown(printer *p, int dim, const char *at, element_fn visit, void *ctx) {
    if (dim == p->t->ndim) {
        visit(p, at, ctx);
        return;
    }
    int64_t n = p->t->shape[dim], edge = p->opts.edgeitems;
    int64_t step = p->t->strides[dim] * (int64_t)p->esize;
    bool cut = p->summarize && n > 2 * edge;
    for (int64_t i = 0; i < n; i++) {
        if (cut && i == edge) i = n - edge;
        for_each_shown(p, dim + 1, at + i * step, visit, ctx);
    }
}

static double load_double(const printer *p, const char *elem) { return ct__load_f64(elem, p->t->dtype); }

/* The first pass over floats: range and integer-ness of the nonzero finite values. */
typedef struct float_stats {
    int64_t count;
    double min_abs, max_abs;
    bool all_integers;
} float_stats;

static void collect_stats(printer *p, const char *elem, void *ctx) {
    float_stats *s = ctx;
    double v = load_double(p, elem);
    if (!isfinite(v) || v == 0) return;
    double a = fabs(v);
    if (s->count == 0 || a < s->min_abs) s->min_abs = a;
    if (s->count == 0 || a > s->max_abs) s->max_abs = a;
    if (v != ceil(v)) s->all_integers = false;
    s->count++;
}

/* The second pass: the widest nonzero finite value in the chosen style. */
static void measure_float(printer *p, const char *elem, void *ctx) {
    (void)ctx;
    double v = load_double(p, elem);
    if (!isfinite(v) || v == 0) return;
    formatter *f = &p->fmt;
    int w;
    if (f->sci_mode) w = snprintf(NULL, 0, "%.*e", f->precision, v);
    else if (f->int_mode) w = snprintf(NULL, 0, "%.0f", v) + 1; /* room for the "." */
    else w = snprintf(NULL, 0, "%.*f", f->precision, v);
    if (w > f->max_width) f->max_width = w;
}

/* Writes one element without padding, the way Python's str/format would. */
static void put_raw(printer *p, const char *elem) {
    const formatter *f = &p->fmt;
    strbuf *sb = &p->out;
    ct_dtype d = p->t->dtype;
    if (d == CT_BOOL) {
        sb_puts(sb, ct__load_i64(elem, d) ? "True" : "False");
    } else if (!f->floating) {
        sb_printf(sb, "%lld", (long long)ct__load_i64(elem, d));
    } else {
        double v = load_double(p, elem);
        if (isnan(v)) sb_puts(sb, "nan"); /* Python never prints "-nan" */
        else if (isinf(v)) sb_puts(sb, v < 0 ? "-inf" : "inf");
        else if (f->sci_mode) sb_printf(sb, "%.*e", f->precision, v);
        else if (f->int_mode) sb_printf(sb, "%.0f.", v);
        else sb_printf(sb, "%.*f", f->precision, v);
    }
}

static void measure_raw(printer *p, const char *elem, void *ctx) {
    (void)ctx;
    size_t start = p->out.len;
    put_raw(p, elem);
    int w = (int)(p->out.len - start);
    if (w > p->fmt.max_width) p->fmt.max_width = w;
    p->out.len = start; /* only measured */
    if (p->out.data) p->out.data[start] = '\0';
}

static void build_formatter(printer *p) {
    formatter *f = &p->fmt;
    *f = (formatter){.floating = ct_dtype_is_floating(p->t->dtype), .int_mode = true,
                     .sci_mode = false, .max_width = 1, .precision = p->opts.precision};
    if (!f->floating) {
        for_each_shown(p, 0, p->base, measure_raw, NULL);
    } else {
        float_stats s = {.all_integers = true};
        for_each_shown(p, 0, p->base, collect_stats, &s);
        if (s.count == 0) return; /* PyTorch returns here, before applying the sci_mode option */
        f->int_mode = s.all_integers;
        double ratio = s.max_abs / s.min_abs;
        f->sci_mode = ratio > 1000.0 || s.max_abs > 1.0e8 || (!f->int_mode && s.min_abs < 1.0e-4);
        for_each_shown(p, 0, p->base, measure_float, NULL);
    }
    if (p->opts.sci_mode != CT_SCI_AUTO) f->sci_mode = p->opts.sci_mode == CT_SCI_ON;
}

/* One element, right-aligned to the formatter's width. */
static void put_element(printer *p, const char *elem) {
    size_t start = p->out.len;
    put_raw(p, elem);
    sb_align_right(&p->out, start, p->fmt.max_width);
}

/* ----------------------------------------------------------------- layout */

/* A 1-d row: as many elements per line as fit in linewidth - indent. */
static void put_vector(printer *p, const char *at, int indent) {
    int dim = p->t->ndim - 1;
    int64_t n = p->t->shape[dim], edge = p->opts.edgeitems;
    int64_t step = p->t->strides[dim] * (int64_t)p->esize;
    int64_t element_length = p->fmt.max_width + 2; /* ", " between elements */
    int64_t room = (int64_t)p->opts.linewidth - indent;
    int64_t per_line = room < 0 ? 1 : room / element_length;
    if (per_line < 1) per_line = 1;
    bool cut = p->summarize && n > 2 * edge;

    sb_puts(&p->out, "[");
    int64_t k = 0; /* items written so far; the " ..." counts as one */
    for (int64_t i = 0; i < n; i++, k++) {
        if (k > 0) {
            if (k % per_line == 0) {
                sb_puts(&p->out, ",\n");
                sb_repeat(&p->out, ' ', indent + 1);
            } else {
                sb_puts(&p->out, ", ");
            }
        }
        if (cut && i == edge) {
            sb_puts(&p->out, " ...");
            i = n - edge - 1;
            continue;
        }
        put_element(p, at + i * step);
    }
    sb_puts(&p->out, "]");
}

/* The sub-tensor starting at dim `dim`, whose '[' is at column `indent`. */
static void put_tensor(printer *p, int dim, const char *at, int indent) {
    int rest = p->t->ndim - dim;
    if (rest == 0) {
        put_element(p, at);
        return;
    }
    if (rest == 1) {
        put_vector(p, at, indent);
        return;
    }
    int64_t n = p->t->shape[dim], edge = p->opts.edgeitems;
    int64_t step = p->t->strides[dim] * (int64_t)p->esize;
    bool cut = p->summarize && n > 2 * edge;
    sb_puts(&p->out, "[");
    for (int64_t i = 0; i < n; i++) {
        if (i > 0) {
            sb_puts(&p->out, ",");
            sb_repeat(&p->out, '\n', rest - 1);
            sb_repeat(&p->out, ' ', indent + 1);
        }
        if (cut && i == edge) {
            sb_puts(&p->out, "...");
            i = n - edge - 1;
            continue;
        }
        put_tensor(p, dim + 1, at + i * step, indent + 1);
    }
    sb_puts(&p->out, "]");
}

/* --------------------------------------------------------------- suffixes */

/* PyTorch's _add_suffixes: ", suffix", or ",\n" + indent when the line would pass linewidth. */
static void add_suffixes(strbuf *sb, const char *const *suffixes, int count, int indent,
                         int linewidth) {
    int64_t last_line_len;
    const char *nl = sb->data ? strrchr(sb->data, '\n') : NULL;
    /* Python: len(s) - s.rfind("\n") + 1, with rfind giving -1 when there is none. */
    last_line_len = nl ? (int64_t)(sb->data + sb->len - nl) + 1 : (int64_t)sb->len + 2;
    for (int i = 0; i < count; i++) {
        int64_t n = (int64_t)strlen(suffixes[i]);
        if (last_line_len + n + 2 > linewidth) {
            sb_puts(sb, ",\n");
            sb_repeat(sb, ' ', indent);
            last_line_len = indent + n;
        } else {
            sb_puts(sb, ", ");
            last_line_len += n + 2;
        }
        sb_puts(sb, suffixes[i]);
    }
    sb_puts(sb, ")");
}

/* Python's str(tuple(shape)): "(0, 3)", "(0,)". */
static void put_size_suffix(char *buf, size_t size, const ct_tensor *t) {
    strbuf sb = {0};
    sb_puts(&sb, "size=(");
    for (int i = 0; i < t->ndim; i++) sb_printf(&sb, i ? ", %lld" : "%lld", (long long)t->shape[i]);
    sb_puts(&sb, t->ndim == 1 ? ",)" : ")");
    snprintf(buf, size, "%s", sb.failed || !sb.data ? "size=()" : sb.data);
    free(sb.data);
}

/* ------------------------------------------------------------------ entry */

char *ct_to_string(const ct_tensor *t) {
    const char *fn = "ct_to_string";
    CT_CHECK_ARG(t, fn, "self");
    if (t->storage->device.type != CT_DEVICE_CPU) {
        /* Other devices will need a copy to the cpu first, and a device='...' suffix. */
        ct__error(CT_ERR_DEVICE, fn, "printing is only supported for cpu tensors");
        return NULL;
    }
    printer p = {.t = t, .base = ct__data(t), .esize = ct_dtype_size(t->dtype),
                 .opts = current_options()};
    static const char prefix[] = "tensor(";
    const int indent = (int)sizeof prefix - 1;

    const char *suffixes[4];
    int nsuffix = 0;
    char size_suffix[CT_MAX_DIMS * 24 + 16], dtype_suffix[64];
    snprintf(dtype_suffix, sizeof dtype_suffix, "dtype=%s", ct_dtype_torch_name(t->dtype));
    ct_dtype default_float = ct_get_default_dtype();

    sb_puts(&p.out, prefix);
    if (ct__numel(t->ndim, t->shape) == 0) {
        /* No elements to tell an int64 from a float: empty tensors show every non-default dtype. */
        if (t->ndim != 1) {
            put_size_suffix(size_suffix, sizeof size_suffix, t);
            suffixes[nsuffix++] = size_suffix;
        }
        if (t->dtype != default_float) suffixes[nsuffix++] = dtype_suffix;
        sb_puts(&p.out, "[]");
    } else {
        if (t->dtype != default_float && t->dtype != CT_I64 && t->dtype != CT_BOOL)
            suffixes[nsuffix++] = dtype_suffix;
        p.summarize = ct__numel(t->ndim, t->shape) > p.opts.threshold;
        build_formatter(&p);
        put_tensor(&p, 0, p.base, indent);
    }
    /* A non-leaf prints its node, grad_fn=<AddBackward0>, instead of requires_grad=True
     * (as _str_intern in PyTorch's _tensor_str.py does). */
    char grad_fn_suffix[96];
    const char *grad_fn = ct_grad_fn_name(t);
    if (grad_fn) {
        snprintf(grad_fn_suffix, sizeof grad_fn_suffix, "grad_fn=<%s>", grad_fn);
        suffixes[nsuffix++] = grad_fn_suffix;
    } else if (ct_requires_grad(t)) {
        suffixes[nsuffix++] = "requires_grad=True";
    }
    add_suffixes(&p.out, suffixes, nsuffix, indent, p.opts.linewidth);

    if (p.out.failed) {
        free(p.out.data);
        ct__error(CT_ERR_OOM, fn, "out of memory while formatting a tensor");
        return NULL;
    }
    return p.out.data;
}

int ct_fprint(FILE *f, const ct_tensor *t) {
    CT_CHECK_ARG_RET(f, "ct_fprint", "f", CT_ERR_NULL);
    char *s = ct_to_string(t);
    if (!s) return ct_last_error_code() != CT_OK ? (int)ct_last_error_code() : CT_ERR_RUNTIME;
    int rc = (fputs(s, f) < 0 || fputc('\n', f) == EOF) ? CT_ERR_IO : 0;
    free(s);
    if (rc) ct__error(CT_ERR_IO, "ct_fprint", "could not write the tensor");
    return rc;
}

void ct_print(const ct_tensor *t) { (void)ct_fprint(stdout, t); }
