/*
 * src/ops/einsum.c - torch.einsum, following PyTorch 1.13's algorithm so that
 * shapes, dtypes and messages agree:
 *
 *   1. parse the equation into labels per operand (and "..." for broadcast dims);
 *   2. order every label: output labels first (explicit "->" order, or implicit:
 *      the ellipsis, then letters used once, alphabetically), then the
 *      contracted ones;
 *   3. give every operand all those dims in that order, as a view: repeated
 *      labels become a diagonal, missing labels a size-1 dim;
 *   4. one operand: sum the contracted dims. Several: combine them left to
 *      right; a contracted dim is summed inside the pair's product (a bmm) when
 *      no later operand has it, and summed beforehand when only one side has
 *      it; a pair with nothing to contract is a broadcast multiply.
 *
 * Every step is a differentiable public op (permute, unsqueeze, reshape, bmm,
 * mv, mul) or the diagonal view below, which records its own node, so einsum
 * has gradients of every order without a backward of its own.
 */
#include <stdlib.h>
#include <string.h>

#include "../autograd/internal.h"
#include "../kernels/gemm.h"
#include "internal.h"

#define FN "ct_einsum"
#define NLABELS 52        /* a-z then A-Z */
#define ELLIPSIS NLABELS  /* the label code of "..." */
#define MAX_EQ_DIMS 64    /* dims an operand's label list may mention */

static bool is_subscript(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int label_of(unsigned char c) { return c >= 'a' ? c - 'a' : c - 'A' + 26; }
static char char_of(int label) { return (char)(label < 26 ? 'a' + label : 'A' + label - 26); }

/* ------------------------------------------------------------ small tools */

/* torch.sum(t, dims, keepdim=True): dims[i] true means summed; integers sum in int64. */
static ct_tensor *sum_keepdim(ct_tensor *t, const bool *dims) {
    ct_dtype rd = ct_dtype_is_integral(t->dtype, true) ? CT_I64 : t->dtype;
    ct_shape perm = {.ndim = 0}, keep = {.ndim = t->ndim};
    int64_t rows = 1, cols = 1;
    for (int i = 0; i < t->ndim; i++)
        if (!dims[i]) {
            perm.d[perm.ndim++] = i;
            rows *= t->shape[i];
        }
    for (int i = 0; i < t->ndim; i++) {
        keep.d[i] = dims[i] ? 1 : t->shape[i];
        if (dims[i]) {
            perm.d[perm.ndim++] = i;
            cols *= t->shape[i];
        }
    }
    ct_tensor *conv = ct_to_dtype(t, rd);
    ct_tensor *p = conv ? ct_permute(conv, perm) : NULL;
    ct_tensor *flat = p ? ct_reshape(p, CT_SHAPE(rows, cols)) : NULL;
    ct_tensor *ones = flat ? ct_ones(CT_SHAPE(cols), .dtype = rd) : NULL;
    ct_tensor *sums = ones ? ct_mv(flat, ones) : NULL;
    ct_tensor *out = sums ? ct_view(sums, keep) : NULL;
    ct_free(conv);
    ct_free(p);
    ct_free(flat);
    ct_free(ones);
    ct_free(sums);
    return out;
}

/* The first n dims of t (the rest have size 1) as a view or copy. */
static ct_tensor *leading_dims(ct_tensor *t, int n) {
    ct_shape s = {.ndim = n};
    for (int i = 0; i < n; i++) s.d[i] = t->shape[i];
    return ct_reshape(t, s);
}

/*
 * PyTorch's sumproduct_pair: a and b have the same number of dims (size 1
 * where an operand lacks a label); the dims flagged in `sum` are contracted
 * and kept with size 1. Done as one bmm over
 *   left (both, left-only, summed) @ right (both, summed, right-only).
 */
static ct_tensor *sumproduct_pair(ct_tensor *a, ct_tensor *b, const bool *sum, bool any_sum) {
    if (!any_sum) return ct_mul(a, b);
    const int nd = a->ndim;
    int lro[CT_MAX_DIMS], lo[CT_MAX_DIMS], ro[CT_MAX_DIMS], sd[CT_MAX_DIMS];
    int nlro = 0, nlo = 0, nro = 0, nsd = 0;
    int64_t lro_size = 1, lo_size = 1, ro_size = 1, sum_size = 1;
    for (int i = 0; i < nd; i++) {
        bool sl = a->shape[i] != 1, sr = b->shape[i] != 1;
        if (sum[i]) {
            sd[nsd++] = i;
            sum_size *= sl ? a->shape[i] : b->shape[i]; /* callers pre-sum one-sided dims */
        } else if (sl && sr) {
            lro[nlro++] = i;
            lro_size *= a->shape[i];
        } else if (sl) {
            lo[nlo++] = i;
            lo_size *= a->shape[i];
        } else {
            ro[nro++] = i;
            ro_size *= b->shape[i];
        }
    }
    /* left: lro, lo, sum (, ro); right: lro, sum, ro (, lo); product: lro, lo, sum(=1), ro */
    ct_shape lp = {.ndim = 0}, rp = {.ndim = 0}, prod_shape = {.ndim = 0};
    int where[CT_MAX_DIMS]; /* output dim i sits at where[i] in the product's order */
    for (int i = 0; i < nlro; i++) lp.d[lp.ndim++] = rp.d[rp.ndim++] = lro[i];
    for (int i = 0; i < nlo; i++) lp.d[lp.ndim++] = lo[i];
    for (int i = 0; i < nsd; i++) lp.d[lp.ndim++] = rp.d[rp.ndim++] = sd[i];
    for (int i = 0; i < nro; i++) rp.d[rp.ndim++] = ro[i];
    /* the dims one side lacks (size 1 there) go last, so both permutations are complete */
    for (int i = 0; i < nro; i++) lp.d[lp.ndim++] = ro[i];
    for (int i = 0; i < nlo; i++) rp.d[rp.ndim++] = lo[i];
    int k = 0;
    for (int i = 0; i < nlro; i++) where[lro[i]] = k, prod_shape.d[k++] = a->shape[lro[i]];
    for (int i = 0; i < nlo; i++) where[lo[i]] = k, prod_shape.d[k++] = a->shape[lo[i]];
    for (int i = 0; i < nsd; i++) where[sd[i]] = k, prod_shape.d[k++] = 1;
    for (int i = 0; i < nro; i++) where[ro[i]] = k, prod_shape.d[k++] = b->shape[ro[i]];
    prod_shape.ndim = k;
    ct_shape back = {.ndim = nd};
    for (int i = 0; i < nd; i++) back.d[i] = where[i];

    ct_tensor *ap = ct_permute(a, lp), *bp = ct_permute(b, rp);
    ct_tensor *a3 = ap ? ct_reshape(ap, CT_SHAPE(lro_size, lo_size, sum_size)) : NULL;
    ct_tensor *b3 = bp ? ct_reshape(bp, CT_SHAPE(lro_size, sum_size, ro_size)) : NULL;
    ct_tensor *prod = a3 && b3 ? ct_bmm(a3, b3) : NULL;
    ct_tensor *shaped = prod ? ct_view(prod, prod_shape) : NULL;
    ct_tensor *out = shaped ? ct_permute(shaped, back) : NULL;
    ct_free(ap);
    ct_free(bp);
    ct_free(a3);
    ct_free(b3);
    ct_free(prod);
    ct_free(shaped);
    return out;
}

/* ---------------------------------------------------------------- parsing */

typedef struct {
    int n;                       /* operands */
    int *nlabels;                /* per operand: how many entries in labels[] */
    uint8_t (*labels)[MAX_EQ_DIMS]; /* per operand: label codes, ELLIPSIS for "..." */
    int label_count[NLABELS];    /* how many times each letter appears on the left */
    int ell_num_dim;             /* dims the widest ellipsis covers */
    int perm_index[NLABELS];     /* position of each label in the aligned order */
    int ell_index;               /* position of the first ellipsis dim */
    int out_size;                /* dims of the output */
    int total;                   /* dims of the aligned operands */
} equation;

/* Splits the left side into label lists; PyTorch's checks and messages. */
static bool parse_lhs(equation *eq, const char *lhs, size_t len) {
    int cur = 0;
    bool found_ell = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)lhs[i];
        if (c == ' ') continue;
        if (c == '.') {
            if (found_ell) {
                ct__error(CT_ERR_RUNTIME, FN,
                          "einsum(): found '.' for operand %d for which an ellipsis was already "
                          "found",
                          cur);
                return false;
            }
            if (!(i + 2 < len && lhs[i + 1] == '.' && lhs[i + 2] == '.')) {
                ct__error(CT_ERR_RUNTIME, FN,
                          "einsum(): found '.' for operand %d that is not part of any ellipsis",
                          cur);
                return false;
            }
            i += 2;
            c = ELLIPSIS;
            found_ell = true;
        } else if (c == ',') {
            if (++cur >= eq->n) {
                ct__error(CT_ERR_RUNTIME, FN,
                          "einsum(): fewer operands were provided than specified in the equation");
                return false;
            }
            found_ell = false;
            continue;
        } else if (!is_subscript(c)) {
            ct__error(CT_ERR_RUNTIME, FN,
                      "einsum(): invalid subscript given at index %zu in the equation string, "
                      "subscripts must be in [a-zA-Z]",
                      i);
            return false;
        } else {
            c = (unsigned char)label_of(c);
        }
        if (eq->nlabels[cur] >= MAX_EQ_DIMS) {
            ct__error(CT_ERR_RUNTIME, FN, "einsum(): too many subscripts for operand %d", cur);
            return false;
        }
        eq->labels[cur][eq->nlabels[cur]++] = c;
    }
    if (cur != eq->n - 1) {
        ct__error(CT_ERR_RUNTIME, FN,
                  "einsum(): more operands were provided than specified in the equation");
        return false;
    }
    return true;
}

/* Counts labels, sizes the ellipsis, checks each operand's rank. */
static bool count_labels(equation *eq, ct_tensor *const *ops) {
    for (int i = 0; i < eq->n; i++) {
        int nl = eq->nlabels[i], ndim = ops[i]->ndim;
        bool has_ell = false;
        for (int j = 0; j < eq->nlabels[i]; j++)
            if (eq->labels[i][j] == ELLIPSIS) {
                has_ell = true;
                nl--;
            } else {
                eq->label_count[eq->labels[i][j]]++;
            }
        if (has_ell && ndim - nl > eq->ell_num_dim) eq->ell_num_dim = ndim - nl;
        if (has_ell ? nl > ndim : nl != ndim) {
            ct__error(CT_ERR_RUNTIME, FN,
                      "einsum(): the number of subscripts in the equation (%d) does not match the "
                      "number of dimensions (%d) for operand %d%s",
                      nl, ndim, i, has_ell ? "" : " and no ellipsis was given");
            return false;
        }
    }
    return true;
}

/* Reads the output side (or makes the implicit one) and orders every label. */
static bool order_labels(equation *eq, const char *rhs, size_t lhs_len) {
    int pos = 0;
    bool found_ell = false;
    for (int l = 0; l < NLABELS; l++) eq->perm_index[l] = -1;
    if (!rhs) {
        pos = eq->ell_num_dim;
        found_ell = true;
        for (int l = 0; l < NLABELS; l++)
            if (eq->label_count[l] == 1) eq->perm_index[l] = pos++;
    } else {
        size_t len = strlen(rhs);
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)rhs[i];
            if (c == ' ') continue;
            if (c == '.') {
                if (found_ell) {
                    ct__error(CT_ERR_RUNTIME, FN,
                              "einsum(): found '.' for output but an ellipsis (...) was already "
                              "found");
                    return false;
                }
                if (!(i + 2 < len && rhs[i + 1] == '.' && rhs[i + 2] == '.')) {
                    ct__error(CT_ERR_RUNTIME, FN,
                              "einsum(): found '.' for output that is not part of any ellipsis "
                              "(...)");
                    return false;
                }
                i += 2;
                eq->ell_index = pos;
                pos += eq->ell_num_dim;
                found_ell = true;
                continue;
            }
            if (!is_subscript(c)) {
                ct__error(CT_ERR_RUNTIME, FN,
                          "einsum(): invalid subscript given at index %zu in the equation "
                          "string, subscripts must be in [a-zA-Z]",
                          lhs_len + 2 + i);
                return false;
            }
            int l = label_of(c);
            if (eq->label_count[l] == 0 || eq->perm_index[l] != -1) {
                ct__error(CT_ERR_RUNTIME, FN, "einsum(): output subscript %c %s", c,
                          eq->perm_index[l] != -1
                              ? "appears more than once in the output"
                              : "does not appear in the equation for any input operand");
                return false;
            }
            eq->perm_index[l] = pos++;
        }
    }
    eq->out_size = pos;
    if (!found_ell) {
        eq->ell_index = pos;
        pos += eq->ell_num_dim;
    }
    for (int l = 0; l < NLABELS; l++)
        if (eq->label_count[l] > 0 && eq->perm_index[l] == -1) eq->perm_index[l] = pos++;
    eq->total = pos;
    if (pos > CT_MAX_DIMS) {
        ct__error(CT_ERR_RUNTIME, FN,
                  "einsum(): the equation needs %d dimensions, more than the %d a tensor can have",
                  pos, CT_MAX_DIMS);
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- aligning */

/*
 * The diagonal of dims p < q of t (PyTorch's t.diagonal(0, p, q), but kept at
 * p rather than moved last): a view, dim q removed and p's stride the sum of
 * both. Its gradient puts g back on the diagonal of zeros: g (with a size-1
 * dim at q) times an identity matrix spread over dims p and q, a product, so
 * that it is differentiable again.
 */
typedef struct {
    int p, q;
} diag_ctx;

static int diagonal_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
    const diag_ctx *c = n->ctx;
    const ct_meta *m = &n->in_meta[0];
    const int64_t size = m->shape[c->p];
    ct_tensor *eye = ct_zeros(CT_SHAPE(size, size), .dtype = g[0]->dtype);
    if (!eye) return ct_last_error_code();
    CT_NO_GRAD {
        ct_tensor *d = ct_as_strided(eye, CT_SHAPE(size), (int64_t[]){size + 1}, 0);
        if (!d || !ct_fill_(d, 1.0)) eye = NULL;
    }
    ct_shape mask = {.ndim = m->ndim};
    for (int i = 0; i < m->ndim; i++) mask.d[i] = i == c->p || i == c->q ? size : 1;
    gi[0] = eye ? ct_mul(ct_unsqueeze(g[0], c->q), ct_view(eye, mask)) : NULL;
    return gi[0] ? 0 : ct_last_error_code();
}
static const ct_node_type diagonal_type = {"DiagonalBackward0", diagonal_backward};

static ct_tensor *diagonal(ct_tensor *t, int p, int q) {
    int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    int nd = 0;
    for (int d = 0; d < t->ndim; d++) {
        if (d == q) continue;
        shape[nd] = t->shape[d];
        strides[nd++] = t->strides[d] + (d == p ? t->strides[q] : 0);
    }
    ct_tensor *v = ct__tensor_view(t, nd, shape, strides, t->offset, FN);
    if (!v || !ct__should_record(1, &t)) return v;
    ct_node *n = ct__record(&diagonal_type, v, 1, &t, 0, sizeof(diag_ctx));
    if (!n) {
        ct_free(v);
        return NULL;
    }
    ((diag_ctx *)n->ctx)->p = p;
    ((diag_ctx *)n->ctx)->q = q;
    struct ct_autograd_meta *meta = ct__meta(v);
    if (meta) meta->is_view = true;
    return v;
}

/*
 * Operand i as a view with eq->total dims in label order: diagonals for
 * repeated labels, size-1 dims for absent ones. Checks sizes against the
 * sizes seen so far (label_size, ell_size; size 1 broadcasts) and counts in
 * dim_counts the operands where each aligned dim is not 1.
 */
static ct_tensor *align_operand(const equation *eq, int i, ct_tensor *op, int64_t *label_size,
                                int64_t *ell_size, int *dim_counts) {
    int perm[CT_MAX_DIMS];
    for (int k = 0; k < eq->total; k++) perm[k] = -1;
    ct_tensor *t = ct_alias(op);
    int dim = 0;
    for (int j = 0; t && j < eq->nlabels[i]; j++) {
        int s = eq->labels[i][j];
        if (s == ELLIPSIS) {
            int covered = op->ndim - (eq->nlabels[i] - 1);
            for (int e = eq->ell_num_dim - covered; e < eq->ell_num_dim; e++) {
                if (t->shape[dim] != 1) {
                    if (ell_size[e] != 1 && ell_size[e] != t->shape[dim]) {
                        ct__error(CT_ERR_RUNTIME, FN,
                                  "einsum(): dimension %d covered by ellipsis in operand %dhas "
                                  "size %lld which does not broadcast with previously seen "
                                  "ellipsis with size %lld for the respective dimension",
                                  dim, i, (long long)t->shape[dim], (long long)ell_size[e]);
                        goto fail;
                    }
                    ell_size[e] = t->shape[dim];
                    dim_counts[eq->ell_index + e]++;
                }
                perm[eq->ell_index + e] = dim++;
            }
        } else if (perm[eq->perm_index[s]] == -1) {
            if (t->shape[dim] != 1) {
                if (label_size[s] != 1 && label_size[s] != t->shape[dim]) {
                    ct__error(CT_ERR_RUNTIME, FN,
                              "einsum(): subscript %c has size %lld for operand %d which does not "
                              "broadcast with previously seen size %lld",
                              char_of(s), (long long)t->shape[dim], i, (long long)label_size[s]);
                    goto fail;
                }
                label_size[s] = t->shape[dim];
                dim_counts[eq->perm_index[s]]++;
            }
            perm[eq->perm_index[s]] = dim++;
        } else {
            /* a repeated label: the diagonal of the two dims, kept where the first was */
            int prev = perm[eq->perm_index[s]];
            if (t->shape[dim] != t->shape[prev]) {
                ct__error(CT_ERR_RUNTIME, FN,
                          "einsum(): subscript %c is repeated for operand %d but the sizes don't "
                          "match, %lld != %lld",
                          char_of(s), i, (long long)t->shape[dim], (long long)t->shape[prev]);
                goto fail;
            }
            ct_tensor *d = diagonal(t, prev, dim);
            ct_free(t);
            t = d;
        }
    }
    if (!t) return NULL;
    /* the dims present, in label order, then a size-1 dim for each absent label */
    ct_shape order = {.ndim = 0};
    for (int k = 0; k < eq->total; k++)
        if (perm[k] != -1) order.d[order.ndim++] = perm[k];
    ct_tensor *aligned = ct_permute(t, order);
    ct_free(t);
    for (int k = 0; aligned && k < eq->total; k++) {
        if (perm[k] != -1) continue;
        ct_tensor *u = ct_unsqueeze(aligned, k);
        ct_free(aligned);
        aligned = u;
    }
    return aligned;
fail:
    ct_free(t);
    return NULL;
}

/* ----------------------------------------------------------------- combine */

/* Sums the contracted dims of a single operand (torch.sum's dtype rule). */
static ct_tensor *reduce_single(const equation *eq, ct_tensor *op) {
    bool dims[CT_MAX_DIMS];
    for (int d = 0; d < eq->total; d++) dims[d] = d >= eq->out_size;
    ct_tensor *s = sum_keepdim(op, dims);
    ct_tensor *out = s ? leading_dims(s, eq->out_size) : NULL;
    ct_free(s);
    return out;
}

/* Folds the aligned operands left to right (PyTorch's order without a path). */
static ct_tensor *contract_all(const equation *eq, ct_tensor **ops, int *dim_counts) {
    ct_tensor *acc = ct_alias(ops[0]);
    for (int i = 1; acc && i < eq->n; i++) {
        ct_tensor *a = acc, *b = ct_alias(ops[i]);
        bool sum[CT_MAX_DIMS] = {false}, a_sum[CT_MAX_DIMS] = {false},
             b_sum[CT_MAX_DIMS] = {false};
        bool any = false, any_a = false, any_b = false;
        for (int d = eq->out_size; d < eq->total; d++) {
            if (a->shape[d] != 1 && b->shape[d] != 1) {
                if (--dim_counts[d] == 1) {
                    sum[d] = any = true;
                    dim_counts[d] = 0;
                }
            } else if (dim_counts[d] == 1) {
                if (a->shape[d] != 1) {
                    a_sum[d] = any_a = true;
                    dim_counts[d] = 0;
                } else if (b->shape[d] != 1) {
                    b_sum[d] = any_b = true;
                    dim_counts[d] = 0;
                }
            }
        }
        if (b && any_a) {
            a = sum_keepdim(acc, a_sum);
            ct_free(acc);
        }
        if (a && b && any_b) {
            ct_tensor *bs = sum_keepdim(b, b_sum);
            ct_free(b);
            b = bs;
        }
        acc = a && b ? sumproduct_pair(a, b, sum, any) : NULL;
        ct_free(a);
        ct_free(b);
    }
    if (!acc || acc->ndim == eq->out_size) return acc;
    ct_tensor *out = leading_dims(acc, eq->out_size);
    ct_free(acc);
    return out;
}

/*
 * With an empty operand every product is empty or zero: PyTorch returns zeros.
 * (When a gradient is wanted the products run anyway, to record the graph.)
 */
static ct_tensor *zeros_result(const equation *eq, const int64_t *label_size,
                               const int64_t *ell_size, ct_dtype dtype) {
    ct_shape s = {.ndim = eq->out_size};
    for (int k = 0; k < eq->out_size; k++) s.d[k] = 1;
    for (int l = 0; l < NLABELS; l++)
        if (eq->perm_index[l] >= 0 && eq->perm_index[l] < eq->out_size)
            s.d[eq->perm_index[l]] = label_size[l];
    if (eq->ell_index < eq->out_size)
        for (int e = 0; e < eq->ell_num_dim; e++) s.d[eq->ell_index + e] = ell_size[e];
    return ct_zeros(s, .dtype = dtype);
}

ct_tensor *ct_einsum(const char *equation_str, ct_tensor *const *ops, int n) {
    CT_CHECK_ARG(equation_str, FN, "equation");
    if (n < 1 || !ops) {
        ct__error(CT_ERR_RUNTIME, FN, "einsum(): must provide at least one operand");
        return NULL;
    }
    for (int i = 0; i < n; i++) CT_CHECK_ARG(ops[i], FN, "operands");
    for (int i = 1; i < n; i++)
        if (!ct__check_same_device(ops[0], ops[i], FN)) return NULL;

    uint8_t(*labels)[MAX_EQ_DIMS] = calloc((size_t)n, sizeof *labels);
    int *nlabels = calloc((size_t)n, sizeof *nlabels);
    ct_tensor **aligned = calloc((size_t)n, sizeof *aligned);
    ct_tensor *result = NULL;
    equation *eq = calloc(1, sizeof *eq);
    if (!labels || !nlabels || !aligned || !eq) {
        ct__error(CT_ERR_OOM, FN, "out of memory");
        goto done;
    }
    eq->n = n;
    eq->labels = labels;
    eq->nlabels = nlabels;
    const char *arrow = strstr(equation_str, "->");
    size_t lhs_len = arrow ? (size_t)(arrow - equation_str) : strlen(equation_str);
    if (!parse_lhs(eq, equation_str, lhs_len) || !count_labels(eq, ops) ||
        !order_labels(eq, arrow ? arrow + 2 : NULL, lhs_len))
        goto done;

    int64_t label_size[NLABELS], ell_size[CT_MAX_DIMS];
    int dim_counts[CT_MAX_DIMS] = {0};
    for (int l = 0; l < NLABELS; l++) label_size[l] = 1;
    for (int e = 0; e < CT_MAX_DIMS; e++) ell_size[e] = 1;
    bool has_zero = false;
    for (int i = 0; i < n; i++) {
        if (!(aligned[i] = align_operand(eq, i, ops[i], label_size, ell_size, dim_counts)))
            goto done;
        has_zero = has_zero || ct_numel(ops[i]) == 0;
    }
    if (n == 1 && eq->total == eq->out_size) {
        result = aligned[0]; /* a view of the operand, as in PyTorch ("ij->ji") */
        aligned[0] = NULL;
    } else if (n == 1)
        result = reduce_single(eq, aligned[0]);
    else if (has_zero && !ct__should_record(n, ops))
        result = zeros_result(eq, label_size, ell_size, ops[0]->dtype);
    else
        result = contract_all(eq, aligned, dim_counts);
done:
    if (aligned)
        for (int i = 0; i < n; i++) ct_free(aligned[i]);
    free(labels);
    free(nlabels);
    free(aligned);
    free(eq);
    return result;
}
