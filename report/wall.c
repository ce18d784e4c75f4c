/* The wall time of each case x profile: hyperfine's mean (make bench) where timed, else its run alone (walltime.csv). */
#include <stdbool.h>
#include <string.h>

#include "report.h"

double report_wall(const struct report *report, const char *case_name, const char *alloc, enum wall_source *source)
{
    double mean = timing_mean(report->timing, case_name, alloc);
    const struct profile_stats *alone =
        report->alone ? stats_profile(stats_case(report->alone, case_name), alloc) : NULL;
    *source = WALL_NONE;
    if (mean >= 0) {
        *source = WALL_HYPERFINE;
        return mean;
    }
    if (alone && alone->busy_s >= 0) {
        *source = WALL_ALONE;
        return alone->busy_s;
    }
    return -1;
}

double report_ratio_vs_glibc(const struct report *report, const char *case_name, const char *alloc)
{
    enum wall_source mine_from, base_from;
    double mine = report_wall(report, case_name, alloc, &mine_from);
    double base = report_wall(report, case_name, "glibc", &base_from);
    return mine >= 0 && base > 0 && mine_from == base_from ? mine / base : -1;
}

const char *report_wall_source_name(enum wall_source source)
{
    static const char *const names[] = {[WALL_NONE] = "", [WALL_HYPERFINE] = "hyperfine", [WALL_ALONE] = "alone"};
    return names[source];
}

const char *report_wall_text(const struct report *report)
{
    bool used[3] = {false, false, false};
    for (size_t k = 0; k < report->stats->count; k++) {
        const struct case_stats *c = &report->stats->cases[k];
        for (size_t p = 0; p < c->profile_count; p++) {
            enum wall_source source;
            report_wall(report, c->case_name, c->profiles[p].alloc, &source);
            used[source] = true;
        }
    }
    if (used[WALL_HYPERFINE] && used[WALL_ALONE])
        return "Wall time: hyperfine's mean (`make bench`, one at a time, no idle) where it timed the pair, else the "
               "pair's own run alone after the memory runs (no idle, one at a time; walltime.csv); ratios only "
               "between times of the same kind.";
    if (used[WALL_HYPERFINE])
        return "Wall time: hyperfine's mean over its runs, one at a time, no idle (`make bench`).";
    if (used[WALL_ALONE])
        return "Wall time: one run of each pair alone after the memory runs, start to exit, no idle, one at a time "
               "(walltime.csv; `make bench` times each pair with hyperfine).";
    return "No wall times: the results have neither walltime.csv nor hyperfine's timing.csv.";
}
