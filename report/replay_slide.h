/* A replayed trace in the slides and plots: the recording beside its replays, and RSS over the recorded time. */
#ifndef FRAGBENCH_REPLAY_SLIDE_H
#define FRAGBENCH_REPLAY_SLIDE_H

#include <stdbool.h>
#include <stdio.h>

#include "report.h"

/* Whether the case is a replayed trace (its rows say where they stand in a recording). */
bool replay_case(const struct dataset *dataset, const char *case_name);

/*
 * The table of the recorded run beside each profile's replay: RSS at the recording's own rows, and at the last
 * of them the ideal RSS and the waste.
 */
void write_replay_table(const struct report *report, const struct case_stats *case_stats, FILE *out);

/* <case>-replay.dat and .gp: RSS over the recorded time, one line per profile, the recording's RSS and live heap. */
int write_replay_plot(const struct report *report, const struct case_stats *case_stats, const char *dir,
                      const char *note, char *error, size_t error_size);

#endif
