/*
 * src/data/download.c - fetching dataset files with the curl program (no
 * shell involved): each file goes to <name>.part and is renamed when complete.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

extern char **environ;

/* mkdir -p */
static bool make_dirs(const char *path) {
    char buf[4096];
    if (strlen(path) >= sizeof buf) return false;
    strcpy(buf, path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return false;
        *p = '/';
    }
    return mkdir(buf, 0777) == 0 || errno == EEXIST;
}

/* True when an executable named prog is on PATH. */
static bool on_path(const char *prog) {
    const char *path = getenv("PATH");
    if (!path) path = "/usr/bin:/bin";
    char dir[4096];
    while (*path) {
        size_t n = strcspn(path, ":");
        if (n > 0 && n < sizeof dir - 64) {
            memcpy(dir, path, n);
            snprintf(dir + n, sizeof dir - n, "/%s", prog);
            if (access(dir, X_OK) == 0) return true;
        }
        path += n;
        if (*path == ':') path++;
    }
    return false;
}

/*
 * Downloads url to dest with curl. Returns 0, or a negative error whose
 * message says what failed (the caller appends how to get the files).
 */
int dt_download(const char *url, const char *dest, const char *fn, char *why, size_t why_size) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", dest);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    if (slash && !make_dirs(dir)) {
        snprintf(why, why_size, "cannot create '%s': %s", dir, strerror(errno));
        return CT_ERR_IO;
    }
    if (!on_path("curl")) {
        snprintf(why, why_size, "the curl program is not installed (apt-get install curl)");
        return CT_ERR_IO;
    }
    char part[4200];
    snprintf(part, sizeof part, "%s.part", dest);
    char *argv[] = {"curl", "-fsSL", "--retry", "2", "--connect-timeout", "20", "-o", part,
                    (char *)url, NULL};
    pid_t pid;
    int err = posix_spawnp(&pid, "curl", NULL, NULL, argv, environ);
    if (err != 0) {
        snprintf(why, why_size, "cannot run curl: %s", strerror(err));
        return CT_ERR_IO;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        remove(part);
        snprintf(why, why_size, "curl could not fetch %s (exit status %d; is the network reachable?)",
                 url, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return CT_ERR_IO;
    }
    if (rename(part, dest) != 0) {
        snprintf(why, why_size, "cannot rename '%s' to '%s': %s", part, dest, strerror(errno));
        remove(part);
        return CT_ERR_IO;
    }
    (void)fn;
    return 0;
}
