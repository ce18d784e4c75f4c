/* The replay engine: a trace's calls made again in its threads' order, with samples where the recording took them. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "live.h"
#include "pipeline.h"
#include "private_alloc.h"
#include "replay.h"

/*
 * It reads the trace with the trace reader, whose tables live in the private allocator (private_alloc.c), not
 * in the allocator under test. A trace of one thread has its calls made in the main thread (read there, or in a
 * reading thread beside it: replay_one_thread). Otherwise the trace is read in a thread of the replay's, the
 * recorded main thread's calls are made in the main thread (main_worker_adopt), and each other recorded thread
 * gets a thread of its own; each is fed through a queue, from its first call to its last (then it exits, and its
 * allocator's thread cache goes as the program's did); a release waits for its block's allocation in another
 * thread, and an allocation at an address another thread released waits for that release (see dispatch). It
 * samples at the recording's rows (its marks exactly, Exit among them; the peak of RSS at a mark or by time), at
 * every 5% of the recorded time, and at its end.
 * Only the last process image is replayed (an exec'd launcher's heap is gone when the program starts).
 */

/* ---- Threads: one per recorded thread while it lives, each fed through a queue by the reading thread. */

enum { QUEUE = 4096, HANDLE_PAGE = 1 << 16, HANDLE_PAGES = 1 << 14, MAX_RUNNING = 1 << 14, JOIN_BATCH = 64,
       RELEASED_PRUNE = 1 << 16 };

/* One call for a replay thread: what to call, the handles of its blocks, and what it must wait for first. */
struct job {
    struct trace_event event;
    uint64_t handle;      /* the block it allocates or releases (the new one of a realloc) */
    uint64_t old_handle;  /* a realloc's old block */
    uint64_t old_size;
    uint32_t wait_worker; /* a call of another thread that must be done first, or UINT32_MAX */
    uint64_t wait_index;
};

/* A recorded thread's replay. Its counters outlive its thread: later calls of other threads may wait on them. */
struct worker {
    pthread_t thread;
    bool running;     /* started and not yet joined */
    bool in_main;     /* the recorded main thread's, made by the replay's main thread (main_worker_adopt) */
    _Atomic int left; /* in_main: the main thread has left worker_main, and no longer reads the queue */
    struct job *jobs; /* a ring of QUEUE jobs, while it runs */
    _Atomic uint64_t queued, done;
    /* An idle thread sleeps on its condition (it must not spin through the recorded idle it replays). */
    pthread_mutex_t lock;
    pthread_cond_t more;
    _Atomic int sleeping, stop; /* stop: exit once the queue is empty */
    uint64_t realloc_from;      /* the reading thread's: the address its realloc under way started from */
};

/* Where a block of the replay is, and the last call that touched its handle (the next must wait for it). */
struct handle {
    void *_Atomic block;  /* written by the thread that allocates, read by the one that releases */
    uint32_t last_worker; /* the reading thread's: the last call on this handle, which the next waits for */
    uint64_t last_index;
    uint64_t next_free;   /* the reading thread's list of handles whose block has been released */
};

/* The threads and handles of the replay under way (one at a time). */
static struct {
    struct worker **workers; /* by recorded thread number */
    uint32_t worker_slots;
    unsigned running;
    uint32_t stopping[JOIN_BATCH]; /* told to stop, not yet joined */
    unsigned stopping_count;
    struct handle *handle_pages[HANDLE_PAGES];
    uint64_t handle_count, free_handles; /* free_handles: the head of a list threaded through next_free */
    /*
     * Recorded addresses released by a queued call, with that call (its worker as the size, its index as the
     * tag), until an allocation at the address takes it; calls known done are pruned when it grows.
     */
    struct live_set released;
    uint64_t prune_at;
} threads;

/*
 * How many times an idle replay thread yields before it sleeps: 256 while the replay's threads fit the cores,
 * fewer as they outnumber them (thousands of threads each yielding 256 times between calls spent a replay of
 * 4 000 threads in sched_yield, 2.6 s for 8 000 calls). Set by the reading thread, read by the replay threads.
 */
enum { YIELDS_BEFORE_SLEEP = 256 };
static _Atomic unsigned yields_before_sleep = YIELDS_BEFORE_SLEEP;

static void set_yields_before_sleep(void)
{
    static long cores;
    if (!cores)
        cores = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
    unsigned threads_per_core = threads.running / (unsigned)cores;
    unsigned yields = threads_per_core <= 1 ? YIELDS_BEFORE_SLEEP : YIELDS_BEFORE_SLEEP / threads_per_core;
    atomic_store_explicit(&yields_before_sleep, yields ? yields : 1, memory_order_relaxed);
}

static struct handle *handle_at(uint64_t handle)
{
    return &threads.handle_pages[handle / HANDLE_PAGE][handle % HANDLE_PAGE];
}

/* A handle for a new block: a freed one if any (its last call is then a release to wait for), else a new one. */
static int take_handle(uint64_t *handle, char *error, size_t error_size)
{
    if (threads.free_handles) {
        *handle = threads.free_handles;
        threads.free_handles = handle_at(*handle)->next_free;
        return 0;
    }
    *handle = ++threads.handle_count;
    if (*handle / HANDLE_PAGE >= HANDLE_PAGES)
        return trace_failure(error, error_size, "more than %llu blocks live at once",
                       (unsigned long long)HANDLE_PAGES * HANDLE_PAGE - 1);
    struct handle **page = &threads.handle_pages[*handle / HANDLE_PAGE];
    if (!*page && !(*page = private_zeroed(HANDLE_PAGE, sizeof(struct handle))))
        abort();
    handle_at(*handle)->last_worker = UINT32_MAX;
    return 0;
}

static void wait_for(uint32_t worker, uint64_t index)
{
    for (unsigned spins = 0; worker != UINT32_MAX && atomic_load(&threads.workers[worker]->done) <= index; spins++)
        if (spins > 64)
            sched_yield();
}

/* One more call the job must wait for: one of the same worker as the one it has is merged; a second worker's is
   waited for here, by the reading thread (it was queued before, so it gets done). */
static void add_wait(struct job *job, uint32_t worker, uint64_t index)
{
    if (job->wait_worker == UINT32_MAX || job->wait_worker == worker) {
        if (job->wait_worker == UINT32_MAX || index > job->wait_index)
            job->wait_index = index;
        job->wait_worker = worker;
    } else
        wait_for(worker, index);
}

/* Keeps of the released addresses those whose release may still be under way. */
static void prune_released(void)
{
    struct live_set kept;
    live_init_tagged(&kept);
    for (size_t slot = 0; slot < threads.released.capacity; slot++) {
        const struct live_slot *entry = &threads.released.slots[slot];
        if (entry->key && atomic_load(&threads.workers[entry->size]->done) <= threads.released.tags[slot]) {
            live_add(&kept, entry->key, entry->size);
            live_set_tag(&kept, entry->key, threads.released.tags[slot]);
        }
    }
    live_free(&threads.released);
    threads.released = kept;
    threads.prune_at = kept.blocks * 2 > RELEASED_PRUNE ? kept.blocks * 2 : RELEASED_PRUNE;
}

/* The recorded address a queued call releases: a later allocation there in another thread waits for it. */
static void note_release(uint64_t address, uint32_t worker, uint64_t index)
{
    if (!address)
        return;
    live_add(&threads.released, address, worker); /* an earlier release there not taken: replaced */
    live_set_tag(&threads.released, address, index);
    if (threads.released.blocks > threads.prune_at)
        prune_released();
}

/* An allocation at a recorded address: if another thread's call released it, the job waits for that call. */
static void wait_for_release(struct job *job, uint64_t address, uint32_t thread)
{
    uint64_t worker;
    if (address && live_remove(&threads.released, address, &worker) && worker != thread)
        add_wait(job, (uint32_t)worker, threads.released.removed_tag);
}

static void run_job(struct job *job)
{
    wait_for(job->wait_worker, job->wait_index);
    const struct trace_event *event = &job->event;
    struct handle *handle = job->handle ? handle_at(job->handle) : NULL;
    switch (event->op) {
    case TRACE_FREE:
        if (handle)
            replay_release(atomic_load(&handle->block));
        break;
    case TRACE_TRIM:
        replay_trim();
        break;
    case TRACE_REALLOC:
    case TRACE_REALLOCARRAY: {
        void *old = job->old_handle ? atomic_load(&handle_at(job->old_handle)->block) : NULL;
        if (event->pointer && handle)
            atomic_store(&handle->block, replay_reallocate(old, job->old_size, event->size));
        else if (event->size == 0 && old) /* realloc(p, 0) freed p (glibc): the same here */
            replay_release(old);
        break;
    }
    default:
        if (handle)
            atomic_store(&handle->block, replay_allocate(event->op, event->size, event->alignment));
        break;
    }
}

static void *worker_main(void *argument)
{
    struct worker *worker = argument;
    for (;;) {
        uint64_t done = atomic_load(&worker->done);
        unsigned spins = 0;
        while (atomic_load(&worker->queued) == done) {
            /* Stop is set after the last call is queued: seen, the queue is read again before exiting. */
            if (atomic_load(&worker->stop)) {
                if (atomic_load(&worker->queued) == done)
                    return NULL;
                break;
            }
            if (++spins < atomic_load_explicit(&yields_before_sleep, memory_order_relaxed)) {
                sched_yield();
                continue;
            }
            /* Asleep until the reading thread queues a call or stops it (it wakes a thread that says it sleeps). */
            pthread_mutex_lock(&worker->lock);
            atomic_store(&worker->sleeping, 1);
            while (atomic_load(&worker->queued) == done && !atomic_load(&worker->stop))
                pthread_cond_wait(&worker->more, &worker->lock);
            atomic_store(&worker->sleeping, 0);
            pthread_mutex_unlock(&worker->lock);
        }
        run_job(&worker->jobs[done % QUEUE]);
        atomic_store(&worker->done, done + 1);
    }
}

static void wake(struct worker *worker)
{
    if (!atomic_load(&worker->sleeping))
        return;
    pthread_mutex_lock(&worker->lock);
    pthread_cond_signal(&worker->more);
    pthread_mutex_unlock(&worker->lock);
}

/* Joins the threads told to stop (each first makes the calls still queued), and frees their queues. */
static void join_stopping(void)
{
    for (unsigned i = 0; i < threads.stopping_count; i++) {
        struct worker *worker = threads.workers[threads.stopping[i]];
        if (worker->in_main)
            for (unsigned spins = 0; !atomic_load(&worker->left); spins++) {
                if (spins < 64)
                    sched_yield();
                else
                    usleep(100);
            }
        else
            pthread_join(worker->thread, NULL);
        private_free(worker->jobs);
        worker->jobs = NULL;
        worker->running = false;
        threads.running--;
    }
    threads.stopping_count = 0;
    set_yields_before_sleep();
}

/* Tells a recorded thread's replay that its calls are over: it exits after the last, and is joined later. */
static void stop_worker(uint32_t thread)
{
    struct worker *worker = thread < threads.worker_slots ? threads.workers[thread] : NULL;
    if (!worker || !worker->running || atomic_load(&worker->stop))
        return;
    if (threads.stopping_count == JOIN_BATCH)
        join_stopping();
    pthread_mutex_lock(&worker->lock);
    atomic_store(&worker->stop, 1);
    pthread_cond_signal(&worker->more);
    pthread_mutex_unlock(&worker->lock);
    threads.stopping[threads.stopping_count++] = thread;
}

/* A recorded thread's worker and its queue, not yet started (NULL: no memory for the queue, said in error). */
static struct worker *worker_make(uint32_t thread, char *error, size_t error_size)
{
    struct worker *worker;
    if (!(worker = threads.workers[thread] = private_calloc(1, sizeof *worker)))
        abort();
    /* Not zeroed: a job is written before its thread reads it, so only the part of the ring used is resident
       (a block of 640 KiB, from the private allocator's regions: never made resident whole). */
    if (!(worker->jobs = private_malloc(QUEUE * sizeof *worker->jobs))) {
        trace_failure(error, error_size, "cannot hold the queues of %u threads live at once", threads.running + 1);
        return NULL;
    }
    pthread_mutex_init(&worker->lock, NULL);
    pthread_cond_init(&worker->more, NULL);
    return worker;
}

static void worker_started(struct worker *worker)
{
    worker->running = true;
    threads.running++;
    set_yields_before_sleep();
}

/* The replay of a recorded thread, started at its first call. */
static struct worker *worker_for(uint32_t thread, char *error, size_t error_size)
{
    if (thread >= threads.worker_slots) {
        trace_failure(error, error_size, "corrupt trace: thread %" PRIu32 " beyond the %" PRIu32 " it numbers", thread,
                threads.worker_slots);
        return NULL;
    }
    struct worker *worker = threads.workers[thread];
    if (worker) {
        if (worker->running && !atomic_load(&worker->stop))
            return worker;
        trace_failure(error, error_size, "corrupt trace: thread %" PRIu32 " calls after its last call", thread);
        return NULL;
    }
    if (threads.running - threads.stopping_count >= MAX_RUNNING) {
        trace_failure(error, error_size, "more than %d threads of the trace live at once", MAX_RUNNING);
        return NULL;
    }
    if (threads.running >= MAX_RUNNING)
        join_stopping();
    if (!(worker = worker_make(thread, error, error_size)))
        return NULL;
    int failed = pthread_create(&worker->thread, NULL, worker_main, worker);
    if (failed) {
        private_free(worker->jobs);
        worker->jobs = NULL;
        trace_failure(error, error_size, "cannot start a thread: %s", strerror(failed));
        return NULL;
    }
    worker_started(worker);
    return worker;
}

/*
 * The recorded main thread (the last image's thread 0: an image starts with one thread, which makes its first
 * call) replayed by the replay's own main thread, while the trace is read and dispatched in another: the
 * program's main thread had the allocator's main-thread state (glibc's main arena, grown by brk; mimalloc's main
 * heap), which a thread of the replay's would not. 0, or -1 if its queue cannot be had.
 */
static int main_worker_adopt(void)
{
    char unused[8];
    struct worker *worker = worker_make(0, unused, sizeof unused);
    if (!worker) {
        private_free(threads.workers[0]);
        threads.workers[0] = NULL;
        return -1;
    }
    worker->in_main = true;
    worker_started(worker);
    return 0;
}

/* Undoes main_worker_adopt, where no thread could be had to read the trace beside it: thread 0 gets its own. */
static void main_worker_abandon(void)
{
    struct worker *worker = threads.workers[0];
    private_free(worker->jobs);
    pthread_mutex_destroy(&worker->lock);
    pthread_cond_destroy(&worker->more);
    private_free(worker);
    threads.workers[0] = NULL;
    threads.running--;
    set_yields_before_sleep();
}

/* Waits until every queued call has been made: before a sample, an idle gap, or the end. */
static void drain(void)
{
    for (uint32_t t = 0; t < threads.worker_slots; t++)
        if (threads.workers[t] && atomic_load(&threads.workers[t]->queued) > 0)
            wait_for(t, atomic_load(&threads.workers[t]->queued) - 1);
    join_stopping();
}

/* The threads set up for a trace that numbers thread_count threads (at most TRACE_REPLAY_MAX_THREADS: checked). */
static void threads_start(uint32_t thread_count)
{
    memset(&threads, 0, sizeof threads);
    threads.worker_slots = thread_count;
    live_init_tagged(&threads.released);
    threads.prune_at = RELEASED_PRUNE;
    /* Read only where a worker is then made (worker_for): a trace numbering 2^24 threads maps 128 MiB, not holds it. */
    if (!(threads.workers = private_zeroed(thread_count ? thread_count : 1, sizeof *threads.workers)))
        abort();
}

/* Every call queued made, every thread joined, the bookkeeping freed. */
static void threads_finish(void)
{
    drain();
    for (uint32_t t = 0; t < threads.worker_slots; t++)
        if (threads.workers[t] && threads.workers[t]->running)
            stop_worker(t);
    join_stopping();
    for (uint32_t t = 0; t < threads.worker_slots; t++)
        if (threads.workers[t]) {
            pthread_mutex_destroy(&threads.workers[t]->lock);
            pthread_cond_destroy(&threads.workers[t]->more);
            private_free(threads.workers[t]);
        }
    private_free(threads.workers);
    for (size_t page = 0; page < HANDLE_PAGES; page++)
        private_free(threads.handle_pages[page]);
    live_free(&threads.released);
    memset(&threads, 0, sizeof threads);
}

/*
 * The job of an event for its thread, with the handles it uses and the calls it must wait for: a release waits for
 * the last call on its block's handle (its allocation, or a realloc), an allocation on a recycled handle for the
 * release that freed the handle, and an allocation at a recorded address for the call of another thread that
 * released that address (the program's allocator handed it out again only then: without the wait both blocks
 * could be live at once in the replay). A realloc's old address is released at its end, when the replay makes it;
 * a thread handed that address between the realloc's start and end (the allocator freed it inside the call) is
 * not made to wait, as the call that releases it is not queued yet.
 */
static int dispatch(struct trace_reader *reader, const struct trace_event *event, char *error, size_t error_size)
{
    uint32_t thread = event->thread;
    if (trace_op_is_note(event->op))
        return 0; /* a sample point, or the CPU time */
    if (event->failed && event->op != TRACE_FREE)
        return 0; /* a failed call is not made; a failed realloc's old block keeps its handle (the reader's tag) */
    struct worker *worker = worker_for(thread, error, error_size);
    if (!worker)
        return -1;
    if (event->op == TRACE_REALLOC_START) {
        worker->realloc_from = event->pointer; /* the realloc is made at its end */
        return 0;
    }
    /*
     * A release call (malloc_trim) gives back what every thread had freed by then: it comes after every call
     * recorded before it, in any thread (queued on its own thread alone, it ran before other threads' frees).
     */
    if (event->op == TRACE_TRIM)
        drain();
    uint64_t index = atomic_load(&worker->queued);
    struct job job = {.event = *event, .wait_worker = UINT32_MAX};
    struct handle *old = event->tag ? handle_at(event->tag) : NULL;
    bool reallocation = event->op == TRACE_REALLOC || event->op == TRACE_REALLOCARRAY;
    if (trace_op_releases(event->op) || reallocation) {
        job.old_handle = event->tag;
        job.old_size = event->old_size;
        if (old && old->last_worker != thread)
            add_wait(&job, old->last_worker, old->last_index);
    }
    if (event->op == TRACE_FREE) {
        job.handle = event->tag;
        if (old)
            note_release(event->pointer, thread, index);
    } else if (event->pointer) {
        if (take_handle(&job.handle, error, error_size) != 0)
            return -1;
        struct handle *fresh = handle_at(job.handle);
        /* A recycled handle's last call (a release) may be another thread's: this one writes after it. */
        if (fresh->last_worker != UINT32_MAX && fresh->last_worker != thread)
            add_wait(&job, fresh->last_worker, fresh->last_index);
        fresh->last_worker = thread;
        fresh->last_index = index;
        trace_set_tag(reader, event->pointer, job.handle);
        wait_for_release(&job, event->pointer, thread);
    }
    if (reallocation && old && worker->realloc_from != event->pointer) /* moved, or realloc(p, 0) freed p */
        note_release(worker->realloc_from, thread, index);
    while (index - atomic_load(&worker->done) >= QUEUE) /* the queue is full: let the thread catch up */
        sched_yield();
    worker->jobs[index % QUEUE] = job;
    atomic_store(&worker->queued, index + 1);
    wake(worker);
    /* The old block's handle is free once this call has released it. */
    if (old) {
        old->last_worker = thread;
        old->last_index = index;
        old->next_free = threads.free_handles;
        threads.free_handles = event->tag;
    }
    return 0;
}

/* ---- One thread: what each event asks of the replay, made in the main thread either way. */

/*
 * What an event asks: nothing, the release of its old block (its tag), a realloc of that block, an allocation,
 * or the allocator's release call.
 */
enum call_kind { CALL_NONE, CALL_RELEASE, CALL_REALLOCATE, CALL_ALLOCATE, CALL_TRIM };

static enum call_kind call_kind_of(const struct trace_event *event)
{
    switch (event->op) {
    case TRACE_MARK:
    case TRACE_CPU:
    case TRACE_REALLOC_START:
        return CALL_NONE;
    case TRACE_FREE:
        return CALL_RELEASE;
    case TRACE_TRIM:
        return CALL_TRIM;
    case TRACE_REALLOC:
    case TRACE_REALLOCARRAY:
        if (event->failed)
            return CALL_NONE; /* the old block stays, with its tag */
        if (event->pointer)
            return CALL_REALLOCATE;
        return event->size == 0 ? CALL_RELEASE : CALL_NONE; /* realloc(p, 0) freed p (glibc): the same here */
    default:
        return event->failed || !event->pointer ? CALL_NONE : CALL_ALLOCATE; /* not made: its release frees NULL */
    }
}

/* Read and replayed in the main thread: each block's tag in the live set is the replay's block. */
static void replay_inline(struct trace_reader *reader, const struct trace_event *event)
{
    void *old = (void *)(uintptr_t)event->tag, *block = NULL;
    switch (call_kind_of(event)) {
    case CALL_NONE:
        return;
    case CALL_RELEASE:
        replay_release(old);
        return;
    case CALL_TRIM:
        replay_trim();
        return;
    case CALL_REALLOCATE:
        block = replay_reallocate(old, event->old_size, event->size);
        break;
    case CALL_ALLOCATE:
        block = replay_allocate(event->op, event->size, event->alignment);
        break;
    }
    if (block)
        trace_set_tag(reader, event->pointer, (uint64_t)(uintptr_t)block);
}

/* Queued for the main thread by a reading thread (pipeline.c): each block's tag in the live set is its handle. */
static int queue_call(struct call_pipe *pipe, struct trace_reader *reader, const struct trace_event *event, char *error,
                      size_t error_size)
{
    uint64_t handle = 0;
    switch (call_kind_of(event)) {
    case CALL_NONE:
        return 0;
    case CALL_RELEASE:
        pipe_release(pipe, event->tag);
        return 0;
    case CALL_TRIM:
        pipe_trim(pipe);
        return 0;
    case CALL_REALLOCATE:
        if (pipe_reallocate(pipe, event->tag, event->old_size, event->size, &handle, error, error_size) != 0)
            return -1;
        break;
    case CALL_ALLOCATE:
        if (pipe_allocate(pipe, event->op, event->size, event->alignment, &handle, error, error_size) != 0)
            return -1;
        break;
    }
    trace_set_tag(reader, event->pointer, handle);
    return 0;
}

/* ---- The sample points: the recording's rows, and every 5% of its time. */

static int compare_points(const void *left, const void *right)
{
    const struct replay_point *a = left, *b = right;
    return a->ns < b->ns ? -1 : a->ns > b->ns;
}

static uint64_t since_start(const struct trace_info *info, uint64_t ns)
{
    return ns > info->start_ns ? ns - info->start_ns : 0;
}

static size_t make_points(const struct trace_info *info, struct replay_point *points)
{
    size_t count = 0;
    uint64_t known = trace_known_until(info), span = since_start(info, known < info->last_ns ? known : info->last_ns);
    for (size_t i = 0; i < info->row_count; i++) {
        const struct trace_row *row = &info->rows[i];
        if (row->ns > known)
            continue; /* past the calls the trace holds (its recording stopped, or the program died): no live heap */
        points[count] = (struct replay_point){.ns = row->ns, .at_ns = since_start(info, row->ns), .rss_kb = row->rss_kb,
                                              .mark = row->mark};
        snprintf(points[count].label, sizeof points[count].label, "%s", row->label);
        count++;
    }
    for (unsigned percent = 5; percent < 100 && span > 0; percent += 5) {
        uint64_t at_ns = span / 100 * percent + span % 100 * percent / 100; /* span * percent would wrap past 5.8 years */
        points[count] = (struct replay_point){.ns = info->start_ns + at_ns, .at_ns = at_ns};
        snprintf(points[count].label, sizeof points[count].label, "%u%%", percent); /* of the recorded time */
        count++;
    }
    qsort(points, count, sizeof *points, compare_points);
    return count;
}

static void sleep_ns(uint64_t ns)
{
    struct timespec gap = {.tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u)};
    while (nanosleep(&gap, &gap) != 0 && errno == EINTR)
        ;
}


/* ---- The replay. */

struct replay {
    const struct replay_options *options;
    struct trace_reader *reader;
    const struct trace_info *info;
    bool threaded;           /* several recorded threads, each replayed by one of its own */
    struct call_pipe *pipe;  /* else, while not NULL: the calls queued for the main thread by a reading thread */
    struct replay_point *points;
    size_t point_count, next_point;
    uint64_t previous_ns, live_bytes, live_blocks;
    uint64_t first_ns, started_ns; /* REPLAY_TIME_REAL: the first event's recorded time, and the replay's then */
    uint64_t cpu_ns, cpu_at_ns;    /* the last CPU note: the process's CPU time, and when (cpu_at_ns 0: none yet) */
    uint64_t allocated_unchecked;  /* bytes allocated since the last replay_note_peak */
    struct replay_outcome outcome;
};

/* How early the replay may be on the recorded clock before --time=real waits: a sleep costs about 60 µs. */
enum { REAL_TIME_SLACK_NS = 1000000 };

static uint64_t monotonic_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/*
 * The share of a pause of the recording that was idle, from the CPU notes around it (a trace of version 2): the
 * note that ends the pause against the one before it, which is at most a millisecond (a coarse tick) before the
 * pause began. 1 where the trace cannot tell (no note ends it: a version 1 trace), so the pause is taken as idle.
 */
static double idle_share(const struct replay *replay, const struct trace_event *event, uint64_t pause_ns)
{
    if (event->op != TRACE_CPU || !replay->cpu_at_ns || event->ns <= replay->cpu_at_ns || pause_ns == 0)
        return 1;
    uint64_t wall = event->ns - replay->cpu_at_ns;
    uint64_t busy = event->cpu_ns > replay->cpu_ns ? event->cpu_ns - replay->cpu_ns : 0;
    uint64_t idle = wall > busy ? wall - busy : 0;
    return idle >= pause_ns ? 1 : (double)idle / (double)pause_ns;
}

/*
 * Whether the replay waits before this event, from which point of the recorded clock (*from), and the share of
 * the wait it sleeps (*share): after a gap of the recording longer than gap_ns whose idle part, by the CPU notes,
 * is longer than gap_ns too (gaps: the busy part, a program working without calls, is compressed as the rest of
 * its busy time), or whenever it is ahead of the recorded clock (real; the first event sets the replay's clock
 * against the recorded one).
 */
static bool must_wait(struct replay *replay, const struct trace_event *event, uint64_t *from, double *share)
{
    *share = 1;
    switch (replay->options->time) {
    case REPLAY_TIME_GAPS: {
        *from = replay->previous_ns;
        uint64_t pause = replay->previous_ns && event->ns > replay->previous_ns ? event->ns - replay->previous_ns : 0;
        if (pause <= replay->options->gap_ns)
            return false;
        *share = idle_share(replay, event, pause);
        return (double)pause * *share > (double)replay->options->gap_ns;
    }
    case REPLAY_TIME_REAL:
        if (!replay->previous_ns) {
            replay->started_ns = monotonic_ns();
            return false;
        }
        *from = replay->first_ns + (monotonic_ns() - replay->started_ns);
        return event->ns > *from + REAL_TIME_SLACK_NS;
    case REPLAY_TIME_FAST:
        break;
    }
    return false;
}

/* Returns once every call queued has been made, by whichever threads make them. */
static void drain_calls(struct replay *replay)
{
    if (replay->threaded)
        drain();
    else if (replay->pipe)
        pipe_drain(replay->pipe);
}

/*
 * A row once every call before it is made: taken here after the others' calls are made, or, for a one-thread
 * trace read in a thread of its own, queued behind its calls (the reading thread reads on; point must live
 * until the replay's end).
 */
static void sample_now(struct replay *replay, const struct replay_point *point, uint64_t live_bytes, uint64_t live_blocks)
{
    if (replay->pipe) {
        pipe_sample(replay->pipe, point, live_bytes, live_blocks);
        return;
    }
    drain_calls(replay);
    replay_sample(point, live_bytes, live_blocks);
}

/*
 * Before an event: a wait (must_wait: the calls so far made, then the sleep, cut at each sample point inside it:
 * a point in the wait is taken as far into it as it was recorded), then the points passed, then the event's mark.
 */
static void before_event(struct replay *replay, const struct trace_event *event)
{
    struct replay_point *points = replay->points;
    uint64_t at = 0;
    double share = 1;
    if (!replay->previous_ns)
        replay->first_ns = event->ns;
    if (must_wait(replay, event, &at, &share)) {
        drain_calls(replay);
        for (; replay->next_point < replay->point_count && points[replay->next_point].ns < event->ns; replay->next_point++)
            if (!points[replay->next_point].mark) {
                if (points[replay->next_point].ns > at) {
                    sleep_ns((uint64_t)((double)(points[replay->next_point].ns - at) * share));
                    at = points[replay->next_point].ns;
                }
                replay_sample(&points[replay->next_point], replay->live_bytes, replay->live_blocks);
            }
        sleep_ns((uint64_t)((double)(event->ns - at) * share));
    }
    if (event->op == TRACE_CPU) {
        replay->cpu_ns = event->cpu_ns;
        replay->cpu_at_ns = event->ns;
    }
    for (; replay->next_point < replay->point_count && points[replay->next_point].ns < event->ns; replay->next_point++)
        if (!points[replay->next_point].mark)
            sample_now(replay, &points[replay->next_point], replay->live_bytes, replay->live_blocks);
    replay->previous_ns = event->ns;
    if (event->op == TRACE_MARK)
        for (size_t i = 0; i < replay->point_count; i++)
            if (points[i].mark == event->mark && !points[i].taken) {
                /*
                 * Placed at the mark's event, on the clock the points placed by time are compared with: its row's
                 * own time is stamped after its sample and may be finer (the recorder's coarse clock is 4 ms).
                 * Taken once: the main thread may still be reading it (a trace that repeats a mark is corrupt).
                 */
                points[i].taken = true;
                points[i].at_ns = since_start(replay->info, event->ns);
                sample_now(replay, &points[i], event->live_bytes, event->live_blocks);
            }
}

/* An event's calls, made in the main thread, queued for it, or dispatched to the event's thread. */
static int make_calls(struct replay *replay, const struct trace_event *event, char *error, size_t error_size)
{
    if (!replay->threaded && !replay->pipe)
        replay_inline(replay->reader, event);
    else if (!replay->threaded)
        return queue_call(replay->pipe, replay->reader, event, error, error_size);
    else
        return dispatch(replay->reader, event, error, error_size);
    return 0;
}

/*
 * An event that disagrees with those before it: counted, and an allocation at an address where a block is still
 * live releases that block first. The program's allocator handed the address out again, so the program had given
 * the block back by a path the recorder does not see; kept, it would be a block the program no longer held.
 */
static int mend_order_error(struct replay *replay, const struct trace_event *event, char *error, size_t error_size)
{
    if (!event->displaced_tag) {
        replay->outcome.releases_not_live += trace_op_releases(event->op) || event->op == TRACE_REALLOC_START;
        replay->outcome.allocations_at_live += !trace_op_releases(event->op) && event->op != TRACE_REALLOC_START;
        return 0;
    }
    replay->outcome.allocations_at_live++;
    struct trace_event release = {.op = TRACE_FREE, .image = event->image, .thread = event->thread, .ns = event->ns,
                                  .pointer = event->pointer, .tag = event->displaced_tag};
    return make_calls(replay, &release, error, error_size);
}

/* Every event of the last image made again; 1 at the end, -1 on an error. */
static int replay_events(struct replay *replay, char *error, size_t error_size)
{
    struct trace_event event;
    int status;
    while ((status = trace_next(replay->reader, &event, error, error_size)) > 0) {
        if (event.image + 1 < replay->info->images) { /* an image that exec'd: its heap is gone when the last starts */
            for (size_t i = 0; event.op == TRACE_MARK && i < replay->point_count; i++)
                if (replay->points[i].mark == event.mark)
                    replay->points[i].mark = 0; /* its row (a launcher's Start) is taken by time: at the start */
            continue;
        }
        before_event(replay, &event);
        if (event.order_error && mend_order_error(replay, &event, error, error_size) != 0)
            return -1;
        if (make_calls(replay, &event, error, error_size) != 0)
            return -1;
        if (replay->threaded && event.thread_ends)
            stop_worker(event.thread);
        replay->live_bytes = event.live_bytes;
        replay->live_blocks = event.live_blocks;
        /* A peak between two rows (a large block allocated and freed soon after) is noted when it is made. */
        if (trace_op_has_pointer(event.op) && !trace_op_releases(event.op) && !event.failed && /* a failed one: no bytes */
            (replay->allocated_unchecked += event.size) >= REPLAY_PEAK_CHECK_BYTES) {
            replay->allocated_unchecked = 0;
            if (replay->pipe)
                pipe_note_peak(replay->pipe);
            else
                replay_note_peak();
        }
    }
    return status;
}

/*
 * Whether a one-thread trace is read in a thread of its own beside the calls (replay_one_thread), or read and
 * replayed in the main thread: the calls' own time is mostly the page faults of a growing heap, and a call
 * handed to the other core costs about a cache line's trip each way. Where the recording's RSS peaked at 4 bytes
 * or more per byte of trace (jq's traces: 25 to 35; its replay takes about 15% less wall time so), the reading
 * is worth moving beside the calls; below (a trace of small blocks reused: 0.2), it is not (its replay took 2.5
 * times as long). A trace without the recording's rows is replayed in one thread.
 */
static bool faults_outweigh_reading(const struct trace_info *info)
{
    enum { RSS_BYTES_PER_TRACE_BYTE = 4 };
    uint64_t peak_kb = 0;
    for (size_t i = 0; i < info->row_count; i++)
        if (info->rows[i].rss_kb > peak_kb)
            peak_kb = info->rows[i].rss_kb;
    return peak_kb * 1024 >= RSS_BYTES_PER_TRACE_BYTE * info->file_bytes;
}

/* A reading thread: the trace read beside the calls, which the main thread makes. */
struct reading {
    struct replay *replay;
    char *error;
    size_t error_size;
    int status;
};

/*
 * Starts a reading thread running body on a stack of the replay's own (not the allocator's under test); 0, or
 * -1 where no thread can be had (no memory for its stack, no thread), the stack then freed.
 */
static int start_reading(pthread_t *thread, void *(*body)(void *), struct reading *reading)
{
    enum { READING_STACK = 1 << 20 };
    void *stack = private_stack(READING_STACK);
    if (!stack)
        return -1;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setstack(&attributes, stack, READING_STACK);
    int failed = pthread_create(thread, &attributes, body, reading);
    pthread_attr_destroy(&attributes);
    if (failed)
        private_stack_free();
    return failed ? -1 : 0;
}

/* The reading thread of a one-thread trace: the events read and queued as calls, then the end told. */
static void *read_and_queue(void *argument)
{
    struct reading *reading = argument;
    reading->status = replay_events(reading->replay, reading->error, reading->error_size);
    pipe_finish(reading->replay->pipe);
    return NULL;
}

/* The reading thread of a threaded trace: the events read and dispatched, then every thread's calls made. */
static void *read_and_dispatch(void *argument)
{
    struct reading *reading = argument;
    reading->status = replay_events(reading->replay, reading->error, reading->error_size);
    threads_finish();
    return NULL;
}

/*
 * A threaded trace: read and dispatched in a thread of the replay's, the recorded main thread's calls made in the
 * main thread (main_worker_adopt), each other thread's in one of its own. Where the reading thread cannot be had,
 * the trace is read in the main thread, and the recorded main thread gets a thread of its own like the others.
 */
static int replay_threads(struct replay *replay, char *error, size_t error_size)
{
    struct reading reading = {.replay = replay, .error = error, .error_size = error_size};
    threads_start(replay->info->last_image_threads);
    pthread_t reader;
    if (main_worker_adopt() == 0) {
        if (start_reading(&reader, read_and_dispatch, &reading) == 0) {
            struct worker *main_worker = threads.workers[0];
            worker_main(main_worker);
            atomic_store(&main_worker->left, 1); /* the reading thread frees it once it sees this */
            pthread_join(reader, NULL);
            private_stack_free();
            return reading.status;
        }
        main_worker_abandon();
    }
    int status = replay_events(replay, error, error_size);
    threads_finish();
    return status;
}

/*
 * A one-thread trace: read in a thread of the replay's, its calls made in the main thread (pipeline.c). Where
 * that thread cannot be had (no memory for its stack, no thread), the trace is read in the main thread instead.
 */
static int replay_one_thread(struct replay *replay, char *error, size_t error_size)
{
    struct reading reading = {.replay = replay, .error = error, .error_size = error_size};
    replay->pipe = pipe_open(replay->info->file_bytes);
    pthread_t reader;
    int failed = start_reading(&reader, read_and_queue, &reading);
    if (!failed) {
        pipe_make_calls(replay->pipe);
        pthread_join(reader, NULL);
        private_stack_free();
    }
    pipe_close(replay->pipe);
    replay->pipe = NULL;
    return failed ? replay_events(replay, error, error_size) : reading.status;
}

int replay_trace(const struct replay_options *options, struct replay_outcome *outcome, char *error, size_t error_size)
{
    struct replay replay = {.options = options};
    if (!(replay.reader = trace_open(options->trace, error, error_size)))
        return -1;
    trace_keep_tags(replay.reader);
    replay.info = trace_info(replay.reader);
    if (trace_check_replayable(replay.info, options->trace, error, error_size) != 0) {
        trace_close(replay.reader);
        return -1;
    }
    /* The last image's threads alone: a launcher's second thread would put a one-thread program's calls in a
       replay thread (under glibc another arena than the main thread's, which served them when recorded). */
    replay.threaded = replay.info->last_image_threads > 1;
    replay_begin(replay.info, replay.threaded);
    if (!(replay.points = private_calloc(replay.info->row_count + 20, sizeof *replay.points)))
        abort();
    replay.point_count = make_points(replay.info, replay.points);
    int status;
    if (replay.threaded)
        status = replay_threads(&replay, error, error_size);
    else if (faults_outweigh_reading(replay.info))
        status = replay_one_thread(&replay, error, error_size);
    else
        status = replay_events(&replay, error, error_size);
    if (status == 0) {
        for (; replay.next_point < replay.point_count; replay.next_point++)
            if (!replay.points[replay.next_point].mark)
                replay_sample(&replay.points[replay.next_point], replay.live_bytes, replay.live_blocks);
        /* "Replay end", not "End": a program's own mark may be called so. */
        struct replay_point end = {.at_ns = since_start(replay.info, replay.info->last_ns), .label = "Replay end"};
        replay_sample(&end, replay.live_bytes, replay.live_blocks);
    }
    if (status < 0) { /* found part way (a chunk that does not read): said with the trace it is in */
        char found[512];
        snprintf(found, sizeof found, "%s", error);
        snprintf(error, error_size, "%s: %s", options->trace, found);
    }
    if (outcome)
        *outcome = replay.outcome;
    private_free(replay.points);
    trace_close(replay.reader);
    return status;
}
