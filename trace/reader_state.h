/* The trace reader's own state, shared by its files (reader.c, index.c, decode.c, merge.c); not for its users. */
#ifndef FRAGBENCH_TRACE_READER_STATE_H
#define FRAGBENCH_TRACE_READER_STATE_H

#include "live.h"
#include "reader.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Where a chunk is in the file. */
struct chunk_ref {
    uint64_t offset; /* of its events (TRACE_BLOCK_HEAD and TRACE_CHUNK_FIXED into its block) */
    uint32_t length; /* of its events */
    uint32_t thread, number, image;
    uint64_t base_ns;
    uint64_t latest_ns; /* no event of it may be later: its image's end and a margin, or UINT64_MAX */
    uint8_t op_count;   /* the operations its trace's version has (version 1: no CPU notes) */
    bool checked;       /* it carries its check (trace_check: version 3 on) */
    uint32_t check;
};

/* Where a chunk's block starts in the file: what a message names (a reader of the file finds its head there). */
static inline unsigned long long chunk_block_at(const struct chunk_ref *chunk)
{
    return (unsigned long long)(chunk->offset - TRACE_BLOCK_HEAD - TRACE_CHUNK_FIXED);
}

/* An image's start (its image block) and end (its end block; 0 while it has none). */
struct image_span {
    uint64_t start_ns, end_ns;
};

/* The block a thread's realloc took out of the live set at its start, until the call's end says what became of it. */
struct pending_realloc {
    uint64_t pointer, size, tag;
    bool valid;
};

/* One thread's place in the merge: its chunks, the one loaded, and its next event. */
struct cursor {
    size_t first, last, current; /* its chunks in the index: [first, last); current is the one to read */
    unsigned char *bytes;        /* the loaded chunk's events, or NULL before it is loaded */
    size_t length, position;
    uint64_t ns, prev_pointer;
    struct trace_event next;     /* valid when bytes is not NULL; before its first chunk is loaded, its time alone */
    bool unloaded;               /* in the merge by its first chunk's base time, that chunk not read yet */
    struct pending_realloc pending; /* the thread's realloc under way */
};

struct trace_reader;

/* Reads up to length bytes at offset of the trace's file (fewer only at its end or on an error): how many. */
size_t trace_read_at(const struct trace_reader *reader, uint64_t offset, void *into, size_t length);

struct trace_reader {
    /*
     * The trace's file, read with pread, never through stdio: a FILE and its buffer come from malloc, and in the
     * replayer malloc is the allocator under test. jq's trace replayed under jemalloc grew 8 MB less than jq (14%)
     * because stdio's buffer of 4 KiB, allocated before the trace's first call, moved one page of jemalloc's heap
     * and with it whether 8 MiB of free extents merged (and were purged at once) or not (docs/replay.md).
     */
    int fd;
    struct trace_info info;
    struct chunk_ref *chunks;
    size_t chunk_count;
    size_t image_first;          /* the current image's first chunk in the index */
    unsigned image;              /* the image being merged */
    struct cursor *cursors;
    size_t cursor_count;
    struct cursor **heap;        /* cursors ordered by their next event */
    size_t heap_size;
    struct cursor **blocked;     /* cursors whose next event waits for another thread's (see trace_next) */
    struct trace_row *rows;      /* the rows blocks' */
    size_t row_count, row_room;
    struct image_span *spans;    /* by image */
    size_t blocked_count;
    /* The live set as of the events returned so far (each thread's realloc under way is its cursor's). */
    struct live_set live;
};

/* Reads the blocks after the magic once: the images, the chunks' places, the rows, the stops and ends (index.c). */
int trace_index_blocks(struct trace_reader *reader, char *error, size_t error_size);

/* Loads the cursor's current chunk and decodes its first event: 1; 0 when the thread has no more; -1 on a read
   error or a corrupt chunk (decode.c). */
int trace_load_chunk(struct trace_reader *reader, struct cursor *cursor, char *error, size_t error_size);

/* Decodes the cursor's next event from its chunk; false at the chunk's end or on a corrupt event (*corrupt). */
bool trace_decode_event(struct cursor *cursor, const struct chunk_ref *chunk, bool *corrupt);

/* The message for a chunk with an event that cannot be decoded; returns -1 (decode.c). */
int trace_bad_event(const struct cursor *cursor, const struct chunk_ref *chunk, char *error, size_t error_size);

/* Frees the cursors of the image being merged, and their loaded chunks (merge.c). */
void trace_drop_cursors(struct trace_reader *reader);

#endif
