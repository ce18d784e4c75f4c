/* Walks a trace once in time order, keeping the live set: the live heap at given times, its peak, the counts. */
#define _GNU_SOURCE
#include "analysis.h"

#include <stdlib.h>
#include <string.h>

#include "live.h"

unsigned trace_size_class(uint64_t size)
{
    return size ? 64u - (unsigned)__builtin_clzll(size) : 0;
}

/* The block a thread's realloc took out of the live set at its start, until the call's end says what became of it. */
struct pending_realloc {
    uint64_t pointer, size;
    bool valid;
};

struct walk {
    struct live_set live;
    struct pending_realloc *pending;
    size_t pending_count;
    unsigned image;
    struct trace_summary *summary;
};

static struct pending_realloc *pending_of(struct walk *walk, uint32_t thread)
{
    if (thread >= walk->pending_count) {
        size_t count = thread + 16;
        walk->pending = realloc(walk->pending, count * sizeof *walk->pending);
        if (!walk->pending)
            abort();
        memset(walk->pending + walk->pending_count, 0, (count - walk->pending_count) * sizeof *walk->pending);
        walk->pending_count = count;
    }
    return &walk->pending[thread];
}

static void allocated(struct walk *walk, uint64_t pointer, uint64_t size)
{
    if (!live_add(&walk->live, pointer, size))
        walk->summary->double_allocations++;
}

static void apply(struct walk *walk, const struct trace_event *event)
{
    struct trace_summary *summary = walk->summary;
    struct pending_realloc *pending;
    uint64_t size;
    if (event->image != walk->image) { /* an exec: the new image starts with an empty heap */
        live_clear(&walk->live);
        memset(walk->pending, 0, walk->pending_count * sizeof *walk->pending);
        walk->image = event->image;
    }
    summary->op_counts[event->op]++;
    switch (event->op) {
    case TRACE_FREE:
        if (event->pointer && !live_remove(&walk->live, event->pointer, &size))
            summary->unknown_releases++;
        return;
    case TRACE_REALLOC_START:
        pending = pending_of(walk, event->thread);
        pending->valid = event->pointer && live_remove(&walk->live, event->pointer, &pending->size);
        pending->pointer = event->pointer;
        if (event->pointer && !pending->valid)
            summary->unknown_releases++;
        return;
    case TRACE_REALLOC:
    case TRACE_REALLOCARRAY:
        pending = pending_of(walk, event->thread);
        if (event->pointer)
            allocated(walk, event->pointer, event->size);
        else if (event->size > 0 && pending->valid) { /* it failed: the old block is still the program's */
            summary->failed++;
            allocated(walk, pending->pointer, pending->size);
        }
        pending->valid = false;
        break;
    default:
        if (event->pointer)
            allocated(walk, event->pointer, event->size);
        else
            summary->failed++;
        break;
    }
    if (event->pointer)
        summary->size_classes[trace_size_class(event->size)]++;
    if (walk->live.bytes > summary->peak_live_bytes) {
        summary->peak_live_bytes = walk->live.bytes;
        summary->peak_live_blocks = walk->live.blocks;
        summary->peak_live_ns = event->ns;
    }
}

static int compare_points(const void *left, const void *right, void *points)
{
    const struct trace_point *base = points;
    uint64_t a = base[*(const size_t *)left].ns, b = base[*(const size_t *)right].ns;
    return a < b ? -1 : a > b;
}

static void answer(struct trace_point *point, const struct walk *walk)
{
    const struct trace_info *info = &walk->summary->info;
    point->live_bytes = walk->live.bytes;
    point->live_blocks = walk->live.blocks;
    point->known = !info->stopped || point->ns <= info->complete_until_ns;
}

int trace_analyze(const char *path, struct trace_point *points, size_t point_count, struct trace_summary *summary,
                  char *error, size_t error_size)
{
    struct trace_reader *reader = trace_open(path, error, error_size);
    struct trace_event event;
    struct walk walk = {.summary = summary};
    size_t *order = calloc(point_count ? point_count : 1, sizeof *order), next_point = 0;
    int status;
    if (!order)
        abort();
    memset(summary, 0, sizeof *summary);
    if (!reader) {
        free(order);
        return -1;
    }
    summary->info = *trace_info(reader);
    for (size_t i = 0; i < point_count; i++)
        order[i] = i;
    if (point_count > 1)
        qsort_r(order, point_count, sizeof *order, compare_points, points);
    live_init(&walk.live);
    while ((status = trace_next(reader, &event, error, error_size)) > 0) {
        while (next_point < point_count && points[order[next_point]].ns < event.ns)
            answer(&points[order[next_point++]], &walk);
        if (summary->events++ == 0)
            summary->first_ns = event.ns;
        summary->last_ns = event.ns;
        apply(&walk, &event);
    }
    while (next_point < point_count)
        answer(&points[order[next_point++]], &walk);
    summary->final_live_bytes = walk.live.bytes;
    summary->final_live_blocks = walk.live.blocks;
    live_free(&walk.live);
    free(walk.pending);
    free(order);
    trace_close(reader);
    return status < 0 ? -1 : 0;
}
