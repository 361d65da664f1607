/*
 * src/data/transforms_flip.c - horizontal and vertical flips, fixed and random.
 */
#include <stdlib.h>

#include "internal.h"

static ct_tensor *flip(ct_tensor *img, int dim, const char *fn) {
    dt_layout layout;
    ct_tensor *chw = dt_image_chw(img, &layout, fn);
    if (!chw) return NULL;
    ct_tensor *r = ct_flip(chw, CT_DIMS(dim));
    ct_free(chw);
    return dt_image_restore(r, layout);
}

ct_tensor *ct_tf_hflip(ct_tensor *img) { return flip(img, -1, "ct_hflip"); }
ct_tensor *ct_tf_vflip(ct_tensor *img) { return flip(img, -2, "ct_vflip"); }

typedef struct {
    double p;
    bool vertical;
} flip_ctx;

/* RandomHorizontalFlip.forward: if torch.rand(1) < p: flip. */
static ct_tensor *random_flip_apply(ct_tensor *x, void *ctx, ct_generator *g) {
    flip_ctx *c = ctx;
    double u = dt_rand1(g);
    if (u != u) return NULL;
    if (u < c->p) return c->vertical ? ct_tf_vflip(x) : ct_tf_hflip(x);
    return ct_alias(x);
}

static ct_transform *random_flip(double p, bool vertical) {
    const char *fn = vertical ? "ct_random_vertical_flip" : "ct_random_horizontal_flip";
    if (!(p >= 0 && p <= 1)) {
        ct_set_error(CT_ERR_VALUE, fn, "p should be in [0, 1], got %g", p);
        return NULL;
    }
    flip_ctx *c = malloc(sizeof *c);
    if (!c) {
        ct_set_error(CT_ERR_OOM, fn, "out of memory");
        return NULL;
    }
    c->p = p;
    c->vertical = vertical;
    return ct_transform_new(vertical ? "RandomVerticalFlip" : "RandomHorizontalFlip", random_flip_apply, c, free);
}

ct_transform *ct_random_horizontal_flip(double p) { return random_flip(p, false); }
ct_transform *ct_random_vertical_flip(double p) { return random_flip(p, true); }
