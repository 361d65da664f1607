/*
 * src/kernels/dnnl_loader.c - opening oneDNN at the first convolution (see
 * dnnl.h for why it is not linked) and the process-wide on/off switch.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dnnl.h"

static atomic_bool g_off; /* ct__dnnl_set_enabled(false) */

void ct__dnnl_set_enabled(bool on) {
    atomic_store(&g_off, !on);
    if (!on) ct__dnnl_cache_clear();
}

/* ct_set_conv_winograd: -1 until first asked (then CT_CONV_WINOGRAD decides), else 0 / 1. */
static atomic_int g_wino = -1;

bool ct__dnnl_winograd(void) {
    int w = atomic_load(&g_wino);
    if (w < 0) {
        const char *e = getenv("CT_CONV_WINOGRAD");
        int from_env = !(e && strcmp(e, "0") == 0);
        atomic_compare_exchange_strong(&g_wino, &w, from_env); /* a concurrent setter wins */
        w = atomic_load(&g_wino);
    }
    return w != 0;
}

int ct_set_conv_winograd(int on) {
    int old = ct__dnnl_winograd();
    atomic_store(&g_wino, on != 0);
    return old;
}

#ifndef CT_HAVE_DNNL

bool ct__dnnl_enabled(void) { return false; }

#else

#include <dlfcn.h>
#include <threads.h>

#include <oneapi/dnnl/dnnl_version.h>

#define CT_STR2(x) #x
#define CT_STR(x) CT_STR2(x)
#define CT_DNNL_SONAME "libdnnl.so." CT_STR(DNNL_VERSION_MAJOR)

static ct_dnnl_api g_api;
static const ct_dnnl_api *g_loaded; /* &g_api once loading succeeded */
static once_flag g_once = ONCE_FLAG_INIT;

static void unload(void) {
    ct__dnnl_cache_clear();
    g_api.dnnl_engine_destroy(g_api.engine);
    /* The library stays open: its own exit-time destructors still run after this. */
}

static void load(void) {
    const char *no = getenv("CT_NO_DNNL");
    if (no && *no && strcmp(no, "0") != 0) return;
    void *lib = dlopen(CT_DNNL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!lib) return; /* not installed: the im2col path serves */
    bool ok = true;
#define CT_DNNL_LOAD(f)                                                                             \
    {                                                                                               \
        void *sym = dlsym(lib, #f);                                                                 \
        ok = ok && sym;                                                                             \
        memcpy(&g_api.f, &sym, sizeof sym); /* object to function pointer, as POSIX allows */     \
    }
    CT_DNNL_FUNCS(CT_DNNL_LOAD)
#undef CT_DNNL_LOAD
    if (!ok || g_api.dnnl_engine_create(&g_api.engine, dnnl_cpu, 0) != dnnl_success) {
        dlclose(lib);
        return;
    }
    g_loaded = &g_api;
    atexit(unload);
}

const ct_dnnl_api *ct__dnnl_api(void) {
    if (atomic_load(&g_off)) return NULL;
    call_once(&g_once, load);
    return g_loaded;
}

bool ct__dnnl_enabled(void) { return ct__dnnl_api() != NULL; }

#endif
