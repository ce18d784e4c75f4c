/* Which run of the matrix may start next: the reps of every pair, an extra rep where they differ, in matrix order. */
#ifndef FRAGBENCH_SCHEDULE_H
#define FRAGBENCH_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

/*
 * The matrix has a slot for every case x profile x rep up to max_reps, case-major, then profile, then rep.
 * The first `reps` slots of a pair always run; a slot beyond them is decided once every rep before it is done:
 * needed when those reps differ (reps_differ), else skipped with every slot after it.
 */
enum slot_state { SLOT_PENDING, SLOT_NEEDED, SLOT_SKIPPED, SLOT_STARTED, SLOT_DONE };

struct schedule {
    size_t cases, profiles;
    unsigned reps, max_reps;
    size_t slots;
    unsigned char *state; /* enum slot_state per slot */
    size_t planned;       /* runs that will run: every pair's reps, and the extra reps decided so far */
};

/* A finished rep as the decision sees it: its phase records, and whether it ended clean. */
struct rep_phases {
    const struct phase_sample *phases;
    size_t count;
    bool clean;
};

int schedule_init(struct schedule *schedule, size_t cases, size_t profiles, unsigned reps, unsigned max_reps);
void schedule_free(struct schedule *schedule);

/* A slot's place: its case and profile indexes and its rep number (from 1). */
size_t schedule_case(const struct schedule *schedule, size_t slot);
size_t schedule_profile(const struct schedule *schedule, size_t slot);
unsigned schedule_rep(const struct schedule *schedule, size_t slot);

/* The first slot at or after from that may start now (one of a pair's reps, or a needed extra); slots if none. */
size_t schedule_next(const struct schedule *schedule, size_t from);

/* Every rep of the slot's pair is done or skipped: its runs may be written. */
bool schedule_pair_settled(const struct schedule *schedule, size_t slot);

/*
 * The pair's first undecided extra rep whose reps before it are all done, or slots if there is none (no extra
 * reps, one still running, or decided already). The caller decides it with schedule_decide.
 */
size_t schedule_undecided(const struct schedule *schedule, size_t slot);

/* Skips every slot of a case not started yet (a trace refused); returns how many of them were planned to run. */
size_t schedule_skip_case(struct schedule *schedule, size_t case_index);

/* Marks an extra rep needed, or skipped with every later rep of its pair. */
void schedule_decide(struct schedule *schedule, size_t slot, bool needed);

/*
 * The reps differ: one is clean and another failed, their phases are not the same labels in the same order, or
 * some phase's RSS spread (max - min) is above spread_pct % of its median, as the report's rss_spread_pct measures
 * it (external mode's synthetic Exit row aside). Reps that all failed do not differ: another would fail too.
 */
bool reps_differ(const struct rep_phases *reps, size_t count, double spread_pct);

/* MemAvailable from /proc/meminfo in kB, or 0 when it cannot be read. */
uint64_t memory_available_kb(void);

#endif
