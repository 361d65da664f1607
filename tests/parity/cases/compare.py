"""Parity cases for comparison and logic (include/ctorch/pointwise.h): eq, ne,
gt, ge, lt, le (tensor and scalar forms), logical_and/or/xor/not, equal,
isclose and allclose, on every layout and dtype pair, with ties, NaN,
broadcasting, 0-d and empty inputs, and the errors PyTorch raises."""
import math

import torch

from parity import LAYOUTS, make

F32, F64, I32, I64, U8, B = (torch.float32, torch.float64, torch.int32, torch.int64,
                             torch.uint8, torch.bool)
ALL = [F32, F64, I32, I64, U8, B]
CMP = {"eq": torch.eq, "ne": torch.ne, "gt": torch.gt, "ge": torch.ge, "lt": torch.lt, "le": torch.le}
LOGIC = {"logical_and": torch.logical_and, "logical_or": torch.logical_or,
         "logical_xor": torch.logical_xor}


def tied(shape, dtype=F32, layout="contig"):
    """Small whole numbers laid out as asked: comparisons meet many equal pairs."""
    if layout == "expand" and len(shape) > 0:
        return tied((1,) + tuple(shape[1:]), dtype).expand(shape)
    x = make(shape, dtype, layout)
    if dtype == B:
        return x
    with torch.no_grad():
        x.copy_(torch.randint(0 if dtype == U8 else -2, 3, x.shape).to(dtype))
    return x


def with_nan(shape, dtype=F32):
    x = tied(shape, dtype)
    x.view(-1)[:: 3] = float("nan")
    return x


def cases(w):
    # Every op, every layout against a few layouts, with ties.
    for name, fn in CMP.items():
        for la in LAYOUTS:
            for lb in ["contig", "t", "expand"]:
                w.add(name, fn, tied((4, 5), F32, la), tied((4, 5), F32, lb))
        # broadcasting, 0-d, empty, NaN, and the shape error
        w.add(name, fn, tied((3, 1, 4)), tied((5, 1)))
        w.add(name, fn, tied((2, 3)), tied(()))
        w.add(name, fn, tied(()), tied(()))
        w.add(name, fn, tied((0, 3)), tied((3,)))
        w.add(name, fn, with_nan((4, 3)), with_nan((4, 3)))
        w.add(name, fn, with_nan((4, 3), F64), tied((3,), F64))
        w.add(name, fn, tied((2, 3)), tied((4,)), error="must match the size of tensor b")
        # promotion across every dtype pair
        for da in ALL:
            for db in ALL:
                w.add(name, fn, tied((3, 4), da), tied((3, 4), db))
        # scalar forms: int, float and bool numbers against every dtype
        for dt in ALL:
            for s in [1, -1, 0.5, 2.0, True, 300]:
                w.add(name + "_scalar", fn, tied((3, 4), dt, "t"), s)
        w.add(name + "_scalar", fn, with_nan((5,)), float("nan"))
        w.add(name + "_scalar", fn, with_nan((5,)), math.inf)
        w.add(name + "_scalar", fn, tied((0, 2)), 1)

    for name, fn in LOGIC.items():
        for la in LAYOUTS:
            w.add(name, fn, tied((4, 5), F32, la), tied((4, 5), I64, "t"))
        for da in ALL:
            for db in ALL:
                w.add(name, fn, tied((3, 4), da), tied((3, 4), db))
        w.add(name, fn, with_nan((3, 4)), tied((4,), U8))
        w.add(name, fn, tied(()), tied((2, 3), B))
        w.add(name, fn, tied((0, 4)), tied((4,)))
        w.add(name, fn, tied((2, 3)), tied((4,)), error="must match the size of tensor b")
    for dt in ALL:
        for la in LAYOUTS:
            w.add("logical_not", torch.logical_not, tied((4, 5), dt, la))
    w.add("logical_not", torch.logical_not, with_nan((7,)))
    w.add("logical_not", torch.logical_not, tied(()))
    w.add("logical_not", torch.logical_not, tied((0, 3)))

    # torch.equal: shapes, dtypes (compared after promotion), NaN, layouts
    a = tied((3, 4))
    w.add("equal", torch.equal, a, a.clone())
    w.add("equal", torch.equal, a, a.t().contiguous().t())
    w.add("equal", torch.equal, a, a + 1)
    w.add("equal", torch.equal, a, a.reshape(4, 3))
    w.add("equal", torch.equal, a, a.to(F64))
    w.add("equal", torch.equal, a.to(I64), a)
    w.add("equal", torch.equal, tied(()), tied(()))
    w.add("equal", torch.equal, tied((0, 2)), tied((0, 2)))
    n = with_nan((4,))
    w.add("equal", torch.equal, n, n.clone())
    for la in LAYOUTS:
        x = tied((4, 5), F32, la)
        w.add("equal", torch.equal, x, x.contiguous())

    # isclose / allclose: tolerances, equal_nan, infinities, integers, errors
    base = make((5, 6), F64)
    near = base + torch.randn(5, 6, dtype=F64) * 1e-6
    for rtol, atol in [(1e-5, 1e-8), (0.0, 1e-6), (1e-3, 0.0), (0.0, 0.0)]:
        for eq_nan in [False, True]:
            w.add("isclose", torch.isclose, base, near, rtol, atol, eq_nan)
            w.add("allclose", torch.allclose, base, near, rtol, atol, eq_nan)
    x = torch.tensor([1.0, float("nan"), math.inf, -math.inf, 0.0, 1e-9])
    y = torch.tensor([1.0 + 1e-6, float("nan"), math.inf, math.inf, 1e-9, 0.0])
    for eq_nan in [False, True]:
        w.add("isclose", torch.isclose, x, y, 1e-5, 1e-8, eq_nan)
        w.add("allclose", torch.allclose, x, y, 1e-5, 1e-8, eq_nan)
        w.add("allclose", torch.allclose, x, x.clone(), 1e-5, 1e-8, eq_nan)
    for la in LAYOUTS:
        w.add("isclose", torch.isclose, make((4, 5), F32, la), make((4, 5), F32, "t"), 0.5, 0.5, False)
    w.add("isclose", torch.isclose, tied((3, 1)), tied((4,)), 1e-5, 1e-8, False)
    w.add("isclose", torch.isclose, tied((3, 4), I64), tied((3, 4), I64), 0.0, 1.0, False)
    w.add("isclose", torch.isclose, tied((3, 4), I32), tied((3, 4), I32), 1e-5, 1e-8, False)
    w.add("isclose", torch.isclose, tied((3, 4), B), tied((3, 4), B), 1e-5, 1e-8, False)
    w.add("isclose", torch.isclose, tied((0, 4)), tied((0, 4)), 1e-5, 1e-8, False)
    w.add("isclose", torch.isclose, tied((3,)), tied((3,), F64), 1e-5, 1e-8, False,
          error="Float did not match Double")
    w.add("isclose", torch.isclose, tied((3,)), tied((3,)), -1.0, 1e-8, False,
          error="rtol must be greater than or equal to zero")
    w.add("isclose", torch.isclose, tied((3,)), tied((3,)), 1e-5, -1.0, False,
          error="atol must be greater than or equal to zero")
    w.add("allclose", torch.allclose, tied((3,)), tied((3,), F64), 1e-5, 1e-8, False,
          error="Float did not match Double")
    w.add("allclose", torch.allclose, tied((2, 3)), tied((4,)), 1e-5, 1e-8, False,
          error="must match the size of tensor b")
