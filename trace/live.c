/* The live set of a trace: an open-addressing hash set of block addresses and sizes, with deletion by shifting back. */
#include "live.h"

#include <stdlib.h>
#include <string.h>

#include "out_of_memory.h"

enum { FIRST_CAPACITY = 1024 };

/* A small-tag slot's size: its lower 32 bits, or SIZE_ASIDE when the size is kept in the set aside. */
#define SIZE_ASIDE UINT32_MAX

static void allocate_table(struct live_set *set, size_t capacity, bool tagged)
{
    set->capacity = capacity;
    set->hash_shift = 64 - (unsigned)__builtin_ctzll(capacity);
    set->slots = calloc(capacity, sizeof *set->slots);
    set->tags = tagged ? malloc(capacity * sizeof *set->tags) : NULL;
    if (!set->slots || (tagged && !set->tags))
        out_of_memory("the live set's table", capacity, sizeof *set->slots + (tagged ? sizeof *set->tags : 0));
}

static void init(struct live_set *set, bool tagged, bool small_tags)
{
    memset(set, 0, sizeof *set);
    set->small_tags = small_tags;
    allocate_table(set, FIRST_CAPACITY, tagged);
}

void live_init(struct live_set *set)
{
    init(set, false, false);
}

void live_init_tagged(struct live_set *set)
{
    init(set, true, false);
}

void live_init_small_tags(struct live_set *set)
{
    init(set, false, true);
}

void live_free(struct live_set *set)
{
    free(set->slots);
    free(set->tags);
    if (set->aside) {
        live_free(set->aside);
        free(set->aside);
    }
    memset(set, 0, sizeof *set);
}

void live_clear(struct live_set *set)
{
    bool tagged = set->tags != NULL, small_tags = set->small_tags;
    live_free(set);
    init(set, tagged, small_tags);
}

/* Puts a block known to be absent, its slot as it was (a small tag and size in it); no growth check. */
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

/* ---- A slot's size and tag, wherever the set keeps them. */

static uint64_t size_at(const struct live_set *set, size_t slot)
{
    uint64_t value = set->slots[slot].size;
    if (!set->small_tags)
        return value;
    if ((uint32_t)value != SIZE_ASIDE)
        return (uint32_t)value;
    bool found;
    size_t aside = find(set->aside, set->slots[slot].key, &found);
    return set->aside->slots[aside].size;
}

static uint64_t tag_at(const struct live_set *set, size_t slot)
{
    if (set->small_tags)
        return set->slots[slot].size >> 32;
    return set->tags ? set->tags[slot] : 0;
}

/* A small-tag set's slot size that involves the set aside: the one it replaces was there, or this one goes there. */
static __attribute__((noinline)) void set_size_aside(struct live_set *set, size_t slot, uint64_t size)
{
    if ((uint32_t)set->slots[slot].size == SIZE_ASIDE) {
        uint64_t old;
        live_remove(set->aside, set->slots[slot].key, &old);
    }
    set->slots[slot].size = size < SIZE_ASIDE ? size : SIZE_ASIDE;
    if (size < SIZE_ASIDE)
        return;
    if (!set->aside) {
        if (!(set->aside = malloc(sizeof *set->aside)))
            out_of_memory("the live set's table", 1, sizeof *set->aside);
        live_init(set->aside);
    }
    live_add(set->aside, set->slots[slot].key, size);
}

/* A slot's size, its tag made 0 (a new block's, or one that replaces another at its address). */
static inline void set_size_at(struct live_set *set, size_t slot, uint64_t size)
{
    if (!set->small_tags) {
        set->slots[slot].size = size;
        if (set->tags)
            set->tags[slot] = 0;
    } else if (size < SIZE_ASIDE && (uint32_t)set->slots[slot].size != SIZE_ASIDE)
        set->slots[slot].size = size;
    else
        set_size_aside(set, slot, size);
}

bool live_add(struct live_set *set, uint64_t pointer, uint64_t size)
{
    bool found;
    size_t slot = find(set, pointer, &found);
    if (found) {
        set->removed_tag = tag_at(set, slot); /* the displaced block's */
        set->bytes = set->bytes - size_at(set, slot) + size;
        set_size_at(set, slot, size);
        return false;
    }
    if ((set->blocks + 1) * 4 > set->capacity * 3) { /* at most three quarters full */
        grow(set);
        slot = find(set, pointer, &found);
    }
    set->slots[slot] = (struct live_slot){.key = pointer};
    set_size_at(set, slot, size);
    set->added_slot = slot;
    set->blocks++;
    set->bytes += size;
    return true;
}

bool live_set_tag(struct live_set *set, uint64_t pointer, uint64_t tag)
{
    if (live_tag_added(set, pointer, tag))
        return true;
    bool found;
    size_t slot = find(set, pointer, &found);
    if (found)
        live_tag_slot(set, slot, tag);
    return found;
}

bool live_remove(struct live_set *set, uint64_t pointer, uint64_t *size)
{
    bool found;
    size_t hole = find(set, pointer, &found), mask = set->capacity - 1;
    if (!found)
        return false;
    uint64_t value = set->slots[hole].size;
    if (!set->small_tags) {
        *size = value;
        set->removed_tag = set->tags ? set->tags[hole] : 0;
    } else {
        *size = (uint32_t)value;
        set->removed_tag = value >> 32;
        if (*size == SIZE_ASIDE)
            live_remove(set->aside, pointer, size); /* the size kept aside, taken out with the block */
    }
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
