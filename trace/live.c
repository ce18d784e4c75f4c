/* The live set of a trace: an open-addressing hash set of block addresses and sizes, with deletion by shifting back. */
#include "live.h"

#include <stdlib.h>
#include <string.h>

enum { FIRST_CAPACITY = 1024 };

static void allocate_table(struct live_set *set, size_t capacity, bool tagged)
{
    set->capacity = capacity;
    set->hash_shift = 64 - (unsigned)__builtin_ctzll(capacity);
    set->slots = calloc(capacity, sizeof *set->slots);
    set->tags = tagged ? malloc(capacity * sizeof *set->tags) : NULL;
    if (!set->slots || (tagged && !set->tags))
        abort();
}

void live_init(struct live_set *set)
{
    memset(set, 0, sizeof *set);
    allocate_table(set, FIRST_CAPACITY, false);
}

void live_init_tagged(struct live_set *set)
{
    memset(set, 0, sizeof *set);
    allocate_table(set, FIRST_CAPACITY, true);
}

void live_free(struct live_set *set)
{
    free(set->slots);
    free(set->tags);
    memset(set, 0, sizeof *set);
}

void live_clear(struct live_set *set)
{
    bool tagged = set->tags != NULL;
    live_free(set);
    allocate_table(set, FIRST_CAPACITY, tagged);
}

/* Puts a block known to be absent; no growth check. */
static void put(struct live_set *set, struct live_slot block, uint64_t tag)
{
    size_t slot = live_slot_of(set, block.key);
    while (set->slots[slot].key)
        slot = (slot + 1) & (set->capacity - 1);
    set->slots[slot] = block;
    if (set->tags)
        set->tags[slot] = tag;
}

static void grow(struct live_set *set)
{
    struct live_slot *slots = set->slots;
    uint64_t *tags = set->tags;
    size_t capacity = set->capacity;
    allocate_table(set, capacity * 2, tags != NULL);
    for (size_t i = 0; i < capacity; i++)
        if (slots[i].key)
            put(set, slots[i], tags ? tags[i] : 0);
    free(slots);
    free(tags);
}

static size_t find(const struct live_set *set, uint64_t pointer, bool *found)
{
    size_t slot = live_slot_of(set, pointer);
    while (set->slots[slot].key && set->slots[slot].key != pointer)
        slot = (slot + 1) & (set->capacity - 1);
    *found = set->slots[slot].key == pointer;
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
        set->removed_tag = set->tags ? set->tags[slot] : 0; /* the displaced block's */
        set->bytes = set->bytes - set->slots[slot].size + size;
        set->slots[slot].size = size;
        if (set->tags)
            set->tags[slot] = 0;
        return false;
    }
    if ((set->blocks + 1) * 4 > set->capacity * 3) { /* at most three quarters full */
        grow(set);
        slot = find(set, pointer, &found);
    }
    set->slots[slot] = (struct live_slot){.key = pointer, .size = size};
    if (set->tags)
        set->tags[slot] = 0;
    set->added_slot = slot;
    set->blocks++;
    set->bytes += size;
    return true;
}

bool live_set_tag(struct live_set *set, uint64_t pointer, uint64_t tag)
{
    bool found;
    size_t slot = find(set, pointer, &found);
    if (found && set->tags)
        set->tags[slot] = tag;
    return found;
}

bool live_remove(struct live_set *set, uint64_t pointer, uint64_t *size)
{
    bool found;
    size_t hole = find(set, pointer, &found), mask = set->capacity - 1;
    if (!found)
        return false;
    *size = set->slots[hole].size;
    set->removed_tag = set->tags ? set->tags[hole] : 0;
    set->blocks--;
    set->bytes -= *size;
    /* Shift later members of the probe run back into the hole, so that no lookup stops short. */
    for (size_t slot = (hole + 1) & mask; set->slots[slot].key; slot = (slot + 1) & mask) {
        size_t home = live_slot_of(set, set->slots[slot].key);
        bool movable = hole <= slot ? (home <= hole || home > slot) : (home <= hole && home > slot);
        if (movable) {
            set->slots[hole] = set->slots[slot];
            if (set->tags)
                set->tags[hole] = set->tags[slot];
            hole = slot;
        }
    }
    set->slots[hole].key = 0;
    return true;
}
