/* Writes the gnuplot inputs of the timelines: per case one panel per allocator family, its profiles' RSS, marks, live bytes. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv_read.h"
#include "replay_slide.h"
#include "report.h"
#include "timeline_panels.h"

/* The live bytes at the marks: a column of later timelines, absent from older ones. */
static const char live_column[] = "live_kb";

/* True for a row of the case and profile, of the rep drawn (timeline_row_drawn). */
static bool row_of(const struct dataset *dataset, const struct timeline_csv *t, size_t r, const char *case_name,
                   const char *alloc)
{
    return !strcmp(csv_cell(&t->table, r, t->at[TL_CASE]), case_name) &&
           !strcmp(csv_cell(&t->table, r, t->at[TL_ALLOC]), alloc) && timeline_row_drawn(dataset, t, r);
}

/* A point of a profile's line: its time (s), RSS (MiB), and whether it is a mark's. */
struct line_point {
    double seconds, rss_mib;
    bool mark;
};

static int by_seconds(const void *left, const void *right)
{
    const struct line_point *a = left, *b = right;
    return (a->seconds > b->seconds) - (a->seconds < b->seconds);
}

/*
 * The block of one profile: time (s), RSS (MiB), and the RSS again at its phase marks ("?" elsewhere), in time
 * order: each mark at its own time and RSS (timeline_point), which came before the row the runner wrote for it.
 */
static void write_profile(FILE *dat, const struct dataset *dataset, const struct timeline_csv *t, const char *case_name,
                          const char *alloc)
{
    struct line_point *points = calloc(t->table.rows + 1, sizeof *points);
    size_t count = 0;
    if (!points)
        abort();
    for (size_t r = 1; r < t->table.rows; r++)
        if (row_of(dataset, t, r, case_name, alloc)) {
            double rss_kb, seconds = timeline_point(dataset, t, r, &rss_kb);
            points[count++] = (struct line_point){seconds, rss_kb / 1024.0, *csv_cell(&t->table, r, t->at[TL_PHASE])};
        }
    /* (qsort is not stable; points of one time keep no order worth keeping: a line passes through them all) */
    qsort(points, count, sizeof *points, by_seconds);
    gp_data_string(dat, alloc);
    fputs("\t\"RSS\"\t\"at a mark\"\n", dat);
    for (size_t i = 0; i < count; i++) {
        fprintf(dat, "%.4f\t%.1f\t", points[i].seconds, points[i].rss_mib);
        if (points[i].mark)
            fprintf(dat, "%.1f\n", points[i].rss_mib);
        else
            fputs("?\n", dat);
    }
    free(points);
}

/* Starts data block number index: blocks after the first follow two blank lines (gnuplot's "index"). */
static void start_block(FILE *dat, int index)
{
    if (index > 0)
        fputs("\n\n", dat);
}

/* A block's header: "what (profile)" as the first column's title, then the other columns' titles. */
static void block_header(FILE *dat, const char *what, const char *alloc, const char *columns)
{
    char title[512];
    snprintf(title, sizeof title, "%s (%s)", what, alloc);
    gp_data_string(dat, title);
    fputs(columns, dat);
}

/* The live bytes (MiB) of a profile at its marks, as block number index; returns whether it has any. */
static bool write_live(FILE *dat, int index, const struct dataset *dataset, const struct timeline_csv *t,
                       const char *case_name, const char *alloc)
{
    long live_at = csv_column(&t->table, live_column);
    bool any = false;
    for (size_t r = 1; live_at >= 0 && r < t->table.rows; r++) {
        const char *live = csv_cell(&t->table, r, (size_t)live_at);
        if (!*live || !row_of(dataset, t, r, case_name, alloc))
            continue;
        if (!any) {
            start_block(dat, index);
            block_header(dat, "live bytes", alloc, "\t\"live\"\n");
        }
        any = true;
        double rss_kb;
        fprintf(dat, "%.4f\t%.1f\n", timeline_point(dataset, t, r, &rss_kb), atof(live) / 1024.0);
    }
    return any;
}

/* The phase marks of a profile as block number index: time, the height of its label (MiB, "?": none) and the label. */
static bool write_marks(FILE *dat, int index, const struct dataset *dataset, const struct timeline_csv *t,
                        const char *case_name, const char *alloc, const struct timeline_axes *axes)
{
    size_t rows[256], count = 0;
    double height[256], at[256], rss_kb;
    struct mark_levels levels;
    for (size_t r = 1; r < t->table.rows && count < 256; r++)
        if (*csv_cell(&t->table, r, t->at[TL_PHASE]) && row_of(dataset, t, r, case_name, alloc)) {
            at[count] = timeline_point(dataset, t, r, &rss_kb); /* the mark's own time */
            rows[count++] = r;
        }
    mark_levels_start(&levels, axes->x_max);
    for (size_t i = count; i-- > 0;)
        height[i] = mark_level(&levels, at[i]);
    if (count == 0)
        return false;
    start_block(dat, index);
    block_header(dat, "phase marks", alloc, "\t\"label at\"\t\"label\"\n");
    for (size_t i = 0; i < count; i++) {
        fprintf(dat, "%.4f\t", at[i]);
        if (height[i] >= 0)
            fprintf(dat, "%.1f\t", height[i] * axes->y_max);
        else
            fputs("?\t", dat);
        gp_data_string(dat, csv_cell(&t->table, rows[i], t->at[TL_PHASE]));
        fputc('\n', dat);
    }
    return true;
}

/* One case: per panel the blocks of its profiles, its live bytes and its marks, then the settings naming them. */
static int write_case(const struct report *report, const struct timeline_csv *t, const char *case_name,
                      const char *dir, const char *note, char *error, size_t size)
{
    struct timeline_case tc;
    char name[512];
    int index = 0, result = 0;
    snprintf(name, sizeof name, "%s-timeline", case_name);
    timeline_case_build(report->dataset, t, case_name, &tc);
    FILE *dat = gp_open(dir, name, ".dat", error, size);
    if (!dat)
        return -1;
    for (size_t p = 0; p < tc.panel_count; p++) {
        struct timeline_panel *panel = &tc.panels[p];
        panel->first = index;
        for (size_t i = 0; i < panel->count; i++, index++) {
            start_block(dat, index);
            write_profile(dat, report->dataset, t, case_name, tc.profiles[panel->start + i]);
        }
        panel->live = panel->marks = -1;
        for (size_t i = 0; i < panel->count && panel->live < 0; i++)
            if (write_live(dat, index, report->dataset, t, case_name, tc.profiles[panel->start + i]))
                panel->live = index++;
        if (write_marks(dat, index, report->dataset, t, case_name, tc.profiles[panel->start], &tc.axes))
            panel->marks = index++;
    }
    if (gp_close(dat, dir, name, ".dat", error, size) != 0)
        result = -1;
    else
        result = timeline_settings_write(&tc, case_name, dir, name, note, error, size);
    return result;
}

bool case_has_timeline_plot(const struct report *report, const char *case_name)
{
    struct timeline_case tc;
    /* A replay's own time differs from profile to profile (a slower replay is no slower program): its picture is
       the one over the recorded time (replay_slide.c). */
    if (!report->timeline || replay_case(report->dataset, case_name))
        return false;
    timeline_case_build(report->dataset, report->timeline, case_name, &tc);
    return tc.panel_count > 0; /* no rep of it to draw (every one failed, or the timeline has none) */
}

int write_timeline_plots(const struct report *report, const char *dir, const char *note, char *error,
                         size_t error_size)
{
    const struct timeline_csv *timeline = report->timeline;
    int result = 0;
    if (!timeline)
        return 0; /* no timeline: no timeline plots */
    const struct timeline_csv t = *timeline;
    const char **done = NULL; /* every case once, however many (the slides link each one case_has_timeline_plot) */
    size_t done_count = 0;
    for (size_t r = 1; r < t.table.rows && result == 0; r++) {
        const char *case_name = csv_cell(&t.table, r, t.at[TL_CASE]);
        bool seen = false;
        for (size_t k = done_count; k > 0 && !seen; k--) /* latest first: a case's rows come together */
            seen = strcmp(done[k - 1], case_name) == 0;
        if (seen)
            continue;
        const char **grown = realloc(done, (done_count + 1) * sizeof *done);
        if (!grown)
            abort();
        done = grown;
        done[done_count++] = case_name;
        if (case_has_timeline_plot(report, case_name))
            result = write_case(report, &t, case_name, dir, note, error, error_size);
    }
    free(done);
    return result;
}
