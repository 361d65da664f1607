"""
bench/bench_common.py - what the PyTorch twins of the ctorch benchmarks
share: the --threads option, the result line format and a best-of timer.

Each twin prints its results as lines "R <threads> <metric> <value>", the
same format as the C programs (see bench/bench_common.h), and is run with
/usr/bin/python3 and OPENBLAS_CORETYPE=SkylakeX (and, for the second 2-thread
run, OMP_WAIT_POLICY=PASSIVE) by the C program or bench/run.py.
"""
import argparse
import sys
import time


def parser(description):
    """An argument parser with the common --threads option."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--threads", default="1,2", help="thread counts, comma-separated (default 1,2)")
    return p


def thread_list(args):
    return [int(t) for t in args.threads.split(",") if t]


def result(threads, key, value):
    """Prints one result line."""
    print("R %d %s %.9g" % (threads, key, value))
    sys.stdout.flush()


def best(fn, runs, warmup=1):
    """The best wall time of fn() over `runs` runs, after `warmup` untimed runs."""
    for _ in range(warmup):
        fn()
    t = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - t0)
    return t
