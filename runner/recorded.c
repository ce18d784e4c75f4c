/* A recorded run (--record): reads its trace after the run, sets the live heap beside each row's RSS, and tells the waste. */
#define _GNU_SOURCE
#include "recorded.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../trace/out_of_memory.h"
#include "growth.h"
#include "results.h"

/*
 * Appends length bytes (whole blocks) to the trace at path, all of them or none: a short write (a full disk, a file
 * size limit) is carried on until it fails, and the file is then cut back to its size before, so that it never
 * ends inside a block (a reader would take that for a program that died while writing). With only_started, a
 * file still empty (the program never started recording) is left so and 1 returned. 0, 1, or -1 with errno set.
 */
static int append_whole(const char *path, const unsigned char *bytes, size_t length, bool only_started)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat status;
    if (fstat(fd, &status) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    if (only_started && status.st_size == 0) {
        close(fd);
        return 1;
    }
    size_t done = 0;
    while (done < length) {
        ssize_t written = write(fd, bytes + done, length - done);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0) {
            if (written == 0)
                errno = ENOSPC;
            break;
        }
        done += (size_t)written;
    }
    int saved = errno;
    if (done < length && done > 0 && ftruncate(fd, status.st_size) != 0) {
        /* Not cut back: its reader will say that it ends inside a block. The write's error is the one told. */
    }
    if (close(fd) != 0 && done == length)
        return -1;
    errno = saved;
    return done == length ? 0 : -1;
}

int recorded_name_allocator(const char *path, const char *allocator, const char *version, const char *profile)
{
    unsigned char block[TRACE_BLOCK_HEAD + 256 + TRACE_CHECK_BLOCK_SIZE];
    size_t name_length = strlen(allocator) + 1, version_length = strlen(version) + 1, profile_length = strlen(profile) + 1;
    if (name_length + version_length + profile_length > sizeof block - TRACE_BLOCK_HEAD - TRACE_CHECK_BLOCK_SIZE) {
        errno = EINVAL;
        return -1;
    }
    char error[256];
    struct trace_reader *reader = trace_open(path, error, sizeof error);
    bool cut = reader && trace_info(reader)->cut_block;
    /* A chunk a thread was writing as the process ended, after the end block: cut off, so that the blocks added
       after it are not read as its events (the trace is whole before it). */
    off_t whole = reader && trace_info(reader)->cut_after_end ? (off_t)trace_info(reader)->cut_after_end_at : -1;
    trace_close(reader);
    if (whole >= 0 && truncate(path, whole) != 0)
        return -1;
    /* Not a trace (empty, never started, or spoilt: its reading says why), or one that ends inside a chunk, where a
       block after it would be read as that chunk's events: nothing is added. */
    if (!reader || cut)
        return 1;
    trace_put_u32(block, TRACE_BLOCK_ALLOCATOR);
    trace_put_u32(block + 4, (uint32_t)(name_length + version_length + profile_length));
    memcpy(block + TRACE_BLOCK_HEAD, allocator, name_length);
    memcpy(block + TRACE_BLOCK_HEAD + name_length, version, version_length);
    memcpy(block + TRACE_BLOCK_HEAD + name_length + version_length, profile, profile_length);
    size_t total = TRACE_BLOCK_HEAD + name_length + version_length + profile_length;
    trace_put_check_block(block + total, TRACE_BLOCK_ALLOCATOR, block + TRACE_BLOCK_HEAD, total - TRACE_BLOCK_HEAD);
    total += TRACE_CHECK_BLOCK_SIZE; /* the block and its check together */
    int appended = append_whole(path, block, total, true);
    return appended == 1 ? 0 : appended; /* never started: it stays empty, and says so */
}

/* When a row was taken, on CLOCK_MONOTONIC: its own t_ns, else its elapsed time after the run's start. */
static uint64_t row_ns(const struct phase_sample *row, uint64_t t0_us)
{
    return row->has_t_ns ? row->t_ns : (t0_us + row->elapsed_us) * 1000;
}

/* Closes the rows block started at block + start (length: where its payload ends) with its head and check. */
static size_t close_rows_block(unsigned char *block, size_t start, size_t length)
{
    trace_put_u32(block + start, TRACE_BLOCK_ROWS);
    trace_put_u32(block + start + 4, (uint32_t)(length - start - TRACE_BLOCK_HEAD));
    trace_put_check_block(block + length, TRACE_BLOCK_ROWS, block + start + TRACE_BLOCK_HEAD,
                          length - start - TRACE_BLOCK_HEAD);
    return length + TRACE_CHECK_BLOCK_SIZE;
}

/* A row of the rows block at its place (see close_rows_block): its fields, then its label. */
static size_t put_row(unsigned char *at, uint64_t mark, uint64_t ns, uint64_t rss_kb, uint64_t anon_kb,
                      uint64_t live_bytes, const char *label, size_t label_length)
{
    trace_put_u64(at, mark);
    trace_put_u64(at + 8, ns);
    trace_put_u64(at + 16, rss_kb);
    trace_put_u64(at + 24, anon_kb);
    trace_put_u64(at + 32, live_bytes);
    memcpy(at + 40, label, label_length);
    at[40 + label_length] = '\0';
    return 40 + label_length + 1;
}

/*
 * A station's RSS in the recording, for the replay's table and plot to set the recording beside the replays at every
 * 5% of the events: of the run's outside samples and marks that read the process, the one taken nearest to the
 * station, and only if it was taken within STATION_SAMPLE_NS of it and within a hundredth of the trace's events of
 * it (NULL: none so near). A fast program moves its RSS by megabytes between two samples 20 ms apart (jq: 2 MB in
 * the 4 ms between its 5% and the sample before it, which once stood for it, below its live heap); an idle one not
 * at all but by its allocator's timers: both bounds, so that the value is the program's at that point of its
 * calls. (Not by the live heap: a program that builds and frees has the same live heap at points whose RSS differ
 * by all it kept.) Where a sample stands among the events is recorded_read's answer for it (at_event: a mark's
 * exactly; an outside sample's, on a coarse clock, after every event of its clock's step).
 */
enum { STATION_SAMPLE_NS = 10000000, STATION_SAMPLE_EVENTS_PER = 100 };
static const struct timeline_sample *sample_near(const struct timeline_sample *samples, size_t count,
                                                 const struct trace_summary *events, const struct trace_station *station)
{
    const struct timeline_sample *nearest = NULL;
    uint64_t nearest_off = STATION_SAMPLE_NS + 1, events_off_most = events->last_image_events / STATION_SAMPLE_EVENTS_PER;
    for (size_t i = 0; i < count; i++) {
        uint64_t off = samples[i].ns > station->ns ? samples[i].ns - station->ns : station->ns - samples[i].ns;
        if (!samples[i].rss_kb || !samples[i].has_live || off >= nearest_off)
            continue;
        uint64_t made = samples[i].at_event;
        if ((made > station->index ? made - station->index : station->index - made) > events_off_most)
            continue;
        nearest = &samples[i];
        nearest_off = off;
    }
    return nearest;
}

int recorded_append_rows(const char *path, const struct phase_sample *rows, size_t row_count, uint64_t t0_us,
                         const struct recorded_peak *peak_seen, uint64_t live_at_peak_bytes,
                         const struct trace_summary *events, const struct timeline_sample *samples,
                         size_t sample_count)
{
    enum { EVENT_ROWS = 19 }; /* 5% to 95% */
    /*
     * As many rows blocks as the rows need, each within the payload a reader accepts (a program that marks
     * 400 000 phases has more than 16 MiB of rows): the reader adds up the rows of every rows block.
     */
    enum { ROW_MAX = 40 + FB_LABEL_MAX, BLOCK_OVERHEAD = TRACE_BLOCK_HEAD + TRACE_CHECK_BLOCK_SIZE };
    size_t rows_bytes = (row_count + 1 + EVENT_ROWS) * ROW_MAX, blocks = rows_bytes / (TRACE_MAX_PAYLOAD - ROW_MAX) + 1;
    unsigned char *block = malloc(rows_bytes + blocks * BLOCK_OVERHEAD);
    if (!block)
        out_of_memory("the rows block of a recorded run", 1, rows_bytes + blocks * BLOCK_OVERHEAD);
    size_t start = 0, length = TRACE_BLOCK_HEAD;
    /* None at or before the first row's event (Start): in a trace of a few events, 5% once came before Start. */
    uint64_t last_station = row_count ? rows[0].trace_at_event : 0;
    for (size_t i = 0; i <= row_count + EVENT_ROWS; i++) {
        bool peak = i == row_count, at_event = i > row_count;
        const struct phase_sample *row = i < row_count ? &rows[i] : NULL;
        struct trace_station station;
        char percent[FB_LABEL_MAX];
        /* The rows every 5% of the last image's events: up to where the trace holds every call (none beyond). */
        if (at_event && (!events || !trace_station_at(events, (unsigned)(i - row_count) * 500, &station) ||
                         station.ns > trace_known_until(&events->info)))
            continue;
        /* A trace of a few events has several stations at one event, the first at none: each kept once, after one. */
        if (at_event && station.index <= last_station)
            continue;
        if (at_event)
            last_station = station.index;
        if (at_event)
            snprintf(percent, sizeof percent, "%zu%%", (i - row_count) * 5);
        const char *label = peak ? "Recorded peak" : at_event ? percent : row->label;
        size_t label_length = strnlen(label, FB_LABEL_MAX - 1);
        if (length - start - TRACE_BLOCK_HEAD + 40 + label_length + 1 > TRACE_MAX_PAYLOAD) {
            start = close_rows_block(block, start, length);
            length = start + TRACE_BLOCK_HEAD;
        }
        if (peak)
            length += put_row(block + length, peak_seen->mark, peak_seen->ns, peak_seen->rss_kb, peak_seen->anon_kb,
                              live_at_peak_bytes, label, label_length);
        else if (at_event) {
            const struct timeline_sample *near = sample_near(samples, sample_count, events, &station);
            length += put_row(block + length, TRACE_ROW_AT_EVENT | station.index, station.ns, near ? near->rss_kb : 0,
                              near ? near->anon_kb : 0, station.live_bytes, label, label_length);
        }
        else
            length += put_row(block + length, row->trace_mark, row_ns(row, t0_us), row->rss_kb, row->anon_kb,
                              row->trace_live_bytes, label, label_length);
    }
    length = close_rows_block(block, start, length);
    int appended = append_whole(path, block, length, false); /* every block and its check, or none */
    int saved = errno;
    free(block);
    errno = saved;
    return appended;
}

int recorded_compress(const char *raw, const char *compressed)
{
    int status = 0;
    pid_t child = fork();
    if (child == 0) {
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC); /* its duplicate on 2 is not close-on-exec */
        if (null >= 0)
            dup2(null, STDERR_FILENO);
        execlp("zstd", "zstd", "-q", "-f", "--rm", "-o", compressed, "--", raw, (char *)NULL);
        _exit(errno == ENOENT ? 127 : 126); /* 127: not found, as a shell says it; else it could not be run */
    }
    pid_t waited = -1;
    while (child > 0 && (waited = waitpid(child, &status, 0)) < 0 && errno == EINTR)
        ; /* the runner's SIGINT and SIGTERM handlers do not restart it */
    if (child > 0 && waited == child && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    unlink(compressed);
    return child > 0 && waited == child && WIFEXITED(status) && WEXITSTATUS(status) == 127 ? RECORDED_ZSTD_MISSING : -1;
}

const char *recorded_compress_failure(int answer)
{
    return answer == RECORDED_ZSTD_MISSING ? "the zstd program is missing (apt-get install zstd)"
                                           : "zstd could not compress the trace";
}

uint64_t recorded_ideal_kb(const struct recorded *recorded, uint64_t live_bytes)
{
    return growth_ideal_kb(recorded->baseline_rss_kb, recorded->baseline_live_bytes, live_bytes, recorded->page_size);
}

/*
 * The first of the rows' marks taken after ns (0: none), of their numbers sorted (marks: mark_count of them). A
 * mark's number is the CLOCK_MONOTONIC time at which the recorder took it, the runner's clock: an outside sample
 * read at ns came before it, though a coarse trace clock may stamp that mark's event at or before ns; the sample is
 * placed no later. (A binary search: a scan of the rows for each sample grew with marks x samples.)
 */
static uint64_t next_mark(const uint64_t *marks, size_t mark_count, uint64_t ns)
{
    size_t low = 0, high = mark_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (marks[middle] <= ns)
            low = middle + 1;
        else
            high = middle;
    }
    return low < mark_count ? marks[low] : 0;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int by_time(const void *a, const void *b)
{
    const struct trace_point *x = a, *y = b;
    return (x->ns > y->ns) - (x->ns < y->ns);
}

/*
 * Whether the live heap, of the points known in time order before the one where it was largest (most_bytes at
 * most_ns), reached half of that and then fell below half: a program that works in rounds, freeing each, rather than
 * one that held ever more until it ended. Sorts points.
 */
static bool live_fell_before(struct trace_point *points, size_t count, uint64_t most_ns, uint64_t most_bytes)
{
    qsort(points, count, sizeof *points, by_time);
    bool reached = false;
    for (size_t i = 0; i < count && points[i].ns < most_ns; i++) {
        if (!points[i].known)
            continue;
        if (points[i].live_bytes * 2 >= most_bytes)
            reached = true;
        else if (reached)
            return true;
    }
    return false;
}

/* The time of the first known point after most_ns (points sorted by time) whose live heap is below half of most_bytes, or 0. */
static uint64_t live_halved_after(const struct trace_point *points, size_t count, uint64_t most_ns, uint64_t most_bytes)
{
    for (size_t i = 0; i < count; i++)
        if (points[i].known && points[i].ns > most_ns && points[i].live_bytes * 2 < most_bytes)
            return points[i].ns;
    return 0;
}

/*
 * The same two answers from the trace's own stations (its live heap every so many events, 2 048 over the run): the
 * runner's samples, 20 ms apart, miss a round's short rise and fall (a newcomer's program in rounds, stopped at
 * --duration, was told once in nine runs that it freed what it held only as it ended). Only where the trace holds
 * every call.
 */
static bool stations_fell_before(const struct trace_summary *summary, uint64_t most_ns, uint64_t most_bytes)
{
    uint64_t known = trace_known_until(&summary->info);
    bool reached = false;
    for (size_t i = 0; i < summary->station_count; i++) {
        const struct trace_station *station = &summary->stations[i];
        if (station->ns >= most_ns || station->ns > known)
            break;
        if (station->live_bytes * 2 >= most_bytes)
            reached = true;
        else if (reached)
            return true;
    }
    return false;
}

static uint64_t stations_halved_after(const struct trace_summary *summary, uint64_t most_ns, uint64_t most_bytes)
{
    uint64_t known = trace_known_until(&summary->info);
    for (size_t i = 0; i < summary->station_count && summary->stations[i].ns <= known; i++)
        if (summary->stations[i].ns > most_ns && summary->stations[i].live_bytes * 2 < most_bytes)
            return summary->stations[i].ns;
    return 0;
}

int recorded_read(const char *path, struct phase_sample *rows, size_t row_count, uint64_t t0_us,
                  struct timeline_sample *samples, size_t sample_count, struct recorded_peak *peak,
                  struct recorded *out, char *error, size_t error_size)
{
    size_t count = row_count + sample_count + 1;
    struct trace_point *points = calloc(count, sizeof *points);
    if (!points)
        out_of_memory("the runner's points of a recorded run", count, sizeof *points);
    for (size_t i = 0; i < row_count; i++) {
        points[i].ns = row_ns(&rows[i], t0_us);
        points[i].mark = rows[i].trace_mark;
    }
    for (size_t i = 0; i < sample_count; i++) {
        points[row_count + i].ns = samples[i].ns;
        points[row_count + i].mark = samples[i].mark;
    }
    points[count - 1].ns = peak->ns;
    points[count - 1].mark = peak->mark;
    points[count - 1].within_clock_step = true; /* its live heap: the largest its clock's step cannot place after it */
    uint64_t *marks = calloc(row_count + 1, sizeof *marks);
    size_t mark_count = 0;
    if (!marks)
        out_of_memory("the runner's list of a recorded run's marks", row_count + 1, sizeof *marks);
    for (size_t i = 0; i < row_count; i++)
        if (rows[i].trace_mark)
            marks[mark_count++] = rows[i].trace_mark;
    qsort(marks, mark_count, sizeof *marks, compare_u64);
    for (size_t i = 0; i < count; i++)
        if (!points[i].mark)
            points[i].until_mark = next_mark(marks, mark_count, points[i].ns);
    free(marks);
    memset(out, 0, sizeof *out);
    if (trace_analyze(path, points, count, &out->summary, error, error_size) != 0) {
        free(points);
        return -1;
    }
    out->page_size = out->summary.info.page_size >= 1024 ? out->summary.info.page_size : 4096;
    out->baseline_rss_kb = row_count ? rows[0].rss_kb : 0;
    out->baseline_live_bytes = row_count && points[0].known ? points[0].live_bytes : 0;
    out->peak_rss_kb = peak->rss_kb;
    out->peak_anon_kb = peak->anon_kb;
    for (size_t i = 0; i < row_count; i++) {
        rows[i].has_trace_live = points[i].known;
        rows[i].trace_live_bytes = points[i].live_bytes;
        rows[i].trace_blocks = points[i].live_blocks;
        rows[i].trace_at_event = points[i].known ? points[i].at_event : 0;
        rows[i].ideal_rss_kb = recorded_ideal_kb(out, points[i].live_bytes);
        rows[i].has_ideal = points[i].known;
    }
    for (size_t i = 0; i < sample_count; i++)
        if (points[row_count + i].known) {
            samples[i].has_live = true;
            samples[i].live_bytes = points[row_count + i].live_bytes;
            samples[i].at_event = points[row_count + i].at_event;
        }
    /* Where the program held the most, of the points the runner measured (rows and samples alike). */
    uint64_t most_ns = 0;
    for (size_t i = 0; i < row_count + sample_count; i++) {
        bool row = i < row_count;
        uint64_t rss = row ? rows[i].rss_kb : samples[i - row_count].rss_kb;
        uint64_t anon = row ? rows[i].anon_kb : samples[i - row_count].anon_kb;
        if (points[i].known && rss && anon && (!out->last_known || points[i].ns >= out->last_known_ns)) {
            out->last_known = true;
            out->last_known_rss_kb = rss;
            out->last_known_anon_kb = anon;
            out->last_known_live_bytes = points[i].live_bytes;
            out->last_known_ns = points[i].ns;
            out->last_known_row = row ? i : SIZE_MAX;
        }
        if (points[i].known && rss && anon && (!out->most_held_known || points[i].live_bytes > out->most_held_live_bytes)) {
            out->most_held_known = true;
            out->most_held_rss_kb = rss;
            out->most_held_anon_kb = anon;
            out->most_held_live_bytes = points[i].live_bytes;
            most_ns = points[i].ns;
        }
    }
    out->live_at_peak_rss_known = peak->rss_kb > 0 && points[count - 1].known;
    out->live_at_peak_rss_bytes = points[count - 1].live_bytes;
    /*
     * The replay samples it where its live heap was taken: after the event of the largest heap of its clock's step
     * (which a next mark, held_at_mark, only bounds), at its time then, so that it keeps its place among the rows
     * every 5% of the events, placed by their events' times too; or at the next mark, taken before its time came.
     */
    const struct trace_point *at_peak = &points[count - 1];
    if (!peak->mark && at_peak->in_step && at_peak->at_event) {
        peak->mark = TRACE_ROW_AT_EVENT | at_peak->at_event;
        peak->ns = at_peak->at_event_ns;
    } else if (!peak->mark && at_peak->until_mark && at_peak->held_at_mark)
        peak->mark = at_peak->until_mark;
    if (out->most_held_known) { /* (the peak's point last: it is a row's or a sample's again) */
        uint64_t most_bytes = out->most_held_live_bytes;
        out->live_fell_before_most_held = live_fell_before(points, row_count + sample_count, most_ns, most_bytes) ||
                                          stations_fell_before(&out->summary, most_ns, most_bytes);
        uint64_t sampled = live_halved_after(points, row_count + sample_count, most_ns, most_bytes);
        uint64_t counted = stations_halved_after(&out->summary, most_ns, most_bytes);
        out->live_halved_ns = !sampled ? counted : !counted || sampled < counted ? sampled : counted;
    }
    for (size_t i = 0; i < row_count + sample_count; i++)
        out->end_ns = points[i].ns > out->end_ns ? points[i].ns : out->end_ns;
    free(points);
    return 0;
}
