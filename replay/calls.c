/* fb-replay's calls: each recorded call made under the allocator under test, its pages written; rows by the probe. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

#include "allocator.h"
#include "private_alloc.h"
#include "probe.h"
#include "replay.h"

static struct allocator_info allocator; /* the probe keeps a pointer to it */
static uint64_t page_size;
static uint64_t peak_kb; /* the largest RSS seen of the replay, less its bookkeeping */

void replay_begin(const struct trace_info *info, bool threaded)
{
    page_size = (uint64_t)sysconf(_SC_PAGESIZE);
    allocator_identify(&allocator);
    probe_hello(&allocator, threaded ? info->max_threads : 0);
}

/* The replay's memory now, less its own bookkeeping (counted only when RSS alone could pass the peak), for its peak. */
void replay_note_peak(void)
{
    struct fb_memory memory;
    if (fb_sample(&memory) != 0 || memory.rss_kb <= peak_kb)
        return;
    uint64_t own_kb = private_resident_bytes() / 1024;
    if (memory.rss_kb > own_kb && memory.rss_kb - own_kb > peak_kb)
        peak_kb = memory.rss_kb - own_kb;
}

/* A phase row: the process's memory less the replay's own bookkeeping, the recorded live heap, and where it stands. */
void replay_sample(const struct replay_point *point, uint64_t live_bytes, uint64_t live_blocks)
{
    replay_note_peak();
    struct fb_recorded_point recorded = {.at_us = point->at_ns / 1000,
                                         .rss_kb = point->rss_kb ? point->rss_kb : FB_UNKNOWN, .peak_kb = peak_kb};
    probe_phase_replay(point->label, live_bytes, live_blocks, private_resident_bytes() / 1024, &recorded);
}

/* Writes one byte in every page of block[from, size), and its last byte: the pages a program writing it holds. */
static void touch(unsigned char *block, uint64_t from, uint64_t size)
{
    if (!block || size <= from)
        return;
    for (uint64_t at = from; at < size; at += page_size)
        block[at] = 1;
    block[size - 1] = 1;
}

void *replay_allocate(enum trace_op op, uint64_t size_asked, uint64_t alignment_asked)
{
    void *block = NULL;
    size_t size = (size_t)size_asked, alignment = (size_t)alignment_asked;
    switch (op) {
    case TRACE_MALLOC: block = malloc(size); break;
    case TRACE_CALLOC: block = calloc(1, size); break;
    case TRACE_MEMALIGN: block = memalign(alignment, size); break;
    case TRACE_POSIX_MEMALIGN:
        if (posix_memalign(&block, alignment, size) != 0)
            block = NULL;
        break;
    case TRACE_ALIGNED_ALLOC: block = aligned_alloc(alignment, size); break;
    case TRACE_VALLOC: block = valloc(size); break;
    case TRACE_PVALLOC: /* not every allocator defines pvalloc: the same block through memalign */
        block = memalign((size_t)page_size, (size + (size_t)page_size - 1) / (size_t)page_size * (size_t)page_size);
        break;
    default: break;
    }
    touch(block, 0, size);
    return block;
}

/* A realloc that succeeded when recorded (its old block grown or shrunk); if this one fails, the old one stays. */
void *replay_reallocate(void *old, uint64_t old_size, uint64_t size)
{
    void *block = realloc(old, (size_t)size);
    if (!block)
        return old;
    touch(block, old_size, size);
    return block;
}

void replay_release(void *block)
{
    free(block);
}
