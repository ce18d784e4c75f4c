/* Writes results/summary.csv: per case x profile x phase, the statistics over the reps. */
#include <inttypes.h>

#include "csv.h"
#include "report.h"

static const char *const columns[] = {
    "case", "alloc", "allocator", "alloc_version", "seq", "phase", "reps", "failed_reps",
    "rss_kb_median", "rss_kb_min", "rss_kb_max", "anon_kb_median", "anon_kb_min", "anon_kb_max",
    "retained_pct", "rss_spread_pct", "reps_disagree", "wall_s", "wall_ratio_vs_glibc", "wall_source",
};
enum { COLUMN_COUNT = sizeof columns / sizeof columns[0] };

void write_summary_csv(const struct report *report, FILE *out)
{
    csv_write_row(out, columns, COLUMN_COUNT);
    for (size_t k = 0; k < report->stats->count; k++) {
        const struct case_stats *c = &report->stats->cases[k];
        for (size_t p = 0; p < c->profile_count; p++) {
            const struct profile_stats *ps = &c->profiles[p];
            enum wall_source source;
            double wall = report_wall(report, c->case_name, ps->alloc, &source);
            double ratio = report_ratio_vs_glibc(report, c->case_name, ps->alloc);
            /* Every phase of the case, clean reps or not: a profile whose reps all failed still shows. */
            size_t rows = c->phase_count ? c->phase_count : 1;
            for (size_t f = 0; f < rows; f++) {
                static const struct phase_stats none;
                const struct phase_stats *s = c->phase_count ? &ps->phases[f] : &none;
                char text[12][32] = {{0}};
                snprintf(text[0], 32, "%zu", c->phase_count ? f + 1 : 0);
                snprintf(text[1], 32, "%u", s->reps);
                snprintf(text[2], 32, "%u", ps->failed_reps);
                if (s->reps) {
                    snprintf(text[3], 32, "%" PRIu64, s->rss_median);
                    snprintf(text[4], 32, "%" PRIu64, s->rss_min);
                    snprintf(text[5], 32, "%" PRIu64, s->rss_max);
                    snprintf(text[6], 32, "%" PRIu64, s->anon_median);
                    snprintf(text[7], 32, "%" PRIu64, s->anon_min);
                    snprintf(text[8], 32, "%" PRIu64, s->anon_max);
                    snprintf(text[9], 32, "%.1f", s->retained_pct);
                    snprintf(text[10], 32, "%.1f", s->spread_pct);
                }
                char wall_text[32] = "", ratio_text[32] = "";
                if (wall >= 0)
                    snprintf(wall_text, sizeof wall_text, "%.4f", wall);
                if (ratio >= 0)
                    snprintf(ratio_text, sizeof ratio_text, "%.3f", ratio);
                const char *values[COLUMN_COUNT] = {
                    c->case_name, ps->alloc, ps->allocator, ps->version, text[0], c->phase_count ? c->phases[f] : "",
                    text[1], text[2], text[3], text[4], text[5], text[6], text[7], text[8], text[9], text[10],
                    s->reps ? (s->disagree ? "yes" : "no") : "", wall_text, ratio_text,
                    report_wall_source_name(source),
                };
                csv_write_row(out, values, COLUMN_COUNT);
            }
        }
    }
}
