/* A program whose memory the kernel still counts after it is given back: MADV_FREE pages and a huge-page range (tests of the smaps_rollup columns). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "fragbench.h"

#define MB (1024u * 1024u)

static void hold(long ms)
{
    struct timespec pause = {ms / 1000, ms % 1000 * 1000000L};
    nanosleep(&pause, NULL);
}

/* usage: lazyfree_phase MEGABYTES HOLD_MS; each phase is held HOLD_MS so that the runner's read at the mark sees it. */
int main(int argc, char **argv)
{
    size_t size = (size_t)(argc > 1 ? atoi(argv[1]) : 32) * MB;
    long hold_ms = argc > 2 ? atol(argv[2]) : 200;
    /* A range aligned to 2 MiB and asked for huge pages, so that THP in "madvise" mode backs it with them. */
    size_t huge_size = 8 * MB;
    char *raw = mmap(NULL, huge_size + 2 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *lazy = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED || lazy == MAP_FAILED)
        return 1;
    char *huge = (char *)(((uintptr_t)raw + 2 * MB - 1) & ~(uintptr_t)(2 * MB - 1));
    madvise(huge, huge_size, MADV_HUGEPAGE);
    memset(huge, 1, huge_size);
    memset(lazy, 1, size);
    fb_phase("After touch");
    hold(hold_ms);
    if (madvise(lazy, size, MADV_FREE) != 0)
        return 1;
    fb_phase("After MADV_FREE");
    hold(hold_ms);
    munmap(lazy, size);
    fb_phase("After munmap");
    hold(hold_ms);
    return 0;
}
