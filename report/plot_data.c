/* Writes the gnuplot inputs: per case a table of median RSS per phase and profile and the waste split; then the others. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../trace/format.h"
#include "cases.h"
#include "replay_slide.h"
#include "report.h"
#include "retained_heatmap.h"
#include "waste.h"

void gp_data_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (; *text; text++)
        fputc(*text == '"' ? '\'' : *text == '\n' || *text == '\t' ? ' ' : *text, out);
    fputc('"', out);
}

void gp_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (; *text; text++) {
        if (*text == '"' || *text == '\\')
            fputc('\\', out);
        if (*text == '\n')
            fputs("\\n", out);
        else
            fputc(*text, out);
    }
    fputc('"', out);
}

/* The machine facts as one footnote, broken into lines of about 150 characters at the separators. */
static void footnote(const struct report *report, char *out, size_t size)
{
    size_t used = 0, line_start = 0;
    out[0] = '\0';
    for (size_t i = 0; i < report->machine_count && used + 4 < size; i++) {
        const char *separator = i == 0 ? "" : (used - line_start > 150 ? "\n" : " · ");
        if (*separator == '\n')
            line_start = used + 1;
        int n = snprintf(out + used, size - used, "%s%s", separator, report->machine[i]);
        if (n < 0)
            break;
        used += (size_t)n < size - used ? (size_t)n : size - used - 1;
    }
}

FILE *gp_open(const char *dir, const char *name, const char *suffix, char *error, size_t error_size)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s%s", dir, name, suffix);
    FILE *file = fopen(path, "we");
    if (!file)
        snprintf(error, error_size, "%s: %s", path, strerror(errno));
    return file;
}

void gp_script_line(FILE *gp, const char *script)
{
    fprintf(gp, "# drawn by plots/%s.gp\n", script);
}

int gp_close(FILE *file, const char *dir, const char *name, const char *suffix, char *error, size_t error_size)
{
    errno = 0;
    bool failed = ferror(file) != 0;
    failed |= fclose(file) != 0;
    if (failed)
        snprintf(error, error_size, "%s/%s%s: %s", dir, name, suffix, errno ? strerror(errno) : "a write to it failed");
    return failed ? -1 : 0;
}

int gp_write_settings(const char *dir, const char *name, const char *script, const char *title, size_t series,
                      const char *note, char *error, size_t error_size)
{
    char data[4096];
    FILE *gp = gp_open(dir, name, ".gp", error, error_size);
    if (!gp)
        return -1;
    snprintf(data, sizeof data, "%s/%s.dat", dir, name);
    fprintf(gp, "# Written by fb-report: the settings of one plot, read by the script in plots/.\n");
    gp_script_line(gp, script);
    fputs("datafile = ", gp);
    gp_string(gp, data);
    fprintf(gp, "\nseries = %zu\ntitle = ", series);
    gp_string(gp, title);
    fputs("\nfootnote = ", gp);
    gp_string(gp, note);
    fputc('\n', gp);
    return gp_close(gp, dir, name, ".gp", error, error_size);
}

/*
 * <case>.dat: per phase, each profile's median RSS in MiB, as bars. A replay's bars are its recording's rows and its
 * end (the program's marks, the recorded peak, Exit), not its twenty stations: ten profiles' bars at each were
 * unreadable, and its replay plot draws them as lines.
 */
static int write_case(const struct report *report, const struct case_stats *c, const char *dir, const char *note,
                      char *error, size_t error_size)
{
    bool replay = replay_case(report->dataset, c->case_name);
    char title[256];
    if (!case_has_phase_plot(c))
        return 0;
    FILE *dat = gp_open(dir, c->case_name, ".dat", error, error_size);
    if (!dat)
        return -1;
    fputs("\"phase\"", dat);
    for (size_t p = 0; p < c->profile_count; p++) {
        fputc('\t', dat);
        gp_data_string(dat, c->profiles[p].alloc);
    }
    fputc('\n', dat);
    for (size_t f = 0; f < c->phase_count; f++) {
        if (replay && trace_row_is_station(c->phases[f]))
            continue;
        gp_data_string(dat, c->phases[f]);
        for (size_t p = 0; p < c->profile_count; p++) {
            const struct phase_stats *s = &c->profiles[p].phases[f];
            if (s->reps)
                fprintf(dat, "\t%.1f", (double)s->rss_median / 1024.0);
            else
                fputs("\t?", dat);
        }
        fputc('\n', dat);
    }
    if (gp_close(dat, dir, c->case_name, ".dat", error, error_size) != 0)
        return -1;
    if (case_find(c->case_name)) /* the scale applies to fragbench's own cases, not to programs or replays */
        snprintf(title, sizeof title, "%s: RSS after each phase (median over the reps, scale %s)", c->case_name,
                 report->dataset->scale);
    else
        snprintf(title, sizeof title, "%s: RSS after each phase (median over the reps)", c->case_name);
    return gp_write_settings(dir, c->case_name, "bars", title, c->profile_count, note, error, error_size);
}

/*
 * A case whose every run failed has no bar: no plot (gnuplot failed on it, and stopped the rest). Nor has a case
 * named "retained": its plot's files would be the retained heatmap's (write_plot_data says so).
 */
bool case_has_phase_plot(const struct case_stats *c)
{
    if (strcmp(c->case_name, RETAINED_PLOT) == 0)
        return false;
    for (size_t p = 0; p < c->profile_count; p++)
        for (size_t f = 0; f < c->phase_count; f++)
            if (c->profiles[p].phases[f].reps > 0)
                return true;
    return false;
}

/* <case>-waste.dat: per profile, what became of the memory held before "After del" (less what is live), in MiB, stacked. */
static int write_waste(const struct report *report, const struct case_stats *c, const char *dir, const char *note,
                       char *error, size_t error_size)
{
    char name[512], title[256]; /* a case name is a file name at most: 255 bytes */
    snprintf(name, sizeof name, "%s-waste", c->case_name);
    FILE *dat = gp_open(dir, name, ".dat", error, error_size);
    if (!dat)
        return -1;
    fputs("\"profile\"\t\"returned to the OS\"\t\"free in the allocator, resident\"\t\"metadata and other\"\t"
          "\"kept, allocator does not say why\"\n",
          dat);
    for (size_t p = 0; p < c->profile_count; p++) {
        struct waste_split w = waste_of(report->dataset, c->case_name, c->profiles[p].alloc);
        gp_data_string(dat, c->profiles[p].alloc);
        if (w.known)
            fprintf(dat, "\t%.1f\t%.1f\t%.1f\t%.1f\n", (double)w.returned_kb / 1024.0, (double)w.free_kb / 1024.0,
                    (double)w.other_kb / 1024.0, (double)w.unsplit_kb / 1024.0);
        else
            fputs("\t?\t?\t?\t?\n", dat);
    }
    if (gp_close(dat, dir, name, ".dat", error, error_size) != 0)
        return -1;
    snprintf(title, sizeof title, "%s: what became of the memory held before \"After del\" (anonymous, scale %s)",
             c->case_name, report->dataset->scale);
    return gp_write_settings(dir, name, "waste", title, 4, note, error, error_size);
}

int write_plot_data(const struct report *report, const char *dir, char *error, size_t error_size)
{
    char note[2048];
    footnote(report, note, sizeof note);
    for (size_t k = 0; k < report->stats->count; k++)
    {
        const struct case_stats *c = &report->stats->cases[k];
        if (strcmp(c->case_name, RETAINED_PLOT) == 0)
            fprintf(stderr, "fb-report: the case named %s has no plot of RSS after each phase: %s.svg is the "
                            "retained heatmap's (its other plots are drawn)\n", c->case_name, RETAINED_PLOT);
        if (write_case(report, c, dir, note, error, error_size) != 0)
            return -1;
        if (waste_case_has_split(report->dataset, c) && write_waste(report, c, dir, note, error, error_size) != 0)
            return -1;
        if (replay_case(report->dataset, c->case_name) && write_replay_plot(report, c, dir, note, error, error_size) != 0)
            return -1;
    }
    if (write_retained_heatmap(report, dir, note, error, error_size) != 0)
        return -1;
    return write_timeline_plots(report, dir, note, error, error_size);
}
