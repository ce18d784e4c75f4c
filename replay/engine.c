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

#include "cpu_share.h"
#include "live.h"
#include "out_of_memory.h"
#include "own_threads.h"
#include "pipeline.h"
#include "points.h"
#include "private_alloc.h"
#include "replay.h"
#include "threads.h"

/*
 * It reads the trace with the trace reader, whose tables live in the private allocator (private_alloc.c), not
 * in the allocator under test. A trace of one thread has its calls made in the main thread (read there, or in a
 * reading thread beside it: replay_one_thread). Otherwise the trace is read in a thread of the replay's, the
 * recorded main thread's calls are made in the main thread (threads_adopt_main), and each other recorded thread
 * gets a thread of its own; each is fed through a queue, from its first call to its last (then it exits, and its
 * allocator's thread cache goes as the program's did); a release waits for its block's allocation in another
 * thread, and an allocation at an address another thread released waits for that release (threads.c). It samples
 * at the recording's rows (its marks exactly, Exit among them; the peak of RSS at a mark or by time), at every 5%
 * of the recorded events (of the recorded time in a trace before format 5), and at its end.
 * Only the last process image is replayed (an exec'd launcher's heap is gone when the program starts).
 */

/* ---- One thread: what each event asks of the replay, made in the main thread either way. */

/*
 * What an event asks: nothing, the release of its old block (its tag), a realloc of that block, an allocation,
 * or the allocator's release call.
 */
enum call_kind { CALL_NONE, CALL_RELEASE, CALL_REALLOCATE, CALL_ALLOCATE, CALL_TRIM };

static inline enum call_kind call_kind_of(const struct trace_event *event)
{
    switch (event->op) {
    case TRACE_MARK:
    case TRACE_CPU:
    case TRACE_THREAD_END:
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
static inline int queue_call(struct call_pipe *pipe, struct trace_reader *reader, const struct trace_event *event, char *error,
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

static void nanosleep_ns(uint64_t ns)
{
    struct timespec gap = {.tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u)};
    while (nanosleep(&gap, &gap) != 0 && errno == EINTR)
        ;
}


/* ---- The replay. */

struct replay {
    const struct replay_options *options;
    void (*sleep)(uint64_t ns);    /* the options', or nanosleep: through wait_for */
    uint64_t wait_left_ns;         /* what the waits may still take: the trace's span in all (wait_for) */
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
    /*
     * reallocs begun and not yet ended: a row placed by time or by events waits for their ends (the reader counts a
     * realloc at its start, the replay makes it at its end; a row between would be off by the block).
     */
    unsigned reallocs_open;
    uint64_t realloc_opened_at; /* events_made when reallocs_open last became 1: a row waits 64 events at most */
    bool stamping;          /* a one-thread trace read beside its calls with a lag: the recorded time stamped */
    uint64_t next_stamp_ns; /* then, when the next stamp is due */
    uint64_t events_made; /* of the last image, every event (notes and marks too), as the runner counted them */
    uint64_t peak_live_bytes; /* the largest live heap after any event so far (the trace's, J&W's #4 takes it) */
    struct replay_outcome outcome;
    /*
     * A one-thread trace's reading thread, done with its calls, joined only after the rows that follow the last
     * call: the C library frees the thread's own block (288 bytes under glibc 2.36) as it is joined; a slot of the
     * replay's own (own_threads.c), or, where none was free, a block of the allocator under test, which those
     * rows' live heap would show as a block the program freed.
     */
    pthread_t reading_thread;
    bool reading_to_join;
};

/* How early the replay may be on the recorded clock before --time=real waits: a sleep costs about 60 µs. */
enum { REAL_TIME_SLACK_NS = 1000000 };

/* How many events a row due inside a realloc waits for its end at most (see next_point_passed). */
enum { REALLOC_ROW_WAIT = 64 };

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
        threads_drain();
    else if (replay->pipe)
        pipe_drain(replay->pipe);
}

/* Where a row stands: the events made before it, and the largest live heap so far. */
static void stamp(const struct replay *replay, struct replay_point *point)
{
    point->events = replay->events_made;
    point->peak_live_bytes = replay->peak_live_bytes;
}

/*
 * A row once every call before it is made: taken here after the others' calls are made, or, for a one-thread
 * trace read in a thread of its own, queued behind its calls (the reading thread reads on; point must live
 * until the replay's end).
 */
static void sample_now(struct replay *replay, struct replay_point *point, uint64_t live_bytes, uint64_t live_blocks)
{
    stamp(replay, point);
    if (replay->pipe) {
        pipe_sample(replay->pipe, point, live_bytes, live_blocks);
        return;
    }
    drain_calls(replay);
    replay_sample(point, live_bytes, live_blocks);
}

/*
 * Whether the next point is passed before this event: one after a count of events once that many are made, one
 * placed by time once an event comes after its time, a mark's at once (its row is taken at the mark's event). None
 * while a realloc is under way.
 */
static bool next_point_passed(const struct replay *replay, const struct trace_event *event)
{
    if (replay->next_point >= replay->point_count)
        return false;
    const struct replay_point *point = &replay->points[replay->next_point];
    /* A realloc whose end never comes (its thread died inside it, the recording stopped) holds no row long. */
    if (replay->reallocs_open && replay->events_made - replay->realloc_opened_at < REALLOC_ROW_WAIT)
        return false;
    if (point->after_events)
        return replay->events_made >= point->after_events;
    return point->mark || point->ns < event->ns;
}

/*
 * Sleeps ns, within what is left of the trace's span (from its first image's start, less a second for a later
 * image's start and a second for a thread's first chunk, to its last event): the waits of a replay never add up to
 * more than the time the trace tells of. A trace corrupt past the checks before its replay (a thread's chunk timed
 * 52 days after the last event its index knows, then one back in time, found only as it is read) made the replay
 * sleep that gap first (the fuzz target found it).
 */
static void wait_for(struct replay *replay, uint64_t ns)
{
    ns = ns < replay->wait_left_ns ? ns : replay->wait_left_ns;
    replay->wait_left_ns -= ns;
    if (ns)
        replay->sleep(ns);
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
        for (; next_point_passed(replay, event); replay->next_point++)
            if (!points[replay->next_point].mark) {
                /* A point placed by a count of events may carry any time: the wait goes no further than the event. */
                uint64_t point_ns = points[replay->next_point].ns;
                if (point_ns > at && point_ns <= event->ns) {
                    wait_for(replay, (uint64_t)((double)(point_ns - at) * share));
                    at = point_ns;
                }
                stamp(replay, &points[replay->next_point]);
                replay_sample(&points[replay->next_point], replay->live_bytes, replay->live_blocks);
            }
        if (event->ns > at)
            wait_for(replay, (uint64_t)((double)(event->ns - at) * share));
    }
    if (event->op == TRACE_CPU) {
        replay->cpu_ns = event->cpu_ns;
        replay->cpu_at_ns = event->ns;
    }
    for (; next_point_passed(replay, event); replay->next_point++)
        if (!points[replay->next_point].mark)
            sample_now(replay, &points[replay->next_point], replay->live_bytes, replay->live_blocks);
    replay->previous_ns = event->ns;
    if (event->op == TRACE_MARK && event->mark) /* a mark numbered 0 (a corrupt trace) is no point's: 0 is "by time" */
        for (size_t i = 0; i < replay->point_count; i++)
            if (points[i].mark == event->mark && !points[i].taken) {
                /*
                 * Placed at the mark's event, on the clock the points placed by time are compared with: its row's
                 * own time is stamped after its sample and may be finer (the recorder's coarse clock is 4 ms).
                 * Taken once: the main thread may still be reading it (a trace that repeats a mark is corrupt).
                 */
                points[i].taken = true;
                points[i].at_ns = replay_since_start(replay->info, event->ns);
                sample_now(replay, &points[i], event->live_bytes, event->live_blocks);
            }
}

/* An event's calls, made in the main thread, queued for it, or dispatched to the event's thread. */
static inline int make_calls(struct replay *replay, const struct trace_event *event, char *error, size_t error_size)
{
    if (!replay->threaded && !replay->pipe)
        replay_inline(replay->reader, event);
    else if (!replay->threaded)
        return queue_call(replay->pipe, replay->reader, event, error, error_size);
    else
        return threads_dispatch(replay->reader, event, error, error_size);
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

/* Every event of the last image made again; 0 at the end, -1 on an error. */
static int replay_events(struct replay *replay, char *error, size_t error_size)
{
    struct trace_event event;
    int status;
    while ((status = trace_next(replay->reader, &event, error, error_size)) > 0) {
        if (event.image + 1 < replay->info->images) { /* an image that exec'd: its heap is gone when the last starts */
            /*
             * Its row (a launcher's Start) is taken now, at the replay's start, before the last image's first event.
             * Placed by time, it waited for an event after its time: on the recorder's coarse clock the program's
             * first calls share its tick, and its Start showed 269 kB of CPython's heap where the recording had 0.
             */
            for (size_t i = 0; event.op == TRACE_MARK && event.mark && i < replay->point_count; i++)
                if (replay->points[i].mark == event.mark && !replay->points[i].taken) {
                    replay->points[i].taken = true;
                    sample_now(replay, &replay->points[i], replay->live_bytes, replay->live_blocks);
                }
            continue;
        }
        before_event(replay, &event);
        if (replay->stamping && event.ns >= replay->next_stamp_ns)
            replay->next_stamp_ns = pipe_stamp(replay->pipe, event.ns);
        if (event.order_error && mend_order_error(replay, &event, error, error_size) != 0)
            return -1;
        if (make_calls(replay, &event, error, error_size) != 0)
            return -1;
        if (replay->threaded && event.op == TRACE_THREAD_END)
            threads_note_end(event.thread);
        /* (A thread alive at the program's end was ended at its last call, its allocator's cache flushed early.) */
        if (replay->threaded && event.thread_ends)
            threads_last_event(event.thread, replay->info->version >= TRACE_VERSION_THREAD_ENDS);
        replay->events_made++;
        if (event.op == TRACE_REALLOC_START && replay->reallocs_open++ == 0)
            replay->realloc_opened_at = replay->events_made;
        else if ((event.op == TRACE_REALLOC || event.op == TRACE_REALLOCARRAY) && replay->reallocs_open)
            replay->reallocs_open--;
        replay->live_bytes = event.live_bytes;
        if (event.live_bytes > replay->peak_live_bytes)
            replay->peak_live_bytes = event.live_bytes;
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
 * replayed in the main thread: beside them wherever the replay may use one and a half CPUs' worth of time at once
 * or more (its affinity, and its cgroups' CPU quota: cpu_share.c). Measured on 2026-12-06 (--time=fast, each way
 * in turn): CPython's trace (11 M events, 953 k blocks live at its peak, whose lookups miss the cache) took 0.62
 * to 0.70 s read beside the calls against 0.93 to 1.25 s in the main thread under glibc, jemalloc, tcmalloc and
 * mimalloc; jq's, 15% less; a trace of small blocks reused (4 live) 0.20 to 0.26 s against 0.21; two such
 * replays at once (--jobs) took the same either way. On one core (taskset) the reading thread made each 9 to 29%
 * slower. Under a cgroup's CPU quota on two cores (cgroup v1's cpu.cfs_quota_us, five runs each way, CPython's
 * trace): at 1 CPU 1.39 to 2.02 s beside against 1.06 to 1.31 in the main thread, at 1.2 CPUs 1.13 to 1.60
 * against 1.05 to 1.25, at 1.5 CPUs 0.77 to 1.07 against 1.03 to 1.26.
 */
static bool room_for_a_reading_thread(void)
{
    return cpu_share() >= 1.5;
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
    int failed = own_thread_create(thread, &attributes, body, reading);
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
 * main thread (threads_adopt_main), each other thread's in one of its own. Where the reading thread cannot be had,
 * the trace is read in the main thread, and the recorded main thread gets a thread of its own like the others.
 */
static int replay_threads(struct replay *replay, char *error, size_t error_size)
{
    struct reading reading = {.replay = replay, .error = error, .error_size = error_size};
    threads_start(replay->info->last_image_threads);
    pthread_t reader;
    if (threads_adopt_main() == 0) {
        if (start_reading(&reader, read_and_dispatch, &reading) == 0) {
            threads_run_main();
            pthread_join(reader, NULL);
            private_stack_free();
            return reading.status;
        }
        threads_abandon_main();
    }
    int status = replay_events(replay, error, error_size);
    threads_finish();
    return status;
}

/*
 * The calls the reading thread may read ahead of the main thread (pipe_open): one per 8 bytes of trace, and no
 * more than one per 16 bytes of the recording's largest live heap where its rows tell it. The reading thread
 * falls behind where its live set doubles (each live block moved: jq's last doubling, to 8 M slots, takes a
 * tenth of a second), and a lead that covers it made jq's replay 7 to 10% faster than a quarter of it; a trace
 * of a few blocks reused over and over (tests/replay.sh's churn, 19 MB, 4 blocks live) has no such stretch, and
 * its ring of 16 MiB was most of the replay's RSS.
 */
static uint64_t reading_lead(const struct trace_info *info)
{
    uint64_t lead = info->file_bytes / 8, peak_live_bytes = 0;
    for (size_t i = 0; i < info->row_count; i++)
        if (info->rows[i].live_bytes > peak_live_bytes)
            peak_live_bytes = info->rows[i].live_bytes;
    return peak_live_bytes && peak_live_bytes / 16 < lead ? peak_live_bytes / 16 : lead; /* rows, with live bytes */
}

/*
 * How far behind the reading, in recorded time, the main thread makes the calls of a replay that keeps the recorded
 * time (pipe_open): a burst of calls the program made faster than the trace is read is then read whole before its
 * first call is made, and made at the allocator's own speed, as its timers saw it. CPython frees a round's 640 000
 * blocks in 9 to 23 ms (more with the recorder's time: the recorded clock), which a replay reading as it calls
 * made in 47 to 75: mimalloc, which purges freed pages after 25 ms, held 4 to 7.7 MB less at the rounds' marks
 * (--replay-time=fast does so still). A lag of 100 ms (four of mimalloc's delays) costs the time to make the
 * calls of the trace's last 100 ms after the reading ends: jq's trace, 1.7 s recorded, 6% slower than read as
 * it calls (docs/replay.md, How it replays).
 */
#define READING_LAG_NS 100000000u

/*
 * A one-thread trace: read in a thread of the replay's, its calls made in the main thread (pipeline.c). Where
 * that thread cannot be had (no memory for its stack, no thread), the trace is read in the main thread instead.
 */
static int replay_one_thread(struct replay *replay, char *error, size_t error_size)
{
    struct reading reading = {.replay = replay, .error = error, .error_size = error_size};
    uint64_t lag_ns = replay->options->time == REPLAY_TIME_FAST ? 0 : READING_LAG_NS;
    replay->pipe = pipe_open(reading_lead(replay->info), lag_ns);
    replay->stamping = lag_ns != 0;
    pthread_t reader;
    int failed = start_reading(&reader, read_and_queue, &reading);
    if (!failed) {
        /* Returns once the reading thread has said it is finished, its status set before (pipe_finish). */
        pipe_make_calls(replay->pipe);
        replay->reading_thread = reader;
        replay->reading_to_join = true;
        return reading.status; /* the reading thread no longer touches reading: it is joined after the last rows */
    }
    pipe_close(replay->pipe);
    replay->pipe = NULL;
    replay->stamping = false; /* no ring to stamp */
    trace_keep_tags(replay->reader); /* nothing read yet: the live set's tags become the replay's blocks */
    return replay_events(replay, error, error_size);
}

int replay_trace(const struct replay_options *options, struct replay_outcome *outcome, char *error, size_t error_size)
{
    struct replay replay = {.options = options, .sleep = options->sleep ? options->sleep : nanosleep_ns};
    char copy_name[4200]; /* for what is wrong with the copy: the trace's name, and where its copy is read */
    snprintf(copy_name, sizeof copy_name, "%s (decompressed, on descriptor %d)", options->trace, options->decompressed_fd);
    replay.reader = options->decompressed_fd > STDERR_FILENO
                        ? trace_open_fd(options->decompressed_fd, copy_name, error, error_size)
                        : trace_open(options->trace, error, error_size);
    if (!replay.reader)
        return -1;
    replay.info = trace_info(replay.reader);
    if (trace_check_replayable(replay.info, options->trace, error, error_size) != 0) {
        trace_close(replay.reader);
        return -1;
    }
    /* The last image's threads alone: a launcher's second thread would put a one-thread program's calls in a
       replay thread (under glibc another arena than the main thread's, which served them when recorded). */
    replay.threaded = replay.info->last_image_threads > 1;
    bool piped = !replay.threaded && room_for_a_reading_thread();
    /* The live set's tags: handles (below 2^30) where threads make the calls, else the replay's blocks. */
    if (replay.threaded || piped)
        trace_keep_small_tags(replay.reader);
    else
        trace_keep_tags(replay.reader);
    replay_begin(replay.info, replay.threaded);
    replay.wait_left_ns = (replay.info->last_ns > replay.info->start_ns ? replay.info->last_ns - replay.info->start_ns : 0) +
                          2 * TRACE_EARLY_NS;
    struct replay_point *scratch = private_calloc(replay.info->row_count + 20, sizeof *scratch);
    if (!(replay.points = private_calloc(replay.info->row_count + 20, sizeof *replay.points)) || !scratch)
        out_of_memory("the replay's sample points", 2 * (replay.info->row_count + 20), sizeof *replay.points);
    replay.point_count = replay_points_make(replay.info, replay.points, scratch);
    private_free(scratch);
    int status;
    if (replay.threaded)
        status = replay_threads(&replay, error, error_size);
    else if (piped)
        status = replay_one_thread(&replay, error, error_size);
    else
        status = replay_events(&replay, error, error_size);
    if (status == 0) {
        for (; replay.next_point < replay.point_count; replay.next_point++)
            if (!replay.points[replay.next_point].mark) {
                stamp(&replay, &replay.points[replay.next_point]);
                replay_sample(&replay.points[replay.next_point], replay.live_bytes, replay.live_blocks);
            }
        /* "Replay end", not "End": a program's own mark may be called so. */
        struct replay_point end = {.at_ns = replay_since_start(replay.info, replay.info->last_ns), .allocator_view = true,
                                   .label = "Replay end"};
        stamp(&replay, &end);
        replay_sample(&end, replay.live_bytes, replay.live_blocks);
        /* A mark's row kept a clock step past the calls the trace holds (points.c) whose event is not among them
           either (a mark after the last one written out waits in its buffer as a call does): no row, no damage. */
        uint64_t known = trace_known_until(replay.info);
        for (size_t i = 0; i < replay.point_count; i++)
            if (replay.points[i].mark && !replay.points[i].taken && replay.points[i].ns <= known &&
                replay.outcome.rows_without_mark++ == 0)
                snprintf(replay.outcome.row_without_mark, sizeof replay.outcome.row_without_mark, "%s",
                         replay.points[i].label);
    }
    if (replay.reading_to_join) {
        pthread_join(replay.reading_thread, NULL);
        private_stack_free();
        pipe_close(replay.pipe);
        replay.pipe = NULL;
    }
    if (status < 0) { /* found part way (a chunk that does not read): said with the trace it is in */
        trace_name_error(options->trace, error, error_size);
    }
    if (outcome) {
        *outcome = replay.outcome;
        outcome->not_whole = replay.reader && !trace_is_complete(trace_info(replay.reader));
    }
    private_free(replay.points);
    trace_close(replay.reader);
    return status;
}
