/* A program that uses fragbench.h as a user would: allocates, marks phases, exits as told (tests of the header and of external mode). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fragbench.h"

/* usage: header_phase MEGABYTES HOLD_MS EXIT_STATUS [TICKS] (TICKS more marks named "tick", as a service marking
 * each request would send; an EXIT_STATUS of -9: killed by SIGKILL at the end instead) */
int main(int argc, char **argv)
{
    size_t megabytes = argc > 1 ? (size_t)atoi(argv[1]) : 64;
    long hold_ms = argc > 2 ? atol(argv[2]) : 100;
    int status = argc > 3 ? atoi(argv[3]) : 0;
    long ticks = argc > 4 ? atol(argv[4]) : 0;
    size_t size = megabytes << 20;
    struct timespec hold = {hold_ms / 1000, hold_ms % 1000 * 1000000L};

    fb_phase("Start");
    /* Through a volatile pointer, so that neither the allocation nor the writes can be optimized away. */
    void *(*volatile allocate)(size_t) = malloc;
    char *block = allocate(size);
    if (!block)
        return 1;
    for (size_t i = 0; i < size; i += 4096)
        ((volatile char *)block)[i] = 1;
    fb_phase_live("After alloc", size, 1);
    nanosleep(&hold, NULL);
    void (*volatile release)(void *) = free;
    release(block);
    fb_phase("After free");
    for (long i = 0; i < ticks; i++)
        fb_phase("tick");
    if (status == -9)
        raise(SIGKILL);
    return status;
}
