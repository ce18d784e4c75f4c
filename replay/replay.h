/* The replay engine's interface: replay a trace, and the calls and samples it makes (calls.c, or a test's own). */
#ifndef FRAGBENCH_REPLAY_H
#define FRAGBENCH_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reader.h"

/* How the replay keeps the recorded time (--time=). */
enum replay_time {
    REPLAY_TIME_GAPS, /* sleep the recorded gaps longer than gap_ns; the busy stretches as fast as it can */
    REPLAY_TIME_FAST, /* sleep none */
    REPLAY_TIME_REAL, /* never run ahead of the recorded clock: wait whenever the replay is early */
};

struct replay_options {
    const char *trace;
    /*
     * 0, or a descriptor (above 2) open on trace already decompressed (trace_descriptor's copy, dup'd): read
     * instead of decompressing trace again, and closed by the replay. The runner decompresses a .zst trace once for
     * all its runs; fb-replay alone, once for its check and its replay.
     */
    int decompressed_fd;
    enum replay_time time;
    uint64_t gap_ns; /* REPLAY_TIME_GAPS: recorded gaps longer than this are slept */
    void (*sleep)(uint64_t ns); /* how a wait is slept: NULL, nanosleep; a test's own counts the waits instead */
};

/* A sample point: its label, where it stands in the recording, and the RSS the recording measured there. */
struct replay_point {
    uint64_t ns;     /* on the trace's clock */
    uint64_t at_ns;  /* after the recording's start */
    uint64_t rss_kb; /* the recording's RSS at this row; 0 where it measured none (every 5%, the replay's end) */
    uint64_t anon_kb; /* and its anonymous part */
    uint64_t mark;   /* the program's mark it is, or 0 (a point placed by time, or after_events) */
    uint64_t after_events; /* a point after this many of the last image's events (0: none): "5%" ... "95%" */
    uint64_t events;       /* the last image's events made when its row was taken (the plot's axis) */
    uint64_t peak_live_bytes; /* the largest live heap after any of those events */
    bool taken;      /* a mark's row, once taken (the replay takes it at the mark's first event only) */
    /* Its row has the allocator's own count (alloc_in_use_kb ...): a program's mark, and the replay's end. Not the
       rows every 5% and by time, where glibc's mallinfo2, walking every free chunk, took 0.22 s of jq's 0.6 s replay. */
    bool allocator_view;
    char label[128];
};

/*
 * The events of the replayed image that disagree with those before them (the reader's order errors): a release of
 * a block not live is not made; an allocation at an address still live releases the block there first.
 */
struct replay_outcome {
    uint64_t releases_not_live, allocations_at_live;
    /* The recording's rows placed at a program's mark that never came among the events (a buffer the program never
       wrote, a chunk lost): they have no replay row. The first one's label. */
    uint64_t rows_without_mark;
    char row_without_mark[128];
    bool not_whole; /* the trace is not whole (stopped, cut, killed): a call in progress at its end may be half there */
};

/*
 * Replays the trace's calls: 0, or -1 with what is wrong in error (an unreadable or corrupt trace, a thread that
 * cannot start). Every thread it started is joined and its bookkeeping freed on return, whatever happened.
 * outcome, if not NULL, gets the order errors met.
 */
int replay_trace(const struct replay_options *options, struct replay_outcome *outcome, char *error, size_t error_size);

/*
 * What the engine calls; fb-replay's are in calls.c (the allocator under test, a row of the probe), a test
 * links its own. replay_begin comes once the trace is open; the allocation calls may come from several threads
 * at once (one per recorded thread), replay_sample only when none is under way.
 */
void replay_begin(const struct trace_info *info, bool threaded);
void *replay_allocate(enum trace_op op, uint64_t size, uint64_t alignment); /* NULL: failed */
void *replay_reallocate(void *old, uint64_t old_size, uint64_t size);        /* old: it failed */
void replay_release(void *block);
void replay_trim(void); /* the program's release call (malloc_trim): the allocator under test's own */
void replay_sample(const struct replay_point *point, uint64_t live_bytes, uint64_t live_blocks);
/*
 * Every REPLAY_PEAK_CHECK_BYTES allocated, a note of the replay's memory for a peak between rows: after the calls
 * before it in a one-thread replay; in a threaded one, as the reading thread reaches it, when the workers may
 * not have made all the calls queued before it yet (the peak between rows may then be noted a little low).
 */
void replay_note_peak(void);

/*
 * fb-replay's calls.c alone: how many calls that succeeded when recorded failed in the replay (an alignment this
 * allocator refuses, memory run out), and the first of them (its op, size and alignment): their blocks are missing
 * from every row after them.
 */
struct replay_failures {
    const char *allocator; /* the allocator under test's name, as identified */
    uint64_t count;
    enum trace_op first_op;
    uint64_t first_size, first_alignment;
};
void replay_failures_read(struct replay_failures *out);

enum { REPLAY_PEAK_CHECK_BYTES = 1 << 20 };

#endif
