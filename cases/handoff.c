/* Producer/consumer: messages allocated by producer threads and freed by consumer threads (cross-thread frees). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "case.h"

const unsigned case_default_threads = 2;

const char case_description[] =
    "handoff: T threads (--threads, default 2, at least 2), half producers and half consumers, pass\n"
    "200 000 messages (x scale; the cache does not scale) of 64-4 096 B through a queue of 1 024;\n"
    "every block a producer allocates a consumer frees, after keeping it a while in a cache of\n"
    "4 096 with random eviction. Then the caches are emptied.";

enum {
    MESSAGES = 200000,
    BLOCK_MIN = 64,
    BLOCK_MAX = 4096,
    QUEUE_CAPACITY = 1024,
    CACHE_SLOTS = 4096,
};

struct message {
    void *block;
    size_t size;
};

/* The queue between the producers and the consumers: a ring of QUEUE_CAPACITY messages. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t not_full, not_empty;
    struct message ring[QUEUE_CAPACITY];
    size_t head, count;
    unsigned producers_running;
} queue = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, {{NULL, 0}}, 0, 0, 0};

/* A producer: messages [first, first + count), each a fresh block. */
struct producer {
    pthread_t thread;
    size_t first, count;
};

/* A consumer: its cache of recent messages; a new one evicts (frees) the one in the slot it hashes to. */
struct consumer {
    pthread_t thread;
    struct message *cache;
    size_t received;
};

static void *producer_main(void *arg)
{
    struct producer *producer = arg;
    for (size_t i = producer->first; i < producer->first + producer->count; i++) {
        size_t size = mixed_size(i, BLOCK_MIN, BLOCK_MAX);
        void *block = tracked_malloc(size);
        pthread_mutex_lock(&queue.lock);
        while (queue.count == QUEUE_CAPACITY)
            pthread_cond_wait(&queue.not_full, &queue.lock);
        queue.ring[(queue.head + queue.count++) % QUEUE_CAPACITY] = (struct message){block, size};
        pthread_cond_signal(&queue.not_empty);
        pthread_mutex_unlock(&queue.lock);
    }
    pthread_mutex_lock(&queue.lock);
    queue.producers_running--;
    pthread_cond_broadcast(&queue.not_empty);
    pthread_mutex_unlock(&queue.lock);
    return NULL;
}

/* Takes the next message, or returns false once the queue is empty and every producer has finished. */
static bool take_message(struct message *out)
{
    pthread_mutex_lock(&queue.lock);
    while (queue.count == 0 && queue.producers_running > 0)
        pthread_cond_wait(&queue.not_empty, &queue.lock);
    bool got = queue.count > 0;
    if (got) {
        *out = queue.ring[queue.head];
        queue.head = (queue.head + 1) % QUEUE_CAPACITY;
        queue.count--;
        pthread_cond_signal(&queue.not_full);
    }
    pthread_mutex_unlock(&queue.lock);
    return got;
}

static void *consumer_main(void *arg)
{
    struct consumer *consumer = arg;
    struct message message;
    while (take_message(&message)) {
        struct message *slot = &consumer->cache[mixed_size(consumer->received++, 0, CACHE_SLOTS - 1)];
        tracked_free(slot->block, slot->size); /* this thread did not allocate it */
        *slot = message;
    }
    return NULL;
}

void case_body(const struct case_params *params)
{
    if (params->threads < 2) {
        fprintf(stderr, "handoff: --threads=%u: needs at least 2 threads, a producer and a consumer\n",
                params->threads);
        exit(2);
    }
    unsigned producer_count = params->threads / 2;
    unsigned consumer_count = params->threads - producer_count;
    size_t messages = scaled(MESSAGES, params->scale);
    struct producer *producers = tracked_malloc(producer_count * sizeof *producers);
    struct consumer *consumers = tracked_malloc(consumer_count * sizeof *consumers);

    for (unsigned c = 0; c < consumer_count; c++) {
        consumers[c] = (struct consumer){.received = c * (size_t)CACHE_SLOTS};
        consumers[c].cache = tracked_malloc(CACHE_SLOTS * sizeof *consumers[c].cache);
        for (size_t slot = 0; slot < CACHE_SLOTS; slot++)
            consumers[c].cache[slot] = (struct message){NULL, 0};
    }
    queue.producers_running = producer_count;
    for (unsigned p = 0; p < producer_count; p++) {
        producers[p].first = messages * p / producer_count;
        producers[p].count = messages * (p + 1) / producer_count - producers[p].first;
        start_thread(&producers[p].thread, producer_main, &producers[p]);
    }
    for (unsigned c = 0; c < consumer_count; c++)
        start_thread(&consumers[c].thread, consumer_main, &consumers[c]);
    for (unsigned p = 0; p < producer_count; p++)
        pthread_join(producers[p].thread, NULL);
    for (unsigned c = 0; c < consumer_count; c++)
        pthread_join(consumers[c].thread, NULL);
    phase("After stream");

    for (unsigned c = 0; c < consumer_count; c++)
        for (size_t slot = 0; slot < CACHE_SLOTS; slot++)
            tracked_free(consumers[c].cache[slot].block, consumers[c].cache[slot].size);
    phase("After del");
}
