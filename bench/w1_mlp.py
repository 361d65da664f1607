"""
bench/w1_mlp.py - the PyTorch side of bench/w1_mlp.c (workload W1): the MLP
784-256-64-10 on Fashion-MNIST held in memory, cross-entropy (or MSE on
one-hot targets with --loss mse), SGD lr 0.01 momentum 0.9; each epoch
shuffles with one index and slices batches. Prints the best seconds per
epoch ("R <threads> w1_b<batch>_s <s>") and with --eval the test accuracy
("R <threads> w1_b<batch>_acc <%>"); w1mse_ instead of w1_ for MSE.

Run: OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/w1_mlp.py
         [--threads 1,2] [--batch 512,64] [--epochs 2] [--loss ce|mse] [--eval]
"""
import time

import torch
import torch.nn.functional as F
from torch import nn

import fmnist_mem
from bench_common import parser, result, thread_list


def train_epoch(net, opt, x, y, batch, mse):
    n = x.shape[0]
    t0 = time.perf_counter()
    perm = torch.randperm(n)
    xs, ys = x[perm], y[perm]
    for i in range(0, n, batch):
        out = net(xs[i:i + batch])
        yb = ys[i:i + batch]
        loss = F.mse_loss(out, F.one_hot(yb, 10).float()) if mse else F.cross_entropy(out, yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return time.perf_counter() - t0


def accuracy(net, x, y):
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, x.shape[0], 1000):
            correct += (net(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
    net.train()
    return 100.0 * correct / x.shape[0]


def main():
    p = parser(__doc__)
    p.add_argument("--batch", default="512,64")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--loss", default="ce")
    p.add_argument("--eval", action="store_true")
    p.add_argument("--data", default=None)
    args = p.parse_args()
    mse = args.loss == "mse"
    prefix = "w1mse" if mse else "w1"
    x, y = fmnist_mem.load(True, args.data)
    if args.eval:
        tx, ty = fmnist_mem.load(False, args.data)
    for batch in [int(b) for b in args.batch.split(",") if b]:
        for th in thread_list(args):
            torch.set_num_threads(th)
            torch.manual_seed(0)
            net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 10))
            opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
            t = min(train_epoch(net, opt, x, y, batch, mse) for _ in range(args.epochs))
            result(th, "%s_b%d_s" % (prefix, batch), t)
            if args.eval:
                result(th, "%s_b%d_acc" % (prefix, batch), accuracy(net, tx, ty))


if __name__ == "__main__":
    main()
