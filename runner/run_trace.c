/* A run's trace once it has ended: a recording read, named, compressed and reported; a replay's figures. */
#define _GNU_SOURCE
#include "run_trace.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "growth.h"
#include "results.h"

/*
 * A replay's figures from its rows: the trace's peak live heap (the last row's, for J&W's #4), and the ideal RSS at
 * each row, as a recording's (growth_ideal_kb): its first row's RSS plus the recorded live heap grown since, in
 * whole pages. Its rows carry the live bytes exactly, where the CSV's live_kb is rounded to a
 * kB: the slides take the ideal from here, and agree with the recording's own report to the page.
 */
void run_set_replay_figures(struct run *run)
{
    if (!run->replay || run->phase_count == 0 || !run->phases[0].has_live)
        return;
    /* The trace's peak of live, from the replay's last row (every event made): the same for every row of the run. */
    const struct phase_sample *last = &run->phases[run->phase_count - 1];
    if (last->has_trace_events && strcmp(run->status, "ok") == 0) {
        run->identity.recorded = true;
        run->identity.peak_live_kb = results_kb(last->trace_peak_live_bytes);
        run->identity.peak_live_known = true;
    }
    const struct phase_sample *first = &run->phases[0];
    uint64_t page_size = (uint64_t)sysconf(_SC_PAGESIZE);
    for (size_t i = 0; i < run->phase_count; i++)
        if (run->phases[i].has_live) {
            run->phases[i].ideal_rss_kb =
                growth_ideal_kb(first->rss_kb, first->live_bytes, run->phases[i].live_bytes, page_size);
            run->phases[i].has_ideal = true;
        }
}

/*
 * A recorded run has ended: its trace names the allocator verified, then gives the live heap at each row and sample
 * (into recorded and the run's rows), and the run's rows are added to it. false where it cannot be read (said).
 */
bool run_read_trace(struct run *run, struct recorded *recorded)
{
    const struct matrix *matrix = run->matrix;
    char error[512];
    int named = recorded_name_allocator(matrix->trace_path, run->selected->allocator, run->selected->version,
                                        run->selected->profile->name);
    if (named < 0)
        fprintf(stderr, "fragbench: --record: cannot add the allocator's name to %s: %s (nor, after it, the run's rows: "
                        "a replay of it has its rows every 5%% of the events only)\n", matrix->trace_path,
                strerror(errno));
    if (recorded_read(matrix->trace_path, run->phases, run->phase_count, run->t0_us, run->samples, run->sample_count,
                      &run->peak_seen, recorded, error, sizeof error) != 0) {
        fprintf(stderr, "fragbench: --record: %s\n", error);
        return false;
    }
    if (named == 0 && run->phase_count > 0 &&
        recorded_append_rows(matrix->trace_path, run->phases, run->phase_count, run->t0_us, &run->peak_seen,
                             recorded->live_at_peak_rss_bytes, &recorded->summary, run->samples, run->sample_count) != 0)
        fprintf(stderr, "fragbench: --record: cannot add the run's rows to %s: %s\n", matrix->trace_path,
                strerror(errno));
    struct stat with_rows; /* the size said is the trace's with its rows, as fb-trace info says it */
    if (stat(matrix->trace_path, &with_rows) == 0)
        recorded->summary.info.file_bytes = (uint64_t)with_rows.st_size;
    run->identity.recorded = true;
    run->identity.peak_live_kb = results_kb(recorded->summary.peak_live_bytes);
    run->identity.peak_live_known = trace_is_complete(&recorded->summary.info);
    run->identity.live_at_peak_rss_kb = results_kb(recorded->live_at_peak_rss_bytes);
    run->identity.live_at_peak_rss_known = recorded->live_at_peak_rss_known;
    return true;
}

/*
 * --record=FILE.zst: the trace, read and its rows added, is compressed into FILE.zst. Returns where the trace is for
 * the user: FILE.zst, or the raw file kept uncompressed where zstd is missing or failed (said, with why).
 */
const char *run_compress_trace(const struct run *run)
{
    const struct matrix *matrix = run->matrix;
    int compressed = recorded_compress(matrix->trace_path, matrix->trace_compressed);
    if (compressed == 0)
        return matrix->trace_display;
    fprintf(stderr, "fragbench: --record: %s: it is kept uncompressed in %s\n", recorded_compress_failure(compressed),
            matrix->trace_path);
    return matrix->trace_path;
}

void run_print_recorded(const struct run *run, FILE *out, const struct recorded *recorded, const char *path)
{
    const struct matrix *matrix = run->matrix;
    if (!trace_is_complete(&recorded->summary.info)) { /* said even when --quiet: the live heap after it is unknown */
        char state[256];
        trace_state_text(&recorded->summary.info, state, sizeof state);
        uint64_t calls = 0; /* the program's own calls: its marks and the recorder's notes are none */
        for (int op = 0; op < TRACE_OP_COUNT; op++)
            calls += trace_op_is_note(op) ? 0 : recorded->summary.op_counts[op];
        if (recorded->summary.info.last_image_events_chunks > 0 && calls > 0)
            fprintf(stderr, "fragbench: --record: the trace %s is %s (its replay: --replay-partial)\n", path, state);
        else if (recorded->summary.info.last_image_events_chunks > 0) /* a replay would make no call */
            fprintf(stderr, "fragbench: --record: the trace %s is %s, and holds no call of the program, only its "
                            "marks: nothing to replay (it died before a thread's calls were written: they are "
                            "written 64 KiB at a time)\n", path, state);
        else /* as the replay would refuse it */
            fprintf(stderr, "fragbench: --record: the trace %s is %s, and holds no events: nothing to replay (the "
                            "program made no call it recorded, or died before it wrote any: a thread's calls are "
                            "written 64 KiB at a time)\n", path,
                    state);
    }
    recorded_print(out, path, recorded, run->phases, run->phase_count, matrix->command, matrix->timeline != NULL);
    if (out)
        fflush(out);
}
