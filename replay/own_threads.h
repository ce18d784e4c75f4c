/* The replay's own threads, started with the C library's table for each kept out of the allocator under test. */
#ifndef FRAGBENCH_OWN_THREADS_H
#define FRAGBENCH_OWN_THREADS_H

#include <pthread.h>
#include <stdint.h>

/* pthread_create, the table it allocates for the new thread taken from the replay's own memory (own_threads.c). */
int own_thread_create(pthread_t *thread, const pthread_attr_t *attributes, void *(*body)(void *), void *argument);

/* The threads started while every slot for their tables was taken: their tables went to the allocator under test. */
uint64_t own_thread_tables_outside(void);

#endif
