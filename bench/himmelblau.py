#!/usr/bin/env python3
"""The notes' himmelblau loop in PyTorch (the baseline for bench/himmelblau.c):
x from (0, 0), Adam lr 1e-3, 20,000 steps of forward + zero_grad + backward +
step. Prints the best wall time of `runs` runs in seconds, then x and f(x).

Run: /usr/bin/python3 bench/himmelblau.py [runs]
"""
import sys
import time

import torch


def himmelblau(x):
    return (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2


def run():
    x = torch.tensor([0., 0.], requires_grad=True)
    optimizer = torch.optim.Adam([x], lr=1e-3)
    t0 = time.perf_counter()
    for step in range(20000):
        pred = himmelblau(x)
        optimizer.zero_grad()
        pred.backward()
        optimizer.step()
    return time.perf_counter() - t0, x, himmelblau(x).item()


def main():
    torch.set_num_threads(1)
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    best, x, f = min(run() for _ in range(runs))
    print("%.6f %.9g %.9g %.9g" % (best, x[0].item(), x[1].item(), f))


if __name__ == "__main__":
    main()
