/*
 * src/nn/init.c - nn.init: fills parameters in place outside autograd, with
 * the same random draws, in the same order, as torch.nn.init.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctorch.h"

/* Fills with grad mode off (torch.no_grad()); each returns t or NULL. */
static ct_tensor *no_grad_fill(ct_tensor *t, double v) {
    bool was = ct_set_grad_enabled(false);
    ct_tensor *r = ct_fill_(t, v);
    ct_set_grad_enabled(was);
    return r;
}

static ct_tensor *no_grad_copy(ct_tensor *t, const ct_tensor *src) {
    bool was = ct_set_grad_enabled(false);
    ct_tensor *r = ct_copy_(t, src);
    ct_set_grad_enabled(was);
    return r;
}

static ct_tensor *no_grad_uniform(ct_tensor *t, double a, double b, ct_generator *g) {
    bool was = ct_set_grad_enabled(false);
    ct_tensor *r = ct_uniform_(t, a, b, g);
    ct_set_grad_enabled(was);
    return r;
}

static ct_tensor *no_grad_normal(ct_tensor *t, double mean, double std, ct_generator *g) {
    bool was = ct_set_grad_enabled(false);
    ct_tensor *r = ct_normal_(t, mean, std, g);
    ct_set_grad_enabled(was);
    return r;
}

static bool check_tensor(const ct_tensor *t, const char *fn) {
    if (t) return true;
    ct_set_error(CT_ERR_NULL, fn, "argument 'tensor' must not be NULL");
    return false;
}

double ct_init_calculate_gain(const char *nl, double param) {
    static const char *linear[] = {"linear",           "conv1d",           "conv2d",          "conv3d",
                                   "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid"};
    if (!nl) nl = "(null)";
    for (size_t i = 0; i < sizeof linear / sizeof linear[0]; i++)
        if (!strcmp(nl, linear[i])) return 1;
    if (!strcmp(nl, "tanh")) return 5.0 / 3;
    if (!strcmp(nl, "relu")) return sqrt(2.0);
    if (!strcmp(nl, "selu")) return 3.0 / 4;
    if (!strcmp(nl, "leaky_relu")) {
        double slope = isnan(param) ? 0.01 : param;
        return sqrt(2.0 / (1 + pow(slope, 2)));
    }
    ct_set_error(CT_ERR_VALUE, "ct_init_calculate_gain", "Unsupported nonlinearity %s", nl);
    return NAN;
}

int ct_init_fan_in_and_fan_out(const ct_tensor *t, int64_t *fan_in, int64_t *fan_out) {
    if (!check_tensor(t, "ct_init_fan_in_and_fan_out")) return CT_ERR_NULL;
    int nd = ct_dim(t);
    if (nd < 2)
        return ct_set_error(CT_ERR_VALUE, "ct_init_fan_in_and_fan_out",
                        "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
    int64_t field = 1;
    for (int i = 2; i < nd; i++) field *= ct_size(t, i);
    if (fan_in) *fan_in = ct_size(t, 1) * field;
    if (fan_out) *fan_out = ct_size(t, 0) * field;
    return 0;
}

/* ----------------------------------------------------------- deterministic */

ct_tensor *ct_init_constant_(ct_tensor *t, double val) {
    if (!check_tensor(t, "ct_init_constant_")) return NULL;
    return no_grad_fill(t, val);
}

ct_tensor *ct_init_zeros_(ct_tensor *t) {
    if (!check_tensor(t, "ct_init_zeros_")) return NULL;
    return no_grad_fill(t, 0);
}

ct_tensor *ct_init_ones_(ct_tensor *t) {
    if (!check_tensor(t, "ct_init_ones_")) return NULL;
    return no_grad_fill(t, 1);
}

ct_tensor *ct_init_eye_(ct_tensor *t) {
    if (!check_tensor(t, "ct_init_eye_")) return NULL;
    if (ct_dim(t) != 2) {
        ct_set_error(CT_ERR_VALUE, "ct_init_eye_", "Only tensors with 2 dimensions are supported");
        return NULL;
    }
    ct_tensor *r = NULL;
    CT_SCOPE {
        /* ct_eye's m = 0 means square: an (n, 0) matrix needs no ones at all. */
        ct_tensor *e = ct_size(t, 1) == 0 ? ct_empty(CT_SHAPE(ct_size(t, 0), 0), .dtype = ct_dtype_of(t))
                                           : ct_eye(ct_size(t, 0), ct_size(t, 1), .dtype = ct_dtype_of(t));
        if (e) r = no_grad_copy(t, e);
    }
    return r;
}

ct_tensor *ct_init_dirac_(ct_tensor *t, int groups) {
    if (!check_tensor(t, "ct_init_dirac_")) return NULL;
    int nd = ct_dim(t);
    if (nd < 3 || nd > 5) {
        ct_set_error(CT_ERR_VALUE, "ct_init_dirac_", "Only tensors with 3, 4, or 5 dimensions are supported");
        return NULL;
    }
    if (groups <= 0) groups = 1;
    if (ct_size(t, 0) % groups != 0) {
        ct_set_error(CT_ERR_VALUE, "ct_init_dirac_", "dim 0 must be divisible by groups");
        return NULL;
    }
    int64_t per_group = ct_size(t, 0) / groups;
    int64_t min_dim = per_group < ct_size(t, 1) ? per_group : ct_size(t, 1);
    if (!no_grad_fill(t, 0)) return NULL;
    bool was = ct_set_grad_enabled(false);
    int rc = 0;
    for (int g = 0; g < groups && rc == 0; g++)
        for (int64_t d = 0; d < min_dim && rc == 0; d++) {
            int64_t idx[5] = {g * per_group + d, d, 0, 0, 0};
            for (int k = 2; k < nd; k++) idx[k] = ct_size(t, k) / 2;
            rc = ct_set(t, idx, 1);
        }
    ct_set_grad_enabled(was);
    return rc == 0 ? t : NULL;
}

/* ------------------------------------------------------------------ random */

ct_tensor *ct_init_uniform_with(ct_init_uniform_args a) {
    if (!check_tensor(a.tensor, "ct_init_uniform_")) return NULL;
    return no_grad_uniform(a.tensor, a.a, a.b, a.generator);
}

ct_tensor *ct_init_normal_with(ct_init_normal_args a) {
    if (!check_tensor(a.tensor, "ct_init_normal_")) return NULL;
    return no_grad_normal(a.tensor, a.mean, a.std, a.generator);
}

/* erfinv in double: Giles' single-precision approximation refined by Newton steps on erf. */
static double erfinv(double y) {
    if (y <= -1) return y == -1 ? -INFINITY : NAN;
    if (y >= 1) return y == 1 ? INFINITY : NAN;
    double w = -log((1 - y) * (1 + y)), p;
    if (w < 5) {
        w -= 2.5;
        p = 2.81022636e-08;
        p = 3.43273939e-07 + p * w;
        p = -3.5233877e-06 + p * w;
        p = -4.39150654e-06 + p * w;
        p = 0.00021858087 + p * w;
        p = -0.00125372503 + p * w;
        p = -0.00417768164 + p * w;
        p = 0.246640727 + p * w;
        p = 1.50140941 + p * w;
    } else {
        w = sqrt(w) - 3;
        p = -0.000200214257;
        p = 0.000100950558 + p * w;
        p = 0.00134934322 + p * w;
        p = -0.00367342844 + p * w;
        p = 0.00573950773 + p * w;
        p = -0.0076224613 + p * w;
        p = 0.00943887047 + p * w;
        p = 1.00167406 + p * w;
        p = 2.83297682 + p * w;
    }
    double x = p * y;
    for (int i = 0; i < 3; i++) x -= (erf(x) - y) / (1.1283791670955126 /* 2 / sqrt(pi) */ * exp(-x * x));
    return x;
}

static double norm_cdf(double x) { return (1. + erf(x / sqrt(2.))) / 2.; }

ct_tensor *ct_init_trunc_normal_with(ct_init_trunc_normal_args a) {
    ct_tensor *t = a.tensor;
    if (!check_tensor(t, "ct_init_trunc_normal_")) return NULL;
    double l = norm_cdf((a.a - a.mean) / a.std), u = norm_cdf((a.b - a.mean) / a.std);
    if (!no_grad_uniform(t, 2 * l - 1, 2 * u - 1, a.generator)) return NULL;
    int64_t n = ct_numel(t);
    if (n == 0) return t;
    double *buf = malloc(sizeof *buf * (size_t)n);
    if (!buf) {
        ct_set_error(CT_ERR_OOM, "ct_init_trunc_normal_", "out of memory");
        return NULL;
    }
    ct_copy_to_buffer(t, buf, CT_F64, (size_t)n);
    /* PyTorch runs erfinv_, mul_, add_ and clamp_ in the tensor's dtype: round like it does. */
    bool f32 = ct_dtype_of(t) == CT_F32;
    double scale = a.std * sqrt(2.);
    for (int64_t i = 0; i < n; i++) {
        double v = erfinv(buf[i]);
        if (f32) {
            float x = (float)v * (float)scale + (float)a.mean;
            v = x < (float)a.a ? (float)a.a : x > (float)a.b ? (float)a.b : x;
        } else {
            v = v * scale + a.mean;
            v = v < a.a ? a.a : v > a.b ? a.b : v;
        }
        buf[i] = v;
    }
    ct_tensor *r = NULL;
    CT_SCOPE {
        ct_tensor *src = ct_from_data(buf, CT_F64, ct_shape_of(t));
        if (src) r = no_grad_copy(t, src);
    }
    free(buf);
    return r;
}

ct_tensor *ct_init_xavier_uniform_with(ct_init_gain_args a) {
    int64_t fan_in, fan_out;
    if (!check_tensor(a.tensor, "ct_init_xavier_uniform_")) return NULL;
    if (ct_init_fan_in_and_fan_out(a.tensor, &fan_in, &fan_out) < 0) return NULL;
    double gain = a.gain == 0 ? 1.0 : a.gain;
    double std = gain * sqrt(2.0 / (double)(fan_in + fan_out));
    double bound = sqrt(3.0) * std;
    return no_grad_uniform(a.tensor, -bound, bound, a.generator);
}

ct_tensor *ct_init_xavier_normal_with(ct_init_gain_args a) {
    int64_t fan_in, fan_out;
    if (!check_tensor(a.tensor, "ct_init_xavier_normal_")) return NULL;
    if (ct_init_fan_in_and_fan_out(a.tensor, &fan_in, &fan_out) < 0) return NULL;
    double gain = a.gain == 0 ? 1.0 : a.gain;
    double std = gain * sqrt(2.0 / (double)(fan_in + fan_out));
    return no_grad_normal(a.tensor, 0., std, a.generator);
}

/* The kaiming std gain / sqrt(fan); NAN with an error on bad arguments. */
static double kaiming_std(const ct_init_kaiming_args *a, const char *fn) {
    int64_t fan_in, fan_out;
    if (a->mode != CT_FAN_IN && a->mode != CT_FAN_OUT) {
        ct_set_error(CT_ERR_VALUE, fn, "Mode %d not supported, please use one of fan_in, fan_out", (int)a->mode);
        return NAN;
    }
    if (ct_init_fan_in_and_fan_out(a->tensor, &fan_in, &fan_out) < 0) return NAN;
    double gain = ct_init_calculate_gain(a->nonlinearity ? a->nonlinearity : "leaky_relu", a->a);
    if (isnan(gain)) return NAN;
    return gain / sqrt((double)(a->mode == CT_FAN_IN ? fan_in : fan_out));
}

ct_tensor *ct_init_kaiming_uniform_with(ct_init_kaiming_args a) {
    if (!check_tensor(a.tensor, "ct_init_kaiming_uniform_")) return NULL;
    if (ct_numel(a.tensor) == 0) return a.tensor; /* PyTorch: a warning and a no-op */
    double std = kaiming_std(&a, "ct_init_kaiming_uniform_");
    if (isnan(std)) return NULL;
    double bound = sqrt(3.0) * std;
    return no_grad_uniform(a.tensor, -bound, bound, a.generator);
}

ct_tensor *ct_init_kaiming_normal_with(ct_init_kaiming_args a) {
    if (!check_tensor(a.tensor, "ct_init_kaiming_normal_")) return NULL;
    if (ct_numel(a.tensor) == 0) return a.tensor;
    double std = kaiming_std(&a, "ct_init_kaiming_normal_");
    if (isnan(std)) return NULL;
    return no_grad_normal(a.tensor, 0., std, a.generator);
}
