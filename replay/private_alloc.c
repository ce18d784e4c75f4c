/* The replayer's own allocator: power-of-two classes carved from mmap'ed regions, large blocks mapped alone. */
#define _GNU_SOURCE
#include "private_alloc.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * Classes of 2^4 to 2^20 bytes, each block with a 16-byte head holding its class; a block freed goes on its
 * class's list and is reused for the same class. Above 1 MiB a block is an mmap of its own, unmapped on free.
 * Regions are 8 MiB; a region's pages are touched only as blocks are carved from it.
 *
 * A page of a fresh mapping that is read before it is written is mapped to the kernel's shared zero page (a huge
 * zero page of 2 MiB in a region advised MADV_HUGEPAGE): mincore calls it resident, RSS does not count it, and
 * private_resident_bytes would take from the rows memory that was never in them (jq's replay under glibc lost
 * 2 MB at a row in half of its runs; with the huge zero page turned off, 0.2 MB). So a large block's pages (above
 * 1 MiB, advised to huge pages: the live set's tables, the reading thread's ring), and a block's before realloc
 * copies it (its tail may be unwritten), are made the process's own first (own_pages). Found by measure: with
 * only the large blocks from calloc so made, a 2 MB miss remained. Smaller blocks, from the regions (advised to
 * small pages: a zero page there is 4 kB), are resident only as far as they are written (a replay thread's queue of 224 KiB:
 * the part used), as are the large arrays of private_zeroed, read only where they are about to be written.
 */
enum { HEAD = 16, MIN_SHIFT = 4, MAX_SHIFT = 20, CLASSES = MAX_SHIFT - MIN_SHIFT + 1, REGION = 8 << 20 };

static void *free_lists[CLASSES];
static unsigned char *region, *region_end;
static unsigned char *regions[4096]; /* every region mapped, for mincore: a block carved touches only what is written */
static _Atomic size_t region_count; /* atomic, as the large blocks: private_resident_bytes may run in another thread */
/* How far each region has been carved: mincore looks no further (past it, nothing was ever written). */
static _Atomic size_t region_carved[sizeof regions / sizeof regions[0]];
/* The large blocks mapped now, for mincore (a slot's start is 0 when free); those beyond the slots count whole. */
enum { LARGE_SLOTS = 256 };
static struct {
    _Atomic uintptr_t start;
    _Atomic size_t length;
} large[LARGE_SLOTS];
static _Atomic size_t large_unlisted_bytes;
/* Odd while a large block or the reading thread's stack is being mapped or unmapped; counts each change
   (private_changes). */
static _Atomic uint64_t changes;
static unsigned char *stack;  /* the reading thread's stack, while it runs (private_stack) */
static size_t stack_length;

static unsigned class_of(size_t size)
{
    unsigned shift = MIN_SHIFT;
    while (((size_t)1 << shift) < size + HEAD)
        shift++;
    return shift - MIN_SHIFT;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older headers lack it */
#endif

/*
 * Makes every page of [from, to) the process's own, as RSS counts it, its bytes unchanged: by MADV_POPULATE_WRITE
 * (the kernel's write faults in one call), else, on a kernel before 5.14, a byte of each page read and written
 * back. The loop took jq's replay of 6.7 M events 0.6 s longer than the call (its tables: 445 MiB made resident);
 * the call, no longer than none. Only the replay's reading thread calls this allocator.
 */
static void own_pages(unsigned char *from, unsigned char *to)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char *start = (unsigned char *)((uintptr_t)from & ~(uintptr_t)(page - 1));
    if (to > start && madvise(start, (size_t)(to - start), MADV_POPULATE_WRITE) == 0)
        return;
    for (volatile unsigned char *at = start; at < to; at += page)
        *at = *at;
}

/* Lists a large block for private_resident_bytes, or takes it off (one beyond the list is counted whole). */
static void list_large(unsigned char *block, size_t length, bool add)
{
    for (size_t i = 0; i < LARGE_SLOTS; i++)
        if (add && !large[i].start) {
            large[i].length = length;
            large[i].start = (uintptr_t)block;
            return;
        } else if (!add && large[i].start == (uintptr_t)block) {
            large[i].start = 0;
            large[i].length = 0;
            return;
        }
    if (add)
        large_unlisted_bytes += length;
    else
        large_unlisted_bytes -= length;
}

/* A block of size bytes; own: a large block's pages made the process's own at once (see above). */
static void *allocate(size_t size, bool own)
{
    if (size > SIZE_MAX - 2 * 4096)
        return NULL;
    if (size + HEAD > ((size_t)1 << MAX_SHIFT)) {
        size_t length = (size + HEAD + 4095) & ~(size_t)4095;
        atomic_fetch_add(&changes, 1);
        unsigned char *block = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (block == MAP_FAILED) {
            atomic_fetch_add(&changes, 1);
            return NULL;
        }
        /* Huge pages where the system gives them on request (THP "madvise"): the live set's table, filled at
           random, would otherwise take a page fault and a TLB miss every few calls. */
        (void)madvise(block, length, MADV_HUGEPAGE);
        if (own)
            own_pages(block, block + length);
        memcpy(block, &length, sizeof length);
        list_large(block, length, true);
        atomic_fetch_add(&changes, 1);
        return block + HEAD;
    }
    unsigned cls = class_of(size);
    size_t length = (size_t)1 << (cls + MIN_SHIFT);
    unsigned char *block = free_lists[cls];
    if (block) {
        memcpy(&free_lists[cls], block + HEAD, sizeof(void *));
        return block + HEAD;
    }
    if (!region || region + length > region_end) {
        if (region_count == sizeof regions / sizeof regions[0])
            return NULL;
        region = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (region == MAP_FAILED) {
            region = NULL;
            return NULL;
        }
        /* Small pages, whatever THP's setting: with "always", a block's first write made a huge page of 2 MiB
           resident around it, past the carved part that private_resident_bytes measures (2 300 kB of RSS against
           4 kB counted, in a reviewer's test), and a read before a write mapped the huge zero page. */
        (void)madvise(region, REGION, MADV_NOHUGEPAGE);
        regions[region_count] = region;
        atomic_fetch_add(&region_count, 1); /* after the region is in the list */
        region_end = region + REGION;
    }
    block = region;
    region += length;
    atomic_store_explicit(&region_carved[region_count - 1], (size_t)(region - regions[region_count - 1]),
                          memory_order_relaxed);
    size_t tag = cls; /* a class below the large blocks' lengths, which are at least 1 MiB */
    memcpy(block, &tag, sizeof tag);
    return block + HEAD;
}

void *private_malloc(size_t size)
{
    return allocate(size, true);
}

/* calloc's block, or private_zeroed's (own false): a large block is a fresh mapping, zero already. */
static void *allocate_zeroed(size_t count, size_t size, bool own)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total))
        return NULL;
    unsigned char *block = allocate(total, own);
    if (block && total + HEAD <= ((size_t)1 << MAX_SHIFT))
        memset(block, 0, total);
    return block;
}

void *private_calloc(size_t count, size_t size)
{
    return allocate_zeroed(count, size, true);
}

void *private_zeroed(size_t count, size_t size)
{
    return allocate_zeroed(count, size, false);
}

static size_t usable(const unsigned char *block)
{
    size_t tag;
    memcpy(&tag, block - HEAD, sizeof tag);
    return (tag < CLASSES ? (size_t)1 << (tag + MIN_SHIFT) : tag) - HEAD;
}

void private_free(void *pointer)
{
    unsigned char *block = pointer;
    size_t tag;
    if (!block)
        return;
    memcpy(&tag, block - HEAD, sizeof tag);
    if (tag >= CLASSES) {
        atomic_fetch_add(&changes, 1);
        list_large(block - HEAD, tag, false);
        munmap(block - HEAD, tag);
        atomic_fetch_add(&changes, 1);
        return;
    }
    memcpy(block, &free_lists[tag], sizeof(void *));
    free_lists[tag] = block - HEAD;
}

void *private_realloc(void *pointer, size_t size)
{
    if (!pointer)
        return private_malloc(size);
    size_t old = usable(pointer);
    if (size <= old && size + HEAD > old / 2)
        return pointer;
    void *moved = private_malloc(size);
    if (!moved)
        return NULL;
    own_pages(pointer, (unsigned char *)pointer + (old < size ? old : size)); /* its tail may be unwritten */
    memcpy(moved, pointer, old < size ? old : size);
    private_free(pointer);
    return moved;
}

/*
 * The threads' tables: slots in an array of the program's own (zero pages until a slot in them is first taken,
 * then written whole, so that what mincore counts RSS counts too), each taken and given back by an atomic flag.
 */
unsigned char private_thread_tables[PRIVATE_TABLE_SLOTS][PRIVATE_TABLE_SLOT] __attribute__((aligned(4096)));
static _Atomic bool table_taken[PRIVATE_TABLE_SLOTS];
static _Atomic size_t tables_reached; /* slots below it have been taken (mincore looks no further) */

void *private_thread_table(size_t size)
{
    if (size > PRIVATE_TABLE_SLOT)
        return NULL;
    for (size_t i = 0; i < PRIVATE_TABLE_SLOTS; i++) {
        bool free_slot = false;
        if (!atomic_load_explicit(&table_taken[i], memory_order_relaxed) &&
            atomic_compare_exchange_strong(&table_taken[i], &free_slot, true)) {
            for (size_t reached = atomic_load(&tables_reached);
                 reached < i + 1 && !atomic_compare_exchange_weak(&tables_reached, &reached, i + 1);)
                ;
            memset(private_thread_tables[i], 0, PRIVATE_TABLE_SLOT);
            return private_thread_tables[i];
        }
    }
    return NULL;
}

void private_thread_table_free(void *table)
{
    size_t slot = (size_t)((unsigned char *)table - &private_thread_tables[0][0]) / PRIVATE_TABLE_SLOT;
    atomic_store(&table_taken[slot], false);
}

void *private_stack(size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size = (size + page - 1) / page * page;
    unsigned char *mapped = mmap(NULL, size + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (mapped == MAP_FAILED)
        return NULL;
    if (mprotect(mapped, page, PROT_NONE) != 0) { /* a guard page below: an overflow faults, not overwrites */
        munmap(mapped, size + page);
        return NULL;
    }
    atomic_fetch_add(&changes, 1); /* a change of what private_resident_bytes counts, as a large block's */
    stack = mapped;
    stack_length = size + page;
    atomic_fetch_add(&changes, 1);
    return mapped + page;
}

void private_stack_free(void)
{
    if (!stack)
        return;
    atomic_fetch_add(&changes, 1);
    munmap(stack, stack_length);
    stack = NULL;
    stack_length = 0;
    atomic_fetch_add(&changes, 1);
}

/*
 * The resident pages of [start, start + length), a page-aligned range, by mincore 64 MiB at a time. Counted
 * eight pages to a word: the main thread measures the live set's tables (hundreds of MiB) after every MiB it
 * allocates (calls.c), and a byte at a time took a twentieth of its time.
 */
static size_t resident_in(const unsigned char *start, size_t length)
{
    enum { PIECE_PAGES = 16384 };
    static uint64_t pages[PIECE_PAGES / 8];
    size_t page = (size_t)sysconf(_SC_PAGESIZE), resident_pages = 0;
    for (size_t at = 0; at < length; at += PIECE_PAGES * page) {
        size_t piece = length - at < PIECE_PAGES * page ? length - at : PIECE_PAGES * page;
        size_t count = (piece + page - 1) / page;
        memset(pages, 0, (count + 7) / 8 * 8);
        int status;
        while ((status = mincore((void *)(start + at), piece, (unsigned char *)pages)) != 0 && errno == EAGAIN)
            ;
        if (status != 0)
            continue; /* unmapped meanwhile: private_changes tells the caller */
        /* A page's byte has its low bit set when resident: the product sums a word's eight low bits into its top
           byte (at most 8, no carry), where __builtin_popcountll is a library call on a build for any x86-64. */
        for (size_t word = 0; word < (count + 7) / 8; word++)
            resident_pages += (size_t)(((pages[word] & 0x0101010101010101ull) * 0x0101010101010101ull) >> 56);
    }
    return resident_pages * page;
}

uint64_t private_changes(void)
{
    return atomic_load(&changes);
}

size_t private_resident_bytes(void)
{
    size_t resident = large_unlisted_bytes;
    for (size_t i = 0; i < LARGE_SLOTS; i++) {
        uintptr_t start = large[i].start;
        if (start)
            resident += resident_in((const unsigned char *)start, large[i].length);
    }
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    for (size_t r = 0; r < region_count; r++) {
        size_t carved = atomic_load_explicit(&region_carved[r], memory_order_relaxed);
        resident += resident_in(regions[r], (carved + page - 1) & ~(page - 1));
    }
    if (stack)
        resident += resident_in(stack, stack_length);
    size_t tables = (atomic_load(&tables_reached) * PRIVATE_TABLE_SLOT + page - 1) & ~(page - 1);
    return resident + resident_in(&private_thread_tables[0][0], tables);
}
