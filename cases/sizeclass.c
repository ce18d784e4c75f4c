/* A working set that moves from small strings to 4 KiB to 64 KiB buffers with the same live bytes: memory held for size classes no longer used. */
#include "case.h"

const unsigned case_default_threads = 0; /* one thread */

const char case_description[] =
    "sizeclass: 32 MB (x scale) of 16-128 B strings; then, block by block, the same bytes move to\n"
    "4 KiB buffers (the strings freed in random order as buffers come), then to 64 KiB buffers;\n"
    "a phase after each stage. Then the 64 KiB buffers are freed.";

enum { LIVE_BYTES = 32 << 20, STRING_MIN = 16, STRING_MAX = 128 };

/* One stage of the working set: its blocks, all of block_size bytes or, if that is 0, strings of mixed sizes. */
struct stage {
    void **blocks;
    size_t block_size, capacity, count, bytes;
};

static size_t stage_size_of(const struct stage *stage, size_t index)
{
    return stage->block_size ? stage->block_size : mixed_size(index, STRING_MIN, STRING_MAX);
}

/* The number of blocks the stage needs to hold bytes. */
static size_t stage_blocks_for(size_t block_size, size_t bytes)
{
    size_t count = 0, total = 0;
    if (block_size)
        return bytes / block_size + 1;
    while (total < bytes)
        total += mixed_size(count++, STRING_MIN, STRING_MAX);
    return count;
}

static void stage_open(struct stage *stage, size_t block_size, size_t bytes)
{
    *stage = (struct stage){.block_size = block_size, .capacity = stage_blocks_for(block_size, bytes)};
    stage->blocks = tracked_malloc(stage->capacity * sizeof *stage->blocks);
}

static void stage_add(struct stage *stage)
{
    size_t size = stage_size_of(stage, stage->count);
    stage->blocks[stage->count++] = tracked_malloc(size);
    stage->bytes += size;
}

/* Frees block i (once) of the stage. */
static void stage_free(struct stage *stage, size_t i)
{
    tracked_free(stage->blocks[i], stage_size_of(stage, i));
    stage->bytes -= stage_size_of(stage, i);
}

static void stage_close(struct stage *stage)
{
    tracked_free(stage->blocks, stage->capacity * sizeof *stage->blocks);
}

static size_t gcd(size_t a, size_t b)
{
    while (b) {
        size_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

/* A stride that visits every index of [0, n) once in a scattered order: i * stride mod n. */
static size_t scatter_stride(size_t n)
{
    static const size_t primes[] = {1000003, 1000033, 1000037, 1000039};
    for (size_t i = 0; i < sizeof primes / sizeof primes[0]; i++)
        if (gcd(primes[i], n) == 1)
            return primes[i];
    return 1; /* n is a multiple of all four: in order, still correct */
}

/*
 * Moves the working set from old to new_stage: each new block is paid for by freeing old blocks,
 * picked in a scattered order, so that the live bytes stay where they were; then closes old.
 */
static void migrate(struct stage *old, struct stage *new_stage)
{
    size_t target = old->bytes, stride = scatter_stride(old->count), freed = 0;
    while (new_stage->count < new_stage->capacity && new_stage->bytes + new_stage->block_size <= target) {
        stage_add(new_stage);
        while (freed < old->count && old->bytes > target - new_stage->bytes)
            stage_free(old, (size_t)((unsigned __int128)freed++ * stride % old->count));
    }
    while (freed < old->count)
        stage_free(old, (size_t)((unsigned __int128)freed++ * stride % old->count));
    stage_close(old);
}

void case_body(const struct case_params *params)
{
    size_t live = scaled(LIVE_BYTES, params->scale);
    struct stage strings, pages, buffers;

    stage_open(&strings, 0, live);
    while (strings.bytes < live)
        stage_add(&strings);
    phase("After small");

    stage_open(&pages, 4096, live);
    migrate(&strings, &pages);
    phase("After 4 KiB");

    stage_open(&buffers, 65536, live);
    migrate(&pages, &buffers);
    phase("After 64 KiB");

    for (size_t i = 0; i < buffers.count; i++)
        stage_free(&buffers, i);
    stage_close(&buffers);
    phase("After del");
}
