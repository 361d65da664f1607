/*
 * tools/cli.h - what the files of the `ctorch` command-line program share:
 * the training configuration, the run's history, and one function per job.
 * The program uses the public API only (include/ctorch.h).
 */
#ifndef CTORCH_TOOLS_CLI_H
#define CTORCH_TOOLS_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <ctorch.h>
#include <ctorch/cnn_layers.h>
#include <ctorch/models.h>

/* ------------------------------------------------------------ configuration */

/** Everything `ctorch train` can be told; defaults in cfg_defaults (cmd_train.c). */
typedef struct train_config {
    char model[4096];      /* "mlp", "cnn", "lenet5", "resnet18", or a model file's path */
    char model_text[8192]; /* the model file's text (empty for a built-in model) */
    char dataset[32];      /* "fashion-mnist", "mnist", "cifar10" */
    char root[1024];       /* data folder; "" searches the default places */
    int epochs;
    int batch_size;
    char optimizer[16];    /* "sgd", "adam", "adamw", "rmsprop" */
    double lr;             /* 0: the optimizer's default */
    double momentum;
    double weight_decay;   /* negative: the optimizer's default */
    char schedule[16];     /* "none", "step", "cosine", "plateau" */
    int step_size;         /* StepLR's step (0: epochs - 1) */
    double gamma;          /* StepLR / plateau factor */
    char augment[16];      /* "none", "flip-crop", "affine", "auto" */
    int val_split;         /* training images held out for validation */
    int patience;          /* early stopping: epochs without a better val loss (0: off) */
    uint64_t seed;
    int threads;           /* 0: ctorch's default */
    char out[1024];        /* output folder ("" : out/<dataset>-<model>) */
    char resume[1024];     /* checkpoint to continue from */
    int64_t max_batches;   /* per epoch (0: all); also caps evaluation batches */
    int64_t max_test;      /* test images evaluated (0: all) */
    int stop_after;        /* end after this epoch, as if interrupted (0: run to the end) */
    int workers;           /* loader threads */
    bool quiet;
} train_config;

/* --------------------------------------------------------------- arguments */

/** Parses a whole decimal number in [lo, hi] for option `opt`; prints why on failure. */
bool arg_int(const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *out);
/** Parses a finite number >= lo for option `opt`; prints why on failure. */
bool arg_double(const char *opt, const char *s, double lo, double *out);
/** Checks s is one of the NULL-terminated choices; prints them on failure. */
bool arg_choice(const char *opt, const char *s, const char *const *choices);
/** Copies s into buf (size bytes), failing with a message when it does not fit. */
bool arg_copy(const char *opt, const char *s, char *buf, size_t size);
/** Prints "ctorch CMD: MSG" (printf-style) and "Try 'ctorch CMD --help'." to stderr. */
void usage_error(const char *cmd, const char *fmt, ...);

/* ------------------------------------------------------------------- data */

/** The normalization and shape a data set's images get. */
typedef struct data_info {
    int channels, height, width; /* what the model sees */
    int num_classes;
    double mean[3], std[3];
    bool gray_to_rgb; /* gray images repeated to 3 channels (for models that need RGB) */
} data_info;

/** Fills *info for a data set name; false for an unknown name. */
bool data_info_for(const char *dataset, data_info *info);
/** data_info_for, adjusted to what `model` takes (resnet18 needs 3 channels). */
bool data_info_for_model(const char *dataset, const char *model, data_info *info);
/**
 * Opens the train or test split of cfg->dataset with ToTensor + Normalize
 * (and, for training with augmentation, the random transforms first). On
 * failure prints what to do (e.g. the apt-get command) and returns NULL.
 */
ct_dataset *data_open(const train_config *cfg, ct_dataset_split split, bool augment);
/** The data set's class names ("Sneaker"); n receives the count. */
const char *const *data_class_names(const char *dataset, int *n);
/** An image tensor (uint8 [H,W,C]) turned into the model's normalized [1,C,H,W] input, resized if needed. */
ct_tensor *data_prepare_image(ct_tensor *img, const data_info *info);

/* ------------------------------------------------------------------ models */

/** The model's name for messages: a built-in name, or a model file's base name. */
const char *model_label(const char *model);
/** Builds a model for (C, H, W) images and n classes from cfg->model / cfg->model_text; NULL after printing why. */
ct_module *model_build(const char *name, const char *text, const data_info *info);
/** Reads a model description file into buf; false after printing why. */
bool model_file_read(const char *path, char *buf, size_t size);
/** Builds a model from a model description (see model_file.c for the format); NULL after printing why. */
ct_module *model_from_text(const char *text, const char *origin, const data_info *info);

/* ----------------------------------------------------------------- history */

/** One epoch's numbers. */
typedef struct epoch_stats {
    int epoch; /* 1-based */
    double train_loss, train_acc, val_loss, val_acc, lr, seconds;
} epoch_stats;

/** What a run remembers across epochs (and across a resume). */
typedef struct history {
    epoch_stats *epochs;
    int n, cap;
    double *batch_x, *batch_loss; /* running train loss, x in fractional epochs */
    int nb, capb;
    double best_val_loss;
    int best_epoch, bad_epochs;
} history;

bool history_add_epoch(history *h, epoch_stats s);
bool history_add_batch(history *h, double x, double loss);
void history_free(history *h);

/* -------------------------------------------------------------- evaluation */

/** Results of evaluating a model over a data set. */
typedef struct eval_result {
    double loss, acc;
    int64_t n;
    int64_t *confusion; /* num_classes x num_classes, [true][pred] (malloc'ed) */
    int num_classes;
    ct_tensor *sample_images; /* first samples, [k,C,H,W] normalized (owned) */
    int64_t *sample_pred, *sample_true;
    double *sample_prob;
    int n_samples;
} eval_result;

/** Evaluates m on ds (eval mode, no grad); keeps the first `keep` samples' images and predictions. */
bool evaluate(ct_module *m, ct_dataset *ds, int num_classes, int64_t batch, int64_t max_batches,
              int keep, eval_result *out);
void eval_result_free(eval_result *r);

/* ----------------------------------------------------------------- outputs */

/** Loss and accuracy curves (train, validation) as one SVG. */
bool report_curves_svg(const char *path, const history *h, const char *title, double test_acc);
/** The confusion matrix with class names and counts as SVG. */
bool report_confusion_svg(const char *path, const eval_result *r, const char *const *names,
                          const char *title);
/**
 * A grid of test images, each captioned with its predicted class name and
 * probability, and the true class when wrong (PNG). names: the class names.
 */
bool report_prediction_grid(const char *path, const eval_result *r, const data_info *info,
                            const char *const *names);
/** metrics.csv and metrics.json. */
bool report_metrics(const char *dir, const history *h, const train_config *cfg, double test_loss,
                    double test_acc, double seconds);
/** mkdir -p. */
bool make_dirs(const char *path);
/** s with < > & ' escaped for XML/SVG text, into buf. */
const char *xml_escape(char *buf, size_t size, const char *s);
/** dir + "/" + name into buf. */
const char *path_join(char *buf, size_t size, const char *dir, const char *name);

/* -------------------------------------------------------------- checkpoint */

/** The state a checkpoint restores besides the model. */
typedef struct train_state {
    ct_optimizer *opt;
    ct_scheduler *sched;
    ct_generator *loader_gen;
    int epoch; /* epochs completed */
    history hist;
} train_state;

/** Saves model + optimizer + scheduler + RNG states + history + config (atomically). */
bool checkpoint_save(const char *path, ct_module *m, const train_state *st, const train_config *cfg);
/** Reads a checkpoint's file (NULL after printing why). */
ct_tensor_dict *checkpoint_read(const char *path);
/** The configuration stored in a checkpoint. */
bool checkpoint_config(const ct_tensor_dict *ck, train_config *cfg);
/** Builds the model of a checkpoint and loads its weights (NULL after printing why). */
ct_module *checkpoint_model(const ct_tensor_dict *ck, data_info *info);
/** Restores optimizer, scheduler, RNG states and history into a fresh training state. */
bool checkpoint_restore(const ct_tensor_dict *ck, train_state *st);

/* ---------------------------------------------------------------- progress */

typedef struct progress {
    bool tty;
    int epoch, epochs;
    int64_t total, done, samples, correct;
    double loss_sum;
    double start, last_print;
    int width;
} progress;

void progress_start(progress *p, int epoch, int epochs, int64_t total);
void progress_update(progress *p, int64_t batch_size, double loss, int64_t correct);
void progress_finish(progress *p);

/** Seconds since some fixed point (monotonic). */
double now_seconds(void);
/** "1:23" / "12.3s" style durations. */
const char *format_duration(char *buf, size_t size, double seconds);

/* ---------------------------------------------------------------- commands */

int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_info(int argc, char **argv);

/** The training run itself (train_loop.c); returns the process exit status. */
int run_training(train_config *cfg);

#endif
