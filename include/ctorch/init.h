/*
 * ctorch/init.h - parameter initialization (torch.nn.init).
 *
 * Every function fills its tensor in place, outside autograd (as under
 * torch.no_grad(), so a parameter that requires grad can be filled), and
 * returns it (not a new reference, like every in-place function), or NULL on
 * error. The random ones draw from the default generator, or from
 * .generator = g, with the same calls PyTorch makes, so after ct_manual_seed(s)
 * they give torch.manual_seed(s)'s numbers:
 *
 *     ct_init_uniform_(w, -0.1, 0.1);
 *     ct_init_normal_(w, 0.0, 0.02, .generator = g);
 *     ct_init_kaiming_normal_(w, .mode = CT_FAN_OUT, .nonlinearity = "relu");
 *     ct_init_xavier_uniform_(w, .gain = ct_init_calculate_gain("tanh", NAN));
 *
 * The positional numbers of uniform_, normal_ and trunc_normal_ are required
 * and taken as given; the named options (.gain, .a, .mode, .nonlinearity)
 * follow the zero-means-PyTorch's-default rule.
 */
#ifndef CTORCH_INIT_H
#define CTORCH_INIT_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * nn.init.calculate_gain(nonlinearity, param): 1 for "linear", "conv1d",
 * "conv2d", "conv3d", the "conv_transpose" ones and "sigmoid"; 5/3 for
 * "tanh"; sqrt(2) for "relu"; 3/4 for "selu"; sqrt(2 / (1 + slope^2)) for
 * "leaky_relu" with slope = param, or 0.01 when param is NAN (Python's None).
 * Anything else: NAN and a ValueError "Unsupported nonlinearity foo".
 */
double ct_init_calculate_gain(const char *nonlinearity, double param);

/**
 * nn.init._calculate_fan_in_and_fan_out(t): fan_in = size(1) * receptive
 * field, fan_out = size(0) * receptive field, where the receptive field is
 * the product of dims 2... Returns 0, or a negative error for a tensor of
 * fewer than 2 dims ("Fan in and fan out can not be computed for tensor with
 * fewer than 2 dimensions"). Either output pointer may be NULL.
 */
int ct_init_fan_in_and_fan_out(const ct_tensor *t, int64_t *fan_in, int64_t *fan_out);

/** nn.init.constant_(t, val). */
ct_tensor *ct_init_constant_(ct_tensor *t, double val);
/** nn.init.zeros_(t). */
ct_tensor *ct_init_zeros_(ct_tensor *t);
/** nn.init.ones_(t). */
ct_tensor *ct_init_ones_(ct_tensor *t);
/** nn.init.eye_(t): the identity matrix for a 2-d t ("Only tensors with 2 dimensions are supported"). */
ct_tensor *ct_init_eye_(ct_tensor *t);
/**
 * nn.init.dirac_(t, groups): the identity for convolution weights of 3, 4 or
 * 5 dims ("Only tensors with 3, 4, or 5 dimensions are supported"): each of
 * the `groups` blocks of size(0) / groups output channels passes one input
 * channel through its centre tap. groups 0 means 1; size(0) must divide by it
 * ("dim 0 must be divisible by groups").
 */
ct_tensor *ct_init_dirac_(ct_tensor *t, int groups);

/* -------------------------------------------------------------- random */

/** Arguments of ct_init_uniform_; use the macro. */
typedef struct ct_init_uniform_args {
    int ct__;
    ct_tensor *tensor;
    double a, b;
    ct_generator *generator; /**< NULL: the default generator */
} ct_init_uniform_args;
/** nn.init.uniform_(t, a, b): uniform on [a, b) (PyTorch's default is a = 0, b = 1). */
#define ct_init_uniform_(...) ct_init_uniform_with((ct_init_uniform_args){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_init_uniform_with(ct_init_uniform_args a);

/** Arguments of ct_init_normal_. */
typedef struct ct_init_normal_args {
    int ct__;
    ct_tensor *tensor;
    double mean, std;
    ct_generator *generator;
} ct_init_normal_args;
/** nn.init.normal_(t, mean, std) (PyTorch's default is mean 0, std 1). */
#define ct_init_normal_(...) ct_init_normal_with((ct_init_normal_args){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_init_normal_with(ct_init_normal_args a);

/** Arguments of ct_init_trunc_normal_. */
typedef struct ct_init_trunc_normal_args {
    int ct__;
    ct_tensor *tensor;
    double mean, std, a, b;
    ct_generator *generator;
} ct_init_trunc_normal_args;
/**
 * nn.init.trunc_normal_(t, mean, std, a, b) (PyTorch's defaults 0, 1, -2, 2):
 * a normal(mean, std) restricted to [a, b], drawn by PyTorch's method
 * (inverse CDF): uniform on [2 Phi((a - mean) / std) - 1, 2 Phi((b - mean) / std) - 1),
 * then erfinv, times std sqrt(2), plus mean, clamped to [a, b]. The same seed
 * gives PyTorch's values up to float rounding (erfinv is computed in double).
 */
#define ct_init_trunc_normal_(...)                                                          \
    ct_init_trunc_normal_with((ct_init_trunc_normal_args){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_init_trunc_normal_with(ct_init_trunc_normal_args a);

/** Arguments of the xavier and orthogonal inits: gain 0 means PyTorch's 1.0. */
typedef struct ct_init_gain_args {
    int ct__;
    ct_tensor *tensor;
    double gain;
    ct_generator *generator;
} ct_init_gain_args;
/** nn.init.xavier_uniform_(t, gain): uniform on +-gain sqrt(6 / (fan_in + fan_out)). */
#define ct_init_xavier_uniform_(...) ct_init_xavier_uniform_with((ct_init_gain_args){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_init_xavier_uniform_with(ct_init_gain_args a);
/** nn.init.xavier_normal_(t, gain): normal(0, gain sqrt(2 / (fan_in + fan_out))). */
#define ct_init_xavier_normal_(...) ct_init_xavier_normal_with((ct_init_gain_args){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_init_xavier_normal_with(ct_init_gain_args a);

/**
 * nn.init.orthogonal_(t, gain): t (2 or more dims, "Only tensors with 2 or
 * more dimensions are supported") viewed as rows = size(0) by the rest
 * becomes a (semi-)orthogonal matrix times gain. As in PyTorch, a normal
 * matrix is drawn, transposed when rows < cols, factored Q R (Householder,
 * in double), and Q's columns multiplied by the signs of R's diagonal, which
 * makes Q unique: the same seed gives PyTorch's matrix up to float rounding.
 */
#define ct_init_orthogonal_(...) ct_init_orthogonal_with((ct_init_gain_args){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_init_orthogonal_with(ct_init_gain_args a);

/** Which fan the kaiming inits scale by (mode='fan_in' / 'fan_out'). */
typedef enum ct_fan_mode { CT_FAN_IN = 0, CT_FAN_OUT } ct_fan_mode;

/**
 * Arguments of the kaiming inits: a is the negative slope handed to
 * ct_init_calculate_gain (PyTorch's default 0), nonlinearity NULL means
 * "leaky_relu" (PyTorch's default; with a = 0 that is relu's gain sqrt(2)).
 */
typedef struct ct_init_kaiming_args {
    int ct__;
    ct_tensor *tensor;
    double a;
    ct_fan_mode mode;
    const char *nonlinearity;
    ct_generator *generator;
} ct_init_kaiming_args;
/**
 * nn.init.kaiming_uniform_(t, a, mode, nonlinearity): uniform on
 * +-sqrt(3) gain / sqrt(fan). A tensor with no elements is left as it is
 * (PyTorch warns and does nothing).
 */
#define ct_init_kaiming_uniform_(...) ct_init_kaiming_uniform_with((ct_init_kaiming_args){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_init_kaiming_uniform_with(ct_init_kaiming_args a);
/** nn.init.kaiming_normal_(t, a, mode, nonlinearity): normal(0, gain / sqrt(fan)). */
#define ct_init_kaiming_normal_(...) ct_init_kaiming_normal_with((ct_init_kaiming_args){.ct__ = 0, __VA_ARGS__})
ct_tensor *ct_init_kaiming_normal_with(ct_init_kaiming_args a);

#ifdef __cplusplus
}
#endif
#endif
