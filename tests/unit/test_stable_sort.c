/* Unit tests of the replayer's sort (trace/stable_sort.c): qsort's order, equal elements kept in theirs. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "stable_sort.h"

struct item {
    uint32_t key;  /* sorted on */
    uint32_t seen; /* its place before the sort: equal keys keep this order */
};

static int by_key(const void *left, const void *right)
{
    const struct item *a = left, *b = right;
    return a->key < b->key ? -1 : a->key > b->key;
}

static int by_key_then_seen(const void *left, const void *right)
{
    const struct item *a = left, *b = right;
    int keyed = by_key(a, b);
    return keyed ? keyed : (a->seen < b->seen ? -1 : a->seen > b->seen);
}

/* Every length from 0 to 300 (odd runs, a last run alone), keys from few (many equal) to many: the same as qsort
   on the key and then the place, which is the stable order. */
static void sorts_as_qsort_does_and_keeps_equal_elements_in_order(void)
{
    struct item items[300], expected[300], scratch[300];
    unsigned seed = 12345;
    for (size_t count = 0; count <= 300; count++)
        for (uint32_t keys = 1; keys <= 1000; keys *= 10) {
            for (size_t i = 0; i < count; i++) {
                seed = seed * 1103515245u + 12345u;
                items[i] = expected[i] = (struct item){.key = (seed >> 16) % keys, .seen = (uint32_t)i};
            }
            qsort(expected, count, sizeof *expected, by_key_then_seen);
            stable_sort(items, count, sizeof *items, by_key, scratch);
            size_t wrong = 0;
            for (size_t i = 0; i < count; i++)
                wrong += items[i].key != expected[i].key || items[i].seen != expected[i].seen;
            CHECK(wrong == 0);
        }
}

/* Already in order, and in reverse: the chunks of a trace come mostly in order, thread after thread. */
static void sorted_and_reversed_input(void)
{
    struct item items[1000], scratch[1000];
    for (uint32_t i = 0; i < 1000; i++)
        items[i] = (struct item){.key = i, .seen = i};
    stable_sort(items, 1000, sizeof *items, by_key, scratch);
    for (uint32_t i = 0; i < 1000; i++)
        CHECK(items[i].key == i);
    for (uint32_t i = 0; i < 1000; i++)
        items[i] = (struct item){.key = 999 - i, .seen = i};
    stable_sort(items, 1000, sizeof *items, by_key, scratch);
    for (uint32_t i = 0; i < 1000; i++)
        CHECK(items[i].key == i && items[i].seen == 999 - i);
}

int main(void)
{
    RUN_TEST(sorts_as_qsort_does_and_keeps_equal_elements_in_order);
    RUN_TEST(sorted_and_reversed_input);
    return CHECK_EXIT_CODE();
}
