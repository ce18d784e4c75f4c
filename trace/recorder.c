/* The recorder: a preloaded library that forwards every malloc-family call to the allocator after it and records it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "ending_signals.h"
#include "writer.h"

/*
 * The runner preloads this library before the profile's allocator; each call is forwarded to the next
 * definition of the same function (dlsym RTLD_NEXT), which is the allocator under test, and written by the
 * trace writer (writer.c). Only the process the runner started records (FRAGBENCH_PID, FRAGBENCH_TRACE,
 * FRAGBENCH_TRACE_CAP): a forked child stops recording at once, and an image it execs into never starts.
 * Only this library's own entry points are visible outside it (-fvisibility=hidden, EXPORT).
 */
#define EXPORT __attribute__((visibility("default")))

/* Marks this library as an interposer that forwards to the allocator after it (see allocator_identify). */
EXPORT void fragbench_interposer(void);
EXPORT void fragbench_interposer(void)
{
}

/* ---- The allocator's own functions, found once. */

static struct {
    void *(*malloc)(size_t);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void (*free)(void *);
    void *(*memalign)(size_t, size_t);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    int (*execve)(const char *, char *const[], char *const[]);
    int (*execv)(const char *, char *const[]);
    int (*execvp)(const char *, char *const[]);
    int (*execvpe)(const char *, char *const[], char *const[]);
    int (*fexecve)(int, char *const[], char *const[]);
    void (*exit_now)(int);
    void (*exit_at_once)(int);
    int (*malloc_trim)(size_t); /* NULL when nothing after this library defines it */
} next;

/*
 * While the functions are being looked up, dlsym() itself may allocate: those calls are served from this
 * static arena and never freed (each block keeps its size in front, for realloc).
 */
static _Alignas(64) unsigned char bootstrap[1 << 16];
static atomic_size_t bootstrap_used;

static void *bootstrap_alloc(size_t size)
{
    size_t need = (size + 16 + 15) & ~(size_t)15;
    size_t at = atomic_fetch_add(&bootstrap_used, need);
    if (size > sizeof bootstrap || at + need > sizeof bootstrap)
        return NULL;
    memcpy(bootstrap + at, &size, sizeof size);
    return bootstrap + at + 16;
}

static bool in_bootstrap(const void *pointer)
{
    return (const unsigned char *)pointer >= bootstrap && (const unsigned char *)pointer < bootstrap + sizeof bootstrap;
}

static size_t bootstrap_size(const void *pointer)
{
    size_t size;
    memcpy(&size, (const unsigned char *)pointer - 16, sizeof size);
    return size;
}

static atomic_int resolve_state; /* 0: not yet, 1: being resolved, 2: done */
static _Thread_local bool resolving_here __attribute__((tls_model("initial-exec")));

#define FIND(name) found.name = (__typeof__(found.name))dlsym(RTLD_NEXT, #name)

/* Finds the next allocator's functions; false while that is under way in this thread (dlsym allocating). */
static bool resolve(void)
{
    int state = atomic_load(&resolve_state);
    if (state == 2)
        return true;
    if (resolving_here)
        return false;
    state = 0;
    if (!atomic_compare_exchange_strong(&resolve_state, &state, 1)) {
        while (atomic_load(&resolve_state) != 2) /* another thread is finding them */
            sched_yield();
        return true;
    }
    resolving_here = true;
    /*
     * Every function is found first and only then put in place, malloc last: until then dlsym's own allocations
     * come from the bootstrap arena, so none of them can reach a realloc or free not yet found.
     */
    __typeof__(next) found = {0};
    FIND(malloc), FIND(calloc), FIND(realloc), FIND(free), FIND(memalign);
    FIND(posix_memalign), FIND(aligned_alloc), FIND(valloc), FIND(pvalloc), FIND(execve), FIND(execv);
    FIND(execvp), FIND(execvpe), FIND(fexecve), FIND(malloc_trim);
    found.exit_now = (void (*)(int))dlsym(RTLD_NEXT, "_exit");
    found.exit_at_once = (void (*)(int))dlsym(RTLD_NEXT, "_Exit");
    if (!found.malloc || !found.free || !found.calloc || !found.realloc || !found.exit_now)
        abort(); /* no allocator behind this library: nothing can be forwarded */
    void *(*found_malloc)(size_t) = found.malloc;
    found.malloc = NULL;
    next = found;
    atomic_thread_fence(memory_order_release);
    next.malloc = found_malloc;
    resolving_here = false;
    atomic_store(&resolve_state, 2);
    const char *path = getenv("FRAGBENCH_TRACE"), *pid_text = getenv("FRAGBENCH_PID");
    const char *cap_text = getenv("FRAGBENCH_TRACE_CAP"), *clock_text = getenv("FRAGBENCH_TRACE_CLOCK");
    if (path && pid_text && strtol(pid_text, NULL, 10) == (long)getpid() &&
        trace_writer_start(path, cap_text ? strtoull(cap_text, NULL, 10) : 0,
                           clock_text && strcmp(clock_text, "precise") == 0) == 0)
        ending_signals_take();
    return true;
}

/* quick_exit runs its handlers, then leaves by the C library's own _Exit, which this library does not see. */
static void recorder_quick_end(void)
{
    trace_writer_end(false);
}

__attribute__((constructor)) static void recorder_start(void)
{
    resolve();
    at_quick_exit(recorder_quick_end); /* registered before the program's: called after them, last */
}

__attribute__((destructor)) static void recorder_end(void)
{
    trace_writer_end(false);
}

EXPORT void *malloc(size_t size)
{
    if (__builtin_expect(!next.malloc, 0) && !resolve())
        return bootstrap_alloc(size);
    void *pointer = next.malloc(size);
    if (trace_writer_recording())
        trace_writer_allocation(TRACE_MALLOC, 0, size, pointer);
    return pointer;
}

EXPORT void *calloc(size_t count, size_t size)
{
    size_t total;
    if (__builtin_expect(!next.calloc, 0) && !resolve())
        return __builtin_mul_overflow(count, size, &total) ? NULL : bootstrap_alloc(total); /* static: zeroed */
    void *pointer = next.calloc(count, size);
    if (trace_writer_recording())
        trace_writer_allocation(TRACE_CALLOC, 0, __builtin_mul_overflow(count, size, &total) ? SIZE_MAX : total, pointer);
    return pointer;
}

EXPORT void free(void *pointer)
{
    if (in_bootstrap(pointer))
        return;
    if (__builtin_expect(!next.free, 0) && !resolve())
        return;
    if (trace_writer_recording())
        trace_writer_release(TRACE_FREE, pointer);
    next.free(pointer);
}

/*
 * The release call a program makes under glibc, malloc_trim (the talk's cure): recorded once it returns, so that
 * a replay makes the release call of the allocator under test at that point. (The other allocators' own release
 * calls are not taken: defining mallctl or mi_collect here would make this library look like those allocators.)
 */
EXPORT int malloc_trim(size_t pad)
{
    if (__builtin_expect(!next.malloc, 0) && !resolve())
        return 0;
    int released = next.malloc_trim ? next.malloc_trim(pad) : 0;
    if (trace_writer_recording())
        trace_writer_trim(pad);
    return released;
}

/*
 * realloc and reallocarray: the old block leaves at the start, the new one joins at the end. reallocarray is
 * the overflow check and then the allocator's realloc, as glibc's own is: not every allocator defines one (the
 * next definer would be glibc's, which calls realloc again through this library).
 */
static void *reallocate(enum trace_op op, void *old, size_t count, size_t size)
{
    size_t total;
    bool overflow = __builtin_mul_overflow(count, size, &total);
    if (in_bootstrap(old)) {
        void *pointer = overflow ? NULL : malloc(total);
        if (pointer)
            memcpy(pointer, old, bootstrap_size(old) < total ? bootstrap_size(old) : total);
        return pointer;
    }
    if (__builtin_expect(!next.realloc, 0) && !resolve()) {
        void *pointer = overflow ? NULL : bootstrap_alloc(total);
        if (pointer && old) /* cannot happen: a block from the allocator before it was found */
            abort();
        return pointer;
    }
    bool record = trace_writer_recording();
    if (record)
        trace_writer_release(TRACE_REALLOC_START, old);
    void *pointer = overflow ? NULL : next.realloc(old, total);
    if (overflow)
        errno = ENOMEM;
    if (record)
        trace_writer_allocation(op, 0, overflow ? SIZE_MAX : total, pointer);
    return pointer;
}

EXPORT void *realloc(void *old, size_t size)
{
    return reallocate(TRACE_REALLOC, old, 1, size);
}

EXPORT void *reallocarray(void *old, size_t count, size_t size)
{
    return reallocate(TRACE_REALLOCARRAY, old, count, size);
}

/* The aligned allocations: resolved, forwarded, recorded with their alignment. */
#define ALIGNED_ENTRY(name, op, alignment_expr, ...)                                                              \
    {                                                                                                              \
        if (__builtin_expect(!next.name, 0) && !resolve())                                                        \
            return NULL;                                                                                           \
        if (!next.name) {                                                                                          \
            errno = ENOMEM;                                                                                        \
            return NULL;                                                                                           \
        }                                                                                                          \
        void *pointer = next.name(__VA_ARGS__);                                                                    \
        if (trace_writer_recording())                                                                                           \
            trace_writer_allocation(op, alignment_expr, size, pointer);                                                 \
        return pointer;                                                                                            \
    }

EXPORT void *memalign(size_t alignment, size_t size) ALIGNED_ENTRY(memalign, TRACE_MEMALIGN, alignment, alignment, size)
EXPORT void *aligned_alloc(size_t alignment, size_t size)
    ALIGNED_ENTRY(aligned_alloc, TRACE_ALIGNED_ALLOC, alignment, alignment, size)
EXPORT void *valloc(size_t size) ALIGNED_ENTRY(valloc, TRACE_VALLOC, 0, size)
EXPORT void *pvalloc(size_t size) ALIGNED_ENTRY(pvalloc, TRACE_PVALLOC, 0, size)

EXPORT int posix_memalign(void **out, size_t alignment, size_t size)
{
    if (__builtin_expect(!next.posix_memalign, 0) && !resolve())
        return ENOMEM;
    if (!next.posix_memalign) /* an allocator without it, as ALIGNED_ENTRY's */
        return ENOMEM;
    int result = next.posix_memalign(out, alignment, size);
    if (trace_writer_recording())
        trace_writer_allocation(TRACE_POSIX_MEMALIGN, alignment, size, result == 0 ? *out : NULL);
    return result;
}

/* A program's mark (fragbench.h's fb_send_phase finds this by name in recorded runs): its number, or 0. */
EXPORT uint64_t fragbench_trace_mark(void);
EXPORT uint64_t fragbench_trace_mark(void)
{
    resolve(); /* a mark from a constructor that ran before this library's (the shim's Start) starts recording */
    return trace_writer_recording() ? trace_writer_mark() : 0;
}

/*
 * The release call a program made through fragbench's own API (fragbench.h's fb_trace_release, fragbench.py's
 * release), which calls the allocator at its own address, past this library: recorded as malloc_trim(0) is.
 */
EXPORT void fragbench_trace_release(void);
EXPORT void fragbench_trace_release(void)
{
    resolve();
    if (trace_writer_recording())
        trace_writer_trim(0);
}

/* ---- exec and _exit: the image's events are written before it goes. */

#define EXEC_ENTRY(name, ...)                                                                                      \
    {                                                                                                              \
        resolve();                                                                                                 \
        trace_writer_end(true);                                                                                    \
        int failed = next.name(__VA_ARGS__);                                                                       \
        trace_writer_exec_failed();                                                                                \
        return failed;                                                                                             \
    }

EXPORT int execve(const char *path, char *const argv[], char *const envp[]) EXEC_ENTRY(execve, path, argv, envp)
EXPORT int execv(const char *path, char *const argv[]) EXEC_ENTRY(execv, path, argv)
EXPORT int execvp(const char *file, char *const argv[]) EXEC_ENTRY(execvp, file, argv)
EXPORT int execvpe(const char *file, char *const argv[], char *const envp[]) EXEC_ENTRY(execvpe, file, argv, envp)
EXPORT int fexecve(int fd, char *const argv[], char *const envp[]) EXEC_ENTRY(fexecve, fd, argv, envp)

/* The execl family: glibc's own call execve inside the C library, past this library, so they are taken here. */
#define EXECL_ENTRY(call, last_is_env)                                                                             \
    {                                                                                                              \
        va_list arguments;                                                                                         \
        size_t count = 1;                                                                                          \
        va_start(arguments, first);                                                                                \
        while (va_arg(arguments, char *))                                                                          \
            count++;                                                                                               \
        va_end(arguments);                                                                                         \
        char *argv[count + 1];                                                                                     \
        char *const *envp = NULL;                                                                                  \
        argv[0] = (char *)first;                                                                                   \
        va_start(arguments, first);                                                                                \
        for (size_t i = 1; i <= count; i++)                                                                        \
            argv[i] = i < count ? va_arg(arguments, char *) : NULL;                                                \
        if (last_is_env) {                                                                                         \
            (void)va_arg(arguments, char *);                                                                       \
            envp = va_arg(arguments, char *const *);                                                               \
        }                                                                                                          \
        va_end(arguments);                                                                                         \
        (void)envp;                                                                                                \
        return call;                                                                                               \
    }

EXPORT int execl(const char *path, const char *first, ...) EXECL_ENTRY(execv(path, argv), 0)
EXPORT int execlp(const char *file, const char *first, ...) EXECL_ENTRY(execvp(file, argv), 0)
EXPORT int execle(const char *path, const char *first, ...) EXECL_ENTRY(execve(path, argv, envp), 1)

/* The process ends now: through the C library's _exit, or, while it is not found yet, the system call itself. */
static __attribute__((noreturn)) void exit_through(void (*exit_function)(int), int status)
{
    if (exit_function)
        exit_function(status);
    for (;;) /* a signal handler's _exit while this thread was still finding the functions (resolve) */
        syscall(SYS_exit_group, status);
}

EXPORT void _exit(int status)
{
    resolve();
    trace_writer_end(false);
    exit_through(next.exit_now, status);
}

EXPORT void _Exit(int status)
{
    resolve();
    trace_writer_end(false);
    exit_through(next.exit_at_once ? next.exit_at_once : next.exit_now, status);
}
