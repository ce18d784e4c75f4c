/* Which run of the matrix may start next: the reps of every pair, an extra rep where they differ, in matrix order. */
#include "schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "median.h"
#include "spread.h"

int schedule_init(struct schedule *schedule, size_t cases, size_t profiles, unsigned reps, unsigned max_reps)
{
    memset(schedule, 0, sizeof *schedule);
    if (reps == 0 || max_reps < reps)
        return -1;
    schedule->cases = cases;
    schedule->profiles = profiles;
    schedule->reps = reps;
    schedule->max_reps = max_reps;
    schedule->slots = cases * profiles * max_reps;
    schedule->planned = cases * profiles * reps;
    schedule->state = calloc(schedule->slots ? schedule->slots : 1, 1); /* every slot SLOT_PENDING */
    return schedule->state ? 0 : -1;
}

void schedule_free(struct schedule *schedule)
{
    free(schedule->state);
    schedule->state = NULL;
}

size_t schedule_case(const struct schedule *schedule, size_t slot)
{
    return slot / (schedule->profiles * schedule->max_reps);
}

size_t schedule_profile(const struct schedule *schedule, size_t slot)
{
    return slot / schedule->max_reps % schedule->profiles;
}

unsigned schedule_rep(const struct schedule *schedule, size_t slot)
{
    return (unsigned)(slot % schedule->max_reps) + 1;
}

size_t schedule_next(const struct schedule *schedule, size_t from)
{
    for (size_t slot = from; slot < schedule->slots; slot++) {
        unsigned char state = schedule->state[slot];
        if (state == SLOT_NEEDED || (state == SLOT_PENDING && schedule_rep(schedule, slot) <= schedule->reps))
            return slot;
    }
    return schedule->slots;
}

/* The pair's first slot. */
static size_t pair_start(const struct schedule *schedule, size_t slot)
{
    return slot - (slot % schedule->max_reps);
}

bool schedule_pair_settled(const struct schedule *schedule, size_t slot)
{
    size_t first = pair_start(schedule, slot);
    for (size_t s = first; s < first + schedule->max_reps; s++)
        if (schedule->state[s] != SLOT_DONE && schedule->state[s] != SLOT_SKIPPED)
            return false;
    return true;
}

size_t schedule_undecided(const struct schedule *schedule, size_t slot)
{
    size_t first = pair_start(schedule, slot);
    for (size_t s = first; s < first + schedule->max_reps; s++) {
        if (schedule->state[s] == SLOT_DONE)
            continue;
        /* The first slot not done: an extra rep still pending is undecided; anything else waits or is settled. */
        return schedule->state[s] == SLOT_PENDING && schedule_rep(schedule, s) > schedule->reps ? s : schedule->slots;
    }
    return schedule->slots;
}

void schedule_decide(struct schedule *schedule, size_t slot, bool needed)
{
    if (needed) {
        schedule->state[slot] = SLOT_NEEDED;
        schedule->planned++;
        return;
    }
    for (size_t s = slot; s < pair_start(schedule, slot) + schedule->max_reps; s++)
        schedule->state[s] = SLOT_SKIPPED;
}

bool reps_differ(const struct rep_phases *reps, size_t count, double spread_pct)
{
    const struct rep_phases *clean[count ? count : 1];
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        if (reps[i].clean)
            clean[n++] = &reps[i];
    if (n < 2)
        return n == 1; /* one clean and one failed: maybe by chance, one more; all failed: it will again */
    for (size_t i = 1; i < n; i++) {
        if (clean[i]->count != clean[0]->count)
            return true;
        for (size_t p = 0; p < clean[0]->count; p++)
            if (strcmp(clean[i]->phases[p].label, clean[0]->phases[p].label) != 0)
                return true;
    }
    for (size_t p = 0; p < clean[0]->count; p++) {
        uint64_t rss[n], low = UINT64_MAX, high = 0;
        if (strcmp(clean[0]->phases[p].label, "Exit") == 0)
            continue; /* external mode's end: an outside sample (when killed) may catch the teardown, not a phase */
        for (size_t i = 0; i < n; i++) {
            rss[i] = clean[i]->phases[p].rss_kb;
            low = rss[i] < low ? rss[i] : low;
            high = rss[i] > high ? rss[i] : high;
        }
        uint64_t median = median_u64(rss, n);
        if (spread_differs(low, high, median, spread_pct))
            return true;
    }
    return false;
}

uint64_t memory_available_kb(void)
{
    char line[256];
    unsigned long long kb = 0;
    FILE *meminfo = fopen("/proc/meminfo", "r");
    if (!meminfo)
        return 0;
    while (fgets(line, sizeof line, meminfo))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            break;
    fclose(meminfo);
    return kb;
}

size_t schedule_skip_case(struct schedule *schedule, size_t case_index)
{
    size_t per_case = schedule->profiles * schedule->max_reps, dropped = 0;
    for (size_t slot = case_index * per_case; slot < (case_index + 1) * per_case && slot < schedule->slots; slot++) {
        unsigned char state = schedule->state[slot];
        if (state == SLOT_NEEDED || (state == SLOT_PENDING && schedule_rep(schedule, slot) <= schedule->reps))
            dropped++;
        if (state == SLOT_NEEDED || state == SLOT_PENDING)
            schedule->state[slot] = SLOT_SKIPPED;
    }
    schedule->planned -= dropped;
    return dropped;
}
