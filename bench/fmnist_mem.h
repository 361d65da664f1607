/*
 * bench/fmnist_mem.h - Fashion-MNIST held in memory for the training
 * workloads (w1_mlp, w2_cnn): the IDX files read once with ct_idx_load,
 * scaled to [0, 1] and normalized once, in place, with the data set's mean
 * and std (0.2860, 0.3530), images as a [N, 784] float32 tensor and labels as [N]
 * int64. An epoch then shuffles with one index_select and slices batches
 * with ct_narrow: no per-sample work, as in the PyTorch twins.
 */
#ifndef CT_BENCH_FMNIST_MEM_H
#define CT_BENCH_FMNIST_MEM_H

#include <stdio.h>

#include <ctorch.h>

/** Where Debian's dataset-fashion-mnist puts the files. */
#define FMNIST_DIR "/usr/share/datasets/fashion-mnist"

/**
 * The compact form for W1: the images stay uint8 ([N, 784], 47 MiB instead
 * of 188 MiB of floats) and labels int64; each batch is gathered and
 * normalized when it is used (fmnist_batch). Returns false (with a message
 * on stderr) when the files cannot be read.
 */
static inline bool fmnist_load_u8(const char *dir, bool train, ct_tensor **x, ct_tensor **y) {
    char ip[1024], lp[1024];
    const char *d = dir ? dir : FMNIST_DIR, *pre = train ? "train" : "t10k";
    snprintf(ip, sizeof ip, "%s/%s-images-idx3-ubyte.gz", d, pre);
    snprintf(lp, sizeof lp, "%s/%s-labels-idx1-ubyte.gz", d, pre);
    ct_error_mode old = ct_set_error_mode(CT_ERRORS_RETURN);
    *x = *y = NULL;
    CT_SCOPE {
        ct_tensor *img = ct_idx_load(ip), *lab = ct_idx_load(lp);
        if (img && lab) {
            *x = ct_keep(ct_view(img, CT_SHAPE(ct_size(img, 0), 784)));
            *y = ct_keep(ct_to_dtype(lab, CT_I64));
        }
    }
    ct_set_error_mode(old);
    if (!*x || !*y) {
        fprintf(stderr, "cannot read Fashion-MNIST from %s (%s); install dataset-fashion-mnist\n", d,
                ct_last_error() ? ct_last_error() : "?");
        ct_free(*x);
        ct_free(*y);
        *x = *y = NULL;
        return false;
    }
    return true;
}

/**
 * Loads the train (train = true) or test split from dir (NULL: FMNIST_DIR)
 * into *x (new reference, [N, 784] float32, normalized) and *y (new
 * reference, [N] int64). Returns false (with a message on stderr) when the
 * files cannot be read.
 */
static inline bool fmnist_load(const char *dir, bool train, ct_tensor **x, ct_tensor **y) {
    ct_tensor *u8;
    if (!fmnist_load_u8(dir, train, &u8, y)) return false;
    CT_SCOPE {
        /* in place: one float copy of the images, no temporaries (they would set the peak RSS) */
        ct_tensor *f = ct_to_dtype(u8, CT_F32);
        ct_div_scalar_(ct_sub_scalar_(ct_div_scalar_(f, 255.0), 0.2860), 0.3530);
        *x = ct_keep(f);
    }
    ct_free(u8);
    if (*x) return true;
    ct_free(*y);
    *y = NULL;
    return false;
}

/**
 * Rows idx of the uint8 images as a normalized float32 batch [len(idx), 784]:
 * (x / 255 - mean) / std, the values fmnist_load holds (to a rounding), taken
 * as x * (1 / (255 std)) - mean / std: two passes over the batch instead of
 * three. In the scope.
 */
static inline ct_tensor *fmnist_batch(ct_tensor *x_u8, ct_tensor *idx) {
    ct_tensor *f = ct_to_dtype(ct_index_select(x_u8, 0, idx), CT_F32);
    return ct_add_scalar_(ct_mul_scalar_(f, 1.0 / (255.0 * 0.3530)), -0.2860 / 0.3530);
}

#endif
