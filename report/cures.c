/* The slides' table of the talk's cures: frag.py's workload as the talk ran it, and under each cure, with its cost. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "markdown.h"
#include "median.h"
#include "report.h"

/* One cure: the run that shows it, the phase that shows what is left, and what it costs beyond time. */
static const struct cure {
    const char *name;
    const char *case_name, *profile;
    const char *after; /* "After del", or "After release" where the cure is the release call */
    const char *cost;
    bool in_every_run; /* every run makes this call (the tail's release): it has no time of its own */
} cures[] = {
    {"none: as in the talk", "frag.py", "glibc", "After del", "nothing; the freed memory stays", false},
    {"subprocess: the work in a forked child", "frag_subprocess.py", "glibc", "After del",
     "a child that holds the whole batch (its peak: %s) and a fork; only a number comes back", false},
    {"better use of memory: one buffer", "frag_compact.py", "glibc", "After del",
     "the data is one buffer of 5 000-byte slices, not 100 000 str objects: code that wants str builds one per use", false},
    {"jemalloc via LD_PRELOAD", "frag.py", "jemalloc", "After del",
     "a preloaded library; it keeps freed pages until its 10 s decay", false},
    {"jemalloc, dirty and muzzy decay 0", "frag.py", "jemalloc-decay0", "After del",
     "a preloaded library and MALLOC_CONF; it purges at every free", false},
    {"malloc_trim(0) after del (glibc)", "frag.py", "glibc", "After release",
     "a call in the program after the frees (ctypes in Python)", true},
    {"mimalloc, decommit delay 0", "frag.py", "mimalloc-decommit0", "After del",
     "a preloaded library and MIMALLOC_DECOMMIT_DELAY=0", false},
};
enum { CURE_COUNT = sizeof cures / sizeof cures[0] };

/* The median RSS of a case x profile at a phase over its clean reps, or -1. */
static int64_t median_rss(const struct report *report, const char *case_name, const char *profile, const char *phase)
{
    const struct case_stats *c = stats_case(report->stats, case_name);
    const struct profile_stats *ps = stats_profile(c, profile);
    long f = c ? stats_phase(c, phase) : -1;
    return ps && f >= 0 && ps->phases[f].reps > 0 ? (int64_t)ps->phases[f].rss_median : -1;
}

/* The median child_peak_kb of a case x profile at "After del" over its clean reps, or -1. */
static int64_t median_child_peak(const struct dataset *dataset, const char *case_name, const char *profile)
{
    uint64_t *peaks = calloc(dataset->count + 1, sizeof *peaks);
    size_t n = 0;
    if (!peaks)
        abort();
    for (size_t i = 0; i < dataset->count; i++) {
        const struct sample_row *r = &dataset->rows[i];
        if (r->clean && r->child_peak_kb >= 0 && !strcmp(r->case_name, case_name) && !strcmp(r->alloc, profile) &&
            !strcmp(r->phase, "After del"))
            peaks[n++] = (uint64_t)r->child_peak_kb;
    }
    int64_t median = n ? (int64_t)median_u64(peaks, n) : -1;
    free(peaks);
    return median;
}

void write_cures_table(const struct report *report, FILE *out)
{
    static const bool right[] = {false, false, true, true, true, true, false};
    int64_t talk_alloc = median_rss(report, "frag.py", "glibc", "After alloc");
    struct md_table table;
    size_t rows = 0;
    if (talk_alloc <= 0)
        return; /* no frag.py under glibc: nothing to measure the cures against */
    fprintf(out, "## The talk's cures, measured\n\nfrag.py's workload (100 000 strings of 5 000 characters at scale 1, "
                 "one more kept, then del) as the talk ran it and under each of its cures. RSS in kB, median over "
                 "the clean reps; \"left\" is the RSS after the cure as %% of the talk's RSS after alloc; time is "
                 "the wall time against the talk's run, of the same kind (see the top). MALLOC_ARENA_MAX does not "
                 "apply: frag.py allocates from one thread, so glibc uses one arena whatever the limit "
                 "(glibc-arena2 in frag.py's tables).\n\n");
    md_begin(&table, 7, right);
    md_cell(&table, "cure");
    md_cell(&table, "run");
    md_cell(&table, "After alloc (kB)");
    md_cell(&table, "after the cure (kB)");
    md_cell(&table, "left (%%)");
    md_cell(&table, "time vs the talk");
    md_cell(&table, "what it costs");
    for (size_t i = 0; i < CURE_COUNT; i++) {
        const struct cure *cure = &cures[i];
        int64_t alloc = median_rss(report, cure->case_name, cure->profile, "After alloc");
        int64_t left = median_rss(report, cure->case_name, cure->profile, cure->after);
        if (alloc < 0 || left < 0)
            continue; /* not in these results */
        enum wall_source mine_from, talk_from;
        double mine = report_wall(report, cure->case_name, cure->profile, &mine_from);
        double talk = report_wall(report, "frag.py", "glibc", &talk_from);
        md_cell(&table, "%s", cure->name);
        md_cell(&table, "%s · %s, %s", cure->case_name, cure->profile, cure->after);
        md_cell(&table, "%" PRId64, alloc);
        md_cell(&table, "%" PRId64, left);
        md_cell(&table, "%.1f", 100.0 * (double)left / (double)talk_alloc);
        if (cure->in_every_run)
            md_cell(&table, "in every run");
        else if (mine >= 0 && talk > 0 && mine_from == talk_from)
            md_cell(&table, "%.2f", mine / talk);
        else
            md_cell(&table, "n/a");
        if (strstr(cure->cost, "%s")) {
            char peak[32] = "not reported";
            int64_t child = median_child_peak(report->dataset, cure->case_name, cure->profile);
            if (child >= 0)
                snprintf(peak, sizeof peak, "%" PRId64 " kB", child);
            char cost[256];
            snprintf(cost, sizeof cost, cure->cost, peak);
            md_cell(&table, "%s", cost);
        } else
            md_cell(&table, "%s", cure->cost);
        rows++;
    }
    md_end(&table, out);
    fputc('\n', out);
    (void)rows;
}
