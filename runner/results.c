/* The results CSV: its columns and how one phase sample of one run becomes a row. */
#include "results.h"

#include <inttypes.h>

#include "csv.h"

const char *const result_columns[RESULT_COLUMN_COUNT] = {
    "case",  "alloc",   "alloc_version", "rep",    "seq",    "phase",
    "elapsed_ms", "vsz_kb", "rss_kb", "anon_kb", "file_kb", "live_kb",
    "allocs", "status", "allocator", "scale", "idle_ms", "peak_rss_kb",
};

void results_write_header(FILE *out)
{
    csv_write_row(out, result_columns, RESULT_COLUMN_COUNT);
}

void results_write_status_row(FILE *out, const struct run_identity *run, const char *status)
{
    char rep[16], idle[16];
    snprintf(rep, sizeof rep, "%u", run->rep);
    snprintf(idle, sizeof idle, "%u", run->idle_ms);
    const char *values[RESULT_COLUMN_COUNT] = {
        run->case_name, run->profile, run->alloc_version, rep, "0", "", "", "", "", "", "", "",
        "", status, run->allocator, run->scale, idle, "",
    };
    csv_write_row(out, values, RESULT_COLUMN_COUNT);
}

void results_write_row(FILE *out, const struct run_identity *run, const struct record *phase, const char *status)
{
    char rep[16], seq[24], elapsed[32], vsz[24], rss[24], anon[24], file[24], live[24] = "", allocs[24] = "";
    char idle[16], peak[24] = "";

    snprintf(rep, sizeof rep, "%u", run->rep);
    snprintf(seq, sizeof seq, "%" PRIu64, phase->seq);
    snprintf(elapsed, sizeof elapsed, "%" PRIu64 ".%03" PRIu64, phase->elapsed_us / 1000, phase->elapsed_us % 1000);
    snprintf(vsz, sizeof vsz, "%" PRIu64, phase->vsz_kb);
    snprintf(rss, sizeof rss, "%" PRIu64, phase->rss_kb);
    snprintf(anon, sizeof anon, "%" PRIu64, phase->anon_kb);
    snprintf(file, sizeof file, "%" PRIu64, phase->file_kb);
    if (phase->has_live) {
        snprintf(live, sizeof live, "%" PRIu64, (phase->live_bytes + 512) / 1024);
        snprintf(allocs, sizeof allocs, "%" PRIu64, phase->allocs);
    }
    snprintf(idle, sizeof idle, "%u", run->idle_ms);
    if (run->peak_rss_kb)
        snprintf(peak, sizeof peak, "%" PRIu64, run->peak_rss_kb);

    const char *values[RESULT_COLUMN_COUNT] = {
        run->case_name, run->profile, run->alloc_version, rep, seq, phase->label,
        elapsed, vsz, rss, anon, file, live,
        allocs, status, run->allocator, run->scale, idle, peak,
    };
    csv_write_row(out, values, RESULT_COLUMN_COUNT);
}
