/* Writes the gnuplot inputs of the timelines: RSS over time per profile (rep 1) and the phase marks, per case. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv_read.h"
#include "report.h"

enum { COL_CASE, COL_ALLOC, COL_REP, COL_T, COL_RSS, COL_PHASE, COLUMNS };
static const char *const names[COLUMNS] = {"case", "alloc", "rep", "t_ms", "rss_kb", "phase"};

/* The live bytes at the marks: a column of later timelines, absent from older ones. */
static const char live_column[] = "live_kb";

/* True for a row of the case, profile and rep 1. */
static bool row_of(const struct csv_table *t, const long *at, size_t r, const char *case_name, const char *alloc)
{
    return !strcmp(csv_cell(t, r, (size_t)at[COL_CASE]), case_name) &&
           !strcmp(csv_cell(t, r, (size_t)at[COL_ALLOC]), alloc) && !strcmp(csv_cell(t, r, (size_t)at[COL_REP]), "1");
}

/* After the profiles' blocks, one more: the first profile's live bytes at its marks; returns whether it has any. */
static bool write_live_block(FILE *dat, const struct csv_table *t, const long *at, const char *case_name,
                             const char *alloc)
{
    long live_at = csv_column(t, live_column);
    bool any = false;
    for (size_t r = 1; live_at >= 0 && r < t->rows; r++) {
        const char *live = csv_cell(t, r, (size_t)live_at);
        if (!*live || !row_of(t, at, r, case_name, alloc))
            continue;
        if (!any) {
            char title[256];
            snprintf(title, sizeof title, "live bytes (%s)", alloc);
            fputs("\n\n", dat);
            gp_string(dat, title);
            fputs("\t\"live\"\n", dat);
        }
        any = true;
        fprintf(dat, "%.4f\t%.1f\n", atof(csv_cell(t, r, (size_t)at[COL_T])) / 1000.0, atof(live) / 1024.0);
    }
    return any;
}

static FILE *open_file(const char *dir, const char *case_name, const char *suffix, char *error, size_t size)
{
    char name[512];
    snprintf(name, sizeof name, "%s-timeline", case_name);
    return gp_open(dir, name, suffix, error, size);
}

/* One case: a data block per profile (rep 1), and the marks of the first profile as arrows and labels. */
static int write_case(const struct csv_table *t, const long *at, const char *case_name, const char *dir,
                      const char *note, char *error, size_t size)
{
    FILE *dat = open_file(dir, case_name, ".dat", error, size), *gp;
    const char *profiles[64];
    size_t profile_count = 0;
    if (!dat)
        return -1;
    for (size_t r = 1; r < t->rows; r++) {
        const char *alloc = csv_cell(t, r, (size_t)at[COL_ALLOC]);
        bool known = false;
        if (strcmp(csv_cell(t, r, (size_t)at[COL_CASE]), case_name) || strcmp(csv_cell(t, r, (size_t)at[COL_REP]), "1"))
            continue;
        for (size_t p = 0; p < profile_count && !known; p++)
            known = strcmp(profiles[p], alloc) == 0;
        if (!known && profile_count < 64)
            profiles[profile_count++] = alloc;
    }
    for (size_t p = 0; p < profile_count; p++) {
        if (p > 0)
            fputs("\n\n", dat); /* gnuplot: the next data block (index) */
        gp_string(dat, profiles[p]);
        fputs("\t\"RSS\"\n", dat);
        for (size_t r = 1; r < t->rows; r++)
            if (row_of(t, at, r, case_name, profiles[p]))
                fprintf(dat, "%.4f\t%.1f\n", atof(csv_cell(t, r, (size_t)at[COL_T])) / 1000.0,
                        atof(csv_cell(t, r, (size_t)at[COL_RSS])) / 1024.0);
    }
    bool live = profile_count > 0 && write_live_block(dat, t, at, case_name, profiles[0]);
    if (fclose(dat) != 0 || !(gp = open_file(dir, case_name, ".gp", error, size)))
        return -1;
    fprintf(gp, "# Written by fb-report: the settings of one timeline plot, read by plots/timeline.gp.\ndatafile = ");
    char data[4096];
    snprintf(data, sizeof data, "%s/%s-timeline.dat", dir, case_name);
    gp_string(gp, data);
    fprintf(gp, "\nseries = %zu\nlive = %d\ntitle = ", profile_count, live ? 1 : 0);
    char title[256];
    snprintf(title, sizeof title, "%s: RSS over time (rep 1 of each profile; marks: %s)", case_name,
             profile_count ? profiles[0] : "none");
    gp_string(gp, title);
    fputs("\nfootnote = ", gp);
    gp_string(gp, note);
    fputc('\n', gp);
    /* The phase marks of the first profile, as dashed vertical lines with their labels. */
    unsigned mark = 0;
    for (size_t r = 1; profile_count && r < t->rows; r++) {
        const char *label = csv_cell(t, r, (size_t)at[COL_PHASE]);
        if (!*label || !row_of(t, at, r, case_name, profiles[0]))
            continue;
        double x = atof(csv_cell(t, r, (size_t)at[COL_T])) / 1000.0;
        mark++;
        fprintf(gp, "set arrow %u from %.4f, graph 0 to %.4f, graph 1 nohead dashtype 2 linecolor rgb \"#888888\"\n",
                mark, x, x);
        fprintf(gp, "set label %u ", mark);
        gp_string(gp, label);
        /* Alternate heights, so that marks close in time do not print over each other. */
        fprintf(gp, " at %.4f, graph %.2f rotate by 90 right offset -0.6,0 font \",9\" textcolor rgb \"#555555\"\n", x,
                mark % 2 ? 0.98 : 0.6);
    }
    return fclose(gp) == 0 ? 0 : -1;
}

int write_timeline_plots(const struct report *report, const char *timeline_path, const char *dir, const char *note,
                         char *error, size_t error_size)
{
    struct csv_table t;
    long at[COLUMNS];
    int result = 0;
    (void)report;
    if (access(timeline_path, F_OK) != 0)
        return 0; /* no timeline: no timeline plots */
    if (csv_load(timeline_path, &t, error, error_size) != 0)
        return -1;
    for (int c = 0; c < COLUMNS; c++)
        if ((at[c] = csv_column(&t, names[c])) < 0) {
            snprintf(error, error_size, "%s: no column '%s'", timeline_path, names[c]);
            csv_free(&t);
            return -1;
        }
    const char *done[256];
    size_t done_count = 0;
    for (size_t r = 1; r < t.rows && result == 0; r++) {
        const char *case_name = csv_cell(&t, r, (size_t)at[COL_CASE]);
        bool seen = false;
        for (size_t k = 0; k < done_count && !seen; k++)
            seen = strcmp(done[k], case_name) == 0;
        if (seen || done_count == 256)
            continue;
        done[done_count++] = case_name;
        result = write_case(&t, at, case_name, dir, note, error, error_size);
    }
    csv_free(&t);
    return result;
}
