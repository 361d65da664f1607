"""
bench/ops.py - the PyTorch side of bench/ops.c: the same operations timed
the same way (best of several runs), printed as "R <threads> <metric> <value>":
add of two 16M-element float tensors into an existing output and with a new
output (GB/s, 12 bytes per element), sum of 16M floats (GB/s), mm at n = 256,
1024, 2048 (GFLOP/s) and one eager 1-element add (ns).

Run: OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/ops.py [--threads 1,2]
"""

import torch

from bench_common import best, parser, result, thread_list

BIG = 16 * 1024 * 1024


def main():
    args = parser(__doc__).parse_args()
    torch.manual_seed(0)
    for th in thread_list(args):
        torch.set_num_threads(th)
        a, b, out = torch.randn(BIG), torch.randn(BIG), torch.empty(BIG)
        t = best(lambda: torch.add(a, b, out=out), 10)
        result(th, "add_out_gbs", 12.0 * BIG / t / 1e9)
        t = best(lambda: a + b, 10)
        result(th, "add_new_gbs", 12.0 * BIG / t / 1e9)
        t = best(lambda: a.sum(), 10)
        result(th, "sum_gbs", 4.0 * BIG / t / 1e9)
        del a, b, out
        for n, runs in ((256, 50), (1024, 8), (2048, 4)):
            x, y = torch.randn(n, n), torch.randn(n, n)
            t = best(lambda: torch.mm(x, y), runs)
            result(th, "mm%d_gflops" % n, 2.0 * n ** 3 / t / 1e9)
        x, y = torch.ones(1), torch.ones(1)
        calls = 50000

        def adds():
            for _ in range(calls):
                x + y
        t = best(adds, 3)
        result(th, "add1_ns", t / calls * 1e9)


if __name__ == "__main__":
    main()
