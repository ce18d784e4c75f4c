/* Unit tests of the slides' note on runs whose RSS at Start was most of their peak (report/small_heap.c). */
#include <string.h>

#include "check.h"
#include "small_heap.h"

static void half_or_more_counts_and_the_first_is_named(void)
{
    struct small_heaps small = {0};
    small_heaps_note(&small, "the recorded run", 2000, 4001); /* under half: a heap of its own */
    CHECK(small.runs == 0);
    small_heaps_note(&small, "ls (rep 1)", 2000, 4000); /* exactly half */
    small_heaps_note(&small, "the replay under glibc", 1900, 2100);
    CHECK(small.runs == 2);
    CHECK_STR(small.first_run, "ls (rep 1)");
    CHECK(small.start_kb == 2000 && small.peak_kb == 4000);
}

static void unknown_figures_are_not_counted(void)
{
    struct small_heaps small = {0};
    small_heaps_note(&small, "no Start", -1, 3000);
    small_heaps_note(&small, "no peak", 2000, -1);
    small_heaps_note(&small, "an empty peak", 2000, 0);
    CHECK(small.runs == 0);
}

/* The sentence, once and only where a run was counted, with the first run's figures. */
static void the_sentence_names_the_first_run(void)
{
    char text[1024] = "";
    struct small_heaps small = {0};
    FILE *out = fmemopen(text, sizeof text - 1, "w");
    small_heaps_print(&small, out);
    fflush(out);
    CHECK_STR(text, "");
    small_heaps_note(&small, "ls (rep 1)", 2036, 2464);
    small_heaps_print(&small, out);
    fclose(out);
    CHECK(strstr(text, "\nIn 1 of these runs the RSS at Start was half or more of the peak (ls (rep 1): 2036 of 2464 "
                       "kB): #3 and #4 count all of a process's RSS") == text);
}

int main(void)
{
    RUN_TEST(half_or_more_counts_and_the_first_is_named);
    RUN_TEST(unknown_figures_are_not_counted);
    RUN_TEST(the_sentence_names_the_first_run);
    return CHECK_EXIT_CODE();
}
