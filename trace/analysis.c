/* Walks a trace once in time order, keeping the live set: the live heap at given times, its peak, the counts. */
#define _GNU_SOURCE
#include "analysis.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* The live heap after the events applied so far, and how many of the last image's they were (0: the last applied was another image's). */
struct live_now {
    uint64_t bytes, blocks, at_event;
};

static void answer(struct trace_point *point, const struct trace_summary *summary, const struct live_now *now)
{
    if (!point->in_step) { /* (in its step, it holds the best of the step's events already) */
        point->live_bytes = now->bytes;
        point->live_blocks = now->blocks;
        point->at_event = now->at_event;
    }
    point->known = point->ns <= trace_known_until(&summary->info);
}

/* The step of the trace's clock where it is coarse (the events it cannot order against a time), else 0. */
static uint64_t clock_step_ns(const struct trace_info *info)
{
    struct timespec step;
    if (info->clock_id != CLOCK_MONOTONIC_COARSE || clock_getres(CLOCK_MONOTONIC_COARSE, &step) != 0)
        return 0;
    return (uint64_t)step.tv_sec * 1000000000u + (uint64_t)step.tv_nsec;
}

/*
 * Before an event stamped ns: each point within_clock_step, not answered, whose step (a clock step before its
 * time) the event falls in begins to keep the best live heap, from the heap before the event on.
 */
static void begin_steps(struct trace_point *points, const size_t *stepped, size_t count, uint64_t step_ns,
                        uint64_t ns, const struct live_now *now)
{
    for (size_t i = 0; i < count; i++) {
        struct trace_point *point = &points[stepped[i]];
        if (!point->placed && !point->in_step && ns + step_ns > point->ns) {
            point->in_step = true;
            point->live_bytes = now->bytes;
            point->live_blocks = now->blocks;
            point->at_event = now->at_event;
        }
    }
}

/* After an event stamped ns: each point in its step, not answered, keeps the live heap if it is the largest yet. */
static void keep_steps_best(struct trace_point *points, const size_t *stepped, size_t count, uint64_t ns,
                            const struct live_now *now)
{
    for (size_t i = 0; i < count; i++) {
        struct trace_point *point = &points[stepped[i]];
        if (point->in_step && !point->placed && ns <= point->ns && now->bytes > point->live_bytes) {
            point->live_bytes = now->bytes;
            point->live_blocks = now->blocks;
            point->at_event = now->at_event;
        }
    }
}

int trace_analyze(const char *path, struct trace_point *points, size_t point_count, struct trace_summary *summary,
                  char *error, size_t error_size)
{
    struct trace_reader *reader = trace_open(path, error, error_size);
    struct trace_event event;
    size_t *order = calloc(point_count ? point_count : 1, sizeof *order), next_point = 0;
    size_t *stepped = calloc(point_count ? point_count : 1, sizeof *stepped), stepped_count = 0;
    struct live_now now = {0};
    int status;
    if (!order || !stepped)
        out_of_memory("the order of the trace's sample points", point_count ? point_count : 1, sizeof *order);
    memset(summary, 0, sizeof *summary);
    if (!reader) {
        free(order);
        free(stepped);
        return -1;
    }
    summary->info = *trace_info(reader);
    summary->station_step = 1;
    uint64_t step_ns = clock_step_ns(&summary->info);
    for (size_t i = 0; i < point_count; i++) {
        order[i] = i;
        points[i].in_step = false;
        if (step_ns && points[i].within_clock_step && !points[i].mark)
            stepped[stepped_count++] = i;
    }
    if (point_count > 1)
        qsort_r(order, point_count, sizeof *order, compare_points, points);
    while ((status = trace_next(reader, &event, error, error_size)) > 0) {
        begin_steps(points, stepped, stepped_count, step_ns, event.ns, &now);
        for (; next_point < point_count && points[order[next_point]].ns < event.ns; next_point++)
            if (!points[order[next_point]].placed) {
                answer(&points[order[next_point]], summary, &now);
                points[order[next_point]].placed = !points[order[next_point]].mark;
            }
        if (summary->events++ == 0)
            summary->first_ns = event.ns;
        summary->last_ns = event.ns;
        count(summary, &event);
        keep_station(summary, &event);
        now = (struct live_now){event.live_bytes, event.live_blocks,
                                event.image + 1 == summary->info.images ? summary->last_image_events : 0};
        keep_steps_best(points, stepped, stepped_count, event.ns, &now);
        /*
         * A point placed by its mark takes the live heap at the mark itself, whatever the clock says; one placed
         * by time that is not yet answered when its until_mark comes takes the heap there (a mark changes none).
         */
        for (size_t i = 0; event.op == TRACE_MARK && i < point_count; i++)
            if ((points[i].mark && points[i].mark == event.mark) ||
                (!points[i].placed && points[i].until_mark && points[i].until_mark == event.mark)) {
                answer(&points[i], summary, &now);
                points[i].held_at_mark = !points[i].mark;
                points[i].placed = true;
            }
    }
    for (; next_point < point_count; next_point++)
        if (!points[order[next_point]].placed)
            answer(&points[order[next_point]], summary, &now);
    summary->final_live_bytes = now.bytes;
    summary->final_live_blocks = now.blocks;
    free(order);
    free(stepped);
    trace_close(reader);
    summary->info.rows = NULL; /* the reader's, gone with it (the caller has the rows it gave) */
    summary->info.row_count = 0;
    if (status < 0) /* found part way (a chunk that does not read): said with the trace it is in, as trace_open does */
        trace_name_error(path, error, error_size);
    return status < 0 ? -1 : 0;
}
