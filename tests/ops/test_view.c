/*
 * tests/ops/test_view.c - views against PyTorch: every case in
 * tests/fixtures/view_cases.h (made by view_cases.py with PyTorch 1.13) is
 * replayed on the same base layout, comparing shape, strides, storage offset,
 * storage sharing and values, or the error message. Hand-written tests below
 * cover what a fixture cannot: writes through views, requires_grad, NULL
 * arguments, ct_indexf and abort mode.
 */
#include <stdlib.h>

#include "../fixtures/view_cases.h"
#include "test.h"

/* The base of a case: its layout over arange(base_numel). */
static ct_tensor *make_base(const view_case *c) {
    ct_tensor *storage = ct_arange(0, c->base_numel, 1);
    if (!storage) return NULL;
    ct_shape shape = {.ndim = c->base_ndim};
    for (int i = 0; i < c->base_ndim; i++) shape.d[i] = c->base_shape[i];
    return ct_as_strided(storage, shape, c->base_stride, c->base_offset);
}

static ct_shape list_of(const view_case *c) {
    ct_shape s = {.ndim = c->list_n};
    for (int i = 0; i < c->list_n; i++) s.d[i] = c->list[i];
    return s;
}

static ct_tensor *run_case(const view_case *c, ct_tensor *b) {
    const int64_t *a = c->arg;
    ct_tensor *other = NULL;
    switch (c->op) {
    case VOP_VIEW: return ct_view(b, list_of(c));
    case VOP_RESHAPE: return ct_reshape(b, list_of(c));
    case VOP_VIEW_AS: other = ct_empty(list_of(c)); return ct_view_as(b, other);
    case VOP_RESHAPE_AS: other = ct_empty(list_of(c)); return ct_reshape_as(b, other);
    case VOP_FLATTEN: return ct_flatten(b, (int)a[0], (int)a[1]);
    case VOP_SQUEEZE: return ct_squeeze(b);
    case VOP_SQUEEZE_DIM: return ct_squeeze_dim(b, (int)a[0]);
    case VOP_UNSQUEEZE: return ct_unsqueeze(b, (int)a[0]);
    case VOP_EXPAND: return ct_expand(b, list_of(c));
    case VOP_EXPAND_AS: other = ct_empty(list_of(c)); return ct_expand_as(b, other);
    case VOP_TRANSPOSE: return ct_transpose(b, (int)a[0], (int)a[1]);
    case VOP_T: return ct_t(b);
    case VOP_PERMUTE: return ct_permute(b, list_of(c));
    case VOP_NARROW: return ct_narrow(b, (int)a[0], a[1], a[2]);
    case VOP_SELECT: return ct_select(b, (int)a[0], a[1]);
    case VOP_SLICE: return ct_slice(b, (int)a[0], a[1], a[2], a[3]);
    case VOP_AS_STRIDED: return ct_as_strided(b, list_of(c), c->strides, a[0]);
    case VOP_ALIAS: return ct_alias(b);
    case VOP_INDEX: return ct_index(b, c->index);
    }
    return NULL;
}

/* "[4, 3]" into a 128-byte buf. */
static const char *list_str(int n, const int64_t *v, char *buf) {
    int k = snprintf(buf, 128, "[");
    for (int i = 0; i < n && k > 0 && k < 120; i++)
        k += snprintf(buf + k, (size_t)(128 - k), i ? ", %lld" : "%lld", (long long)v[i]);
    snprintf(buf + k, (size_t)(128 - k), "]");
    return buf;
}

/* Checks one case; returns false (after printing why) on a mismatch. */
static bool check_case(const view_case *c) {
    bool ok = true;
    CT_SCOPE {
        ct_tensor *b = make_base(c);
        if (!b) {
            ct_test_fail(__FILE__, __LINE__, "%s: base failed: %s", c->name, ct_last_error());
            ok = false;
        } else {
            ct_clear_error();
            ct_tensor *r = run_case(c, b);
            if (!c->ok) {
                if (r) {
                    ct_test_fail(__FILE__, __LINE__, "%s: expected error \"%s\"", c->name,
                                 c->error);
                    ok = false;
                } else if (!strstr(ct_last_error(), c->error)) {
                    ct_test_fail(__FILE__, __LINE__, "%s: expected error \"%s\", got \"%s\"",
                                 c->name, c->error, ct_last_error());
                    ok = false;
                }
                ct_clear_error();
            } else if (!r) {
                ct_test_fail(__FILE__, __LINE__, "%s: failed: %s", c->name, ct_last_error());
                ct_clear_error();
                ok = false;
            } else {
                bool same = ct_dim(r) == c->ndim && ct_storage_offset(r) == c->offset &&
                            ct_shares_storage(r, b) == (c->shares != 0) &&
                            ct_numel(r) == c->numel && ct_dtype_of(r) == CT_I64;
                for (int i = 0; same && i < c->ndim; i++)
                    same = ct_sizes(r)[i] == c->shape[i] && ct_strides(r)[i] == c->stride[i];
                if (same && c->numel > 0) {
                    int64_t *got = malloc((size_t)c->numel * sizeof *got);
                    same = got && ct_copy_to_buffer(r, got, CT_I64, (size_t)c->numel) == 0 &&
                           memcmp(got, c->values, (size_t)c->numel * sizeof *got) == 0;
                    free(got);
                }
                if (!same) {
                    char gs[128], gt[128], es[128], et[128];
                    ct_test_fail(__FILE__, __LINE__,
                                 "%s: got shape %s strides %s offset %lld shares %d, expected "
                                 "%s %s %lld shares %d (or the values differ)",
                                 c->name, list_str(ct_dim(r), ct_sizes(r), gs),
                                 list_str(ct_dim(r), ct_strides(r), gt),
                                 (long long)ct_storage_offset(r), ct_shares_storage(r, b),
                                 list_str(c->ndim, c->shape, es), list_str(c->ndim, c->stride, et),
                                 (long long)c->offset, c->shares);
                    ok = false;
                }
            }
        }
    }
    return ok;
}

TEST(view_cases_match_pytorch) {
    CHECK(VIEW_NCASES >= 60);
    int failed = 0;
    for (int i = 0; i < VIEW_NCASES; i++) failed += !check_case(&view_cases[i]);
    CHECK_EQ_INT(failed, 0);
}

/* ------------------------------------------------------ hand-written cases */

TEST(writes_through_views_reach_the_base) {
    CT_SCOPE {
        ct_tensor *a = ct_zeros(CT_SHAPE(4, 3));
        ct_tensor *col = ct_select(ct_t(a), 0, 1);   /* a[:, 1] */
        ct_tensor *row = ct_index(a, "2");
        ct_tensor *flat = ct_view(a, CT_SHAPE(-1));
        REQUIRE(col && row && flat);
        CHECK(ct_shares_storage(col, a) && ct_shares_storage(row, a) && ct_shares_storage(flat, a));
        CHECK(ct_set(col, (int64_t[]){3}, 7.0) == 0);  /* a[3, 1] = 7 */
        CHECK(ct_set(row, (int64_t[]){0}, 5.0) == 0);  /* a[2, 0] = 5 */
        CHECK_NEAR(ct_get(a, (int64_t[]){3, 1}), 7.0, 0);
        CHECK_NEAR(ct_get(flat, (int64_t[]){6}), 5.0, 0);
        CHECK_VALUES(flat, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 7, 0);
    }
}

TEST(reshape_copies_only_when_it_must) {
    CT_SCOPE {
        ct_tensor *a = ct_arange(0, 12, 1);
        ct_tensor *m = ct_view(a, CT_SHAPE(3, 4));
        ct_tensor *v = ct_reshape(m, CT_SHAPE(2, 6));
        ct_tensor *c = ct_reshape(ct_t(m), CT_SHAPE(12));
        REQUIRE(v && c);
        CHECK(ct_shares_storage(v, a));
        CHECK(!ct_shares_storage(c, a));
        CHECK(ct_is_contiguous(c));
        CHECK_VALUES(c, 0, 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
        /* the copy is independent: writing the base leaves it alone */
        CHECK(ct_fill_(a, -1) != NULL);
        CHECK_NEAR(ct_get(c, (int64_t[]){1}), 4.0, 0);
        ct_tensor *f = ct_flatten(ct_t(m), 0, -1);
        REQUIRE(f);
        CHECK(!ct_shares_storage(f, a));
        CHECK(ct_shares_storage(ct_flatten(m, 0, 0), a)); /* start == end: an alias */
    }
}

TEST(views_copy_requires_grad_and_dtype) {
    CT_SCOPE {
        ct_tensor *w = ct_zeros(CT_SHAPE(2, 3), .requires_grad = true);
        ct_tensor *views[] = {
            ct_view(w, CT_SHAPE(6)),         ct_reshape(ct_t(w), CT_SHAPE(6)),
            ct_transpose(w, 0, 1),           ct_unsqueeze(w, 0),
            ct_squeeze(w),                   ct_expand(w, CT_SHAPE(4, 2, 3)),
            ct_permute(w, CT_DIMS(1, 0)),    ct_narrow(w, 1, 1, 2),
            ct_select(w, 0, 1),              ct_slice(w, 1, 0, CT_END, 2),
            ct_index(w, "None, ..., ::2"),   ct_alias(w),
            ct_flatten(w, 0, -1),            ct_as_strided(w, CT_SHAPE(3), (int64_t[]){2}, 0),
        };
        for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
            REQUIRE(views[i] != NULL);
            CHECK(ct_requires_grad(views[i]));
            CHECK(ct_dtype_of(views[i]) == CT_F32);
        }
        ct_tensor *plain = ct_view(ct_zeros(CT_SHAPE(4)), CT_SHAPE(2, 2));
        CHECK(!ct_requires_grad(plain));
    }
}

TEST(slice_with_huge_step_and_extreme_bounds) {
    CT_SCOPE {
        ct_tensor *a = ct_view(ct_arange(0, 12, 1), CT_SHAPE(4, 3));
        ct_tensor *s = ct_slice(a, 0, INT64_MIN, CT_END, INT64_MAX);
        REQUIRE(s);
        CHECK_SHAPE(s, 1, 3);
        CHECK_VALUES(s, 0, 0, 1, 2);
        ct_tensor *e = ct_slice(a, 1, CT_END, INT64_MIN, 1);
        REQUIRE(e);
        CHECK_SHAPE(e, 4, 0);
    }
}

TEST(indexf_formats_then_indexes) {
    CT_SCOPE {
        ct_tensor *img = ct_view(ct_arange(0, 384, 1), CT_SHAPE(3, 2, 8, 8));
        ct_tensor *r = ct_indexf(img, "%d, :%d, ..., %d:%d:%d", 1, 1, 0, 8, 4);
        REQUIRE(r);
        CHECK_SHAPE(r, 1, 8, 2);
        CHECK_EQ_INT(ct_storage_offset(r), 128);
        CHECK_EQ_INT(ct_strides(r)[2], 4);
        CHECK_VALUES(ct_index(r, "0, :2"), 0, 128, 132, 136, 140);
        /* a long formatted index takes the heap path */
        char pad[300];
        memset(pad, ' ', sizeof pad - 1);
        pad[sizeof pad - 1] = '\0';
        ct_tensor *p = ct_indexf(img, "%s0%s, -1", pad, pad);
        REQUIRE(p);
        CHECK_SHAPE(p, 8, 8);
        CHECK_EQ_INT(ct_storage_offset(p), 64);
        CHECK_FAILS(ct_indexf(img, "%d", 3),
                    "index 3 is out of bounds for dimension 0 with size 3");
    }
}

TEST(null_arguments_and_bad_lists) {
    CT_SCOPE {
        ct_tensor *a = ct_zeros(CT_SHAPE(2, 3));
        CHECK_FAILS(ct_view(NULL, CT_SHAPE(6)), "argument 'self' is NULL");
        CHECK_FAILS(ct_reshape(NULL, CT_SHAPE(6)), "argument 'self' is NULL");
        CHECK_FAILS(ct_view_as(a, NULL), "argument 'other' is NULL");
        CHECK_FAILS(ct_reshape_as(a, NULL), "argument 'other' is NULL");
        CHECK_FAILS(ct_expand_as(a, NULL), "argument 'other' is NULL");
        CHECK_FAILS(ct_flatten(NULL, 0, -1), "argument 'self' is NULL");
        CHECK_FAILS(ct_squeeze(NULL), "argument 'self' is NULL");
        CHECK_FAILS(ct_squeeze_dim(NULL, 0), "argument 'self' is NULL");
        CHECK_FAILS(ct_unsqueeze(NULL, 0), "argument 'self' is NULL");
        CHECK_FAILS(ct_expand(NULL, CT_SHAPE(2)), "argument 'self' is NULL");
        CHECK_FAILS(ct_transpose(NULL, 0, 1), "argument 'self' is NULL");
        CHECK_FAILS(ct_t(NULL), "argument 'self' is NULL");
        CHECK_FAILS(ct_permute(NULL, CT_DIMS(0)), "argument 'self' is NULL");
        CHECK_FAILS(ct_narrow(NULL, 0, 0, 1), "argument 'self' is NULL");
        CHECK_FAILS(ct_select(NULL, 0, 0), "argument 'self' is NULL");
        CHECK_FAILS(ct_slice(NULL, 0, 0, 1, 1), "argument 'self' is NULL");
        CHECK_FAILS(ct_alias(NULL), "argument 'self' is NULL");
        CHECK_FAILS(ct_as_strided(a, CT_SHAPE(2), NULL, 0), "argument 'stride' is NULL");
        CHECK_FAILS(ct_index(a, NULL), "argument 'index' is NULL");
        CHECK_FAILS(ct_index(NULL, "0"), "argument 'self' is NULL");
        CHECK_FAILS(ct_indexf(a, NULL), "argument 'fmt' is NULL");
        /* a NULL input keeps the first error of a chain */
        ct_clear_error();
        CHECK(ct_t(ct_view(a, CT_SHAPE(7))) == NULL);
        CHECK_ERROR("ct_view: shape '[7]' is invalid for input of size 6");
        /* shapes with more dims than ctorch supports */
        ct_shape nine = {.ndim = 9, .d = {1, 1, 1, 1, 1, 1, 1, 1}};
        CHECK_FAILS(ct_view(a, nine), "number of dimensions 9 is not supported");
        CHECK_FAILS(ct_expand(a, nine), "number of dimensions 9 is not supported");
        CHECK_FAILS(ct_unsqueeze(ct_zeros(CT_SHAPE(1, 1, 1, 1, 1, 1, 1, 1)), 0),
                    "number of dimensions 9 is not supported");
        CHECK_FAILS(ct_expand(ct_zeros(CT_SHAPE(1)), CT_SHAPE(-2)),
                    "Trying to create tensor with negative dimension -2");
        CHECK_FAILS(ct_as_strided(a, CT_SHAPE(2, 2), ((int64_t[]){INT64_MAX / 2, 1}), 0),
                    "Storage size calculation overflowed");
        CHECK_FAILS(ct_as_strided(a, CT_SHAPE(1), ((int64_t[]){1}), INT64_MAX),
                    "are out of bounds for storage of size 24");
    }
}

TEST(error_messages_carry_the_function_name) {
    CT_SCOPE {
        ct_tensor *a = ct_view(ct_arange(0, 12, 1), CT_SHAPE(4, 3));
        CHECK_FAILS(ct_view(ct_t(a), CT_SHAPE(12)),
                    "ct_view: view size is not compatible with input tensor's size and stride");
        CHECK_FAILS(ct_expand(ct_zeros(CT_SHAPE(2, 3)), CT_SHAPE(2, 4)),
                    "ct_expand: The expanded size of the tensor (4) must match the existing size "
                    "(3) at non-singleton dimension 1.  Target sizes: [2, 4].  Tensor sizes: "
                    "[2, 3]");
        CHECK_FAILS(ct_t(ct_zeros(CT_SHAPE(2, 3, 4))),
                    "ct_t: t() expects a tensor with <= 2 dimensions, but self is 3D");
        CHECK_FAILS(ct_select(a, 0, 5),
                    "ct_select: select(): index 5 out of range for tensor of size [4, 3] at "
                    "dimension 0");
        CHECK_FAILS(ct_index(a, "5"),
                    "ct_index: index 5 is out of bounds for dimension 0 with size 4");
        CHECK_FAILS(ct_index(a, "..., ..."), "an index can only have a single ellipsis");
        CHECK_FAILS(ct_index(a, "0, 0, 0"), "too many indices for tensor of dimension 2");
        CHECK_FAILS(ct_index(a, "1, foo"), "invalid index item 'foo'");
        CHECK_EQ_INT(ct_last_error_code(), CT_OK);
        ct_index(a, "7");
        CHECK_EQ_INT(ct_last_error_code(), CT_ERR_INDEX);
        ct_clear_error();
    }
}

static void view_in_abort_mode(void) {
    ct_tensor *a = ct_zeros(CT_SHAPE(2, 3));
    ct_view(ct_t(a), CT_SHAPE(6));
}

static void index_in_abort_mode(void) {
    ct_tensor *a = ct_zeros(CT_SHAPE(2, 3));
    ct_index(a, "0, 0, 0");
}

TEST(abort_mode_prints_and_aborts) {
    CHECK_ABORTS(view_in_abort_mode,
                 "ct_view: view size is not compatible with input tensor's size and stride");
    CHECK_ABORTS(index_in_abort_mode, "too many indices for tensor of dimension 2");
}
