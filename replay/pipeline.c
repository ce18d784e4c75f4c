/* The calls of a one-thread trace, read ahead by a reading thread and made by the main thread, through a ring. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "out_of_memory.h"
#include "pipeline.h"
#include "private_alloc.h"
#include "replay.h"

/*
 * Why two threads: reading the trace and finding each released block in the live set cost about as much as
 * the calls themselves (docs/replay.md#speed); on two cores the reading is done beside the calls, not before
 * each. The reading thread writes calls into a ring and publishes them a batch at a time; the main thread makes
 * them and publishes how many it has made, a batch at a time too (one shared cache line each way per batch, not
 * per call). The rows go through the ring too, taken by the main thread when it reaches them: the reading thread
 * reads on meanwhile, and its lead (up to 4 M entries: most calls are one) covers the stretches where it
 * falls behind, as when its live set doubles (jq's last doubling: a tenth of a second). With a lag (the replays
 * that keep the recorded time), the reading thread stamps the recorded time into the ring as it moves on, and the
 * main thread makes the calls after a stamp only once the reading is that far past it (or the ring is full, the
 * reading thread waits for the calls, or the reading has ended): the program's bursts of calls, which can come
 * faster than the trace is read, are then made at the allocator's own speed, as its timers saw them. (A row waits
 * in the ring until its batch is published: 512 entries later, at the next stamp, or at the next wait.) Either
 * side that finds nothing to do spins a little, then yields, then sleeps until the other wakes it: a replay
 * sleeping through a recorded idle gap, or sharing the cores with another (--jobs), does not spin. A block's handle indexes the main thread's table of the replay's
 * blocks (8 bytes a handle, in pages); the reading thread recycles the handles of released blocks, last
 * released first, so the table stays as small as the live set and its recent lines stay in the cache. Nothing
 * here comes from the allocator under test.
 */

enum {
    RING_MIN = 1 << 12, RING_MAX = 1 << 22, /* entries queued at most: 64 KiB to 64 MiB (pipe_open) */
    BATCH = 512,             /* entries published together (a call's all in one batch) */
    HANDLE_PAGE = 1 << 16,   /* handles a page of the block table */
    HANDLE_PAGES = 1 << 14,  /* so at most 2^30 - 1 blocks live at once */
    SPINS = 4096, YIELDS = 64,
};

/* A stamp of the recorded time goes in the ring once that time has moved on by this much (pipe_stamp). */
#define STAMP_STEP_NS 1000000u

/*
 * A pipe_call's ops beyond the trace's: replay_note_peak, replay_sample, a stamp of the recorded time
 * (pipe_stamp), and the entries that carry a call's further fields (MORE). Most calls (malloc, free) are one entry
 * of 16 bytes; an aligned allocation and a realloc take two, a row three: the ring's lines are a large share of the two threads' memory traffic (jq's replay
 * writes and reads 6.7 M calls through a ring of 16 MiB, which the cache does not hold).
 */
enum { NOTE_PEAK = TRACE_OP_COUNT, SAMPLE, STAMP, MORE, LONGEST_CALL = 3 };

/* One entry: an op's own (its value and handle), or the further fields of the op before it (op MORE). */
struct pipe_call {
    uint64_t value;  /* an allocation's size; a realloc's new size, then its old size; a row's live bytes, blocks, point */
    uint32_t handle; /* the block made or released; a realloc's new block, then its old one */
    uint32_t op;
};

struct call_pipe {
    void *allocated; /* where the pipe's memory starts: the pipe is placed at its first 64-byte line */
    struct pipe_call *ring;
    uint64_t ring_size; /* a power of two */
    void **blocks[HANDLE_PAGES]; /* by handle: the replay's block; pages added by the reader before use */
    /* The reading thread's alone. */
    uint64_t queued, published_here;
    uint64_t stamped_ns; /* the recorded time of the last stamp queued */
    uint32_t handle_count;
    uint32_t *free_handles; /* a stack */
    size_t free_count, free_room;
    uint64_t lag_ns; /* set at pipe_open: 0, no stamps */
    /* Shared, each group on a line of its own. */
    alignas(64) _Atomic uint64_t published; /* calls the main thread may make */
    alignas(64) _Atomic uint64_t done;      /* calls made */
    alignas(64) _Atomic int finished, reader_asleep, caller_asleep;
    alignas(64) _Atomic uint64_t published_ns; /* the recorded time of the last stamp published */
    _Atomic int hurry;                         /* the reading thread waits for every call queued (pipe_drain) */
    /* The main thread's alone: the entries made, and the published time the stamp it is at waits for. */
    alignas(64) uint64_t made, waits_for_ns;
    alignas(64) pthread_mutex_t lock;
    pthread_cond_t wake;
};

struct call_pipe *pipe_open(uint64_t lead, uint64_t lag_ns)
{
    /* The private allocator's blocks are aligned to 16 bytes; the shared counters' lines want 64. */
    void *allocated = private_calloc(1, sizeof(struct call_pipe) + alignof(struct call_pipe));
    if (!allocated)
        out_of_memory("the replay's call ring", 1, sizeof(struct call_pipe) + alignof(struct call_pipe));
    struct call_pipe *pipe = (void *)(((uintptr_t)allocated + alignof(struct call_pipe) - 1) &
                                      ~(uintptr_t)(alignof(struct call_pipe) - 1));
    pipe->allocated = allocated;
    pipe->lag_ns = lag_ns;
    pipe->ring_size = RING_MIN;
    while (pipe->ring_size < RING_MAX && pipe->ring_size < lead)
        pipe->ring_size *= 2;
    if (!(pipe->ring = private_malloc(pipe->ring_size * sizeof *pipe->ring)))
        out_of_memory("the replay's call ring", pipe->ring_size, sizeof *pipe->ring);
    pthread_mutex_init(&pipe->lock, NULL);
    pthread_cond_init(&pipe->wake, NULL);
    return pipe;
}

void pipe_close(struct call_pipe *pipe)
{
    if (!pipe)
        return;
    for (size_t page = 0; page < HANDLE_PAGES; page++)
        private_free(pipe->blocks[page]);
    private_free(pipe->free_handles);
    private_free(pipe->ring);
    pthread_mutex_destroy(&pipe->lock);
    pthread_cond_destroy(&pipe->wake);
    private_free(pipe->allocated);
}

static void **block_of(struct call_pipe *pipe, uint32_t handle)
{
    return &pipe->blocks[handle / HANDLE_PAGE][handle % HANDLE_PAGE];
}

/* ---- Waiting: spin, then yield, then sleep until the other side wakes this one. */

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void await(struct call_pipe *pipe, _Atomic int *asleep, bool (*ready)(struct call_pipe *))
{
    for (unsigned spin = 0; spin < SPINS; spin++) {
        if (ready(pipe))
            return;
        relax();
    }
    for (unsigned yield = 0; yield < YIELDS; yield++) {
        if (ready(pipe))
            return;
        sched_yield();
    }
    /* The flag is set before ready is read again, and the other side reads it after changing what ready reads:
     * one of the two sees the other (both sequentially consistent), so no wake is lost. */
    pthread_mutex_lock(&pipe->lock);
    atomic_store(asleep, 1);
    while (!ready(pipe))
        pthread_cond_wait(&pipe->wake, &pipe->lock);
    atomic_store(asleep, 0);
    pthread_mutex_unlock(&pipe->lock);
}

static void rouse(struct call_pipe *pipe, _Atomic int *asleep)
{
    if (!atomic_load(asleep))
        return;
    pthread_mutex_lock(&pipe->lock);
    pthread_cond_broadcast(&pipe->wake);
    pthread_mutex_unlock(&pipe->lock);
}

/* ---- The reading thread's side. */

static void publish(struct call_pipe *pipe)
{
    if (pipe->published_here == pipe->queued)
        return;
    pipe->published_here = pipe->queued;
    if (pipe->lag_ns)
        atomic_store(&pipe->published_ns, pipe->stamped_ns);
    atomic_store(&pipe->published, pipe->queued);
    rouse(pipe, &pipe->caller_asleep);
}

/* A batch full: published (out of line, so that queueing a call stays a few instructions). */
static __attribute__((noinline)) void publish_batch(struct call_pipe *pipe)
{
    publish(pipe);
}

static bool has_room(struct call_pipe *pipe)
{
    /* Sequentially consistent, as await's handshake needs (an acquire load could miss the wake-up on ARM). Room
       for the longest call, whichever comes. */
    return pipe->queued + LONGEST_CALL - atomic_load(&pipe->done) <= pipe->ring_size;
}

static bool all_made(struct call_pipe *pipe)
{
    return atomic_load(&pipe->done) == pipe->queued;
}

/* The ring full: what is queued is published, and the reading thread waits for room. */
static __attribute__((noinline)) void wait_for_room(struct call_pipe *pipe)
{
    publish(pipe);
    await(pipe, &pipe->reader_asleep, has_room);
}

/* Room for a call of up to LONGEST_CALL entries, waiting for it if the ring is full. */
static inline void make_room(struct call_pipe *pipe)
{
    if (!has_room(pipe))
        wait_for_room(pipe);
}

/*
 * Writes entry number `at` past the calls queued, field by field: an entry built on the stack and copied whole
 * was a 16-byte load from 4- and 8-byte stores, which the CPU cannot forward; the load then waited for every
 * store before it, the ring's own among them, each a cache miss (a fifth of the reading thread's time in perf).
 */
static void put_entry(struct call_pipe *pipe, unsigned at, uint32_t op, uint64_t value, uint64_t handle)
{
    struct pipe_call *entry = &pipe->ring[(pipe->queued + at) & (pipe->ring_size - 1)];
    entry->value = value;
    entry->handle = (uint32_t)handle;
    entry->op = op;
}

/* Publishes a call of count entries once they are written: the main thread never sees part of a call. */
static void queued(struct call_pipe *pipe, unsigned count)
{
    pipe->queued += count;
    /* The ring's line 64 entries on, asked for in the state a write needs (it was last in the other core's cache). */
    const struct pipe_call *ahead = &pipe->ring[(pipe->queued + 64) & (pipe->ring_size - 1)];
#if defined(__x86_64__) || defined(__i386__)
    __asm__ volatile("prefetchw %0" : : "m"(*(const char *)ahead)); /* a no-op where the CPU lacks it */
#else
    __builtin_prefetch(ahead, 1);
#endif
    if (pipe->queued - pipe->published_here >= BATCH)
        publish_batch(pipe);
}

static void queue_one(struct call_pipe *pipe, uint32_t op, uint64_t value, uint64_t handle)
{
    make_room(pipe);
    put_entry(pipe, 0, op, value, handle);
    queued(pipe, 1);
}

/* A handle for a new block: the last one released, else a new one (its page of the table made first). */
static int take_handle(struct call_pipe *pipe, uint64_t *handle, char *error, size_t error_size)
{
    if (pipe->free_count) {
        *handle = pipe->free_handles[--pipe->free_count];
        return 0;
    }
    if (pipe->handle_count + 1ull >= (uint64_t)HANDLE_PAGES * HANDLE_PAGE)
        return trace_failure(error, error_size, "more than %llu blocks live at once",
                             (unsigned long long)HANDLE_PAGES * HANDLE_PAGE - 1);
    *handle = ++pipe->handle_count;
    void ***page = &pipe->blocks[*handle / HANDLE_PAGE];
    if (!*page && !(*page = private_zeroed(HANDLE_PAGE, sizeof **page)))
        out_of_memory("the replay's table of live blocks", HANDLE_PAGE, sizeof **page);
    return 0;
}

static void give_back_handle(struct call_pipe *pipe, uint64_t handle)
{
    if (!handle)
        return;
    if (pipe->free_count == pipe->free_room) {
        pipe->free_room = pipe->free_room ? pipe->free_room * 2 : 4096;
        if (!(pipe->free_handles = private_realloc(pipe->free_handles, pipe->free_room * sizeof *pipe->free_handles)))
            out_of_memory("the replay's list of free handles", pipe->free_room, sizeof *pipe->free_handles);
    }
    pipe->free_handles[pipe->free_count++] = (uint32_t)handle;
}

int pipe_allocate(struct call_pipe *pipe, enum trace_op op, uint64_t size, uint64_t alignment, uint64_t *handle,
                  char *error, size_t error_size)
{
    if (take_handle(pipe, handle, error, error_size) != 0)
        return -1;
    if (!trace_op_has_alignment(op)) {
        queue_one(pipe, op, size, *handle);
        return 0;
    }
    make_room(pipe);
    put_entry(pipe, 0, op, size, *handle);
    put_entry(pipe, 1, MORE, alignment, 0);
    queued(pipe, 2);
    return 0;
}

int pipe_reallocate(struct call_pipe *pipe, uint64_t old_handle, uint64_t old_size, uint64_t size,
                    uint64_t *handle, char *error, size_t error_size)
{
    if (take_handle(pipe, handle, error, error_size) != 0)
        return -1;
    make_room(pipe);
    put_entry(pipe, 0, TRACE_REALLOC, size, *handle);
    put_entry(pipe, 1, MORE, old_size, old_handle);
    queued(pipe, 2);
    give_back_handle(pipe, old_handle);
    return 0;
}

void pipe_release(struct call_pipe *pipe, uint64_t handle)
{
    if (!handle)
        return; /* free(NULL), or a block whose allocation was not made */
    queue_one(pipe, TRACE_FREE, 0, handle);
    give_back_handle(pipe, handle);
}

void pipe_trim(struct call_pipe *pipe)
{
    queue_one(pipe, TRACE_TRIM, 0, 0);
}

void pipe_note_peak(struct call_pipe *pipe)
{
    queue_one(pipe, NOTE_PEAK, 0, 0);
}

void pipe_sample(struct call_pipe *pipe, const struct replay_point *point, uint64_t live_bytes, uint64_t live_blocks)
{
    make_room(pipe);
    put_entry(pipe, 0, SAMPLE, live_bytes, 0);
    put_entry(pipe, 1, MORE, live_blocks, 0);
    put_entry(pipe, 2, MORE, (uint64_t)(uintptr_t)point, 0);
    queued(pipe, 3);
}

uint64_t pipe_stamp(struct call_pipe *pipe, uint64_t ns)
{
    pipe->stamped_ns = ns; /* before the entry: a batch it fills is published with it */
    queue_one(pipe, STAMP, ns, 0);
    publish(pipe); /* the time told as it moves, not a batch later: a sparse stretch fills a batch slowly */
    return ns < UINT64_MAX - STAMP_STEP_NS ? ns + STAMP_STEP_NS : UINT64_MAX;
}

void pipe_drain(struct call_pipe *pipe)
{
    atomic_store(&pipe->hurry, 1);
    publish(pipe);
    rouse(pipe, &pipe->caller_asleep); /* published already, perhaps, while the main thread waited for a stamp */
    await(pipe, &pipe->reader_asleep, all_made);
    atomic_store(&pipe->hurry, 0);
}

void pipe_finish(struct call_pipe *pipe)
{
    publish(pipe);
    atomic_store(&pipe->finished, 1);
    rouse(pipe, &pipe->caller_asleep);
}

/* ---- The main thread's side. */

/*
 * Whether the calls after a stamp may be made: the reading thread has read lag_ns of the recorded time past it, or
 * waits for room (the ring full: published is then all it has queued, and done the calls made), or waits for
 * every call (pipe_drain), or has read the last.
 */
static bool stamp_passed(struct call_pipe *pipe)
{
    return atomic_load(&pipe->published_ns) >= pipe->waits_for_ns || atomic_load(&pipe->hurry) ||
           atomic_load(&pipe->published) + LONGEST_CALL - pipe->made > pipe->ring_size || atomic_load(&pipe->finished);
}

/* At a stamp: the calls made so far told to the reading thread (room for it), then the wait for the lag. */
static __attribute__((noinline)) void wait_for_lag(struct call_pipe *pipe, uint64_t made, uint64_t stamp_ns)
{
    if (!pipe->lag_ns)
        return; /* stamps in a pipe without a lag: nothing to wait for (published_ns is not kept) */
    pipe->made = made;
    pipe->waits_for_ns = stamp_ns < UINT64_MAX - pipe->lag_ns ? stamp_ns + pipe->lag_ns : UINT64_MAX;
    if (stamp_passed(pipe))
        return;
    atomic_store(&pipe->done, made);
    rouse(pipe, &pipe->reader_asleep);
    await(pipe, &pipe->caller_asleep, stamp_passed);
}

static bool calls_or_end(struct call_pipe *pipe)
{
    return atomic_load(&pipe->published) != atomic_load_explicit(&pipe->done, memory_order_relaxed) ||
           atomic_load(&pipe->finished);
}

/* Makes the call whose first entry is at made; returns the number of entries it took. */
static unsigned make_call(struct call_pipe *pipe, uint64_t made)
{
    uint64_t mask = pipe->ring_size - 1;
    const struct pipe_call *call = &pipe->ring[made & mask], *more = &pipe->ring[(made + 1) & mask];
    switch (call->op) {
    case TRACE_FREE:
        replay_release(*block_of(pipe, call->handle));
        return 1;
    case TRACE_TRIM:
        replay_trim();
        return 1;
    case NOTE_PEAK: /* here, not in the reading thread, which is ahead of the calls made */
        replay_note_peak();
        return 1;
    case STAMP:
        wait_for_lag(pipe, made, call->value);
        return 1;
    case SAMPLE: {
        const struct pipe_call *point = &pipe->ring[(made + 2) & mask];
        replay_sample((const struct replay_point *)(uintptr_t)point->value, call->value, more->value);
        return 3;
    }
    case TRACE_REALLOC: {
        void *old = more->handle ? *block_of(pipe, more->handle) : NULL;
        *block_of(pipe, call->handle) = replay_reallocate(old, more->value, call->value);
        return 2;
    }
    default: {
        bool aligned = trace_op_has_alignment((enum trace_op)call->op);
        *block_of(pipe, call->handle) = replay_allocate((enum trace_op)call->op, call->value, aligned ? more->value : 0);
        return aligned ? 2 : 1;
    }
    }
}

void pipe_make_calls(struct call_pipe *pipe)
{
    uint64_t made = 0;
    for (;;) {
        uint64_t available = atomic_load_explicit(&pipe->published, memory_order_acquire);
        if (made == available) {
            if (atomic_load(&pipe->finished) && made == atomic_load(&pipe->published))
                return;
            await(pipe, &pipe->caller_asleep, calls_or_end);
            continue;
        }
        /* A batch at a time; a call's entries are all published, so its last may lie past until (not available). */
        uint64_t until = available - made > BATCH ? made + BATCH : available;
        while (made < until)
            made += make_call(pipe, made);
        atomic_store(&pipe->done, made);
        rouse(pipe, &pipe->reader_asleep);
    }
}
