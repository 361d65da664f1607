/*
 * bench/w1_mlp.c - workload W1 of `make bench`: the notes' MLP
 * 784-256-64-10 (ReLU) on Fashion-MNIST with cross-entropy (or, with
 * --loss mse, MSE on one-hot targets as in the notes), SGD lr 0.01 momentum
 * 0.9. The images sit in memory as uint8; each epoch draws a permutation and
 * each batch gathers its rows and normalizes them (the last batch partial). Reports the best
 * seconds per epoch over the timed epochs, for each batch size and thread
 * count, and with --eval the test accuracy after training. The PyTorch side
 * is bench/w1_mlp.py (same data handling, same settings).
 * A benchmark: it prints, it never fails.
 *
 *     ./bench_w1_mlp [--batch 512,64] [--epochs 2] [--loss ce|mse] [--eval]
 *                    [--threads 1,2] [--raw] [--data DIR]
 *
 * Result keys: w1_b<batch>_s (seconds per epoch) and w1_b<batch>_acc (test
 * accuracy, %), prefixed w1mse_ instead of w1_ for the MSE loss.
 */
#include "bench_common.h"
#include "fmnist_mem.h"

/*
 * One epoch of training; returns its wall time. The images stay uint8 in
 * memory: each batch is gathered through the shuffled indices and normalized
 * as it is used (what a loader does), so the epoch holds no float copy of the
 * data set.
 */
static double train_epoch(ct_module *net, ct_optimizer *opt, ct_tensor *x, ct_tensor *y, int64_t batch, bool mse) {
    int64_t n = ct_size(x, 0);
    double t0 = bench_now();
    CT_SCOPE {
        ct_tensor *perm = ct_randperm(n);
        for (int64_t i = 0; i < n; i += batch) {
            int64_t b = n - i < batch ? n - i : batch;
            CT_SCOPE {
                ct_tensor *idx = ct_narrow(perm, 0, i, b);
                ct_tensor *out = ct_forward(net, fmnist_batch(x, idx));
                ct_tensor *yb = ct_index_select(y, 0, idx);
                ct_tensor *loss = mse ? ct_mse_loss(out, ct_to_dtype(ct_one_hot(yb, 10), CT_F32))
                                      : ct_cross_entropy(out, yb);
                ct_zero_grad(opt);
                ct_backward(loss);
                ct_step(opt);
            }
        }
    }
    return bench_now() - t0;
}

/* Test accuracy in percent. */
static double accuracy(ct_module *net, ct_tensor *x, ct_tensor *y) {
    int64_t n = ct_size(x, 0), correct = 0;
    ct_module_eval(net);
    CT_NO_GRAD {
        for (int64_t i = 0; i < n; i += 1000) {
            int64_t b = n - i < 1000 ? n - i : 1000;
            CT_SCOPE {
                ct_tensor *pred = ct_argmax_dim(ct_forward(net, fmnist_batch(x, ct_arange(i, i + b, 1))), 1, false);
                correct += ct_item_int(ct_sum(ct_eq(pred, ct_narrow(y, 0, i, b))));
            }
        }
    }
    ct_module_train(net, true);
    return 100.0 * (double)correct / (double)n;
}

int main(int argc, char **argv) {
    bench_opts o;
    bench_setup(argc, argv, &o);
    const int epochs = (int)bench_arg_int(argc, argv, "--epochs", 2);
    const char *loss_name = bench_arg(argc, argv, "--loss");
    const bool mse = loss_name && strcmp(loss_name, "mse") == 0;
    const bool eval = bench_flag(argc, argv, "--eval");
    const char *batches = bench_arg(argc, argv, "--batch");
    const char *prefix = mse ? "w1mse" : "w1";

    ct_tensor *x, *y, *tx = NULL, *ty = NULL;
    if (!fmnist_load_u8(bench_arg(argc, argv, "--data"), true, &x, &y)) {
        printf("W1 skipped: Fashion-MNIST not available\n");
        return 0;
    }
    if (eval && !fmnist_load_u8(bench_arg(argc, argv, "--data"), false, &tx, &ty)) return 0;

    bench_metric metrics[8];
    char keys[8][48], labels[8][64];
    int nm = 0;
    bench_values ct;
    ct.n = 0;
    for (const char *p = batches ? batches : "512,64"; *p && nm < 7;) {
        char *end;
        long batch = strtol(p, &end, 10);
        if (end == p) break;
        p = *end == ',' ? end + 1 : end;
        snprintf(keys[nm], sizeof keys[nm], "%s_b%ld_s", prefix, batch);
        snprintf(labels[nm], sizeof labels[nm], "W1 MLP %s, batch %ld, epoch", mse ? "MSE" : "CE", batch);
        metrics[nm] = (bench_metric){keys[nm], labels[nm], "s", false};
        if (eval) {
            snprintf(keys[nm + 1], sizeof keys[nm + 1], "%s_b%ld_acc", prefix, batch);
            snprintf(labels[nm + 1], sizeof labels[nm + 1], "W1 test accuracy after %d epochs", epochs);
            metrics[nm + 1] = (bench_metric){keys[nm + 1], labels[nm + 1], "%", true};
        }
        for (int ti = 0; ti < o.nthreads; ti++) {
            ct_set_num_threads(o.threads[ti]);
            ct_manual_seed(0);
            ct_module *net = ct_nn_sequential(ct_nn_linear(784, 256), ct_nn_relu(), ct_nn_linear(256, 64),
                                              ct_nn_relu(), ct_nn_linear(64, 10), NULL);
            ct_optimizer *opt = ct_sgd(ct_parameters(net), .lr = 0.01, .momentum = 0.9);
            double best = 1e30;
            for (int e = 0; e < epochs; e++) {
                double t = train_epoch(net, opt, x, y, batch, mse);
                if (t < best) best = t;
            }
            bench_result(&o, &ct, o.threads[ti], keys[nm], best);
            if (eval) bench_result(&o, &ct, o.threads[ti], keys[nm + 1], accuracy(net, tx, ty));
            ct_optimizer_free(opt);
            ct_module_free(net);
        }
        nm += eval ? 2 : 1;
    }
    ct_free(x);
    ct_free(y);
    ct_free(tx);
    ct_free(ty);

    char extra[256];
    snprintf(extra, sizeof extra, "--batch %s --epochs %d --loss %s%s", batches ? batches : "512,64", epochs,
             mse ? "mse" : "ce", eval ? " --eval" : "");
    bench_finish(&o, "w1_mlp.py", extra, metrics, nm, &ct);
    return 0;
}
