/* The slides' table of recorded runs (--record): the live heap against RSS at the peaks and at the end, and the waste. */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "growth.h"
#include "markdown.h"
#include "report.h"
#include "small_heap.h"

/* "1.13", or "n/a" when either side is unknown or the live heap is under 1 kB. */
static void ratio(char *out, size_t size, int64_t rss_kb, int64_t live_kb)
{
    if (rss_kb < 0 || live_kb < 1)
        snprintf(out, size, "n/a");
    else
        snprintf(out, size, "%.2f", (double)rss_kb / (double)live_kb);
}

static void kb(char *out, size_t size, int64_t value)
{
    if (value < 0)
        snprintf(out, size, "n/a");
    else
        snprintf(out, size, "%" PRId64, value);
}

/* Whether the row is a recorded run's last row: the next row is another run's, or there is none. */
static bool last_of_run(const struct dataset *d, size_t i)
{
    const struct sample_row *r = &d->rows[i], *next = i + 1 < d->count ? &d->rows[i + 1] : NULL;
    return !next || next->rep != r->rep || strcmp(next->case_name, r->case_name) || strcmp(next->alloc, r->alloc);
}

void write_recorded_table(const struct report *report, FILE *out)
{
    enum { COLUMNS = 13 };
    static const bool right[COLUMNS] = {false, false, true, true, true, true, true, true, true, true, true, true, true};
    const struct dataset *d = report->dataset;
    struct md_table table;
    size_t rows = 0;
    /* A recorded run's first row has its live heap (unless its trace holds no call at all: then it is left out). */
    for (size_t i = 0; i < d->count && !rows; i++)
        rows += d->rows[i].recorded_ms < 0 && (d->rows[i].peak_live_kb >= 0 || d->rows[i].trace_live_kb >= 0);
    if (!rows)
        return;
    fprintf(out, "## Recorded heaps: live heap against RSS\n\nRuns recorded with `--record`: the live heap is what the "
                 "program holds by its own calls (requested bytes), from the trace. #3 is RSS/live at the peak of RSS, "
                 "#4 peak RSS/peak live (Johnstone and Wilson); at the last row, the ideal RSS is the first row's RSS "
                 "plus the live heap above the first row's in whole pages. The RSS grown since the first row is split "
                 "as the run's own report splits it: file-backed or shared pages (the program's code, files and "
                 "shared memory: never heap), and anonymous memory beyond the live heap's pages, not live (the "
                 "allocator's freed memory and overhead, unless the program took memory past malloc), as %% of the "
                 "growth; n/a where the live heap's pages are more than the anonymous growth, and how much of it is "
                 "live cannot be told (docs/recording.md). kB.\n\n");
    md_begin(&table, COLUMNS, right);
    const char *heads[COLUMNS] = {"run", "profile", "peak RSS", "live there", "#3", "peak live", "#4", "last row",
                                  "RSS", "live", "ideal", "file or shared", "not live"};
    for (size_t h = 0; h < COLUMNS; h++)
        md_cell(&table, "%s", heads[h]);
    const struct sample_row *first = NULL;
    struct small_heaps small = {0};
    for (size_t i = 0; i < d->count; i++) {
        const struct sample_row *r = &d->rows[i];
        if (!first || first->rep != r->rep || strcmp(first->case_name, r->case_name) || strcmp(first->alloc, r->alloc))
            first = r;
        if ((r->peak_live_kb < 0 && first->trace_live_kb < 0) || !last_of_run(d, i) || r->recorded_ms >= 0)
            continue; /* not recorded (a recording that does not hold every call has no peak live: n/a); a replay's
                         rows have their own table (replay_slide.c) */
        char run[160], cells[COLUMNS - 2][48];
        if (r->clean)
            snprintf(run, sizeof run, "%s (rep %u)", r->case_name, r->rep);
        else /* its figures are those of the calls its trace holds, up to where it ended: said beside its name */
            snprintf(run, sizeof run, "%s (rep %u, %s)", r->case_name, r->rep, r->status);
        kb(cells[0], sizeof cells[0], r->peak_rss_kb);
        kb(cells[1], sizeof cells[1], r->live_at_peak_rss_kb);
        ratio(cells[2], sizeof cells[2], r->peak_rss_kb, r->live_at_peak_rss_kb);
        kb(cells[3], sizeof cells[3], r->peak_live_kb);
        ratio(cells[4], sizeof cells[4], r->peak_rss_kb, r->peak_live_kb);
        snprintf(cells[5], sizeof cells[5], "%s", r->phase);
        kb(cells[6], sizeof cells[6], (int64_t)r->rss_kb);
        kb(cells[7], sizeof cells[7], r->trace_live_kb);
        kb(cells[8], sizeof cells[8], r->ideal_rss_kb);
        /* The split of the growth, as the run's own report gives it (growth.h). */
        snprintf(cells[9], sizeof cells[9], "n/a");
        snprintf(cells[10], sizeof cells[10], "n/a");
        if (r->ideal_rss_kb >= 0) {
            struct growth_split split = growth_split((int64_t)first->rss_kb, (int64_t)first->anon_kb,
                                                     (int64_t)r->rss_kb, (int64_t)r->anon_kb, r->ideal_rss_kb);
            if (split.growth_kb > 0)
                kb(cells[9], sizeof cells[9], split.other_kb);
            if (split.growth_kb > 0 && !split.live_unknown) /* else how much is live cannot be told (growth.h) */
                snprintf(cells[10], sizeof cells[10], "%" PRId64 " (%.0f%%)", split.anon_not_live_kb,
                         100.0 * (double)split.anon_not_live_kb / (double)split.growth_kb);
        }
        if (r->peak_live_kb >= 1 || r->live_at_peak_rss_kb >= 1) /* where a #3 or a #4 is given (not n/a) */
            small_heaps_note(&small, run, (int64_t)first->rss_kb, r->peak_rss_kb);
        md_cell(&table, "%s", run);
        md_cell(&table, "%s", r->alloc);
        for (int c = 0; c < COLUMNS - 2; c++)
            md_cell(&table, "%s", cells[c]);
    }
    md_end(&table, out);
    small_heaps_print(&small, out);
    fputc('\n', out);
}
