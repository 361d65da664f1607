/*
 * src/nn/conv_layers.c - nn.Conv1d, nn.Conv2d and nn.ConvTranspose2d: the
 * parameters, _ConvNd.reset_parameters' init and extra_repr, over the
 * functional ops of ctorch/conv.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cnn_internal.h"

typedef struct {
    ct_module base;
    int nd;          /* spatial dims */
    bool transposed;
    int64_t in_channels, out_channels, groups;
    ct_shape kernel, stride, padding, dilation, output_padding; /* nd entries each */
    const char *padding_str;                                    /* "same", "valid" or NULL */
    ct_padding_mode padding_mode;
} conv_module;

/* ------------------------------------------------------------- forward */

static ct_tensor *conv_forward(ct_module *m, ct_tensor *x) {
    conv_module *c = (conv_module *)m;
    ct_tensor *w = ct_module_get(m, "weight"), *b = ct_module_get(m, "bias");
    if (c->transposed)
        return ct_conv_transpose2d(x, w, b, .stride = c->stride, .padding = c->padding,
                                   .output_padding = c->output_padding, .groups = c->groups,
                                   .dilation = c->dilation);
    if (c->nd == 1)
        return ct_conv1d(x, w, b, .stride = c->stride, .padding = c->padding, .padding_str = c->padding_str,
                         .dilation = c->dilation, .groups = c->groups, .padding_mode = c->padding_mode);
    return ct_conv2d(x, w, b, .stride = c->stride, .padding = c->padding, .padding_str = c->padding_str,
                     .dilation = c->dilation, .groups = c->groups, .padding_mode = c->padding_mode);
}

/* ---------------------------------------------------------------- repr */

static bool all_equal(ct_shape s, int64_t v) {
    for (int i = 0; i < s.ndim; i++)
        if (s.d[i] != v) return false;
    return true;
}

static const char *mode_name(ct_padding_mode m) {
    switch (m) {
    case CT_PADDING_REFLECT: return "reflect";
    case CT_PADDING_REPLICATE: return "replicate";
    case CT_PADDING_CIRCULAR: return "circular";
    default: return "zeros";
    }
}

/* _ConvNd.extra_repr: the options that differ from their defaults, in its order. */
static void conv_repr(const ct_module *m, char *buf, size_t size) {
    const conv_module *c = (const conv_module *)m;
    snprintf(buf, size, "%lld, %lld, kernel_size=", (long long)c->in_channels, (long long)c->out_channels);
    ct__nn_append_dims(buf, size, c->kernel, true);
    ct__nn_append(buf, size, ", stride=");
    ct__nn_append_dims(buf, size, c->stride, true);
    if (c->padding_str) {
        ct__nn_append(buf, size, ", padding=%s", c->padding_str);
    } else if (!all_equal(c->padding, 0)) {
        ct__nn_append(buf, size, ", padding=");
        ct__nn_append_dims(buf, size, c->padding, true);
    }
    if (!all_equal(c->dilation, 1)) {
        ct__nn_append(buf, size, ", dilation=");
        ct__nn_append_dims(buf, size, c->dilation, true);
    }
    if (!all_equal(c->output_padding, 0)) {
        ct__nn_append(buf, size, ", output_padding=");
        ct__nn_append_dims(buf, size, c->output_padding, true);
    }
    if (c->groups != 1) ct__nn_append(buf, size, ", groups=%lld", (long long)c->groups);
    if (!ct_module_get(m, "bias")) ct__nn_append(buf, size, ", bias=False");
    if (c->padding_mode != CT_PADDING_ZEROS) ct__nn_append(buf, size, ", padding_mode=%s", mode_name(c->padding_mode));
}

static const ct_module_type conv1d_type = {.name = "Conv1d", .forward = conv_forward, .extra_repr = conv_repr};
static const ct_module_type conv2d_type = {.name = "Conv2d", .forward = conv_forward, .extra_repr = conv_repr};
static const ct_module_type conv_t2d_type = {.name = "ConvTranspose2d", .forward = conv_forward,
                                             .extra_repr = conv_repr};

/* --------------------------------------------------------- construction */

/* _ConvNd.__init__'s checks of the channel counts and groups. */
static bool check_channels(int64_t in, int64_t out, int64_t groups, const char *fn) {
    if (groups <= 0) {
        ct_set_error(CT_ERR_VALUE, fn, "groups must be a positive integer");
        return false;
    }
    if (in % groups != 0) {
        ct_set_error(CT_ERR_VALUE, fn, "in_channels must be divisible by groups");
        return false;
    }
    if (out % groups != 0) {
        ct_set_error(CT_ERR_VALUE, fn, "out_channels must be divisible by groups");
        return false;
    }
    return true;
}

/* Creates weight (and bias) and initializes them as _ConvNd.reset_parameters. */
static bool make_params(ct_module *m, ct_shape wshape, int64_t out_channels, bool bias) {
    ct_tensor *w = ct_module_param(m, "weight", ct_empty(wshape));
    if (!w) return false;
    ct_tensor *b = NULL;
    if (bias && !(b = ct_module_param(m, "bias", ct_empty(CT_SHAPE(out_channels))))) return false;
    if (!ct_init_kaiming_uniform_(w, .a = sqrt(5.0))) return false;
    if (b) {
        int64_t fan_in = 0;
        if (ct_init_fan_in_and_fan_out(w, &fan_in, NULL) < 0) return false;
        if (fan_in != 0) {
            double bound = 1 / sqrt((double)fan_in);
            if (!ct_init_uniform_(b, -bound, bound)) return false;
        }
    }
    return true;
}

static ct_module *conv_new(const ct_module_type *type, int nd, ct_nn_conv_args a, const char *fn) {
    int64_t groups = a.groups == 0 ? 1 : a.groups;
    if (!check_channels(a.in_channels, a.out_channels, groups, fn)) return NULL;
    if (a.padding_str && strcmp(a.padding_str, "same") && strcmp(a.padding_str, "valid")) {
        ct_set_error(CT_ERR_VALUE, fn, "Invalid padding string '%s', should be one of {'same', 'valid'}", a.padding_str);
        return NULL;
    }
    conv_module c = {.nd = nd, .in_channels = a.in_channels, .out_channels = a.out_channels, .groups = groups,
                     .padding_str = a.padding_str ? (strcmp(a.padding_str, "same") ? "valid" : "same") : NULL,
                     .padding_mode = a.padding_mode};
    if (a.kernel_size.ndim == 0) {
        ct_set_error(CT_ERR_TYPE, fn, "__init__() missing 1 required positional argument: 'kernel_size'");
        return NULL;
    }
    if (!ct__nn_expand_dims(a.kernel_size, nd, 0, "kernel_size", fn, &c.kernel) ||
        !ct__nn_expand_dims(a.stride, nd, 1, "stride", fn, &c.stride) ||
        !ct__nn_expand_dims(a.padding, nd, 0, "padding", fn, &c.padding) ||
        !ct__nn_expand_dims(a.dilation, nd, 1, "dilation", fn, &c.dilation) ||
        !ct__nn_expand_dims(CT_SHAPE0, nd, 0, "output_padding", fn, &c.output_padding))
        return NULL;
    if (c.padding_str && !strcmp(c.padding_str, "same") && !all_equal(c.stride, 1)) {
        ct_set_error(CT_ERR_VALUE, fn, "padding='same' is not supported for strided convolutions");
        return NULL;
    }
    conv_module *cm = (conv_module *)ct_module_new(type, sizeof(conv_module));
    if (!cm) return NULL;
    c.base = cm->base;
    *cm = c;
    ct_shape ws = {.ndim = nd + 2};
    ws.d[0] = a.out_channels;
    ws.d[1] = a.in_channels / groups;
    for (int i = 0; i < nd; i++) ws.d[2 + i] = c.kernel.d[i];
    if (!make_params(&cm->base, ws, a.out_channels, !a.no_bias)) {
        ct_module_free(&cm->base);
        return NULL;
    }
    return &cm->base;
}

ct_module *ct_nn_conv2d_(ct_nn_conv_args a) { return conv_new(&conv2d_type, 2, a, "ct_nn_conv2d"); }
ct_module *ct_nn_conv1d_(ct_nn_conv_args a) { return conv_new(&conv1d_type, 1, a, "ct_nn_conv1d"); }

ct_module *ct_nn_conv_transpose2d_(ct_nn_conv_transpose_args a) {
    const char *fn = "ct_nn_conv_transpose2d";
    int64_t groups = a.groups == 0 ? 1 : a.groups;
    if (!check_channels(a.in_channels, a.out_channels, groups, fn)) return NULL;
    if (a.padding_mode != CT_PADDING_ZEROS) {
        ct_set_error(CT_ERR_VALUE, fn, "Only \"zeros\" padding mode is supported for ConvTranspose2d");
        return NULL;
    }
    if (a.kernel_size.ndim == 0) {
        ct_set_error(CT_ERR_TYPE, fn, "__init__() missing 1 required positional argument: 'kernel_size'");
        return NULL;
    }
    conv_module c = {.nd = 2, .transposed = true, .in_channels = a.in_channels, .out_channels = a.out_channels,
                     .groups = groups};
    if (!ct__nn_expand_dims(a.kernel_size, 2, 0, "kernel_size", fn, &c.kernel) ||
        !ct__nn_expand_dims(a.stride, 2, 1, "stride", fn, &c.stride) ||
        !ct__nn_expand_dims(a.padding, 2, 0, "padding", fn, &c.padding) ||
        !ct__nn_expand_dims(a.dilation, 2, 1, "dilation", fn, &c.dilation) ||
        !ct__nn_expand_dims(a.output_padding, 2, 0, "output_padding", fn, &c.output_padding))
        return NULL;
    conv_module *cm = (conv_module *)ct_module_new(&conv_t2d_type, sizeof(conv_module));
    if (!cm) return NULL;
    c.base = cm->base;
    *cm = c;
    ct_shape ws = CT_SHAPE(a.in_channels, a.out_channels / groups, c.kernel.d[0], c.kernel.d[1]);
    if (!make_params(&cm->base, ws, a.out_channels, !a.no_bias)) {
        ct_module_free(&cm->base);
        return NULL;
    }
    return &cm->base;
}

/* ------------------------------------------------------------- helpers */

void ct__nn_append_dims(char *buf, size_t size, ct_shape s, bool as_tuple) {
    if (s.ndim == 1 && !as_tuple) {
        if (s.d[0] == -1) ct__nn_append(buf, size, "None");
        else ct__nn_append(buf, size, "%lld", (long long)s.d[0]);
        return;
    }
    ct__nn_append(buf, size, "(");
    for (int i = 0; i < s.ndim; i++) {
        if (s.d[i] == -1) ct__nn_append(buf, size, "%sNone", i ? ", " : "");
        else ct__nn_append(buf, size, "%s%lld", i ? ", " : "", (long long)s.d[i]);
    }
    ct__nn_append(buf, size, s.ndim == 1 ? ",)" : ")");
}

bool ct__nn_expand_dims(ct_shape s, int nd, int64_t def, const char *what, const char *fn, ct_shape *out) {
    if (s.ndim != 0 && s.ndim != 1 && s.ndim != nd) {
        ct_set_error(CT_ERR_VALUE, fn, "%s must be an int or a tuple of %d ints, but got %d values", what, nd, s.ndim);
        return false;
    }
    out->ndim = nd;
    for (int i = 0; i < nd; i++) out->d[i] = s.ndim == 0 ? def : s.d[s.ndim == 1 ? 0 : i];
    return true;
}
