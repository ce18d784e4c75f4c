/* A recorded run (--record): once it has ended, its trace gives the live heap at every row and sample, the peaks and the fragmentation. */
#ifndef FRAGBENCH_RECORDED_H
#define FRAGBENCH_RECORDED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../trace/analysis.h"
#include "record.h"
#include "timeline.h"

struct recorded {
    struct trace_summary summary;
    uint64_t baseline_rss_kb;  /* RSS at the first row (Start: before main, in external mode) */
    uint64_t baseline_live_bytes; /* and the live heap there, which that RSS already holds */
    uint64_t page_size;
    uint64_t peak_rss_kb;      /* the largest RSS seen, outside or at a mark */
    uint64_t peak_anon_kb;     /* its anonymous part (0: not known) */
    uint64_t live_at_peak_rss_bytes;
    bool live_at_peak_rss_known;
    /* The row or outside sample where the trace's live heap was largest: its RSS, anonymous part and live heap. */
    uint64_t most_held_rss_kb, most_held_anon_kb, most_held_live_bytes;
    bool most_held_known;
    /* Whether, before that point, the live heap had reached half of it and then fallen below half (rounds). */
    bool live_fell_before_most_held;
    /* After it, when the live heap was first seen below half of it (0: never, of the points measured); and the
       time of the run's last row or sample (its end: it may idle after its last call). */
    uint64_t live_halved_ns, end_ns;
    /* The latest row or outside sample whose live heap the trace tells, with its RSS and anonymous part: where a
       run killed before its end (its Exit past the calls the trace holds) is answered. */
    uint64_t last_known_rss_kb, last_known_anon_kb, last_known_live_bytes, last_known_ns;
    bool last_known;
    size_t last_known_row; /* it is rows[last_known_row] (a row: a mark's, its label said), or SIZE_MAX (a sample) */
};

/*
 * Appends the allocator block to the trace: the allocator the runner verified serves malloc (the recorder
 * forwards every call to it), and the profile it ran under (a replay under that profile is set against the
 * recording: replay_check.h). Nothing is appended to a file that does not read as a trace (1: empty, never started,
 * or spoilt, as its reading then says), or to one that ends inside a chunk (1: the block would be read as the chunk's
 * end). Returns 0, 1, or -1 (errno).
 */
int recorded_name_allocator(const char *path, const char *allocator, const char *version, const char *profile);

/*
 * The largest RSS seen of a recorded run, and when: at a mark (its number: the trace places it exactly; its clock
 * may be coarser than the runner's) or at an outside sample (mark 0: placed by time).
 */
struct recorded_peak {
    uint64_t rss_kb, anon_kb, ns, mark; /* anon_kb: RSS's anonymous part then (0: not known) */
};

/*
 * Reads the trace: sets each row's trace_live_bytes, trace_blocks and ideal_rss_kb (t0_us: the run's start,
 * from which rows without t_ns count their elapsed_us), each sample's live heap, and *out, with the live heap at
 * *peak (whose mark it sets when the trace's clock put the next mark before the peak's time: it stands there).
 * Returns 0, or -1 with what is wrong in error.
 */
int recorded_read(const char *path, struct phase_sample *rows, size_t row_count, uint64_t t0_us,
                  struct timeline_sample *samples, size_t sample_count, struct recorded_peak *peak,
                  struct recorded *out, char *error, size_t error_size);

/*
 * Appends the rows block: each row's mark, time, RSS and live heap, the peak of RSS as a row "Recorded peak", and
 * where events is not NULL (the trace's summary, from recorded_read) the rows "5%" to "95%" of the last image's
 * events, for a replay to sample at the same points, each with the RSS of the run's sample nearest its time (of
 * samples, which recorded_read placed among the events: within 10 ms and a hundredth of the events of the row, else
 * none). Returns 0 or -1.
 */
int recorded_append_rows(const char *path, const struct phase_sample *rows, size_t row_count, uint64_t t0_us,
                         const struct recorded_peak *peak, uint64_t live_at_peak_bytes,
                         const struct trace_summary *events, const struct timeline_sample *samples,
                         size_t sample_count);

/* recorded_compress's answer where the zstd program could not be started (not in PATH). */
#define RECORDED_ZSTD_MISSING (-2)

/*
 * Compresses the trace at raw into compressed with Debian's zstd program, and removes raw. Returns 0, or -1 when
 * zstd failed, RECORDED_ZSTD_MISSING when it is missing (raw is left as it is, compressed removed).
 */
int recorded_compress(const char *raw, const char *compressed);

/* Why recorded_compress failed, for a message: its answer (-1 or RECORDED_ZSTD_MISSING) in words. */
const char *recorded_compress_failure(int answer);

/* The ideal RSS of a row: the baseline plus the live bytes above the baseline's own, in whole pages. */
uint64_t recorded_ideal_kb(const struct recorded *recorded, uint64_t live_bytes);

#endif
