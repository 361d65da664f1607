/*
 * bench/data.c - images per second of the Fashion-MNIST loader with
 * ToTensor + Normalize at batch 512, for 0, 1 and 2 worker threads.
 * Prints numbers; never fails.
 */
#include <stdio.h>
#include <time.h>

#include "ctorch.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
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
        double best = 0;
        for (int rep = 0; rep < 3; rep++) {
            int64_t images = 0;
            double t0 = now();
            CT_FOR_EACH_BATCH(l, x, y) { images += ct_size(x, 0); }
            double rate = (double)images / (now() - t0);
            if (rate > best) best = rate;
        }
        printf("  num_workers=%d: %10.0f images/s (best of 3 epochs)\n", workers, best);
        ct_loader_free(l);
    }
    ct_dataset_free(train);
    return 0;
}
