/* Samples another process's memory from outside, through /proc/PID, without stopping or touching it. */
#ifndef FRAGBENCH_SAMPLER_H
#define FRAGBENCH_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../cases/lib/fragbench.h"

struct sampler {
    pid_t pid;
    int statm_fd, status_fd; /* kept open: one pread() each per sample (of a live thread once the main one exited) */
    char smaps_path[64];     /* opened at each read: an open smaps_rollup keeps the address space it was opened on, which exec replaces */
    uint64_t peak_rss_kb;    /* the largest RSS so far: of the samples, and the kernel's high-water mark (VmHWM) */
    unsigned samples;
    uint64_t page_kb; /* looked up once, at open */
    double smaps_due; /* the time (progress_now()) before which a periodic smaps_rollup read is skipped */
};

/*
 * What only /proc/PID/smaps_rollup tells, in kB. Reading it walks the process's page tables: about 1 ms
 * per 100 MB resident here, far too slow for the probe's 25 µs, so the runner reads it from outside.
 */
/* A figure of smaps_extra that is not told although the others are (a replay's huge pages: below). */
#define SMAPS_UNKNOWN_KB UINT64_MAX

struct smaps_extra {
    uint64_t lazyfree_kb;  /* LazyFree: pages given back with MADV_FREE, still counted in RSS until reclaimed */
    uint64_t anon_huge_kb; /* AnonHugePages: anonymous memory in transparent huge pages; SMAPS_UNKNOWN_KB: not told */
    bool known;
};

/* Opens /proc/PID/statm and /proc/PID/status; returns 0 or -1. */
int sampler_open(struct sampler *sampler, pid_t pid);

/*
 * Reads the process's memory now; returns 0, or -1 once it is gone. A process whose main thread has ended
 * (pthread_exit from main) while others run on is read through one of them: its main thread's files read as a
 * zombie's, with no memory.
 */
int sampler_read(struct sampler *sampler, struct fb_memory *memory);

/*
 * Reads smaps_rollup now into *extra; returns 0, or -1 (extra->known false). With periodic set, it reads only
 * when due: each read costs time in proportion to the process's size, so the next periodic one waits nine
 * times as long as this one took, which keeps the runner's share of a core spent on it under 10%.
 */
int sampler_read_smaps(struct sampler *sampler, struct smaps_extra *extra, bool periodic, double now);

/*
 * A child process the sampled process's main thread started and that is running now (/proc/PID/task/PID/children):
 * its pid and name (comm) into name; 0, or -1 where there is none.
 */
int sampler_child_process(const struct sampler *sampler, pid_t *child, char *name, size_t size);


void sampler_close(struct sampler *sampler);

#endif
