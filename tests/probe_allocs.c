/* Proves that the phase probe allocates nothing: run under malloc_counter.so, it counts allocation calls around probe calls. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "allocator.h"
#include "probe.h"
#include "protocol.h"

static int failures;

static void report(const char *test, int ok)
{
    printf("%s: %s\n", ok ? "PASS" : "FAIL", test);
    fflush(stdout);
    failures += !ok;
}

/* The standalone check, in a process that has printed nothing: exits 0 if 50 phases allocated nothing. */
static int standalone_child(uint64_t (*calls)(void))
{
    probe_start();
    uint64_t before = calls();
    for (int i = 0; i < 50; i++)
        probe_phase("After something", 0, 0);
    _exit(calls() == before ? 0 : 1);
}

int main(int argc, char **argv)
{
    uint64_t (*calls)(void) = (uint64_t(*)(void))dlsym(RTLD_DEFAULT, "fbtest_allocation_calls");
    struct allocator_info allocator;
    struct fb_memory sample;
    int pipe_fds[2];
    char fd_text[16], record[FB_RECORD_MAX];

    if (calls && argc == 2 && strcmp(argv[1], "--standalone-child") == 0)
        return standalone_child(calls);
    if (!calls) {
        report("probe_allocs_runs_under_malloc_counter (LD_PRELOAD=malloc_counter.so is missing)", 0);
        return 1;
    }
    /* The counter must see a real allocation, or a zero below would prove nothing. */
    uint64_t before = calls();
    void *volatile block = malloc(100);
    free(block);
    report("malloc_counter_counts_a_malloc", calls() == before + 1);

    /* Reporting to the runner through FRAGBENCH_FD. */
    if (pipe(pipe_fds) != 0)
        return 1;
    snprintf(fd_text, sizeof fd_text, "%d", pipe_fds[1]);
    setenv(FB_ENV_FD, fd_text, 1);
    probe_start();
    allocator_identify(&allocator);
    before = calls();
    probe_hello(&allocator, 0);
    for (int i = 0; i < 50; i++)
        probe_phase("After something", 12345, 6);
    uint64_t piped_calls = calls() - before;
    report("probe_allocates_nothing_when_reporting_to_the_runner", piped_calls == 0);
    before = calls();
    for (int i = 0; i < 50; i++) {
        fb_phase("After something");
        fb_phase_live("After something else", 5000, 1);
    }
    report("fragbench_h_allocates_nothing", calls() == before);
    /*
     * Under the counter, malloc is the counter's, so the allocator found above is "unknown" and the phases
     * read no allocator view. Point the probe at glibc's own (mallinfo2) and count again: glibc's malloc
     * calls from inside libc go through the counter too.
     */
    struct allocator_info libc;
    allocator_identify_object(&libc, dlsym(RTLD_DEFAULT, "gnu_get_libc_version"));
    report("probe_reaches_glibcs_view_under_the_counter", strcmp(libc.name, "glibc") == 0 && libc.stats != NULL);
    struct fb_allocator_view view;
    allocator_view(&libc, &view);
    report("glibcs_view_is_read", view.in_use_bytes != FB_UNKNOWN && view.os_bytes != FB_UNKNOWN);
    before = calls();
    probe_hello(&libc, 0);
    for (int i = 0; i < 50; i++) {
        probe_phase("After something", 12345, 6);
        allocator_view(&libc, &view);
    }
    report("probe_with_glibcs_view_allocates_nothing", calls() == before);
    ssize_t n = read(pipe_fds[0], record, sizeof record - 1);
    record[n > 0 ? n : 0] = '\0';
    report("probe_sent_the_hello_record", strncmp(record, "hello\tproto=1\tallocator=", 24) == 0 && strchr(record, '\n'));
    /* The rest of the pipe: the last phases must carry glibc's view, or the count above proved nothing. */
    static char rest[1 << 17];
    size_t rest_len = 0;
    close(pipe_fds[1]);
    while (rest_len < sizeof rest - 1 && (n = read(pipe_fds[0], rest + rest_len, sizeof rest - 1 - rest_len)) > 0)
        rest_len += (size_t)n;
    rest[rest_len] = '\0';
    report("probe_phases_carried_glibcs_view", strstr(rest, "\talloc_in_use_bytes=") && strstr(rest, "\talloc_free_bytes=") &&
                                                   strstr(rest, "\talloc_os_bytes="));

    before = calls();
    int sampled = fb_sample(&sample);
    report("probe_sample_allocates_nothing_and_reads_proc",
           calls() == before && sampled == 0 && sample.rss_kb > 0 && sample.anon_kb > 0 && sample.file_kb > 0 &&
               sample.vsz_kb >= sample.rss_kb && sample.rss_kb >= sample.anon_kb);

    /* Standalone: checked in a fresh process that has never used stdio, so that a stdio
       buffer made by the probe itself would show as an allocation. */
    pid_t child = fork();
    if (child == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        char *child_argv[] = {argv[0], "--standalone-child", NULL};
        unsetenv(FB_ENV_FD);
        dup2(devnull, STDOUT_FILENO);
        execv("/proc/self/exe", child_argv);
        _exit(127);
    }
    int status = 0;
    waitpid(child, &status, 0);
    report("probe_allocates_nothing_when_printing_standalone", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return failures ? 1 : 0;
}
