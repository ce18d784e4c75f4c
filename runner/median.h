/* The median fragbench reports everywhere: of an even count, the mean of the middle two, rounded down. */
#ifndef FRAGBENCH_MEDIAN_H
#define FRAGBENCH_MEDIAN_H

#include <stddef.h>
#include <stdint.h>

/* Sorts values[0..n) in place and returns their median; n must be at least 1. */
uint64_t median_u64(uint64_t *values, size_t n);

#endif
