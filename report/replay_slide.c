/* A replayed trace in the slides: the recording beside its replays (RSS, ideal, waste, J&W's #3 and #4), and its plot. */
#include "replay_slide.h"
#include "small_heap.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../trace/format.h"
#include "markdown.h"

/*
 * A replay's rows (--replay) carry where they stand in the recording (recorded_ms) and, at the recording's own
 * rows (its Start, marks, Recorded peak, Exit), the RSS the recording measured there (recorded_rss_kb); their live_kb
 * is the recording's live heap at that point. These are the same in every run of the trace, so the first row of
 * a phase that has them speaks for all.
 */

/* The first replay row of a case's phase, or NULL (a --record run of the same name may share the CSV). */
static const struct sample_row *first_row(const struct dataset *d, const char *case_name, const char *phase)
{
    for (size_t i = 0; i < d->count; i++)
        if (d->rows[i].seq > 0 && d->rows[i].recorded_ms >= 0 && !strcmp(d->rows[i].case_name, case_name) &&
            !strcmp(d->rows[i].phase, phase))
            return &d->rows[i];
    return NULL;
}

bool replay_case(const struct dataset *d, const char *case_name)
{
    for (size_t i = 0; i < d->count; i++)
        if (d->rows[i].recorded_ms >= 0 && !strcmp(d->rows[i].case_name, case_name))
            return true;
    return false;
}

bool replay_of_a_cut_trace(const struct dataset *d, const char *case_name)
{
    return first_row(d, case_name, "Exit") == NULL;
}

/*
 * The case's rows that the recording measured, in the case's order, but its stations every 5% (measured from
 * 2026-12-06: the table above and the plot have them): their indexes into out (c->phase_count of room), and how many.
 */
static size_t recorded_phases(const struct dataset *d, const struct case_stats *c, size_t *out)
{
    size_t n = 0;
    double *at = malloc((c->phase_count + 1) * sizeof *at); /* each kept row's place in the recording */
    if (!at)
        abort();
    for (size_t f = 0; f < c->phase_count; f++) {
        const struct sample_row *row = first_row(d, c->case_name, c->phases[f]);
        if (row && row->recorded_rss_kb >= 0 && !trace_row_is_station(c->phases[f])) {
            at[n] = row->recorded_ms;
            out[n++] = f;
        }
    }
    /* In the recording's order: the case's order of phases is the CSV's, where a --record run of the same name,
       without the recorded peak, may come first. Mostly in order already: insertion sort, stable. */
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0 && at[k - 1] > at[k]; k--) {
            size_t swap = out[k];
            double place = at[k];
            out[k] = out[k - 1], at[k] = at[k - 1];
            out[k - 1] = swap, at[k - 1] = place;
        }
    free(at);
    return n;
}

/*
 * A program of many marks would make a table too wide to read: past max rows, the first, the last (the ideal and
 * the waste are taken there), the recorded peak, and others evenly between are kept, in order. Returns how many.
 */
static size_t thin_phases(const struct case_stats *c, size_t *phases, size_t n, size_t max)
{
    if (n <= max)
        return n;
    size_t peak = 0; /* none: the first row is kept anyway */
    for (size_t i = 1; i + 1 < n && !peak; i++)
        if (!strcmp(c->phases[phases[i]], "Recorded peak") || !strcmp(c->phases[phases[i]], "Peak RSS"))
            peak = i;
    /* The rows between the first and the last but the peak, m of them, of which slots are kept evenly: the j-th
       kept is the (j * m / slots)-th. */
    size_t m = n - 2 - (peak > 0), slots = max - 2 - (peak > 0), kept = 0, between = 0, next = 0;
    for (size_t i = 0; i < n; i++) {
        bool keep = i == 0 || i + 1 == n || i == peak;
        if (!keep) {
            keep = next < slots && between == next * m / slots;
            next += keep;
            between++;
        }
        if (keep)
            phases[kept++] = phases[i];
    }
    return kept;
}

/* A run's row of a phase, or NULL. */
static const struct sample_row *run_row(const struct dataset *d, const struct sample_row *of, const char *phase)
{
    for (size_t i = 0; i < d->count; i++) {
        const struct sample_row *row = &d->rows[i];
        if (row->seq > 0 && row->rep == of->rep && !strcmp(row->case_name, of->case_name) &&
            !strcmp(row->alloc, of->alloc) && !strcmp(row->phase, phase))
            return row;
    }
    return NULL;
}

/*
 * The live heap's pages grown from the first recorded phase to the last, in kB (the ideal RSS less the first
 * row's RSS): from a replay's ideal_rss_kb, which the runner takes from the exact live bytes as for --record
 * (growth_ideal_kb), the last row's less the first's of the same run; where the rows have none (a CSV from before
 * 2026-12-05), from the live heap in whole kB, which may be a page off. -1 where the live heap is unknown.
 */
static int64_t live_pages_grown_kb(const struct dataset *d, const char *case_name, const char *first_phase,
                                   const char *last_phase, int64_t first_live_kb, int64_t last_live_kb)
{
    for (size_t i = 0; i < d->count; i++) {
        const struct sample_row *last = &d->rows[i];
        if (last->seq == 0 || last->recorded_ms < 0 || last->ideal_rss_kb < 0 || strcmp(last->case_name, case_name) ||
            strcmp(last->phase, last_phase))
            continue; /* a replay's row only: a --record run of the same name has an ideal of its own */
        const struct sample_row *first = run_row(d, last, first_phase);
        if (first && first->ideal_rss_kb >= 0)
            return last->ideal_rss_kb - first->ideal_rss_kb;
    }
    if (first_live_kb < 0 || last_live_kb < 0)
        return -1;
    int64_t above = last_live_kb - first_live_kb;
    return above > 0 ? (above + 3) / 4 * 4 : 0;
}

/*
 * One run's cells after its name: RSS at each recorded phase, then at the last: the ideal (the first RSS plus the
 * live pages grown, grown_kb), the waste, and the waste as a share of the recorded run's (recorded_waste; the
 * recorded run's own row: recorded_waste < 0). Returns the waste, or -1 where it cannot be told.
 */
static int64_t run_cells(struct md_table *table, const int64_t *rss, const bool *differ, size_t n, int64_t grown_kb,
                         int64_t recorded_waste)
{
    for (size_t i = 0; i < n; i++)
        if (rss[i] >= 0)
            md_cell(table, "%s%" PRId64, differ && differ[i] ? "* " : "", rss[i]);
        else
            md_cell(table, "n/a");
    if (n < 2 || rss[0] < 0 || rss[n - 1] < 0 || grown_kb < 0) {
        for (int k = 0; k < 3; k++)
            md_cell(table, "n/a");
        return -1;
    }
    /* A waste from a first or last row whose reps differ is as unsure as they are: marked as they are. */
    const char *unsure = differ && (differ[0] || differ[n - 1]) ? "* " : "";
    int64_t ideal = rss[0] + grown_kb, waste = rss[n - 1] - ideal;
    md_cell(table, "%" PRId64, ideal);
    md_cell(table, "%s%" PRId64, unsure, waste);
    if (recorded_waste > 0)
        md_cell(table, "%s%.0f%%", unsure, 100.0 * (double)waste / (double)recorded_waste);
    else
        md_cell(table, "n/a");
    return waste;
}

void write_replay_table(const struct report *report, const struct case_stats *c, FILE *out)
{
    enum { MAX_POINTS = 24 };
    const struct dataset *d = report->dataset;
    size_t *phases = malloc((c->phase_count + 1) * sizeof *phases);
    if (!phases)
        abort();
    size_t all = recorded_phases(d, c, phases), n = thin_phases(c, phases, all, MAX_POINTS);
    /* A peak of RSS read after the program's Exit mark (its high-water mark, read once it had ended) is set before
       it: the ideal and the waste are taken at Exit, the program's end, and the closing line answers there. */
    if (n >= 2 && !strcmp(c->phases[phases[n - 1]], "Recorded peak") && !strcmp(c->phases[phases[n - 2]], "Exit")) {
        size_t exit_row = phases[n - 2];
        phases[n - 2] = phases[n - 1];
        phases[n - 1] = exit_row;
    }
    int64_t rss[MAX_POINTS], live[MAX_POINTS];
    bool differ[MAX_POINTS];
    bool right[MAX_POINTS + 5];
    struct md_table table;
    if (n == 0) {
        free(phases);
        return;
    }
    const char *last = c->phases[phases[n - 1]];
    if (n < all)
        fprintf(out, "(%zu of the recording's %zu rows: the first, the last, its peak and others evenly between.) ",
                n, all);
    fprintf(out, "The recording beside its replays (kB; the replays' medians). The recorded run's RSS at its own rows; "
                 "the ideal RSS at %s is the first row's RSS plus the live heap grown since, in whole pages; the "
                 "waste is RSS above it, and a replay's as %% of the recorded run's: what the profile would leave of "
                 "it (the recorded run's holds the program's code and files paged in since, which a replay does not "
                 "run: the run's own report splits them out; under the profile the trace was recorded under, a "
                 "faithful replay leaves about 100%%: the check below the table; `*`, as above: reps that differ, and "
                 "a waste taken from them). The live heap, the program's own (from the trace, the same in every replay):",
            last);
    for (size_t i = 0; i < n; i++) {
        live[i] = first_row(d, c->case_name, c->phases[phases[i]])->live_kb;
        if (live[i] >= 0)
            fprintf(out, "%s %s %" PRId64 " kB", i ? "," : "", c->phases[phases[i]], live[i]);
        else
            fprintf(out, "%s %s n/a", i ? "," : "", c->phases[phases[i]]);
    }
    fprintf(out, ".\n\n");
    int64_t grown_kb = live_pages_grown_kb(d, c->case_name, c->phases[phases[0]], last, live[0], live[n - 1]);
    for (size_t i = 0; i < n + 5; i++)
        right[i] = i >= 2;
    md_begin(&table, n + 5, right);
    md_cell(&table, "run");
    md_cell(&table, "allocator");
    for (size_t i = 0; i < n; i++)
        md_cell(&table, "%s", c->phases[phases[i]]);
    md_cell(&table, "ideal at %s", last);
    md_cell(&table, "waste at %s", last);
    md_cell(&table, "waste, %% of the recorded run's");
    md_cell(&table, "recorded run");
    md_cell(&table, "as recorded");
    for (size_t i = 0; i < n; i++)
        rss[i] = first_row(d, c->case_name, c->phases[phases[i]])->recorded_rss_kb;
    int64_t recorded_waste = run_cells(&table, rss, NULL, n, grown_kb, -1);
    const struct profile_stats *least = NULL, *most = NULL;
    int64_t least_waste = 0, most_waste = 0;
    for (size_t p = 0; p < c->profile_count; p++) {
        const struct profile_stats *ps = &c->profiles[p];
        md_cell(&table, "replay: %s", ps->alloc);
        md_cell(&table, "%s %s", ps->allocator, ps->version);
        for (size_t i = 0; i < n; i++) {
            rss[i] = ps->phases[phases[i]].reps ? (int64_t)ps->phases[phases[i]].rss_median : -1;
            differ[i] = ps->phases[phases[i]].reps && ps->phases[phases[i]].disagree; /* as the table above marks it */
        }
        int64_t waste = run_cells(&table, rss, differ, n, grown_kb, recorded_waste);
        bool told = n >= 2 && rss[0] >= 0 && rss[n - 1] >= 0 && grown_kb >= 0; /* else n/a (and -1 returned) */
        if (told && (!least || waste < least_waste))
            least = ps, least_waste = waste;
        if (told && (!most || waste > most_waste))
            most = ps, most_waste = waste;
    }
    md_end(&table, out);
    /* The answer a slide wants in one line: which profile leaves the least of the program's waste, and which the most. */
    if (least && most && least != most)
        fprintf(out, "\nAt %s, the least waste: %s, %" PRId64 " kB%s; the most: %s, %" PRId64 " kB%s.\n", last,
                least->alloc, least_waste, least->phases[phases[n - 1]].disagree ? " (its reps differ)" : "",
                most->alloc, most_waste, most->phases[phases[n - 1]].disagree ? " (its reps differ)" : "");
    free(phases);
}

/* The median of a profile's peak RSS over its clean replays (each rep's first row carries it), or -1. */
static int64_t median_peak_kb(const struct dataset *d, const char *case_name, const char *alloc)
{
    size_t n = 0;
    int64_t *peaks = malloc((d->count + 1) * sizeof *peaks);
    if (!peaks)
        abort();
    for (size_t i = 0; i < d->count; i++) {
        const struct sample_row *r = &d->rows[i];
        if (r->seq == 1 && r->clean && r->peak_rss_kb >= 0 && r->recorded_ms >= 0 && !strcmp(r->case_name, case_name) &&
            !strcmp(r->alloc, alloc))
            peaks[n++] = r->peak_rss_kb;
    }
    if (n == 0) {
        free(peaks);
        return -1;
    }
    for (size_t i = 1; i < n; i++) /* a handful: insertion sort */
        for (size_t k = i; k > 0 && peaks[k - 1] > peaks[k]; k--) {
            int64_t swap = peaks[k];
            peaks[k] = peaks[k - 1];
            peaks[k - 1] = swap;
        }
    int64_t median = n % 2 ? peaks[n / 2] : (peaks[n / 2 - 1] + peaks[n / 2]) / 2;
    free(peaks);
    return median;
}

static void ratio_cell(struct md_table *table, int64_t rss_kb, int64_t live_kb)
{
    if (rss_kb < 0 || live_kb < 1)
        md_cell(table, "n/a");
    else
        md_cell(table, "%.2f", (double)rss_kb / (double)live_kb);
}

/* One run's fragmentation cells: its peak RSS and #4, then the row where its RSS was largest, RSS and live there, #3. */
static void fragmentation_cells(struct md_table *table, int64_t peak_kb, int64_t peak_live_kb, const char *row,
                                int64_t rss_kb, int64_t live_kb)
{
    if (peak_kb >= 0)
        md_cell(table, "%" PRId64, peak_kb);
    else
        md_cell(table, "n/a");
    ratio_cell(table, peak_kb, peak_live_kb);
    md_cell(table, "%s", row ? row : "n/a");
    if (rss_kb >= 0)
        md_cell(table, "%" PRId64, rss_kb);
    else
        md_cell(table, "n/a");
    if (live_kb >= 0)
        md_cell(table, "%" PRId64, live_kb);
    else
        md_cell(table, "n/a");
    ratio_cell(table, rss_kb, live_kb);
}

void write_replay_fragmentation(const struct report *report, const struct case_stats *c, FILE *out)
{
    enum { COLUMNS = 8 };
    static const bool right[COLUMNS] = {false, false, true, true, false, true, true, true};
    const struct dataset *d = report->dataset;
    const struct sample_row *any = NULL;
    for (size_t f = 0; f < c->phase_count && !any; f++)
        any = first_row(d, c->case_name, c->phases[f]);
    if (!any)
        return;
    /* The trace's peak live heap, from any replay row that has it (a failed replay's rows have none). */
    int64_t peak_live_kb = -1;
    for (size_t i = 0; i < d->count && peak_live_kb < 0; i++)
        if (d->rows[i].recorded_ms >= 0 && !strcmp(d->rows[i].case_name, c->case_name))
            peak_live_kb = d->rows[i].peak_live_kb;
    fprintf(out, "\nFragmentation (Johnstone and Wilson; kB): #4 is a run's peak RSS over the trace's peak live heap (");
    if (peak_live_kb >= 0)
        fprintf(out, "%" PRId64 " kB, the same in every replay", peak_live_kb);
    else
        fprintf(out, "not in results from before 2026-12-06");
    fprintf(out, "); #3 its RSS over the live heap where its RSS was largest: the recorded run's at its peak of RSS, a "
                 "replay's at the first of its largest rows, or at the recorded run's peak where that is among them "
                 "(medians); #3 is huge where RSS is largest after the heap was freed (an allocator that keeps what it "
                 "got, its RSS a few pages up at the end).\n\n");
    struct md_table table;
    md_begin(&table, COLUMNS, right);
    const char *heads[COLUMNS] = {"run", "allocator", "peak RSS", "#4", "largest at", "RSS there", "live there", "#3"};
    for (size_t h = 0; h < COLUMNS; h++)
        md_cell(&table, "%s", heads[h]);
    /*
     * The recorded run: its peak of RSS is its "Recorded peak" row ("Peak RSS" before 2026-12-03). A replay of a
     * trace cut before it (--replay-partial) has none: n/a, not the largest of the rows it reached (its Start).
     */
    struct small_heaps small = {0};
    const struct sample_row *recorded_start = first_row(d, c->case_name, "Start");
    const struct sample_row *peak = first_row(d, c->case_name, "Recorded peak");
    if (!peak)
        peak = first_row(d, c->case_name, "Peak RSS");
    if (peak && peak->recorded_rss_kb < 0)
        peak = NULL;
    md_cell(&table, "recorded run");
    md_cell(&table, "as recorded");
    fragmentation_cells(&table, peak ? peak->recorded_rss_kb : -1, peak_live_kb, peak ? peak->phase : NULL,
                        peak ? peak->recorded_rss_kb : -1, peak ? peak->live_kb : -1);
    if (peak && recorded_start && peak_live_kb >= 1) /* (under 1 kB live, #4 is n/a) */
        small_heaps_note(&small, "the recorded run", recorded_start->recorded_rss_kb, peak->recorded_rss_kb);
    for (size_t p = 0; p < c->profile_count; p++) {
        const struct profile_stats *ps = &c->profiles[p];
        long largest = -1;
        for (size_t f = 0; f < c->phase_count; f++)
            if (ps->phases[f].reps && (largest < 0 || ps->phases[f].rss_median > ps->phases[largest].rss_median))
                largest = (long)f;
        /* Where the recorded run's peak is among its largest rows (an allocator that keeps what it got), there: the
           same point as the recorded run's (the first of them set a replay's #3 at another point, 8 times lower). */
        long at_peak = peak ? stats_phase(c, peak->phase) : -1;
        if (largest >= 0 && at_peak >= 0 && ps->phases[at_peak].reps &&
            ps->phases[at_peak].rss_median == ps->phases[largest].rss_median)
            largest = at_peak;
        const struct sample_row *row = largest >= 0 ? first_row(d, c->case_name, c->phases[largest]) : NULL;
        md_cell(&table, "replay: %s", ps->alloc);
        md_cell(&table, "%s %s", ps->allocator, ps->version);
        int64_t replay_peak_kb = median_peak_kb(d, c->case_name, ps->alloc);
        fragmentation_cells(&table, replay_peak_kb, peak_live_kb, row ? row->phase : NULL,
                            largest >= 0 ? (int64_t)ps->phases[largest].rss_median : -1, row ? row->live_kb : -1);
        long start = stats_phase(c, "Start");
        char run[96];
        snprintf(run, sizeof run, "the replay under %s", ps->alloc);
        if (start >= 0 && ps->phases[start].reps && peak_live_kb >= 1)
            small_heaps_note(&small, run, (int64_t)ps->phases[start].rss_median, replay_peak_kb);
    }
    md_end(&table, out);
    small_heaps_print(&small, out);
}

static void mib_or_missing(FILE *dat, int64_t kb)
{
    if (kb >= 0)
        fprintf(dat, "\t%.2f", (double)kb / 1024.0);
    else
        fputs("\t?", dat);
}

int64_t replay_plot_events(const struct dataset *d, const struct case_stats *c)
{
    int64_t total_events = 0;
    for (size_t f = 0; f < c->phase_count; f++) {
        const struct sample_row *row = first_row(d, c->case_name, c->phases[f]);
        if (row && row->recorded_ms >= 0) {
            if (row->trace_events < 0)
                return 0;
            total_events = row->trace_events > total_events ? row->trace_events : total_events;
        }
    }
    return total_events;
}

int write_replay_plot(const struct report *report, const struct case_stats *c, const char *dir, const char *note,
                      char *error, size_t error_size)
{
    const struct dataset *d = report->dataset;
    char name[512], title[512]; /* a trace's name is a file name at most: 255 bytes */
    snprintf(name, sizeof name, "%s-replay", c->case_name);
    int64_t total_events = replay_plot_events(d, c);
    bool by_events = total_events > 0;
    FILE *dat = gp_open(dir, name, ".dat", error, error_size);
    if (!dat)
        return -1;
    fprintf(dat, "\"%s\"\t\"live heap (recorded)\"\t\"RSS, recorded run\"", by_events ? "events %" : "recorded s");
    for (size_t p = 0; p < c->profile_count; p++) {
        fputc('\t', dat);
        gp_data_string(dat, c->profiles[p].alloc);
    }
    fputc('\n', dat);
    bool has_live = false, has_recorded_rss = false;
    /* In the phases' order, the order the replay sampled them: their recorded times never go back. */
    for (size_t f = 0; f < c->phase_count; f++) {
        const struct sample_row *row = first_row(d, c->case_name, c->phases[f]);
        if (!row || row->recorded_ms < 0)
            continue;
        has_live |= row->live_kb >= 0;
        has_recorded_rss |= row->recorded_rss_kb >= 0;
        fprintf(dat, "%.4f", by_events ? 100.0 * (double)row->trace_events / (double)total_events : row->recorded_ms / 1000.0);
        mib_or_missing(dat, row->live_kb);
        mib_or_missing(dat, row->recorded_rss_kb);
        for (size_t p = 0; p < c->profile_count; p++) {
            const struct phase_stats *s = &c->profiles[p].phases[f];
            mib_or_missing(dat, s->reps ? (int64_t)s->rss_median : -1);
        }
        fputc('\n', dat);
    }
    if (gp_close(dat, dir, name, ".dat", error, error_size) != 0)
        return -1;
    snprintf(title, sizeof title, "%s: the recorded trace replayed under each profile, RSS over the %s (median over "
             "the reps)", c->case_name, by_events ? "trace's events" : "recorded time");
    if (gp_write_settings(dir, name, "replay", title, c->profile_count, note, error, error_size) != 0)
        return -1;
    /* The axis's label, after the settings gp_write_settings wrote. */
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.gp", dir, name);
    FILE *gp = fopen(path, "ae");
    if (!gp) {
        snprintf(error, error_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(gp, "xlabel = \"%s\"\nby_events = %d\nhas_live = %d\nhas_recorded_rss = %d\n",
            by_events ? "share of the trace's events made (%): the recording's and every replay's rows at the same events"
                      : "time in the recorded run (s)",
            by_events, has_live, has_recorded_rss);
    return gp_close(gp, dir, name, ".gp", error, error_size);
}
