/* libFuzzer target: any bytes as a trace for the replay engine, whose calls a checking allocator answers. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "live.h"
#include "replay.h"

/*
 * The engine's calls get fake blocks (numbers, never memory), kept in a set: releasing or reallocating a block
 * the replay does not hold, or one twice, aborts, as does a sample without a label. The engine's threads call
 * in at once, hence the lock.
 */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct live_set held;
static uint64_t next_block;

static void *hand_out(uint64_t size)
{
    next_block += 16;
    live_add(&held, next_block, size);
    return (void *)(uintptr_t)next_block;
}

static void take_back(void *block, const char *call)
{
    uint64_t size;
    if (block && !live_remove(&held, (uint64_t)(uintptr_t)block, &size)) {
        fprintf(stderr, "fuzz_replay: %s of %p, a block the replay does not hold\n", call, block);
        abort();
    }
}

/*
 * The waits of a replay that keeps the recorded time, counted, not slept: together they never pass the time the
 * trace tells of (its first image's start, less a second for a later image's start and a second for a thread's
 * first chunk, each of which may come so much before, to its last event). A wait counted from the wrong time once
 * slept 584 years.
 */
static uint64_t slept_ns, span_ns;

static void count_sleep(uint64_t ns)
{
    slept_ns += ns;
    if (slept_ns > span_ns) {
        fprintf(stderr, "fuzz_replay: waits of %llu ns in all, past the trace's %llu ns\n",
                (unsigned long long)slept_ns, (unsigned long long)span_ns);
        abort();
    }
}

void replay_begin(const struct trace_info *info, bool threaded)
{
    (void)threaded;
    span_ns = (info->last_ns > info->start_ns ? info->last_ns - info->start_ns : 0) + 2 * TRACE_EARLY_NS;
}

void *replay_allocate(enum trace_op op, uint64_t size, uint64_t alignment)
{
    (void)op;
    (void)alignment;
    pthread_mutex_lock(&lock);
    void *block = hand_out(size);
    pthread_mutex_unlock(&lock);
    return block;
}

void *replay_reallocate(void *old, uint64_t old_size, uint64_t size)
{
    (void)old_size;
    pthread_mutex_lock(&lock);
    take_back(old, "realloc");
    void *block = hand_out(size);
    pthread_mutex_unlock(&lock);
    return block;
}

void replay_release(void *block)
{
    pthread_mutex_lock(&lock);
    take_back(block, "free");
    pthread_mutex_unlock(&lock);
}

void replay_trim(void)
{
}

void replay_note_peak(void)
{
}

void replay_sample(const struct replay_point *point, uint64_t live_bytes, uint64_t live_blocks)
{
    (void)live_bytes;
    (void)live_blocks;
    if (!point->label[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64], error[512];
    int file = memfd_create("trace", 0);
    if (file < 0 || (size && write(file, data, size) != (ssize_t)size))
        abort();
    snprintf(path, sizeof path, "/proc/self/fd/%d", file);
    /* Inputs of odd length keep the recorded time (its stamps and lag: pipeline.c), every pause a wait, counted
       and not slept (count_sleep); even, as fast as it can. */
    struct replay_options options = {.trace = path, .time = size % 2 ? REPLAY_TIME_GAPS : REPLAY_TIME_FAST,
                                     .gap_ns = 0, .sleep = count_sleep};
    slept_ns = 0;
    span_ns = 0;
    live_init(&held);
    error[0] = '\0';
    int result = replay_trace(&options, NULL, error, sizeof error);
    if ((result != 0 && result != -1) || (result == -1) != (error[0] != '\0')) { /* -1 with its reason, or 0 */
        fprintf(stderr, "fuzz_replay: replay_trace gave %d with the error '%s'\n", result, error);
        abort();
    }
    live_free(&held);
    close(file);
    return 0;
}
