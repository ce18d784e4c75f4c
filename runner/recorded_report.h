/* The talk's lines for a recorded run (--record): its rows' live heap beside RSS, the peaks, the verdict, the calls. */
#ifndef FRAGBENCH_RECORDED_REPORT_H
#define FRAGBENCH_RECORDED_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "recorded.h"

/*
 * The talk's lines for a recorded run: the rows' live heap beside RSS, the peaks, the waste, the calls. command: the
 * command's words (NULL-terminated) in external mode, else NULL. timeline: the run's outside samples are written
 * (--timeline); where the program marked no phases and they are not, it says where the run between is seen.
 */
void recorded_print(FILE *out, const char *path, const struct recorded *recorded, const struct phase_sample *rows,
                    size_t row_count, char *const *command, bool timeline);

#endif
