/* The runner's command line: what getopt_long accepts, its defaults, and the usage text. */
#ifndef FRAGBENCH_OPTIONS_H
#define FRAGBENCH_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct options {
    const char *alloc;         /* --alloc: comma-separated profile names, paths or "all" */
    bool alloc_given;          /* --alloc was given (else alloc is the default, glibc) */
    unsigned reps;             /* --reps */
    unsigned max_reps;         /* --max-reps: up to this many while the reps differ; reps when not given */
    unsigned spread_pct;       /* --spread: reps differ when a phase's RSS spread passes this % of its median */
    const char *scale_text;    /* --scale as given (checked to be a number in (0, 1000]), passed on and recorded */
    unsigned idle_ms;          /* --idle-ms */
    unsigned threads;          /* --threads: threads a threaded C case starts; 0: the case's default */
    const char *csv_path;      /* --csv: NULL for none, "-" for stdout */
    const char *profiles_path; /* --profiles: NULL for the shipped profiles.txt */
    const char *python;        /* --python: the interpreter of the Python cases */
    unsigned interval_ms;      /* --interval-ms: outside sampling period */
    const char *timeline_path; /* --timeline: CSV of the outside samples; NULL for none */
    bool external;             /* "--" was given: the positional arguments are a command to run */
    unsigned timeout_s;        /* --timeout: a run still going after this many seconds is killed; 0: none */
    unsigned duration_s;       /* --duration: a command is stopped after this many seconds, a clean run; 0: none */
    long long mem_limit_kb;    /* --mem-limit: a run whose RSS passes this is killed; 0: none; -1: the default */
    unsigned jobs;             /* --jobs: runs working at the same time */
    bool no_overlap;           /* --no-overlap: idle runs count against --jobs too */
    bool quiet;                /* --quiet: no talk lines, no progress, no closing table */
    bool skip_missing;         /* --skip-missing: a profile whose library is missing is skipped, as under all */
    const char *record_path;   /* --record: the trace file; NULL for none */
    long long record_cap_kb;   /* --record-cap: the trace's size cap */
    bool record_precise_clock; /* --record-clock=precise */
    const char *replay;        /* --replay: comma-separated traces, each replayed as a case; NULL for none */
    const char *replay_time;   /* --replay-time: gaps, fast or real (fb-replay's --time) */
    bool replay_partial;       /* --replay-partial: a trace that is not whole is replayed, not refused */
    const char *list;          /* --list: NULL, "all", "cases" or "profiles" */
    bool dry_run;              /* --dry-run: check everything, say what would run, run nothing */
    bool help, version;
    char **case_names; /* the positional arguments */
    size_t case_count;
};

/* Parses argv into *out with defaults filled in; returns 0, or -1 with a message in error. */
int options_parse(int argc, char **argv, struct options *out, char *error, size_t error_size);

/* Prints the --help text. */
void options_usage(FILE *out);

#endif
