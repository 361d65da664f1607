/*
 * tools/evaluate.c - a model's loss, accuracy and confusion matrix over a
 * data set, plus the first few images with their predictions (for the grid).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void eval_result_free(eval_result *r) {
    free(r->confusion);
    free(r->sample_pred);
    free(r->sample_true);
    free(r->sample_prob);
    ct_release(r->sample_images);
    memset(r, 0, sizeof *r);
}

/* Keeps up to r->n_samples < keep of this batch's images and predictions. */
static bool keep_samples(eval_result *r, int keep, ct_tensor *x, const int64_t *pred, const int64_t *truth,
                         const float *prob, int64_t b) {
    int64_t take = keep - r->n_samples < b ? keep - r->n_samples : b;
    if (take <= 0) return true;
    ct_tensor *part = ct_contiguous(ct_narrow(x, 0, 0, take));
    if (!part) return false;
    if (r->sample_images) {
        ct_tensor *both = ct_cat(CT_TENSORS(r->sample_images, part), 0);
        if (!both) return false;
        ct_release(r->sample_images);
        r->sample_images = ct_own(both);
    } else {
        r->sample_images = ct_retain(part);
    }
    for (int64_t i = 0; i < take; i++) {
        r->sample_pred[r->n_samples] = pred[i];
        r->sample_true[r->n_samples] = truth[i];
        r->sample_prob[r->n_samples] = prob[i];
        r->n_samples++;
    }
    return true;
}

bool evaluate(ct_module *m, ct_dataset *ds, int num_classes, int64_t batch, int64_t max_batches, int keep,
              eval_result *out) {
    memset(out, 0, sizeof *out);
    out->num_classes = num_classes;
    out->confusion = calloc((size_t)num_classes * (size_t)num_classes, sizeof(int64_t));
    out->sample_pred = calloc((size_t)keep + 1, sizeof(int64_t));
    out->sample_true = calloc((size_t)keep + 1, sizeof(int64_t));
    out->sample_prob = calloc((size_t)keep + 1, sizeof(double));
    ct_loader *loader = ct_loader_new(ds, .batch_size = batch);
    if (!out->confusion || !out->sample_pred || !out->sample_true || !out->sample_prob || !loader) {
        fprintf(stderr, "ctorch: cannot evaluate: %s\n", loader ? "out of memory" : ct_last_error());
        ct_loader_free(loader);
        eval_result_free(out);
        return false;
    }
    bool was_training = ct_module_is_training(m);
    ct_module_eval(m);
    double loss_sum = 0;
    int64_t correct = 0, nb = 0;
    bool ok = true;
    ct_clear_error();
    CT_NO_GRAD {
        CT_FOR_EACH_BATCH(loader, x, y) {
            if (max_batches > 0 && nb >= max_batches) break;
            nb++;
            CT_SCOPE {
                ct_tensor *logits = ct_forward(m, x);
                ct_tensor *loss = ct_cross_entropy(logits, y, .reduction = CT_REDUCTION_SUM);
                ct_tensor *probs = ct_softmax(logits, 1);
                ct_tensor *idx = NULL;
                ct_tensor *top = ct_contiguous(ct_max_dim(probs, 1, false, &idx));
                if (!loss || !top || !idx) {
                    ok = false;
                } else {
                    int64_t b = ct_size(y, 0);
                    ct_tensor *yc = ct_contiguous(y), *ic = ct_contiguous(idx);
                    const int64_t *pred = ct_data_i64(ic), *truth = ct_data_i64(yc);
                    loss_sum += ct_item(loss);
                    for (int64_t i = 0; i < b; i++) {
                        correct += pred[i] == truth[i];
                        if (truth[i] >= 0 && truth[i] < num_classes && pred[i] >= 0 && pred[i] < num_classes)
                            out->confusion[truth[i] * num_classes + pred[i]]++;
                    }
                    out->n += b;
                    ok = keep_samples(out, keep, x, pred, truth, ct_data_f32(top), b);
                }
            }
            if (!ok) break;
        }
    }
    if (ok && ct_last_error_code() != CT_OK) ok = false;
    ct_module_train(m, was_training);
    ct_loader_free(loader);
    if (!ok) {
        fprintf(stderr, "ctorch: evaluation failed: %s\n", ct_last_error());
        eval_result_free(out);
        return false;
    }
    out->loss = out->n ? loss_sum / (double)out->n : 0;
    out->acc = out->n ? (double)correct / (double)out->n : 0;
    return true;
}
