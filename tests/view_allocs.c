/* Checks the allocator's own view under whichever allocator is preloaded: it is that allocator's, it moves with real allocations, and reading it allocates nothing. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocator.h"

static int failures;

static void report(const char *allocator, const char *test, int ok, const char *detail)
{
    printf("%s: %s_%s%s%s\n", ok ? "PASS" : "FAIL", allocator, test, ok ? "" : " ", ok ? "" : detail);
    failures += !ok;
}

static void *(*volatile malloc_call)(size_t) = malloc;

/* jemalloc's count of every byte this thread has ever allocated: a malloc then a free still shows in it. */
static uint64_t jemalloc_thread_allocated(void)
{
    int (*mallctl)(const char *, void *, size_t *, void *, size_t) =
        (int (*)(const char *, void *, size_t *, void *, size_t))dlsym(RTLD_DEFAULT, "mallctl");
    uint64_t value = 0;
    size_t len = sizeof value;
    if (!mallctl || mallctl("thread.allocated", &value, &len, NULL, 0) != 0)
        return UINT64_MAX;
    return value;
}

int main(int argc, char **argv)
{
    struct allocator_info allocator;
    struct fb_allocator_view before, after, grown;
    char detail[256];

    if (argc != 2) {
        fprintf(stderr, "usage: %s EXPECTED-ALLOCATOR (run with that allocator preloaded)\n", argv[0]);
        return 2;
    }
    allocator_identify(&allocator);
    snprintf(detail, sizeof detail, "(found %s, its view call %s)", allocator.name,
             allocator.stats_call ? allocator.stats_call : "none");
    report(argv[1], "view_is_read_from_the_allocator_serving_malloc",
           strcmp(allocator.name, argv[1]) == 0 && allocator.stats != NULL, detail);

    /* Only under jemalloc: elsewhere the failed dlsym of mallctl would itself allocate (its error message). */
    bool jemalloc = strcmp(allocator.name, "jemalloc") == 0;
    uint64_t thread_before = jemalloc ? jemalloc_thread_allocated() : 0;
    allocator_view(&allocator, &before);
    for (int i = 0; i < 1000; i++)
        allocator_view(&allocator, &after);
    if (jemalloc) {
        uint64_t thread_after = jemalloc_thread_allocated();
        snprintf(detail, sizeof detail, "(thread.allocated %llu B before 1000 reads, %llu B after)",
                 (unsigned long long)thread_before, (unsigned long long)thread_after);
        report(argv[1], "reading_the_view_allocates_not_even_briefly",
               thread_before != UINT64_MAX && thread_after == thread_before, detail);
    }
    if (before.in_use_bytes != FB_UNKNOWN) {
        /* The allocator's own count of bytes handed out did not move: reading it allocated nothing. */
        snprintf(detail, sizeof detail, "(in use %llu B before 1000 reads, %llu B after)",
                 (unsigned long long)before.in_use_bytes, (unsigned long long)after.in_use_bytes);
        report(argv[1], "reading_the_view_allocates_nothing", after.in_use_bytes == before.in_use_bytes, detail);

        /* And it is a live count, not a constant: 8 MiB more in use shows. */
        char *block = malloc_call(8 << 20);
        memset(block, 1, 8 << 20);
        allocator_view(&allocator, &grown);
        snprintf(detail, sizeof detail, "(in use %llu B, then %llu B with 8 MiB more)",
                 (unsigned long long)after.in_use_bytes, (unsigned long long)grown.in_use_bytes);
        report(argv[1], "view_counts_a_real_allocation", grown.in_use_bytes >= after.in_use_bytes + (8 << 20), detail);
        snprintf(detail, sizeof detail, "(in use %llu B, from the OS %llu B)",
                 (unsigned long long)grown.in_use_bytes, (unsigned long long)grown.os_bytes);
        report(argv[1], "view_holds_from_the_os_at_least_what_is_in_use",
               grown.os_bytes != FB_UNKNOWN && grown.os_bytes >= grown.in_use_bytes, detail);
        free(block);
    } else {
        /* mimalloc: only what it has committed from the OS; it must tell something. */
        snprintf(detail, sizeof detail, "(committed %llu B)", (unsigned long long)after.os_bytes);
        report(argv[1], "view_tells_what_it_holds_from_the_os",
               after.os_bytes != FB_UNKNOWN && after.os_bytes > 0, detail);
    }
    return failures ? 1 : 0;
}
