/* The replay's own threads, started with the C library's table for each kept out of the allocator under test. */
#define _GNU_SOURCE
#include "own_threads.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "private_alloc.h"

/*
 * pthread_create allocates the new thread's table of TLS blocks (glibc's DTV: 288 bytes with fb-replay's
 * libraries) through calloc, and frees it when it lets the thread's stack go (at the join, or later from its cache
 * of stacks, which may hand stack and table to the next thread). Through the allocator under test it was a
 * block of the replay's own among the program's: under glibc, 304 bytes at the main arena's start, before the
 * program's first block, and that shift alone moved a replay of CPython's heap across glibc's trim edge, 25 MB
 * away from its recording (tests/replay.sh, "the trim edge"). A threaded replay made the program's own tables
 * (recorded: the loader's calloc is the program's) and its threads' besides.
 *
 * So fb-replay defines calloc, realloc and free, which the loader binds every call to (the C library's, ld.so's,
 * the replay's: the executable comes first in the lookup). In the thread starting one of the replay's threads,
 * while it starts it, calloc takes a slot of the replay's own memory (private_thread_table); free and realloc
 * know such a slot by its address. Every other call goes on to the allocator under test, the next definition in
 * the lookup (dlsym RTLD_NEXT: the preloaded allocator, or the C library's): one comparison more per free.
 * Not malloc: allocator_identify (cases/lib/allocator.c) names the first object that defines malloc as the
 * allocator serving it, which must stay the allocator under test, not fb-replay.
 * Not under a sanitizer, whose runtime defines the three itself (its builds test the replay's order, not its
 * heap).
 */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif

static __thread bool starting_thread; /* this thread is in own_thread_create's pthread_create */
static _Atomic uint64_t tables_without_slot, tables_too_large; /* gone to the allocator under test, and why */

int own_thread_create(pthread_t *thread, const pthread_attr_t *attributes, void *(*body)(void *), void *argument)
{
    starting_thread = true;
    int failed = pthread_create(thread, attributes, body, argument);
    starting_thread = false;
    return failed;
}

void own_thread_tables_outside(uint64_t *without_slot, uint64_t *too_large)
{
    *without_slot = atomic_load(&tables_without_slot);
    *too_large = atomic_load(&tables_too_large);
}

#ifndef UNDER_SANITIZER
static void *(*_Atomic next_calloc)(size_t, size_t);
static void *(*_Atomic next_realloc)(void *, size_t);
static void (*_Atomic next_free)(void *);

/*
 * The allocator's three, found once. dlsym may itself call calloc (for an error's text): that call, in this
 * thread while it looks them up, is served a slot (freed as one).
 */
static void find_next(void)
{
    static __thread bool finding;
    if (finding)
        return;
    finding = true;
    void *found_calloc = dlsym(RTLD_NEXT, "calloc"), *found_realloc = dlsym(RTLD_NEXT, "realloc");
    void *found_free = dlsym(RTLD_NEXT, "free");
    if (!found_calloc || !found_realloc || !found_free)
        abort(); /* no allocator after the program's own: no C library */
    atomic_store(&next_calloc, (void *(*)(size_t, size_t))found_calloc);
    atomic_store(&next_realloc, (void *(*)(void *, size_t))found_realloc);
    atomic_store(&next_free, (void (*)(void *))found_free);
    finding = false;
}

/* Looked up as the program starts, before any thread of the replay's, outside the loader's own paths. */
__attribute__((constructor)) static void find_next_at_start(void)
{
    find_next();
}

/* A slot for a table (zeroed), or NULL where it is larger than a slot (counted if counted) or none is free. */
static void *own_table(size_t count, size_t size, bool counted)
{
    size_t bytes;
    if (__builtin_mul_overflow(count, size, &bytes) || bytes > PRIVATE_TABLE_SLOT) {
        if (counted)
            atomic_fetch_add(&tables_too_large, 1);
        return NULL;
    }
    void *table = private_thread_table(bytes);
    if (!table && counted)
        atomic_fetch_add(&tables_without_slot, 1);
    return table;
}

void *calloc(size_t count, size_t size)
{
    void *(*allocate)(size_t, size_t) = atomic_load_explicit(&next_calloc, memory_order_relaxed);
    if (__builtin_expect(!allocate, 0)) {
        find_next();
        if (!(allocate = atomic_load(&next_calloc))) { /* dlsym's own, while it looks */
            void *table = own_table(count, size, false);
            if (!table)
                errno = ENOMEM;
            return table;
        }
    }
    if (__builtin_expect(starting_thread, 0)) {
        void *table = own_table(count, size, true);
        if (table)
            return table;
    }
    return allocate(count, size);
}

void free(void *block)
{
    if (private_is_thread_table(block)) {
        private_thread_table_free(block);
        return;
    }
    void (*release)(void *) = atomic_load_explicit(&next_free, memory_order_relaxed);
    if (__builtin_expect(!release, 0)) {
        find_next();
        if (!(release = atomic_load(&next_free)))
            return; /* dlsym's own, while it looks: kept */
    }
    release(block);
}

/* A table grown (the loader's, after a library with TLS is loaded): moved to the allocator under test if too large
   (counted). */
void *realloc(void *block, size_t size)
{
    if (private_is_thread_table(block)) {
        if (size <= PRIVATE_TABLE_SLOT)
            return block;
        void *moved = malloc(size);
        if (moved) {
            memcpy(moved, block, PRIVATE_TABLE_SLOT);
            private_thread_table_free(block);
            atomic_fetch_add(&tables_too_large, 1);
        }
        return moved;
    }
    void *(*reallocate)(void *, size_t) = atomic_load_explicit(&next_realloc, memory_order_relaxed);
    if (__builtin_expect(!reallocate, 0)) {
        find_next();
        if (!(reallocate = atomic_load(&next_realloc))) {
            errno = ENOMEM; /* dlsym's own, while it looks */
            return NULL;
        }
    }
    return reallocate(block, size);
}
#endif
