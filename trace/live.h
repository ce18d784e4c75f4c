/* The live set of a trace: which blocks are allocated at a point of the event stream, and their requested bytes. */
#ifndef FRAGBENCH_TRACE_LIVE_H
#define FRAGBENCH_TRACE_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* One block: its address and its requested bytes, side by side (a lookup reads one cache line). */
struct live_slot {
    uint64_t key; /* 0: an empty slot (no block lives at address 0) */
    uint64_t size;
};

/*
 * An open-addressing hash set of block addresses with their sizes: 16 bytes a slot, at most three quarters full.
 * A set may keep a number per block for its user (a replay's block, or its handle), its tag: of 64 bits in an
 * array beside the slots (8 more bytes a slot), or of 32 bits in the slot itself, beside a size of 32 bits (a
 * larger size is kept aside, in a set of its own): jq's replay, whose reading thread keeps such a set of 3.4 M
 * blocks, took a tenth less time with its handles in the slots than beside them.
 */
struct live_set {
    struct live_slot *slots;
    uint64_t *tags;          /* the 64-bit tags, by slot (live_init_tagged); else NULL */
    bool small_tags;         /* tags of 32 bits in the slots' upper halves (live_init_small_tags) */
    struct live_set *aside;  /* small_tags: the sizes that do not fit 32 bits, by address; NULL until one comes */
    uint64_t removed_tag; /* the tag of the block live_remove took out, or live_add displaced, last */
    size_t added_slot;    /* the slot live_add filled last (valid until the set grows or loses a block) */
    size_t capacity; /* a power of two */
    unsigned hash_shift; /* 64 - log2(capacity): a page's hash is the top bits of a product */
    uint64_t blocks, bytes;
};

void live_init(struct live_set *set);

/* The same with a tag per block (8 more bytes a slot): 0 when added, set with live_set_tag. */
void live_init_tagged(struct live_set *set);

/* The same with a tag per block below 2^32, kept in its slot (16 bytes a slot, as live_init's). */
void live_init_small_tags(struct live_set *set);

/* Sets the tag of a live block; false if none is live at that address. A small tag above 2^32 - 1 aborts. */
bool live_set_tag(struct live_set *set, uint64_t pointer, uint64_t tag);
void live_free(struct live_set *set);
void live_clear(struct live_set *set);

/*
 * Adds a block; false if a block was already live at that address (it is replaced, its tag left in removed_tag:
 * an order error in the trace).
 */
bool live_add(struct live_set *set, uint64_t pointer, uint64_t size);

bool live_contains(const struct live_set *set, uint64_t pointer);

/*
 * Where a block's lookup starts. The blocks of one page go to one run of slots in address order, a slot per 16
 * bytes (blocks at an odd multiple of 8 to a second run after it), and pages to runs scattered by Fibonacci
 * hashing (the product's top bits): a program allocates and frees neighbours together, so a lookup mostly finds
 * its slot in a cache line the last one brought in. A slot scattered per block cost a cache miss a call: jq's
 * replay took twice as long. Runs of pages full of 8- or 16-byte blocks overlap into long probes; such pages are
 * no slower than with a slot per block hashed (measured with 2 M blocks at each stride from 8 bytes to 2 MB).
 */
static inline size_t live_slot_of(const struct live_set *set, uint64_t pointer)
{
    uint64_t page_hash = (pointer >> 12) * 0x9e3779b97f4a7c15ull;
    return (size_t)((page_hash >> set->hash_shift) + ((pointer >> 4) & 255) + ((pointer & 8) << 5)) &
           (set->capacity - 1);
}

/* Asks the cache for the slot where a lookup of pointer starts, in a table larger than the cache. */
static inline void live_prefetch(const struct live_set *set, uint64_t pointer)
{
    enum { CACHED_SLOTS = 1 << 16 }; /* a table of 1 MiB or less: in the cache already, the prefetch only costs */
    if (set->capacity > CACHED_SLOTS) {
        size_t slot = live_slot_of(set, pointer);
        __builtin_prefetch(&set->slots[slot], 1);
        if (set->tags)
            __builtin_prefetch(&set->tags[slot], 1);
    }
}

/* Sets the tag of the block in a slot (a small tag above 2^32 - 1 aborts: a user's mistake). */
static inline void live_tag_slot(struct live_set *set, size_t slot, uint64_t tag)
{
    if (set->small_tags) {
        if (tag > UINT32_MAX)
            abort();
        set->slots[slot].size = (uint32_t)set->slots[slot].size | tag << 32;
    } else if (set->tags)
        set->tags[slot] = tag;
}

/* Sets the tag of the block live_add added last, if it is the block at pointer (most often: no lookup). */
static inline bool live_tag_added(struct live_set *set, uint64_t pointer, uint64_t tag)
{
    if (!pointer || set->slots[set->added_slot].key != pointer)
        return false;
    live_tag_slot(set, set->added_slot, tag);
    return true;
}

/* Removes a block and gives its size; false if none is live at that address. */
bool live_remove(struct live_set *set, uint64_t pointer, uint64_t *size);

#endif
