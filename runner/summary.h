/* The end-of-run table: per case, a Markdown table of the median RSS of each profile x phase over the reps. */
#ifndef FRAGBENCH_SUMMARY_H
#define FRAGBENCH_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

struct summary;

struct summary *summary_new(void);

/* Adds the RSS of one phase sample of a clean run. */
void summary_add(struct summary *summary, const char *case_name, const char *profile, const char *allocator,
                 const char *label, uint64_t rss_kb);

/*
 * Prints one table per case, preceded by the machine facts (kernel, THP mode) and the run settings: a row per
 * profile and a column per phase, or for a case of more than 8 phases (a replay), a row per phase.
 */
void summary_print(const struct summary *summary, FILE *out, const char *settings);

void summary_free(struct summary *summary);

#endif
