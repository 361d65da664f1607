/*
 * src/nn/init_orthogonal.c - nn.init.orthogonal_: the Q of a Householder QR
 * of a normal matrix, with R's diagonal signs folded in so Q is unique.
 */
#include <math.h>
#include <stdlib.h>

#include "ctorch.h"

/*
 * Replaces the m x n (m >= n) row-major matrix a by the first n columns of
 * Q in a = Q R, each multiplied by the sign of R's diagonal entry, which is
 * the unique Q whose R has a positive diagonal (torch.linalg.qr followed by
 * orthogonal_'s sign fix). work holds m * n + n doubles.
 */
static void householder_q(double *a, int64_t m, int64_t n, double *work) {
    double *v = work;          /* reflector k lives in v[k * m + k .. k * m + m) */
    double *tau = work + m * n; /* n entries; R's diagonal is kept in the sign of a[k][k] */
    double *rdiag = malloc(sizeof *rdiag * (size_t)(n ? n : 1));
    if (!rdiag) return;
    for (int64_t k = 0; k < n; k++) {
        double norm = 0;
        for (int64_t i = k; i < m; i++) norm += a[i * n + k] * a[i * n + k];
        norm = sqrt(norm);
        double alpha = a[k * n + k];
        if (norm == 0) {
            tau[k] = 0;
            rdiag[k] = 0;
            continue;
        }
        double beta = alpha >= 0 ? -norm : norm;
        v[k * m + k] = 1;
        for (int64_t i = k + 1; i < m; i++) v[k * m + i] = a[i * n + k] / (alpha - beta);
        tau[k] = (beta - alpha) / beta;
        rdiag[k] = beta;
        for (int64_t j = k; j < n; j++) {
            double s = 0;
            for (int64_t i = k; i < m; i++) s += v[k * m + i] * a[i * n + j];
            s *= tau[k];
            for (int64_t i = k; i < m; i++) a[i * n + j] -= s * v[k * m + i];
        }
    }
    /* Q = H_0 ... H_{n-1} [I; 0], applied from the last reflector. */
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) a[i * n + j] = i == j;
    for (int64_t k = n - 1; k >= 0; k--) {
        if (tau[k] == 0) continue;
        for (int64_t j = 0; j < n; j++) {
            double s = 0;
            for (int64_t i = k; i < m; i++) s += v[k * m + i] * a[i * n + j];
            s *= tau[k];
            for (int64_t i = k; i < m; i++) a[i * n + j] -= s * v[k * m + i];
        }
    }
    for (int64_t j = 0; j < n; j++) {
        double sg = rdiag[j] > 0 ? 1 : rdiag[j] < 0 ? -1 : 0;
        for (int64_t i = 0; i < m; i++) a[i * n + j] *= sg;
    }
    free(rdiag);
}

ct_tensor *ct_init_orthogonal_with(ct_init_gain_args a) {
    ct_tensor *t = a.tensor;
    if (!t) {
        ct_set_error(CT_ERR_NULL, "ct_init_orthogonal_", "argument 'tensor' must not be NULL");
        return NULL;
    }
    if (ct_dim(t) < 2) {
        ct_set_error(CT_ERR_VALUE, "ct_init_orthogonal_", "Only tensors with 2 or more dimensions are supported");
        return NULL;
    }
    int64_t numel = ct_numel(t);
    if (numel == 0) return t;
    int64_t rows = ct_size(t, 0), cols = numel / rows;
    double gain = a.gain == 0 ? 1.0 : a.gain;
    bool was = ct_set_grad_enabled(false);
    ct_tensor *result = NULL;
    double *flat = malloc(sizeof *flat * (size_t)numel);
    double *mat = malloc(sizeof *mat * (size_t)numel);
    int64_t m = rows < cols ? cols : rows, n = rows < cols ? rows : cols;
    double *work = malloc(sizeof *work * (size_t)(m * n + n));
    CT_SCOPE {
        if (!flat || !mat || !work) {
            ct_set_error(CT_ERR_OOM, "ct_init_orthogonal_", "out of memory");
            break;
        }
        /* flattened = tensor.new(rows, cols).normal_(0, 1): the same draws as PyTorch. */
        ct_tensor *g = ct_empty(CT_SHAPE(rows, cols), .dtype = ct_dtype_of(t));
        if (!g || !ct_normal_(g, 0, 1, a.generator)) break;
        if (ct_copy_to_buffer(g, flat, CT_F64, (size_t)numel) < 0) break;
        /* QR of the tall orientation: flattened, or its transpose when rows < cols. */
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < cols; j++) {
                if (rows < cols) mat[j * rows + i] = flat[i * cols + j];
                else mat[i * cols + j] = flat[i * cols + j];
            }
        householder_q(mat, m, n, work);
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < cols; j++) flat[i * cols + j] = rows < cols ? mat[j * rows + i] : mat[i * cols + j];
        ct_tensor *q = ct_from_data(flat, CT_F64, ct_shape_of(t));
        if (!q || !ct_copy_(t, q)) break;
        result = ct_mul_scalar_(t, gain); /* in t's dtype, as tensor.mul_(gain) */
    }
    free(flat);
    free(mat);
    free(work);
    ct_set_grad_enabled(was);
    return result;
}
