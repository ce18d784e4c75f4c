/* A stable sort that allocates nothing: the replayer's sorts, whose scratch must not come from the allocator under test. */
#ifndef FRAGBENCH_TRACE_STABLE_SORT_H
#define FRAGBENCH_TRACE_STABLE_SORT_H

#include <stddef.h>

/*
 * Sorts count elements of size bytes at base, in compare's order, equal elements kept in the order they had (as
 * the C library's qsort does where it can take a scratch array from malloc: the replayer's malloc is the allocator
 * under test). scratch: count * size bytes of the caller's.
 */
void stable_sort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *), void *scratch);

#endif
