/* A test interposer: counts every malloc-family call, and tracks the blocks of one size, to prove what a program really allocates. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* glibc's own entry points, so that this library needs no dlsym (which may allocate). */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

/* Every call that can hand out memory; read by tests through dlsym("fbtest_allocation_calls"). */
static volatile uint64_t allocation_calls;

uint64_t fbtest_allocation_calls(void);
uint64_t fbtest_allocation_calls(void)
{
    return allocation_calls;
}

/*
 * FBTEST_TRACK_SIZE=N: the blocks of exactly N bytes from malloc are kept in an open-addressing
 * set, so that at exit the library can say how many were allocated and how many are still live.
 */
enum { SET_SLOTS = 1 << 21 };
static void *tracked_set[SET_SLOTS];
static size_t track_size;
/* FBTEST_ABORT_AT_SIZE=N: a malloc of exactly N bytes aborts (a profile whose runs crash, for the runner's tests). */
static size_t abort_size;
static uint64_t tracked_calls, tracked_live;

static size_t slot_of(const void *p)
{
    return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull >> 43) & (SET_SLOTS - 1);
}

static void set_add(void *p)
{
    size_t i = slot_of(p);
    while (tracked_set[i] && tracked_set[i] != (void *)1)
        i = (i + 1) & (SET_SLOTS - 1);
    tracked_set[i] = p;
    tracked_live++;
}

static void set_remove(void *p)
{
    for (size_t i = slot_of(p); tracked_set[i]; i = (i + 1) & (SET_SLOTS - 1))
        if (tracked_set[i] == p) {
            tracked_set[i] = (void *)1; /* a tombstone keeps later entries reachable */
            tracked_live--;
            return;
        }
}

__attribute__((constructor)) static void read_track_size(void)
{
    const char *text = getenv("FBTEST_TRACK_SIZE");
    if (text)
        track_size = (size_t)strtoull(text, NULL, 10);
    text = getenv("FBTEST_ABORT_AT_SIZE");
    if (text)
        abort_size = (size_t)strtoull(text, NULL, 10);
}

static void write_number(char *line, size_t *len, uint64_t value)
{
    char digits[24];
    size_t n = 0;
    do
        digits[n++] = (char)('0' + value % 10);
    while ((value /= 10) > 0);
    while (n > 0)
        line[(*len)++] = digits[--n];
}

__attribute__((destructor)) static void report(void)
{
    char line[160];
    size_t len = 0;
    if (!track_size)
        return;
    memcpy(line, "malloc_counter: size=", 21);
    len = 21;
    write_number(line, &len, track_size);
    memcpy(line + len, " calls=", 7);
    len += 7;
    write_number(line, &len, tracked_calls);
    memcpy(line + len, " live_at_exit=", 14);
    len += 14;
    write_number(line, &len, tracked_live);
    line[len++] = '\n';
    (void)!write(STDERR_FILENO, line, len);
}

void *malloc(size_t size)
{
    if (abort_size && size == abort_size)
        abort();
    void *p = __libc_malloc(size);
    allocation_calls++;
    if (track_size && size == track_size && p) {
        tracked_calls++;
        set_add(p);
    }
    return p;
}

void free(void *p)
{
    if (track_size && p)
        set_remove(p);
    __libc_free(p);
}

void *calloc(size_t n, size_t size)
{
    allocation_calls++;
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
    allocation_calls++;
    if (track_size && p)
        set_remove(p);
    return __libc_realloc(p, size);
}

void *memalign(size_t alignment, size_t size)
{
    allocation_calls++;
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size)
{
    allocation_calls++;
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
    allocation_calls++;
    *out = __libc_memalign(alignment, size);
    return *out ? 0 : 12; /* ENOMEM */
}
