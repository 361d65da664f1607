/*
 * src/nn/pool_layers.c - nn.MaxPool2d, AvgPool2d, AdaptiveAvgPool2d,
 * AdaptiveMaxPool2d and MaxUnpool2d: options kept as given (PyTorch prints
 * them that way) and handed to the functional pooling ops.
 */
#include <stdio.h>

#include "cnn_internal.h"

typedef enum { POOL_MAX, POOL_AVG, POOL_ADAPTIVE_AVG, POOL_ADAPTIVE_MAX, POOL_UNPOOL } pool_kind;

typedef struct {
    ct_module base;
    pool_kind kind;
    ct_shape kernel, stride, padding, dilation; /* as given; output_size in kernel for the adaptive ones */
    bool return_indices, ceil_mode, exclude_pad;
    int64_t divisor_override;
} pool_module;

static ct_tensor *pool_run(pool_module *p, ct_tensor *x, ct_tensor **indices) {
    switch (p->kind) {
    case POOL_MAX:
        return ct_max_pool2d_with_indices(x, p->kernel, indices, .stride = p->stride, .padding = p->padding,
                                          .dilation = p->dilation, .ceil_mode = p->ceil_mode);
    case POOL_AVG:
        return ct_avg_pool2d(x, p->kernel, .stride = p->stride, .padding = p->padding, .ceil_mode = p->ceil_mode,
                             .exclude_pad = p->exclude_pad, .divisor_override = p->divisor_override);
    case POOL_ADAPTIVE_AVG: return ct_adaptive_avg_pool2d(x, p->kernel);
    case POOL_ADAPTIVE_MAX: return ct_adaptive_max_pool2d(x, p->kernel, indices);
    default:
        ct_set_error(CT_ERR_RUNTIME, "MaxUnpool2d",
                 "MaxUnpool2d takes the indices too: call ct_nn_max_unpool2d_forward(m, x, indices, output_size)");
        return NULL;
    }
}

static ct_tensor *pool_forward(ct_module *m, ct_tensor *x) { return pool_run((pool_module *)m, x, NULL); }

/* The stride PyTorch stores: the kernel size when none was given. */
static ct_shape stride_or_kernel(const pool_module *p) { return p->stride.ndim ? p->stride : p->kernel; }
static ct_shape or_default(ct_shape s, int64_t def) { return s.ndim ? s : CT_DIMS(def); }

static void pool_repr(const ct_module *m, char *buf, size_t size) {
    const pool_module *p = (const pool_module *)m;
    buf[0] = '\0';
    if (p->kind == POOL_ADAPTIVE_AVG || p->kind == POOL_ADAPTIVE_MAX) {
        ct__nn_append(buf, size, "output_size=");
        ct__nn_append_dims(buf, size, p->kernel, false);
        return;
    }
    ct__nn_append(buf, size, "kernel_size=");
    ct__nn_append_dims(buf, size, p->kernel, false);
    ct__nn_append(buf, size, ", stride=");
    ct__nn_append_dims(buf, size, stride_or_kernel(p), false);
    ct__nn_append(buf, size, ", padding=");
    ct__nn_append_dims(buf, size, or_default(p->padding, 0), false);
    if (p->kind == POOL_MAX) {
        ct__nn_append(buf, size, ", dilation=");
        ct__nn_append_dims(buf, size, or_default(p->dilation, 1), false);
        ct__nn_append(buf, size, ", ceil_mode=%s", p->ceil_mode ? "True" : "False");
    }
}

static const ct_module_type max_type = {.name = "MaxPool2d", .forward = pool_forward, .extra_repr = pool_repr};
static const ct_module_type avg_type = {.name = "AvgPool2d", .forward = pool_forward, .extra_repr = pool_repr};
static const ct_module_type aavg_type = {.name = "AdaptiveAvgPool2d", .forward = pool_forward,
                                         .extra_repr = pool_repr};
static const ct_module_type amax_type = {.name = "AdaptiveMaxPool2d", .forward = pool_forward,
                                         .extra_repr = pool_repr};
static const ct_module_type unpool_type = {.name = "MaxUnpool2d", .forward = pool_forward, .extra_repr = pool_repr};

/* A pool module with the fields of p; NULL (with the message) when kernel_size is missing. */
static ct_module *pool_new(const ct_module_type *type, pool_module p, const char *what, const char *fn) {
    if (p.kernel.ndim == 0) {
        ct_set_error(CT_ERR_TYPE, fn, "__init__() missing 1 required positional argument: '%s'", what);
        return NULL;
    }
    pool_module *pm = (pool_module *)ct_module_new(type, sizeof(pool_module));
    if (!pm) return NULL;
    p.base = pm->base;
    *pm = p;
    return &pm->base;
}

ct_module *ct_nn_max_pool2d_(ct_nn_max_pool_args a) {
    pool_module p = {.kind = POOL_MAX, .kernel = a.kernel_size, .stride = a.stride, .padding = a.padding,
                     .dilation = a.dilation, .return_indices = a.return_indices, .ceil_mode = a.ceil_mode};
    return pool_new(&max_type, p, "kernel_size", "ct_nn_max_pool2d");
}

ct_module *ct_nn_avg_pool2d_(ct_nn_avg_pool_args a) {
    pool_module p = {.kind = POOL_AVG, .kernel = a.kernel_size, .stride = a.stride, .padding = a.padding,
                     .ceil_mode = a.ceil_mode, .exclude_pad = a.exclude_pad, .divisor_override = a.divisor_override};
    return pool_new(&avg_type, p, "kernel_size", "ct_nn_avg_pool2d");
}

ct_module *ct_nn_adaptive_avg_pool2d(ct_shape output_size) {
    pool_module p = {.kind = POOL_ADAPTIVE_AVG, .kernel = output_size};
    return pool_new(&aavg_type, p, "output_size", "ct_nn_adaptive_avg_pool2d");
}

ct_module *ct_nn_adaptive_max_pool2d(ct_shape output_size, bool return_indices) {
    pool_module p = {.kind = POOL_ADAPTIVE_MAX, .kernel = output_size, .return_indices = return_indices};
    return pool_new(&amax_type, p, "output_size", "ct_nn_adaptive_max_pool2d");
}

ct_tensor *ct_nn_forward_with_indices(ct_module *m, ct_tensor *x, ct_tensor **indices) {
    const char *fn = "ct_nn_forward_with_indices";
    if (indices) *indices = NULL;
    if (!m || !x) return NULL; /* errors set by whoever made them NULL */
    pool_module *p = (pool_module *)m;
    if ((m->type != &max_type && m->type != &amax_type) || !p->return_indices || !indices) {
        ct_set_error(CT_ERR_VALUE, fn, "%s does not return indices (construct it with return_indices)",
                 ct_module_type_name(m));
        return NULL;
    }
    return pool_run(p, x, indices);
}

/* ------------------------------------------------------------ MaxUnpool2d */

ct_module *ct_nn_max_unpool2d(ct_shape kernel_size, ct_shape stride, ct_shape padding) {
    const char *fn = "ct_nn_max_unpool2d";
    pool_module p = {.kind = POOL_UNPOOL};
    /* MaxUnpool2d stores _pair()s: kernel_size=(2, 2), stride=(2, 2), padding=(0, 0). */
    if (kernel_size.ndim == 0) {
        ct_set_error(CT_ERR_TYPE, fn, "__init__() missing 1 required positional argument: 'kernel_size'");
        return NULL;
    }
    if (!ct__nn_expand_dims(kernel_size, 2, 0, "kernel_size", fn, &p.kernel) ||
        !ct__nn_expand_dims(stride.ndim ? stride : kernel_size, 2, 0, "stride", fn, &p.stride) ||
        !ct__nn_expand_dims(padding, 2, 0, "padding", fn, &p.padding))
        return NULL;
    return pool_new(&unpool_type, p, "kernel_size", fn);
}

ct_tensor *ct_nn_max_unpool2d_forward(ct_module *m, ct_tensor *x, ct_tensor *indices, ct_shape output_size) {
    const char *fn = "ct_nn_max_unpool2d_forward";
    if (!m || !x || !indices) return NULL; /* errors set by whoever made them NULL */
    if (m->type != &unpool_type) {
        ct_set_error(CT_ERR_VALUE, fn, "expected a MaxUnpool2d module, but got %s", ct_module_type_name(m));
        return NULL;
    }
    pool_module *p = (pool_module *)m;
    return ct_max_unpool2d(x, indices, p->kernel, p->stride, p->padding, output_size);
}
