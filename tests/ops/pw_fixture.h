/*
 * tests/ops/pw_fixture.h - replaying tests/fixtures/pointwise_cases.h: builds
 * each case's inputs as strided views and checks a result against PyTorch's.
 * Shared by test_pointwise.c and test_compare.c.
 */
#ifndef PW_FIXTURE_H
#define PW_FIXTURE_H

#include <stdint.h>
#include <stdlib.h>

#include "../fixtures/pointwise_cases.h"
#include "test.h"

/* The case's input as a view (shape, strides, offset) of a fresh base holding its values. */
static ct_tensor *pw_build(const pw_input *in) {
    size_t n = (size_t)in->base_n;
    char *buf = malloc(8 * (n ? n : 1));
    for (size_t i = 0; i < n; i++) {
        double v = in->base[i];
        void *p = buf + i * ct_dtype_size(in->dtype);
        switch (in->dtype) {
        case CT_F32: *(float *)p = (float)v; break;
        case CT_F64: *(double *)p = v; break;
        case CT_I32: *(int32_t *)p = (int32_t)v; break;
        case CT_I64: *(int64_t *)p = in->base_longs ? in->base_longs[i] : (int64_t)v; break;
        case CT_U8: *(uint8_t *)p = (uint8_t)v; break;
        default: *(bool *)p = v != 0; break;
        }
    }
    ct_tensor *base = ct_from_data(buf, in->dtype, CT_SHAPE((int64_t)n));
    free(buf);
    ct_shape shape = {.ndim = in->ndim};
    int64_t strides[4];
    for (int i = 0; i < in->ndim; i++) {
        shape.d[i] = in->shape[i];
        strides[i] = in->strides[i];
    }
    ct_tensor *v = ct_as_strided(base, shape, strides, in->offset);
    ct_free(base);
    return v;
}

static ct_scalar pw_scalar_of(const pw_scalar *s) {
    switch (s->kind) {
    case CT_SCALAR_FLOAT: return ct_scalar_float(s->value);
    case CT_SCALAR_INT: return ct_scalar_int((int64_t)s->value);
    default: return ct_scalar_bool(s->value != 0);
    }
}

/* Relative tolerance per result dtype: PyTorch's float32 math is Sleef (about 1 ulp). */
static double pw_tol(ct_dtype d) {
    return d == CT_F32 ? 1e-6 : d == CT_F64 ? 1e-12 : 0;
}

static bool pw_close(double got, double want, double tol) {
    if (isnan(want)) return isnan(got);
    if (isinf(want) || tol == 0) return got == want;
    return fabs(got - want) <= tol * fabs(want) + 1e-300;
}

/* Checks a tensor result against case c; reports "case i (op)" on mismatch. */
static bool pw_check_tensor(int i, const pw_case *c, const ct_tensor *r) {
    if (!r) {
        fprintf(stderr, "  case %d (%s): failed with \"%s\"\n", i, c->op, ct_last_error());
        return false;
    }
    if (ct_dtype_of(r) != c->out_dtype || ct_dim(r) != c->out_ndim) {
        fprintf(stderr, "  case %d (%s): dtype %s ndim %d, expected %s ndim %d\n", i, c->op,
                ct_dtype_name(ct_dtype_of(r)), ct_dim(r), ct_dtype_name(c->out_dtype),
                c->out_ndim);
        return false;
    }
    for (int d = 0; d < c->out_ndim; d++) {
        if (ct_sizes(r)[d] != c->out_shape[d]) {
            fprintf(stderr, "  case %d (%s): size %lld at dim %d, expected %lld\n", i, c->op,
                    (long long)ct_sizes(r)[d], d, c->out_shape[d]);
            return false;
        }
    }
    size_t n = (size_t)c->out_n;
    bool ok = true;
    if (c->out_dtype == CT_I64) {
        int64_t *got = malloc(8 * (n ? n : 1));
        ct_copy_to_buffer(r, got, CT_I64, n);
        for (size_t k = 0; k < n && ok; k++) {
            int64_t want = c->out_longs ? c->out_longs[k] : (int64_t)c->out[k];
            if (got[k] != want) {
                fprintf(stderr, "  case %d (%s): element %zu is %lld, PyTorch gives %lld\n", i,
                        c->op, k, (long long)got[k], (long long)want);
                ok = false;
            }
        }
        free(got);
        return ok;
    }
    double *got = malloc(8 * (n ? n : 1));
    ct_copy_to_buffer(r, got, CT_F64, n);
    for (size_t k = 0; k < n && ok; k++) {
        if (!pw_close(got[k], c->out[k], pw_tol(c->out_dtype))) {
            fprintf(stderr, "  case %d (%s, %s): element %zu is %.17g, PyTorch gives %.17g\n", i,
                    c->op, ct_dtype_name(c->out_dtype), k, got[k], c->out[k]);
            ok = false;
        }
    }
    free(got);
    return ok;
}

/* Runs every case whose op `run` knows (it returns false for others) and checks it. */
typedef bool (*pw_runner)(const pw_case *c, ct_tensor **in, const ct_scalar *sc,
                          ct_tensor **out, bool *bool_out);

/* Returns how many cases ran; failures are reported through the test framework. */
static int pw_run_cases(pw_runner run, const char *file, int line) {
    int ran = 0;
    for (int i = 0; i < PW_NUM_CASES; i++) {
        const pw_case *c = &pw_cases[i];
        CT_SCOPE {
            ct_tensor *in[3] = {NULL, NULL, NULL};
            ct_scalar sc[3];
            for (int k = 0; k < c->nin; k++) in[k] = pw_build(&c->in[k]);
            for (int k = 0; k < c->nsc; k++) sc[k] = pw_scalar_of(&c->sc[k]);
            bool in_place = c->op[strlen(c->op) - 1] == '_';
            int64_t version = in[0] ? ct_version(in[0]) : 0;
            ct_tensor *out = NULL;
            bool bool_out = false;
            ct_clear_error();
            if (run(c, in, sc, &out, &bool_out)) {
                ran++;
                bool ok = true;
                if (c->error) {
                    if (out || bool_out || !strstr(ct_last_error(), c->error)) {
                        fprintf(stderr, "  case %d (%s): expected error \"%s\", got \"%s\"\n", i,
                                c->op, c->error, ct_last_error());
                        ok = false;
                    }
                } else if (c->is_bool) {
                    if (bool_out != (c->bool_value != 0) || ct_last_error_code() != CT_OK) {
                        fprintf(stderr, "  case %d (%s): returned %d, expected %d (%s)\n", i,
                                c->op, bool_out, c->bool_value, ct_last_error());
                        ok = false;
                    }
                } else {
                    ok = pw_check_tensor(i, c, out);
                    if (ok && in_place && (out != in[0] || ct_version(in[0]) != version + 1)) {
                        fprintf(stderr, "  case %d (%s): in place must return its argument and "
                                        "bump its version\n", i, c->op);
                        ok = false;
                    }
                }
                if (!ok) ct_test_fail(file, line, "case %d (%s) differs from PyTorch", i, c->op);
            }
            ct_clear_error();
        }
    }
    return ran;
}

#endif
