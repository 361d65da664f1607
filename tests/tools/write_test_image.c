/*
 * tests/tools/write_test_image.c - a helper of the command-line tests: writes
 * Fashion-MNIST test image INDEX as a PNG or JPEG file and prints its label.
 *
 *     write_test_image INDEX OUT.png
 *
 * Exit status 77 (CTest's "skipped") when the data set is not installed.
 */
#include <stdio.h>
#include <stdlib.h>

#include <ctorch.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: write_test_image INDEX OUT.png\n");
        return 2;
    }
    ct_set_error_mode(CT_ERRORS_RETURN);
    ct_dataset *ds = ct_fashion_mnist(.split = CT_TEST);
    if (!ds) {
        fprintf(stderr, "skipped: %s\n", ct_last_error());
        return 77;
    }
    int status = 1;
    ct_sample s = {0};
    if (ct_dataset_get(ds, atoll(argv[1]), &s) == 0 && ct_image_write(argv[2], s.t[0], 0) == 0) {
        int n;
        const char *const *classes = ct_dataset_classes(ds, &n);
        printf("%s\n", classes[ct_item_int(s.t[1])]);
        status = 0;
    } else {
        fprintf(stderr, "write_test_image: %s\n", ct_last_error());
    }
    ct_sample_free(&s);
    ct_dataset_free(ds);
    return status;
}
