/* Allocation wrappers for cases: exact live counts, every byte touched, and nothing the compiler can delete. */
#include "tracked.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tracked_counts tracked;

/*
 * The allocator is called through volatile pointers, so the compiler cannot see that
 * these are malloc, realloc and free: it can neither drop an allocation whose result
 * looks unused nor the writes into a block that is freed later. The Makefile also
 * builds cases with -fno-builtin-malloc and friends; a test checks the counts.
 */
static void *(*volatile malloc_call)(size_t) = malloc;
static void *(*volatile realloc_call)(void *, size_t) = realloc;
static void (*volatile free_call)(void *) = free;

/* A byte that changes per block, so no page is left untouched or shared; one per thread. */
static _Thread_local unsigned char fill_byte;

/* The counts are updated by every thread of a threaded case; relaxed atomics keep them exact. */
static void count(int64_t bytes, int64_t allocs)
{
    __atomic_add_fetch(&tracked.live_bytes, (uint64_t)bytes, __ATOMIC_RELAXED);
    __atomic_add_fetch(&tracked.live_allocs, (uint64_t)allocs, __ATOMIC_RELAXED);
}

static void out_of_memory(void)
{
    static const char message[] = "fragbench case: out of memory\n";
    (void)!write(STDERR_FILENO, message, sizeof message - 1);
    _exit(3);
}

void *tracked_malloc(size_t size)
{
    void *block = malloc_call(size);
    if (!block)
        out_of_memory();
    memset(block, ++fill_byte | 1, size);
    count((int64_t)size, 1);
    return block;
}

void *tracked_realloc(void *block, size_t old_size, size_t new_size)
{
    void *moved = realloc_call(block, new_size);
    if (!moved)
        out_of_memory();
    if (new_size > old_size)
        memset((char *)moved + old_size, ++fill_byte | 1, new_size - old_size);
    count((int64_t)new_size - (int64_t)old_size, block ? 0 : 1);
    return moved;
}

void tracked_free(void *block, size_t size)
{
    if (!block)
        return;
    free_call(block);
    count(-(int64_t)size, -1);
}
