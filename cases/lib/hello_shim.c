/* A preloaded shim for external commands: names the allocator that serves malloc, measures the start before main and the end after it. */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "allocator.h"
#include "probe.h"

/*
 * The runner preloads this after the profile's library, so the allocator keeps its place in
 * the symbol order. After the hello it sends a "Start" phase, the memory before main, and as the
 * process ends an "Exit" phase (below). It speaks only for the process the runner started
 * (FRAGBENCH_PID): the command's own children inherit the environment but stay silent.
 */
static pid_t speaking; /* the pid of the runner's process once this image said hello in it; else 0 */

__attribute__((constructor)) static void fragbench_hello(void)
{
    const char *pid_text = getenv(FB_ENV_PID);
    static struct allocator_info allocator; /* the probe keeps a pointer to it */
    if (!pid_text || strtol(pid_text, NULL, 10) != (long)getpid())
        return;
    speaking = getpid();
    (void)fb_report_fd(); /* this copy keeps the pipe's identity now: at the end, a reused number is not it */
    probe_start();
    allocator_identify(&allocator);
    probe_hello(&allocator, 0);
    /*
     * "Start", measured by the process itself, so that even a command too short for an outside sample
     * has one; once only, though every image a command execs into (a launcher script, then the real
     * program) says hello and is checked. The flag is cleared in place: no allocation, and the images
     * exec'd later inherit it.
     */
    char *start = getenv("FRAGBENCH_START");
    if (start && start[0] == '1') {
        start[0] = '0';
        fb_phase("Start");
    }
}

/*
 * "Exit", measured by the process itself as it ends through exit() or a return from main: after its atexit
 * handlers and the executable's destructors (a preloaded library is finalized right after the executable, before
 * the program's own shared libraries), so that every run of a program is measured at the same point of its
 * teardown. The field end=1 tells the runner that this is the process's last word and its Exit row. Under
 * --record the recorder's destructor has run already (the trace's end block is written): its mark is written at
 * once, as every event after the end is. A process that ends otherwise (a signal, _exit) sends none; the
 * runner's last outside sample stands in. A runner gone (its pipe closed) must not turn the program's exit
 * into a death by SIGPIPE: the signal is held for the write and taken back if the write raised it.
 */
__attribute__((destructor)) static void fragbench_goodbye(void)
{
    struct fb_memory memory;
    struct fb_line line;
    int fd = fb_report_fd();
    if (speaking != getpid() || fd < 0 || fb_sample(&memory) != 0) /* a forked child inherits the variable */
        return;
    fb_phase_line(&line, 1, "Exit", &memory, 0, 0, 0, NULL, NULL);
    fb_line_field_u64(&line, "end", 1);
    sigset_t pipe_only, old, pending;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
    bool was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
    if (fb_line_send(&line, fd) != 0 && !was_pending) {
        const struct timespec now = {0, 0};
        sigtimedwait(&pipe_only, NULL, &now);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}
