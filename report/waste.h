/* What became of the memory held before "After del": given back to the OS, kept free by the allocator, or other. */
#ifndef FRAGBENCH_WASTE_H
#define FRAGBENCH_WASTE_H

#include <stdbool.h>
#include <stdint.h>

#include "dataset.h"
#include "stats.h"

/* The phase whose waste is split. */
#define WASTE_PHASE "After del"

/*
 * One case x profile, from its median rep (the clean rep whose anon_kb after del is the median;
 * of two middle reps, the lower), so that the parts add up. All in kB.
 *   held_kb      anon_kb of the phase just before "After del"
 *   live_kb      what the program holds after del, by its own count
 *   returned_kb  held_kb - anon_kb after del (0 if it grew): given back to the OS
 *   free_kb      the allocator's own free bytes (alloc_free_kb), at most the retained waste
 *                (anon_kb - live_kb after del): free inside the allocator and still resident
 *   other_kb     the rest of the retained waste: the allocator's metadata, rounding of blocks
 *                to size classes, per-thread caches, stacks and the program's other anonymous memory
 * When the allocator does not tell its free bytes, free_kb and other_kb are unknown and
 * unsplit_kb holds the whole retained waste.
 */
struct waste_split {
    bool known;      /* a clean rep with the phase, the one before it and live_kb */
    bool split;      /* the allocator told its free bytes: free_kb and other_kb are set */
    unsigned rep;
    uint64_t held_kb, live_kb, anon_kb, returned_kb, free_kb, other_kb, unsplit_kb;
};

/* The split of one case x profile; .known is false when the case has no "After del" or no live bytes. */
struct waste_split waste_of(const struct dataset *dataset, const char *case_name, const char *alloc);

/* True when some profile of the case has a split to show. */
bool waste_case_has_split(const struct dataset *dataset, const struct case_stats *case_stats);

#endif
