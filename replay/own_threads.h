/* The replay's own threads, started with the C library's table for each kept out of the allocator under test. */
#ifndef FRAGBENCH_OWN_THREADS_H
#define FRAGBENCH_OWN_THREADS_H

#include <pthread.h>
#include <stdint.h>

/* pthread_create, the table it allocates for the new thread taken from the replay's own memory (own_threads.c). */
int own_thread_create(pthread_t *thread, const pthread_attr_t *attributes, void *(*body)(void *), void *argument);

/*
 * The replay's threads' tables that went to the allocator under test: those started while every slot was taken
 * (a slot is freed when the C library lets the thread's stack go, some time after it is joined), and those larger
 * than a slot (more than some 46 libraries with thread-local storage under glibc 2.36), or grown past it.
 */
void own_thread_tables_outside(uint64_t *without_slot, uint64_t *too_large);

#endif
