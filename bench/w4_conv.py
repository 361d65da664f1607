"""
bench/w4_conv.py - the PyTorch side of bench/w4_conv.c: Conv2d on input
[64, 64, 32, 32], weight [64, 64, 3, 3] and on the CNN's first layer, input
[128, 1, 28, 28], weight [32, 1, 3, 3]; bias, padding 1; the forward under
no_grad and forward + backward of an all-ones gradient into weight, bias and
(first shape only) input; milliseconds per call, best of 5, printed as
"R <threads> conv_fwd_ms <ms>" and so on (conv_fwdbwd_ms, conv1_fwd_ms,
conv1_fwdbwd_ms).

Run: OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/w4_conv.py [--threads 1,2]
"""
import torch
import torch.nn.functional as F

from bench_common import best, parser, result, thread_list


CASES = [("conv_fwd_ms", "conv_fwdbwd_ms", 64, 64, 32, 64, True),
         ("conv1_fwd_ms", "conv1_fwdbwd_ms", 128, 1, 28, 32, False)]


def run_case(th, fwd_key, fwdbwd_key, n, c, hw, o, input_grad):
    torch.manual_seed(0)
    x = torch.randn(n, c, hw, hw, requires_grad=input_grad)
    w = torch.randn(o, c, 3, 3, requires_grad=True)
    b = torch.randn(o, requires_grad=True)
    g = torch.ones(n, o, hw, hw)

    def fwd():
        with torch.no_grad():
            F.conv2d(x, w, b, padding=1)

    def fwdbwd():
        x.grad = w.grad = b.grad = None
        F.conv2d(x, w, b, padding=1).backward(g)

    result(th, fwd_key, best(fwd, 5) * 1e3)
    result(th, fwdbwd_key, best(fwdbwd, 5) * 1e3)


def main():
    args = parser(__doc__).parse_args()
    for th in thread_list(args):
        torch.set_num_threads(th)
        for case in CASES:
            run_case(th, *case)


if __name__ == "__main__":
    main()
