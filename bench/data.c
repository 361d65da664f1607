/*
 * bench/data.c - images per second of the Fashion-MNIST loader with
 * ToTensor + Normalize at batch 512, for 0, 1 and 2 worker threads.
 * Besides wall-clock images/s it prints images per CPU-second of the
 * process (all its threads), which a busy shared machine disturbs less.
 * Prints numbers; never fails.
 */
#include <stdio.h>
#include <time.h>

#include "ctorch.h"

static double clock_s(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void) {
    ct_set_error_mode(CT_ERRORS_RETURN);
    ct_manual_seed(0);
    ct_dataset *train = ct_fashion_mnist(NULL, CT_TRAIN,
                                         ct_compose(ct_to_tensor(), ct_normalize(0.2860, 0.3530), NULL));
    if (!train) {
        printf("data bench skipped: %s\n", ct_last_error());
        return 0;
    }
    printf("Fashion-MNIST train loader, ToTensor+Normalize, batch 512, shuffle (%d threads for ops)\n",
           ct_get_num_threads());
    for (int workers = 0; workers <= 2; workers++) {
        ct_loader *l = ct_loader_new(train, .batch_size = 512, .shuffle = true, .num_workers = workers);
        double best = 0, best_cpu = 0;
        for (int rep = 0; rep < 5; rep++) {
            int64_t images = 0;
            double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
            CT_FOR_EACH_BATCH(l, x, y) { images += ct_size(x, 0); }
            double rate = (double)images / (clock_s(CLOCK_MONOTONIC) - t0);
            double cpu_rate = (double)images / (clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0);
            if (rate > best) best = rate;
            if (cpu_rate > best_cpu) best_cpu = cpu_rate;
        }
        printf("  num_workers=%d: %10.0f images/s, %10.0f images per CPU-second (best of 5 epochs)\n", workers,
               best, best_cpu);
        ct_loader_free(l);
    }
    ct_dataset_free(train);
    return 0;
}
