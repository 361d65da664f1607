"""
bench/autograd.py - the PyTorch side of bench/autograd.c: microseconds per
iteration of forward + MSE loss + zero_grad + backward + a manual SGD step
under torch.no_grad() for Linear(4,8)-ReLU-Linear(8,1) on a batch of 4,
best of 3 runs, printed as "R <threads> tiny_mlp_us <value>".

Run: OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/autograd.py [--threads 1,2]
"""
import time

import torch
import torch.nn.functional as F
from torch import nn

from bench_common import parser, result, thread_list


def run(iters):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    params = list(net.parameters())
    x, y = torch.randn(4, 4), torch.randn(4, 1)
    lr = 0.01
    t0 = time.perf_counter()
    for _ in range(iters):
        loss = F.mse_loss(net(x), y)
        net.zero_grad(set_to_none=True)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
    return time.perf_counter() - t0


def main():
    args = parser(__doc__).parse_args()
    iters = 2000
    for th in thread_list(args):
        torch.set_num_threads(th)
        run(iters // 10)
        result(th, "tiny_mlp_us", min(run(iters) for _ in range(3)) / iters * 1e6)


if __name__ == "__main__":
    main()
