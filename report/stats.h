/* Aggregates the phase samples of a dataset per case x profile x phase over the reps. */
#ifndef FRAGBENCH_STATS_H
#define FRAGBENCH_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataset.h"

/* Reps whose RSS for a phase spreads more than this (max - min, as % of the median), and more than
   SPREAD_FLOOR_KB (spread.h), are flagged. */
#define STATS_DISAGREE_PCT 5.0

struct phase_stats {
    unsigned reps;       /* clean reps that have this phase; 0: no value */
    uint64_t rss_median, rss_min, rss_max;
    uint64_t anon_median, anon_min, anon_max;
    double retained_pct; /* median over reps of (this phase's RSS / the rep's peak RSS) x 100 */
    double spread_pct;   /* (rss_max - rss_min) / rss_median x 100 */
    bool disagree;       /* spread_pct > STATS_DISAGREE_PCT, and max - min > SPREAD_FLOOR_KB */
};

struct profile_stats {
    const char *alloc, *allocator, *version;
    unsigned clean_reps, failed_reps;
    const struct sample_row *first_clean_rep; /* its rows follow in the dataset: the console block */
    double busy_s;                            /* median over the clean reps of busy_ms, in s; -1 unknown */
    struct phase_stats *phases;               /* one per case phase, in the case's order */
};

struct case_stats {
    const char *case_name;
    const char **phases; /* labels in seq order */
    size_t phase_count;
    struct profile_stats *profiles; /* in the order they first appear */
    size_t profile_count;
};

struct stats {
    struct case_stats *cases; /* in the order they first appear */
    size_t count;
};

void stats_build(const struct dataset *dataset, struct stats *out);

/* The index of a case's phase by label, or -1. */
long stats_phase(const struct case_stats *case_stats, const char *label);

/* A case's statistics by name, or NULL. */
const struct case_stats *stats_case(const struct stats *stats, const char *case_name);

/* The statistics of a case (NULL: none) under a profile, or NULL when that pair is not in them. */
const struct profile_stats *stats_profile(const struct case_stats *c, const char *alloc);

void stats_free(struct stats *stats);

#endif
