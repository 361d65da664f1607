#!/usr/bin/env python3
"""
bench/run.py - `make bench`: the workloads W1-W5 in ctorch and in PyTorch
(Debian's python3-torch, /usr/bin/python3) in the same run, at 1 and 2
threads, with OPENBLAS_CORETYPE=SkylakeX in the environment of both. Both
run twice at 2 threads, plainly and with OMP_WAIT_POLICY=PASSIVE (both use
libgomp, whose idle workers spin by default), and each side's better figure
counts. Prints one table with the ctorch/PyTorch ratios and
writes it to bench/results/results.json and results.md with the date, the
CPU model and the thread counts.

    W1  MLP 784-256-64-10, cross-entropy, SGD 0.01 m 0.9: s/epoch, batch 512 and 64
    W2  default CNN, Adam 1e-3, batch 128: s/epoch, extrapolated from 50 batches
    W3  per-step overhead: 1-element add, tiny MLP step, himmelblau 20,000
        Adam steps, linear regression 5,000 epochs
    W4  kernels: mm 256/1024/2048, Conv2d fwd and fwd+bwd, add and sum of 16M floats
    W5  process: start-up time, peak RSS of one W1 epoch (batch 512, 1 thread)

Every number is the best of a few runs (see each program's header); the
PyTorch side uses fewer repetitions where it is slow (W3: best of 2, the
tiny MLP: 2,000 iterations), and W2 extrapolates for both.

    /usr/bin/python3 bench/run.py [--build build] [--out bench/results]
    /usr/bin/python3 bench/run.py --accuracy   # test accuracy of W1/W2 models, 3 epochs (long)
    /usr/bin/python3 bench/run.py --quick      # a smoke run (shorter W1, W2)

The programs are bench/<name>.c (built as <build>/bench/bench_<name>) and
their twins bench/<name>.py; they share the result line format
"R <threads> <metric> <value>" (bench/bench_common.h).
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
THREADS = (1, 2)

# (section, key, label, unit, higher_better, target ratio: number or {threads: number} or None)
ROWS = [
    ("W1", "w1_b512_s", "MLP epoch, batch 512 (CE, SGD m0.9)", "s", False, {1: 1.4, 2: 1.7}),
    ("W1", "w1_b64_s", "MLP epoch, batch 64", "s", False, 2.0),
    ("W2", "w2_epoch_s", "CNN epoch, batch 128 (extrapolated)", "s", False, 2.0),
    ("W3", "add1_ns", "1-element add", "ns", False, 20.0),
    ("W3", "tiny_mlp_us", "tiny MLP step (fwd+bwd+SGD)", "us", False, 20.0),
    ("W3", "himmelblau_s", "himmelblau, 20,000 Adam steps", "s", False, 20.0),
    ("W3", "linreg_s", "linear regression, 5,000 epochs", "s", False, 20.0),
    ("W4", "mm256_gflops", "mm n=256", "GFLOP/s", True, 0.95),
    ("W4", "mm1024_gflops", "mm n=1024", "GFLOP/s", True, 0.95),
    ("W4", "mm2048_gflops", "mm n=2048", "GFLOP/s", True, 0.95),
    ("W4", "conv_fwd_ms", "Conv2d fwd [64,64,32,32]x[64,64,3,3]", "ms", False, 0.9),
    ("W4", "conv_fwdbwd_ms", "Conv2d fwd+bwd, same shapes", "ms", False, 0.9),
    ("W4", "conv1_fwd_ms", "Conv2d fwd [128,1,28,28]x[32,1,3,3] (CNN's first layer)", "ms", False, 0.9),
    ("W4", "conv1_fwdbwd_ms", "first layer fwd+bwd (weight, bias)", "ms", False, 0.9),
    ("W4", "add_out_gbs", "add 16M floats into existing out", "GB/s", True, 1.0),
    ("W4", "add_new_gbs", "add 16M floats, new output", "GB/s", True, 1.5),
    ("W4", "sum_gbs", "sum 16M floats", "GB/s", True, 1.0),
    ("W5", "startup_ms", "start-up (trivial program / import torch)", "ms", False, None),
    ("W5", "rss_mib", "peak RSS of one W1 epoch (batch 512)", "MiB", False, 3.0),
]
# absolute targets that are not ratios
ABS_TARGETS = {"startup_ms": ("<", 10.0)}

# Accuracy checks (issue 8): PyTorch's test accuracy here after 3 epochs, same settings.
ACC_ROWS = [
    ("w1_b512_acc", "MLP, cross-entropy, batch 512, 3 epochs", 83.3),
    ("w1_b64_acc", "MLP, cross-entropy, batch 64, 3 epochs", 87.1),
    ("w1mse_b512_acc", "MLP, MSE on one-hot, batch 512, 3 epochs", 77.7),
    ("w2_acc", "CNN, Adam 1e-3, batch 128, 3 epochs", 90.5),
]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def env(passive=False):
    e = dict(os.environ)
    e["OPENBLAS_CORETYPE"] = "SkylakeX"
    if passive:
        e["OMP_WAIT_POLICY"] = "PASSIVE"
    else:
        e.pop("OMP_WAIT_POLICY", None)
    return e


def parse(out):
    """{(threads, key): value} from R lines."""
    res = {}
    for line in out.splitlines():
        m = re.match(r"R (\d+) (\S+) (\S+)$", line.strip())
        if m:
            res[(int(m.group(1)), m.group(2))] = float(m.group(3))
    return res


def run(cmd, passive=False):
    t0 = time.time()
    p = subprocess.run(cmd, env=env(passive), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        log("  ! %s exited with %d: %s" % (" ".join(cmd), p.returncode, p.stderr.strip()[-500:]))
    log("  %-70s %6.1f s" % (" ".join(os.path.basename(c) if i < 2 else c for i, c in enumerate(cmd))[:70],
                             time.time() - t0))
    return p.stdout


class Results:
    def __init__(self):
        self.ct = {}          # (threads, key) -> value
        self.pt_plain = {}    # PyTorch, as it is
        self.pt_passive = {}  # PyTorch at 2 threads with OMP_WAIT_POLICY=PASSIVE
        self.notes = []


def higher_better(key):
    for r in ROWS:
        if r[1] == key:
            return r[4]
    return not key.endswith(("_s", "_ms", "_us", "_ns", "_mib"))


def pytorch_best(res, threads, key):
    vals = [d[(threads, key)] for d in (res.pt_plain, res.pt_passive) if (threads, key) in d]
    if not vals:
        return None
    return max(vals) if higher_better(key) else min(vals)


def keep_better(dst, new):
    """Merges measurements into dst, keeping the better figure of each."""
    for k, v in new.items():
        if k not in dst or (v > dst[k] if higher_better(k[1]) else v < dst[k]):
            dst[k] = v


def ctorch_program(build, name, args, res, threads=THREADS):
    exe = os.path.join(build, "bench", "bench_" + name)
    if not os.path.exists(exe):
        res.notes.append("%s: skipped (not built: %s)" % (name, exe))
        log("  ! %s missing" % exe)
        return
    keep_better(res.ct, parse(run([exe, "--raw", "--threads", ",".join(map(str, threads))] + args)))
    if 2 in threads:  # the same second chance PyTorch gets: keep the better figure
        keep_better(res.ct, parse(run([exe, "--raw", "--threads", "2"] + args, passive=True)))


def torch_script(name, args, res, threads=THREADS, skip=False):
    if skip:
        return
    script = os.path.join(HERE, name + ".py")
    keep_better(res.pt_plain, parse(run([PY, script, "--threads", ",".join(map(str, threads))] + args)))
    if 2 in threads:
        keep_better(res.pt_passive, parse(run([PY, script, "--threads", "2"] + args, passive=True)))


def both(build, name, args, res, skip, rounds=1):
    """ctorch's program and PyTorch's script in turn, `rounds` times; each side keeps its best figures.
    Alternating spreads the machine's slow spells (other tenants' memory traffic) over both sides."""
    for _ in range(rounds):
        ctorch_program(build, name, args, res)
        torch_script(name, args, res, skip=skip)


def median_wall(cmd, n, passive=False):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env(passive), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def peak_rss_mib(cmd):
    """Peak RSS of cmd in MiB through /usr/bin/time -v, or None."""
    if not os.path.exists("/usr/bin/time"):
        return None
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=env(), stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return int(m.group(1)) / 1024.0 if m else None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def loadavg():
    try:
        return os.getloadavg()[0]
    except OSError:
        return -1.0


def torch_version():
    p = subprocess.run([PY, "-c", "import torch; print(torch.__version__)"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    return p.stdout.strip() or None


def fmt(v):
    if v is None:
        return "-"
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    if v >= 1:
        return "%.2f" % v
    return "%.3g" % v


def table_rows(res, threads_list):
    """Rows of dicts for the table, JSON and markdown."""
    out = []
    for section, key, label, unit, hb, target in ROWS:
        tl = [1] if key == "rss_mib" else [0] if key == "startup_ms" else threads_list
        for th in tl:
            c = res.ct.get((th, key))
            p = pytorch_best(res, th, key)
            if c is None and p is None:
                continue
            ratio = None
            if c and p:
                ratio = c / p if hb else p / c
            tgt = target.get(th) if isinstance(target, dict) else target
            met = None
            if key in ABS_TARGETS and c is not None:
                op, lim = ABS_TARGETS[key]
                met = c < lim if op == "<" else c > lim
                tgt_s = "%s %g %s" % (op, lim, unit)
            elif tgt is not None and ratio is not None:
                met = ratio >= tgt
                tgt_s = ">= %gx" % tgt
            else:
                tgt_s = ">= %gx" % tgt if tgt else ""
            out.append({
                "section": section, "key": key, "label": label, "unit": unit, "threads": th or None,
                "ctorch": c, "pytorch": p,
                "pytorch_plain": res.pt_plain.get((th, key)),
                "pytorch_passive": res.pt_passive.get((th, key)),
                "ratio": ratio, "higher_is_better": hb, "target": tgt_s, "target_met": met,
            })
    return out


def print_table(rows):
    head = "%-4s %-44s %-7s %3s %10s %10s %8s  %s" % ("", "benchmark", "unit", "thr", "ctorch", "PyTorch",
                                                      "ratio", "target")
    print(head)
    print("-" * len(head))
    for r in rows:
        ratio = "%.2fx" % r["ratio"] if r["ratio"] else "-"
        mark = "" if r["target_met"] is None else (" ok" if r["target_met"] else " MISSED")
        print("%-4s %-44s %-7s %3s %10s %10s %8s  %s%s" % (
            r["section"], r["label"][:44], r["unit"], r["threads"] or "-", fmt(r["ctorch"]), fmt(r["pytorch"]),
            ratio, r["target"], mark))
    print("ratio: ctorch's speed / PyTorch's (for times and memory: PyTorch's / ctorch's); > 1 means ctorch is better.")


def markdown(meta, rows, notes):
    lines = ["# ctorch vs PyTorch: `make bench`", "",
             "- date: %s" % meta["date"],
             "- CPU: %s (%d logical CPUs)" % (meta["cpu"], meta["nproc"]),
             "- threads: %s; OPENBLAS_CORETYPE=SkylakeX for both; PyTorch %s at 2 threads: the better of a "
             "plain run and one with OMP_WAIT_POLICY=PASSIVE (ctorch too)" % (", ".join(map(str, meta["threads"])),
                                                                   meta["pytorch_version"]),
             "- load average (1 min) at start / end: %.2f / %.2f" % (meta["load_start"], meta["load_end"]),
             "- whole run: %.0f s" % meta["seconds"], "",
             "ratio = ctorch's speed / PyTorch's (for times and memory: PyTorch's / ctorch's); > 1: ctorch "
             "is better.", "",
             "| | benchmark | unit | threads | ctorch | PyTorch | ratio | target |",
             "|---|---|---|---|---:|---:|---:|---|"]
    for r in rows:
        ratio = "%.2fx" % r["ratio"] if r["ratio"] else "-"
        mark = "" if r["target_met"] is None else (" (met)" if r["target_met"] else " (missed)")
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s%s |" % (
            r["section"], r["label"], r["unit"], r["threads"] or "-", fmt(r["ctorch"]), fmt(r["pytorch"]), ratio,
            r["target"], mark))
    if notes:
        lines += [""] + ["- " + n for n in notes]
    return "\n".join(lines) + "\n"


def metadata(args, t_start, load_start):
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu_model(), "nproc": os.cpu_count(), "threads": list(THREADS),
        "pytorch_version": torch_version(), "openblas_coretype": "SkylakeX",
        "load_start": load_start, "load_end": loadavg(), "seconds": time.time() - t_start,
    }


def bench_all(args):
    t_start, load_start = time.time(), loadavg()
    if load_start > (os.cpu_count() or 1):
        log("warning: load average %.1f on %d CPUs: the timings will be noisy" % (load_start, os.cpu_count()))
    res = Results()
    skip = args.no_torch
    rounds = 1 if args.quick else 3
    log("W4/W3: tensor ops (bench_ops), %d rounds" % rounds)
    both(args.build, "ops", [], res, skip, rounds)
    log("W3: tiny MLP step (bench_autograd)")
    both(args.build, "autograd", [], res, skip)
    log("W3: himmelblau, linear regression (bench_w3_steps), %d rounds" % rounds)
    both(args.build, "w3_steps", [], res, skip, rounds)
    log("W4: convolution (bench_w4_conv), %d rounds" % rounds)
    both(args.build, "w4_conv", [], res, skip, rounds)
    w1_args = ["--batch", "512,64", "--epochs", "2"] if not args.quick else ["--batch", "512", "--epochs", "1"]
    log("W1: MLP (bench_w1_mlp), %d rounds" % (1 if args.quick else 2))
    both(args.build, "w1_mlp", w1_args, res, skip, 1 if args.quick else 2)
    w2_batches = "5" if args.quick else "50"
    log("W2: CNN (bench_w2_cnn), %s batches extrapolated to an epoch" % w2_batches)
    both(args.build, "w2_cnn", ["--batches", w2_batches], res, skip)
    res.notes.append("W2: seconds per epoch extrapolated from %s timed batches (after 3 warm-up batches) to the "
                     "469 batches of an epoch, for both." % w2_batches)
    if args.quick:
        res.notes.append("--quick: W1 batch 512 only, one epoch; W2 from 5 batches (a smoke run, not a measurement).")
    log("W5: start-up and peak RSS")
    startup = os.path.join(args.build, "bench", "bench_w5_startup")
    if os.path.exists(startup):
        res.ct[(0, "startup_ms")] = median_wall([startup], 30) * 1e3
    if not skip:
        res.pt_plain[(0, "startup_ms")] = median_wall([PY, "-c", "import torch"], 5) * 1e3
    res.notes.append("W5 start-up: median wall time of 30 runs of bench/w5_startup.c (makes, adds and sums two "
                     "tensors) vs 5 runs of `python3 -c \"import torch\"`.")
    w1 = os.path.join(args.build, "bench", "bench_w1_mlp")
    rss_args = ["--raw", "--threads", "1", "--batch", "512", "--epochs", "1"]
    if os.path.exists(w1):
        v = peak_rss_mib([w1] + rss_args)
        if v:
            res.ct[(1, "rss_mib")] = v
    if not skip:
        v = peak_rss_mib([PY, os.path.join(HERE, "w1_mlp.py")] + rss_args[1:])
        if v:
            res.pt_plain[(1, "rss_mib")] = v
    if not os.path.exists("/usr/bin/time"):
        res.notes.append("W5 peak RSS skipped: /usr/bin/time is missing (apt-get install time).")
    else:
        res.notes.append("W5 peak RSS: /usr/bin/time -v of one W1 epoch (batch 512, 1 thread), data loading "
                         "included, ctorch program vs PyTorch script. ctorch holds the images as uint8 (45 MiB) "
                         "and normalizes each batch as it is used; the PyTorch script holds them as normalized "
                         "floats (179 MiB) plus one shuffled copy per epoch (179 MiB).")
    res.notes.append("Repetitions: ops best of 10 (mm: 50/8/4 runs); tiny MLP 3 x 20,000 iterations in ctorch, "
                     "3 x 2,000 in PyTorch; W3 best of 3 in ctorch, 2 in PyTorch; conv best of 5; W1 best of 2 "
                     "epochs. The ops, W3 and conv programs run %s, W1 %s, ctorch and PyTorch in turn, each side "
                     "keeping its best figure: this machine's memory bandwidth has slow spells (other tenants) "
                     "that would otherwise land on one side only." % (
                         "once" if args.quick else "3 times", "once" if args.quick else "twice"))

    rows = table_rows(res, list(THREADS))
    meta = metadata(args, t_start, load_start)
    print()
    print("ctorch vs PyTorch %s, %s, %s; threads %s; OPENBLAS_CORETYPE=SkylakeX; load %.1f -> %.1f" % (
        meta["pytorch_version"], meta["date"], meta["cpu"], ",".join(map(str, THREADS)), meta["load_start"],
        meta["load_end"]))
    print_table(rows)
    for n in res.notes:
        print("note: " + n)
    write(args.out, "results", meta, rows, res.notes)


def bench_accuracy(args):
    """Test accuracy of the W1/W2 models after 3 epochs, ctorch and PyTorch, 1 thread.

    One thread: accuracy does not depend on it, and one thread is the least
    disturbed by other work on the machine (this run takes several minutes).
    """
    t_start, load_start = time.time(), loadavg()
    res = Results()
    th = (1,)
    for name, extra in (("w1_mlp", ["--batch", "512,64", "--epochs", "3", "--loss", "ce", "--eval"]),
                        ("w1_mlp", ["--batch", "512", "--epochs", "3", "--loss", "mse", "--eval"]),
                        ("w2_cnn", ["--epochs", "3", "--eval"])):
        ctorch_program(args.build, name, extra, res, threads=th)
        torch_script(name, extra, res, threads=th, skip=args.no_torch)
    rows = []
    for key, label, ref in ACC_ROWS:
        c, p = res.ct.get((1, key)), res.pt_plain.get((1, key))
        rows.append({"key": key, "label": label, "ctorch": c, "pytorch": p, "pytorch_reference": ref,
                     "within_0.5_of_reference": None if c is None else c >= ref - 0.5})
    meta = metadata(args, t_start, load_start)
    meta["threads"] = list(th)
    print("%-44s %8s %8s %10s" % ("test accuracy (%)", "ctorch", "PyTorch", "reference"))
    for r in rows:
        print("%-44s %8s %8s %10.1f" % (r["label"], fmt(r["ctorch"]), fmt(r["pytorch"]), r["pytorch_reference"]))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "accuracy.json"), "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=2)
    md = ["# Test accuracy after 3 epochs: ctorch vs PyTorch", "",
          "- date: %s; CPU: %s; 1 thread; the same settings and in-memory data for both "
          "(bench/w1_mlp.c, bench/w2_cnn.c and their .py twins)" % (meta["date"], meta["cpu"]),
          "- reference: PyTorch's accuracy measured for issue 8 with these settings", "",
          "| model | ctorch | PyTorch (this run) | reference |", "|---|---:|---:|---:|"]
    for r in rows:
        md.append("| %s | %s | %s | %.1f |" % (r["label"], fmt(r["ctorch"]), fmt(r["pytorch"]), r["pytorch_reference"]))
    with open(os.path.join(args.out, "accuracy.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    log("wrote %s/accuracy.json and accuracy.md" % args.out)


def write(outdir, stem, meta, rows, notes):
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, stem + ".json"), "w") as f:
        json.dump({"meta": meta, "rows": rows, "notes": notes}, f, indent=2)
    with open(os.path.join(outdir, stem + ".md"), "w") as f:
        f.write(markdown(meta, rows, notes))
    log("wrote %s/%s.json and %s.md" % (outdir, stem, stem))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build", help="the CMake build folder (default: build)")
    p.add_argument("--out", default=os.path.join(HERE, "results"), help="where results.json/.md go")
    p.add_argument("--accuracy", action="store_true", help="the 3-epoch accuracy checks instead")
    p.add_argument("--no-torch", action="store_true", help="ctorch only")
    p.add_argument("--quick", action="store_true", help="a smoke run: shorter W1 and W2")
    args = p.parse_args()
    if args.accuracy:
        bench_accuracy(args)
    else:
        bench_all(args)


if __name__ == "__main__":
    main()
