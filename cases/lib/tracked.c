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

/* A byte that changes per block, so no page is left untouched or shared. */
static unsigned char fill_byte;

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
    tracked.live_bytes += size;
    tracked.live_allocs++;
    return block;
}

void *tracked_realloc(void *block, size_t old_size, size_t new_size)
{
    void *moved = realloc_call(block, new_size);
    if (!moved)
        out_of_memory();
    if (new_size > old_size)
        memset((char *)moved + old_size, ++fill_byte | 1, new_size - old_size);
    if (!block)
        tracked.live_allocs++;
    tracked.live_bytes += new_size;
    tracked.live_bytes -= old_size;
    return moved;
}

void tracked_free(void *block, size_t size)
{
    if (!block)
        return;
    free_call(block);
    tracked.live_bytes -= size;
    tracked.live_allocs--;
}
