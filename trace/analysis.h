/* Walks a trace once: the live heap at given times, its peak, the counts per operation and the size classes. */
#ifndef FRAGBENCH_TRACE_ANALYSIS_H
#define FRAGBENCH_TRACE_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reader.h"

/* Size classes of requested sizes: class 0 holds size 0, class k (1 to 64) sizes in [2^(k-1), 2^k). */
#define TRACE_SIZE_CLASSES 65

/* A time at which the live heap is wanted (a mark, a sample): filled in by trace_analyze. */
struct trace_point {
    uint64_t ns;          /* CLOCK_MONOTONIC, as the trace's events */
    uint64_t mark;        /* a mark's number (the phase record's trace_mark): placed at that event; 0: by ns */
    uint64_t until_mark;  /* by ns, but no later than this mark (0: none): a coarse clock stamps a later mark early */
    /*
     * By ns, on a trace whose clock is coarse (events stamped with the kernel's tick, a step of a few ms: an event
     * stamped in the step before ns may have come after ns): the largest live heap of the events it cannot tell
     * apart from ns, those stamped within a step before it (and the heap before them). For the peak of RSS: a
     * burst of frees just after it, stamped in its tick, once left 5 kB live at a peak of 11 MB.
     */
    bool within_clock_step;
    bool placed;          /* set once answered, except a point with a mark answered by ns before its mark came */
    bool held_at_mark;    /* answered at until_mark, which came before ns */
    bool in_step;         /* within_clock_step: the events of its step have begun (the answer so far is their best) */
    uint64_t live_bytes;  /* the requested bytes of the blocks live at ns (every event at or before ns applied) */
    uint64_t live_blocks;
    uint64_t at_event;    /* the answer holds after this many events of the last image (0: at none of them) */
    uint64_t at_event_ns; /* and that event's time (its stamp) */
    bool known;           /* false past the point up to which the trace holds every call (trace_known_until) */
};

/*
 * The live heap after a given number of the last image's events (its index: 1 after the first), and that event's
 * time: trace_analyze keeps one every so many events, TRACE_STATIONS at most, the step doubling as they fill.
 */
struct trace_station {
    uint64_t index, ns, live_bytes;
};
enum { TRACE_STATIONS = 2048 };

struct trace_summary {
    struct trace_info info;
    uint64_t last_image_events; /* the events of the last image: those a replay makes again */
    struct trace_station stations[TRACE_STATIONS];
    size_t station_count;
    uint64_t station_step;
    uint64_t events, op_counts[TRACE_OP_COUNT];
    uint64_t failed;      /* allocation calls that returned NULL */
    uint64_t null_frees;  /* free(NULL) calls: they change nothing, and are counted among the frees too */
    uint64_t size_classes[TRACE_SIZE_CLASSES];
    uint64_t first_ns, last_ns;
    uint64_t peak_live_bytes, peak_live_blocks, peak_live_ns;
    uint64_t final_live_bytes, final_live_blocks;
    /* Order errors, 0 in a sound trace: a release of a block not live, an allocation at a live address. */
    uint64_t unknown_releases, double_allocations;
};

/* Whether a trace's path names a zstd-compressed file (FILE.zst), as the recorder and its readers call one. */
bool trace_path_is_compressed(const char *path);

/* A trace's size for people: "12.8 MB" from 0.1 MB up, "3.2 kB" below, "412 bytes" under a kB. */
void trace_file_size_text(uint64_t bytes, char *out, size_t size);

/* The class of a requested size (see TRACE_SIZE_CLASSES). */
unsigned trace_size_class(uint64_t size);

/*
 * Reads the whole trace at path, filling *summary and each point's live heap (points in any order).
 * Returns 0, or -1 with what is wrong in error, the trace named.
 */
int trace_analyze(const char *path, struct trace_point *points, size_t point_count, struct trace_summary *summary,
                  char *error, size_t error_size);

/*
 * Of the summary's stations, the one nearest the given share (per 10 000) of the last image's events, at least
 * its first: out set and true, or false where the last image has no events.
 */
bool trace_station_at(const struct trace_summary *summary, unsigned per_10000, struct trace_station *out);

#endif
