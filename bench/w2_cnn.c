/*
 * bench/w2_cnn.c - workload W2 of `make bench`: the default CNN on
 * Fashion-MNIST held in memory (as in bench/w1_mlp.c):
 *
 *     Conv(1->32, 3, pad 1)-BN-ReLU-MaxPool2 -> Conv(32->64, 3, pad 1)-BN-ReLU-
 *     MaxPool2 -> Flatten -> Linear(3136->128)-ReLU-Dropout(0.25) -> Linear(128->10)
 *
 * with cross-entropy, Adam lr 1e-3, batch 128. By default it times
 * --batches 50 batches (after 3 untimed warm-up batches) and extrapolates to
 * one epoch (469 batches of 60,000 images): the key w2_epoch_s is that
 * extrapolation. With --epochs E it trains E full epochs instead, reports the
 * best measured epoch, and with --eval the test accuracy (w2_acc, %).
 * The PyTorch side is bench/w2_cnn.py, timed the same way.
 * A benchmark: it prints, it never fails.
 *
 *     ./bench_w2_cnn [--batches 50 | --epochs 3 [--eval]] [--threads 1,2] [--raw]
 */
#include <math.h>

#include "bench_common.h"
#include "fmnist_mem.h"

#define BATCH 128

#if defined(ct_nn_conv2d) && defined(ct_nn_max_pool2d)
static ct_module *conv3x3(int64_t in, int64_t out) { return ct_nn_conv2d(in, out, CT_DIMS(3), .padding = CT_DIMS(1)); }
static ct_module *maxpool2(void) { return ct_nn_max_pool2d(CT_DIMS(2)); }
#else
/* Without ctorch/cnn_layers.h: Conv2d(in, out, 3, padding=1) as a module of our own over ct_conv2d (nn.Conv2d's init). */
static ct_tensor *conv_forward(ct_module *m, ct_tensor *x) {
    return ct_conv2d(x, ct_module_get(m, "weight"), ct_module_get(m, "bias"), .padding = CT_SHAPE(1, 1));
}
static const ct_module_type conv_type = {.name = "Conv2d", .forward = conv_forward};
static ct_module *conv3x3(int64_t in, int64_t out) {
    ct_module *m = ct_module_new(&conv_type, sizeof(ct_module));
    double bound = 1.0 / sqrt((double)(in * 9)); /* kaiming_uniform_(a=sqrt(5)) and the bias rule */
    ct_init_uniform_(ct_module_param(m, "weight", ct_empty(CT_SHAPE(out, in, 3, 3))), -bound, bound);
    ct_init_uniform_(ct_module_param(m, "bias", ct_empty(CT_SHAPE(out))), -bound, bound);
    return m;
}

/* MaxPool2d(2). */
static ct_tensor *pool_forward(ct_module *m, ct_tensor *x) {
    (void)m;
    return ct_max_pool2d(x, CT_SHAPE(2, 2));
}
static const ct_module_type pool_type = {.name = "MaxPool2d", .forward = pool_forward};
static ct_module *maxpool2(void) { return ct_module_new(&pool_type, sizeof(ct_module)); }
#endif

/* The default CNN, as bench/w2_cnn.py builds it. */
static ct_module *cnn_new(void) {
    return ct_nn_sequential(conv3x3(1, 32), ct_nn_batch_norm2d(32), ct_nn_relu(), maxpool2(), conv3x3(32, 64),
                            ct_nn_batch_norm2d(64), ct_nn_relu(), maxpool2(), ct_nn_flatten(),
                            ct_nn_linear(3136, 128), ct_nn_relu(), ct_nn_dropout(0.25), ct_nn_linear(128, 10),
                            NULL);
}

/* Trains on batches [first, first + count) of the shuffled data (xs, ys). */
static void train_batches(ct_module *net, ct_optimizer *opt, ct_tensor *xs, ct_tensor *ys, int64_t first,
                          int64_t count) {
    int64_t n = ct_size(xs, 0);
    for (int64_t k = first; k < first + count && k * BATCH < n; k++) {
        int64_t i = k * BATCH, b = n - i < BATCH ? n - i : BATCH;
        CT_SCOPE {
            ct_tensor *xb = ct_view(ct_narrow(xs, 0, i, b), CT_SHAPE(b, 1, 28, 28));
            ct_tensor *loss = ct_cross_entropy(ct_forward(net, xb), ct_narrow(ys, 0, i, b));
            ct_zero_grad(opt);
            ct_backward(loss);
            ct_step(opt);
        }
    }
}

/* Test accuracy in percent (eval mode: BatchNorm's running statistics, no dropout). */
static double accuracy(ct_module *net, ct_tensor *x, ct_tensor *y) {
    int64_t n = ct_size(x, 0), correct = 0;
    ct_module_eval(net);
    CT_NO_GRAD {
        for (int64_t i = 0; i < n; i += 1000) {
            int64_t b = n - i < 1000 ? n - i : 1000;
            CT_SCOPE {
                ct_tensor *xb = ct_view(ct_narrow(x, 0, i, b), CT_SHAPE(b, 1, 28, 28));
                ct_tensor *pred = ct_argmax_dim(ct_forward(net, xb), 1, false);
                correct += ct_item_int(ct_sum(ct_eq(pred, ct_narrow(y, 0, i, b))));
            }
        }
    }
    ct_module_train(net, true);
    return 100.0 * (double)correct / (double)n;
}

static const bench_metric metrics[] = {
    {"w2_epoch_s", "W2 CNN, batch 128, epoch", "s", false},
    {"w2_acc", "W2 CNN test accuracy", "%", true},
};

int main(int argc, char **argv) {
    bench_opts o;
    bench_setup(argc, argv, &o);
    const int64_t batches = bench_arg_int(argc, argv, "--batches", 50);
    const int epochs = (int)bench_arg_int(argc, argv, "--epochs", 0);
    const bool eval = epochs > 0 && bench_flag(argc, argv, "--eval");
    ct_tensor *x, *y, *tx = NULL, *ty = NULL;
    if (!fmnist_load(bench_arg(argc, argv, "--data"), true, &x, &y)) {
        printf("W2 skipped: Fashion-MNIST not available\n");
        return 0;
    }
    if (eval && !fmnist_load(bench_arg(argc, argv, "--data"), false, &tx, &ty)) return 0;
    const int64_t n = ct_size(x, 0), per_epoch = (n + BATCH - 1) / BATCH;
    bench_values ct;
    ct.n = 0;
    for (int ti = 0; ti < o.nthreads; ti++) {
        ct_set_num_threads(o.threads[ti]);
        ct_manual_seed(0);
        ct_module *net = cnn_new();
        ct_optimizer *opt = ct_adam(ct_parameters(net), .lr = 1e-3);
        double best = 1e30;
        if (epochs > 0) {
            for (int e = 0; e < epochs; e++) {
                double t0 = bench_now();
                CT_SCOPE {
                    ct_tensor *perm = ct_randperm(n);
                    train_batches(net, opt, ct_index_select(x, 0, perm), ct_index_select(y, 0, perm), 0, per_epoch);
                }
                double t = bench_now() - t0;
                if (t < best) best = t;
            }
        } else {
            CT_SCOPE {
                ct_tensor *perm = ct_randperm(n);
                ct_tensor *xs = ct_index_select(x, 0, perm), *ys = ct_index_select(y, 0, perm);
                train_batches(net, opt, xs, ys, 0, 3); /* warm up */
                double t0 = bench_now();
                train_batches(net, opt, xs, ys, 3, batches);
                best = (bench_now() - t0) / (double)batches * (double)per_epoch;
            }
        }
        bench_result(&o, &ct, o.threads[ti], "w2_epoch_s", best);
        if (eval) bench_result(&o, &ct, o.threads[ti], "w2_acc", accuracy(net, tx, ty));
        ct_optimizer_free(opt);
        ct_module_free(net);
    }
    ct_free(x);
    ct_free(y);
    ct_free(tx);
    ct_free(ty);
    if (!o.raw && epochs == 0)
        printf("W2 epoch time extrapolated from %lld batches (after 3 warm-up batches) to %lld batches\n",
               (long long)batches, (long long)per_epoch);
    char extra[128];
    if (epochs > 0) snprintf(extra, sizeof extra, "--epochs %d%s", epochs, eval ? " --eval" : "");
    else snprintf(extra, sizeof extra, "--batches %lld", (long long)batches);
    bench_finish(&o, "w2_cnn.py", extra, metrics, eval ? 2 : 1, &ct);
    return 0;
}
