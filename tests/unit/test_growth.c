/* Unit tests of the split of a recorded run's RSS growth into live pages, file-backed pages and anonymous not live. */
#include "check.h"
#include "growth.h"

static void parts_add_up_to_the_growth(void)
{
    /* RSS 2 000 -> 50 000 kB, ideal 10 000 (8 000 kB of live pages), file-backed 1 500 -> 2 300 kB. */
    struct growth_split s = growth_split(2000, 1500, 50000, 2300, 10000);
    CHECK(s.growth_kb == 48000);
    CHECK(s.live_kb == 8000);
    CHECK(s.waste_kb == 40000);
    CHECK(s.file_kb == 800);
    CHECK(s.anon_not_live_kb == 39200);
    CHECK(s.live_kb + s.file_kb + s.anon_not_live_kb == s.growth_kb);
}

static void file_pages_count_only_within_the_waste(void)
{
    /* More file pages grew (a large file mapped) than RSS holds above the ideal: all of the waste is file-backed. */
    struct growth_split s = growth_split(1000, 500, 5000, 9500, 3000);
    CHECK(s.file_kb == 2000);
    CHECK(s.anon_not_live_kb == 0);
    /* File pages that fell (evicted) since the first row count as none. */
    s = growth_split(1000, 900, 5000, 100, 3000);
    CHECK(s.file_kb == 0);
    CHECK(s.anon_not_live_kb == 2000);
}

static void no_waste_has_no_parts(void)
{
    /* RSS below the ideal (a block allocated and never written): the waste is negative, neither part is counted. */
    struct growth_split s = growth_split(1000, 500, 4000, 900, 6000);
    CHECK(s.waste_kb == -2000);
    CHECK(s.file_kb == 0);
    CHECK(s.anon_not_live_kb == 0);
}

int main(void)
{
    RUN_TEST(parts_add_up_to_the_growth);
    RUN_TEST(file_pages_count_only_within_the_waste);
    RUN_TEST(no_waste_has_no_parts);
    return CHECK_EXIT_CODE();
}
