/*
 * bench/resnet_mem.c - peak memory of one training step of ResNet-18 beside
 * PyTorch/torchvision: ct_models_resnet18() (1000 classes, train mode) on a
 * random [16, 3, 224, 224] batch, cross-entropy on random labels, forward
 * and backward (no optimizer step: its state would be the same on both
 * sides). The PyTorch side is bench/resnet_mem.py.
 *
 * Peak RSS is a property of a whole process, so each measurement runs in a
 * process of its own: `--one` does the step once and prints
 *
 *     R <threads> peak_rss_mb <MB>   the process's maximum resident set
 *     R <threads> base_rss_mb <MB>   resident set just before the forward
 *     R <threads> step_mb <MB>       their difference: what the step added
 *     R <threads> step_ms <ms>       the step's wall time
 *     R <threads> tensor_peak_mb <MB> the most tensor data alive at once (ct_memory_peak)
 *
 * and without it the program runs `--one` once per thread count, then the
 * PyTorch twin, and prints the table. The peak is the figure
 * `/usr/bin/time -v ./bench_resnet_mem --one` reports as "Maximum resident
 * set size". A benchmark: it prints, it never fails.
 *
 *     ./bench_resnet_mem [--threads 1,2] [--batch 16] [--one]
 */
#include <sys/resource.h>

#include "bench_common.h"

static const bench_metric metrics[] = {
    {"peak_rss_mb", "ResNet-18 [16,3,224,224] fwd+bwd: peak RSS", "MB", false},
    {"base_rss_mb", "  resident before the step", "MB", false},
    {"step_mb", "  added by the step", "MB", false},
    {"step_ms", "  step time", "ms", false},
    {"tensor_peak_mb", "  ctorch: most tensor data alive at once", "MB", false},
};

static double peak_rss_mb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* KiB on Linux */
}

/* The resident set now (/proc/self/statm, in pages). */
static double rss_mb(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &res) != 2) res = 0;
        fclose(f);
    }
    return (double)res * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static void one_step(int threads, int64_t batch) {
    ct_set_num_threads(threads);
    ct_manual_seed(0);
    ct_module *net = ct_models_resnet18();
    ct_tensor *x = ct_randn(CT_SHAPE(batch, 3, 224, 224));
    ct_tensor *y = ct_randint(.low = 0, .high = 1000, .shape = CT_SHAPE(batch));
    ct_memory_reset_peak();
    double base = rss_mb(), t0 = bench_now();
    CT_SCOPE { ct_backward(ct_cross_entropy(ct_forward(net, x), y)); }
    double ms = (bench_now() - t0) * 1e3, peak = peak_rss_mb();
    printf("R %d peak_rss_mb %.1f\nR %d base_rss_mb %.1f\nR %d step_mb %.1f\nR %d step_ms %.1f\n", threads, peak,
           threads, base, threads, peak - base, threads, ms);
    printf("R %d tensor_peak_mb %.1f\n", threads, (double)ct_memory_peak() / (1024.0 * 1024.0));
    ct_free(x);
    ct_free(y);
    ct_module_free(net);
}

int main(int argc, char **argv) {
    bench_opts o;
    bench_setup(argc, argv, &o);
    long batch = bench_arg_int(argc, argv, "--batch", 16);
    if (bench_flag(argc, argv, "--one")) {
        one_step(o.threads[0], batch);
        return 0;
    }
    bench_values ct;
    ct.n = 0;
    int nm = (int)(sizeof metrics / sizeof *metrics);
    char self[1024];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    self[len > 0 ? len : 0] = '\0';
    for (int i = 0; i < o.nthreads; i++) {
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "'%s' --one --threads %d --batch %ld", self, o.threads[i], batch);
        bench_read_cmd(cmd, &ct, metrics, nm);
    }
    if (o.raw) {
        for (int i = 0; i < ct.n; i++) printf("R %d %s %.9g\n", ct.v[i].threads, ct.v[i].key, ct.v[i].value);
        return 0;
    }
    char extra[64];
    snprintf(extra, sizeof extra, "--batch %ld", batch);
    bench_finish(&o, "resnet_mem.py", extra, metrics, nm, &ct);
    return 0;
}
