/* The replayer's own memory: mmap'ed, never from the allocator under test, and its resident size for the rows. */
#ifndef FRAGBENCH_PRIVATE_ALLOC_H
#define FRAGBENCH_PRIVATE_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The trace reader and the live set are linked into fb-replay with malloc, calloc, realloc and free renamed to
 * these (objcopy --redefine-sym): their tables would otherwise be blocks of the allocator under test, beside the
 * replayed program's. One thread calls them (the replay's reader); private_resident_bytes may be called from
 * another meanwhile (the main thread taking a row or noting a peak: see pipeline.c and calls.c).
 */
void *private_malloc(size_t size);
void *private_calloc(size_t count, size_t size);
void *private_realloc(void *block, size_t size);
/*
 * Zeroed as calloc's, but a large block's pages are resident only where written: for an array read only at
 * entries about to be written (private_calloc makes a large block's pages resident: a table read anywhere).
 */
void *private_zeroed(size_t count, size_t size);
void private_free(void *block);

/*
 * A thread's stack of size bytes (a guard page below it), mapped here so that its resident pages are counted
 * below: the replay's reading thread's (one at a time). Freed with private_stack_free once it is joined.
 */
void *private_stack(size_t size);
void private_stack_free(void);

/*
 * The C library's table of TLS blocks for a thread the replay starts (glibc's DTV), which pthread_create asks of
 * calloc (own_threads.c): a zeroed slot of PRIVATE_TABLE_SLOT bytes, or NULL if size is larger or every slot is
 * taken. Any thread may take or give back a slot at any time.
 */
enum { PRIVATE_TABLE_SLOT = 1024, PRIVATE_TABLE_SLOTS = 1024 };
void *private_thread_table(size_t size);
void private_thread_table_free(void *table);
extern unsigned char private_thread_tables[PRIVATE_TABLE_SLOTS][PRIVATE_TABLE_SLOT];

/* Whether block is one of those slots: a subtraction and a comparison, as every free of the replay asks it. */
static inline bool private_is_thread_table(const void *block)
{
    return (uintptr_t)block - (uintptr_t)private_thread_tables < sizeof private_thread_tables;
}

/*
 * The bytes of memory this allocator holds resident now, to subtract from the rows' RSS: the resident pages
 * (mincore) of its regions, its large blocks, the reading thread's stack and the threads' tables.
 */
size_t private_resident_bytes(void);

/*
 * A count of the changes to the large blocks and the reading thread's stack: odd while one is being mapped or
 * unmapped. A thread reading RSS
 * and private_resident_bytes while the reading thread runs reads them again if the count was odd or has
 * changed (calls.c).
 */
uint64_t private_changes(void);

#endif
