"""Gradient parity cases for the elementwise ops (include/ctorch/pointwise.h):
unary functions and their in-place forms, clamp, nan_to_num, where, lerp,
clamp with tensor bounds, maximum and minimum; first and second order, in
float32 and float64, on random, non-contiguous, broadcast and kink inputs."""
import torch

from parity import make

F32, F64 = torch.float32, torch.float64

# name -> (torch function, low, high, signed): random inputs in [low, high),
# negated at random when signed (keeps them away from a kink or pole at 0).
UNARY = {
    "neg": (torch.neg, -2, 2, False),
    "abs": (torch.abs, 0.2, 2, True),
    "sign": (torch.sign, 0.2, 2, True),
    "sqrt": (torch.sqrt, 0.5, 2, False),
    "rsqrt": (torch.rsqrt, 0.5, 2, False),
    "exp": (torch.exp, -2, 2, False),
    "exp2": (torch.exp2, -2, 2, False),
    "log": (torch.log, 0.5, 2, False),
    "log2": (torch.log2, 0.5, 2, False),
    "log10": (torch.log10, 0.5, 2, False),
    "log1p": (torch.log1p, -0.5, 2, False),
    "expm1": (torch.expm1, -2, 2, False),
    "sin": (torch.sin, -3, 3, False),
    "cos": (torch.cos, -3, 3, False),
    "tan": (torch.tan, -1, 1, False),
    "tanh": (torch.tanh, -2, 2, False),
    "sigmoid": (torch.sigmoid, -3, 3, False),
    "relu": (torch.relu, 0.2, 2, True),
    "floor": (torch.floor, -2, 2, False),
    "ceil": (torch.ceil, -2, 2, False),
    "trunc": (torch.trunc, -2, 2, False),
    "frac": (torch.frac, -2, 2, False),
    "round": (torch.round, -2, 2, False),
    "reciprocal": (torch.reciprocal, 0.5, 2, True),
    "square": (torch.square, -2, 2, False),
    "nan_to_num": (torch.nan_to_num, -2, 2, False),
}


def rand(shape, dt, low, high, signed, layout="contig"):
    x = make(shape, dt, low=low, high=high)
    if signed:
        x = x * ((torch.rand(x.shape) < 0.5).to(dt) * 2 - 1)
    return make_like(x, layout)


def make_like(values, layout):
    """values (contiguous) laid out as `layout` (same shape and elements)."""
    if layout == "t":
        return values.transpose(-1, -2).contiguous().transpose(-1, -2)
    if layout == "step":
        base = torch.empty((values.shape[0] * 2,) + tuple(values.shape[1:]), dtype=values.dtype)
        base[::2] = values
        return base[::2]
    return values


def tols(dt, second=False):
    """Gradient tolerances: float32 second-order formulas round differently."""
    if dt == F32:
        return dict(gatol=1e-5, grtol=1e-4) if second else dict(gatol=2e-6, grtol=2e-5)
    return dict(gatol=1e-12, grtol=1e-10)


def unary_cases(w):
    for name, (fn, low, high, signed) in UNARY.items():
        for dt in (F32, F64):
            for layout in ("contig", "t", "step"):
                x = rand((3, 4), dt, low, high, signed, layout)
                w.add(name, fn, x, grad2=True, **tols(dt, True))
            # in place, on a non-leaf copy (the adapter clones too)
            x = rand((2, 5), dt, low, high, signed)
            w.add(name + "_", lambda t, f=name: getattr(t.clone(), f + "_")(), x,
                  grad2=True, **tols(dt, True))
        w.add(name, fn, rand((), F64, low, high, signed), grad2=True, **tols(F64))


def kink_cases(w):
    """PyTorch's conventions at non-differentiable points."""
    for dt in (F32, F64):
        x = torch.tensor([-1.5, -1.0, -0.5, 0.0, 0.0, 0.5, 1.0, 1.5], dtype=dt)
        for name in ("relu", "abs", "sign", "floor", "ceil", "trunc", "round", "frac"):
            w.add(name, UNARY[name][0], x, grad2=True)
            w.add(name + "_", lambda t, f=name: getattr(t.clone(), f + "_")(), x, grad2=True)
        w.add("clamp", torch.clamp, x, -1.0, 1.0, grad2=True)
        w.add("clamp", torch.clamp, x, -1, None, grad2=True)
        w.add("clamp", torch.clamp, x, None, 0.5, grad2=True)
        w.add("clamp", torch.clamp, x, 1.0, -1.0, grad2=True)  # min > max: max everywhere
        w.add("clamp_min", torch.clamp_min, x, 0.0, grad2=True)
        w.add("clamp_max", torch.clamp_max, x, 0.0, grad2=True)
        w.add("clamp_", lambda t, lo, hi: t.clone().clamp_(lo, hi), x, -0.5, 0.5, grad2=True)
        w.add("clamp_min_", lambda t, lo: t.clone().clamp_min_(lo), x, 0.0, grad2=True)
        w.add("clamp_max_", lambda t, hi: t.clone().clamp_max_(hi), x, 0.0, grad2=True)
        sp = torch.tensor([1.0, float("nan"), float("inf"), -float("inf"), -2.0], dtype=dt)
        w.add("nan_to_num", torch.nan_to_num, sp, grad2=True)
        w.add("nan_to_num_opt", lambda t, n, p, m: torch.nan_to_num(t, n, p, m), sp, 1.5, 100.0, None,
              grad2=True)
        w.add("nan_to_num_", lambda t: t.clone().nan_to_num_(), sp, grad2=True)
        w.add("relu", torch.relu, torch.tensor([float("nan"), -1.0, 0.0, 2.0], dtype=dt), grad=True)
        w.add("sqrt", torch.sqrt, torch.tensor([0.0, 4.0], dtype=dt), grad=True)


def clamp_cases(w):
    for dt in (F32, F64):
        t2 = tols(dt, True)
        for layout in ("contig", "t", "step"):
            x = make((3, 4), dt, layout)
            w.add("clamp", torch.clamp, x, -1.0, 1.0, grad2=True, **t2)
            w.add("clamp_min", torch.clamp_min, x, 0.5, grad2=True, **t2)
            w.add("clamp_max", torch.clamp_max, x, -0.5, grad2=True, **t2)
            lo = make((4,), dt, low=-1.5, high=-0.1)
            hi = make((3, 1), dt, low=0.1, high=1.5)
            w.add("clamp", torch.clamp, x, lo, hi, grad2=True, **t2)
            w.add("clamp", torch.clamp, x, lo, None, grad2=True, **t2)
            w.add("clamp", torch.clamp, x, None, hi, grad2=True, **t2)
            w.add("clamp_", lambda t, a, b: t.clone().clamp_(a, b), x, lo, hi, grad2=True, **t2)
        # bounds crossing each other and touching the input
        x = torch.tensor([-2.0, -1.0, 0.0, 1.0, 3.0, 0.5], dtype=dt)
        lo = torch.tensor([-1.0, -1.0, -1.0, -1.0, -1.0, 1.0], dtype=dt)
        hi = torch.tensor([1.0, 1.0, 1.0, 1.0, 1.0, 0.0], dtype=dt)
        w.add("clamp", torch.clamp, x, lo, hi, grad2=True)
        w.add("clamp", torch.clamp, x, lo, None, grad2=True)
        w.add("clamp", torch.clamp, x, None, hi, grad2=True)
    # mixed dtypes: the result is float64, each gradient comes back in its input's dtype
    w.add("clamp", torch.clamp, make((3, 4), F32), make((4,), F64, low=-1, high=0),
          make((3, 1), F32, low=0, high=1), grad=True)


def where_cases(w):
    for dt in (F32, F64):
        t2 = tols(dt, True)
        for layout in ("contig", "t", "step"):
            c = make((3, 4), torch.bool)
            w.add("where", torch.where, c, make((3, 4), dt, layout), make((3, 4), dt), grad2=True, **t2)
        c = make((3, 1), torch.bool)
        w.add("where", torch.where, c, make((3, 4), dt), make((4,), dt), grad2=True, **t2)
        w.add("where", torch.where, make((2, 3, 4), torch.bool), make((3, 1), dt), make((1, 4), dt),
              grad2=True, **t2)
        w.add("where", torch.where, c, make((3, 4), dt), 0.5, grad2=True, **t2)
        w.add("where", torch.where, c, -2.0, make((3, 4), dt), grad2=True, **t2)
    # uint8 condition and mixed dtypes
    w.add("where", torch.where, make((3, 4), torch.uint8), make((3, 4), F32), make((3, 4), F64),
          grad=True)
    w.add("where", torch.where, make((3, 4), torch.bool), make((3, 4), F64), make((3, 4), torch.int64),
          grad=True)


def lerp_cases(w):
    for dt in (F32, F64):
        t2 = tols(dt, True)
        for layout in ("contig", "t", "step"):
            s = make((3, 4), dt, layout)
            w.add("lerp", torch.lerp, s, make((3, 4), dt), make((3, 4), dt, low=-0.5, high=1.5),
                  grad2=True, **t2)
            w.add("lerp", torch.lerp, s, make((4,), dt), 0.3, grad2=True, **t2)
            w.add("lerp", torch.lerp, s, make((4,), dt), 0.8, grad2=True, **t2)
        w.add("lerp", torch.lerp, make((3, 4), dt), make((4,), dt), make((3, 1), dt, low=0, high=1),
              grad2=True, **t2)
        w.add("lerp", torch.lerp, make((3, 1), dt), make((1, 4), dt), make((), dt), grad2=True, **t2)
        w.add("lerp_", lambda a, b, c: a.clone().lerp_(b, c), make((3, 4), dt), make((4,), dt),
              make((3, 1), dt, low=0, high=1), grad2=True, **t2)
        w.add("lerp_", lambda a, b, c: a.clone().lerp_(b, c), make((3, 4), dt), make((4,), dt), 0.6,
              grad2=True, **t2)


def max_min_cases(w):
    for dt in (F32, F64):
        t2 = tols(dt, True)
        for name, fn in (("maximum", torch.maximum), ("minimum", torch.minimum)):
            for la, lb in (("contig", "contig"), ("t", "step"), ("step", "expand")):
                w.add(name, fn, make((3, 4), dt, la), make((3, 4), dt, lb), grad2=True, **t2)
            w.add(name, fn, make((2, 3, 4), dt), make((4,), dt), grad2=True, **t2)
            # ties split the gradient; NaN passes it to both
            a = torch.tensor([1.0, 2.0, 3.0, float("nan"), 1.0, -0.0], dtype=dt)
            b = torch.tensor([1.0, 3.0, 2.0, 1.0, float("nan"), 0.0], dtype=dt)
            w.add(name, fn, a, b, grad2=True)
            x = make((3, 4), dt).mul(2).round().div(2)  # a coarse grid: many ties
            w.add(name, fn, x, make((3, 4), dt).mul(2).round().div(2), grad2=True)
            w.add(name, fn, x, x, grad2=True)
    w.add("maximum", torch.maximum, make((3, 4), F32), make((3, 4), F64), grad=True)


def cases(w):
    unary_cases(w)
    kink_cases(w)
    clamp_cases(w)
    where_cases(w)
    lerp_cases(w)
    max_min_cases(w)
    # larger inputs, for the parallel kernels
    w.add("sigmoid", torch.sigmoid, make((300, 257)), grad=True)
    w.add("relu_", lambda t: t.clone().relu_(), make((300, 257), layout="t"), grad=True)
