/* A test program for the recorder: a signal handler that allocates, a child made by _Fork, errno kept by free, signals. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Modes (argv[1]); each prints what it did, which the test compares with the trace:
 *   handler N [US]  N pairs of malloc(24) and free, with a timer's signal every US microseconds (default 20)
 *              whose handler makes a pair of malloc(40) and free: many land inside the recorder's writing of a
 *              call, or its writing out of a buffer. Prints "pairs N handler H" (H: the handler's pairs).
 *   rawfork N  a block of 1000 bytes, then a child made by _Fork (no pthread_atfork handler runs in it) that makes
 *              N pairs of malloc(24) and free and a malloc(77777), then the parent's 10 pairs of malloc(48) and
 *              free, and the free of its block. Prints "parent 11 11".
 *   errno      closes descriptors 3 to 1023 (the trace's too), then, past the recorder's 1 s flush, sets errno to 0
 *              and frees a block (the flush inside it fails to write to the closed descriptor, then reopens the
 *              trace): free must leave errno as it was. Exits 1 if it did not ("errno after free: E").
 *   ending N MS  N threads making pairs of malloc(24) and free without end, SIGTERM (left to its default) sent to
 *              the process after MS milliseconds: it lands inside a call most of the time. The process must die of
 *              it, as it would have; alive 5 s later, it says "still alive" and exits 3.
 *   masked     SIGTERM blocked but inside ppoll (as a service waits), left to its default, sent to itself: it must
 *              die of it, as it would have; the ppoll returning, it says "survived" and exits 3.
 *   chain      a SIGINT handler set by sysv_signal (past the recorder's sigaction and signal) that calls the handler
 *              it replaced, as told, where that is not SIG_DFL or SIG_IGN; SIGINT raised: it says "survived", exit 0.
 *   interrupt  a SIGINT handler set by signal(), with siginterrupt(SIGINT, 1), setting itself again in each call;
 *              a child sends SIGINT twice while it reads an empty pipe: each read must end (EINTR); it says
 *              "interrupted N" for the reads that did (2), and is killed by SIGALRM after 3 s if one did not.
 *   lowered    lowers its own file size limit to 300 000 bytes (SIGXFSZ left to its default), then makes 200 000
 *              pairs of malloc and free: the recorder's writes must not pass it. Says "done".
 *   exiting US 64 threads make 7 000 pairs of calls each, then wait; the main thread calls exit while a child it
 *              forked sends it SIGTERM US microseconds later, often while the exit writes every call out.
 *   resethand  a SIGTERM handler set with SA_RESETHAND (a program whose first signal asks it to stop, its second
 *              ends it): 100 blocks of 1000 bytes kept, SIGTERM raised (handled), then says "reset" if the
 *              setting reads as the default after it, keeps 200 more blocks, and raises SIGTERM again: it must die
 *              of it, as it would have; surviving, it says "survived" and exits 3.
 */
static volatile sig_atomic_t handler_pairs;

static void allocate_in_handler(int signal_number)
{
    (void)signal_number;
    void *volatile block = malloc(40);
    free(block);
    handler_pairs = handler_pairs + 1;
}

static int handler_mode(long pairs, long interval_us)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = allocate_in_handler;
    action.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &action, NULL);
    struct itimerval every = {{0, interval_us}, {0, interval_us}}, stop = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &every, NULL);
    for (long i = 0; i < pairs; i++) {
        void *volatile block = malloc(24);
        free(block);
    }
    setitimer(ITIMER_REAL, &stop, NULL);
    printf("pairs %ld handler %ld\n", pairs, (long)handler_pairs);
    return 0;
}

static int rawfork_mode(long pairs)
{
    void *volatile kept = malloc(1000);
    fflush(stdout);
    pid_t child = _Fork();
    if (child == 0) {
        for (long i = 0; i < pairs; i++) {
            void *volatile block = malloc(24);
            free(block);
        }
        void *volatile left = malloc(77777);
        (void)left;
        _exit(0);
    }
    if (child < 0 || waitpid(child, NULL, 0) != child)
        return 1;
    for (int i = 0; i < 10; i++) {
        void *volatile block = malloc(48);
        free(block);
    }
    free(kept);
    printf("parent 11 11\n");
    return 0;
}

static int errno_mode(void)
{
    void *volatile block = malloc(100);
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    usleep(1100000);
    errno = 0;
    free(block);
    int after = errno;
    printf("errno after free: %d\n", after);
    return after != 0;
}

static void *allocate_forever(void *unused)
{
    (void)unused;
    for (;;) {
        void *volatile block = malloc(24);
        free(block);
    }
    return NULL;
}

static int ending_mode(long threads, long milliseconds)
{
    for (long i = 0; i < threads; i++) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, allocate_forever, NULL) != 0)
            return 1;
    }
    usleep((useconds_t)milliseconds * 1000);
    kill(getpid(), SIGTERM);
    sleep(5);
    printf("still alive\n");
    return 3;
}

static int masked_mode(void)
{
    sigset_t terminate, open_mask;
    sigemptyset(&terminate);
    sigaddset(&terminate, SIGTERM);
    sigprocmask(SIG_BLOCK, &terminate, &open_mask);
    void *volatile block = malloc(1000);
    (void)block;
    kill(getpid(), SIGTERM); /* pending until the ppoll lets it in */
    struct timespec wait = {5, 0};
    ppoll(NULL, 0, &wait, &open_mask);
    printf("survived\n");
    return 3;
}

static __sighandler_t replaced;

static void chained(int number)
{
    if (replaced != SIG_DFL && replaced != SIG_IGN && replaced != SIG_ERR)
        replaced(number);
}

static int chain_mode(void)
{
    void *volatile block = malloc(1000);
    (void)block;
    replaced = sysv_signal(SIGINT, chained);
    raise(SIGINT);
    printf("survived\n");
    return 0;
}

static void interrupted(int number)
{
    signal(number, interrupted);
}

static int interrupt_mode(void)
{
    int pipe_ends[2];
    if (pipe(pipe_ends) != 0)
        return 1;
    signal(SIGINT, interrupted);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations" /* deprecated, and still called: what is tested */
    siginterrupt(SIGINT, 1);
#pragma GCC diagnostic pop
    alarm(3);
    pid_t parent = getpid(), child = fork();
    if (child == 0) {
        for (int i = 0; i < 2; i++) {
            usleep(200000);
            kill(parent, SIGINT);
        }
        _exit(0);
    }
    int ended = 0;
    char byte;
    for (int i = 0; i < 2; i++)
        if (read(pipe_ends[0], &byte, 1) < 0 && errno == EINTR)
            ended++;
    waitpid(child, NULL, 0);
    printf("interrupted %d\n", ended);
    return 0;
}

static int lowered_mode(void)
{
    struct rlimit limit;
    getrlimit(RLIMIT_FSIZE, &limit);
    limit.rlim_cur = 300000;
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0)
        return 1;
    for (int i = 0; i < 200000; i++) {
        void *volatile block = malloc(24 + (size_t)(i % 200));
        free(block);
    }
    printf("done\n");
    return 0;
}

static pthread_barrier_t all_done;

static void *allocate_then_wait(void *unused)
{
    for (int i = 0; i < 7000; i++) {
        void *volatile block = malloc(16 + (size_t)(i % 900));
        free(block);
    }
    pthread_barrier_wait(&all_done);
    for (;;)
        pause();
    return unused;
}

static int exiting_mode(long delay_us)
{
    sigset_t terminate;
    sigemptyset(&terminate);
    sigaddset(&terminate, SIGTERM);
    pthread_barrier_init(&all_done, NULL, 65);
    for (int i = 0; i < 64; i++) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, allocate_then_wait, NULL) != 0)
            return 1;
    }
    pthread_sigmask(SIG_BLOCK, &terminate, NULL); /* taken by a waiting thread, while this one exits */
    pthread_barrier_wait(&all_done);
    pid_t self = getpid();
    if (fork() == 0) {
        usleep((useconds_t)delay_us);
        kill(self, SIGTERM);
        _exit(0);
    }
    exit(0);
}

static volatile sig_atomic_t stop_asked;

static void ask_to_stop(int signal_number)
{
    (void)signal_number;
    stop_asked = 1;
}

static int resethand_mode(void)
{
    struct sigaction action, now;
    memset(&action, 0, sizeof action);
    action.sa_handler = ask_to_stop;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, NULL);
    for (int i = 0; i < 100; i++)
        if (!malloc(1000))
            return 1;
    raise(SIGTERM);
    sigaction(SIGTERM, NULL, &now);
    printf("asked %d, %s\n", (int)stop_asked, !(now.sa_flags & SA_SIGINFO) && now.sa_handler == SIG_DFL ? "reset" : "not reset");
    fflush(stdout);
    for (int i = 0; i < 200; i++)
        if (!malloc(1000))
            return 1;
    raise(SIGTERM);
    printf("survived\n");
    return 3;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    long count = argc > 2 ? atol(argv[2]) : 0;
    if (strcmp(mode, "handler") == 0 && count > 0)
        return handler_mode(count, argc > 3 && atol(argv[3]) > 0 ? atol(argv[3]) : 20);
    if (strcmp(mode, "rawfork") == 0 && count > 0)
        return rawfork_mode(count);
    if (strcmp(mode, "errno") == 0)
        return errno_mode();
    if (strcmp(mode, "ending") == 0 && count > 0 && argc > 3)
        return ending_mode(count, atol(argv[3]));
    if (strcmp(mode, "masked") == 0)
        return masked_mode();
    if (strcmp(mode, "chain") == 0)
        return chain_mode();
    if (strcmp(mode, "interrupt") == 0)
        return interrupt_mode();
    if (strcmp(mode, "lowered") == 0)
        return lowered_mode();
    if (strcmp(mode, "exiting") == 0 && count > 0)
        return exiting_mode(count);
    if (strcmp(mode, "resethand") == 0)
        return resethand_mode();
    fprintf(stderr, "usage: record_intrusions handler N [US] | rawfork N | errno | ending N MS | masked | chain | interrupt | exiting US | lowered | resethand\n");
    return 2;
}
