/* The runs of a slide's table whose RSS at Start was most of their peak: there J&W's #3 and #4 say little. */
#ifndef FRAGBENCH_REPORT_SMALL_HEAP_H
#define FRAGBENCH_REPORT_SMALL_HEAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * #3 and #4 divide all of a process's RSS, its code, libraries and stack with its heap: where its RSS at Start
 * was half or more of its peak (a trace of `ls`, 65 kB live at most, had a #4 of 38), they tell little of the heap,
 * and the slide says so under its table, naming the first such run.
 */
struct small_heaps {
    size_t runs;
    char first_run[160];
    int64_t start_kb, peak_kb;
};

/* Counts a run whose RSS at Start (start_kb) was half or more of its peak (peak_kb); -1 for unknown, not counted. */
void small_heaps_note(struct small_heaps *small, const char *run, int64_t start_kb, int64_t peak_kb);

/* The sentence under the table, if any run was counted. */
void small_heaps_print(const struct small_heaps *small, FILE *out);

#endif
