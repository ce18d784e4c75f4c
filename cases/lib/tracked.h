/* Allocation wrappers for cases: exact live counts, every byte touched, and nothing the compiler can delete. */
#ifndef FRAGBENCH_TRACKED_H
#define FRAGBENCH_TRACKED_H

#include <stddef.h>
#include <stdint.h>

/* What the case holds right now, as it sees it; safe to update from many threads. */
struct tracked_counts {
    uint64_t live_bytes;  /* bytes requested and not yet freed */
    uint64_t live_allocs; /* blocks allocated and not yet freed */
};

extern struct tracked_counts tracked;

/* malloc(size), then writes every byte; exits with a message if malloc fails. */
void *tracked_malloc(size_t size);

/* realloc from old_size to new_size, then writes every new byte. */
void *tracked_realloc(void *block, size_t old_size, size_t new_size);

/* free() of a block of the given size. */
void tracked_free(void *block, size_t size);

#endif
