/*
 * src/nn/models_common.c - the init walk and option defaults of the model zoo.
 */
#include <string.h>

#include "models_internal.h"

static bool is_type(ct_module *m, const char *name) { return !strcmp(ct_module_type_name(m), name); }

bool ct__models_init_weights(ct_module *m, bool linear_normal) {
    const ct_named_module *mods;
    int n = ct_named_modules(m, &mods);
    if (n < 0) return false;
    for (int i = 0; i < n; i++) {
        ct_module *c = mods[i].module;
        ct_tensor *w = ct_module_get(c, "weight"), *b = ct_module_get(c, "bias");
        bool ok = true;
        if (is_type(c, "Conv2d")) {
            ok = ct_init_kaiming_normal_(w, .mode = CT_FAN_OUT, .nonlinearity = "relu") &&
                 (!b || ct_init_zeros_(b));
        } else if (is_type(c, "BatchNorm2d") || is_type(c, "GroupNorm")) {
            ok = (!w || ct_init_ones_(w)) && (!b || ct_init_zeros_(b));
        } else if (linear_normal && is_type(c, "Linear")) {
            ok = ct_init_normal_(w, 0.0, 0.01) && (!b || ct_init_zeros_(b));
        }
        if (!ok) return false;
    }
    return true;
}

int64_t ct__models_num_classes(ct_models_args a, int64_t def) { return a.num_classes ? a.num_classes : def; }

double ct__models_dropout(ct_models_args a) { return a.dropout == 0 && !a.has_dropout ? 0.5 : a.dropout; }

ct_module *ct__models_finish(ct_module *m, bool ok) {
    if (ok) return m;
    ct_module_free(m);
    return NULL;
}

ct_tensor *ct__models_features_classify(ct_module *features, ct_module *avgpool, ct_module *classifier,
                                        ct_tensor *x) {
    ct_tensor *h = ct_forward(features, x);
    if (h && avgpool) {
        ct_tensor *p = ct_forward(avgpool, h);
        ct_free(h);
        h = p;
    }
    ct_tensor *f = h ? ct_flatten(h, 1, -1) : NULL;
    ct_free(h);
    ct_tensor *y = f ? ct_forward(classifier, f) : NULL;
    ct_free(f);
    return y;
}
