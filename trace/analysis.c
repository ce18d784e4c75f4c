/* Walks a trace once in time order, keeping the live set: the live heap at given times, its peak, the counts. */
#define _GNU_SOURCE
#include "analysis.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out_of_memory.h"

bool trace_path_is_compressed(const char *path)
{
    size_t length = strlen(path);
    return length > 4 && strcmp(path + length - 4, ".zst") == 0;
}

void trace_file_size_text(uint64_t bytes, char *out, size_t size)
{
    if (bytes >= 99950) /* what prints as 0.1 MB and up */
        snprintf(out, size, "%.1f MB", (double)bytes / 1e6);
    else if (bytes >= 1000)
        snprintf(out, size, "%.1f kB", (double)bytes / 1e3);
    else
        snprintf(out, size, "%" PRIu64 " bytes", bytes);
}

unsigned trace_size_class(uint64_t size)
{
    return size ? 64u - (unsigned)__builtin_clzll(size) : 0;
}

/* Counts an event the reader has applied, and follows the live heap's peak. */
static void count(struct trace_summary *summary, const struct trace_event *event)
{
    summary->op_counts[event->op]++;
    if (event->failed)
        summary->failed++;
    if (!event->pointer && event->op == TRACE_FREE)
        summary->null_frees++;
    if (event->order_error) {
        if (trace_op_releases(event->op))
            summary->unknown_releases++;
        else
            summary->double_allocations++;
    }
    if (event->pointer && !trace_op_releases(event->op) && !trace_op_is_note(event->op))
        summary->size_classes[trace_size_class(event->size)]++;
    if (event->live_bytes > summary->peak_live_bytes) {
        summary->peak_live_bytes = event->live_bytes;
        summary->peak_live_blocks = event->live_blocks;
        summary->peak_live_ns = event->ns;
    }
}

static int compare_points(const void *left, const void *right, void *points)
{
    const struct trace_point *base = points;
    uint64_t a = base[*(const size_t *)left].ns, b = base[*(const size_t *)right].ns;
    return a < b ? -1 : a > b;
}

/* Keeps a station after every station_step-th event of the last image; every other one goes when they fill. */
static void keep_station(struct trace_summary *summary, const struct trace_event *event)
{
    if (event->image + 1 != summary->info.images)
        return;
    uint64_t index = ++summary->last_image_events;
    if (index % summary->station_step)
        return;
    if (summary->station_count == TRACE_STATIONS) {
        size_t kept = 0;
        for (size_t i = 1; i < TRACE_STATIONS; i += 2) /* indexes 2, 4, 6... steps: the multiples of the new step */
            summary->stations[kept++] = summary->stations[i];
        summary->station_count = kept;
        summary->station_step *= 2;
        if (index % summary->station_step)
            return;
    }
    summary->stations[summary->station_count++] =
        (struct trace_station){.index = index, .ns = event->ns, .live_bytes = event->live_bytes};
}

bool trace_station_at(const struct trace_summary *summary, unsigned per_10000, struct trace_station *out)
{
    if (!summary->station_count)
        return false;
    uint64_t events = summary->last_image_events;
    uint64_t target = events / 10000 * per_10000 + events % 10000 * per_10000 / 10000;
    size_t best = 0;
    for (size_t i = 1; i < summary->station_count; i++) {
        uint64_t distance = summary->stations[i].index > target ? summary->stations[i].index - target
                                                                 : target - summary->stations[i].index;
        uint64_t best_distance = summary->stations[best].index > target ? summary->stations[best].index - target
                                                                        : target - summary->stations[best].index;
        if (distance < best_distance)
            best = i;
    }
    *out = summary->stations[best];
    return true;
}

static void answer(struct trace_point *point, const struct trace_summary *summary, uint64_t bytes, uint64_t blocks)
{
    point->live_bytes = bytes;
    point->live_blocks = blocks;
    point->known = point->ns <= trace_known_until(&summary->info);
}

int trace_analyze(const char *path, struct trace_point *points, size_t point_count, struct trace_summary *summary,
                  char *error, size_t error_size)
{
    struct trace_reader *reader = trace_open(path, error, error_size);
    struct trace_event event;
    size_t *order = calloc(point_count ? point_count : 1, sizeof *order), next_point = 0;
    uint64_t bytes = 0, blocks = 0;
    int status;
    if (!order)
        out_of_memory("the order of the trace's sample points", point_count ? point_count : 1, sizeof *order);
    memset(summary, 0, sizeof *summary);
    if (!reader) {
        free(order);
        return -1;
    }
    summary->info = *trace_info(reader);
    summary->station_step = 1;
    for (size_t i = 0; i < point_count; i++)
        order[i] = i;
    if (point_count > 1)
        qsort_r(order, point_count, sizeof *order, compare_points, points);
    while ((status = trace_next(reader, &event, error, error_size)) > 0) {
        for (; next_point < point_count && points[order[next_point]].ns < event.ns; next_point++)
            if (!points[order[next_point]].placed) {
                answer(&points[order[next_point]], summary, bytes, blocks);
                points[order[next_point]].placed = !points[order[next_point]].mark;
            }
        if (summary->events++ == 0)
            summary->first_ns = event.ns;
        summary->last_ns = event.ns;
        count(summary, &event);
        bytes = event.live_bytes;
        blocks = event.live_blocks;
        keep_station(summary, &event);
        /*
         * A point placed by its mark takes the live heap at the mark itself, whatever the clock says; one placed
         * by time that is not yet answered when its until_mark comes takes the heap there (a mark changes none).
         */
        for (size_t i = 0; event.op == TRACE_MARK && i < point_count; i++)
            if ((points[i].mark && points[i].mark == event.mark) ||
                (!points[i].placed && points[i].until_mark && points[i].until_mark == event.mark)) {
                answer(&points[i], summary, bytes, blocks);
                points[i].held_at_mark = !points[i].mark;
                points[i].placed = true;
            }
    }
    for (; next_point < point_count; next_point++)
        if (!points[order[next_point]].placed)
            answer(&points[order[next_point]], summary, bytes, blocks);
    summary->final_live_bytes = bytes;
    summary->final_live_blocks = blocks;
    free(order);
    trace_close(reader);
    summary->info.rows = NULL; /* the reader's, gone with it (the caller has the rows it gave) */
    summary->info.row_count = 0;
    if (status < 0) /* found part way (a chunk that does not read): said with the trace it is in, as trace_open does */
        trace_name_error(path, error, error_size);
    return status < 0 ? -1 : 0;
}
