"""Parity cases for indexing and joining (include/ctorch/indexing.h, include/ctorch/join.h).

The forwards are covered in depth by tests/ops/test_index.c, test_join.c and
test_shape_ops.c (fixtures); here every differentiable op is compared with
PyTorch's gradients (grad=True, a few grad2=True), on contiguous and
non-contiguous inputs, with repeated indices and broadcasting, plus a few
forwards of the non-differentiable ops.
"""
import torch
import torch.nn.functional as F

from parity import make

D, F32, I32, I64, B = torch.float64, torch.float32, torch.int32, torch.int64, torch.bool
GRAD_LAYOUTS = ["contig", "t", "step", "offset"]


def idx(*vals, shape=None):
    t = torch.tensor(vals, dtype=I64)
    return t.view(shape) if shape else t


def mask(shape, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(shape, generator=g) > 0.5


def ties(shape):
    """float64 values with many ties (small integers), for amax/amin."""
    return torch.randint(-2, 3, shape).to(D)


def at_dim(dim):
    return lambda x, d_, i: x[(slice(None),) * d_ + (i,)]


def setitem(x, d_, i, v):
    y = x.clone()
    y[(slice(None),) * d_ + (i,)] = v
    return y


def scatter_reduce(x, d_, i, s, r, b=True):
    return torch.scatter_reduce(x, d_, i, s, r, include_self=b)


def cases(w):
    # --- index_select / gather: repeated indices accumulate
    for lay in GRAD_LAYOUTS:
        x = make((3, 4), D, lay)
        w.add("index_select", torch.index_select, x, 0, idx(2, 0, 2, 2), grad2=True)
        w.add("index_select", torch.index_select, x, -1, torch.tensor([3, 3, 1], dtype=I32), grad=True)
        w.add("gather", torch.gather, x, 0, idx(0, 1, 2, 0, 2, 2, 1, 0, shape=(2, 4)), grad2=True)
        w.add("gather", torch.gather, x, 1, idx(3, 3, 0, 1, 2, 2, shape=(3, 2)), grad=True)
    w.add("index_select", torch.index_select, make((4, 3), F32, "t"), 1, idx(0, 0, 2), grad=True)
    w.add("gather", torch.gather, make((3, 4), D, "expand"), 0, idx(0, 1, 2, 0, 2, 2, 1, 0, shape=(2, 4)), grad=True)

    # --- scatter family
    uniq = idx(0, 1, 2, 0, 2, 0, 1, 1, shape=(2, 4))
    dups = idx(0, 1, 2, 0, 0, 1, 2, 0, 2, 1, 2, 2, shape=(3, 4))
    for lay in GRAD_LAYOUTS:
        x = make((3, 4), D, lay)
        w.add("scatter", torch.scatter, x, 0, uniq, make((2, 4), D, lay), grad=True)
        w.add("scatter_value", torch.scatter, x, 0, uniq, 1.5, grad=True)
        w.add("scatter_add", torch.scatter_add, x, 0, dups, make((3, 4), D, lay), grad=True)
    w.add("scatter_", lambda x, d_, i, s: x.clone().scatter_(d_, i, s), make((3, 4), D), 0, uniq,
          make((2, 4), D), grad=True)
    w.add("scatter_add_", lambda x, d_, i, s: x.clone().scatter_add_(d_, i, s), make((3, 4), D), 0, dups,
          make((3, 4), D, "t"), grad=True)
    w.add("scatter_add", torch.scatter_add, make((4, 3), D), 1,
          idx(0, 0, 2, 1, 1, 0, 2, 2, shape=(4, 2)), make((4, 2), D, "step"), grad=True)
    for reduce in ["sum", "mean", "amax", "amin", "prod"]:
        for inc in [True, False]:
            w.add("scatter_reduce", scatter_reduce, make((4, 4), D), 0,
                  idx(0, 1, 2, 0, 0, 1, 2, 0, 2, 1, 3, 2, shape=(3, 4)), make((3, 4), D, "t"),
                  reduce, inc, grad=True)
            w.add("scatter_reduce", scatter_reduce, ties((4, 3)), 1,
                  idx(0, 0, 2, 1, 1, 0, 2, 2, 0, 1, 1, 1, shape=(4, 3)), ties((4, 3)), reduce, inc, grad=True)
            w.add("scatter_reduce_", lambda x, d_, i, s, r, b: x.clone().scatter_reduce_(d_, i, s, r, include_self=b),
                  make((4, 4), D, "step"), 0, idx(0, 1, 2, 0, 0, 1, 2, 0, shape=(2, 4)), make((2, 4), D),
                  reduce, inc, grad=True)
    # prod around zeros: a single zero at a place gets the product of the others
    zx = torch.tensor([[1.0, 0.0], [2.0, 3.0], [0.0, 1.5]], dtype=D)
    zs = torch.tensor([[2.0, 0.0], [0.0, 4.0], [3.0, 0.0], [0.0, 2.0]], dtype=D)
    zi = idx(0, 1, 0, 1, 1, 2, 2, 2, shape=(4, 2))
    for inc in [True, False]:
        w.add("scatter_reduce", scatter_reduce, zx, 0, zi, zs, "prod", inc, grad=True)

    # --- take, masked_select, masked_fill
    for lay in GRAD_LAYOUTS:
        x = make((3, 4), D, lay)
        w.add("take", torch.take, x, idx(0, -1, 5, 5, 11, 0, shape=(2, 3)), grad=True)
        # PyTorch 1.13 scatters masked_select's gradient in memory order into a
        # transposed self (a masked_scatter_ bug): compare only the forward there.
        w.add("masked_select", torch.masked_select, x, mask((3, 4), 1), grad=lay != "t")
        w.add("masked_fill", torch.masked_fill, x, mask((3, 4), 2), -0.5, grad2=True)
        w.add("masked_fill_t", torch.masked_fill, x, mask((4,), 3), make((), D), grad=True)
    w.add("masked_select", torch.masked_select, make((3, 4), D), mask((4,), 4), grad=True)
    w.add("masked_select", torch.masked_select, make((4,), D), mask((3, 4), 5), grad=True)
    w.add("masked_select", torch.masked_select, make((2, 1, 4), D), mask((3, 1), 6), grad=True)
    w.add("masked_fill", torch.masked_fill, make((4,), D), mask((3, 4), 7), 2.0, grad=True)
    w.add("masked_fill_t", torch.masked_fill, make((1, 4), D), mask((3, 1), 8), make((), D), grad=True)
    w.add("masked_fill_", lambda x, m, v: x.clone().masked_fill_(m, v), make((3, 4), D, "t"), mask((4,), 9),
          1.25, grad=True)
    w.add("masked_fill_t_", lambda x, m, v: x.clone().masked_fill_(m, v), make((3, 4), D), mask((3, 4), 10),
          make((), D), grad=True)
    w.add("masked_fill", torch.masked_fill, make((3, 4), F32, "step"), mask((3, 4), 11), 0.5, grad=True)

    # --- advanced indexing and index_put
    ii = idx(2, -1, 0, 2, shape=(2, 2))
    for lay in GRAD_LAYOUTS:
        x = make((3, 4), D, lay)
        w.add("index_tensor", at_dim(0), x, 0, ii, grad=True)
        w.add("index_tensor", at_dim(1), x, 1, ii, grad=True)
        w.add("index_tensor", at_dim(0), x, 0, mask((3, 4), 12), grad=True)
        w.add("index_tensor", at_dim(1), x, 1, mask((4,), 13), grad=True)
    w.add("index_tensor", at_dim(1), make((2, 3, 4), D, "t"), 1, mask((3, 4), 14), grad=True)
    for acc in [False, True]:
        w.add("index_put", lambda x, d_, i, v, a: torch.index_put(x, (i,), v, a), make((3, 4), D), 0,
              idx(2, 0), make((4,), D), acc, grad=True)
        w.add("index_put", lambda x, d_, i, v, a: torch.index_put(x, (i,), v, a), make((3, 4), D, "t"), 0,
              mask((3, 4), 15), make((1,), D), acc, grad=True)
        w.add("index_put_", lambda x, d_, i, v, a: x.clone().index_put_((i,), v, a), make((3, 4), D, "step"), 0,
              idx(1, 1, 0), make((3, 4), D, "t"), acc, grad=True)
    w.add("index_put", lambda x, d_, i, v, a: setitem(x, d_, i, v), make((3, 4), D), 1, idx(3, 0),
          make((3, 1), D), False, grad=True)
    w.add("index_put_value_", lambda x, d_, i, v: setitem(x, d_, i, v), make((3, 4), D, "t"), 0,
          mask((3, 4), 16), 3.0, grad=True)

    # --- cat, stack, and the split family (views) recombined
    a, b, c = make((3, 4), D, "t"), make((2, 4), D, "step"), make((1, 4), D)
    w.add("cat3", lambda p, q, r, d_: torch.cat([p, q, r], d_), a, b, c, 0, grad2=True)
    w.add("cat2", lambda p, q, d_: torch.cat([p, q], d_), a, make((3, 2), D, "offset"), -1, grad2=True)
    w.add("cat2", lambda p, q, d_: torch.cat([p, q], d_), a, make((0,), D), 0, grad=True)
    w.add("cat2", lambda p, q, d_: torch.cat([p, q], d_), make((2, 3), F32), make((2, 3), D), 1, grad=True)
    for d_ in [0, 1, 2, -1]:
        w.add("stack3", lambda p, q, r, d_: torch.stack([p, q, r], d_), a, make((3, 4), D), make((3, 4), D, "offset"),
              d_, grad2=True)
    w.add("stack2", lambda p, q, d_: torch.stack([p, q], d_), make((2, 3), D, "expand"), make((2, 3), D), 1, grad=True)
    for lay in GRAD_LAYOUTS:
        x = make((3, 5), D, lay)
        w.add("split_flip", lambda t, s, d_: torch.cat(torch.split(t, s, d_)[::-1], d_), x, 2, 1, grad=True)
        w.add("split_sizes_flip", lambda t, s, d_: torch.cat(torch.split(t, s, d_)[::-1], d_), x, [1, 0, 2], 0,
              grad=True)
        w.add("chunk_flip", lambda t, n, d_: torch.cat(torch.chunk(t, n, d_)[::-1], d_), x, 3, -1, grad=True)
        w.add("unbind_flip", lambda t, d_: torch.stack(torch.unbind(t, d_)[::-1], d_), x, 1, grad=True)
    w.add("split", torch.split, make((5, 3), D, "t"), 2, 0, grad=True)
    w.add("chunk", torch.chunk, make((5, 3), D), 2, 1, grad=True)
    w.add("unbind", torch.unbind, make((3, 2), D, "step"), 1, grad=True)

    # --- repeat, tile, flip, roll, tril, triu, diag
    for lay in GRAD_LAYOUTS:
        x = make((2, 3), D, lay)
        w.add("repeat", lambda t, r: t.repeat(r), x, (2, 1, 3), grad=True)
        w.add("tile", torch.tile, x, (2,), grad=True)
        w.add("flip", torch.flip, x, (0, -1), grad2=True)
        w.add("roll", lambda t, s, d_: torch.roll(t, s, d_), x, (1, -4), (0, 1), grad=True)
        w.add("roll", lambda t, s, d_: torch.roll(t, s, d_ if d_ else None), x, (-2,), (), grad=True)
        w.add("tril", torch.tril, make((3, 4), D, lay), -1, grad=True)
        w.add("triu", torch.triu, make((3, 4), D, lay), 1, grad=True)
    w.add("repeat", lambda t, r: t.repeat(r), make((2, 3), D, "expand"), (3, 0), grad=True)
    w.add("roll", lambda t, s, d_: torch.roll(t, s, d_), make((3, 4), D), (2, 1), (1, 1), grad=True)
    w.add("tril_", lambda t, k: t.clone().tril_(k), make((2, 3, 3), D, "t"), 0, grad=True)
    w.add("triu_", lambda t, k: t.clone().triu_(k), make((2, 3, 3), D), 1, grad=True)
    for k in [-2, 0, 1]:
        w.add("diag", torch.diag, make((3,), D), k, grad=True)
    for k in [-4, -1, 0, 2, 3]:
        w.add("diag", torch.diag, make((4, 3), D, "t"), k, grad=True)
        w.add("diag", torch.diag, make((2, 5), D, "step"), k + 2, grad=True)

    # --- pad (reflect / replicate fold the gradient back onto the edges)
    for lay in ["contig", "t", "offset"]:
        x = make((2, 3, 4), D, lay)
        w.add("pad", F.pad, x, (1, 2), "constant", 0.5, grad2=True)
        w.add("pad", F.pad, x, (-1, 2, 1, -2), "constant", 0.0, grad=True)
        for mode in ["reflect", "replicate"]:
            w.add("pad", F.pad, x, (2, 3), mode, 0.0, grad2=True)
            w.add("pad", F.pad, x, (1, 2, 2, 1), mode, 0.0, grad=True)
    for mode in ["reflect", "replicate"]:
        w.add("pad", F.pad, make((1, 2, 3, 3, 4), D), (1, 2, 2, 1, 1, 1), mode, 0.0, grad=True)
        w.add("pad", F.pad, make((2, 3, 4), F32), (2, 1, 1, 2), mode, 0.0, grad=True)

    # --- meshgrid (expanded views)
    for ix in ["ij", "xy"]:
        w.add("meshgrid_mix", lambda p, q, s: (lambda g: g[0] * g[1] + g[0])(torch.meshgrid(p, q, indexing=s)),
              make((2,), D), make((3,), D, "step"), ix, grad=True)

    # --- not differentiable: forwards only
    w.add("one_hot", F.one_hot, idx(1, 0, 3, 1), 5)
    w.add("nonzero", torch.nonzero, torch.tensor([[0.0, 1.5], [2.0, 0.0]]))
