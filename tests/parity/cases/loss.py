"""Parity cases for the losses (include/ctorch/loss.h), with gradients.

weight and pos_weight are detached inside the torch calls (PyTorch refuses a
weight that requires grad, and the harness marks every floating argument);
tests/parity/ops_loss.c detaches them the same way.
"""
import torch
import torch.nn.functional as F

from parity import make

F32, F64, I64 = torch.float32, torch.float64, torch.int64
REDS = ["mean", "sum", "none"]


def det(t):
    return None if t is None else t.detach()


def ce(x, y, w, ii, red, ls):
    return F.cross_entropy(x, y, weight=det(w), ignore_index=ii, reduction=red, label_smoothing=ls)


def nll(x, y, w, ii, red):
    return F.nll_loss(x, y, weight=det(w), ignore_index=ii, reduction=red)


def bce(x, t, w, red):
    return F.binary_cross_entropy(x, t, weight=det(w), reduction=red)


def bcel(x, t, w, pw, red):
    return F.binary_cross_entropy_with_logits(x, t, weight=det(w), pos_weight=det(pw), reduction=red)


def labels(shape, c, ignore=None, frac=0.3):
    y = torch.randint(0, c, shape, dtype=I64)
    if ignore is not None:
        y = torch.where(torch.rand(shape) < frac, torch.full(shape, ignore, dtype=I64), y)
    return y


def probs(shape, dim, dtype):
    return torch.softmax(make(shape, F64), dim).to(dtype)


def regression(w):
    fns = {
        "mse_loss": lambda x, t, r: F.mse_loss(x, t, reduction=r),
        "l1_loss": lambda x, t, r: F.l1_loss(x, t, reduction=r),
    }
    for dt in [F32, F64]:
        for red in REDS:
            for name, fn in fns.items():
                w.add(name, fn, make((4, 5), dt), make((4, 5), dt), red, grad=True, grad2=(name == "mse_loss"))
                w.add(name, fn, make((4, 5), dt, "t"), make((4, 5), dt, "step"), red, grad=True)
                w.add(name, fn, make((3, 1, 4), dt), make((5, 1), dt), red, grad=True)  # broadcast
                w.add(name, fn, make((), dt), make((), dt), red, grad=True)
                w.add(name, fn, make((0, 3), dt), make((0, 3), dt), red, grad=True)
            for beta in [1.0, 0.5, 2.0, 0.0]:
                w.add("smooth_l1_loss", lambda x, t, r, b: F.smooth_l1_loss(x, t, reduction=r, beta=b),
                      make((6, 5), dt), make((6, 5), dt), red, beta, grad=True)
            w.add("smooth_l1_loss", lambda x, t, r, b: F.smooth_l1_loss(x, t, reduction=r, beta=b),
                  make((6, 1), dt), make((5,), dt, "expand"), red, 1.0, grad=True)
            for delta in [1.0, 0.3, 2.5]:
                w.add("huber_loss", lambda x, t, r, d: F.huber_loss(x, t, reduction=r, delta=d),
                      make((6, 5), dt), make((6, 5), dt, "t"), red, delta, grad=True)
    # The notes' MNIST MLP: mse against one_hot targets, float32 [512, 10].
    out = make((512, 10), F32)
    oh = F.one_hot(torch.randint(0, 10, (512,)), 10).float()
    w.add("mse_loss", lambda x, t, r: F.mse_loss(x, t, reduction=r), out, oh, "mean", grad=True, grad2=True)
    # Promotion: float32 with float64 or int64 targets.
    w.add("mse_loss", lambda x, t, r: F.mse_loss(x, t, reduction=r), make((3, 4), F32), make((3, 4), F64), "mean")
    w.add("mse_loss", lambda x, t, r: F.mse_loss(x, t, reduction=r), make((3, 4), F32), make((3, 4), I64), "sum")
    # Errors.
    w.add("mse_loss", lambda x, t, r: F.mse_loss(x, t, reduction=r), make((3, 5)), make((4, 5)), "mean",
          error="The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0")
    w.add("mse_loss", lambda x, t, r: F.mse_loss(x, t, reduction=r), make((3,), I64), make((3,), I64), "mean",
          error="\"mse_cpu\" not implemented for 'Long'")
    w.add("smooth_l1_loss", lambda x, t, r, b: F.smooth_l1_loss(x, t, reduction=r, beta=b), make((3,)), make((3,)),
          "mean", -1.0, error="smooth_l1_loss does not support negative values for beta.")
    w.add("huber_loss", lambda x, t, r, d: F.huber_loss(x, t, reduction=r, delta=d), make((3,)), make((3,)),
          "mean", -1.0, error="huber_loss does not support non-positive values for delta.")


def kl(w):
    fn = lambda x, t, r, lt: F.kl_div(x, t, reduction=r, log_target=lt)  # noqa: E731
    for dt in [F32, F64]:
        for red in REDS + ["batchmean"]:
            x = torch.log_softmax(make((4, 6), F64), 1).to(dt)
            w.add("kl_div", fn, x, probs((4, 6), 1, dt), red, False, grad=True)
            w.add("kl_div", fn, x, torch.log_softmax(make((4, 6), F64), 1).to(dt), red, True, grad=True)
            w.add("kl_div", fn, x, probs((4, 1), 0, dt), red, False, grad=True)  # broadcast
        w.add("kl_div", fn, make((), dt), make((), dt).abs(), "batchmean", False, grad=True)
    # xlogy(0, 0) = 0 in the forward.
    w.add("kl_div", fn, make((2, 3), F64), torch.tensor([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]], dtype=F64), "sum", False)
    w.add("kl_div", fn, make((3,), I64), make((3,)), "mean", False, error="Integral inputs not supported.")


def bces(w):
    for dt in [F32, F64]:
        for red in REDS:
            x = torch.rand(5, 4, dtype=F64).clamp(0.02, 0.98).to(dt)
            t = torch.rand(5, 4, dtype=F64).to(dt)
            w.add("binary_cross_entropy", bce, x, t, None, red, grad=True)
            w.add("binary_cross_entropy", bce, x.t(), t.t(), make((4, 1), dt).abs(), red, grad=True)
            w.add("binary_cross_entropy", bce, x, t, make((4,), dt).abs(), red, grad=True)
            lx, lt = make((5, 4), dt, high=6.0, low=-6.0), torch.rand(5, 4).to(dt)
            w.add("binary_cross_entropy_with_logits", bcel, lx, lt, None, None, red, grad=True)
            w.add("binary_cross_entropy_with_logits", bcel, lx, lt, make((5, 4), dt).abs(), None, red, grad=True)
            w.add("binary_cross_entropy_with_logits", bcel, lx, lt, None, make((4,), dt).abs() + 0.1, red, grad=True)
            w.add("binary_cross_entropy_with_logits", bcel, lx, lt, make((5, 1), dt).abs(),
                  make((4,), dt).abs() + 0.1, red, grad=True)
            w.add("binary_cross_entropy_with_logits", bcel, make((2, 3, 4), dt, "t"),
                  torch.rand(2, 3, 4).to(dt), None, make((4,), dt).abs(), red, grad=True)
    # Saturated values: log clamps at -100; large logits stay finite.
    w.add("binary_cross_entropy", bce, torch.tensor([0.0, 1.0, 0.5, 1.0]), torch.tensor([1.0, 0.0, 0.5, 1.0]),
          None, "none")
    w.add("binary_cross_entropy_with_logits", bcel, torch.tensor([-200.0, 200.0, 0.0, 30.0]),
          torch.tensor([1.0, 0.0, 0.5, 1.0]), None, None, "none", grad=True)
    w.add("binary_cross_entropy_with_logits", bcel, torch.tensor([-200.0, 200.0, 0.0, 30.0]),
          torch.tensor([1.0, 0.0, 0.5, 1.0]), None, torch.tensor([2.0, 3.0, 0.5, 1.0]), "none", grad=True)
    # Errors.
    w.add("binary_cross_entropy", bce, torch.tensor([0.5, 1.5]), torch.tensor([1.0, 0.0]), None, "mean",
          error="all elements of input should be between 0 and 1")
    w.add("binary_cross_entropy", bce, torch.tensor([0.5, float("nan")]), torch.tensor([1.0, 0.0]), None, "mean",
          error="all elements of input should be between 0 and 1")
    w.add("binary_cross_entropy", bce, torch.rand(3), torch.rand(3, 1), None, "mean",
          error="Using a target size (torch.Size([3, 1])) that is different to the input size (torch.Size([3])) is deprecated")
    w.add("binary_cross_entropy", bce, torch.rand(3, dtype=F64), torch.rand(3), None, "mean",
          error="Found dtype Float but expected Double")
    w.add("binary_cross_entropy", bce, torch.rand(3), torch.rand(3), torch.rand(3, dtype=F64), "mean")
    w.add("binary_cross_entropy", bce, torch.rand(3, 5), torch.rand(3, 5), torch.rand(4), "mean",
          error="The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 1")
    w.add("binary_cross_entropy_with_logits", bcel, torch.rand(3), torch.rand(4), None, None, "mean",
          error="Target size (torch.Size([4])) must be the same as input size (torch.Size([3]))")
    w.add("binary_cross_entropy_with_logits", bcel, torch.rand(3, 1), torch.rand(3, 1), None, torch.rand(3), "mean",
          error="output with shape [3, 1] doesn't match the broadcast shape [3, 3]")
    w.add("binary_cross_entropy_with_logits", bcel, torch.rand(3, 5), torch.rand(3, 5), None, torch.rand(4), "mean",
          error="The size of tensor a (4) must match the size of tensor b (5) at non-singleton dimension 1")


def classification(w):
    for dt in [F32, F64]:
        for red in REDS:
            for ls in [0.0, 0.1]:
                wt = make((5,), dt).abs() + 0.1
                x = make((6, 5), dt)
                w.add("cross_entropy", ce, x, labels((6,), 5), None, -100, red, ls, grad=True)
                w.add("cross_entropy", ce, x, labels((6,), 5), wt, -100, red, ls, grad=True)
                w.add("cross_entropy", ce, x, labels((6,), 5, ignore=2), None, 2, red, ls, grad=True)
                w.add("cross_entropy", ce, x, labels((6,), 5, ignore=-100), wt, -100, red, ls, grad=True)
                w.add("cross_entropy", ce, make((6, 5), dt, "t"), labels((6,), 5, ignore=0), wt, 0, red, ls, grad=True)
                # extra dims (N, C, d1) and (N, C, d1, d2), unbatched (C)
                w.add("cross_entropy", ce, make((3, 4, 5), dt), labels((3, 5), 4, ignore=1), wt[:4], 1, red, ls, grad=True)
                w.add("cross_entropy", ce, make((2, 4, 3, 2), dt), labels((2, 3, 2), 4), None, -100, red, ls, grad=True)
                w.add("cross_entropy", ce, make((2, 3, 2, 2, 2), dt), labels((2, 2, 2, 2), 3), None, -100, red, ls, grad=True)
                w.add("cross_entropy", ce, make((5,), dt), torch.tensor(3), None, -100, red, ls, grad=True)
                # probability targets
                w.add("cross_entropy", ce, x, probs((6, 5), 1, dt), None, -100, red, ls, grad=True)
                w.add("cross_entropy", ce, x, probs((6, 5), 1, dt), wt, -100, red, ls, grad=True)
                w.add("cross_entropy", ce, make((3, 4, 5), dt), probs((3, 4, 5), 1, dt), wt[:4], -100, red, ls, grad=True)
                w.add("cross_entropy", ce, make((5,), dt), probs((5,), 0, dt), None, -100, red, ls, grad=True)
                # nll_loss on log-probabilities
                if ls == 0.0:
                    lp = torch.log_softmax(make((6, 5), F64), 1).to(dt)
                    w.add("nll_loss", nll, lp, labels((6,), 5), None, -100, red, grad=True)
                    w.add("nll_loss", nll, lp, labels((6,), 5, ignore=3), wt, 3, red, grad=True)
                    w.add("nll_loss", nll, make((2, 4, 3, 2), dt), labels((2, 3, 2), 4, ignore=-100), wt[:4], -100, red, grad=True)
                    w.add("nll_loss", nll, make((3, 4, 5), dt), labels((3, 5), 4), None, -100, red, grad=True)
                    w.add("nll_loss", nll, make((5,), dt), torch.tensor(1), wt, -100, red, grad=True)
    # Second order through create_graph.
    w.add("cross_entropy", ce, make((4, 5), F64), labels((4,), 5), None, -100, "mean", 0.0, grad2=True)
    w.add("cross_entropy", ce, make((4, 5), F64), labels((4,), 5, ignore=1), make((5,), F64).abs(), 1, "sum", 0.2, grad2=True)
    w.add("cross_entropy", ce, make((4, 5), F64), labels((4,), 5), None, -100, "none", 0.0, grad2=True)
    w.add("cross_entropy", ce, make((4, 5), F64), probs((4, 5), 1, F64), None, -100, "mean", 0.1, grad2=True)
    # The training loops that matter: float32 logits [128, 10] and [512, 10].
    for n in [128, 512]:
        w.add("cross_entropy", ce, make((n, 10), F32), labels((n,), 10), None, -100, "mean", 0.0, grad=True)
    # Every target ignored: mean is NaN (0 / 0), gradients zero.
    w.add("cross_entropy", ce, make((3, 5)), torch.full((3,), -100), None, -100, "mean", 0.0, grad=True)
    w.add("cross_entropy", ce, make((3, 5)), torch.full((3,), -100), None, -100, "sum", 0.0, grad=True)
    w.add("cross_entropy", ce, make((0, 5)), torch.zeros(0, dtype=I64), None, -100, "mean", 0.0)
    w.add("nll_loss", nll, make((0, 5)), torch.zeros(0, dtype=I64), None, -100, "sum")
    # Promotion of probability targets.
    # (PyTorch takes log_softmax in float32 before promoting: its target gradient is float32-accurate.)
    w.add("cross_entropy", ce, make((3, 5), F32), probs((3, 5), 1, F64), None, -100, "mean", 0.0, grad=True,
          atol=1e-7, rtol=1e-6)
    # Errors.
    x = make((3, 5))
    w.add("cross_entropy", ce, x, labels((4,), 5), None, -100, "mean", 0.0,
          error="Expected input batch_size (3) to match target batch_size (4).")
    w.add("cross_entropy", ce, x, labels((3,), 5).int(), None, -100, "mean", 0.0,
          error="expected scalar type Long but found Int")
    w.add("nll_loss", nll, x, labels((3,), 5).float(), None, -100, "mean",
          error="expected scalar type Long but found Float")
    w.add("cross_entropy", ce, x, torch.tensor([0, 1, 10]), None, -100, "mean", 0.0, error="Target 10 is out of bounds.")
    w.add("nll_loss", nll, x, torch.tensor([0, -1, 1]), None, -100, "mean", error="Target -1 is out of bounds.")
    w.add("nll_loss", nll, make((2, 3, 2, 2)), torch.tensor([[[0, 1], [2, 3]]] * 2), None, -100, "mean",
          error="Target 3 is out of bounds.")
    w.add("cross_entropy", ce, x, labels((3, 2), 5), None, -100, "mean", 0.0,
          error="0D or 1D target tensor expected, multi-target not supported")
    w.add("cross_entropy", ce, make((3, 5, 2)), labels((3, 3), 5), None, -100, "mean", 0.0,
          error="Expected target size [3, 2], got [3, 3]")
    w.add("nll_loss", nll, make((3, 5, 2, 2)), labels((3, 2, 3), 5), None, -100, "mean",
          error="size mismatch (got input: [3, 5, 2, 2] , target: [3, 2, 3]")
    w.add("nll_loss", nll, make((3, 5, 2, 2)), labels((3, 2), 5), None, -100, "mean",
          error="only batches of spatial targets supported (3D tensors) but got targets of dimension: 2")
    w.add("cross_entropy", ce, make((5,)), torch.tensor([2]), None, -100, "mean", 0.0,
          error="size mismatch (got input: [5], target: [1])")
    w.add("cross_entropy", ce, x, labels((3,), 5), torch.rand(4), -100, "mean", 0.0,
          error="weight tensor should be defined either for all 5 classes or no classes but got weight tensor of shape: [4]")
    w.add("nll_loss", nll, make((3, 5, 2)), labels((3, 2), 5), torch.rand(4), -100, "mean",
          error="weight tensor should be defined either for all or no classes")
    w.add("cross_entropy", ce, make((3, 5), F64), labels((3,), 5), torch.rand(5), -100, "mean", 0.0,
          error="expected scalar type Double but found Float")
    w.add("cross_entropy", ce, x, probs((3, 5), 1, F32), torch.rand(4), -100, "mean", 0.0,
          error="weight tensor should be defined either for all 5 classes or no classes but got weight tensor of shape: [4]")
    w.add("cross_entropy", ce, x, torch.rand(3, 4), None, -100, "mean", 0.0,
          error="0D or 1D target tensor expected, multi-target not supported")
    w.add("cross_entropy", ce, x, probs((3, 5), 1, F32), None, 3, "mean", 0.0,
          error="ignore_index is not supported for floating point target")
    w.add("cross_entropy", ce, x, labels((3,), 5), None, -100, "mean", 1.5,
          error="label_smoothing must be between 0.0 and 1.0. Got: 1.5")
    w.add("cross_entropy", ce, make((3, 5), I64), labels((3,), 5), None, -100, "mean", 0.0,
          error="not implemented for 'Long'")
    w.add("cross_entropy", ce, x, labels((3,), 5), None, -100, "mean", -0.5, grad=True)  # <= 0: no smoothing


def cases(w):
    torch.manual_seed(5)
    regression(w)
    kl(w)
    bces(w)
    classification(w)
