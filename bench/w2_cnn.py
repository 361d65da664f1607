"""
bench/w2_cnn.py - the PyTorch side of bench/w2_cnn.c (workload W2): the
default CNN (Conv(1->32,3,p1)-BN-ReLU-MaxPool2 -> Conv(32->64,3,p1)-BN-ReLU-
MaxPool2 -> Flatten -> Linear(3136->128)-ReLU-Dropout(0.25) -> Linear(128->10))
on Fashion-MNIST held in memory, cross-entropy, Adam lr 1e-3, batch 128.
By default it times --batches 50 batches after 3 warm-up batches and
extrapolates to an epoch of 469 batches ("R <threads> w2_epoch_s <s>"); with
--epochs E it trains full epochs (best epoch) and with --eval prints the test
accuracy ("R <threads> w2_acc <%>").

Run: OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/w2_cnn.py
         [--threads 1,2] [--batches 50 | --epochs 3 [--eval]]
"""
import time

import torch
import torch.nn.functional as F
from torch import nn

import fmnist_mem
from bench_common import parser, result, thread_list

BATCH = 128


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))


def train_batches(net, opt, xs, ys, first, count):
    n = xs.shape[0]
    for k in range(first, first + count):
        i = k * BATCH
        if i >= n:
            break
        loss = F.cross_entropy(net(xs[i:i + BATCH].view(-1, 1, 28, 28)), ys[i:i + BATCH])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


def accuracy(net, x, y):
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, x.shape[0], 1000):
            correct += (net(x[i:i + 1000].view(-1, 1, 28, 28)).argmax(1) == y[i:i + 1000]).sum().item()
    net.train()
    return 100.0 * correct / x.shape[0]


def main():
    p = parser(__doc__)
    p.add_argument("--batches", type=int, default=50)
    p.add_argument("--epochs", type=int, default=0)
    p.add_argument("--eval", action="store_true")
    p.add_argument("--data", default=None)
    args = p.parse_args()
    x, y = fmnist_mem.load(True, args.data)
    if args.eval:
        tx, ty = fmnist_mem.load(False, args.data)
    n = x.shape[0]
    per_epoch = (n + BATCH - 1) // BATCH
    for th in thread_list(args):
        torch.set_num_threads(th)
        torch.manual_seed(0)
        net = cnn()
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        if args.epochs > 0:
            best = float("inf")
            for _ in range(args.epochs):
                t0 = time.perf_counter()
                perm = torch.randperm(n)
                train_batches(net, opt, x[perm], y[perm], 0, per_epoch)
                best = min(best, time.perf_counter() - t0)
        else:
            perm = torch.randperm(n)
            xs, ys = x[perm], y[perm]
            train_batches(net, opt, xs, ys, 0, 3)
            t0 = time.perf_counter()
            train_batches(net, opt, xs, ys, 3, args.batches)
            best = (time.perf_counter() - t0) / args.batches * per_epoch
        result(th, "w2_epoch_s", best)
        if args.eval and args.epochs > 0:
            result(th, "w2_acc", accuracy(net, tx, ty))


if __name__ == "__main__":
    main()
