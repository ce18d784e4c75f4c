/* The live set of a trace: an open-addressing hash set of block addresses and sizes, with deletion by shifting back. */
#include "live.h"

#include <stdlib.h>
#include <string.h>

enum { FIRST_CAPACITY = 1024 };

static size_t slot_of(const struct live_set *set, uint64_t pointer)
{
    uint64_t hash = pointer * 0x9e3779b97f4a7c15ull; /* Fibonacci hashing: addresses differ in their middle bits */
    return (size_t)(hash >> 20) & (set->capacity - 1);
}

static void allocate_table(struct live_set *set, size_t capacity)
{
    set->capacity = capacity;
    set->keys = calloc(capacity, sizeof *set->keys);
    set->sizes = malloc(capacity * sizeof *set->sizes);
    if (!set->keys || !set->sizes)
        abort();
}

void live_init(struct live_set *set)
{
    memset(set, 0, sizeof *set);
    allocate_table(set, FIRST_CAPACITY);
}

void live_free(struct live_set *set)
{
    free(set->keys);
    free(set->sizes);
    memset(set, 0, sizeof *set);
}

void live_clear(struct live_set *set)
{
    live_free(set);
    live_init(set);
}

/* Puts a key known to be absent; no growth check. */
static void put(struct live_set *set, uint64_t pointer, uint64_t size)
{
    size_t slot = slot_of(set, pointer);
    while (set->keys[slot])
        slot = (slot + 1) & (set->capacity - 1);
    set->keys[slot] = pointer;
    set->sizes[slot] = size;
}

static void grow(struct live_set *set)
{
    uint64_t *keys = set->keys, *sizes = set->sizes;
    size_t capacity = set->capacity;
    allocate_table(set, capacity * 2);
    for (size_t i = 0; i < capacity; i++)
        if (keys[i])
            put(set, keys[i], sizes[i]);
    free(keys);
    free(sizes);
}

static size_t find(const struct live_set *set, uint64_t pointer, bool *found)
{
    size_t slot = slot_of(set, pointer);
    while (set->keys[slot] && set->keys[slot] != pointer)
        slot = (slot + 1) & (set->capacity - 1);
    *found = set->keys[slot] == pointer;
    return slot;
}

bool live_contains(const struct live_set *set, uint64_t pointer)
{
    bool found;
    find(set, pointer, &found);
    return found;
}

bool live_add(struct live_set *set, uint64_t pointer, uint64_t size)
{
    bool found;
    size_t slot = find(set, pointer, &found);
    if (found) {
        set->bytes = set->bytes - set->sizes[slot] + size;
        set->sizes[slot] = size;
        return false;
    }
    if ((set->blocks + 1) * 4 > set->capacity * 3) { /* at most three quarters full */
        grow(set);
        slot = find(set, pointer, &found);
    }
    set->keys[slot] = pointer;
    set->sizes[slot] = size;
    set->blocks++;
    set->bytes += size;
    return true;
}

bool live_remove(struct live_set *set, uint64_t pointer, uint64_t *size)
{
    bool found;
    size_t hole = find(set, pointer, &found), mask = set->capacity - 1;
    if (!found)
        return false;
    *size = set->sizes[hole];
    set->blocks--;
    set->bytes -= *size;
    /* Shift later members of the probe run back into the hole, so that no lookup stops short. */
    for (size_t slot = (hole + 1) & mask; set->keys[slot]; slot = (slot + 1) & mask) {
        size_t home = slot_of(set, set->keys[slot]);
        bool movable = hole <= slot ? (home <= hole || home > slot) : (home <= hole && home > slot);
        if (movable) {
            set->keys[hole] = set->keys[slot];
            set->sizes[hole] = set->sizes[slot];
            hole = slot;
        }
    }
    set->keys[hole] = 0;
    return true;
}
