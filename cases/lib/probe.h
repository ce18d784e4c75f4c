/* The phase probe: samples this process's memory without allocating and sends it to the runner as one record. */
#ifndef FRAGBENCH_PROBE_H
#define FRAGBENCH_PROBE_H

#include <stdint.h>

struct allocator_info;

/* The exit status of a program whose probe could not read /proc (the run is then recorded as exit:70). */
#define PROBE_FAILED_EXIT 70

/* Memory of this process, read from /proc/self/statm and /proc/self/status. */
struct probe_sample {
    uint64_t vsz_kb;
    uint64_t rss_kb;
    uint64_t anon_kb; /* RssAnon */
    uint64_t file_kb; /* RssFile */
};

/* Starts the clock and reads FRAGBENCH_FD; call once, first thing in main. */
void probe_start(void);

/* Fills *sample; returns 0, or -1 when /proc could not be read or lacks RssAnon/RssFile. */
int probe_sample(struct probe_sample *sample);

/* Sends the hello record naming the allocator that serves malloc (standalone: prints nothing). */
void probe_hello(const struct allocator_info *allocator);

/*
 * Samples the process and sends one phase record with the caller's live bytes and
 * live allocation count. Standalone (no FRAGBENCH_FD) it prints "LABEL: N kB used".
 * If /proc cannot be read, it says so on stderr and ends the process with PROBE_FAILED_EXIT.
 * It allocates nothing and uses no stdio: open/read/close/write and stack buffers only.
 */
void probe_phase(const char *label, uint64_t live_bytes, uint64_t live_allocs);

#endif
