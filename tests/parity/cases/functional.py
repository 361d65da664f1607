"""Parity cases for the nn functional ops (include/ctorch/functional.h):
outputs, first-order gradients and (grad2) second-order gradients against
PyTorch 1.13 for the same inputs."""
import torch
import torch.nn.functional as F

from parity import make

F32, F64, I64, I32 = torch.float32, torch.float64, torch.int64, torch.int32


def bn(x, rm, rv, w, b, training, momentum, eps):
    # running buffers are copies: the update must not touch the case's inputs
    rm = None if rm is None else rm.detach().clone()
    rv = None if rv is None else rv.detach().clone()
    return F.batch_norm(x, rm, rv, w, b, training, momentum, eps)


def bn_running(x1, x2, x3, rm, rv, momentum):
    rm, rv = rm.detach().clone(), rv.detach().clone()
    out = None
    for x in (x1, x2, x3):
        out = F.batch_norm(x, rm, rv, None, None, True, momentum, 1e-5)
    return out, rm, rv


def dropout_seeded(x, p, seed):
    torch.manual_seed(seed)
    return F.dropout(x, p, True)


def dropout2d_seeded(x, p, seed):
    torch.manual_seed(seed)
    return F.dropout2d(x, p, True)


def cases(w):
    # ---------------------------------------------------------------- linear
    for layout in ["contig", "t", "step"]:
        x = make((6, 5), F32, layout)
        wt, b = make((4, 5), F32, layout), make((4,))
        w.add("linear", F.linear, x, wt, b, grad=True)
        w.add("linear", F.linear, x, wt, None, grad=True)
    w.add("linear", F.linear, make((2, 3, 5)), make((4, 5)), make((4,)), grad=True)
    w.add("linear", F.linear, make((2, 3, 5), layout="t"), make((4, 5)), None, grad=True)
    w.add("linear", F.linear, make((5,)), make((4, 5)), make((4,)), grad=True)
    w.add("linear", F.linear, make((6, 5)), make((4, 5)), make((1,)), grad=True)
    w.add("linear", F.linear, make((0, 5)), make((4, 5)), make((4,)), grad=True)
    w.add("linear", F.linear, make((3, 0)), make((4, 0)), make((4,)), grad=True)
    w.add("linear", F.linear, make((3, 5), I64), make((4, 5), I64), make((4,), I64))
    for la in ["contig", "t"]:
        w.add("linear", F.linear, make((4, 3), F64, la), make((2, 3), F64, la), make((2,), F64), grad2=True)
    w.add("linear", F.linear, make((64, 784)), make((256, 784)), make((256,)), grad=True,
          atol=1e-4, rtol=1e-4)
    w.add("linear", F.linear, make((4, 5)), make((3, 4)), None, error="mat1 and mat2 shapes cannot be multiplied (4x5 and 4x3)")
    w.add("linear", F.linear, make((4, 5), F64), make((3, 5)), None, error="expected scalar type Double but found Float")
    w.add("linear", F.linear, make((4, 5)), make((3, 5)), make((4,)), error="The expanded size of the tensor (3) must match the existing size (4)")
    w.add("linear", F.linear, make(()), make((3, 5)), None, error="both arguments to matmul need to be at least 1D")

    # ----------------------------------------------------------- activations
    acts = {
        "leaky_relu": (lambda t, s: F.leaky_relu(t, s), [0.01, 0.2, -0.5]),
        "elu": (lambda t, a: F.elu(t, a), [1.0, 0.5, -0.3]),
        "softplus": (lambda t, b, th: F.softplus(t, b, th), [(1.0, 20.0), (2.0, 1.0), (0.5, 3.0)]),
        "hardtanh": (lambda t, lo, hi: F.hardtanh(t, lo, hi), [(-1.0, 1.0), (-0.5, 2.0)]),
    }
    for name, (fn, params) in acts.items():
        for p in params:
            p = p if isinstance(p, tuple) else (p,)
            for layout in ["contig", "t", "step", "expand"]:
                w.add(name, fn, make((5, 6), F32, layout), *p, grad=True)
            w.add(name, fn, make((4, 3), F64), *p, grad2=True)
    for approx in ["none", "tanh"]:
        gelu = lambda t, a: F.gelu(t, approximate=a)
        for layout in ["contig", "t", "step"]:
            w.add("gelu", gelu, make((5, 6), F32, layout), approx, grad=True)
        w.add("gelu", gelu, make((4, 3), F64), approx, grad2=True)
        w.add("gelu", gelu, make((0, 3)), approx)
        w.add("gelu", gelu, make(()), approx, grad=True)
    w.add("gelu", lambda t, a: F.gelu(t, approximate=a), make((3,)), "foo", error="approximate argument must be either none or tanh.")
    for layout in ["contig", "t", "step", "expand"]:
        w.add("silu", F.silu, make((5, 6), F32, layout), grad=True)
    w.add("silu", F.silu, make((4, 3), F64), grad2=True)
    big = torch.tensor([-100.0, -20.0, -1e-3, 0.0, 1e-3, 20.0, 100.0, float("inf"), -float("inf"), float("nan")])
    for name, fn, extra in [("leaky_relu", F.leaky_relu, (0.01,)), ("elu", F.elu, (1.0,)),
                            ("gelu", lambda t, a: F.gelu(t, approximate=a), ("none",)),
                            ("gelu", lambda t, a: F.gelu(t, approximate=a), ("tanh",)),
                            ("silu", F.silu, ()), ("softplus", F.softplus, (1.0, 20.0)),
                            ("hardtanh", F.hardtanh, (-1.0, 1.0))]:
        w.add(name, fn, big, *extra)
        w.add(name, fn, make((3,), I64), *extra, error="not implemented for 'Long'") if name != "hardtanh" else None
    w.add("hardtanh", F.hardtanh, make((3, 4), I64), -1.0, 1.0)
    # in place (on a clone, as the C adapters do)
    w.add("leaky_relu_", lambda t, s: F.leaky_relu_(t.clone(), s), make((4, 5), F64), 0.1, grad2=True)
    w.add("elu_", lambda t, a: F.elu_(t.clone(), a), make((4, 5), F64), 0.7, grad2=True)
    w.add("leaky_relu_", lambda t, s: F.leaky_relu_(t.clone(), s), make((4, 5), F32, "t"), 0.1, grad=True)

    # --------------------------------------------------------------- softmax
    for name, fn in [("softmax", F.softmax), ("log_softmax", F.log_softmax)]:
        for dim in [0, 1, -1, 2]:
            w.add(name, fn, make((3, 4, 5)), dim, grad=True)
        for layout in ["t", "step", "expand"]:
            w.add(name, fn, make((6, 7), F32, layout), 1, grad=True)
            w.add(name, fn, make((6, 7), F32, layout), 0, grad=True)
        w.add(name, fn, make((3, 4), F64), 1, grad2=True)
        w.add(name, fn, make((3, 4), F64), 0, grad2=True)
        w.add(name, fn, make(()), 0, grad=True)
        w.add(name, fn, make((0, 4)), 1)
        w.add(name, fn, make((512, 10)) * 30, 1, grad=True)
        w.add(name, fn, torch.tensor([[1000.0, 0.0, -1000.0], [-float("inf"), 0.0, 1.0]]), 1)
        w.add(name, fn, make((3, 4)), 2, error="Dimension out of range")
        w.add(name, fn, make((3, 4), I64), 1, error="not implemented for 'Long'")
        w.add(name + "_dtype", lambda t, d: fn(t, d, dtype=torch.float64), make((3, 4), I64), 1)
        w.add(name + "_dtype", lambda t, d: fn(t, d, dtype=torch.float64), make((3, 4)), 0, grad=True)
        w.add(name, fn, make((300, 257)), 1, grad=True)
        w.add(name, fn, make((300, 257)), 0, grad=True)

    # --------------------------------------------------------------- dropout
    for p in [0.0, 0.2, 0.5, 0.9, 1.0]:
        w.add("dropout_seeded", dropout_seeded, make((50, 40)), p, 7, grad=True)
        w.add("dropout_seeded", dropout_seeded, make((50, 40), F64, "t"), p, 11, grad=True)
    w.add("dropout_seeded", dropout_seeded, make((3,)), 1.5, 0, error="dropout probability has to be between 0 and 1, but got 1.5")
    w.add("dropout_eval", lambda t, p: F.dropout(t, p, False), make((4, 5)), 0.5, grad=True)
    w.add("dropout2d_seeded", dropout2d_seeded, make((8, 6, 3, 3)), 0.3, 5, grad=True)
    w.add("dropout2d_seeded", dropout2d_seeded, make((8, 6, 4)), 0.5, 9, grad=True)
    w.add("dropout2d_seeded", dropout2d_seeded, make((8,)), 0.5, 9, error="Feature dropout requires at least 2 dimensions in the input")

    # ------------------------------------------------------------ batch norm
    # (planes of 64 elements and more take the streaming passes of src/kernels/norm.c)
    for shape in [(8, 3), (4, 3, 5), (4, 3, 2, 5), (4, 3, 9, 8), (3, 5, 12, 11)]:
        C = shape[1]
        rm, rv = make((C,)), make((C,)).abs() + 0.5
        wt, b = make((C,)), make((C,))
        for training in [True, False]:
            w.add("batch_norm", bn, make(shape), rm, rv, wt, b, training, 0.1, 1e-5, grad=True, atol=1e-5, rtol=1e-4)
            w.add("batch_norm", bn, make(shape), rm, rv, None, None, training, 0.1, 1e-5, grad=True, atol=1e-5, rtol=1e-4)
        w.add("batch_norm", bn, make(shape), None, None, wt, None, True, 0.1, 1e-3, grad=True, atol=1e-5, rtol=1e-4)
        w.add("batch_norm", bn, make(shape, F64), rm.double(), rv.double(), wt.double(), b.double(), True, 0.1, 1e-5, grad=True)
    w.add("batch_norm", bn, make((6, 4, 3), F32, "t"), None, None, make((4,)), make((4,)), True, 0.1, 1e-5, grad=True, atol=1e-5, rtol=1e-4)
    # (PyTorch 1.13 cannot take eval-mode batch_norm's second derivative; training mode it can)
    w.add("batch_norm", bn, make((6, 4), F64), make((4,), F64), make((4,), F64).abs() + 0.5, make((4,), F64), make((4,), F64), False, 0.1, 1e-5, grad=True)
    w.add("batch_norm", bn, make((6, 4), F64), None, None, make((4,), F64), make((4,), F64), True, 0.1, 1e-5, grad2=True)
    w.add("batch_norm", bn, make((3, 2, 4), F64), None, None, None, None, True, 0.1, 1e-5, grad2=True)
    w.add("batch_norm", bn, make((1, 3)), None, None, None, None, True, 0.1, 1e-5, error="Expected more than 1 value per channel when training")
    w.add("batch_norm", bn, make((4, 3)), make((2,)), make((3,)), None, None, True, 0.1, 1e-5, error="running_mean should contain 3 elements not 2")
    w.add("batch_norm", bn, make((4, 3)), None, None, None, None, False, 0.1, 1e-5, error="running_mean must be defined in evaluation mode")
    w.add("batch_norm", bn, make((4, 3), I64), None, None, None, None, True, 0.1, 1e-5, error="\"batch_norm\" not implemented for 'Long'")
    w.add("batch_norm_running", bn_running, make((16, 4, 3)), make((16, 4, 3)) * 2 + 1, make((16, 4, 3)) - 1,
          make((4,)), make((4,)).abs() + 0.5, 0.1)
    w.add("batch_norm_running", bn_running, make((32, 5)), make((32, 5)), make((32, 5)) * 3, torch.zeros(5), torch.ones(5), 0.3)

    # ------------------------------------------------------------ layer norm
    ln = lambda x, ns, wt, b, eps: F.layer_norm(x, ns, wt, b, eps)
    w.add("layer_norm", ln, make((4, 6)), (6,), make((6,)), make((6,)), 1e-5, grad=True, atol=1e-5, rtol=1e-4)
    w.add("layer_norm", ln, make((2, 3, 4, 5)), (4, 5), make((4, 5)), make((4, 5)), 1e-5, grad=True, atol=1e-5, rtol=1e-4)
    w.add("layer_norm", ln, make((2, 3, 4), F32, "t"), (3, 4), None, None, 1e-5, grad=True, atol=1e-5, rtol=1e-4)
    w.add("layer_norm", ln, make((5,)), (5,), make((5,)), None, 1e-3, grad=True, atol=1e-5, rtol=1e-4)
    w.add("layer_norm", ln, make((3, 4), F64), (4,), make((4,), F64), make((4,), F64), 1e-5, grad2=True)
    w.add("layer_norm", ln, make((3, 4), F64), (3, 4), make((3, 4), F64), None, 1e-5, grad2=True)
    w.add("layer_norm", ln, make((3, 4), F64), (3, 4), None, make((3, 4), F64), 1e-5, grad=True)
    w.add("layer_norm", ln, make((4, 5)), (4,), None, None, 1e-5, error="Given normalized_shape=[4], expected input with shape [*, 4], but got input of size[4, 5]")
    w.add("layer_norm", ln, make((4, 5)), (5,), make((4,)), None, 1e-5, error="Expected weight to be of same shape as normalized_shape, but got weight of shape [4] and normalized_shape = [5]")
    w.add("layer_norm", ln, make((4, 5), I64), (5,), None, None, 1e-5, error="\"LayerNormKernelImpl\" not implemented for 'Long'")

    # ------------------------------------------------------------- embedding
    table = make((10, 4))
    emb = lambda i, t, p: F.embedding(i, t, p)
    idx = torch.tensor([[1, 2, 4, 5], [4, 3, 2, 9]])
    w.add("embedding", emb, idx, table, None, grad=True)
    w.add("embedding", emb, idx, table, 2, grad=True)
    w.add("embedding", emb, idx, table, -1, grad=True)
    w.add("embedding", emb, idx.to(I32), make((10, 4), F64), None, grad2=True)
    w.add("embedding", emb, torch.tensor(3), table, None, grad=True)
    w.add("embedding", emb, idx.t(), make((10, 4), F32, "t"), 4, grad=True)
    w.add("embedding", emb, torch.tensor([1, 10]), table, None, error="index out of range in self")
    w.add("embedding", emb, torch.tensor([-1]), table, None, error="index out of range in self")
    w.add("embedding", emb, torch.tensor([1.0]), table, None, error="Long, Int; but got torch.FloatTensor instead")
    w.add("embedding", emb, torch.tensor([1]), table, 10, error="Padding_idx must be within num_embeddings")
