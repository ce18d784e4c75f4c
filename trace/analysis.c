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
    uint64_t bytes, blocks, at_event, ns;
};

/* The point's answer so far: the live heap now, and the event it holds after. */
static void hold(struct trace_point *point, const struct live_now *now)
{
    point->live_bytes = now->bytes;
    point->live_blocks = now->blocks;
    point->at_event = now->at_event;
    point->at_event_ns = now->ns;
}

static void answer(struct trace_point *point, const struct trace_summary *summary, const struct live_now *now)
{
    if (!point->in_step) /* (in its step, it holds the best of the step's events already) */
        hold(point, now);
    point->known = point->ns <= trace_known_until(&summary->info);
}

/*
 * Before an event stamped ns: each point within_clock_step, not answered, whose step (a clock step before its
 * time) the event falls in begins to keep the best live heap, from the heap before the event on. An event that
 * begins an image (new_image: an exec, which empties the heap) begins it again from that image's empty heap: the
 * heap of the image before is not the one that was live at the point.
 */
static void begin_steps(struct trace_point *points, const size_t *stepped, size_t count, uint64_t step_ns,
                        uint64_t ns, bool new_image, const struct live_now *now)
{
    const struct live_now empty = {.ns = ns};
    for (size_t i = 0; i < count; i++) {
        struct trace_point *point = &points[stepped[i]];
        bool anew = new_image && ns <= point->ns; /* (an exec after the point: the heap before it stands) */
        if (point->placed || ns + step_ns <= point->ns || (point->in_step && !anew))
            continue;
        point->in_step = true;
        hold(point, anew ? &empty : now);
    }
}

/* After an event stamped ns: each point in its step, not answered, keeps the live heap if it is the largest yet. */
static void keep_steps_best(struct trace_point *points, const size_t *stepped, size_t count, uint64_t ns,
                            const struct live_now *now)
{
    for (size_t i = 0; i < count; i++) {
        struct trace_point *point = &points[stepped[i]];
        if (point->in_step && !point->placed && ns <= point->ns && now->bytes > point->live_bytes)
            hold(point, now);
    }
}

/*
 * A point that a mark answers (its own, or its until_mark): the mark's number and the point, sorted by number so
 * that a mark finds its points by a binary search (a scan of every point at every mark took 7.5 s of a recorded run
 * of 50 000 marks, growing with their square).
 */
struct awaited {
    uint64_t mark;
    size_t point;
};

static int compare_awaited(const void *left, const void *right)
{
    const struct awaited *a = left, *b = right;
    return a->mark < b->mark ? -1 : a->mark > b->mark;
}

/* The points answered at a mark (numbered mark), the live heap there: see trace_analyze. */
static void answer_at_mark(struct trace_point *points, const struct awaited *awaited, size_t awaited_count,
                           uint64_t mark, const struct trace_summary *summary, const struct live_now *now)
{
    size_t low = 0, high = awaited_count;
    while (low < high) { /* the first with a number at least mark */
        size_t middle = low + (high - low) / 2;
        if (awaited[middle].mark < mark)
            low = middle + 1;
        else
            high = middle;
    }
    for (size_t k = low; k < awaited_count && awaited[k].mark == mark; k++) {
        struct trace_point *point = &points[awaited[k].point];
        if ((point->mark && point->mark == mark) || (!point->placed && point->until_mark == mark)) {
            answer(point, summary, now);
            /* Its own mark is in the trace: the live heap there is known, wherever the trace ends (the Start of a
               program that died before its first chunk was written once read "past the calls the trace holds"). */
            point->known |= point->mark == mark;
            point->held_at_mark = !point->mark;
            point->placed = true;
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
    struct awaited *awaited = calloc(2 * point_count + 1, sizeof *awaited);
    size_t awaited_count = 0;
    struct live_now now = {0};
    unsigned last_image = 0;
    int status;
    if (!order || !stepped || !awaited)
        out_of_memory("the order of the trace's sample points", 2 * point_count + 1, sizeof *awaited);
    memset(summary, 0, sizeof *summary);
    if (!reader) {
        free(order);
        free(stepped);
        free(awaited);
        return -1;
    }
    summary->info = *trace_info(reader);
    summary->station_step = 1;
    uint64_t step_ns = trace_clock_step_ns(&summary->info);
    for (size_t i = 0; i < point_count; i++) {
        order[i] = i;
        points[i].in_step = false;
        if (step_ns && points[i].within_clock_step && !points[i].mark)
            stepped[stepped_count++] = i;
        if (points[i].mark)
            awaited[awaited_count++] = (struct awaited){points[i].mark, i};
        if (points[i].until_mark)
            awaited[awaited_count++] = (struct awaited){points[i].until_mark, i};
    }
    if (point_count > 1)
        qsort_r(order, point_count, sizeof *order, compare_points, points);
    qsort(awaited, awaited_count, sizeof *awaited, compare_awaited);
    while ((status = trace_next(reader, &event, error, error_size)) > 0) {
        if (stepped_count)
            begin_steps(points, stepped, stepped_count, step_ns, event.ns, summary->events && event.image != last_image,
                        &now);
        last_image = event.image;
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
                                event.image + 1 == summary->info.images ? summary->last_image_events : 0, event.ns};
        if (stepped_count)
            keep_steps_best(points, stepped, stepped_count, event.ns, &now);
        /*
         * A point placed by its mark takes the live heap at the mark itself, whatever the clock says; one placed
         * by time that is not yet answered when its until_mark comes takes the heap there (a mark changes none).
         */
        if (event.op == TRACE_MARK)
            answer_at_mark(points, awaited, awaited_count, event.mark, summary, &now);
    }
    for (; next_point < point_count; next_point++)
        if (!points[order[next_point]].placed)
            answer(&points[order[next_point]], summary, &now);
    summary->final_live_bytes = now.bytes;
    summary->final_live_blocks = now.blocks;
    free(order);
    free(stepped);
    free(awaited);
    trace_close(reader);
    summary->info.rows = NULL; /* the reader's, gone with it (the caller has the rows it gave) */
    summary->info.row_count = 0;
    if (status < 0) /* found part way (a chunk that does not read): said with the trace it is in, as trace_open does */
        trace_name_error(path, error, error_size);
    return status < 0 ? -1 : 0;
}
