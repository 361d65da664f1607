/*
 * src/core/iter.c - the strided N-d iterator every pointwise kernel runs on.
 *
 * Dims are reordered innermost first, size-1 dims dropped, and neighbouring
 * dims merged when every operand steps through them as one (stride of the
 * outer == size * stride of the inner). A contiguous tensor of any shape thus
 * becomes one dim, and the kernel's inner loop sees the longest run possible.
 */
#ifdef _OPENMP
#include <omp.h>
#endif
#include <string.h>

#include "internal.h"

void ct__iter_init(ct_iter *it, int ndim, const int64_t *shape, int ntensors,
                   ct_tensor *const *tensors) {
    it->ntensors = ntensors;
    it->numel = ct__numel(ndim, shape);
    /* Innermost first, with operands right-aligned for broadcasting. */
    int n = 0;
    for (int d = ndim - 1; d >= 0; d--) {
        if (shape[d] == 1) continue;
        it->shape[n] = shape[d];
        for (int k = 0; k < ntensors; k++) {
            const ct_tensor *t = tensors[k];
            int td = d - (ndim - t->ndim);
            int64_t es = (int64_t)ct_dtype_size(t->dtype);
            it->strides[k][n] = (td >= 0 && t->shape[td] != 1) ? t->strides[td] * es : 0;
        }
        n++;
    }
    /* Merge dim i+1 into dim i where every operand allows it. */
    int m = 0;
    for (int i = 1; i < n; i++) {
        bool can = true;
        for (int k = 0; k < ntensors && can; k++)
            can = it->strides[k][i] == it->shape[m] * it->strides[k][m];
        if (can) {
            it->shape[m] *= it->shape[i];
        } else {
            m++;
            it->shape[m] = it->shape[i];
            for (int k = 0; k < ntensors; k++) it->strides[k][m] = it->strides[k][i];
        }
    }
    it->ndim = n > 0 ? m + 1 : 0;
    for (int k = 0; k < ntensors; k++) it->data[k] = ct__data(tensors[k]);
}

void ct__iter_run_range(const ct_iter *it, ct_iter_loop loop, void *ctx, int64_t begin,
                        int64_t end) {
    if (begin >= end) return;
    int nt = it->ntensors;
    if (it->ndim == 0) {
        char *ptrs[CT_ITER_MAX];
        int64_t zero[CT_ITER_MAX] = {0};
        for (int k = 0; k < nt; k++) ptrs[k] = it->data[k];
        loop(ptrs, zero, 1, ctx);
        return;
    }
    /* Position of `begin` as a multi-index over dims 1.. (dim 0 is the inner run). */
    int64_t inner = it->shape[0];
    int64_t idx[CT_MAX_DIMS] = {0};
    int64_t rest = begin / inner, col = begin % inner;
    for (int d = 1; d < it->ndim; d++) {
        idx[d] = rest % it->shape[d];
        rest /= it->shape[d];
    }
    int64_t inner_strides[CT_ITER_MAX];
    for (int k = 0; k < nt; k++) inner_strides[k] = it->strides[k][0];
    int64_t pos = begin;
    while (pos < end) {
        char *ptrs[CT_ITER_MAX];
        for (int k = 0; k < nt; k++) {
            char *p = it->data[k] + col * it->strides[k][0];
            for (int d = 1; d < it->ndim; d++) p += idx[d] * it->strides[k][d];
            ptrs[k] = p;
        }
        int64_t n = inner - col;
        if (n > end - pos) n = end - pos;
        loop(ptrs, inner_strides, n, ctx);
        pos += n;
        col = 0;
        for (int d = 1; d < it->ndim; d++) {
            if (++idx[d] < it->shape[d]) break;
            idx[d] = 0;
        }
    }
}

void ct__iter_run(const ct_iter *it, ct_iter_loop loop, void *ctx) {
    int64_t n = it->numel;
    if (n == 0) return;
#ifdef _OPENMP
    int nthreads = omp_get_max_threads();
    /* (below two grains the split would be one chunk: run it here, without an OpenMP region) */
    if (n >= 2 * CT_GRAIN_SIZE && nthreads > 1 && !omp_in_parallel()) {
        int64_t chunks = n / CT_GRAIN_SIZE;
        if (chunks > nthreads) chunks = nthreads;
#pragma omp parallel num_threads((int)chunks)
        {
            int64_t k = omp_get_thread_num(), c = omp_get_num_threads();
            int64_t b = n * k / c, e = n * (k + 1) / c;
            ct__iter_run_range(it, loop, ctx, b, e);
        }
        return;
    }
#endif
    ct__iter_run_range(it, loop, ctx, 0, n);
}
