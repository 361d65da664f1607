/*
 * src/data/image_layout.c - how transforms see their input: every image as
 * [..., C, H, W] (uint8 [H,W,C] and [H,W] images through views), and
 * float64 working copies for the resampling kernels.
 */
#include <math.h>

#include "internal.h"

ct_tensor *dt_image_chw(ct_tensor *img, dt_layout *layout, const char *fn) {
    if (!img) {
        if (ct_last_error_code() == CT_OK) ct_set_error(CT_ERR_NULL, fn, "argument 'img' is NULL");
        return NULL;
    }
    int nd = ct_dim(img);
    if (nd < 2) {
        ct_set_error(CT_ERR_VALUE, fn, "Tensor is not a torch image: expected at least 2 dims, got %d", nd);
        return NULL;
    }
    if (nd == 2) {
        *layout = DT_HW;
        return ct_unsqueeze(img, 0);
    }
    if (nd == 3 && ct_dtype_of(img) == CT_U8) {
        *layout = DT_HWC;
        return ct_permute(img, CT_DIMS(2, 0, 1));
    }
    *layout = DT_CHW;
    return ct_alias(img);
}

ct_tensor *dt_image_restore(ct_tensor *chw, dt_layout layout) {
    if (!chw || layout == DT_CHW) return chw;
    ct_tensor *r = layout == DT_HWC ? ct_permute(chw, CT_DIMS(1, 2, 0)) : ct_squeeze_dim(chw, 0);
    ct_free(chw);
    return r;
}

ct_tensor *dt_float_work(ct_tensor *x) {
    ct_tensor *d = ct_to_dtype(x, CT_F64);
    if (!d) return NULL;
    ct_tensor *c = ct_contiguous(d);
    ct_free(d);
    return c;
}

ct_tensor *dt_from_float_work(ct_tensor *y, ct_dtype dtype, bool round) {
    if (!y) return NULL;
    if (dtype == CT_F64) return y;
    if (dtype != CT_U8 || !round) {
        ct_tensor *r = ct_to_dtype(y, dtype);
        ct_free(y);
        return r;
    }
    ct_tensor *r = ct_empty_like(y, .dtype = CT_U8);
    if (r) {
        const double *s = ct_data_f64(y);
        uint8_t *d = ct_data_u8(r);
        for (int64_t i = 0, n = ct_numel(y); i < n; i++) {
            double v = nearbyint(s[i]);
            d[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
    ct_free(y);
    return r;
}
