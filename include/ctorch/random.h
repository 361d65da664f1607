/*
 * ctorch/random.h - random number generators.
 *
 * A generator is a Mersenne Twister (mt19937) seeded like PyTorch's CPU
 * generator, and the random creation functions draw from it the way PyTorch's
 * CPU kernels do, so ct_manual_seed(0); ct_rand(CT_SHAPE(3)) gives the same
 * numbers as torch.manual_seed(0); torch.rand(3). Pass .generator = g to a
 * creation function to use your own generator; the default one is shared by
 * the process and guarded by a lock. Like PyTorch's, the default generator
 * starts from a random seed in every process: call ct_manual_seed for
 * repeatable numbers.
 *
 * The fills below visit a non-contiguous tensor's elements in memory order
 * (dims sorted by stride), as PyTorch's kernels do, so ct_uniform_ on a
 * transposed tensor gives PyTorch's numbers too. Float32 normals are the ones
 * PyTorch's x86-64 AVX2 kernels produce (its default on any recent x86 CPU).
 */
#ifndef CTORCH_RANDOM_H
#define CTORCH_RANDOM_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A new generator seeded with `seed`. Free with ct_generator_free. NULL on out of memory. */
ct_generator *ct_generator_new(uint64_t seed);
/** Frees a generator made by ct_generator_new (never the default one). */
void ct_generator_free(ct_generator *g);
/** Reseeds g (NULL: the default generator). */
void ct_generator_seed(ct_generator *g, uint64_t seed);
/** The seed g was last seeded with (NULL: the default generator). */
uint64_t ct_generator_initial_seed(const ct_generator *g);
/** The process-wide default generator. */
ct_generator *ct_default_generator(void);
/** torch.manual_seed(seed): reseeds the default generator. */
void ct_manual_seed(uint64_t seed);

/**
 * Size in bytes of a generator's state, for ct_generator_get_state. The state
 * has the layout of torch.get_rng_state() (5056 bytes), so states move between
 * ctorch and PyTorch.
 */
size_t ct_generator_state_size(void);
/** Copies g's full state into buf (ct_generator_state_size() bytes); returns 0 or a negative error. */
int ct_generator_get_state(const ct_generator *g, void *buf, size_t size);
/** Restores a state saved by ct_generator_get_state; returns 0 or a negative error. */
int ct_generator_set_state(ct_generator *g, const void *buf, size_t size);

/** The next raw 32-bit output of g (NULL: default generator). */
uint32_t ct_generator_random(ct_generator *g);
/** The next 64-bit output: two 32-bit outputs, the first one high. */
uint64_t ct_generator_random64(ct_generator *g);

/** In place: fills t (float32 or float64) with uniform values on [from, to). Returns t or NULL. */
ct_tensor *ct_uniform_(ct_tensor *t, double from, double to, ct_generator *g);
/** In place: fills t (float32 or float64) with normal values of the given mean and std (>= 0). Returns t or NULL. */
ct_tensor *ct_normal_(ct_tensor *t, double mean, double std, ct_generator *g);
/** In place: fills t (any dtype) with integers uniform on [low, high), torch's random_(low, high). Returns t or NULL. */
ct_tensor *ct_random_(ct_tensor *t, int64_t low, int64_t high, ct_generator *g);
/** In place: fills t (any dtype) with 1 with probability p in [0, 1], else 0. Returns t or NULL. */
ct_tensor *ct_bernoulli_(ct_tensor *t, double p, ct_generator *g);

#ifdef __cplusplus
}
#endif
#endif
