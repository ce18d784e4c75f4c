/* The live set of a trace: which blocks are allocated at a point of the event stream, and their requested bytes. */
#ifndef FRAGBENCH_TRACE_LIVE_H
#define FRAGBENCH_TRACE_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One block: its address and its requested bytes, side by side (a lookup reads one cache line). */
struct live_slot {
    uint64_t key; /* 0: an empty slot (no block lives at address 0) */
    uint64_t size;
};

/* An open-addressing hash set of block addresses with their sizes: 16 bytes a slot, at most three quarters full. */
struct live_set {
    struct live_slot *slots;
    uint64_t *tags; /* a tagged set's: one number per slot for its user (a replay's block); else NULL */
    uint64_t removed_tag; /* the tag of the block live_remove took out, or live_add displaced, last */
    size_t added_slot;    /* the slot live_add filled last (valid until the set grows or loses a block) */
    size_t capacity; /* a power of two */
    uint64_t blocks, bytes;
};

void live_init(struct live_set *set);

/* The same with a tag per block (8 more bytes a slot): 0 when added, set with live_set_tag. */
void live_init_tagged(struct live_set *set);

/* Sets the tag of a live block; false if none is live at that address. */
bool live_set_tag(struct live_set *set, uint64_t pointer, uint64_t tag);
void live_free(struct live_set *set);
void live_clear(struct live_set *set);

/*
 * Adds a block; false if a block was already live at that address (it is replaced, its tag left in removed_tag:
 * an order error in the trace).
 */
bool live_add(struct live_set *set, uint64_t pointer, uint64_t size);

bool live_contains(const struct live_set *set, uint64_t pointer);

/* Asks the cache for the slot where a lookup of pointer starts, in a table larger than the cache. */
void live_prefetch_slot(const struct live_set *set, uint64_t pointer);
static inline void live_prefetch(const struct live_set *set, uint64_t pointer)
{
    enum { CACHED_SLOTS = 1 << 16 }; /* a table of 1 MiB or less: in the cache already, the prefetch only costs */
    if (set->capacity > CACHED_SLOTS)
        live_prefetch_slot(set, pointer);
}

/* Removes a block and gives its size; false if none is live at that address. */
bool live_remove(struct live_set *set, uint64_t pointer, uint64_t *size);

#endif
