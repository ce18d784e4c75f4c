/* The calls of a one-thread trace, read ahead by a reading thread and made by the main thread, through a ring. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "private_alloc.h"
#include "replay.h"

/*
 * Why two threads: reading the trace and finding each released block in the live set cost about as much as
 * the calls themselves (docs/replay.md#speed); on two cores the reading is done beside the calls, not before
 * each. The reading thread writes calls into a ring and publishes them a batch at a time; the main thread makes
 * them and publishes how many it has made, a batch at a time too (one shared cache line each way per batch, not
 * per call). The rows go through the ring too, taken by the main thread when it reaches them: the reading thread
 * reads on meanwhile, and its lead (up to a million calls) covers the stretches where it falls behind, as when
 * its live set doubles (jq's last doubling: a fifth of a second). (A row waits in the ring until its batch is
 * published: 512 calls later, or at the next wait.) Either side that finds nothing to do spins a little, then
 * yields, then sleeps until the other wakes it: a replay sleeping through a recorded idle gap, or sharing the
 * cores with another (--jobs), does not spin. A block's handle indexes the main thread's table of the replay's
 * blocks (8 bytes a handle, in pages); the reading thread recycles the handles of released blocks, last
 * released first, so the table stays as small as the live set and its recent lines stay in the cache. Nothing
 * here comes from the allocator under test.
 */

enum {
    RING_MIN = 1 << 12, RING_MAX = 1 << 20, /* calls queued at most: 128 KiB to 32 MiB (pipe_open) */
    BATCH = 512,             /* calls published together */
    HANDLE_PAGE = 1 << 16,   /* handles a page of the block table */
    HANDLE_PAGES = 1 << 14,  /* so at most 2^30 - 1 blocks live at once */
    SPINS = 4096, YIELDS = 64,
};

/* A pipe_call's ops that are no call: replay_note_peak, replay_sample. */
enum { NOTE_PEAK = TRACE_OP_COUNT, SAMPLE };

/* One call: an allocation (op, size, alignment), a realloc (its old block and size) or a release; or a row. */
struct pipe_call {
    uint64_t size;  /* a row's live bytes */
    uint64_t extra; /* an allocation's alignment; a realloc's old size; a row's live blocks */
    union {
        struct {
            uint32_t handle; /* the block made, or released */
            uint32_t old_handle;
        };
        const struct replay_point *point; /* a row's */
    };
    uint32_t op;
};

struct call_pipe {
    void *allocated; /* where the pipe's memory starts: the pipe is placed at its first 64-byte line */
    struct pipe_call *ring;
    uint64_t ring_size; /* a power of two */
    void **blocks[HANDLE_PAGES]; /* by handle: the replay's block; pages added by the reader before use */
    /* The reading thread's alone. */
    uint64_t queued, published_here;
    uint32_t handle_count;
    uint32_t *free_handles; /* a stack */
    size_t free_count, free_room;
    /* Shared, each on a line of its own. */
    alignas(64) _Atomic uint64_t published; /* calls the main thread may make */
    alignas(64) _Atomic uint64_t done;      /* calls made */
    alignas(64) _Atomic int finished, reader_asleep, caller_asleep;
    pthread_mutex_t lock;
    pthread_cond_t wake;
};

struct call_pipe *pipe_open(uint64_t trace_bytes)
{
    /* The private allocator's blocks are aligned to 16 bytes; the shared counters' lines want 64. */
    void *allocated = private_calloc(1, sizeof(struct call_pipe) + alignof(struct call_pipe));
    if (!allocated)
        abort();
    struct call_pipe *pipe = (void *)(((uintptr_t)allocated + alignof(struct call_pipe) - 1) &
                                      ~(uintptr_t)(alignof(struct call_pipe) - 1));
    pipe->allocated = allocated;
    pipe->ring_size = RING_MIN;
    while (pipe->ring_size < RING_MAX && pipe->ring_size < trace_bytes / 8)
        pipe->ring_size *= 2;
    if (!(pipe->ring = private_malloc(pipe->ring_size * sizeof *pipe->ring)))
        abort();
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
    atomic_store(&pipe->published, pipe->queued);
    rouse(pipe, &pipe->caller_asleep);
}

static bool has_room(struct call_pipe *pipe)
{
    /* Sequentially consistent, as await's handshake needs (an acquire load could miss the wake-up on ARM). */
    return pipe->queued - atomic_load(&pipe->done) < pipe->ring_size;
}

static bool all_made(struct call_pipe *pipe)
{
    return atomic_load(&pipe->done) == pipe->queued;
}

/* Queues a call, waiting for room in the ring first. */
static void queue(struct call_pipe *pipe, struct pipe_call call)
{
    if (!has_room(pipe)) {
        publish(pipe);
        await(pipe, &pipe->reader_asleep, has_room);
    }
    pipe->ring[pipe->queued & (pipe->ring_size - 1)] = call;
    if (++pipe->queued - pipe->published_here >= BATCH)
        publish(pipe);
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
        abort();
    return 0;
}

static void give_back_handle(struct call_pipe *pipe, uint64_t handle)
{
    if (!handle)
        return;
    if (pipe->free_count == pipe->free_room) {
        pipe->free_room = pipe->free_room ? pipe->free_room * 2 : 4096;
        if (!(pipe->free_handles = private_realloc(pipe->free_handles, pipe->free_room * sizeof *pipe->free_handles)))
            abort();
    }
    pipe->free_handles[pipe->free_count++] = (uint32_t)handle;
}

int pipe_allocate(struct call_pipe *pipe, enum trace_op op, uint64_t size, uint64_t alignment, uint64_t *handle,
                  char *error, size_t error_size)
{
    if (take_handle(pipe, handle, error, error_size) != 0)
        return -1;
    queue(pipe, (struct pipe_call){.op = op, .size = size, .extra = alignment, .handle = (uint32_t)*handle});
    return 0;
}

int pipe_reallocate(struct call_pipe *pipe, uint64_t old_handle, uint64_t old_size, uint64_t size,
                    uint64_t *handle, char *error, size_t error_size)
{
    if (take_handle(pipe, handle, error, error_size) != 0)
        return -1;
    queue(pipe, (struct pipe_call){.op = TRACE_REALLOC, .size = size, .extra = old_size, .handle = (uint32_t)*handle,
                                   .old_handle = (uint32_t)old_handle});
    give_back_handle(pipe, old_handle);
    return 0;
}

void pipe_release(struct call_pipe *pipe, uint64_t handle)
{
    if (!handle)
        return; /* free(NULL), or a block whose allocation was not made */
    queue(pipe, (struct pipe_call){.op = TRACE_FREE, .handle = (uint32_t)handle});
    give_back_handle(pipe, handle);
}

void pipe_trim(struct call_pipe *pipe)
{
    queue(pipe, (struct pipe_call){.op = TRACE_TRIM});
}

void pipe_note_peak(struct call_pipe *pipe)
{
    queue(pipe, (struct pipe_call){.op = NOTE_PEAK});
}

void pipe_sample(struct call_pipe *pipe, const struct replay_point *point, uint64_t live_bytes, uint64_t live_blocks)
{
    queue(pipe, (struct pipe_call){.op = SAMPLE, .point = point, .size = live_bytes, .extra = live_blocks});
}

void pipe_drain(struct call_pipe *pipe)
{
    publish(pipe);
    await(pipe, &pipe->reader_asleep, all_made);
}

void pipe_finish(struct call_pipe *pipe)
{
    publish(pipe);
    atomic_store(&pipe->finished, 1);
    rouse(pipe, &pipe->caller_asleep);
}

/* ---- The main thread's side. */

static bool calls_or_end(struct call_pipe *pipe)
{
    return atomic_load(&pipe->published) != atomic_load_explicit(&pipe->done, memory_order_relaxed) ||
           atomic_load(&pipe->finished);
}

static void make_call(struct call_pipe *pipe, const struct pipe_call *call)
{
    switch (call->op) {
    case TRACE_FREE:
        replay_release(*block_of(pipe, call->handle));
        break;
    case TRACE_TRIM:
        replay_trim();
        break;
    case NOTE_PEAK: /* here, not in the reading thread, which is ahead of the calls made */
        replay_note_peak();
        break;
    case SAMPLE:
        replay_sample(call->point, call->size, call->extra);
        break;
    case TRACE_REALLOC: {
        void *old = call->old_handle ? *block_of(pipe, call->old_handle) : NULL;
        *block_of(pipe, call->handle) = replay_reallocate(old, call->extra, call->size);
        break;
    }
    default:
        *block_of(pipe, call->handle) = replay_allocate((enum trace_op)call->op, call->size, call->extra);
        break;
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
        uint64_t until = available - made > BATCH ? made + BATCH : available;
        for (; made < until; made++)
            make_call(pipe, &pipe->ring[made & (pipe->ring_size - 1)]);
        atomic_store(&pipe->done, made);
        rouse(pipe, &pipe->reader_asleep);
    }
}
