/* The talk's "big then small": a big batch of blocks, one block allocated after it that stays live, then the batch freed. */
#include "case.h"

const unsigned case_default_threads = 0; /* one thread */

const char case_description[] =
    "frag: 100 000 blocks of 5 000 B (x scale), one more that stays live, then the first 100 000 freed.";

enum { BLOCK_SIZE = 5000, BIG_COUNT = 100000 };

void case_body(const struct case_params *params)
{
    size_t count = scaled(BIG_COUNT, params->scale);
    void **big = tracked_malloc(count * sizeof *big);

    for (size_t i = 0; i < count; i++)
        big[i] = tracked_malloc(BLOCK_SIZE);
    phase("After alloc");

    /* The talk's "small = alloc(1)": one more string, above the batch, that stays live. */
    void *small = tracked_malloc(BLOCK_SIZE);

    for (size_t i = 0; i < count; i++)
        tracked_free(big[i], BLOCK_SIZE);
    tracked_free(big, count * sizeof *big);
    phase("After del");
    (void)small; /* still live: tracked_malloc's caller cannot be elided, the block pins the heap */
}
