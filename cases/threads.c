/* Per-thread arena bloat: a pool of threads takes requests in turn, each a burst of mixed sizes that leaves a few blocks behind. */
#include <pthread.h>

#include "case.h"

const unsigned case_default_threads = 8;

const char case_description[] =
    "threads: a pool of T threads (--threads, default 8) serves 4 requests each, one at a time in turn;\n"
    "a request allocates 8 MB (x scale) of 64-4 096 B blocks and keeps 1 in 32 as its cache.\n"
    "Then every cached block is freed but what each worker's last request kept.";

enum {
    REQUESTS_PER_THREAD = 4,
    REQUEST_BYTES = 8 << 20,
    BLOCK_MIN = 64,
    BLOCK_MAX = 4096,
    KEEP_ONE_IN = 32,
};

/* What one worker thread holds: the blocks its requests kept, the last request's from last_request_first on. */
struct worker {
    pthread_t thread;
    unsigned id;
    void **kept;
    size_t *kept_sizes;
    size_t kept_count, last_request_first;
};

/* The pool: whose turn it is, so that one request runs at a time, as on a lightly loaded server. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t turn_changed;
    unsigned turn, threads, requests;
    size_t request_bytes, burst_capacity;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0};

/* One request: a burst of blocks, all freed but 1 in KEEP_ONE_IN, which the worker keeps. */
static void serve_request(struct worker *worker, unsigned request)
{
    size_t first = (size_t)request * pool.burst_capacity; /* every request has its own sizes */
    size_t count = 0, burst_bytes = 0;
    void **burst = tracked_malloc(pool.burst_capacity * sizeof *burst);

    worker->last_request_first = worker->kept_count;
    while (burst_bytes < pool.request_bytes) {
        size_t size = mixed_size(first + count, BLOCK_MIN, BLOCK_MAX);
        burst[count++] = tracked_malloc(size);
        burst_bytes += size;
    }
    for (size_t i = 0; i < count; i++) {
        size_t size = mixed_size(first + i, BLOCK_MIN, BLOCK_MAX);
        if (i % KEEP_ONE_IN == KEEP_ONE_IN - 1) {
            worker->kept[worker->kept_count] = burst[i];
            worker->kept_sizes[worker->kept_count++] = size;
        } else {
            tracked_free(burst[i], size);
        }
    }
    tracked_free(burst, pool.burst_capacity * sizeof *burst);
}

/* A worker waits for its turn, serves one request, passes the turn on, until all requests are served. */
static void *worker_main(void *arg)
{
    struct worker *worker = arg;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        while (pool.turn < pool.requests && pool.turn % pool.threads != worker->id)
            pthread_cond_wait(&pool.turn_changed, &pool.lock);
        if (pool.turn >= pool.requests)
            break;
        unsigned request = pool.turn;
        pthread_mutex_unlock(&pool.lock);
        serve_request(worker, request);
        pthread_mutex_lock(&pool.lock);
        pool.turn++;
        pthread_cond_broadcast(&pool.turn_changed);
    }
    pthread_mutex_unlock(&pool.lock);
    return NULL;
}

void case_body(const struct case_params *params)
{
    unsigned threads = params->threads;
    struct worker *workers = tracked_malloc(threads * sizeof *workers);
    size_t kept_capacity;

    pool.threads = threads;
    pool.requests = threads * REQUESTS_PER_THREAD;
    pool.request_bytes = scaled(REQUEST_BYTES, params->scale);
    pool.burst_capacity = pool.request_bytes / BLOCK_MIN + 1;
    kept_capacity = REQUESTS_PER_THREAD * (pool.burst_capacity / KEEP_ONE_IN + 1);
    for (unsigned t = 0; t < threads; t++) {
        workers[t] = (struct worker){.id = t};
        workers[t].kept = tracked_malloc(kept_capacity * sizeof *workers[t].kept);
        workers[t].kept_sizes = tracked_malloc(kept_capacity * sizeof *workers[t].kept_sizes);
    }
    for (unsigned t = 0; t < threads; t++)
        start_thread(&workers[t].thread, worker_main, &workers[t]);
    for (unsigned t = 0; t < threads; t++)
        pthread_join(workers[t].thread, NULL);
    phase("After requests");

    /* Each worker's cache expires but for what its last request kept: a few blocks in every arena. */
    for (unsigned t = 0; t < threads; t++)
        for (size_t i = 0; i < workers[t].last_request_first; i++)
            tracked_free(workers[t].kept[i], workers[t].kept_sizes[i]);
    phase("After del");
    /* The last requests' blocks, the workers' arrays and the workers stay live to the end. */
}
