/* Splits a recorded run's RSS growth into the live heap's pages, anonymous memory not live, and the rest. */
#include "growth.h"

static int64_t smallest(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

struct growth_split growth_split(int64_t first_rss_kb, int64_t first_anon_kb, int64_t rss_kb, int64_t anon_kb,
                                 int64_t ideal_rss_kb)
{
    struct growth_split split = {.growth_kb = rss_kb - first_rss_kb, .live_pages_kb = ideal_rss_kb - first_rss_kb};
    int64_t anon_growth = anon_kb > first_anon_kb ? anon_kb - first_anon_kb : 0;
    if (split.live_pages_kb < 0)
        split.live_pages_kb = 0;
    /* A page or two of rounding, or an allocator that packed a little tighter than whole pages, is not doubt. */
    int64_t slack = 64 + split.live_pages_kb / 100;
    split.live_unknown = split.live_pages_kb > anon_growth + slack || split.live_pages_kb > split.growth_kb + slack;
    if (split.growth_kb <= 0)
        return split;
    split.live_kb = smallest(smallest(split.live_pages_kb, anon_growth), split.growth_kb);
    split.anon_not_live_kb = smallest(anon_growth - split.live_kb, split.growth_kb - split.live_kb);
    split.other_kb = split.growth_kb - split.live_kb - split.anon_not_live_kb;
    return split;
}

uint64_t growth_ideal_kb(uint64_t first_rss_kb, uint64_t first_live_bytes, uint64_t live_bytes, uint64_t page_size)
{
    int64_t above = (int64_t)live_bytes - (int64_t)first_live_bytes, page = (int64_t)page_size;
    int64_t pages = above >= 0 ? (above + page - 1) / page : -(-above / page);
    int64_t ideal = (int64_t)first_rss_kb + pages * (page / 1024);
    return ideal > 0 ? (uint64_t)ideal : 0;
}
