/* Tests of the threaded replay's order: an address another thread released is handed out again only after it. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "pipeline.h"
#include "replay.h"
#include "threads.h"
#include "trace_builder.h"

/*
 * The engine's calls are answered here: each call gets the next number in one log, and a call of SLOW_SIZE bytes
 * sleeps first, so that a thread's later call comes long after the other threads' (whose order must then be kept
 * by the engine's waits, not by luck). Blocks are real (the engine only passes them back).
 */
enum { SLOW_SIZE = 777, LOG_SIZE = 2048 };

struct logged_call {
    char kind;     /* 'a' allocation, 'r' realloc, 'f' free */
    uint64_t size; /* asked (0 for a free) */
    void *block;   /* allocated, or released */
};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct logged_call calls[LOG_SIZE];
static size_t call_count;

static void log_call(char kind, uint64_t size, void *block)
{
    pthread_mutex_lock(&log_lock);
    if (call_count < LOG_SIZE)
        calls[call_count++] = (struct logged_call){kind, size, block};
    pthread_mutex_unlock(&log_lock);
}

static void slow_if_asked(uint64_t size)
{
    if (size == SLOW_SIZE)
        nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
}

static bool began_threaded; /* what the engine told replay_begin */

void replay_begin(const struct trace_info *info, bool threaded)
{
    (void)info;
    began_threaded = threaded;
}

/*
 * The lag test's (a_call_waits_until_the_reading_is_its_lag_past_it): the recorded time the reading thread has
 * reached, stored before each stamp; and, by the size of each block allocated there, what it was when the call was
 * made.
 */
enum { LAG_TEST_BASE = 100000, LAG_TEST_STAMPS = 300 };
static _Atomic uint64_t lag_test_read_to_ms;
static uint64_t lag_test_seen_ms[LAG_TEST_STAMPS];

void *replay_allocate(enum trace_op op, uint64_t size, uint64_t alignment)
{
    (void)op;
    (void)alignment;
    if (size >= LAG_TEST_BASE && size < LAG_TEST_BASE + LAG_TEST_STAMPS)
        lag_test_seen_ms[size - LAG_TEST_BASE] = atomic_load(&lag_test_read_to_ms);
    slow_if_asked(size);
    void *block = malloc(size ? size : 1);
    log_call('a', size, block);
    return block;
}

void *replay_reallocate(void *old, uint64_t old_size, uint64_t size)
{
    (void)old_size;
    void *block = malloc(size ? size : 1); /* a realloc that moves: the old block released in the same call */
    log_call('r', size, block);
    log_call('f', 0, old);
    free(old);
    return block;
}

void replay_release(void *block)
{
    log_call('f', 0, block);
    free(block);
}

void replay_trim(void)
{
    log_call('t', 0, NULL);
}

void replay_note_peak(void)
{
}

static char samples[1024]; /* the labels of the rows taken, each followed by a space */

void replay_sample(const struct replay_point *point, uint64_t live_bytes, uint64_t live_blocks)
{
    (void)live_bytes;
    (void)live_blocks;
    size_t used = strlen(samples);
    snprintf(samples + used, sizeof samples - used, "%s ", point->label);
}

/* The log's position of the first call of a kind and size (for a free: of the block allocated with that size). */
static size_t position_of(char kind, uint64_t size)
{
    void *block = NULL;
    for (size_t i = 0; i < call_count; i++) {
        if (kind == 'f' && calls[i].kind != 'f' && calls[i].size == size)
            block = calls[i].block;
        else if (kind == 'f' && calls[i].kind == 'f' && block && calls[i].block == block)
            return i;
        else if (kind != 'f' && calls[i].kind == kind && calls[i].size == size)
            return i;
    }
    return SIZE_MAX;
}

/* One recorded thread's events, for a trace built here. */
struct thread_events {
    const struct test_event *events;
    size_t count;
};

/*
 * Builds a trace of one chunk per thread, each from 1000 ns, and replays it with the calls logged. Its one row
 * stands after its last event: rows every 5% of its time would each make every call before them first, and so
 * keep the order these tests check whether the replay's own waits keep it or not.
 */
static struct replay_outcome replay_chunks(const struct thread_events *threads, uint32_t thread_count)
{
    struct bytes trace;
    char error[256];
    struct replay_outcome outcome = {0};
    uint64_t events = 0;
    start_trace(&trace, TRACE_VERSION);
    for (uint32_t thread = 0; thread < thread_count; thread++) {
        put_chunk(&trace, thread, 0, 1000, threads[thread].events, threads[thread].count);
        events += threads[thread].count;
    }
    put_row_after_events(&trace, events, "Exit");
    end_trace(&trace);
    struct replay_options options = {.trace = saved(&trace), .time = REPLAY_TIME_FAST};
    call_count = 0;
    CHECK(replay_trace(&options, &outcome, error, sizeof error) == 0);
    unlink(path);
    return outcome;
}

static void replay_threads(const struct test_event *first, size_t first_count, const struct test_event *second,
                           size_t second_count, const struct test_event *third, size_t third_count)
{
    const struct thread_events threads[] = {{first, first_count}, {second, second_count}, {third, third_count}};
    replay_chunks(threads, 3);
}

enum { P1 = 0x10000, P2 = 0x20000, SLOW_BLOCK = 0x30000, MOVED_TO = 0x40000 };

/*
 * Thread 0 allocates 100 bytes at P1, makes a slow call, then frees P1; thread 1 allocates and frees elsewhere;
 * thread 2 is then handed P1 (50 bytes). Replayed, thread 2's allocation must come after thread 0's free, where
 * it once waited for thread 1's free (whose handle it took) and ran while thread 0 slept: both blocks live.
 */
static void an_address_freed_in_one_thread_is_reused_after_the_free(void)
{
    const struct test_event first[] = {{1010, TRACE_MALLOC, 100, P1}, {1030, TRACE_MALLOC, SLOW_SIZE, SLOW_BLOCK},
                                       {1031, TRACE_FREE, 0, P1}},
                            second[] = {{1020, TRACE_MALLOC, 200, P2}, {1032, TRACE_FREE, 0, P2}},
                            third[] = {{1040, TRACE_MALLOC, 50, P1}};
    replay_threads(first, 3, second, 2, third, 1);
    CHECK(position_of('f', 100) < position_of('a', 50));
    CHECK(position_of('a', 50) != SIZE_MAX);
}

/* The same when thread 0 releases P1 by a realloc that moves it: thread 2's allocation at P1 comes after it. */
static void an_address_a_realloc_moved_from_is_reused_after_the_realloc(void)
{
    const struct test_event first[] = {{1010, TRACE_MALLOC, 100, P1}, {1020, TRACE_MALLOC, SLOW_SIZE, SLOW_BLOCK},
                                       {1030, TRACE_REALLOC_START, 0, P1}, {1031, TRACE_REALLOC, 300, MOVED_TO}},
                            second[] = {{1015, TRACE_MALLOC, 200, P2}, {1032, TRACE_FREE, 0, P2}},
                            third[] = {{1040, TRACE_MALLOC, 50, P1}};
    replay_threads(first, 4, second, 2, third, 1);
    CHECK(position_of('r', 300) < position_of('a', 50));
    CHECK(position_of('a', 50) != SIZE_MAX);
}

/*
 * Thread 0's realloc moves P1 away; within it (between its start and its end, as a coarse clock's ties put them)
 * thread 1, after a slow call, is handed P1 and frees it; thread 2 is then handed P1. Replayed, thread 2's
 * allocation must come after thread 1's free, where the realloc's end once took the place of that free as P1's
 * release, and thread 2 waited for the realloc alone: both blocks live.
 */
static void an_address_released_within_a_realloc_is_reused_after_that_release(void)
{
    const struct test_event first[] = {{1010, TRACE_MALLOC, 100, P1}, {1030, TRACE_REALLOC_START, 0, P1},
                                       {1040, TRACE_REALLOC, 300, MOVED_TO}},
                            second[] = {{1020, TRACE_MALLOC, SLOW_SIZE, SLOW_BLOCK}, {1033, TRACE_MALLOC, 50, P1},
                                        {1035, TRACE_FREE, 0, P1}},
                            third[] = {{1050, TRACE_MALLOC, 70, P1}};
    replay_threads(first, 3, second, 3, third, 1);
    CHECK(position_of('f', 50) < position_of('a', 70));
    CHECK(position_of('a', 70) != SIZE_MAX);
}

/*
 * Thread 1 frees a block after a slow call; thread 0's release call (malloc_trim) was recorded after that free.
 * Replayed, the trim must come after the free, where it once ran at once in its own thread (the frees of other
 * threads recorded before it still to come): RSS after the release then held memory the program had given back.
 */
static void a_release_call_comes_after_every_call_recorded_before_it(void)
{
    const struct test_event first[] = {{1010, TRACE_MALLOC, 100, P1}, {1050, TRACE_TRIM, 0, 0}},
                            second[] = {{1020, TRACE_MALLOC, 200, P2}, {1030, TRACE_MALLOC, SLOW_SIZE, SLOW_BLOCK},
                                        {1040, TRACE_FREE, 0, P2}},
                            third[] = {{1015, TRACE_MALLOC, 50, MOVED_TO}};
    replay_threads(first, 2, second, 3, third, 1);
    CHECK(position_of('f', 200) != SIZE_MAX);
    CHECK(position_of('f', 200) < position_of('t', 0));
}

/*
 * Turns (threads.h): thread 0 makes a run of REPLAY_TURN_MIN_CALLS calls, the first slow, and thread 1's one call
 * comes after them all in the recorded time: replayed, it waits for the run's last call, where it once ran while
 * thread 0 slept (the threads of a program under one lock then interleaved as they never had).
 */
static void a_thread_whose_turn_follows_a_long_run_waits_for_its_end(void)
{
    struct test_event run[REPLAY_TURN_MIN_CALLS + 1], after[] = {{5000, TRACE_MALLOC, 5000, P2}};
    run[0] = (struct test_event){1010, TRACE_MALLOC, SLOW_SIZE, SLOW_BLOCK};
    for (uint64_t i = 1; i < REPLAY_TURN_MIN_CALLS; i++)
        run[i] = (struct test_event){1010 + i, TRACE_MALLOC, 1000 + i, P1 + i * 0x100};
    /* A later call of thread 0's publishes thread 1's (a lone call would wait for the end's drain, in thread order). */
    run[REPLAY_TURN_MIN_CALLS] = (struct test_event){6000, TRACE_MALLOC, 6000, MOVED_TO};
    const struct thread_events threads[] = {{run, REPLAY_TURN_MIN_CALLS + 1}, {after, 1}};
    replay_chunks(threads, 2);
    CHECK(position_of('a', 1000 + REPLAY_TURN_MIN_CALLS - 1) < position_of('a', 5000));
    CHECK(position_of('a', 5000) != SIZE_MAX);
}

/* A short run (one slow call and another) does not hold the next thread's call: the threads run side by side.
   (Thread 0's third call, after it, publishes thread 1's, as above.) */
static void a_thread_after_a_short_run_runs_beside_it(void)
{
    const struct test_event run[] = {{1010, TRACE_MALLOC, SLOW_SIZE, SLOW_BLOCK}, {1011, TRACE_MALLOC, 901, P1},
                                     {1030, TRACE_MALLOC, 903, MOVED_TO}},
                            after[] = {{1020, TRACE_MALLOC, 902, P2}};
    const struct thread_events threads[] = {{run, 3}, {after, 1}};
    replay_chunks(threads, 2);
    CHECK(position_of('a', 902) < position_of('a', 901));
    CHECK(position_of('a', 901) != SIZE_MAX);
}

#ifndef __SANITIZE_THREAD__ /* a count, not a race: 4 200 threads take ThreadSanitizer 40 s */
/*
 * More threads live at once than the 4 096 the replay once followed (each then also held a 608 KiB queue, zeroed:
 * 2.5 GB for 4 000): each allocates, all are live together, and each frees its block at the end.
 */
static void thousands_of_threads_live_at_once_replay(void)
{
    enum { THREADS = 4200 };
    static struct bytes trace;
    char error[256];
    start_trace(&trace, TRACE_VERSION);
    for (uint32_t t = 0; t < THREADS; t++) {
        const struct test_event calls_of_thread[] = {{2000 + t, TRACE_MALLOC, 64, 0x1000000 + (uint64_t)t * 0x100},
                                                     {2000 + THREADS + t, TRACE_FREE, 0, 0x1000000 + (uint64_t)t * 0x100}};
        put_chunk(&trace, t, 0, 1000, calls_of_thread, 2);
    }
    end_trace(&trace);
    struct replay_options options = {.trace = saved(&trace), .time = REPLAY_TIME_FAST};
    call_count = 0;
    CHECK(replay_trace(&options, NULL, error, sizeof error) == 0);
    unlink(path);
}
#endif

/*
 * The CPU notes tell a busy pause from an idle one: a pause of 0.8 s in which the recorded CPU time advanced as
 * much (the program worked without a call) is not slept by gaps, and the idle pause of 0.4 s after it (the CPU
 * time still) is. Crafted, so that a loaded machine's recording cannot make a busy pause look idle: the replay
 * alone is timed, at least the 0.4 s it sleeps, and well below the 1.2 s of sleeping both.
 */
static void gaps_sleep_the_idle_pause_not_the_busy_one(void)
{
    enum { MS = 1000000 };
    const struct test_event events[] = {
        {1000, TRACE_CPU, 0, 0},
        {1000, TRACE_MALLOC, 100, P1},
        {1000 + 800ull * MS, TRACE_CPU, 800ull * MS, 0}, /* busy: 0.8 s of CPU in 0.8 s */
        {1000 + 800ull * MS, TRACE_MALLOC, 200, P2},
        {1000 + 1200ull * MS, TRACE_CPU, 800ull * MS, 0}, /* idle: no CPU in 0.4 s */
        {1000 + 1200ull * MS, TRACE_MALLOC, 300, MOVED_TO},
    };
    struct bytes trace;
    char error[256];
    start_trace(&trace, TRACE_VERSION);
    put_chunk(&trace, 0, 0, 1000, events, sizeof events / sizeof events[0]);
    end_trace(&trace);
    struct replay_options options = {.trace = saved(&trace), .time = REPLAY_TIME_GAPS, .gap_ns = 10ull * MS};
    struct timespec start, end;
    call_count = 0;
    clock_gettime(CLOCK_MONOTONIC, &start);
    CHECK(replay_trace(&options, NULL, error, sizeof error) == 0);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double took = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    if (took < 0.39 || took > 1.0)
        printf("  the replay took %.3f s\n", took);
    CHECK(took >= 0.39 && took <= 1.0);
    CHECK(position_of('a', 300) != SIZE_MAX);
    unlink(path);
}

/*
 * A launcher of two threads exec'd a program of one: only the program is replayed, and in the main thread, as
 * it ran (under glibc, the main arena); the launcher's second thread once made the whole replay threaded.
 */
static void a_one_thread_program_after_a_two_thread_launcher_replays_in_one_thread(void)
{
    const struct test_event launcher[] = {{2000, TRACE_MALLOC, 10, P1}}, program[] = {{5000, TRACE_MALLOC, 20, P2}};
    struct bytes trace;
    char error[256];
    unsigned char end[TRACE_END_SIZE] = {0}, image[TRACE_IMAGE_FIXED + 8] = {0};
    start_trace(&trace, TRACE_VERSION);
    put_chunk(&trace, 0, 0, 1000, launcher, 1);
    put_chunk(&trace, 1, 0, 1000, launcher, 1);
    trace_put_u64(end, 3000);
    trace_put_u32(end + 8, 1); /* ended by exec */
    put_block(&trace, TRACE_BLOCK_END, end, sizeof end);
    trace_put_u32(image, 4096);
    trace_put_u64(image + 16, 4000);
    memcpy(image + TRACE_IMAGE_FIXED, "/bin/y", 7);
    put_block(&trace, TRACE_BLOCK_IMAGE, image, TRACE_IMAGE_FIXED + 7);
    put_chunk(&trace, 0, 0, 4000, program, 1);
    end_trace(&trace);
    struct replay_options options = {.trace = saved(&trace), .time = REPLAY_TIME_FAST};
    call_count = 0;
    began_threaded = true;
    CHECK(replay_trace(&options, NULL, error, sizeof error) == 0);
    CHECK(!began_threaded);
    CHECK(position_of('a', 20) != SIZE_MAX && position_of('a', 10) == SIZE_MAX); /* the program's call alone */
    unlink(path);
}

/* The position in the log of the release of the block the n-th allocation (from 0) returned, or SIZE_MAX. */
static size_t release_of_allocation(size_t n)
{
    void *block = NULL;
    for (size_t i = 0; i < call_count; i++)
        if (calls[i].kind == 'a' && n-- == 0)
            block = calls[i].block;
        else if (calls[i].kind == 'f' && block && calls[i].block == block)
            return i;
    return SIZE_MAX;
}

/*
 * P1 is handed out twice with no release between (the program freed it by a path the recorder does not see): the
 * replay releases its first block before the second allocation, in one thread and across two, and counts it.
 */
static void an_address_handed_out_again_releases_the_block_there_first(void)
{
    const struct test_event one[] = {{1010, TRACE_MALLOC, 100, P1}, {1020, TRACE_MALLOC, 50, P1},
                                     {1030, TRACE_FREE, 0, P1}, {1040, TRACE_FREE, 0, P2}};
    struct replay_outcome outcome = replay_chunks(&(struct thread_events){one, 4}, 1);
    CHECK(outcome.allocations_at_live == 1 && outcome.releases_not_live == 1);
    CHECK(release_of_allocation(0) < position_of('a', 50));
    CHECK(release_of_allocation(1) != SIZE_MAX);
    /*
     * Thread 0's allocation is slow: thread 1's release of its block must wait for it. All at one time, so that
     * every row by time comes before them (a row waits for every call before it, which would order them anyway).
     */
    const struct test_event first[] = {{1010, TRACE_MALLOC, SLOW_SIZE, P1}},
                            second[] = {{1010, TRACE_MALLOC, 50, P1}, {1010, TRACE_FREE, 0, P1}};
    outcome = replay_chunks((struct thread_events[]){{first, 1}, {second, 2}}, 2);
    CHECK(outcome.allocations_at_live == 1 && outcome.releases_not_live == 0);
    CHECK(release_of_allocation(0) < position_of('a', 50));
    CHECK(release_of_allocation(1) != SIZE_MAX);
}

/*
 * A mark numbered 0 (a corrupt trace: a mark's number is its time) is no row's: the rows placed by time and every
 * 5% are taken once each, in order, where 0 matched them all and took each at the mark, then again later.
 */
static void a_mark_numbered_0_takes_no_row(void)
{
    const struct test_event events[] = {{2000, TRACE_MALLOC, 100, P1}, {3000, TRACE_MARK, 0, 0},
                                        {4000, TRACE_MALLOC, 200, P2}, {5000, TRACE_FREE, 0, P2},
                                        {6000, TRACE_FREE, 0, P1}};
    struct bytes trace;
    char error[256];
    start_trace(&trace, TRACE_VERSION);
    put_chunk(&trace, 0, 0, 1000, events, 5);
    end_trace(&trace);
    struct replay_options options = {.trace = saved(&trace), .time = REPLAY_TIME_FAST};
    samples[0] = '\0';
    CHECK(replay_trace(&options, NULL, error, sizeof error) == 0);
    CHECK_STR(samples, "5% 10% 15% 20% 25% 30% 35% 40% 45% 50% 55% 60% 65% 70% 75% 80% 85% 90% 95% Replay end ");
    unlink(path);
}

/*
 * A trace without an end block bounds its times at the start only: one whose events span 2^61 ns (73 years;
 * a corrupt time, or a crafted one) has its rows every 5% in order, where span * percent once wrapped around.
 */
static void rows_every_5_percent_of_a_span_of_years_come_in_order(void)
{
    const uint64_t far = 1ull << 59;
    const struct test_event events[] = {{2000, TRACE_MALLOC, 100, P1}, {2000 + far, TRACE_MALLOC, 200, P2},
                                        {2000 + 2 * far, TRACE_FREE, 0, P2}, {2000 + 4 * far, TRACE_FREE, 0, P1}};
    struct bytes trace;
    char error[256];
    start_trace(&trace, TRACE_VERSION);
    put_chunk(&trace, 0, 0, 1000, events, 4);
    struct replay_options options = {.trace = saved(&trace), .time = REPLAY_TIME_FAST};
    samples[0] = '\0';
    CHECK(replay_trace(&options, NULL, error, sizeof error) == 0);
    CHECK_STR(samples, "5% 10% 15% 20% 25% 30% 35% 40% 45% 50% 55% 60% 65% 70% 75% 80% 85% 90% 95% Replay end ");
    unlink(path);
}

/* The lag test's reading thread: a stamp each recorded millisecond, then an allocation of LAG_TEST_BASE + ms bytes. */
static void *read_with_stamps(void *argument)
{
    struct call_pipe *pipe = argument;
    uint64_t handles[LAG_TEST_STAMPS];
    char error[64];
    for (uint64_t ms = 0; ms < LAG_TEST_STAMPS; ms++) {
        atomic_store(&lag_test_read_to_ms, ms);
        pipe_stamp(pipe, ms * 1000000);
        if (pipe_allocate(pipe, TRACE_MALLOC, LAG_TEST_BASE + ms, 0, &handles[ms], error, sizeof error) != 0)
            abort();
        /* A pause in the reading, so that on one CPU too the main thread runs while it is at 50 ms: without the
           lag it would then make the calls up to 50 (a reviewer's run under taskset passed without it). */
        if (ms == 50)
            nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    }
    for (uint64_t ms = 0; ms < LAG_TEST_STAMPS; ms++)
        pipe_release(pipe, handles[ms]);
    pipe_finish(pipe);
    return NULL;
}

/*
 * A replay that keeps the recorded time makes the calls after a stamp only once the reading is its lag (100 ms here)
 * of recorded time past it, or has ended: each call made at millisecond t saw the reading at t + 100 or later (at
 * the last stamp, 299, for those within 100 ms of it). Without the lag the main thread follows right behind.
 */
static void a_call_waits_until_the_reading_is_its_lag_past_it(void)
{
    struct call_pipe *pipe = pipe_open(1 << 16, 100 * 1000000u);
    memset(lag_test_seen_ms, 0xff, sizeof lag_test_seen_ms);
    pthread_t reader;
    CHECK(pthread_create(&reader, NULL, read_with_stamps, pipe) == 0);
    pipe_make_calls(pipe);
    pthread_join(reader, NULL);
    pipe_close(pipe);
    unsigned early = 0;
    for (uint64_t ms = 0; ms < LAG_TEST_STAMPS; ms++) {
        uint64_t due = ms + 100 < LAG_TEST_STAMPS - 1 ? ms + 100 : LAG_TEST_STAMPS - 1;
        if (lag_test_seen_ms[ms] == UINT64_MAX || lag_test_seen_ms[ms] < due) {
            if (early++ < 3)
                printf("  the call at %" PRIu64 " ms made with the reading at %" PRIu64 " ms (due: %" PRIu64 ")\n", ms,
                       lag_test_seen_ms[ms], due);
        }
    }
    CHECK(early == 0);
}

int main(void)
{
    RUN_TEST(an_address_freed_in_one_thread_is_reused_after_the_free);
    RUN_TEST(an_address_a_realloc_moved_from_is_reused_after_the_realloc);
    RUN_TEST(an_address_released_within_a_realloc_is_reused_after_that_release);
    RUN_TEST(a_release_call_comes_after_every_call_recorded_before_it);
    RUN_TEST(a_thread_whose_turn_follows_a_long_run_waits_for_its_end);
    RUN_TEST(a_thread_after_a_short_run_runs_beside_it);
    RUN_TEST(gaps_sleep_the_idle_pause_not_the_busy_one);
    RUN_TEST(a_one_thread_program_after_a_two_thread_launcher_replays_in_one_thread);
    RUN_TEST(an_address_handed_out_again_releases_the_block_there_first);
    RUN_TEST(rows_every_5_percent_of_a_span_of_years_come_in_order);
    RUN_TEST(a_mark_numbered_0_takes_no_row);
    RUN_TEST(a_call_waits_until_the_reading_is_its_lag_past_it);
#ifndef __SANITIZE_THREAD__
    RUN_TEST(thousands_of_threads_live_at_once_replay);
#endif
    return CHECK_EXIT_CODE();
}
