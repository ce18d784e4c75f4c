/* What a recorded run's RSS growth is made of: the live heap's pages, file-backed pages, and anonymous memory not live. */
#ifndef FRAGBENCH_GROWTH_H
#define FRAGBENCH_GROWTH_H

#include <stdint.h>

/*
 * The RSS above a run's first row, at a later row, in kB. The ideal RSS is the first row's RSS plus the live heap
 * grown since in whole pages; what RSS holds beyond it (the waste) is split in two: the file-backed pages grown
 * since the first row (the program's code and the files it mapped: never heap), counted only up to the waste, and
 * the rest, anonymous and not live (the allocator's freed memory and overhead, or memory the program took past
 * malloc). The three parts add up to the growth whenever RSS is above the ideal.
 */
struct growth_split {
    int64_t growth_kb;        /* RSS above the first row's */
    int64_t live_kb;          /* the ideal RSS above the first row's RSS: the live heap's pages grown since */
    int64_t waste_kb;         /* RSS above the ideal (may be negative: RSS holds less than the live pages) */
    int64_t file_kb;          /* of the waste, file-backed pages grown since the first row (0 to waste_kb) */
    int64_t anon_not_live_kb; /* of the waste, the rest: anonymous and not live */
};

struct growth_split growth_split(int64_t first_rss_kb, int64_t first_file_kb, int64_t rss_kb, int64_t file_kb,
                                 int64_t ideal_rss_kb);

#endif
