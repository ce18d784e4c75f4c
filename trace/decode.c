/* The trace reader's decoding: a chunk's bytes read, checked and decoded into events, and every chunk checked whole. */
#include "reader_state.h"

#include <stdlib.h>

#include "out_of_memory.h"

/*
 * A varint (LEB128) from *at: at most 10 bytes, and a value wider than 64 bits is corrupt. *at moves past it.
 * Bounded: not past end (an event near its chunk's end); else the caller knows that a whole event's longest
 * encoding is left, and no byte is checked against the end. Always inlined, on a pointer held in a register,
 * each caller's copy made for its own case: the decoding is a large share of a replay's reading.
 */
#define DECODER static inline __attribute__((always_inline))
DECODER bool take_varint(const unsigned char **at, const unsigned char *end, bool bounded, uint64_t *value)
{
    enum { LONGEST = 10 };
    const unsigned char *bytes = *at;
    size_t limit = LONGEST;
    if (bounded) {
        size_t left = (size_t)(end - bytes);
        if (left == 0)
            return false;
        if (left < limit)
            limit = left;
    }
    uint64_t result = bytes[0] & 0x7f;
    if (!(bytes[0] & 0x80)) { /* one byte: most of a trace's times and many sizes */
        *at = bytes + 1;
        *value = result;
        return true;
    }
    for (size_t i = 1; i < limit; i++) {
        unsigned char byte = bytes[i];
        if (i == LONGEST - 1 && byte > 1)
            return false;
        result |= (uint64_t)(byte & 0x7f) << (7 * i);
        if (!(byte & 0x80)) {
            *at = bytes + i + 1;
            *value = result;
            return true;
        }
    }
    return false;
}

/* A pointer: 0 for NULL, else 1 + the zigzag of its distance from the thread's previous pointer. */
DECODER bool take_pointer(const unsigned char **at, const unsigned char *end, bool bounded, uint64_t *previous,
                          uint64_t *pointer)
{
    uint64_t value;
    if (!take_varint(at, end, bounded, &value))
        return false;
    if (value == 0) {
        *pointer = 0;
        return true;
    }
    *pointer = *previous + (uint64_t)trace_unzigzag(value - 1);
    *previous = *pointer;
    return true;
}

/* An event's fields after its head: false on a corrupt one (at then where it stopped). */
DECODER bool take_fields(const unsigned char **at, const unsigned char *end, bool bounded, uint64_t *previous_pointer,
                         struct trace_event *event)
{
    if (trace_op_has_alignment(event->op) && !take_varint(at, end, bounded, &event->alignment))
        return false;
    switch (event->op) {
    case TRACE_MARK:
        return take_varint(at, end, bounded, &event->mark);
    case TRACE_CPU:
        return take_varint(at, end, bounded, &event->cpu_ns);
    case TRACE_TRIM:
        return take_varint(at, end, bounded, &event->size);
    case TRACE_THREAD_END:
        return true;
    case TRACE_MEMALIGN: /* its alignment taken above; then size and pointer */
    case TRACE_POSIX_MEMALIGN:
    case TRACE_ALIGNED_ALLOC:
    case TRACE_MALLOC:
    case TRACE_CALLOC:
    case TRACE_REALLOC:
    case TRACE_REALLOCARRAY:
    case TRACE_VALLOC:
    case TRACE_PVALLOC:
        if (!take_varint(at, end, bounded, &event->size) ||
            !take_pointer(at, end, bounded, previous_pointer, &event->pointer))
            return false;
        return !event->pointer || event->size <= TRACE_MAX_HEAP_BYTES || /* a larger one never succeeded */
               (event->op == TRACE_PVALLOC && trace_pvalloc_wraps(event->size));
    default:
        return take_pointer(at, end, bounded, previous_pointer, &event->pointer);
    }
}

/* Every field of struct trace_event is set below: one added there must be set here too. */
_Static_assert(sizeof(void *) != 8 || sizeof(struct trace_event) == 120,
               "a field added to struct trace_event: clear it in decode_event");

/* The cursor's next event; its chunk's end checked at each byte where bounded (see take_varint). */
DECODER bool decode_event(struct cursor *cursor, const struct chunk_ref *chunk, bool *corrupt, bool bounded)
{
    struct trace_event *event = &cursor->next;
    const unsigned char *at = cursor->bytes + cursor->position, *end = cursor->bytes + cursor->length;
    uint64_t head;
    *corrupt = false;
    if (at >= end)
        return false;
    *corrupt = true;
    if (!take_varint(&at, end, bounded, &head) || (head & 15) >= chunk->op_count ||
        (head >> 4) > UINT64_MAX - cursor->ns)
        return false;
    /* Field by field: a compound literal here was a string store (rep stos) per event, slow to start. */
    event->op = (enum trace_op)(head & 15);
    event->image = chunk->image;
    event->thread = chunk->thread;
    event->size = event->alignment = event->pointer = event->mark = event->cpu_ns = 0;
    event->live_bytes = event->live_blocks = event->tag = event->old_size = event->displaced_tag = 0;
    event->failed = event->order_error = event->thread_ends = false;
    cursor->ns += head >> 4;
    if (cursor->ns > chunk->latest_ns)
        return false; /* timed after its image's end: corrupt */
    event->ns = cursor->ns;
    *corrupt = !take_fields(&at, end, bounded, &cursor->prev_pointer, event);
    cursor->position = (size_t)(at - cursor->bytes);
    return !*corrupt;
}

bool trace_decode_event(struct cursor *cursor, const struct chunk_ref *chunk, bool *corrupt)
{
    if (cursor->length - cursor->position >= TRACE_EVENT_MAX)
        return decode_event(cursor, chunk, corrupt, false);
    return decode_event(cursor, chunk, corrupt, true);
}

int trace_bad_event(const struct cursor *cursor, const struct chunk_ref *chunk, char *error, size_t error_size)
{
    const struct trace_event *event = &cursor->next;
    bool too_large = event->pointer && event->size > TRACE_MAX_HEAP_BYTES && !trace_op_releases(event->op) &&
                     !trace_op_is_note(event->op) && !(event->op == TRACE_PVALLOC && trace_pvalloc_wraps(event->size));
    return trace_failure(error, error_size, "corrupt trace: the chunk at byte %llu (thread %llu) has %s",
                         chunk_block_at(chunk), (unsigned long long)chunk->thread,
                         cursor->ns > chunk->latest_ns ? "an event timed after its program's end"
                         : too_large ? "an allocation larger than any address space (2^57 bytes) that succeeded"
                                     : "a bad event");
}

int trace_load_chunk(struct trace_reader *reader, struct cursor *cursor, char *error, size_t error_size)
{
    for (; cursor->current < cursor->last; cursor->current++) {
        const struct chunk_ref *chunk = &reader->chunks[cursor->current];
        unsigned char *bytes = realloc(cursor->bytes, chunk->length ? chunk->length : 1);
        bool corrupt;
        if (!bytes)
            out_of_memory("a chunk of the trace", 1, chunk->length ? chunk->length : 1);
        cursor->bytes = bytes;
        cursor->length = chunk->length;
        cursor->position = 0;
        cursor->ns = chunk->base_ns;
        cursor->prev_pointer = 0;
        if (trace_read_at(reader, chunk->offset, bytes, chunk->length) < chunk->length)
            return trace_failure(error, error_size, "cannot read the chunk at byte %llu of the trace", chunk_block_at(chunk));
        if (chunk->checked && trace_check(chunk->thread, chunk->number, chunk->base_ns, bytes, chunk->length) != chunk->check)
            return trace_failure(error, error_size,
                                 "corrupt trace: the chunk at byte %llu (thread %llu) does not match its check: its "
                                 "bytes changed after they were written", chunk_block_at(chunk),
                                 (unsigned long long)chunk->thread);
        if (trace_decode_event(cursor, chunk, &corrupt))
            return 1;
        if (corrupt)
            return trace_bad_event(cursor, chunk, error, error_size);
    }
    free(cursor->bytes);
    cursor->bytes = NULL;
    return 0; /* the thread has no more events */
}

int trace_check_chunks(struct trace_reader *reader, char *error, size_t error_size)
{
    struct cursor cursor = {0};
    uint64_t thread_ns = 0; /* the time the thread's chunks before this one reached */
    int result = 0;
    for (size_t i = 0; i < reader->chunk_count && result == 0; i++) {
        const struct chunk_ref *chunk = &reader->chunks[i];
        bool corrupt, same_thread = i > 0 && chunk[-1].image == chunk->image && chunk[-1].thread == chunk->thread;
        if (!same_thread)
            thread_ns = 0; /* a thread's first chunk: no time of its own yet (an empty chunk leaves none either) */
        cursor.first = cursor.current = i;
        cursor.last = i + 1;
        int loaded = trace_load_chunk(reader, &cursor, error, error_size);
        if (loaded <= 0) {
            result = loaded;
            continue;
        }
        if (same_thread && cursor.next.ns < thread_ns)
            result = trace_failure(error, error_size, "corrupt trace: thread %llu goes back in time at byte %llu",
                                   (unsigned long long)chunk->thread, chunk_block_at(chunk));
        while (result == 0 && trace_decode_event(&cursor, chunk, &corrupt))
            ;
        if (result == 0 && corrupt)
            result = trace_bad_event(&cursor, chunk, error, error_size);
        thread_ns = cursor.ns;
    }
    free(cursor.bytes);
    return result;
}
