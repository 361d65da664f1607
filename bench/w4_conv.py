"""
bench/w4_conv.py - the PyTorch side of bench/w4_conv.c: Conv2d on input
[64, 64, 32, 32], weight [64, 64, 3, 3], bias, padding 1; the forward under
no_grad and forward + backward of an all-ones gradient into input, weight and
bias; milliseconds per call, best of 5, printed as "R <threads> conv_fwd_ms
<ms>" and "R <threads> conv_fwdbwd_ms <ms>".

Run: OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/w4_conv.py [--threads 1,2]
"""
import torch
import torch.nn.functional as F

from bench_common import best, parser, result, thread_list


def main():
    args = parser(__doc__).parse_args()
    torch.manual_seed(0)
    x = torch.randn(64, 64, 32, 32, requires_grad=True)
    w = torch.randn(64, 64, 3, 3, requires_grad=True)
    b = torch.randn(64, requires_grad=True)
    g = torch.ones(64, 64, 32, 32)

    def fwd():
        with torch.no_grad():
            F.conv2d(x, w, b, padding=1)

    def fwdbwd():
        x.grad = w.grad = b.grad = None
        F.conv2d(x, w, b, padding=1).backward(g)

    for th in thread_list(args):
        torch.set_num_threads(th)
        result(th, "conv_fwd_ms", best(fwd, 5) * 1e3)
        result(th, "conv_fwdbwd_ms", best(fwdbwd, 5) * 1e3)


if __name__ == "__main__":
    main()
