/*
 * tools/cmd_info.c - `ctorch info FILE`: what a safetensors file holds.
 */
#include <string.h>

#include "cli.h"

static void print_help(void) {
    printf("usage: ctorch info FILE\n"
           "\n"
           "Prints the metadata and every tensor (name, dtype, shape, number of elements\n"
           "and a 64-bit FNV-1a checksum of its bytes) of a safetensors file: a ctorch\n"
           "checkpoint, a model saved with ct_module_save, or one written by PyTorch.\n"
           "Two tensors with the same checksum hold the same bytes.\n");
}

/* The dtype as safetensors names it. */
static const char *st_dtype(ct_dtype d) {
    switch (d) {
    case CT_F32: return "F32";
    case CT_F64: return "F64";
    case CT_I32: return "I32";
    case CT_I64: return "I64";
    case CT_U8: return "U8";
    case CT_BOOL: return "BOOL";
    default: return "?";
    }
}

/* FNV-1a over the tensor's bytes in C order. */
static uint64_t checksum(ct_tensor *t) {
    uint64_t h = 0xcbf29ce484222325ull;
    ct_tensor *c = ct_contiguous(t);
    const unsigned char *p = c ? ct_data_ptr(c) : NULL;
    size_t n = c ? (size_t)ct_numel(c) * ct_element_size(c) : 0;
    for (size_t i = 0; p && i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static void print_meta_value(const char *v) {
    if (!strchr(v, '\n') && strlen(v) <= 100) {
        printf("%s\n", v);
        return;
    }
    printf("\n");
    for (const char *p = v; *p;) {
        size_t n = strcspn(p, "\n");
        printf("      | %.*s\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
}

int cmd_info(int argc, char **argv) {
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            print_help();
            return 0;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            usage_error("info", "unknown option '%s'", argv[i]);
            return 2;
        }
        if (file) {
            usage_error("info", "expected one FILE, got '%s' and '%s'", file, argv[i]);
            return 2;
        }
        file = argv[i];
    }
    if (!file) {
        usage_error("info", "which file? (ctorch info out/fashion-mnist-cnn/checkpoint.safetensors)");
        return 2;
    }
    ct_tensor_dict *d = ct_load_safetensors(file);
    if (!d) {
        fprintf(stderr, "ctorch info: %s\n", ct_last_error());
        return 1;
    }
    printf("%s\n", file);
    size_t nm = ct_tensor_dict_meta_len(d), nt = ct_tensor_dict_len(d);
    printf("metadata (%zu):\n", nm);
    for (size_t i = 0; i < nm; i++) {
        const char *v = ct_tensor_dict_meta_value(d, i);
        printf("  %s: ", ct_tensor_dict_meta_key(d, i));
        print_meta_value(v[0] ? v : "\"\"");
    }
    int64_t elements = 0;
    size_t bytes = 0;
    printf("tensors (%zu):\n", nt);
    for (size_t i = 0; i < nt; i++) {
        CT_SCOPE {
            ct_tensor *t = ct_tensor_dict_tensor(d, i);
            char shape[128] = "[";
            for (int k = 0; k < ct_dim(t); k++) {
                size_t used = strlen(shape);
                snprintf(shape + used, sizeof shape - used, "%s%lld", k ? ", " : "", (long long)ct_size(t, k));
            }
            strncat(shape, "]", sizeof shape - strlen(shape) - 1);
            printf("  %-40s %-5s %-20s %10lld  %016llx\n", ct_tensor_dict_name(d, i),
                   st_dtype(ct_dtype_of(t)), shape, (long long)ct_numel(t),
                   (unsigned long long)checksum(t));
            elements += ct_numel(t);
            bytes += (size_t)ct_numel(t) * ct_element_size(t);
        }
    }
    printf("total: %zu tensors, %lld elements, %.2f MB\n", nt, (long long)elements, (double)bytes / 1e6);
    ct_tensor_dict_free(d);
    return 0;
}
