/* A test program that idles in a long sleep with a pinned heap, for the stop at --duration and what it records. */
/*
 * It builds 32 MB of 4 kB blocks, frees three of every four (the heap stays: the fourth pins each run
 * of three freed blocks), then sleeps 100 s and exits when the sleep ends, early or not: a signal that ends the sleep (the
 * runner's stop at --duration, which the recorder takes) ends the program too. It prints the seconds left. With
 * "in-a-thread" the blocks are built and freed in a thread that then idles 0.3 s and ends (its calls are written
 * to a trace as it ends: a run killed in the main thread's sleep keeps them).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { BLOCKS = 8192, BLOCK = 4000 };

static void *build_and_free(void *in_a_thread)
{
    static char *volatile blocks[BLOCKS]; /* volatile: the compiler may not drop the allocations or the writes */
    for (int i = 0; i < BLOCKS; i++) {
        blocks[i] = malloc(BLOCK);
        if (!blocks[i])
            exit(1);
        memset(blocks[i], i & 0xff, BLOCK);
    }
    for (int i = 0; i < BLOCKS; i++)
        if (i % 4 != 3)
            free(blocks[i]);
    if (in_a_thread)
        nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "in-a-thread") == 0) {
        pthread_t worker;
        if (pthread_create(&worker, NULL, build_and_free, argv[1]) != 0)
            return 1;
        pthread_join(worker, NULL);
    } else
        build_and_free(NULL);
    unsigned left = sleep(100);
    printf("%u s of the sleep left\n", left);
    return 0;
}
