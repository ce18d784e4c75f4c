/* Unit tests of the schedule: which slot starts next, when an extra rep is decided, and when reps differ. */
#include <stdlib.h>

#include "check.h"
#include "schedule.h"
#include "spread.h"

/* A rep with the given RSS at "After alloc" and "After del". */
static struct rep_phases rep_of(struct phase_sample phases[2], uint64_t alloc_kb, uint64_t del_kb, bool clean)
{
    memset(phases, 0, 2 * sizeof *phases);
    snprintf(phases[0].label, sizeof phases[0].label, "After alloc");
    snprintf(phases[1].label, sizeof phases[1].label, "After del");
    phases[0].rss_kb = alloc_kb;
    phases[1].rss_kb = del_kb;
    return (struct rep_phases){phases, 2, clean};
}

static void slots_are_case_then_profile_then_rep(void)
{
    struct schedule s;
    CHECK(schedule_init(&s, 2, 3, 2, 3) == 0);
    CHECK(s.slots == 18 && s.planned == 12);
    CHECK(schedule_case(&s, 10) == 1 && schedule_profile(&s, 10) == 0 && schedule_rep(&s, 10) == 2);
    CHECK(schedule_case(&s, 8) == 0 && schedule_profile(&s, 8) == 2 && schedule_rep(&s, 8) == 3);
    schedule_free(&s);
    CHECK(schedule_init(&s, 1, 1, 3, 2) != 0); /* fewer max reps than reps */
}

static void extra_reps_wait_for_their_decision(void)
{
    struct schedule s;
    CHECK(schedule_init(&s, 1, 2, 2, 3) == 0);
    CHECK(schedule_next(&s, 0) == 0);
    s.state[0] = s.state[1] = SLOT_STARTED;
    CHECK(schedule_next(&s, 0) == 3); /* slot 2 is pair 0's extra rep: undecided, not startable */
    CHECK(schedule_undecided(&s, 0) == s.slots); /* its reps are still running */
    s.state[0] = SLOT_DONE;
    CHECK(schedule_undecided(&s, 0) == s.slots);
    s.state[1] = SLOT_DONE;
    CHECK(schedule_undecided(&s, 1) == 2);
    CHECK(!schedule_pair_settled(&s, 0));
    schedule_decide(&s, 2, true);
    CHECK(s.planned == 5);
    CHECK(schedule_next(&s, 0) == 2);
    s.state[2] = SLOT_DONE;
    CHECK(schedule_pair_settled(&s, 0) && schedule_undecided(&s, 2) == s.slots);
    /* The second pair's reps agree: its extra rep is skipped and the pair settles. */
    s.state[3] = s.state[4] = SLOT_DONE;
    schedule_decide(&s, schedule_undecided(&s, 4), false);
    CHECK(s.state[5] == SLOT_SKIPPED && s.planned == 5 && schedule_pair_settled(&s, 3));
    CHECK(schedule_next(&s, 0) == s.slots);
    schedule_free(&s);
}

static void skipping_an_extra_rep_skips_the_later_ones(void)
{
    struct schedule s;
    CHECK(schedule_init(&s, 1, 1, 2, 5) == 0);
    s.state[0] = s.state[1] = SLOT_DONE;
    schedule_decide(&s, 2, false);
    CHECK(s.state[2] == SLOT_SKIPPED && s.state[3] == SLOT_SKIPPED && s.state[4] == SLOT_SKIPPED);
    CHECK(schedule_pair_settled(&s, 0));
    schedule_free(&s);
}

static void reps_differ_by_the_reports_spread(void)
{
    struct phase_sample a[2], b[2], c[2];
    struct rep_phases reps[3];
    reps[0] = rep_of(a, 100000, 50000, true);
    reps[1] = rep_of(b, 100000, 52500, true); /* 2500 / 51250 = 4.9% */
    CHECK(!reps_differ(reps, 2, 5));
    reps[1] = rep_of(b, 100000, 53000, true); /* 3000 / 51500 = 5.8% */
    CHECK(reps_differ(reps, 2, 5));
    CHECK(!reps_differ(reps, 2, 6));
    /* A spread past the share but within a process's own wobble (SPREAD_FLOOR_KB) is not a difference. */
    reps[0] = rep_of(a, 100000, 2000, true);
    reps[1] = rep_of(b, 100000, 2000 + SPREAD_FLOOR_KB, true); /* 1024 kB, 41% */
    CHECK(!reps_differ(reps, 2, 5));
    reps[1] = rep_of(b, 100000, 2001 + SPREAD_FLOOR_KB, true);
    CHECK(reps_differ(reps, 2, 5));
    reps[0] = rep_of(a, 100000, 50000, true);
    reps[1] = rep_of(b, 100000, 53000, true);
    /* Three reps: the spread is max - min over the median. */
    reps[2] = rep_of(c, 100000, 51000, true);
    CHECK(reps_differ(reps, 3, 5));
    /* A failed rep leaves one clean rep: nothing to compare, so one more. */
    reps[1] = rep_of(b, 100000, 50000, false);
    CHECK(reps_differ(reps, 2, 5));
    /* Every rep failed: another would too, so none. */
    reps[0] = rep_of(a, 100000, 50000, false);
    CHECK(!reps_differ(reps, 2, 5));
    reps[0] = rep_of(a, 100000, 50000, true);
    /* External mode's Exit row (an outside sample that may catch the teardown) is not compared. */
    reps[1] = rep_of(b, 100000, 50000, true);
    snprintf(a[1].label, sizeof a[1].label, "Exit");
    snprintf(b[1].label, sizeof b[1].label, "Exit");
    b[1].rss_kb = 9000;
    CHECK(!reps_differ(reps, 2, 5));
    snprintf(a[1].label, sizeof a[1].label, "After del");
    /* The same RSS under other phases is not the same run. */
    reps[1] = rep_of(b, 100000, 50000, true);
    CHECK(!reps_differ(reps, 2, 5));
    snprintf(b[1].label, sizeof b[1].label, "After idle");
    CHECK(reps_differ(reps, 2, 5));
    reps[1].count = 1;
    CHECK(reps_differ(reps, 2, 5));
}

static void memory_available_is_read(void)
{
    CHECK(memory_available_kb() > 0);
}

/* A trace refused: its case's slots not started are skipped, the planned runs counted down, the next case's next. */
static void skipping_a_case_leaves_its_started_runs_and_the_next_case(void)
{
    struct schedule s;
    CHECK(schedule_init(&s, 2, 2, 2, 3) == 0); /* 2 cases x 2 profiles x slots for 3 reps: 12, 8 planned */
    s.state[0] = SLOT_DONE;
    s.state[1] = SLOT_STARTED;
    CHECK(schedule_skip_case(&s, 0) == 2); /* profile 2's two reps; rep 3 of each pair was not planned */
    CHECK(s.planned == 6);
    CHECK(s.state[0] == SLOT_DONE && s.state[1] == SLOT_STARTED && s.state[2] == SLOT_SKIPPED);
    CHECK(s.state[3] == SLOT_SKIPPED && s.state[5] == SLOT_SKIPPED && s.state[6] == SLOT_PENDING);
    CHECK(schedule_next(&s, 0) == 6);
    schedule_free(&s);
}

int main(void)
{
    RUN_TEST(slots_are_case_then_profile_then_rep);
    RUN_TEST(extra_reps_wait_for_their_decision);
    RUN_TEST(skipping_an_extra_rep_skips_the_later_ones);
    RUN_TEST(skipping_a_case_leaves_its_started_runs_and_the_next_case);
    RUN_TEST(reps_differ_by_the_reports_spread);
    RUN_TEST(memory_available_is_read);
    return CHECK_EXIT_CODE();
}
