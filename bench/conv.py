"""
bench/conv.py - the PyTorch side of bench/conv.c: the same workloads, timed
the same way (best of several runs), printed one per line as
    <threads> <case> <fwd GFLOP/s> <fwd+bwd GFLOP/s>
    <threads> maxpool <fwd+bwd ms>
Run by bench_conv with /usr/bin/python3 and OPENBLAS_CORETYPE=SkylakeX.
"""
import time

import torch
import torch.nn.functional as F

CASES = {  # name: (input shape, out channels, kernel, padding, input needs grad)
    "c64": ((64, 64, 32, 32), 64, 3, 1, True),
    "fmnist1": ((128, 1, 28, 28), 32, 3, 1, False),
}


def best(fn, runs):
    fn()
    t = 1e30
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - t0)
    return t


def main():
    torch.manual_seed(0)
    for th in (1, 2):
        torch.set_num_threads(th)
        for name, (xs, oc, k, p, xgrad) in CASES.items():
            x = torch.randn(xs, requires_grad=xgrad)
            w = torch.randn(oc, xs[1], k, k, requires_grad=True)
            b = torch.randn(oc, requires_grad=True)
            n, c, h, wd = xs
            flops = 2.0 * n * oc * h * wd * c * k * k  # stride 1, "same" size output

            def fwd():
                with torch.no_grad():
                    F.conv2d(x, w, b, padding=p)

            def fwdbwd():
                F.conv2d(x, w, b, padding=p).sum().backward()

            tf, tb = best(fwd, 10), best(fwdbwd, 10)
            print(th, name, flops / tf / 1e9, (3 if xgrad else 2) * flops / tb / 1e9, flush=True)
        x = torch.randn(128, 32, 28, 28, requires_grad=True)
        tp = best(lambda: F.max_pool2d(x, 2).sum().backward(), 20)
        print(th, "maxpool", tp * 1e3, flush=True)


if __name__ == "__main__":
    main()
