"""Parity cases for the matrix products (include/ctorch/linalg.h): mm, bmm,
matmul, dot, mv, outer, addmm, baddbmm, einsum. Forward values for every
dtype, layout and rank combination, the errors PyTorch raises, and first and
second order gradients (float64 and float32)."""
import torch

from parity import make

F32, F64, I32, I64, U8, B = (torch.float32, torch.float64, torch.int32, torch.int64,
                             torch.uint8, torch.bool)
NUM = [F32, F64, I32, I64, U8]
LAYOUTS2 = ["contig", "t", "step", "offset"]


def addmm(s, a, b, beta, alpha):
    return torch.addmm(s, a, b, beta=beta, alpha=alpha)


def baddbmm(s, a, b, beta, alpha):
    return torch.baddbmm(s, a, b, beta=beta, alpha=alpha)


def einsum(eq, *ops):
    return torch.einsum(eq, *ops)


# Every rank combination of matmul, broadcast batch dims included.
MATMUL_SHAPES = [
    ((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 5)), ((3, 4), (4, 5)),
    ((2, 3, 4), (4, 5)), ((2, 3, 4), (4,)), ((4,), (2, 4, 5)), ((3, 4), (2, 4, 5)),
    ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((1, 3, 4), (2, 4, 5)),
    ((4,), (2, 2, 4, 3)), ((2, 2, 3, 4), (4,)), ((2, 3, 4), (1, 4, 5)),
]

EINSUM_FORMS = [
    ("ij,jk->ik", [(3, 4), (4, 5)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("i,i->", [(5,), (5,)]), ("i,j->ij", [(3,), (4,)]), ("ij->ji", [(3, 4)]),
    ("bi,bi->b", [(3, 4), (3, 4)]), ("ik,jk->ij", [(3, 4), (5, 4)]), ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]), ("ij->", [(3, 4)]), ("...ij,...jk", [(2, 3, 4), (4, 2)]),
    ("iij,jk->ik", [(3, 3, 4), (4, 2)]), ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("bij,jk->bik", [(2, 3, 4), (4, 5)]),
]


def forward_cases(w):
    # every numeric dtype, layouts of both operands
    for dt in NUM:
        lo, hi = (-3.0, 3.0)
        for la in LAYOUTS2:
            for lb in ["contig", "t"]:
                w.add("mm", torch.mm, make((5, 7), dt, la, lo, hi), make((7, 6), dt, lb, lo, hi))
                w.add("bmm", torch.bmm, make((3, 5, 7), dt, la, lo, hi),
                      make((3, 7, 6), dt, lb, lo, hi))
        w.add("dot", torch.dot, make((9,), dt), make((9,), dt, "step"))
        w.add("mv", torch.mv, make((5, 7), dt, "t"), make((7,), dt))
        w.add("outer", torch.outer, make((5,), dt), make((4,), dt, "step"))
        for sa, sb in MATMUL_SHAPES:
            w.add("matmul", torch.matmul, make(sa, dt), make(sb, dt, "t"))
        s = make((6,), dt)
        a, b = make((5, 7), dt), make((7, 6), dt, "t")
        if dt.is_floating_point:
            w.add("addmm", addmm, s, a, b, 0.5, -2.0)
            w.add("baddbmm", baddbmm, make((5, 1), dt), make((2, 5, 7), dt),
                  make((2, 7, 6), dt), 1.5, 0.25)
        else:
            w.add("addmm", addmm, s, a, b, 2, 3)
            w.add("baddbmm", baddbmm, make((5, 1), dt), make((2, 5, 7), dt),
                  make((2, 7, 6), dt), -1, 2)
        w.add("addmm", addmm, make((5, 6), dt), a, b, 1, 1)
        for eq, shapes in EINSUM_FORMS:
            w.add("einsum", einsum, eq, *[make(s, dt) for s in shapes])
    # bigger products (the blocked kernel and BLAS paths, threads)
    w.add("mm", torch.mm, make((130, 70)), make((70, 90), layout="t"), atol=1e-5, rtol=1e-5)
    w.add("mm", torch.mm, make((130, 70), F64, "step"), make((70, 90), F64))
    w.add("mm", torch.mm, make((130, 70), I64), make((70, 90), I64, "t"))
    w.add("matmul", torch.matmul, make((4, 33, 20)), make((20, 17)), atol=1e-5, rtol=1e-5)
    # integers wrap around like PyTorch
    w.add("mm", torch.mm, torch.full((2, 3), 200, dtype=U8), torch.full((3, 2), 100, dtype=U8))
    w.add("mm", torch.mm, torch.full((2, 3), 2**30, dtype=I32), torch.full((3, 2), 7, dtype=I32))
    # empty dims: K = 0 gives zeros, M or N = 0 an empty result
    w.add("mm", torch.mm, make((3, 0)), make((0, 4)))
    w.add("mm", torch.mm, make((0, 3)), make((3, 4)))
    w.add("bmm", torch.bmm, make((2, 3, 0)), make((2, 0, 4)))
    w.add("matmul", torch.matmul, make((2, 0, 3)), make((3, 4)))
    w.add("dot", torch.dot, make((0,)), make((0,)))
    w.add("addmm", addmm, make((3, 4)), make((3, 0)), make((0, 4)), 2.0, 1.0)
    w.add("einsum", einsum, "ij,jk->ik", make((3, 0)), make((0, 4)))
    # beta = 0 ignores NaN in self
    nan = torch.full((5, 6), float("nan"))
    w.add("addmm", addmm, nan, make((5, 7)), make((7, 6)), 0.0, 1.0)
    # mixed dtypes: outer promotes, the products do not
    w.add("outer", torch.outer, make((3,), I64), make((4,), F32))
    w.add("outer", torch.outer, make((3,), B), make((4,), B))
    w.add("mm", torch.mm, make((2, 3)), make((3, 2), F64), error="expected scalar type Float but found Double")
    w.add("bmm", torch.bmm, make((2, 2, 3), I64), make((2, 3, 2), I32),
          error="expected scalar type Long but found Int")
    w.add("matmul", torch.matmul, make((2, 3), F64), make((3, 2)),
          error="expected scalar type Double but found Float")
    w.add("dot", torch.dot, make((3,)), make((3,), F64), error="expected both vectors to have same dtype")
    w.add("mv", torch.mv, make((2, 3)), make((3,), I64), error="expected scalar type Float but found Long")
    w.add("mm", torch.mm, make((2, 3), B), make((3, 2), B), error="not implemented for 'Bool'")
    w.add("addmm", addmm, make((2, 2), F64), make((2, 3)), make((3, 2)), 1, 1,
          error="self and mat2 must have the same dtype")
    # shape errors
    w.add("mm", torch.mm, make((4, 3)), make((4, 5)), error="mat1 and mat2 shapes cannot be multiplied (4x3 and 4x5)")
    w.add("mm", torch.mm, make((4,)), make((4, 5)), error="self must be a matrix")
    w.add("bmm", torch.bmm, make((2, 3, 4)), make((3, 4, 5)),
          error="Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [3, 4].")
    w.add("matmul", torch.matmul, make(()), make((3,)),
          error="both arguments to matmul need to be at least 1D, but they are 0D and 1D")
    w.add("matmul", torch.matmul, make((2, 3, 4)), make((3, 4, 5)), error="must match the size")
    w.add("dot", torch.dot, make((3,)), make((4,)), error="inconsistent tensor size")
    w.add("mv", torch.mv, make((2, 3)), make((4,)), error="size mismatch")
    w.add("outer", torch.outer, make((2, 3)), make((4,)), error="Expected 1-D argument self")
    w.add("einsum", einsum, "ij,jk->ik", make((3, 4)), make((5, 6)), error="subscript j has size 5")
    w.add("einsum", einsum, "ij->k", make((3, 4)), error="output subscript k does not appear")


def grad_cases(w):
    D = F64
    for la in ["contig", "t", "step"]:
        for lb in ["contig", "t", "step"]:
            w.add("mm", torch.mm, make((3, 4), D, la), make((4, 5), D, lb), grad2=True)
        w.add("bmm", torch.bmm, make((2, 3, 4), D, la), make((2, 4, 5), D, "t"), grad2=True)
        w.add("mv", torch.mv, make((3, 4), D, la), make((4,), D, "step"), grad2=True)
        w.add("addmm", addmm, make((5,), D), make((3, 4), D, la), make((4, 5), D, "t"),
              0.5, -2.0, grad2=True)
        w.add("baddbmm", baddbmm, make((3, 1), D), make((2, 3, 4), D, la),
              make((2, 4, 5), D, "step"), -1.5, 0.75, grad2=True)
    for sa, sb in MATMUL_SHAPES:
        w.add("matmul", torch.matmul, make(sa, D), make(sb, D), grad2=True)
        w.add("matmul", torch.matmul, make(sa, D, "t"), make(sb, D, "step"), grad2=True)
    w.add("dot", torch.dot, make((6,), D), make((6,), D, "step"), grad2=True)
    w.add("outer", torch.outer, make((3,), D), make((4,), D, "step"), grad2=True)
    w.add("addmm", addmm, make((3, 5), D), make((3, 4), D), make((4, 5), D), 1.0, 1.0, grad2=True)
    w.add("addmm", addmm, make((1, 5), D), make((3, 4), D), make((4, 5), D), 0.0, 3.0, grad2=True)
    w.add("addmm", addmm, make((3, 1), D), make((3, 4), D), make((5, 4), D).t(), 2.0, 0.5, grad2=True)
    w.add("baddbmm", baddbmm, make((2, 3, 5), D), make((2, 3, 4), D), make((2, 4, 5), D),
          1.0, 1.0, grad2=True)
    for eq, shapes in EINSUM_FORMS:
        w.add("einsum", einsum, eq, *[make(s, D) for s in shapes], grad2=True)
        w.add("einsum", einsum, eq, *[make(s, D, "t") for s in shapes], grad2=True)
    # float32 gradients (the Linear layer's shapes, small)
    w.add("mm", torch.mm, make((8, 6)), make((5, 6)).t(), grad=True)
    w.add("matmul", torch.matmul, make((2, 3, 6)), make((6, 4)), grad=True)
    w.add("addmm", addmm, make((4,)), make((8, 6)), make((4, 6)).t(), 1.0, 1.0, grad=True)
    w.add("einsum", einsum, "bij,bjk->bik", make((2, 3, 4)), make((2, 4, 5)), grad=True)
    # empty operands: zero gradients of the right shapes
    w.add("einsum", einsum, "i,j->ij", make((0,), D), make((4,), D), grad2=True)
    w.add("einsum", einsum, "ij,jk->ik", make((3, 0), D), make((0, 4), D), grad2=True)
    w.add("einsum", einsum, "ij,jk->k", make((0, 2), D), make((2, 4), D), grad2=True)
    w.add("mm", torch.mm, make((3, 0), D), make((0, 4), D), grad2=True)
    w.add("matmul", torch.matmul, make((2, 0, 3), D), make((3, 4), D), grad2=True)
    # an integer operand: only the float ones get gradients (outer promotes)
    w.add("outer", torch.outer, make((3,), I64), make((4,), D), grad2=True)


def cases(w):
    forward_cases(w)
    grad_cases(w)
