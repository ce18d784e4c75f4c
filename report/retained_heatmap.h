/* The retained heatmap's inputs: retained % after del and after release, one row per case, one column per profile. */
#ifndef FRAGBENCH_RETAINED_HEATMAP_H
#define FRAGBENCH_RETAINED_HEATMAP_H

#include <stddef.h>

#include "report.h"

/* retained.dat (a block per panel: a header row of profiles, then a row per case; "?": no clean rep) and retained.gp. */
int write_retained_heatmap(const struct report *report, const char *dir, const char *note, char *error,
                           size_t error_size);

#endif
