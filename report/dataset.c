/* Loads a results CSV written by the runner (compare.csv) into typed phase samples. */
#include "dataset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The columns the report reads, and where each goes. */
enum column { COL_CASE, COL_ALLOC, COL_ALLOCATOR, COL_VERSION, COL_REP, COL_SEQ, COL_PHASE, COL_RSS, COL_ANON,
              COL_STATUS, COL_SCALE, COL_IDLE, COLUMN_COUNT };
static const char *const column_names[COLUMN_COUNT] = {
    "case", "alloc", "allocator", "alloc_version", "rep", "seq", "phase", "rss_kb", "anon_kb",
    "status", "scale", "idle_ms",
};

/* Columns a results file may lack (it predates them); their cells may be empty. */
enum optional_column { OPT_LIVE, OPT_FREE, OPT_CHILD_PEAK, OPT_PEAK_RSS, OPT_TRACE_LIVE, OPT_IDEAL, OPT_PEAK_LIVE,
                       OPT_LIVE_AT_PEAK, OPT_RECORDED_RSS, OPT_TRACE_EVENTS, OPT_RECORDED_ANON, OPT_THREADS,
                       OPT_RECORDED_ALLOC, OPT_BUSY, OPT_RECORDED_MS, OPT_ELAPSED, OPTIONAL_COUNT };
static const char *const optional_names[OPTIONAL_COUNT] = {"live_kb", "alloc_free_kb", "child_peak_kb", "peak_rss_kb",
                                                           "trace_live_kb", "ideal_rss_kb", "peak_live_kb",
                                                           "live_at_peak_rss_kb", "recorded_rss_kb", "trace_events",
                                                           "recorded_anon_kb", "threads", "recorded_alloc", "busy_ms",
                                                           "recorded_ms", "elapsed_ms"};

static int number(const char *text, uint64_t *out)
{
    char *end;
    if (*text < '0' || *text > '9')
        return -1;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno || *end)
        return -1;
    *out = value;
    return 0;
}

/* An optional number: -1 when the column is absent or the cell empty; -2 when the cell is not a number. */
static int64_t optional_number(const struct csv_table *table, size_t row, long column)
{
    uint64_t value;
    const char *text = column >= 0 ? csv_cell(table, row, (size_t)column) : "";
    if (!*text)
        return -1;
    return number(text, &value) || value > INT64_MAX ? -2 : (int64_t)value;
}

/* An optional time in ms: -1 when the column is absent or the cell empty; -2 when the cell is not a time. */
static double optional_ms(const struct csv_table *table, size_t row, long column)
{
    char *end;
    const char *text = column >= 0 ? csv_cell(table, row, (size_t)column) : "";
    if (!*text)
        return -1;
    if (*text < '0' || *text > '9')
        return -2;
    errno = 0;
    double value = strtod(text, &end);
    return errno || *end || value > 1e12 ? -2 : value;
}

int dataset_load(const char *path, struct dataset *out, char *error, size_t error_size)
{
    long at[COLUMN_COUNT], optional_at[OPTIONAL_COUNT];
    memset(out, 0, sizeof *out);
    if (csv_load(path, &out->table, error, error_size) != 0)
        return -1;
    for (int c = 0; c < COLUMN_COUNT; c++)
        if ((at[c] = csv_column(&out->table, column_names[c])) < 0) {
            snprintf(error, error_size, "%s: no column '%s' in the header", path, column_names[c]);
            csv_free(&out->table);
            return -1;
        }
    for (int c = 0; c < OPTIONAL_COUNT; c++)
        optional_at[c] = csv_column(&out->table, optional_names[c]);
    out->count = out->table.rows - 1;
    out->rows = calloc(out->count + 1, sizeof *out->rows);
    if (!out->rows)
        abort();
    for (size_t r = 1; r < out->table.rows; r++) {
        struct sample_row *row = &out->rows[r - 1];
        uint64_t rep, seq;
        const char *text;
#define CELL_AT(column) csv_cell(&out->table, r, (size_t)(column))
#define CELL(c) CELL_AT(at[c])
        row->case_name = CELL(COL_CASE);
        row->alloc = CELL(COL_ALLOC);
        row->allocator = CELL(COL_ALLOCATOR);
        row->version = CELL(COL_VERSION);
        row->phase = CELL(COL_PHASE);
        row->status = CELL(COL_STATUS);
        row->clean = strcmp(row->status, "ok") == 0;
        const char *bad = NULL;
        if (number(text = CELL(COL_REP), &rep) || rep == 0 || rep > 1000000)
            bad = "rep";
        else if (number(text = CELL(COL_SEQ), &seq) || seq > 1000000)
            bad = "seq";
        /* seq 0: a run that failed before its first sample; its row has no numbers. */
        else if (seq > 0 && number(text = CELL(COL_RSS), &row->rss_kb))
            bad = "rss_kb";
        else if (seq > 0 && number(text = CELL(COL_ANON), &row->anon_kb))
            bad = "anon_kb";
        int64_t *optional[] = {&row->live_kb,        &row->alloc_free_kb, &row->child_peak_kb,
                               &row->peak_rss_kb,    &row->trace_live_kb, &row->ideal_rss_kb,
                               &row->peak_live_kb,   &row->live_at_peak_rss_kb, &row->recorded_rss_kb,
                               &row->trace_events,   &row->recorded_anon_kb};
        for (int c = OPT_LIVE; !bad && c <= OPT_RECORDED_ANON; c++)
            if ((*optional[c] = optional_number(&out->table, r, optional_at[c])) == -2) {
                bad = optional_names[c];
                text = CELL_AT(optional_at[c]);
            }
        double *times[] = {&row->busy_ms, &row->recorded_ms, &row->elapsed_ms};
        for (int c = OPT_BUSY; !bad && c <= OPT_ELAPSED; c++)
            if ((*times[c - OPT_BUSY] = optional_ms(&out->table, r, optional_at[c])) == -2) {
                bad = optional_names[c];
                text = CELL_AT(optional_at[c]);
            }
        row->threads = optional_at[OPT_THREADS] >= 0 ? CELL_AT(optional_at[OPT_THREADS]) : "";
        row->recorded_alloc = optional_at[OPT_RECORDED_ALLOC] >= 0 ? CELL_AT(optional_at[OPT_RECORDED_ALLOC]) : "";
        if (bad) {
            snprintf(error, error_size, "%s: row %zu: %s '%s' is not valid", path, r + 1, bad, text);
            dataset_free(out);
            return -1;
        }
        row->rep = (unsigned)rep;
        row->seq = (unsigned)seq;
#undef CELL
#undef CELL_AT
    }
    /* The cases' settings, from the first row that has them (a command's and a replay's rows have none). */
    out->scale = out->idle_ms = "";
    for (size_t r = 1; r <= out->count && !*out->scale; r++) {
        out->scale = csv_cell(&out->table, r, (size_t)at[COL_SCALE]);
        out->idle_ms = csv_cell(&out->table, r, (size_t)at[COL_IDLE]);
    }
    return 0;
}

void dataset_free(struct dataset *dataset)
{
    free(dataset->rows);
    csv_free(&dataset->table);
    memset(dataset, 0, sizeof *dataset);
}
