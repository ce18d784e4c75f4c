/* A malloc a signal handler may call (each call blocks signals), for the recorder's test of handlers that allocate. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

/*
 * glibc's malloc may not be called from a handler that interrupted it (its arena's state is half changed), so a
 * test whose handler allocates cannot run on it. This one blocks every signal while it changes its state, so a
 * handler only ever comes between its calls, which is where the recorder (preloaded before it) must cope. Blocks
 * of up to 4 KiB are kept per 16-byte class and handed out again last freed first (a freed address comes back at
 * once, the trap for a recorder that misorders); larger ones are never reused. Its memory: one 4 GiB mapping.
 */
enum { HEADER = 16, CLASS = 16, CLASSES = 4096 / CLASS + 1 };
static const size_t ARENA_BYTES = (size_t)4 << 30;
static unsigned char *arena, *arena_next;
static void *free_lists[CLASSES];

struct header {
    size_t size; /* the class's size, or the block's for a large one */
    size_t offset; /* from the start of the mapping's piece to the block (an aligned block's padding) */
};

static struct header *header_of(void *block)
{
    return (struct header *)((unsigned char *)block - HEADER);
}

static void *allocate(size_t alignment, size_t size)
{
    if (size > ARENA_BYTES || alignment > 4096 || (alignment & (alignment - 1)))
        return NULL;
    sigset_t all, before;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &before);
    size_t rounded = (size + CLASS - 1) / CLASS * CLASS;
    void *block = NULL;
    if (alignment <= HEADER && rounded <= 4096 && free_lists[rounded / CLASS]) {
        block = free_lists[rounded / CLASS];
        free_lists[rounded / CLASS] = *(void **)block;
    } else {
        if (!arena) {
            void *mapped = mmap(NULL, ARENA_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                                -1, 0);
            arena = arena_next = mapped == MAP_FAILED ? NULL : mapped;
        }
        size_t align = alignment > HEADER ? alignment : HEADER;
        uintptr_t start = (uintptr_t)arena_next, at = (start + HEADER + align - 1) / align * align;
        if (arena && at + rounded <= (uintptr_t)arena + ARENA_BYTES) {
            block = (void *)at;
            header_of(block)->size = rounded;
            header_of(block)->offset = at - start;
            arena_next = (unsigned char *)(at + rounded);
        }
    }
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    if (!block)
        errno = ENOMEM;
    return block;
}

void *malloc(size_t size)
{
    return allocate(0, size);
}

void free(void *block)
{
    if (!block)
        return;
    sigset_t all, before;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &before);
    size_t size = header_of(block)->size;
    if (size <= 4096 && header_of(block)->offset == HEADER) { /* a plain block of a class: kept for the next */
        *(void **)block = free_lists[size / CLASS];
        free_lists[size / CLASS] = block;
    }
    pthread_sigmask(SIG_SETMASK, &before, NULL);
}

void *calloc(size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    void *block = allocate(0, total);
    if (block)
        memset(block, 0, total);
    return block;
}

void *realloc(void *old, size_t size)
{
    if (!old)
        return malloc(size);
    if (size == 0) {
        free(old);
        return NULL;
    }
    void *block = malloc(size);
    if (block) {
        size_t old_size = header_of(old)->size;
        memcpy(block, old, old_size < size ? old_size : size);
        free(old);
    }
    return block;
}

void *reallocarray(void *old, size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(old, total);
}

void *memalign(size_t alignment, size_t size)
{
    return allocate(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size)
{
    return allocate(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)))
        return EINVAL;
    void *block = allocate(alignment, size);
    if (!block)
        return ENOMEM;
    *out = block;
    return 0;
}

void *valloc(size_t size)
{
    return allocate(4096, size);
}

void *pvalloc(size_t size)
{
    return allocate(4096, (size + 4095) / 4096 * 4096);
}

size_t malloc_usable_size(void *block)
{
    return block ? header_of(block)->size : 0;
}
