/* A replayed trace in the slides set against its recording: the runner's fidelity check, made again from the CSV. */
#include "replay_fidelity.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../trace/format.h"
#include "replay_check.h"

/* The profile the case's trace was recorded under, from any of its rows, or NULL (results from before the column). */
static const char *recorded_alloc(const struct dataset *d, const char *case_name)
{
    for (size_t i = 0; i < d->count; i++)
        if (*d->rows[i].recorded_alloc && !strcmp(d->rows[i].case_name, case_name))
            return d->rows[i].recorded_alloc;
    return NULL;
}

/*
 * One clean replay's rows (case, alloc, rep) as the runner's phase samples, in the CSV's order (the run's); how
 * many. The fields the check reads are set: label, RSS, anonymous RSS, and the recording's two there.
 */
static size_t run_samples(const struct dataset *d, const char *case_name, const char *alloc, unsigned rep,
                          struct phase_sample *out)
{
    size_t n = 0;
    for (size_t i = 0; i < d->count; i++) {
        const struct sample_row *row = &d->rows[i];
        if (row->seq == 0 || !row->clean || row->rep != rep || strcmp(row->case_name, case_name) ||
            strcmp(row->alloc, alloc))
            continue;
        struct phase_sample *sample = &out[n++];
        memset(sample, 0, sizeof *sample);
        snprintf(sample->label, sizeof sample->label, "%s", row->phase);
        sample->rss_kb = row->rss_kb;
        sample->anon_kb = row->anon_kb;
        sample->has_recorded_rss = row->recorded_rss_kb >= 0;
        sample->recorded_rss_kb = sample->has_recorded_rss ? (uint64_t)row->recorded_rss_kb : 0;
        sample->has_recorded_anon = row->recorded_anon_kb >= 0;
        sample->recorded_anon_kb = sample->has_recorded_anon ? (uint64_t)row->recorded_anon_kb : 0;
    }
    return n;
}

/*
 * Whether the run's first row carrying the recording's RSS at its own rows (not the stations every 5%) is its Start,
 * and another follows: the growth is above Start (a run missing its Start row would be measured from a later row).
 */
static bool checkable(const struct phase_sample *samples, size_t n)
{
    size_t rows = 0;
    bool from_start = false;
    for (size_t i = 0; i < n; i++)
        if (samples[i].has_recorded_rss && !trace_row_is_station(samples[i].label))
            from_start |= rows++ == 0 && !strcmp(samples[i].label, "Start");
    return from_start && rows >= 2;
}

void write_replay_fidelity(const struct report *report, const struct case_stats *c, FILE *out)
{
    const struct dataset *d = report->dataset;
    const char *profile = recorded_alloc(d, c->case_name);
    if (!profile)
        return;
    struct phase_sample *samples = calloc(d->count + 1, sizeof *samples);
    if (!samples)
        abort();
    unsigned replayed = 0, checked = 0, missed = 0, worst_rep = 0, last_rep = 0;
    struct replay_miss worst = {0};
    char worst_label[sizeof samples->label] = ""; /* worst.label points into samples, which the next rep fills */
    for (size_t i = 0; i < d->count; i++)
        if (d->rows[i].rep > last_rep && !strcmp(d->rows[i].case_name, c->case_name))
            last_rep = d->rows[i].rep;
    for (unsigned rep = 1; rep <= last_rep; rep++) {
        size_t n = run_samples(d, c->case_name, profile, rep, samples);
        struct replay_miss miss;
        if (n == 0)
            continue;
        replayed++;
        if (!checkable(samples, n))
            continue;
        checked++;
        if (replay_check_rows(samples, n, &miss)) {
            if (!missed++ || miss.beyond_kb > worst.beyond_kb) {
                worst = miss;
                worst_rep = rep;
                snprintf(worst_label, sizeof worst_label, "%s", miss.label);
            }
        }
    }
    fprintf(out, "\nChecked against the recording (the fidelity goal: a replay's growth above Start within %d%% or "
                 "%d MB of the recording's, at the recording's own rows): ", REPLAY_GOAL_PCT, REPLAY_GOAL_KB / 1024);
    if (checked == 0 && replayed > 0)
        fprintf(out, "none is checked: the replays under %s, the profile the trace was recorded under, carry fewer "
                     "than two of the recording's rows with its RSS, its Start the first (a trace cut short, replayed "
                     "with --replay-partial, has none after its cut).\n", profile);
    else if (checked == 0)
        fprintf(out, "the trace was recorded under %s, and no clean replay under %s is in these results: none is "
                     "checked.\n", profile, profile);
    else if (missed == 0 && checked == replayed)
        fprintf(out, "under %s, the profile the trace was recorded under, %s within it at every such row. Only that "
                     "profile can be checked from a trace: how near the others come to the program run under them is "
                     "measured for three programs in docs/replay.md#fidelity, not for threads that share blocks "
                     "(./run --alloc=PROFILE -- COMMAND tells, for one).\n", profile,
                checked > 1 ? "every replay is" : "the replay is");
    else if (missed == 0)
        fprintf(out, "under %s, the profile the trace was recorded under, the %u replay%s checked %s within it at every "
                     "such row (%u other%s lack%s the recording's rows from Start on).\n", profile, checked,
                checked > 1 ? "s" : "", checked > 1 ? "are" : "is", replayed - checked, replayed - checked > 1 ? "s" : "",
                replayed - checked > 1 ? "" : "s");
    else {
        fprintf(out, "**off from the recording.** Under %s, the profile the trace was recorded under, %u of %u "
                     "replay%s missed it; the furthest, rep %u, grew by %" PRId64 " kB of %s at %s where the "
                     "recording grew by %" PRId64 " kB", profile, missed, checked, checked > 1 ? "s" : "", worst_rep,
                worst.replay_kb, worst.anonymous ? "anonymous RSS" : "RSS", worst_label, worst.recorded_kb);
        if (worst.recorded_kb > 0)
            fprintf(out, " (%+.0f%%)", 100.0 * (double)(worst.replay_kb - worst.recorded_kb) / (double)worst.recorded_kb);
        fprintf(out, ". The other profiles' replays may be as far off from what the program would do under them: "
                     "%s (the runner checks the first rep as it replays and says so in compare.log; the causes: "
                     "docs/replay.md#checked-against-the-recording).\n", worst.replay_kb < worst.recorded_kb
                         ? "the program held memory the trace does not, or the replay's allocator gave back what the "
                           "program's kept"
                         : "the replay holds memory the program did not (blocks never written), or the program's "
                           "allocator gave back what the replay's kept");
    }
    free(samples);
}
