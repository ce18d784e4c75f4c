/* The trace writer alone under ThreadSanitizer or ASan+UBSan: threads record while others end and the image ends under them. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "format.h"
#include "reader.h"
#include "writer.h"

/*
 * Phase 0: a thread records until its buffer has just been written out (the file grows), ends at once, and a
 * later destructor of its own records one more release: the thread's empty buffer at its end must not cost a
 * chunk number (the reader would count the trace incomplete). Phase 1: THREADS threads each record EVENTS allocations of addresses of their own and release them, then end
 * (their buffers are written by the thread-exit path). Phase 2: LATE threads record pairs without pause while
 * main ends the image under them (the exit's copies of their buffers, then their one-by-one writes). The
 * reader must then read it all: no error, no release before its allocation, every phase-1 event there.
 * With a size cap (second argument, bytes), recording stops during phase 1 while every thread writes: the
 * trace must say so and still read back in order. With "stop" as the second argument, phase 2's threads swap blocks
 * through a shared pool (each releases what another allocated) and main sends the runner's stop signal under them
 * instead of ending the image: the trace must say it stopped there and hold no release without its allocation.
 * One more thread is then kept off the processor inside its second call's recording (its time taken, the event
 * not ended: the writer's test hook) while main makes the stop, for 30 ms, past the stop's 1 ms wait: that call is
 * lost, and the trace must say it is complete only to before it.
 */
enum { THREADS = 6, EVENTS = 30000, LATE = 3 };
static atomic_int stop;
static const char *trace_path;
static pthread_key_t late_key;

static off_t trace_size(void)
{
    struct stat status;
    return stat(trace_path, &status) == 0 ? status.st_size : -1;
}

/* Runs after the writer's own end of the thread (a key made later is destroyed later). */
static void release_after_end(void *block)
{
    trace_writer_release(TRACE_FREE, block);
}

static void *fill_a_buffer_and_end(void *unused)
{
    (void)unused;
    uintptr_t base = (uintptr_t)200 << 32, i = 0;
    off_t before = trace_size();
    do
        trace_writer_allocation(TRACE_MALLOC, 0, 48, (void *)(base + ++i * 64));
    while (trace_size() == before && i < 1000000);
    pthread_setspecific(late_key, (void *)(base + i * 64));
    return NULL;
}

static void *record_and_end(void *argument)
{
    uintptr_t base = ((uintptr_t)argument + 1) << 32;
    for (uintptr_t i = 0; i < EVENTS; i++)
        trace_writer_allocation(TRACE_MALLOC, 0, 16 + i % 500, (void *)(base + i * 16));
    for (uintptr_t i = 0; i < EVENTS; i++)
        trace_writer_release(TRACE_FREE, (void *)(base + i * 16));
    return NULL;
}

static void *record_until_stopped(void *argument)
{
    uintptr_t base = ((uintptr_t)argument + 100) << 32;
    for (uintptr_t i = 0; !atomic_load(&stop); i++) {
        trace_writer_allocation(TRACE_MALLOC, 0, 32, (void *)(base + (i % 1000) * 16));
        trace_writer_release(TRACE_FREE, (void *)(base + (i % 1000) * 16));
    }
    return NULL;
}

static _Atomic uintptr_t pool[256];

/* The thread kept off the processor inside a call's recording (the writer's hook, built with TRACE_WRITER_TEST_HOOKS). */
extern void (*trace_writer_test_before_event_end)(void);
enum { KEPT_OFF_BLOCK = 0x7777000 };
static _Thread_local bool kept_off_thread;
static atomic_int keep_off_armed, kept_off;
static _Atomic uint64_t kept_off_at_ns;

static void keep_off_the_processor(void)
{
    if (!kept_off_thread || !atomic_exchange(&keep_off_armed, 0))
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    atomic_store(&kept_off_at_ns, (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec);
    atomic_store(&kept_off, 1);
    usleep(30000);
}

static void *record_then_stay_off(void *unused)
{
    (void)unused;
    sigset_t stop_signal;
    sigemptyset(&stop_signal);
    sigaddset(&stop_signal, TRACE_STOP_SIGNAL_NUMBER);
    pthread_sigmask(SIG_BLOCK, &stop_signal, NULL); /* main makes the stop */
    kept_off_thread = true;
    trace_writer_allocation(TRACE_MALLOC, 0, 32, (void *)(KEPT_OFF_BLOCK - 64)); /* its buffer made */
    atomic_store(&keep_off_armed, 1);
    trace_writer_allocation(TRACE_MALLOC, 0, 48, (void *)KEPT_OFF_BLOCK);
    return NULL;
}

/* Whether the trace holds an allocation at pointer; -1 if it does not read back. */
static int holds_allocation(const char *path, uint64_t pointer, char *error, size_t size)
{
    struct trace_reader *reader = trace_open(path, error, size);
    if (!reader)
        return -1;
    struct trace_event event;
    int got, found = 0;
    while ((got = trace_next(reader, &event, error, size)) > 0)
        found |= event.op == TRACE_MALLOC && event.pointer == pointer;
    trace_close(reader);
    return got < 0 ? -1 : found;
}

static void *swap_until_stopped(void *argument)
{
    uintptr_t base = ((uintptr_t)argument + 100) << 32;
    for (uintptr_t i = 1; !atomic_load(&stop); i++) {
        uintptr_t block = base + i * 16; /* never handed out twice */
        if (trace_writer_recording()) /* as the recorder's calls ask (recorder.c): none past the stop */
            trace_writer_allocation(TRACE_MALLOC, 0, 32, (void *)block);
        uintptr_t old = atomic_exchange(&pool[(i * 7 + (uintptr_t)argument) % 256], block);
        if (old && trace_writer_recording())
            trace_writer_release(TRACE_FREE, (void *)old);
    }
    return NULL;
}

/* Counts the phase-1 threads' allocations and releases in the trace (their addresses' top halves are 1 to THREADS),
   and the events read: 0, or -1 when it does not read back. */
static int count_phase_one(const char *path, uint64_t *allocations, uint64_t *releases, char *error, size_t size)
{
    struct trace_reader *reader = trace_open(path, error, size);
    if (!reader)
        return -1;
    struct trace_event event;
    int got;
    *allocations = *releases = 0;
    while ((got = trace_next(reader, &event, error, size)) > 0)
        if (event.pointer >> 32 >= 1 && event.pointer >> 32 <= THREADS) {
            *allocations += event.op == TRACE_MALLOC;
            *releases += event.op == TRACE_FREE;
        }
    trace_close(reader);
    return got;
}

static int check(const char *name, int ok, const char *detail)
{
    printf("%s: %s%s%s\n", ok ? "PASS" : "FAIL", name, ok ? "" : "\n  ", ok ? "" : detail);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    pthread_t threads[THREADS], late[LATE];
    struct trace_summary summary;
    char error[512], detail[600];
    FILE *created = argc >= 2 ? fopen(argv[1], "w") : NULL;
    bool stop_signal = argc == 3 && strcmp(argv[2], "stop") == 0;
    uint64_t cap = argc == 3 && !stop_signal ? strtoull(argv[2], NULL, 10) : 0;
    if (!created || fclose(created) != 0 || trace_writer_start(argv[1], cap, false) != 0) {
        printf("FAIL: writer_starts\n  usage: trace_writer_stress FILE [CAP_BYTES|stop] (a writable path)\n");
        return 1;
    }
    trace_path = argv[1];
    if (stop_signal) /* before any thread: it reads the hook at every event */
        trace_writer_test_before_event_end = keep_off_the_processor;
    pthread_key_create(&late_key, release_after_end);
    pthread_create(&threads[0], NULL, fill_a_buffer_and_end, NULL);
    pthread_join(threads[0], NULL);
    for (uintptr_t t = 0; t < THREADS; t++)
        pthread_create(&threads[t], NULL, record_and_end, (void *)t);
    for (int t = 0; t < THREADS; t++)
        pthread_join(threads[t], NULL);
    for (uintptr_t t = 0; t < LATE; t++)
        pthread_create(&late[t], NULL, stop_signal ? swap_until_stopped : record_until_stopped, (void *)t);
    usleep(20000);
    pthread_t stays_off;
    if (stop_signal) {
        pthread_create(&stays_off, NULL, record_then_stay_off, NULL);
        while (!atomic_load(&kept_off))
            usleep(100);
        raise(TRACE_STOP_SIGNAL_NUMBER); /* made in this thread's handler, now */
        pthread_join(stays_off, NULL);
    } else
        trace_writer_end(false);
    usleep(5000);
    atomic_store(&stop, 1);
    for (int t = 0; t < LATE; t++)
        pthread_join(late[t], NULL);
    int failures = 0, read = trace_analyze(argv[1], NULL, 0, &summary, error, sizeof error);
    failures += check("writer_trace_reads_back", read == 0, error);
    snprintf(detail, sizeof detail, "%llu releases of blocks not live, %llu allocations at live addresses",
             (unsigned long long)summary.unknown_releases, (unsigned long long)summary.double_allocations);
    failures += check("writer_keeps_every_release_after_its_allocation",
                      read == 0 && summary.unknown_releases == 0 && summary.double_allocations == 0, detail);
    if (stop_signal) {
        snprintf(detail, sizeof detail, "stopped %d (reason %d)", summary.info.stopped, summary.info.stop_reason);
        failures += check("writer_stops_at_the_signal_with_every_call_before_it",
                          read == 0 && summary.info.stopped && summary.info.stop_reason == TRACE_STOP_SIGNAL, detail);
        int held = holds_allocation(argv[1], KEPT_OFF_BLOCK, error, sizeof error);
        snprintf(detail, sizeof detail, "complete to %llu ns, the lost call's thread kept off from %llu ns; %s",
                 (unsigned long long)summary.info.complete_until_ns, (unsigned long long)atomic_load(&kept_off_at_ns),
                 held < 0 ? error : held ? "the call is in the trace (it was not lost: no test)" : "the call lost");
        failures += check("writer_stop_is_complete_only_to_before_a_call_it_lost",
                          held == 0 && summary.info.complete_until_ns < atomic_load(&kept_off_at_ns), detail);
        return failures ? 1 : 0;
    }
    if (cap) {
        snprintf(detail, sizeof detail, "stopped %d, %llu bytes written (cap %llu)", summary.info.stopped,
                 (unsigned long long)summary.info.file_bytes, (unsigned long long)cap);
        /* At the cap, every thread's buffer is written out past it: main's and those of the threads then running,
           THREADS at most at a time, 64 KiB each and a chunk's head (twice for a thread whose own write raced the
           stop), beside the end's own blocks. */
        failures += check("writer_stops_at_the_cap_and_says_so",
                          read == 0 && summary.info.stopped && summary.info.stop_reason == TRACE_STOP_CAP &&
                              summary.info.file_bytes <= cap + 2 * (THREADS + 1) * ((64 << 10) + 64) + 4096, detail);
        return failures ? 1 : 0;
    }
    snprintf(detail, sizeof detail, "%llu chunk(s) missing", (unsigned long long)summary.info.gaps);
    failures += check("a_thread_ending_with_an_empty_buffer_leaves_no_gap", read == 0 && summary.info.gaps == 0, detail);
    uint64_t allocations = 0, releases = 0;
    int counted = count_phase_one(argv[1], &allocations, &releases, error, sizeof error);
    snprintf(detail, sizeof detail, "%llu allocations and %llu releases of the ended threads (%d each), ended %d%s%s",
             (unsigned long long)allocations, (unsigned long long)releases, THREADS * EVENTS, summary.info.ended,
             counted < 0 ? ": " : "", counted < 0 ? error : "");
    failures += check("writer_loses_no_event_of_ended_threads",
                      counted == 0 && allocations == (uint64_t)THREADS * EVENTS &&
                          releases == (uint64_t)THREADS * EVENTS && summary.info.ended, detail);
    return failures ? 1 : 0;
}
