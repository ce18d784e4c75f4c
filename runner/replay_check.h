/* A replay under the profile its trace was recorded under, set against the recording at the recording's rows. */
#ifndef FRAGBENCH_REPLAY_CHECK_H
#define FRAGBENCH_REPLAY_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "record.h"

/* The fidelity goal (docs/replay.md#fidelity): a replay's growth within 10% or 4 MB of the program's. */
enum { REPLAY_GOAL_PCT = 10, REPLAY_GOAL_KB = 4096 };

/* The row where a replay's growth above its first row is furthest from the recording's there. */
struct replay_miss {
    const char *label;
    int64_t replay_kb, recorded_kb; /* growth above the first row */
    bool anonymous;                 /* of anonymous RSS (the heap's), else of all of RSS (an older trace's rows) */
    int64_t beyond_kb;              /* how far the two differ beyond the goal */
};

/*
 * Of a replay's rows that carry the recording's RSS (its marks, Start, Recorded peak, Exit), the one whose growth
 * above the first of them misses the recording's by the most beyond the goal: true and *miss set, or false where
 * every row is within it (or fewer than two rows carry the recording's RSS).
 */
bool replay_check_rows(const struct phase_sample *rows, size_t count, struct replay_miss *miss);

/*
 * Tells, on out, that a replay under the profile the trace was recorded under (profile) missed the recording at
 * miss, and what that says of the trace: the program's memory the trace does not hold, or memory it never wrote.
 */
void replay_check_print(FILE *out, const char *case_name, const char *profile, const struct replay_miss *miss);

#endif
