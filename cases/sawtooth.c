/* A long-running server: rounds of a batch of mixed sizes, 1 in 20 kept, the rest freed; live bytes creep up, holes pile up. */
#include <stdio.h>

#include "case.h"

const unsigned case_default_threads = 0; /* one thread */

const char case_description[] =
    "sawtooth: 200 rounds; each allocates 4 000 blocks (x scale) of 16-4 096 B, keeps 1 in 20 and\n"
    "frees the rest, with a phase every 25 rounds. Then the older half of the kept blocks expires.";

enum {
    ROUNDS = 200,
    ROUNDS_PER_PHASE = 25,
    BATCH = 4000,
    BLOCK_MIN = 16,
    BLOCK_MAX = 4096,
    KEEP_ONE_IN = 20,
};

struct kept_block {
    void *block;
    size_t size;
};

void case_body(const struct case_params *params)
{
    size_t batch = scaled(BATCH, params->scale);
    size_t kept_capacity = ROUNDS * (batch / KEEP_ONE_IN + 1);
    struct kept_block *kept = tracked_malloc(kept_capacity * sizeof *kept);
    void **round_blocks = tracked_malloc(batch * sizeof *round_blocks);
    size_t kept_count = 0;

    for (size_t round = 1; round <= ROUNDS; round++) {
        size_t first = round * batch; /* every round its own sizes */
        for (size_t i = 0; i < batch; i++)
            round_blocks[i] = tracked_malloc(mixed_size(first + i, BLOCK_MIN, BLOCK_MAX));
        for (size_t i = 0; i < batch; i++) {
            size_t size = mixed_size(first + i, BLOCK_MIN, BLOCK_MAX);
            if (i % KEEP_ONE_IN == KEEP_ONE_IN - 1)
                kept[kept_count++] = (struct kept_block){round_blocks[i], size};
            else
                tracked_free(round_blocks[i], size);
        }
        if (round % ROUNDS_PER_PHASE == 0) {
            char label[32];
            snprintf(label, sizeof label, "Round %zu", round);
            phase(label);
        }
    }

    /* The older half expires, as entries of a cache do; the newer half stays live to the end. */
    for (size_t i = 0; i < kept_count / 2; i++)
        tracked_free(kept[i].block, kept[i].size);
    phase("After del");
}
