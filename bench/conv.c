/*
 * bench/conv.c - convolution and pooling throughput beside PyTorch, in the
 * same run: Conv2d forward and forward+backward GFLOP/s for input
 * [64,64,32,32] with weight [64,64,3,3], padding 1 (input requiring grad),
 * and for the Fashion-MNIST CNN's first layer [128,1,28,28] -> 32 channels,
 * 3x3, padding 1 (input not requiring grad, as for a network's input);
 * MaxPool2d(2) forward+backward time on [128,32,28,28]. Threads 1 and 2,
 * best of several runs. The PyTorch numbers come from bench/conv.py run
 * with /usr/bin/python3. Both processes start with OPENBLAS_CORETYPE=SkylakeX
 * (this program re-executes itself with it when it is unset).
 * Forward+backward FLOPs count 3 convolutions (2 when the input needs no
 * gradient). A benchmark: it prints, it never fails.
 *
 *     ./bench_conv                         # ctorch and PyTorch
 *     CT_BENCH_NO_TORCH=1 ./bench_conv     # ctorch only
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ctorch.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    const char *name;
    int64_t n, c, h, w, oc, k, pad;
    bool xgrad;
} conv_case;

static const conv_case cases[2] = {
    {"c64", 64, 64, 32, 32, 64, 3, 1, true},
    {"fmnist1", 128, 1, 28, 28, 32, 3, 1, false},
};

typedef struct {
    double fwd, fwdbwd; /* GFLOP/s */
} conv_result;

static conv_result bench_conv_case(const conv_case *cc) {
    conv_result r = {0, 0};
    double flops = 2.0 * (double)(cc->n * cc->oc * cc->h * cc->w * cc->c * cc->k * cc->k);
    CT_SCOPE {
        ct_tensor *x = ct_randn(CT_SHAPE(cc->n, cc->c, cc->h, cc->w), .requires_grad = cc->xgrad);
        ct_tensor *w = ct_randn(CT_SHAPE(cc->oc, cc->c, cc->k, cc->k), .requires_grad = true);
        ct_tensor *b = ct_randn(CT_SHAPE(cc->oc), .requires_grad = true);
        double tf = 1e30, tb = 1e30;
        for (int i = 0; i < 11; i++) {
            double t0 = now();
            CT_NO_GRAD { ct_free(ct_conv2d(x, w, b, .padding = CT_DIMS(cc->pad))); }
            double t = now() - t0;
            if (i > 0 && t < tf) tf = t;
        }
        for (int i = 0; i < 11; i++) {
            double t0 = now();
            CT_SCOPE { ct_backward(ct_sum(ct_conv2d(x, w, b, .padding = CT_DIMS(cc->pad)))); }
            double t = now() - t0;
            if (i > 0 && t < tb) tb = t;
        }
        r.fwd = flops / tf / 1e9;
        r.fwdbwd = (cc->xgrad ? 3 : 2) * flops / tb / 1e9;
    }
    return r;
}

static double bench_maxpool(void) {
    double best = 1e30;
    CT_SCOPE {
        ct_tensor *x = ct_randn(CT_SHAPE(128, 32, 28, 28), .requires_grad = true);
        for (int i = 0; i < 21; i++) {
            double t0 = now();
            CT_SCOPE { ct_backward(ct_sum(ct_max_pool2d(x, CT_DIMS(2)))); }
            double t = now() - t0;
            if (i > 0 && t < best) best = t;
        }
    }
    return best * 1e3;
}

/* PyTorch's numbers: fills torch_conv[threads-1][case] and torch_pool[threads-1]. */
static bool bench_torch(conv_result torch_conv[2][2], double torch_pool[2]) {
    if (getenv("CT_BENCH_NO_TORCH")) return false;
    char src[] = __FILE__, cmd[4096];
    snprintf(cmd, sizeof cmd, "OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 %s/conv.py 2>/dev/null", dirname(src));
    FILE *p = popen(cmd, "r");
    if (!p) return false;
    int th, got = 0;
    char name[32];
    double a, b;
    char line[256];
    while (fgets(line, sizeof line, p)) {
        int k = sscanf(line, "%d %31s %lf %lf", &th, name, &a, &b);
        if (k < 3 || th < 1 || th > 2) continue;
        if (!strcmp(name, "maxpool")) {
            torch_pool[th - 1] = a;
            got++;
        }
        for (int i = 0; i < 2 && k == 4; i++)
            if (!strcmp(name, cases[i].name)) {
                torch_conv[th - 1][i] = (conv_result){a, b};
                got++;
            }
    }
    pclose(p);
    return got == 6;
}

int main(int argc, char **argv) {
    (void)argc;
    if (!getenv("OPENBLAS_CORETYPE")) { /* OpenBLAS reads it when it loads: start again with it set */
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
        execv("/proc/self/exe", argv);
    }
    printf("%s\nOPENBLAS_CORETYPE=%s\n", ct_build_info(), getenv("OPENBLAS_CORETYPE"));
    conv_result ct[2][2], torch[2][2] = {{{0, 0}}};
    double ct_pool[2], torch_pool[2] = {0, 0};
    for (int th = 1; th <= 2; th++) {
        ct_set_num_threads(th);
        for (int i = 0; i < 2; i++) ct[th - 1][i] = bench_conv_case(&cases[i]);
        ct_pool[th - 1] = bench_maxpool();
    }
    bool have = bench_torch(torch, torch_pool);
    printf("%-8s %-22s %10s %10s %7s\n", "threads", "workload", "ctorch", "torch", "ratio");
    for (int th = 1; th <= 2; th++) {
        for (int i = 0; i < 2; i++) {
            const conv_result *c = &ct[th - 1][i], *t = &torch[th - 1][i];
            char label[64];
            snprintf(label, sizeof label, "%s fwd GFLOP/s", cases[i].name);
            printf("%-8d %-22s %10.1f %10.1f %7.2f\n", th, label, c->fwd, t->fwd, have ? c->fwd / t->fwd : 0.0);
            snprintf(label, sizeof label, "%s fwd+bwd GFLOP/s", cases[i].name);
            printf("%-8d %-22s %10.1f %10.1f %7.2f\n", th, label, c->fwdbwd, t->fwdbwd,
                   have ? c->fwdbwd / t->fwdbwd : 0.0);
        }
        printf("%-8d %-22s %10.2f %10.2f %7.2f\n", th, "maxpool2 f+b ms", ct_pool[th - 1], torch_pool[th - 1],
               have ? torch_pool[th - 1] / ct_pool[th - 1] : 0.0);
    }
    printf("(ratio = ctorch throughput / torch throughput; for times, torch time / ctorch time)\n");
    return 0;
}
