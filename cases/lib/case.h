/* What a scenario program in cases/ defines and may call; the shared main in case_main.c runs it. */
#ifndef FRAGBENCH_CASE_H
#define FRAGBENCH_CASE_H

#include <stddef.h>

#include "probe.h"
#include "tracked.h"

struct case_params {
    double scale; /* multiplies the working set; 1 = the talk's size */
};

/*
 * Each case program defines case_body(): it allocates through tracked_*() and marks
 * its phases with phase(). The shared main adds the "After idle" and "After release" tails.
 */
void case_body(const struct case_params *params);

/* One-line description for --help; each case program defines it. */
extern const char case_description[];

/* Samples the process and reports the case's live bytes and allocations under label. */
static inline void phase(const char *label)
{
    probe_phase(label, tracked.live_bytes, tracked.live_allocs);
}

/* base × scale, rounded, at least 1. */
size_t scaled(size_t base, double scale);

#endif
