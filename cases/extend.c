/* List-extend loops: one buffer grown by realloc in steps, small long-lived blocks allocated between the steps, then the buffer freed. */
#include "case.h"

const unsigned case_default_threads = 0; /* one thread */

const char case_description[] =
    "extend: one buffer grown by realloc by 1/8 per step (CPython's list growth) up to 500 MB\n"
    "(x scale), with 100 long-lived 48 B blocks allocated after each step; then the buffer freed.";

enum { TARGET_BYTES = 500000000, SMALLS_PER_STEP = 100, SMALL_SIZE = 48, MAX_STEPS = 256 };

void case_body(const struct case_params *params)
{
    size_t target = scaled(TARGET_BYTES, params->scale);
    void **smalls = tracked_malloc((size_t)MAX_STEPS * SMALLS_PER_STEP * sizeof *smalls);
    size_t small_count = 0;
    char *buffer = NULL;
    size_t size = 0;

    while (size < target) {
        size_t next = size + size / 8 + 1024;
        if (next > target)
            next = target;
        buffer = tracked_realloc(buffer, size, next);
        size = next;
        for (int k = 0; k < SMALLS_PER_STEP && small_count < (size_t)MAX_STEPS * SMALLS_PER_STEP; k++)
            smalls[small_count++] = tracked_malloc(SMALL_SIZE);
    }
    phase("After extend");

    tracked_free(buffer, size);
    phase("After del");
    (void)smalls; /* the small blocks stay live to the end, as long-lived objects do */
}
