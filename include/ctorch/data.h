/*
 * ctorch/data.h - datasets, samplers and the data loader
 * (torch.utils.data and torchvision.datasets).
 *
 * A DATASET is a length and a way to get sample i: a small vtable plus your
 * context pointer. A SAMPLE is a few tensors, by convention t[0] the input
 * (an image) and t[1] the target (a 0-d int64 label). Built-in datasets
 * (MNIST, Fashion-MNIST, CIFAR-10, ImageFolder, TensorDataset) are written
 * exactly the way you write your own. A custom dataset over in-memory arrays:
 *
 *     typedef struct { const float *x; const int64_t *y; int64_t n; } my_data;
 *
 *     static int64_t my_len(void *ctx) { return ((my_data *)ctx)->n; }
 *     static int my_get(void *ctx, int64_t i, ct_sample *s) {
 *         my_data *d = ctx;
 *         s->n = 2;
 *         s->t[0] = ct_from_data(d->x + i * 4, CT_F32, CT_SHAPE(4));   // features
 *         s->t[1] = ct_scalar_tensor(d->y[i], .dtype = CT_I64);         // label
 *         return (s->t[0] && s->t[1]) ? 0 : -1;
 *     }
 *     static const ct_dataset_vtable my_vtable = {"MyDataset", my_len, my_get, NULL};
 *
 *     ct_dataset *ds = ct_dataset_new(&my_vtable, &data);   // ctx is borrowed
 *
 * get() is called with indices already checked to be in [0, len). It returns
 * 0, or a negative value after recording an error (ct_set_error). It may be
 * called from several loader worker threads at once, so it must only read
 * shared state (the built-ins do). Transforms set with ct_dataset_set_transform
 * are applied by ct_dataset_get, so get() returns raw samples.
 *
 * Datasets are REFERENCE COUNTED: ct_dataset_free drops a reference; wrappers
 * (Subset, ConcatDataset, random_split's pieces, loaders) hold their own
 * reference to what they wrap, so free things in any order.
 *
 * The LOADER (torch.utils.data.DataLoader) batches samples, shuffles with a
 * seeded generator, and prefetches with worker threads:
 *
 *     ct_loader *loader = ct_loader_new(train, .batch_size = 512, .shuffle = true);
 *     for (int epoch = 0; epoch < 3; epoch++) {
 *         CT_FOR_EACH_BATCH(loader, x, y) {     // x: [512,1,28,28] f32, y: [512] i64
 *             CT_SCOPE { ... train on x, y ... }
 *         }
 *     }
 *     ct_loader_free(loader);
 *
 * Randomness follows PyTorch 1.13 draw for draw: each epoch draws a base seed
 * (one int64 random_()) from the loader's generator, then the sampler draws its
 * permutation (RandomSampler: from the loader's generator when one is given,
 * else from a fresh generator seeded by a draw from the default generator),
 * so ct_manual_seed(s) or .generator = ct_generator_new(s) give the same
 * batches as torch.manual_seed(s) or generator=torch.Generator().manual_seed(s).
 * Random transforms inside a loader draw from a generator seeded by
 * (epoch base seed, batch number), so every num_workers gives identical batches.
 *
 * With the default collation the loader works a batch at a time: samples
 * of in-memory datasets (MNIST, CIFAR-10, TensorDataset, their Subsets) are
 * gathered straight into the batch, and the deterministic transforms at the
 * end of a Compose (ToTensor, Normalize) run once on the whole batch. The
 * batches are bit for bit those of loading sample by sample.
 */
#ifndef CTORCH_DATA_H
#define CTORCH_DATA_H

#include "types.h"
#include "transforms.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ samples */

/** Most tensors a sample (or a batch) holds. */
#define CT_SAMPLE_MAX 4

/**
 * One sample or one batch: n tensors, t[0] the input and t[1] the target by
 * convention. Each t[i] is a reference owned by whoever filled the sample;
 * ct_sample_free drops them.
 */
typedef struct ct_sample {
    int n;
    ct_tensor *t[CT_SAMPLE_MAX];
} ct_sample;

/** Drops the sample's tensors (ct_free each) and sets n to 0. NULL is ignored. */
void ct_sample_free(ct_sample *s);

/* ----------------------------------------------------------------- datasets */

/** A map-style dataset (torch.utils.data.Dataset). */
typedef struct ct_dataset ct_dataset;

/** What a dataset does; see the example at the top of this header. */
typedef struct ct_dataset_vtable {
    const char *name;                                  /**< e.g. "FashionMNIST" (for messages) */
    int64_t (*len)(void *ctx);                         /**< number of samples */
    int (*get)(void *ctx, int64_t index, ct_sample *out); /**< fills out; 0 or negative */
    void (*free)(void *ctx);                           /**< frees ctx when the dataset dies; may be NULL */
} ct_dataset_vtable;

/**
 * A dataset from a vtable and your context (kept, not copied; vt->free, if
 * any, is called on ctx when the last reference goes). NULL on error.
 */
ct_dataset *ct_dataset_new(const ct_dataset_vtable *vt, void *ctx);
/** Takes another reference to ds; returns ds. */
ct_dataset *ct_dataset_retain(ct_dataset *ds);
/** Drops a reference; the dataset (and its transforms) go with the last one. NULL is ignored. */
void ct_dataset_free(ct_dataset *ds);
/** len(dataset); -1 and an error for NULL. */
int64_t ct_dataset_len(ct_dataset *ds);
/** The vtable's name ("TensorDataset", "MNIST", ...). */
const char *ct_dataset_name(const ct_dataset *ds);
/** The context pointer given to ct_dataset_new. */
void *ct_dataset_ctx(const ct_dataset *ds);

/**
 * dataset[index]: fills *out with new references (owned by the open scope, if
 * any, else by the caller: ct_sample_free). The dataset's transform is
 * applied to t[0] and its target transform to t[1]. Returns 0, or a negative
 * error with *out empty ("index 10 is out of range for dataset of size 10").
 */
int ct_dataset_get(ct_dataset *ds, int64_t index, ct_sample *out);

/**
 * Sets the transform applied to t[0] (and the target transform applied to
 * t[1]) of every sample; the dataset takes ownership of both and frees any
 * previous ones. NULL removes a transform. Returns 0 or a negative error.
 */
int ct_dataset_set_transform(ct_dataset *ds, ct_transform *transform);
int ct_dataset_set_target_transform(ct_dataset *ds, ct_transform *target_transform);

/**
 * The class names of a classification dataset (MNIST's "0 - zero", ...,
 * CIFAR-10's "airplane", ..., ImageFolder's folder names); *n receives the
 * count. NULL (and *n = 0) when the dataset has none; no error is recorded.
 */
const char *const *ct_dataset_classes(const ct_dataset *ds, int *n);

/**
 * The whole data and targets tensors of an in-memory vision dataset, like
 * torchvision's dataset.data and dataset.targets: MNIST [N,28,28] uint8 and
 * [N] int64; CIFAR-10 [N,32,32,3] uint8 and [N] int64. Borrowed: do not free.
 * NULL (and an error) for other datasets.
 */
ct_tensor *ct_dataset_data(const ct_dataset *ds);
ct_tensor *ct_dataset_targets(const ct_dataset *ds);

/**
 * TensorDataset(*tensors): sample i is (tensors[0][i], ..., tensors[n-1][i]),
 * views of the given tensors (the dataset keeps references). All tensors need
 * the same size in dim 0 ("Size mismatch between tensors"); 1 <= n <= CT_SAMPLE_MAX.
 */
ct_dataset *ct_tensor_dataset(ct_tensor *const *tensors, int n);

/** Subset(dataset, indices): a view of the given samples (indices copied, each checked). */
ct_dataset *ct_subset(ct_dataset *ds, const int64_t *indices, int64_t n);
/** The indices of a subset made by ct_subset or ct_random_split (n entries); NULL for others. */
const int64_t *ct_subset_indices(const ct_dataset *subset, int64_t *n);

/** ConcatDataset(datasets): the samples of ds[0], then ds[1], ... */
ct_dataset *ct_concat_dataset(ct_dataset *const *datasets, int n);

/**
 * random_split(dataset, lengths, generator): splits ds into n Subsets of the
 * given lengths, which must add up to len(ds), using one
 * randperm(len, generator) exactly like PyTorch 1.13 (g NULL: the default
 * generator). Writes n new datasets to out; returns 0 or a negative error.
 */
int ct_random_split(ct_dataset *ds, const int64_t *lengths, int n, ct_generator *g,
                    ct_dataset **out);
/**
 * random_split with fractions summing to 1: each length is floor(frac * len),
 * then the remainder is handed out one by one round-robin from the first
 * split, as PyTorch does. ("Fraction at index 1 is not between 0 and 1")
 */
int ct_random_split_fractions(ct_dataset *ds, const double *fractions, int n, ct_generator *g,
                              ct_dataset **out);

/* ------------------------------------------------------- built-in datasets */

/** Which part of a dataset: torchvision's train=True / train=False. */
typedef enum ct_dataset_split { CT_TRAIN = 0, CT_TEST = 1 } ct_dataset_split;

/** Arguments of the vision datasets; use the macros below. */
typedef struct ct_vision_args {
    int ct__;
    const char *root;              /**< folder holding the files; NULL or "" searches the defaults */
    ct_dataset_split split;        /**< CT_TRAIN or CT_TEST */
    ct_transform *transform;       /**< applied to images; owned by the dataset (freed even if opening fails) */
    ct_transform *target_transform;/**< applied to labels; owned likewise */
    bool download;                 /**< fetch missing files with curl (see the datasets) */
} ct_vision_args;

/**
 * torchvision.datasets.FashionMNIST / MNIST from the IDX files
 * (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
 * t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]), gzipped or not.
 * Samples: image [28,28,1] uint8 (HWC, like the PIL image torchvision
 * returns; ToTensor makes it [1,28,28] float) and a 0-d int64 label 0-9.
 *
 * With root given, the files are looked for in root, root/FashionMNIST/raw
 * (torchvision's layout) and root/fashion-mnist. Without, in $CT_DATA_DIR,
 * ./data/fashion-mnist, ./data/FashionMNIST/raw, ./data and
 * /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist package).
 * .download = true fetches missing files into root (or ./data/fashion-mnist)
 * with the curl program from the mirrors torchvision uses (Fashion-MNIST:
 * http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/, MNIST:
 * https://ossci-datasets.s3.amazonaws.com/mnist/ then
 * http://yann.lecun.com/exdb/mnist/), checks each file (gzip data that
 * inflates to the exact size of the IDX file, or the IDX file itself) and
 * only then gives it its name. When that is impossible (no curl, no
 * network, a bad file) the error says why and how to get the files.
 * $CT_DOWNLOAD_MIRROR, when set, is a base URL used instead of the
 * official ones (a local copy: file:///srv/datasets/).
 *
 *     ct_dataset *train = ct_fashion_mnist("data", CT_TRAIN,
 *         ct_compose(ct_to_tensor(), ct_normalize(0.2860, 0.3530), NULL));
 */
#define ct_fashion_mnist(...) ct_fashion_mnist_((ct_vision_args){.ct__ = 0, __VA_ARGS__})
#define ct_mnist(...) ct_mnist_((ct_vision_args){.ct__ = 0, __VA_ARGS__})
ct_dataset *ct_fashion_mnist_(ct_vision_args a);
ct_dataset *ct_mnist_(ct_vision_args a);

/**
 * torchvision.datasets.CIFAR10 from the official binary version: root (or
 * root/cifar-10-batches-bin) holds data_batch_1.bin ... data_batch_5.bin and
 * test_batch.bin (records of 1 label byte + 3072 pixel bytes, planes R, G, B)
 * and batches.meta.txt (class names). Samples: image [32,32,3] uint8 HWC and a
 * 0-d int64 label. .download = true fetches
 * https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz into root (or
 * ./data) with curl (or from $CT_DOWNLOAD_MIRROR) and unpacks it with tar into
 * root/cifar-10-batches-bin; without them the error says how to get the files.
 */
#define ct_cifar10(...) ct_cifar10_((ct_vision_args){.ct__ = 0, __VA_ARGS__})
ct_dataset *ct_cifar10_(ct_vision_args a);

/**
 * torchvision.datasets.ImageFolder: root/<class>/.../<name>.png|.jpg|.jpeg. Classes
 * are the sub-folders sorted by name (byte order, as Python sorts), files
 * are walked like torchvision (sorted, recursively). Images are decoded on
 * each get as [H,W,3] uint8 (RGB, like torchvision's default loader).
 * .split is ignored.
 */
#define ct_image_folder(...) ct_image_folder_((ct_vision_args){.ct__ = 0, __VA_ARGS__})
ct_dataset *ct_image_folder_(ct_vision_args a);
/** The path of an ImageFolder sample (borrowed), or NULL. */
const char *ct_image_folder_path(const ct_dataset *ds, int64_t index);

/**
 * Reads an IDX file (the MNIST format), gzipped or not, into a new tensor of
 * the file's shape: type 0x08 uint8, 0x0C int32, 0x0D float32, 0x0E float64
 * (0x09 int8 and 0x0B int16 widen to int32). Bad magic, truncated files or
 * sizes that disagree with the header give a CT_ERR_IO error; a gzip stream
 * is inflated no further than one byte past the size its header describes
 * (at most 4 GiB), so a small compressed file cannot fill memory.
 */
ct_tensor *ct_idx_load(const char *path);

/* ----------------------------------------------------------------- samplers */

/** A source of dataset indices for one epoch (torch.utils.data.Sampler). */
typedef struct ct_sampler ct_sampler;

/** SequentialSampler: 0, 1, ..., n-1. */
ct_sampler *ct_sequential_sampler(int64_t n);

/** Options of ct_random_sampler. */
typedef struct ct_random_sampler_args {
    int ct__;
    int64_t n;                /**< dataset length */
    bool replacement;         /**< draw with replacement (randint in chunks of 32) */
    int64_t num_samples;      /**< samples per epoch; 0: n */
    ct_generator *generator;  /**< borrowed; NULL: a fresh seed from the default generator each epoch */
} ct_random_sampler_args;
/** RandomSampler(data_source, replacement, num_samples, generator). */
#define ct_random_sampler(...) ct_random_sampler_((ct_random_sampler_args){.ct__ = 0, __VA_ARGS__})
ct_sampler *ct_random_sampler_(ct_random_sampler_args a);

/** SubsetRandomSampler(indices, generator): the given indices in random order (copied). */
ct_sampler *ct_subset_random_sampler(const int64_t *indices, int64_t n, ct_generator *g);

/**
 * WeightedRandomSampler(weights, num_samples, replacement, generator):
 * num_samples indices drawn with probability proportional to weights
 * (torch.multinomial in float64, draw for draw with replacement).
 */
ct_sampler *ct_weighted_random_sampler(const double *weights, int64_t n, int64_t num_samples,
                                       bool replacement, ct_generator *g);

/**
 * A sampler of your own: len() returns the indices per epoch, epoch() writes
 * them to out (len() entries) and returns 0 or a negative error. free(ctx)
 * runs when the sampler is freed (may be NULL).
 */
ct_sampler *ct_sampler_new(int64_t (*len)(void *ctx), int (*epoch)(void *ctx, int64_t *out),
                           void (*free)(void *ctx), void *ctx);
/** Number of indices one epoch yields. */
int64_t ct_sampler_len(ct_sampler *s);
/**
 * The indices of the next epoch as a malloc'ed array (free() it); *n gets
 * their count. NULL on error.
 */
int64_t *ct_sampler_epoch(ct_sampler *s, int64_t *n);
/** Frees a sampler (not one a loader owns). NULL is ignored. */
void ct_sampler_free(ct_sampler *s);

/* ------------------------------------------------------------------- loader */

/**
 * Collation: turns `n` samples into one batch. The default stacks field k of
 * every sample along a new dim 0 (images [B,C,H,W], 0-d labels [B]), like
 * torch's default_collate; shapes and dtypes must agree. Fills *out with new
 * references and returns 0, or a negative error.
 */
typedef int (*ct_collate_fn)(const ct_sample *samples, int64_t n, ct_sample *out, void *ctx);
/** The default collation. */
int ct_default_collate(const ct_sample *samples, int64_t n, ct_sample *out, void *ctx);

/** A data loader. */
typedef struct ct_loader ct_loader;

/** Loader options (DataLoader's keyword arguments); use ct_loader_new. */
typedef struct ct_loader_args {
    int ct__;
    ct_dataset *dataset;      /**< the loader takes its own reference */
    int64_t batch_size;       /**< default 1 */
    bool shuffle;             /**< a RandomSampler over the dataset */
    bool drop_last;           /**< drop the last incomplete batch */
    int num_workers;          /**< 0: load in the calling thread; else that many threads */
    int prefetch_factor;      /**< batches in flight per worker (default 2) */
    ct_sampler *sampler;      /**< custom sampler (owned by the loader); excludes shuffle */
    ct_generator *generator;  /**< borrowed; NULL: the default generator */
    ct_collate_fn collate_fn; /**< NULL: ct_default_collate */
    void *collate_ctx;
} ct_loader_args;

/** DataLoader(dataset, ...): ct_loader_new(ds, .batch_size = 64, .shuffle = true). */
#define ct_loader_new(...) ct_loader_new_((ct_loader_args){.ct__ = 0, __VA_ARGS__})
ct_loader *ct_loader_new_(ct_loader_args a);
/** Frees the loader, stopping any epoch in progress (workers are joined). NULL is ignored. */
void ct_loader_free(ct_loader *l);
/** len(loader): batches per epoch (ceil, or floor with drop_last). */
int64_t ct_loader_len(const ct_loader *l);
/** The loader's dataset (borrowed). */
ct_dataset *ct_loader_dataset(const ct_loader *l);

/** One pass over a loader (an epoch). */
typedef struct ct_loader_iter ct_loader_iter;

/**
 * Starts an epoch: draws the epoch's seed and indices and starts the workers.
 * Only one epoch of a loader may be in progress; NULL on error.
 */
ct_loader_iter *ct_loader_iter_new(ct_loader *l);
/**
 * The next batch: returns 1 and fills *batch with new references that the
 * CALLER owns (no scope takes them; ct_sample_free), 0 at the end of the
 * epoch, or a negative error.
 */
int ct_loader_next(ct_loader_iter *it, ct_sample *batch);
/** Ends the epoch early or late: stops and joins workers, frees queued batches. NULL is ignored. */
void ct_loader_iter_free(ct_loader_iter *it);

/**
 * Iterates one epoch, binding x (t[0]) and y (t[1]) of each batch:
 *
 *     CT_FOR_EACH_BATCH(loader, x, y) { ... }
 *
 * The loop owns x and y: they are valid in the body and freed when the next
 * batch comes (ct_retain one to keep it). `break` ends the epoch cleanly,
 * freeing the batch and stopping workers; `continue` goes to the next batch.
 * Do not `return` or `goto` out of the loop (the epoch would stay open).
 * An error while loading ends the loop with ct_last_error() set (in
 * CT_ERRORS_RETURN mode). CT_FOR_EACH_SAMPLE_BATCH(loader, b) binds b, a
 * ct_sample * (b->t[0], b->t[1], ...).
 */
#define CT_FOR_EACH_BATCH(loader, x, y)                                                 \
    CT__FOR_EACH_BATCH_AT(loader, x, y, CT__CAT(ct__fe_it, __LINE__), CT__CAT(ct__fe_b, __LINE__))
#define CT__FOR_EACH_BATCH_AT(loader, x, y, it, b)                                      \
    for (ct_loader_iter *it = ct_loader_iter_new(loader); it;                           \
         ct_loader_iter_free(it), it = NULL)                                            \
        for (ct_sample *b; (b = ct__loader_step(it)) != NULL;)                          \
            for (ct_tensor *x = b->t[0], *y = b->t[1];                                  \
                 ((void)(x), (void)(y), ct__loader_body(it)); ct__loader_done(it))

#define CT_FOR_EACH_SAMPLE_BATCH(loader, batch)                                         \
    CT__FOR_EACH_SAMPLE_AT(loader, batch, CT__CAT(ct__fe_it, __LINE__))
#define CT__FOR_EACH_SAMPLE_AT(loader, batch, it)                                       \
    for (ct_loader_iter *it = ct_loader_iter_new(loader); it;                           \
         ct_loader_iter_free(it), it = NULL)                                            \
        for (ct_sample *batch; (batch = ct__loader_step(it)) != NULL;)                  \
            for (; ((void)(batch), ct__loader_body(it)); ct__loader_done(it))

/*
 * Helpers of the loop macros (not for direct use). ct__loader_step frees the
 * batch the iterator holds and fetches the next one (NULL at the end, on an
 * error, or when the body was left by `break`); ct__loader_body lets the
 * body run once per batch; ct__loader_done marks that it finished (normally
 * or by `continue`), which is how `break` is told apart.
 */
ct_sample *ct__loader_step(ct_loader_iter *it);
int ct__loader_body(ct_loader_iter *it);
void ct__loader_done(ct_loader_iter *it);

#ifdef __cplusplus
}
#endif
#endif
