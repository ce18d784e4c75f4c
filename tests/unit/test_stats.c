/* Unit tests of the report's statistics: medians, min and max, retained share of the peak, the 5% flag, failed reps. */
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "stats.h"

static const char header[] =
    "case,alloc,alloc_version,rep,seq,phase,elapsed_ms,vsz_kb,rss_kb,anon_kb,file_kb,live_kb,allocs,status,"
    "allocator,scale,idle_ms\r\n";

/* Writes a results CSV with header and rows to a temporary file and loads it; says why when it should have loaded. */
static int load_expecting(bool ok, const char *rows, struct dataset *dataset, char *path)
{
    char error[256];
    strcpy(path, "/tmp/fragbench-test-stats-XXXXXX");
    int fd = mkstemp(path);
    FILE *file = fdopen(fd, "w");
    fputs(header, file);
    fputs(rows, file);
    fclose(file);
    int result = dataset_load(path, dataset, error, sizeof error);
    if (result != 0 && ok)
        printf("  %s\n", error);
    return result;
}

#define load(rows, dataset, path) load_expecting(true, rows, dataset, path)

#define ROW(alloc, rep, seq, phase, rss, anon, status)                                                        \
    "frag," alloc ",5.3.0," #rep "," #seq "," phase ",1.000,1," #rss "," #anon ",0,0,0," status ",jemalloc,0.1,0\r\n"

static void medians_extremes_and_retained(void)
{
    struct dataset d;
    struct stats s;
    char path[64];
    /* Three reps; peaks 10000, 11000, 9000. After del: 5000, 5500, 9000 -> median 5500; retained 50%, 50%, 100%. */
    CHECK(load(ROW("j", 1, 1, "After alloc", 10000, 9000, "ok") ROW("j", 1, 2, "After del", 5000, 4000, "ok")
               ROW("j", 2, 1, "After alloc", 11000, 9500, "ok") ROW("j", 2, 2, "After del", 5500, 4500, "ok")
               ROW("j", 3, 1, "After alloc", 9000, 8000, "ok") ROW("j", 3, 2, "After del", 9000, 8500, "ok"),
               &d, path) == 0);
    stats_build(&d, &s);
    CHECK(s.count == 1 && s.cases[0].phase_count == 2 && s.cases[0].profile_count == 1);
    if (s.count == 1 && s.cases[0].profile_count == 1) {
        const struct profile_stats *p = &s.cases[0].profiles[0];
        CHECK_STR(s.cases[0].phases[0], "After alloc");
        CHECK_STR(s.cases[0].phases[1], "After del");
        CHECK(p->clean_reps == 3 && p->failed_reps == 0);
        CHECK(p->phases[0].rss_median == 10000 && p->phases[0].rss_min == 9000 && p->phases[0].rss_max == 11000);
        CHECK(p->phases[0].anon_median == 9000 && p->phases[0].retained_pct == 100.0);
        CHECK(p->phases[1].rss_median == 5500 && p->phases[1].rss_min == 5000 && p->phases[1].rss_max == 9000);
        CHECK(p->phases[1].retained_pct == 50.0);
        /* After alloc spreads (11000 - 9000) / 10000 = 20%, After del (9000 - 5000) / 5500 = 73%: both flagged. */
        CHECK(p->phases[0].disagree && p->phases[1].disagree);
        CHECK(p->phases[0].spread_pct > 19.99 && p->phases[0].spread_pct < 20.01);
    }
    stats_free(&s);
    dataset_free(&d);
    unlink(path);
}

static void a_spread_within_a_process_wobble_is_not_flagged(void)
{
    struct dataset d;
    struct stats s;
    char path[64];
    /* 2000 and 2600 kB: 26% of the median, but 600 kB, within SPREAD_FLOOR_KB: shown, not flagged. */
    CHECK(load(ROW("j", 1, 1, "Start", 2000, 1, "ok") ROW("j", 2, 1, "Start", 2600, 1, "ok"), &d, path) == 0);
    stats_build(&d, &s);
    if (s.count == 1 && s.cases[0].profile_count == 1) {
        const struct profile_stats *p = &s.cases[0].profiles[0];
        CHECK(p->phases[0].spread_pct > 26.0 && p->phases[0].spread_pct < 26.1 && !p->phases[0].disagree);
    } else
        CHECK(0);
    stats_free(&s);
    dataset_free(&d);
    unlink(path);
}

static void even_count_close_reps_and_failed_reps(void)
{
    struct dataset d;
    struct stats s;
    char path[64];
    /* Reps 1 and 2 clean and within 5%; rep 3 failed and left out; median of two: mean of both, rounded down. */
    CHECK(load(ROW("j", 1, 1, "After alloc", 1000, 1, "ok") ROW("j", 2, 1, "After alloc", 1041, 1, "ok")
               ROW("j", 3, 1, "After alloc", 5, 1, "signal:SIGSEGV"),
               &d, path) == 0);
    stats_build(&d, &s);
    if (s.count == 1 && s.cases[0].profile_count == 1) {
        const struct profile_stats *p = &s.cases[0].profiles[0];
        CHECK(p->clean_reps == 2 && p->failed_reps == 1);
        CHECK(p->phases[0].reps == 2 && p->phases[0].rss_median == 1020 && p->phases[0].rss_min == 1000);
        CHECK(!p->phases[0].disagree);
    } else
        CHECK(0);
    stats_free(&s);
    dataset_free(&d);
    unlink(path);
}

static void bad_numbers_and_missing_columns_are_errors(void)
{
    struct dataset d;
    char path[64], error[256];
    CHECK(load_expecting(false, ROW("j", 1, 1, "After alloc", 12x, 1, "ok"), &d, path) == -1);
    unlink(path);
    strcpy(path, "/tmp/fragbench-test-stats-XXXXXX");
    FILE *file = fdopen(mkstemp(path), "w");
    fputs("case,alloc\r\nfrag,glibc\r\n", file);
    fclose(file);
    CHECK(dataset_load(path, &d, error, sizeof error) == -1 && strstr(error, "no column 'allocator'"));
    unlink(path);
    CHECK(load_expecting(false, ROW("j", 0, 1, "After alloc", 1, 1, "ok"), &d, path) == -1);
    unlink(path);
}

static void a_run_that_failed_before_sampling_counts_as_failed(void)
{
    struct dataset d;
    struct stats s;
    char path[64];
    CHECK(load(ROW("j", 1, 1, "After alloc", 1000, 900, "ok")
               "frag,j,5.3.0,2,0,,,,,,,,,signal:SIGKILL,jemalloc,0.1,0\r\n",
               &d, path) == 0);
    stats_build(&d, &s);
    if (s.count == 1 && s.cases[0].profile_count == 1) {
        CHECK(s.cases[0].phase_count == 1);
        CHECK(s.cases[0].profiles[0].clean_reps == 1 && s.cases[0].profiles[0].failed_reps == 1);
        CHECK(s.cases[0].profiles[0].phases[0].reps == 1);
    } else
        CHECK(0);
    stats_free(&s);
    dataset_free(&d);
    unlink(path);
}

/* The cases' settings come from a case's row: a replay's or a command's rows, first in the file, have none. */
static void scale_and_idle_are_a_cases(void)
{
    struct dataset d;
    char path[64];
    CHECK(load("jq.trace,glibc,2.36,1,1,Start,1.000,1,10,5,0,0,0,ok,glibc,,\r\n" ROW("j", 1, 1, "After alloc", 1000, 900, "ok"),
               &d, path) == 0);
    CHECK_STR(d.scale, "0.1");
    CHECK_STR(d.idle_ms, "0");
    dataset_free(&d);
    unlink(path);
    CHECK(load("jq.trace,glibc,2.36,1,1,Start,1.000,1,10,5,0,0,0,ok,glibc,,\r\n", &d, path) == 0);
    CHECK_STR(d.scale, "");
    dataset_free(&d);
    unlink(path);
}

int main(void)
{
    RUN_TEST(medians_extremes_and_retained);
    RUN_TEST(scale_and_idle_are_a_cases);
    RUN_TEST(even_count_close_reps_and_failed_reps);
    RUN_TEST(a_spread_within_a_process_wobble_is_not_flagged);
    RUN_TEST(bad_numbers_and_missing_columns_are_errors);
    RUN_TEST(a_run_that_failed_before_sampling_counts_as_failed);
    return CHECK_EXIT_CODE();
}
