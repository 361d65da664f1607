/*
 * src/core/error.c - the thread-local error message and the error mode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CT_ERROR_MAX 1024

static atomic_int g_mode = CT_ERRORS_ABORT;

static _Thread_local char tl_message[CT_ERROR_MAX];
static _Thread_local ct_error_code tl_code = CT_OK;

ct_error_mode ct_set_error_mode(ct_error_mode mode) {
    return (ct_error_mode)atomic_exchange(&g_mode, (int)mode);
}

ct_error_mode ct_get_error_mode(void) { return (ct_error_mode)atomic_load(&g_mode); }

const char *ct_last_error(void) { return tl_message; }

ct_error_code ct_last_error_code(void) { return tl_code; }

void ct_clear_error(void) {
    tl_message[0] = '\0';
    tl_code = CT_OK;
}

bool ct__error_pending(void) { return tl_code != CT_OK; }

static void raise_now(void) {
    if (atomic_load(&g_mode) == CT_ERRORS_ABORT) {
        fprintf(stderr, "ctorch error: %s\n", tl_message);
        fflush(stderr);
        abort();
    }
}

void ct__verror(ct_error_code code, const char *fn, const char *fmt, va_list ap) {
    int n = 0;
    if (fn && fn[0]) n = snprintf(tl_message, sizeof tl_message, "%s: ", fn);
    if (n < 0 || (size_t)n >= sizeof tl_message) n = 0;
    vsnprintf(tl_message + n, sizeof tl_message - (size_t)n, fmt, ap);
    tl_code = code;
    raise_now();
}

void ct__error(ct_error_code code, const char *fn, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ct__verror(code, fn, fmt, ap);
    va_end(ap);
}

void ct__null_arg(const char *fn, const char *arg) {
    /* A NULL input usually means an earlier call failed: keep its message. */
    if (tl_code != CT_OK) return;
    ct__error(CT_ERR_NULL, fn, "argument '%s' is NULL", arg);
}

int ct_set_error(ct_error_code code, const char *fn, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ct__verror(code, fn, fmt, ap);
    va_end(ap);
    return code;
}
