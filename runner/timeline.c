/* The timeline CSV: one row per outside sample of a run, written when the run is. */
#include "timeline.h"

#include <inttypes.h>

#include "csv.h"

/* A kB value, or "" when not known. */
static void known_kb(char *out, size_t size, bool known, uint64_t kb)
{
    if (known)
        snprintf(out, size, "%" PRIu64, kb);
    else
        out[0] = '\0';
}

void timeline_write_row(FILE *out, const struct run_identity *run, const struct timeline_sample *sample)
{
    char rep[16], t_ms[32], rss[24], anon[24], live[24], lazyfree[24], huge[24];
    snprintf(rep, sizeof rep, "%u", run->rep);
    snprintf(t_ms, sizeof t_ms, "%.3f", sample->t_ms);
    snprintf(rss, sizeof rss, "%" PRIu64, sample->rss_kb);
    snprintf(anon, sizeof anon, "%" PRIu64, sample->anon_kb);
    known_kb(live, sizeof live, sample->has_live, results_kb(sample->live_bytes));
    known_kb(lazyfree, sizeof lazyfree, sample->extra.known, sample->extra.lazyfree_kb);
    known_kb(huge, sizeof huge, sample->extra.known && sample->extra.anon_huge_kb != SMAPS_UNKNOWN_KB,
             sample->extra.anon_huge_kb);
    const char *values[] = {run->case_name, run->profile, rep, t_ms, rss, anon, sample->label, live, lazyfree, huge};
    csv_write_row(out, values, sizeof values / sizeof values[0]);
}
