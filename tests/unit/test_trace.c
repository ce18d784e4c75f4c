/* Unit tests of the trace reader, the live set and the analysis, on traces built here byte by byte. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "check.h"
#include "live.h"
#include "reader.h"
#include "trace_builder.h"

/* ---- Tests. */

/* A size for a block: mostly small, now and then one that does not fit 32 bits (or just fits). */
static uint64_t test_size(unsigned seed)
{
    switch (seed % 97) {
    case 0: return UINT32_MAX;                   /* the first kept aside */
    case 1: return UINT32_MAX - 1;               /* the last kept in the slot */
    case 2: return ((uint64_t)1 << 40) + seed;   /* far beyond */
    default: return 1 + seed % 900;
    }
}

static void live_set_matches_a_plain_array_through_many_changes(void)
{
    enum { SLOTS = 5000 };
    enum mode { PLAIN, TAGGED, SMALL_TAGS };
    for (enum mode mode = PLAIN; mode <= SMALL_TAGS; mode++) {
        static uint64_t sizes[SLOTS], tags[SLOTS]; /* size 0: not live */
        memset(sizes, 0, sizeof sizes);
        struct live_set set;
        uint64_t bytes = 0, blocks = 0, got;
        unsigned seed = 7;
        if (mode == PLAIN)
            live_init(&set);
        else if (mode == TAGGED)
            live_init_tagged(&set);
        else
            live_init_small_tags(&set);
        for (int step = 0; step < 200000; step++) {
            seed = seed * 1103515245u + 12345u;
            size_t slot = (seed >> 8) % SLOTS;
            uint64_t pointer = 0x7f0000000000ull + slot * 48;
            if (sizes[slot] && seed % 7 == 0) { /* an address handed out again while live: replaced */
                uint64_t size = test_size(seed >> 3);
                CHECK(!live_add(&set, pointer, size));
                CHECK(mode == PLAIN || set.removed_tag == tags[slot]);
                bytes = bytes - sizes[slot] + size;
                sizes[slot] = size;
                tags[slot] = 0;
            } else if (sizes[slot]) {
                CHECK(live_remove(&set, pointer, &got) && got == sizes[slot]);
                CHECK(mode == PLAIN || set.removed_tag == tags[slot]);
                bytes -= sizes[slot];
                blocks--;
                sizes[slot] = 0;
            } else {
                sizes[slot] = test_size(seed >> 3);
                CHECK(live_add(&set, pointer, sizes[slot]));
                bytes += sizes[slot];
                blocks++;
                /* A tag at once (as a replay does), or later, or none; small tags up to their largest. */
                tags[slot] = mode == PLAIN ? 0 : mode == TAGGED ? (uint64_t)seed << 31 : seed % 3 == 0 ? UINT32_MAX : seed;
                if (seed % 5 == 0)
                    tags[slot] = 0;
                else
                    CHECK(live_set_tag(&set, pointer, tags[slot]));
            }
            if (step % 10007 == 0) { /* a tag set again on a block added long before */
                size_t other = (seed >> 4) % SLOTS;
                uint64_t other_pointer = 0x7f0000000000ull + other * 48;
                CHECK(live_set_tag(&set, other_pointer, 42) == (sizes[other] != 0));
                if (sizes[other] && mode != PLAIN)
                    tags[other] = 42;
            }
        }
        CHECK(set.bytes == bytes && set.blocks == blocks);
        CHECK(!live_remove(&set, 0x1234, &got));
        CHECK(!live_set_tag(&set, 0x1234, 1));
        /* Every block taken out again: each size and tag as it was, nothing left aside. */
        for (size_t slot = 0; slot < SLOTS; slot++)
            if (sizes[slot]) {
                CHECK(live_remove(&set, 0x7f0000000000ull + slot * 48, &got) && got == sizes[slot]);
                CHECK(mode == PLAIN || set.removed_tag == tags[slot]);
            }
        CHECK(set.bytes == 0 && set.blocks == 0);
        CHECK(!set.aside || set.aside->blocks == 0);
        CHECK((set.aside != NULL) == (mode == SMALL_TAGS)); /* the large sizes went aside only there */
        live_free(&set);
    }
}

static void threads_merge_in_time_with_releases_first(void)
{
    struct bytes trace;
    struct trace_event event;
    char error[256], order[256] = "";
    start_trace(&trace, TRACE_VERSION);
    /* Thread 0 allocates p, thread 1 frees it and, at the very same ns, thread 0 is handed p again. */
    const struct test_event zero[] = {{100, TRACE_MALLOC, 10, 0x1000}, {300, TRACE_MALLOC, 20, 0x1000}};
    const struct test_event one[] = {{300, TRACE_FREE, 0, 0x1000}, {400, TRACE_FREE, 0, 0x1000}};
    put_chunk(&trace, 0, 0, 50, zero, 2);
    put_chunk(&trace, 1, 0, 60, one, 2);
    end_trace(&trace);
    struct trace_reader *reader = trace_open(saved(&trace), error, sizeof error);
    CHECK(reader != NULL);
    while (reader && trace_next(reader, &event, error, sizeof error) > 0) {
        char item[32];
        snprintf(item, sizeof item, "%u:%s@%llu ", event.thread, trace_op_names[event.op], (unsigned long long)event.ns);
        strcat(order, item);
    }
    CHECK_STR(order, "0:malloc@100 1:free@300 0:malloc@300 1:free@400 ");
    trace_close(reader);
    struct trace_point points[] = {{.ns = 99}, {.ns = 100}, {.ns = 300}, {.ns = 1000}};
    struct trace_summary summary;
    CHECK(trace_analyze(path, points, 4, &summary, error, sizeof error) == 0);
    CHECK(points[0].live_bytes == 0 && points[1].live_bytes == 10 && points[2].live_bytes == 20);
    CHECK(points[3].live_bytes == 0 && points[3].known);
    CHECK(summary.unknown_releases == 0 && summary.double_allocations == 0 && summary.peak_live_bytes == 20);
    unlink(path);
}

/*
 * A byte of a chunk's events changed after they were written: from version 3 the chunk's check finds it (the
 * events alone may decode: a pointer's delta changed); a version 2 trace, which has no check, reads as it decodes.
 * A bit of the chunk's base time changed (its events 16 ns later, within every bound) is found too.
 */
static void a_changed_byte_fails_the_chunks_check_from_version_3(void)
{
    const struct test_event events[] = {{100, TRACE_MALLOC, 10, 0x1000}, {200, TRACE_FREE, 0, 0x1000}};
    for (unsigned version = TRACE_VERSION_CHECKED - 1; version <= TRACE_VERSION + 1; version++) {
        bool base_time = version > TRACE_VERSION; /* the last round: the version written, its base time changed */
        /* From version 4 the image and end blocks are each followed by their check block. */
        size_t check_size = version >= TRACE_VERSION_BLOCKS_CHECKED ? TRACE_CHECK_BLOCK_SIZE : 0;
        size_t base_time_at = TRACE_MAGIC_SIZE + TRACE_BLOCK_HEAD + TRACE_IMAGE_FIXED + 7 + check_size + TRACE_BLOCK_HEAD + 16;
        struct bytes trace;
        struct trace_event event;
        char error[256] = "";
        start_trace(&trace, base_time ? TRACE_VERSION : version);
        put_chunk(&trace, 0, 0, 50, events, 2);
        end_trace(&trace);
        if (base_time) {
            CHECK(trace_get_u64(trace.data + base_time_at) == 50);
            trace.data[base_time_at] ^= 16;
        } else
            trace.data[trace.size - check_size - TRACE_BLOCK_HEAD - TRACE_END_SIZE - 1] ^= 2; /* the free's pointer: 0x1000 -> 0x1001 */
        struct trace_reader *reader = trace_open(saved(&trace), error, sizeof error);
        CHECK(reader != NULL);
        int got = 0;
        unsigned events_read = 0;
        while (reader && (got = trace_next(reader, &event, error, sizeof error)) > 0)
            events_read++;
        if (version >= TRACE_VERSION_CHECKED) {
            CHECK(got < 0 && events_read == 0);
            CHECK(strstr(error, "corrupt trace: the chunk at byte ") != NULL);
            CHECK(strstr(error, "(thread 0) does not match its check: its bytes changed after they were written"));
        } else
            CHECK(got == 0 && events_read == 2 && event.order_error); /* a release of a block not live */
        trace_close(reader);
        unlink(path);
    }
}

/* A rows block of one row labelled label, as the runner appends it (mark 1 at 2 000 ns, 4 096 kB). */
static void put_rows(struct bytes *trace, const char *label)
{
    unsigned char rows[40 + 16] = {0};
    trace_put_u64(rows, 1);
    trace_put_u64(rows + 8, 2000);
    trace_put_u64(rows + 16, 4096);
    memcpy(rows + 40, label, strlen(label) + 1);
    put_block(trace, TRACE_BLOCK_ROWS, rows, 40 + strlen(label) + 1);
}

/*
 * From version 4 every block that is not a chunk is followed by its check block: a changed byte of the runner's
 * rows block, a block without its check and a check of another block are refused with exact messages; a trace cut
 * between a block and its check reads as cut, without that block; version 3's blocks, with no checks, still read.
 */
static void blocks_other_than_chunks_carry_their_check_from_version_4(void)
{
    const struct test_event events[] = {{100, TRACE_MALLOC, 10, 0x1000}};
    const size_t rows_at = TRACE_MAGIC_SIZE + TRACE_BLOCK_HEAD + TRACE_IMAGE_FIXED + 7 + TRACE_CHECK_BLOCK_SIZE;
    struct bytes trace;
    char error[256] = "";
    for (int round = 0; round < 4; round++) {
        start_trace(&trace, TRACE_VERSION);
        put_rows(&trace, "Built");
        put_chunk(&trace, 0, 0, 50, events, 1);
        end_trace(&trace);
        size_t check_at = rows_at + TRACE_BLOCK_HEAD + 40 + 6;
        if (round == 0) /* the row's RSS: 4 096 -> 4 097 kB */
            trace.data[rows_at + TRACE_BLOCK_HEAD + 16] ^= 1;
        else if (round == 1) /* its check's kind changed: no check after the block */
            trace.data[check_at] ^= 1;
        else if (round == 2) /* the check of another block */
            trace.data[check_at + TRACE_BLOCK_HEAD] ^= 0x80;
        else /* cut between the block and its check */
            trace.size = check_at + 6;
        struct trace_reader *reader = trace_open(saved(&trace), error, sizeof error);
        if (round < 3) {
            char expected[240];
            snprintf(expected, sizeof expected, "%s: corrupt trace: the rows block at byte %zu %s", path, rows_at,
                     round == 1 ? "has no check block after it"
                                : "does not match its check: its bytes changed after they were written");
            CHECK(reader == NULL && strcmp(error, expected) == 0);
            if (reader || strcmp(error, expected) != 0)
                fprintf(stderr, "  got '%s', expected '%s'\n", reader ? "(opened)" : error, expected);
        } else {
            CHECK(reader != NULL && trace_info(reader)->cut_block && trace_info(reader)->row_count == 0);
        }
        trace_close(reader);
        unlink(path);
    }
    /* Version 3: no check blocks, and none asked. */
    start_trace(&trace, TRACE_VERSION_BLOCKS_CHECKED - 1);
    put_rows(&trace, "Built");
    put_chunk(&trace, 0, 0, 50, events, 1);
    end_trace(&trace);
    struct trace_reader *reader = trace_open(saved(&trace), error, sizeof error);
    CHECK(reader != NULL && trace_info(reader)->row_count == 1 && trace_info(reader)->rows[0].rss_kb == 4096 &&
          !trace_info(reader)->cut_block);
    trace_close(reader);
    unlink(path);
}

static void a_longer_copy_of_a_chunk_replaces_the_shorter(void)
{
    struct bytes trace;
    struct trace_summary summary;
    char error[256];
    const struct test_event events[] = {{10, TRACE_MALLOC, 8, 0x2000}, {20, TRACE_MALLOC, 8, 0x3000}};
    start_trace(&trace, TRACE_VERSION);
    put_chunk(&trace, 0, 0, 0, events, 1); /* the exit's copy, taken while the thread still ran */
    put_chunk(&trace, 0, 0, 0, events, 2); /* the thread's own, later and longer */
    end_trace(&trace);
    CHECK(trace_analyze(saved(&trace), NULL, 0, &summary, error, sizeof error) == 0);
    CHECK(summary.events == 2 && summary.final_live_blocks == 2 && summary.info.gaps == 0);
    unlink(path);
}

static void a_failed_realloc_keeps_the_old_block(void)
{
    struct bytes trace;
    struct trace_summary summary;
    char error[256];
    const struct test_event events[] = {
        {10, TRACE_MALLOC, 100, 0x4000}, {20, TRACE_REALLOC_START, 0, 0x4000}, {21, TRACE_REALLOC, 1 << 30, 0},
        {30, TRACE_REALLOC_START, 0, 0x4000}, {31, TRACE_REALLOC, 300, 0x5000}};
    start_trace(&trace, TRACE_VERSION);
    put_chunk(&trace, 0, 0, 0, events, 5);
    end_trace(&trace);
    struct trace_point points[] = {{.ns = 25}, {.ns = 40}};
    CHECK(trace_analyze(saved(&trace), points, 2, &summary, error, sizeof error) == 0);
    CHECK(points[0].live_bytes == 100 && points[1].live_bytes == 300 && points[1].live_blocks == 1);
    CHECK(summary.failed == 1 && summary.op_counts[TRACE_REALLOC] == 2);
    unlink(path);
}

/*
 * A coarse clock stamps events up to a tick early: a mark taken after an outside sample may carry an earlier time
 * than the sample's. A point placed by time but no later than its until_mark takes the heap there; one whose time
 * comes first is placed by time; a point with its own mark takes the mark's heap whatever its time.
 */
static void a_point_by_time_is_held_at_its_until_mark(void)
{
    struct bytes trace;
    struct trace_summary summary;
    char error[256];
    const struct test_event events[] = {{100, TRACE_MALLOC, 10, 0x2000}, {100, TRACE_MARK, 7, 0},
                                        {100, TRACE_MALLOC, 20, 0x3000}, {200, TRACE_MARK, 8, 0},
                                        {300, TRACE_MALLOC, 40, 0x4000}};
    start_trace(&trace, TRACE_VERSION);
    put_chunk(&trace, 0, 0, 0, events, 5);
    end_trace(&trace);
    struct trace_point points[] = {{.ns = 150, .until_mark = 7}, {.ns = 150}, {.ns = 150, .until_mark = 8},
                                   {.ns = 250, .mark = 7}, {.ns = 1000, .until_mark = 8}};
    CHECK(trace_analyze(saved(&trace), points, 5, &summary, error, sizeof error) == 0);
    CHECK(points[0].live_bytes == 10 && points[0].held_at_mark);   /* held at mark 7, before the second malloc */
    CHECK(points[1].live_bytes == 30 && !points[1].held_at_mark);  /* by time: both mallocs at 100 */
    CHECK(points[2].live_bytes == 30 && !points[2].held_at_mark);  /* its time came before mark 8 */
    CHECK(points[3].live_bytes == 10 && !points[3].held_at_mark);  /* its own mark */
    CHECK(points[4].live_bytes == 30 && points[4].held_at_mark);   /* held at mark 8, before the malloc at 300 */
    unlink(path);
}

/*
 * On a coarse clock (the kernel's tick), events stamped in the step before a point's time may have come after it.
 * A point within_clock_step takes the largest live heap of those events (from the heap before them on), and the
 * event it holds after: here a sample half a step after a tick in which 3000 bytes were allocated and freed, where
 * the heap after the whole tick, 100 bytes, was once given as the heap at the peak of RSS. A point more than a
 * step after the tick, or on a precise clock, is placed by time as any other.
 */
static void a_point_within_a_coarse_step_takes_its_largest_heap(void)
{
    for (int coarse = 1; coarse >= 0; coarse--) {
        struct bytes trace;
        struct trace_summary summary;
        char error[256];
        uint64_t step, tick;
        put_burst_in_a_tick(&trace, coarse ? CLOCK_MONOTONIC_COARSE : CLOCK_MONOTONIC, &step, &tick);
        struct trace_point points[] = {{.ns = tick + step / 2, .within_clock_step = true},
                                       {.ns = tick + step / 2},
                                       {.ns = tick + 3 * step, .within_clock_step = true}};
        CHECK(trace_analyze(saved(&trace), points, 3, &summary, error, sizeof error) == 0);
        if (coarse)
            CHECK(points[0].live_bytes == 3100 && points[0].live_blocks == 3 && points[0].at_event == 3);
        else
            CHECK(points[0].live_bytes == 100 && points[0].at_event == 5);
        CHECK(points[1].live_bytes == 100 && points[1].at_event == 5);
        CHECK(points[2].live_bytes == 100 && points[2].at_event == 5);
        unlink(path);
    }
}

/*
 * The step's edges: an event stamped a whole step before the point's time came before it (not in the step), one
 * stamped at the point's time may have come after it (in the step). And a next mark inside the step bounds it: the
 * point takes the largest heap of the step's events before the mark (held there), not after.
 */
static void a_coarse_step_has_its_edges_and_a_mark_bounds_it(void)
{
    struct timespec resolution;
    CHECK(clock_getres(CLOCK_MONOTONIC_COARSE, &resolution) == 0);
    uint64_t step = (uint64_t)resolution.tv_sec * 1000000000u + (uint64_t)resolution.tv_nsec, p = 10 * step;
    const struct test_event edges[] = {{p - step, TRACE_MALLOC, 500, 0x1000}, {p - step, TRACE_FREE, 0, 0x1000},
                                       {p, TRACE_MALLOC, 700, 0x2000},        {p, TRACE_FREE, 0, 0x2000},
                                       {p + 1, TRACE_MALLOC, 900, 0x3000}};
    struct bytes trace;
    struct trace_summary summary;
    char error[256];
    start_trace_on_clock(&trace, TRACE_VERSION, CLOCK_MONOTONIC_COARSE);
    put_chunk(&trace, 0, 0, 0, edges, 5);
    end_trace(&trace);
    struct trace_point point = {.ns = p, .within_clock_step = true};
    CHECK(trace_analyze(saved(&trace), &point, 1, &summary, error, sizeof error) == 0);
    CHECK(point.live_bytes == 700 && point.at_event == 3 && point.at_event_ns == p);
    unlink(path);

    const struct test_event marked[] = {{p, TRACE_MALLOC, 1000, 0x2000}, {p, TRACE_MARK, 77, 0},
                                        {p, TRACE_MALLOC, 2000, 0x3000}, {p, TRACE_FREE, 0, 0x2000}};
    start_trace_on_clock(&trace, TRACE_VERSION, CLOCK_MONOTONIC_COARSE);
    put_chunk(&trace, 0, 0, 0, marked, 4);
    end_trace(&trace);
    point = (struct trace_point){.ns = p + step / 2, .until_mark = 77, .within_clock_step = true};
    CHECK(trace_analyze(saved(&trace), &point, 1, &summary, error, sizeof error) == 0);
    CHECK(point.live_bytes == 1000 && point.at_event == 1 && point.held_at_mark);
    unlink(path);
}

/*
 * An exec inside a point's step: the heap of the image before (5000 bytes) is not the one live at the point, which
 * takes the new image's largest (100 bytes, after its first event); an exec after the point leaves the heap of the
 * image before it as the point's.
 */
static void an_exec_in_a_coarse_step_starts_it_over(void)
{
    struct timespec resolution;
    CHECK(clock_getres(CLOCK_MONOTONIC_COARSE, &resolution) == 0);
    uint64_t step = (uint64_t)resolution.tv_sec * 1000000000u + (uint64_t)resolution.tv_nsec, tick = 5 * step;
    for (int after = 0; after <= 1; after++) {
        struct bytes trace;
        struct trace_summary summary;
        char error[256];
        uint64_t old_at = after ? tick - step : tick;
        const struct test_event old[] = {{old_at, TRACE_MALLOC, 5000, 0x1000}};
        const struct test_event new[] = {{tick, TRACE_MALLOC, 100, 0x2000}};
        start_trace_on_clock(&trace, TRACE_VERSION, CLOCK_MONOTONIC_COARSE);
        put_chunk(&trace, 0, 0, 0, old, 1);
        end_trace(&trace);
        put_exec(&trace, tick);
        put_chunk(&trace, 0, 0, 0, new, 1);
        end_trace(&trace);
        struct trace_point point = {.ns = after ? tick - step / 2 : tick + step / 2, .within_clock_step = true};
        CHECK(trace_analyze(saved(&trace), &point, 1, &summary, error, sizeof error) == 0);
        if (after)
            CHECK(point.live_bytes == 5000 && point.at_event == 0);
        else
            CHECK(point.live_bytes == 100 && point.at_event == 1);
        if (check_failures_in_test)
            printf("  exec %s the point: %llu bytes after event %llu (%s)\n", after ? "after" : "before",
                   (unsigned long long)point.live_bytes, (unsigned long long)point.at_event, error);
        unlink(path);
    }
}

/* The CPU notes and release calls of version 2 read back; a trace of version 1, without them, still reads. */
static void cpu_notes_read_back_and_version_1_still_reads(void)
{
    struct bytes trace;
    struct trace_event event;
    char error[256];
    for (unsigned version = TRACE_VERSION_OLDEST; version <= TRACE_VERSION; version++) {
        start_trace(&trace, version);
        const struct test_event notes[] = {{100, TRACE_CPU, 5000000, 0}, {100, TRACE_MALLOC, 10, 0x1000},
                                           {500, TRACE_TRIM, 64, 0}, {900, TRACE_CPU, 5200000, 0},
                                           {900, TRACE_FREE, 0, 0x1000}};
        const struct test_event calls[] = {{100, TRACE_MALLOC, 10, 0x1000}, {900, TRACE_FREE, 0, 0x1000}};
        if (version >= 2)
            put_chunk(&trace, 0, 0, 50, notes, 5);
        else
            put_chunk(&trace, 0, 0, 50, calls, 2);
        end_trace(&trace);
        struct trace_reader *reader = trace_open(saved(&trace), error, sizeof error);
        CHECK(reader != NULL);
        char seen[128] = "";
        while (reader && trace_next(reader, &event, error, sizeof error) > 0) {
            char item[48];
            snprintf(item, sizeof item, "%s:%llu:%llu;", trace_op_names[event.op],
                     (unsigned long long)(event.op == TRACE_CPU ? event.cpu_ns : event.size),
                     (unsigned long long)event.live_bytes);
            strncat(seen, item, sizeof seen - strlen(seen) - 1);
        }
        CHECK_STR(seen, version >= 2 ? "cpu:5000000:0;malloc:10:10;malloc_trim:64:10;cpu:5200000:10;free:10:0;"
                                     : "malloc:10:10;free:10:0;");
        if (reader)
            CHECK(trace_info(reader)->version == version);
        trace_close(reader);
        unlink(path);
    }
    /* Version 1 has no CPU notes: one there is a bad event. */
    start_trace(&trace, 1);
    const struct test_event note[] = {{100, TRACE_CPU, 5000000, 0}};
    put_chunk(&trace, 0, 0, 50, note, 1);
    end_trace(&trace);
    struct trace_reader *reader = trace_open(saved(&trace), error, sizeof error);
    CHECK(reader && trace_next(reader, &event, error, sizeof error) == -1 && strstr(error, "has a bad event"));
    trace_close(reader);
    unlink(path);
}

/* A thread's end (version 6) reads back as a note of that thread, its last event; before version 6 it is a bad event. */
static void thread_end_reads_back_from_version_6(void)
{
    struct bytes trace;
    struct trace_event event;
    char error[256];
    const struct test_event main_calls[] = {{100, TRACE_MALLOC, 10, 0x1000}, {900, TRACE_FREE, 0, 0x2000}};
    const struct test_event worker_calls[] = {{200, TRACE_MALLOC, 20, 0x2000}, {300, TRACE_THREAD_END, 0, 0}};
    for (unsigned version = 5; version <= 6; version++) {
        start_trace(&trace, version);
        put_chunk(&trace, 0, 0, 50, main_calls, 2);
        put_chunk(&trace, 1, 0, 150, worker_calls, 2);
        end_trace(&trace);
        struct trace_reader *reader = trace_open(saved(&trace), error, sizeof error);
        CHECK(reader != NULL);
        char seen[160] = "";
        int status = 0;
        while (reader && (status = trace_next(reader, &event, error, sizeof error)) > 0) {
            char item[48];
            snprintf(item, sizeof item, "%u:%s:%llu%s;", event.thread, trace_op_names[event.op],
                     (unsigned long long)event.live_bytes, event.thread_ends ? ":last" : "");
            strncat(seen, item, sizeof seen - strlen(seen) - 1);
        }
        if (version == 6)
            CHECK_STR(seen, "0:malloc:10;1:malloc:30;1:thread_end:30:last;0:free:10:last;");
        else
            CHECK(status == -1 && strstr(error, "has a bad event"));
        trace_close(reader);
        unlink(path);
    }
}

/* The number of events a trace reads to the end, or -1 with the error (a corrupt one). */
static int events_read_to_end(const struct bytes *trace, char *error, size_t error_size)
{
    struct trace_reader *reader = trace_open(saved(trace), error, error_size);
    struct trace_event event;
    int count = 0, got = -1;
    while (reader && (got = trace_next(reader, &event, error, error_size)) > 0)
        count++;
    trace_close(reader);
    unlink(path);
    return got < 0 ? -1 : count;
}

static void varints_of_every_length_read_back_and_overlong_ones_are_corrupt(void)
{
    struct bytes trace;
    struct trace_event event;
    char error[256];
    /* Sizes of 1 to 10 bytes each side of a length's edge (failed mallocs: a block past 2^57 bytes handed out is
       corrupt), and pointers whose distance is as wide (releases of blocks not live: read, as order errors). */
    struct test_event events[64];
    size_t count = 0;
    for (unsigned bits = 0; bits <= 63; bits += 7) {
        uint64_t edge = (uint64_t)1 << bits;
        events[count] = (struct test_event){100 + count, TRACE_MALLOC, edge - 1, 0};
        count++;
        events[count] = (struct test_event){100 + count, TRACE_MALLOC, edge, 0};
        count++;
        events[count] = (struct test_event){100 + count, TRACE_FREE, 0, (edge << 4 | 0x10) + 16 * count};
        count++;
    }
    events[count] = (struct test_event){100 + count, TRACE_MALLOC, UINT64_MAX, 0};
    count++;
    events[count] = (struct test_event){100 + count, TRACE_FREE, 0, 0xfffffffffffffff0ull};
    count++;
    events[count] = (struct test_event){100 + count, TRACE_MARK, UINT64_MAX, 0};
    count++;
    start_trace(&trace, TRACE_VERSION);
    put_chunk(&trace, 0, 0, 50, events, count);
    end_trace(&trace);
    struct trace_reader *reader = trace_open(saved(&trace), error, sizeof error);
    CHECK(reader != NULL);
    size_t read = 0;
    while (reader && trace_next(reader, &event, error, sizeof error) > 0 && read < count) {
        const struct test_event *want = &events[read++];
        CHECK(event.op == want->op && event.ns == want->ns);
        CHECK(event.op == TRACE_MARK ? event.mark == want->size : event.size == want->size && event.pointer == want->pointer);
    }
    CHECK(read == count);
    trace_close(reader);
    unlink(path);

    /* A failed malloc of size S (its pointer NULL), its varint written out here: every way it can go wrong. */
    static const struct {
        const char *what;
        unsigned char bytes[16];
        size_t length;
        int events; /* read to the end: the count, or -1 (corrupt) */
    } sizes[] = {
        {"ten bytes, the largest value", {0x10 | TRACE_MALLOC, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00}, 12, 1},
        {"ten bytes, a bit past 64", {0x10 | TRACE_MALLOC, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, 0x00}, 12, -1},
        {"eleven bytes", {0x10 | TRACE_MALLOC, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81, 0x00, 0x00}, 13, -1},
        {"cut at the chunk's end", {0x10 | TRACE_MALLOC, 0x80, 0x80}, 3, -1},
        {"no pointer after it", {0x10 | TRACE_MALLOC, 0x08}, 2, -1},
        {"a zero written long", {0x10 | TRACE_MALLOC, 0x80, 0x00, 0x00}, 4, 1},
    };
    /* Each alone in its chunk (the decoder checks every byte against the chunk's end), and the corrupt ones also
       with a whole event's longest encoding after them (it checks none: the event cannot reach the end); the
       padding reads as 14 failed malloc(0) of 3 bytes each, so a decoder that let the corrupt one through would
       read them all. */
    enum { PADDING = 42 };
    _Static_assert(PADDING >= TRACE_EVENT_MAX && PADDING % 3 == 0, "the padding: a whole number of events");
    for (size_t i = 0; i < 2 * (sizeof sizes / sizeof sizes[0]); i++) {
        size_t which = i % (sizeof sizes / sizeof sizes[0]);
        bool padded = i >= sizeof sizes / sizeof sizes[0];
        if (padded && (sizes[which].events >= 0 || sizes[which].length == 2))
            continue; /* a well formed one would read the padding as events; "no pointer" would read one */
        unsigned char bytes[sizeof sizes[0].bytes + PADDING] = {0};
        memcpy(bytes, sizes[which].bytes, sizes[which].length);
        start_trace(&trace, TRACE_VERSION);
        put_chunk_bytes(&trace, 0, 0, 50, bytes, sizes[which].length + (padded ? PADDING : 0));
        end_trace(&trace);
        int got = events_read_to_end(&trace, error, sizeof error);
        if (got != sizes[which].events)
            printf("  %s%s: %d events, expected %d\n", sizes[which].what, padded ? " (padded)" : "", got,
                   sizes[which].events);
        CHECK(got == sizes[which].events);
        CHECK(got >= 0 || strstr(error, "has a bad event") != NULL);
    }
}

static void bad_traces_get_exact_errors(void)
{
    struct bytes trace;
    char error[256];
    struct trace_event event;
    start_trace(&trace, 9);
    CHECK(trace_open(saved(&trace), error, sizeof error) == NULL);
    CHECK(strstr(error, "is a trace of format version 9; this fragbench reads versions 1 to 6 (a later fragbench wrote it, or its first bytes are damaged)") != NULL);
    trace.size = 0;
    CHECK(trace_open(saved(&trace), error, sizeof error) == NULL);
    CHECK(strstr(error, "is not a fragbench trace (it is empty: the program never started recording, or the file was not copied)") != NULL);
    /* Cut inside its magic: a trace's first bytes, said so. */
    start_trace(&trace, TRACE_VERSION);
    trace.size = 5;
    CHECK(trace_open(saved(&trace), error, sizeof error) == NULL);
    CHECK(strstr(error, "is not a fragbench trace (it is a trace's first bytes and no more: the file was cut short)") != NULL);
    /* Compressed by gzip, xz or bzip2, which the reader does not undo: said which, and that zstd's is read. */
    static const struct {
        const char *start, *said;
    } compressed[] = {{"\x1f\x8b\x08\x08\x00\x00\x00\x00", "compressed with gzip: gunzip it"},
                      {"\xfd" "7zXZ\x00\x00\x04", "compressed with xz: unxz it"},
                      {"BZh91AY&", "compressed with bzip2: bunzip2 it"}};
    for (size_t i = 0; i < sizeof compressed / sizeof compressed[0]; i++) {
        trace.size = 0;
        put(&trace, compressed[i].start, 8);
        put(&trace, "rest of the data", 16);
        CHECK(trace_open(saved(&trace), error, sizeof error) == NULL);
        CHECK(strstr(error, compressed[i].said) != NULL);
        CHECK(strstr(error, "fragbench reads a trace plain or compressed with zstd") != NULL);
    }
    /* Cut inside its image block (a copy in part): said so, not that the program never started recording. */
    start_trace(&trace, TRACE_VERSION);
    trace.size = TRACE_MAGIC_SIZE + 12;
    CHECK(trace_open(saved(&trace), error, sizeof error) == NULL);
    CHECK(strstr(error, "truncated trace: it ends inside its first block, before any call (the file was cut short") != NULL);
    trace.size = TRACE_MAGIC_SIZE; /* the magic alone: the recorder's file before the program's first call */
    CHECK(trace_open(saved(&trace), error, sizeof error) == NULL);
    CHECK(strstr(error, "not a whole trace: no image block (the program never started recording)") != NULL);
    /* An operation the format does not have. */
    start_trace(&trace, TRACE_VERSION);
    const struct test_event events[] = {{10, (enum trace_op)TRACE_OP_COUNT, 8, 0x10}};
    size_t chunk_at = trace.size; /* the message names the chunk's block where it starts, its head */
    put_chunk(&trace, 0, 0, 0, events, 1);
    struct trace_reader *reader = trace_open(saved(&trace), error, sizeof error);
    CHECK(reader != NULL);
    CHECK(reader && trace_next(reader, &event, error, sizeof error) == -1);
    char expected[96];
    snprintf(expected, sizeof expected, "corrupt trace: the chunk at byte %zu (thread 0) has a bad event", chunk_at);
    CHECK_STR(error, expected);
    trace_close(reader);
    unlink(path);
}

static void a_trace_cut_inside_a_block_reads_up_to_it(void)
{
    struct bytes trace;
    struct trace_summary summary;
    char error[256], state[256];
    const struct test_event events[] = {{10, TRACE_MALLOC, 8, 0x2000}, {20, TRACE_FREE, 0, 0x2000}};
    start_trace(&trace, TRACE_VERSION);
    put_chunk(&trace, 0, 0, 0, events, 2);
    put_chunk(&trace, 0, 1, 20, events, 1);
    trace.size -= 3; /* the program died while its last chunk was being written */
    CHECK(trace_analyze(saved(&trace), NULL, 0, &summary, error, sizeof error) == 0);
    CHECK(summary.events == 2 && summary.info.cut_block);
    trace_state_text(&summary.info, state, sizeof state);
    CHECK_STR(state, "truncated: the file ends inside a block (the program died while writing it, or the file was cut short)");
    unlink(path);
}

/*
 * A program ended by a signal it left to its default (the recorder wrote every call out first): the stop block
 * names the signal, and the trace is known to the stop's time however long the program was idle before it.
 */
static void a_stop_at_an_ending_signal_names_it_and_is_known_to_the_stop(void)
{
    struct bytes trace;
    char error[256], state[256];
    const struct test_event events[] = {{10, TRACE_MALLOC, 8, 0x2000}};
    start_trace(&trace, TRACE_VERSION);
    put_chunk(&trace, 0, 0, 0, events, 1);
    unsigned char stop[TRACE_STOP_SIZE] = {0};
    trace_put_u64(stop, 3000000000u); /* complete up to 3 s, long after the last call */
    trace_put_u32(stop + 16, TRACE_STOP_ENDING_SIGNAL);
    trace_put_u32(stop + 20, SIGTERM);
    put_block(&trace, TRACE_BLOCK_STOP, stop, sizeof stop);
    struct trace_reader *reader = trace_open(saved(&trace), error, sizeof error);
    CHECK(reader != NULL);
    if (reader) {
        const struct trace_info *info = trace_info(reader);
        trace_state_text(info, state, sizeof state);
        CHECK_STR(state, "stopped early (the program was ended by SIGTERM, every call written out first): complete up "
                         "to 3.000 s after the start");
        CHECK(trace_known_until(info) == 3000000000u);
        trace_close(reader);
    }
    unlink(path);
}

/*
 * The check before a replay judges each thread's chunks by that thread's own times: a thread whose first chunk
 * is empty, then starts before another thread's last event, is not "back in time"; one whose second chunk starts
 * before its first chunk's last event is.
 */
static void the_chunk_check_compares_a_thread_with_itself(void)
{
    struct bytes trace;
    char error[256];
    const struct test_event late[] = {{5000, TRACE_MALLOC, 8, 0x2000}}, early[] = {{2000, TRACE_MALLOC, 8, 0x3000}};
    start_trace(&trace, TRACE_VERSION);
    put_chunk(&trace, 0, 0, 4000, late, 1);
    put_chunk(&trace, 1, 0, 1000, NULL, 0);
    put_chunk(&trace, 1, 1, 2000, early, 1);
    struct trace_reader *reader = trace_open(saved(&trace), error, sizeof error);
    CHECK(reader && trace_check_chunks(reader, error, sizeof error) == 0);
    if (reader)
        trace_close(reader);
    start_trace(&trace, TRACE_VERSION);
    put_chunk(&trace, 0, 0, 4000, late, 1);
    put_chunk(&trace, 0, 1, 1000, early, 1);
    reader = trace_open(saved(&trace), error, sizeof error);
    CHECK(reader && trace_check_chunks(reader, error, sizeof error) == -1);
    CHECK(strstr(error, "corrupt trace: thread 0 goes back in time at byte") != NULL);
    if (reader)
        trace_close(reader);
    unlink(path);
}

/* An end block at a given time (end_trace's is at 0: no time, no bound). */
static void end_trace_at(struct bytes *out, uint64_t ns)
{
    unsigned char end[TRACE_END_SIZE] = {0};
    trace_put_u64(end, ns);
    put_block(out, TRACE_BLOCK_END, end, sizeof end);
}

/* Whether a trace of one chunk at base_ns holding events opens and checks, else the error (which must hold want). */
static void check_times(uint64_t base_ns, const struct test_event *events, size_t count, uint64_t end_ns,
                        const char *want)
{
    struct bytes trace;
    char error[256] = "";
    start_trace(&trace, TRACE_VERSION); /* started at 1000 ns */
    put_chunk(&trace, 0, 0, base_ns, events, count);
    end_trace_at(&trace, end_ns);
    struct trace_reader *reader = trace_open(saved(&trace), error, sizeof error);
    int checked = reader ? trace_check_chunks(reader, error, sizeof error) : -1;
    if (!want)
        CHECK(checked == 0);
    else {
        CHECK(checked == -1);
        CHECK(strstr(error, want) != NULL);
    }
    if (reader)
        trace_close(reader);
    unlink(path);
}

/*
 * A time beyond its image's bounds is corruption (a replay keeping the recorded gaps would wait for it): a chunk
 * timed past the end block's time and the margin, an event timed there by its delta, a chunk from before the
 * image started; within the margins, after the end block (exit handlers) and a coarse tick before the start, it is not.
 */
static void times_outside_their_image_are_corrupt(void)
{
    const uint64_t end = 5000, late = end + TRACE_LATE_NS;
    const struct test_event inside[] = {{late, TRACE_MALLOC, 8, 0x2000}},
                            past[] = {{2000, TRACE_MALLOC, 8, 0x2000}, {late + 1, TRACE_FREE, 0, 0x2000}};
    check_times(late, inside, 1, end, NULL);
    check_times(late + 1, NULL, 0, end, "is timed after its program's end");
    check_times(2000, past, 2, end, "has an event timed after its program's end");
    check_times(2000, past, 2, 0, NULL); /* no end time: no bound after */
    check_times(0, NULL, 0, end, NULL);  /* 1000 ns before the start: within a coarse tick */
    struct bytes trace;
    char error[256];
    unsigned char image[TRACE_IMAGE_FIXED + 8] = {0};
    start_trace(&trace, TRACE_VERSION);
    trace_put_u64(image + 16, 3 * TRACE_EARLY_NS); /* an exec'd image, 3 s later: its chunk at 1 s is corrupt */
    put_block(&trace, TRACE_BLOCK_IMAGE, image, TRACE_IMAGE_FIXED + 1);
    put_chunk(&trace, 0, 0, TRACE_EARLY_NS, inside, 0);
    CHECK(trace_open(saved(&trace), error, sizeof error) == NULL);
    CHECK(strstr(error, "is timed before its program started") != NULL);
    unlink(path);
}

/* A trace is complete exactly when its state reads "complete": each way of losing calls makes it incomplete. */
static void a_trace_is_complete_only_when_nothing_was_lost(void)
{
    struct trace_info clean = {.ended = true};
    char state[256];
    CHECK(trace_is_complete(&clean));
    trace_state_text(&clean, state, sizeof state);
    CHECK_STR(state, "complete");
    struct trace_info lost[6];
    for (int i = 0; i < 6; i++)
        lost[i] = clean;
    lost[0].stopped = true;
    lost[1].cut_block = true;
    lost[2].ended = false;
    lost[3].unended_images = 1;
    lost[4].gaps = 2;
    lost[5].exec_unrecorded = true;
    for (int i = 0; i < 6; i++) {
        CHECK(!trace_is_complete(&lost[i]));
        trace_state_text(&lost[i], state, sizeof state);
        CHECK(strcmp(state, "complete") != 0);
    }
}

static void a_trace_size_reads_in_the_unit_that_shows_it(void)
{
    char text[32];
    trace_file_size_text(12800000, text, sizeof text);
    CHECK_STR(text, "12.8 MB");
    trace_file_size_text(99950, text, sizeof text);
    CHECK_STR(text, "0.1 MB");
    trace_file_size_text(99949, text, sizeof text);
    CHECK_STR(text, "99.9 kB");
    trace_file_size_text(3249, text, sizeof text);
    CHECK_STR(text, "3.2 kB");
    trace_file_size_text(469, text, sizeof text);
    CHECK_STR(text, "469 bytes");
}

int main(void)
{
    RUN_TEST(live_set_matches_a_plain_array_through_many_changes);
    RUN_TEST(threads_merge_in_time_with_releases_first);
    RUN_TEST(a_longer_copy_of_a_chunk_replaces_the_shorter);
    RUN_TEST(a_changed_byte_fails_the_chunks_check_from_version_3);
    RUN_TEST(blocks_other_than_chunks_carry_their_check_from_version_4);
    RUN_TEST(a_failed_realloc_keeps_the_old_block);
    RUN_TEST(a_point_by_time_is_held_at_its_until_mark);
    RUN_TEST(a_point_within_a_coarse_step_takes_its_largest_heap);
    RUN_TEST(a_coarse_step_has_its_edges_and_a_mark_bounds_it);
    RUN_TEST(an_exec_in_a_coarse_step_starts_it_over);
    RUN_TEST(cpu_notes_read_back_and_version_1_still_reads);
    RUN_TEST(thread_end_reads_back_from_version_6);
    RUN_TEST(varints_of_every_length_read_back_and_overlong_ones_are_corrupt);
    RUN_TEST(bad_traces_get_exact_errors);
    RUN_TEST(a_trace_cut_inside_a_block_reads_up_to_it);
    RUN_TEST(a_trace_is_complete_only_when_nothing_was_lost);
    RUN_TEST(a_stop_at_an_ending_signal_names_it_and_is_known_to_the_stop);
    RUN_TEST(a_trace_size_reads_in_the_unit_that_shows_it);
    RUN_TEST(the_chunk_check_compares_a_thread_with_itself);
    RUN_TEST(times_outside_their_image_are_corrupt);
    return CHECK_EXIT_CODE();
}
