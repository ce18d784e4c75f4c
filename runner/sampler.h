/* Samples another process's memory from outside, through /proc/PID, without stopping or touching it. */
#ifndef FRAGBENCH_SAMPLER_H
#define FRAGBENCH_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../cases/lib/fragbench.h"

struct sampler {
    int statm_fd, status_fd; /* kept open: one pread() each per sample */
    uint64_t peak_rss_kb;    /* the largest RSS seen so far */
    unsigned samples;
    uint64_t page_kb; /* looked up once, at open */
};

/* Opens /proc/PID/statm and /proc/PID/status; returns 0 or -1. */
int sampler_open(struct sampler *sampler, pid_t pid);

/* Reads the process's memory now; returns 0, or -1 once it is gone. */
int sampler_read(struct sampler *sampler, struct fb_memory *memory);

void sampler_close(struct sampler *sampler);

#endif
