/*
 * src/optim/internal.h - what the optimizer files share: the optimizer
 * struct, the per-class table (defaults, checks, update rule, state names)
 * and helpers. The optim layer uses only the public API (ctorch.h).
 */
#ifndef CT_OPTIM_INTERNAL_H
#define CT_OPTIM_INTERNAL_H

#include <math.h>
#include <stdbool.h>

#include "ctorch.h"

/*
 * CT_OPTIM_LOOP(n, i, { body }): runs body for i in [0, n). Above PyTorch's
 * grain size (32,768 elements) the iterations are spread over the OpenMP
 * threads; below it the loop runs plainly, without entering the OpenMP
 * runtime (most parameters are small, and a step visits each of them). Every
 * element is independent, so results do not depend on the thread count.
 * CT_OPTIM_SPLIT(n, lo, hi, { body }): the same split for a body that takes
 * a range (a loop compiled per instruction set): run once per thread on its
 * share [lo, hi) of [0, n) above the grain size, once on [0, n) below it.
 */
#define CT_OPTIM_GRAIN 32768
#ifdef _OPENMP
#include <omp.h>
#define CT__OPTIM_PRAGMA(x) _Pragma(#x)
#define CT_OPTIM_LOOP(n, i, ...)                                                        \
    if ((n) > CT_OPTIM_GRAIN) {                                                         \
        CT__OPTIM_PRAGMA(omp parallel for schedule(static))                             \
        for (int64_t i = 0; i < (n); i++) __VA_ARGS__                                   \
    } else {                                                                            \
        for (int64_t i = 0; i < (n); i++) __VA_ARGS__                                   \
    }
#define CT_OPTIM_SPLIT(n, lo, hi, ...)                                                  \
    if ((n) > CT_OPTIM_GRAIN) {                                                         \
        CT__OPTIM_PRAGMA(omp parallel) {                                                \
            int64_t nt_ = omp_get_num_threads(), per_ = ((n) + nt_ - 1) / nt_;          \
            int64_t lo = omp_get_thread_num() * per_;                                   \
            if (lo > (n)) lo = (n);                                                     \
            int64_t hi = lo + per_ < (n) ? lo + per_ : (n);                             \
            __VA_ARGS__                                                                 \
        }                                                                               \
    } else {                                                                            \
        int64_t lo = 0, hi = (n);                                                       \
        __VA_ARGS__                                                                     \
    }
#else
#define CT_OPTIM_LOOP(n, i, ...) for (int64_t i = 0; i < (n); i++) __VA_ARGS__
#define CT_OPTIM_SPLIT(n, lo, hi, ...)                                                  \
    {                                                                                   \
        int64_t lo = 0, hi = (n);                                                       \
        __VA_ARGS__                                                                     \
    }
#endif

/* One bit per option field of ct_optim_opts, for "which options does this class have". */
enum {
    OPT_LR = 1 << 0,
    OPT_MOMENTUM = 1 << 1,
    OPT_DAMPENING = 1 << 2,
    OPT_WEIGHT_DECAY = 1 << 3,
    OPT_NESTEROV = 1 << 4,
    OPT_MAXIMIZE = 1 << 5,
    OPT_BETAS = 1 << 6,
    OPT_EPS = 1 << 7,
    OPT_AMSGRAD = 1 << 8,
    OPT_ALPHA = 1 << 9,
    OPT_CENTERED = 1 << 10,
    OPT_LR_DECAY = 1 << 11,
    OPT_INITIAL_ACC = 1 << 12
};

/* Up to three state tensors per parameter, named by the class (PyTorch's names). */
#define OPTIM_MAX_BUFS 3

typedef struct optim_state {
    ct_tensor *buf[OPTIM_MAX_BUFS]; /* retained (ct_own; ct_release), contiguous, param's shape and dtype */
    double step;                    /* state['step'] */
    bool init;                      /* state exists (PyTorch: len(state) != 0) */
} optim_state;

typedef struct optim_group {
    ct_optim_opts o;   /* resolved options (o.params unused) */
    double initial_lr; /* set by schedulers; NaN when absent */
    int first, n;      /* parameters first .. first + n - 1 of the optimizer */
} optim_group;

/* How "step" is stored: not at all (SGD), as a float32 tensor (Adam...), as an int (RMSprop). */
typedef enum { STEP_NONE, STEP_TENSOR, STEP_INT } optim_step_kind;

typedef struct optim_kind {
    const char *name;  /* "Adam" */
    const char *fn;    /* constructor name for errors: "ct_adam" */
    unsigned accepts;  /* OPT_* bits */
    ct_optim_opts defaults; /* PyTorch's defaults; lr NaN = required */
    /* Checks the resolved options (PyTorch's ValueErrors); 0 or an error. */
    int (*validate)(const ct_optim_opts *o, const char *fn);
    /* Optional: state made when a parameter joins (Adagrad's sum). */
    int (*init_state)(optim_state *st, ct_tensor *p, const ct_optim_opts *o);
    /*
     * The update of one parameter: p and g are contiguous, same dtype
     * (float32 or float64) and shape. Creates the state on first use.
     */
    int (*update)(optim_state *st, ct_tensor *p, ct_tensor *g, const ct_optim_opts *o);
    const char *state_names[OPTIM_MAX_BUFS]; /* NULL where unused */
    optim_step_kind step_kind;
} optim_kind;

struct ct_optimizer {
    const optim_kind *kind;
    ct_optim_opts defaults; /* the constructor's resolved options */
    optim_group *groups;
    int ngroups;
    ct_tensor **params;  /* retained references (ct_retain; ct_release) */
    optim_state *state;
    int nparams;
};

extern const optim_kind ct__optim_sgd, ct__optim_adam, ct__optim_adamw, ct__optim_rmsprop,
    ct__optim_adagrad;

/* Makes an optimizer of kind from the constructor's options. */
ct_optimizer *ct__optim_new(const optim_kind *kind, ct_optim_opts opts);

/*
 * A new contiguous tensor of p's shape and dtype filled with value, owned by
 * the caller outside any scope (drop with ct_release). NULL on error.
 */
ct_tensor *ct__optim_state_tensor(ct_tensor *p, double value);

/* Python's repr of a float ("0.01", "-1.0", "inf") into buf; returns buf. */
const char *ct__py_float(double v, char *buf, size_t size);

/* An explicit zero (CT_ZERO) as opposed to a field left out. */
static inline bool ct__is_explicit_zero(double v) { return v == 0.0 && signbit(v); }

#endif
