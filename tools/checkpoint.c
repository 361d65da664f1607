/*
 * tools/checkpoint.c - one safetensors file holds a whole run: the model's
 * state dict ("model.*"), the optimizer's ("optim.*"), the scheduler's
 * ("sched.*"), both random generators ("rng.default", "rng.loader"), the
 * history ("history.epochs", "history.batches") and, as metadata, the epoch,
 * the early-stopping state and the run's options ("cfg.*"), so that
 * `ctorch train --resume` continues exactly and `ctorch eval` / `predict`
 * rebuild the model from the file alone.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define FORMAT "ctorch-train-checkpoint/1"

static bool meta_num(ct_tensor_dict *d, const char *key, double v) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", v);
    return ct_tensor_dict_set_meta(d, key, buf) == 0;
}

static bool meta_int(ct_tensor_dict *d, const char *key, long long v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", v);
    return ct_tensor_dict_set_meta(d, key, buf) == 0;
}

static bool config_to_meta(ct_tensor_dict *d, const train_config *c) {
    bool ok = ct_tensor_dict_set_meta(d, "cfg.model", c->model) == 0 &&
              ct_tensor_dict_set_meta(d, "cfg.model_text", c->model_text) == 0 &&
              ct_tensor_dict_set_meta(d, "cfg.dataset", c->dataset) == 0 &&
              ct_tensor_dict_set_meta(d, "cfg.optimizer", c->optimizer) == 0 &&
              ct_tensor_dict_set_meta(d, "cfg.schedule", c->schedule) == 0 &&
              ct_tensor_dict_set_meta(d, "cfg.augment", c->augment) == 0;
    ok = ok && meta_int(d, "cfg.epochs", c->epochs) && meta_int(d, "cfg.batch_size", c->batch_size) &&
         meta_num(d, "cfg.lr", c->lr) && meta_num(d, "cfg.momentum", c->momentum) &&
         meta_num(d, "cfg.weight_decay", c->weight_decay) && meta_int(d, "cfg.step_size", c->step_size) &&
         meta_num(d, "cfg.gamma", c->gamma) && meta_int(d, "cfg.val_split", c->val_split) &&
         meta_int(d, "cfg.patience", c->patience) && meta_int(d, "cfg.seed", (long long)c->seed) &&
         meta_int(d, "cfg.max_batches", (long long)c->max_batches) &&
         meta_int(d, "cfg.max_test", (long long)c->max_test) && meta_int(d, "cfg.workers", c->workers);
    return ok;
}

static ct_tensor *rng_state(ct_generator *g) {
    size_t n = ct_generator_state_size();
    ct_tensor *t = ct_empty(CT_SHAPE((int64_t)n), .dtype = CT_U8);
    if (t && ct_generator_get_state(g, ct_data_u8(t), n) < 0) {
        ct_free(t);
        return NULL;
    }
    return t;
}

static ct_tensor *history_tensor(const history *h) {
    ct_tensor *t = ct_zeros(CT_SHAPE(h->n, 7), .dtype = CT_F64);
    if (!t) return NULL;
    double *p = ct_data_f64(t);
    for (int i = 0; i < h->n; i++) {
        const epoch_stats *e = &h->epochs[i];
        double row[7] = {e->epoch, e->train_loss, e->train_acc, e->val_loss, e->val_acc, e->lr, e->seconds};
        memcpy(p + 7 * i, row, sizeof row);
    }
    return t;
}

static ct_tensor *batch_tensor(const history *h) {
    ct_tensor *t = ct_zeros(CT_SHAPE(h->nb, 2), .dtype = CT_F64);
    if (!t) return NULL;
    for (int i = 0; i < h->nb; i++) {
        ct_data_f64(t)[2 * i] = h->batch_x[i];
        ct_data_f64(t)[2 * i + 1] = h->batch_loss[i];
    }
    return t;
}

bool checkpoint_save(const char *path, ct_module *m, const train_state *st, const train_config *cfg) {
    bool ok = false;
    ct_tensor_dict *ck = ct_tensor_dict_new(), *model = NULL, *optim = NULL, *sched = NULL;
    CT_SCOPE {
        model = ct_state_dict(m);
        optim = ct_optimizer_state_dict(st->opt);
        sched = st->sched ? ct_scheduler_state_dict(st->sched) : NULL;
        ok = ck && model && optim && (sched || !st->sched) && ct_tensor_dict_update(ck, model, "model.") == 0 &&
             ct_tensor_dict_update(ck, optim, "optim.") == 0 &&
             (!sched || ct_tensor_dict_update(ck, sched, "sched.") == 0);
        ok = ok && ct_tensor_dict_set(ck, "rng.default", rng_state(ct_default_generator())) == 0 &&
             ct_tensor_dict_set(ck, "rng.loader", rng_state(st->loader_gen)) == 0;
        ok = ok && ct_tensor_dict_set(ck, "history.epochs", history_tensor(&st->hist)) == 0 &&
             ct_tensor_dict_set(ck, "history.batches", batch_tensor(&st->hist)) == 0;
        ok = ok && ct_tensor_dict_set_meta(ck, "format", FORMAT) == 0 && meta_int(ck, "epoch", st->epoch) &&
             meta_num(ck, "best_val_loss", st->hist.best_val_loss) &&
             meta_int(ck, "best_epoch", st->hist.best_epoch) && meta_int(ck, "bad_epochs", st->hist.bad_epochs) &&
             config_to_meta(ck, cfg);
        ok = ok && ct_save_safetensors(ck, path) == 0;
    }
    if (!ok) fprintf(stderr, "ctorch: cannot save the checkpoint '%s': %s\n", path, ct_last_error());
    ct_tensor_dict_free(model);
    ct_tensor_dict_free(optim);
    ct_tensor_dict_free(sched);
    ct_tensor_dict_free(ck);
    return ok;
}

ct_tensor_dict *checkpoint_read(const char *path) {
    ct_tensor_dict *ck = ct_load_safetensors(path);
    if (!ck) {
        fprintf(stderr, "ctorch: cannot read the checkpoint: %s\n", ct_last_error());
        return NULL;
    }
    const char *fmt = ct_tensor_dict_get_meta(ck, "format");
    if (!fmt || strcmp(fmt, FORMAT) != 0) {
        fprintf(stderr,
                "ctorch: '%s' is a safetensors file but not a ctorch training checkpoint (no "
                "\"format\": \"" FORMAT "\" metadata); 'ctorch info %s' shows what it holds\n",
                path, path);
        ct_tensor_dict_free(ck);
        return NULL;
    }
    return ck;
}

static void meta_str(const ct_tensor_dict *d, const char *key, char *dst, size_t size) {
    const char *v = ct_tensor_dict_get_meta(d, key);
    if (v) snprintf(dst, size, "%s", v);
}

/* A number entry of the metadata: dflt when missing, NaN when it is not wholly a number. */
static double meta_double(const ct_tensor_dict *d, const char *key, double dflt) {
    const char *v = ct_tensor_dict_get_meta(d, key);
    if (!v) return dflt;
    char *end;
    double x = strtod(v, &end);
    return end != v && *end == 0 ? x : NAN;
}

/*
 * A whole-number entry of the metadata into *out (left as it is when the
 * entry is missing): false, with the error set, when it is not a number
 * from lo to hi (a damaged or hostile checkpoint: casting it would be
 * undefined behaviour).
 */
static bool meta_whole(const ct_tensor_dict *d, const char *key, double lo, double hi, double *out) {
    if (!ct_tensor_dict_get_meta(d, key)) return true;
    double v = meta_double(d, key, *out);
    if (!(v >= lo && v <= hi) || v != floor(v)) {
        ct_set_error(CT_ERR_VALUE, "checkpoint", "\"%s\" is not a whole number from %.0f to %.0f", key, lo, hi);
        return false;
    }
    *out = v;
    return true;
}

static bool read_int(const ct_tensor_dict *d, const char *key, double lo, double hi, int *field) {
    double v = *field;
    if (!meta_whole(d, key, lo, hi, &v)) return false;
    *field = (int)v;
    return true;
}

static bool read_i64(const ct_tensor_dict *d, const char *key, double lo, double hi, int64_t *field) {
    double v = (double)*field;
    if (!meta_whole(d, key, lo, hi, &v)) return false;
    *field = (int64_t)v;
    return true;
}

/* A real-number entry (missing: left as it is); false, with the error set, when not finite. */
static bool read_real(const ct_tensor_dict *d, const char *key, double *field) {
    double v = meta_double(d, key, *field);
    if (!isfinite(v)) {
        ct_set_error(CT_ERR_VALUE, "checkpoint", "\"%s\" is not a finite number", key);
        return false;
    }
    *field = v;
    return true;
}

bool checkpoint_config(const ct_tensor_dict *ck, train_config *c) {
    meta_str(ck, "cfg.model", c->model, sizeof c->model);
    meta_str(ck, "cfg.model_text", c->model_text, sizeof c->model_text);
    meta_str(ck, "cfg.dataset", c->dataset, sizeof c->dataset);
    meta_str(ck, "cfg.optimizer", c->optimizer, sizeof c->optimizer);
    meta_str(ck, "cfg.schedule", c->schedule, sizeof c->schedule);
    meta_str(ck, "cfg.augment", c->augment, sizeof c->augment);
    /* the ranges of the command-line options (cmd_train.c); step_size and max_* 0 are "unset" */
    if (!(read_int(ck, "cfg.epochs", 1, 100000, &c->epochs) &&
          read_int(ck, "cfg.batch_size", 1, 1000000, &c->batch_size) && read_real(ck, "cfg.lr", &c->lr) &&
          read_real(ck, "cfg.momentum", &c->momentum) && read_real(ck, "cfg.weight_decay", &c->weight_decay) &&
          read_int(ck, "cfg.step_size", 0, 100000, &c->step_size) && read_real(ck, "cfg.gamma", &c->gamma) &&
          read_int(ck, "cfg.val_split", 0, 100000000, &c->val_split) &&
          read_int(ck, "cfg.patience", 0, 100000, &c->patience) &&
          read_i64(ck, "cfg.max_batches", 0, 9e18, &c->max_batches) &&
          read_i64(ck, "cfg.max_test", 0, 9e18, &c->max_test) && read_int(ck, "cfg.workers", 0, 64, &c->workers))) {
        fprintf(stderr, "ctorch: the checkpoint's settings are damaged: %s\n", ct_last_error());
        return false;
    }
    const char *seed = ct_tensor_dict_get_meta(ck, "cfg.seed");
    if (seed) {
        char *end;
        errno = 0;
        c->seed = strtoull(seed, &end, 10);
        if (!isdigit((unsigned char)seed[0]) || *end || errno) {
            fprintf(stderr, "ctorch: the checkpoint's settings are damaged: \"cfg.seed\" is '%s'\n", seed);
            return false;
        }
    }
    data_info info;
    if (!data_info_for(c->dataset, &info)) {
        fprintf(stderr, "ctorch: the checkpoint names an unknown data set '%s'\n", c->dataset);
        return false;
    }
    return true;
}

ct_module *checkpoint_model(const ct_tensor_dict *ck, data_info *info) {
    static train_config c;
    memset(&c, 0, sizeof c);
    if (!checkpoint_config(ck, &c) || !data_info_for_model(c.dataset, c.model, info)) return NULL;
    ct_module *m = model_build(c.model, c.model_text, info);
    if (!m) return NULL;
    ct_tensor_dict *sd = ct_tensor_dict_sub(ck, "model.");
    int rc = sd ? ct_load_state_dict(m, sd, true) : -1;
    ct_tensor_dict_free(sd);
    if (rc < 0) {
        fprintf(stderr, "ctorch: the checkpoint's weights do not fit its model: %s\n", ct_last_error());
        ct_module_free(m);
        return NULL;
    }
    return m;
}

static bool restore_rng(const ct_tensor_dict *ck, const char *name, ct_generator *g) {
    bool ok = false;
    CT_SCOPE {
        ct_tensor *t = ct_tensor_dict_get(ck, name);
        ok = t && ct_dtype_of(t) == CT_U8 &&
             ct_generator_set_state(g, ct_data_u8(t), (size_t)ct_numel(t)) == 0;
    }
    return ok;
}

static bool restore_history(const ct_tensor_dict *ck, history *h) {
    bool ok = true;
    CT_SCOPE {
        ct_tensor *e = ct_tensor_dict_get(ck, "history.epochs");
        ct_tensor *b = ct_tensor_dict_get(ck, "history.batches");
        ok = e && b && ct_dtype_of(e) == CT_F64 && ct_dtype_of(b) == CT_F64 && ct_dim(e) == 2 &&
             ct_dim(b) == 2 && ct_size(e, 1) == 7 && ct_size(b, 1) == 2;
        for (int64_t i = 0; ok && i < ct_size(e, 0); i++) {
            const double *r = ct_data_f64(e) + 7 * i;
            if (!(r[0] >= 0 && r[0] <= 100000)) {
                ct_set_error(CT_ERR_VALUE, "checkpoint", "history.epochs row %lld names epoch %g", (long long)i,
                             r[0]);
                ok = false;
                break;
            }
            epoch_stats s = {(int)r[0], r[1], r[2], r[3], r[4], r[5], r[6]};
            ok = history_add_epoch(h, s);
        }
        for (int64_t i = 0; ok && i < ct_size(b, 0); i++)
            ok = history_add_batch(h, ct_data_f64(b)[2 * i], ct_data_f64(b)[2 * i + 1]);
    }
    h->best_val_loss = meta_double(ck, "best_val_loss", h->best_val_loss);
    h->best_epoch = h->bad_epochs = 0;
    return ok && read_int(ck, "best_epoch", 0, 100000, &h->best_epoch) &&
           read_int(ck, "bad_epochs", 0, 100000, &h->bad_epochs);
}

bool checkpoint_restore(const ct_tensor_dict *ck, train_state *st) {
    ct_tensor_dict *optim = ct_tensor_dict_sub(ck, "optim.");
    ct_tensor_dict *sched = ct_tensor_dict_sub(ck, "sched.");
    bool ok = optim && sched && ct_optimizer_load_state_dict(st->opt, optim) == 0 &&
              (!st->sched || ct_scheduler_load_state_dict(st->sched, sched) == 0);
    const char *what = "optimizer or scheduler state";
    if (ok && !(restore_rng(ck, "rng.default", ct_default_generator()) &&
                restore_rng(ck, "rng.loader", st->loader_gen))) {
        ok = false;
        what = "random generator states";
    }
    if (ok && !restore_history(ck, &st->hist)) {
        ok = false;
        what = "history";
    }
    st->epoch = 0;
    if (ok && !read_int(ck, "epoch", 0, 100000, &st->epoch)) {
        ok = false;
        what = "epoch";
    }
    if (!ok) fprintf(stderr, "ctorch: cannot restore the checkpoint's %s: %s\n", what, ct_last_error());
    ct_tensor_dict_free(optim);
    ct_tensor_dict_free(sched);
    return ok;
}
