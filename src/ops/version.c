/*
 * src/ops/version.c - ct_bump_version: the public way to say "I wrote into
 * this tensor's memory myself" (optimizers updating parameters through their
 * data pointers), so autograd's saved-tensor check sees the change exactly as
 * it would after an in-place op.
 */
#include "core/internal.h"

void ct_bump_version(ct_tensor *t) {
    if (t) ct__bump_version(t);
}
