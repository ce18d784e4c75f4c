/* Where a replay samples: the recording's rows (its marks, every 5% of its events, its peak), or every 5% of time. */
#ifndef FRAGBENCH_REPLAY_POINTS_H
#define FRAGBENCH_REPLAY_POINTS_H

#include <stddef.h>
#include <stdint.h>

#include "reader.h"
#include "replay.h"

/* A time on the trace's clock as the time after the recording's start (0 before it). */
uint64_t replay_since_start(const struct trace_info *info, uint64_t ns);

/*
 * The points to sample at, in time order, into points (room for the trace's rows and 20 more); scratch as large
 * (stable_sort's, not qsort's, whose scratch would come from the allocator under test). Their count.
 */
size_t replay_points_make(const struct trace_info *info, struct replay_point *points, struct replay_point *scratch);

#endif
