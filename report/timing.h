/* Reads hyperfine's CSV export of the timing runs: the mean wall time of each "CASE · PROFILE" command. */
#ifndef FRAGBENCH_TIMING_H
#define FRAGBENCH_TIMING_H

#include <stddef.h>

#include "csv_read.h"

/* The name hyperfine gives a timing run (its -n), shared by the writer of the command list. */
#define TIMING_NAME_SEPARATOR " · "

struct timing {
    struct csv_table table; /* empty when there is no timing file */
    long command, mean;     /* column indexes */
};

/* Loads hyperfine's CSV; a missing file is not an error (the timing is then absent). */
int timing_load(const char *path, struct timing *out, char *error, size_t error_size);

/* The mean wall time in seconds of case under profile, or -1 when it was not timed. */
double timing_mean(const struct timing *timing, const char *case_name, const char *profile);

void timing_free(struct timing *timing);

#endif
