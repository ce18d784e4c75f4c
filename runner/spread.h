/* When the reps of one phase differ: the one rule the runner's extra reps and the slides' `*` share. */
#ifndef FRAGBENCH_SPREAD_H
#define FRAGBENCH_SPREAD_H

#include <stdbool.h>
#include <stdint.h>

/* A spread no larger than this is a process's own wobble (its loader, its locale, a page table), not the heap's. */
#define SPREAD_FLOOR_KB 1024

/* Whether reps whose RSS at one phase ranged from low_kb to high_kb (median median_kb) differ: by more than pct %
   of the median and by more than SPREAD_FLOOR_KB. */
bool spread_differs(uint64_t low_kb, uint64_t high_kb, uint64_t median_kb, double pct);

#endif
