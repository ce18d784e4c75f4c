/* fb-replay: replays a recorded trace's calls under the allocator it runs with, and samples where the recording did. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
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

#include "allocator.h"
#include "fragbench.h"
#include "private_alloc.h"
#include "probe.h"
#include "reader.h"

/*
 * The runner starts it as a case (./run --replay=TRACE) under each profile. It reads the trace with the trace
 * reader, whose tables live in this program's private allocator (private_alloc.c), not in the allocator under
 * test; each call is made again with the recorded size and alignment, and every block is written once per page,
 * as the program that made it would have (an allocation never touched is not resident: the replay makes it so).
 * A trace of one thread is replayed in the main thread; otherwise each recorded thread gets a thread of its
 * own, fed through a queue, and a release waits for its block's allocation in another thread. It samples at the
 * recording's rows (its marks exactly; Exit and the peak of RSS by time), at every 5% of the recorded time, and
 * at its end, each row's RSS less this program's own bookkeeping. Only the last process image is replayed (an
 * exec'd launcher's heap is gone when the program starts).
 */

struct options {
    const char *trace;
    bool fast;        /* --time=fast: no idle gap is kept */
    uint64_t gap_ns;  /* --gap-ms: recorded gaps longer than this are slept */
};

static struct allocator_info allocator; /* the probe keeps a pointer to it */
static long page_size;

/* ---- Sampling. */

/* A phase row: the process's memory less the replay's own bookkeeping, and the recorded live heap. */
static void sample(const char *label, uint64_t live_bytes, uint64_t live_blocks)
{
    probe_phase_less(label, live_bytes, live_blocks, private_resident_bytes() / 1024);
}

/* ---- The calls. */

/* Writes one byte in every page of block[from, size), and its last byte: the pages a program writing it holds. */
static void touch(unsigned char *block, uint64_t from, uint64_t size)
{
    if (!block || size <= from)
        return;
    for (uint64_t at = from; at < size; at += (uint64_t)page_size)
        block[at] = 1;
    block[size - 1] = 1;
}

/* Makes an allocation call as recorded; NULL if the recorded one failed (it is not made). */
static void *allocate(const struct trace_event *event)
{
    void *block = NULL;
    size_t size = (size_t)event->size, alignment = (size_t)event->alignment;
    if (event->failed || !event->pointer)
        return NULL;
    switch (event->op) {
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

/* A realloc's end as recorded: the old block grown, shrunk or freed; NULL where the recorded call failed. */
static void *reallocate(const struct trace_event *event, void *old, uint64_t old_size)
{
    if (event->pointer) {
        void *block = realloc(old, (size_t)event->size);
        touch(block, old_size, event->size);
        return block;
    }
    if (event->size == 0 && old) /* realloc(p, 0) freed p (glibc): the same here */
        free(old);
    return NULL;
}

/* ---- Threads: one per recorded thread, each fed through a queue by the reading thread. */

enum { QUEUE = 4096, HANDLE_PAGE = 1 << 16, MAX_WORKERS = 4096 };

/* One call for a replay thread: what to call, the handles of its blocks, and what it must wait for first. */
struct job {
    struct trace_event event;
    uint64_t handle;      /* the block it allocates or releases (the new one of a realloc) */
    uint64_t old_handle;  /* a realloc's old block */
    uint64_t old_size;
    uint32_t wait_worker; /* a call of another thread that must be done first, or UINT32_MAX */
    uint64_t wait_index;
};

struct worker {
    pthread_t thread;
    struct job *jobs; /* a ring of QUEUE jobs */
    _Atomic uint64_t queued, done;
    /* An idle thread sleeps on its condition (it must not spin through the recorded idle it replays). */
    pthread_mutex_t lock;
    pthread_cond_t more;
    _Atomic int sleeping;
};

/* Where a block of the replay is, and the last call that touched its handle (the next must wait for it). */
struct handle {
    void *_Atomic block;  /* written by the thread that allocates, read by the one that releases */
    uint32_t last_worker; /* the reading thread's: the last call on this handle, which the next waits for */
    uint64_t last_index;
    uint64_t next_free;   /* the reading thread's list of handles whose block has been released */
};

static struct worker *workers[MAX_WORKERS];
static struct handle *handle_pages[1u << 14];
static uint64_t handle_count, free_handles; /* free_handles: the head of a list threaded through last_index */
static _Atomic int stopping;

static struct handle *handle_at(uint64_t handle)
{
    return &handle_pages[handle / HANDLE_PAGE][handle % HANDLE_PAGE];
}

/* A handle for a new block: a freed one if any (its last call is then a release to wait for), else a new one. */
static uint64_t take_handle(void)
{
    if (free_handles) {
        uint64_t handle = free_handles;
        free_handles = handle_at(handle)->next_free;
        return handle;
    }
    uint64_t handle = ++handle_count;
    if (handle / HANDLE_PAGE >= sizeof handle_pages / sizeof handle_pages[0]) {
        fprintf(stderr, "fb-replay: more than %zu blocks live at once\n",
                sizeof handle_pages / sizeof handle_pages[0] * HANDLE_PAGE);
        exit(2);
    }
    if (!handle_pages[handle / HANDLE_PAGE] &&
        !(handle_pages[handle / HANDLE_PAGE] = private_calloc(HANDLE_PAGE, sizeof(struct handle))))
        abort();
    handle_at(handle)->last_worker = UINT32_MAX;
    return handle;
}

static void wait_for(uint32_t worker, uint64_t index)
{
    for (unsigned spins = 0; worker != UINT32_MAX && atomic_load(&workers[worker]->done) <= index; spins++)
        if (spins > 64)
            sched_yield();
}

static void run_job(struct job *job)
{
    wait_for(job->wait_worker, job->wait_index);
    const struct trace_event *event = &job->event;
    struct handle *handle = job->handle ? handle_at(job->handle) : NULL;
    switch (event->op) {
    case TRACE_FREE:
        if (handle)
            free(atomic_load(&handle->block));
        break;
    case TRACE_REALLOC:
    case TRACE_REALLOCARRAY: {
        void *old = job->old_handle ? atomic_load(&handle_at(job->old_handle)->block) : NULL;
        void *block = reallocate(event, old, job->old_size);
        if (handle)
            atomic_store(&handle->block, block);
        break;
    }
    default:
        if (handle)
            atomic_store(&handle->block, allocate(event));
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
            if (atomic_load(&stopping))
                return NULL;
            if (++spins < 256) {
                sched_yield();
                continue;
            }
            /* Asleep until the reading thread queues a call (it wakes a thread that says it sleeps). */
            pthread_mutex_lock(&worker->lock);
            atomic_store(&worker->sleeping, 1);
            while (atomic_load(&worker->queued) == done && !atomic_load(&stopping))
                pthread_cond_wait(&worker->more, &worker->lock);
            atomic_store(&worker->sleeping, 0);
            pthread_mutex_unlock(&worker->lock);
        }
        run_job(&worker->jobs[done % QUEUE]);
        atomic_store(&worker->done, done + 1);
    }
}

static struct worker *worker_for(uint32_t thread)
{
    if (thread >= MAX_WORKERS) {
        fprintf(stderr, "fb-replay: the trace has more than %d threads\n", MAX_WORKERS);
        exit(2);
    }
    if (!workers[thread]) {
        struct worker *worker = private_calloc(1, sizeof *worker);
        if (!worker || !(worker->jobs = private_calloc(QUEUE, sizeof *worker->jobs)))
            abort();
        workers[thread] = worker;
        pthread_mutex_init(&worker->lock, NULL);
        pthread_cond_init(&worker->more, NULL);
        int failed = pthread_create(&worker->thread, NULL, worker_main, worker);
        if (failed) {
            fprintf(stderr, "fb-replay: cannot start a thread: %s\n", strerror(failed));
            exit(2);
        }
    }
    return workers[thread];
}

static void wake(struct worker *worker)
{
    if (!atomic_load(&worker->sleeping))
        return;
    pthread_mutex_lock(&worker->lock);
    pthread_cond_signal(&worker->more);
    pthread_mutex_unlock(&worker->lock);
}

/* Waits until every queued call has been made: before a sample, an idle gap, or the end. */
static void drain(void)
{
    for (unsigned t = 0; t < MAX_WORKERS; t++)
        if (workers[t] && atomic_load(&workers[t]->queued) > 0)
            wait_for(t, atomic_load(&workers[t]->queued) - 1);
}

/* The job of an event for its thread, with the handles it uses and the call it must wait for. */
static void dispatch(struct trace_reader *reader, const struct trace_event *event)
{
    uint32_t thread = event->thread;
    struct worker *worker = worker_for(thread);
    uint64_t index = atomic_load(&worker->queued);
    struct job job = {.event = *event, .wait_worker = UINT32_MAX};
    struct handle *old = event->tag ? handle_at(event->tag) : NULL;
    if (event->op == TRACE_REALLOC_START || event->op == TRACE_MARK)
        return; /* a realloc is made at its end; a mark is a sample point */
    if (trace_op_releases(event->op) || event->op == TRACE_REALLOC || event->op == TRACE_REALLOCARRAY) {
        job.old_handle = event->tag;
        job.old_size = event->old_size;
        if (old && old->last_worker != thread) {
            job.wait_worker = old->last_worker;
            job.wait_index = old->last_index;
        }
    }
    if (event->op == TRACE_FREE)
        job.handle = event->tag;
    else if (event->pointer && !event->failed) {
        job.handle = take_handle();
        struct handle *fresh = handle_at(job.handle);
        /* A recycled handle's last call (a release) may be another thread's: this one writes after it. */
        if (fresh->last_worker != UINT32_MAX && fresh->last_worker != thread && job.wait_worker == UINT32_MAX) {
            job.wait_worker = fresh->last_worker;
            job.wait_index = fresh->last_index;
        } else if (fresh->last_worker != UINT32_MAX && fresh->last_worker != thread)
            wait_for(fresh->last_worker, fresh->last_index); /* two to wait for: the reader waits for one */
        fresh->last_worker = thread;
        fresh->last_index = index;
        trace_set_tag(reader, event->pointer, job.handle);
    } else if (event->failed)
        return; /* a failed call is not made; a failed realloc's old block keeps its handle (the reader's tag) */
    while (index - atomic_load(&worker->done) >= QUEUE) /* the queue is full: let the thread catch up */
        sched_yield();
    worker->jobs[index % QUEUE] = job;
    atomic_store(&worker->queued, index + 1);
    wake(worker);
    /* The old block's handle is free once this call has released it. */
    if (old) {
        old->last_worker = thread;
        old->last_index = index;
        old->next_free = free_handles;
        free_handles = event->tag;
    }
}

/* ---- One thread: the calls made in the reading thread, the tag being the replay's block itself. */

static void replay_inline(struct trace_reader *reader, const struct trace_event *event)
{
    void *old = (void *)(uintptr_t)event->tag;
    switch (event->op) {
    case TRACE_MARK:
    case TRACE_REALLOC_START:
        return;
    case TRACE_FREE:
        free(old);
        return;
    case TRACE_REALLOC:
    case TRACE_REALLOCARRAY: {
        if (event->failed)
            return; /* the old block stays, with its tag */
        void *block = reallocate(event, old, event->old_size);
        if (block)
            trace_set_tag(reader, event->pointer, (uint64_t)(uintptr_t)block);
        return;
    }
    default: {
        void *block = allocate(event);
        if (block)
            trace_set_tag(reader, event->pointer, (uint64_t)(uintptr_t)block);
        return;
    }
    }
}

/* ---- The sample points: the recording's rows, and every 5% of its time. */

struct point {
    uint64_t ns, mark;
    char label[128];
};

static int compare_points(const void *left, const void *right)
{
    const struct point *a = left, *b = right;
    return a->ns < b->ns ? -1 : a->ns > b->ns;
}

static size_t make_points(const struct trace_info *info, struct point *points)
{
    size_t count = 0;
    uint64_t span = info->last_ns > info->start_ns ? info->last_ns - info->start_ns : 0;
    for (size_t i = 0; i < info->row_count; i++) {
        points[count].ns = info->rows[i].ns;
        points[count].mark = info->rows[i].mark;
        snprintf(points[count].label, sizeof points[count].label, "%s", info->rows[i].label);
        count++;
    }
    for (unsigned percent = 5; percent < 100 && span > 0; percent += 5) {
        points[count] = (struct point){.ns = info->start_ns + span * percent / 100};
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

static void usage(FILE *out)
{
    fputs("usage: fb-replay TRACE [--time=gaps|fast] [--gap-ms=N]\n"
          "Replays the allocation calls of TRACE under the allocator this process runs with (LD_PRELOAD), and\n"
          "reports the memory at the recording's rows, every 5% of its time, and at the end: run it as\n"
          "./run --replay=TRACE. --time=gaps (default) sleeps the recorded gaps longer than --gap-ms (10),\n"
          "so that allocators that purge on a timer see the idle; --time=fast sleeps none.\n",
          out);
}

static int parse(int argc, char **argv, struct options *options)
{
    *options = (struct options){.gap_ns = 10 * 1000000ull};
    for (int i = 1; i < argc; i++) {
        char *end;
        if (strcmp(argv[i], "--time=fast") == 0)
            options->fast = true;
        else if (strcmp(argv[i], "--time=gaps") == 0)
            options->fast = false;
        else if (strncmp(argv[i], "--gap-ms=", 9) == 0) {
            unsigned long value = strtoul(argv[i] + 9, &end, 10);
            if (!argv[i][9] || *end || value > 86400000) {
                fprintf(stderr, "fb-replay: --gap-ms: '%s' is not a whole number of ms\n", argv[i] + 9);
                return -1;
            }
            options->gap_ns = value * 1000000ull;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "fb-replay: unknown option '%s'\n", argv[i]);
            return -1;
        } else if (!options->trace)
            options->trace = argv[i];
        else {
            fprintf(stderr, "fb-replay: one trace only ('%s' and '%s')\n", options->trace, argv[i]);
            return -1;
        }
    }
    if (!options->trace) {
        usage(stderr);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct options options;
    char error[512];
    struct trace_event event;
    int status;
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (parse(argc, argv, &options) != 0)
        return 2;
    page_size = sysconf(_SC_PAGESIZE);
    probe_start();
    struct trace_reader *reader = trace_open(options.trace, error, sizeof error);
    if (!reader) {
        fprintf(stderr, "fb-replay: %s\n", error);
        return 2;
    }
    trace_keep_tags(reader);
    const struct trace_info *info = trace_info(reader);
    bool threaded = info->max_threads > 1;
    allocator_identify(&allocator);
    probe_hello(&allocator, threaded ? info->max_threads : 0);
    struct point *points = private_calloc(info->row_count + 20, sizeof *points);
    size_t point_count = make_points(info, points), next_point = 0;
    uint64_t previous_ns = 0, live_bytes = 0, live_blocks = 0;
    while ((status = trace_next(reader, &event, error, sizeof error)) > 0) {
        if (event.image + 1 < info->images)
            continue; /* an image that exec'd: its heap is gone when the last one starts */
        /*
         * An idle gap: the calls so far made, then the sleep, cut at each sample point that falls inside it (a
         * point in the idle is taken as far into it as it was recorded). Then the points passed, then the call.
         */
        if (!options.fast && previous_ns && event.ns - previous_ns > options.gap_ns) {
            uint64_t at = previous_ns;
            if (threaded)
                drain();
            for (; next_point < point_count && points[next_point].ns < event.ns; next_point++)
                if (!points[next_point].mark) {
                    if (points[next_point].ns > at) {
                        sleep_ns(points[next_point].ns - at);
                        at = points[next_point].ns;
                    }
                    sample(points[next_point].label, live_bytes, live_blocks);
                }
            sleep_ns(event.ns - at);
        }
        for (; next_point < point_count && points[next_point].ns < event.ns; next_point++)
            if (!points[next_point].mark) {
                if (threaded)
                    drain();
                sample(points[next_point].label, live_bytes, live_blocks);
            }
        previous_ns = event.ns;
        if (event.op == TRACE_MARK)
            for (size_t i = 0; i < point_count; i++)
                if (points[i].mark == event.mark) {
                    if (threaded)
                        drain();
                    sample(points[i].label, event.live_bytes, event.live_blocks);
                }
        if (threaded)
            dispatch(reader, &event);
        else
            replay_inline(reader, &event);
        live_bytes = event.live_bytes;
        live_blocks = event.live_blocks;
    }
    if (status < 0) {
        fprintf(stderr, "fb-replay: %s\n", error);
        return 2;
    }
    if (threaded) {
        drain();
        atomic_store(&stopping, 1);
        for (unsigned t = 0; t < MAX_WORKERS; t++)
            if (workers[t]) {
                pthread_mutex_lock(&workers[t]->lock);
                pthread_cond_broadcast(&workers[t]->more);
                pthread_mutex_unlock(&workers[t]->lock);
                pthread_join(workers[t]->thread, NULL);
            }
    }
    for (; next_point < point_count; next_point++)
        if (!points[next_point].mark)
            sample(points[next_point].label, live_bytes, live_blocks);
    sample("Replay end", live_bytes, live_blocks); /* not "End": a program's own mark may be called so */
    trace_close(reader);
    return 0;
}
