/*
 * tests/ops/index_replay.h - replays the PyTorch cases of
 * tests/fixtures/index_cases.h against ctorch: rebuilds each input with its
 * exact storage, strides and offset, calls the ctorch op, and compares dtype,
 * shapes and values (or the error message) with what PyTorch returned.
 * Included by test_index.c, test_join.c and test_shape_ops.c, each replaying
 * the ops it covers.
 */
#ifndef CT_TEST_INDEX_REPLAY_H
#define CT_TEST_INDEX_REPLAY_H

#include <stdlib.h>

#include "../fixtures/index_cases.h"
#include "test.h"

/* The input as PyTorch had it: a strided view of a storage holding the recorded values. */
static ct_tensor *replay_input(const index_input *in) {
    ct_tensor *store64 = ct_from_data(in->store, CT_F64, CT_SHAPE(in->nstore));
    ct_tensor *store = ct_to_dtype(store64, in->dtype);
    ct_shape shape = {.ndim = in->ndim};
    for (int i = 0; i < in->ndim; i++) shape.d[i] = in->shape[i];
    ct_tensor *t = ct_as_strided(store, shape, in->strides, in->offset);
    ct_free(store64);
    ct_free(store);
    return t;
}

static ct_shape replay_list(const int64_t *v, int n) {
    ct_shape s = {.ndim = n};
    for (int i = 0; i < n; i++) s.d[i] = v[i];
    return s;
}

static ct_scalar replay_value(const index_case *c) {
    return c->value_is_float ? ct_scalar_float(c->value) : ct_scalar_int((int64_t)c->value);
}

/*
 * Runs c's op; writes the outputs (new references) into out and returns their
 * count, or -1 when the op failed. In-place cases run on a clone of input 0
 * and check that the op returned it and bumped its version.
 */
static int replay_run(const index_case *c, ct_tensor **in, ct_tensor **out) {
    ct_tensor *a = in[0];
    ct_tensor *r = NULL;
    int n = 1;
    ct_tensor *target = NULL;
    int64_t version = 0;
    if (c->inplace) {
        target = ct_clone(a);
        version = ct_version(target);
    }
    switch (c->op) {
    case IOP_INDEX_SELECT: r = ct_index_select(a, c->dim, in[1]); break;
    case IOP_GATHER: r = ct_gather(a, c->dim, in[1]); break;
    case IOP_SCATTER:
        r = c->inplace ? ct_scatter_(target, c->dim, in[1], in[2]) : ct_scatter(a, c->dim, in[1], in[2]);
        break;
    case IOP_SCATTER_VALUE: r = ct_scatter_value_sc(a, c->dim, in[1], replay_value(c)); break;
    case IOP_SCATTER_ADD:
        r = c->inplace ? ct_scatter_add_(target, c->dim, in[1], in[2])
                       : ct_scatter_add(a, c->dim, in[1], in[2]);
        break;
    case IOP_SCATTER_REDUCE:
        r = ct_scatter_reduce(a, c->dim, in[1], in[2], (ct_scatter_reduction)c->reduce, c->flag);
        break;
    case IOP_TAKE: r = ct_take(a, in[1]); break;
    case IOP_MASKED_SELECT: r = ct_masked_select(a, in[1]); break;
    case IOP_MASKED_FILL:
        r = c->inplace ? ct_masked_fill_sc_(target, in[1], replay_value(c))
                       : ct_masked_fill_sc(a, in[1], replay_value(c));
        break;
    case IOP_MASKED_FILL_TENSOR: r = ct_masked_fill_tensor(a, in[1], in[2]); break;
    case IOP_NONZERO: r = ct_nonzero(a); break;
    case IOP_INDEX_TENSOR: r = ct_index_tensor(a, c->dim, in[1]); break;
    case IOP_INDEX_PUT: r = ct_index_put(a, c->dim, in[1], in[2], c->flag); break;
    case IOP_CAT: r = ct_cat(in, c->nin, c->dim); break;
    case IOP_STACK: r = ct_stack(in, c->nin, c->dim); break;
    case IOP_SPLIT: n = ct_split(a, c->ints[0], c->dim, out, 8); break;
    case IOP_SPLIT_SIZES: n = ct_split_sizes(a, c->lst, c->nlst, c->dim, out, 8); break;
    case IOP_CHUNK: n = ct_chunk(a, (int)c->ints[0], c->dim, out, 8); break;
    case IOP_UNBIND: n = ct_unbind(a, c->dim, out, 8); break;
    case IOP_MESHGRID:
        n = ct_meshgrid(in, c->nin, c->mode ? CT_MESHGRID_XY : CT_MESHGRID_IJ, out, 8);
        break;
    case IOP_REPEAT: r = ct_repeat(a, replay_list(c->lst, c->nlst)); break;
    case IOP_TILE: r = ct_tile(a, replay_list(c->lst, c->nlst)); break;
    case IOP_FLIP: r = ct_flip(a, replay_list(c->lst, c->nlst)); break;
    case IOP_ROLL: r = ct_roll(a, replay_list(c->lst, c->nlst), replay_list(c->lst2, c->nlst2)); break;
    case IOP_TRIL: r = ct_tril(a, c->ints[0]); break;
    case IOP_TRIU: r = ct_triu(a, c->ints[0]); break;
    case IOP_ONE_HOT: r = ct_one_hot(a, c->ints[0]); break;
    case IOP_DIAG: r = ct_diag(a, c->ints[0]); break;
    case IOP_PAD:
        r = ct_pad(a, replay_list(c->lst, c->nlst), (ct_pad_mode)c->mode, c->has_value ? c->value : 0.0);
        break;
    }
    bool multi = c->op == IOP_SPLIT || c->op == IOP_SPLIT_SIZES || c->op == IOP_CHUNK ||
                 c->op == IOP_UNBIND || c->op == IOP_MESHGRID;
    if (multi) return n < 0 ? -1 : n;
    if (c->inplace) {
        if (r) {
            if (r != target) ct_test_fail(__FILE__, __LINE__, "%s: in-place op returned another tensor", c->name);
            if (ct_version(target) <= version)
                ct_test_fail(__FILE__, __LINE__, "%s: version counter not bumped", c->name);
            out[0] = target;
            return 1;
        }
        ct_free(target);
        return -1;
    }
    out[0] = r;
    return r ? 1 : -1;
}

/* Compares one case; returns true when ctorch agrees with PyTorch. */
static bool replay_case(const index_case *c) {
    bool ok = true;
    CT_SCOPE {
        ct_tensor *in[4] = {NULL, NULL, NULL, NULL};
        for (int i = 0; i < c->nin; i++) in[i] = replay_input(&c->in[i]);
        ct_tensor *out[8] = {NULL};
        ct_clear_error();
        int n = replay_run(c, in, out);
        if (!c->ok) {
            if (n >= 0) {
                fprintf(stderr, "  %s: expected an error containing \"%s\", but it succeeded\n", c->name, c->error);
                ok = false;
            } else if (!strstr(ct_last_error(), c->error)) {
                fprintf(stderr, "  %s: error \"%s\" does not contain PyTorch's \"%s\"\n", c->name,
                        ct_last_error(), c->error);
                ok = false;
            }
            ct_clear_error();
            break;
        }
        if (n != c->nout) {
            fprintf(stderr, "  %s: %d outputs, PyTorch gives %d (%s)\n", c->name, n, c->nout, ct_last_error());
            ok = false;
            break;
        }
        int64_t at = 0;
        for (int k = 0; k < n && ok; k++) {
            ct_tensor *o = out[k];
            if (ct_dtype_of(o) != c->dtype) {
                fprintf(stderr, "  %s: dtype %s, PyTorch gives %s\n", c->name,
                        ct_dtype_name(ct_dtype_of(o)), ct_dtype_name(c->dtype));
                ok = false;
                break;
            }
            bool shape_ok = ct_dim(o) == c->out_ndim[k];
            for (int d = 0; shape_ok && d < ct_dim(o); d++) shape_ok = ct_sizes(o)[d] == c->out_shape[k][d];
            if (!shape_ok) {
                ct_shape s = ct_shape_of(o);
                fprintf(stderr, "  %s: output %d has shape", c->name, k);
                for (int d = 0; d < s.ndim; d++) fprintf(stderr, " %lld", (long long)s.d[d]);
                fprintf(stderr, ", PyTorch gives %d dims\n", c->out_ndim[k]);
                ok = false;
                break;
            }
            int64_t m = ct_numel(o);
            double *got = malloc(sizeof(double) * (size_t)(m ? m : 1));
            ct_copy_to_buffer(o, got, CT_F64, (size_t)m);
            for (int64_t i = 0; i < m && ok; i++) {
                double w = c->values[at + i], g = got[i];
                bool same = (isnan(w) && isnan(g)) || g == w ||
                            (c->tol > 0 && fabs(g - w) <= c->tol * (1 + fabs(w)));
                if (!same) {
                    fprintf(stderr, "  %s: output %d element %lld is %.9g, PyTorch gives %.9g\n",
                            c->name, k, (long long)i, g, w);
                    ok = false;
                }
            }
            free(got);
            at += m;
            /* split, chunk, unbind and meshgrid return views of their input, as in PyTorch. */
            bool view_op = c->op == IOP_SPLIT || c->op == IOP_SPLIT_SIZES || c->op == IOP_CHUNK ||
                           c->op == IOP_UNBIND;
            if (view_op && !ct_shares_storage(o, in[0])) {
                fprintf(stderr, "  %s: output %d is not a view of the input\n", c->name, k);
                ok = false;
            }
            if (c->op == IOP_MESHGRID && !ct_shares_storage(o, in[k])) {
                fprintf(stderr, "  %s: grid %d is not a view of its input\n", c->name, k);
                ok = false;
            }
        }
    }
    return ok;
}

/* Replays every case whose op is in [first, last]; returns the number that failed. */
static int replay_range(index_op first, index_op last, int *ran) {
    int failed = 0;
    *ran = 0;
    for (int i = 0; i < N_INDEX_CASES; i++) {
        const index_case *c = &index_cases[i];
        if (c->op < first || c->op > last) continue;
        (*ran)++;
        if (!replay_case(c)) failed++;
    }
    return failed;
}

#endif
