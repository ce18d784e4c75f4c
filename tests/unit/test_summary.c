/* Unit tests of the closing table (runner/summary.c): medians per case x profile x phase, both layouts, many phases. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "summary.h"

/* The table printed, less its first line (the machine's facts: kernel, THP). */
static char *printed(const struct summary *summary)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        abort();
    summary_print(summary, out, "settings");
    fclose(out);
    char *table = strdup(strchr(text, '\n') ? strchr(text, '\n') + 1 : "");
    free(text);
    return table;
}

/*
 * Two cases in the order they came, each profile a row in first-seen order and each phase a column: the median
 * over the reps (the mean of the middle two for an even count, rounded down), and an empty cell where a profile
 * has no sample of a phase.
 */
static void medians_per_case_profile_and_phase(void)
{
    struct summary *summary = summary_new();
    summary_add(summary, "frag", "glibc", "glibc 2.36", "Start", 100);
    summary_add(summary, "frag", "glibc", "glibc 2.36", "Grown", 300);
    summary_add(summary, "frag", "glibc", "glibc 2.36", "Start", 110);
    summary_add(summary, "frag", "glibc", "glibc 2.36", "Grown", 305);
    summary_add(summary, "frag", "jemalloc", "jemalloc 5.3.0", "Start", 90);
    summary_add(summary, "frag", "jemalloc", "jemalloc 5.3.0", "Grown", 200);
    summary_add(summary, "frag", "jemalloc", "jemalloc 5.3.0", "Grown", 100);
    summary_add(summary, "frag", "jemalloc", "jemalloc 5.3.0", "Grown", 150);
    summary_add(summary, "lists", "jemalloc", "jemalloc 5.3.0", "Built", 7);
    summary_add(summary, "frag", "glibc", "glibc 2.36", "Freed", 42);
    char *table = printed(summary);
    CHECK_STR(table, "\n"
                     "frag\n"
                     "\n"
                     "| profile  | allocator      | Start | Grown | Freed |\n"
                     "|----------|----------------|------:|------:|------:|\n"
                     "| glibc    | glibc 2.36     |   105 |   302 |    42 |\n"
                     "| jemalloc | jemalloc 5.3.0 |    90 |   150 |       |\n"
                     "\n"
                     "lists\n"
                     "\n"
                     "| profile  | allocator      | Built |\n"
                     "|----------|----------------|------:|\n"
                     "| jemalloc | jemalloc 5.3.0 |     7 |\n");
    free(table);
    summary_free(summary);
}

/* Past 8 phases (a replay's rows every 5%), a row per phase and a column per profile, the allocators first. */
static void many_phases_go_down(void)
{
    struct summary *summary = summary_new();
    char label[16];
    for (int phase = 1; phase <= 9; phase++) {
        snprintf(label, sizeof label, "%d0%%", phase);
        summary_add(summary, "svc", "glibc", "glibc 2.36", label, (uint64_t)phase);
        summary_add(summary, "svc", "mimalloc", "mimalloc 2.0.9", label, (uint64_t)phase * 10);
    }
    char *table = printed(summary);
    CHECK(strstr(table, "| phase     |      glibc |       mimalloc |\n") != NULL);
    CHECK(strstr(table, "| allocator | glibc 2.36 | mimalloc 2.0.9 |\n") != NULL);
    CHECK(strstr(table, "| 90%       |          9 |             90 |\n") != NULL);
    free(table);
    summary_free(summary);
}

/*
 * Ten profiles down the phases (a trace replayed under --alloc=all) took 250 characters a line: past 160, the table is
 * printed as several, each with the phase column and the profiles that fit, every profile in one of them.
 */
static void a_table_wider_than_a_terminal_is_split(void)
{
    struct summary *summary = summary_new();
    const char *profiles[] = {"glibc", "glibc-arena2", "glibc-mmap64k", "jemalloc", "jemalloc-decay0",
                              "jemalloc-bgthread", "tcmalloc", "tcmalloc-aggressive", "mimalloc", "mimalloc-decommit0"};
    char label[16], allocator[64];
    for (int phase = 1; phase <= 9; phase++)
        for (size_t p = 0; p < 10; p++) {
            snprintf(label, sizeof label, "%d0%%", phase);
            snprintf(allocator, sizeof allocator, "%s 1.2.3", profiles[p]);
            summary_add(summary, "svc", profiles[p], allocator, label, 1000000 + (uint64_t)p);
        }
    char *table = printed(summary);
    size_t widest = 0, headings = 0, cells_of_90 = 0;
    for (char *line = strtok(table, "\n"); line; line = strtok(NULL, "\n")) {
        widest = strlen(line) > widest ? strlen(line) : widest;
        headings += strncmp(line, "| phase ", 8) == 0;
        if (strncmp(line, "| 90% ", 6) == 0)
            for (char *at = line + 1; (at = strchr(at, '|')); at++)
                cells_of_90 += at[1] != '\0'; /* a profile's cell after each '|' but the first (the phase) and the last */
    }
    CHECK(widest <= 160 && headings >= 2 && cells_of_90 == 10);
    if (widest > 160 || headings < 2 || cells_of_90 != 10)
        printf("  widest %zu, %zu tables, %zu cells of 90%%\n", widest, headings, cells_of_90);
    free(table);
    summary_free(summary);
}

/*
 * A program that marks every request: 100 000 phases of one run, each its own label ("tick #N"), each its own row
 * with its own value. (Each sample once looked up its texts one by one and each cell scanned every sample: 83 s
 * for this table, growing with the square of the marks; docs/speed.md gives the time now.)
 */
static void a_hundred_thousand_phases_each_get_their_row(void)
{
    enum { PHASES = 100000 };
    struct summary *summary = summary_new();
    char label[32];
    for (int phase = 1; phase <= PHASES; phase++) {
        snprintf(label, sizeof label, "tick #%d", phase);
        summary_add(summary, "svc", "glibc", "glibc 2.36", label, (uint64_t)phase);
    }
    char *table = printed(summary);
    CHECK(strstr(table, "| tick #1      |          1 |\n") != NULL);
    CHECK(strstr(table, "| tick #54321  |      54321 |\n") != NULL);
    CHECK(strstr(table, "| tick #100000 |     100000 |\n") != NULL);
    size_t lines = 0;
    for (const char *at = table; (at = strchr(at, '\n')); at++)
        lines++;
    CHECK(lines == 3 + 3 + PHASES); /* a blank line, the case, a blank line; the head, its rule, the allocators */
    free(table);
    summary_free(summary);
}

int main(void)
{
    RUN_TEST(medians_per_case_profile_and_phase);
    RUN_TEST(many_phases_go_down);
    RUN_TEST(a_table_wider_than_a_terminal_is_split);
    RUN_TEST(a_hundred_thousand_phases_each_get_their_row);
    return CHECK_EXIT_CODE();
}
