/* Unit tests of the CSV writer (RFC 4180 quoting) and of the results rows it writes. */
#include <stdlib.h>

#include "check.h"
#include "csv.h"
#include "results.h"

/* Runs writer into a memory stream and returns what it wrote (caller frees). */
static char *written(void (*writer)(FILE *, const void *), const void *argument)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    writer(out, argument);
    fclose(out);
    return text;
}

static void write_fields(FILE *out, const void *argument)
{
    const char *const *values = argument;
    csv_write_row(out, values, 6);
}

static void fields_are_quoted_only_when_needed(void)
{
    const char *values[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "", "cr\r"};
    char *text = written(write_fields, values);
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
    char *text = written(write_header, NULL);
    CHECK_STR(text, "case,alloc,alloc_version,rep,seq,phase,elapsed_ms,vsz_kb,rss_kb,anon_kb,file_kb,live_kb,"
                    "allocs,status,allocator,scale,idle_ms,peak_rss_kb\r\n");
    free(text);
}

struct row_arguments {
    struct run_identity run;
    struct record phase;
    const char *status;
};

static void write_result_row(FILE *out, const void *argument)
{
    const struct row_arguments *row = argument;
    results_write_row(out, &row->run, &row->phase, row->status);
}

static void row_carries_every_value(void)
{
    struct row_arguments row = {
        .run = {.case_name = "frag", .profile = "jemalloc-decay0", .allocator = "jemalloc",
                .alloc_version = "5.3.0", .scale = "0.25", .idle_ms = 1000, .rep = 2, .peak_rss_kb = 120},
        .phase = {.type = RECORD_PHASE, .seq = 3, .label = "After idle, then", .elapsed_us = 1234567,
                  .vsz_kb = 100, .rss_kb = 90, .anon_kb = 80, .file_kb = 10, .live_bytes = 5000, .allocs = 1,
                  .has_live = true},
        .status = "signal:SIGSEGV",
    };
    char *text = written(write_result_row, &row);
    CHECK_STR(text, "frag,jemalloc-decay0,5.3.0,2,3,\"After idle, then\",1234.567,100,90,80,10,5,1,"
                    "signal:SIGSEGV,jemalloc,0.25,1000,120\r\n");
    free(text);
    row.phase.has_live = false; /* a program that does not know its live bytes leaves them empty */
    row.phase.elapsed_us = 5;
    text = written(write_result_row, &row);
    CHECK(strstr(text, ",0.005,100,90,80,10,,,signal:SIGSEGV,") != NULL);
    free(text);
}

int main(void)
{
    RUN_TEST(fields_are_quoted_only_when_needed);
    RUN_TEST(header_has_the_documented_columns_in_order);
    RUN_TEST(row_carries_every_value);
    return CHECK_EXIT_CODE();
}
