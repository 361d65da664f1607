"""Parity cases for reductions, scans, sorting and selection (include/ctorch/reduce.h).

Forwards: every op over the dtypes PyTorch accepts for it, in every memory
layout of parity.make (contiguous, transposed, step-sliced, expanded,
offset), with dim lists, negative dims, keepdim, 0-d and empty inputs, and
the errors PyTorch raises. Gradients: every differentiable op in float64 with
second order (grad2=True) and in float32 (grad=True), including ties for
max/min/amax/amin, zeros for prod/cumprod, zero norms, and indices routing
the gradient of sort/topk/kthvalue. tests/ops/test_reduce.c keeps its own
fixture checks of the forwards.
"""
import torch

from parity import LAYOUTS, make

F32, F64, I32, I64, U8, B = torch.float32, torch.float64, torch.int32, torch.int64, torch.uint8, torch.bool
ALL_DTYPES = [F32, F64, I32, I64, U8, B]
FLOATS = [F32, F64]
NAMES = {F32: "f32", F64: "f64", I32: "i32", I64: "i64", U8: "u8", B: "bool"}
GRAD_LAYOUTS = ["contig", "t", "step", "expand", "offset"]


def ties(shape, dtype=F64):
    """Small integers as floats: many equal elements (ties for max/min/sort)."""
    return torch.randint(-2, 3, shape).to(dtype)


def distinct(shape, dtype=F64, layout="contig"):
    """Values with no ties (a random permutation), laid out as asked; an
    expanded layout repeats its rows, so it has ties along dim 0 only."""
    n = 1
    for s in shape:
        n *= s
    perm = torch.randperm(n)
    if dtype.is_floating_point:
        vals = perm.to(F64) * 0.37 - n * 0.15
    else:
        vals = perm - (0 if dtype == U8 else n // 2)
    vals = vals.to(dtype).view(shape)
    if layout == "expand":
        return vals[:1].expand(shape)
    x = make(shape, dtype, layout)
    with torch.no_grad():
        x.copy_(vals)
    return x


def with_zeros(shape, dtype, positions):
    x = make(shape, dtype, low=0.5, high=1.5)
    flat = x.view(-1)
    for p in positions:
        flat[p] = 0
    return x


# torch calls written so that an empty dim list means "no dim argument" (every dim).
def t_sum(x, dims, keep):
    return x.sum() if not dims and not keep else x.sum(dims, keepdim=keep)


def t_sum_dtype(x, dims, keep, dt):
    d = getattr(torch, {"f32": "float32", "f64": "float64", "i32": "int32", "i64": "int64",
                        "u8": "uint8", "bool": "bool"}[dt])
    return x.sum(dtype=d) if not dims else x.sum(dims, keepdim=keep, dtype=d)


def t_mean(x, dims, keep):
    return x.mean() if not dims and not keep else x.mean(dims, keepdim=keep)


def t_mean_dtype(x, dims, keep, dt):
    d = {"f32": F32, "f64": F64, "i64": I64}[dt]
    return x.mean(dtype=d) if not dims else x.mean(dims, keepdim=keep, dtype=d)


def t_amax(x, dims, keep):
    return torch.amax(x, dims, keepdim=keep)


def t_amin(x, dims, keep):
    return torch.amin(x, dims, keepdim=keep)


def t_var(x, dims, c, keep):
    return torch.var(x, dims if dims else None, correction=c, keepdim=keep)


def t_std(x, dims, c, keep):
    return torch.std(x, dims if dims else None, correction=c, keepdim=keep)


def t_norm_dims(x, p, dims, keep):
    return torch.norm(x, p, dims, keepdim=keep)


def t_logsumexp(x, dims, keep):
    return torch.logsumexp(x, dims, keepdim=keep)


def t_sort(x, dim, desc):
    return torch.sort(x, dim=dim, descending=desc, stable=True)


def t_argsort(x, dim, desc):
    return torch.sort(x, dim=dim, descending=desc, stable=True)[1]


def t_topk(x, k, dim, largest):
    return torch.topk(x, k, dim, largest=largest, sorted=True)


def t_kthvalue(x, k, dim, keep):
    return torch.kthvalue(x, k, dim, keepdim=keep)


def t_unique(x):
    return torch.unique(x, sorted=True, return_inverse=True, return_counts=True)


def forward_cases(w):
    shapes_dims = [((3, 4), ()), ((3, 4), (0,)), ((3, 4), (-1,)), ((2, 3, 4), (0, 2)), ((2, 3, 4), (-1, 1))]
    # --- sum / prod / max family over every dtype and layout
    for dt in ALL_DTYPES:
        for lay in LAYOUTS:
            x = make((3, 4), dt, lay)
            w.add("sum", torch.sum, x)
            w.add("sum_dims", t_sum, x, (1,), lay == "t")
            w.add("prod_dim", lambda t, d, k: torch.prod(t, d, keepdim=k), make((3, 4), dt, lay, low=-1.5, high=1.5), 0, lay == "step")
            w.add("count_nonzero", torch.count_nonzero, x)
            w.add("count_nonzero_dims", torch.count_nonzero, x, (0,))
            w.add("all", torch.all, x)
            w.add("any", torch.any, x)
            w.add("all_dims", lambda t, d, k: torch.all(t, d[0], keepdim=k), x, (1,), lay == "offset")
            w.add("any_dims", lambda t, d, k: torch.any(t, d[0], keepdim=k), x, (0,), False)
            w.add("cumsum", torch.cumsum, x, 1)
            w.add("cumprod", torch.cumprod, make((3, 4), dt, lay, low=-1.5, high=1.5), 0)
            w.add("unique", t_unique, x)
            if dt != B:
                w.add("max", torch.max, x)
                w.add("min", torch.min, x)
                w.add("amax", t_amax, x, (0,), True)
                w.add("amin", t_amin, x, (-1,), False)
                dx = distinct((3, 4), dt, lay)
                w.add("argmax", torch.argmax, dx)
                w.add("argmin_dim", lambda t, d, k: torch.argmin(t, d, keepdim=k), dx, 1, True)
                w.add("sort", t_sort, x, 1, lay == "t")
                w.add("argsort", t_argsort, x, 0, True)
                w.add("topk", t_topk, dx, 2, 1, True)
                w.add("topk", t_topk, dx, 3, -1, False)
                w.add("kthvalue", t_kthvalue, dx, 2, 1, False)
                w.add("kthvalue", t_kthvalue, dx, 4, -1, True)
            w.add("prod", torch.prod, make((2, 3), dt, lay, low=-1.5, high=1.5))
        for shape, dims in shapes_dims:
            x = make(shape, dt)
            w.add("sum_dims", t_sum, x, dims, True)
            w.add("sum_dims", t_sum, x, dims, False)
            if dt != B:
                w.add("amax", t_amax, x, dims, False)
                w.add("amin", t_amin, x, dims, True)
        for target in ["f64", "i64", "f32"]:
            w.add("sum_dtype", t_sum_dtype, make((3, 4), dt, "t"), (0,), False, target)
        w.add("sum_dtype", t_sum_dtype, make((3, 4), dt), (), False, "f64")
        w.add("cumsum_dtype", lambda t, d, s: torch.cumsum(t, d, dtype={"f64": F64, "i64": I64, "f32": F32}[s]),
              make((3, 4), dt, "step"), 1, "f64")
        w.add("cumprod_dtype", lambda t, d, s: torch.cumprod(t, d, dtype={"f64": F64, "i64": I64, "f32": F32}[s]),
              make((3, 4), dt, "t", low=-1.5, high=1.5), 0, "i64")
        w.add("max_dim", lambda t, d, k: torch.max(t, d, keepdim=k), make((3, 4), dt, "t"), 1, True)
        w.add("min_dim", lambda t, d, k: torch.min(t, d, keepdim=k), make((3, 4), dt, "step"), 0, False)
        # max/min with dim on ties: the first index, like PyTorch's CPU kernel
        w.add("max_dim", lambda t, d, k: torch.max(t, d, keepdim=k), ties((4, 5)).to(dt) if dt != B else make((4, 5), B), 1, False)
        w.add("argmax_dim", lambda t, d, k: torch.argmax(t, d, keepdim=k), ties((4, 5)).to(dt) if dt != B else make((4, 5), U8), 0, False)
        w.add("argmin", torch.argmin, ties((4, 5)).to(dt) if dt != B else make((4, 5), U8))
        # empty and 0-d
        e = make((0, 3), dt)
        w.add("sum_dims", t_sum, e, (0,), False)
        w.add("prod_dim", lambda t, d, k: torch.prod(t, d, keepdim=k), e, 0, True)
        w.add("cumsum", torch.cumsum, e, 0)
        w.add("sort", t_sort, e, 0, False)
        s = make((), dt)
        w.add("sum", torch.sum, s)
        w.add("sum_dims", t_sum, s, (0,), True)
        w.add("cumsum", torch.cumsum, s, 0)
        w.add("unique", t_unique, s)
        if dt != B:
            w.add("max_dim", lambda t, d, k: torch.max(t, d, keepdim=k), s, 0, False)
            w.add("amax", t_amax, e, (1,), True)
            w.add("sort", t_sort, s, -1, True)
            w.add("topk", t_topk, s, 1, 0, True)
            w.add("kthvalue", t_kthvalue, s, 1, 0, True)

    # --- floating-only statistics
    for dt in FLOATS:
        for lay in LAYOUTS:
            x = make((3, 4), dt, lay)
            w.add("mean", torch.mean, x)
            w.add("mean_dims", t_mean, x, (0,), lay == "step")
            w.add("var", torch.var, x)
            w.add("std", torch.std, x)
            w.add("var_dims", t_var, x, (1,), 0, lay == "t")
            w.add("std_dims", t_std, x, (-2,), 2, False)
            w.add("logsumexp", t_logsumexp, x, (1,), False)
            for p in [2.0, 1.0, float("inf"), float("-inf"), 0.0, 3.0, 0.5]:
                w.add("norm", torch.norm, x, p)
                w.add("norm_dims", t_norm_dims, x, p, (1,), lay == "offset")
        for shape, dims in shapes_dims:
            x = make(shape, dt)
            w.add("mean_dims", t_mean, x, dims, True)
            w.add("var_dims", t_var, x, dims, 1, False)
            w.add("std_dims", t_std, x, dims, 0, True)
            w.add("norm_dims", t_norm_dims, x, 2.0, dims if dims else (0, 1), False)
            w.add("logsumexp", t_logsumexp, x, dims if dims else (0,), True)
        w.add("mean_dtype", t_mean_dtype, make((3, 4), dt), (1,), False, "f64")
        w.add("mean_dtype", t_mean_dtype, make((3, 4), I64 if dt == F32 else I32), (), False, "f32" if dt == F32 else "f64")
        w.add("logsumexp", t_logsumexp, torch.tensor([[-float("inf"), -float("inf")], [float("inf"), 1.0]], dtype=dt), (1,), False)
        w.add("var_dims", t_var, make((1, 3), dt), (0,), 1, False)  # N <= correction: nan
        w.add("norm", torch.norm, make((0, 3), dt), 2.0)
        w.add("mean_dims", t_mean, make((0, 3), dt), (0,), False)  # nan
        w.add("max", torch.max, torch.tensor([1.0, float("nan"), 3.0], dtype=dt))
        w.add("sort", t_sort, torch.tensor([[3.0, float("nan"), -1.0, float("nan"), 0.5]], dtype=dt), 1, False)
    w.add("logsumexp", t_logsumexp, make((3, 4), I64), (1,), False)  # integers -> float
    w.add("unique", t_unique, ties((4, 5)))
    w.add("unique", t_unique, torch.tensor([0.0, -0.0, 2.5, 1.0, 2.5]))  # (PyTorch's CPU unique mishandles NaN)

    # --- errors
    xi = make((3, 4), I64)
    xf = make((3, 4), F32)
    w.add("mean", torch.mean, xi, error="mean(): could not infer output dtype")
    w.add("var", torch.var, xi, error="std and var only support floating point")
    w.add("norm", torch.norm, xi, 2.0, error="norm(): input dtype should be either floating point")
    w.add("sum_dims", t_sum, xf, (2,), False, error="Dimension out of range")
    w.add("sum_dims", t_sum, xf, (0, -2), False, error="appears multiple times in the list of dims")
    w.add("max", torch.max, make((0, 3), F32), error="Expected reduction dim to be specified")
    w.add("amax", t_amax, make((0, 3), F32), (0,), False, error="Expected reduction dim 0 to have non-zero size")
    w.add("topk", t_topk, xf, 5, 1, True, error="selected index k out of range")
    w.add("kthvalue", t_kthvalue, xf, 0, 1, False, error="selected number k out of range")
    w.add("cumsum", torch.cumsum, xf, 3, error="Dimension out of range")


def grad_cases(w):
    for lay in GRAD_LAYOUTS:
        x = make((3, 4), F64, lay)
        x3 = make((2, 3, 4), F64, lay)
        w.add("sum", torch.sum, x, grad2=True)
        w.add("sum_dims", t_sum, x, (1,), False, grad2=True)
        w.add("sum_dims", t_sum, x3, (0, 2), True, grad2=True)
        w.add("sum_dtype", t_sum_dtype, x, (0,), True, "f32", grad=True, gatol=1e-6)
        w.add("mean", torch.mean, x, grad2=True)
        w.add("mean_dims", t_mean, x3, (-1, 0), False, grad2=True)
        w.add("mean_dims", t_mean, x, (0,), True, grad2=True)
        p = make((3, 4), F64, lay, low=0.5, high=1.5)
        w.add("prod", torch.prod, p, grad2=True)
        w.add("prod_dim", lambda t, d, k: torch.prod(t, d, keepdim=k), p, 1, False, grad2=True)
        w.add("prod_dim", lambda t, d, k: torch.prod(t, d, keepdim=k), p, 0, True, grad2=True)
        d = distinct((3, 4), F64, lay)
        w.add("max", torch.max, d, grad2=True)
        w.add("min", torch.min, d, grad2=True)
        w.add("max_dim", lambda t, dd, k: torch.max(t, dd, keepdim=k), d, 1, False, grad2=True)
        w.add("min_dim", lambda t, dd, k: torch.min(t, dd, keepdim=k), d, 0, True, grad2=True)
        w.add("amax", t_amax, d, (0,), False, grad2=True)
        w.add("amin", t_amin, x3, (0, 2), True, grad2=True)
        w.add("var", torch.var, x, grad2=True)
        w.add("std", torch.std, x, grad2=True)
        w.add("var_dims", t_var, x3, (0, 2), 0, True, grad2=True)
        w.add("std_dims", t_std, x, (1,), 2, False, grad2=True)
        w.add("std_dims", t_std, x3, (-1,), 1, True, grad2=True)
        for pn in [2.0, 3.0, 1.5, 0.5]:
            w.add("norm", torch.norm, x, pn, grad2=True)
            w.add("norm_dims", t_norm_dims, x3, pn, (1,), pn == 3.0, grad2=True)
        for pn in [1.0, float("inf"), float("-inf"), 0.0]:
            w.add("norm", torch.norm, d, pn, grad=True)
            w.add("norm_dims", t_norm_dims, d, pn, (0,), True, grad=True)
        w.add("logsumexp", t_logsumexp, x, (1,), False, grad2=True)
        w.add("logsumexp", t_logsumexp, x3, (0, 2), True, grad2=True)
        w.add("cumsum", torch.cumsum, x, 1, grad2=True)
        w.add("cumsum", torch.cumsum, x3, 0, grad2=True)
        w.add("cumprod", torch.cumprod, p, 1, grad2=True)
        w.add("cumprod", torch.cumprod, p, -2, grad2=True)
        w.add("sort", t_sort, d, 1, False, grad2=True)
        w.add("sort", t_sort, d, 0, True, grad2=True)
        w.add("topk", t_topk, d, 3, 1, True, grad2=True)
        w.add("kthvalue", t_kthvalue, d, 2, 1, False, grad2=True)
        if lay != "expand":  # ties along dim 0: which index topk/kthvalue pick is unspecified
            w.add("topk", t_topk, d, 2, 0, False, grad2=True)
            w.add("kthvalue", t_kthvalue, d, 3, 0, True, grad2=True)

    # float32 gradients
    x = make((3, 4), F32, "t")
    for name, fn, extra in [("sum_dims", t_sum, ((0,), False)), ("mean_dims", t_mean, ((1,), True)),
                            ("var_dims", t_var, ((1,), 1, False)), ("std_dims", t_std, ((0,), 1, True)),
                            ("logsumexp", t_logsumexp, ((1,), False)), ("norm_dims", t_norm_dims, (2.0, (1,), False)),
                            ("cumsum", torch.cumsum, (0,)), ("amax", t_amax, ((1,), False))]:
        w.add(name, fn, x, *extra, grad=True)
    w.add("prod_dim", lambda t, d, k: torch.prod(t, d, keepdim=k), make((3, 4), F32, low=0.5, high=1.5), 1, False, grad=True)
    w.add("cumprod", torch.cumprod, make((3, 4), F32, "step", low=0.5, high=1.5), 1, grad=True)
    w.add("sort", t_sort, distinct((3, 4), F32, "t"), 1, True, grad=True)
    w.add("topk", t_topk, distinct((3, 4), F32), 2, 1, True, grad=True)
    w.add("kthvalue", t_kthvalue, distinct((3, 4), F32), 2, 1, True, grad=True)
    w.add("max_dim", lambda t, d, k: torch.max(t, d, keepdim=k), distinct((3, 4), F32, "step"), 1, False, grad=True)

    # ties: max()/min() share evenly, amax/amin per slice, max(dim) routes to the first index
    for seed in range(3):
        tx = ties((4, 5))
        w.add("max", torch.max, tx, grad2=True)
        w.add("min", torch.min, tx, grad2=True)
        w.add("amax", t_amax, tx, (1,), False, grad2=True)
        w.add("amin", t_amin, tx, (0,), True, grad2=True)
        w.add("amax", t_amax, tx, (0, 1), False, grad2=True)
        w.add("max_dim", lambda t, dd, k: torch.max(t, dd, keepdim=k), tx, 1, False, grad2=True)
        w.add("min_dim", lambda t, dd, k: torch.min(t, dd, keepdim=k), tx, 0, True, grad2=True)
        w.add("norm", torch.norm, tx, float("inf"), grad=True)
    w.add("max", torch.max, torch.tensor([1.0, float("nan"), 2.0, float("nan")], dtype=F64), grad=True)

    # zeros: prod and cumprod with one and several zeros
    for pos in [[5], [1, 2], [0, 4, 9], [4, 5, 6, 7]]:
        z = with_zeros((3, 4), F64, pos)
        w.add("prod", torch.prod, z, grad2=True)
        w.add("prod_dim", lambda t, d, k: torch.prod(t, d, keepdim=k), z, 1, False, grad2=True)
        w.add("prod_dim", lambda t, d, k: torch.prod(t, d, keepdim=k), z, 0, True, grad2=True)
        w.add("cumprod", torch.cumprod, z, 1, grad2=True)
        w.add("cumprod", torch.cumprod, z, 0, grad2=True)
    # zero norms and zero std: PyTorch's subgradient is 0
    zz = torch.zeros(2, 3, dtype=F64)
    for pn in [2.0, 1.0, 3.0, 1.5, 0.5, float("inf")]:
        w.add("norm", torch.norm, zz, pn, grad=True)
    w.add("norm_dims", t_norm_dims, torch.tensor([[0.0, 0.0], [3.0, -4.0]], dtype=F64), 2.0, (1,), False, grad2=True)
    w.add("std_dims", t_std, torch.tensor([[1.0, 1.0], [3.0, -4.0]], dtype=F64), (1,), 1, False, grad=True)
    w.add("var_dims", t_var, make((2, 3), F64), (0, 1), 6, False, grad=True)  # N - correction = 0: inf
    # 0-d inputs
    s = make((), F64)
    w.add("sum_dims", t_sum, s, (0,), False, grad2=True)
    w.add("prod", torch.prod, s, grad2=True)
    w.add("cumprod", torch.cumprod, s, 0, grad2=True)
    w.add("max_dim", lambda t, dd, k: torch.max(t, dd, keepdim=k), s, 0, True, grad=True)
    w.add("sort", t_sort, s, 0, False, grad=True)


def cases(w):
    forward_cases(w)
    grad_cases(w)
