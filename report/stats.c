/* Aggregates the phase samples of a dataset per case x profile x phase over the reps. */
#include "stats.h"

#include "median.h"
#include "spread.h"

#include <stdlib.h>
#include <string.h>

static void *grow(void *items, size_t count, size_t size)
{
    items = realloc(items, (count + 1) * size);
    if (!items)
        abort();
    return items;
}

static struct case_stats *find_case(struct stats *stats, const char *name)
{
    for (size_t i = 0; i < stats->count; i++)
        if (strcmp(stats->cases[i].case_name, name) == 0)
            return &stats->cases[i];
    stats->cases = grow(stats->cases, stats->count, sizeof *stats->cases);
    stats->cases[stats->count] = (struct case_stats){.case_name = name};
    return &stats->cases[stats->count++];
}

static struct profile_stats *find_profile(struct case_stats *c, const struct sample_row *row)
{
    for (size_t i = 0; i < c->profile_count; i++)
        if (strcmp(c->profiles[i].alloc, row->alloc) == 0)
            return &c->profiles[i];
    c->profiles = grow(c->profiles, c->profile_count, sizeof *c->profiles);
    c->profiles[c->profile_count] = (struct profile_stats){row->alloc, row->allocator, row->version, 0, 0, NULL, -1, NULL};
    return &c->profiles[c->profile_count++];
}

long stats_phase(const struct case_stats *c, const char *label)
{
    for (size_t i = 0; i < c->phase_count; i++)
        if (strcmp(c->phases[i], label) == 0)
            return (long)i;
    return -1;
}

const struct case_stats *stats_case(const struct stats *stats, const char *case_name)
{
    for (size_t k = 0; k < stats->count; k++)
        if (strcmp(stats->cases[k].case_name, case_name) == 0)
            return &stats->cases[k];
    return NULL;
}

const struct profile_stats *stats_profile(const struct case_stats *c, const char *alloc)
{
    for (size_t p = 0; c && p < c->profile_count; p++)
        if (strcmp(c->profiles[p].alloc, alloc) == 0)
            return &c->profiles[p];
    return NULL;
}

/* Adds a label at its place by seq (first seen wins for its seq). */
static void note_phase(struct case_stats *c, const char *label, unsigned seq, unsigned **seqs)
{
    if (stats_phase(c, label) >= 0)
        return;
    c->phases = grow(c->phases, c->phase_count, sizeof *c->phases);
    *seqs = grow(*seqs, c->phase_count, sizeof **seqs);
    size_t at = c->phase_count;
    while (at > 0 && (*seqs)[at - 1] > seq) {
        c->phases[at] = c->phases[at - 1];
        (*seqs)[at] = (*seqs)[at - 1];
        at--;
    }
    c->phases[at] = label;
    (*seqs)[at] = seq;
    c->phase_count++;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The same rule as median_u64, for shares. */
static double median_double(double *values, size_t n)
{
    qsort(values, n, sizeof *values, by_double);
    return (values[(n - 1) / 2] + values[n / 2]) / 2;
}

/* The largest RSS of the rep that row belongs to (rows of a rep share case, alloc and rep). */
static uint64_t rep_peak(const struct dataset *dataset, const struct sample_row *row)
{
    uint64_t peak = 0;
    for (size_t i = 0; i < dataset->count; i++) {
        const struct sample_row *r = &dataset->rows[i];
        if (r->rep == row->rep && !strcmp(r->case_name, row->case_name) && !strcmp(r->alloc, row->alloc) &&
            r->rss_kb > peak)
            peak = r->rss_kb;
    }
    return peak;
}

static void fill_phase(const struct dataset *dataset, const struct case_stats *c, const struct profile_stats *p,
                       const char *label, struct phase_stats *out)
{
    size_t n = 0;
    uint64_t *rss = calloc(dataset->count + 1, sizeof *rss), *anon = calloc(dataset->count + 1, sizeof *anon);
    double *retained = calloc(dataset->count + 1, sizeof *retained);
    if (!rss || !anon || !retained)
        abort();
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < dataset->count; i++) {
        const struct sample_row *r = &dataset->rows[i];
        if (!r->clean || strcmp(r->case_name, c->case_name) || strcmp(r->alloc, p->alloc) || strcmp(r->phase, label))
            continue;
        uint64_t peak = rep_peak(dataset, r);
        rss[n] = r->rss_kb;
        anon[n] = r->anon_kb;
        retained[n] = peak ? 100.0 * (double)r->rss_kb / (double)peak : 0;
        n++;
    }
    if (n > 0) {
        out->reps = (unsigned)n;
        out->rss_median = median_u64(rss, n);
        out->rss_min = rss[0];
        out->rss_max = rss[n - 1];
        out->anon_median = median_u64(anon, n);
        out->anon_min = anon[0];
        out->anon_max = anon[n - 1];
        out->retained_pct = median_double(retained, n);
        out->spread_pct = out->rss_median ? 100.0 * (double)(out->rss_max - out->rss_min) / (double)out->rss_median : 0;
        out->disagree = spread_differs(out->rss_min, out->rss_max, out->rss_median, STATS_DISAGREE_PCT);
    }
    free(rss);
    free(anon);
    free(retained);
}

/* Counts the clean and failed reps of a profile in a case (a rep is failed if any of its rows is). */
static void count_reps(const struct dataset *dataset, const struct case_stats *c, struct profile_stats *p)
{
    unsigned last_rep = 0;
    size_t timed = 0;
    double *busy = calloc(dataset->count + 1, sizeof *busy);
    if (!busy)
        abort();
    for (size_t i = 0; i < dataset->count; i++) {
        const struct sample_row *r = &dataset->rows[i];
        if (strcmp(r->case_name, c->case_name) || strcmp(r->alloc, p->alloc) || r->rep == last_rep)
            continue;
        last_rep = r->rep;
        if (r->clean) {
            p->clean_reps++;
            if (!p->first_clean_rep)
                p->first_clean_rep = r;
            if (r->busy_ms >= 0)
                busy[timed++] = r->busy_ms / 1000;
        } else
            p->failed_reps++;
    }
    p->busy_s = timed ? median_double(busy, timed) : -1;
    free(busy);
}

void stats_build(const struct dataset *dataset, struct stats *out)
{
    unsigned **seqs;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < dataset->count; i++)
        find_profile(find_case(out, dataset->rows[i].case_name), &dataset->rows[i]);
    seqs = calloc(out->count + 1, sizeof *seqs);
    if (!seqs)
        abort();
    for (size_t i = 0; i < dataset->count; i++) {
        const struct sample_row *r = &dataset->rows[i];
        struct case_stats *c = find_case(out, r->case_name);
        if (r->seq > 0)
            note_phase(c, r->phase, r->seq, &seqs[c - out->cases]);
    }
    for (size_t k = 0; k < out->count; k++) {
        struct case_stats *c = &out->cases[k];
        free(seqs[k]);
        for (size_t p = 0; p < c->profile_count; p++) {
            struct profile_stats *ps = &c->profiles[p];
            count_reps(dataset, c, ps);
            ps->phases = calloc(c->phase_count + 1, sizeof *ps->phases);
            if (!ps->phases)
                abort();
            for (size_t f = 0; f < c->phase_count; f++)
                fill_phase(dataset, c, ps, c->phases[f], &ps->phases[f]);
        }
    }
    free(seqs);
}

void stats_free(struct stats *stats)
{
    for (size_t k = 0; k < stats->count; k++) {
        for (size_t p = 0; p < stats->cases[k].profile_count; p++)
            free(stats->cases[k].profiles[p].phases);
        free(stats->cases[k].profiles);
        free(stats->cases[k].phases);
    }
    free(stats->cases);
    memset(stats, 0, sizeof *stats);
}
