/* Benchmark of the phase probe: one sample of /proc, one read of the allocator's own view, one whole phase record sent down a pipe. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "allocator.h"
#include "probe.h"

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
    int iterations = argc > 1 ? atoi(argv[1]) : 20000;
    struct fb_memory sample;
    struct fb_allocator_view view;
    struct allocator_info allocator;
    int fds[2];
    char fd_text[16], drain[1 << 16];

    if (iterations <= 0 || pipe(fds) != 0)
        return 2;
    snprintf(fd_text, sizeof fd_text, "%d", fds[1]);
    setenv("FRAGBENCH_FD", fd_text, 1);
    probe_start();
    allocator_identify(&allocator);
    probe_hello(&allocator, 0); /* from here each phase also reads the allocator's view */
    (void)!read(fds[0], drain, sizeof drain);

    double start = now_us();
    for (int i = 0; i < iterations; i++)
        fb_sample(&sample);
    double sample_us = (now_us() - start) / iterations;

    start = now_us();
    for (int i = 0; i < iterations; i++)
        allocator_view(&allocator, &view);
    double view_us = (now_us() - start) / iterations;

    start = now_us();
    for (int i = 0; i < iterations; i++) {
        probe_phase("After something", 5000, 1);
        if (i % 64 == 63) /* keep the pipe from filling; the read is outside the probe but inside the timing */
            (void)!read(fds[0], drain, sizeof drain);
    }
    double phase_us = (now_us() - start) / iterations;
    printf("%s: probe_sample %.1f us per sample; allocator view (%s) %.2f us; probe_phase (sample + view + record + "
           "write) %.1f us per phase (%d iterations)\n",
           allocator.name, sample_us, allocator.stats_call ? allocator.stats_call : "none", view_us, phase_us,
           iterations);
    return 0;
}
