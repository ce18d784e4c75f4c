/* Where a replay samples: the recording's rows (its marks, every 5% of its events, its peak), or every 5% of time. */
#include "points.h"

#include <stdbool.h>
#include <stdio.h>

#include "stable_sort.h"

static int compare_points(const void *left, const void *right)
{
    const struct replay_point *a = left, *b = right;
    if (a->ns != b->ns)
        return a->ns < b->ns ? -1 : 1;
    /* At one time (a coarse clock's tick), the points after a count of events first: the others wait for a later
       time, which comes after those events. */
    if (!a->after_events != !b->after_events)
        return a->after_events ? -1 : 1;
    return a->after_events < b->after_events ? -1 : a->after_events > b->after_events;
}

uint64_t replay_since_start(const struct trace_info *info, uint64_t ns)
{
    return ns > info->start_ns ? ns - info->start_ns : 0;
}

size_t replay_points_make(const struct trace_info *info, struct replay_point *points, struct replay_point *scratch)
{
    size_t count = 0;
    bool at_events = false;
    uint64_t known = trace_known_until(info), step = trace_clock_step_ns(info);
    uint64_t span = replay_since_start(info, known < info->last_ns ? known : info->last_ns);
    for (size_t i = 0; i < info->row_count; i++) {
        const struct trace_row *row = &info->rows[i];
        bool after_events = row->mark & TRACE_ROW_AT_EVENT;
        /* Past the calls the trace holds (its recording stopped, or the program died): no live heap. A mark's row
           is at the mark's own time, up to a coarse clock's step after its event's stamp: one that close is kept,
           and taken at its event (the Start of a program that died before writing a chunk was left out). */
        if (row->ns > known && (after_events || !row->mark || row->ns - known > step))
            continue;
        points[count] = (struct replay_point){.ns = row->ns, .at_ns = replay_since_start(info, row->ns), .rss_kb = row->rss_kb,
                                              .anon_kb = row->anon_kb, .mark = after_events ? 0 : row->mark,
                                              .after_events = after_events ? row->mark & ~TRACE_ROW_AT_EVENT : 0,
                                              .allocator_view = !after_events && row->mark};
        snprintf(points[count].label, sizeof points[count].label, "%s", row->label);
        at_events |= after_events;
        count++;
    }
    /* A trace recorded before 2026-12-06 has no rows every 5% of its events: every 5% of its time instead. */
    for (unsigned percent = 5; percent < 100 && span > 0 && !at_events; percent += 5) {
        uint64_t at_ns = span / 100 * percent + span % 100 * percent / 100; /* span * percent would wrap past 5.8 years */
        points[count] = (struct replay_point){.ns = info->start_ns + at_ns, .at_ns = at_ns};
        snprintf(points[count].label, sizeof points[count].label, "%u%%", percent); /* of the recorded time */
        count++;
    }
    stable_sort(points, count, sizeof *points, compare_points, scratch); /* qsort's scratch: the allocator under test */
    return count;
}
