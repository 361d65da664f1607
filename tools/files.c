/*
 * tools/files.c - small file-system helpers.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

bool make_dirs(const char *path) {
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return false;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return false;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return false;
    struct stat st;
    return stat(buf, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *path_join(char *buf, size_t size, const char *dir, const char *name) {
    snprintf(buf, size, "%s/%s", dir, name);
    return buf;
}

const char *xml_escape(char *buf, size_t size, const char *s) {
    size_t o = 0;
    for (; *s && o + 7 < size; s++) {
        const char *rep = *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;" : *s == '\'' ? "&apos;" : NULL;
        if (rep) {
            size_t n = strlen(rep);
            memcpy(buf + o, rep, n);
            o += n;
        } else {
            buf[o++] = *s;
        }
    }
    buf[o] = 0;
    return buf;
}
