/* A preloaded shim for external commands: names the allocator that serves malloc, and measures the start, before main. */
#include <stdlib.h>

#include "allocator.h"
#include "probe.h"

/*
 * The runner preloads this after the profile's library, so the allocator keeps its place in
 * the symbol order. After the hello it sends a "Start" phase, the memory before main. It speaks only for the process the runner started (FRAGBENCH_PID): the
 * command's own children inherit the environment but stay silent.
 */
__attribute__((constructor)) static void fragbench_hello(void)
{
    const char *pid_text = getenv("FRAGBENCH_PID");
    static struct allocator_info allocator; /* the probe keeps a pointer to it */
    if (!pid_text || strtol(pid_text, NULL, 10) != (long)getpid())
        return;
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
