/* What a fragbench program does when memory for its own tables runs out: it says which, and exits 2. */
#ifndef FRAGBENCH_OUT_OF_MEMORY_H
#define FRAGBENCH_OUT_OF_MEMORY_H

#include <stddef.h>

/*
 * Writes "PROGRAM: out of memory: COUNT x SIZE bytes for WHAT could not be had" to standard error and ends the
 * process with exit status 2, at once (_exit: the calling thread may be one of several, in the middle of the
 * allocator under test). Every result written before stays: the runner writes each run's rows when it ends.
 */
_Noreturn void out_of_memory(const char *what, size_t count, size_t size);

#endif
