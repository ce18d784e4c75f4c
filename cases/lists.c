/* The talk's "free list torture": 500 rounds of alloc(i) appended to one growing array, then everything freed. */
#include "case.h"

const unsigned case_default_threads = 0; /* one thread */

const char case_description[] =
    "lists: for i in 0..499, i blocks of 4 500-5 500 B (x scale) appended to one realloc-grown\n"
    "pointer array (CPython's list growth), then every block and the array freed.";

enum { ROUNDS = 500, SIZE_MIN = 4500, SIZE_SPREAD = 1001 };

/* The size of block j: the talk's ~5 000 B strings, varied by a fixed hash so no table is needed. */
static size_t block_size(size_t j)
{
    return mixed_size(j, SIZE_MIN, SIZE_MIN + SIZE_SPREAD - 1);
}

/* CPython's list_resize over-allocation: newsize + newsize/8 + 6. */
static size_t grown_capacity(size_t needed)
{
    return needed + (needed >> 3) + 6;
}

void case_body(const struct case_params *params)
{
    void **items = NULL;
    size_t count = 0, capacity = 0;

    for (size_t i = 0; i < ROUNDS; i++) {
        /* Round i brings the total to scale × (0 + 1 + ... + i), so the rounding never drifts. */
        size_t target = (size_t)((double)(i * (i + 1) / 2) * params->scale + 0.5);
        while (count < target) {
            if (count == capacity) {
                size_t wanted = grown_capacity(count + 1);
                items = tracked_realloc(items, capacity * sizeof *items, wanted * sizeof *items);
                capacity = wanted;
            }
            items[count] = tracked_malloc(block_size(count));
            count++;
        }
    }
    phase("After work");

    /* CPython frees a list's items from the last to the first, then the array. */
    while (count > 0) {
        count--;
        tracked_free(items[count], block_size(count));
    }
    tracked_free(items, capacity * sizeof *items);
    phase("After del");
}
