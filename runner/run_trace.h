/* A run's trace once it has ended: a recording read, named, compressed and reported; a replay's figures. */
#ifndef FRAGBENCH_RUN_TRACE_H
#define FRAGBENCH_RUN_TRACE_H

#include <stdbool.h>
#include <stdio.h>

#include "recorded.h"
#include "run.h"

/* A replay's trace peak of live heap and ideal RSS at each row, from its rows (nothing for other runs). */
void run_set_replay_figures(struct run *run);

/* A recorded run's trace: the allocator's name and the run's rows added, its live heap read into recorded and the
   run's rows; false (said on stderr) where it cannot be read. */
bool run_read_trace(struct run *run, struct recorded *recorded);

/* --record=FILE.zst: compresses the trace; where the trace is for the user (the raw file where zstd failed, said). */
const char *run_compress_trace(const struct run *run);

/* The recorded run's report to out (NULL: none), and its state on stderr where the trace is not whole. */
void run_print_recorded(const struct run *run, FILE *out, const struct recorded *recorded, const char *path);

#endif
