/* Runs the matrix of cases x profiles x reps, --jobs working at a time, verifying each run and writing its rows in order. */
#ifndef FRAGBENCH_MATRIX_H
#define FRAGBENCH_MATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>

#include "cases.h"
#include "selection.h"
#include "summary.h"
#include "timeline.h"

/* The runner's exit status: every run clean; a run failed (its rows kept); bad input or a wrong allocator. */
enum exit_code { EXIT_CLEAN = 0, EXIT_RUN_FAILED = 1, EXIT_BAD_INPUT = 2 };

/* The most runs at once: working (--jobs) and idle beside them. */
#define MATRIX_MAX_JOBS 64

struct matrix {
    const char *build_dir;  /* the C case programs are in build_dir/cases/ */
    const char *script_dir; /* the Python cases are in script_dir/ */
    const char *python;     /* the interpreter's path, for Python cases */
    const struct case_entry *const *cases;
    size_t case_count;
    const struct selection *selection;
    const char *scale_text;
    unsigned idle_ms;
    unsigned threads;  /* passed to the C cases as --threads; 0: not passed (each case's default) */
    unsigned reps;
    unsigned max_reps; /* one more rep of a pair while its reps differ, up to this many (reps: never) */
    double spread_pct; /* reps differ when a phase's RSS spread passes this % of its median */
    unsigned jobs;     /* runs working at the same time; runs idle beside them do not count */
    bool no_overlap;   /* idle runs count too: at most jobs runs at once */
    FILE *console;     /* the talk's lines; NULL for none */
    FILE *csv;         /* NULL for none */
    const char *csv_path;
    bool quiet;        /* no progress */
    unsigned interval_ms;     /* sample every run from outside this often; 0: only in external mode's default */
    bool sample_outside;      /* sample runs from outside (external mode, or a timeline asked for) */
    FILE *timeline;           /* the outside samples as CSV rows; NULL for none */
    const char *timeline_path;
    char *const *command;     /* external mode: the command's argv */
    const char *command_path; /* and the program it runs */
    const char *shim;         /* external mode: the hello shim, preloaded after the profile's library */
    const char *recorder;     /* --record: the recorder library, preloaded first */
    const char *trace_path;   /* --record: the trace file, absolute; NULL when not recording */
    const char *trace_display; /* and as the user gave it */
    const char *trace_compressed; /* --record=FILE.zst: FILE.zst (trace_path is FILE.zst.raw until then); or NULL */
    unsigned long long trace_cap_bytes;
    bool trace_precise_clock;
    const char *replay_time;  /* --replay-time: how replays keep the recorded time (fb-replay's --time) */
    bool replay_partial;      /* --replay-partial: traces that are not whole are replayed (fb-replay's --partial) */
    unsigned timeout_s;       /* kill a run after this long (status "timeout"); 0: never */
    unsigned duration_s;      /* stop a command after this long, its last outside sample its Exit (status ok); 0: never */
    unsigned long long mem_limit_kb; /* kill a run whose RSS passes this (status "oom"); 0: never */
    struct summary *summary;
};

struct matrix_totals {
    unsigned runs, failed, wrong;
    size_t rows;
    bool csv_broken; /* a write to the CSV failed: the matrix stopped */
    bool no_trace;   /* --record stopped before the program began recording: no trace was kept */
    bool recorded_rows; /* a replay's table has the recording's rows beside it (its "recorded run" lines) */
    /* The replays off from their recording beyond the fidelity goal ("jq under glibc, ..."): said again after the table. */
    char replay_misses[512];
};

/* Flushes the CSV; false (with a message) when a row did not reach it. */
bool matrix_csv_flushed(FILE *csv, const char *option, const char *path);

/*
 * Set by the runner's SIGINT/SIGTERM handler (the signal, and how many came): the matrix stops its runs, keeps what
 * finished, and returns; --record's one run is stopped as at --duration at the first, and at once at a second.
 */
extern volatile sig_atomic_t matrix_stop_signal, matrix_stop_count;

/* Runs the whole matrix; returns 0 if every run was clean, 1 if a run failed, 2 for a wrong allocator or a lost CSV,
   128 + the signal when stopped by SIGINT or SIGTERM. */
int matrix_run(const struct matrix *matrix, struct matrix_totals *totals);

#endif
