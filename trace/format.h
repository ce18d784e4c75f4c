/* The trace file format shared by the recorder (writes it) and the reader (reads it); docs/recording.md describes it. */
#ifndef FRAGBENCH_TRACE_FORMAT_H
#define FRAGBENCH_TRACE_FORMAT_H

#include <stddef.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/*
 * A trace is the file magic (8 bytes, "FBTRACE" and the format version as one byte), then blocks. Every block
 * is a 4-byte kind, a 4-byte payload length (both little-endian) and the payload. A reader skips kinds it does
 * not know, so a block kind may be added without a new version; a change to an existing block needs one.
 */
#define TRACE_MAGIC "FBTRACE"
/* A trace compressed with zstd (FILE.zst) starts with zstd's frame magic instead, these 4 bytes. */
#define TRACE_ZSTD_MAGIC "\x28\xb5\x2f\xfd"
/*
 * The version written; a reader reads every version from TRACE_VERSION_OLDEST (1: without the CPU notes; 2:
 * without the chunks' checks; 3: without the other blocks' checks; 4: without the rows every 5% of the events and
 * the profile in the allocator block, which a reader of version 4 would misread; 5: without the threads' ends).
 */
#define TRACE_VERSION 6
#define TRACE_VERSION_THREAD_ENDS 6    /* the first that notes a thread's end (TRACE_THREAD_END) */
#define TRACE_VERSION_CHECKED 3        /* the first whose chunks carry the check of their events */
#define TRACE_VERSION_BLOCKS_CHECKED 4 /* the first whose other blocks are each followed by their check block */
#define TRACE_VERSION_OLDEST 1
#define TRACE_MAGIC_SIZE 8
#define TRACE_BLOCK_HEAD 8

/* The largest payload a reader accepts: a recorder's chunk is far below it, so a larger length is corruption. */
#define TRACE_MAX_PAYLOAD (16u << 20)

/*
 * The most bytes a block that was handed out, or the live heap, can hold: 2^57, the largest address space (x86-64's
 * and arm64's with five-level paging). A reader refuses a larger allocation that succeeded, and a live heap that
 * passes it, as corrupt (a crafted size of 2^63 twice wrapped the live heap's count around to its few bytes).
 */
#define TRACE_MAX_HEAP_BYTES (1ull << 57)

/*
 * But for pvalloc of a size whose rounding up to whole pages (of up to 64 KiB) wraps past 2^64: tcmalloc's wraps to
 * 0 and hands out a block, holding none of it. Such a call is read, and its block counted as 0 bytes live.
 */
static inline bool trace_pvalloc_wraps(uint64_t size)
{
    return size > UINT64_MAX - (1ull << 16) + 1;
}

/*
 * How far an event's time may lie outside its image's: before its image block's time by a coarse clock's lag (a
 * tick, 4 ms, with room), after its end block's by what the exit's handlers and the threads still running may
 * take. A reader refuses times beyond them as corrupt.
 */
#define TRACE_EARLY_NS 1000000000ull
#define TRACE_LATE_NS 60000000000ull

enum trace_block_kind {
    /*
     * An image: a process image starts recording (the first one, and one after each exec). Payload: u32 page
     * size, u32 pid, u32 clock id (CLOCK_MONOTONIC_COARSE by default, or CLOCK_MONOTONIC), u32 flags (0), u64
     * start time in ns on CLOCK_MONOTONIC, u64 size cap in bytes, then the executable, NUL-terminated.
     */
    TRACE_BLOCK_IMAGE = 0x474d4921, /* "!IMG" */
    /* The allocator that serves the recorded calls: NUL-terminated name, then version. */
    TRACE_BLOCK_ALLOCATOR = 0x434f4c41, /* "ALOC" */
    /*
     * A chunk of one thread's events. Payload: u32 thread, u32 chunk number (per thread, from 0), u32 flags (1:
     * a copy taken at exit while the thread still ran), u32 the check of the chunk (trace_check: its thread,
     * number, base time and events; 0 before version 3), u64 time of the chunk's base in ns, then the events. A chunk may appear twice
     * when the recorder copied a thread's buffer at exit while that thread still ran: the copies agree on what
     * they share, and the reader keeps the longer.
     */
    TRACE_BLOCK_CHUNK = 0x4b4e4843, /* "CHNK" */
    /*
     * Recording stopped before the program ended (the size cap, or a failed write). Payload: u64 time in ns up
     * to which the events are complete, u64 bytes written, u32 reason (trace_stop_reason), u32 the ending
     * signal's number at TRACE_STOP_ENDING_SIGNAL, the failed write's errno at TRACE_STOP_WRITE_FAILED (else 0).
     */
    TRACE_BLOCK_STOP = 0x504f5453, /* "STOP" */
    /* The image ended cleanly (exit, or exec into another): u64 time in ns, u32 1 for exec else 0, u32 reserved. */
    TRACE_BLOCK_END = 0x21444e45, /* "END!" */
    /*
     * The recorded run's rows, appended by the runner after the run, for a replay to sample at the same points:
     * per row, u64 mark number (0: placed by time), u64 time in ns, u64 RSS in kB, u64 anonymous RSS in kB, u64
     * live bytes, then the label, NUL-terminated. The run's peak of RSS is a row labelled "Recorded peak" ("Peak RSS" before 2026-12-03).
     * A mark number with TRACE_ROW_AT_EVENT set is no mark: the row stands after that many events of the last
     * image (the rest of the field), the rows "5%" to "95%" of its events (from 2026-12-06; before, a replay
     * placed them by time). RSS 0: not measured there (the rows every 5% have the RSS and anonymous RSS of the
     * run's sample nearest their time, within 100 ms, from 2026-12-06; 0 before).
     * Rows beyond TRACE_MAX_PAYLOAD go on in another rows block; a reader reads the rows of every one as one list.
     */
    TRACE_BLOCK_ROWS = 0x53574f52, /* "ROWS" */
    /* The exec an end block announced failed: the image records on, and its end is still to come. No payload. */
    TRACE_BLOCK_RESUME = 0x454d5352, /* "RSME" */
    /*
     * The check of the block just before it, which is not a chunk (version 4 on: every such block has one, written
     * with it). Payload: u32 trace_block_check of that block's kind and payload.
     */
    TRACE_BLOCK_CHECK = 0x4b454843, /* "CHEK" */
};

/*
 * Why recording stopped: the size cap; a write to the file failed; a thread's buffer could not be mapped; the
 * runner asked (TRACE_STOP_SIGNAL_NUMBER, at --duration), every thread's calls written out first (version 6 on);
 * a signal handler made more calls than the recorder keeps while the call it interrupted was being recorded; the
 * program was ended by a signal it left to its default (SIGINT, SIGTERM, SIGHUP: its number beside the reason),
 * every thread's calls written out first (from 2026-12-07).
 */
enum trace_stop_reason {
    TRACE_STOP_CAP = 1, TRACE_STOP_WRITE_FAILED = 2, TRACE_STOP_NO_BUFFER = 3, TRACE_STOP_SIGNAL = 4,
    TRACE_STOP_HANDLER_CALLS = 5, TRACE_STOP_ENDING_SIGNAL = 6,
};

/*
 * The signal by which the runner asks the recorder to write every thread's calls out and stop recording (a
 * service stopped at --duration): a realtime signal near the top, which programs seldom use, and not SIGTERM,
 * whose handler a program may look at or keep (CRuby keeps an inherited one, in place of its own). The recorder
 * takes it only where the program left it to its default.
 */
#define TRACE_STOP_SIGNAL_NUMBER (SIGRTMAX - 4)

#define TRACE_IMAGE_FIXED 32
#define TRACE_CHUNK_FIXED 24
#define TRACE_STOP_SIZE 24
#define TRACE_END_SIZE 16

/*
 * The operations. Each event is a varint (delta time in ns since the previous event of the chunk, shifted left
 * four bits, or'ed with the operation), then the operation's fields as varints: sizes and alignments as they
 * are, pointers as the zigzag of their difference from the chunk's previous pointer. A realloc is two events:
 * its old block leaves the live set when the call starts (another thread may be handed that address before
 * the call returns), and its result joins it when the call returns; if the call fails, the old block is
 * live again.
 */
enum trace_op {
    TRACE_MALLOC = 0,         /* size, pointer */
    TRACE_CALLOC = 1,         /* size (nmemb x size), pointer */
    TRACE_REALLOC_START = 2,  /* old pointer (0 for realloc(NULL, n)) */
    TRACE_REALLOC = 3,        /* size, new pointer (0 when it failed, or freed for realloc(p, 0)) */
    TRACE_REALLOCARRAY = 4,   /* as TRACE_REALLOC, for reallocarray(); its start is TRACE_REALLOC_START */
    TRACE_FREE = 5,           /* pointer (0 for free(NULL)) */
    TRACE_MEMALIGN = 6,       /* alignment, size, pointer */
    TRACE_POSIX_MEMALIGN = 7, /* alignment, size, pointer (0 when it failed) */
    TRACE_ALIGNED_ALLOC = 8,  /* alignment, size, pointer */
    TRACE_VALLOC = 9,         /* size, pointer (page-aligned) */
    TRACE_PVALLOC = 10,       /* size as asked (the allocator rounds it up to pages), pointer */
    TRACE_MARK = 11,          /* a mark's number (the program's phase, placed exactly among its thread's calls) */
    /*
     * The process's CPU time (all its threads, user and system) in ns, read at most once a millisecond of the
     * event clock, before the event that found it due, and once at the image's end in a program that made a call
     * (version 2 on; the end's note since 2026-12-05): between two notes, the CPU time spent
     * against the wall time passed tells whether a pause without calls was idle or busy.
     */
    TRACE_CPU = 12,
    /*
     * The program's release call, malloc_trim(pad), after it returned (version 2 on): the pad. A replay makes the
     * release call of the allocator under test there (docs/replay.md).
     */
    TRACE_TRIM = 13,
    /*
     * The thread ends (version 6 on): written as its key destructor runs, after its function returned; no field.
     * Events of it may follow (other destructors' calls). A replay has the thread's replay end there, before any
     * later call of another thread: an allocator's work at a thread's end (mimalloc abandons its heap, jemalloc
     * and tcmalloc flush its cache) comes before the frees that follow, as it did in the program.
     */
    TRACE_THREAD_END = 14,
    TRACE_OP_COUNT = 15,
};

/* The longest encoded event: the head and three fields of ten bytes each. */
#define TRACE_EVENT_MAX 40

/* A rows block's mark field with this bit set: the row stands after the rest of the field's events (see ROWS). */
#define TRACE_ROW_AT_EVENT (UINT64_C(1) << 63)

/* The operations' names, as in the counts the reports print. */
extern const char *const trace_op_names[TRACE_OP_COUNT];

/* Appends value as a LEB128 varint at out; returns the bytes written (1 to 10). */
static inline size_t trace_put_varint(unsigned char *out, uint64_t value)
{
    size_t n = 0;
    while (value >= 0x80) {
        out[n++] = (unsigned char)(value | 0x80);
        value >>= 7;
    }
    out[n++] = (unsigned char)value;
    return n;
}

/* Maps a signed difference to an unsigned one with small magnitudes small (zigzag). */
static inline uint64_t trace_zigzag(int64_t value)
{
    return ((uint64_t)value << 1) ^ (uint64_t)(value >> 63);
}

static inline int64_t trace_unzigzag(uint64_t value)
{
    return (int64_t)(value >> 1) ^ -(int64_t)(value & 1);
}

static inline void trace_put_u32(unsigned char *out, uint32_t value)
{
    for (int i = 0; i < 4; i++)
        out[i] = (unsigned char)(value >> (8 * i));
}

static inline void trace_put_u64(unsigned char *out, uint64_t value)
{
    for (int i = 0; i < 8; i++)
        out[i] = (unsigned char)(value >> (8 * i));
}

/* Written out byte by byte: the compiler makes each one load (a loop here it left as a loop, in the check's). */
static inline uint32_t trace_get_u32(const unsigned char *in)
{
    return (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 | (uint32_t)in[3] << 24;
}

static inline uint64_t trace_get_u64(const unsigned char *in)
{
    return (uint64_t)trace_get_u32(in) | (uint64_t)trace_get_u32(in + 4) << 32;
}

/*
 * The check of a chunk: a hash of its thread, number and base time and of its events' bytes, eight at a time
 * (each word mixed in by a multiply and a shift, so any changed byte changes the result but for one chance in
 * 2^32). It finds bytes changed after they were written (a disk, a copy, a hand), not a forger. A chunk of 64 KiB
 * takes about 10 µs. Not covered: the chunk's flags (the other blocks have a check of their own from version 4).
 */
static inline uint32_t trace_check(uint32_t thread, uint32_t number, uint64_t base_ns, const unsigned char *bytes,
                                   size_t length)
{
    uint64_t hash = 0x9e3779b97f4a7c15ull ^ length;
    hash = (hash ^ ((uint64_t)thread << 32 | number)) * 0xff51afd7ed558ccdull;
    hash ^= hash >> 32;
    hash = (hash ^ base_ns) * 0xff51afd7ed558ccdull;
    hash ^= hash >> 32;
    size_t at = 0;
    for (; at + 8 <= length; at += 8) {
        hash = (hash ^ trace_get_u64(bytes + at)) * 0xff51afd7ed558ccdull;
        hash ^= hash >> 32;
    }
    for (; at < length; at++)
        hash = (hash ^ bytes[at]) * 0x100000001b3ull;
    hash ^= hash >> 29;
    hash *= 0xc4ceb9fe1a85ec53ull;
    return (uint32_t)(hash ^ (hash >> 32));
}

/* The check of a block that is not a chunk: its kind, its length and its payload (a check block follows it). */
static inline uint32_t trace_block_check(uint32_t kind, const unsigned char *payload, size_t length)
{
    return trace_check(kind, (uint32_t)length, 0, payload, length);
}

#define TRACE_CHECK_BLOCK_SIZE (TRACE_BLOCK_HEAD + 4)

/* The check block of a block of kind with this payload, into out (TRACE_CHECK_BLOCK_SIZE bytes). */
static inline void trace_put_check_block(unsigned char *out, uint32_t kind, const unsigned char *payload, size_t length)
{
    trace_put_u32(out, TRACE_BLOCK_CHECK);
    trace_put_u32(out + 4, 4);
    trace_put_u32(out + TRACE_BLOCK_HEAD, trace_block_check(kind, payload, length));
}

/* Whether a row's label is one of a replay's stations, the rows every 5% of the events ("5%" to "95%", see ROWS). */
static inline bool trace_row_is_station(const char *label)
{
    size_t digits = strspn(label, "0123456789");
    return digits > 0 && strcmp(label + digits, "%") == 0;
}

/* Whether an operation's event holds the alignment asked (before its size): whatever its value, 0 too. */
static inline int trace_op_has_alignment(enum trace_op op)
{
    return op == TRACE_MEMALIGN || op == TRACE_POSIX_MEMALIGN || op == TRACE_ALIGNED_ALLOC;
}

/* Whether an operation's event ends with a pointer: every call's but the release call's; no note's. */
static inline int trace_op_has_pointer(enum trace_op op)
{
    return op != TRACE_MARK && op != TRACE_CPU && op != TRACE_TRIM && op != TRACE_THREAD_END;
}

/* Whether an operation is a note in the trace (a mark, the CPU time, a thread's end) rather than a call of the program's. */
static inline int trace_op_is_note(enum trace_op op)
{
    return op == TRACE_MARK || op == TRACE_CPU || op == TRACE_THREAD_END;
}

/* Whether an operation takes a block out of the live set (its event orders before an allocation at the same time). */
static inline int trace_op_releases(enum trace_op op)
{
    return op == TRACE_FREE || op == TRACE_REALLOC_START;
}

#endif
