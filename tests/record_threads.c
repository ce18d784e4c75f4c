/* A test program for the recorder: frees across threads, reuses addresses heavily, starts and ends threads, forks, execs or crashes. */
#define _GNU_SOURCE /* dladdr, REG_RIP (exitbusy p) */
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "fragbench.h"

/*
 * Modes (argv[1]):
 *   threads  a producer hands blocks to two consumers that free them; eight short threads each allocate and
 *            free in a loop (an address freed by one is soon handed to another) and leave blocks for main to
 *            free; main keeps KEPT blocks of KEPT_SIZE to the end.
 *   fork     a child allocates and exits, another execs /bin/true: neither may appear in the trace.
 *   exec     execs itself in "threads" mode (the same process: the trace gains an image).
 *   crash [siginfo|alarm]  allocates enough to fill several chunks, then dies of SIGSEGV (left to its default, or
 *            first set to it again with SA_SIGINFO in its flags, sa_sigaction NULL: the default all the same; or
 *            with a SIGALRM of its own blocked and pending, which the recorder's watchdog must not take for its own).
 *   none     makes no allocation call.
 *   closefds FILE  closes descriptors 3 to 1023 (the trace's too), changes to /, as a daemon does, opens FILE,
 *            writes "hello" in it, makes 20000 pairs of malloc and free of 64 to 127 bytes.
 *   quickexit  allocations, then quick_exit (the C library leaves by its own _Exit, not the exported one).
 *   capexec N  a short thread, then N pairs of malloc and free (past a small size cap), then execs itself in
 *            "churn 1000" mode.
 *   execfail an exec that fails, then allocations, then SIGSEGV: the trace must still read as truncated.
 *   churn N  N pairs of malloc and free of small blocks, never more than a few live: a long trace, a small heap.
 *   churners T N  T threads at once, each making N pairs of malloc and free (past a small size cap, all together).
 *   idlemain N  main allocates a few blocks, then waits while a thread makes N pairs of malloc and free (past a
 *            small size cap), then frees them: main's first calls are in its buffer, unwritten, at the cap.
 *   waves N  N short threads over its life, four at a time, each leaving a block that main frees at the end.
 *   nobuffer a thread started with no address space left for the recorder's buffer (see below).
 *   execsignal N  N pairs of malloc and free between marks Begin and End, with a timer's signal every 50 us
 *            whose handler makes an exec that fails (execve is async-signal-safe): many land in the middle of
 *            the recorder's writing of an event, whose buffer the exec's flush writes out.
 *   idle N   N rounds of: main's calls (enough to fill chunks), a thread that makes no call of its own, and a
 *            thread whose one call is its key destructor's free of a block main made. Both threads' first
 *            recorded calls come as they end (the C library's free(NULL) after the key destructors ran), on a
 *            thread descriptor the next thread reuses.
 *   cancel   a thread allocates and frees in a loop, reaching a cancellation point of its own only every 2^20
 *            pairs; main cancels it after 50 ms: the pending cancel is acted on at the recorder's write of the
 *            thread's buffer, unless the recorder keeps it off, and then joins it and allocates again.
 *   tail MS  allocates and frees 2000 blocks of 4 kB, then sleeps MS ms and leaves by _exit: an idle end without
 *            a call, and no destructor after it (the hello's Exit mark among them).
 *   untouched MB  allocates MB megabytes and never writes them (not resident), then frees 4 MB of small blocks
 *            that a last one keeps glibc from giving back, marks "Held", and leaves by _exit.
 *   handoff MB  four threads each allocate MB/4 megabytes in blocks of 1 to 8 kB (written), make
 *            200 000 pairs of small malloc and free, and end; main, once
 *            it joined them, frees the blocks of all but the first and marks "Freed", then sleeps 300 ms: its frees land on the
 *            heaps of threads that have ended (mimalloc's abandoned segments), which a replay must keep.
 *   exitbusy N how  N threads swap blocks through a shared pool of 1024 slots without end (each frees what
 *            another allocated); main sleeps 30 ms, then ends by exit (how "x"), _exit ("q") or an exec of true ("e")
 *            while they run, or waits for its SIGTERM ("w": a service stopped by --duration), or sends
 *            itself the runner's stop signal (SIGRTMAX - 4), and leaves by _exit 20 ms later ("s"), or sends it and
 *            SIGTERM at once ("t": it dies of SIGTERM, or exits 3 half a second later), or blocks it, sends it (a
 *            busy thread takes it) and leaves by exit 0.2 ms later, inside that thread's stop ("z"), or faults
 *            (a write through a null pointer, "f": SIGSEGV left to its default), or first parks a busy thread
 *            for good in a handler of its own (SIGUSR1) where that interrupted the thread inside the recorder's
 *            write of its buffer (writev), as a collector's stop-the-world may, then faults ("p"; x86-64 only:
 *            elsewhere it exits 77 at once).
 * Each mark prints "mark LABEL NS BYTES BLOCKS" (write(2): stdio would allocate) as record_live.c does.
 */

enum { ITEMS = 40000, QUEUE = 256, SHORT_THREADS = 8, KEPT = 100, KEPT_SIZE = 1000, LEFT_PER_THREAD = 10 };

static void mark(const char *label, uint64_t bytes, uint64_t blocks)
{
    char line[160];
    int n = snprintf(line, sizeof line, "mark %s %llu %llu %llu\n", label, (unsigned long long)fb_now_ns(),
                     (unsigned long long)bytes, (unsigned long long)blocks);
    if (write(STDOUT_FILENO, line, (size_t)n) != n)
        _exit(3);
    fb_phase_live(label, bytes, blocks);
}

/* ---- A bounded queue from the producer to the consumers. */
static void *queue[QUEUE];
static size_t head, tail, produced;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;

static void *producer(void *unused)
{
    (void)unused;
    for (size_t i = 0; i < ITEMS; i++) {
        char *block = malloc(16 + i % 700);
        if (!block)
            abort();
        block[0] = 1;
        pthread_mutex_lock(&lock);
        while (head - tail == QUEUE)
            pthread_cond_wait(&not_full, &lock);
        queue[head++ % QUEUE] = block;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&lock);
    }
    pthread_mutex_lock(&lock);
    produced = 1;
    pthread_cond_broadcast(&not_empty);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void *consumer(void *unused)
{
    (void)unused;
    for (;;) {
        pthread_mutex_lock(&lock);
        while (head == tail && !produced)
            pthread_cond_wait(&not_empty, &lock);
        if (head == tail) {
            pthread_mutex_unlock(&lock);
            return NULL;
        }
        void *block = queue[tail++ % QUEUE];
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&lock);
        free(block);
    }
}

/* A short thread: allocates and frees the same sizes over and over, then leaves a few blocks to main. */
static void *churn(void *out)
{
    void **left = out;
    for (int round = 0; round < 2000; round++) {
        void *a = malloc(48), *b = malloc(48 + round % 3);
        if (!a || !b)
            abort();
        free(a);
        free(b);
    }
    for (int i = 0; i < LEFT_PER_THREAD; i++)
        if (!(left[i] = malloc(64)))
            abort();
    return NULL;
}

/* idle: a thread that makes no allocation call (the C library's own calls at its end aside). */
/* N pairs of malloc and free of small blocks, never more than a few live (argument: the count, as a pointer). */
static void *churn_pairs(void *count)
{
    void *held[4] = {NULL, NULL, NULL, NULL};
    for (long i = 0; i < (long)(intptr_t)count; i++) {
        free(held[i % 4]);
        if (!(held[i % 4] = malloc(16 + (size_t)(i % 200))))
            abort();
    }
    for (int i = 0; i < 4; i++)
        free(held[i]);
    return NULL;
}

static void *no_calls(void *unused)
{
    return unused;
}

static pthread_key_t block_key;

/* idle: a thread whose one call is the free of main's block, by its key's destructor as it ends. */
static void *free_at_end(void *block)
{
    pthread_setspecific(block_key, block);
    return NULL;
}

static int run_idle_threads(long rounds)
{
    void *held[4] = {NULL, NULL, NULL, NULL};
    pthread_t thread;
    if (pthread_key_create(&block_key, free) != 0 || pthread_create(&thread, NULL, no_calls, NULL) != 0 ||
        pthread_join(thread, NULL) != 0)
        return 1; /* a first thread before the Begin mark: the C library keeps a block for its threads' TLS */
    mark("Begin", 0, 0);
    for (long round = 0; round < rounds; round++) {
        for (int i = 0; i < 3000; i++) { /* past a buffer: main's chunk numbers move on between the threads */
            free(held[i % 4]);
            if (!(held[i % 4] = malloc(16 + (size_t)(i % 200))))
                abort();
        }
        void *block = malloc(1000);
        if (!block || pthread_create(&thread, NULL, no_calls, NULL) != 0 || pthread_join(thread, NULL) != 0 ||
            pthread_create(&thread, NULL, free_at_end, block) != 0 || pthread_join(thread, NULL) != 0)
            return 1;
    }
    size_t bytes = 0;
    for (int i = 0; i < 4; i++)
        bytes += held[i] ? 16 + (size_t)((3000 - 4 + i) % 200) : 0;
    mark("End", bytes, 4);
    for (int i = 0; i < 4; i++)
        free(held[i]);
    return 0;
}

/* cancel: pairs of calls until cancelled; its own cancellation point only every 2^20 pairs. */
static void *churn_until_cancelled(void *unused)
{
    for (unsigned long i = 1;; i++) {
        void *volatile block = malloc(16 + i % 200); /* volatile: the pair may not be optimised away */
        if (!block)
            abort();
        free(block);
        if ((i & 0xfffff) == 0)
            pthread_testcancel();
    }
    return unused;
}

static int run_cancelled(void)
{
    pthread_t thread;
    void *result = NULL;
    mark("Begin", 0, 0);
    if (pthread_create(&thread, NULL, churn_until_cancelled, NULL) != 0)
        return 1;
    usleep(50000);
    if (pthread_cancel(thread) != 0 || pthread_join(thread, &result) != 0 || result != PTHREAD_CANCELED)
        return 1;
    for (int i = 0; i < 20000; i++) /* main's own calls after: its buffer is written as the others' was */
        free(malloc(64 + (size_t)(i % 64)));
    mark("End", 0, 0);
    return 0;
}

static int run_threads(void)
{
    pthread_t threads[3 + SHORT_THREADS];
    void *left[SHORT_THREADS][LEFT_PER_THREAD];
    void *kept[KEPT];
    mark("Begin", 0, 0);
    for (int i = 0; i < KEPT; i++)
        if (!(kept[i] = malloc(KEPT_SIZE)))
            abort();
    pthread_create(&threads[0], NULL, producer, NULL);
    pthread_create(&threads[1], NULL, consumer, NULL);
    pthread_create(&threads[2], NULL, consumer, NULL);
    for (int i = 0; i < SHORT_THREADS; i++)
        pthread_create(&threads[3 + i], NULL, churn, left[i]);
    for (int i = 0; i < 3 + SHORT_THREADS; i++)
        pthread_join(threads[i], NULL);
    mark("Joined", KEPT * KEPT_SIZE + SHORT_THREADS * LEFT_PER_THREAD * 64, KEPT + SHORT_THREADS * LEFT_PER_THREAD);
    for (int i = 0; i < SHORT_THREADS; i++)
        for (int k = 0; k < LEFT_PER_THREAD; k++)
            free(left[i][k]); /* blocks of threads that have ended, freed by another */
    mark("End", KEPT * KEPT_SIZE, KEPT);
    return 0;
}

/* A wave's thread: a few calls, and a block left behind for main. */
static void *short_lived(void *out)
{
    for (int i = 0; i < 10; i++)
        free(malloc(100 + (size_t)i));
    if (!(*(void **)out = malloc(200)))
        abort();
    return NULL;
}

static int run_waves(long count)
{
    void **left = calloc((size_t)count, sizeof *left);
    pthread_t wave[4];
    if (!left)
        abort();
    mark("Begin", count * sizeof *left, 1);
    for (long started = 0; started < count; started += 4) {
        int size = count - started < 4 ? (int)(count - started) : 4;
        for (int i = 0; i < size; i++)
            if (pthread_create(&wave[i], NULL, short_lived, &left[started + i]) != 0)
                abort();
        for (int i = 0; i < size; i++)
            pthread_join(wave[i], NULL);
    }
    mark("Waves", count * sizeof *left + count * 200, 1 + count);
    for (long i = 0; i < count; i++)
        free(left[i]); /* blocks of threads long gone */
    free(left);
    mark("End", 0, 0);
    return 0;
}

/* A handoff thread: its share of blocks, each written, left for main. */
struct handoff_share {
    void **blocks;
    size_t count;
};

static void *allocate_share(void *argument)
{
    struct handoff_share *share = argument;
    for (size_t i = 0; i < share->count; i++) {
        size_t size = 1024 + (i * 7919) % 7168;
        if (!(share->blocks[i] = malloc(size)))
            abort();
        memset(share->blocks[i], 1, size);
    }
    for (int i = 0; i < 200000; i++) /* a busy end: its replay is still at these when main's frees come */
        free(malloc(16 + (size_t)(i % 64)));
    return NULL;
}

static int run_handoff(long megabytes)
{
    enum { THREADS = 4 };
    size_t per_thread = (size_t)megabytes * 1024 * 1024 / THREADS / 4608; /* 4608: the blocks' mean size */
    struct handoff_share shares[THREADS];
    pthread_t threads[THREADS];
    for (int t = 0; t < THREADS; t++) {
        shares[t] = (struct handoff_share){.blocks = calloc(per_thread, sizeof(void *)), .count = per_thread};
        if (!shares[t].blocks || pthread_create(&threads[t], NULL, allocate_share, &shares[t]) != 0)
            abort();
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(threads[t], NULL); /* no mark here: a replay's row would wait for the threads' ends */
    for (int t = 0; t < THREADS; t++)
        for (size_t i = t == 0 ? per_thread : 0; i < per_thread; i++)
            free(shares[t].blocks[i]);
    mark("Freed", 0, 0);
    usleep(300000);
    return 0;
}

static void *allocate_once(void *unused)
{
    (void)unused;
    free(malloc(32)); /* the thread's first call: the recorder maps its buffer here */
    return NULL;
}

/*
 * nobuffer: address space limited to what the process maps now plus a thread's 64 KiB stack and a little, then
 * a thread that allocates: the recorder cannot map that thread's buffer, and must say so in the trace.
 */
static int run_without_room_for_a_buffer(void)
{
    for (int i = 0; i < 1000; i++)
        free(malloc(32)); /* main's own events, before */
    char status[4096];
    int fd = open("/proc/self/status", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, status, sizeof status - 1) : -1;
    if (fd >= 0)
        close(fd);
    const char *line = n > 0 ? (status[n] = '\0', strstr(status, "VmSize:")) : NULL;
    if (!line)
        return 1;
    struct rlimit limit;
    limit.rlim_cur = limit.rlim_max = (rlim_t)(strtoull(line + 7, NULL, 10) + 100) * 1024;
    pthread_attr_t attributes;
    pthread_t thread;
    if (setrlimit(RLIMIT_AS, &limit) != 0 || pthread_attr_init(&attributes) != 0 ||
        pthread_attr_setstacksize(&attributes, 64 << 10) != 0 ||
        pthread_create(&thread, &attributes, allocate_once, NULL) != 0)
        return 1;
    pthread_join(thread, NULL);
    return 0;
}

static void exec_that_fails(int signal_number)
{
    (void)signal_number;
    static char *const no_arguments[] = {"program", NULL};
    execve("/nonexistent/program", no_arguments, no_arguments + 1);
}

static int run_exec_in_signals(long pairs)
{
    struct sigaction action = {.sa_handler = exec_that_fails, .sa_flags = SA_RESTART};
    struct itimerval every = {{0, 50}, {0, 50}}, off = {{0, 0}, {0, 0}};
    if (sigaction(SIGALRM, &action, NULL) != 0)
        return 1;
    mark("Begin", 0, 0);
    if (setitimer(ITIMER_REAL, &every, NULL) != 0)
        return 1;
    for (long i = 0; i < pairs; i++) {
        void *volatile block = malloc(16 + (size_t)(i % 200)); /* volatile: the pair may not be optimised away */
        if (!block)
            abort();
        free(block);
    }
    if (setitimer(ITIMER_REAL, &off, NULL) != 0)
        return 1;
    mark("End", 0, 0);
    return 0;
}

static int run_fork(void)
{
    mark("Begin", 0, 0);
    pid_t child = fork();
    if (child == 0) {
        for (int i = 0; i < 1000; i++)
            if (!malloc(100))
                _exit(1);
        exit(0); /* destructors run: the recorder must not write the parent's trace */
    }
    waitpid(child, NULL, 0);
    child = fork();
    if (child == 0) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(1);
    }
    waitpid(child, NULL, 0);
    void *block = malloc(4096);
    if (!block)
        abort();
    mark("End", 4096, 1);
    free(block);
    return 0;
}

/* untouched: a block never written, then freed memory kept (a block at the top pins it), a mark, and _exit. */
static void *volatile untouched_block;

static int run_untouched(long megabytes)
{
    enum { SMALL = 100, SMALL_COUNT = 40000 };
    static char *small[SMALL_COUNT];
    if (!(untouched_block = malloc((size_t)megabytes << 20)))
        return 1;
    for (int i = 0; i < SMALL_COUNT; i++) {
        if (!(small[i] = malloc(SMALL)))
            return 1;
        memset(small[i], 1, SMALL);
    }
    for (int i = 0; i < SMALL_COUNT - 1; i++)
        free(small[i]);
    mark("Held", (uint64_t)megabytes << 20, 2);
    _exit(0);
}

/* tail: the calls, then an idle end in which the program makes none, then _exit (no destructor, no mark). */
static int run_tail(long idle_ms)
{
    enum { BLOCKS = 2000, SIZE = 4096 };
    static void *blocks[BLOCKS];
    for (int i = 0; i < BLOCKS; i++)
        if (!(blocks[i] = malloc(SIZE)))
            return 1;
    for (int i = 0; i < BLOCKS; i++)
        free(blocks[i]);
    struct timespec idle = {.tv_sec = idle_ms / 1000, .tv_nsec = idle_ms % 1000 * 1000000};
    while (nanosleep(&idle, &idle) != 0)
        ;
    _exit(0);
}

static _Atomic(void *) pool[1024];

static void *swap_blocks(void *argument)
{
    unsigned seed = (unsigned)(uintptr_t)argument;
    for (;;) {
        seed = seed * 1103515245u + 12345u;
        free(atomic_exchange(&pool[seed % 1024], malloc(64)));
    }
    return NULL;
}

static atomic_int parked, answered;

/* exitbusy's "p": a thread interrupted inside writev (the recorder writing its buffer, holding its lock) stays. */
static void park_inside_write(int number, siginfo_t *info, void *context)
{
    (void)number;
    (void)info;
#if defined(__x86_64__)
    Dl_info symbol;
    void *at = (void *)((ucontext_t *)context)->uc_mcontext.gregs[REG_RIP];
    if (dladdr(at, &symbol) && symbol.dli_sname && strstr(symbol.dli_sname, "writev")) {
        atomic_store(&parked, 1);
        atomic_store(&answered, 1);
        for (;;)
            pause();
    }
#else
    (void)context;
#endif
    atomic_store(&answered, 1);
}

/* Signals thread until its handler parks it inside the recorder's write; 0, or -1 if that never came in 10 s. */
static int park_a_thread_inside_a_write(pthread_t thread)
{
    struct sigaction park = {.sa_sigaction = park_inside_write, .sa_flags = SA_SIGINFO | SA_RESTART};
    sigemptyset(&park.sa_mask);
    sigaction(SIGUSR1, &park, NULL);
    uint64_t until = fb_now_ns() + 10000000000ull;
    while (!atomic_load(&parked) && fb_now_ns() < until) {
        atomic_store(&answered, 0);
        pthread_kill(thread, SIGUSR1);
        while (!atomic_load(&answered))
            ;
    }
    return atomic_load(&parked) ? 0 : -1;
}

static int run_exitbusy(long threads, const char *how)
{
#if !defined(__x86_64__)
    if (strcmp(how, "p") == 0)
        return 77; /* the handler finds writev by the interrupted instruction's address: x86-64's register */
#endif
    pthread_t first = 0;
    for (long i = 0; i < threads; i++) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, swap_blocks, (void *)(uintptr_t)(i + 1)) != 0)
            return 1;
        if (i == 0)
            first = thread;
    }
    struct timespec pause = {0, 30000000};
    nanosleep(&pause, NULL);
    if (strcmp(how, "q") == 0)
        _exit(0);
    if (strcmp(how, "e") == 0)
        execl("/bin/true", "true", (char *)NULL);
    if (strcmp(how, "s") == 0) { /* the runner's stop signal, as at --duration, then 20 ms more of calls */
        kill(getpid(), SIGRTMAX - 4);
        pause.tv_nsec = 20000000;
        nanosleep(&pause, NULL);
        _exit(0);
    }
    if (strcmp(how, "t") == 0) { /* the stop signal, then at once SIGTERM (left to its default): dies of it */
        kill(getpid(), SIGRTMAX - 4);
        kill(getpid(), SIGTERM);
        pause.tv_nsec = 500000000;
        nanosleep(&pause, NULL);
        _exit(3);
    }
    if (strcmp(how, "z") == 0) { /* the stop signal taken by a busy thread; main leaves by exit during its stop */
        sigset_t stop_signal;
        sigemptyset(&stop_signal);
        sigaddset(&stop_signal, SIGRTMAX - 4);
        pthread_sigmask(SIG_BLOCK, &stop_signal, NULL);
        kill(getpid(), SIGRTMAX - 4);
        pause.tv_nsec = 200000;
        nanosleep(&pause, NULL);
        exit(0);
    }
    if (strcmp(how, "p") == 0 && (threads < 1 || park_a_thread_inside_a_write(first) != 0))
        return 4;
    if (strcmp(how, "f") == 0 || strcmp(how, "p") == 0) { /* a fault, the threads calling on (a volatile store through a volatile pointer: a store gcc keeps) */
        volatile int *volatile nowhere = NULL;
        *nowhere = 1;
    }
    if (strcmp(how, "w") == 0)
        for (;;)
            nanosleep(&pause, NULL); /* until the runner's SIGTERM, the threads calling on after its stop */
    exit(0);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "threads") == 0)
        return run_threads();
    if (strcmp(mode, "fork") == 0)
        return run_fork();
    if (strcmp(mode, "exec") == 0) {
        void *block = malloc(123); /* the first image's heap, gone at exec */
        if (!block)
            abort();
        execl("/proc/self/exe", argv[0], "threads", (char *)NULL);
        return 1;
    }
    if (strcmp(mode, "crash") == 0) {
        if (argc > 2 && strcmp(argv[2], "siginfo") == 0) { /* the default given again, as a handler's flags say */
            struct sigaction fallback = {.sa_sigaction = NULL, .sa_flags = SA_SIGINFO};
            sigemptyset(&fallback.sa_mask);
            sigaction(SIGSEGV, &fallback, NULL);
        }
        if (argc > 2 && strcmp(argv[2], "alarm") == 0) { /* a SIGALRM of its own, blocked and pending at the crash */
            sigset_t alarm_only;
            sigemptyset(&alarm_only);
            sigaddset(&alarm_only, SIGALRM);
            sigprocmask(SIG_BLOCK, &alarm_only, NULL);
            raise(SIGALRM);
        }
        for (int i = 0; i < 100000; i++)
            if (!malloc(32))
                abort();
        raise(SIGSEGV);
        return 1;
    }
    if (strcmp(mode, "closefds") == 0 && argc > 2) {
        for (int fd = 3; fd < 1024; fd++)
            close(fd);
        if (chdir("/") != 0)
            return 1;
        int file = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (file < 0 || write(file, "hello", 5) != 5)
            return 1;
        for (int i = 0; i < 20000; i++) /* more than a buffer: chunks are written while the file is open */
            free(malloc(64 + i % 64));
        return close(file);
    }
    if (strcmp(mode, "churn") == 0 && argc > 2) {
        churn_pairs((void *)(intptr_t)strtol(argv[2], NULL, 10));
        return 0;
    }
    if (strcmp(mode, "churners") == 0 && argc > 3) {
        pthread_t workers[64];
        long count = strtol(argv[2], NULL, 10);
        count = count < 1 ? 1 : count > 64 ? 64 : count;
        for (long t = 0; t < count; t++)
            if (pthread_create(&workers[t], NULL, churn_pairs, (void *)(intptr_t)strtol(argv[3], NULL, 10)) != 0)
                abort();
        for (long t = 0; t < count; t++)
            pthread_join(workers[t], NULL);
        return 0;
    }
    if (strcmp(mode, "idlemain") == 0 && argc > 2) {
        void *kept[8];
        for (int i = 0; i < 8; i++)
            if (!(kept[i] = malloc(1000)))
                abort();
        pthread_t worker;
        if (pthread_create(&worker, NULL, churn_pairs, (void *)(intptr_t)strtol(argv[2], NULL, 10)) != 0 ||
            pthread_join(worker, NULL) != 0)
            abort();
        for (int i = 0; i < 8; i++)
            free(kept[i]);
        return 0;
    }
    if (strcmp(mode, "quickexit") == 0) {
        for (int i = 0; i < 30000; i++)
            free(malloc(32 + (size_t)(i % 64)));
        quick_exit(0);
    }
    if (strcmp(mode, "capexec") == 0 && argc > 2) {
        /* A short thread first: its small chunk leaves the full ones off the cap, so the stop leaves room below it. */
        pthread_t thread;
        void *kept = NULL;
        if (pthread_create(&thread, NULL, short_lived, &kept) != 0 || pthread_join(thread, NULL) != 0)
            return 1;
        free(kept);
        for (long i = strtol(argv[2], NULL, 10); i > 0; i--)
            free(malloc(16 + (size_t)(i % 200)));
        execl(argv[0], argv[0], "churn", "1000", (char *)NULL);
        return 1;
    }
    if (strcmp(mode, "waves") == 0 && argc > 2)
        return run_waves(strtol(argv[2], NULL, 10));
    if (strcmp(mode, "execfail") == 0) {
        for (int i = 0; i < 30000; i++)
            if (!malloc(32))
                abort();
        execl("/nonexistent/program", "program", (char *)NULL);
        for (int i = 0; i < 100; i++)
            if (!malloc(32))
                abort();
        raise(SIGSEGV);
        return 1;
    }
    if (strcmp(mode, "execsignal") == 0 && argc > 2)
        return run_exec_in_signals(strtol(argv[2], NULL, 10));
    if (strcmp(mode, "idle") == 0 && argc > 2)
        return run_idle_threads(strtol(argv[2], NULL, 10));
    if (strcmp(mode, "tail") == 0 && argc > 2)
        return run_tail(strtol(argv[2], NULL, 10));
    if (strcmp(mode, "untouched") == 0 && argc > 2)
        return run_untouched(strtol(argv[2], NULL, 10));
    if (strcmp(mode, "cancel") == 0)
        return run_cancelled();
    if (strcmp(mode, "handoff") == 0 && argc > 2)
        return run_handoff(strtol(argv[2], NULL, 10));
    if (strcmp(mode, "exitbusy") == 0 && argc > 3)
        return run_exitbusy(strtol(argv[2], NULL, 10), argv[3]);
    if (strcmp(mode, "nobuffer") == 0)
        return run_without_room_for_a_buffer();
    return strcmp(mode, "none") == 0 ? 0 : 2;
}
