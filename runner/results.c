/* The results CSV: its columns and how one phase sample of one run becomes a row. */
#include "results.h"

#include <inttypes.h>

#include "csv.h"
#include "sampler.h"

const char *const result_columns[RESULT_COLUMN_COUNT] = {
    "case", "alloc", "alloc_version", "rep", "seq", "phase",
    "elapsed_ms", "vsz_kb", "rss_kb", "anon_kb", "file_kb", "live_kb",
    "allocs", "alloc_in_use_kb", "alloc_free_kb", "alloc_os_kb", "overhead_pct", "status",
    "allocator", "scale", "idle_ms", "threads", "peak_rss_kb", "lazyfree_kb", "anon_huge_kb", "runtime",
    "busy_ms", "child_peak_kb", "trace_live_kb", "trace_blocks", "ideal_rss_kb", "peak_live_kb",
    "live_at_peak_rss_kb", "recorded_ms", "recorded_rss_kb", "trace_events", "recorded_anon_kb", "recorded_alloc",
};

void results_write_header(FILE *out)
{
    csv_write_row(out, result_columns, RESULT_COLUMN_COUNT);
}

uint64_t results_kb(uint64_t bytes)
{
    return bytes / 1024 + (bytes % 1024 >= 512);
}

/* A count of bytes as whole kB, rounded; "" when unknown. */
static void format_kb(char *out, size_t size, bool known, uint64_t bytes)
{
    if (known)
        snprintf(out, size, "%" PRIu64, results_kb(bytes));
    else
        out[0] = '\0';
}

/* The process's anonymous memory above what the program holds, as a percentage of what it holds. */
static void format_overhead(char *out, size_t size, const struct phase_sample *phase)
{
    out[0] = '\0';
    if (phase->has_live && phase->live_bytes > 0) {
        double anon = (double)phase->anon_kb * 1024.0, live = (double)phase->live_bytes;
        snprintf(out, size, "%.1f", (anon - live) / live * 100.0);
    }
}

static void format_threads(char *out, size_t size, const struct run_identity *run)
{
    if (run->threads)
        snprintf(out, size, "%" PRIu64, run->threads);
    else
        out[0] = '\0';
}

/* The cases' --idle-ms; "" for a command or a replay (scale NULL), which the cases' settings do not reach. */
static void format_idle(char *out, size_t size, const struct run_identity *run)
{
    if (run->scale)
        snprintf(out, size, "%u", run->idle_ms);
    else
        out[0] = '\0';
}

/* The run's busy time in ms with three decimals; "" when not known. */
static void format_busy(char *out, size_t size, const struct run_identity *run)
{
    if (run->busy_ms > 0)
        snprintf(out, size, "%.3f", run->busy_ms);
    else
        out[0] = '\0';
}

void results_write_status_row(FILE *out, const struct run_identity *run, const char *status)
{
    char rep[16], idle[16], threads[24], busy[32];
    snprintf(rep, sizeof rep, "%u", run->rep);
    format_busy(busy, sizeof busy, run);
    format_idle(idle, sizeof idle, run);
    format_threads(threads, sizeof threads, run);
    const char *values[RESULT_COLUMN_COUNT] = {
        run->case_name, run->profile, run->alloc_version, rep, "0", "",
        "", "", "", "", "", "",
        "", "", "", "", "", status,
        run->allocator, run->scale ? run->scale : "", idle, threads, "", "", "", run->runtime ? run->runtime : "",
        busy, "", "", "", "", "", "", "", "", "", "", run->recorded_profile ? run->recorded_profile : "",
    };
    csv_write_row(out, values, RESULT_COLUMN_COUNT);
}

void results_write_row(FILE *out, const struct run_identity *run, const struct phase_sample *phase, const char *status)
{
    char rep[16], seq[24], elapsed[32], vsz[24], rss[24], anon[24], file[24], live[24], allocs[24] = "";
    char in_use[24], free_kb[24], os[24], overhead[32], idle[16], threads[24], peak[24] = "", lazyfree[24] = "",
         huge[24] = "", busy[32], child_peak[24] = "", trace_live[24] = "", trace_blocks[24] = "", ideal[24] = "",
         peak_live[24] = "", live_at_peak[24] = "", recorded_ms[32] = "", recorded_rss[24] = "",
         trace_events[24] = "", recorded_anon[24] = "";

    format_busy(busy, sizeof busy, run);
    snprintf(rep, sizeof rep, "%u", run->rep);
    snprintf(seq, sizeof seq, "%" PRIu64, phase->seq);
    snprintf(elapsed, sizeof elapsed, "%" PRIu64 ".%03" PRIu64, phase->elapsed_us / 1000, phase->elapsed_us % 1000);
    snprintf(vsz, sizeof vsz, "%" PRIu64, phase->vsz_kb);
    snprintf(rss, sizeof rss, "%" PRIu64, phase->rss_kb);
    snprintf(anon, sizeof anon, "%" PRIu64, phase->anon_kb);
    snprintf(file, sizeof file, "%" PRIu64, phase->file_kb);
    format_kb(live, sizeof live, phase->has_live, phase->live_bytes);
    if (phase->has_live)
        snprintf(allocs, sizeof allocs, "%" PRIu64, phase->allocs);
    format_kb(in_use, sizeof in_use, phase->has_alloc_in_use, phase->alloc_in_use_bytes);
    format_kb(free_kb, sizeof free_kb, phase->has_alloc_free, phase->alloc_free_bytes);
    format_kb(os, sizeof os, phase->has_alloc_os, phase->alloc_os_bytes);
    format_overhead(overhead, sizeof overhead, phase);
    format_idle(idle, sizeof idle, run);
    format_threads(threads, sizeof threads, run);
    if (run->peak_rss_kb)
        snprintf(peak, sizeof peak, "%" PRIu64, run->peak_rss_kb);
    if (phase->has_child_peak)
        snprintf(child_peak, sizeof child_peak, "%" PRIu64, phase->child_peak_kb);
    if (phase->has_trace_live) {
        format_kb(trace_live, sizeof trace_live, true, phase->trace_live_bytes);
        snprintf(trace_blocks, sizeof trace_blocks, "%" PRIu64, phase->trace_blocks);
    }
    if (phase->has_ideal)
        snprintf(ideal, sizeof ideal, "%" PRIu64, phase->ideal_rss_kb);
    if (run->recorded) {
        if (run->peak_live_known)
            snprintf(peak_live, sizeof peak_live, "%" PRIu64, run->peak_live_kb);
        if (run->live_at_peak_rss_known)
            snprintf(live_at_peak, sizeof live_at_peak, "%" PRIu64, run->live_at_peak_rss_kb);
    }
    if (phase->has_recorded)
        snprintf(recorded_ms, sizeof recorded_ms, "%" PRIu64 ".%03" PRIu64, phase->recorded_us / 1000,
                 phase->recorded_us % 1000);
    if (phase->has_recorded_rss)
        snprintf(recorded_rss, sizeof recorded_rss, "%" PRIu64, phase->recorded_rss_kb);
    if (phase->has_recorded_anon)
        snprintf(recorded_anon, sizeof recorded_anon, "%" PRIu64, phase->recorded_anon_kb);
    if (phase->has_trace_events)
        snprintf(trace_events, sizeof trace_events, "%" PRIu64, phase->trace_events);
    if (phase->has_smaps) {
        snprintf(lazyfree, sizeof lazyfree, "%" PRIu64, phase->lazyfree_kb);
        if (phase->anon_huge_kb != SMAPS_UNKNOWN_KB)
            snprintf(huge, sizeof huge, "%" PRIu64, phase->anon_huge_kb);
    }

    const char *values[RESULT_COLUMN_COUNT] = {
        run->case_name, run->profile, run->alloc_version, rep, seq, phase->label,
        elapsed, vsz, rss, anon, file, live,
        allocs, in_use, free_kb, os, overhead, status,
        run->allocator, run->scale ? run->scale : "", idle, threads, peak, lazyfree, huge, run->runtime ? run->runtime : "",
        busy, child_peak, trace_live, trace_blocks, ideal, peak_live, live_at_peak, recorded_ms, recorded_rss,
        trace_events, recorded_anon, run->recorded_profile ? run->recorded_profile : "",
    };
    csv_write_row(out, values, RESULT_COLUMN_COUNT);
}
