/*
 * tests/io/test_checkpoint_kill.c - a crash in the middle of a checkpoint
 * save never destroys the previous checkpoint.
 *
 * A child process saves a large dict over an existing checkpoint with the
 * writer slowed down (CT_TEST_SAVE_DELAY_US, see src/io/internal.h) and is
 * killed with SIGKILL once its temporary file is partly written; the old
 * checkpoint must still load bit for bit. A second child hits a write error
 * (RLIMIT_FSIZE) and must clean up after itself.
 */
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io_patterns.h"
#include "test.h"

static ct_tensor_dict *make_dict(int64_t n, const char *tag) {
    ct_tensor_dict *d = ct_tensor_dict_new();
    CT_SCOPE {
        ct_tensor_dict_set(d, "model.weight", io_pattern(CT_F32, CT_SHAPE(n)));
        ct_tensor_dict_set(d, "model.steps", io_pattern(CT_I64, CT_SHAPE0));
        ct_tensor_dict_set(d, "rng_state", io_pattern(CT_U8, CT_SHAPE(5056)));
    }
    ct_tensor_dict_set_meta(d, "tag", tag);
    return d;
}

/* Size of the first file in dir whose name starts with prefix, or -1; its name goes to out. */
static long long find_file(const char *dir, const char *prefix, char *out, size_t out_size) {
    DIR *dp = opendir(dir);
    if (!dp) return -1;
    long long size = -1;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0) continue;
        snprintf(out, out_size, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(out, &st) == 0) size = (long long)st.st_size;
        break;
    }
    closedir(dp);
    return size;
}

static int count_entries(const char *dir) {
    DIR *dp = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (dp && (e = readdir(dp)) != NULL) n += e->d_name[0] != '.';
    if (dp) closedir(dp);
    return n;
}

/* The checkpoint at path equals d bit for bit. */
static bool same_as(const char *path, ct_tensor_dict *d) {
    ct_tensor_dict *back = ct_load_safetensors(path);
    if (!back) return false;
    bool ok = ct_tensor_dict_len(back) == ct_tensor_dict_len(d);
    for (size_t i = 0; ok && i < ct_tensor_dict_len(d); i++) {
        ct_tensor *a = ct_tensor_dict_tensor(d, i), *b = ct_tensor_dict_tensor(back, i);
        ok = strcmp(ct_tensor_dict_name(d, i), ct_tensor_dict_name(back, i)) == 0 && io_same_bits(a, b);
        ct_free(a);
        ct_free(b);
    }
    ok = ok && strcmp(ct_tensor_dict_get_meta(back, "tag"), ct_tensor_dict_get_meta(d, "tag")) == 0;
    ct_tensor_dict_free(back);
    return ok;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

TEST(killing_a_save_midway_keeps_the_previous_checkpoint) {
    char dir[] = "/tmp/ct_io_kill_XXXXXX";
    REQUIRE(mkdtemp(dir));
    char path[128], tmp[512];
    snprintf(path, sizeof path, "%s/ckpt.safetensors", dir);
    ct_tensor_dict *old = make_dict(1000, "epoch 1");
    ct_tensor_dict *big = make_dict(4 << 20, "epoch 2"); /* 16 MiB: 16 slowed chunks */
    REQUIRE(ct_save_safetensors(old, path) == 0);

    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        setenv("CT_TEST_SAVE_DELAY_US", "50000", 1);
        _exit(ct_save_safetensors(big, path) == 0 ? 0 : 1);
    }
    /* Wait until the child has written a few MiB of its temporary file. */
    long long written = -1;
    for (int i = 0; i < 2000 && written < (2 << 20); i++) {
        written = find_file(dir, "ckpt.safetensors.tmp.", tmp, sizeof tmp);
        if (written < (2 << 20)) sleep_ms(5);
    }
    CHECK(written >= (2 << 20));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    /* The old checkpoint is untouched; the partial temp file never replaced it. */
    CHECK(same_as(path, old));
    long long partial = find_file(dir, "ckpt.safetensors.tmp.", tmp, sizeof tmp);
    CHECK(partial > 0 && partial < 16 << 20);
    CHECK_FAILS(ct_load_safetensors(tmp), "ct_load_safetensors");
    if (partial >= 0) unlink(tmp);

    /* An uninterrupted save then replaces it completely. */
    CHECK_EQ_INT(ct_save_safetensors(big, path), 0);
    CHECK(same_as(path, big));
    CHECK_EQ_INT(count_entries(dir), 1);
    unlink(path);
    CHECK_EQ_INT(rmdir(dir), 0);
    ct_tensor_dict_free(old);
    ct_tensor_dict_free(big);
}

TEST(a_write_error_keeps_the_old_file_and_removes_the_temporary) {
    char dir[] = "/tmp/ct_io_fsize_XXXXXX";
    REQUIRE(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/ckpt.safetensors", dir);
    ct_tensor_dict *old = make_dict(1000, "epoch 1");
    ct_tensor_dict *big = make_dict(1 << 20, "epoch 2"); /* 4 MiB */
    REQUIRE(ct_save_safetensors(old, path) == 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        /* Files may not grow past 1 MiB: write() fails with EFBIG midway. */
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {1 << 20, 1 << 20};
        setrlimit(RLIMIT_FSIZE, &rl);
        int rc = ct_save_safetensors(big, path);
        bool clear = strstr(ct_last_error(), "ct_save_safetensors: cannot write") != NULL;
        _exit(rc < 0 && clear ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(same_as(path, old));
    CHECK_EQ_INT(count_entries(dir), 1); /* no temporary file left behind */
    unlink(path);
    CHECK_EQ_INT(rmdir(dir), 0);
    ct_tensor_dict_free(old);
    ct_tensor_dict_free(big);
}
