"""
tests/parity/parity.py - builds parity cases against real PyTorch.

A case names a ctorch op (as registered with PARITY_OP in tests/parity/ops_*.c),
its arguments and what PyTorch returns for the same arguments. Tensor inputs
are written as their whole storage plus as_strided parameters (shape, strides,
offset), so the C runner rebuilds exactly the same layout: transposed,
step-sliced, expanded (stride 0), offset views all replay as they are.

Writes two files: <out>.txt (one line per item, read by runner.c) and
<out>.bin (raw little-endian data).
"""
import math
import struct

import torch

DTYPES = {
    torch.float32: "f32", torch.float64: "f64", torch.int32: "i32",
    torch.int64: "i64", torch.uint8: "u8", torch.bool: "bool",
}
DEFAULT_TOL = {"f32": (1.3e-6, 1e-5), "f64": (1e-12, 1e-7)}  # (atol, rtol)


class Case:
    def __init__(self, name, op, args, tol):
        self.name, self.op, self.args, self.tol = name, op, args, tol


class Writer:
    """Collects cases; cases/*.py modules call .add(...)."""

    def __init__(self):
        self.lines = []
        self.blob = bytearray()
        self.count = 0
        self.prefix = ""

    def _data(self, t):
        t = t.detach().contiguous()
        if t.dtype == torch.bool:
            raw = t.to(torch.uint8).numpy().tobytes()
        else:
            raw = t.numpy().tobytes()
        off = len(self.blob)
        self.blob += raw
        while len(self.blob) % 8:
            self.blob.append(0)
        return off

    def _tensor_line(self, tag, t):
        if t._is_zerotensor():  # autograd's storage-less zeros (e.g. the grad of abs' grad)
            t = torch.zeros(t.shape, dtype=t.dtype)
        dt = DTYPES[t.dtype]
        storage_n = t.storage().size()
        flat = t.new_empty(0).set_(t.storage(), 0, (storage_n,), (1,))
        off = self._data(flat)
        shape = " ".join(str(s) for s in t.shape)
        strides = " ".join(str(s) for s in t.stride())
        self.lines.append(f"{tag} t {dt} {t.dim()} {shape} {strides} {t.storage_offset()} "
                          f"{storage_n} {off}".replace("  ", " "))

    def _arg(self, a):
        if isinstance(a, torch.Tensor):
            self._tensor_line("in", a)
        elif isinstance(a, bool):
            self.lines.append(f"in b {int(a)}")
        elif isinstance(a, int):
            self.lines.append(f"in i {a}")
        elif isinstance(a, float):
            self.lines.append(f"in f {a!r}")
        elif isinstance(a, str):
            self.lines.append(f"in s {a}")
        elif isinstance(a, (tuple, list)) and all(isinstance(v, int) for v in a):
            self.lines.append(f"in d {len(a)} " + " ".join(str(v) for v in a))
        elif isinstance(a, (tuple, list)) and all(isinstance(v, torch.Tensor) for v in a):
            self.lines.append(f"in l {len(a)}")
            for v in a:
                self._tensor_line("in", v)
        elif a is None:
            self.lines.append("in n")
        else:
            raise TypeError(f"unsupported argument {a!r}")

    def _tol(self, t, atol, rtol):
        dt = DTYPES[t.dtype]
        a0, r0 = DEFAULT_TOL.get(dt, (0.0, 0.0))
        return (a0 if atol is None else atol), (r0 if rtol is None else rtol)

    def add(self, op, fn, *args, error=None, atol=None, rtol=None, name=None, grad=False,
            grad2=False, gatol=None, grtol=None):
        """Runs fn(*args) in torch; the C op `op` must give the same result
        (or, with error="...", fail with a message containing that text).
        grad=True also compares the gradients of the first output with respect
        to every floating tensor argument, for a random output gradient;
        grad2=True adds second-order gradients (of sum(grad_i * u_i))."""
        self.count += 1
        cname = name or f"{self.prefix}{op}#{self.count}"
        grad = grad or grad2
        gidx = [i for i, a in enumerate(args)
                if isinstance(a, torch.Tensor) and a.dtype.is_floating_point] if grad else []
        call_args = list(args)
        for i in gidx:
            call_args[i] = args[i].detach().clone().requires_grad_(True)  # same values, leaf
        try:
            result = fn(*call_args)
            raised = None
        except Exception as e:  # noqa: BLE001 - torch raises many types
            raised = e
        if error is not None and raised is None:
            raise AssertionError(f"{cname}: expected torch to raise ({error}), it returned")
        if error is None and raised is not None:
            raise AssertionError(f"{cname}: torch raised {raised!r}")
        self.lines.append(f"case {cname} {op}")
        for a in args:
            self._arg(a)
        if raised is not None:
            self.lines.append(f"err {error}")
            self.lines.append("end")
            return
        outs = list(result) if isinstance(result, (tuple, list)) else [result]
        for o in outs:
            if isinstance(o, bool):
                o = torch.tensor(o)
            elif isinstance(o, (int, float)) and not isinstance(o, torch.Tensor):
                o = torch.tensor(o, dtype=torch.float64 if isinstance(o, float) else torch.int64)
            a1, r1 = self._tol(o, atol, rtol)
            self._tensor_line(f"out {a1!r} {r1!r}", o.detach().contiguous())
        if gidx:
            y = outs[0]
            gen = torch.Generator().manual_seed(self.count)
            v = torch.randn(y.shape, generator=gen, dtype=torch.float64).to(y.dtype)
            ins = [call_args[i] for i in gidx]
            gs = torch.autograd.grad(y, ins, v, allow_unused=True, create_graph=grad2)
            self.lines.append("grad " + str(len(gidx)) + " " + " ".join(str(i) for i in gidx))
            self._tensor_line("gout", v)
            ga = gatol if gatol is not None else atol
            gr = grtol if grtol is not None else rtol
            for x, g in zip(ins, gs):
                g = torch.zeros_like(x) if g is None else g
                a1, r1 = self._tol(g, ga, gr)
                self._tensor_line(f"gexp {a1!r} {r1!r}", g.detach().contiguous())
            if grad2:
                us = [torch.randn(x.shape, generator=gen, dtype=torch.float64).to(x.dtype) for x in ins]
                s = sum(((g * u).sum() for g, u in zip(gs, us) if g is not None and g.requires_grad),
                        torch.zeros((), dtype=y.dtype))
                if s.requires_grad:
                    g2 = torch.autograd.grad(s, ins, allow_unused=True)
                else:
                    g2 = [None] * len(ins)
                for u in us:
                    self._tensor_line("uin", u)
                for x, g in zip(ins, g2):
                    g = torch.zeros_like(x) if g is None else g
                    a1, r1 = self._tol(g, ga, gr)
                    self._tensor_line(f"g2exp {a1!r} {r1!r}", g.detach().contiguous())
        self.lines.append("end")

    def save(self, path):
        with open(path + ".txt", "w") as f:
            f.write("\n".join(self.lines) + "\n")
        with open(path + ".bin", "wb") as f:
            f.write(self.blob)


# ------------------------------------------------------------- input makers

def make(shape, dtype=torch.float32, layout="contig", low=-3.0, high=3.0, gen=None):
    """A tensor of `shape` with the given memory layout:
    contig, t (last two dims transposed in memory), step (every other element
    along dim 0 of a larger base), expand (dim 0 broadcast from size 1),
    offset (a view into the middle of a larger storage)."""
    shape = tuple(shape)

    def base(s):
        if dtype == torch.bool:
            return torch.rand(s, generator=gen) > 0.5
        if dtype.is_floating_point:
            return (torch.rand(s, generator=gen, dtype=torch.float64) * (high - low) + low).to(dtype)
        lo, hi = (0, 10) if dtype == torch.uint8 else (int(low) - 2, int(high) + 3)
        return torch.randint(lo, hi, s, generator=gen, dtype=dtype)

    if layout == "contig" or len(shape) == 0:
        return base(shape)
    if layout == "t":
        if len(shape) < 2:
            return base(shape)
        s = shape[:-2] + (shape[-1], shape[-2])
        return base(s).transpose(-1, -2)
    if layout == "step":
        s = (shape[0] * 2,) + shape[1:]
        return base(s)[::2]
    if layout == "expand":
        s = (1,) + shape[1:]
        return base(s).expand(shape)
    if layout == "offset":
        n = math.prod(shape)
        return base((n + 7,))[5:5 + n].view(shape)
    raise ValueError(layout)


LAYOUTS = ["contig", "t", "step", "expand", "offset"]
