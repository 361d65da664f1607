/*
 * tools/args.c - checked parsing of option values, with messages that say
 * what was expected.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ctorch %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'ctorch %s --help'.\n", cmd);
    va_end(ap);
}

bool arg_int(const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *out) {
    char *end = NULL;
    errno = 0;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || !*s || *end || errno || v < lo || v > hi) {
        fprintf(stderr, "ctorch: %s expects a whole number from %lld to %lld, got '%s'\n", opt,
                (long long)lo, (long long)hi, s ? s : "");
        return false;
    }
    *out = v;
    return true;
}

bool arg_double(const char *opt, const char *s, double lo, double *out) {
    char *end = NULL;
    errno = 0;
    double v = s ? strtod(s, &end) : 0;
    if (!s || !*s || *end || errno || !isfinite(v) || v < lo) {
        fprintf(stderr, "ctorch: %s expects a number >= %g, got '%s'\n", opt, lo, s ? s : "");
        return false;
    }
    *out = v;
    return true;
}

bool arg_choice(const char *opt, const char *s, const char *const *choices) {
    for (int i = 0; choices[i]; i++)
        if (!strcmp(s, choices[i])) return true;
    fprintf(stderr, "ctorch: %s must be one of:", opt);
    for (int i = 0; choices[i]; i++) fprintf(stderr, " %s", choices[i]);
    fprintf(stderr, " (got '%s')\n", s);
    return false;
}

bool arg_copy(const char *opt, const char *s, char *buf, size_t size) {
    size_t n = strlen(s);
    if (n >= size) {
        fprintf(stderr, "ctorch: the value of %s is too long (%zu characters, at most %zu)\n", opt, n,
                size - 1);
        return false;
    }
    memcpy(buf, s, n + 1);
    return true;
}
