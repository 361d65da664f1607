/*
 * tests/test.h - a small test framework: TEST(name) { ... } blocks with
 * CHECK / REQUIRE assertions, run by tests/test_main.c, which prints one line
 * per failure and a closing "N passed, M failed" line. Each test must leave no
 * live tensors and no open scopes behind: the runner checks both.
 */
#ifndef CT_TEST_H
#define CT_TEST_H

#include <math.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctorch.h"

typedef void (*ct_test_fn)(void);
void ct_test_register(const char *name, const char *file, ct_test_fn fn);
void ct_test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
extern jmp_buf *ct_test_jmp;

#define TEST(name)                                                                      \
    static void name(void);                                                             \
    __attribute__((constructor)) static void ct_test_reg_##name(void) {                 \
        ct_test_register(#name, __FILE__, name);                                        \
    }                                                                                   \
    static void name(void)

/* CHECK records a failure and goes on; REQUIRE stops the test. */
#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) ct_test_fail(__FILE__, __LINE__, "CHECK(%s) failed", #cond);       \
    } while (0)
#define REQUIRE(cond)                                                                   \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            ct_test_fail(__FILE__, __LINE__, "REQUIRE(%s) failed", #cond);              \
            longjmp(*ct_test_jmp, 1);                                                   \
        }                                                                               \
    } while (0)
#define CHECK_EQ_INT(a, b)                                                              \
    do {                                                                                \
        long long ct__a = (long long)(a), ct__b = (long long)(b);                       \
        if (ct__a != ct__b)                                                             \
            ct_test_fail(__FILE__, __LINE__, "%s == %s failed: %lld vs %lld", #a, #b, ct__a, \
                         ct__b);                                                        \
    } while (0)
#define CHECK_NEAR(a, b, tol)                                                           \
    do {                                                                                \
        double ct__a = (double)(a), ct__b = (double)(b);                                \
        if (!(fabs(ct__a - ct__b) <= (tol)))                                            \
            ct_test_fail(__FILE__, __LINE__, "%s ~= %s failed: %.9g vs %.9g (tol %g)", #a, #b, \
                         ct__a, ct__b, (double)(tol));                                  \
    } while (0)
#define CHECK_STR(a, b)                                                                 \
    do {                                                                                \
        const char *ct__a = (a), *ct__b = (b);                                          \
        if (!ct__a || !ct__b || strcmp(ct__a, ct__b) != 0)                              \
            ct_test_fail(__FILE__, __LINE__, "%s == %s failed:\n  got:      \"%s\"\n  expected: \"%s\"", \
                         #a, #b, ct__a ? ct__a : "(null)", ct__b ? ct__b : "(null)");   \
    } while (0)
/* The last error message contains `needle`. */
#define CHECK_ERROR(needle)                                                             \
    do {                                                                                \
        if (!strstr(ct_last_error(), (needle)))                                         \
            ct_test_fail(__FILE__, __LINE__, "expected error containing \"%s\", got \"%s\"", \
                         (needle), ct_last_error());                                    \
        ct_clear_error();                                                               \
    } while (0)
/* expr must return NULL with an error containing needle (in return mode). */
#define CHECK_FAILS(expr, needle)                                                       \
    do {                                                                                \
        ct_clear_error();                                                               \
        if ((expr) != NULL) ct_test_fail(__FILE__, __LINE__, "expected %s to fail", #expr); \
        CHECK_ERROR(needle);                                                            \
    } while (0)

/*
 * Runs fn in a child process in abort mode and checks that it aborts with a
 * message containing needle on stderr. Returns true when it did.
 */
bool ct_test_aborts(void (*fn)(void), const char *needle);
#define CHECK_ABORTS(fn, needle)                                                        \
    do {                                                                                \
        if (!ct_test_aborts((fn), (needle)))                                            \
            ct_test_fail(__FILE__, __LINE__, "expected %s to abort with \"%s\"", #fn, (needle)); \
    } while (0)

/* Compares a tensor with expected float64 values (C order), within tol. */
bool ct_test_values(const ct_tensor *t, const double *expected, int64_t n, double tol);
#define CHECK_VALUES(t, tol, ...)                                                       \
    do {                                                                                \
        const double ct__e[] = {__VA_ARGS__};                                           \
        if (!ct_test_values((t), ct__e, (int64_t)(sizeof ct__e / sizeof ct__e[0]), (tol))) \
            ct_test_fail(__FILE__, __LINE__, "values of %s differ (see above)", #t);    \
    } while (0)
/* Checks a tensor's shape. */
#define CHECK_SHAPE(t, ...)                                                             \
    do {                                                                                \
        const ct_shape ct__s = CT_SHAPE(__VA_ARGS__);                                   \
        const ct_tensor *ct__t = (t);                                                   \
        bool ct__ok = ct__t && ct_dim(ct__t) == ct__s.ndim;                             \
        for (int ct__i = 0; ct__ok && ct__i < ct__s.ndim; ct__i++)                      \
            ct__ok = ct_sizes(ct__t)[ct__i] == ct__s.d[ct__i];                          \
        if (!ct__ok) ct_test_fail(__FILE__, __LINE__, "shape of %s is not [%s]", #t, #__VA_ARGS__); \
    } while (0)

#endif
