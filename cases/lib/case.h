/* What a scenario program in cases/ defines and may call; the shared main in case_main.c runs it. */
#ifndef FRAGBENCH_CASE_H
#define FRAGBENCH_CASE_H

#include <pthread.h>
#include <stddef.h>

#include "probe.h"
#include "tracked.h"

struct case_params {
    double scale;     /* multiplies the working set; 1 = the talk's size */
    unsigned threads; /* threads a threaded case starts (--threads, else its default) */
};

/*
 * Each case program defines case_body(): it allocates through tracked_*() and marks
 * its phases with phase(). The shared main adds the "After idle" and "After release" tails.
 */
void case_body(const struct case_params *params);

/* One-line description for --help; each case program defines it. */
extern const char case_description[];

/*
 * Each case program defines it: the number of threads it starts unless --threads says otherwise,
 * or 0 for a case that runs on the main thread alone (--threads is then accepted and ignored).
 */
extern const unsigned case_default_threads;

/* Samples the process and reports the case's live bytes and allocations under label. */
static inline void phase(const char *label)
{
    probe_phase(label, tracked.live_bytes, tracked.live_allocs);
}

/* base × scale, rounded, at least 1. */
size_t scaled(size_t base, double scale);

/* Starts a thread running fn(arg); if it cannot, says so and ends the case with exit status 3. */
void start_thread(pthread_t *thread, void *(*fn)(void *), void *arg);

/* A size in [min, max] for block number index: spread by a fixed hash, so runs repeat exactly. */
size_t mixed_size(size_t index, size_t min, size_t max);

#endif
