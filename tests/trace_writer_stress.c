/* The trace writer alone under ThreadSanitizer or ASan+UBSan: threads record while others end and the image ends under them. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
    if (stop_signal)
        kill(getpid(), TRACE_STOP_SIGNAL_NUMBER);
    else
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
