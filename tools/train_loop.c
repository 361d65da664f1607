/*
 * tools/train_loop.c - a training run from start (or checkpoint) to the test
 * accuracy: epochs with a progress bar, a validation line per epoch, LR
 * schedule, early stopping, a checkpoint after every epoch, then the report
 * files (report_*.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "train_setup.h"

#define GRID_IMAGES 32
#define EVAL_BATCH 1000
#define CURVE_POINTS_PER_EPOCH 25

/* Everything one run holds. */
typedef struct run {
    train_config *cfg;
    data_info info;
    ct_dataset *train_plain, *train_aug, *train, *val, *test;
    ct_loader *loader;
    ct_module *model;
    train_state st;
    char ckpt_path[1200], best_path[1200];
} run;

static void run_free(run *r) {
    ct_loader_free(r->loader);
    ct_scheduler_free(r->st.sched);
    ct_optimizer_free(r->st.opt);
    ct_generator_free(r->st.loader_gen);
    ct_module_free(r->model);
    ct_dataset_free(r->train_plain);
    ct_dataset_free(r->train_aug);
    ct_dataset_free(r->train);
    ct_dataset_free(r->val);
    ct_dataset_free(r->test);
    history_free(&r->st.hist);
}

static bool augmenting(const train_config *cfg) { return strcmp(cfg->augment, "none") != 0; }

/* Data, model, optimizer, schedule and loader; restores the checkpoint when resuming. */
static bool setup(run *r) {
    train_config *cfg = r->cfg;
    if (cfg->threads > 0) ct_set_num_threads(cfg->threads);
    data_info_for_model(cfg->dataset, cfg->model, &r->info);
    if (!make_dirs(cfg->out)) {
        fprintf(stderr, "ctorch: cannot create the output folder '%s' (choose another with --out DIR)\n",
                cfg->out);
        return false;
    }
    path_join(r->ckpt_path, sizeof r->ckpt_path, cfg->out, "checkpoint.safetensors");
    path_join(r->best_path, sizeof r->best_path, cfg->out, "best_model.safetensors");
    r->train_plain = data_open(cfg, CT_TRAIN, false);
    if (!r->train_plain) return false;
    r->train_aug = augmenting(cfg) ? data_open(cfg, CT_TRAIN, true) : ct_dataset_retain(r->train_plain);
    r->test = data_open(cfg, CT_TEST, false);
    if (!r->train_aug || !r->test || !setup_split(cfg, r->train_plain, r->train_aug, &r->train, &r->val))
        return false;

    ct_manual_seed(cfg->seed);
    r->model = model_build(cfg->model, cfg->model_text, &r->info);
    if (!r->model) return false;
    r->st.opt = setup_optimizer(cfg, r->model);
    bool ok;
    r->st.sched = r->st.opt ? setup_scheduler(cfg, r->st.opt, &ok) : NULL;
    if (!r->st.opt || !ok) return false;
    r->st.loader_gen = ct_generator_new(cfg->seed);
    r->st.hist.best_val_loss = INFINITY;
    if (cfg->resume[0]) {
        ct_tensor_dict *ck = checkpoint_read(cfg->resume);
        ct_tensor_dict *sd = ck ? ct_tensor_dict_sub(ck, "model.") : NULL;
        ok = sd && ct_load_state_dict(r->model, sd, true) == 0;
        if (sd && !ok) fprintf(stderr, "ctorch: cannot load the checkpoint's model: %s\n", ct_last_error());
        ok = ok && checkpoint_restore(ck, &r->st);
        ct_tensor_dict_free(sd);
        ct_tensor_dict_free(ck);
        if (!ok) return false;
    }
    r->loader = ct_loader_new(r->train, .batch_size = cfg->batch_size, .shuffle = true,
                              .generator = r->st.loader_gen, .num_workers = cfg->workers);
    if (!r->loader) fprintf(stderr, "ctorch: cannot make the data loader: %s\n", ct_last_error());
    return r->loader != NULL;
}

static void print_header(const run *r) {
    const train_config *c = r->cfg;
    char lr[32];
    if (c->lr > 0) snprintf(lr, sizeof lr, "%g", c->lr);
    else snprintf(lr, sizeof lr, "%s", !strcmp(c->optimizer, "sgd") ? "0.01" : !strcmp(c->optimizer, "rmsprop") ? "0.01" : "0.001");
    printf("ctorch %s | %d threads | %s\n", ct_version_string(), ct_get_num_threads(),
           ct_has_blas() ? "OpenBLAS" : "built-in GEMM");
    printf("data   %s: %lld training, %lld validation, %lld test images\n", c->dataset,
           (long long)ct_dataset_len(r->train), (long long)(r->val ? ct_dataset_len(r->val) : 0),
           (long long)ct_dataset_len(r->test));
    printf("model  %s: %lld parameters\n", model_label(c->model), (long long)ct_num_parameters(r->model, true));
    printf("train  %d epochs, batch %d, %s lr %s, schedule %s, augment %s, seed %llu\n", c->epochs,
           c->batch_size, c->optimizer, lr, c->schedule, c->augment, (unsigned long long)c->seed);
    if (c->resume[0]) printf("resume %s after epoch %d\n", c->resume, r->st.epoch);
    fflush(stdout);
}

/* One epoch of training; fills loss and accuracy. */
static bool train_epoch(run *r, int epoch, epoch_stats *s) {
    train_config *cfg = r->cfg;
    int64_t total = ct_loader_len(r->loader);
    if (cfg->max_batches > 0 && cfg->max_batches < total) total = cfg->max_batches;
    int64_t every = total / CURVE_POINTS_PER_EPOCH > 0 ? total / CURVE_POINTS_PER_EPOCH : 1;
    progress p;
    progress_start(&p, epoch, cfg->epochs, total);
    ct_module_train(r->model, true);
    bool ok = true;
    int64_t nb = 0;
    double chunk_loss = 0;
    int64_t chunk_n = 0;
    ct_clear_error();
    CT_FOR_EACH_BATCH(r->loader, x, y) {
        if (nb >= total) break;
        double loss_v = NAN;
        int64_t correct = 0;
        CT_SCOPE {
            ct_tensor *logits = ct_forward(r->model, x);
            ct_tensor *loss = ct_cross_entropy(logits, y);
            ct_zero_grad(r->st.opt);
            if (loss && ct_backward(loss) == 0 && ct_step(r->st.opt) == 0) {
                loss_v = ct_item(loss);
                CT_NO_GRAD { correct = ct_item_int(ct_sum(ct_eq(ct_argmax_dim(logits, 1, false), y))); }
            }
        }
        if (isnan(loss_v) && ct_last_error_code() != CT_OK) {
            ok = false;
            break;
        }
        nb++;
        progress_update(&p, ct_size(y, 0), loss_v, correct);
        chunk_loss += loss_v;
        chunk_n++;
        if (nb % every == 0 || nb == total) {
            history_add_batch(&r->st.hist, (double)(epoch - 1) + (double)nb / (double)total,
                              chunk_loss / (double)chunk_n);
            chunk_loss = 0;
            chunk_n = 0;
        }
    }
    if (ok && ct_last_error_code() != CT_OK) ok = false;
    if (!ok) {
        printf("\n");
        fprintf(stderr, "ctorch: training failed in epoch %d: %s\n", epoch, ct_last_error());
        return false;
    }
    progress_finish(&p);
    s->train_loss = p.samples ? p.loss_sum / (double)p.samples : NAN;
    s->train_acc = p.samples ? (double)p.correct / (double)p.samples : NAN;
    return true;
}

/* Validation, the schedule, early stopping and the checkpoint after one epoch. Sets *stop. */
static bool end_epoch(run *r, epoch_stats *s, double started, bool *stop) {
    train_config *cfg = r->cfg;
    history *h = &r->st.hist;
    s->val_loss = s->val_acc = NAN;
    if (r->val) {
        eval_result v;
        if (!evaluate(r->model, r->val, r->info.num_classes, EVAL_BATCH, 0, 0, &v)) return false;
        s->val_loss = v.loss;
        s->val_acc = v.acc;
        eval_result_free(&v);
    }
    s->lr = ct_optimizer_group_lr(r->st.opt, 0);
    if (r->st.sched) {
        int rc = !strcmp(cfg->schedule, "plateau")
                     ? ct_scheduler_step_metric(r->st.sched, r->val ? s->val_loss : s->train_loss)
                     : ct_scheduler_step(r->st.sched);
        if (rc < 0) {
            fprintf(stderr, "ctorch: the LR schedule failed: %s\n", ct_last_error());
            return false;
        }
    }
    s->seconds = now_seconds() - started;
    bool best = false;
    if (r->val && s->val_loss < h->best_val_loss) {
        h->best_val_loss = s->val_loss;
        h->best_epoch = s->epoch;
        h->bad_epochs = 0;
        best = true;
    } else if (r->val) {
        h->bad_epochs++;
    }
    if (!history_add_epoch(h, *s)) return false;
    r->st.epoch = s->epoch;
    char t[32];
    if (r->val)
        printf("epoch %d/%d  train loss %.4f acc %.2f%% | val loss %.4f acc %.2f%%%s | lr %.3g | %s\n", s->epoch,
               cfg->epochs, s->train_loss, 100 * s->train_acc, s->val_loss, 100 * s->val_acc,
               best ? " (best)" : "", s->lr, format_duration(t, sizeof t, s->seconds));
    else
        printf("epoch %d/%d  train loss %.4f acc %.2f%% | lr %.3g | %s\n", s->epoch, cfg->epochs,
               s->train_loss, 100 * s->train_acc, s->lr, format_duration(t, sizeof t, s->seconds));
    fflush(stdout);
    if (best && cfg->patience > 0 && ct_module_save(r->model, r->best_path) < 0) {
        fprintf(stderr, "ctorch: cannot save '%s': %s\n", r->best_path, ct_last_error());
        return false;
    }
    if (!checkpoint_save(r->ckpt_path, r->model, &r->st, cfg)) return false;
    *stop = cfg->patience > 0 && r->val && h->bad_epochs >= cfg->patience;
    if (*stop)
        printf("early stop: the validation loss has not improved for %d epochs; using the best model "
               "(epoch %d)\n",
               h->bad_epochs, h->best_epoch);
    return true;
}

/* Test accuracy and every report file. */
static bool finish(run *r, double started) {
    train_config *cfg = r->cfg;
    eval_result t;
    int64_t max_batches = cfg->max_test > 0 ? (cfg->max_test + EVAL_BATCH - 1) / EVAL_BATCH : 0;
    ct_dataset *test = r->test;
    ct_dataset *part = NULL;
    if (cfg->max_test > 0 && cfg->max_test < ct_dataset_len(r->test)) {
        int64_t *idx = malloc(sizeof *idx * (size_t)cfg->max_test);
        for (int64_t i = 0; idx && i < cfg->max_test; i++) idx[i] = i;
        part = idx ? ct_subset(r->test, idx, cfg->max_test) : NULL;
        free(idx);
        if (part) test = part;
    }
    bool ok = evaluate(r->model, test, r->info.num_classes, EVAL_BATCH, max_batches, GRID_IMAGES, &t);
    ct_dataset_free(part);
    if (!ok) return false;
    double seconds = now_seconds() - started;
    char title[256], path[1200], dur[32];
    int n;
    snprintf(title, sizeof title, "%.200s on %.30s", model_label(cfg->model), cfg->dataset);
    const char *const *names = data_class_names(cfg->dataset, &n);
    ok = report_curves_svg(path_join(path, sizeof path, cfg->out, "curves.svg"), &r->st.hist, title, t.acc) &&
         report_confusion_svg(path_join(path, sizeof path, cfg->out, "confusion_matrix.svg"), &t, names, title) &&
         report_prediction_grid(path_join(path, sizeof path, cfg->out, "predictions.png"), &t, &r->info, names) &&
         report_metrics(cfg->out, &r->st.hist, cfg, t.loss, t.acc, seconds);
    printf("test   loss %.4f  accuracy %.2f%% (%lld images)\n", t.loss, 100 * t.acc, (long long)t.n);
    printf("time   %s in total\n", format_duration(dur, sizeof dur, seconds));
    if (ok)
        printf("output %s/: curves.svg, confusion_matrix.svg, predictions.png, metrics.csv, metrics.json,\n"
               "       checkpoint.safetensors (resume: ctorch train --resume %s)\n",
               cfg->out, r->ckpt_path);
    eval_result_free(&t);
    return ok;
}

int run_training(train_config *cfg) {
    double started = now_seconds();
    static run r;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    int status = 1;
    if (!setup(&r)) goto done;
    print_header(&r);
    if (r.st.epoch >= cfg->epochs)
        printf("the checkpoint has already trained %d of %d epochs; evaluating it\n", r.st.epoch, cfg->epochs);
    bool stop = r.st.epoch > 0 && cfg->patience > 0 && r.st.hist.bad_epochs >= cfg->patience;
    for (int epoch = r.st.epoch + 1; epoch <= cfg->epochs && !stop; epoch++) {
        if (cfg->stop_after > 0 && epoch > cfg->stop_after) break;
        epoch_stats s = {.epoch = epoch};
        double t0 = now_seconds();
        if (!train_epoch(&r, epoch, &s) || !end_epoch(&r, &s, t0, &stop)) goto done;
    }
    if (stop && r.st.hist.best_epoch != r.st.epoch && ct_module_load(r.model, r.best_path, true) < 0) {
        fprintf(stderr, "ctorch: cannot reload the best model: %s\n", ct_last_error());
        goto done;
    }
    if (cfg->stop_after > 0 && r.st.epoch == cfg->stop_after && r.st.epoch < cfg->epochs && !stop) {
        printf("stopped after epoch %d of %d (--stop-after); continue with: ctorch train --resume %s\n",
               r.st.epoch, cfg->epochs, r.ckpt_path);
        status = 0;
        goto done;
    }
    if (finish(&r, started)) status = 0;
done:
    run_free(&r);
    return status;
}
