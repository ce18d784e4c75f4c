/* Finds the known name nearest to a mistyped one, for "did you mean ...?". */
#ifndef FRAGBENCH_NEAREST_H
#define FRAGBENCH_NEAREST_H

#include <stddef.h>

/* The edit distance (insertions, deletions, substitutions, swaps of neighbours) between a and b. */
size_t edit_distance(const char *a, const char *b);

/*
 * The name among count names nearest to wrong, or NULL when none is near enough to be a likely
 * typo (the same name in other capitals, or a distance at most a third of its length, and at least 1
 * allowed). name_at returns name i.
 */
const char *nearest_name(const char *wrong, size_t count, const char *(*name_at)(const void *, size_t),
                         const void *names);

#endif
