/* A replayed trace in the slides: the recording beside its replays (RSS, ideal, waste), and the plot over its time. */
#include "replay_slide.h"

#include <inttypes.h>
#include <string.h>

#include "markdown.h"

/*
 * A replay's rows (--replay) carry where they stand in the recording (recorded_ms) and, at the recording's own
 * rows (its Start, marks, Recorded peak, Exit), the RSS the recording measured there (recorded_rss_kb); their live_kb
 * is the recording's live heap at that point. These are the same in every run of the trace, so the first row of
 * a phase that has them speaks for all.
 */

/* The first row of a case's phase, or NULL. */
static const struct sample_row *first_row(const struct dataset *d, const char *case_name, const char *phase)
{
    for (size_t i = 0; i < d->count; i++)
        if (d->rows[i].seq > 0 && !strcmp(d->rows[i].case_name, case_name) && !strcmp(d->rows[i].phase, phase))
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

/* The case's phases that the recording measured, in the case's order: their indexes, and how many. */
static size_t recorded_phases(const struct dataset *d, const struct case_stats *c, size_t *out, size_t max)
{
    size_t n = 0;
    for (size_t f = 0; f < c->phase_count && n < max; f++) {
        const struct sample_row *row = first_row(d, c->case_name, c->phases[f]);
        if (row && row->recorded_rss_kb >= 0)
            out[n++] = f;
    }
    return n;
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
static int64_t run_cells(struct md_table *table, const int64_t *rss, size_t n, int64_t grown_kb, int64_t recorded_waste)
{
    for (size_t i = 0; i < n; i++)
        if (rss[i] >= 0)
            md_cell(table, "%" PRId64, rss[i]);
        else
            md_cell(table, "n/a");
    if (n < 2 || rss[0] < 0 || rss[n - 1] < 0 || grown_kb < 0) {
        for (int k = 0; k < 3; k++)
            md_cell(table, "n/a");
        return -1;
    }
    int64_t ideal = rss[0] + grown_kb, waste = rss[n - 1] - ideal;
    md_cell(table, "%" PRId64, ideal);
    md_cell(table, "%" PRId64, waste);
    if (recorded_waste > 0)
        md_cell(table, "%.0f%%", 100.0 * (double)waste / (double)recorded_waste);
    else
        md_cell(table, "n/a");
    return waste;
}

void write_replay_table(const struct report *report, const struct case_stats *c, FILE *out)
{
    enum { MAX_POINTS = 48 };
    const struct dataset *d = report->dataset;
    size_t phases[MAX_POINTS], n = recorded_phases(d, c, phases, MAX_POINTS);
    int64_t rss[MAX_POINTS], live[MAX_POINTS];
    bool right[MAX_POINTS + 5];
    struct md_table table;
    if (n == 0)
        return;
    const char *last = c->phases[phases[n - 1]];
    fprintf(out, "The recording beside its replays (kB; the replays' medians). The recorded run's RSS at its own rows; "
                 "the ideal RSS at %s is the first row's RSS plus the live heap grown since, in whole pages; the "
                 "waste is RSS above it, and a replay's as %% of the recorded run's: what the profile would leave of "
                 "it (the recorded run's holds the program's code and files paged in since, which a replay does not "
                 "run: the run's own report splits them out). The live heap, the program's own (from the trace, the "
                 "same in every replay):",
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
    int64_t recorded_waste = run_cells(&table, rss, n, grown_kb, -1);
    for (size_t p = 0; p < c->profile_count; p++) {
        const struct profile_stats *ps = &c->profiles[p];
        md_cell(&table, "replay: %s", ps->alloc);
        md_cell(&table, "%s %s", ps->allocator, ps->version);
        for (size_t i = 0; i < n; i++)
            rss[i] = ps->phases[phases[i]].reps ? (int64_t)ps->phases[phases[i]].rss_median : -1;
        run_cells(&table, rss, n, grown_kb, recorded_waste);
    }
    md_end(&table, out);
}

static void mib_or_missing(FILE *dat, int64_t kb)
{
    if (kb >= 0)
        fprintf(dat, "\t%.2f", (double)kb / 1024.0);
    else
        fputs("\t?", dat);
}

int write_replay_plot(const struct report *report, const struct case_stats *c, const char *dir, const char *note,
                      char *error, size_t error_size)
{
    const struct dataset *d = report->dataset;
    char name[256], title[512];
    snprintf(name, sizeof name, "%s-replay", c->case_name);
    FILE *dat = gp_open(dir, name, ".dat", error, error_size);
    if (!dat)
        return -1;
    fputs("\"recorded s\"\t\"live heap (recorded)\"\t\"RSS, recorded run\"", dat);
    for (size_t p = 0; p < c->profile_count; p++) {
        fputc('\t', dat);
        gp_string(dat, c->profiles[p].alloc);
    }
    fputc('\n', dat);
    /* In the phases' order, the order the replay sampled them: their recorded times never go back. */
    for (size_t f = 0; f < c->phase_count; f++) {
        const struct sample_row *row = first_row(d, c->case_name, c->phases[f]);
        if (!row || row->recorded_ms < 0)
            continue;
        fprintf(dat, "%.4f", row->recorded_ms / 1000.0);
        mib_or_missing(dat, row->live_kb);
        mib_or_missing(dat, row->recorded_rss_kb);
        for (size_t p = 0; p < c->profile_count; p++) {
            const struct phase_stats *s = &c->profiles[p].phases[f];
            mib_or_missing(dat, s->reps ? (int64_t)s->rss_median : -1);
        }
        fputc('\n', dat);
    }
    if (fclose(dat) != 0)
        return -1;
    snprintf(title, sizeof title, "%s: the recorded trace replayed under each profile, RSS over the recorded time "
             "(median over the reps)", c->case_name);
    return gp_write_settings(dir, name, title, c->profile_count, note, error, error_size);
}
