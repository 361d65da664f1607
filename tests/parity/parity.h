/*
 * tests/parity/parity.h - registering ctorch ops with the parity runner.
 *
 *     PARITY_OP(add) {                      // the name cases use
 *         out[0] = ct_add(A(0), A(1));       // A(i): tensor argument i
 *         return 1;                          // number of outputs
 *     }
 *
 * Arguments arrive as written by tests/parity/parity.py: tensors, ints,
 * floats, bools, strings, int lists (dims) and tensor lists. Return the number
 * of outputs, or -1 when the op failed (its message is then compared with the
 * expected error text). Outputs are new references; the runner frees them.
 */
#ifndef CT_PARITY_H
#define CT_PARITY_H

#include "ctorch.h"

typedef struct parity_arg {
    char kind;        /* 't' tensor, 'i' int, 'f' float, 'b' bool, 's' string, 'd' dims, 'l' list, 'n' None */
    ct_tensor *t;
    int64_t i;
    double f;
    char s[64];
    ct_shape dims;
    ct_tensor *list[16];
    int nlist;
} parity_arg;

typedef int (*parity_fn)(const parity_arg *args, int nargs, ct_tensor **out);
void parity_register(const char *name, parity_fn fn);

#define PARITY_OP(name)                                                                 \
    static int parity_op_##name(const parity_arg *args, int nargs, ct_tensor **out);    \
    __attribute__((constructor)) static void parity_reg_##name(void) {                  \
        parity_register(#name, parity_op_##name);                                       \
    }                                                                                   \
    static int parity_op_##name(const parity_arg *args, int nargs, ct_tensor **out)

/* Accessors for use inside PARITY_OP bodies. */
#define A(k) (args[(k)].t)
#define I(k) (args[(k)].i)
#define F(k) (args[(k)].f)
#define S(k) (args[(k)].s)
#define NARGS nargs
/* A number argument as the Python scalar it was (int, float or bool). */
ct_scalar parity_scalar(const parity_arg *a);
/* One output: 1 when t is not NULL, else -1 (the op failed). */
#define RET1(expr) return (out[0] = (expr)) ? 1 : -1

/*
 * INPLACE(name, call): a parity op for an in-place form, run on a clone of
 * argument 0 (named c inside call), as the cases do in torch; the output is
 * the clone after call, which fails the op when it returns NULL.
 */
#define INPLACE(name, call)                                                              \
    PARITY_OP(name) {                                                                   \
        ct_tensor *c = ct_clone(A(0));                                                  \
        if (!c) return -1;                                                              \
        if (!(call)) {                                                                  \
            ct_free(c);                                                                 \
            return -1;                                                                  \
        }                                                                               \
        out[0] = c;                                                                     \
        return 1;                                                                       \
    }

#endif
