/* A test program whose data is freed well before it ends, for the recorded peak and the replay's time. */
/*
 * It works 1.5 s without allocating, builds 64 MB of 4 kB blocks and writes them, frees all but a small
 * block above them (which keeps glibc from trimming its heap) 0.1 s later, idles 0.7 s, then makes one last call
 * (as a teardown would) and exits: it freed its data well before it ended, not as it ended.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { BLOCKS = 16384, BLOCK = 4000 };

static double now(void)
{
    struct timespec at;
    clock_gettime(CLOCK_MONOTONIC, &at);
    return (double)at.tv_sec + (double)at.tv_nsec / 1e9;
}

int main(void)
{
    static char *volatile blocks[BLOCKS]; /* volatile: the compiler may not drop the allocations or the writes */
    static char *volatile pin, *volatile last;
    for (double start = now(); now() - start < 1.5;)
        ;
    for (int i = 0; i < BLOCKS; i++) {
        blocks[i] = malloc(BLOCK);
        if (!blocks[i])
            return 1;
        memset(blocks[i], i & 0xff, BLOCK);
    }
    pin = malloc(64);
    if (!pin)
        return 1;
    usleep(100000);
    for (int i = 0; i < BLOCKS; i++)
        free(blocks[i]);
    usleep(700000);
    last = malloc(32);
    free(last);
    return 0;
}
