/* The results CSV: its columns and how one phase sample of one run becomes a row. */
#ifndef FRAGBENCH_RESULTS_H
#define FRAGBENCH_RESULTS_H

#include <stdint.h>
#include <stdio.h>

#include "record.h"

/* One run: a case under a profile, one repetition. */
struct run_identity {
    const char *case_name;
    const char *profile;       /* the profile name given to --alloc */
    const char *allocator;     /* the allocator found serving malloc */
    const char *alloc_version;
    const char *scale; /* as given to --scale; NULL for a command or a replay, which the cases' settings do not reach */
    unsigned idle_ms;  /* as given to --idle-ms; with scale NULL, none */
    uint64_t threads; /* the threads the case said it starts; 0: not a threaded case */
    unsigned rep;
    uint64_t peak_rss_kb; /* the largest RSS seen from outside during the run; 0: not sampled */
    double busy_ms;       /* the run's wall time, start to exit, less the idles it announced; 0: not known */
    bool recorded;        /* --record: the trace's live heap is in the rows */
    uint64_t peak_live_kb, live_at_peak_rss_kb; /* recorded: the live heap's peak, and the live heap at the peak of RSS */
    bool live_at_peak_rss_known;
    bool peak_live_known; /* the trace holds every call: its peak is the run's (else the column is left empty) */
    const char *runtime;  /* the interpreter that ran the case and its image, "CPython 3.11.2 (/usr/bin/python3.11)"; "" for native programs */
    const char *recorded_profile; /* a replay: the profile its trace was recorded under (NULL: not a replay, or not named) */
};

/* The column names, in order; RESULT_COLUMN_COUNT of them. */
extern const char *const result_columns[];
enum { RESULT_COLUMN_COUNT = 38 };

void results_write_header(FILE *out);

/* Bytes as whole kB, rounded to the nearest: the rule of every *_kb column the program's bytes become. */
uint64_t results_kb(uint64_t bytes);

/*
 * Writes the row of a run that ended (status "exit:9", "signal:SIGKILL", ...) before its first sample:
 * seq 0, no phase and no numbers, so that the failure is counted.
 */
void results_write_status_row(FILE *out, const struct run_identity *run, const char *status);

/* Writes the row for one phase sample of a run that ended with status ("ok", "exit:3", ...). */
void results_write_row(FILE *out, const struct run_identity *run, const struct phase_sample *phase, const char *status);

#endif
