"""Parity cases for arithmetic (include/ctorch/pointwise.h)."""
import torch

from parity import LAYOUTS, make

F32, F64, I32, I64, U8, B = (torch.float32, torch.float64, torch.int32, torch.int64,
                             torch.uint8, torch.bool)
ALL = [F32, F64, I32, I64, U8, B]


def cases(w):
    ops = {
        "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
        "remainder": torch.remainder, "fmod": torch.fmod, "maximum": torch.maximum,
        "minimum": torch.minimum,
    }
    # Every layout against every layout, same shape, float32.
    for name, fn in ops.items():
        for la in LAYOUTS:
            for lb in ["contig", "t", "expand"]:
                a, b = make((4, 5), F32, la), make((4, 5), F32, lb)
                if name in ("remainder", "fmod", "div"):
                    b = b.abs() + 0.5
                w.add(name, fn, a, b)
    # Broadcasting, 0-d and empty.
    for name, fn in ops.items():
        w.add(name, fn, make((3, 1, 4)), make((5, 1)).abs() + 0.5)
        w.add(name, fn, make((2, 3)), make(()).abs() + 0.5)
        w.add(name, fn, make(()), make(()).abs() + 0.5)
        w.add(name, fn, make((0, 3)), make((3,)).abs() + 0.5)
        w.add(name, fn, make((2, 3)), make((4,)), error="must match the size of tensor b")
    # Promotion across every dtype pair.
    for da in ALL:
        for db in ALL:
            a, b = make((3, 4), da), make((3, 4), db)
            w.add("add", torch.add, a, b)
            w.add("mul", torch.mul, a, b)
            if da == B and db == B:
                w.add("sub", torch.sub, a, b, error="with two bool tensors is not supported")
            elif da == B or db == B:
                w.add("sub", torch.sub, a, b, error="with a bool tensor is not supported")
            else:
                w.add("sub", torch.sub, a, b)
            w.add("maximum", torch.maximum, a, b)
            bd = b if db == B else (b.abs() + 1 if db != U8 else b + 1)
            w.add("div", torch.div, a, bd)
    # 0-d tensors only lift the category.
    w.add("add", torch.add, make((3,), I32), torch.tensor(5, dtype=I64))
    w.add("add", torch.add, make((3,), I32), torch.tensor(2.5, dtype=F64))
    w.add("add", torch.add, make((3,), F32), torch.tensor(2.5, dtype=F64))
    w.add("mul", torch.mul, make((3,), U8), torch.tensor(3, dtype=I64))
    w.add("sub", torch.sub, make((3,), B), make((3,), B), error="with two bool tensors is not supported")
    # Integer division semantics.
    for mode in ["trunc", "floor"]:
        for dt in [F32, F64, I32, I64]:
            a = make((6, 7), dt, low=-20, high=20)
            b = make((6, 7), dt, low=-5, high=5)
            b = torch.where(b == 0, torch.ones_like(b), b)
            w.add("div_mode", lambda x, y, m: torch.div(x, y, rounding_mode=m), a, b, mode)
    for dt in [I32, I64]:
        a = make((6, 7), dt, low=-20, high=20)
        b = make((6, 7), dt, low=-5, high=5)
        b = torch.where(b == 0, torch.full_like(b, 3), b)
        w.add("remainder", torch.remainder, a, b)
        w.add("fmod", torch.fmod, a, b)
    w.add("div_mode", lambda x, y, m: torch.div(x, y, rounding_mode=m),
          torch.tensor([1, 2]), torch.tensor([1, 0]), "trunc", error="ZeroDivisionError")
    # Float specials.
    sp = torch.tensor([0.0, -0.0, float("inf"), -float("inf"), float("nan"), 1.5, -2.5])
    w.add("div", torch.div, sp, sp.flip(0))
    w.add("remainder", torch.remainder, sp, sp.flip(0))
    w.add("maximum", torch.maximum, sp, sp.flip(0))
    w.add("minimum", torch.minimum, sp, sp.flip(0))
    w.add("div_mode", lambda x, y, m: torch.div(x, y, rounding_mode=m), sp, sp.flip(0), "floor")
    # pow
    for dt in [F32, F64]:
        a = make((5, 4), dt).abs() + 0.1
        w.add("pow", torch.pow, a, make((5, 4), dt), rtol=1e-5 if dt == F32 else 1e-12)
    ia = make((5, 4), I64, low=-4, high=4)
    w.add("pow", torch.pow, ia, make((5, 4), I64, low=0, high=5))
    w.add("pow", torch.pow, ia, make((5, 4), I64, low=-3, high=3))
    # alpha
    w.add("add_alpha", lambda a, b, al: torch.add(a, b, alpha=al), make((3, 4)), make((4,)), 2.5)
    w.add("add_alpha", lambda a, b, al: torch.add(a, b, alpha=al), make((3, 4), I64), make((4,), I64), 3)
    w.add("add_alpha", lambda a, b, al: torch.add(a, b, alpha=al), make((3, 4), I64), make((4,), I64), 2.5,
          error="alpha must not be a floating point number")
    w.add("sub_alpha", lambda a, b, al: torch.sub(a, b, alpha=al), make((3, 4)), make((3, 4), layout="t"), -1.5)
    # Python scalars: int vs float vs bool decide the dtype like Python numbers.
    for dt in ALL:
        x = make((3, 4), dt)
        for s in [2, 2.5, True, -3]:
            w.add("add_scalar", torch.add, x, s)
            w.add("mul_scalar", torch.mul, x, s)
            if dt != B and not isinstance(s, bool):
                w.add("sub_scalar", torch.sub, x, s)
                w.add("rsub_scalar", lambda t, v: v - t, x, s)
            else:
                w.add("sub_scalar", torch.sub, x, s, error="bool tensor")
                w.add("rsub_scalar", lambda t, v: v - t, x, s, error="bool tensor")
        w.add("div_scalar", torch.div, x, 4)
        w.add("div_scalar", torch.div, x, 0.5)
    w.add("pow_scalar", torch.pow, make((4,), F32).abs(), 2)
    w.add("pow_scalar", torch.pow, make((4,), F32).abs(), 0.5)
    w.add("pow_scalar", torch.pow, make((4,), I64), 3)
    w.add("pow_scalar", torch.pow, make((4,), I64), 0.5)
    w.add("pow_scalar", torch.pow, make((4,), I64), -2, error="Integers to negative integer powers are not allowed")
    w.add("rpow_scalar", lambda t, v: torch.pow(v, t), make((4,), F32), 2)
    w.add("rpow_scalar", lambda t, v: torch.pow(v, t), make((4,), I64, low=0, high=5), 2)
    w.add("remainder_scalar", torch.remainder, make((5,), F32), 1.5)
    w.add("remainder_scalar", torch.remainder, make((5,), I64), 3)
    w.add("fmod_scalar", torch.fmod, make((5,), F32), -1.5)
    # In place.
    w.add("add_", lambda a, b: a.clone().add_(b), make((3, 4)), make((4,)))
    w.add("add_", lambda a, b: a.clone().add_(b), make((3, 4), layout="t"), make((3, 4), F64))
    w.add("add_", lambda a, b: a.clone().add_(b), make((4,)), make((3, 4)), error="doesn't match the broadcast shape")
    w.add("add_", lambda a, b: a.clone().add_(b), make((4,), I64), make((4,)), error="can't be cast to the desired output type")
    w.add("mul_", lambda a, b: a.clone().mul_(b), make((3, 4), I32), make((3, 4), I64))
    w.add("div_", lambda a, b: a.clone().div_(b), make((3, 4)), make((3, 4)).abs() + 1)
    w.add("div_", lambda a, b: a.clone().div_(b), make((3, 4), I64), make((3, 4), I64).abs() + 1,
          error="can't be cast to the desired output type")
    w.add("add_scalar_", lambda a, s: a.clone().add_(s), make((3, 4), I64), 2)
    w.add("add_scalar_", lambda a, s: a.clone().add_(s), make((3, 4), I64), 2.5, error="can't be cast")
    w.add("mul_scalar_", lambda a, s: a.clone().mul_(s), make((3, 4)), 2.5)
    grad_cases(w)
    # Large, for the parallel path.
    w.add("add", torch.add, make((300, 257)), make((257,)))
    w.add("mul", torch.mul, make((300, 257), layout="t"), make((300, 257), layout="step"))


def grad_cases(w):
    """Gradients (first and second order) of the arithmetic ops, float64."""
    D = torch.float64
    for name, fn in {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div}.items():
        for la, lb in [("contig", "contig"), ("t", "expand"), ("step", "offset")]:
            a = make((3, 4), D, la)
            b = make((3, 4), D, lb)
            if name == "div":
                b = b.abs() + 0.5
            w.add(name, fn, a, b, grad2=True)
        # broadcasting reduces the gradient back to each input's shape
        b = make((4,), D).abs() + 0.5
        w.add(name, fn, make((2, 3, 4), D), b, grad2=True)
        w.add(name, fn, make((3, 1), D), make((1, 4), D).abs() + 0.5, grad2=True)
    a = make((3, 4), D).abs() + 0.5
    w.add("pow", torch.pow, a, make((3, 4), D), grad2=True)
    w.add("pow_scalar", torch.pow, a, 3, grad2=True)
    w.add("pow_scalar", torch.pow, a, 0.5, grad2=True)
    w.add("rpow_scalar", lambda t, v: torch.pow(v, t), make((3, 4), D), 2.5, grad2=True)
    w.add("add_alpha", lambda x, y, al: torch.add(x, y, alpha=al), make((3, 4), D), make((4,), D), 2.5, grad2=True)
    w.add("sub_alpha", lambda x, y, al: torch.sub(x, y, alpha=al), make((3, 4), D), make((4,), D), 1.5, grad2=True)
    for sname, f in {"add_scalar": torch.add, "mul_scalar": torch.mul, "div_scalar": torch.div,
                     "sub_scalar": torch.sub}.items():
        w.add(sname, f, make((2, 5), D), 1.5, grad2=True)
    w.add("rsub_scalar", lambda t, v: v - t, make((2, 5), D), 3.0, grad2=True)
    w.add("remainder", torch.remainder, make((3, 4), D), make((3, 4), D).abs() + 0.5, grad=True)
    w.add("fmod", torch.fmod, make((3, 4), D), make((3, 4), D).abs() + 0.5, grad=True)
    w.add("div_mode", lambda x, y, m: torch.div(x, y, rounding_mode=m), make((3, 4), D),
          make((3, 4), D).abs() + 0.5, "floor", grad=True)
    # float32 gradients too
    w.add("mul", torch.mul, make((3, 4)), make((4,)), grad=True)
