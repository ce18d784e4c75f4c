/* Unit tests of what the runner appends to a recorded trace (runner/recorded.c): whole blocks, or none. */
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "reader.h"
#include "recorded.h"
#include "trace_builder.h"

/* A trace as the recorder leaves it: its image, one chunk of a malloc and a free, its end. */
static const char *saved_program_trace(void)
{
    static struct bytes trace;
    const struct test_event events[] = {{2000, TRACE_MALLOC, 64, 0x10000}, {3000, TRACE_FREE, 0, 0x10000}};
    start_trace(&trace, TRACE_VERSION);
    put_chunk(&trace, 0, 0, 1000, events, 2);
    end_trace(&trace);
    return saved(&trace);
}

static off_t size_of(const char *file)
{
    struct stat status;
    return stat(file, &status) == 0 ? status.st_size : -1;
}

/* rows phases labelled "phase N of a run that marks many", each at N µs. */
static struct phase_sample *phases(size_t rows)
{
    struct phase_sample *phase = calloc(rows, sizeof *phase);
    if (!phase)
        abort();
    for (size_t i = 0; i < rows; i++) {
        snprintf(phase[i].label, sizeof phase[i].label, "phase %zu of a run that marks many", i);
        phase[i].rss_kb = 1000 + i;
        phase[i].elapsed_us = i;
    }
    return phase;
}

/*
 * A run that marks more phases than one block's payload holds (16 MiB: 400 000 rows of 74 bytes) gets its rows in
 * several rows blocks, which read back as one list, the peak's row last; in one block the whole trace was refused
 * as corrupt ("a block of N bytes").
 */
static void rows_beyond_a_blocks_payload_read_back_whole(void)
{
    enum { ROWS = 400000 };
    const char *trace_path = saved_program_trace();
    struct phase_sample *phase = phases(ROWS);
    struct recorded_peak peak = {.rss_kb = 9999, .ns = 2500};
    CHECK(recorded_append_rows(trace_path, phase, ROWS, 0, &peak, 64, NULL, NULL, 0) == 0);
    char error[256] = "";
    struct trace_reader *reader = trace_open(trace_path, error, sizeof error);
    CHECK(reader != NULL);
    if (!reader)
        printf("  the reader: %s\n", error);
    const struct trace_info *info = reader ? trace_info(reader) : NULL;
    CHECK(info && info->row_count == ROWS + 1);
    if (info && info->row_count == ROWS + 1) {
        CHECK_STR(info->rows[0].label, "phase 0 of a run that marks many");
        CHECK_STR(info->rows[ROWS - 1].label, "phase 399999 of a run that marks many");
        CHECK(info->rows[ROWS - 1].rss_kb == 1000 + ROWS - 1 && info->rows[ROWS - 1].ns == (ROWS - 1) * 1000ull);
        CHECK_STR(info->rows[ROWS].label, "Recorded peak");
        CHECK(info->rows[ROWS].rss_kb == 9999 && info->rows[ROWS].live_bytes == 64);
        CHECK(!info->cut_block);
    }
    trace_close(reader);
    free(phase);
    unlink(trace_path);
}

/*
 * An append that cannot be written whole (here a file size limit 60 bytes above the trace, as a full disk would)
 * fails with the write's error and leaves the trace as it was: not ending inside a block, which a reader would
 * report as a program that died while writing it. Once there is room, the same append succeeds.
 */
static void an_append_cut_short_leaves_the_trace_as_it_was(void)
{
    const char *trace_path = saved_program_trace();
    off_t before = size_of(trace_path);
    struct phase_sample *phase = phases(10);
    struct recorded_peak peak = {.rss_kb = 2000, .ns = 2500};
    struct rlimit limit, was;
    getrlimit(RLIMIT_FSIZE, &was);
    void (*handler)(int) = signal(SIGXFSZ, SIG_IGN);
    limit = was;
    limit.rlim_cur = (rlim_t)before + 60;
    CHECK(setrlimit(RLIMIT_FSIZE, &limit) == 0);
    errno = 0;
    CHECK(recorded_append_rows(trace_path, phase, 10, 0, &peak, 64, NULL, NULL, 0) == -1 && errno == EFBIG);
    CHECK(size_of(trace_path) == before);
    limit.rlim_cur = (rlim_t)before + 20; /* the allocator's block is 8 + 17 bytes and its check 12 */
    CHECK(setrlimit(RLIMIT_FSIZE, &limit) == 0);
    errno = 0;
    CHECK(recorded_name_allocator(trace_path, "glibc", "2.36", "glibc") == -1 && errno == EFBIG);
    CHECK(size_of(trace_path) == before);
    setrlimit(RLIMIT_FSIZE, &was);
    signal(SIGXFSZ, handler);
    char error[256] = "";
    struct trace_reader *reader = trace_open(trace_path, error, sizeof error);
    CHECK(reader && !trace_info(reader)->cut_block && trace_info(reader)->row_count == 0);
    trace_close(reader);
    CHECK(recorded_name_allocator(trace_path, "glibc", "2.36", "glibc-arena2") == 0);
    CHECK(recorded_append_rows(trace_path, phase, 10, 0, &peak, 64, NULL, NULL, 0) == 0);
    reader = trace_open(trace_path, error, sizeof error);
    CHECK(reader && !trace_info(reader)->cut_block && trace_info(reader)->row_count == 11);
    if (reader) {
        CHECK_STR(trace_info(reader)->allocator, "glibc");
        CHECK_STR(trace_info(reader)->allocator_version, "2.36");
        CHECK_STR(trace_info(reader)->allocator_profile, "glibc-arena2");
    }
    trace_close(reader);
    free(phase);
    unlink(trace_path);
}

/*
 * The peak of RSS, an outside sample half a clock step after a tick in which the program allocated 3000 bytes and
 * freed them (the recorder's coarse clock stamps all four calls with that tick): its live heap is the largest of
 * the tick's (3100 bytes, where it was 100, a peak RSS of 12 MB "holding" 5 kB in a recording of sqlite3), and its
 * row stands after the event of that heap, where a replay samples it (it sampled after the frees).
 */
static void the_peak_within_a_coarse_step_holds_its_largest_heap_and_stands_after_its_event(void)
{
    struct bytes trace;
    uint64_t step, tick;
    put_burst_in_a_tick(&trace, CLOCK_MONOTONIC_COARSE, &step, &tick);
    const char *trace_path = saved(&trace);
    struct recorded_peak peak = {.rss_kb = 12000, .ns = tick + step / 2};
    struct recorded recorded;
    char error[256] = "";
    CHECK(recorded_read(trace_path, NULL, 0, 0, NULL, 0, &peak, &recorded, error, sizeof error) == 0);
    CHECK(recorded.live_at_peak_rss_known && recorded.live_at_peak_rss_bytes == 3100);
    CHECK(peak.mark == (TRACE_ROW_AT_EVENT | 3));
    /* At that event's time, not the sample's: the rows every 5% of the events in the same tick (here after 4 and 5
       events) carry their events' times, and a replay takes rows in time order; at the sample's time, a step later,
       the peak was sampled after them, after the frees. */
    CHECK(peak.ns == tick);
    CHECK(recorded_append_rows(trace_path, NULL, 0, 0, &peak, recorded.live_at_peak_rss_bytes, &recorded.summary, NULL,
                               0) == 0);
    struct trace_reader *reader = trace_open(trace_path, error, sizeof error);
    const struct trace_info *info = reader ? trace_info(reader) : NULL;
    CHECK(info && info->row_count >= 2);
    if (info && info->row_count >= 2) {
        CHECK_STR(info->rows[0].label, "Recorded peak");
        CHECK(info->rows[0].mark == (TRACE_ROW_AT_EVENT | 3) && info->rows[0].live_bytes == 3100);
        CHECK(info->rows[0].ns == tick);
        bool later_in_the_tick = false; /* a 5% row after a later event of the same tick, at the same time */
        for (size_t i = 1; i < info->row_count; i++)
            later_in_the_tick |= info->rows[i].ns == tick && (info->rows[i].mark & ~TRACE_ROW_AT_EVENT) > 3;
        CHECK(later_in_the_tick);
    }
    trace_close(reader);
    unlink(trace_path);
}

/*
 * The program's next mark, taken after the peak's sample but stamped in the same tick after the frees: it bounds
 * the step, and the peak's live heap is the step's largest before it (3100 bytes); its row stands after that
 * heap's event, not at the mark (where the heap is 100 bytes: the row was put there, the live figure kept).
 */
static void a_mark_in_the_peaks_step_bounds_it_and_the_row_stands_at_its_heap(void)
{
    struct timespec resolution;
    CHECK(clock_getres(CLOCK_MONOTONIC_COARSE, &resolution) == 0);
    uint64_t step = (uint64_t)resolution.tv_sec * 1000000000u + (uint64_t)resolution.tv_nsec, tick = 5 * step;
    uint64_t mark = tick + step - 1; /* its number: the precise time it was taken, after the sample's */
    const struct test_event events[] = {{1000, TRACE_MALLOC, 100, 0x1000},  {tick, TRACE_MALLOC, 1000, 0x2000},
                                        {tick, TRACE_MALLOC, 2000, 0x3000}, {tick, TRACE_FREE, 0, 0x2000},
                                        {tick, TRACE_FREE, 0, 0x3000},      {tick, TRACE_MARK, mark, 0}};
    struct bytes trace;
    start_trace_on_clock(&trace, TRACE_VERSION, CLOCK_MONOTONIC_COARSE);
    put_chunk(&trace, 0, 0, 0, events, 6);
    end_trace(&trace);
    const char *trace_path = saved(&trace);
    struct phase_sample row = {.label = "after", .trace_mark = mark, .t_ns = mark, .has_t_ns = true, .rss_kb = 11000};
    struct recorded_peak peak = {.rss_kb = 12000, .ns = tick + step / 2};
    struct recorded recorded;
    char error[256] = "";
    CHECK(recorded_read(trace_path, &row, 1, 0, NULL, 0, &peak, &recorded, error, sizeof error) == 0);
    CHECK(recorded.live_at_peak_rss_bytes == 3100 && row.trace_live_bytes == 100);
    CHECK(peak.mark == (TRACE_ROW_AT_EVENT | 3) && peak.ns == tick);
    unlink(trace_path);
}

/*
 * A file that does not read as a trace (the first bytes of one, a trace's magic and no more) gets no allocator block:
 * it was appended, and the file's reading then told of a block in the place of its cut.
 */
static void a_file_that_is_no_trace_gets_no_allocator_block(void)
{
    char path[] = "/tmp/fragbench-test-notrace-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0 && write(fd, "FBTRAC", 6) == 6);
    close(fd);
    CHECK(recorded_name_allocator(path, "glibc", "2.36", "glibc") == 1);
    CHECK(size_of(path) == 6);
    unlink(path);
}

/*
 * The rows every 5% of the events take the RSS of an outside sample only where one was taken within 10 ms and a
 * hundredth of the events of them: a program's RSS moves by megabytes between samples 20 ms apart (the nearest within
 * 100 ms once put jq's sample of 4 ms before its 5% row there, 2 MB below its live heap). 1 000 mallocs, one a
 * millisecond, but events 301 to 400, made in the same millisecond (300 ms): a burst.
 */
static void a_rows_recorded_rss_is_a_sample_near_it_in_time_and_in_events(void)
{
    enum { EVENTS = 1000 };
    static struct test_event events[EVENTS];
    for (uint64_t k = 1; k <= EVENTS; k++)
        events[k - 1] = (struct test_event){(k > 300 && k <= 400 ? 300 : k) * 1000000, TRACE_MALLOC, 16, k * 0x100};
    struct bytes trace;
    start_trace_on_clock(&trace, TRACE_VERSION, CLOCK_MONOTONIC);
    put_chunk(&trace, 0, 0, 0, events, EVENTS);
    end_trace(&trace);
    const char *trace_path = saved(&trace);
    struct recorded_peak peak = {.rss_kb = 9000, .ns = 999 * 1000000ull};
    struct recorded recorded;
    char error[256] = "";
    struct timeline_sample samples[] = {
        {.ns = 53 * 1000000ull, .rss_kb = 5000},   /* 3 ms and 3 events after 5%: its */
        {.ns = 120 * 1000000ull, .rss_kb = 6000},  /* 20 ms after 10%: none's */
        {.ns = 300500000ull, .rss_kb = 7000},      /* in the burst's ms, after its 400th event: 40%'s, not 30%'s or 35%'s */
    };
    /* recorded_read places each sample among the events (at_event), as for a run */
    CHECK(recorded_read(trace_path, NULL, 0, 0, samples, 3, &peak, &recorded, error, sizeof error) == 0);
    CHECK(samples[0].has_live && samples[0].at_event == 53 && samples[2].at_event == 400);
    CHECK(recorded_append_rows(trace_path, NULL, 0, 0, &peak, recorded.live_at_peak_rss_bytes, &recorded.summary,
                               samples, 3) == 0);
    struct trace_reader *reader = trace_open(trace_path, error, sizeof error);
    const struct trace_info *info = reader ? trace_info(reader) : NULL;
    char got[256] = "";
    for (size_t i = 0; info && i < info->row_count; i++)
        if (info->rows[i].rss_kb && strcmp(info->rows[i].label, "Recorded peak") != 0)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s %llu;", info->rows[i].label,
                     (unsigned long long)info->rows[i].rss_kb);
    CHECK_STR(got, "5% 5000;40% 7000;");
    trace_close(reader);
    unlink(trace_path);
}

/*
 * A program in rounds, each freed to a twentieth, sampled only at the top of its last round (the runner's samples,
 * 20 ms apart, miss a short round's rise and fall): its live heap fell before it held the most, as the trace's own
 * stations tell, and it is not a program that held ever more and freed it only as it ended.
 */
static void a_round_the_samples_missed_is_seen_in_the_traces_stations(void)
{
    enum { ROUNDS = 3, BLOCKS = 20 };
    static struct test_event events[ROUNDS * (2 * BLOCKS - 1)];
    size_t n = 0;
    uint64_t ms = 1000000, address = 0x100000;
    for (unsigned r = 0; r < ROUNDS; r++) {
        uint64_t start = 1 + r * 300;
        for (unsigned b = 0; b < BLOCKS; b++)
            events[n++] = (struct test_event){(start + b) * ms, TRACE_MALLOC, 1 << 20, address + (r * BLOCKS + b) * 0x200000};
        for (unsigned b = 0; b + 1 < BLOCKS; b++) /* one block of each round kept */
            events[n++] = (struct test_event){(start + BLOCKS + b) * ms, TRACE_FREE, 0, address + (r * BLOCKS + b) * 0x200000};
    }
    struct bytes trace;
    start_trace_on_clock(&trace, TRACE_VERSION, CLOCK_MONOTONIC);
    put_chunk(&trace, 0, 0, 0, events, n);
    end_trace(&trace);
    const char *trace_path = saved(&trace);
    struct timeline_sample top = {.ns = (601 + BLOCKS) * ms - ms / 2, .rss_kb = 30000, .anon_kb = 28000};
    struct recorded_peak peak = {.rss_kb = 30000, .ns = top.ns};
    struct recorded recorded;
    char error[256] = "";
    CHECK(recorded_read(trace_path, NULL, 0, 0, &top, 1, &peak, &recorded, error, sizeof error) == 0);
    CHECK(recorded.most_held_known && recorded.most_held_live_bytes == (uint64_t)(BLOCKS + 2) << 20);
    CHECK(recorded.live_fell_before_most_held);
    CHECK(recorded.live_halved_ns == (601 + BLOCKS + BLOCKS / 2 + 1) * ms);
    unlink(trace_path);
}

int main(void)
{
    RUN_TEST(rows_beyond_a_blocks_payload_read_back_whole);
    RUN_TEST(an_append_cut_short_leaves_the_trace_as_it_was);
    RUN_TEST(a_file_that_is_no_trace_gets_no_allocator_block);
    RUN_TEST(the_peak_within_a_coarse_step_holds_its_largest_heap_and_stands_after_its_event);
    RUN_TEST(a_mark_in_the_peaks_step_bounds_it_and_the_row_stands_at_its_heap);
    RUN_TEST(a_rows_recorded_rss_is_a_sample_near_it_in_time_and_in_events);
    RUN_TEST(a_round_the_samples_missed_is_seen_in_the_traces_stations);
    return CHECK_EXIT_CODE();
}
