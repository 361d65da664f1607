/*
 * tests/parity/runner.c - replays the cases tests/parity/gen.py wrote from
 * PyTorch and compares ctorch's results: shape, dtype and values (within the
 * case's tolerance; NaN must match NaN), or the expected error.
 * Usage: parity_runner CASES [name-filter]   (CASES without .txt/.bin)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity.h"

#define MAX_OPS 1024
static struct {
    const char *name;
    parity_fn fn;
} g_ops[MAX_OPS];
static int g_nops;

void parity_register(const char *name, parity_fn fn) {
    if (g_nops < MAX_OPS) {
        g_ops[g_nops].name = name;
        g_ops[g_nops].fn = fn;
        g_nops++;
    }
}

static parity_fn find_op(const char *name) {
    for (int i = 0; i < g_nops; i++)
        if (strcmp(g_ops[i].name, name) == 0) return g_ops[i].fn;
    return NULL;
}

ct_scalar parity_scalar(const parity_arg *a) {
    switch (a->kind) {
    case 'f': return ct_scalar_float(a->f);
    case 'b': return ct_scalar_bool(a->i != 0);
    default: return ct_scalar_int(a->i);
    }
}

static char *g_blob;
static size_t g_blob_size;

static ct_dtype parse_dtype(const char *s) {
    if (!strcmp(s, "f32")) return CT_F32;
    if (!strcmp(s, "f64")) return CT_F64;
    if (!strcmp(s, "i32")) return CT_I32;
    if (!strcmp(s, "i64")) return CT_I64;
    if (!strcmp(s, "u8")) return CT_U8;
    if (!strcmp(s, "bool")) return CT_BOOL;
    return CT_DTYPE_UNSET;
}

/* Parses "<dtype> <ndim> <shape..> <strides..> <offset> <storage_n> <blob_off>" from tokens. */
typedef struct {
    ct_dtype dtype;
    ct_shape shape;
    int64_t strides[CT_MAX_DIMS];
    int64_t offset, storage_n, blob_off;
} tensor_spec;

static int parse_spec(char **tok, int ntok, int start, tensor_spec *ts) {
    int k = start;
    if (k + 2 > ntok) return -1;
    ts->dtype = parse_dtype(tok[k++]);
    ts->shape.ndim = atoi(tok[k++]);
    if (ts->shape.ndim < 0 || ts->shape.ndim > CT_MAX_DIMS || k + 2 * ts->shape.ndim + 3 > ntok) return -1;
    for (int i = 0; i < ts->shape.ndim; i++) ts->shape.d[i] = atoll(tok[k++]);
    for (int i = 0; i < ts->shape.ndim; i++) ts->strides[i] = atoll(tok[k++]);
    ts->offset = atoll(tok[k++]);
    ts->storage_n = atoll(tok[k++]);
    ts->blob_off = atoll(tok[k++]);
    return k;
}

/* Rebuilds a tensor: its storage from the blob, then as_strided with PyTorch's layout. */
static ct_tensor *build_tensor(const tensor_spec *ts) {
    size_t es = ct_dtype_size(ts->dtype);
    if ((size_t)ts->blob_off + (size_t)ts->storage_n * es > g_blob_size) return NULL;
    ct_tensor *base = ct_from_data(g_blob + ts->blob_off, ts->dtype, CT_SHAPE(ts->storage_n));
    if (!base) return NULL;
    ct_tensor *t = ct_as_strided(base, ts->shape, ts->strides, ts->offset);
    ct_free(base);
    return t;
}

static int tokenize(char *line, char **tok, int max) {
    int n = 0;
    for (char *p = strtok(line, " \t\n"); p && n < max; p = strtok(NULL, " \t\n")) tok[n++] = p;
    return n;
}

typedef struct {
    tensor_spec spec;
    double atol, rtol;
} expected_out;

static bool compare(const char *name, int k, ct_tensor *got, const expected_out *e) {
    const tensor_spec *ts = &e->spec;
    if (!got) {
        printf("FAIL %s: output %d is NULL (%s)\n", name, k, ct_last_error());
        return false;
    }
    if (ct_dtype_of(got) != ts->dtype) {
        printf("FAIL %s: output %d dtype %s, expected %s\n", name, k,
               ct_dtype_torch_name(ct_dtype_of(got)), ct_dtype_torch_name(ts->dtype));
        return false;
    }
    bool same_shape = ct_dim(got) == ts->shape.ndim;
    for (int i = 0; same_shape && i < ts->shape.ndim; i++) same_shape = ct_sizes(got)[i] == ts->shape.d[i];
    if (!same_shape) {
        printf("FAIL %s: output %d shape [", name, k);
        for (int i = 0; i < ct_dim(got); i++) printf(i ? ", %lld" : "%lld", (long long)ct_sizes(got)[i]);
        printf("], expected [");
        for (int i = 0; i < ts->shape.ndim; i++) printf(i ? ", %lld" : "%lld", (long long)ts->shape.d[i]);
        printf("]\n");
        return false;
    }
    int64_t n = ct_numel(got);
    double *g = malloc(sizeof(double) * (size_t)(n ? n : 1));
    double *x = malloc(sizeof(double) * (size_t)(n ? n : 1));
    ct_copy_to_buffer(got, g, CT_F64, (size_t)n);
    /* Expected values are C-contiguous but may start at a storage offset (a narrowed gradient). */
    ct_tensor *exp = ct_from_data(g_blob + ts->blob_off + (size_t)ts->offset * ct_dtype_size(ts->dtype),
                                  ts->dtype, ts->shape);
    ct_copy_to_buffer(exp, x, CT_F64, (size_t)n);
    ct_free(exp);
    bool ok = true;
    for (int64_t i = 0; i < n && ok; i++) {
        bool nan_g = isnan(g[i]), nan_x = isnan(x[i]);
        if (nan_g || nan_x) ok = nan_g && nan_x;
        else if (isinf(x[i]) || isinf(g[i])) ok = g[i] == x[i];
        else ok = fabs(g[i] - x[i]) <= e->atol + e->rtol * fabs(x[i]);
        if (!ok)
            printf("FAIL %s: output %d element %lld: got %.10g, expected %.10g\n", name, k,
                   (long long)i, g[i], x[i]);
    }
    free(g);
    free(x);
    return ok;
}

/* A gradient that autograd left out (unused input) counts as zeros. */
static ct_tensor *or_zeros(ct_tensor *g, ct_tensor *like) { return g ? g : ct_zeros_like(like); }

/* Compares first (and second) order gradients of out w.r.t. the args listed in gidx. */
static bool check_grads(const char *name, ct_tensor *out, parity_arg *args, const int *gidx,
                        int ngrad, const tensor_spec *gout_spec, const expected_out *gexp,
                        const tensor_spec *uin, int nuin, const expected_out *g2exp, int ng2exp) {
    bool ok = true;
    CT_SCOPE {
        ct_tensor *ins[16], *g[16], *g2[16];
        for (int i = 0; i < ngrad; i++) ins[i] = args[gidx[i]].t;
        ct_tensor *v = build_tensor(gout_spec);
        bool second = ng2exp > 0;
        int rc = v ? ct_grad(&out, 1, ins, ngrad, g, .grad_outputs = &v, .allow_unused = true,
                             .create_graph = second)
                   : -1;
        if (rc != 0) {
            printf("FAIL %s: backward failed: %s\n", name, ct_last_error());
            ok = false;
        }
        for (int i = 0; ok && i < ngrad; i++) {
            char label[300];
            snprintf(label, sizeof label, "%s (grad of input %d)", name, gidx[i]);
            ok = compare(label, 0, or_zeros(g[i], ins[i]), &gexp[i]) && ok;
        }
        if (ok && second && nuin == ngrad) {
            /* d/dx of sum_i <g_i, u_i>: the first-order grads as outputs, u_i as their gradients. */
            ct_tensor *outs2[16], *us[16];
            int n2 = 0;
            for (int i = 0; i < ngrad; i++) {
                if (!g[i] || !ct_requires_grad(g[i])) continue;
                outs2[n2] = g[i];
                us[n2++] = build_tensor(&uin[i]);
            }
            if (n2 > 0) {
                if (ct_grad(outs2, n2, ins, ngrad, g2, .grad_outputs = us, .allow_unused = true) != 0) {
                    printf("FAIL %s: second-order backward failed: %s\n", name, ct_last_error());
                    ok = false;
                }
            } else {
                for (int i = 0; i < ngrad; i++) g2[i] = NULL;
            }
            for (int i = 0; ok && i < ngrad; i++) {
                char label[300];
                snprintf(label, sizeof label, "%s (second-order grad of input %d)", name, gidx[i]);
                ok = compare(label, 0, or_zeros(g2[i], ins[i]), &g2exp[i]) && ok;
            }
        }
    }
    return ok;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s CASES [filter]\n", argv[0]);
        return 2;
    }
    const char *filter = argc > 2 ? argv[2] : NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s.bin", argv[1]);
    FILE *fb = fopen(path, "rb");
    if (!fb) {
        fprintf(stderr, "parity: cannot open %s\n", path);
        return 2;
    }
    fseek(fb, 0, SEEK_END);
    g_blob_size = (size_t)ftell(fb);
    fseek(fb, 0, SEEK_SET);
    g_blob = malloc(g_blob_size ? g_blob_size : 1);
    if (fread(g_blob, 1, g_blob_size, fb) != g_blob_size) return 2;
    fclose(fb);
    snprintf(path, sizeof path, "%s.txt", argv[1]);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "parity: cannot open %s\n", path);
        return 2;
    }
    ct_set_error_mode(CT_ERRORS_RETURN);

    int passed = 0, failed = 0, missing = 0;
    static char line[1 << 16];
    char name[256] = "", op[128] = "", err[512] = "";
    parity_arg args[16];
    int nargs = 0, nexp = 0;
    expected_out exp[8];
    bool bad_case = false;
    /* gradient checks */
    int ngrad = 0, gidx[16], ngexp = 0, nuin = 0, ng2exp = 0;
    tensor_spec gout_spec;
    bool have_gout = false;
    expected_out gexp[16], g2exp[16];
    tensor_spec uin[16];
    while (fgets(line, sizeof line, f)) {
        char *tok[64];
        char copy[sizeof line];
        strcpy(copy, line);
        int nt = tokenize(line, tok, 64);
        if (nt == 0) continue;
        if (!strcmp(tok[0], "case")) {
            snprintf(name, sizeof name, "%s", nt > 1 ? tok[1] : "?");
            snprintf(op, sizeof op, "%s", nt > 2 ? tok[2] : "?");
            nargs = nexp = 0;
            err[0] = '\0';
            bad_case = false;
            ngrad = ngexp = nuin = ng2exp = 0;
            have_gout = false;
            memset(args, 0, sizeof args);
        } else if (!strcmp(tok[0], "in") && nt >= 2) {
            if (nargs >= 16) { bad_case = true; continue; }
            parity_arg *a = &args[nargs];
            char kind = tok[1][0];
            if (kind == 't') {
                tensor_spec ts;
                ct_tensor *t = parse_spec(tok, nt, 2, &ts) < 0 ? NULL : build_tensor(&ts);
                /* A tensor line right after an 'l' header belongs to that list. */
                if (nargs > 0 && args[nargs - 1].kind == 'l' && args[nargs - 1].nlist < (int)args[nargs - 1].i) {
                    parity_arg *l = &args[nargs - 1];
                    l->list[l->nlist++] = t;
                    if (!t) bad_case = true;
                    continue;
                }
                a->kind = 't';
                a->t = t;
                if (!t) bad_case = true;
            } else {
                a->kind = kind;
                if (kind == 'i' || kind == 'b') a->i = atoll(tok[2]);
                else if (kind == 'f') a->f = strtod(tok[2], NULL);
                else if (kind == 's') snprintf(a->s, sizeof a->s, "%s", tok[2]);
                else if (kind == 'd') {
                    a->dims.ndim = atoi(tok[2]);
                    for (int i = 0; i < a->dims.ndim && i < CT_MAX_DIMS && 3 + i < nt; i++) a->dims.d[i] = atoll(tok[3 + i]);
                } else if (kind == 'l') a->i = atoll(tok[2]);
            }
            nargs++;
        } else if (!strcmp(tok[0], "out") && nt >= 4 && nexp < 8) {
            exp[nexp].atol = strtod(tok[1], NULL);
            exp[nexp].rtol = strtod(tok[2], NULL);
            if (parse_spec(tok, nt, 4, &exp[nexp].spec) < 0) bad_case = true;
            nexp++;
        } else if (!strcmp(tok[0], "grad") && nt >= 2) {
            ngrad = atoi(tok[1]);
            for (int i = 0; i < ngrad && i < 16 && 2 + i < nt; i++) gidx[i] = atoi(tok[2 + i]);
        } else if (!strcmp(tok[0], "gout")) {
            if (parse_spec(tok, nt, 2, &gout_spec) < 0) bad_case = true;
            have_gout = true;
        } else if (!strcmp(tok[0], "uin") && nuin < 16) {
            if (parse_spec(tok, nt, 2, &uin[nuin++]) < 0) bad_case = true;
        } else if ((!strcmp(tok[0], "gexp") || !strcmp(tok[0], "g2exp")) && nt >= 4) {
            expected_out *e = tok[0][1] == '2' ? &g2exp[ng2exp++] : &gexp[ngexp++];
            e->atol = strtod(tok[1], NULL);
            e->rtol = strtod(tok[2], NULL);
            if (parse_spec(tok, nt, 4, &e->spec) < 0) bad_case = true;
        } else if (!strcmp(tok[0], "err")) {
            char *p = copy + 4;
            p[strcspn(p, "\n")] = '\0';
            size_t len = strlen(p) < sizeof err - 1 ? strlen(p) : sizeof err - 1;
            memcpy(err, p, len);
            err[len] = '\0';
        } else if (!strcmp(tok[0], "end")) {
            bool selected = !filter || strstr(name, filter);
            parity_fn fn = find_op(op);
            if (selected && !fn) {
                printf("MISSING %s: no PARITY_OP(%s)\n", name, op);
                missing++;
            } else if (selected && bad_case) {
                printf("FAIL %s: could not rebuild inputs (%s)\n", name, ct_last_error());
                failed++;
            } else if (selected) {
                ct_clear_error();
                for (int i = 0; i < ngrad; i++)
                    if (gidx[i] < nargs && args[gidx[i]].t) ct_requires_grad_(args[gidx[i]].t, true);
                ct_tensor *outs[8] = {0};
                int nout = fn(args, nargs, outs);
                bool ok;
                if (err[0]) {
                    ok = nout < 0 && strstr(ct_last_error(), err) != NULL;
                    if (!ok)
                        printf("FAIL %s: expected error \"%s\", got %s \"%s\"\n", name, err,
                               nout < 0 ? "error" : "success", ct_last_error());
                } else if (nout < 0) {
                    ok = false;
                    printf("FAIL %s: %s\n", name, ct_last_error());
                } else if (nout != nexp) {
                    ok = false;
                    printf("FAIL %s: %d outputs, expected %d\n", name, nout, nexp);
                } else {
                    ok = true;
                    for (int k = 0; k < nout; k++) ok = compare(name, k, outs[k], &exp[k]) && ok;
                    if (ok && ngrad > 0 && have_gout) ok = check_grads(name, outs[0], args, gidx, ngrad,
                                                               &gout_spec, gexp, uin, nuin, g2exp, ng2exp);
                }
                for (int k = 0; k < 8; k++) ct_free(outs[k]);
                if (ok) passed++;
                else failed++;
            }
            for (int k = 0; k < nargs; k++) {
                ct_free(args[k].t);
                for (int j = 0; j < args[k].nlist; j++) ct_free(args[k].list[j]);
            }
            nargs = 0;
        }
    }
    fclose(f);
    free(g_blob);
    if (missing) printf("%d case(s) name ops with no PARITY_OP\n", missing);
    printf("%d passed, %d failed\n", passed, failed + missing);
    return failed + missing ? 1 : 0;
}
