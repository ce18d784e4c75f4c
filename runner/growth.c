/* Splits a recorded run's RSS growth into the live heap's pages, file-backed pages and anonymous memory not live. */
#include "growth.h"

struct growth_split growth_split(int64_t first_rss_kb, int64_t first_file_kb, int64_t rss_kb, int64_t file_kb,
                                 int64_t ideal_rss_kb)
{
    struct growth_split split = {.growth_kb = rss_kb - first_rss_kb, .live_kb = ideal_rss_kb - first_rss_kb,
                                 .waste_kb = rss_kb - ideal_rss_kb};
    if (split.waste_kb > 0) {
        int64_t file_growth = file_kb - first_file_kb;
        split.file_kb = file_growth < 0 ? 0 : file_growth > split.waste_kb ? split.waste_kb : file_growth;
        split.anon_not_live_kb = split.waste_kb - split.file_kb;
    }
    return split;
}
