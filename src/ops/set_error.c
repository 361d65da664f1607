/*
 * src/ops/set_error.c - ct_set_error: lets layers above core (data, nn, user
 * code) report errors through the same thread-local message and error mode.
 */
#include <stdarg.h>

#include "../core/internal.h"

int ct_set_error(ct_error_code code, const char *fn, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ct__verror(code, fn, fmt, ap);
    va_end(ap);
    return (int)code;
}
