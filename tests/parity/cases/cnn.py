"""Parity cases for the CNN modules (include/ctorch/cnn_layers.h): the torch
side builds the nn.Module with the case's options and runs it with the
case's weights (torch.nn.utils.stateless.functional_call, so gradients reach
them); tests/parity/ops_cnn.c builds the ctorch module and makes the same
tensors its parameters. grad=True compares the gradients of the output with
respect to the input and every weight. The functional ops' own option grid is
in cases/conv.py; these cases check the modules pass their options through.
"""
import torch
import torch.nn as nn
from torch.nn.utils.stateless import functional_call

from parity import make

F32, F64 = torch.float32, torch.float64
TOL = {"atol": 2e-5, "rtol": 1e-4}


def run(module, params, *inputs):
    return functional_call(module, {k: v for k, v in params.items() if v is not None}, inputs)


def conv(nd):
    def fn(x, w, b, stride, padding, dilation, groups, padding_mode):
        cin = w.shape[1] * groups
        cls = nn.Conv1d if nd == 1 else nn.Conv2d
        m = cls(cin, w.shape[0], tuple(w.shape[2:]), stride=stride, padding=padding, dilation=dilation,
                groups=groups, bias=b is not None, padding_mode=padding_mode).to(w.dtype)
        return run(m, {"weight": w, "bias": b}, x)
    return fn


def conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation):
    m = nn.ConvTranspose2d(w.shape[0], w.shape[1] * groups, tuple(w.shape[2:]), stride=stride, padding=padding,
                           output_padding=output_padding, groups=groups, bias=b is not None,
                           dilation=dilation).to(w.dtype)
    return run(m, {"weight": w, "bias": b}, x)


def max_pool2d(x, kernel, stride, padding, dilation, ceil_mode, return_indices):
    return nn.MaxPool2d(kernel, stride, padding, dilation, return_indices, ceil_mode)(x)


def avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    return nn.AvgPool2d(kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)(x)


def unpool(x, kernel, stride, padding, output_size):
    """MaxUnpool2d of a MaxPool2d's output (indices from torch)."""
    y, idx = nn.MaxPool2d(kernel, stride, padding, return_indices=True)(x)
    return nn.MaxUnpool2d(kernel, stride, padding)(y, idx, output_size)


def upsample(x, size, scale, scale_w, mode, align_corners):
    sf = None if scale is None else (scale if scale_w is None else (scale, scale_w))
    m = nn.Upsample(size=size, scale_factor=sf, mode=mode, align_corners=align_corners if mode == "bilinear" else None)
    return m(x)


def group_norm(x, groups, w, b, eps):
    m = nn.GroupNorm(groups, x.shape[1], eps=eps, affine=w is not None).to(x.dtype)
    return run(m, {"weight": w, "bias": b}, x)


def cases(w):
    c2, c1 = conv(2), conv(1)
    # ---------------------------------------------------------------- Conv2d
    grid = [
        # x shape, w shape, bias, stride, padding, dilation, groups, padding_mode
        ((2, 3, 7, 6), (4, 3, 3, 3), True, (1, 1), (1, 1), (1, 1), 1, "zeros"),
        ((1, 4, 9, 8), (6, 2, 3, 2), False, (2, 1), (1, 0), (1, 2), 2, "zeros"),
        ((3, 4, 6, 7), (4, 1, 3, 3), True, (1, 1), "same", (2, 1), 4, "zeros"),   # depthwise, same
        ((2, 2, 5, 5), (3, 2, 2, 3), True, (1, 1), "valid", (1, 1), 1, "zeros"),
        ((2, 3, 6, 5), (2, 3, 3, 3), True, (1, 2), (1, 2), (1, 1), 1, "reflect"),
        ((1, 2, 5, 6), (4, 2, 3, 2), True, (1, 1), (2, 1), (1, 1), 1, "replicate"),
        ((2, 2, 5, 5), (2, 1, 3, 3), False, (2, 2), (1, 1), (1, 1), 2, "circular"),
        ((3, 6, 6), (3, 3, 2, 2), True, (1, 1), (0, 0), (1, 1), 1, "zeros"),      # unbatched
    ]
    for xs, ws, bias, st, pad, dil, g, mode in grid:
        w.add("nn_conv2d", c2, make(xs), make(ws, low=-0.5, high=0.5), make((ws[0],)) if bias else None,
              st, pad, dil, g, mode, grad=True, **TOL)
    w.add("nn_conv2d", c2, make((2, 3, 5, 5), F64), make((4, 3, 3, 3), F64), make((4,), F64), (1, 1), (1, 1),
          (1, 1), 1, "zeros", grad=True)
    w.add("nn_conv2d", c2, make((2, 3, 5, 5), F32, "t"), make((4, 3, 3, 3), F32, "t"), make((4,)), (1, 1), (1, 1),
          (1, 1), 1, "zeros", grad=True, **TOL)
    w.add("nn_conv2d", c2, make((1, 2, 5, 5)), make((4, 3, 3, 3)), None, (1, 1), (0, 0), (1, 1), 1, "zeros",
          error="to have 3 channels, but got 2 channels instead")

    # ---------------------------------------------------------------- Conv1d
    w.add("nn_conv1d", c1, make((2, 3, 9)), make((4, 3, 3), low=-0.5, high=0.5), make((4,)), (2,), (1,), (1,), 1,
          "zeros", grad=True, **TOL)
    w.add("nn_conv1d", c1, make((1, 4, 8)), make((4, 2, 2), low=-0.5, high=0.5), None, (1,), "same", (3,), 2,
          "zeros", grad=True, **TOL)
    w.add("nn_conv1d", c1, make((2, 2, 7), F64), make((3, 2, 3), F64), make((3,), F64), (1,), (2,), (1,), 1,
          "reflect", grad=True)

    # ------------------------------------------------------- ConvTranspose2d
    w.add("nn_conv_transpose2d", conv_transpose2d, make((2, 4, 4, 3)), make((4, 3, 3, 3), low=-0.5, high=0.5),
          make((3,)), (2, 2), (1, 1), (1, 1), 1, (1, 1), grad=True, **TOL)
    w.add("nn_conv_transpose2d", conv_transpose2d, make((1, 4, 3, 5)), make((4, 2, 2, 3), low=-0.5, high=0.5),
          None, (1, 2), (0, 1), (0, 1), 2, (2, 1), grad=True, **TOL)
    w.add("nn_conv_transpose2d", conv_transpose2d, make((2, 2, 3, 3), F64), make((2, 3, 3, 3), F64),
          make((3,), F64), (2, 2), (0, 0), (0, 0), 1, (1, 1), grad=True)

    # -------------------------------------------------------------- pooling
    for args in [((2, 2), None, (0, 0), (1, 1), False, False), ((3, 2), (2, 1), (1, 1), (1, 1), True, True),
                 ((3, 3), (2, 2), (1, 1), (2, 2), True, False), ((2, 2), None, (0, 0), (1, 1), False, True)]:
        w.add("nn_max_pool2d", max_pool2d, make((2, 3, 7, 6)), *args, grad=True)
    w.add("nn_max_pool2d", max_pool2d, make((3, 5, 5), F64), (2, 2), (1, 1), (0, 0), (1, 1), False, False, grad=True)
    for args in [((2, 2), None, (0, 0), False, True, None), ((3, 3), (2, 2), (1, 1), True, False, None),
                 ((3, 2), (2, 1), (1, 0), True, True, 5), ((2, 2), (1, 1), (1, 1), False, True, None)]:
        w.add("nn_avg_pool2d", avg_pool2d, make((2, 3, 7, 6)), *args, grad=True)
    w.add("nn_avg_pool2d", avg_pool2d, make((2, 2, 5, 5), F64), (3, 3), (2, 2), (1, 1), True, False, None, grad=True)
    for out in [(3, 2), (1, 1), (5, 7), (-1, 2)]:
        size = tuple(None if v == -1 else v for v in out)
        w.add("nn_adaptive_avg_pool2d", lambda x, o, s=size: nn.AdaptiveAvgPool2d(s)(x), make((2, 3, 7, 6)), out,
              grad=True)
        w.add("nn_adaptive_max_pool2d", lambda x, o, s=size: nn.AdaptiveMaxPool2d(s, return_indices=True)(x),
              make((2, 3, 7, 6)), out, grad=True)
    w.add("nn_max_unpool2d", unpool, make((2, 3, 6, 6)), (2, 2), None, (0, 0), None, grad=True)
    w.add("nn_max_unpool2d", unpool, make((1, 2, 7, 7)), (3, 3), (2, 2), (1, 1), (7, 7), grad=True)

    # ---------------------------------------------- Upsample, PixelShuffle
    x = make((2, 3, 4, 5))
    w.add("nn_upsample", upsample, x, None, 2.0, None, "nearest", False, grad=True)
    w.add("nn_upsample", upsample, x, (7, 3), None, None, "nearest", False, grad=True)
    w.add("nn_upsample", upsample, x, None, 2.0, 1.5, "bilinear", False, grad=True, **TOL)
    w.add("nn_upsample", upsample, x, (6, 9), None, None, "bilinear", True, grad=True, **TOL)
    w.add("nn_upsample", upsample, make((1, 2, 3, 3), F64), (5, 4), None, None, "bilinear", False, grad=True)
    w.add("nn_pixel_shuffle", lambda x, r: nn.PixelShuffle(r)(x), make((2, 8, 3, 2)), 2, grad=True)
    w.add("nn_pixel_shuffle", lambda x, r: nn.PixelShuffle(r)(x), make((9, 2, 2)), 3, grad=True)
    w.add("nn_pixel_shuffle", lambda x, r: nn.PixelShuffle(r)(x), make((1, 3, 2, 2)), 2,
          error="pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                "upscale_factor, but input.size(-3)=3 is not divisible by 4")

    # ------------------------------------------------------------- GroupNorm
    w.add("nn_group_norm", group_norm, make((2, 6, 4, 3)), 3, make((6,)), make((6,)), 1e-5, grad=True, **TOL)
    w.add("nn_group_norm", group_norm, make((3, 4, 5)), 2, None, None, 1e-3, grad=True, **TOL)
    w.add("nn_group_norm", group_norm, make((2, 4, 3, 3), F64), 4, make((4,), F64), make((4,), F64), 1e-5,
          grad=True)
