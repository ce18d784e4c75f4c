/* What the report writers share: the aggregated results, the timings, the profiles and the machine facts. */
#ifndef FRAGBENCH_REPORT_H
#define FRAGBENCH_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "dataset.h"
#include "profiles.h"
#include "stats.h"
#include "timing.h"

struct timeline_csv;

struct report {
    const struct dataset *dataset;
    const struct stats *stats;
    const struct timing *timing;
    const struct stats *alone;           /* the runs alone for wall times (walltime.csv); NULL when absent */
    const struct profile_list *profiles; /* for the console blocks' LD_PRELOAD and settings */
    const char *plots_link;              /* the plots' directory as slides.md reaches it, or NULL */
    const struct timeline_csv *timeline; /* timeline.csv (the timeline plots' rows), or NULL when absent */
    char **machine;                      /* lines of machine.txt ("key: value") */
    size_t machine_count;
};

/* Writes text as a gnuplot double-quoted string (quotes and backslashes escaped, line breaks as \n). */
void gp_string(FILE *out, const char *text);
/*
 * A string in a gnuplot data file, double-quoted: gnuplot reads no escapes there (a label `del "big" one` written
 * with \" read as `del \`), so a double quote is written as a single one, and a newline or tab as a space.
 */
void gp_data_string(FILE *out, const char *text);

/*
 * dir/<name>.gp: the variables a plot script in plots/ reads (its data file dir/<name>.dat, series, title, footnote),
 * and the script's name, plots/<script>.gp, for plots/render.sh (a name says nothing: a case may be named svc-replay).
 */
int gp_write_settings(const char *dir, const char *name, const char *script, const char *title, size_t series,
                      const char *note, char *error, size_t error_size);

/* The line of a settings file that names the script in plots/ that draws it: "# drawn by plots/<script>.gp". */
void gp_script_line(FILE *gp, const char *script);

/* Opens dir/<name><suffix> for writing; NULL with "path: reason" in error. */
FILE *gp_open(const char *dir, const char *name, const char *suffix, char *error, size_t error_size);

/* Closes what gp_open opened; -1 with "path: reason" in error where a write to it or the close failed (a full disk). */
int gp_close(FILE *file, const char *dir, const char *name, const char *suffix, char *error, size_t error_size);

/* Where a pair's wall time comes from: hyperfine's timing.csv (make bench), else its run alone (walltime.csv). */
enum wall_source { WALL_NONE, WALL_HYPERFINE, WALL_ALONE };

/* The wall time in s of a profile in a case, and its source; -1 (WALL_NONE) when it was not timed. */
double report_wall(const struct report *report, const char *case_name, const char *alloc, enum wall_source *source);

/* The wall-time ratio of a profile against glibc for a case, or -1 when either was not timed or their sources differ. */
double report_ratio_vs_glibc(const struct report *report, const char *case_name, const char *alloc);

/* "hyperfine", "alone" or "" (summary.csv's wall_source). */
const char *report_wall_source_name(enum wall_source source);

/* One sentence for the slides: what the wall times are. */
const char *report_wall_text(const struct report *report);

/* results/summary.csv: per case x profile x phase, the statistics over the reps. */
void write_summary_csv(const struct report *report, FILE *out);

/* The talk's cures, measured: one row per cure of frag.py's workload (written into slides.md when frag.py is there). */
void write_cures_table(const struct report *report, FILE *out);

/* Recorded runs (--record): peak RSS, live heap and fragmentation per run (written into slides.md when there are any). */
void write_recorded_table(const struct report *report, FILE *out);

/* results/slides.md: the slide tables and the talk-style console blocks. */
void write_slides(const struct report *report, FILE *out);

/*
 * The gnuplot inputs in dir: <case>.dat and <case>.gp per case, <case>-waste.dat and .gp per case with an
 * "After del" split, retained.dat and retained.gp, and the timelines.
 */
int write_plot_data(const struct report *report, const char *dir, char *error, size_t error_size);

/* The retained heatmap's plot name (retained.svg): a case of that name has no plot of RSS after each phase. */
#define RETAINED_PLOT "retained"

/* Whether a case has its plot of RSS after each phase, <case>.svg: it has a clean rep (and is not RETAINED_PLOT). */
bool case_has_phase_plot(const struct case_stats *c);

/* <case>-timeline.dat and .gp for every case in the report's timeline (none if it has none). */
int write_timeline_plots(const struct report *report, const char *dir, const char *note, char *error,
                         size_t error_size);

/* Whether a case has its plot of RSS over time, <case>-timeline.svg: a replay has its own instead. */
bool case_has_timeline_plot(const struct report *report, const char *case_name);

#endif
