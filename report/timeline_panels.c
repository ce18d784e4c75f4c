/* The panels of a case's timeline: its profiles grouped by allocator family, the axes they share, the mark labels' heights. */
#include "timeline_panels.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[TL_COLUMNS] = {"case", "alloc", "rep", "t_ms", "rss_kb", "phase"};

int timeline_csv_load(const char *path, struct timeline_csv *out, char *error, size_t error_size)
{
    if (csv_load(path, &out->table, error, error_size) != 0)
        return -1;
    for (int c = 0; c < TL_COLUMNS; c++) {
        long at = csv_column(&out->table, names[c]);
        if (at < 0) {
            snprintf(error, error_size, "%s: no column '%s'", path, names[c]);
            csv_free(&out->table);
            return -1;
        }
        out->at[c] = (size_t)at;
    }
    return 0;
}

/* The allocator family of a profile: the allocator column of its compare.csv rows, else the profile's own name. */
static const char *family_of(const struct dataset *dataset, const char *alloc)
{
    for (size_t i = 0; i < dataset->count; i++)
        if (!strcmp(dataset->rows[i].alloc, alloc) && *dataset->rows[i].allocator)
            return dataset->rows[i].allocator;
    return alloc;
}

static bool listed(const char *const *list, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (!strcmp(list[i], name))
            return true;
    return false;
}

/* The rep a case's profile is drawn from (timeline_row_drawn), 0 for none; the last one asked is kept for the next. */
static unsigned drawn_rep(const struct dataset *dataset, const char *case_name, const char *alloc)
{
    static const struct dataset *kept_dataset;
    static char kept_case[256], kept_alloc[256];
    static unsigned kept_rep;
    if (kept_dataset == dataset && !strcmp(kept_case, case_name) && !strcmp(kept_alloc, alloc))
        return kept_rep;
    unsigned rep = 0;
    bool any = false;
    for (size_t i = 0; i < dataset->count; i++) {
        const struct sample_row *row = &dataset->rows[i];
        if (strcmp(row->case_name, case_name) || strcmp(row->alloc, alloc))
            continue;
        any = true;
        if (row->clean && row->seq > 0 && (rep == 0 || row->rep < rep))
            rep = row->rep;
    }
    if (!any)
        rep = 1;
    if (strlen(case_name) < sizeof kept_case && strlen(alloc) < sizeof kept_alloc) {
        kept_dataset = dataset;
        strcpy(kept_case, case_name);
        strcpy(kept_alloc, alloc);
        kept_rep = rep;
    }
    return rep;
}

bool timeline_row_drawn(const struct dataset *dataset, const struct timeline_csv *t, size_t r)
{
    unsigned rep = drawn_rep(dataset, csv_cell(&t->table, r, t->at[TL_CASE]), csv_cell(&t->table, r, t->at[TL_ALLOC]));
    return rep > 0 && (unsigned)atoi(csv_cell(&t->table, r, t->at[TL_REP])) == rep;
}

double timeline_point(const struct dataset *dataset, const struct timeline_csv *t, size_t r, double *rss_kb)
{
    double seconds = atof(csv_cell(&t->table, r, t->at[TL_T])) / 1000.0;
    const char *phase = csv_cell(&t->table, r, t->at[TL_PHASE]);
    *rss_kb = atof(csv_cell(&t->table, r, t->at[TL_RSS]));
    if (!*phase)
        return seconds;
    const char *case_name = csv_cell(&t->table, r, t->at[TL_CASE]), *alloc = csv_cell(&t->table, r, t->at[TL_ALLOC]);
    unsigned rep = (unsigned)atoi(csv_cell(&t->table, r, t->at[TL_REP]));
    for (size_t i = 0; i < dataset->count; i++) {
        const struct sample_row *row = &dataset->rows[i];
        if (row->rep == rep && !strcmp(row->phase, phase) && !strcmp(row->alloc, alloc) &&
            !strcmp(row->case_name, case_name)) {
            *rss_kb = (double)row->rss_kb;
            return row->elapsed_ms >= 0 ? row->elapsed_ms / 1000.0 : seconds;
        }
    }
    return seconds;
}

void timeline_case_build(const struct dataset *dataset, const struct timeline_csv *t, const char *case_name,
                         struct timeline_case *out)
{
    const char *found[TL_MAX_PROFILES], *families[TL_MAX_PROFILES];
    size_t found_count = 0, family_count = 0, placed = 0;
    memset(out, 0, sizeof *out);
    for (size_t r = 1; r < t->table.rows; r++) {
        const char *alloc = csv_cell(&t->table, r, t->at[TL_ALLOC]);
        if (strcmp(csv_cell(&t->table, r, t->at[TL_CASE]), case_name) || !timeline_row_drawn(dataset, t, r))
            continue;
        double rss_kb, x = timeline_point(dataset, t, r, &rss_kb), y = rss_kb / 1024.0;
        long live_at = csv_column(&t->table, "live_kb");
        double live = live_at >= 0 ? atof(csv_cell(&t->table, r, (size_t)live_at)) / 1024.0 : 0;
        out->axes.x_max = x > out->axes.x_max ? x : out->axes.x_max;
        out->axes.y_max = y > out->axes.y_max ? y : out->axes.y_max;
        out->axes.y_max = live > out->axes.y_max ? live : out->axes.y_max;
        if (found_count < TL_MAX_PROFILES && !listed(found, found_count, alloc)) {
            found[found_count++] = alloc;
            const char *family = family_of(dataset, alloc);
            if (!listed(families, family_count, family))
                families[family_count++] = family;
        }
    }
    /* Panels in the order the families first appear; in each, its profiles in the order they first appear. */
    for (size_t f = 0; f < family_count; f++) {
        struct timeline_panel *panel = &out->panels[out->panel_count++];
        *panel = (struct timeline_panel){.family = families[f], .start = placed, .live = -1, .marks = -1};
        for (size_t i = 0; i < found_count; i++)
            if (!strcmp(family_of(dataset, found[i]), families[f]))
                out->profiles[placed++] = found[i];
        panel->count = placed - panel->start;
    }
}

/* The label heights, as a share of the y axis: a rotated label hangs down from there. */
static const double level_height[MARK_LEVELS] = {0.97, 0.47};

void mark_levels_start(struct mark_levels *levels, double x_max)
{
    levels->min_gap = 0.016 * x_max;
    for (size_t i = 0; i < MARK_LEVELS; i++)
        levels->last_x[i] = 1e300;
}

double mark_level(struct mark_levels *levels, double x)
{
    /* Marks come latest first: the first level whose last label is far enough to the right, else none. */
    for (size_t i = 0; i < MARK_LEVELS; i++)
        if (levels->last_x[i] - x >= levels->min_gap) {
            levels->last_x[i] = x;
            return level_height[i];
        }
    return -1;
}
