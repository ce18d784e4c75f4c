/* Loads a results CSV written by the runner (compare.csv) into typed phase samples. */
#ifndef FRAGBENCH_DATASET_H
#define FRAGBENCH_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csv_read.h"

struct sample_row {
    const char *case_name, *alloc, *allocator, *version, *phase, *status;
    unsigned rep, seq; /* seq 0: the row of a run that failed before its first sample (no phase, no numbers) */
    uint64_t rss_kb, anon_kb;
    /* Optional columns (a CSV from before them, or a program that does not tell, leaves them empty): -1 unknown. */
    int64_t live_kb, alloc_free_kb;
    int64_t child_peak_kb; /* the largest RSS of a child that did the work (frag_subprocess.py) */
    int64_t peak_rss_kb;   /* the run's largest RSS */
    /* A recorded run's (--record): the live heap at this row, the ideal RSS, and the run's live peaks. */
    int64_t trace_live_kb, ideal_rss_kb, peak_live_kb, live_at_peak_rss_kb;
    double busy_ms;      /* the run's wall time less its idles; -1 unknown (a CSV from before the column) */
    double elapsed_ms;   /* when the phase was taken, ms after the run's start (as the timeline's t_ms); -1 unknown */
    /* A replay's row (--replay): where it stands in the recording (ms after its start), and the RSS recorded there. */
    double recorded_ms;
    int64_t recorded_rss_kb, recorded_anon_kb; /* and its anonymous part (-1 before 2026-12-06's column) */
    const char *recorded_alloc; /* the profile the trace was recorded under; "" unknown (before the column) */
    int64_t trace_events; /* and the trace's events replayed before it (the plot's axis); -1 before the column */
    const char *threads; /* "" unless a threaded case */
    bool clean; /* status "ok" */
};

struct dataset {
    struct csv_table table; /* owns the strings the rows point to */
    struct sample_row *rows;
    size_t count;
    const char *scale, *idle_ms; /* of the first row with a scale, a case's ("" if none) */
};

/* Loads path; every column the report needs must be there and every number valid. */
int dataset_load(const char *path, struct dataset *out, char *error, size_t error_size);

void dataset_free(struct dataset *dataset);

#endif
