/* Reads hyperfine's CSV export of the timing runs: the mean wall time of each "CASE · PROFILE" command. */
#include "timing.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int timing_load(const char *path, struct timing *out, char *error, size_t error_size)
{
    memset(out, 0, sizeof *out);
    out->command = out->mean = -1;
    if (access(path, F_OK) != 0)
        return 0;
    if (csv_load(path, &out->table, error, error_size) != 0)
        return -1;
    out->command = csv_column(&out->table, "command");
    out->mean = csv_column(&out->table, "mean");
    if (out->command < 0 || out->mean < 0) {
        snprintf(error, error_size, "%s: not a hyperfine CSV export (no 'command' and 'mean' columns)", path);
        csv_free(&out->table);
        return -1;
    }
    return 0;
}

double timing_mean(const struct timing *timing, const char *case_name, const char *profile)
{
    char name[512];
    snprintf(name, sizeof name, "%s" TIMING_NAME_SEPARATOR "%s", case_name, profile);
    for (size_t r = 1; r < timing->table.rows; r++)
        if (strcmp(csv_cell(&timing->table, r, (size_t)timing->command), name) == 0) {
            char *end;
            errno = 0;
            const char *text = csv_cell(&timing->table, r, (size_t)timing->mean);
            double mean = strtod(text, &end);
            return errno || *end || end == text || mean < 0 ? -1 : mean; /* an empty cell is no time, not 0 s */
        }
    return -1;
}

void timing_free(struct timing *timing)
{
    csv_free(&timing->table);
}
