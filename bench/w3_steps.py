"""
bench/w3_steps.py - the PyTorch side of bench/w3_steps.c (workload W3): the
notes' himmelblau loop (Adam lr 1e-3, 20,000 steps from (0, 0)) and the
notes' thermometer linear regression (5,000 epochs, manual update under
no_grad), seconds per whole run, best of --runs runs (default 2), printed as
"R <threads> himmelblau_s <s>" and "R <threads> linreg_s <s>".

Run: OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/w3_steps.py [--threads 1,2]
"""
import time

import torch

from bench_common import parser, result, thread_list


def himmelblau(x):
    return (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2


def run_himmelblau():
    x = torch.tensor([0., 0.], requires_grad=True)
    optimizer = torch.optim.Adam([x], lr=1e-3)
    t0 = time.perf_counter()
    for _ in range(20000):
        pred = himmelblau(x)
        optimizer.zero_grad()
        pred.backward()
        optimizer.step()
    return time.perf_counter() - t0


def run_linreg():
    t_c = torch.tensor([0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0])
    t_u = torch.tensor([35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4])
    t_un = 0.1 * t_u
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    t0 = time.perf_counter()
    for _ in range(5000):
        if params.grad is not None:
            params.grad.zero_()
        w, b = params
        loss = ((w * t_un + b - t_c) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            params -= 1e-2 * params.grad
    return time.perf_counter() - t0


def main():
    p = parser(__doc__)
    p.add_argument("--runs", type=int, default=2)
    args = p.parse_args()
    for th in thread_list(args):
        torch.set_num_threads(th)
        result(th, "himmelblau_s", min(run_himmelblau() for _ in range(args.runs)))
        result(th, "linreg_s", min(run_linreg() for _ in range(args.runs)))


if __name__ == "__main__":
    main()
