/* The wall time of each case x profile: hyperfine's mean when timing.csv has rows, else the memory runs' busy time. */
#include <string.h>

#include "report.h"

enum wall_source report_wall_source(const struct report *report)
{
    if (report->timing->table.rows > 1)
        return WALL_HYPERFINE;
    for (size_t k = 0; k < report->stats->count; k++)
        for (size_t p = 0; p < report->stats->cases[k].profile_count; p++)
            if (report->stats->cases[k].profiles[p].busy_s >= 0)
                return WALL_BUSY;
    return WALL_NONE;
}

double report_wall(const struct report *report, const struct case_stats *c, const struct profile_stats *ps)
{
    switch (report_wall_source(report)) {
    case WALL_HYPERFINE:
        return timing_mean(report->timing, c->case_name, ps->alloc);
    case WALL_BUSY:
        return ps->busy_s;
    default:
        return -1;
    }
}

double report_ratio_vs_glibc(const struct report *report, const struct case_stats *c, const struct profile_stats *ps)
{
    const struct profile_stats *glibc = NULL;
    for (size_t p = 0; p < c->profile_count; p++)
        if (strcmp(c->profiles[p].alloc, "glibc") == 0)
            glibc = &c->profiles[p];
    double mine = report_wall(report, c, ps), base = glibc ? report_wall(report, c, glibc) : -1;
    return mine >= 0 && base > 0 ? mine / base : -1;
}

const char *report_wall_text(const struct report *report)
{
    switch (report_wall_source(report)) {
    case WALL_HYPERFINE:
        return "Wall time: hyperfine's mean over its runs, one at a time, no idle (`make bench`).";
    case WALL_BUSY:
        return "Wall time: the median over the clean reps of each run's time from start to exit less the idle it "
               "announced (busy_ms), measured in the memory runs themselves, with up to --jobs runs working at "
               "a time; `make bench` times each pair alone with hyperfine.";
    default:
        return "No wall times: the results have neither busy_ms nor hyperfine's timing.csv.";
    }
}
