/*
 * tests/test_main.c - runs every TEST of one test program.
 * Usage: test_x [name-substring]
 */
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

typedef struct {
    const char *name, *file;
    ct_test_fn fn;
} test_case;

static test_case g_tests[1024];
static int g_ntests;
static int g_failures_in_test;
jmp_buf *ct_test_jmp;

void ct_test_register(const char *name, const char *file, ct_test_fn fn) {
    if (g_ntests < 1024) g_tests[g_ntests++] = (test_case){name, file, fn};
}

void ct_test_fail(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "  %s:%d: ", file, line);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    g_failures_in_test++;
}

bool ct_test_aborts(void (*fn)(void), const char *needle) {
    int fds[2];
    if (pipe(fds) != 0) return false;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        ct_set_error_mode(CT_ERRORS_ABORT);
        fn();
        _exit(0); /* did not abort */
    }
    close(fds[1]);
    char buf[4096];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof buf - 1 && (r = read(fds[0], buf + n, sizeof buf - 1 - n)) > 0) n += (size_t)r;
    buf[n] = '\0';
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    bool aborted = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
    if (!aborted || !strstr(buf, needle)) {
        fprintf(stderr, "  child %s; its stderr: %s\n", aborted ? "aborted" : "did not abort", buf);
        return false;
    }
    return true;
}

bool ct_test_values(const ct_tensor *t, const double *expected, int64_t n, double tol) {
    if (!t) {
        fprintf(stderr, "  tensor is NULL (%s)\n", ct_last_error());
        return false;
    }
    if (ct_numel(t) != n) {
        fprintf(stderr, "  numel %lld, expected %lld\n", (long long)ct_numel(t), (long long)n);
        return false;
    }
    double *got = malloc(sizeof(double) * (size_t)(n ? n : 1));
    ct_copy_to_buffer(t, got, CT_F64, (size_t)n);
    bool ok = true;
    for (int64_t i = 0; i < n; i++) {
        bool same = (isnan(got[i]) && isnan(expected[i])) || got[i] == expected[i] ||
                    fabs(got[i] - expected[i]) <= tol;
        if (!same) {
            fprintf(stderr, "  element %lld: got %.9g, expected %.9g\n", (long long)i, got[i],
                    expected[i]);
            ok = false;
            break;
        }
    }
    free(got);
    return ok;
}

/* setjmp lives in its own frame so main's counters are never clobbered by longjmp. */
static void run_one(test_case *tc) {
    jmp_buf jb;
    ct_test_jmp = &jb;
    if (setjmp(jb) == 0) tc->fn();
}

int main(int argc, char **argv) {
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0;
    ct_set_error_mode(CT_ERRORS_RETURN);
    for (int i = 0; i < g_ntests; i++) {
        test_case *tc = &g_tests[i];
        if (filter && !strstr(tc->name, filter)) continue;
        g_failures_in_test = 0;
        ct_clear_error();
        long live_before = ct_live_tensors();
        run_one(tc);
        if (ct_scope_depth() != 0) {
            ct_test_fail(tc->file, 0, "test left %d scope(s) open", ct_scope_depth());
            ct_scope_end(1);
        }
        long live_after = ct_live_tensors();
        if (live_after != live_before)
            ct_test_fail(tc->file, 0, "test leaked %ld tensor(s)", live_after - live_before);
        if (g_failures_in_test) {
            printf("FAIL %s\n", tc->name);
            failed++;
        } else {
            printf("ok   %s\n", tc->name);
            passed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
