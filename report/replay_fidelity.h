/* A replayed trace in the slides set against its recording: the runner's fidelity check, made again from the CSV. */
#ifndef FRAGBENCH_REPLAY_FIDELITY_H
#define FRAGBENCH_REPLAY_FIDELITY_H

#include <stdio.h>

#include "report.h"

/*
 * The sentence under the recording-beside table: whether the replays under the profile the trace was recorded
 * under (the CSV's recorded_alloc) grew as the recording did at its own rows, within the fidelity goal, or which
 * row missed by how much and what that says of the other profiles' replays. Nothing for results from before the
 * column.
 */
void write_replay_fidelity(const struct report *report, const struct case_stats *case_stats, FILE *out);

#endif
