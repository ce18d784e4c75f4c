/* A threaded replay's threads: one per recorded thread while it lives, fed through a queue, with the waits between them. */
#define _GNU_SOURCE
#include "threads.h"

#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu_share.h"
#include "live.h"
#include "out_of_memory.h"
#include "own_threads.h"
#include "private_alloc.h"
#include "replay.h"

enum { QUEUE = 4096, PUBLISH_BATCH = 256, HANDLE_PAGE = 1 << 16, HANDLE_PAGES = 1 << 14, MAX_RUNNING = 1 << 14, JOIN_BATCH = 64,
       RELEASED_PRUNE = 1 << 16 };

/* One call for a replay thread: what to call, the handles of its blocks, and what it must wait for first. */
struct job {
    uint64_t size;        /* as asked; a realloc's new size */
    uint64_t alignment;
    uint64_t handle;      /* the block it allocates or releases (the new one of a realloc); 0: none */
    uint64_t old_handle;  /* a realloc's old block */
    uint64_t old_size;
    uint64_t wait_index;
    uint32_t wait_worker; /* a call of another thread that must be done first, or UINT32_MAX */
    uint8_t op;           /* enum trace_op */
    bool allocated;       /* the recorded call returned a block (a realloc's end) */
};

_Static_assert(sizeof(struct job) == 56, "docs/replay.md says a call takes 56 bytes of its thread's queue");

/*
 * A recorded thread's replay. Its counters outlive its thread: later calls of other threads may wait on them. The
 * fields each side writes are kept a cache line apart from those the other side reads at every call (sharing one
 * line, the replay of a two-thread CPython trace took twice as long).
 */
enum { CACHE_LINE = 64 };
struct worker {
    /* Read by both sides, written seldom. */
    pthread_t thread;
    bool running;     /* started and not yet joined */
    bool in_main;     /* the recorded main thread's, made by the replay's main thread (threads_adopt_main) */
    struct job *jobs; /* a ring of QUEUE jobs, while it runs */
    /* An idle thread sleeps on its condition (it must not spin through the recorded idle it replays). */
    pthread_mutex_t lock;
    pthread_cond_t more;
    char apart_from_the_reading_thread[CACHE_LINE];
    /*
     * The reading thread's own: written, the calls put in the ring, of which published have been published
     * (PUBLISH_BATCH at a time, or sooner where another call or the reading thread waits on them: publish);
     * done_seen, the thread's done when last read (the ring is full only if it is); stopping, stop as stored.
     */
    uint64_t written, published, done_seen;
    uint64_t realloc_from; /* the address its realloc under way started from */
    bool stopping;
    bool end_noted; /* the trace noted the thread's end (TRACE_THREAD_END): joined at its last event, not later */
    char apart_from_what_it_publishes[CACHE_LINE];
    /* Written by the reading thread, read by the thread. */
    _Atomic uint64_t queued;
    _Atomic int stop; /* exit once the queue is empty */
    char apart_from_the_thread[CACHE_LINE];
    /* The thread's. */
    _Atomic uint64_t done;
    _Atomic int sleeping;
    _Atomic int left; /* in_main: the main thread has left worker_main, and no longer reads the queue */
    char apart_from_the_next[CACHE_LINE];
};

/*
 * The reading thread's record of a handle: the last call that touched it (the next must wait for it). Where its
 * block is, written by the thread that allocates and read by the one that releases, is kept apart (block_at):
 * beside these, each call's write there took the reading thread's next look at the line away from it.
 */
struct handle {
    uint32_t last_worker;
    uint64_t last_index;
    uint64_t next_free; /* the list of handles whose block has been released (take_handle) */
};

/* The threads and handles of the replay under way (one at a time). */
static struct {
    struct worker **workers; /* by recorded thread number */
    uint32_t worker_slots;
    /* The numbers of the threads a worker was made for, in order: what a drain or the end goes through (all the slots,
       read at each drain, made a trace numbering 2^24 threads, two of them used, hold 128 MiB). */
    uint32_t *made;
    uint32_t made_count;
    unsigned running;
    uint32_t stopping[JOIN_BATCH]; /* told to stop, not yet joined */
    unsigned stopping_count;
    /* The pages of handles and of their blocks (HANDLE_PAGES each), in the replay's own memory: as arrays here, 256 kB
       of the program's image made resident by threads_start's memset, which no row subtracted. */
    struct handle **handle_pages;
    void *_Atomic **block_pages;
    uint64_t handle_count;
    uint64_t free_first, free_last; /* the handles whose block has been released, oldest first (take_handle) */
    /*
     * Recorded addresses released by a queued call, with that call (its worker as the size, its index as the
     * tag), until an allocation at the address takes it; calls known done are pruned when it grows.
     */
    struct live_set released;
    uint64_t prune_at;
    struct worker *last_dispatched; /* the thread of the last call written: published when another's comes */
    uint32_t turn_thread; /* the thread of the calls dispatched last, and how many of its in a row (threads.h) */
    uint64_t turn_calls;
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
    static long cores; /* the CPUs' worth the replay may use (its affinity, its cgroups' quota), rounded up */
    if (!cores) {
        double share = cpu_share();
        cores = share > 1 ? (long)share + (share > (double)(long)share) : 1;
    }
    unsigned threads_per_core = threads.running / (unsigned)cores;
    unsigned yields = threads_per_core <= 1 ? YIELDS_BEFORE_SLEEP : YIELDS_BEFORE_SLEEP / threads_per_core;
    atomic_store_explicit(&yields_before_sleep, yields ? yields : 1, memory_order_relaxed);
}

static struct handle *handle_at(uint64_t handle)
{
    return &threads.handle_pages[handle / HANDLE_PAGE][handle % HANDLE_PAGE];
}

/* The replay's block of a handle. Relaxed: a thread that reads another's waited for that call's done first. */
static void *_Atomic *block_at(uint64_t handle)
{
    return &threads.block_pages[handle / HANDLE_PAGE][handle % HANDLE_PAGE];
}

/* Whether a thread's call has been made, by what the reading thread last read of its count, else read again. */
static bool call_done(uint32_t worker, uint64_t index)
{
    struct worker *made_by = threads.workers[worker];
    if (index < made_by->done_seen)
        return true;
    made_by->done_seen = atomic_load_explicit(&made_by->done, memory_order_acquire);
    return index < made_by->done_seen;
}

/*
 * A handle for a new block of thread's: the one released longest ago, where its release is this thread's own call
 * (made before this one, in its queue) or has been made; else a new one. A handle whose release is still queued in
 * another thread would make this call wait for that one, a wait the program did not have: handed out last
 * released first, a threaded replay's allocations waited on other threads' frees of unrelated blocks, and the
 * reading thread on them where a call waited on two threads (add_wait). Oldest first, the one looked at has
 * mostly been made; the table grows by the releases queued since the oldest one still under way, at most.
 */
static int take_handle(uint32_t thread, uint64_t *handle, char *error, size_t error_size)
{
    struct handle *oldest = threads.free_first ? handle_at(threads.free_first) : NULL;
    if (oldest && (oldest->last_worker == thread || call_done(oldest->last_worker, oldest->last_index))) {
        *handle = threads.free_first;
        if (!(threads.free_first = oldest->next_free))
            threads.free_last = 0;
        oldest->last_worker = UINT32_MAX; /* nothing to wait for */
        return 0;
    }
    *handle = ++threads.handle_count;
    if (*handle / HANDLE_PAGE >= HANDLE_PAGES)
        return trace_failure(error, error_size, "more than %llu blocks live at once",
                       (unsigned long long)HANDLE_PAGES * HANDLE_PAGE - 1);
    struct handle **page = &threads.handle_pages[*handle / HANDLE_PAGE];
    if (!*page && !(*page = private_zeroed(HANDLE_PAGE, sizeof(struct handle))))
        out_of_memory("the threaded replay's table of live blocks", HANDLE_PAGE, sizeof(struct handle));
    void *_Atomic **blocks = &threads.block_pages[*handle / HANDLE_PAGE];
    if (!*blocks && !(*blocks = private_zeroed(HANDLE_PAGE, sizeof(void *))))
        out_of_memory("the threaded replay's table of live blocks", HANDLE_PAGE, sizeof(void *));
    handle_at(*handle)->last_worker = UINT32_MAX;
    return 0;
}

static void wait_for(uint32_t worker, uint64_t index)
{
    for (unsigned spins = 0; worker != UINT32_MAX && atomic_load(&threads.workers[worker]->done) <= index; spins++)
        if (spins > 64)
            sched_yield();
}

static void wake(struct worker *worker)
{
    if (!atomic_load(&worker->sleeping))
        return;
    pthread_mutex_lock(&worker->lock);
    pthread_cond_signal(&worker->more);
    pthread_mutex_unlock(&worker->lock);
}

/*
 * Publishes the calls written to a thread's ring, and wakes it if it sleeps. The reading thread's own waits, and a
 * call that waits on another thread's, publish that thread first: a call not published would never be made.
 */
static void publish(struct worker *worker)
{
    if (worker->written == worker->published)
        return;
    worker->published = worker->written;
    atomic_store_explicit(&worker->queued, worker->written, memory_order_release);
    /* queued stored before sleeping is read: the thread stores sleeping before it reads queued again. */
    atomic_thread_fence(memory_order_seq_cst);
    wake(worker);
}

/* The reading thread waits until a thread has made its call number index. */
static void wait_published(uint32_t worker, uint64_t index)
{
    publish(threads.workers[worker]);
    wait_for(worker, index);
}

/* One more call the job must wait for: one of the same worker as the one it has is merged; a second worker's is
   waited for here, by the reading thread (it was queued before, so it gets done). */
static void add_wait(struct job *job, uint32_t worker, uint64_t index)
{
    if (job->wait_worker == UINT32_MAX || job->wait_worker == worker) {
        if (job->wait_worker == UINT32_MAX || index > job->wait_index)
            job->wait_index = index;
        job->wait_worker = worker;
        publish(threads.workers[worker]);
    } else
        wait_published(worker, index);
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
    void *_Atomic *block = job->handle ? block_at(job->handle) : NULL;
    switch (job->op) {
    case TRACE_FREE:
        if (block)
            replay_release(atomic_load_explicit(block, memory_order_relaxed));
        break;
    case TRACE_TRIM:
        replay_trim();
        break;
    case TRACE_REALLOC:
    case TRACE_REALLOCARRAY: {
        void *old = job->old_handle ? atomic_load_explicit(block_at(job->old_handle), memory_order_relaxed) : NULL;
        if (job->allocated && block)
            atomic_store_explicit(block, replay_reallocate(old, job->old_size, job->size), memory_order_relaxed);
        else if (job->size == 0 && old) /* realloc(p, 0) freed p (glibc): the same here */
            replay_release(old);
        break;
    }
    default:
        if (block)
            atomic_store_explicit(block, replay_allocate(job->op, job->size, job->alignment), memory_order_relaxed);
        break;
    }
}

static void *worker_main(void *argument)
{
    struct worker *worker = argument;
    for (;;) {
        uint64_t done = atomic_load_explicit(&worker->done, memory_order_relaxed); /* its own */
        unsigned spins = 0;
        uint64_t queued;
        while ((queued = atomic_load_explicit(&worker->queued, memory_order_acquire)) == done) {
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
        /* Each call's end is told at once: another thread's call may be waiting for it. */
        for (; done < queued; done++) {
            run_job(&worker->jobs[done % QUEUE]);
            atomic_store_explicit(&worker->done, done + 1, memory_order_release);
        }
    }
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

void threads_note_end(uint32_t thread)
{
    struct worker *worker = thread < threads.worker_slots ? threads.workers[thread] : NULL;
    if (worker)
        worker->end_noted = true;
}

/*
 * Tells a recorded thread's replay that its calls are over: it exits after the last. One whose end the trace
 * noted is joined now, before any later call is read: the program's thread had ended (its allocator's work at a
 * thread's end done) before the calls that follow, which may free its blocks. Joined in a batch later, it ended
 * after main's frees of its blocks in a replay under mimalloc-decommit0, which then gave back 53 MB of 72 that
 * the program kept (tests/record_threads handoff). Others (an older trace's, whose last call may come well before
 * the thread's end) are joined later, JOIN_BATCH at a time.
 */
void threads_stop(uint32_t thread)
{
    struct worker *worker = thread < threads.worker_slots ? threads.workers[thread] : NULL;
    if (!worker || !worker->running || worker->stopping)
        return;
    if (threads.stopping_count == JOIN_BATCH)
        join_stopping();
    publish(worker); /* its last calls, before it is told to stop once they are made */
    pthread_mutex_lock(&worker->lock);
    worker->stopping = true;
    atomic_store(&worker->stop, 1);
    pthread_cond_signal(&worker->more);
    pthread_mutex_unlock(&worker->lock);
    threads.stopping[threads.stopping_count++] = thread;
    if (worker->end_noted)
        join_stopping();
}

void threads_last_event(uint32_t thread, bool ends_noted)
{
    struct worker *worker = thread < threads.worker_slots ? threads.workers[thread] : NULL;
    if (worker && (!ends_noted || worker->end_noted))
        threads_stop(thread);
}

/* A recorded thread's worker and its queue, not yet started (NULL: no memory for the queue, said in error). */
static struct worker *worker_make(uint32_t thread, char *error, size_t error_size)
{
    struct worker *worker;
    if (!(worker = threads.workers[thread] = private_calloc(1, sizeof *worker)))
        out_of_memory("a replay thread's queue", 1, sizeof *worker);
    threads.made[threads.made_count++] = thread;
    /* Not zeroed: a job is written before its thread reads it, so only the part of the ring used is resident
       (a block of 224 KiB, from the private allocator's regions: never made resident whole). */
    if (!(worker->jobs = private_malloc(QUEUE * sizeof *worker->jobs))) {
        trace_failure(error, error_size, "cannot hold the queues of %u threads live at once", threads.running + 1);
        return NULL;
    }
    pthread_mutex_init(&worker->lock, NULL);
    pthread_cond_init(&worker->more, NULL);
    return worker;
}

/* A worker made and then undone (threads_adopt_main's, where it could not be had or was given up): off the list. */
static void unlist(uint32_t thread)
{
    for (uint32_t m = threads.made_count; m-- > 0;)
        if (threads.made[m] == thread) {
            threads.made[m] = threads.made[--threads.made_count];
            return;
        }
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
        if (worker->running && !worker->stopping)
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
    int failed = own_thread_create(&worker->thread, NULL, worker_main, worker);
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
int threads_adopt_main(void)
{
    char unused[8];
    struct worker *worker = worker_make(0, unused, sizeof unused);
    if (!worker) {
        private_free(threads.workers[0]);
        threads.workers[0] = NULL;
        unlist(0);
        return -1;
    }
    worker->in_main = true;
    worker_started(worker);
    return 0;
}

/* Undoes threads_adopt_main, where no thread could be had to read the trace beside it: thread 0 gets its own. */
void threads_abandon_main(void)
{
    struct worker *worker = threads.workers[0];
    private_free(worker->jobs);
    pthread_mutex_destroy(&worker->lock);
    pthread_cond_destroy(&worker->more);
    private_free(worker);
    threads.workers[0] = NULL;
    unlist(0);
    threads.running--;
    set_yields_before_sleep();
}

/* Waits until every queued call has been made: before a sample, an idle gap, or the end. */
void threads_drain(void)
{
    for (uint32_t m = 0; m < threads.made_count; m++) {
        uint32_t t = threads.made[m];
        if (threads.workers[t]->written > 0)
            wait_published(t, threads.workers[t]->written - 1);
    }
    join_stopping();
}

/* The threads set up for a trace that numbers thread_count threads (at most TRACE_REPLAY_MAX_THREADS: checked). */
void threads_start(uint32_t thread_count)
{
    memset(&threads, 0, sizeof threads);
    threads.worker_slots = thread_count;
    live_init_tagged(&threads.released);
    threads.prune_at = RELEASED_PRUNE;
    /* Read only where a worker is then made (worker_for): a trace numbering 2^24 threads maps 128 MiB, not holds it. */
    if (!(threads.workers = private_zeroed(thread_count ? thread_count : 1, sizeof *threads.workers)) ||
        !(threads.made = private_zeroed(thread_count ? thread_count : 1, sizeof *threads.made)))
        out_of_memory("the replay's table of threads", thread_count ? thread_count : 1, sizeof *threads.workers);
    if (!(threads.handle_pages = private_zeroed(HANDLE_PAGES, sizeof *threads.handle_pages)) ||
        !(threads.block_pages = private_zeroed(HANDLE_PAGES, sizeof *threads.block_pages)))
        out_of_memory("the threaded replay's table of pages of live blocks", HANDLE_PAGES, sizeof(void *));
}

/* Every call queued made, every thread joined, the bookkeeping freed. */
void threads_finish(void)
{
    threads_drain();
    for (uint32_t m = 0; m < threads.made_count; m++)
        if (threads.workers[threads.made[m]]->running)
            threads_stop(threads.made[m]);
    join_stopping();
    for (uint32_t m = 0; m < threads.made_count; m++) {
        struct worker *worker = threads.workers[threads.made[m]];
        pthread_mutex_destroy(&worker->lock);
        pthread_cond_destroy(&worker->more);
        private_free(worker);
    }
    private_free(threads.workers);
    private_free(threads.made);
    for (size_t page = 0; page < HANDLE_PAGES; page++) {
        private_free(threads.handle_pages[page]);
        private_free(threads.block_pages[page]);
    }
    private_free(threads.handle_pages);
    private_free(threads.block_pages);
    live_free(&threads.released);
    memset(&threads, 0, sizeof threads);
}

/*
 * The job of an event for its thread, with the handles it uses and the calls it must wait for: a release waits for
 * the last call on its block's handle (its allocation, or a realloc), and an allocation at a recorded address for
 * the call of another thread that released that address (the program's allocator handed it out again only then:
 * without the wait both blocks could be live at once in the replay). A handle is recycled only once its release is
 * made, or where that is the same thread's (take_handle): it adds no wait. A realloc's old address is released at its end, when the replay makes it;
 * a thread handed that address between the realloc's start and end (the allocator freed it inside the call) is
 * not made to wait, as the call that releases it is not queued yet.
 */
int threads_dispatch(struct trace_reader *reader, const struct trace_event *event, char *error, size_t error_size)
{
    uint32_t thread = event->thread;
    if (trace_op_is_note(event->op))
        return 0; /* a sample point, or the CPU time */
    if (event->failed && event->op != TRACE_FREE)
        return 0; /* a failed call is not made; a failed realloc's old block keeps its handle (the reader's tag) */
    struct worker *worker = worker_for(thread, error, error_size);
    if (!worker)
        return -1;
    if (thread != threads.turn_thread) {
        struct worker *previous = threads.workers[threads.turn_thread];
        if (threads.turn_calls >= REPLAY_TURN_MIN_CALLS && previous && previous->running && !previous->stopping &&
            previous->written > 0)
            wait_published(threads.turn_thread, previous->written - 1);
        threads.turn_thread = thread;
        threads.turn_calls = 0;
    }
    threads.turn_calls++;
    if (event->op == TRACE_REALLOC_START) {
        worker->realloc_from = event->pointer; /* the realloc is made at its end */
        return 0;
    }
    /*
     * A release call (malloc_trim) gives back what every thread had freed by then: it comes after every call
     * recorded before it, in any thread (queued on its own thread alone, it ran before other threads' frees).
     */
    if (event->op == TRACE_TRIM)
        threads_drain();
    uint64_t index = worker->written;
    struct job job = {.op = (uint8_t)event->op, .allocated = event->pointer != 0, .size = event->size,
                      .alignment = event->alignment, .wait_worker = UINT32_MAX};
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
        if (take_handle(thread, &job.handle, error, error_size) != 0)
            return -1;
        struct handle *fresh = handle_at(job.handle); /* nothing to wait for: take_handle */
        fresh->last_worker = thread;
        fresh->last_index = index;
        trace_set_tag(reader, event->pointer, job.handle);
        wait_for_release(&job, event->pointer, thread);
    }
    /* Moved, or realloc(p, 0) freed p: the old address's release, unless a release there is noted already. Its entry
       went when the address was allocated, so one there now came after the realloc's start: another thread handed
       the address and freeing it within the realloc (a coarse clock's ties), whose free a later reuse waits for. */
    if (reallocation && old && worker->realloc_from != event->pointer &&
        !live_contains(&threads.released, worker->realloc_from))
        note_release(worker->realloc_from, thread, index);
    if (index - worker->done_seen >= QUEUE) {
        publish(worker); /* the queue is full: let the thread catch up */
        while (index - (worker->done_seen = atomic_load_explicit(&worker->done, memory_order_acquire)) >= QUEUE)
            sched_yield();
    }
    worker->jobs[index % QUEUE] = job;
    worker->written = index + 1;
    /* Published in batches: a call at a time, the store and the thread's reading of it cost more than the call. */
    if (threads.last_dispatched != worker && threads.last_dispatched)
        publish(threads.last_dispatched);
    threads.last_dispatched = worker;
    if (worker->written - worker->published >= PUBLISH_BATCH)
        publish(worker);
    /* The old block's handle is free once this call has released it. */
    if (old) {
        old->last_worker = thread;
        old->last_index = index;
        old->next_free = 0;
        if (threads.free_last)
            handle_at(threads.free_last)->next_free = event->tag;
        else
            threads.free_first = event->tag;
        threads.free_last = event->tag;
    }
    return 0;
}

void threads_run_main(void)
{
    struct worker *main_worker = threads.workers[0];
    worker_main(main_worker);
    atomic_store(&main_worker->left, 1); /* the reading thread frees it once it sees this */
}
