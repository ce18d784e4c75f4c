/* fb-replay's calls: each recorded call made under the allocator under test, its pages written; rows by the probe. */
#define _GNU_SOURCE
#include <malloc.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "allocator.h"
#include "private_alloc.h"
#include "probe.h"
#include "replay.h"

static struct allocator_info allocator; /* the probe keeps a pointer to it */
static uint64_t page_size;
static uint64_t peak_kb; /* the largest RSS seen of the replay, less its bookkeeping */
static bool peak_owed;   /* a note of the peak put off while the reading thread mapped a table */

void replay_begin(const struct trace_info *info, bool threaded)
{
    page_size = (uint64_t)sysconf(_SC_PAGESIZE);
    allocator_identify(&allocator);
    probe_hello(&allocator, threaded ? info->max_threads : 0);
}

/*
 * The process's memory now less the replay's own bookkeeping: 0, 1 if the reading thread was mapping or
 * unmapping a block of its own meanwhile (pipeline.c; taken again until it was not, unless !wait), -1 if /proc
 * could not be read. Its own is measured before and after RSS: if the reading thread wrote a fresh page of its
 * own in between (it fills its tables page by page), the measure is taken again, twice at most, then the later
 * one is taken off (a page or a huge page too many, never one too few).
 */
static int sample_less_own(struct fb_memory *memory, bool wait)
{
    enum { TRIES = 3 };
    for (unsigned tries = 1;; tries++) {
        uint64_t changes = private_changes();
        if (changes & 1) {
            if (!wait)
                return 1;
            sched_yield();
            continue;
        }
        size_t own_before = private_resident_bytes();
        if (fb_sample(memory) != 0)
            return -1;
        size_t own = private_resident_bytes();
        if (private_changes() != changes) {
            if (!wait)
                return 1;
            continue;
        }
        if (own == own_before || tries >= TRIES) {
            memory->rss_kb = memory->rss_kb > own / 1024 ? memory->rss_kb - own / 1024 : 0;
            memory->anon_kb = memory->anon_kb > own / 1024 ? memory->anon_kb - own / 1024 : 0;
            return 0;
        }
    }
}

static void note_peak(const struct fb_memory *memory)
{
    if (memory->rss_kb > peak_kb)
        peak_kb = memory->rss_kb;
    peak_owed = false;
}

/*
 * The replay's memory now, less its own bookkeeping, for its peak. While the reading thread maps or unmaps a
 * block the calls go on, and the note is owed: taken by replay_note_owed_peak.
 */
void replay_note_peak(void)
{
    struct fb_memory memory;
    int status = sample_less_own(&memory, false);
    if (status == 0)
        note_peak(&memory);
    else if (status == 1)
        peak_owed = true;
}

void replay_note_owed_peak(void)
{
    if (peak_owed && !(private_changes() & 1))
        replay_note_peak();
}

/* A phase row: the process's memory less the replay's own bookkeeping, the recorded live heap, and where it stands. */
void replay_sample(const struct replay_point *point, uint64_t live_bytes, uint64_t live_blocks)
{
    struct fb_memory memory;
    bool sampled = sample_less_own(&memory, true) == 0;
    if (sampled)
        note_peak(&memory);
    struct fb_recorded_point recorded = {.at_us = point->at_ns / 1000,
                                         .rss_kb = point->rss_kb ? point->rss_kb : FB_UNKNOWN, .peak_kb = peak_kb};
    probe_phase_replay(point->label, live_bytes, live_blocks, sampled ? &memory : NULL, &recorded);
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
