/* Unit tests of the split of a recorded run's RSS growth into live pages, anonymous memory not live, and the rest. */
#include <stdbool.h>

#include "check.h"
#include "growth.h"

/* Whether the split holds these three parts, and they add up to its growth. */
static bool split_is(struct growth_split s, int64_t live, int64_t anon_not_live, int64_t other)
{
    return s.live_kb == live && s.anon_not_live_kb == anon_not_live && s.other_kb == other &&
           live + anon_not_live + other == (s.growth_kb > 0 ? s.growth_kb : 0);
}

static void parts_add_up_to_the_growth(void)
{
    /* RSS 2 000 -> 50 000 kB, anonymous 500 -> 47 700 kB (so 800 kB more of the rest), ideal 10 000 (8 000 live). */
    struct growth_split s = growth_split(2000, 500, 50000, 47700, 10000);
    CHECK(s.growth_kb == 48000);
    CHECK(split_is(s, 8000, 39200, 800));
    CHECK(!s.live_unknown);
}

static void shared_and_file_pages_are_not_heap(void)
{
    /* A 20 MB file of a tmpfs mapped and read (RssShmem, not RssFile): RSS grows, the anonymous part does not. */
    CHECK(split_is(growth_split(1000, 400, 23000, 2400, 3000), 2000, 0, 20000));
}

static void unwritten_live_pages_leave_the_split_unknown(void)
{
    /* 64 MB allocated and never written: the live heap is not resident, the growth is the file read meanwhile. */
    struct growth_split s = growth_split(1000, 400, 20700, 600, 66536);
    CHECK(s.live_unknown);
    CHECK(s.live_pages_kb == 65536);
    CHECK(split_is(s, 200, 0, 19500));
}

static void a_little_rounding_is_not_doubt(void)
{
    /* Live pages 40 kB above the anonymous growth of 10 MB: the live part is the anonymous growth, and known. */
    struct growth_split s = growth_split(1000, 500, 11300, 10740, 11280);
    CHECK(!s.live_unknown);
    CHECK(split_is(s, 10240, 0, 60));
}

static void no_part_is_more_than_the_growth(void)
{
    /* File pages evicted since the first row while 4 MB of live pages grew (3 MB of them anonymous growth): a
     * growth of 1 MB, all of it taken as live at most, and how much is live cannot be told. */
    struct growth_split s = growth_split(5000, 1000, 6000, 4000, 9000);
    CHECK(split_is(s, 1000, 0, 0));
    CHECK(s.live_unknown);
    /* The same with the anonymous growth covering the live pages: still more live pages than the growth. */
    s = growth_split(5000, 1000, 6000, 5000, 9000);
    CHECK(split_is(s, 1000, 0, 0));
    CHECK(s.live_unknown);
    /* The anonymous part shrank while file pages grew: the rest is at most the growth. */
    CHECK(split_is(growth_split(1000, 400, 2000, 200, 1000), 0, 0, 1000));
    /* File pages evicted while 5 MB of freed memory grew: not live is at most the growth of 2 MB. */
    CHECK(split_is(growth_split(10000, 2000, 12000, 7000, 10000), 0, 2000, 0));
    /* RSS fell: no part. */
    CHECK(split_is(growth_split(10000, 2000, 9000, 2000, 10000), 0, 0, 0));
}

/* The ideal RSS: whole pages of the live bytes grown (jq's 4568 bytes are two pages, not the one 4 kB made). */
static void the_ideal_holds_the_live_bytes_grown_in_whole_pages(void)
{
    CHECK(growth_ideal_kb(2364, 0, 4568, 4096) == 2372);
    CHECK(growth_ideal_kb(2364, 100, 100, 4096) == 2364);
    CHECK(growth_ideal_kb(2364, 0, 1, 16384) == 2380);
    CHECK(growth_ideal_kb(1000, 8192 + 5000, 0, 4096) == 988); /* below the first row's: toward it */
    CHECK(growth_ideal_kb(4, 1 << 20, 0, 4096) == 0);          /* never below nothing */
}

int main(void)
{
    RUN_TEST(parts_add_up_to_the_growth);
    RUN_TEST(shared_and_file_pages_are_not_heap);
    RUN_TEST(unwritten_live_pages_leave_the_split_unknown);
    RUN_TEST(a_little_rounding_is_not_doubt);
    RUN_TEST(no_part_is_more_than_the_growth);
    RUN_TEST(the_ideal_holds_the_live_bytes_grown_in_whole_pages);
    return CHECK_EXIT_CODE();
}
