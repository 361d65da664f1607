/*
 * bench/w5_startup.c - the trivial ctorch program whose start-up time
 * workload W5 of `make bench` measures (bench/run.py runs it many times and
 * takes the median wall time, beside `python3 -c "import torch"`): it makes
 * two small tensors, adds them and prints the sum.
 */
#include <stdio.h>

#include <ctorch.h>

int main(void) {
    double s;
    CT_SCOPE { s = ct_item(ct_sum(ct_add(ct_ones(CT_SHAPE(2, 2)), ct_ones(CT_SHAPE(2, 2))))); }
    printf("%g\n", s);
    return 0;
}
