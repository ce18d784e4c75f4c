/* A test program for the recorder: makes every kind of allocation call and prints its own count of live bytes at each mark. */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fragbench.h"

/*
 * At each mark it prints "mark LABEL NS BYTES BLOCKS" with write(2) (stdio would allocate a buffer): NS is
 * CLOCK_MONOTONIC, taken after every call before the mark and before every call after it, so the trace's live
 * heap at NS must equal the program's own count, plus whatever the C library held before main. The marks also
 * go to the runner (fb_phase_live), so its CSV has both counts. Argument "pvalloc": call pvalloc too (an
 * allocator that defines none, jemalloc, would leave it to glibc's, whose block its free cannot take).
 */

enum { BLOCKS = 3000 };
static void *blocks[BLOCKS];
static size_t sizes[BLOCKS];
static uint64_t own_bytes, own_blocks;

static void mark(const char *label)
{
    char line[160];
    uint64_t ns = fb_now_ns();
    int n = snprintf(line, sizeof line, "mark %s %llu %llu %llu\n", label, (unsigned long long)ns,
                     (unsigned long long)own_bytes, (unsigned long long)own_blocks);
    if (write(STDOUT_FILENO, line, (size_t)n) != n)
        _exit(3);
    fb_phase_live(label, own_bytes, own_blocks);
}

static void keep(size_t i, void *pointer, size_t size)
{
    if (!pointer)
        _exit(4);
    memset(pointer, (int)i, size); /* written, as a program would: no call may be optimised away */
    blocks[i] = pointer;
    sizes[i] = size;
    own_bytes += size;
    own_blocks++;
}

static void drop(size_t i)
{
    free(blocks[i]);
    own_bytes -= sizes[i];
    own_blocks--;
    blocks[i] = NULL;
}

int main(int argc, char **argv)
{
    int with_pvalloc = argc > 1 && strcmp(argv[1], "pvalloc") == 0;
    mark("Begin");
    for (size_t i = 0; i < BLOCKS; i++) {
        size_t size = 1 + (i * 37) % 1500;
        void *pointer = NULL;
        switch (i % 9) {
        case 0: pointer = malloc(size); break;
        case 1: pointer = calloc(3, size / 3 + 1); size = 3 * (size / 3 + 1); break;
        case 2: if (posix_memalign(&pointer, 64, size) != 0) pointer = NULL; break;
        case 3: pointer = aligned_alloc(256, (size + 255) / 256 * 256); size = (size + 255) / 256 * 256; break;
        case 4: pointer = memalign(32, size); break;
        case 5: pointer = valloc(size); break;
        case 6: pointer = with_pvalloc ? pvalloc(size) : malloc(size); break;
        case 7: pointer = reallocarray(NULL, 4, size); size *= 4; break;
        default: pointer = realloc(NULL, size); break;
        }
        keep(i, pointer, size);
    }
    /*
     * Calls at the edges, their blocks freed at once (the count at the marks is unchanged): an alignment of 0,
     * which glibc takes and the others refuse, and realloc(p, 0), which returns a block under mimalloc and NULL
     * (p freed) under glibc, jemalloc and tcmalloc. The sink keeps the compiler from pairing them away.
     */
    static void *volatile sink;
    volatile size_t no_alignment = 0;
    sink = memalign(no_alignment, 48);
    free(sink);
    sink = NULL;
    if (posix_memalign((void **)&sink, no_alignment, 16) == 0) /* EINVAL */
        free(sink);
    sink = realloc(malloc(100), 0);
    free(sink);
    mark("Built");
    for (size_t i = 0; i < BLOCKS; i += 2) { /* grow half, shrink a quarter */
        size_t size = i % 4 ? sizes[i] / 2 + 1 : sizes[i] * 3 + 100;
        void *pointer = realloc(blocks[i], size);
        own_bytes -= sizes[i];
        own_blocks--;
        keep(i, pointer, size);
    }
    volatile size_t huge = SIZE_MAX / 2; /* volatile: the compiler may not reason about the calls that fail */
    if (malloc(huge) || realloc(blocks[1], huge) || reallocarray(blocks[1], huge, 4))
        _exit(5); /* each fails; the block stays the program's */
    free(NULL);
    mark("Grown");
    for (size_t i = 0; i < BLOCKS; i++)
        if (i % 3)
            drop(i);
    mark("Freed");
    for (size_t i = 0; i < BLOCKS; i++)
        if (blocks[i])
            drop(i);
    mark("Empty");
    return 0;
}
