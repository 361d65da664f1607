/*
 * bench/bench_common.h - what the side-by-side benchmarks (ops, autograd,
 * w1_mlp, w2_cnn, w3_steps, w4_conv, w5_startup) share: a clock, command-line
 * options, the one-line result format, running the PyTorch twin script and
 * printing a ctorch-vs-PyTorch table.
 *
 * Every program measures ctorch and prints its results as lines
 *
 *     R <threads> <metric> <value>
 *
 * The twin script bench/<name>.py (run with /usr/bin/python3) prints the same
 * lines for PyTorch. Options common to every program:
 *
 *     --threads 1,2   the thread counts to measure (default 1,2)
 *     --raw           print only the R lines of ctorch (bench/run.py uses this)
 *     --no-torch      skip PyTorch (also CT_BENCH_NO_TORCH=1)
 *
 * Without --raw a program also runs its twin twice (once as it is, once at 2
 * threads with OMP_WAIT_POLICY=PASSIVE, which keeps PyTorch's OpenMP workers
 * from spinning against OpenBLAS's threads; the better figure counts) and
 * prints a table with the ratios. Both processes run with
 * OPENBLAS_CORETYPE=SkylakeX: a program started without it re-executes
 * itself with it set, because OpenBLAS reads it once, when it loads.
 *
 * Header-only (static inline): each bench/NAME.c is its own program.
 */
#ifndef CT_BENCH_COMMON_H
#define CT_BENCH_COMMON_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ctorch.h>

/** Monotonic wall clock in seconds. */
static inline double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/** A metric as the table shows it. */
typedef struct bench_metric {
    const char *key;    /**< name in the R lines: "add_out_gbs" */
    const char *label;  /**< row title: "add 16M floats, into out" */
    const char *unit;   /**< "GB/s", "ms", ... */
    bool higher_better; /**< throughput (true) or time (false) */
} bench_metric;

#define BENCH_MAX_VALUES 128
#define BENCH_MAX_THREADS 4

/** Measured values by (threads, key). */
typedef struct bench_values {
    struct {
        char key[48];
        int threads;
        double value;
    } v[BENCH_MAX_VALUES];
    int n;
} bench_values;

/** The options every program takes. */
typedef struct bench_opts {
    int threads[BENCH_MAX_THREADS];
    int nthreads;
    bool raw;   /**< only ctorch's R lines */
    bool torch; /**< run the PyTorch twin */
} bench_opts;

/** Sets or replaces the value of (threads, key). */
static inline void bench_put(bench_values *vs, int threads, const char *key, double value) {
    for (int i = 0; i < vs->n; i++)
        if (vs->v[i].threads == threads && strcmp(vs->v[i].key, key) == 0) {
            vs->v[i].value = value;
            return;
        }
    if (vs->n == BENCH_MAX_VALUES) return;
    snprintf(vs->v[vs->n].key, sizeof vs->v[vs->n].key, "%.47s", key);
    vs->v[vs->n].threads = threads;
    vs->v[vs->n].value = value;
    vs->n++;
}

/** The value of (threads, key) into *out; false when there is none. */
static inline bool bench_get(const bench_values *vs, int threads, const char *key, double *out) {
    for (int i = 0; i < vs->n; i++)
        if (vs->v[i].threads == threads && strcmp(vs->v[i].key, key) == 0) {
            *out = vs->v[i].value;
            return true;
        }
    return false;
}

/** Records a ctorch result and, in raw mode, prints its R line at once. */
static inline void bench_result(const bench_opts *o, bench_values *vs, int threads, const char *key,
                                double value) {
    bench_put(vs, threads, key, value);
    if (o->raw) {
        printf("R %d %s %.9g\n", threads, key, value);
        fflush(stdout);
    }
}

/** The value after `--name` in argv, or NULL. */
static inline const char *bench_arg(int argc, char **argv, const char *name) {
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) return argv[i + 1];
    return NULL;
}

/** True when the flag `--name` is in argv. */
static inline bool bench_flag(int argc, char **argv, const char *name) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0) return true;
    return false;
}

/** The integer after `--name`, or def. */
static inline long bench_arg_int(int argc, char **argv, const char *name, long def) {
    const char *s = bench_arg(argc, argv, name);
    return s ? strtol(s, NULL, 10) : def;
}

/**
 * Re-executes the program with OPENBLAS_CORETYPE=SkylakeX when it is unset,
 * then parses the common options.
 */
static inline void bench_setup(int argc, char **argv, bench_opts *o) {
    if (!getenv("OPENBLAS_CORETYPE")) {
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
        execv("/proc/self/exe", argv);
        /* exec failed: go on without it (the table says which core was used) */
    }
    o->nthreads = 0;
    const char *list = bench_arg(argc, argv, "--threads");
    for (const char *p = list ? list : "1,2"; *p && o->nthreads < BENCH_MAX_THREADS;) {
        char *end;
        long t = strtol(p, &end, 10);
        if (end == p) break;
        if (t >= 1) o->threads[o->nthreads++] = (int)t;
        p = *end == ',' ? end + 1 : end;
    }
    if (o->nthreads == 0) o->threads[o->nthreads++] = 1;
    o->raw = bench_flag(argc, argv, "--raw");
    o->torch = !o->raw && !bench_flag(argc, argv, "--no-torch") && !getenv("CT_BENCH_NO_TORCH");
}

/** The folder of the bench sources (where the .py twins are): this header's folder. */
static inline void bench_dir(char *buf, size_t size) {
    snprintf(buf, size, "%s", __FILE__);
    char *slash = strrchr(buf, '/');
    if (slash) *slash = '\0';
    else snprintf(buf, size, "bench");
}

/* Reads R lines from a command into vs, keeping the better value if one is already there. */
static inline int bench_read_cmd(const char *cmd, bench_values *vs, const bench_metric *metrics, int nmetrics) {
    FILE *p = popen(cmd, "r");
    if (!p) return 0;
    char line[512];
    int got = 0;
    while (fgets(line, sizeof line, p)) {
        int th;
        char key[48];
        double v;
        if (sscanf(line, "R %d %47s %lf", &th, key, &v) != 3) continue;
        bool higher = true;
        for (int i = 0; i < nmetrics; i++)
            if (strcmp(metrics[i].key, key) == 0) higher = metrics[i].higher_better;
        double old;
        if (bench_get(vs, th, key, &old) && (higher ? old >= v : old <= v)) continue;
        bench_put(vs, th, key, v);
        got++;
    }
    pclose(p);
    return got;
}

/**
 * Runs bench/<script> with /usr/bin/python3 for the thread counts of o (plus
 * the extra arguments), then again at 2 threads with OMP_WAIT_POLICY=PASSIVE
 * when 2 is among them, and keeps PyTorch's better figure of each metric.
 * Returns the number of values read (0: PyTorch unavailable).
 */
static inline int bench_torch(const bench_opts *o, const char *script, const char *extra, bench_values *vs,
                              const bench_metric *metrics, int nmetrics) {
    char dir[512], list[64] = "", cmd[1400];
    bench_dir(dir, sizeof dir);
    bool two = false;
    for (int i = 0; i < o->nthreads; i++) {
        size_t len = strlen(list);
        snprintf(list + len, sizeof list - len, "%s%d", i ? "," : "", o->threads[i]);
        if (o->threads[i] == 2) two = true;
    }
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/%s' --threads %s %s", dir, script, list, extra ? extra : "");
    int got = bench_read_cmd(cmd, vs, metrics, nmetrics);
    if (got && two) {
        snprintf(cmd, sizeof cmd, "OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 '%s/%s' --threads 2 %s", dir, script,
                 extra ? extra : "");
        bench_read_cmd(cmd, vs, metrics, nmetrics);
    }
    return got;
}

/**
 * Prints the comparison table: one row per metric and thread count, with
 * ctorch's and PyTorch's values and the ratio (ctorch's speed over
 * PyTorch's: > 1 means ctorch is faster).
 */
static inline void bench_table(const bench_opts *o, const bench_metric *metrics, int nmetrics,
                               const bench_values *ct, const bench_values *pt) {
    printf("%s; OPENBLAS_CORETYPE=%s\n", ct_build_info(), getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "(unset)");
    printf("%-40s %-7s %-7s %12s %12s %8s\n", "benchmark", "unit", "threads", "ctorch", "PyTorch", "ratio");
    for (int m = 0; m < nmetrics; m++)
        for (int t = 0; t < o->nthreads; t++) {
            double c, p;
            bool hc = bench_get(ct, o->threads[t], metrics[m].key, &c);
            bool hp = pt && bench_get(pt, o->threads[t], metrics[m].key, &p);
            if (!hc && !hp) continue;
            char cs[32] = "-", ps[32] = "-", rs[32] = "-";
            if (hc) snprintf(cs, sizeof cs, "%.4g", c);
            if (hp) snprintf(ps, sizeof ps, "%.4g", p);
            if (hc && hp && c > 0 && p > 0)
                snprintf(rs, sizeof rs, "%.2fx", metrics[m].higher_better ? c / p : p / c);
            printf("%-40s %-7s %-7d %12s %12s %8s\n", metrics[m].label, metrics[m].unit, o->threads[t], cs, ps, rs);
        }
    printf("ratio = ctorch's speed / PyTorch's (for times: PyTorch's time / ctorch's); > 1: ctorch is faster.\n");
    printf("PyTorch at 2 threads: the better of a plain run and one with OMP_WAIT_POLICY=PASSIVE.\n");
}

/** The usual ending of a program: its PyTorch twin and the table, unless raw. */
static inline void bench_finish(const bench_opts *o, const char *script, const char *extra,
                                const bench_metric *metrics, int nmetrics, const bench_values *ct) {
    if (o->raw) return;
    bench_values pt;
    pt.n = 0;
    bool have = o->torch && bench_torch(o, script, extra, &pt, metrics, nmetrics) > 0;
    if (o->torch && !have) printf("(PyTorch unavailable: /usr/bin/python3 with torch is needed for the comparison)\n");
    bench_table(o, metrics, nmetrics, ct, have ? &pt : NULL);
}

#endif
