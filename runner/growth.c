/* Splits a recorded run's RSS growth into the live heap's pages, anonymous memory not live, and the rest. */
#include "growth.h"

static int64_t at_least_0(int64_t value)
{
    return value > 0 ? value : 0;
}

struct growth_split growth_split(int64_t first_rss_kb, int64_t first_anon_kb, int64_t rss_kb, int64_t anon_kb,
                                 int64_t ideal_rss_kb)
{
    int64_t anon_growth = at_least_0(anon_kb - first_anon_kb), live_pages = at_least_0(ideal_rss_kb - first_rss_kb);
    struct growth_split split = {.growth_kb = rss_kb - first_rss_kb};
    split.live_kb = live_pages < anon_growth ? live_pages : anon_growth;
    split.anon_not_live_kb = anon_growth - split.live_kb;
    split.other_kb = at_least_0(split.growth_kb - (anon_kb - first_anon_kb));
    return split;
}
