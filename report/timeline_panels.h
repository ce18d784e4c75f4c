/* The panels of a case's timeline: its profiles grouped by allocator family, the axes they share, the mark labels' heights. */
#ifndef FRAGBENCH_TIMELINE_PANELS_H
#define FRAGBENCH_TIMELINE_PANELS_H

#include <stdio.h>

#include "csv_read.h"
#include "dataset.h"

enum { TL_CASE, TL_ALLOC, TL_REP, TL_T, TL_RSS, TL_PHASE, TL_COLUMNS };

/* timeline.csv and where its columns are. */
struct timeline_csv {
    struct csv_table table;
    size_t at[TL_COLUMNS];
};

/* Loads a timeline CSV; every column of TL_COLUMNS must be there. */
int timeline_csv_load(const char *path, struct timeline_csv *out, char *error, size_t error_size);

/*
 * The time (s after the run's start) and RSS (kB, into *rss_kb) of a timeline's row r: at a mark, the mark's own,
 * its row's in the results (compare.csv: elapsed_ms and rss_kb, what the tables give); elsewhere the timeline's
 * sample. The timeline's row of a mark came as the mark arrived, after the program went on: before 2026-12-07 it
 * carried the outside sample read then (frag.py's glibc "After idle" drawn at 271 MiB where its table gives 498),
 * and after 2026-12-06 the mark's own figures at that later time (a step back in a line falling fast).
 */
double timeline_point(const struct dataset *dataset, const struct timeline_csv *t, size_t r, double *rss_kb);

/*
 * Whether timeline row r is of the rep its case's profile is drawn from: the first clean rep in compare.csv (a failed
 * rep 1 was drawn as the profile's line), none where its rows there are all of failed runs, rep 1 where compare.csv
 * has none of its rows.
 */
bool timeline_row_drawn(const struct dataset *dataset, const struct timeline_csv *t, size_t r);

/* The largest time (s) and RSS or live bytes (MiB) of a case's drawn rows: every panel's axes end there. */
struct timeline_axes {
    double x_max, y_max;
};

/* One panel: a family's profiles, tc.profiles[start .. start + count), and the data blocks written for it. */
struct timeline_panel {
    const char *family;
    size_t start, count;
    int first;       /* index of its first profile's block */
    int live, marks; /* index of its live-bytes and marks blocks, -1 if none */
};

enum { TL_MAX_PROFILES = 64 };

struct timeline_case {
    const char *profiles[TL_MAX_PROFILES]; /* profiles with a rep drawn, grouped by family, in order of appearance */
    struct timeline_panel panels[TL_MAX_PROFILES];
    size_t panel_count;
    struct timeline_axes axes;
};

/* The panels of a case: the family of a profile is its allocator in compare.csv (else its own name). */
void timeline_case_build(const struct dataset *dataset, const struct timeline_csv *t, const char *case_name,
                         struct timeline_case *out);

/*
 * Where the mark labels of one panel go. Marks are placed latest first (the later phases, del, idle and release,
 * get their labels); a label moves down a level when the next one is too close in time, and is left out when no
 * level has room.
 */
enum { MARK_LEVELS = 2 };
struct mark_levels {
    double min_gap;               /* closer in time than this, two labels would touch */
    double last_x[MARK_LEVELS];   /* per level, the time of the label placed last */
};

void mark_levels_start(struct mark_levels *levels, double x_max);

/* The height of the label of a mark at time x, as a share of the y axis; -1: no room, no label. */
double mark_level(struct mark_levels *levels, double x);

/* <name>.gp: the settings plots/timeline.gp reads (the data file, the axes, per panel its title and blocks). */
int timeline_settings_write(const struct timeline_case *tc, const char *case_name, const char *dir, const char *name,
                            const char *note, char *error, size_t error_size);

#endif
