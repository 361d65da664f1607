/*
 * src/data/download.c - fetching dataset files with the curl program and
 * running helper programs (tar), with no shell involved. A download goes to
 * a private <dest>.part.<pid> file, is checked, and only then renamed to
 * dest, so an interrupted or bad download never leaves a file that looks
 * complete. curl runs with time limits, so nothing waits forever.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

extern char **environ;

bool dt_make_dirs(const char *path) {
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

bool dt_have_program(const char *prog) {
    const char *path = getenv("PATH");
    if (!path) path = "/usr/bin:/bin";
    char file[4096];
    while (*path) {
        size_t n = strcspn(path, ":");
        if (n > 0 && n < sizeof file - 64) {
            memcpy(file, path, n);
            snprintf(file + n, sizeof file - n, "/%s", prog);
            if (access(file, X_OK) == 0) return true;
        }
        path += n;
        if (*path == ':') path++;
    }
    return false;
}

/* Drops trailing newlines and spaces. */
static void trim(char *s) {
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ')) s[--n] = '\0';
}

int dt_run(char *const argv[], char *why, size_t why_size) {
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(why, why_size, "cannot run %s: %s", argv[0], strerror(errno));
        return CT_ERR_IO;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    pid_t pid;
    int err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (err != 0) {
        close(fds[0]);
        snprintf(why, why_size, "cannot run %s: %s", argv[0], strerror(err));
        return CT_ERR_IO;
    }
    /* keep the start of what it says on stderr for the message; drain the rest */
    char said[512] = "", sink[4096];
    size_t used = 0;
    for (;;) {
        ssize_t got = read(fds[0], used < sizeof said - 1 ? said + used : sink,
                           used < sizeof said - 1 ? sizeof said - 1 - used : sizeof sink);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        if (used < sizeof said - 1) used += (size_t)got;
    }
    said[used] = '\0';
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    trim(said);
    snprintf(why, why_size, "%s failed (%s %d)%s%s", argv[0], WIFEXITED(status) ? "exit status" : "signal",
             WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? WTERMSIG(status) : -1,
             said[0] ? ": " : "", said);
    return CT_ERR_IO;
}

const char *dt_download_mirror(void) {
    const char *m = getenv("CT_DOWNLOAD_MIRROR");
    return m && m[0] ? m : NULL;
}

int dt_download(const char *url, const char *dest, dt_verify_fn verify, const void *ctx, char *why,
                size_t why_size) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", dest);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    if (slash && !dt_make_dirs(dir)) {
        snprintf(why, why_size, "cannot create '%s': %s", dir, strerror(errno));
        return CT_ERR_IO;
    }
    if (!dt_have_program("curl")) {
        snprintf(why, why_size, "the curl program is not installed (apt-get install curl)");
        return CT_ERR_IO;
    }
    char part[4200];
    snprintf(part, sizeof part, "%s.part.%ld", dest, (long)getpid());
    /* give up on a dead connection (20 s to connect, under 1 kB/s for a minute) or after an hour */
    char *argv[] = {"curl",   "-fsSL", "--retry",         "2",  "--connect-timeout", "20",
                    "--speed-limit", "1024", "--speed-time", "60", "--max-time", "3600",
                    "-o",     part,    (char *)url,       NULL};
    fprintf(stderr, "ctorch: downloading %s\n", url);
    char ran[1024];
    if (dt_run(argv, ran, sizeof ran) != 0) {
        remove(part);
        snprintf(why, why_size, "could not download %s: %s", url, ran);
        return CT_ERR_IO;
    }
    char bad[512] = "";
    if (verify && !verify(part, ctx, bad, sizeof bad)) {
        remove(part);
        snprintf(why, why_size, "%s is not the expected file: %s", url, bad);
        return CT_ERR_IO;
    }
    if (rename(part, dest) != 0) {
        snprintf(why, why_size, "cannot rename '%s' to '%s': %s", part, dest, strerror(errno));
        remove(part);
        return CT_ERR_IO;
    }
    return 0;
}

bool dt_read_head_tail(const char *path, uint8_t *head, size_t nhead, uint8_t *tail, size_t ntail,
                       long *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    bool ok = fseek(f, 0, SEEK_END) == 0 && (*size = ftell(f)) >= 0 && (size_t)*size >= nhead &&
              (size_t)*size >= ntail && fseek(f, 0, SEEK_SET) == 0 && fread(head, 1, nhead, f) == nhead &&
              fseek(f, *size - (long)ntail, SEEK_SET) == 0 && fread(tail, 1, ntail, f) == ntail;
    fclose(f);
    return ok;
}
