/*
 * ctorch/error.h - how ctorch reports failure.
 *
 * A call that cannot do what it was asked returns NULL (or a negative status,
 * or NaN for a number) and records a message worded the way PyTorch words it,
 * prefixed by the function's name:
 *
 *     ct_view: shape '[5]' is invalid for input of size 6
 *
 * What happens next depends on the error mode:
 *   - CT_ERRORS_ABORT (the default): the message goes to stderr and the process
 *     aborts, like an uncaught exception ends a Python script.
 *   - CT_ERRORS_RETURN: the call returns; read the message with ct_last_error().
 *     Every op handed a NULL input returns NULL and keeps the first message, so a
 *     chain of calls needs one check at its end:
 *
 *         ct_set_error_mode(CT_ERRORS_RETURN);
 *         ct_tensor *y = ct_relu(ct_matmul(x, w));
 *         if (!y) fprintf(stderr, "%s\n", ct_last_error());
 *
 * The message and code are per thread. Out of memory is an error like any other.
 */
#ifndef CTORCH_ERROR_H
#define CTORCH_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/** What a failing call does after recording its message. */
typedef enum ct_error_mode {
    CT_ERRORS_ABORT = 0, /**< print the message to stderr and abort (default) */
    CT_ERRORS_RETURN = 1 /**< return NULL / a negative status; see ct_last_error() */
} ct_error_mode;

/** The kind of error, like Python's exception classes. */
typedef enum ct_error_code {
    CT_OK = 0,
    CT_ERR_RUNTIME = -1, /**< RuntimeError: shape mismatches, bad views, ... */
    CT_ERR_VALUE = -2,   /**< ValueError: a bad argument value */
    CT_ERR_TYPE = -3,    /**< TypeError / wrong dtype */
    CT_ERR_INDEX = -4,   /**< IndexError: dim or index out of range */
    CT_ERR_OOM = -5,     /**< out of memory, or a size too large to allocate */
    CT_ERR_IO = -6,      /**< a file could not be read or written, or is malformed */
    CT_ERR_NULL = -7,    /**< a required argument was NULL */
    CT_ERR_DEVICE = -8   /**< tensors on different or unsupported devices */
} ct_error_code;

/** Sets the process-wide error mode; returns the previous one. */
ct_error_mode ct_set_error_mode(ct_error_mode mode);
/** The current error mode. */
ct_error_mode ct_get_error_mode(void);

/** The calling thread's last error message, or "" when there is none. */
const char *ct_last_error(void);
/** The calling thread's last error code, or CT_OK when there is none. */
ct_error_code ct_last_error_code(void);
/** Forgets the calling thread's last error. */
void ct_clear_error(void);

/**
 * Records an error the way ctorch's own calls do, for code built on the
 * public API (datasets, custom modules, user callbacks): the message is
 * "fn: " (when fn is given) followed by the printf-style text, and the error
 * mode applies (abort, or return). Returns code, so a caller can write
 * `return ct_set_error(CT_ERR_VALUE, "my_fn", "bad size %d", n);`.
 */
int ct_set_error(ct_error_code code, const char *fn, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#ifdef __cplusplus
}
#endif
#endif
