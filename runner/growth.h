/* What a recorded run's RSS growth is made of: the live heap's pages, anonymous memory not live, and the rest. */
#ifndef FRAGBENCH_GROWTH_H
#define FRAGBENCH_GROWTH_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The RSS above a run's first row, at a later row, in kB, split by what the kernel counts (RssAnon against the
 * rest of RSS: RssFile and RssShmem) and by the live heap grown since the first row, in whole pages (the ideal RSS
 * less the first row's RSS). A malloc heap is anonymous memory: of the anonymous growth, the live heap's pages are
 * the program's, and the rest is anonymous and not live (the allocator's freed memory and overhead, or memory the
 * program took past malloc). The growth that is not anonymous is file-backed or shared (the program's code, files
 * and shared memory it mapped, tmpfs files included): never heap. Each part is at least 0 and at most what the
 * growth leaves of it, so the three add up to the growth (all 0 where RSS did not grow).
 *
 * Where the live heap's pages are more than the anonymous growth or the growth itself (by more than 64 kB and 1% of
 * them: rounding, or an allocator that packs tighter than whole pages), the trace cannot tell how
 * much of the growth is live: blocks allocated and never written are not resident, or memory the first row held
 * was given back since. live_unknown says so; the parts are then the most the live heap could hold, and not an
 * answer.
 */
struct growth_split {
    int64_t growth_kb;        /* RSS above the first row's */
    int64_t live_kb;          /* the live heap's pages grown since the first row, at most the anonymous growth */
    int64_t anon_not_live_kb; /* anonymous growth beyond the live heap's pages */
    int64_t other_kb;         /* growth that is not anonymous: file-backed or shared */
    int64_t live_pages_kb;    /* the live heap's pages grown since the first row, resident or not */
    bool live_unknown;        /* live_pages_kb is more than the anonymous growth or the growth: see above */
};

struct growth_split growth_split(int64_t first_rss_kb, int64_t first_anon_kb, int64_t rss_kb, int64_t anon_kb,
                                 int64_t ideal_rss_kb);

/*
 * The ideal RSS at a row: the first row's RSS plus the live bytes above the first row's, in whole pages (rounded
 * up; below the first row's, rounded toward it). The first row's RSS already holds the blocks live then: counting
 * them again would make its waste negative. A recording's rows (--record) and a replay's (--replay) both use it.
 */
uint64_t growth_ideal_kb(uint64_t first_rss_kb, uint64_t first_live_bytes, uint64_t live_bytes, uint64_t page_size);

#endif
