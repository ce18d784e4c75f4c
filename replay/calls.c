/* fb-replay's calls: each recorded call made under the allocator under test, its pages written; rows by the probe. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allocator.h"
#include "private_alloc.h"
#include "probe.h"
#include "replay.h"

static struct allocator_info allocator; /* the probe keeps a pointer to it */
static uint64_t page_size;
static uint64_t peak_kb; /* the largest RSS seen of the replay, less its bookkeeping */
/*
 * The replay's own bookkeeping at its last measure, and private_changes then. While no large block of it and no
 * stack is mapped or unmapped since, it has only grown (its pages are written, never given back; a new region
 * only adds), so RSS less this is at least RSS less its own now: where that is no peak, none is
 * (replay_note_peak). own_floor_changes UINT64_MAX: none measured.
 */
static size_t own_floor;
static uint64_t own_floor_changes = UINT64_MAX;

void replay_begin(const struct trace_info *info, bool threaded)
{
    page_size = (uint64_t)sysconf(_SC_PAGESIZE);
    allocator_identify(&allocator);
    /*
     * glibc's malloc sets itself up at its first call, and not under a lock: two threads that made their first
     * calls at once both took the main arena as theirs, counted once, and the second of them to end aborted the
     * replay ("malloc assertion failure in __malloc_arena_thread_freeres: a->attached_threads > 0", 1.5% of
     * replays of a trace of three threads). In a program the main thread sets it up before any other thread runs
     * (pthread_create's calloc of the thread's table; here those tables are the replay's own: own_threads.c). So
     * the main thread, which makes the recorded main thread's calls, sets it up here with a call that allocates
     * nothing (mallopt of no parameter), and is on the main arena, as the program's main thread was.
     */
    if (strcmp(allocator.name, "glibc") == 0)
        (void)mallopt(0, 0);
    probe_hello(&allocator, threaded ? info->last_image_threads : 0);
}

/*
 * The process's memory now less the replay's own bookkeeping. The reading thread may be changing its own
 * meanwhile (pipeline.c): while it maps or unmaps a block (private_changes is odd, or moved) the measure waits
 * and is taken again. Its own is measured before and after RSS: if the reading thread wrote a fresh page of its
 * own in between (it fills its tables page by page), the measure is taken again, twice at most, then the later
 * one is taken off (a page or a huge page too many, never one too few). If /proc cannot be read, the run ends
 * as the probe's does.
 */
static void sample_less_own(struct fb_memory *memory)
{
    enum { TRIES = 3 };
    unsigned tries = 0;
    for (;;) {
        uint64_t changes = private_changes();
        if (changes & 1) {
            sched_yield();
            continue;
        }
        size_t own_before = private_resident_bytes();
        if (fb_sample(memory) != 0)
            probe_sample_failed();
        size_t own = private_resident_bytes();
        if (private_changes() != changes)
            continue;
        if (own == own_before || ++tries >= TRIES) {
            own_floor = own_before;
            own_floor_changes = changes;
            memory->rss_kb = memory->rss_kb > own / 1024 ? memory->rss_kb - own / 1024 : 0;
            memory->anon_kb = memory->anon_kb > own / 1024 ? memory->anon_kb - own / 1024 : 0;
            memory->hwm_kb = FB_UNKNOWN; /* the kernel's high-water mark holds the replay's own: not sent */
            return;
        }
    }
}

static void note_peak(const struct fb_memory *memory)
{
    if (memory->rss_kb > peak_kb)
        peak_kb = memory->rss_kb;
}

/*
 * The replay's memory now, less its own bookkeeping, for its peak: its own measured only where RSS less its own at
 * the last measure passes the peak (each measure is a mincore of every table it has: 348 000 calls in a threaded
 * replay of 3.6 M events that measured at every MiB allocated).
 */
void replay_note_peak(void)
{
    struct fb_memory memory;
    if (fb_sample(&memory) != 0 || memory.rss_kb <= peak_kb)
        return;
    if (private_changes() == own_floor_changes && memory.rss_kb - own_floor / 1024 <= peak_kb)
        return;
    sample_less_own(&memory);
    note_peak(&memory);
}

/* A phase row: the process's memory less the replay's own bookkeeping, the recorded live heap, and where it stands. */
void replay_sample(const struct replay_point *point, uint64_t live_bytes, uint64_t live_blocks)
{
    struct fb_memory memory;
    if (point->allocator_view) /* what its view makes that lasts (jemalloc's), before the sample */
        probe_before_sample();
    sample_less_own(&memory);
    note_peak(&memory);
    struct fb_recorded_point recorded = {.at_us = point->at_ns / 1000,
                                         .rss_kb = point->rss_kb ? point->rss_kb : FB_UNKNOWN,
                                         .anon_kb = point->anon_kb ? point->anon_kb : FB_UNKNOWN, /* 0: not measured */
                                         .peak_kb = peak_kb, .events = point->events,
                                         .peak_live_bytes = point->peak_live_bytes};
    probe_phase_replay(point->label, live_bytes, live_blocks, &memory, &recorded, point->allocator_view);
}

/* The calls that failed here where they had succeeded when recorded (a recorded failure is not made). */
static pthread_mutex_t failures_lock = PTHREAD_MUTEX_INITIALIZER;
static struct replay_failures failures;

static void note_failure(enum trace_op op, uint64_t size, uint64_t alignment)
{
    pthread_mutex_lock(&failures_lock); /* rare: a failure, not a call */
    if (failures.count++ == 0)
        failures = (struct replay_failures){allocator.name, 1, op, size, alignment};
    pthread_mutex_unlock(&failures_lock);
}

void replay_failures_read(struct replay_failures *out)
{
    pthread_mutex_lock(&failures_lock);
    *out = failures;
    pthread_mutex_unlock(&failures_lock);
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
        if (size <= SIZE_MAX - (size_t)page_size) /* else no whole number of pages holds it: it fails, as pvalloc */
            block = memalign((size_t)page_size, (size + (size_t)page_size - 1) / (size_t)page_size * (size_t)page_size);
        break;
    default: break;
    }
    if (!block && size_asked)
        note_failure(op, size_asked, alignment_asked);
    touch(block, 0, size);
    return block;
}

/*
 * A realloc that succeeded when recorded (its old block grown or shrunk); if this one fails, the old one stays.
 * realloc(p, 0) that returned a block when recorded (mimalloc's does) frees p and returns NULL under glibc,
 * jemalloc and tcmalloc: the program's block of no bytes is then malloc(0)'s, and p is not kept (it is freed).
 */
void *replay_reallocate(void *old, uint64_t old_size, uint64_t size)
{
    void *block = realloc(old, (size_t)size);
    if (!block && size == 0)
        return malloc(0);
    if (!block) {
        note_failure(TRACE_REALLOC, size, 0);
        return old;
    }
    touch(block, old_size, size);
    return block;
}

/* The release call the program made (malloc_trim when recorded): that of the allocator under test (allocator.h). */
void replay_trim(void)
{
    allocator_release(&allocator);
}

void replay_release(void *block)
{
    free(block);
}
