/* A replayed trace in the slides and plots: the recording beside its replays, and RSS over the recorded time. */
#ifndef FRAGBENCH_REPLAY_SLIDE_H
#define FRAGBENCH_REPLAY_SLIDE_H

#include <stdbool.h>
#include <stdio.h>

#include "report.h"

/* Whether the case is a replayed trace (its rows say where they stand in a recording). */
bool replay_case(const struct dataset *dataset, const char *case_name);

/* Whether the case's trace was cut short (replayed with --replay-partial): its replays have no Exit row. */
bool replay_of_a_cut_trace(const struct dataset *dataset, const char *case_name);

/*
 * The table of the recorded run beside each profile's replay: RSS at the recording's own rows, and at the last
 * of them the ideal RSS and the waste.
 */
void write_replay_table(const struct report *report, const struct case_stats *case_stats, FILE *out);

/*
 * The table of Johnstone and Wilson's figures for the recorded run and each replay: peak RSS over the trace's peak
 * live heap (#4), and RSS over the live heap where RSS was largest (#3).
 */
void write_replay_fragmentation(const struct report *report, const struct case_stats *case_stats, FILE *out);

/*
 * The plot's axis: the trace's events, the most replayed before any of the case's rows (the share made before each
 * row places it, the same for the recording and every replay); 0 where a row lacks trace_events (results from
 * before the column), whose plot is drawn over the recorded time.
 */
int64_t replay_plot_events(const struct dataset *dataset, const struct case_stats *case_stats);

/* <case>-replay.dat and .gp: RSS over the trace's events, one line per profile, the recording's RSS and live heap. */
int write_replay_plot(const struct report *report, const struct case_stats *case_stats, const char *dir,
                      const char *note, char *error, size_t error_size);

#endif
