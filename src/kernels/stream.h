/*
 * src/kernels/stream.h - non-temporal ("streaming") stores for outputs too
 * big to stay in the cache.
 *
 * A plain store first reads the destination's cache line from memory (to
 * own it), so writing a big output costs a read and a write of it; a
 * streaming store writes the line straight to memory. For an elementwise
 * op over arrays larger than the last-level cache that is a quarter of the
 * memory traffic of c = a + b. Outputs that fit in the cache are better
 * written normally: the next op reads them from there.
 *
 * Loops compute a small tile into a buffer on the stack and hand it to
 * ct__stream_copy; CT_STREAM_TILE_BYTES keeps the bursts short (measured:
 * 256-byte tiles stream as fast as a hand-written loop, 4 KiB ones lose
 * half of that). ct__stream_fence orders the stores before anything that
 * follows (another thread reading the output).
 */
#ifndef CT_KERNELS_STREAM_H
#define CT_KERNELS_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Outputs of at least this many bytes are streamed (the last-level cache here is 32 MiB). */
#define CT_STREAM_MIN_BYTES ((int64_t)32 << 20)
#define CT_STREAM_TILE_BYTES 256

/* dst[0..n) = src[0..n) with streaming stores where the CPU has them (else memcpy). */
static inline void ct__stream_copy(void *dst, const void *src, size_t n) {
#if defined(__SSE2__)
    char *d = dst;
    const char *s = src;
    size_t head = (16 - ((uintptr_t)d & 15)) & 15;
    if (head > n) head = n;
    memcpy(d, s, head);
    d += head, s += head, n -= head;
    for (; n >= 64; n -= 64, d += 64, s += 64) {
        __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)s);
        __m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(s + 16));
        __m128i v2 = _mm_loadu_si128((const __m128i *)(const void *)(s + 32));
        __m128i v3 = _mm_loadu_si128((const __m128i *)(const void *)(s + 48));
        _mm_stream_si128((__m128i *)(void *)d, v0);
        _mm_stream_si128((__m128i *)(void *)(d + 16), v1);
        _mm_stream_si128((__m128i *)(void *)(d + 32), v2);
        _mm_stream_si128((__m128i *)(void *)(d + 48), v3);
    }
    memcpy(d, s, n);
#else
    memcpy(dst, src, n);
#endif
}

static inline void ct__stream_fence(void) {
#if defined(__SSE2__)
    _mm_sfence();
#endif
}

#endif
