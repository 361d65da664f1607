/*
 * src/nn/nn_util.c - formatting helpers for the layers' extra_repr, and the
 * new-reference helper for forwards that return their input.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

/* The shortest decimal digits of |v| that round-trip, and its decimal exponent. */
static void shortest_digits(double v, char *digits, int *exp10) {
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
        if (strtod(tmp, NULL) == v || prec == 17) break;
    }
    /* tmp is "d.ddde[+-]xx" */
    int n = 0;
    const char *p = tmp;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') digits[n++] = *p;
    while (n > 1 && digits[n - 1] == '0') n--; /* %.0e never leaves trailing zeros, longer ones might */
    digits[n] = '\0';
    *exp10 = *p == 'e' ? atoi(p + 1) : 0;
}

char *ct__nn_py_float(double v, char *buf, size_t size) {
    if (isnan(v)) {
        snprintf(buf, size, "nan");
        return buf;
    }
    if (isinf(v)) {
        snprintf(buf, size, v < 0 ? "-inf" : "inf");
        return buf;
    }
    char digits[32];
    int e = 0;
    const char *sign = signbit(v) ? "-" : "";
    if (v == 0) {
        snprintf(buf, size, "%s0.0", sign);
        return buf;
    }
    shortest_digits(fabs(v), digits, &e);
    int nd = (int)strlen(digits);
    char out[64];
    int k = 0;
    if (e >= -4 && e < 16) {
        if (e >= 0) {
            for (int i = 0; i <= e; i++) out[k++] = i < nd ? digits[i] : '0';
            out[k++] = '.';
            if (nd > e + 1)
                for (int i = e + 1; i < nd; i++) out[k++] = digits[i];
            else out[k++] = '0';
        } else {
            out[k++] = '0';
            out[k++] = '.';
            for (int i = 0; i < -e - 1; i++) out[k++] = '0';
            for (int i = 0; i < nd; i++) out[k++] = digits[i];
        }
        out[k] = '\0';
    } else {
        out[k++] = digits[0];
        if (nd > 1) {
            out[k++] = '.';
            for (int i = 1; i < nd; i++) out[k++] = digits[i];
        }
        snprintf(out + k, sizeof out - (size_t)k, "e%c%02d", e < 0 ? '-' : '+', abs(e));
    }
    snprintf(buf, size, "%s%s", sign, out);
    return buf;
}

ct_tensor *ct__nn_new_ref(ct_tensor *x) {
    ct_tensor *r = NULL;
    CT_SCOPE { r = ct_keep(x); }
    return r;
}

void ct__nn_append(char *buf, size_t size, const char *fmt, ...) {
    size_t len = strlen(buf);
    if (len + 1 >= size) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
}
