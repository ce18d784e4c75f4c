/* Parses one record line sent by a measured program over FRAGBENCH_FD (the format is in docs/results.md). */
#ifndef FRAGBENCH_RECORD_H
#define FRAGBENCH_RECORD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../cases/lib/protocol.h"

enum record_type { RECORD_HELLO, RECORD_PHASE, RECORD_IDLE };

/*
 * A phase record: one sample of the program, as the runner keeps it for each row of a run (a run may have tens of
 * thousands: about 450 bytes each, where a whole record, with the hello's paths, is 8.6 kB).
 */
struct phase_sample {
    uint64_t seq;
    char label[FB_LABEL_MAX];
    uint64_t elapsed_us;
    uint64_t vsz_kb, rss_kb, anon_kb, file_kb;
    uint64_t live_bytes, allocs;
    uint64_t child_peak_kb; /* optional: the largest RSS of a child that did the work (its ru_maxrss) */
    bool has_child_peak;
    uint64_t t_ns;          /* optional: CLOCK_MONOTONIC in ns when the phase began (places it among a trace's events) */
    bool has_t_ns;
    uint64_t trace_mark;    /* optional: the recorder's number for this mark (--record), placing it exactly */
    uint64_t end;           /* optional: 1 in the shim's Exit, the process's own last word as it ends */
    /* optional (fb-replay): where the row stands in the recording replayed, and the RSS the recording had there */
    uint64_t recorded_us, recorded_rss_kb, recorded_anon_kb;
    uint64_t trace_events; /* a replay's row: the trace's events replayed before it */
    uint64_t trace_peak_live_bytes; /* and the largest live heap after any of them */
    uint64_t replay_peak_kb; /* optional (fb-replay): its largest RSS so far, at its rows and between, less its own */
    uint64_t hwm_kb;         /* optional: the process's own VmHWM as it sampled (0: not sent) */
    bool has_recorded, has_recorded_rss, has_recorded_anon, has_trace_events;
    bool has_live; /* live_bytes and allocs were sent (a program may not know them) */
    /* optional: the allocator's own view of its memory, each where it tells */
    uint64_t alloc_in_use_bytes, alloc_free_bytes, alloc_os_bytes;
    bool has_alloc_in_use, has_alloc_free, has_alloc_os;
    /* Not sent: what a recorded run's trace says of the heap at this row (see runner/recorded.h). */
    uint64_t trace_live_bytes, trace_blocks;
    uint64_t trace_at_event; /* and after how many of the last image's events that holds (0: none) */
    bool has_trace_live;
    /* Not sent: the ideal RSS at this row (growth_ideal_kb), of a recorded run or a replay. */
    uint64_t ideal_rss_kb;
    bool has_ideal;
    /* Not sent: what the runner read from /proc/PID/smaps_rollup when the phase record arrived. */
    uint64_t lazyfree_kb, anon_huge_kb;
    bool has_smaps;
};

struct record {
    enum record_type type;
    /* hello: the allocator that serves malloc in the program */
    uint64_t proto;
    char allocator[32];
    char version[64];
    char object[PATH_MAX];
    char exe[PATH_MAX];   /* optional: the program image that said hello (/proc/self/exe) */
    char runtime[128];    /* optional: the interpreter running the program, as it names itself ("CPython 3.11.2") */
    uint64_t pid;
    uint64_t threads;     /* optional: the threads a threaded case starts; 0 when not sent */
    /* phase: one sample */
    struct phase_sample phase;
    /* idle: the program sleeps this long now (it uses no CPU meanwhile) */
    uint64_t idle_ms;
};

/*
 * Parses line[0..len) (no LF). Fields are TAB-separated key=value after the type;
 * unknown keys are ignored, a missing required key, a repeated key, a bad number,
 * a NUL byte or a CR is an error. Returns 0, or -1 with what is wrong in error.
 */
int record_parse(const char *line, size_t len, struct record *out, char *error, size_t error_size);

#endif
