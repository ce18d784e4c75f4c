/* Unit tests of the CSV writer (RFC 4180 quoting) and of the results rows it writes. */
#include <stdlib.h>

#include "check.h"
#include "csv.h"
#include "results.h"

static void write_fields(FILE *out, const void *argument)
{
    const char *const *values = argument;
    csv_write_row(out, values, 6);
}

static void fields_are_quoted_only_when_needed(void)
{
    const char *values[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "", "cr\r"};
    char *text = check_written(write_fields, values);
    CHECK_STR(text, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,\"cr\r\"\r\n");
    free(text);
}

static void write_header(FILE *out, const void *argument)
{
    (void)argument;
    results_write_header(out);
}

static void header_has_the_documented_columns_in_order(void)
{
    char *text = check_written(write_header, NULL);
    CHECK_STR(text, "case,alloc,alloc_version,rep,seq,phase,elapsed_ms,vsz_kb,rss_kb,anon_kb,file_kb,live_kb,"
                    "allocs,alloc_in_use_kb,alloc_free_kb,alloc_os_kb,overhead_pct,status,allocator,scale,idle_ms,threads,"
                    "peak_rss_kb,lazyfree_kb,anon_huge_kb,runtime,busy_ms,child_peak_kb,trace_live_kb,trace_blocks,"
                    "ideal_rss_kb,peak_live_kb,live_at_peak_rss_kb,recorded_ms,recorded_rss_kb,trace_events,recorded_anon_kb,"
                    "recorded_alloc\r\n");
    free(text);
}

struct row_arguments {
    struct run_identity run;
    struct phase_sample phase;
    const char *status;
};

static void write_result_row(FILE *out, const void *argument)
{
    const struct row_arguments *row = argument;
    results_write_row(out, &row->run, &row->phase, row->status);
}

static void write_status_row(FILE *out, const void *argument)
{
    const struct row_arguments *row = argument;
    results_write_status_row(out, &row->run, row->status);
}

static void row_carries_every_value(void)
{
    struct row_arguments row = {
        .run = {.case_name = "frag", .profile = "jemalloc-decay0", .allocator = "jemalloc",
                .alloc_version = "5.3.0", .scale = "0.25", .idle_ms = 1000, .threads = 8, .rep = 2,
                .peak_rss_kb = 120, .runtime = "CPython 3.11.2 (/usr/bin/python3.11)", .busy_ms = 812.0625,
                .recorded = true, .peak_live_kb = 77, .peak_live_known = true, .live_at_peak_rss_kb = 66,
                .live_at_peak_rss_known = true, .recorded_profile = "glibc"},
        .phase = {.seq = 3, .label = "After idle, then", .elapsed_us = 1234567,
                  .vsz_kb = 100, .rss_kb = 90, .anon_kb = 80, .file_kb = 10, .live_bytes = 5000, .allocs = 1,
                  .has_live = true, .alloc_in_use_bytes = 6143, .alloc_free_bytes = 1536, .alloc_os_bytes = 81920,
                  .has_alloc_in_use = true, .has_alloc_free = true, .has_alloc_os = true, .lazyfree_kb = 7,
                  .anon_huge_kb = 2048, .has_smaps = true, .child_peak_kb = 512000, .has_child_peak = true,
                  .trace_live_bytes = 4607, .trace_blocks = 3, .ideal_rss_kb = 44, .has_trace_live = true, .has_ideal = true,
                  .recorded_us = 2500042, .has_recorded = true, .recorded_rss_kb = 86828, .has_recorded_rss = true,
                  .trace_events = 1234, .has_trace_events = true, .recorded_anon_kb = 84000, .has_recorded_anon = true},
        .status = "signal:SIGSEGV",
    };
    /* KiB rounded to the nearest (6143 B: 6, 1536 B: 2); overhead (80 KiB - 5000 B) / 5000 B = 1538.4%. */
    char *text = check_written(write_result_row, &row);
    CHECK_STR(text, "frag,jemalloc-decay0,5.3.0,2,3,\"After idle, then\",1234.567,100,90,80,10,5,1,6,2,80,1538.4,"
                    "signal:SIGSEGV,jemalloc,0.25,1000,8,120,7,2048,CPython 3.11.2 (/usr/bin/python3.11),812.062,512000,"
                    "4,3,44,77,66,2500.042,86828,1234,84000,glibc\r\n");
    free(text);
    /* A program that does not know its live bytes, an allocator that tells nothing, a case without threads,
       a native program, and a phase whose smaps_rollup the runner could not read. */
    row.phase.has_live = row.phase.has_alloc_in_use = row.phase.has_alloc_free = row.phase.has_alloc_os = false;
    row.phase.has_smaps = false;
    row.phase.has_child_peak = false;
    row.phase.has_trace_live = row.phase.has_ideal = false;
    row.phase.has_recorded = row.phase.has_recorded_rss = row.phase.has_trace_events = false; /* not a replay */
    row.phase.has_recorded_anon = false;
    row.run.recorded_profile = NULL;
    row.run.live_at_peak_rss_known = false; /* the peak of live is known, the live heap at the peak of RSS not */
    row.run.threads = 0;
    row.run.runtime = NULL;
    row.phase.elapsed_us = 5;
    row.run.busy_ms = 0; /* a run that never started has no busy time */
    text = check_written(write_result_row, &row);
    CHECK(strstr(text, ",0.005,100,90,80,10,,,,,,,signal:SIGSEGV,jemalloc,0.25,1000,,120,,,,,,,,,77,,,,,,\r\n") != NULL);
    free(text);
    row.run.peak_live_known = false; /* a trace that does not hold every call: the run's peak live is unknown */
    text = check_written(write_result_row, &row);
    CHECK(strstr(text, ",1000,,120,,,,,,,,,,,,,,,\r\n") != NULL);
    free(text);
    row.run.peak_live_known = true;
    /* Zero live bytes: no overhead percentage (it would divide by zero). */
    row.phase.has_live = true;
    row.phase.live_bytes = 0;
    text = check_written(write_result_row, &row);
    CHECK(strstr(text, ",80,10,0,1,,,,,signal:SIGSEGV,") != NULL);
    free(text);
    /* A command's or a replay's run: the cases' --scale and --idle-ms do not reach it, and its row says none. */
    row.run.scale = NULL;
    text = check_written(write_result_row, &row);
    CHECK(strstr(text, ",signal:SIGSEGV,jemalloc,,,,120,") != NULL);
    free(text);
    text = check_written(write_status_row, &row);
    CHECK(strstr(text, ",signal:SIGSEGV,jemalloc,,,,,") != NULL);
    free(text);
    /* A replay's failed run: its row names the profile its trace was recorded under, as its rows would. */
    row.run.recorded_profile = "glibc";
    text = check_written(write_status_row, &row);
    CHECK(strstr(text, ",,,,,,,,,,,glibc\r\n") != NULL);
    free(text);
}

int main(void)
{
    RUN_TEST(fields_are_quoted_only_when_needed);
    RUN_TEST(header_has_the_documented_columns_in_order);
    RUN_TEST(row_carries_every_value);
    return CHECK_EXIT_CODE();
}
