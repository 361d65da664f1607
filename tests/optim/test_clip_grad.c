/*
 * tests/optim/test_clip_grad.c - clip_grad_norm_ and clip_grad_value_
 * against PyTorch 1.13 (tests/fixtures/optim_cases.py).
 */
#include <math.h>
#include <string.h>

#include "test.h"
#include "../fixtures/optim_cases.h"

static void make_params_with_grads(ct_tensor **ps, ct_dtype dt) {
    int off = 0;
    for (int j = 0; j < 3; j++) {
        ct_shape s = optim_ndims[j] == 2 ? CT_SHAPE(optim_shapes[j][0], optim_shapes[j][1])
                                         : CT_SHAPE(optim_shapes[j][0]);
        ps[j] = ct_zeros(s, .dtype = dt, .requires_grad = true);
        ct_tensor *g = ct_to_dtype(ct_from_data(optim_grads[3] + off, CT_F64, s), dt);
        ct_set_grad(ps[j], g);
        off += (int)ct_numel(g);
    }
}

static void check_grads(ct_tensor **ps, const double *e, double tol, const char *label) {
    int off = 0;
    for (int j = 0; j < 3; j++) {
        ct_tensor *g = ct_grad_of(ps[j]);
        int n = (int)ct_numel(g);
        double got[16];
        ct_copy_to_buffer(g, got, CT_F64, (size_t)n);
        for (int i = 0; i < n; i++)
            if (!(fabs(got[i] - e[off + i]) <= tol * fmax(1, fabs(e[off + i]))))
                ct_test_fail(__FILE__, __LINE__, "%s: grad %d[%d] = %.9g, PyTorch %.9g", label, j, i,
                             got[i], e[off + i]);
        off += n;
    }
}

TEST(clip_grad_norm_matches_pytorch) {
    for (int i = 0; i < CLIP_NCASES; i++) {
        const clip_case *c = &clip_cases[i];
        CT_SCOPE {
            ct_tensor *ps[3];
            make_params_with_grads(ps, c->f64 ? CT_F64 : CT_F32);
            double total = ct_clip_grad_norm_(CT_PARAMS(ps[0], ps[1], ps[2]), c->max_norm,
                                              .norm_type = c->norm_type);
            double tol = c->f64 ? 1e-13 : 2e-7;
            if (!(fabs(total - c->total) <= tol * c->total))
                ct_test_fail(__FILE__, __LINE__, "%s: total norm %.9g, PyTorch %.9g", c->label, total,
                             c->total);
            check_grads(ps, c->grads, tol, c->label);
        }
    }
}

TEST(clip_grad_norm_edge_cases) {
    CT_SCOPE {
        ct_tensor *w = ct_zeros(CT_SHAPE(2), .requires_grad = true);
        ct_tensor *v = ct_zeros(CT_SHAPE(2), .requires_grad = true);
        /* no gradients: 0 */
        CHECK(ct_clip_grad_norm_(CT_PARAMS(w, v), 1.0) == 0.0);
        /* only parameters with a gradient count */
        ct_set_grad(w, ct_from_floats(CT_SHAPE(2), 3, 4));
        CHECK_NEAR(ct_clip_grad_norm_(CT_PARAMS(w, v), 1.0), 5.0, 1e-6);
        CHECK_VALUES(ct_grad_of(w), 1e-6, 0.6, 0.8);
        /* a non-finite norm with error_if_nonfinite */
        ct_set_grad(w, ct_from_floats(CT_SHAPE(2), INFINITY, 1));
        ct_clear_error();
        CHECK(ct_clip_grad_norm_(CT_PARAMS(w), 1.0, .error_if_nonfinite = true) < 0);
        CHECK_ERROR("The total norm of order 2.0 for gradients from `parameters` is non-finite, so it cannot be clipped");
        CHECK_VALUES(ct_grad_of(w), 0, INFINITY, 1); /* untouched */
        /* ... and without: PyTorch scales by max_norm / inf = 0 (inf * 0 = nan) */
        CHECK(isinf(ct_clip_grad_norm_(CT_PARAMS(w), 1.0)));
        CHECK(isnan(ct_item(ct_select(ct_grad_of(w), 0, 0))));
        CHECK_NEAR(ct_item(ct_select(ct_grad_of(w), 0, 1)), 0.0, 0);
    }
}

TEST(clip_grad_value_matches_pytorch) {
    CT_SCOPE {
        ct_tensor *ps[3];
        make_params_with_grads(ps, CT_F32);
        CHECK(ct_clip_grad_value_(CT_PARAMS(ps[0], ps[1], ps[2]), 0.4) == 0);
        check_grads(ps, clip_value_expected, 0, "clip_grad_value_(0.4)");
    }
}
