"""
bench/resnet_mem.py - the PyTorch side of bench/resnet_mem.c: peak memory of
one training step of torchvision's resnet18() (1000 classes, train mode) on
a random [16, 3, 224, 224] batch, cross-entropy on random labels, forward
and backward. Each thread count runs in a process of its own (peak RSS is
per process), printing "R <threads> peak_rss_mb|base_rss_mb|step_mb|step_ms
<value>" as the C program does.

Run: /usr/bin/python3 bench/resnet_mem.py [--threads 1,2] [--batch 16]
     /usr/bin/time -v /usr/bin/python3 bench/resnet_mem.py --one --threads 1
"""
import os
import resource
import subprocess
import sys
import time

from bench_common import parser, thread_list


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1024.0 * 1024.0)


def one_step(threads, batch):
    import torch
    import torch.nn.functional as F
    import torchvision

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = torchvision.models.resnet18()
    x = torch.randn(batch, 3, 224, 224)
    y = torch.randint(0, 1000, (batch,))
    base = rss_mb()
    t0 = time.perf_counter()
    F.cross_entropy(net(x), y).backward()
    ms = (time.perf_counter() - t0) * 1e3
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    for key, v in (("peak_rss_mb", peak), ("base_rss_mb", base), ("step_mb", peak - base), ("step_ms", ms)):
        print("R %d %s %.1f" % (threads, key, v))
    sys.stdout.flush()


def main():
    p = parser(__doc__)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--one", action="store_true", help="measure in this process, at the first thread count")
    args = p.parse_args()
    threads = thread_list(args)
    if args.one:
        one_step(threads[0], args.batch)
        return
    for th in threads:
        cmd = [sys.executable, os.path.abspath(__file__), "--one", "--threads", str(th), "--batch", str(args.batch)]
        sys.stdout.write(subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
