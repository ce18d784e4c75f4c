/* A replay under the profile its trace was recorded under, set against the recording at the recording's rows. */
#include "replay_check.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../trace/format.h"

static int64_t allowed_kb(int64_t recorded_kb)
{
    int64_t share = llabs(recorded_kb) * REPLAY_GOAL_PCT / 100;
    return share > REPLAY_GOAL_KB ? share : REPLAY_GOAL_KB;
}

bool replay_check_rows(const struct phase_sample *rows, size_t count, struct replay_miss *miss)
{
    const struct phase_sample *first = NULL;
    int64_t worst_excess = 0;
    for (size_t i = 0; i < count; i++) {
        const struct phase_sample *row = &rows[i];
        /* The recording's own rows: its stations every 5% have the RSS of a sample up to 10 ms off, MBs away in a fast
           climb. */
        if (!row->has_recorded_rss || trace_row_is_station(row->label))
            continue;
        if (!first) {
            first = row;
            continue;
        }
        /* The heap's growth: anonymous RSS, where the recording's is told (the program's code and files, paged
           in, are in its RSS and not in a replay's); else all of RSS. */
        bool anon = row->has_recorded_anon && first->has_recorded_anon;
        int64_t replay_kb = anon ? (int64_t)row->anon_kb - (int64_t)first->anon_kb
                                 : (int64_t)row->rss_kb - (int64_t)first->rss_kb;
        int64_t recorded_kb = anon ? (int64_t)row->recorded_anon_kb - (int64_t)first->recorded_anon_kb
                                   : (int64_t)row->recorded_rss_kb - (int64_t)first->recorded_rss_kb;
        int64_t excess = llabs(replay_kb - recorded_kb) - allowed_kb(recorded_kb);
        if (excess > worst_excess) {
            worst_excess = excess;
            *miss = (struct replay_miss){.label = row->label, .replay_kb = replay_kb, .recorded_kb = recorded_kb,
                                         .anonymous = anon, .beyond_kb = excess};
        }
    }
    return worst_excess > 0;
}

void replay_check_print(FILE *out, const char *case_name, const char *profile, const struct replay_miss *miss)
{
    fprintf(out, "fragbench: --replay: %s: under %s, the profile it was recorded under, the replay's %s grew by %" PRId64
            " kB at %s where the recording's grew by %" PRId64 " kB", case_name, profile,
            miss->anonymous ? "anonymous RSS" : "RSS", miss->replay_kb, miss->label, miss->recorded_kb);
    if (miss->recorded_kb > 0)
        fprintf(out, " (%+.0f%%)", 100.0 * (double)(miss->replay_kb - miss->recorded_kb) / (double)miss->recorded_kb);
    fprintf(out, ", beyond the fidelity goal of %d%% or %d MB: the other profiles' replays may be as far off. ",
            REPLAY_GOAL_PCT, REPLAY_GOAL_KB / 1024);
    if (miss->replay_kb < miss->recorded_kb)
        fputs("The program held memory the trace does not (memory taken past malloc: CPython's pymalloc unless "
              "recorded with PYTHONMALLOC=malloc, the program's own mmap, thread stacks), or the replay's allocator "
              "gave back what the program's kept", out);
    else
        fputs("The replay holds memory the program did not (blocks the program allocated and never wrote: the "
              "replay writes every block), or the program's allocator gave back what the replay's kept", out);
    /*
     * Where the allocator's own choice decides it, the program's runs differ among themselves as much, each profile
     * family by its own edge (docs/replay.md): glibc trims its heap's top only when a free reaches it (Debian's
     * CPython running one script, 2026-12-06, ended at 84 to 86 MB in 7 of 15 runs and at 110 MB in 8); jemalloc
     * purges at once a free extent that merging makes 8 MiB or more (jq at Exit: 49.8 or 57.9 MB by HOME set or
     * not). A replay lands where its recording did; a recording can have landed apart from the program's other runs.
     */
    static const struct {
        const char *family; /* a profile's name starts with it */
        const char *edge;
    } edges[] = {
        {"glibc", "glibc trims its heap's top only when a free reaches it, which differs from run to run of the "
                  "program itself"},
        {"jemalloc", "jemalloc purges at once a free extent that merging makes 8 MiB or more, and whether one does "
                     "turns on a page of the program's state and on its purging timer, which differ from run to run "
                     "of the program itself"},
    };
    const char *edge = "the allocator's answer may also differ from run to run of the program itself, by its purging "
                       "timers and its state before the first call";
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        if (!strncmp(profile, edges[i].family, strlen(edges[i].family)))
            edge = edges[i].edge;
    fprintf(out, ": %s (see its spread: ./run --reps=5 -- COMMAND)\n", edge);
}
