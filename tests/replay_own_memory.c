/* Tests of the replay's own memory: what private_resident_bytes counts is what RSS counts, so the rows lose none. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fragbench.h"
#include "private_alloc.h"

/*
 * fb-replay's rows are RSS less private_resident_bytes (replay/calls.c). Each test makes the replay's tables
 * as it does, then compares what private_resident_bytes grew by with what RSS grew by. The kernel's RSS is
 * summed per CPU and may lag by a few hundred kB; the tolerance is 1 MiB, well under the 8 to 64 MiB a page
 * counted wrongly would show here.
 */
enum { TOLERANCE_KB = 1024 };

static uint64_t rss_kb_now(void)
{
    struct fb_memory memory;
    if (fb_sample(&memory) != 0) {
        printf("  cannot read /proc/self/statm\n");
        exit(1);
    }
    return memory.rss_kb;
}

static int64_t own_kb_now(void)
{
    return (int64_t)(private_resident_bytes() / 1024);
}

/* Reads one byte in each page of [block, block + size), as a lookup of an absent key reads the table's slots. */
static unsigned read_pages(const unsigned char *block, size_t size)
{
    unsigned sum = 0;
    for (size_t at = 0; at < size; at += 4096)
        sum += ((const volatile unsigned char *)block)[at];
    return sum;
}

static void check_same_growth(int64_t own_before, uint64_t rss_before)
{
    int64_t own_grew = own_kb_now() - own_before, rss_grew = (int64_t)rss_kb_now() - (int64_t)rss_before;
    printf("  own memory grew by %lld kB, RSS by %lld kB\n", (long long)own_grew, (long long)rss_grew);
    CHECK(own_grew - rss_grew <= TOLERANCE_KB && rss_grew - own_grew <= TOLERANCE_KB);
}

/* A table of 64 MiB from calloc (a fresh mapping, advised to huge pages), read before it is written. */
static void a_table_read_before_it_is_written_is_counted_as_rss_counts_it(void)
{
    int64_t own_before = own_kb_now();
    uint64_t rss_before = rss_kb_now();
    size_t size = (size_t)64 << 20;
    unsigned char *table = private_calloc(1, size);
    CHECK(table != NULL);
    CHECK(read_pages(table, size) == 0);
    check_same_growth(own_before, rss_before);
    private_free(table);
}

/* Blocks of a class of 1 MiB, hardly written, each moved by realloc to a large block (which copies them whole). */
static void blocks_copied_by_realloc_are_counted_as_rss_counts_them(void)
{
    enum { BLOCKS = 16 };
    int64_t own_before = own_kb_now();
    uint64_t rss_before = rss_kb_now();
    unsigned char *blocks[BLOCKS];
    for (int i = 0; i < BLOCKS; i++) { /* all made first: a block freed by a realloc would be the next one */
        blocks[i] = private_malloc(600 * 1000);
        CHECK(blocks[i] != NULL);
        blocks[i][0] = 1;
    }
    for (int i = 0; i < BLOCKS; i++) {
        blocks[i] = private_realloc(blocks[i], (size_t)2 << 20);
        CHECK(blocks[i] != NULL && blocks[i][0] == 1);
    }
    check_same_growth(own_before, rss_before);
    for (int i = 0; i < BLOCKS; i++)
        private_free(blocks[i]);
}

/*
 * Sixteen blocks of 640 KiB from malloc (replay threads' queues: a thread of two calls uses one page of it; 16 384 such
 * threads would hold 16 GiB if each were written whole) and a large array from private_zeroed, each written on
 * one page: resident only there.
 */
static void blocks_written_in_part_are_resident_only_in_part(void)
{
    int64_t own_before = own_kb_now();
    uint64_t rss_before = rss_kb_now();
    size_t size = (size_t)64 << 20;
    unsigned char *queues[16], *array = private_zeroed(size / 8, 8);
    CHECK(array != NULL);
    for (int i = 0; i < 16; i++) {
        CHECK((queues[i] = private_malloc(640 << 10)) != NULL);
        queues[i][0] = 1;
    }
    array[size / 2] = 1;
    int64_t own_grew = own_kb_now() - own_before;
    printf("  own memory grew by %lld kB\n", (long long)own_grew);
    CHECK(own_grew <= 4 * 1024); /* a huge page of 2 MiB for the array, a page for each queue: 10 MiB written whole */
    check_same_growth(own_before, rss_before);
    for (int i = 0; i < 16; i++)
        private_free(queues[i]);
    private_free(array);
}

/*
 * Every slot for the C library's thread tables taken (own_threads.c): 1 MiB, counted whole where RSS counts it;
 * one more refused, as a table larger than a slot; a slot given back is taken again, zeroed.
 */
static void thread_tables_are_counted_refused_when_full_and_reused(void)
{
    int64_t own_before = own_kb_now();
    uint64_t rss_before = rss_kb_now();
    unsigned char *tables[PRIVATE_TABLE_SLOTS];
    for (int i = 0; i < PRIVATE_TABLE_SLOTS; i++) {
        CHECK((tables[i] = private_thread_table(288)) != NULL && private_is_thread_table(tables[i]));
        tables[i][287] = 1;
    }
    int64_t own_grew = own_kb_now() - own_before;
    printf("  own memory grew by %lld kB\n", (long long)own_grew);
    CHECK(own_grew == PRIVATE_TABLE_SLOTS * PRIVATE_TABLE_SLOT / 1024);
    check_same_growth(own_before, rss_before);
    CHECK(private_thread_table(1) == NULL);
    private_thread_table_free(tables[7]);
    CHECK(private_thread_table(PRIVATE_TABLE_SLOT + 1) == NULL);
    unsigned char *again = private_thread_table(PRIVATE_TABLE_SLOT);
    CHECK(again == tables[7] && again[287] == 0);
    unsigned char outside;
    CHECK(!private_is_thread_table(&outside) && !private_is_thread_table(NULL));
    CHECK(!private_is_thread_table(&private_thread_tables[0][0] + sizeof private_thread_tables));
    for (int i = 0; i < PRIVATE_TABLE_SLOTS; i++)
        private_thread_table_free(tables[i]);
}

/* Threads taking and giving back slots at once (glibc frees a joined thread's table in the joining thread): no
   slot is held by two at a time. Each writes its number into the slot it holds and finds it there still. */
enum { TAKERS = 4, ROUNDS = 20000 };
static _Atomic int slots_shared;

static void *take_and_give_back(void *argument)
{
    unsigned char number = (unsigned char)(uintptr_t)argument;
    for (int round = 0; round < ROUNDS; round++) {
        unsigned char *held[3];
        for (int i = 0; i < 3; i++)
            if ((held[i] = private_thread_table(288)) != NULL)
                memset(held[i], number, 288);
        for (int i = 0; i < 3; i++)
            if (held[i]) {
                if (held[i][0] != number || held[i][287] != number)
                    slots_shared++;
                private_thread_table_free(held[i]);
            }
    }
    return NULL;
}

static void thread_tables_taken_by_threads_at_once_are_never_shared(void)
{
    pthread_t takers[TAKERS];
    for (uintptr_t i = 0; i < TAKERS; i++)
        CHECK(pthread_create(&takers[i], NULL, take_and_give_back, (void *)(i + 1)) == 0);
    for (int i = 0; i < TAKERS; i++)
        pthread_join(takers[i], NULL);
    printf("  %d slots found written by another thread\n", slots_shared);
    CHECK(slots_shared == 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    RUN_TEST(a_table_read_before_it_is_written_is_counted_as_rss_counts_it);
    RUN_TEST(blocks_copied_by_realloc_are_counted_as_rss_counts_them);
    RUN_TEST(blocks_written_in_part_are_resident_only_in_part);
    RUN_TEST(thread_tables_are_counted_refused_when_full_and_reused);
    RUN_TEST(thread_tables_taken_by_threads_at_once_are_never_shared);
    return CHECK_EXIT_CODE();
}
