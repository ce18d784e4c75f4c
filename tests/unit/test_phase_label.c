/* Unit tests of the numbering of a run's repeated phase labels (runner/phase_label.c). */
#include "check.h"
#include "phase_label.h"
#include "record.h"

/* Adds label to the run's phases as the runner does, and returns the name it got. */
static struct phase_labels labels;
static const char *arrive(struct phase_sample *phases, size_t *count, const char *label)
{
    if (*count == 0)
        phase_labels_free(&labels); /* a new run */
    snprintf(phases[*count].label, sizeof phases[*count].label, "%s", label);
    phase_labels_number(&labels, phases[*count].label, sizeof phases[*count].label);
    return phases[(*count)++].label;
}

static void a_label_given_once_is_kept(void)
{
    struct phase_sample phases[4];
    size_t count = 0;
    CHECK_STR(arrive(phases, &count, "Start"), "Start");
    CHECK_STR(arrive(phases, &count, "After del"), "After del");
    CHECK_STR(arrive(phases, &count, "Exit"), "Exit");
}

static void repeats_are_numbered_from_the_second(void)
{
    struct phase_sample phases[8];
    size_t count = 0;
    CHECK_STR(arrive(phases, &count, "tick"), "tick");
    CHECK_STR(arrive(phases, &count, "other"), "other");
    CHECK_STR(arrive(phases, &count, "tick"), "tick #2");
    CHECK_STR(arrive(phases, &count, "tick"), "tick #3");
    CHECK_STR(arrive(phases, &count, "other"), "other #2");
    CHECK_STR(arrive(phases, &count, "tic"), "tic"); /* a prefix is another label */
    CHECK_STR(arrive(phases, &count, "tick"), "tick #4");
}

static void a_programs_own_numbers_are_not_taken_twice(void)
{
    struct phase_sample phases[8];
    size_t count = 0;
    CHECK_STR(arrive(phases, &count, "tick"), "tick");
    CHECK_STR(arrive(phases, &count, "tick #2"), "tick #2"); /* the program's own */
    CHECK_STR(arrive(phases, &count, "tick"), "tick #3");
    CHECK_STR(arrive(phases, &count, "tick #3"), "tick #3 #2");
    CHECK_STR(arrive(phases, &count, "tick #x"), "tick #x"); /* not a number: its own label */
    CHECK_STR(arrive(phases, &count, "tick"), "tick #4");
}

static void a_long_label_is_cut_to_fit_its_number(void)
{
    struct phase_sample phases[3];
    size_t count = 0;
    char longest[FB_LABEL_MAX];
    memset(longest, 'a', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    arrive(phases, &count, longest);
    const char *second = arrive(phases, &count, longest);
    CHECK(strlen(second) == FB_LABEL_MAX - 1);
    CHECK(strcmp(second + FB_LABEL_MAX - 1 - 3, " #2") == 0);
    CHECK(strncmp(second, longest, FB_LABEL_MAX - 1 - 3) == 0);
    CHECK(strcmp(arrive(phases, &count, longest), second) != 0);
}

/* Many marks of one label: every name distinct, and the table's growth keeps them all. */
static void thousands_of_repeats_stay_distinct(void)
{
    static struct phase_sample phases[3000];
    size_t count = 0;
    for (int i = 0; i < 3000; i++)
        arrive(phases, &count, i % 3 ? "tick" : "tock");
    CHECK_STR(phases[0].label, "tock");
    CHECK_STR(phases[1].label, "tick");
    CHECK_STR(phases[2].label, "tick #2");
    CHECK_STR(phases[2999].label, "tick #2000");
    CHECK_STR(phases[2997].label, "tock #1000");
    CHECK(labels.count == 3000);
    phase_labels_free(&labels);
}

int main(void)
{
    RUN_TEST(a_label_given_once_is_kept);
    RUN_TEST(repeats_are_numbered_from_the_second);
    RUN_TEST(a_programs_own_numbers_are_not_taken_twice);
    RUN_TEST(a_long_label_is_cut_to_fit_its_number);
    RUN_TEST(thousands_of_repeats_stay_distinct);
    phase_labels_free(&labels);
    return CHECK_EXIT_CODE();
}
