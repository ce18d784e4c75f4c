/* A threaded service in small: four threads serve requests of 64 B to 64 kB and keep a tenth in one shared ring (docs/replay.md). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Each request allocates one to eight blocks and writes them; a tenth of the blocks go into a ring of 20 000 slots
 * shared by the threads, and the thread that puts one in frees the one it displaces, whichever thread allocated it.
 * At the end main frees half the ring and sleeps 2 s (an idle for the purging timers). Usage: shared_ring [REQUESTS]
 * (per thread; 100 000 unless told).
 */
enum { THREADS = 4, RING = 20000, PARTS = 8 };

static void *ring[RING];
static size_t ring_next;
static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;
static int requests = 100000;

static void *serve(void *number)
{
    unsigned seed = (unsigned)(uintptr_t)number * 7919u + 1u;
    for (int request = 0; request < requests; request++) {
        void *parts[PARTS];
        int count = 1 + rand_r(&seed) % PARTS;
        for (int i = 0; i < count; i++) {
            size_t size = (size_t)64 << (rand_r(&seed) % 11); /* 64 B to 64 kB, and up to twice that */
            size += (size_t)rand_r(&seed) % size;
            if (!(parts[i] = malloc(size)))
                abort();
            memset(parts[i], request, size);
        }
        for (int i = 0; i < count; i++) {
            if (rand_r(&seed) % 10 != 0) {
                free(parts[i]);
                continue;
            }
            pthread_mutex_lock(&ring_lock);
            void *displaced = ring[ring_next];
            ring[ring_next] = parts[i];
            ring_next = (ring_next + 1) % RING;
            pthread_mutex_unlock(&ring_lock);
            free(displaced);
        }
        if (request % 2000 == 0)
            usleep(1000); /* a pause now and then, as a service waits for its next request */
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (requests = atoi(argv[1])) <= 0)
        return 2;
    pthread_t threads[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++)
        if (pthread_create(&threads[i], NULL, serve, (void *)i) != 0)
            return 1;
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < RING / 2; i++) {
        free(ring[i]);
        ring[i] = NULL;
    }
    sleep(2);
    return 0;
}
