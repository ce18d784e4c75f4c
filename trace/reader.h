/* Reads a trace file: its header blocks, then every event of every thread merged into one order. */
#ifndef FRAGBENCH_TRACE_READER_H
#define FRAGBENCH_TRACE_READER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <stdio.h>

#include "format.h"

/* What the trace says of itself, known once it is open. */
struct trace_info {
    unsigned version;
    uint32_t page_size, pid, clock_id;
    uint64_t start_ns; /* the first image's start, on clock_id */
    uint64_t cap_bytes;
    char exe[PATH_MAX];       /* the first image's executable */
    char last_exe[PATH_MAX];  /* the last image's (it differs after an exec) */
    char allocator[64], allocator_version[64];
    char allocator_profile[64]; /* the profile recorded under (fragbench's name, from 2026-12-06); "" if not told */
    unsigned images;
    uint64_t chunks, file_bytes; /* file_bytes: the trace's, after zstd where the file is compressed */
    uint64_t last_image_events_chunks; /* the last image's chunks that hold events (a replay makes its calls only) */
    bool compressed;     /* the file starts with zstd's frame magic (whatever its name): read through zstd */
    uint64_t stored_bytes; /* the file's own size on disk (smaller than file_bytes where compressed) */
    bool compressed_cut;   /* compressed, and the file ends inside zstd's frame: the trace is what zstd decompressed */
    bool ended;          /* the last image wrote its end block: the program exited (or exec'd) cleanly */
    bool stopped;        /* recording stopped early: the events are complete up to complete_until_ns only */
    uint32_t stop_reason;
    uint32_t stop_detail;         /* the ending signal's number, or the failed write's errno (0: not said) */
    uint64_t complete_until_ns;
    bool cut_block;      /* the file ends inside a block (the program died while it was being written) */
    bool cut_after_end;  /* it ends inside a chunk after its last image's end: a thread's write as the process ended */
    uint64_t cut_after_end_at; /* and where that chunk begins: the trace is whole before it */
    uint64_t gaps;       /* chunks missing between a thread's chunks (a write was lost) */
    unsigned unended_images; /* images followed by another without their end block */
    bool exec_unrecorded; /* the last image ended in an exec and no image followed: the new program did not record */
    uint64_t last_ns;    /* the latest time the trace tells of: its last end block's or its last event's */
    uint32_t last_image_threads; /* the threads the last image numbered: those a replay makes again */
    const struct trace_row *rows; /* the recorded run's rows (the rows block), owned by the reader; NULL if none */
    size_t row_count;
};

/* A row of the recorded run (the rows block): where a replay samples, and what the recording measured there. */
struct trace_row {
    uint64_t mark, ns, rss_kb, anon_kb, live_bytes;
    char label[128];
};

struct trace_event {
    enum trace_op op;
    unsigned image;    /* 0 for the first image; exec starts the next, with a fresh heap */
    uint32_t thread;   /* the recorder's number for the thread, from 0 in each image */
    uint64_t ns;       /* CLOCK_MONOTONIC */
    uint64_t size;     /* as asked (calloc: count x size); 0 for releases; TRACE_TRIM: the pad */
    uint64_t alignment;
    uint64_t pointer;  /* the block allocated or released; 0 for NULL */
    uint64_t mark;     /* TRACE_MARK: the mark's number (its CLOCK_MONOTONIC time, as the phase record says) */
    uint64_t cpu_ns;   /* TRACE_CPU: the process's CPU time then, in ns */
    /* Set by the reader as it applies the event to the live set: */
    uint64_t live_bytes, live_blocks; /* the live heap after it (requested bytes, blocks) */
    bool failed;       /* an allocation that returned NULL (a failed realloc leaves its block live) */
    bool order_error;  /* inconsistent with the events before it even after waiting (see trace_next) */
    uint64_t tag;      /* with trace_keep_tags: a release's block's tag; a realloc's (start and end) old block's */
    uint64_t old_size; /* a realloc's end: the old block's size (0 for realloc(NULL, n)) */
    bool thread_ends;  /* the thread's last event in the trace (it ended, or the recording did) */
    /*
     * With trace_keep_tags: an allocation at an address where a block was still live (an order error): the tag
     * of that block, which the program's allocator had evidently taken back by a path the recorder did not see
     * (a replay releases it first); 0 otherwise.
     */
    uint64_t displaced_tag;
};

struct trace_reader;

/* What a file that is not a regular one is, in words ("a character device"); NULL for a regular file. A trace is
   read by seeking in it, and written as one: it must be a regular file. */
const char *trace_file_kind(mode_t mode);

/* Opens and indexes a trace; returns NULL with what is wrong in error (not a trace, a future version, unreadable). */
struct trace_reader *trace_open(const char *path, char *error, size_t error_size);

/* The same for a file open on fd (read with pread: a regular file), which the reader then owns and closes; name is
   for messages. */
struct trace_reader *trace_open_fd(int fd, const char *name, char *error, size_t error_size);

/*
 * The descriptor the reader reads with pread: the trace's file, or a compressed trace's decompressed copy (an
 * unnamed temporary file, gone once no descriptor holds it). The reader's own: dup it to keep the copy past
 * trace_close, and hand it to trace_open_fd to read the trace again without decompressing it again.
 */
int trace_descriptor(const struct trace_reader *reader);

const struct trace_info *trace_info(const struct trace_reader *reader);

/*
 * The next event in time order across threads, each consistent with the live set of the events before it (a
 * release waits for its block's allocation in another thread, an allocation for its address's release), with
 * the live heap after it: returns 1, 0 at the end, or -1 with what is wrong in error (a corrupt chunk). Memory
 * stays bounded by one chunk per thread and the live set.
 */
int trace_next(struct trace_reader *reader, struct trace_event *event, char *error, size_t error_size);

/*
 * Decodes every chunk once, in file order, without the merge or the live set: -1 with the same message trace_next
 * would give for the first corrupt chunk, else 0. For a check before the trace is used (a fraction of a replay).
 */
int trace_check_chunks(struct trace_reader *reader, char *error, size_t error_size);

void trace_close(struct trace_reader *reader);

/* Keeps a tag per live block from now on (call before the first trace_next): a replay's handle for it. */
void trace_keep_tags(struct trace_reader *reader);

/* The same for tags below 2^32, kept in the live set's slots (a tenth faster on a large trace: live.h). */
void trace_keep_small_tags(struct trace_reader *reader);

/* Sets the tag of a live block (an allocation just returned); false if none is live at that address. */
bool trace_set_tag(struct trace_reader *reader, uint64_t pointer, uint64_t tag);

/* The live set as of the last event returned (requested sizes by address): for a replay to look blocks up. */
struct live_set;
const struct live_set *trace_live_set(const struct trace_reader *reader);

/* Writes a formatted error message into error (as every function here does) and returns -1. */
__attribute__((format(printf, 3, 4))) int trace_failure(char *error, size_t size, const char *format_text, ...);

/*
 * Puts the trace's name before a message found while reading it ("NAME: corrupt trace: ..."): trace_open names
 * the trace in its own messages, trace_next and trace_check_chunks do not (their callers know it).
 */
void trace_name_error(const char *name, char *error, size_t error_size);

/* The most threads over a program's life that fb-replay follows (a slot each, 8 bytes): past it, it refuses. */
#define TRACE_REPLAY_MAX_THREADS (1u << 24)

/* Whether the trace holds every call of the run: it ended cleanly, was not stopped, and lost no block. */
bool trace_is_complete(const struct trace_info *info);

/*
 * The time up to which the trace holds every call of the run (UINT64_MAX: to its end): where a stopped recording
 * stopped; a program that died, or exec'd one that did not record, past its last event known. The live heap at a
 * later time is unknown. (Chunks lost in between make the live heap approximate, not unknown.)
 */
uint64_t trace_known_until(const struct trace_info *info);

/* The step of the trace's clock where it is coarse (the events it cannot order against a time), else 0. */
uint64_t trace_clock_step_ns(const struct trace_info *info);

/* "truncated: ..." or "complete", the words the reports use for a trace's state. */
void trace_state_text(const struct trace_info *info, char *out, size_t size);

/*
 * Returns -1 with why in error when the trace at path cannot be replayed: it holds no events (nothing to replay),
 * or numbers more threads than the replay follows (TRACE_REPLAY_MAX_THREADS); else 0.
 */
int trace_check_replayable(const struct trace_info *info, const char *path, char *error, size_t error_size);

#endif
