/*
 * tools/main.c - the `ctorch` command: train, evaluate and inspect models
 * from the shell. One sub-command per file (cmd_*.c).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void print_help(FILE *f) {
    fprintf(f,
            "usage: ctorch COMMAND [OPTIONS]\n"
            "\n"
            "Train and use image classifiers with ctorch (PyTorch's model, in C).\n"
            "\n"
            "commands:\n"
            "  train                 train a model (default: the CNN on Fashion-MNIST)\n"
            "  eval CHECKPOINT       test accuracy, loss and confusion matrix of a checkpoint\n"
            "  predict CHECKPOINT IMAGE...\n"
            "                        classify PNG/JPEG images: class name and probability\n"
            "  info FILE             tensors, shapes, dtypes and metadata of a safetensors file\n"
            "  version               library version and build\n"
            "\n"
            "Run 'ctorch COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        print_help(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    /* Errors come back as return values; each command prints them its own way. */
    ct_set_error_mode(CT_ERRORS_RETURN);
    if (!strcmp(cmd, "train")) return cmd_train(argc - 1, argv + 1);
    if (!strcmp(cmd, "eval")) return cmd_eval(argc - 1, argv + 1);
    if (!strcmp(cmd, "predict")) return cmd_predict(argc - 1, argv + 1);
    if (!strcmp(cmd, "info")) return cmd_info(argc - 1, argv + 1);
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("ctorch %s\n%s\n", ct_version_string(), ct_build_info());
        return 0;
    }
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        print_help(stdout);
        return 0;
    }
    fprintf(stderr, "ctorch: unknown command '%s'\n\n", cmd);
    print_help(stderr);
    return 2;
}
