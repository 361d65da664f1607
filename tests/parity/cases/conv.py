"""Parity cases for include/ctorch/conv.h: convolutions, pooling, resizing,
pixel_shuffle and group_norm against PyTorch 1.13, with gradients (grad=True)
and second-order gradients (grad2=True) where the op is twice differentiable."""
import torch
import torch.nn.functional as F

from parity import make

F32, F64 = torch.float32, torch.float64


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv_nd(nd):
    def run(x, w, b, stride, padding, dilation, groups, mode):
        conv = F.conv2d if nd == 2 else F.conv1d
        if mode == "zeros":
            return conv(x, w, b, stride, padding, dilation, groups)
        # nn.Conv2d's _conv_forward: pad with the mode, then a convolution without padding
        k = w.shape[2:]
        dil = [dilation] * nd if isinstance(dilation, int) else list(dilation)
        dil = dil * nd if len(dil) == 1 else dil
        if padding == "same":
            pads = []
            for i in reversed(range(nd)):
                total = dil[i] * (k[i] - 1)
                pads += [total // 2, total - total // 2]
        else:
            p = [padding] * nd if isinstance(padding, int) else list(padding)
            p = p * nd if len(p) == 1 else p
            pads = [v for v in reversed(p) for _ in range(2)]
        return conv(F.pad(x, pads, mode), w, b, stride, 0, dilation, groups)
    return run


def conv_t(x, w, b, stride, padding, output_padding, groups, dilation):
    return F.conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation)


def conv_cases(w):
    c2, c1 = conv_nd(2), conv_nd(1)
    # (x shape, w shape, bias, stride, padding, dilation, groups)
    grid = [
        ((2, 3, 7, 6), (4, 3, 3, 3), True, [1], [1], [1], 1),
        ((1, 3, 7, 6), (4, 3, 3, 3), False, [1], [0], [1], 1),
        ((2, 3, 9, 8), (5, 3, 2, 3), True, [2, 1], [1, 0], [1], 1),
        ((2, 2, 9, 11), (4, 2, 3, 2), True, [2, 3], [2, 1], [2, 1], 1),
        ((2, 4, 7, 7), (6, 2, 3, 3), True, [1], [1], [1], 2),
        ((3, 4, 8, 7), (4, 1, 3, 3), True, [2], [1], [1], 4),     # depthwise
        ((2, 4, 8, 7), (8, 1, 3, 3), False, [1], [2], [2], 4),    # depthwise, multiplier 2
        ((2, 6, 5, 5), (4, 6, 1, 1), True, [1], [0], [1], 1),     # pointwise
        ((2, 3, 5, 5), (4, 3, 5, 5), True, [1], [0], [1], 1),     # kernel = input
        ((3, 7, 7), (4, 3, 3, 3), True, [1], [1], [1], 1),        # unbatched
    ]
    for xs, ws, bias, s, p, d, g in grid:
        x = make(xs, F32)
        if xs[0] == 3 and len(xs) == 3:
            x = make((3, 7, 7), F32)
        wt, b = make(ws, F32), (make((ws[0],)) if bias else None)
        w.add("conv2d", c2, x, wt, b, s, p, d, g, "zeros", grad=True, atol=1e-4, rtol=1e-4)
    # non-contiguous input and weight
    w.add("conv2d", c2, make((2, 3, 6, 6), F32, "t"), make((4, 3, 3, 3), F32, "t"), make((4,)), [1], [1], [1], 1,
          "zeros", grad=True, atol=1e-4, rtol=1e-4)
    w.add("conv2d", c2, make((2, 3, 6, 6), F32, "step"), make((4, 3, 3, 3)), None, [2], [1], [1], 1, "zeros",
          grad=True, atol=1e-4, rtol=1e-4)
    # padding strings and modes
    for ks, d in [((3, 3), [1]), ((2, 4), [1]), ((3, 2), [2, 1])]:
        w.add("conv2d", c2, make((2, 3, 7, 8)), make((4, 3) + ks), make((4,)), [1], "same", d, 1, "zeros",
              grad=True, atol=1e-4, rtol=1e-4)
    w.add("conv2d", c2, make((2, 3, 7, 8)), make((4, 3, 3, 3)), None, [2], "valid", [1], 1, "zeros", grad=True,
          atol=1e-4, rtol=1e-4)
    for mode in ["reflect", "replicate", "circular"]:
        w.add("conv2d", c2, make((2, 3, 7, 8)), make((4, 3, 3, 3)), make((4,)), [1], [1, 2], [1], 1, mode,
              grad=True, atol=1e-4, rtol=1e-4)
        w.add("conv2d", c2, make((1, 2, 6, 5)), make((2, 2, 2, 3)), None, [2], [2, 1], [1], 1,
              mode, grad=True, atol=1e-4, rtol=1e-4)
    w.add("conv2d", c2, make((2, 2, 6, 7)), make((3, 2, 2, 2)), None, [1], "same", [1], 1, "circular",
          grad=True, atol=1e-4, rtol=1e-4)
    # float64, second order
    w.add("conv2d", c2, make((2, 2, 5, 4), F64), make((3, 2, 2, 3), F64), make((3,), F64), [1, 2], [1], [1], 1,
          "zeros", grad2=True)
    w.add("conv2d", c2, make((2, 4, 5, 5), F64), make((4, 2, 3, 3), F64), None, [2], [1], [2, 1], 2, "zeros",
          grad2=True)
    # the Fashion-MNIST CNN's first layer
    w.add("conv2d", c2, make((4, 1, 28, 28)), make((32, 1, 3, 3)), make((32,)), [1], [1], [1], 1, "zeros",
          grad=True, atol=1e-4, rtol=1e-4)
    # 3x3 stride-1 layers with 16+ channels: ctorch runs them on Winograd's algorithm (ct_set_conv_winograd),
    # PyTorch on the direct one; the Fashion-MNIST CNN's second layer among them. Winograd's float32 error
    # scales with the sums' spread, not with each result: values in [-3, 3] make sums of 144-288 products
    # spread ~35-50 (weight gradients: ~50-100), so the absolute tolerance is 1e-3, ~2e-5 of that.
    w.add("conv2d", c2, make((4, 32, 14, 14)), make((64, 32, 3, 3)), make((64,)), [1], [1], [1], 1, "zeros",
          grad=True, atol=1e-3, rtol=1e-4)
    w.add("conv2d", c2, make((2, 16, 9, 7)), make((16, 16, 3, 3)), None, [1], [0], [1], 1, "zeros",
          grad=True, atol=1e-3, rtol=1e-4)
    w.add("conv2d", c2, make((1, 20, 5, 6)), make((24, 20, 3, 3)), make((24,)), [1], "same", [1], 1, "zeros",
          grad=True, atol=1e-3, rtol=1e-4)
    # conv1d
    w.add("conv1d", c1, make((2, 3, 10)), make((4, 3, 3)), make((4,)), [2], [1], [1], 1, "zeros", grad=True,
          atol=1e-4, rtol=1e-4)
    w.add("conv1d", c1, make((3, 10)), make((6, 1, 4)), None, [1], "same", [2], 3, "zeros", grad=True,
          atol=1e-4, rtol=1e-4)
    w.add("conv1d", c1, make((2, 2, 9)), make((2, 2, 3)), make((2,)), [1], [2], [1], 1, "reflect", grad=True,
          atol=1e-4, rtol=1e-4)
    w.add("conv1d", c1, make((2, 2, 9), F64), make((2, 2, 3), F64), make((2,), F64), [2], [1], [1], 1, "zeros",
          grad2=True)
    # conv_transpose2d: (x, w, b, stride, padding, output_padding, groups, dilation)
    tgrid = [
        ((2, 3, 5, 4), (3, 4, 3, 3), True, [1], [0], [0], 1, [1]),
        ((2, 3, 5, 4), (3, 2, 3, 2), True, [2], [1], [1], 1, [1]),
        ((1, 4, 4, 5), (4, 3, 3, 3), False, [2, 3], [1, 0], [1, 2], 2, [1]),
        ((2, 2, 4, 4), (2, 2, 2, 3), True, [1], [1], [1], 1, [2]),
        ((3, 5, 4), (3, 2, 3, 3), True, [2], [0], [0], 1, [1]),
    ]
    for xs, ws, bias, s, p, op, g, d in tgrid:
        w.add("conv_transpose2d", conv_t, make(xs), make(ws), make((ws[1] * g,)) if bias else None, s, p, op, g, d,
              grad=True, atol=1e-4, rtol=1e-4)
    w.add("conv_transpose2d", conv_t, make((2, 2, 3, 4), F64), make((2, 3, 2, 3), F64), make((3,), F64), [2], [1],
          [1], 1, [1], grad2=True)
    # errors
    x, wt = make((2, 3, 5, 5)), make((4, 3, 3, 3))
    w.add("conv2d", c2, make((2, 3)), wt, None, [1], [0], [1], 1, "zeros",
          error="Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [2, 3]")
    w.add("conv2d", c2, make((1, 1, 5, 5)), wt, None, [1], [0], [1], 1, "zeros",
          error="Given groups=1, weight of size [4, 3, 3, 3], expected input[1, 1, 5, 5] to have 3 channels, but got 1 channels instead")
    w.add("conv2d", c2, x, wt, make((3,)), [1], [0], [1], 1, "zeros",
          error="expected bias to be 1-dimensional with 4 elements, but got bias of size [3] instead")
    w.add("conv2d", c2, x, make((4, 3, 6, 6)), None, [1], [0], [1], 1, "zeros",
          error="Calculated padded input size per channel: (5 x 5). Kernel size: (6 x 6). Kernel size can't be greater than actual input size")
    w.add("conv2d", c2, x, wt, None, [1], [-1], [1], 1, "zeros", error="negative padding is not supported")
    w.add("conv2d", c2, x, wt, None, [0], [0], [1], 1, "zeros", error="non-positive stride is not supported")
    w.add("conv2d", c2, x, wt, None, [1], [0], [0], 1, "zeros", error="non-positive dilation is not supported")
    w.add("conv2d", c2, x, wt, None, [1], "foo", [1], 1, "zeros", error="Invalid padding string: 'foo'")
    w.add("conv2d", c2, x, wt, None, [2], "same", [1], 1, "zeros",
          error="padding='same' is not supported for strided convolutions")
    w.add("conv2d", c2, x, wt, None, [1, 1, 1], [0], [1], 1, "zeros",
          error="expected stride to be a single integer value or a list of 2 values to match the convolution dimensions, but got stride=[1, 1, 1]")
    w.add("conv2d", c2, x, make((4, 3, 3, 3), F64), None, [1], [0], [1], 1, "zeros",
          error="Input type (torch.FloatTensor) and weight type (torch.DoubleTensor) should be the same")
    w.add("conv2d", c2, make((2, 3, 5, 5), F64), wt, None, [1], [0], [1], 1, "zeros",
          error="expected scalar type Double but found Float")
    w.add("conv2d", c2, x, make((4, 1, 3, 3)), None, [1], [0], [1], 2, "zeros",
          error="Given groups=2, weight of size [4, 1, 3, 3], expected input[2, 3, 5, 5] to have 2 channels, but got 3 channels instead")
    w.add("conv1d", c1, make((2, 3)), make((4, 3, 3)), None, [1], [0], [1], 1, "zeros",
          error="Given groups=1, weight of size [4, 3, 3], expected input[1, 2, 3] to have 3 channels, but got 2 channels instead")
    w.add("conv_transpose2d", conv_t, x, make((3, 2, 3, 3)), None, [1], [0], [1], 1, [1],
          error="output padding must be smaller than either stride or dilation, but got output_padding_height: 1 output_padding_width: 1 stride_height: 1 stride_width: 1 dilation_height: 1 dilation_width: 1")
    w.add("conv_transpose2d", conv_t, x, make((4, 2, 3, 3)), None, [1], [0], [0], 1, [1],
          error="Given transposed=1, weight of size [4, 2, 3, 3], expected input[2, 3, 5, 5] to have 4 channels, but got 3 channels instead")
    w.add("conv_transpose2d", conv_t, make((2, 3)), make((3, 2, 3, 3)), None, [1], [0], [0], 1, [1],
          error="Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of size: [2, 3]")


def maxpool(x, k, s, p, d, ceil, ret):
    return F.max_pool2d(x, k, s, p, d, ceil_mode=ceil, return_indices=ret)


def avgpool(x, k, s, p, ceil, cip, div):
    return F.avg_pool2d(x, k, s, p, ceil, cip, div)


def unpool(x, idx, k, s, p, osize):
    one = (lambda v: v[0] if isinstance(v, list) and len(v) == 1 else v)  # torch 1.13 wants ints there
    return F.max_unpool2d(x, idx, one(k), one(s), one(p), osize)


def interp(x, size, sh, sw, mode, align):
    sf = None if sh is None else (sh if sw is None else (sh, sw))
    ac = align if mode == "bilinear" else None
    return F.interpolate(x, size=size, scale_factor=sf, mode=mode, align_corners=ac)


def pool_cases(w):
    # max_pool2d(x, kernel, stride|None, padding, dilation, ceil_mode, return_indices)
    grid = [
        ((2, 3, 8, 8), [2], None, [0], [1], False),
        ((1, 2, 7, 9), [3], [2], [1], [1], False),
        ((2, 2, 7, 9), [3, 2], [2, 1], [1, 0], [1], True),
        ((2, 2, 10, 9), [3], [2], [1], [2], False),
        ((2, 2, 10, 9), [2, 3], [3, 2], [1], [2, 1], True),
        ((3, 7, 6), [2], None, [1], [1], True),
    ]
    for xs, k, s, p, d, ceil in grid:
        for ret in (False, True):
            w.add("max_pool2d", maxpool, make(xs), k, s, p, d, ceil, ret, grad=True)
    w.add("max_pool2d", maxpool, make((2, 3, 6, 6), F32, "t"), [2], None, [0], [1], False, False, grad=True)
    w.add("max_pool2d", maxpool, make((2, 2, 5, 5), F64), [2], [1], [1], [1], True, False, grad2=True)
    w.add("max_pool2d", maxpool, make((2, 3, 5, 5)), [3], None, [2], [1], False, False,
          error="pad should be at most half of kernel size, but got pad=2 and kernel_size=3")
    w.add("max_pool2d", maxpool, make((3, 2, 2)), [3], None, [0], [1], False, False,
          error="Given input size: (3x2x2). Calculated output size: (3x0x0). Output size is too small")
    w.add("max_pool2d", maxpool, make((2, 3)), [3], None, [0], [1], False, False,
          error="non-empty 3D or 4D (batch mode) tensor expected for input")
    w.add("max_pool2d", maxpool, make((2, 3, 5, 5)), [2], [0], [0], [1], False, False, error="stride should not be zero")
    w.add("max_pool2d", maxpool, make((2, 3, 5, 5)), [2], None, [0], [0], False, False,
          error="dilation should be greater than zero, but got dilationH: 0 dilationW: 0")
    w.add("max_pool2d", maxpool, make((2, 3, 5, 5), torch.int64), [2], None, [0], [1], False, False,
          error="\"max_pool2d\" not implemented for 'Long'")
    # avg_pool2d(x, kernel, stride|None, padding, ceil_mode, count_include_pad, divisor_override|None)
    agrid = [
        ((2, 3, 8, 8), [2], None, [0], False, True, None),
        ((1, 2, 7, 9), [3], [2], [1], False, True, None),
        ((1, 2, 7, 9), [3], [2], [1], False, False, None),
        ((2, 2, 7, 9), [3, 2], [2, 1], [1, 0], True, True, None),
        ((2, 2, 7, 9), [3, 2], [2, 1], [1, 0], True, False, None),
        ((2, 2, 6, 7), [3], [2], [1], True, True, 5),
        ((3, 7, 6), [2], None, [1], True, False, 3),
    ]
    for xs, k, s, p, ceil, cip, div in agrid:
        w.add("avg_pool2d", avgpool, make(xs), k, s, p, ceil, cip, div, grad=True)
    w.add("avg_pool2d", avgpool, make((2, 3, 6, 6), F32, "step"), [2], None, [0], False, True, None, grad=True)
    w.add("avg_pool2d", avgpool, make((2, 2, 5, 5), F64), [3], [2], [1], True, False, None, grad2=True)
    w.add("avg_pool2d", avgpool, make((2, 3, 5, 5)), [3], None, [2], False, True, None,
          error="pad should be at most half of kernel size, but got pad=2 and kernel_size=3")
    w.add("avg_pool2d", avgpool, make((3, 2, 2)), [3], None, [0], False, True, None,
          error="Output size is too small")
    # adaptive pooling
    for xs, o in [((2, 3, 7, 9), [3, 4]), ((2, 3, 8, 8), [1]), ((3, 5, 5), [5, 2]), ((1, 2, 6, 5), [4, -1])]:
        osz = [None if v == -1 else v for v in o]
        fa = (lambda x, _o: F.adaptive_avg_pool2d(x, [None if v == -1 else v for v in (_o * 2 if len(_o) == 1 else _o)]))
        fm = (lambda x, _o: F.adaptive_max_pool2d(x, [None if v == -1 else v for v in (_o * 2 if len(_o) == 1 else _o)], return_indices=True))
        del osz
        w.add("adaptive_avg_pool2d", fa, make(xs), o, grad=True)
        w.add("adaptive_max_pool2d", fm, make(xs), o, grad=True)
    w.add("adaptive_avg_pool2d", lambda x, o: F.adaptive_avg_pool2d(x, o), make((2, 2, 5, 4), F64), [3, 2], grad2=True)
    w.add("adaptive_avg_pool2d", lambda x, o: F.adaptive_avg_pool2d(x, o), make((2, 3)), [3, 3],
          error="adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [2, 3]")
    w.add("adaptive_max_pool2d", lambda x, o: F.adaptive_max_pool2d(x, o, True), make((2, 3, 0, 4)), [3, 3],
          error="adaptive_max_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes [2, 3, 0, 4] with dimension 2 being empty")
    # max_unpool2d(x, indices, kernel, stride|None, padding, output_size|None)
    for xs, k, s, p, osz in [((2, 3, 8, 8), [2], None, [0], None), ((1, 2, 7, 9), [3], [2], [1], [8, 10]),
                             ((3, 6, 6), [2], None, [0], [7, 7])]:
        y, idx = F.max_pool2d(make(xs), k, s, p, return_indices=True)
        w.add("max_unpool2d", unpool, y.detach(), idx, k, s, p, osz, grad=True)
    w.add("max_unpool2d", unpool, make((2, 3, 5, 5)), torch.full((2, 3, 5, 5), 200, dtype=torch.int64), [2], None,
          [0], None, error="Found an invalid max index: 200 (output volumes are of size 10x10")
    w.add("max_unpool2d", unpool, make((2, 3, 5, 5)), torch.zeros((2, 3, 5, 4), dtype=torch.int64), [2], None, [0],
          None, error="Expected shape of indices to be same as that of the input tensor ([2, 3, 5, 5]) but got indices tensor with shape: [2, 3, 5, 4]")


def resize_cases(w):
    # interpolate(x, size|None, sh|None, sw|None, mode, align_corners)
    for mode in ["nearest", "bilinear"]:
        for align in ([False, True] if mode == "bilinear" else [False]):
            w.add("interpolate", interp, make((2, 3, 5, 7)), [8, 9], None, None, mode, align, grad=True)
            w.add("interpolate", interp, make((2, 3, 5, 7)), [3, 4], None, None, mode, align, grad=True)
            w.add("interpolate", interp, make((1, 2, 4, 5)), None, 2.0, None, mode, align, grad=True)
            w.add("interpolate", interp, make((1, 2, 4, 5)), None, 1.7, 0.6, mode, align, grad=True)
            w.add("interpolate", interp, make((1, 2, 6, 5)), [1, 1], None, None, mode, align, grad=True)
    w.add("interpolate", interp, make((2, 3, 7)), [11], None, None, "nearest", False, grad=True)
    w.add("interpolate", interp, make((2, 3, 7)), None, 2.5, None, "nearest", False, grad=True)
    w.add("interpolate", interp, make((1, 2, 4, 5), F64), None, 1.5, None, "bilinear", True, grad2=True)
    w.add("interpolate", interp, make((1, 2, 4, 5), F64), [7, 3], None, None, "bilinear", False, grad2=True)
    w.add("interpolate", interp, make((1, 2, 4, 5), F64), [7, 3], None, None, "nearest", False, grad2=True)
    w.add("interpolate", interp, make((2, 3, 5, 5)), [3, 4], 2.0, None, "nearest", False,
          error="only one of size or scale_factor should be defined")
    w.add("interpolate", interp, make((2, 3, 5, 5)), None, None, None, "nearest", False,
          error="either size or scale_factor should be defined")
    w.add("interpolate", interp, make((2, 3, 4)), [3], None, None, "bilinear", False,
          error="Got 3D input, but bilinear mode needs 4D input")
    # pixel_shuffle
    w.add("pixel_shuffle", F.pixel_shuffle, make((2, 8, 3, 4)), 2, grad=True)
    w.add("pixel_shuffle", F.pixel_shuffle, make((9, 2, 3)), 3, grad=True)
    w.add("pixel_shuffle", F.pixel_shuffle, make((2, 1, 8, 3, 4)), 2, grad=True)
    w.add("pixel_shuffle", F.pixel_shuffle, make((2, 3, 5, 5)), 2,
          error="pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, but input.size(-3)=3 is not divisible by 4")
    # group_norm(x, groups, weight, bias, eps)
    w.add("group_norm", F.group_norm, make((2, 6, 4, 3)), 3, make((6,)), make((6,)), 1e-5, grad=True, atol=1e-5, rtol=1e-4)
    w.add("group_norm", F.group_norm, make((3, 4, 5)), 4, None, None, 1e-3, grad=True, atol=1e-5, rtol=1e-4)
    w.add("group_norm", F.group_norm, make((2, 6, 4), F64), 2, make((6,), F64), make((6,), F64), 1e-5, grad2=True)
    w.add("group_norm", F.group_norm, make((2, 6, 4)), 4, None, None, 1e-5,
          error="Expected number of channels in input to be divisible by num_groups, but got input of shape [2, 6, 4] and num_groups=4")


def cases(w):
    conv_cases(w)
    pool_cases(w)
    resize_cases(w)
