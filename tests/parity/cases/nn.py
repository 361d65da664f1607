"""Parity cases for the nn layers as modules (include/ctorch/layers.h): the
torch side builds the nn.Module, gives it the case's weights (parameters via
torch.nn.utils.stateless.functional_call, so gradients reach the arguments;
buffers copied in) and runs it in train or eval mode; tests/parity/ops_nn.c
builds the ctorch module and loads the same tensors. grad=True compares the
gradients of the first output with respect to the input and every parameter.
"""
import torch
import torch.nn as nn
from torch.nn.utils.stateless import functional_call

from parity import make

F32, F64, I64 = torch.float32, torch.float64, torch.int64


def run(module, params, x, training):
    module.train(training)
    return functional_call(module, {k: v for k, v in params.items() if v is not None}, (x,))


def linear(x, w, b):
    m = nn.Linear(w.shape[1], w.shape[0], bias=b is not None).to(w.dtype)
    return run(m, {"weight": w, "bias": b}, x, True)


def act(name, *args):
    def fn(x):
        return ACTS[name](*args)(x)
    return fn


ACTS = {
    "relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "elu": nn.ELU, "gelu": nn.GELU, "silu": nn.SiLU,
    "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "softplus": nn.Softplus, "softmax": nn.Softmax,
    "log_softmax": nn.LogSoftmax,
}


def dropout(x, p, seed, training, channels):
    m = (nn.Dropout2d if channels else nn.Dropout)(p)
    m.train(training)
    torch.manual_seed(seed)
    return m(x)


def batch_norm(x, w, b, rm, rv, training, momentum, eps, steps, dims):
    """steps forwards of x's chunks; outputs: all outputs concatenated, then the buffers."""
    cls = nn.BatchNorm1d if dims == 1 else nn.BatchNorm2d
    m = cls(x.shape[1], eps=eps, momentum=None if momentum < 0 else momentum, affine=w is not None,
            track_running_stats=rm is not None).to(x.dtype)
    if rm is not None:
        with torch.no_grad():
            m.running_mean.copy_(rm)
            m.running_var.copy_(rv)
    outs = [run(m, {"weight": w, "bias": b}, xi, training) for xi in x.chunk(steps)]
    y = torch.cat(outs)
    if rm is None:
        return y
    return y, m.running_mean.clone(), m.running_var.clone(), m.num_batches_tracked.clone()


def layer_norm(x, shape, w, b, eps):
    m = nn.LayerNorm(shape, eps=eps, elementwise_affine=w is not None).to(x.dtype)
    return run(m, {"weight": w, "bias": b}, x, True)


def embedding(idx, w, padding_idx):
    m = nn.Embedding(w.shape[0], w.shape[1], padding_idx=padding_idx).to(w.dtype)
    return run(m, {"weight": w}, idx, True)


def mlp(x, w1, b1, g, bb, w2, b2, training):
    """Sequential(Linear, BatchNorm1d, GELU, LayerNorm-free Linear, LogSoftmax) in one go."""
    m = nn.Sequential(nn.Linear(w1.shape[1], w1.shape[0]), nn.BatchNorm1d(w1.shape[0]), nn.GELU(),
                      nn.Linear(w2.shape[1], w2.shape[0]), nn.LogSoftmax(dim=1))
    params = {"0.weight": w1, "0.bias": b1, "1.weight": g, "1.bias": bb, "3.weight": w2, "3.bias": b2}
    return run(m, params, x, training)


def loss(name, x, t, w):
    ctor = {"mse": nn.MSELoss, "l1": nn.L1Loss, "smooth_l1": nn.SmoothL1Loss, "huber": nn.HuberLoss,
            "ce": nn.CrossEntropyLoss, "nll": nn.NLLLoss, "bce": nn.BCELoss, "bce_logits": nn.BCEWithLogitsLoss,
            "kl_div": nn.KLDivLoss}[name]
    m = ctor(weight=w.detach()) if w is not None else ctor()
    return m(x, t)


def cases(w):
    # ------------------------------------------------------------------ Linear
    for la in ["contig", "t"]:
        w.add("nn_linear", linear, make((5, 4), F32, la), make((3, 4), F32, la), make((3,)), grad=True)
    w.add("nn_linear", linear, make((2, 5, 4)), make((3, 4)), None, grad=True)
    w.add("nn_linear", linear, make((6, 4), F64), make((3, 4), F64), make((3,), F64), grad=True)
    w.add("nn_linear", linear, make((5, 3)), make((3, 4)), make((3,)),
          error="mat1 and mat2 shapes cannot be multiplied (5x3 and 4x3)")

    # ------------------------------------------------------------- activations
    acts = [("relu", []), ("leaky_relu", [0.2]), ("elu", [0.7]), ("gelu", ["none"]), ("gelu", ["tanh"]),
            ("silu", []), ("sigmoid", []), ("tanh", []), ("softplus", [2.0, 3.0]), ("softmax", [1]),
            ("log_softmax", [-1]), ("softmax", [0])]
    for name, args in acts:
        for la in ["contig", "t"]:
            w.add("nn_act", lambda x, n, *a: act(n, *a)(x), make((4, 6), F32, la), name, *args, grad=True)
        w.add("nn_act", lambda x, n, *a: act(n, *a)(x), make((3, 5), F64), name, *args, grad=True)
    w.add("nn_act", lambda x, n: act(n)(x), make((3,), I64), "silu", error="\"silu_cpu\" not implemented for 'Long'")

    # ----------------------------------------------------------------- Dropout
    for p in [0.0, 0.3, 0.5, 1.0]:
        for training in [True, False]:
            w.add("nn_dropout", dropout, make((8, 16)), p, 7, training, False, grad=True)
    w.add("nn_dropout", dropout, make((4, 6, 3, 3)), 0.4, 11, True, True, grad=True)
    w.add("nn_dropout", dropout, make((4, 6, 3, 3)), 0.4, 11, False, True, grad=True)

    # --------------------------------------------------------------- BatchNorm
    C = 3
    for dims, shape in [(1, (12, C)), (1, (12, C, 5)), (2, (12, C, 4, 5))]:
        x = make(shape, F32, low=-2, high=4)
        g, b = make((C,), low=0.5, high=1.5), make((C,))
        rm, rv = make((C,), low=-0.5, high=0.5), make((C,), low=0.5, high=2.0)
        # training: three steps update the running statistics; eval uses them
        w.add("nn_batch_norm", batch_norm, x, g, b, rm, rv, True, 0.1, 1e-5, 3, dims, grad=True,
              atol=1e-5, rtol=1e-4)
        w.add("nn_batch_norm", batch_norm, x, g, b, rm, rv, False, 0.1, 1e-5, 1, dims, grad=True)
        w.add("nn_batch_norm", batch_norm, x, None, None, rm, rv, True, 0.3, 1e-3, 2, dims, grad=True,
              atol=1e-5, rtol=1e-4)
        w.add("nn_batch_norm", batch_norm, x, g, b, rm, rv, True, -1.0, 1e-5, 3, dims, grad=True,
              atol=1e-5, rtol=1e-4)  # momentum=None: cumulative average
        w.add("nn_batch_norm", batch_norm, x, g, b, None, None, False, 0.1, 1e-5, 2, dims, grad=True,
              atol=1e-5, rtol=1e-4)  # no running stats: batch statistics even in eval
    x64 = make((10, C, 2), F64)
    w.add("nn_batch_norm", batch_norm, x64, make((C,), F64), make((C,), F64), make((C,), F64, low=-1, high=1),
          make((C,), F64, low=0.5, high=2), True, 0.1, 1e-5, 2, 1, grad=True)
    w.add("nn_batch_norm", batch_norm, make((4, C, 2, 2)), None, None, make((C,)), make((C,)), True, 0.1, 1e-5, 1, 1,
          error="expected 2D or 3D input (got 4D input)")
    w.add("nn_batch_norm", batch_norm, make((4, C)), None, None, make((C,)), make((C,)), True, 0.1, 1e-5, 1, 2,
          error="expected 4D input (got 2D input)")

    # --------------------------------------------------------------- LayerNorm
    w.add("nn_layer_norm", layer_norm, make((4, 6)), (6,), make((6,)), make((6,)), 1e-5, grad=True, atol=1e-5)
    w.add("nn_layer_norm", layer_norm, make((2, 3, 4, 5), F32, "t"), (4, 5), make((4, 5)), make((4, 5)), 1e-3,
          grad=True, atol=1e-5)
    w.add("nn_layer_norm", layer_norm, make((3, 8), F64), (8,), None, None, 1e-5, grad=True)

    # --------------------------------------------------------------- Embedding
    idx = torch.tensor([[0, 2, 4], [4, 3, 2]])
    w.add("nn_embedding", embedding, idx, make((5, 3)), None, grad=True)
    w.add("nn_embedding", embedding, idx, make((5, 3)), 2, grad=True)
    w.add("nn_embedding", embedding, idx, make((5, 3), F64), -1, grad=True)
    w.add("nn_embedding", embedding, torch.tensor([5]), make((5, 3)), None, error="index out of range in self")

    # ------------------------------------------------------- a small network
    for training in [True, False]:
        w.add("nn_mlp", mlp, make((16, 10)), make((8, 10), low=-0.3, high=0.3), make((8,)), make((8,), low=0.5, high=1.5),
              make((8,)), make((4, 8), low=-0.3, high=0.3), make((4,)), training, grad=True, atol=1e-5, rtol=1e-4)

    # ------------------------------------------------------------ loss modules
    x, t = make((4, 5)), make((4, 5))
    for name in ["mse", "l1", "smooth_l1", "huber"]:
        w.add("nn_loss", loss, name, x, t, None, grad=True)
    y = torch.tensor([1, 0, 4, 2])
    w.add("nn_loss", loss, "ce", x, y, None, grad=True)
    w.add("nn_loss", loss, "ce", x, y, make((5,), low=0.5, high=2), grad=True)
    w.add("nn_loss", loss, "nll", torch.log_softmax(x, 1), y, None, grad=True)
    p = torch.sigmoid(make((4, 5)))
    w.add("nn_loss", loss, "bce", p, torch.rand(4, 5), None, grad=True)
    w.add("nn_loss", loss, "bce_logits", x, torch.rand(4, 5), None, grad=True)
    w.add("nn_loss", loss, "kl_div", torch.log_softmax(x, 1), torch.softmax(t, 1), None, grad=True)
