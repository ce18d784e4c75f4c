/* Unit tests of the split of a recorded run's RSS growth into live pages, anonymous memory not live, and the rest. */
#include <stdbool.h>

#include "check.h"
#include "growth.h"

/* Whether the split holds these three parts. */
static bool split_is(struct growth_split s, int64_t live, int64_t anon_not_live, int64_t other)
{
    return s.live_kb == live && s.anon_not_live_kb == anon_not_live && s.other_kb == other;
}

static void parts_add_up_to_the_growth(void)
{
    /* RSS 2 000 -> 50 000 kB, anonymous 500 -> 47 700 kB (so 800 kB more of the rest), ideal 10 000 (8 000 live). */
    struct growth_split s = growth_split(2000, 500, 50000, 47700, 10000);
    CHECK(s.growth_kb == 48000);
    CHECK(split_is(s, 8000, 39200, 800));
    CHECK(s.live_kb + s.anon_not_live_kb + s.other_kb == s.growth_kb);
}

static void shared_and_file_pages_are_not_heap(void)
{
    /* A 20 MB file of a tmpfs mapped and read (RssShmem, not RssFile): RSS grows, the anonymous part does not. */
    CHECK(split_is(growth_split(1000, 400, 23000, 2400, 3000), 2000, 0, 20000));
}

static void live_pages_count_only_where_resident(void)
{
    /* 64 MB allocated and never written: the live heap is not resident, the growth is the file read meanwhile. */
    CHECK(split_is(growth_split(1000, 400, 20700, 600, 66536), 200, 0, 19500));
}

static void shrinking_parts_count_as_none(void)
{
    /* File pages evicted since the first row, anonymous growth all live: no part below 0. */
    CHECK(split_is(growth_split(5000, 1000, 6000, 4000, 9000), 3000, 0, 0));
}

int main(void)
{
    RUN_TEST(parts_add_up_to_the_growth);
    RUN_TEST(shared_and_file_pages_are_not_heap);
    RUN_TEST(live_pages_count_only_where_resident);
    RUN_TEST(shrinking_parts_count_as_none);
    return CHECK_EXIT_CODE();
}
