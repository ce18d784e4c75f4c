/* Writes the retained heatmap's inputs: per case (row) and profile (column) the retained % after del and after release. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "retained_heatmap.h"

/* The two panels: the phase whose retained share they show, and how the data block and the panel are titled. */
static const char *const panel_phase[] = {"After del", "After release"};
static const char *const panel_header[] = {"case, after del", "case, after release"};
static const char *const panel_title[] = {"after del: every object freed", "after release: the allocator's release call"};
enum { PANELS = sizeof panel_phase / sizeof panel_phase[0] };

/* The profiles of every case, in the order they first appear; returns how many (at most max). */
static size_t all_profiles(const struct stats *stats, const char **out, size_t max)
{
    size_t count = 0;
    for (size_t k = 0; k < stats->count; k++)
        for (size_t p = 0; p < stats->cases[k].profile_count; p++) {
            const char *alloc = stats->cases[k].profiles[p].alloc;
            bool known = false;
            for (size_t i = 0; i < count && !known; i++)
                known = strcmp(out[i], alloc) == 0;
            if (!known && count < max)
                out[count++] = alloc;
        }
    return count;
}

/*
 * Whether a case has a row: the heatmap compares profiles, so a case that ran under one profile while others ran
 * under several (the talk's cures, under glibc only) is left out; its comparison is the slides' cures table. A case
 * with neither phase the panels show (a replayed trace: its rows are the recording's) is left out too.
 */
static bool has_row(const struct stats *stats, size_t k)
{
    size_t most = 0;
    for (size_t i = 0; i < stats->count; i++)
        most = stats->cases[i].profile_count > most ? stats->cases[i].profile_count : most;
    if (stats_phase(&stats->cases[k], panel_phase[0]) < 0 && stats_phase(&stats->cases[k], panel_phase[1]) < 0)
        return false;
    return stats->cases[k].profile_count > 1 || most <= 1;
}

/* The retained % of a case x profile at a phase, or -1 when no clean rep has it. */
static double retained_of(const struct case_stats *c, const char *alloc, const char *phase)
{
    long f = stats_phase(c, phase);
    for (size_t p = 0; f >= 0 && p < c->profile_count; p++)
        if (strcmp(c->profiles[p].alloc, alloc) == 0 && c->profiles[p].phases[f].reps)
            return c->profiles[p].phases[f].retained_pct;
    return -1;
}

/* retained.dat: per panel a block, a header row (profiles) then one row per case; "?" where there is no value. */
static int write_data(const struct stats *stats, const char **profiles, size_t count, const char *dir, bool *missing,
                      char *error, size_t error_size)
{
    FILE *dat = gp_open(dir, RETAINED_PLOT, ".dat", error, error_size);
    if (!dat)
        return -1;
    for (size_t panel = 0; panel < PANELS; panel++) {
        if (panel > 0)
            fputs("\n\n", dat); /* gnuplot: the next data block (index) */
        gp_data_string(dat, panel_header[panel]);
        for (size_t p = 0; p < count; p++) {
            fputc('\t', dat);
            gp_data_string(dat, profiles[p]);
        }
        fputc('\n', dat);
        for (size_t k = 0; k < stats->count; k++) {
            if (!has_row(stats, k))
                continue;
            gp_data_string(dat, stats->cases[k].case_name);
            for (size_t p = 0; p < count; p++) {
                double value = retained_of(&stats->cases[k], profiles[p], panel_phase[panel]);
                if (value >= 0)
                    fprintf(dat, "\t%.1f", value);
                else
                    fputs("\t?", dat);
                *missing |= value < 0;
            }
            fputc('\n', dat);
        }
    }
    return gp_close(dat, dir, RETAINED_PLOT, ".dat", error, error_size);
}

/* "set xtics|ytics (...)": the names at 0, 1, 2... */
static void write_tics(FILE *gp, const char *axis, const char *const *names, size_t count)
{
    fprintf(gp, "set %s (", axis);
    for (size_t i = 0; i < count; i++) {
        fputs(i ? ", " : "", gp);
        gp_string(gp, names[i]);
        fprintf(gp, " %zu", i);
    }
    fputs(")\n", gp);
}

int write_retained_heatmap(const struct report *report, const char *dir, const char *note, char *error,
                           size_t error_size)
{
    const struct stats *stats = report->stats;
    const char *profiles[256], *cases[256];
    size_t count = all_profiles(stats, profiles, 256), rows = 0;
    bool missing = false;
    char path[4096], title[512];
    for (size_t k = 0; k < stats->count && rows < 256; k++)
        if (has_row(stats, k))
            cases[rows++] = stats->cases[k].case_name;
    if (rows == 0)
        return 0; /* no case frees its memory in a phase the heatmap shows (replays only, say): no heatmap */
    if (write_data(stats, profiles, count, dir, &missing, error, error_size) != 0)
        return -1;
    FILE *gp = gp_open(dir, RETAINED_PLOT, ".gp", error, error_size);
    if (!gp)
        return -1;
    snprintf(path, sizeof path, "%s/retained.dat", dir);
    snprintf(title, sizeof title,
             "How much of its largest RSS each run still holds once the program has freed its memory\n"
             "(%% of the run's largest RSS at a phase, median over the reps, scale %s; low is good%s)",
             report->dataset->scale, missing ? "; grey: no clean rep" : "");
    fputs("# Written by fb-report: the settings of the retained heatmap, read by plots/retained.gp.\n", gp);
    gp_script_line(gp, "retained");
    fputs("datafile = ", gp);
    gp_string(gp, path);
    fprintf(gp, "\nrows = %zu\ncolumns = %zu\npanels = %d\ntitle = ", rows, count, PANELS);
    gp_string(gp, title);
    fputs("\nfootnote = ", gp);
    gp_string(gp, note);
    for (size_t panel = 0; panel < PANELS; panel++) {
        fprintf(gp, "\npanel_title_%zu = ", panel + 1);
        gp_string(gp, panel_title[panel]);
    }
    fputc('\n', gp);
    write_tics(gp, "xtics", profiles, count);
    write_tics(gp, "ytics", cases, rows);
    return gp_close(gp, dir, RETAINED_PLOT, ".gp", error, error_size);
}
